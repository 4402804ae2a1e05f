package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/seal"
)

func (s *Server) registerDocumentRoutes() {
	// The documents to seal offline (non-custodial sealing).
	s.handle("GET /api/v1/requests/{id}/document", s.authenticate(s.handleConfirmationToSeal))
	s.handle("GET /api/v1/applications/{id}/licence-document", s.authenticate(s.handleLicenceToSeal))
	s.handle("GET /api/v1/documents/{digest}/revocation-document", s.authenticate(s.handleRevocationToSeal))
	s.handle("POST /api/v1/documents/{digest}/revoke", s.authenticate(s.handleRevokeDocument))
	// Whole documents are for the parties to them, and for whoever shows
	// a VIN on the document (?vin=: the holder of the car or the paper);
	// see readDocument. The log proof is public, as the log is.
	s.handle("GET /api/v1/documents/{digest}", s.handleDocument)
	s.handle("GET /api/v1/documents/{digest}/bundle", s.handleBundle)
	s.handle("GET /api/v1/documents/{digest}/log-proof", s.handleDocumentLogProof)
	// Public: the verdict on any document, with its public facts.
	s.handle("POST /api/v1/verify", s.handleVerify)
	s.handle("GET /api/v1/verify", s.handleVerifyLookup)
	s.handle("GET "+bundle.WellKnownPath, s.handleWellKnownRoot)
	s.handle("GET /documents/{digest}/print", s.handlePrint)
	s.handle("GET /documents/{digest}/pdf", s.handlePDF)
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
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var outlets []int64
	for _, v := range r.URL.Query()["outlet"] {
		oid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || oid <= 0 {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "outlet", "outlet must be a positive outlet id, not %q", wire.Clip(v)))
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
	id, err := wire.PathID(r, "id")
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
	var in wire.RevokeRequest
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

// readDocument returns the stored document a request may read whole:
// the parties to it, signed in (DocumentService.ReadDocument: its issuer,
// the exporter it names, the manufacturers of its letters, authorities and
// customs), and anyone showing the holder's capability, ?vin= of a car on
// the document, since whoever holds the car or the paper knows it. An
// anonymous reader without it is EUNAUTHORIZED, pointed at the public
// verification; a signed-in non-party ENOTFOUND, as for an unknown digest;
// a wrong VIN counts as none.
func (s *Server) readDocument(r *http.Request, digest string) (*ucx.Document, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if vin := r.URL.Query().Get("vin"); vin != "" {
		d, err := ds.FindDocument(ctx, digest)
		switch code := ucx.ErrorCode(err); {
		case err == nil:
			if documentHasVIN(d, vin) {
				return d, nil
			}
		case code == ucx.EINVALID || code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE:
			return nil, err
		}
	}
	p, err := s.principal(r)
	if err != nil {
		if ucx.ErrorCode(err) == ucx.EUNAUTHORIZED {
			return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "a whole document is for the parties to it: sign in, "+
				"or check it on the public page /verify?digest=<its digest> (the verdict and its public facts; "+
				"add &vin=<a VIN on it> to see every fact and download it)")
		}
		return nil, err
	}
	if info := infoFrom(ctx); info != nil {
		info.principal = p
	}
	return ds.ReadDocument(ctx, p, digest)
}

// documentHasVIN reports whether vin is a vehicle of the sealed document
// d (bundle.Facts.HasVIN).
func documentHasVIN(d *ucx.Document, vin string) bool {
	env, err := seal.ParseEnvelope(d.Envelope)
	if err != nil {
		return false
	}
	f, err := bundle.DocumentFacts(env.Document)
	return err == nil && f.HasVIN(vin)
}

// handleDocument answers the sealed envelope itself, byte for byte, so
// that it can be saved and verified as it is; the record's facts ride in
// headers. For the parties and the holder (readDocument).
func (s *Server) handleDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.readDocument(r, r.PathValue("digest"))
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
func (s *Server) bundle(r *http.Request, digest string) (*bundle.Bundle, *ucx.Document, error) {
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
	bu := &bundle.Bundle{Type: bundle.Type, Envelope: d.Envelope, TrustList: list, RootPublicKey: string(root), Revocations: []json.RawMessage{}}
	digests := []string{d.Digest}
	for _, rv := range revs {
		bu.Revocations = append(bu.Revocations, rv.Envelope)
		digests = append(digests, rv.Digest)
	}
	if bu.TransparencyLog, err = s.documentLogProof(ctx, digests); err != nil {
		return nil, nil, err
	}
	if bu.TransparencyLog != nil {
		bu.LogPublicKey = s.LogVerifierKey
	}
	return bu, d, nil
}

// logProofWait is how long a bundle waits for a just-logged document to be
// covered by a checkpoint: integration runs every half second, so a
// document fetched right after it was issued need not be asked for again.
const logProofWait = 2 * time.Second

// documentLogProof proves the leaves of the documents with digests (the
// document first, then its revocations) in the latest checkpoint, waiting
// up to logProofWait for one that covers them all. It returns nil, nil
// when the server has no log or the document no leaf (stored before
// documents were logged), and EUNAVAILABLE when the leaves are still not
// checkpointed.
func (s *Server) documentLogProof(ctx context.Context, digests []string) (*bundle.LogProof, error) {
	dl, ok := s.Log.(ucx.DocumentLogService)
	if s.Log == nil || !ok {
		return nil, nil
	}
	incl := make([]*wire.LogInclusion, len(digests))
	last := int64(-1)
	for i, dg := range digests {
		idx, entry, err := dl.DocumentLeaf(ctx, dg)
		if ucx.ErrorCode(err) == ucx.ENOTFOUND && i == 0 {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		incl[i] = &wire.LogInclusion{Index: idx, Entry: entry}
		last = max(last, idx)
	}
	deadline := time.Now().Add(logProofWait)
	for {
		cp, err := s.Log.LatestCheckpoint(ctx)
		if err != nil && ucx.ErrorCode(err) != ucx.ENOTFOUND {
			return nil, err
		}
		if err == nil && cp.Size > last {
			p := &bundle.LogProof{Checkpoint: string(cp.Note), InclusionProof: incl[0], Revocations: incl[1:]}
			for _, in := range incl {
				in.TreeSize = cp.Size
				if in.Hashes, err = s.Log.InclusionProof(ctx, in.Index, cp.Size); err != nil {
					return nil, err
				}
			}
			if len(p.Revocations) == 0 {
				p.Revocations = nil
			}
			if p.Later, err = s.laterEntries(ctx, incl[0].Index+1, cp.Size); err != nil {
				return nil, err
			}
			return p, nil
		}
		if time.Now().After(deadline) {
			return nil, ucx.Errorf(ucx.EUNAVAILABLE, "the document's log entry is not yet in a checkpoint; retry in a second")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// maxLaterEntries bounds the entries after a document that its bundle
// carries (a few hundred bytes each). Past it the bundle leaves them out,
// and an offline verifier says the revocation status cannot be
// established offline: the platform's own /verify still can.
const maxLaterEntries = 20000

// laterEntries returns the log's entries [from, size), which let an
// offline verifier see every revocation up to the checkpoint (see
// bundle.LogProof.Later); nil when there are more than maxLaterEntries.
func (s *Server) laterEntries(ctx context.Context, from, size int64) ([][]byte, error) {
	if size-from > maxLaterEntries {
		return nil, nil
	}
	out := make([][]byte, 0, size-from)
	for from < size {
		es, err := s.Log.LogEntries(ctx, from, min(size, from+wire.MaxLogEntries))
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, ucx.Internal("http.laterEntries", fmt.Errorf("the log returned no entries from %d below its checkpoint of %d", from, size))
		}
		for _, e := range es {
			if e.Index != from {
				return nil, ucx.Internal("http.laterEntries", fmt.Errorf("the log returned entry %d where %d was due", e.Index, from))
			}
			out = append(out, e.Entry)
			from++
		}
	}
	return out, nil
}

// handleDocumentLogProof is GET /api/v1/documents/{digest}/log-proof: the
// inclusion proof of a document's leaf (and of its revocations') in the
// latest checkpoint, what its bundle carries. Public, as the document is.
func (s *Server) handleDocumentLogProof(w http.ResponseWriter, r *http.Request) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.logService(); err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	d, err := ds.FindDocument(ctx, r.PathValue("digest"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	revs, err := ds.Revocations(ctx, d.Digest)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	digests := []string{d.Digest}
	for _, rv := range revs {
		digests = append(digests, rv.Digest)
	}
	p, err := s.documentLogProof(ctx, digests)
	if err == nil && p == nil {
		err = ucx.Errorf(ucx.ENOTFOUND, "document %s has no log entry", d.Digest)
	}
	if err != nil {
		s.retryLater(w, err)
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, p)
}

// retryLater tells a client to come back in a second when the answer is
// only waiting for the next checkpoint.
func (s *Server) retryLater(w http.ResponseWriter, err error) {
	if ucx.ErrorCode(err) == ucx.EUNAVAILABLE {
		w.Header().Set("Retry-After", "1")
	}
}

// handleBundle answers a document's verification bundle to the parties
// and the holder (readDocument).
func (s *Server) handleBundle(w http.ResponseWriter, r *http.Request) {
	if _, err := s.readDocument(r, r.PathValue("digest")); err != nil {
		s.Error(w, r, err)
		return
	}
	bu, d, err := s.bundle(r, r.PathValue("digest"))
	if err != nil {
		s.retryLater(w, err)
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
	if id, err = wire.PathID(r, "id"); err != nil {
		return 0, 0, nil, err
	}
	var in wire.IssueLicenceRequest
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
