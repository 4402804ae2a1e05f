package bundle

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

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
	Log      *LogVerdict     `json:"log,omitempty"`
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

// NewVerificationWithLog is NewVerification with the log's verdict, which
// counts towards validity when present.
func NewVerificationWithLog(r *seal.Report, lv *LogVerdict) *Verification {
	v := NewVerification(r)
	v.Log = lv
	v.OK = v.OK && (lv == nil || lv.OK)
	return v
}
