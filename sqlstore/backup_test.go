package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// backupVIN makes the n-th valid BYD VIN (WMI LGX) for the backup test.
func backupVIN(n int64) string {
	b := []byte(fmt.Sprintf("LGXBACKUP%08d", n))
	d, _ := vin.CheckDigit(string(b))
	b[8] = d
	return string(b)
}

func backupInput(v string) *ucx.ApplicationInput {
	reg := ucx.Today().AddDays(-40)
	km := 120
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: v, Brand: "BYD", Model: "Seal", Energy: ucx.EnergyElectric, BatteryKWh: 82.5,
			RegistrationDate: reg, TransferDate: reg.AddDays(10), MileageKM: &km},
		Certificate: ucx.CertificateValues{Brand: "BYD", Model: "Seal", RegistrationDate: reg, TransferDate: reg.AddDays(10)},
		Destination: "RU", Buyer: "OOO Backup", ContractNumber: "HT-BACKUP", InspectionReport: "CMA-1",
		Submit: true,
	}
}

// TestBackup_OnlineCopyRestoresWholeWhileWritesContinue files applications
// from four goroutines on a SQLite file, takes a backup in the middle of
// the writing, restores it to a new path and opens it: every application
// in it is whole (its audit events are there, its row equals the
// original's), it holds at least what was acknowledged before the backup
// began and no more than what was filed by the end. Restore refuses an
// existing file without Force, a file that is not a database, and a backup
// a RestoreCheck (the transparency log's hook) rejects. On PostgreSQL the
// backup is refused with pg_dump guidance.
func TestBackup_OnlineCopyRestoresWholeWhileWritesContinue(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("UCX_TEST_POSTGRES") == "" {
			t.Skip("PostgreSQL half skipped: set UCX_TEST_POSTGRES to a DSN to run it")
		}
		db := MustOpenDB(t, sqlstore.Postgres)
		err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
		if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), "pg_dump") {
			t.Fatalf("Backup on PostgreSQL = %v, want invalid with pg_dump guidance", err)
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		dir := t.TempDir()
		db, err := sqlstore.Open(ctx, filepath.Join(dir, "live.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		world, err := demo.Seed(ctx, db, 1)
		if err != nil {
			t.Fatal(err)
		}
		cred, _ := world.Login("huayun-export")
		p, err := db.PrincipalByToken(ctx, cred.Token)
		if err != nil {
			t.Fatal(err)
		}
		_, seeded, err := db.FindApplications(ctx, p, ucx.ApplicationFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}

		var seq, acked atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var ferr atomic.Value
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, _, err := db.CreateApplication(ctx, p, backupInput(backupVIN(seq.Add(1))), ucx.CreateOptions{}); err != nil {
						ferr.Store(err)
						return
					}
					acked.Add(1)
				}
			}()
		}
		for acked.Load() < 50 {
			if ferr.Load() != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		before := acked.Load()
		backup := filepath.Join(dir, "backup.db")
		berr := db.Backup(ctx, backup)
		afterBackup := acked.Load()
		for acked.Load() < afterBackup+50 && ferr.Load() == nil {
			time.Sleep(time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if err, _ := ferr.Load().(error); err != nil {
			t.Fatalf("filing during the backup: %v", err)
		}
		if berr != nil {
			t.Fatalf("Backup while writing: %v", berr)
		}
		total := acked.Load()

		if err := db.Backup(ctx, backup); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("a second backup onto the same file = %v, want conflict", err)
		}

		// Restore into a new path, then open and check it.
		restored := filepath.Join(dir, "restored.db")
		if err := sqlstore.Restore(ctx, backup, restored, sqlstore.RestoreOptions{}); err != nil {
			t.Fatalf("Restore: %v", err)
		}
		rdb, err := sqlstore.Open(ctx, restored)
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		if err := rdb.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		n := 0
		for offset := 0; ; offset += 500 {
			apps, count, err := rdb.FindApplications(ctx, p, ucx.ApplicationFilter{Offset: offset, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			n = count
			for _, a := range apps {
				orig, err := db.FindApplicationByID(ctx, p, a.ID)
				if err != nil || orig.Vehicle.VIN != a.Vehicle.VIN || orig.State != a.State || orig.Version != a.Version {
					t.Errorf("restored application %d (%s %s v%d) differs from the original: %v", a.ID, a.Vehicle.VIN, a.State, a.Version, err)
				}
				ev, err := rdb.Timeline(ctx, p, a.ID)
				if err != nil || len(ev) == 0 {
					t.Errorf("restored application %d has no audit event: %v", a.ID, err)
				}
				oev, _ := db.Timeline(ctx, p, a.ID)
				if len(ev) != len(oev) && a.Version == orig.Version {
					t.Errorf("application %d: %d audit events restored, %d in the original", a.ID, len(ev), len(oev))
				}
			}
			if len(apps) < 500 {
				break
			}
		}
		filedInBackup := int64(n - seeded)
		if filedInBackup < before || filedInBackup > total {
			t.Fatalf("the backup holds %d filed applications; %d were acknowledged before it began and %d by the end", filedInBackup, before, total)
		}
		t.Logf("backup: %d applications filed during the test (%d before the backup began, %d by its end); the restored copy holds %d of them plus %d seeded, every one with its audit events",
			total, before, afterBackup, filedInBackup, seeded)

		// Hook for the transparency log: the checks hold a restore back.
		rdb.Close()
		called := false
		veto := errors.New("log head older than the last published checkpoint")
		err = sqlstore.Restore(ctx, backup, filepath.Join(dir, "vetoed.db"), sqlstore.RestoreOptions{Checks: []sqlstore.RestoreCheck{
			func(ctx context.Context, db *sqlstore.DB) error { called = true; return veto },
		}})
		if !called || !errors.Is(err, veto) {
			t.Fatalf("a RestoreCheck's refusal: called %v, err %v", called, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "vetoed.db")); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a refused restore wrote its target")
		}
		// An existing target needs Force.
		if err := sqlstore.Restore(ctx, backup, restored, sqlstore.RestoreOptions{}); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("Restore onto an existing file without Force = %v, want conflict", err)
		}
		if err := sqlstore.Restore(ctx, backup, restored, sqlstore.RestoreOptions{Force: true}); err != nil {
			t.Fatalf("Restore with Force: %v", err)
		}
		// A file that is not a database is refused, and the target kept.
		junk := filepath.Join(dir, "junk.db")
		os.WriteFile(junk, []byte("not a database at all, just text that is long enough to be read"), 0o600)
		if err := sqlstore.Restore(ctx, junk, restored, sqlstore.RestoreOptions{Force: true}); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Fatalf("Restore of a text file = %v, want invalid", err)
		}
		if _, err := os.Stat(restored); err != nil {
			t.Fatalf("the target is gone after a refused restore: %v", err)
		}
	})
}

// TestVerifyDocuments_FindsWhatVerifiesAloneButNotInItsPlace: the demo's
// sealed documents all verify against the stored trust list. Then two
// rows' envelopes are swapped — each still a valid sealed document, just
// not the one stored under its digest — and a document's log leaf is
// given another document's entry; both are reported, naming the document.
// A store without sealing has nothing to verify.
func TestVerifyDocuments_FindsWhatVerifiesAloneButNotInItsPlace(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, sqlstore.SQLite)
	if n, err := db.VerifyDocuments(ctx); n != 0 || err != nil {
		t.Fatalf("VerifyDocuments on an empty store = %d, %v", n, err)
	}
	if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	stored := count(t, db, "documents")
	if n, err := db.VerifyDocuments(ctx); n != stored || n < 2 || err != nil {
		t.Fatalf("VerifyDocuments = %d, %v; want all %d demo documents verified", n, err, stored)
	}

	exec := func(query string) {
		t.Helper()
		if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, query)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	wantFailure := func(want string) {
		t.Helper()
		_, err := db.VerifyDocuments(ctx)
		if ucx.ErrorCode(err) != ucx.EINTERNAL || err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "document sha256:") {
			t.Fatalf("VerifyDocuments = %v, want a failure naming the document and %q", err, want)
		}
	}
	// Swap the envelopes of the first two documents (kept in a scratch table).
	exec(`CREATE TABLE swap AS SELECT digest, envelope FROM documents ORDER BY digest LIMIT 2`)
	exec(`UPDATE documents SET envelope = (SELECT s.envelope FROM swap s WHERE s.digest <> documents.digest)
		WHERE digest IN (SELECT digest FROM swap)`)
	wantFailure("its envelope seals another document")
	exec(`UPDATE documents SET envelope = (SELECT s.envelope FROM swap s WHERE s.digest = documents.digest)
		WHERE digest IN (SELECT digest FROM swap)`)
	if _, err := db.VerifyDocuments(ctx); err != nil {
		t.Fatalf("after swapping back: %v", err)
	}
	// Give the first document's log leaf the second's entry.
	exec(`UPDATE log_leaves SET entry = (SELECT l.entry FROM log_leaves l JOIN documents d ON d.log_index = l.idx
		WHERE d.digest = (SELECT MAX(digest) FROM swap))
		WHERE idx = (SELECT log_index FROM documents WHERE digest = (SELECT MIN(digest) FROM swap))`)
	wantFailure("names another document")
}
