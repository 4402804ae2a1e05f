package bundle

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// Reasons this package adds to seal's, stable codes programs match on.
const (
	// ReasonUnknownRoot: the bundle's trust list is sealed by a root the
	// verifier has not pinned; nothing in it can be trusted until the
	// verifier obtains the platform's root out of band.
	ReasonUnknownRoot seal.Reason = "unknown_root"
	// ReasonWrongIssuer: no valid seal of the organisation the document
	// names as its issuer (a forgery by whoever did seal it).
	ReasonWrongIssuer seal.Reason = "wrong_issuer"
	// ReasonWrongKind: the issuer's kind on the trust list may not issue
	// this type of document (an authority sealing a confirmation).
	ReasonWrongKind seal.Reason = "wrong_issuer_kind"
	// ReasonUnknownType: the document's type is none the platform issues,
	// so who may issue it is not known.
	ReasonUnknownType seal.Reason = "unknown_document_type"
	// ReasonStatusUnproven: the log proof does not show every entry after
	// the document up to the checkpoint, so a revocation may have been
	// left out; the status cannot be established offline.
	ReasonStatusUnproven seal.Reason = "revocation_status_unproven"
)

// Verdicts, the one word every surface shows first.
const (
	VerdictValid       = "valid"
	VerdictNotValid    = "not_valid"    // possible forgery: something checked and failed
	VerdictRevoked     = "revoked"      // genuine, but revoked by its issuer
	VerdictCannotCheck = "cannot_check" // what would decide is not at hand (unpinned root, no log proof)
)

// Options is what the verifier itself brings: the anchors it pinned out
// of band and, on the platform, what its own records know. Nothing the
// bundle says about its own roots or keys is trusted.
type Options struct {
	// Roots are the platform root keys the verifier pinned. A bundle's
	// trust list counts only if sealed by one of them.
	Roots []*seal.PublicKey
	// RootFingerprints pin roots by fingerprint (Fingerprint): a bundle's
	// own root key whose fingerprint is listed counts as pinned.
	RootFingerprints []string
	// TrustList, when set, replaces the bundle's trust list: the
	// platform's current one, fresher than any bundle's. A bare envelope
	// needs it.
	TrustList []byte

	// LogKey is the pinned transparency log key. With it the document's
	// inclusion proof is required and the log decides the revocation
	// status; without it, NoLog must say the log is not to be checked.
	LogKey note.Verifier
	// NoLog gives up the log check explicitly (ucx verify --no-log): the
	// verdict can then be valid for a document never logged, and a
	// revocation stripped from the bundle goes unseen. Ignored when
	// LogKey is set.
	NoLog bool
	// Witnesses are the witness keys the verifier trusts (C2SP
	// tlog-cosignature verifiers); MinWitnesses of them must have
	// cosigned the bundle's checkpoint.
	Witnesses    []note.Verifier
	MinWitnesses int

	// RequireOrgs lists organisation ids that must have a valid seal,
	// besides the issuer the document names.
	RequireOrgs []string

	// Lookup, when set, tells what the verifier's own records know of a
	// document (the platform's store): that it is logged, when, whether
	// revoked. Its answers outrank the bundle's.
	Lookup func(seal.Digest) (*Record, error)
}

// Record is what a platform's store knows of a document it holds.
type Record struct {
	// LoggedAt is when the log took the document in (seal.Options.LoggedAt).
	LoggedAt time.Time
	// Revoked is set when the document is revoked.
	Revoked *seal.Revocation
}

// issuerRule names, for a document type, the member holding the issuing
// organisation's id and the organisation kind that may issue it.
type issuerRule struct {
	idField string
	kind    ucx.OrgKind
}

// issuerRules: a confirmation is issued by the manufacturer it names (R2),
// a licence by the authority it names (R14). A revocation is issued by
// the organisation it names, whose kind must be the kind that issues the
// revoked document's kind; see revocationKind.
var issuerRules = map[string]issuerRule{
	"ucx.confirmation.v1": {"manufacturer_id", ucx.KindManufacturer},
	"ucx.licence.v1":      {"authority_id", ucx.KindAuthority},
	"ucx.revocation.v1":   {"organisation_id", ""},
}

// revocationKind is the kind that may revoke a document of the kind a
// revocation record names: only its issuer's kind.
var revocationKind = map[string]ucx.OrgKind{
	ucx.DocConfirmation: ucx.KindManufacturer,
	ucx.DocLicence:      ucx.KindAuthority,
}

// Verification is the one verdict every surface shows: ucx verify prints
// it, POST /api/v1/verify answers it, the /verify page lays it out.
type Verification struct {
	// Verdict is VerdictValid, VerdictNotValid, VerdictRevoked or
	// VerdictCannotCheck; Reason the stable code that decided it.
	Verdict string `json:"verdict"`
	OK      bool   `json:"valid"`
	Reason  string `json:"reason,omitempty"`
	Digest  string `json:"digest"`
	// Integrity, Issuer and Status are the three checks; Status includes
	// the log's word on revocation.
	Integrity VerdictJSON       `json:"integrity"`
	Issuer    VerdictJSON       `json:"issuer"`
	Status    VerdictJSON       `json:"status"`
	Seals     []SealVerdictJSON `json:"seals"`
	// Log is the verdict on the transparency-log evidence; nil when the
	// log was not checked (NoLog).
	Log *LogVerdict `json:"log,omitempty"`
	// Root is the root the trust list was checked against.
	Root *RootInfo `json:"root,omitempty"`
	// IssuedBy is the organisation whose valid seal proves the issue.
	IssuedBy *seal.Org `json:"issued_by,omitempty"`
	// Facts are the document's contents as a reader wants them.
	Facts *Facts `json:"facts,omitempty"`
	// PublicOnly says the facts are the public ones (Facts.Public) and the
	// document is left out: the answer to a reader who named the document
	// by digest or licence number without showing a VIN on it.
	PublicOnly bool `json:"public_facts_only,omitempty"`
	// Limits says what this verification could not prove.
	Limits   []string        `json:"limits,omitempty"`
	Document json.RawMessage `json:"document,omitempty"`
}

// PublicView is the verification as anyone may see it: the same verdict
// and checks, the public facts only, without the document itself.
func (v *Verification) PublicView() *Verification {
	pv := *v
	pv.Facts, pv.Document, pv.PublicOnly = v.Facts.Public(), nil, true
	return &pv
}

// Valid reports whether the document verified (the web UI's interface).
func (v *Verification) Valid() bool { return v.OK }

// RootInfo identifies a root key for people to compare with the
// published one.
type RootInfo struct {
	KeyID       string `json:"key_id"`
	Fingerprint string `json:"fingerprint"`
	Pinned      bool   `json:"pinned"`
}

// VerdictJSON is one check: ok, or the stable reason code and a detail.
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
	OrgKind   string      `json:"org_kind,omitempty"`
	SealedAt  time.Time   `json:"sealed_at"`
	Integrity VerdictJSON `json:"integrity"`
	Issuer    VerdictJSON `json:"issuer"`
	Status    VerdictJSON `json:"status"`
}

func verdictJSON(v seal.Verdict) VerdictJSON {
	return VerdictJSON{OK: v.OK(), Reason: string(v.Reason), Detail: v.Detail}
}

// Fingerprint is the SHA-256 of a key's PKIX encoding, in upper-case hex
// groups of four: what the platform publishes and prints for people to
// compare by eye, and what --root-fingerprint pins.
func Fingerprint(k *seal.PublicKey) string {
	sum := seal.DigestOf(k.PKIX())
	h := strings.ToUpper(strings.TrimPrefix(sum.String(), "sha256:"))
	var b strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+4])
	}
	return b.String()
}

// normFingerprint makes fingerprints comparable however they were typed.
func normFingerprint(s string) string {
	s = strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(s), "SHA256:"))
	return strings.NewReplacer(" ", "", ":", "", "-", "").Replace(strings.TrimPrefix(s, "SHA256"))
}

// Verify verifies raw bytes, a bundle or a bare sealed envelope, against
// what the verifier pinned: the only verification function of the
// platform. It is EINVALID only when raw is neither (unusable input);
// every finding about the document is in the Verification.
func Verify(raw []byte, opts Options) (*Verification, error) {
	raw = bytes.TrimSpace(raw)
	var bu *Bundle
	if Is(raw) {
		var err error
		if bu, err = Parse(raw); err != nil {
			return nil, err
		}
	} else {
		if _, err := seal.Canonicalize(raw); err != nil {
			return nil, &ucx.Error{Code: ucx.EINVALID, Field: "envelope", Err: err,
				Message: "the input is neither a sealed envelope nor a verification bundle: " + ucx.ErrorMessage(err)}
		}
		bu = &Bundle{Envelope: raw}
	}
	return VerifyBundle(bu, opts)
}

// VerifyBundle is Verify of a parsed bundle.
func VerifyBundle(bu *Bundle, opts Options) (*Verification, error) {
	env, err := seal.ParseEnvelope(bu.Envelope)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Field: "envelope", Err: err,
			Message: "the envelope is not a sealed envelope: " + ucx.ErrorMessage(err)}
	}
	digest := seal.DigestOf(env.Document)
	v := &Verification{}

	// The root: only a pinned one.
	listBytes := []byte(bu.TrustList)
	if opts.TrustList != nil {
		listBytes = opts.TrustList
	}
	if len(listBytes) == 0 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "trust_list", "a bare envelope needs the platform's trust list; verify a bundle (GET /api/v1/documents/{digest}/bundle) or give the trust list")
	}
	root, info, rootErr := pickRoot(bu, listBytes, opts)
	v.Root = info

	var rec *Record
	if opts.Lookup != nil {
		if rec, err = opts.Lookup(digest); err != nil {
			return nil, err
		}
	}
	sopts := seal.Options{RequireOrgs: opts.RequireOrgs}
	if rec != nil {
		sopts.LoggedAt = rec.LoggedAt
	}
	var r *seal.Report
	var list *seal.TrustList // parsed once, when the root's seal on it holds
	if rootErr != nil {
		r = seal.Verify(bu.Envelope, listBytes, nil, sopts)
		uv := seal.Verdict{Reason: ReasonUnknownRoot, Detail: rootErr.Error()}
		r.Issuer, r.Status = uv, uv
		if r.Integrity.Reason != seal.ReasonTampered {
			r.Integrity = uv
		}
		for i := range r.Seals {
			r.Seals[i].Integrity, r.Seals[i].Issuer, r.Seals[i].Status = uv, uv, uv
		}
	} else {
		r, list = verifySeals(bu.Envelope, listBytes, root, sopts)
	}
	if r.Integrity.Reason == seal.ReasonMalformed {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "envelope", "the envelope cannot be read: %s", r.Integrity.Detail)
	}
	facts, rule, typeErr := readFacts(r.Document)
	v.Facts = facts

	// Issuer: a valid seal by exactly the organisation the document
	// names, of the kind that issues its type.
	if rootErr == nil && r.Issuer.OK() {
		if typeErr != nil {
			reason := ReasonUnknownType
			if facts != nil && facts.Kind != "" {
				reason = ReasonWrongIssuer
			}
			r.Issuer = seal.Verdict{Reason: reason, Detail: typeErr.Error()}
		} else {
			org, iv := checkIssuer(r, facts, rule)
			if !iv.OK() {
				r.Issuer = iv
			} else {
				v.IssuedBy = org
				r.Issuer.Detail = joinNote(r.Issuer.Detail, fmt.Sprintf("sealed by %s (%s), the issuer the document names", org.Name, org.Kind))
			}
		}
	}

	// Status: the verifier's own record, the bundle's sealed revocations
	// by the issuer, and the log up to its checkpoint.
	if rootErr == nil && r.Status.OK() {
		switch {
		case rec != nil && rec.Revoked != nil:
			r.Status = seal.Verdict{Reason: seal.ReasonDocumentRevoked, Detail: fmt.Sprintf("the document was revoked at %s: %s", rec.Revoked.At.UTC().Format(time.RFC3339), rec.Revoked.Reason)}
		default:
			if list != nil && facts != nil {
				if rv, ok := sealedRevocation(list, facts, digest, bu.Revocations); ok {
					r.Status = seal.Verdict{Reason: seal.ReasonDocumentRevoked, Detail: fmt.Sprintf("the document was revoked at %s: %s", rv.At.UTC().Format(time.RFC3339), rv.Reason)}
				}
			}
		}
	}

	// The log.
	switch {
	case opts.LogKey != nil:
		lv := checkLog(bu.TransparencyLog, digest, opts)
		v.Log = lv
		if lv.OK && lv.Revoked && r.Status.OK() {
			r.Status = seal.Verdict{Reason: seal.ReasonDocumentRevoked,
				Detail: fmt.Sprintf("a revocation of the document is leaf %d of the log's checkpoint of %d entries (%s)", lv.RevokedIndex, lv.TreeSize, lv.Origin)}
		}
		if lv.OK && !lv.Revoked && r.Status.OK() {
			r.Status.Detail = joinNote(r.Status.Detail, fmt.Sprintf("no revocation in the log up to its checkpoint of %d entries; a later one is not known offline", lv.TreeSize))
			v.Limits = append(v.Limits, fmt.Sprintf("revocations logged after the checkpoint of %d entries are not known offline: verify again on the platform's /verify page or fetch a fresh bundle", lv.TreeSize))
		}
	case opts.NoLog:
		v.Limits = append(v.Limits, "the transparency log was not checked (no log): the document may never have been logged, and a revocation left out of the bundle would go unseen")
		if r.Status.OK() {
			r.Status.Detail = joinNote(r.Status.Detail, "not checked against the transparency log")
		}
	default:
		v.Log = logFail(LogReasonUntrusted, "no log key is pinned; pin the platform's log key (in the trust anchors) or give up the log check explicitly (--no-log)")
	}

	fillVerification(v, r)
	v.decide(r, rootErr != nil)
	return v, nil
}

// verifySeals is seal.Verify, returning the trust list it parsed (nil
// when the root's seal on it does not hold) so that the root's signature
// is checked once per verification.
func verifySeals(envelope, listBytes []byte, root *seal.PublicKey, opts seal.Options) (*seal.Report, *seal.TrustList) {
	list, err := seal.ParseTrustList(listBytes, root)
	if err != nil {
		return seal.Verify(envelope, listBytes, root, opts), nil
	}
	return list.Verify(envelope, opts), list
}

// pickRoot finds the pinned root the trust list is sealed by.
func pickRoot(bu *Bundle, list []byte, opts Options) (*seal.PublicKey, *RootInfo, error) {
	var own *seal.PublicKey
	if bu.RootPublicKey != "" {
		// The usual case, the bundle's root pinned, needs no key parsing:
		// the same key is the same PKIX bytes.
		if blk, _ := pem.Decode([]byte(bu.RootPublicKey)); blk != nil {
			for _, k := range opts.Roots {
				if bytes.Equal(blk.Bytes, k.PKIX()) {
					return k, &RootInfo{KeyID: k.ID(), Fingerprint: Fingerprint(k), Pinned: true}, nil
				}
			}
		}
		own, _ = seal.ParsePublicKeyPEM([]byte(bu.RootPublicKey))
	}
	for _, k := range opts.Roots {
		if own != nil && k.Equal(own) {
			return k, &RootInfo{KeyID: k.ID(), Fingerprint: Fingerprint(k), Pinned: true}, nil
		}
	}
	if own != nil {
		for _, fp := range opts.RootFingerprints {
			if normFingerprint(fp) == normFingerprint(Fingerprint(own)) {
				return own, &RootInfo{KeyID: own.ID(), Fingerprint: Fingerprint(own), Pinned: true}, nil
			}
		}
	}
	// A bare envelope, or a bundle that names no root: the pinned root
	// that sealed the list (the first, whose failure the report shows,
	// when none did).
	if own == nil {
		for _, k := range opts.Roots {
			if _, err := seal.ParseTrustList(list, k); err == nil {
				return k, &RootInfo{KeyID: k.ID(), Fingerprint: Fingerprint(k), Pinned: true}, nil
			}
		}
		if len(opts.Roots) > 0 {
			return opts.Roots[0], &RootInfo{KeyID: opts.Roots[0].ID(), Fingerprint: Fingerprint(opts.Roots[0]), Pinned: true}, nil
		}
		return nil, nil, fmt.Errorf("no root key is pinned and the bundle names none; pin the platform's root (ucx verify --root-pub FILE, --root-fingerprint FP, or the trust anchors file)")
	}
	info := &RootInfo{KeyID: own.ID(), Fingerprint: Fingerprint(own)}
	return nil, info, fmt.Errorf("the bundle's root key %s (fingerprint %s) is not one you pinned, so nothing in it can be trusted: obtain the platform's root fingerprint out of band (its /.well-known/ucx-root, or the printed document) and pin it with ucx verify --root-pub FILE, --root-fingerprint FP or the trust anchors file", own.ID(), info.Fingerprint)
}

// checkIssuer finds a valid seal by the organisation the document names,
// and checks that organisation's kind on the trust list.
func checkIssuer(r *seal.Report, f *Facts, rule issuerRule) (*seal.Org, seal.Verdict) {
	want := strconv.FormatInt(f.IssuerID, 10)
	kind := rule.kind
	if kind == "" {
		kind = revocationKind[f.RevokesKind]
	}
	var sealers []string
	for i := range r.Seals {
		s := &r.Seals[i]
		// A seal whose key was revoked before it was made is the status
		// check's finding (key_revoked), not a forgery by someone else:
		// the issuer check asks only whose intact seal it is.
		if s.Key == nil || !s.Integrity.OK() || !s.Issuer.OK() {
			continue
		}
		if s.Key.Org.ID != want {
			sealers = append(sealers, fmt.Sprintf("%s (organisation %s, %s)", s.Key.Org.Name, s.Key.Org.ID, s.Key.Org.Kind))
			continue
		}
		if kind == "" || s.Key.Org.Kind != string(kind) {
			return nil, seal.Verdict{Reason: ReasonWrongKind, Detail: fmt.Sprintf(
				"the document is sealed by %s (organisation %s), which the trust list lists as a %s; a %s is issued only by a %s: possible forgery",
				s.Key.Org.Name, s.Key.Org.ID, s.Key.Org.Kind, f.Kind, kindName(kind))}
		}
		org := s.Key.Org
		return &org, seal.Verdict{}
	}
	who := "nobody"
	if len(sealers) > 0 {
		who = strings.Join(sealers, ", ")
	}
	return nil, seal.Verdict{Reason: ReasonWrongIssuer, Detail: fmt.Sprintf(
		"the %s names %s (organisation %s) as its issuer, but carries no valid seal of that organisation; it is sealed by %s: possible forgery",
		f.Kind, orUnnamed(f.Issuer), want, who)}
}

func kindName(k ucx.OrgKind) string {
	if k == "" {
		return "organisation of the kind that issued the revoked document"
	}
	return string(k)
}

func orUnnamed(s string) string {
	if s == "" {
		return "an unnamed organisation"
	}
	return s
}

// revocationDoc is what a verifier reads of a sealed revocation record.
type revocationDoc struct {
	Document       string `json:"document"`
	Reason         string `json:"reason"`
	Type           string `json:"type"`
	OrganisationID int64  `json:"organisation_id"`
}

// sealedRevocation returns the first of the bundle's revocation records
// that verifies against the trust list, revokes this very document and is
// validly sealed by the document's issuer: anyone can put bytes in a
// bundle, so nobody but the issuer can revoke.
func sealedRevocation(list *seal.TrustList, f *Facts, d seal.Digest, revs []json.RawMessage) (seal.Revocation, bool) {
	issuer := strconv.FormatInt(f.IssuerID, 10)
	for _, raw := range revs {
		r := list.Verify(raw, seal.Options{})
		if !r.OK() {
			continue
		}
		var doc revocationDoc
		if json.Unmarshal(r.Document, &doc) != nil || doc.Type != "ucx.revocation.v1" || doc.Document != d.String() ||
			strconv.FormatInt(doc.OrganisationID, 10) != issuer {
			continue
		}
		for _, s := range r.Seals {
			if s.Key != nil && s.Key.Org.ID == issuer {
				return seal.Revocation{At: s.Seal.SealedAt, Reason: doc.Reason}, true
			}
		}
	}
	return seal.Revocation{}, false
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func fillVerification(v *Verification, r *seal.Report) {
	v.Digest = r.Digest.String()
	v.Document = json.RawMessage(r.Document)
	v.Integrity, v.Issuer, v.Status = verdictJSON(r.Integrity), verdictJSON(r.Issuer), verdictJSON(r.Status)
	v.Seals = []SealVerdictJSON{}
	for i := range r.Seals {
		s := &r.Seals[i]
		sv := SealVerdictJSON{Alg: string(s.Seal.Alg), KeyID: s.Seal.KeyID, Org: s.Seal.Org, SealedAt: s.Seal.SealedAt.UTC(),
			Integrity: verdictJSON(s.Integrity), Issuer: verdictJSON(s.Issuer), Status: verdictJSON(s.Status)}
		if s.Key != nil {
			sv.OrgName, sv.OrgKind = s.Key.Org.Name, s.Key.Org.Kind
		}
		v.Seals = append(v.Seals, sv)
	}
}

// decide sets the verdict from the checks, in the order a reader needs:
// a check that failed outright is a possible forgery; an unpinned root or
// missing log evidence cannot be decided; a revocation by the issuer is
// revoked; all passed is valid.
func (v *Verification) decide(r *seal.Report, unknownRoot bool) {
	set := func(verdict string, reason seal.Reason) {
		v.Verdict, v.Reason = verdict, string(reason)
		v.OK = verdict == VerdictValid
	}
	switch {
	case r.Integrity.Reason == seal.ReasonTampered:
		set(VerdictNotValid, r.Integrity.Reason)
	case unknownRoot:
		set(VerdictCannotCheck, ReasonUnknownRoot)
	case !r.Integrity.OK():
		set(VerdictNotValid, r.Integrity.Reason)
	case !r.Issuer.OK():
		set(VerdictNotValid, r.Issuer.Reason)
	case r.Status.Reason == seal.ReasonDocumentRevoked:
		set(VerdictRevoked, r.Status.Reason)
	case !r.Status.OK():
		set(VerdictNotValid, r.Status.Reason)
	case v.Log != nil && !v.Log.OK:
		switch v.Log.Reason {
		case LogReasonMissing, LogReasonWitnesses, string(ReasonStatusUnproven):
			set(VerdictCannotCheck, seal.Reason(v.Log.Reason))
		case LogReasonUntrusted:
			if strings.HasPrefix(v.Log.Detail, "no log key is pinned") {
				set(VerdictCannotCheck, seal.Reason(v.Log.Reason))
			} else {
				set(VerdictNotValid, seal.Reason(v.Log.Reason))
			}
		default:
			set(VerdictNotValid, seal.Reason(v.Log.Reason))
		}
	default:
		set(VerdictValid, "")
	}
}
