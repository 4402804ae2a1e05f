package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/tlog"
)

const logTestOrigin = "ucx.test/log"

func logTestKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

// logServer is a store with its log served over HTTP, as `ucx serve`
// wires it, without the rest of the API.
type logServer struct {
	db     *sqlstore.DB
	url    string
	signer note.Signer
	vkey   string
}

func newLogServer(t *testing.T, dsn string, key ed25519.PrivateKey) *logServer {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := tlog.NewSigner(logTestOrigin, key)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := tlog.VerifierKey(logTestOrigin, key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	s := http.NewServer()
	s.Log, s.LogVerifierKey = db, vkey
	s.Logger = slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &logServer{db: db, url: ts.URL, signer: signer, vkey: vkey}
}

// logEntry is a leaf in the format documents use (see the report / README):
// a JSON record naming the issuing organisation.
func logEntry(i int) []byte {
	return fmt.Appendf(nil, `{"kind":"confirmation","digest":"sha256:%064x","org_id":%d,"orgs":[%d],"entity_id":%d,"time":"2026-03-10T02:00:00Z"}`, i, 10+i%3, 20+i%2, i)
}

func (s *logServer) append(t *testing.T, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		if err := s.db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.AppendLeaf(ctx, logEntry(i))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *logServer) integrate(t *testing.T) tlog.SignedCheckpoint {
	t.Helper()
	cp, err := s.db.IntegrateLog(context.Background(), s.signer)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func (s *logServer) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := s.db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// writeLogKey writes key as ucx serve's --log-key file.
func writeLogKey(t *testing.T, path string, key ed25519.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func monitorOnce(t *testing.T, url string, extra ...string) (int, string, string) {
	t.Helper()
	return runClientCLI(t, "", append([]string{"log", "monitor", "--server", url, "--once"}, extra...)...)
}

// logEngines runs fn with a fresh database DSN per engine
// (sqlstoretest.DSNs): a SQLite file, and a PostgreSQL schema when
// UCX_TEST_POSTGRES is set.
var logEngines = sqlstoretest.DSNs

// TestLogMonitor_FollowsTheLogAndResumesFromItsState: a first run verifies
// everything and saves its state; later runs check only what is new,
// report the watched organisation's entries, and say nothing new when
// nothing is.
func TestLogMonitor_FollowsTheLogAndResumesFromItsState(t *testing.T) {
	s := newLogServer(t, filepath.Join(t.TempDir(), "ucx.db"), logTestKey(7))
	s.append(t, 0, 37)
	s.integrate(t)
	state := filepath.Join(t.TempDir(), "monitor.json")

	code, out, errOut := monitorOnce(t, s.url, "--state", state, "--watch", "11")
	if code != 0 || !strings.Contains(out, "verified checkpoint of 37 entries") || !strings.Contains(out, "pinned the log key") {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	// org 11 issued entries 1, 4, 7, …, 34: twelve of them.
	if n := strings.Count(out, "watch 11: entry "); n != 12 || !strings.Contains(out, "watch 11: entry 34 ") {
		t.Fatalf("--watch 11 reported %d entries, want 12:\n%s", n, out)
	}
	var st monitorState
	b, err := os.ReadFile(state)
	if err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("state not saved: %v %s", err, b)
	}
	if st.LogKey != s.vkey || !strings.HasPrefix(st.Checkpoint, logTestOrigin+"\n37\n") || len(st.Border) != len(tlog.BorderIDs(37)) {
		t.Fatalf("state %+v", st)
	}

	// Nothing new: nothing to say, still fine.
	code, out, _ = monitorOnce(t, s.url, "--state", state, "--watch", "11")
	if code != 0 || strings.Contains(out, "verified checkpoint") || !strings.Contains(out, "resuming from the checkpoint of 37") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}

	// New entries: only they are fetched and watched; the watch also
	// matches an organisation named in "orgs".
	s.append(t, 37, 30)
	s.integrate(t)
	code, out, errOut = monitorOnce(t, s.url, "--state", state, "--watch", "21")
	if code != 0 || !strings.Contains(out, "verified checkpoint of 67 entries") || !strings.Contains(out, "30 new") {
		t.Fatalf("third run: exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "watch 21: entry "); n != 15 || strings.Contains(out, "entry 35 ") {
		t.Fatalf("--watch 21 reported %d entries, want the 15 new odd ones:\n%s", n, out)
	}

	// The pinned key wins over a different one given later.
	other, _ := tlog.VerifierKey(logTestOrigin, logTestKey(8).Public().(ed25519.PublicKey))
	code, _, errOut = monitorOnce(t, s.url, "--state", state, "--log-key-pub", other)
	if code != 1 || !strings.Contains(errOut, "not the one pinned") {
		t.Fatalf("another key than the pinned one: exit %d, %s", code, errOut)
	}
}

// TestLogMonitor_DetectsTamperingInTheStore edits a stored entry, a stored
// leaf hash and a stored node hash, and deletes a published leaf (inside
// and at the end), directly in the database, one at a time: VerifyLog, a
// monitor auditing from the start and a monitor with saved state run with
// --rederive must each report it, naming what changed, `ucx serve` must
// refuse to start on it, and all pass again once it is undone.
func TestLogMonitor_DetectsTamperingInTheStore(t *testing.T) {
	logEngines(t, func(t *testing.T, dsn string) {
		s := newLogServer(t, dsn, logTestKey(7))
		s.append(t, 0, 20)
		s.integrate(t)
		s.append(t, 20, 17)
		s.integrate(t)
		verifier, _ := tlog.ParseVerifierKey(s.vkey)
		ctx := context.Background()
		if err := s.db.VerifyLog(ctx, verifier); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := monitorOnce(t, s.url); code != 0 {
			t.Fatalf("untouched log: exit %d\n%s%s", code, out, errOut)
		}
		forged := tlog.LeafHash([]byte("forged"))
		leaf12 := tlog.LeafHash(logEntry(12))
		var node21 []byte // level 2, index 1: leaves 4..7
		{
			tr := tlog.NewTree()
			for i := 4; i < 8; i++ {
				tr.Append(tlog.LeafHash(logEntry(i)), nil)
			}
			node21 = tr.Root()
		}
		// A monitor that already verified the whole log keeps its state:
		// only --rederive checks those entries again.
		state := filepath.Join(t.TempDir(), "monitor.json")
		if code, out, errOut := monitorOnce(t, s.url, "--state", state); code != 0 {
			t.Fatalf("first run with state: exit %d\n%s%s", code, out, errOut)
		}
		// The server refuses to start on the tampered database (the key
		// file is the one the test server signs with).
		keyFile := filepath.Join(t.TempDir(), "log.key")
		writeLogKey(t, keyFile, logTestKey(7))
		start := func() error {
			m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: dsn, LogKey: keyFile, LogOrigin: logTestOrigin, LogInterval: time.Hour},
				Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)}
			err := m.Open(ctx)
			m.Close()
			return err
		}
		for _, tc := range []struct {
			name            string
			tamper, restore string
			args            []any
			undo            []any
			want            string // what a monitor auditing from the start says
			rederive        string // what a monitor with state says with --rederive
		}{
			{"entry", "UPDATE log_leaves SET entry = ? WHERE idx = ?", "UPDATE log_leaves SET entry = ? WHERE idx = ?",
				[]any{[]byte(`{"kind":"confirmation","org_id":99}`), 30}, []any{logEntry(30), 30}, "root mismatch", "edited entry: entry 30 "},
			{"leaf hash", "UPDATE log_leaves SET hash = ? WHERE idx = ?", "UPDATE log_leaves SET hash = ? WHERE idx = ?",
				[]any{forged, 12}, []any{leaf12, 12}, "bad proof", "changed node: "},
			{"node hash", "UPDATE log_nodes SET hash = ? WHERE id = ?", "UPDATE log_nodes SET hash = ? WHERE id = ?",
				[]any{forged, int64(2<<56 | 1)}, []any{node21, int64(2<<56 | 1)}, "bad proof", "changed node: "},
			{"deleted leaf", "DELETE FROM log_leaves WHERE idx = ?", "INSERT INTO log_leaves (idx, hash, entry, created_at) VALUES (?, ?, ?, 0)",
				[]any{12}, []any{12, leaf12, logEntry(12)}, "published entry 12 is missing", "published entry 12 is missing"},
			{"deleted last leaf", "DELETE FROM log_leaves WHERE idx = ?", "INSERT INTO log_leaves (idx, hash, entry, created_at) VALUES (?, ?, ?, 0)",
				[]any{36}, []any{36, tlog.LeafHash(logEntry(36)), logEntry(36)}, "withheld", "withheld"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s.exec(t, tc.tamper, tc.args...)
				if err := s.db.VerifyLog(ctx, verifier); err == nil {
					t.Errorf("VerifyLog missed the altered %s", tc.name)
				}
				code, out, errOut := monitorOnce(t, s.url)
				if code != 1 || !strings.Contains(errOut, tc.want) {
					t.Errorf("monitor on an altered %s: exit %d, want 1 and %q\n%s%s", tc.name, code, tc.want, out, errOut)
				}
				code, out, errOut = monitorOnce(t, s.url, "--state", state, "--rederive")
				if code != 1 || !strings.Contains(errOut, tc.rederive) {
					t.Errorf("monitor --state --rederive on an altered %s: exit %d, want 1 and %q\n%s%s", tc.name, code, tc.rederive, out, errOut)
				}
				if err := start(); err == nil || !strings.Contains(err.Error(), "refusing to start: the transparency log does not match its own entries") {
					t.Errorf("ucx serve on a database with an altered %s: %v, want a refusal", tc.name, err)
				}
				s.exec(t, tc.restore, tc.undo...)
				if err := s.db.VerifyLog(ctx, verifier); err != nil {
					t.Fatalf("VerifyLog after undoing: %v", err)
				}
				if code, out, errOut := monitorOnce(t, s.url); code != 0 {
					t.Fatalf("monitor after undoing: exit %d\n%s%s", code, out, errOut)
				}
				if code, out, errOut := monitorOnce(t, s.url, "--state", state, "--rederive"); code != 0 || !strings.Contains(out, "verified checkpoint of 37 entries") {
					t.Fatalf("monitor --rederive after undoing: exit %d\n%s%s", code, out, errOut)
				}
				if err := start(); err != nil {
					t.Fatalf("ucx serve after undoing: %v", err)
				}
			})
		}
	})
}

// TestLogMonitor_RefusesARollback: a monitor that saw 30 entries, pointed
// at the same log restored from an older backup of 20, exits 1.
func TestLogMonitor_RefusesARollback(t *testing.T) {
	key := logTestKey(7)
	later := newLogServer(t, filepath.Join(t.TempDir(), "later.db"), key)
	later.append(t, 0, 30)
	later.integrate(t)
	older := newLogServer(t, filepath.Join(t.TempDir(), "older.db"), key)
	older.append(t, 0, 20)
	older.integrate(t)

	state := filepath.Join(t.TempDir(), "monitor.json")
	if code, out, errOut := monitorOnce(t, later.url, "--state", state); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := monitorOnce(t, older.url, "--state", state)
	if code != 1 || !strings.Contains(errOut, "rollback") || !strings.Contains(errOut, "20 entries, fewer than the 30") {
		t.Fatalf("rolled-back server: exit %d\n%s%s", code, out, errOut)
	}
	// The same size with another history is a fork.
	forked := newLogServer(t, filepath.Join(t.TempDir(), "forked.db"), key)
	forked.append(t, 1, 30)
	forked.integrate(t)
	code, out, errOut = monitorOnce(t, forked.url, "--state", state)
	if code != 1 || !strings.Contains(errOut, "fork") {
		t.Fatalf("forked server: exit %d\n%s%s", code, out, errOut)
	}
	// A longer history that does not extend the one seen is inconsistent.
	forked.append(t, 31, 5)
	forked.integrate(t)
	code, out, errOut = monitorOnce(t, forked.url, "--state", state)
	if code != 1 || !strings.Contains(errOut, "inconsistent") {
		t.Fatalf("diverging server: exit %d\n%s%s", code, out, errOut)
	}
}

// TestLogMonitor_RefusesAForgedSignature: checkpoints signed by another key
// under the log's name fail against the pinned key, and against a key
// given on the command line.
func TestLogMonitor_RefusesAForgedSignature(t *testing.T) {
	real := newLogServer(t, filepath.Join(t.TempDir(), "real.db"), logTestKey(7))
	real.append(t, 0, 5)
	real.integrate(t)
	state := filepath.Join(t.TempDir(), "monitor.json")
	if code, out, errOut := monitorOnce(t, real.url, "--state", state); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	impostor := newLogServer(t, filepath.Join(t.TempDir(), "impostor.db"), logTestKey(9))
	impostor.append(t, 0, 8)
	impostor.integrate(t)
	code, out, errOut := monitorOnce(t, impostor.url, "--state", state)
	if code != 1 || !strings.Contains(errOut, "signature") {
		t.Fatalf("impostor against the pinned key: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = monitorOnce(t, impostor.url, "--log-key-pub", real.vkey)
	if code != 1 || !strings.Contains(errOut, "signature") {
		t.Fatalf("impostor against --log-key-pub: exit %d\n%s%s", code, out, errOut)
	}
}

// TestLogMonitor_TwoServersAppendingToOneDatabase runs two stores and two
// HTTP servers on one database, each with its integrator running as in
// `ucx serve`, appending at once: every index is handed out once, the log
// verifies, and a monitor of either server is satisfied.
func TestLogMonitor_TwoServersAppendingToOneDatabase(t *testing.T) {
	logEngines(t, func(t *testing.T, dsn string) {
		key := logTestKey(7)
		servers := [2]*logServer{newLogServer(t, dsn, key), newLogServer(t, dsn, key)}
		ctx, cancel := context.WithCancel(context.Background())
		var bg sync.WaitGroup
		for _, s := range servers {
			bg.Add(1)
			go func() {
				defer bg.Done()
				s.db.RunLogIntegrator(ctx, s.signer, 20*time.Millisecond, func(err error) { t.Error(err) })
			}()
		}
		const workers, each = 6, 25
		var (
			mu   sync.Mutex
			seen = map[int64]int{}
			wg   sync.WaitGroup
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := servers[w%2]
				for j := range each {
					var idx int64
					err := s.db.Update(ctx, "test", func(tx *sqlstore.Tx) (err error) {
						idx, err = tx.AppendLeaf(ctx, logEntry(w*each+j))
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[idx]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		cancel()
		bg.Wait()
		const n = workers * each
		for i := range int64(n) {
			if seen[i] != 1 {
				t.Fatalf("index %d handed out %d times", i, seen[i])
			}
		}
		if len(seen) != n {
			t.Fatalf("%d indices for %d appends", len(seen), n)
		}
		cp := servers[1].integrate(t)
		if cp.Size != n {
			t.Fatalf("tree of %d, want %d", cp.Size, n)
		}
		verifier, _ := tlog.ParseVerifierKey(servers[0].vkey)
		if err := servers[0].db.VerifyLog(context.Background(), verifier); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(t.TempDir(), "monitor.json")
		for _, s := range servers {
			if code, out, errOut := monitorOnce(t, s.url, "--state", state); code != 0 {
				t.Fatalf("monitor of %s: exit %d\n%s%s", s.url, code, out, errOut)
			}
		}
	})
}

// TestServe_LogKeyIsMadeOnceAndRequiredToMatch: the first start writes the
// key 0600 beside the database and publishes it; a restart reuses it; a
// start with another key on the same database is refused.
func TestServe_LogKeyIsMadeOnceAndRequiredToMatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ucx.db")
	start := func(key string) (*Main, error) {
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: path, LogKey: key, LogOrigin: logTestOrigin, LogInterval: 10 * time.Millisecond},
			Stdout: &bytes.Buffer{}, Logger: slog.New(slog.DiscardHandler)}
		err := m.Open(context.Background())
		return m, err
	}
	m, err := start("")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path + ".log.key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("log key file: %v, %v", st, err)
	}
	c := client.New(m.URL(), "")
	vkey, err := c.LogKey(context.Background())
	if err != nil || vkey != m.LogVerifierKey || !strings.HasPrefix(vkey, logTestOrigin+"+") {
		t.Fatalf("GET /api/v1/log/key = %q, %v; want %q", vkey, err, m.LogVerifierKey)
	}
	// The integrator publishes a checkpoint on its own.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := c.LogCheckpoint(context.Background()); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no checkpoint published: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.Close()

	m, err = start("")
	if err != nil || m.LogVerifierKey != vkey {
		t.Fatalf("restart: %v, key %q want %q", err, m.LogVerifierKey, vkey)
	}
	m.Close()

	m, err = start(filepath.Join(dir, "other.key"))
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "same --log-key") {
		t.Fatalf("start with another key = %v, want a refusal", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe_RederivesTheLogOnASchedule: a running server whose database
// is edited under its log reports it at the next scheduled re-derivation —
// an error in its log, ucx_log_consistent 0 and a mismatch counted in
// /metrics, /healthz 503 — and recovers once the edit is undone.
func TestServe_RederivesTheLogOnASchedule(t *testing.T) {
	logEngines(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := newLogServer(t, dsn, logTestKey(7))
		s.append(t, 0, 20)
		s.integrate(t)
		keyFile := filepath.Join(t.TempDir(), "log.key")
		writeLogKey(t, keyFile, logTestKey(7))
		logs := &syncBuffer{}
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: dsn, LogKey: keyFile, LogOrigin: logTestOrigin,
			LogInterval: time.Hour, LogRederiveInterval: 20 * time.Millisecond},
			Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(logs, nil))}
		if err := m.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		get := func(path string) (int, string) {
			t.Helper()
			resp, err := nethttp.Get(m.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// waitFor polls the server until cond holds, for at most 10 s.
		waitFor := func(what string, cond func() bool) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s", what)
				}
			}
		}
		if code, _ := get("/healthz"); code != 200 {
			t.Fatalf("/healthz = %d on an untouched log", code)
		}
		waitFor("a passing scheduled run after the one at start", func() bool {
			_, body := get("/metrics")
			var n int
			_, err := fmt.Sscanf(body[strings.Index(body, `ucx_log_rederivations_total{result="ok"}`)+len(`ucx_log_rederivations_total{result="ok"}`):], "%d", &n)
			return err == nil && n >= 2
		})
		s.exec(t, "UPDATE log_leaves SET entry = ? WHERE idx = ?", []byte(`{"kind":"confirmation","org_id":99}`), 7)
		waitFor("/healthz to fail", func() bool { code, _ := get("/healthz"); return code == 503 })
		_, metrics := get("/metrics")
		if !strings.Contains(metrics, "ucx_log_consistent 0") || strings.Contains(metrics, `ucx_log_rederivations_total{result="mismatch"} 0`) {
			t.Fatalf("/metrics after the edit:\n%s", metrics)
		}
		if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "TRANSPARENCY LOG TAMPERED") || !strings.Contains(l, "leaf 7") {
			t.Fatalf("the server's log does not report the edit:\n%s", l)
		}
		s.exec(t, "UPDATE log_leaves SET entry = ? WHERE idx = ?", logEntry(7), 7)
		waitFor("/healthz to recover", func() bool { code, _ := get("/healthz"); return code == 200 })
		if _, metrics := get("/metrics"); !strings.Contains(metrics, "ucx_log_consistent 1") {
			t.Fatalf("/metrics after undoing:\n%s", metrics)
		}
	})
}
