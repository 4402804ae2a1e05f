package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
)

func (s *Server) registerDocumentRoutes() {
	// The documents to seal offline (non-custodial sealing).
	s.handle("GET /api/v1/requests/{id}/document", s.authenticate(s.handleConfirmationToSeal))
	s.handle("GET /api/v1/applications/{id}/licence-document", s.authenticate(s.handleLicenceToSeal))
	s.handle("GET /api/v1/documents/{digest}/revocation-document", s.authenticate(s.handleRevocationToSeal))
	s.handle("POST /api/v1/documents/{digest}/revoke", s.authenticate(s.handleRevokeDocument))
	// Public: whoever holds the printed document (its digest is on it and
	// in its QR code) may fetch and verify it.
	s.handle("GET /api/v1/documents/{digest}", s.handleDocument)
	s.handle("GET /api/v1/documents/{digest}/bundle", s.handleBundle)
	s.handle("POST /api/v1/verify", s.handleVerify)
	s.handle("GET /documents/{digest}/print", s.handlePrint)
}

// IssueLicenceRequest is the body of POST /api/v1/applications/{id}/licence:
// the version reviewed and, for an authority sealing offline, the
// envelope of GET …/licence-document sealed with ucx seal.
type IssueLicenceRequest struct {
	Version  *int            `json:"version,omitempty"`
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

func (s *Server) documents() (ucx.DocumentService, error) {
	if s.DocumentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document sealing is not configured on this server")
	}
	return s.DocumentService, nil
}

// envelopeBytes returns a body's envelope, nil when absent. JSON null is
// absent too.
func envelopeBytes(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// handleConfirmationToSeal answers the canonical confirmation document
// that approving with the outlets given (?outlet=ID, repeated) would
// produce today: the bytes to seal with ucx seal. They are sent as they
// are, never re-encoded.
func (s *Server) handleConfirmationToSeal(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var outlets []int64
	for _, v := range r.URL.Query()["outlet"] {
		oid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || oid <= 0 {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "outlet", "outlet must be a positive outlet id, not %q", clip(v)))
			return
		}
		outlets = append(outlets, oid)
	}
	doc, err := ds.ConfirmationToSeal(r.Context(), p, id, outlets)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/json", doc)
}

func (s *Server) handleLicenceToSeal(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc, err := ds.LicenceToSeal(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/json", doc)
}

func (s *Server) handleRevocationToSeal(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc, err := ds.RevocationToSeal(r.Context(), p, r.PathValue("digest"), r.URL.Query().Get("reason"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/json", doc)
}

// handleRevokeDocument revokes a document of the caller's organisation
// with a sealed revocation record, and answers that record.
func (s *Server) handleRevokeDocument(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in RevokeRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	rec, err := ds.RevokeDocument(r.Context(), p, r.PathValue("digest"), in.Reason, envelopeBytes(in.Envelope))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, DocumentResponse{Document: rec, Envelope: rec.Envelope})
}

// DocumentResponse is a stored document with its envelope.
type DocumentResponse struct {
	*ucx.Document
	Envelope json.RawMessage `json:"envelope"`
}

// handleDocument answers the sealed envelope itself, byte for byte, so
// that it can be saved and verified as it is; the record's facts ride in
// headers.
func (s *Server) handleDocument(w http.ResponseWriter, r *http.Request) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := ds.FindDocument(r.Context(), r.PathValue("digest"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("X-Ucx-Document-Kind", d.Kind)
	if d.RevokedAt != nil {
		w.Header().Set("X-Ucx-Revoked-At", d.RevokedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	writeRaw(w, "application/json", d.Envelope)
}

// bundle assembles the verification bundle of a stored document with the
// current trust list, whose revocations are the freshest.
func (s *Server) bundle(r *http.Request, digest string) (*Bundle, *ucx.Document, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, nil, err
	}
	ks, err := s.keys()
	if err != nil {
		return nil, nil, err
	}
	ctx := r.Context()
	d, err := ds.FindDocument(ctx, digest)
	if err != nil {
		return nil, nil, err
	}
	list, err := ks.TrustList(ctx)
	if err != nil {
		return nil, nil, err
	}
	root, err := ks.TrustRoot(ctx)
	if err != nil {
		return nil, nil, err
	}
	revs, err := ds.Revocations(ctx, digest)
	if err != nil {
		return nil, nil, err
	}
	bu := &Bundle{Type: BundleType, Envelope: d.Envelope, TrustList: list, RootPublicKey: string(root), Revocations: []json.RawMessage{}}
	for _, rv := range revs {
		bu.Revocations = append(bu.Revocations, rv.Envelope)
	}
	return bu, d, nil
}

func (s *Server) handleBundle(w http.ResponseWriter, r *http.Request) {
	bu, d, err := s.bundle(r, r.PathValue("digest"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := d.Kind + "-" + strings.TrimPrefix(d.Digest, "sha256:")[:16] + ".bundle.json"
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	writeJSON(w, http.StatusOK, bu)
}

// approveSealed approves a confirmation request with an envelope sealed
// offline (ApprovalRequest.Envelope).
func (s *Server) approveSealed(r *http.Request, p *ucx.Principal, id int64, version int, outlets []int64, env []byte) (*ucx.ConfirmationRequest, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, err
	}
	return ds.ApproveRequestSealed(r.Context(), p, id, version, outlets, env)
}

// issueLicenceBody reads the {id}, the version and the optional envelope
// of POST /api/v1/applications/{id}/licence.
func (s *Server) issueLicenceBody(w http.ResponseWriter, r *http.Request) (id int64, version int, env []byte, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, nil, err
	}
	var in IssueLicenceRequest
	if err = s.decodeJSON(w, r, &in, true); err != nil {
		return 0, 0, nil, err
	}
	version, err = requestVersion(r, in.Version)
	return id, version, envelopeBytes(in.Envelope), err
}

// issueSealed issues a licence with an envelope sealed offline.
func (s *Server) issueSealed(r *http.Request, p *ucx.Principal, appID int64, version int, env []byte) (*ucx.Licence, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, err
	}
	return ds.IssueLicenceSealed(r.Context(), p, appID, version, env)
}
