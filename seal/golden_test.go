package seal

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and the fuzz seed corpus in testdata/fuzz")

// golden holds envelopes sealed by an earlier build. They must keep
// verifying: a document sealed today is checked for years, so the wire
// format, the to-be-signed bytes and Marshal's encoding may not drift.
type golden struct {
	root    *PublicKey
	list    []byte // trust list sealed by root
	licence []byte // sampleLicence(9) sealed by BYD (Ed25519) and Guangdong (SM2)
}

func loadGolden(t testing.TB) golden {
	t.Helper()
	root, err := ParsePublicKeyPEM(readFile(t, "testdata/golden/root.pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return golden{root: root, list: readFile(t, "testdata/golden/trust-list.json"), licence: readFile(t, "testdata/golden/licence.json")}
}

func TestGoldenEnvelopesStillVerify(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	g := loadGolden(t)
	r := Verify(g.licence, g.list, g.root, Options{RequireOrgs: []string{"auth-gd", "mfr-byd"}})
	if !r.OK() {
		t.Fatalf("the golden licence no longer verifies: %+v", r)
	}
	// Marshal still encodes the same licence to the same bytes.
	if doc := mustMarshal(t, sampleLicence(9)); !bytes.Equal(r.Document, doc) {
		t.Errorf("Marshal's encoding of the sample licence changed:\n%s\n%s", r.Document, doc)
	}
	if len(r.Seals) != 2 || r.Seals[0].Seal.Alg != Ed25519 || r.Seals[1].Seal.Alg != SM2 {
		t.Errorf("seals: %+v", r.Seals)
	}
}

// writeGolden makes new keys and rewrites every golden file and seed.
func writeGolden(t *testing.T) {
	root, byd, gd := mustKey(t, Ed25519), mustKey(t, Ed25519), mustKey(t, SM2)
	year := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	list, err := (&TrustList{Sequence: 1, IssuedAt: t0, Keys: []TrustedKey{
		NewTrustedKey(byd.Public(), Org{ID: "mfr-byd", Kind: "manufacturer", Name: "比亚迪汽车工业有限公司"}, year(2026), year(2030)),
		NewTrustedKey(gd.Public(), Org{ID: "auth-gd", Kind: "authority", Name: "广东省商务厅"}, year(2026), year(2030)),
	}}).Seal(root, t0)
	if err != nil {
		t.Fatal(err)
	}
	doc := mustMarshal(t, sampleLicence(9))
	env := &Envelope{Document: doc}
	if err := env.Sign(byd, "mfr-byd", t0); err != nil {
		t.Fatal(err)
	}
	if err := env.Sign(gd, "auth-gd", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	licence, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("testdata/golden/root.pub.pem", root.Public().MarshalPEM())
	write("testdata/golden/trust-list.json", list)
	write("testdata/golden/licence.json", licence)

	seed := func(fuzz, name string, b []byte) {
		write(filepath.Join("testdata/fuzz", fuzz, name), []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(b))+")\n"))
	}
	seed("FuzzVerify", "licence", licence)
	seed("FuzzVerify", "licence-one-seal", edit(t, licence, func(e *Envelope) { e.Seals = e.Seals[1:] }))
	seed("FuzzVerify", "trust-list", list)
	seed("FuzzParseTrustList", "trust-list", list)
	seed("FuzzParseTrustList", "licence", licence)
	seed("FuzzCanonicalize", "licence", doc)
	seed("FuzzCanonicalize", "escapes", []byte(`{"b":"\u00e9\ud83d\ude00\n\/","a":[1E3,-0.0,1e-7,{"\u0000":null}]}`))
	seed("FuzzCanonicalize", "utf16-order", []byte(`{"\ue000":1,"\ud800\udc00":2,"a":{"z":true,"y":false}}`))
}
