package seal

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSealVerifyRoundTrip(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(8))
	for _, tt := range []struct {
		name string
		key  *PrivateKey
		org  string
	}{{"Ed25519", w.byd, "mfr-byd"}, {"SM2", w.gd, "auth-gd"}} {
		t.Run(tt.name, func(t *testing.T) {
			b := seal(t, doc, tt.key, tt.org, t0)
			r := w.list.Verify(b, Options{RequireOrgs: []string{tt.org}})
			if !r.OK() {
				t.Fatalf("report: %+v", r)
			}
			if !bytes.Equal(r.Document, doc) || r.Digest != DigestOf(doc) {
				t.Error("the report does not carry the sealed document and its digest")
			}
			if len(r.Seals) != 1 || r.Seals[0].Key.Org.ID != tt.org || !r.Seals[0].Seal.SealedAt.Equal(t0) || r.Seals[0].Seal.Alg != tt.key.Public().Alg() {
				t.Errorf("seal report: %+v", r.Seals)
			}
			if r2 := Verify(b, w.listFile, w.root.Public(), Options{}); !r2.OK() {
				t.Errorf("one-shot Verify: %+v", r2)
			}
		})
	}
}

// Each failure the verifier knows, produced by a crafted case, with the
// verdict it belongs to.
func TestVerifyFailureReasons(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(3))
	good := seal(t, doc, w.byd, "mfr-byd", t0)
	stranger := mustKey(t, Ed25519)
	otherRoot := mustKey(t, Ed25519)
	otherList, err := (&TrustList{Sequence: 1, Keys: []TrustedKey{
		NewTrustedKey(w.byd.Public(), Org{ID: "mfr-byd", Kind: "manufacturer", Name: "比亚迪汽车工业有限公司"}, tRotation, t0.AddDate(1, 0, 0)),
	}}).Seal(otherRoot, t0)
	if err != nil {
		t.Fatal(err)
	}
	revokedDoc := func(d Digest) (Revocation, bool) {
		return Revocation{At: t0.Add(time.Hour), Reason: "licence withdrawn: wrong VIN"}, d == DigestOf(doc)
	}

	type verdict int
	const (
		integrity verdict = iota
		issuer
		status
	)
	tests := []struct {
		name     string
		envelope []byte
		list     []byte // trust list file; w.listFile when nil
		opts     Options
		verdict  verdict
		want     Reason
		detail   string
	}{
		{"Malformed", []byte(`{"digest":"sha256:00"}`), nil, Options{}, integrity, ReasonMalformed, "malformed envelope at byte 11"},
		{"Tampered", bytes.Replace(good, []byte(`"destination":"KZ"`), []byte(`"destination":"RU"`), 1), nil, Options{}, integrity, ReasonTampered, "changed after sealing"},
		{"BadSignature", edit(t, good, func(e *Envelope) { e.Seals[0].Sig[10] ^= 1 }), nil, Options{}, integrity, ReasonBadSignature, "does not verify"},
		{"ReDated", edit(t, good, func(e *Envelope) { e.Seals[0].SealedAt = e.Seals[0].SealedAt.Add(-time.Hour) }), nil, Options{}, integrity, ReasonBadSignature, "its time"},
		{"AlgorithmMismatch", edit(t, good, func(e *Envelope) { e.Seals[0].Alg = SM2 }), nil, Options{}, integrity, ReasonAlgMismatch, "is an ed25519 key"},
		{"UnknownKey", seal(t, doc, stranger, "mfr-byd", t0), nil, Options{}, issuer, ReasonUnknownKey, "not on trust list no. 7"},
		{"WrongOrganisation", seal(t, doc, w.byd, "mfr-chery", t0), nil, Options{}, issuer, ReasonWrongOrg, "belongs to 比亚迪汽车工业有限公司"},
		{"KeyNotYetValid", seal(t, doc, w.geely, "mfr-geely", t0), nil, Options{}, issuer, ReasonKeyNotYetValid, "became valid at 2027-01-01T00:00:00Z"},
		{"KeyExpired", seal(t, doc, w.bydOld, "mfr-byd", t0), nil, Options{}, issuer, ReasonKeyExpired, "expired at 2026-01-01T00:00:00Z"},
		{"ListNotSignedByRoot", good, otherList, Options{}, issuer, ReasonUntrustedList, "not sealed by root key"},
		{"ListTampered", good, bytes.Replace(w.listFile, []byte(`"sequence":7`), []byte(`"sequence":8`), 1), Options{}, issuer, ReasonUntrustedList, "changed after the root sealed it"},
		{"MissingSeal", good, nil, Options{RequireOrgs: []string{"mfr-byd", "auth-gd"}}, issuer, ReasonMissingSeal, "organisation auth-gd"},
		{"KeyRevoked", seal(t, doc, w.chery, "mfr-chery", t0), nil, Options{}, status, ReasonKeyRevoked, "revoked at 2026-02-01T00:00:00Z (key compromised), before this seal"},
		{"BackDatedPastRevocation", seal(t, doc, w.chery, "mfr-chery", tRevoked.Add(-time.Hour)), nil, Options{LoggedAt: t0}, status, ReasonKeyRevoked, "logged at 2026-03-01T08:00:00Z"},
		{"DocumentRevoked", good, nil, Options{DocumentRevoked: revokedDoc}, status, ReasonDocumentRevoked, "licence withdrawn"},
	}
	seen := map[Reason]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := tt.list
			if list == nil {
				list = w.listFile
			}
			r := Verify(tt.envelope, list, w.root.Public(), tt.opts)
			v := [...]Verdict{r.Integrity, r.Issuer, r.Status}[tt.verdict]
			if v.Reason != tt.want || !strings.Contains(v.Detail, tt.detail) {
				t.Fatalf("verdict = %+v, want reason %s with detail containing %q\nreport: %+v", v, tt.want, tt.detail, r)
			}
			if r.OK() || r.Reason() == "" {
				t.Error("the report is OK")
			}
			seen[tt.want] = true
		})
	}
	for _, reason := range []Reason{ReasonMalformed, ReasonTampered, ReasonBadSignature, ReasonAlgMismatch, ReasonUnknownKey,
		ReasonWrongOrg, ReasonKeyNotYetValid, ReasonKeyExpired, ReasonUntrustedList, ReasonMissingSeal, ReasonKeyRevoked, ReasonDocumentRevoked} {
		if !seen[reason] {
			t.Errorf("no case produces %s", reason)
		}
	}
}

func TestVerifyValidSeals(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(3))
	tests := []struct {
		name     string
		envelope []byte
		opts     Options
		note     string
	}{
		// Rotation: a seal by the old key inside its window stays valid
		// after the organisation moved to a new key.
		{"RotatedKeyInsideItsWindow", seal(t, doc, w.bydOld, "mfr-byd", tRotation.Add(-time.Second)), Options{}, ""},
		{"RotatedKeyLoggedPromptly", seal(t, doc, w.bydOld, "mfr-byd", tRotation.Add(-time.Hour)), Options{LoggedAt: tRotation.Add(-time.Minute)}, ""},
		// A key revoked after the seal: valid, and the verifier says so.
		{"KeyRevokedLater", seal(t, doc, w.chery, "mfr-chery", tRevoked.Add(-time.Second)), Options{}, "revoked at 2026-02-01T00:00:00Z (key compromised), after this seal"},
		{"RevocationHookClear", seal(t, doc, w.gd, "auth-gd", t0), Options{DocumentRevoked: func(Digest) (Revocation, bool) { return Revocation{}, false }}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.list.Verify(tt.envelope, tt.opts)
			if !r.OK() {
				t.Fatalf("report: %+v", r)
			}
			if !strings.Contains(r.Status.Detail, tt.note) || (tt.note == "") != (r.Status.Detail == "") {
				t.Errorf("status detail = %q, want %q", r.Status.Detail, tt.note)
			}
		})
	}
}

// A licence sealed by the authority and co-sealed by the manufacturer; a
// seal lifted from one document onto another fails.
func TestSeveralSeals(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(4))
	env := &Envelope{Document: doc}
	if err := env.Sign(w.byd, "mfr-byd", t0); err != nil {
		t.Fatal(err)
	}
	if err := env.Sign(w.gd, "auth-gd", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	both := Options{RequireOrgs: []string{"auth-gd", "mfr-byd"}}
	if r := w.list.Verify(b, both); !r.OK() || len(r.Seals) != 2 || !r.Seals[0].OK() || !r.Seals[1].OK() {
		t.Fatalf("report: %+v", r)
	}

	other := sampleLicence(4)
	other.Destination = "UZ"
	transplanted := edit(t, seal(t, mustMarshal(t, other), w.byd, "mfr-byd", t0), func(e *Envelope) {
		e.Seals = append(e.Seals, env.Seals[1])
	})
	r := w.list.Verify(transplanted, both)
	if r.Integrity.Reason != ReasonBadSignature || !r.Seals[0].OK() || r.Seals[1].Integrity.Reason != ReasonBadSignature {
		t.Fatalf("transplanted seal: %+v", r)
	}
}

func TestVerifyWithoutTrustedList(t *testing.T) {
	w := newWorld(t)
	good := seal(t, mustMarshal(t, sampleLicence(1)), w.byd, "mfr-byd", t0)
	handMade := &TrustList{Keys: w.list.Keys}
	for name, l := range map[string]*TrustList{"Nil": nil, "HandMade": handMade} {
		t.Run(name, func(t *testing.T) {
			r := l.Verify(good, Options{})
			if r.Issuer.Reason != ReasonUntrustedList || r.Integrity.Reason != ReasonUntrustedList || r.OK() {
				t.Fatalf("report: %+v", r)
			}
		})
	}
	if r := Verify(good, []byte("not a list"), w.root.Public(), Options{}); r.Issuer.Reason != ReasonMalformed || r.OK() {
		t.Errorf("unreadable list: %+v", r)
	}
	if r := Verify(good, w.listFile, nil, Options{}); r.Issuer.Reason != ReasonUntrustedList {
		t.Errorf("no root key: %+v", r)
	}
}

func TestVerifyNeverPanics(t *testing.T) {
	w := newWorld(t)
	good := seal(t, mustMarshal(t, sampleLicence(1)), w.byd, "mfr-byd", t0)
	for _, in := range [][]byte{nil, {}, []byte("{"), good[:len(good)/2], good[:len(good)-1], append(good, good...)} {
		if r := w.list.Verify(in, Options{}); r.OK() || r.Integrity.Reason != ReasonMalformed {
			t.Errorf("Verify(%.40q): %+v", in, r)
		}
	}
}

// Flipping any bit pattern of any byte of a sealed envelope makes it fail
// verification, whatever the byte holds: document, digest, seal fields or
// signature.
func TestEveryByteFlipFailsVerification(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(8))
	for _, tt := range []struct {
		key *PrivateKey
		org string
	}{{w.byd, "mfr-byd"}, {w.gd, "auth-gd"}} {
		t.Run(string(tt.key.Public().Alg()), func(t *testing.T) {
			good := seal(t, doc, tt.key, tt.org, t0)
			if r := w.list.Verify(good, Options{}); !r.OK() {
				t.Fatalf("the unmodified envelope fails: %+v", r)
			}
			reasons := map[Reason]int{}
			m := make([]byte, len(good))
			for i := range good {
				for _, mask := range []byte{0x01, 0x02, 0x20, 0x80, 0xff} {
					copy(m, good)
					m[i] ^= mask
					r := w.list.Verify(m, Options{})
					if r.OK() {
						t.Fatalf("byte %d ^ %#02x (%q → %q) still verifies", i, mask, good[i], m[i])
					}
					reasons[r.Reason()]++
				}
			}
			t.Logf("%d mutations of a %d-byte envelope: %v", 5*len(good), len(good), reasons)

			// Every bit of the raw signature.
			env, _ := ParseEnvelope(good)
			for i := range env.Seals[0].Sig {
				for bit := range 8 {
					mut := edit(t, good, func(e *Envelope) { e.Seals[0].Sig[i] ^= 1 << bit })
					if r := w.list.Verify(mut, Options{}); r.Integrity.Reason != ReasonBadSignature {
						t.Fatalf("signature byte %d bit %d: %s", i, bit, r.Reason())
					}
				}
			}

			// Every byte of the document, with the digest recomputed to
			// match, as a forger would: the signature must catch it.
			for i := range doc {
				mut := append([]byte(nil), doc...)
				mut[i] ^= 0x01
				if CheckCanonical(mut) != nil {
					continue
				}
				forged := edit(t, good, func(e *Envelope) { e.Document, e.Digest = mut, DigestOf(mut) })
				if r := w.list.Verify(forged, Options{}); r.Integrity.Reason != ReasonBadSignature {
					t.Fatalf("document byte %d with a matching digest: %s", i, r.Reason())
				}
			}
		})
	}
}
