package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/tlog"
)

// testWitness is a witness made with `ucx witness keygen` and served as
// `ucx witness serve` serves it.
type testWitness struct {
	url, vkey, state string
	verifier         note.Verifier
	logs             *syncBuffer
}

func newTestWitness(t *testing.T, name, logKey string) *testWitness {
	t.Helper()
	dir := t.TempDir()
	prefix := filepath.Join(dir, "w")
	code, out, errOut := runClientCLI(t, "", "witness", "keygen", "--name", name, "--out", prefix)
	if code != 0 {
		t.Fatalf("witness keygen: exit %d\n%s%s", code, out, errOut)
	}
	vkey := strings.TrimSpace(out)
	if b, err := os.ReadFile(prefix + ".vkey"); err != nil || strings.TrimSpace(string(b)) != vkey {
		t.Fatalf("the .vkey file %q is not the key printed %q (%v)", b, vkey, err)
	}
	if st, err := os.Stat(prefix + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v %v", st, err)
	}
	if code, _, errOut := runClientCLI(t, "", "witness", "keygen", "--name", name, "--out", prefix); code != 2 || !strings.Contains(errOut, "never overwrites") {
		t.Fatalf("keygen over an existing key: exit %d %s", code, errOut)
	}
	w := &testWitness{vkey: vkey, state: filepath.Join(dir, "w.state"), logs: &syncBuffer{}}
	wit, gotKey, err := openWitness(prefix+".key", w.state, []string{logKey})
	if err != nil || gotKey != vkey {
		t.Fatalf("openWitness: %v, key %s want %s", err, gotKey, vkey)
	}
	if w.verifier, err = tlog.ParseCosignerKey(vkey); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(witnessHandler(wit, slog.New(slog.NewTextHandler(w.logs, nil))))
	t.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

// post sends an add-checkpoint request straight to the witness, as a log
// would, and returns the status and body.
func (w *testWitness) post(t *testing.T, r tlog.AddCheckpointRequest) (int, string) {
	t.Helper()
	resp, err := nethttp.Post(w.url+"/add-checkpoint", "text/plain", bytes.NewReader(r.Format()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWitness_CosignsTheLogAndRefusesARewrittenOrForkedHistory: `ucx serve
// --witness` hands each new checkpoint to two witnesses, which check it
// extends the last they cosigned and cosign it; the log serves the
// checkpoint with both cosignatures, and VerifyCheckpointCosigned accepts
// it. A second log under the same key with another history (a fork), and
// the first log's own history rewritten in its database, are refused by the
// witness — same size another root (409), a longer tree that does not
// extend the one cosigned (422), a shorter one (400) — and get no
// cosignature, directly or through `ucx serve`.
func TestWitness_CosignsTheLogAndRefusesARewrittenOrForkedHistory(t *testing.T) {
	logEngines(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := newLogServer(t, dsn, logTestKey(7))
		w1 := newTestWitness(t, "witness.assoc.example/ucx", s.vkey)
		w2 := newTestWitness(t, "witness.customs.example/ucx", s.vkey)
		keyFile := filepath.Join(t.TempDir(), "log.key")
		writeLogKey(t, keyFile, logTestKey(7))
		serve := func(dsn string, logs io.Writer) *Main {
			t.Helper()
			m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: dsn, LogKey: keyFile, LogOrigin: logTestOrigin, LogInterval: 20 * time.Millisecond,
				Witnesses: []string{w1.url + "," + w1.vkey, w2.url + "/," + w2.vkey}},
				Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(logs, nil))}
			if err := m.Open(ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		m := serve(dsn, io.Discard)
		defer m.Close()
		logV, _ := tlog.ParseVerifierKey(s.vkey)
		witnesses := []note.Verifier{w1.verifier, w2.verifier}
		c := client.New(m.URL(), "")
		// cosigned waits until the served checkpoint has size entries and
		// both cosignatures.
		cosigned := func(size int64) []byte {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				msg, err := c.LogCheckpoint(ctx)
				if err == nil {
					if cp, err := tlog.VerifyCheckpointCosigned(msg, logV, witnesses, 2); err == nil && cp.Size == size {
						return msg
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint of %d entries cosigned by both witnesses; last served:\n%s", size, msg)
				}
			}
		}
		s.append(t, 0, 20)
		cosigned(20)
		s.append(t, 20, 17) // the witnesses now need a consistency proof from 20
		msg := cosigned(37)
		if n := bytes.Count(msg, []byte("\n— ")); n != 3 {
			t.Fatalf("the served checkpoint has %d signature lines, want the log's and two witnesses':\n%s", n, msg)
		}
		if st, err := os.ReadFile(w1.state); err != nil || !bytes.Contains(st, []byte(`"size": 37`)) {
			t.Fatalf("witness state: %s %v", st, err)
		}

		// A fork: another database under the same log key, with another
		// history of the same size and then longer.
		forkDSN := filepath.Join(t.TempDir(), "fork.db")
		if strings.HasPrefix(dsn, "postgres") {
			forkDSN = sqlstoretest.FreshPostgres(t)
		}
		fork := newLogServer(t, forkDSN, logTestKey(7))
		fork.append(t, 1, 37)
		same := fork.integrate(t)
		if code, body := w1.post(t, tlog.AddCheckpointRequest{OldSize: 37, Note: same.Note}); code != 409 || !strings.Contains(body, "fork") {
			t.Fatalf("a forked checkpoint of the same size: %d %s, want 409 fork", code, body)
		}
		fork.append(t, 40, 5)
		longer := fork.integrate(t)
		proof, err := fork.db.ConsistencyProof(ctx, 37, 42)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := w1.post(t, tlog.AddCheckpointRequest{OldSize: 37, Proof: proof, Note: longer.Note}); code != 422 || !strings.Contains(body, "inconsistent") {
			t.Fatalf("a longer forked checkpoint: %d %s, want 422 inconsistent", code, body)
		}
		if code, body := w1.post(t, tlog.AddCheckpointRequest{OldSize: 0, Note: longer.Note}); code != 409 || strings.TrimSpace(body) != "37" {
			t.Fatalf("a request from size 0: %d %q, want 409 and the size 37", code, body)
		}
		older := newLogServer(t, filepath.Join(t.TempDir(), "older.db"), logTestKey(7))
		older.append(t, 0, 20)
		shorter := older.integrate(t)
		if code, body := w1.post(t, tlog.AddCheckpointRequest{OldSize: 37, Note: shorter.Note}); code != 400 {
			t.Fatalf("a shorter history: %d %s, want 400", code, body)
		}
		impostor := newLogServer(t, filepath.Join(t.TempDir(), "impostor.db"), logTestKey(8))
		impostor.append(t, 0, 40)
		if code, body := w1.post(t, tlog.AddCheckpointRequest{OldSize: 0, Note: impostor.integrate(t).Note}); code != 403 {
			t.Fatalf("a checkpoint signed by another key: %d %s, want 403", code, body)
		}
		if !strings.Contains(w1.logs.String(), "level=ERROR") {
			t.Fatalf("the witness did not log the fork as evidence:\n%s", w1.logs.String())
		}

		// The forked log served by ucx serve gets no cosignature: its
		// served checkpoint stays bare, and it says why.
		forkLogs := &syncBuffer{}
		fm := serve(forkDSN, forkLogs)
		defer fm.Close()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(forkLogs.String(), "inconsistent"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the forked server does not report the witnesses' refusal:\n%s", forkLogs.String())
			}
		}
		fmsg, err := client.New(fm.URL(), "").LogCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.VerifyCheckpointCosigned(fmsg, logV, witnesses, 1); err == nil {
			t.Fatalf("the forked log's checkpoint is cosigned:\n%s", fmsg)
		}

		// The first log's own history rewritten in its database (entries
		// and every hash recomputed) is refused as well: the witnesses
		// remember the root they cosigned.
		m.Close()
		for i := 0; i < 37; i++ {
			s.exec(t, "DELETE FROM log_leaves WHERE idx = ?", i)
		}
		s.exec(t, "DELETE FROM log_nodes")
		s.exec(t, "DELETE FROM log_checkpoints")
		s.exec(t, "UPDATE log_tree SET size = 0, root = ?", tlog.EmptyRoot())
		s.exec(t, "UPDATE log_state SET next_index = 0")
		s.append(t, 100, 40)
		rewritten := s.integrate(t)
		if code, body := w2.post(t, tlog.AddCheckpointRequest{OldSize: 0, Note: rewritten.Note}); code != 409 {
			t.Fatalf("the rewritten log from size 0: %d %s", code, body)
		}
		p, err := s.db.ConsistencyProof(ctx, 37, 40)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := w2.post(t, tlog.AddCheckpointRequest{OldSize: 37, Proof: p, Note: rewritten.Note}); code != 422 {
			t.Fatalf("the rewritten log: %d %s, want 422", code, body)
		}
		if st, _ := os.ReadFile(w2.state); !bytes.Contains(st, []byte(`"size": 37`)) {
			t.Fatalf("the witness's state moved after refusing:\n%s", st)
		}
	})
}
