package bundle_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/bundle/bundletest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// TestLoadAnchors_ResolutionOrder: roots pinned by key (--root-pub) or
// fingerprint (--root-fingerprint) count whatever the anchors say; of the
// anchors files, a named one (--anchors) is read, else $UCX_TRUST_ANCHORS,
// else ~/.config/ucx/trust-anchors.json (under a temporary HOME here), and
// only that one. A named file that is missing is an error; a missing
// default is not.
func TestLoadAnchors_ResolutionOrder(t *testing.T) {
	w := bundletest.New(t, 0)
	foreign := bundletest.New(t, 0)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "foreign.json")
	os.WriteFile(good, w.Anchors(t), 0o644)
	os.WriteFile(bad, foreign.Anchors(t), 0o644)
	// A foreign root without a log key: the log check is given up below, so
	// the verdict is the root's alone.
	rootOnly := filepath.Join(dir, "foreign-root.json")
	b, _ := (&bundle.Anchors{Anchors: []bundle.Anchor{bundle.NewAnchor("foreign", foreign.Root.Public(), "")}}).Marshal()
	os.WriteFile(rootOnly, b, 0o644)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	defaultPath := filepath.Join(home, ".config", "ucx", "trust-anchors.json")
	if got := bundle.DefaultAnchorsPath(); got != defaultPath {
		t.Fatalf("DefaultAnchorsPath = %s, want %s", got, defaultPath)
	}
	raw := w.Bundle(t, w.Licence(t, 1), bundletest.Log{Before: 1, After: 1})

	tests := []struct {
		name     string
		flag     string // --anchors
		env      string // $UCX_TRUST_ANCHORS
		deflt    string // what ~/.config/ucx/trust-anchors.json holds; "" absent
		rootPub  bool   // --root-pub of the world's root
		fp       bool   // --root-fingerprint of the world's root
		wantPath string
		wantErr  bool
		verdict  string
	}{
		{name: "nothing pinned", verdict: bundle.VerdictCannotCheck},
		{name: "the default file", deflt: good, wantPath: defaultPath, verdict: bundle.VerdictValid},
		{name: "a foreign default file", deflt: bad, wantPath: defaultPath, verdict: bundle.VerdictCannotCheck},
		{name: "the environment's file hides the default", env: good, deflt: bad, wantPath: good, verdict: bundle.VerdictValid},
		{name: "the environment's foreign file hides a good default", env: bad, deflt: good, wantPath: bad, verdict: bundle.VerdictCannotCheck},
		{name: "the named file hides the environment's", flag: good, env: bad, deflt: bad, wantPath: good, verdict: bundle.VerdictValid},
		{name: "the named foreign file hides a good environment's", flag: bad, env: good, deflt: good, wantPath: bad, verdict: bundle.VerdictCannotCheck},
		{name: "a named file that is missing", flag: filepath.Join(dir, "none.json"), deflt: good, wantErr: true},
		{name: "an environment's file that is missing", env: filepath.Join(dir, "none.json"), deflt: good, wantErr: true},
		{name: "--root-pub beside a foreign anchors file", flag: rootOnly, rootPub: true, wantPath: rootOnly, verdict: bundle.VerdictValid},
		{name: "--root-fingerprint beside a foreign anchors file", env: rootOnly, fp: true, wantPath: rootOnly, verdict: bundle.VerdictValid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(bundle.AnchorsEnv, tc.env)
			os.RemoveAll(filepath.Join(home, ".config"))
			if tc.deflt != "" {
				os.MkdirAll(filepath.Dir(defaultPath), 0o755)
				b, _ := os.ReadFile(tc.deflt)
				os.WriteFile(defaultPath, b, 0o644)
			}
			opts := bundle.Options{}
			if tc.rootPub {
				opts.Roots = []*seal.PublicKey{w.Root.Public()}
			}
			if tc.fp {
				opts.RootFingerprints = []string{strings.ToLower(bundle.Fingerprint(w.Root.Public()))}
			}
			path, err := bundle.LoadAnchors(tc.flag, &opts)
			if tc.wantErr {
				if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), "none.json") {
					t.Fatalf("LoadAnchors: %v, want EINVALID naming the file", err)
				}
				return
			}
			if err != nil || path != tc.wantPath {
				t.Fatalf("LoadAnchors: %q %v, want %q", path, err, tc.wantPath)
			}
			if opts.LogKey == nil {
				opts.NoLog = true
			}
			v, err := bundle.Verify(raw, opts)
			if err != nil || v.Verdict != tc.verdict {
				t.Fatalf("verdict %s (%s) %v, want %s", v.Verdict, v.Reason, err, tc.verdict)
			}
		})
	}
}

// TestAnchors_ApplyKeepsTheVerifiersOwnLogKeyAndWitnesses: a log key or
// witnesses the verifier gave (--log-key-pub, --witness) win over the
// anchors file's; roots add up.
func TestAnchors_ApplyKeepsTheVerifiersOwnLogKeyAndWitnesses(t *testing.T) {
	w := bundletest.New(t, 2)
	other := bundletest.New(t, 1)
	an := bundle.NewAnchor("p", w.Root.Public(), w.LogKey)
	an.Witnesses, an.MinWitnesses = w.WitnessKeys, 2
	b, _ := (&bundle.Anchors{Anchors: []bundle.Anchor{an}}).Marshal()
	a, err := bundle.ParseAnchors(b)
	if err != nil {
		t.Fatal(err)
	}

	var fromFile bundle.Options
	if err := a.Apply(&fromFile); err != nil {
		t.Fatal(err)
	}
	if len(fromFile.Roots) != 1 || fromFile.LogKey == nil || fromFile.LogKey.Name() != bundletest.Origin ||
		len(fromFile.Witnesses) != 2 || fromFile.MinWitnesses != 2 {
		t.Fatalf("from the file alone: %+v", fromFile)
	}

	ownLog, _ := tlog.ParseVerifierKey(other.LogKey)
	ownWitness, _ := tlog.ParseCosignerKey(other.WitnessKeys[0])
	own := bundle.Options{Roots: []*seal.PublicKey{other.Root.Public()}, LogKey: ownLog, Witnesses: []note.Verifier{ownWitness}, MinWitnesses: 1}
	if err := a.Apply(&own); err != nil {
		t.Fatal(err)
	}
	if len(own.Roots) != 2 || own.LogKey != ownLog || len(own.Witnesses) != 1 || own.MinWitnesses != 1 {
		t.Fatalf("with the verifier's own: roots %d, log %v, witnesses %d, min %d", len(own.Roots), own.LogKey.Name(), len(own.Witnesses), own.MinWitnesses)
	}
}

// TestParseAnchors_Refusals: a trust anchors file is read strictly.
func TestParseAnchors_Refusals(t *testing.T) {
	w := bundletest.New(t, 1)
	good := string(w.Anchors(t))
	tests := []struct {
		name, body, field string
	}{
		{"another type", strings.Replace(good, bundle.AnchorsType, "ucx.trust-anchors/v0", 1), "type"},
		{"a fingerprint not the key's", strings.Replace(good, bundle.Fingerprint(w.Root.Public()), bundle.Fingerprint(bundletest.New(t, 0).Root.Public()), 1), "fingerprint"},
		{"a root key that is not one", strings.Replace(good, "MCowBQYDK2Vw", "MCowBQYDK2Vx", 1), "root_public_key"},
		{"a log key that is not one", strings.Replace(good, `"log_public_key": "`, `"log_public_key": "x`, 1), "log_public_key"},
		{"an unknown member", strings.Replace(good, `"type":`, `"note": "hi", "type":`, 1), "note"},
		{"a duplicate member", strings.Replace(good, `"type":`, `"type": "x", "type":`, 1), ""},
		{"trailing data", good + "{}", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body == good {
				t.Fatal("the edit changed nothing")
			}
			_, err := bundle.ParseAnchors([]byte(tc.body))
			var ue *ucx.Error
			if ucx.ErrorCode(err) != ucx.EINVALID {
				t.Fatalf("ParseAnchors: %v, want EINVALID", err)
			}
			if tc.field != "" && (!errors.As(err, &ue) || ue.Field != tc.field) {
				t.Errorf("field %v, want %s (%v)", ue, tc.field, err)
			}
		})
	}
	if _, err := bundle.ParseAnchors([]byte(good)); err != nil {
		t.Fatalf("the genuine file: %v", err)
	}
}
