package http

import (
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerKeyRoutes() {
	s.handle("GET /api/v1/keys", s.authenticate(s.handleKeyIndex))
	s.handle("POST /api/v1/keys", s.authenticate(s.handleCreateKey))
	s.handle("POST /api/v1/keys/{id}/revoke", s.authenticate(s.handleRevokeKey))
	// Public: an offline verifier fetches them once and keeps them.
	s.handle("GET /api/v1/trust-list", s.handleTrustList)
	s.handle("GET /api/v1/trust-root", s.handleTrustRoot)
}

func (s *Server) keys() (ucx.KeyService, error) {
	if s.KeyService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document sealing is not configured on this server")
	}
	return s.KeyService, nil
}

func (s *Server) handleKeyIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ks, err := s.keys()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	keys, err := ks.FindKeys(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Key]{Items: nonNil(keys), Total: len(keys), Limit: len(keys)})
}

// handleCreateKey registers a public key or creates a custodial one. The
// answer is the key's public record; no endpoint ever returns a private
// key.
func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ks, err := s.keys()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.KeyRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	var k *ucx.Key
	switch {
	case in.Custodial && in.PublicKeyPEM != "":
		err = ucx.FieldErrorf(ucx.EINVALID, "public_key_pem", "send either public_key_pem (your own key) or custodial true, not both")
	case in.Custodial:
		k, err = ks.CreateCustodialKey(r.Context(), p, in.Alg, in.NotAfter)
	case strings.TrimSpace(in.PublicKeyPEM) == "":
		err = ucx.FieldErrorf(ucx.EINVALID, "public_key_pem", "send the public key made with ucx keygen, or custodial true")
	case in.NotAfter.IsZero():
		err = ucx.FieldErrorf(ucx.EINVALID, "not_after", "give the key's end of validity (RFC 3339)")
	default:
		k, err = ks.RegisterKey(r.Context(), p, in.PublicKeyPEM, in.NotAfter)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}

func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ks, err := s.keys()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.RevokeRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.Envelope) > 0 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "envelope", "a key revocation takes only a reason"))
		return
	}
	k, err := ks.RevokeKey(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// handleTrustList serves the current root-sealed trust list, as the
// envelope ucx verify --trust reads.
func (s *Server) handleTrustList(w http.ResponseWriter, r *http.Request) {
	ks, err := s.keys()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	b, err := ks.TrustList(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeRaw(w, "application/json", b)
}

// handleTrustRoot serves the root public key (PKIX PEM), for ucx verify
// --root-pub. A careful verifier compares it with one obtained out of band.
func (s *Server) handleTrustRoot(w http.ResponseWriter, r *http.Request) {
	ks, err := s.keys()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	b, err := ks.TrustRoot(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/x-pem-file", b)
}

// writeRaw writes bytes that are already the answer.
func writeRaw(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
