package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sealWorld is a directory holding a root key, two organisations' keys
// (acme and beta), a trust list binding them, and a document sealed by
// acme, all made through the commands themselves.
type sealWorld struct {
	dir      string
	envelope string // acme's sealed document
}

func (w *sealWorld) path(name string) string { return filepath.Join(w.dir, name) }

// mustRun runs a command line that must succeed and returns its stdout.
func mustRunKey(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runVinCmd(t, "", args...)
	if code != exitOK {
		t.Fatalf("ucx %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
	}
	return out
}

const testTrustSpec = `{"sequence": 7, "keys": [
 {"public_key_file": "acme.pub", "org": {"id": "101", "kind": "manufacturer", "name": "Acme Motor Co., Ltd."},
  "not_before": "2026-01-01T00:00:00+08:00", "not_after": "2027-01-01T00:00:00+08:00"},
 {"public_key_file": "beta.pub", "org": {"id": "102", "kind": "manufacturer", "name": "Beta Auto"},
  "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z"}]}`

const testDoc = `{"manufacturer":"Acme Motor Co., Ltd.","manufacturer_id":101,"type":"ucx.confirmation.v1","vehicles":[{"vin":"LRW3E7FA6NC123456"}]}`

func newSealWorld(t *testing.T, alg string) *sealWorld {
	t.Helper()
	w := &sealWorld{dir: t.TempDir()}
	for _, k := range []struct{ name, alg string }{{"root", "ed25519"}, {"acme", alg}, {"beta", alg}, {"other-root", "sm2"}} {
		out := mustRunKey(t, "keygen", "--alg", k.alg, "--out", w.path(k.name))
		if want := map[string]string{"ed25519": "ed25519:", "sm2": "sm2-sm3:"}[k.alg]; !strings.HasPrefix(out, want) {
			t.Fatalf("keygen --alg %s printed %q; want the key id, starting %q", k.alg, out, want)
		}
	}
	writeKeyFile(t, w.path("spec.json"), testTrustSpec)
	writeKeyFile(t, w.path("doc.json"), testDoc+"\n")
	mustRunKey(t, "trust", "seal", "--root", w.path("root.key"), "--at", "2026-02-01T00:00:00Z", "--out", w.path("trust.json"), w.path("spec.json"))
	mustRunKey(t, "trust", "seal", "--root", w.path("other-root.key"), "--out", w.path("other-trust.json"), w.path("spec.json"))
	w.envelope = w.path("env.json")
	mustRunKey(t, "seal", "--key", w.path("acme.key"), "--org", "101", "--at", "2026-03-01T09:30:00+08:00", "--in", w.path("doc.json"), "--out", w.envelope)
	return w
}

func writeKeyFile(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readKeyFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// verifyJSONOf runs verify --json --lang en and decodes the report.
func verifyJSONOf(t *testing.T, w *sealWorld, trust, env string) (int, verifyJSON, string) {
	t.Helper()
	code, out, errOut := runVinCmd(t, "", "verify", "--no-log", "--json", "--lang", "en", "--trust", w.path(trust), "--root-pub", w.path("root.pub"), env)
	var r verifyJSON
	if code <= exitFound {
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("verify --json printed %q: %v", out, err)
		}
	}
	return code, r, errOut
}

func TestVerifyCmd_RoundTripBothAlgorithms(t *testing.T) {
	for _, alg := range []string{"ed25519", "sm2"} {
		t.Run(alg, func(t *testing.T) {
			w := newSealWorld(t, alg)
			env := readKeyFile(t, w.envelope)
			if !strings.Contains(env, `"document":`+testDoc+`,`) {
				t.Errorf("envelope does not embed the document byte for byte:\n%s", env)
			}
			code, out, errOut := runVinCmd(t, "", "verify", "--no-log", "--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.envelope)
			if code != exitOK || errOut != "" {
				t.Fatalf("verify: exit %d, stderr %q; want 0", code, errOut)
			}
			for _, want := range []string{"有效  sha256:", "  完整性: 通过\n", "  签发方: 通过\n", "  状态: 通过\n", "organisation 101 (Acme Motor Co., Ltd., manufacturer)", "sealed at 2026-03-01T01:30:00Z"} {
				if !strings.Contains(out, want) {
					t.Errorf("verify output lacks %q:\n%s", want, out)
				}
			}
			code, r, _ := verifyJSONOf(t, w, "trust.json", w.envelope)
			wantAlg := map[string]string{"ed25519": "ed25519", "sm2": "sm2-sm3"}[alg]
			if code != exitOK || !r.Valid || len(r.Seals) != 1 || r.Seals[0].Alg != wantAlg || r.Seals[0].Org != "101" || !r.Seals[0].Issuer.OK {
				t.Fatalf("verify --json: exit %d, %+v; want valid with one %s seal by acme", code, r, wantAlg)
			}

			// A co-seal by beta on the same envelope keeps it valid, and
			// both seals are reported.
			co := w.path("co.json")
			mustRunKey(t, "seal", "--key", w.path("beta.key"), "--org", "102", "--in", w.envelope, "--out", co)
			code, r, _ = verifyJSONOf(t, w, "trust.json", co)
			if code != exitOK || len(r.Seals) != 2 || r.Seals[1].Org != "102" || r.Seals[1].OrgName != "Beta Auto" {
				t.Fatalf("co-sealed envelope: exit %d, %+v; want valid with seals by acme and beta", code, r)
			}
		})
	}
}

func TestVerifyCmd_FindsFaults(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	env := readKeyFile(t, w.envelope)

	// The wrong organisation's key: beta's key sealing as acme.
	wrongOrg := w.path("wrong-org.json")
	mustRunKey(t, "seal", "--key", w.path("beta.key"), "--org", "101", "--in", w.path("doc.json"), "--out", wrongOrg)
	// A key on no trust list.
	unknown := w.path("unknown.json")
	mustRunKey(t, "seal", "--key", w.path("other-root.key"), "--org", "101", "--in", w.path("doc.json"), "--out", unknown)

	tampered := w.path("tampered.json")
	writeKeyFile(t, tampered, strings.Replace(env, "LRW3E7FA6NC123456", "LRW3E7FA6NC123457", 1))
	badSig := w.path("bad-sig.json")
	i := strings.Index(env, `"sig":"`) + len(`"sig":"`) + 10
	c := byte('A')
	if env[i] == 'A' {
		c = 'B'
	}
	writeKeyFile(t, badSig, env[:i]+string(c)+env[i+1:])

	for _, tc := range []struct {
		name, env, trust string
		reason           string
		verdict          func(verifyJSON) verdictJSON
	}{
		{"tampered document", tampered, "trust.json", "tampered", func(r verifyJSON) verdictJSON { return r.Integrity }},
		{"altered signature", badSig, "trust.json", "bad_signature", func(r verifyJSON) verdictJSON { return r.Integrity }},
		{"wrong organisation's key", wrongOrg, "trust.json", "wrong_organisation", func(r verifyJSON) verdictJSON { return r.Issuer }},
		{"key not on the list", unknown, "trust.json", "unknown_key", func(r verifyJSON) verdictJSON { return r.Issuer }},
		{"trust list of another root", w.envelope, "other-trust.json", "trust_list_unsigned", func(r verifyJSON) verdictJSON { return r.Issuer }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, r, errOut := verifyJSONOf(t, w, tc.trust, tc.env)
			if code != exitFound || r.Valid {
				t.Fatalf("exit %d (stderr %q), valid %v; want exit 1, not valid", code, errOut, r.Valid)
			}
			if v := tc.verdict(r); v.OK || v.Reason != tc.reason || v.Message == "" || v.Detail == "" {
				t.Errorf("verdict %+v; want reason %s with message and detail", v, tc.reason)
			}
			// The text report names the reason too, in Chinese by default.
			code, out, _ := runVinCmd(t, "", "verify", "--no-log", "--trust", w.path(tc.trust), "--root-pub", w.path("root.pub"), tc.env)
			if code != exitFound || !strings.Contains(out, "无效") || !strings.Contains(out, "未通过") || !strings.Contains(out, "("+tc.reason+")") {
				t.Errorf("text report, exit %d:\n%s\nwant exit 1, 无效 and (%s)", code, out, tc.reason)
			}
		})
	}
}

func TestVerifyCmd_UnusableInputExitsTwo(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	writeKeyFile(t, w.path("garbage"), "this is not JSON")
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"garbage envelope", "", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.path("garbage")}, "is not a sealed envelope"},
		{"garbage on stdin", "{}", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), "-"}, "standard input is not a sealed envelope"},
		{"plain document", "", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.path("doc.json")}, "is not a sealed envelope"},
		{"missing envelope file", "", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.path("nope.json")}, "cannot read the envelope"},
		{"no trust list", "", []string{"--root-pub", w.path("root.pub"), w.envelope}, "give --trust FILE"},
		{"trust list not a trust list", "", []string{"--trust", w.path("garbage"), "--root-pub", w.path("root.pub"), w.envelope}, "is not a trust list"},
		{"root key not a key", "", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("garbage"), w.envelope}, "give the .pub file"},
		{"unknown language", "", []string{"--lang", "fr", "--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.envelope}, "use zh, en or ru"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runVinCmd(t, tc.stdin, append([]string{"verify"}, tc.args...)...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", code, out, errOut, tc.want)
			}
		})
	}
}

// With no root pinned, nothing is trusted: "cannot be checked", exit 1,
// with the way to pin; so too without a log key and without --no-log.
func TestVerifyCmd_UnpinnedCannotBeChecked(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	t.Setenv(anchorsEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no root", []string{"--no-log", "--trust", w.path("trust.json"), w.envelope}, "--root-pub FILE"},
		{"no log key", []string{"--trust", w.path("trust.json"), "--root-pub", w.path("root.pub"), w.envelope}, "--no-log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runVinCmd(t, "", append([]string{"verify", "--lang", "en"}, tc.args...)...)
			if code != exitFound || !strings.HasPrefix(out, "Cannot be checked") || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d:\n%s\nwant exit 1, Cannot be checked, and %q", code, out, tc.want)
			}
		})
	}
}

func TestKeygen_RefusesToOverwriteAndKeepsKeyPrivate(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "acme")
	mustRunKey(t, "keygen", "--alg", "sm2", "--out", prefix)
	st, err := os.Stat(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v; want 0600", st.Mode().Perm())
	}
	key := readKeyFile(t, prefix+".key")
	if !strings.HasPrefix(key, "-----BEGIN PRIVATE KEY-----") || !strings.HasPrefix(readKeyFile(t, prefix+".pub"), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("want PKCS #8 and PKIX PEM files")
	}

	// Only the .pub left over still blocks: a new key must not pair with
	// an old public key.
	other := filepath.Join(dir, "beta")
	writeKeyFile(t, other+".pub", "old")
	for _, tc := range []struct{ name, prefix, exists string }{
		{"both exist", prefix, prefix + ".key"},
		{"public key exists", other, other + ".pub"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runVinCmd(t, "", "keygen", "--out", tc.prefix)
			if code != exitUsage || !strings.Contains(errOut, tc.exists+" already exists") {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, errOut, tc.exists)
			}
		})
	}
	if readKeyFile(t, prefix+".key") != key {
		t.Error("the refused keygen changed the existing key")
	}
	if _, err := os.Stat(other + ".key"); err == nil {
		t.Error("the refused keygen left a private key behind")
	}
	for _, args := range [][]string{{"keygen", "--alg", "rsa", "--out", filepath.Join(dir, "x")}, {"keygen"}} {
		if code, _, _ := runVinCmd(t, "", args...); code != exitUsage {
			t.Errorf("ucx %v: exit %d; want 2", args, code)
		}
	}
}

func TestSealCmd_Input(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	key := w.path("acme.key")
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		want        string // in stdout on success, stderr on failure
	}{
		{"canonical document on stdin", testDoc, nil, exitOK, `"document":` + testDoc},
		{"non-canonical document refused", `{"b":1, "a":2}`, nil, exitUsage, "--canonicalize"},
		{"canonicalize on request", `{"b":1, "a":2}`, []string{"--canonicalize"}, exitOK, `"document":{"a":2,"b":1}`},
		{"not JSON", "hello", nil, exitUsage, "not in canonical JSON"},
		{"not an object", `[1]`, nil, exitUsage, "must be a JSON object"},
		{"damaged envelope", `{"digest":"x","document":{},"seals":[]}`, nil, exitUsage, "looks like a sealed envelope"},
		{"bad organisation id", testDoc, []string{"--org", "a b"}, exitUsage, "organisation id"},
		{"bad time", testDoc, []string{"--at", "yesterday"}, exitUsage, "RFC 3339"},
		{"key is a public key", testDoc, []string{"--key", w.path("acme.pub")}, exitUsage, "give the .key file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"seal", "--key", key, "--org", "101"}, tc.args...)
			code, out, errOut := runVinCmd(t, tc.stdin, args...)
			got := out
			if tc.code != exitOK {
				got = errOut
			}
			if code != tc.code || !strings.Contains(got, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

func TestTrustSealCmd_SpecErrors(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	for _, tc := range []struct{ name, spec, want string }{
		{"unknown member", `{"keys":[],"extra":1}`, "unknown field"},
		{"no keys", `{"sequence":1,"keys":[]}`, "lists no keys"},
		{"missing key file", `{"keys":[{"public_key_file":"nope.pub"}]}`, "cannot read the public key"},
		{"window reversed", strings.Replace(testTrustSpec, `"not_after": "2027-01-01T00:00:00+08:00"`, `"not_after": "2025-01-01T00:00:00+08:00"`, 1), "not_before must be set and earlier than not_after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := w.path("bad-spec.json")
			writeKeyFile(t, spec, tc.spec)
			code, out, errOut := runVinCmd(t, "", "trust", "seal", "--root", w.path("root.key"), spec)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, tc.want)
			}
		})
	}
	// The sealed list is a canonical envelope that verify accepts (checked
	// by the round trip); here, that its sequence survived.
	if !bytes.Contains([]byte(readKeyFile(t, w.path("trust.json"))), []byte(`"sequence":7`)) {
		t.Error("trust.json lacks the spec's sequence 7")
	}
}
