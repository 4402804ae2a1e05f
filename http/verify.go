package http

import (
	"bytes"
	"context"
	"net/http"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// Verify checks a sealed envelope, or the envelope of a bundle, against
// this platform's current trust list and root key and its record of
// revoked documents: fresher than any bundle. A document the platform
// stored is judged at the time it was stored at the latest, so a seal
// cannot be back-dated past a key revocation. It is the verifier to plug
// into the web UI's verification page (Server.WebVerify). Unreadable input
// is EINVALID; a store without sealing is EUNAVAILABLE.
func (s *Server) Verify(ctx context.Context, doc []byte) (*bundle.Verification, error) {
	if s.KeyService == nil || s.DocumentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document verification is not configured on this server")
	}
	doc = bytes.TrimSpace(doc)
	var logProof *bundle.LogProof
	if bundle.Is(doc) {
		bu, err := bundle.Parse(doc)
		if err != nil {
			return nil, err
		}
		doc, logProof = bu.Envelope, bu.TransparencyLog
	}
	env, err := seal.ParseEnvelope(doc)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Field: "envelope", Err: err,
			Message: "the body is neither a sealed envelope nor a verification bundle: " + ucx.ErrorMessage(err)}
	}
	list, err := s.KeyService.TrustList(ctx)
	if err != nil {
		return nil, err
	}
	rootPEM, err := s.KeyService.TrustRoot(ctx)
	if err != nil {
		return nil, err
	}
	root, err := seal.ParsePublicKeyPEM(rootPEM)
	if err != nil {
		return nil, ucx.Internal("http.Verify", err)
	}
	opts := seal.Options{}
	stored, err := s.DocumentService.FindDocument(ctx, seal.DigestOf(env.Document).String())
	switch {
	case err == nil:
		opts.LoggedAt = stored.CreatedAt
		if stored.RevokedAt != nil {
			at, reason := *stored.RevokedAt, stored.RevokedReason
			opts.DocumentRevoked = func(seal.Digest) (seal.Revocation, bool) { return seal.Revocation{At: at, Reason: reason}, true }
		}
	case ucx.ErrorCode(err) != ucx.ENOTFOUND:
		return nil, err
	}
	r := seal.Verify(doc, list, root, opts)
	var lv *bundle.LogVerdict
	if logProof != nil && r.Integrity.Reason != seal.ReasonMalformed {
		// The bundle's log evidence is checked against this server's own
		// log key, never the bundle's.
		var v note.Verifier
		if s.Log != nil {
			if v, err = tlog.ParseVerifierKey(s.Log.LogVerifierKey()); err != nil {
				return nil, ucx.Internal("http.Verify", err)
			}
		}
		lv = bundle.VerifyLogProof(logProof, r.Digest, v)
		bundle.ApplyLogStatus(r, lv)
	}
	return bundle.NewVerificationWithLog(r, lv), nil
}

// handleVerify is POST /api/v1/verify: public, the body an envelope or a
// bundle, the answer the three verdicts (200 whether valid or not).
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, s.maxBody())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.Verify(r.Context(), body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
