package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ucxbundle "github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/bundle/bundletest"
)

// TestVerifyCmd_Witnesses runs ucx verify --witness KEY… --min-witnesses N
// on bundles whose checkpoint carries two cosignatures, or none: enough
// trusted cosignatures are valid (exit 0); too few, or only by witnesses
// not trusted, are "cannot be checked" with log_witnesses_missing (exit 1);
// asking for more witnesses than keys given, or witnesses without the log
// key, is a usage error (exit 2).
func TestVerifyCmd_Witnesses(t *testing.T) {
	t.Setenv(anchorsEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	w := bundletest.New(t, 3) // the third witness never cosigns
	stranger := bundletest.New(t, 1)
	dir := w.WriteFiles(t, t.TempDir())
	env := w.Licence(t, 2)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cosigned := write("cosigned.json", w.Bundle(t, env, bundletest.Log{Before: 3, After: 2, Cosigners: 2}))
	bare := write("bare.json", w.Bundle(t, env, bundletest.Log{Before: 3, After: 2}))
	k1, k2, k3 := w.WitnessKeys[0], w.WitnessKeys[1], w.WitnessKeys[2]
	pinned := []string{"verify", "--json", "--lang", "en", "--root-pub", filepath.Join(dir, "root.pub"), "--log-key-pub", filepath.Join(dir, "log.vkey")}

	tests := []struct {
		name    string
		args    []string
		file    string
		code    int
		verdict string
		reason  string
		stderr  string
	}{
		{"two cosignatures, two required", []string{"--witness", k1, "--witness", k2, "--min-witnesses", "2"}, cosigned, exitOK, ucxbundle.VerdictValid, "", ""},
		{"two cosignatures, both witnesses named, no --min-witnesses", []string{"--witness", k1, "--witness", k2}, cosigned, exitOK, ucxbundle.VerdictValid, "", ""},
		{"two cosignatures, one of three trusted witnesses enough", []string{"--witness", k1, "--witness", k3, "--witness", k2, "--min-witnesses", "1"}, cosigned, exitOK, ucxbundle.VerdictValid, "", ""},
		{"two cosignatures, three required", []string{"--witness", k1, "--witness", k2, "--witness", k3, "--min-witnesses", "3"}, cosigned, exitFound, ucxbundle.VerdictCannotCheck, ucxbundle.LogReasonWitnesses, ""},
		{"a witness named who did not cosign", []string{"--witness", k3}, cosigned, exitFound, ucxbundle.VerdictCannotCheck, ucxbundle.LogReasonWitnesses, ""},
		{"an unknown witness key", []string{"--witness", stranger.WitnessKeys[0], "--min-witnesses", "1"}, cosigned, exitFound, ucxbundle.VerdictCannotCheck, ucxbundle.LogReasonWitnesses, ""},
		{"no cosignatures, one required", []string{"--witness", k1, "--min-witnesses", "1"}, bare, exitFound, ucxbundle.VerdictCannotCheck, ucxbundle.LogReasonWitnesses, ""},
		{"no cosignatures, none required", nil, bare, exitOK, ucxbundle.VerdictValid, "", ""},
		{"more required than keys given", []string{"--witness", k1, "--witness", k2, "--min-witnesses", "3"}, cosigned, exitUsage, "", "", "only 2 witness keys"},
		{"a negative number", []string{"--witness", k1, "--min-witnesses", "-1"}, cosigned, exitUsage, "", "", "0 or more"},
		{"a log key given as a witness", []string{"--witness", w.LogKey}, cosigned, exitUsage, "", "", "--witness"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{}, pinned...), tc.args...), tc.file)
			code, out, errOut := runVinCmd(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if tc.code == exitUsage {
				if !strings.Contains(errOut, tc.stderr) {
					t.Fatalf("stderr %q lacks %q", errOut, tc.stderr)
				}
				return
			}
			var j verifyJSON
			if err := json.Unmarshal([]byte(out), &j); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if j.Verdict != tc.verdict || j.Reason != tc.reason || j.Log == nil || j.Log.Reason != tc.reason {
				t.Fatalf("verdict %s (%s), log %+v; want %s (%s)", j.Verdict, j.Reason, j.Log, tc.verdict, tc.reason)
			}
		})
	}

	// Witnesses without the log key pinned cannot be checked at all.
	if code, _, errOut := runVinCmd(t, "", "verify", "--root-pub", filepath.Join(dir, "root.pub"), "--witness", k1, cosigned); code != exitUsage || !strings.Contains(errOut, "log key") {
		t.Fatalf("witnesses without the log key: exit %d %s", code, errOut)
	}
	// The witnesses and their minimum from the trust anchors file.
	var a ucxbundle.Anchors
	json.Unmarshal(w.Anchors(t), &a)
	a.Anchors[0].Witnesses, a.Anchors[0].MinWitnesses = []string{k1, k2, k3}, 3
	b, _ := a.Marshal()
	anchors := write("anchors-3.json", b)
	if code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", "--anchors", anchors, cosigned); code != exitFound || !strings.HasPrefix(out, "Cannot be checked") || !strings.Contains(out, "too few witness cosignatures") {
		t.Fatalf("anchors requiring 3 witnesses: exit %d\n%s", code, out)
	}
	a.Anchors[0].MinWitnesses = 2
	b, _ = a.Marshal()
	write("anchors-2.json", b)
	if code, out, _ := runVinCmd(t, "", "verify", "--lang", "en", "--anchors", filepath.Join(dir, "anchors-2.json"), cosigned); code != exitOK || !strings.HasPrefix(out, "Valid") {
		t.Fatalf("anchors requiring 2 witnesses: exit %d\n%s", code, out)
	}
}
