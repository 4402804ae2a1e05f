package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestBackupRestore_SealedStoreVerifiesAndAnOlderOneIsARollback is issue
// 8's backup story end to end, on `ucx serve --demo` in process with
// sealing on (a KEK file, so that a second server can open the same keys)
// and its own log key:
//
//   - exporters file, the manufacturer approves and the authority issues
//     (sealed documents and log leaves) while `ucx backup` copies the
//     store; the writing goes on after it;
//   - `ucx restore` into a new path verifies the log from its first entry
//     with its key, and every sealed document, and says how many; without
//     the key it checks the structure only and says so;
//   - a backup edited after it was written — one byte of a document in an
//     envelope, or one hash of the log's tree — is refused, exit 2, and
//     nothing is written;
//   - `ucx log monitor --state` that saw the grown log, run against a
//     server started on the restored (older) backup, exits 1 reporting a
//     rollback.
//
// SQLite only: on PostgreSQL backups are pg_dump's (sqlstore/backup.go).
func TestBackupRestore_SealedStoreVerifiesAndAnOlderOneIsARollback(t *testing.T) {
	if testing.Short() {
		t.Skip("backup test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	live, kekFile, logKey := filepath.Join(dir, "live.db"), filepath.Join(dir, "kek"), filepath.Join(dir, "log.key")
	if err := os.WriteFile(kekFile, []byte(hex.EncodeToString(sqlstore.NewKEK())), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := func(db string, demo bool, creds string) *Main {
		t.Helper()
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: db, Demo: demo, DemoCredentials: creds, KEKFile: kekFile,
			LogKey: logKey, LogOrigin: logTestOrigin, LogInterval: 20 * time.Millisecond},
			Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)}
		if err := m.Open(ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	credsFile := filepath.Join(dir, "demo.json")
	m := serve(live, true, credsFile)
	closed := false
	defer func() {
		if !closed {
			m.Close()
		}
	}()
	if !m.DB.Sealing() {
		t.Fatal("the demo server does not seal documents")
	}

	var creds []demo.Credential
	if b, err := os.ReadFile(credsFile); err != nil || json.Unmarshal(b, &creds) != nil {
		t.Fatalf("reading the demo credentials: %v", err)
	}
	clientOf := func(user string) *client.Client {
		for _, c := range creds {
			if c.Username == user {
				return client.New(m.URL(), c.Token)
			}
		}
		t.Fatalf("no demo user %s", user)
		return nil
	}
	exporter, maker, authority := clientOf("huayun-export"), clientOf("byd-compliance"), clientOf("gd-licensing")
	me, err := maker.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	org, err := maker.FindOrgByID(ctx, nil, me.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	var outletRU int64
	for _, o := range org.Outlets {
		if o.Country == "RU" {
			outletRU = o.ID
		}
	}
	if outletRU == 0 {
		t.Fatal("the demo manufacturer has no outlet in RU")
	}

	// The load: one worker per party, each doing its step of the export
	// in a loop, until stop. approved and issued count sealed documents.
	var approved, issued atomic.Int64
	var loadErr error
	var mu sync.Mutex
	failed := func(err error) {
		mu.Lock()
		if loadErr == nil {
			loadErr = err
		}
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(step func() error) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if err := step(); err != nil {
					failed(err)
					return
				}
			}
		})
	}
	var serial atomic.Int64
	loop(func() error {
		_, _, err := exporter.CreateApplication(ctx, nil, crashApplication(soakVIN(500000+serial.Add(1))), ucx.CreateOptions{})
		return err
	})
	loop(func() error {
		reqs, _, err := maker.FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 50})
		if err != nil {
			return err
		}
		for _, r := range reqs {
			if r.Destination != "RU" {
				continue
			}
			if _, err := maker.ApproveRequest(ctx, nil, r.ID, r.Version, []int64{outletRU}); err != nil {
				return fmt.Errorf("approving request %d: %w", r.ID, err)
			}
			approved.Add(1)
			return nil
		}
		return nil
	})
	issuedApp := map[int64]bool{} // the demo's own under-review applications may not all pass
	loop(func() error {
		apps, _, err := authority.FindApplications(ctx, nil, ucx.ApplicationFilter{State: ucx.StateUnderReview, Limit: 50})
		if err != nil {
			return err
		}
		for _, a := range apps {
			if issuedApp[a.ID] || a.Buyer != "OOO Crash" {
				continue
			}
			issuedApp[a.ID] = true
			if _, err := authority.IssueLicence(ctx, nil, a.ID, a.Version); err != nil {
				return fmt.Errorf("issuing a licence for application %d: %w", a.ID, err)
			}
			issued.Add(1)
			return nil
		}
		return nil
	})
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			mu.Lock()
			err := loadErr
			mu.Unlock()
			if err != nil {
				t.Fatalf("the load failed: %v", err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (approved %d, issued %d)", what, approved.Load(), issued.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("approvals and licences before the backup", func() bool { return approved.Load() >= 3 && issued.Load() >= 2 })

	backup := filepath.Join(dir, "backup.db")
	if code, out, errOut := runClientCLI(t, "", "backup", backup, "--db", live); code != 0 {
		t.Fatalf("ucx backup: exit %d\n%s%s", code, out, errOut)
	}
	a0, i0 := approved.Load(), issued.Load()
	waitFor("more documents after the backup", func() bool { return approved.Load() > a0+1 && issued.Load() > i0 })

	// What the backup holds, read from a scratch copy so the backup
	// itself is never opened by a store.
	scratch := filepath.Join(dir, "scratch.db")
	copyTestFile(t, backup, scratch)
	backupLeaves, backupDocs := countRows(t, scratch, "log_leaves"), countRows(t, scratch, "documents")
	if backupDocs < 5 {
		t.Fatalf("the backup holds %d sealed documents; the load did not seal any", backupDocs)
	}
	// The live log grows past the backup and is integrated.
	waitFor("the live log to outgrow the backup", func() bool {
		cp, err := m.DB.LatestCheckpoint(ctx)
		return err == nil && cp.Size > int64(backupLeaves)
	})

	// A monitor follows the live, grown log and saves its state.
	state := filepath.Join(dir, "monitor.json")
	code, out, errOut := monitorOnce(t, m.URL(), "--state", state)
	if code != 0 {
		t.Fatalf("monitor on the live server: exit %d\n%s%s", code, out, errOut)
	}
	seen := regexp.MustCompile(`verified checkpoint of (\d+) entries`).FindStringSubmatch(out)
	if seen == nil {
		t.Fatalf("monitor output names no checkpoint:\n%s", out)
	}
	grown, _ := strconv.Atoi(seen[1])

	close(stop)
	wg.Wait()
	if loadErr != nil {
		t.Fatalf("the load failed: %v", loadErr)
	}
	closed = true
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("restore verifies the log with its key and every sealed document", func(t *testing.T) {
		dst := filepath.Join(dir, "restored.db")
		code, out, errOut := runClientCLI(t, "", "restore", backup, "--db", dst, "--log-key", logKey, "--log-origin", logTestOrigin)
		if code != 0 {
			t.Fatalf("ucx restore: exit %d\n%s%s", code, out, errOut)
		}
		// The log's integrated size at the backup and the documents in it.
		cpSize := regexp.MustCompile(`log: (\d+) entries re-derived from the first; every checkpoint signed by ` + regexp.QuoteMeta(logTestOrigin) + `\+`).FindStringSubmatch(out)
		if cpSize == nil {
			t.Fatalf("restore does not report the log verified with its key:\n%s", out)
		}
		if n, _ := strconv.Atoi(cpSize[1]); n == 0 || n > backupLeaves {
			t.Fatalf("restore verified a log of %d entries; the backup has %d leaves", n, backupLeaves)
		}
		if want := fmt.Sprintf("documents: %d sealed documents verified", backupDocs); !strings.Contains(out, want) {
			t.Fatalf("restore output lacks %q:\n%s", want, out)
		}
		if countRows(t, dst, "documents") != backupDocs {
			t.Fatal("the restored store does not hold the backup's documents")
		}
	})

	t.Run("without the log key only the structure is checked, and it says so", func(t *testing.T) {
		t.Setenv("UCX_LOG_KEY", "")
		code, out, errOut := runClientCLI(t, "", "restore", backup, "--db", filepath.Join(dir, "nokey.db"))
		if code != 0 || !strings.Contains(out, "signatures NOT checked") || !strings.Contains(out, "--log-key") {
			t.Fatalf("restore without a key: exit %d\n%s%s", code, out, errOut)
		}
		// The wrong origin for the key is not this log's key.
		code, out, errOut = runClientCLI(t, "", "restore", backup, "--db", filepath.Join(dir, "wrong.db"), "--log-key", logKey, "--log-origin", "other.example/log")
		if code != 2 || !strings.Contains(errOut, "was not restored") || !strings.Contains(errOut, "--log-origin") {
			t.Fatalf("restore with another origin: exit %d\n%s%s", code, out, errOut)
		}
	})

	tampered := []struct {
		name, want string
		edit       func(t *testing.T, db *sqlstore.DB)
	}{
		{"one byte of a sealed document", "integrity check failed (tampered)", func(t *testing.T, db *sqlstore.DB) {
			editRow(t, db, "SELECT digest, envelope FROM documents WHERE kind = 'licence' ORDER BY created_at DESC LIMIT 1",
				"UPDATE documents SET envelope = ? WHERE digest = ?", func(env []byte) []byte {
					// A digit of the document's own text: still JSON, no
					// longer what was sealed.
					i := strings.Index(string(env), `"document":`)
					for j := i; j < len(env); j++ {
						if env[j] >= '0' && env[j] <= '8' {
							env[j]++
							return env
						}
					}
					t.Fatalf("no digit in the envelope %s", env)
					return nil
				})
		}},
		{"one hash of the log's tree", "the transparency log", func(t *testing.T, db *sqlstore.DB) {
			editRow(t, db, "SELECT id, hash FROM log_nodes ORDER BY id LIMIT 1", "UPDATE log_nodes SET hash = ? WHERE id = ?",
				func(h []byte) []byte { h[0] ^= 1; return h })
		}},
	}
	for _, tc := range tampered {
		t.Run("a backup with "+tc.name+" edited is refused", func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.db")
			copyTestFile(t, backup, bad)
			db, err := sqlstore.Open(ctx, bad)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(t, db)
			db.Close()
			dst := filepath.Join(t.TempDir(), "dst.db")
			code, out, errOut := runClientCLI(t, "", "restore", bad, "--db", dst, "--log-key", logKey, "--log-origin", logTestOrigin)
			if code != 2 || !strings.Contains(errOut, "was not restored") || !strings.Contains(errOut, tc.want) {
				t.Fatalf("restore of a tampered backup: exit %d, want 2 naming %q\n%s%s", code, tc.want, out, errOut)
			}
			if _, err := os.Stat(dst); err == nil {
				t.Fatal("a refused backup was written to --db")
			}
		})
	}

	t.Run("a server on the restored older backup is a rollback to the monitor", func(t *testing.T) {
		dst := filepath.Join(dir, "restored.db")
		if _, err := os.Stat(dst); err != nil {
			t.Skip("the restore subtest did not run")
		}
		older := serve(dst, false, "")
		defer older.Close()
		cp, err := older.DB.LatestCheckpoint(ctx)
		if err != nil || cp.Size >= int64(grown) {
			t.Fatalf("the restored log's checkpoint: size %d, %v; want fewer than the %d seen", cp.Size, err, grown)
		}
		code, out, errOut := monitorOnce(t, older.URL(), "--state", state)
		want := fmt.Sprintf("fewer than the %d this monitor already verified", grown)
		if code != 1 || !strings.Contains(errOut, "rollback") || !strings.Contains(errOut, want) {
			t.Fatalf("monitor on the restored older backup: exit %d, want 1 and a rollback\n%s%s", code, out, errOut)
		}
	})
}

func copyTestFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// countRows opens a SQLite store and counts a table's rows.
func countRows(t *testing.T, path, table string) int {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.View(ctx, "test", func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// editRow reads one row's (key, blob), changes the blob and writes it back.
func editRow(t *testing.T, db *sqlstore.DB, read, write string, change func([]byte) []byte) {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
		var key any
		var blob []byte
		if err := tx.QueryRow(ctx, read).Scan(&key, &blob); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, write, change(blob), key)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
