package seal

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

// Reason is a stable code for why a check failed. Programs match on it;
// the accompanying Detail is for people. It is also an error, so that
// errors from ParseEnvelope and ParseTrustList carry it as their cause
// (errors.Is(err, seal.ReasonMalformed)).
type Reason string

// The reasons verification can fail, by the verdict they belong to.
const (
	// ReasonMalformed: the envelope or trust list cannot be read at all.
	ReasonMalformed Reason = "malformed"

	// Integrity: are the bytes what was sealed?
	ReasonTampered     Reason = "tampered"           // the document's digest differs from the sealed one
	ReasonBadSignature Reason = "bad_signature"      // the document is intact but the seal's signature does not verify
	ReasonAlgMismatch  Reason = "algorithm_mismatch" // the seal names another algorithm than its key's

	// Issuer: is the key the root's trust list binds to the claimed
	// organisation, valid when the seal was made?
	ReasonUnknownKey     Reason = "unknown_key"         // the key is not on the trust list
	ReasonWrongOrg       Reason = "wrong_organisation"  // the key belongs to another organisation than the seal claims
	ReasonKeyNotYetValid Reason = "key_not_yet_valid"   // sealed before the key's not_before
	ReasonKeyExpired     Reason = "key_expired"         // sealed at or after the key's not_after
	ReasonUntrustedList  Reason = "trust_list_unsigned" // no trust list sealed by the root key is at hand
	ReasonMissingSeal    Reason = "missing_seal"        // an organisation the caller requires has no valid seal

	// Status: has anything been revoked, as far as the inputs know?
	ReasonKeyRevoked      Reason = "key_revoked"      // the key was revoked before the seal was made
	ReasonDocumentRevoked Reason = "document_revoked" // the document itself was revoked
)

// Error returns the code itself, so a Reason can be an error's cause and
// prints the same whether formatted as an error or a string.
func (r Reason) Error() string { return string(r) }

// ReasonOf returns the Reason in err's chain, or "" if there is none.
func ReasonOf(err error) Reason {
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ""
}

// Verdict is the outcome of one of the three checks. A passed check may
// still carry a Detail: a note the reader should see, such as a key that
// was revoked after the seal was made.
type Verdict struct {
	Reason Reason // "" when the check passed
	Detail string // what was found, and for a failure what to do
}

// OK reports whether the check passed.
func (v Verdict) OK() bool { return v.Reason == "" }

// SealReport is the verdicts on one seal.
type SealReport struct {
	Seal      Seal
	Key       *TrustedKey // the seal's key on the trust list; nil when it is not there
	Integrity Verdict
	Issuer    Verdict
	Status    Verdict
}

// OK reports whether the seal passed all three checks.
func (s *SealReport) OK() bool { return s.Integrity.OK() && s.Issuer.OK() && s.Status.OK() }

// Report is the result of verifying an envelope: three verdicts, as trade
// document verifiers give them, over the document and all its seals.
//
//   - Integrity: the document's bytes are the ones sealed, and every seal's
//     signature verifies under its key.
//   - Issuer: every seal's key is on the root-signed trust list, belongs to
//     the organisation the seal names, and was within its validity window
//     when the seal was made; every organisation Options.RequireOrgs names
//     has a valid seal.
//   - Status: no seal's key was revoked before the seal, and the document
//     is not revoked, as far as the trust list and Options know. A key
//     revocation newer than the trust list's IssuedAt is not known: keep
//     the list fresh.
//
// A document-level verdict fails with the first failing seal's reason.
type Report struct {
	Digest    Digest // SHA-256 of the document as received
	Document  []byte // the document; it aliases the envelope passed to Verify
	Integrity Verdict
	Issuer    Verdict
	Status    Verdict
	Seals     []SealReport
}

// OK reports whether all three verdicts passed.
func (r *Report) OK() bool { return r.Integrity.OK() && r.Issuer.OK() && r.Status.OK() }

// Reason returns the first failure's reason, in the order integrity,
// issuer, status, or "" when the report is OK.
func (r *Report) Reason() Reason {
	for _, v := range [...]Verdict{r.Integrity, r.Issuer, r.Status} {
		if !v.OK() {
			return v.Reason
		}
	}
	return ""
}

// Revocation records that a document was revoked, when and why.
type Revocation struct {
	At     time.Time
	Reason string
}

// Options adds what the caller knows beyond the envelope and trust list.
// The zero value asks for nothing extra.
type Options struct {
	// RequireOrgs lists organisations that must have a valid seal on the
	// document: the manufacturer on a confirmation (R2), the issuing
	// authority on a licence (R14).
	RequireOrgs []string

	// LoggedAt is when the transparency log first included the document,
	// if known. A seal's own time is the sealer's claim; the log time is an
	// upper bound on the real one. When set, expiry and revocation are
	// judged at the later of the two, so a sealer whose key was revoked
	// cannot back-date a seal to before the revocation.
	LoggedAt time.Time

	// DocumentRevoked reports whether the document with this digest has
	// been revoked. It is the hook for document revocation; nil means no
	// revocations are known.
	DocumentRevoked func(Digest) (Revocation, bool)
}

// Verify reads a sealed envelope and checks it against the trust list l,
// which must come from ParseTrustList. It never panics and never returns
// an error: whatever the input, the Report says what holds and what does
// not.
func (l *TrustList) Verify(envelope []byte, opts Options) *Report {
	r := new(Report)
	var env Envelope
	if err := env.parse(envelope); err != nil {
		v := Verdict{ReasonMalformed, ucx.ErrorMessage(err)}
		r.Integrity, r.Issuer, r.Status = v, v, v
		return r
	}
	r.Document = env.Document
	r.Digest = DigestOf(env.Document)
	tampered := r.Digest != env.Digest
	if tampered {
		r.Integrity = Verdict{ReasonTampered, fmt.Sprintf(
			"the document's SHA-256 is %s, but %s was sealed: the document was changed after sealing; obtain the original from its issuer",
			r.Digest, env.Digest)}
	}

	r.Seals = make([]SealReport, len(env.Seals))
	for i := range env.Seals {
		sr := &r.Seals[i]
		sr.Seal = env.Seals[i]
		l.checkSeal(sr, env.Digest, tampered, opts.LoggedAt)
		first(&r.Integrity, sr.Integrity)
		first(&r.Issuer, sr.Issuer)
		first(&r.Status, sr.Status)
	}

	for _, org := range opts.RequireOrgs {
		if !r.Issuer.OK() {
			break
		}
		found := false
		for i := range r.Seals {
			found = found || r.Seals[i].Seal.Org == org && r.Seals[i].OK()
		}
		if !found {
			r.Issuer = Verdict{ReasonMissingSeal, fmt.Sprintf("the document carries no valid seal of organisation %s, which it requires", org)}
		}
	}

	if opts.DocumentRevoked != nil {
		if rv, ok := opts.DocumentRevoked(r.Digest); ok {
			r.Status = Verdict{ReasonDocumentRevoked, fmt.Sprintf("the document was revoked at %s: %s", rv.At.UTC().Format(time.RFC3339), rv.Reason)}
		}
	}
	if r.Status.OK() {
		var notes []string
		for i := range r.Seals {
			if d := r.Seals[i].Status.Detail; d != "" {
				notes = append(notes, d)
			}
		}
		r.Status.Detail = strings.Join(notes, "; ")
	}
	return r
}

// first records v in dst unless dst already holds a failure.
func first(dst *Verdict, v Verdict) {
	if dst.OK() && !v.OK() {
		*dst = v
	}
}

// checkSeal fills in the three verdicts for one seal. digest is the one
// the envelope records and the seal signs.
func (l *TrustList) checkSeal(sr *SealReport, digest Digest, tampered bool, loggedAt time.Time) {
	s := &sr.Seal
	if l == nil || l.byID == nil {
		v := Verdict{ReasonUntrustedList, "no trust list sealed by the root key is at hand, so no key can be trusted; load the published list with ParseTrustList"}
		sr.Integrity, sr.Issuer, sr.Status = v, v, v
		return
	}
	k := l.byID[s.KeyID]
	if k == nil {
		v := Verdict{ReasonUnknownKey, fmt.Sprintf(
			"key %s is not on trust list no. %d of %s, so its seal cannot be checked; if the key is new, fetch the current list",
			s.KeyID, l.Sequence, l.IssuedAt.UTC().Format(time.RFC3339))}
		sr.Integrity, sr.Issuer, sr.Status = v, v, v
		return
	}
	sr.Key = k

	sealedAt := s.SealedAt.UTC().Format(time.RFC3339)
	var buf [maxTBS]byte
	switch {
	case tampered:
		sr.Integrity = Verdict{ReasonTampered, "the document was changed after this seal was made"}
	case s.Alg != k.Alg:
		sr.Integrity = Verdict{ReasonAlgMismatch, fmt.Sprintf("the seal names algorithm %s, but key %s is an %s key", s.Alg, s.KeyID, k.Alg)}
	case !k.key.verify(s.appendTBS(buf[:0], digest), s.Sig):
		sr.Integrity = Verdict{ReasonBadSignature, fmt.Sprintf(
			"the signature by key %s does not verify: the seal was forged, or its time, organisation or signature altered", s.KeyID)}
	}

	// Expiry and revocation are judged at the latest time the seal can
	// really have been made (see Options.LoggedAt); the start of validity
	// at the time the seal claims.
	judged, by := s.SealedAt, "sealed at "+sealedAt
	if loggedAt.After(judged) {
		judged, by = loggedAt, "logged at "+loggedAt.UTC().Format(time.RFC3339)
	}
	switch {
	case s.Org != k.Org.ID:
		sr.Issuer = Verdict{ReasonWrongOrg, fmt.Sprintf("key %s belongs to %s (organisation %s), not to organisation %s that the seal names",
			s.KeyID, k.Org.Name, k.Org.ID, s.Org)}
	case s.SealedAt.Before(k.NotBefore):
		sr.Issuer = Verdict{ReasonKeyNotYetValid, fmt.Sprintf("sealed at %s, before key %s became valid at %s",
			sealedAt, s.KeyID, k.NotBefore.UTC().Format(time.RFC3339))}
	case !judged.Before(k.NotAfter):
		sr.Issuer = Verdict{ReasonKeyExpired, fmt.Sprintf("%s, but key %s expired at %s", by, s.KeyID, k.NotAfter.UTC().Format(time.RFC3339))}
	}

	if !k.RevokedAt.IsZero() {
		revoked := k.RevokedAt.UTC().Format(time.RFC3339)
		if judged.Before(k.RevokedAt) {
			sr.Status.Detail = fmt.Sprintf("key %s was revoked at %s (%s), after this seal (%s); the seal stays valid",
				s.KeyID, revoked, k.RevokedReason, by)
		} else {
			sr.Status = Verdict{ReasonKeyRevoked, fmt.Sprintf("key %s was revoked at %s (%s), before this seal (%s)",
				s.KeyID, revoked, k.RevokedReason, by)}
		}
	}
}

// Verify checks a sealed envelope against a sealed trust list and the root
// key the verifier trusts: the whole offline check, from bytes, that
// ucx verify and the verification page run. A trust list that fails to
// parse or is not sealed by root fails every seal's checks with the
// list's reason.
func Verify(envelope, trustList []byte, root *PublicKey, opts Options) *Report {
	l, err := ParseTrustList(trustList, root)
	r := l.Verify(envelope, opts)
	if err != nil && r.Integrity.Reason != ReasonMalformed {
		v := Verdict{ReasonOf(err), ucx.ErrorMessage(err)}
		for i := range r.Seals {
			r.Seals[i].Integrity, r.Seals[i].Issuer, r.Seals[i].Status = v, v, v
		}
		if r.Integrity.Reason != ReasonTampered {
			r.Integrity = v
		}
		r.Issuer, r.Status = v, v
	}
	return r
}
