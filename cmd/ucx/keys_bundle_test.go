package main

import (
	"encoding/json"
	"strings"
	"testing"

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
	doc := `{"document":"` + d.String() + `","reason":"outlet closed","type":"ucx.revocation.v1"}`
	writeKeyFile(t, w.path("rev-"+org+".json"), doc)
	out := w.path("rev-" + org + ".sealed.json")
	mustRunKey(t, "seal", "--key", w.path(org+".key"), "--org", org, "--at", "2026-04-01T00:00:00Z", "--in", w.path("rev-"+org+".json"), "--out", out)
	return out
}

func TestVerifyCmd_Bundle(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	bundle := writeBundle(t, w, "bundle.json")

	code, out, errOut := runVinCmd(t, "", "verify", "--lang", "en", bundle)
	if code != exitOK || !strings.Contains(out, "VALID") || !strings.Contains(errOut, "taken from the bundle") {
		t.Fatalf("valid bundle: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", "--root-pub", w.path("root.pub"), bundle); code != exitOK {
		t.Fatalf("valid bundle with a pinned root: exit %d\n%s", code, out)
	}
	// Pinned to another root, the bundle's list is not trusted.
	code, out, _ = runVinCmd(t, "", "verify", "--json", "--root-pub", w.path("other-root.pub"), bundle)
	if code != exitFound || !strings.Contains(out, string(seal.ReasonUntrustedList)) {
		t.Fatalf("foreign root: exit %d\n%s", code, out)
	}

	// A revocation sealed by the issuer counts, with its time.
	revoked := writeBundle(t, w, "revoked.json", sealRevocation(t, w, "acme"))
	code, out, _ = runVinCmd(t, "", "verify", "--json", "--lang", "en", revoked)
	var j verifyJSON
	if code != exitFound || json.Unmarshal([]byte(out), &j) != nil || j.Status.Reason != string(seal.ReasonDocumentRevoked) ||
		!strings.Contains(j.Status.Detail, "2026-04-01T00:00:00Z") {
		t.Fatalf("revoked bundle: exit %d\n%s", code, out)
	}
	// One sealed by another organisation is ignored.
	forged := writeBundle(t, w, "forged.json", sealRevocation(t, w, "beta"))
	if code, out, _ := runVinCmd(t, "", "verify", forged); code != exitOK {
		t.Fatalf("revocation by another organisation: exit %d\n%s", code, out)
	}

	// Tampered document inside the bundle: not valid.
	tampered := strings.Replace(readKeyFile(t, bundle), "exp-1", "exp-2", 1)
	writeKeyFile(t, w.path("tampered.json"), tampered)
	code, out, _ = runVinCmd(t, "", "verify", "--json", w.path("tampered.json"))
	if code != exitFound || !strings.Contains(out, string(seal.ReasonTampered)) {
		t.Fatalf("tampered bundle: exit %d\n%s", code, out)
	}
	// Unusable bundle: exit 2.
	writeKeyFile(t, w.path("broken.json"), `{"type":"ucx.bundle/v1","envelope":{}}`)
	if code, _, errOut := runVinCmd(t, "", "verify", w.path("broken.json")); code != exitUsage {
		t.Fatalf("broken bundle: exit %d %s", code, errOut)
	}
}
