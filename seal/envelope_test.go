package seal

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
)

func TestEnvelopeWireFormat(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(2))
	b := seal(t, doc, w.gd, "auth-gd", t0.Add(1500*time.Millisecond))
	// The wire form is itself canonical JSON, readable by any JSON tool.
	if err := CheckCanonical(b); err != nil {
		t.Fatal(err)
	}
	var generic struct {
		Digest   string          `json:"digest"`
		Document json.RawMessage `json:"document"`
		Seals    []struct {
			Alg, KeyID, Org, SealedAt, Sig string
		} `json:"seals"`
	}
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if generic.Digest != DigestOf(doc).String() || !bytes.Equal(generic.Document, doc) || len(generic.Seals) != 1 {
		t.Errorf("envelope: %s", b)
	}
	if want := `"sealed_at":"2026-03-01T08:00:01Z"`; !bytes.Contains(b, []byte(want)) {
		t.Errorf("envelope lacks %s (UTC, whole seconds): %s", want, b[len(b)-200:])
	}
	env, err := ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := env.Marshal()
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("Marshal(ParseEnvelope(b)) differs from b: %v", err)
	}
}

func TestParseEnvelopeRejects(t *testing.T) {
	w := newWorld(t)
	good := string(seal(t, mustMarshal(t, sampleLicence(1)), w.byd, "mfr-byd", t0))
	env, _ := ParseEnvelope([]byte(good))
	sealJSON := good[strings.Index(good, `{"alg"`) : len(good)-2]
	sig := good[strings.Index(good, `"sig":"`)+7 : len(good)-4]
	tests := []struct {
		name, old, new, want string
	}{
		{"WhiteSpace", `{"digest"`, `{ "digest"`, `expected {"digest":"`},
		{"UpperCaseDigest", `sha256:`, `SHA256:`, "a sha256: digest"},
		{"ReorderedMembers", `{"alg":"ed25519","key_id":"` + env.Seals[0].KeyID + `"`, `{"key_id":"` + env.Seals[0].KeyID + `","alg":"ed25519"`, `expected {"alg":"`},
		{"UnknownAlgorithm", `"alg":"ed25519"`, `"alg":"ed448"`, `"ed25519" or "sm2-sm3"`},
		{"EscapeInOrg", `"org":"mfr-byd"`, `"org":"mfr\u002dbyd"`, "an organisation id"},
		{"EmptyOrg", `"org":"mfr-byd"`, `"org":""`, "an organisation id"},
		{"ShortKeyID", env.Seals[0].KeyID, env.Seals[0].KeyID[:20], "a key id"},
		{"TimeWithOffset", `2026-03-01T08:00:00Z`, `2026-03-01T16:00:00+08:00`, "a seal time in UTC"},
		{"TimeLowerCase", `2026-03-01T08:00:00Z`, `2026-03-01t08:00:00Z`, "a seal time in UTC"},
		{"TimeFraction", `2026-03-01T08:00:00Z`, `2026-03-01T08:00:00.5Z`, "a seal time in UTC"},
		{"TimeImpossibleDay", `2026-03-01T08:00:00Z`, `2026-02-30T08:00:00Z`, "a seal time in UTC"},
		{"SignatureUnpadded", sig, strings.TrimRight(sig, "="), "padded standard base64"},
		{"SignatureURLAlphabet", sig, strings.NewReplacer("+", "-", "/", "_").Replace(sig) + "-", "padded standard base64"},
		{"NoSeals", sealJSON, ``, `expected {"alg":"`},
		{"TooManySeals", sealJSON, strings.Repeat(sealJSON+",", MaxSeals) + sealJSON, "at most 8 seals"},
		{"TrailingNewline", `]}`, "]}\n", "the end of the envelope"},
		{"DocumentNotCanonical", `"destination":"KZ"`, `"destination": "KZ"`, "document is not canonical"},
		{"DocumentDuplicateMember", `"destination":"KZ"`, `"destination":"KZ","destination":"KZ"`, "duplicate member name"},
		{"DocumentNotObject", `"document":{`, `"document":[{`, "the document, a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(good, tt.old, tt.new, 1)
			if in == good {
				t.Fatalf("%q not found", tt.old)
			}
			_, err := ParseEnvelope([]byte(in))
			if !errors.Is(err, ReasonMalformed) || ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want malformed containing %q", err, tt.want)
			}
		})
	}
	// Base64 whose unused trailing bits are set decodes to the same
	// signature in a lax decoder; a strict one must refuse it, or one
	// signature would have several spellings.
	last := sig[len(sig)-3] // 64 bytes → 86 characters and "==": 4 unused bits
	lax := strings.Replace(good, sig, sig[:len(sig)-3]+string(last+1)+"==", 1)
	if _, err := ParseEnvelope([]byte(lax)); !errors.Is(err, ReasonMalformed) {
		t.Errorf("signature with non-zero padding bits: err = %v", err)
	}
}

func TestSignRejects(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(1))
	full := &Envelope{Document: doc}
	for range MaxSeals {
		if err := full.Sign(w.byd, "mfr-byd", t0); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		env  *Envelope
		key  *PrivateKey
		org  string
		at   time.Time
		want string
	}{
		{"NotCanonical", &Envelope{Document: []byte(`{"b":1,"a":2}`)}, w.byd, "mfr-byd", t0, "out of order"},
		{"NotObject", &Envelope{Document: []byte(`[1]`)}, w.byd, "mfr-byd", t0, "must be a JSON object"},
		{"NoKey", &Envelope{Document: doc}, nil, "mfr-byd", t0, "no sealing key"},
		{"BadOrg", &Envelope{Document: doc}, w.byd, "比亚迪", t0, "organisation id must be"},
		{"NoTime", &Envelope{Document: doc}, w.byd, "mfr-byd", time.Time{}, "not a plausible time"},
		{"DigestMismatch", &Envelope{Document: doc, Digest: DigestOf([]byte("other"))}, w.byd, "mfr-byd", t0, "changed after sealing"},
		{"TooManySeals", full, w.byd, "mfr-byd", t0, "already carries 8 seals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.env.Sign(tt.key, tt.org, tt.at)
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
	if _, err := (&Envelope{Document: doc}).Marshal(); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("Marshal of an unsealed envelope: err = %v", err)
	}
}

func TestDigestText(t *testing.T) {
	d := DigestOf([]byte("abc"))
	s := d.String()
	if s != "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("String = %s", s)
	}
	var back Digest
	if err := back.UnmarshalText([]byte(s)); err != nil || back != d {
		t.Fatalf("UnmarshalText(%s) = %x, %v", s, back, err)
	}
	for _, bad := range []string{strings.ToUpper(s), s[:70], "sha512:" + s[7:], s + "0"} {
		if err := back.UnmarshalText([]byte(bad)); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("UnmarshalText(%s) err = %v", bad, err)
		}
	}
}

func TestTrustListRejects(t *testing.T) {
	w := newWorld(t)
	byd := Org{ID: "mfr-byd", Kind: "manufacturer", Name: "比亚迪汽车工业有限公司"}
	entry := func() TrustedKey { return NewTrustedKey(w.byd.Public(), byd, tRotation, t0) }
	tests := []struct {
		name   string
		change func(*TrustedKey) []TrustedKey
		want   string
	}{
		{"Duplicate", func(k *TrustedKey) []TrustedKey { return []TrustedKey{*k, *k} }, "listed twice"},
		{"WrongKeyID", func(k *TrustedKey) []TrustedKey { k.KeyID = w.gd.Public().ID(); return []TrustedKey{*k} }, "the key's id is"},
		{"WrongAlg", func(k *TrustedKey) []TrustedKey { k.Alg = SM2; return []TrustedKey{*k} }, "not sm2-sm3"},
		{"BadPublicKey", func(k *TrustedKey) []TrustedKey { k.PublicKey = k.PublicKey[:10]; return []TrustedKey{*k} }, "not a PKIX"},
		{"EmptyWindow", func(k *TrustedKey) []TrustedKey { k.NotAfter = k.NotBefore; return []TrustedKey{*k} }, "earlier than not_after"},
		{"RevokedWithoutReason", func(k *TrustedKey) []TrustedKey { k.RevokedAt = t0; return []TrustedKey{*k} }, "both revoked_at and revoked_reason"},
		{"NoLegalName", func(k *TrustedKey) []TrustedKey { k.Org.Name = ""; return []TrustedKey{*k} }, "legal name are required"},
		{"BadOrgID", func(k *TrustedKey) []TrustedKey { k.Org.ID = "mfr byd"; return []TrustedKey{*k} }, "organisation id must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := entry()
			_, err := (&TrustList{Sequence: 1, Keys: tt.change(&k)}).Seal(w.root, t0)
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}

	// Documents the root sealed that are not valid trust lists.
	for _, tt := range []struct{ name, doc, want string }{
		{"OtherDocumentType", `{"issued_at":"2026-03-01T08:00:00Z","keys":[],"sequence":1,"type":"ucx.licence/v1"}`, "not a ucx.trust-list/v1"},
		{"UnknownMember", `{"extra":1,"issued_at":"2026-03-01T08:00:00Z","keys":[],"sequence":1,"type":"ucx.trust-list/v1"}`, `unknown field "extra"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTrustList(seal(t, []byte(tt.doc), w.root, RootOrg, t0), w.root.Public())
			if !errors.Is(err, ReasonMalformed) || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want malformed containing %q", err, tt.want)
			}
		})
	}
	forged := edit(t, w.listFile, func(e *Envelope) { e.Seals[0].Sig[0] ^= 1 })
	if _, err := ParseTrustList(forged, w.root.Public()); !errors.Is(err, ReasonUntrustedList) || !strings.Contains(ucx.ErrorMessage(err), "does not verify") {
		t.Errorf("forged root seal: err = %v", err)
	}
	if _, err := ParseTrustList(w.listFile, w.byd.Public()); !errors.Is(err, ReasonUntrustedList) || ReasonOf(err) != ReasonUntrustedList {
		t.Errorf("another root: err = %v", err)
	}
}

func TestTrustListContents(t *testing.T) {
	w := newWorld(t)
	if w.list.Sequence != 7 || !w.list.IssuedAt.Equal(t0) || len(w.list.Keys) != 5 || w.list.Type != TrustListType {
		t.Fatalf("list: %+v", w.list)
	}
	k := w.list.Key(w.chery.Public().ID())
	if k == nil || !k.RevokedAt.Equal(tRevoked) || k.RevokedReason != "key compromised" || !k.Key().Equal(w.chery.Public()) || k.Org.Name != "奇瑞汽车股份有限公司" {
		t.Errorf("Chery's entry: %+v", k)
	}
	if w.list.Key("ed25519:00000000000000000000000000000000") != nil {
		t.Error("found a key that is not listed")
	}
	// The list document is canonical and encodes on Marshal's fast path.
	env, _ := ParseEnvelope(w.listFile)
	if err := CheckCanonical(env.Document); err != nil {
		t.Error(err)
	}
	if err := CheckMarshal(w.list); err != nil {
		t.Error(err)
	}
}
