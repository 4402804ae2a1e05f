package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// BundleType names the verification bundle format in its "type" member.
const BundleType = "ucx.bundle/v1"

// Bundle is everything needed to verify a sealed document with no network
// at all (DESIGN.md, Documents): the envelope, the root-sealed trust list,
// the root public key, and the sealed revocation records of the document,
// if any. The verifier should pin the root key it trusts (ucx verify
// --root-pub) rather than take the bundle's word for it; the bundle's copy
// is a convenience whose key id can be compared with the published one.
type Bundle struct {
	Type          string            `json:"type"`
	Envelope      json.RawMessage   `json:"envelope"`
	TrustList     json.RawMessage   `json:"trust_list"`
	RootPublicKey string            `json:"root_public_key"` // PKIX PEM
	Revocations   []json.RawMessage `json:"revocations"`
	// TransparencyLog proves that the document (and each revocation
	// above) is a leaf of the platform's transparency log, in one signed
	// checkpoint. Absent when the server runs without a log, or for a
	// document stored before documents were logged.
	TransparencyLog *LogProof `json:"transparency_log,omitempty"`
	// LogPublicKey is the log's note verifier key, a convenience like
	// RootPublicKey: a verifier should pin the published one (ucx verify
	// --log-key-pub), since whoever forges a bundle can forge this too.
	LogPublicKey string `json:"log_public_key,omitempty"`
}

// LogProof is the transparency log's evidence about a document: the
// inclusion proof of its leaf (with the entry, so the verifier can check
// the leaf names this very document) and of the leaf of each revocation
// in the bundle, all against one signed checkpoint (a C2SP signed note).
// A revocation proven in the checkpoint means the document was revoked
// as of that checkpoint, whoever's bytes the bundle carries.
type LogProof struct {
	InclusionProof *LogInclusion   `json:"inclusion_proof"`
	Checkpoint     string          `json:"checkpoint"`
	Revocations    []*LogInclusion `json:"revocations,omitempty"`
}

// ParseBundle reads a verification bundle strictly. It is EINVALID when b
// is not one.
func ParseBundle(b []byte) (*Bundle, error) {
	var bu Bundle
	if err := decodeStrict(b, &bu); err != nil {
		return nil, err
	}
	if bu.Type != BundleType {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "type", "a verification bundle has type %q", BundleType)
	}
	if len(bu.Envelope) == 0 || len(bu.TrustList) == 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "the bundle lacks its envelope or trust list")
	}
	return &bu, nil
}

// IsBundle reports whether b looks like a bundle rather than an envelope.
func IsBundle(b []byte) bool {
	var probe struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Type == BundleType
}

// VerifyBundle verifies a bundle offline. root is the root key the
// verifier trusts; nil takes the bundle's own (the caller should then show
// its id). A revocation record counts only if it verifies against the
// same trust list, revokes this very document, and is sealed by an
// organisation that sealed the document: anyone can put bytes in a bundle,
// so nobody but the issuer can revoke.
func VerifyBundle(bu *Bundle, root *seal.PublicKey) (*seal.Report, error) {
	if root == nil {
		var err error
		if root, err = seal.ParsePublicKeyPEM([]byte(bu.RootPublicKey)); err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "root_public_key", "the bundle's root public key cannot be read: %s", ucx.ErrorMessage(err))
		}
	}
	opts := seal.Options{}
	if list, err := seal.ParseTrustList(bu.TrustList, root); err == nil {
		if env, err := seal.ParseEnvelope(bu.Envelope); err == nil {
			opts.DocumentRevoked = bundleRevocations(list, env, bu.Revocations)
		}
	}
	return seal.Verify(bu.Envelope, bu.TrustList, root, opts), nil
}

// revocationDoc is what a verifier reads of a sealed revocation record.
type revocationDoc struct {
	Document string `json:"document"`
	Reason   string `json:"reason"`
	Type     string `json:"type"`
}

func bundleRevocations(list *seal.TrustList, env *seal.Envelope, revs []json.RawMessage) func(seal.Digest) (seal.Revocation, bool) {
	var issuers []string
	for _, s := range env.Seals {
		issuers = append(issuers, s.Org)
	}
	return func(d seal.Digest) (seal.Revocation, bool) {
		for _, raw := range revs {
			r := list.Verify(raw, seal.Options{})
			if !r.OK() {
				continue
			}
			var doc revocationDoc
			if json.Unmarshal(r.Document, &doc) != nil || doc.Type != "ucx.revocation.v1" || doc.Document != d.String() {
				continue
			}
			for _, s := range r.Seals {
				if slices.Contains(issuers, s.Seal.Org) {
					return seal.Revocation{At: s.Seal.SealedAt, Reason: doc.Reason}, true
				}
			}
		}
		return seal.Revocation{}, false
	}
}

// Verification is the answer of POST /api/v1/verify and what the web
// verification page shows: the three verdicts with stable reasons, each
// seal's, and the document.
type Verification struct {
	OK        bool              `json:"valid"`
	Digest    string            `json:"digest"`
	Integrity VerdictJSON       `json:"integrity"`
	Issuer    VerdictJSON       `json:"issuer"`
	Status    VerdictJSON       `json:"status"`
	Seals     []SealVerdictJSON `json:"seals"`
	// Log is the verdict on the transparency-log evidence of a bundle;
	// absent when none was given.
	Log      *LogVerdictJSON `json:"log,omitempty"`
	Document json.RawMessage `json:"document,omitempty"`
}

// Valid reports whether all three verdicts passed (the web UI's verdict
// interface).
func (v *Verification) Valid() bool { return v.OK }

// VerdictJSON is one verdict: ok, or the stable seal.Reason code and a
// detail for people.
type VerdictJSON struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// SealVerdictJSON is one seal's verdicts.
type SealVerdictJSON struct {
	Alg       string      `json:"alg"`
	KeyID     string      `json:"key_id"`
	Org       string      `json:"org"`
	OrgName   string      `json:"org_name,omitempty"`
	SealedAt  time.Time   `json:"sealed_at"`
	Integrity VerdictJSON `json:"integrity"`
	Issuer    VerdictJSON `json:"issuer"`
	Status    VerdictJSON `json:"status"`
}

func verdictJSON(v seal.Verdict) VerdictJSON {
	return VerdictJSON{OK: v.OK(), Reason: string(v.Reason), Detail: v.Detail}
}

// NewVerification turns a seal report into its JSON answer.
func NewVerification(r *seal.Report) *Verification {
	v := &Verification{OK: r.OK(), Integrity: verdictJSON(r.Integrity), Issuer: verdictJSON(r.Issuer), Status: verdictJSON(r.Status),
		Seals: []SealVerdictJSON{}}
	if r.Integrity.Reason != seal.ReasonMalformed {
		v.Digest = r.Digest.String()
		v.Document = json.RawMessage(r.Document)
	}
	for i := range r.Seals {
		s := &r.Seals[i]
		sv := SealVerdictJSON{Alg: string(s.Seal.Alg), KeyID: s.Seal.KeyID, Org: s.Seal.Org, SealedAt: s.Seal.SealedAt.UTC(),
			Integrity: verdictJSON(s.Integrity), Issuer: verdictJSON(s.Issuer), Status: verdictJSON(s.Status)}
		if s.Key != nil {
			sv.OrgName = s.Key.Org.Name
		}
		v.Seals = append(v.Seals, sv)
	}
	return v
}

// Verify checks a sealed envelope, or the envelope of a bundle, against
// this platform's current trust list and root key and its record of
// revoked documents: fresher than any bundle. A document the platform
// stored is judged at the time it was stored at the latest, so a seal
// cannot be back-dated past a key revocation. It is the verifier to plug
// into the web UI's verification page (Server.WebVerify). Unreadable input
// is EINVALID; a store without sealing is EUNAVAILABLE.
func (s *Server) Verify(ctx context.Context, doc []byte) (*Verification, error) {
	if s.KeyService == nil || s.DocumentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document verification is not configured on this server")
	}
	doc = bytes.TrimSpace(doc)
	var logProof *LogProof
	if IsBundle(doc) {
		bu, err := ParseBundle(doc)
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
	var lv *LogVerdictJSON
	if logProof != nil && r.Integrity.Reason != seal.ReasonMalformed {
		// The bundle's log evidence is checked against this server's own
		// log key, never the bundle's.
		var v note.Verifier
		if s.Log != nil {
			if v, err = tlog.ParseVerifierKey(s.Log.LogVerifierKey()); err != nil {
				return nil, ucx.Internal("http.Verify", err)
			}
		}
		lv = VerifyLogProof(logProof, r.Digest, v)
		applyLogStatus(r, lv)
	}
	return NewVerificationWithLog(r, lv), nil
}

// NewVerificationWithLog is NewVerification with the log's verdict, which
// counts towards validity when present.
func NewVerificationWithLog(r *seal.Report, lv *LogVerdictJSON) *Verification {
	v := NewVerification(r)
	v.Log = lv
	v.OK = v.OK && (lv == nil || lv.OK)
	return v
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
