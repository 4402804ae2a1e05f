package tlog_test

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx/tlog"
)

func TestAddCheckpointRequest_RoundTripsAndRefusesMalformedBodies(t *testing.T) {
	cp, _ := signedCheckpoint(t, 42)
	h := tlog.LeafHash([]byte("x"))
	r := tlog.AddCheckpointRequest{OldSize: 7, Proof: [][]byte{h, h}, Note: cp.Note}
	body := r.Format()
	if !strings.HasPrefix(string(body), "old 7\n") || !strings.Contains(string(body), "\n\nucx.test/log\n42\n") {
		t.Fatalf("body %q", body)
	}
	got, err := tlog.ParseAddCheckpoint(body)
	if err != nil || got.OldSize != 7 || len(got.Proof) != 2 || string(got.Note) != string(cp.Note) {
		t.Fatalf("parsed %+v, %v", got, err)
	}
	note := string(cp.Note)
	for _, tc := range []struct{ name, body, want string }{
		{"no empty line", "old 0\n" + note[:5], "no empty line"},
		{"no old line", "new 0\n\n" + note, "not \"old <size>\""},
		{"leading zero", "old 07\n\n" + note, "not \"old <size>\""},
		{"bad proof line", "old 3\nnot base64!\n\n" + note, "proof line 1"},
		{"a proof from 0", "old 0\n" + strings.Repeat("A", 43) + "=\n\n" + note, "from size 0 must be empty"},
		{"too many proof lines", "old 3\n" + strings.Repeat(strings.Repeat("A", 43)+"=\n", 64) + "\n" + note, "at most 63"},
	} {
		if _, err := tlog.ParseAddCheckpoint([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
