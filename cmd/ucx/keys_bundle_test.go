package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ucxbundle "github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
)

// writeBundle writes a verification bundle of w's envelope, trust list and
// root key, with the given revocation envelopes, and returns its path.
func writeBundle(t *testing.T, w *sealWorld, name string, revocations ...string) string {
	t.Helper()
	revs := []json.RawMessage{}
	for _, r := range revocations {
		revs = append(revs, json.RawMessage(readKeyFile(t, r)))
	}
	b, err := json.Marshal(map[string]any{
		"type": "ucx.bundle/v1", "envelope": json.RawMessage(readKeyFile(t, w.envelope)),
		"trust_list": json.RawMessage(readKeyFile(t, w.path("trust.json"))), "root_public_key": readKeyFile(t, w.path("root.pub")),
		"revocations": revs,
	})
	if err != nil {
		t.Fatal(err)
	}
	writeKeyFile(t, w.path(name), string(b))
	return w.path(name)
}

// sealRevocation seals a revocation record of w's document by org.
func sealRevocation(t *testing.T, w *sealWorld, org string) string {
	t.Helper()
	d := seal.DigestOf([]byte(testDoc))
	doc := `{"document":"` + d.String() + `","document_kind":"confirmation","organisation_id":` + org + `,"reason":"outlet closed","type":"ucx.revocation.v1"}`
	writeKeyFile(t, w.path("rev-"+org+".json"), doc)
	out := w.path("rev-" + org + ".sealed.json")
	key := map[string]string{"101": "acme", "102": "beta"}[org]
	mustRunKey(t, "seal", "--key", w.path(key+".key"), "--org", org, "--at", "2026-04-01T00:00:00Z", "--in", w.path("rev-"+org+".json"), "--out", out)
	return out
}

func TestVerifyCmd_Bundle(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	t.Setenv(anchorsEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	bundle := writeBundle(t, w, "bundle.json")

	// The bundle's own root is never taken: unpinned, it cannot be checked.
	code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", "--no-log", bundle)
	if code != exitFound || !strings.HasPrefix(out, "Cannot be checked") || !strings.Contains(out, "unknown_root") || !strings.Contains(out, "--root-pub FILE") {
		t.Fatalf("unpinned bundle: exit %d\n%s", code, out)
	}
	if code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", "--no-log", "--root-pub", w.path("root.pub"), bundle); code != exitOK || !strings.HasPrefix(out, "Valid") {
		t.Fatalf("valid bundle with a pinned root: exit %d\n%s", code, out)
	}
	// Pinned by fingerprint, printed as the platform publishes it.
	root, err := seal.ParsePublicKeyPEM([]byte(readKeyFile(t, w.path("root.pub"))))
	if err != nil {
		t.Fatal(err)
	}
	fp := ucxbundle.Fingerprint(root)
	if code, out, _ := runVinCmd(t, "", "verify", "--no-log", "--root-fingerprint", fp, bundle); code != exitOK {
		t.Fatalf("valid bundle pinned by fingerprint: exit %d\n%s", code, out)
	}
	// Pinned in the trust anchors file at its default place.
	anchors := ucxbundle.Anchors{Anchors: []ucxbundle.Anchor{ucxbundle.NewAnchor("test", root, "")}}
	b, _ := anchors.Marshal()
	if err := os.MkdirAll(filepath.Dir(defaultAnchorsPath()), 0o755); err != nil {
		t.Fatal(err)
	}
	writeKeyFile(t, defaultAnchorsPath(), string(b))
	if code, out, _ := runVinCmd(t, "", "verify", "--no-log", bundle); code != exitOK {
		t.Fatalf("valid bundle pinned in %s: exit %d\n%s", defaultAnchorsPath(), code, out)
	}
	// Without a log key and without --no-log: cannot be checked.
	if code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", bundle); code != exitFound || !strings.HasPrefix(out, "Cannot be checked") {
		t.Fatalf("bundle without log proof: exit %d\n%s", code, out)
	}
	// Pinned to another root only, the bundle's root is unknown.
	code, out, _ = runVinCmd(t, "", "verify", "--json", "--no-log", "--anchors", w.path("bundle.json")+".none", "--root-pub", w.path("other-root.pub"), bundle)
	if code != exitUsage {
		t.Fatalf("a named anchors file that is missing: exit %d\n%s", code, out)
	}
	os.Remove(defaultAnchorsPath())
	code, out, _ = runVinCmd(t, "", "verify", "--json", "--no-log", "--root-pub", w.path("other-root.pub"), bundle)
	if code != exitFound || !strings.Contains(out, string(ucxbundle.ReasonUnknownRoot)) {
		t.Fatalf("foreign root: exit %d\n%s", code, out)
	}
	pinned := []string{"verify", "--json", "--lang", "en", "--no-log", "--root-pub", w.path("root.pub")}

	// A revocation sealed by the issuer counts, with its time.
	revoked := writeBundle(t, w, "revoked.json", sealRevocation(t, w, "101"))
	code, out, _ = runVinCmd(t, "", append(pinned, revoked)...)
	var j verifyJSON
	if code != exitFound || json.Unmarshal([]byte(out), &j) != nil || j.Status.Reason != string(seal.ReasonDocumentRevoked) ||
		!strings.Contains(j.Status.Detail, "2026-04-01T00:00:00Z") || j.Verdict != ucxbundle.VerdictRevoked {
		t.Fatalf("revoked bundle: exit %d\n%s", code, out)
	}
	// One sealed by another organisation is ignored.
	forged := writeBundle(t, w, "forged.json", sealRevocation(t, w, "102"))
	if code, out, _ := runVinCmd(t, "", append(pinned, forged)...); code != exitOK {
		t.Fatalf("revocation by another organisation: exit %d\n%s", code, out)
	}
	// --require-org counts for bundles.
	if code, out, _ := runVinCmd(t, "", append(pinned, "--require-org", "102", bundle)...); code != exitFound || !strings.Contains(out, string(seal.ReasonMissingSeal)) {
		t.Fatalf("--require-org of an organisation that did not seal: exit %d\n%s", code, out)
	}

	// Tampered document inside the bundle: not valid.
	tampered := strings.Replace(readKeyFile(t, bundle), "LRW3E7FA6NC123456", "LRW3E7FA6NC123457", 1)
	writeKeyFile(t, w.path("tampered.json"), tampered)
	code, out, _ = runVinCmd(t, "", append(pinned, w.path("tampered.json"))...)
	if code != exitFound || !strings.Contains(out, string(seal.ReasonTampered)) || !strings.Contains(out, `"verdict":"not_valid"`) {
		t.Fatalf("tampered bundle: exit %d\n%s", code, out)
	}
	// Unusable bundles: exit 2. Two envelope members, whichever a reader
	// takes, are refused; so is an unknown member.
	env := readKeyFile(t, w.envelope)
	for name, body := range map[string]string{
		"broken":    `{"type":"ucx.bundle/v1","envelope":{}}`,
		"duplicate": strings.Replace(readKeyFile(t, bundle), `"envelope":`, `"envelope":`+strings.TrimSpace(env)+`,"envelope":`, 1),
		"nested":    strings.Replace(readKeyFile(t, bundle), `"type":"ucx.bundle/v1"`, `"type":"ucx.bundle/v1","x":{"a":1,"a":2}`, 1),
		"unknown":   strings.Replace(readKeyFile(t, bundle), `"type":"ucx.bundle/v1"`, `"type":"ucx.bundle/v1","note":"hi"`, 1),
	} {
		writeKeyFile(t, w.path(name+".json"), body)
		if code, _, errOut := runVinCmd(t, "", append(pinned, w.path(name+".json"))...); code != exitUsage {
			t.Errorf("%s bundle: exit %d %s", name, code, errOut)
		}
	}
}
