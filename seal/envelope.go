package seal

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/ucxdev/ucx"
)

// Digest is the SHA-256 of a canonical document's bytes. Seals sign it, the
// transparency log records it, and a document revocation names it.
type Digest [sha256.Size]byte

// DigestOf returns the digest of doc.
func DigestOf(doc []byte) Digest { return sha256.Sum256(doc) }

// String returns "sha256:" and the lower-case hex of d, the form envelopes
// and the API use.
func (d Digest) String() string { return string(d.appendText(nil)) }

func (d Digest) appendText(b []byte) []byte {
	b = append(b, digestPrefix...)
	return hex.AppendEncode(b, d[:])
}

const digestPrefix = "sha256:"

// MarshalText encodes d as String does.
func (d Digest) MarshalText() ([]byte, error) { return d.appendText(nil), nil }

// UnmarshalText reads the form String writes. Only lower-case hex is
// accepted, so each digest has exactly one spelling.
func (d *Digest) UnmarshalText(b []byte) error {
	v, ok := parseDigest(b)
	if !ok {
		return ucx.Errorf(ucx.EINVALID, "cannot read digest %.80q; write it as sha256: and 64 lower-case hex digits", b)
	}
	*d = v
	return nil
}

func parseDigest(b []byte) (Digest, bool) {
	var d Digest
	if len(b) != len(digestPrefix)+2*len(d) || string(b[:len(digestPrefix)]) != digestPrefix {
		return d, false
	}
	for i, c := range b[len(digestPrefix):] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		default:
			return d, false
		}
		d[i/2] |= v << (4 * (1 - i%2))
	}
	return d, true
}

// Seal is one party's signature on a document: who (key id, claimed
// organisation), how (algorithm), when (RFC 3339, UTC, whole seconds), and
// the signature over the seal's to-be-signed bytes (see the package
// documentation). Algorithm, key, organisation and time are all signed, so
// a seal can be neither moved to another document nor re-dated.
type Seal struct {
	Alg      Alg
	KeyID    string
	Org      string // the organisation the sealer claims to act for; the trust list must agree
	SealedAt time.Time
	Sig      []byte
}

// Envelope is a canonical document with its seals: the unit ucx stores,
// serves and verifies. Its wire form (Marshal) is itself canonical JSON:
//
//	{"digest":"sha256:…","document":{…},"seals":[{"alg":…,"key_id":…,"org":…,"sealed_at":…,"sig":…}]}
//
// The document is embedded byte for byte; the digest lets a verifier tell
// a changed document (ReasonTampered) from a bad signature.
type Envelope struct {
	Digest   Digest // as written in the envelope; Verify recomputes it
	Document []byte // canonical JSON (RFC 8785), an object
	Seals    []Seal
}

// Limits of the envelope format. They keep every seal's to-be-signed bytes
// short and bounded, and a verifier's work per envelope small.
const (
	// MaxSeals is the most seals one envelope may carry: a licence has the
	// authority's and perhaps a co-seal or two, never dozens.
	MaxSeals = 8
	// MaxOrgLen bounds an organisation id.
	MaxOrgLen = 64

	maxSigLen = 80 // an SM2 DER signature is at most 72 bytes, Ed25519 64
	maxTBS    = len(tbsDomain) + sha256.Size + 4 + len(SM2) + len(SM2) + 1 + keyIDHexLen + MaxOrgLen + len(time.RFC3339)
)

// tbsDomain opens every seal's to-be-signed bytes, so a seal signature can
// never be taken for a signature of something else the same key signs.
const tbsDomain = "ucx/seal/v1\x00"

// appendTBS appends the bytes s signs for the document with digest d:
//
//	"ucx/seal/v1" 0x00 ‖ digest (32 bytes) ‖ lp(alg) ‖ lp(key id) ‖ lp(org) ‖ lp(sealed_at)
//
// where lp(x) is x preceded by its length in one byte. Every field is
// bounded well below 256 bytes, so the encoding is unambiguous.
func (s *Seal) appendTBS(b []byte, d Digest) []byte {
	b = append(b, tbsDomain...)
	b = append(b, d[:]...)
	b = appendLP(b, string(s.Alg))
	b = appendLP(b, s.KeyID)
	b = appendLP(b, s.Org)
	var t [len(time.RFC3339)]byte
	return appendLP(b, string(s.SealedAt.UTC().AppendFormat(t[:0], time.RFC3339)))
}

func appendLP(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

// Sign seals the envelope's document with key, for organisation org, at
// time at (rounded down to the second), and appends the seal. The document
// must be canonical JSON; Sign checks it, and refuses to seal an envelope
// whose recorded digest no longer matches its document.
func (e *Envelope) Sign(key *PrivateKey, org string, at time.Time) error {
	const op = "seal.Envelope.Sign"
	switch {
	case key == nil:
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "no sealing key given; load one with seal.ParsePrivateKeyPEM"}
	case !validOrg(org):
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Field: "org",
			Message: "organisation id must be 1 to " + strconv.Itoa(MaxOrgLen) + " letters, digits or . _ : -"}
	case len(e.Seals) >= MaxSeals:
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the envelope already carries " + strconv.Itoa(MaxSeals) + " seals, the most allowed"}
	case len(e.Document) == 0 || e.Document[0] != '{':
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the document must be a JSON object"}
	}
	at = at.UTC().Truncate(time.Second)
	if y := at.Year(); y < 2000 || y > 9999 {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Field: "sealed_at", Message: "seal time " + at.Format(time.RFC3339) + " is not a plausible time; pass the current time"}
	}
	if err := CheckCanonical(e.Document); err != nil {
		return err
	}
	d := DigestOf(e.Document)
	if e.Digest != (Digest{}) && e.Digest != d {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the document no longer matches the envelope's digest: it was changed after sealing; start again from the original document"}
	}
	e.Digest = d
	s := Seal{Alg: key.pub.alg, KeyID: key.pub.id, Org: org, SealedAt: at}
	var buf [maxTBS]byte
	sig, err := key.sign(s.appendTBS(buf[:0], d))
	if err != nil {
		return err
	}
	s.Sig = sig
	e.Seals = append(e.Seals, s)
	return nil
}

// Marshal returns the envelope's wire form. It is canonical JSON, and
// ParseEnvelope reads back exactly what Marshal writes.
func (e *Envelope) Marshal() ([]byte, error) {
	if len(e.Seals) == 0 || len(e.Seals) > MaxSeals {
		return nil, ucx.Errorf(ucx.EINVALID, "an envelope carries 1 to %d seals, not %d; seal it with Envelope.Sign", MaxSeals, len(e.Seals))
	}
	n := len(e.Document) + 100
	for i := range e.Seals {
		s := &e.Seals[i]
		if err := s.validate(); err != nil {
			return nil, err
		}
		n += 100 + len(s.KeyID) + len(s.Org) + base64.StdEncoding.EncodedLen(len(s.Sig))
	}
	b := make([]byte, 0, n)
	b = append(b, `{"digest":"`...)
	b = e.Digest.appendText(b)
	b = append(b, `","document":`...)
	b = append(b, e.Document...)
	b = append(b, `,"seals":[`...)
	for i := range e.Seals {
		if i > 0 {
			b = append(b, ',')
		}
		s := &e.Seals[i]
		b = append(b, `{"alg":"`...)
		b = append(b, s.Alg...)
		b = append(b, `","key_id":"`...)
		b = append(b, s.KeyID...)
		b = append(b, `","org":"`...)
		b = append(b, s.Org...)
		b = append(b, `","sealed_at":"`...)
		b = s.SealedAt.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `","sig":"`...)
		b = base64.StdEncoding.AppendEncode(b, s.Sig)
		b = append(b, `"}`...)
	}
	return append(b, "]}"...), nil
}

// validate checks what Marshal writes verbatim, so that it cannot write an
// envelope ParseEnvelope would refuse.
func (s *Seal) validate() error {
	switch {
	case !s.Alg.Valid():
		return errUnknownAlg(s.Alg)
	case !validKeyIDAnyAlg([]byte(s.KeyID)):
		return ucx.Errorf(ucx.EINVALID, "key id %.80q is not of the form <algorithm>:<32 lower-case hex digits>", s.KeyID)
	case !validOrg(s.Org):
		return ucx.Errorf(ucx.EINVALID, "organisation id %.80q must be 1 to %d letters, digits or . _ : -", s.Org, MaxOrgLen)
	case s.SealedAt.Nanosecond() != 0 || s.SealedAt.UTC().Year() < 2000 || s.SealedAt.UTC().Year() > 9999:
		return ucx.Errorf(ucx.EINVALID, "seal time %s must be whole seconds between 2000 and 9999", s.SealedAt)
	case len(s.Sig) == 0 || len(s.Sig) > maxSigLen:
		return ucx.Errorf(ucx.EINVALID, "a signature is 1 to %d bytes, not %d", maxSigLen, len(s.Sig))
	}
	return nil
}

func validOrg[T string | []byte](s T) bool {
	if len(s) == 0 || len(s) > MaxOrgLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// validKeyID reports whether id is alg, ':' and 32 lower-case hex digits.
func validKeyID(alg Alg, id []byte) bool {
	if len(id) != len(alg)+1+keyIDHexLen || string(id[:len(alg)]) != string(alg) || id[len(alg)] != ':' {
		return false
	}
	for _, c := range id[len(alg)+1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validKeyIDAnyAlg reports whether id is a well-formed key id of either
// algorithm. A seal whose algorithm differs from its key id's is well formed
// but fails verification with ReasonAlgMismatch.
func validKeyIDAnyAlg(id []byte) bool { return validKeyID(Ed25519, id) || validKeyID(SM2, id) }

// ParseEnvelope reads an envelope in the exact form Marshal writes. It
// accepts nothing else (no white space, no other member order, no escapes in
// seal fields, a canonical document): an envelope is passed on byte for
// byte, and a single reading of it leaves no room for a parser
// disagreement. The error's cause is ReasonMalformed.
func ParseEnvelope(b []byte) (*Envelope, error) {
	e := new(Envelope)
	if err := e.parse(b); err != nil {
		return nil, err
	}
	e.Document = append([]byte(nil), e.Document...)
	return e, nil
}

// parse fills e from b; e.Document aliases b.
func (e *Envelope) parse(b []byte) error {
	p := envParser{b: b}
	if !p.lit(`{"digest":"`) {
		return p.fail(`{"digest":"`)
	}
	if len(b)-p.i < len(digestPrefix)+64 {
		return p.fail("a sha256: digest")
	}
	d, ok := parseDigest(b[p.i : p.i+len(digestPrefix)+64])
	if !ok {
		return p.fail("a sha256: digest in lower-case hex")
	}
	e.Digest = d
	p.i += len(digestPrefix) + 64
	if !p.lit(`","document":`) {
		return p.fail(`","document":`)
	}
	if p.i >= len(b) || b[p.i] != '{' {
		return p.fail("the document, a JSON object")
	}
	end, err := checkValue(b, p.i, 0)
	if err != nil {
		return &ucx.Error{Code: ucx.EINVALID, Op: "seal.ParseEnvelope",
			Message: "malformed envelope: its document is not canonical JSON (" + ucx.ErrorMessage(err) + ")", Err: ReasonMalformed}
	}
	e.Document = b[p.i:end]
	p.i = end
	if !p.lit(`,"seals":[`) {
		return p.fail(`,"seals":[`)
	}
	e.Seals = make([]Seal, 0, 2)
	for {
		if len(e.Seals) == MaxSeals {
			return p.fail("at most " + strconv.Itoa(MaxSeals) + " seals")
		}
		var s Seal
		if err := p.seal(&s); err != nil {
			return err
		}
		e.Seals = append(e.Seals, s)
		if !p.lit(",") {
			break
		}
	}
	if !p.lit("]}") {
		return p.fail(`"]}"`)
	}
	if p.i != len(b) {
		return p.fail("the end of the envelope")
	}
	return nil
}

type envParser struct {
	b []byte
	i int
}

func (p *envParser) fail(want string) error {
	return &ucx.Error{Code: ucx.EINVALID, Op: "seal.ParseEnvelope",
		Message: "malformed envelope at byte " + strconv.Itoa(p.i) + ": expected " + want +
			"; pass envelopes on byte for byte as ucx wrote them, never re-formatted",
		Err: ReasonMalformed}
}

func (p *envParser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// field reads a seal field's value up to its closing quote. Seal fields
// are printable ASCII without quotes or backslashes, so there are no
// escapes to decode.
func (p *envParser) field() ([]byte, bool) {
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			p.i++
			return p.b[start : p.i-1], true
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			return nil, false
		}
		p.i++
	}
	return nil, false
}

func (p *envParser) seal(s *Seal) error {
	if !p.lit(`{"alg":"`) {
		return p.fail(`{"alg":"`)
	}
	v, ok := p.field()
	switch {
	case !ok:
		return p.fail("an algorithm name")
	case string(v) == string(Ed25519):
		s.Alg = Ed25519
	case string(v) == string(SM2):
		s.Alg = SM2
	default:
		p.i -= len(v) + 1
		return p.fail(`"ed25519" or "sm2-sm3"`)
	}
	if !p.lit(`,"key_id":"`) {
		return p.fail(`,"key_id":"`)
	}
	if v, ok = p.field(); !ok || !validKeyIDAnyAlg(v) {
		return p.fail("a key id: algorithm, ':' and 32 lower-case hex digits")
	}
	s.KeyID = string(v)
	if !p.lit(`,"org":"`) {
		return p.fail(`,"org":"`)
	}
	if v, ok = p.field(); !ok || !validOrg(v) {
		return p.fail("an organisation id of 1 to " + strconv.Itoa(MaxOrgLen) + " letters, digits or . _ : -")
	}
	s.Org = string(v)
	if !p.lit(`,"sealed_at":"`) {
		return p.fail(`,"sealed_at":"`)
	}
	if v, ok = p.field(); !ok {
		return p.fail("a seal time")
	}
	if s.SealedAt, ok = parseSealTime(v); !ok {
		p.i -= len(v) + 1
		return p.fail("a seal time in UTC, whole seconds, as 2026-01-31T08:00:00Z")
	}
	if !p.lit(`,"sig":"`) {
		return p.fail(`,"sig":"`)
	}
	if v, ok = p.field(); !ok || len(v) == 0 || len(v) > base64.StdEncoding.EncodedLen(maxSigLen) {
		return p.fail("a signature in base64")
	}
	s.Sig = make([]byte, base64.StdEncoding.DecodedLen(len(v)))
	n, err := base64.StdEncoding.Strict().Decode(s.Sig, v)
	if err != nil {
		return p.fail("a signature in padded standard base64 (RFC 4648 §4)")
	}
	s.Sig = s.Sig[:n]
	if !p.lit("}") {
		return p.fail("}")
	}
	return nil
}

// parseSealTime reads exactly YYYY-MM-DDTHH:MM:SSZ, the one spelling a seal
// time has, without allocating.
func parseSealTime(b []byte) (time.Time, bool) {
	if len(b) != len("2006-01-02T15:04:05Z") || b[4] != '-' || b[7] != '-' || b[10] != 'T' ||
		b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(b[0:4]), num(b[5:7]), num(b[8:10])
	h, mi, s := num(b[11:13]), num(b[14:16]), num(b[17:19])
	if y < 2000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d { // 2026-02-30 normalised into March
		return time.Time{}, false
	}
	return t, true
}
