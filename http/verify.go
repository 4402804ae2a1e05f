package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// Verify verifies a bundle or a bare sealed envelope with bundle.Verify,
// the one verifier of every surface, given what this platform knows: its
// own root (pinned), its current trust list (fresher than any bundle's),
// its log key, and its record of each stored document (when it was logged,
// whether revoked). A document the platform stored is judged at the time
// it was stored at the latest, so a seal cannot be back-dated past a key
// revocation. The platform is online with its log: a document whose
// bundle lacks the log proof (a bare envelope, a stripped bundle) gets
// the log's current proof when the platform holds the document, and is
// "cannot be checked" when it does not. Unreadable input is EINVALID; a
// store without sealing is EUNAVAILABLE.
func (s *Server) Verify(ctx context.Context, doc []byte) (*bundle.Verification, error) {
	if s.KeyService == nil || s.DocumentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document verification is not configured on this server")
	}
	raw := bytes.TrimSpace(doc)
	if docpdf.IsPDF(raw) {
		var err error
		if raw, err = docpdf.Bundle(raw); err != nil {
			return nil, &ucx.Error{Code: ucx.EINVALID, Field: "document", Err: err,
				Message: "the PDF carries no verification bundle ucx can read: " + err.Error()}
		}
		raw = bytes.TrimSpace(raw)
	}
	bu := &bundle.Bundle{Envelope: raw}
	if bundle.Is(raw) {
		var err error
		if bu, err = bundle.Parse(raw); err != nil {
			return nil, err
		}
	} else if _, err := seal.Canonicalize(raw); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Field: "envelope", Err: err,
			Message: "the body is neither a sealed envelope nor a verification bundle: " + ucx.ErrorMessage(err)}
	}
	env, err := seal.ParseEnvelope(bu.Envelope)
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
	opts := bundle.Options{Roots: []*seal.PublicKey{root}, TrustList: list, NoLog: s.Log == nil,
		Lookup: func(d seal.Digest) (*bundle.Record, error) {
			stored, err := s.DocumentService.FindDocument(ctx, d.String())
			switch {
			case ucx.ErrorCode(err) == ucx.ENOTFOUND:
				return nil, nil
			case err != nil:
				return nil, err
			}
			rec := &bundle.Record{LoggedAt: stored.CreatedAt}
			if stored.RevokedAt != nil {
				rec.Revoked = &seal.Revocation{At: *stored.RevokedAt, Reason: stored.RevokedReason}
			}
			return rec, nil
		}}
	if s.Log != nil {
		if opts.LogKey, err = tlog.ParseVerifierKey(s.LogVerifierKey); err != nil {
			return nil, ucx.Internal("http.Verify", err)
		}
		if p := bu.TransparencyLog; p == nil || p.InclusionProof == nil {
			if bu.TransparencyLog, err = s.storedLogProof(ctx, seal.DigestOf(env.Document).String()); err != nil {
				return nil, err
			}
		}
	}
	v, err := bundle.VerifyBundle(bu, opts)
	if err != nil {
		return nil, err
	}
	if err := s.recordFacts(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// recordFacts adds to a verification's facts what the platform's records
// know of a document it holds: its state today (a licence valid, cleared,
// expired, revoked or relying on a revoked letter) and, for a licence,
// whether customs cleared it. A document held nowhere here is left as the
// bundle says, and so is one that did not verify (valid or revoked): the
// record speaks of the genuine document, not of what was shown.
func (s *Server) recordFacts(ctx context.Context, v *bundle.Verification) error {
	if v.Facts == nil || v.Digest == "" || (v.Verdict != bundle.VerdictValid && v.Verdict != bundle.VerdictRevoked) {
		return nil
	}
	st, err := s.DocumentService.DocumentState(ctx, v.Digest)
	switch {
	case ucx.ErrorCode(err) == ucx.ENOTFOUND:
		return nil
	case err != nil:
		return err
	}
	v.Facts.State = string(st)
	if v.Facts.Kind == ucx.DocLicence {
		cleared := st == ucx.LicenceCleared
		v.Facts.Cleared = &cleared
	}
	return nil
}

// verifyStored verifies the stored document named by digest or by
// licence number with Verify, the verifier of every surface. Anyone may
// ask: the answer is the verdict and the document's public facts
// (bundle.Facts.Public), and every fact only when vin is one of the
// document's vehicles (the holder's capability). A wrong VIN answers as no
// VIN: it tells nothing but that it is not on the document.
func (s *Server) verifyStored(r *http.Request, digest, licence, vin string) (*wire.StoredVerification, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, err
	}
	if s.KeyService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document verification is not configured on this server")
	}
	ctx := r.Context()
	var d *ucx.Document
	switch {
	case digest != "":
		d, err = ds.FindDocument(ctx, digest)
	case licence != "":
		d, err = ds.FindLicenceDocument(ctx, licence)
	default:
		err = ucx.FieldErrorf(ucx.EINVALID, "digest", "name the document: ?digest= (printed on it) or ?licence= (its licence number)")
	}
	if err != nil {
		return nil, err
	}
	raw, err := s.verifiableDocument(r, d)
	if err != nil {
		return nil, err
	}
	v, err := s.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	out := &wire.StoredVerification{V: v, Doc: d}
	if v.Facts.HasVIN(vin) {
		out.Full, out.VIN = true, strings.ToUpper(strings.TrimSpace(vin))
	} else {
		out.V = v.PublicView()
	}
	return out, nil
}

// verifiableDocument returns what verifies a stored document: its bundle,
// or its envelope alone when the bundle cannot be made now (its log entry
// awaits the next checkpoint; Verify then asks the log itself).
func (s *Server) verifiableDocument(r *http.Request, d *ucx.Document) ([]byte, error) {
	bu, _, err := s.bundle(r, d.Digest)
	if err == nil {
		return json.Marshal(bu)
	}
	if ucx.ErrorCode(err) != ucx.EUNAVAILABLE {
		return nil, err
	}
	return d.Envelope, nil
}

// handleVerifyLookup is GET /api/v1/verify?digest=|licence=[&vin=]: the
// verdict on a stored document with its public facts, or every fact when
// vin is on it. Public.
func (s *Server) handleVerifyLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sv, err := s.verifyStored(r, strings.TrimSpace(q.Get("digest")), strings.TrimSpace(q.Get("licence")), q.Get("vin"))
	if err != nil {
		s.retryLater(w, err)
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, sv.V)
}

// storedLogProof is the log's current proof of a stored document, nil for
// a document the platform does not hold (or holds unlogged).
func (s *Server) storedLogProof(ctx context.Context, digest string) (*bundle.LogProof, error) {
	d, err := s.DocumentService.FindDocument(ctx, digest)
	if ucx.ErrorCode(err) == ucx.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	revs, err := s.DocumentService.Revocations(ctx, d.Digest)
	if err != nil {
		return nil, err
	}
	digests := []string{d.Digest}
	for _, rv := range revs {
		digests = append(digests, rv.Digest)
	}
	return s.documentLogProof(ctx, digests)
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

// TrustAnchors returns this platform's trust anchors: its root key with
// the fingerprint people compare, and its log key, what it publishes at
// bundle.WellKnownPath and what ucx verify reads from its anchors file.
func (s *Server) TrustAnchors(ctx context.Context) (*bundle.Anchors, error) {
	ks, err := s.keys()
	if err != nil {
		return nil, err
	}
	pemb, err := ks.TrustRoot(ctx)
	if err != nil {
		return nil, err
	}
	root, err := seal.ParsePublicKeyPEM(pemb)
	if err != nil {
		return nil, ucx.Internal("http.TrustAnchors", err)
	}
	logKey := ""
	if s.Log != nil {
		logKey = s.LogVerifierKey
	}
	name := s.PublicURL
	return &bundle.Anchors{Type: bundle.AnchorsType, Anchors: []bundle.Anchor{bundle.NewAnchor(name, root, logKey)}}, nil
}

// handleWellKnownRoot is GET /.well-known/ucx-root: the trust anchors,
// public, for buyers and verifiers to fetch once and pin.
func (s *Server) handleWellKnownRoot(w http.ResponseWriter, r *http.Request) {
	a, err := s.TrustAnchors(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, a)
}
