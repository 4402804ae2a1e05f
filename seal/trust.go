package seal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ucxdev/ucx"
)

// TrustListType names the trust list format in its "type" member, so a
// verifier never mistakes another sealed document for a trust list.
const TrustListType = "ucx.trust-list/v1"

// RootOrg is the organisation id the root key seals trust lists for. The
// root key itself is on no list: verifiers are configured with it.
const RootOrg = "ucx-root"

// Org is the organisation a key seals for, as the trust list binds it: the
// platform's organisation id, its kind (the ucx.OrgKind values:
// "manufacturer", "authority", …) and its exact legal name. R2 makes the
// name matter: a confirmation counts only under the manufacturer's name as
// MIIT's announcement writes it.
type Org struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// TrustedKey is one entry of a trust list: a public key, whose it is, and
// when it may seal. An organisation rotates keys by having several entries
// with successive validity windows; old seals stay checkable against the
// old entry. A revoked key keeps its entry with RevokedAt set: seals made
// before that instant stay valid, later ones do not.
//
// The JSON names are declared in canonical order (see Marshal).
type TrustedKey struct {
	Alg           Alg       `json:"alg"`
	KeyID         string    `json:"key_id"`
	NotAfter      time.Time `json:"not_after"`  // exclusive
	NotBefore     time.Time `json:"not_before"` // inclusive
	Org           Org       `json:"org"`
	PublicKey     []byte    `json:"public_key"` // PKIX DER; base64 in JSON
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
	RevokedReason string    `json:"revoked_reason,omitempty"`

	key *PublicKey // parsed once, by TrustList.index
}

// NewTrustedKey returns the entry binding pub to org for seals made from
// notBefore up to (not including) notAfter.
func NewTrustedKey(pub *PublicKey, org Org, notBefore, notAfter time.Time) TrustedKey {
	return TrustedKey{
		Alg:       pub.alg,
		KeyID:     pub.id,
		NotAfter:  notAfter,
		NotBefore: notBefore,
		Org:       org,
		PublicKey: pub.PKIX(),
		key:       pub,
	}
}

// Key returns the entry's parsed public key.
func (k *TrustedKey) Key() *PublicKey { return k.key }

// TrustList is the platform root's statement of which key seals for which
// organisation, and when. The root seals it like any other document
// (TrustList.Seal); a verifier accepts it only through ParseTrustList,
// which checks that seal against the root key it was configured with. A
// TrustList built any other way verifies nothing: every seal checked
// against it fails with ReasonUntrustedList.
//
// Sequence increases with every list the root issues, so a verifier can
// tell a fresher list from a staler one; IssuedAt says how current the
// revocations in it are.
type TrustList struct {
	IssuedAt time.Time    `json:"issued_at"`
	Keys     []TrustedKey `json:"keys"`
	Sequence uint64       `json:"sequence"`
	Type     string       `json:"type"` // TrustListType; Seal sets it

	byID map[string]*TrustedKey // set only once the root's seal is checked
}

// Seal validates the list and returns it sealed by the root key at time at,
// as an envelope ready to publish. Times are written in UTC to the second.
func (l *TrustList) Seal(root *PrivateKey, at time.Time) ([]byte, error) {
	c := TrustList{IssuedAt: l.IssuedAt, Sequence: l.Sequence, Type: TrustListType, Keys: make([]TrustedKey, len(l.Keys))}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = at
	}
	c.IssuedAt = utcSecond(c.IssuedAt)
	for i, k := range l.Keys {
		k.NotBefore, k.NotAfter = utcSecond(k.NotBefore), utcSecond(k.NotAfter)
		if !k.RevokedAt.IsZero() {
			k.RevokedAt = utcSecond(k.RevokedAt)
		}
		c.Keys[i] = k
	}
	if err := c.index(); err != nil {
		return nil, err
	}
	doc, err := Marshal(&c)
	if err != nil {
		return nil, err
	}
	env := Envelope{Document: doc}
	if err := env.Sign(root, RootOrg, at); err != nil {
		return nil, err
	}
	return env.Marshal()
}

func utcSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// ParseTrustList reads a sealed trust list and checks the root's seal on it
// against root, the key the verifier trusts. On failure the error's cause
// (ReasonOf) is ReasonUntrustedList when the root's seal is missing or does
// not hold, and ReasonMalformed when the list cannot be read.
func ParseTrustList(b []byte, root *PublicKey) (*TrustList, error) {
	const op = "seal.ParseTrustList"
	if root == nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "no root key given; configure the platform's root public key", Err: ReasonUntrustedList}
	}
	var env Envelope
	if err := env.parse(b); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the trust list is not a sealed envelope: " + ucx.ErrorMessage(err), Err: ReasonMalformed}
	}
	untrusted := func(msg string) error {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: msg + "; fetch the trust list the platform publishes", Err: ReasonUntrustedList}
	}
	var rs *Seal
	for i := range env.Seals {
		if env.Seals[i].KeyID == root.id {
			rs = &env.Seals[i]
			break
		}
	}
	var buf [maxTBS]byte
	switch {
	case rs == nil:
		return nil, untrusted("the trust list is not sealed by root key " + root.id)
	case DigestOf(env.Document) != env.Digest:
		return nil, untrusted("the trust list was changed after the root sealed it")
	case rs.Alg != root.alg || !root.verify(rs.appendTBS(buf[:0], env.Digest), rs.Sig):
		return nil, untrusted("the root's seal on the trust list does not verify")
	}
	l := new(TrustList)
	dec := json.NewDecoder(bytes.NewReader(env.Document))
	dec.DisallowUnknownFields()
	if err := dec.Decode(l); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the trust list document cannot be read: " + err.Error(), Err: ReasonMalformed}
	}
	if l.Type != TrustListType {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: fmt.Sprintf("the document is of type %.40q, not a %s", l.Type, TrustListType), Err: ReasonMalformed}
	}
	if err := l.index(); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: ucx.ErrorMessage(err), Err: ReasonMalformed}
	}
	return l, nil
}

// Key returns the entry for key id, or nil if the list has none or was not
// checked against the root.
func (l *TrustList) Key(id string) *TrustedKey {
	if l == nil {
		return nil
	}
	return l.byID[id]
}

// index validates every entry, parses its key and builds the lookup table.
func (l *TrustList) index() error {
	if l.Sequence > 1<<53 {
		// RFC 8785 numbers are doubles: a larger sequence would not survive.
		return ucx.Errorf(ucx.EINVALID, "trust list sequence %d is above 2^53", l.Sequence)
	}
	byID := make(map[string]*TrustedKey, len(l.Keys))
	for i := range l.Keys {
		k := &l.Keys[i]
		bad := func(format string, args ...any) error {
			return ucx.Errorf(ucx.EINVALID, "trust list entry %d (%.80s): %s", i, k.KeyID, fmt.Sprintf(format, args...))
		}
		pub, err := ParsePublicKey(k.PublicKey)
		switch {
		case err != nil:
			return bad("%s", ucx.ErrorMessage(err))
		case pub.alg != k.Alg:
			return bad("the key is an %s key, not %s", pub.alg, k.Alg)
		case pub.id != k.KeyID:
			return bad("the key's id is %s", pub.id)
		case byID[k.KeyID] != nil:
			return bad("the key is listed twice")
		case !validOrg(k.Org.ID):
			return bad("organisation id must be 1 to %d letters, digits or . _ : -", MaxOrgLen)
		case k.Org.Kind == "" || k.Org.Name == "":
			return bad("the organisation's kind and legal name are required")
		case k.NotBefore.IsZero() || !k.NotBefore.Before(k.NotAfter):
			return bad("not_before must be set and earlier than not_after")
		case k.RevokedAt.IsZero() != (k.RevokedReason == ""):
			return bad("a revocation needs both revoked_at and revoked_reason")
		}
		k.key = pub
		byID[k.KeyID] = k
	}
	l.byID = byID
	return nil
}
