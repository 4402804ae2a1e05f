package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

const testOrigin = "ucx.test/log"

func testLogKeys(tb testing.TB) (note.Signer, note.Verifier) {
	tb.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	s, err := tlog.NewSigner(testOrigin, key)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := tlog.NewVerifier(testOrigin, key.Public().(ed25519.PublicKey))
	if err != nil {
		tb.Fatal(err)
	}
	return s, v
}

// refRoot is the RFC 6962 §2.1 Merkle Tree Hash written out from its
// definition, independent of the compact ranges the store uses.
func refRoot(leaves [][]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return leaves[0]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		return rfc6962.DefaultHasher.HashChildren(refRoot(leaves[:k]), refRoot(leaves[k:]))
	}
}

func entryFor(i int) []byte { return fmt.Appendf(nil, `{"doc":%d,"kind":"licence"}`, i) }

// appendEntries appends n entries, one transaction each, and returns their
// leaf hashes by index.
func appendEntries(t testing.TB, db *sqlstore.DB, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		var idx int64
		err := db.Update(ctx, "test", func(tx *sqlstore.Tx) (err error) {
			idx, err = tx.AppendLeaf(ctx, entryFor(i))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if idx != int64(i) {
			t.Fatalf("AppendLeaf #%d got index %d", i, idx)
		}
	}
}

func leafHashes(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = rfc6962.DefaultHasher.HashLeaf(entryFor(i))
	}
	return out
}

func TestLog_LeafCommitsAndRollsBackWithItsDocument(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE log_test_docs (id BIGINT PRIMARY KEY, leaf BIGINT NOT NULL)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("the document failed")
		err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			idx, err := tx.AppendLeaf(ctx, entryFor(0))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO log_test_docs (id, leaf) VALUES (?, ?)", 1, idx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update = %v, want the document's error", err)
		}
		signer, _ := testLogKeys(t)
		cp, err := db.IntegrateLog(ctx, signer)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != 0 {
			t.Fatalf("after a rolled-back append the tree has %d leaves, want 0", cp.Size)
		}
		// The index was rolled back too: the next document gets leaf 0.
		var idx int64
		err = db.Update(ctx, "test", func(tx *sqlstore.Tx) (err error) {
			if _, err := tx.Exec(ctx, "INSERT INTO log_test_docs (id, leaf) VALUES (?, ?)", 2, 0); err != nil {
				return err
			}
			idx, err = tx.AppendLeaf(ctx, entryFor(0))
			return err
		})
		if err != nil || idx != 0 {
			t.Fatalf("append after rollback = %d, %v; want leaf 0", idx, err)
		}
		if cp, err = db.IntegrateLog(ctx, signer); err != nil || cp.Size != 1 {
			t.Fatalf("IntegrateLog = size %d, %v; want 1", cp.Size, err)
		}
		var docs int
		db.View(ctx, "test", func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, "SELECT COUNT(*) FROM log_test_docs").Scan(&docs)
		})
		if docs != 1 {
			t.Fatalf("%d documents, want 1", docs)
		}
	})
}

func TestLog_AppendRefusesBadEntries(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			name  string
			entry []byte
			code  string
		}{
			{"empty", nil, ucx.EINVALID},
			{"too large", make([]byte, sqlstore.MaxLogEntry+1), ucx.ETOOLARGE},
		} {
			err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
				_, err := tx.AppendLeaf(ctx, tc.entry)
				return err
			})
			if got := ucx.ErrorCode(err); got != tc.code {
				t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.code)
			}
		}
	})
}

func TestLog_IntegratedRootMatchesIndependentRoot(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		signer, verifier := testLogKeys(t)
		if _, err := db.LatestCheckpoint(ctx); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("LatestCheckpoint before any integration = %v, want ENOTFOUND", err)
		}
		// Batches of uneven sizes so integration resumes from every kind of
		// right border.
		total := 0
		for _, batch := range []int{0, 1, 2, 5, 8, 13, 64, 1, 200, 3} {
			appendEntries(t, db, total, batch)
			total += batch
			cp, err := db.IntegrateLog(ctx, signer)
			if err != nil {
				t.Fatal(err)
			}
			want := refRoot(leafHashes(total))
			if cp.Size != int64(total) || string(cp.Root) != string(want) {
				t.Fatalf("after %d leaves: checkpoint size %d root %x, want %x", total, cp.Size, cp.Root, want)
			}
			opened, err := tlog.OpenCheckpoint(cp.Note, verifier)
			if err != nil {
				t.Fatalf("the stored checkpoint does not verify: %v", err)
			}
			if opened.Size != cp.Size || string(opened.Root) != string(want) || opened.Origin != testOrigin {
				t.Fatalf("opened checkpoint %+v differs", opened.Checkpoint)
			}
			latest, err := db.LatestCheckpoint(ctx)
			if err != nil || string(latest.Note) != string(cp.Note) {
				t.Fatalf("LatestCheckpoint = %v, %v; want the one just made", latest, err)
			}
		}
		if err := db.VerifyLog(ctx, verifier); err != nil {
			t.Fatalf("VerifyLog on an untouched log: %v", err)
		}
		// Entries read back are the ones appended.
		got, err := db.LogEntries(ctx, 290, 400)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != total-290 || got[0].Index != 290 || string(got[0].Entry) != string(entryFor(290)) {
			t.Fatalf("LogEntries(290, 400) = %d entries starting %v", len(got), got[0])
		}
		// Leaves appended but not integrated are not served yet.
		appendEntries(t, db, total, 1)
		if got, err := db.LogEntries(ctx, int64(total), int64(total)+1); err != nil || len(got) != 0 {
			t.Fatalf("LogEntries served an unintegrated leaf: %d entries, %v", len(got), err)
		}
		if _, err := db.LogEntries(ctx, -1, 3); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Fatalf("LogEntries(-1, 3) = %v, want EINVALID", err)
		}
	})
}

func TestLog_InclusionProofsVerifyForEveryLeafOfEverySize(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		signer, _ := testLogKeys(t)
		const maxSize = 40
		hashes := leafHashes(maxSize)
		roots := make([][]byte, maxSize+1)
		for n := 1; n <= maxSize; n++ {
			appendEntries(t, db, n-1, 1)
			cp, err := db.IntegrateLog(ctx, signer)
			if err != nil {
				t.Fatal(err)
			}
			roots[n] = cp.Root
		}
		for size := int64(1); size <= maxSize; size++ {
			for idx := int64(0); idx < size; idx++ {
				p, err := db.InclusionProof(ctx, idx, size)
				if err != nil {
					t.Fatalf("InclusionProof(%d, %d): %v", idx, size, err)
				}
				if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(idx), uint64(size), hashes[idx], p, refRoot(hashes[:size])); err != nil {
					t.Fatalf("proof of leaf %d in tree %d does not verify: %v", idx, size, err)
				}
				if string(roots[size]) != string(refRoot(hashes[:size])) {
					t.Fatalf("checkpoint root at %d is wrong", size)
				}
			}
		}
		idx, p, err := db.InclusionProofByHash(ctx, hashes[17], 33)
		if err != nil || idx != 17 {
			t.Fatalf("InclusionProofByHash = %d, %v", idx, err)
		}
		if err := tlog.VerifyInclusion(17, 33, hashes[17], p, roots[33]); err != nil {
			t.Fatal(err)
		}
		p, cp, err := db.ProveLeaf(ctx, 5)
		if err != nil || cp.Size != maxSize {
			t.Fatalf("ProveLeaf = size %d, %v", cp.Size, err)
		}
		if err := cp.VerifyInclusion(5, hashes[5], p); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name        string
			index, size int64
			code        string
		}{
			{"beyond the checkpoint", 3, maxSize + 1, ucx.ENOTFOUND},
			{"index past size", 10, 10, ucx.EINVALID},
			{"negative index", -1, 10, ucx.EINVALID},
			{"negative size", 0, -5, ucx.EINVALID},
		} {
			if _, err := db.InclusionProof(ctx, tc.index, tc.size); ucx.ErrorCode(err) != tc.code {
				t.Errorf("%s: InclusionProof(%d, %d) = %v, want %s", tc.name, tc.index, tc.size, err, tc.code)
			}
		}
		if _, _, err := db.InclusionProofByHash(ctx, rfc6962.DefaultHasher.HashLeaf([]byte("never")), maxSize); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("InclusionProofByHash of an unknown entry = %v, want ENOTFOUND", err)
		}
	})
}

func TestLog_ConsistencyProofsVerifyBetweenEveryPairOfSizes(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		signer, _ := testLogKeys(t)
		const maxSize = 20
		appendEntries(t, db, 0, maxSize)
		if _, err := db.IntegrateLog(ctx, signer); err != nil {
			t.Fatal(err)
		}
		hashes := leafHashes(maxSize)
		for s1 := int64(0); s1 <= maxSize; s1++ {
			for s2 := s1; s2 <= maxSize; s2++ {
				p, err := db.ConsistencyProof(ctx, s1, s2)
				if err != nil {
					t.Fatalf("ConsistencyProof(%d, %d): %v", s1, s2, err)
				}
				if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(s1), uint64(s2), p, refRoot(hashes[:s1]), refRoot(hashes[:s2])); err != nil {
					t.Fatalf("consistency %d→%d does not verify: %v", s1, s2, err)
				}
			}
		}
		for _, tc := range []struct {
			s1, s2 int64
			code   string
		}{{5, 4, ucx.EINVALID}, {-1, 4, ucx.EINVALID}, {3, maxSize + 1, ucx.ENOTFOUND}, {maxSize + 1, maxSize + 1, ucx.ENOTFOUND}} {
			if _, err := db.ConsistencyProof(ctx, tc.s1, tc.s2); ucx.ErrorCode(err) != tc.code {
				t.Errorf("ConsistencyProof(%d, %d) = %v, want %s", tc.s1, tc.s2, err, tc.code)
			}
		}
	})
}

func TestLog_VerifyLogDetectsTampering(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		signer, verifier := testLogKeys(t)
		const size = 37
		appendEntries(t, db, 0, 20)
		if _, err := db.IntegrateLog(ctx, signer); err != nil {
			t.Fatal(err)
		}
		appendEntries(t, db, 20, size-20)
		cp, err := db.IntegrateLog(ctx, signer)
		if err != nil {
			t.Fatal(err)
		}
		hashes := leafHashes(size)
		exec := func(query string, args ...any) {
			t.Helper()
			if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, query, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		forged := rfc6962.DefaultHasher.HashLeaf([]byte("forged"))
		for _, tc := range []struct {
			name    string
			tamper  func()
			restore func()
			want    tlog.MismatchError
			// proveIdx is a leaf whose proof uses the tampered hash.
			proveIdx int64
		}{
			{
				name:     "leaf hash",
				tamper:   func() { exec("UPDATE log_leaves SET hash = ? WHERE idx = ?", forged, 12) },
				restore:  func() { exec("UPDATE log_leaves SET hash = ? WHERE idx = ?", hashes[12], 12) },
				want:     tlog.MismatchError{Kind: "leaf", Index: 12},
				proveIdx: 13,
			},
			{
				name:     "entry",
				tamper:   func() { exec("UPDATE log_leaves SET entry = ? WHERE idx = ?", []byte("forged"), 30) },
				restore:  func() { exec("UPDATE log_leaves SET entry = ? WHERE idx = ?", entryFor(30), 30) },
				want:     tlog.MismatchError{Kind: "leaf", Index: 30},
				proveIdx: -1, // the proof is right; the entry is what is wrong
			},
			{
				name:     "node hash",
				tamper:   func() { exec("UPDATE log_nodes SET hash = ? WHERE id = ?", forged, 2<<56|1) },
				restore:  func() { exec("UPDATE log_nodes SET hash = ? WHERE id = ?", refRoot(hashes[4:8]), 2<<56|1) },
				want:     tlog.MismatchError{Kind: "node", Level: 2, Index: 1},
				proveIdx: 2,
			},
			{
				name:   "deleted node",
				tamper: func() { exec("DELETE FROM log_nodes WHERE id = ?", 3<<56|3) },
				restore: func() {
					exec("INSERT INTO log_nodes (id, hash) VALUES (?, ?)", 3<<56|3, refRoot(hashes[24:32]))
				},
				want:     tlog.MismatchError{Kind: "missing node", Level: 3, Index: 3},
				proveIdx: -1, // the proof cannot be served at all
			},
			{
				name:   "deleted leaf",
				tamper: func() { exec("DELETE FROM log_leaves WHERE idx = ?", 12) },
				restore: func() {
					exec("INSERT INTO log_leaves (idx, hash, entry, created_at) VALUES (?, ?, ?, 0)", 12, hashes[12], entryFor(12))
				},
				want:     tlog.MismatchError{Kind: "missing leaf", Index: 12},
				proveIdx: -1, // the proof cannot be served at all
			},
			{
				name:   "deleted last leaf",
				tamper: func() { exec("DELETE FROM log_leaves WHERE idx = ?", size-1) },
				restore: func() {
					exec("INSERT INTO log_leaves (idx, hash, entry, created_at) VALUES (?, ?, ?, 0)", size-1, hashes[size-1], entryFor(size-1))
				},
				want:     tlog.MismatchError{Kind: "missing leaf", Index: size - 1},
				proveIdx: -1,
			},
			{
				// An entry edited together with its leaf hash: the
				// node above it no longer matches.
				name: "entry and leaf hash",
				tamper: func() {
					exec("UPDATE log_leaves SET entry = ?, hash = ? WHERE idx = ?", []byte("forged"), forged, 30)
				},
				restore: func() {
					exec("UPDATE log_leaves SET entry = ?, hash = ? WHERE idx = ?", entryFor(30), hashes[30], 30)
				},
				want:     tlog.MismatchError{Kind: "node", Level: 1, Index: 15},
				proveIdx: 31,
			},
			{
				name:     "checkpoint root",
				tamper:   func() { exec("UPDATE log_checkpoints SET root = ? WHERE size = ?", forged, 20) },
				restore:  func() { exec("UPDATE log_checkpoints SET root = ? WHERE size = ?", refRoot(hashes[:20]), 20) },
				want:     tlog.MismatchError{Kind: "checkpoint", Index: 20},
				proveIdx: -1,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.tamper()
				defer tc.restore()
				err := db.VerifyLog(ctx, verifier)
				var me *tlog.MismatchError
				if !errors.As(err, &me) {
					t.Fatalf("VerifyLog = %v, want a mismatch", err)
				}
				if me.Kind != tc.want.Kind || me.Level != tc.want.Level || me.Index != tc.want.Index {
					t.Fatalf("VerifyLog found %q level %d index %d, want %q level %d index %d (%v)",
						me.Kind, me.Level, me.Index, tc.want.Kind, tc.want.Level, tc.want.Index, err)
				}
				if ucx.ErrorCode(err) != ucx.EINTERNAL {
					t.Errorf("code %q, want internal", ucx.ErrorCode(err))
				}
				if tc.proveIdx >= 0 {
					p, err := db.InclusionProof(ctx, tc.proveIdx, size)
					if err != nil {
						t.Fatal(err)
					}
					if err := cp.VerifyInclusion(tc.proveIdx, hashes[tc.proveIdx], p); err == nil {
						t.Fatalf("a proof through the tampered hash still verifies")
					}
				}
			})
		}
		if err := db.VerifyLog(ctx, verifier); err != nil {
			t.Fatalf("VerifyLog after restoring: %v", err)
		}
		// A checkpoint signed by another key is caught by the signature.
		other, _ := tlog.NewSigner(testOrigin, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize)))
		forgedCP, err := tlog.Checkpoint{Origin: testOrigin, Size: size, Root: cp.Root}.Sign(other)
		if err != nil {
			t.Fatal(err)
		}
		exec("UPDATE log_checkpoints SET note = ? WHERE size = ?", forgedCP.Note, size)
		if err := db.VerifyLog(ctx, verifier); err == nil {
			t.Fatal("VerifyLog accepted a checkpoint signed by another key")
		}
	})
}

// TestLog_ConcurrentAppenders appends from several goroutines while
// integrating, through two separate pools on one database (two `ucx serve`
// processes): every index 0..n-1 must be handed out exactly once and the
// tree must match its entries.
func TestLog_ConcurrentAppenders(t *testing.T) {
	run := func(t *testing.T, dbs [2]*sqlstore.DB) {
		ctx := context.Background()
		signer, verifier := testLogKeys(t)
		const workers, each = 6, 40
		var (
			mu      sync.Mutex
			entries = map[int64][]byte{}
			wg      sync.WaitGroup
			errs    = make(chan error, workers+2)
		)
		stop := make(chan struct{})
		for i := range 2 { // an integrator per "server"
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := dbs[i].IntegrateLog(ctx, signer); err != nil {
						errs <- err
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()
		}
		var appenders sync.WaitGroup
		for w := range workers {
			appenders.Add(1)
			go func() {
				defer appenders.Done()
				db := dbs[w%2]
				for j := range each {
					e := fmt.Appendf(nil, "worker %d entry %d", w, j)
					var idx int64
					err := db.Update(ctx, "test", func(tx *sqlstore.Tx) (err error) {
						idx, err = tx.AppendLeaf(ctx, e)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if _, dup := entries[idx]; dup {
						errs <- fmt.Errorf("index %d handed out twice", idx)
					}
					entries[idx] = e
					mu.Unlock()
				}
			}()
		}
		appenders.Wait()
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		cp, err := dbs[1].IntegrateLog(ctx, signer)
		if err != nil {
			t.Fatal(err)
		}
		const n = workers * each
		if len(entries) != n || cp.Size != n {
			t.Fatalf("%d distinct indices, tree of %d; want %d", len(entries), cp.Size, n)
		}
		leaves := make([][]byte, n)
		for i := range int64(n) {
			e, ok := entries[i]
			if !ok {
				t.Fatalf("index %d never handed out", i)
			}
			leaves[i] = rfc6962.DefaultHasher.HashLeaf(e)
		}
		if want := refRoot(leaves); string(cp.Root) != string(want) {
			t.Fatalf("root %x, want %x", cp.Root, want)
		}
		if err := dbs[0].VerifyLog(ctx, verifier); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ucx.db")
		run(t, [2]*sqlstore.DB{openMigrated(t, path), openMigrated(t, path)})
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("UCX_TEST_POSTGRES") == "" {
			t.Skip("PostgreSQL half skipped: set UCX_TEST_POSTGRES to a DSN to run it")
		}
		dsn := freshPostgresSchema(t)
		run(t, [2]*sqlstore.DB{openMigrated(t, dsn), openMigrated(t, dsn)})
	})
}

func openMigrated(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// Benchmarks, on a SQLite file as `ucx serve` uses it. Run them together,
// so that every figure comes from the same run, driver and machine:
//
//	go test ./sqlstore -run '^$' -bench Log -benchtime 5s
func benchDB(b *testing.B) *sqlstore.DB {
	return openMigrated(b, filepath.Join(b.TempDir(), "bench.db"))
}

// logInterval is how often `ucx serve` integrates the log
// (defaultLogInterval in cmd/ucx/log.go).
const logInterval = 500 * time.Millisecond

// benchCallers is how many callers append at once in the batched
// benchmarks, as concurrent requests do in `ucx serve`.
const benchCallers = 64

// benchBatcher runs changes from concurrent callers several to a
// transaction, each in a savepoint of its own, as the store's group commit
// (group.go) runs filings: a committer takes a change, yields once so that
// running callers can queue theirs, takes what is waiting up to
// benchMaxGroup and commits them together. A caller returns after the
// COMMIT that holds its change.
type benchBatcher struct {
	db   *sqlstore.DB
	jobs chan *benchJob
	quit chan struct{}
	done chan struct{}
	// commits and changes count transactions and the changes in them.
	commits, changes int64
}

// benchMaxGroup is group.go's maxGroup.
const benchMaxGroup = 128

type benchJob struct {
	fn        func(ctx context.Context, tx *sqlstore.Tx) error
	err       error
	committed time.Time // when the COMMIT holding it returned
	done      chan struct{}
}

func startBatcher(db *sqlstore.DB) *benchBatcher {
	bt := &benchBatcher{db: db, jobs: make(chan *benchJob), quit: make(chan struct{}), done: make(chan struct{})}
	go bt.loop()
	return bt
}

func (bt *benchBatcher) stop() { close(bt.quit); <-bt.done }

// run runs fn in a batch and returns when the batch has committed.
func (bt *benchBatcher) run(fn func(ctx context.Context, tx *sqlstore.Tx) error) (time.Time, error) {
	j := &benchJob{fn: fn, done: make(chan struct{})}
	bt.jobs <- j
	<-j.done
	return j.committed, j.err
}

func (bt *benchBatcher) loop() {
	defer close(bt.done)
	ctx := context.Background()
	batch := make([]*benchJob, 0, benchMaxGroup)
	for {
		select {
		case j := <-bt.jobs:
			batch = append(batch[:0], j)
		case <-bt.quit:
			return
		}
		runtime.Gosched()
	fill:
		for len(batch) < benchMaxGroup {
			select {
			case j := <-bt.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		err := bt.db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
			for _, j := range batch {
				if _, err := tx.Exec(ctx, "SAVEPOINT grouped"); err != nil {
					return err
				}
				if j.err = j.fn(ctx, tx); j.err != nil {
					if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT grouped"); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT grouped"); err != nil {
					return err
				}
			}
			return nil
		})
		now := time.Now()
		bt.commits++
		bt.changes += int64(len(batch))
		for _, j := range batch {
			if err != nil {
				j.err = err
			}
			j.committed = now
			close(j.done)
		}
		clear(batch)
	}
}

func (bt *benchBatcher) reportGroup(b *testing.B) {
	if bt.commits > 0 {
		b.ReportMetric(float64(bt.changes)/float64(bt.commits), "per-commit")
	}
}

func createRawTable(b *testing.B, db *sqlstore.DB) {
	ctx := context.Background()
	if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE raw (id BIGINT PRIMARY KEY, hash BLOB NOT NULL, body BLOB NOT NULL, created_at BIGINT NOT NULL)")
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLogRawInsert is the baseline: a row of the same size as a log
// entry into a plain table through the same driver, one transaction each
// (one-per-tx) and batched from concurrent callers as appends are
// (batched).
func BenchmarkLogRawInsert(b *testing.B) {
	entry := make([]byte, 300)
	h := tlog.LeafHash(entry)
	b.Run("one-per-tx", func(b *testing.B) {
		db := benchDB(b)
		ctx := context.Background()
		createRawTable(b, db)
		for i := 0; b.Loop(); i++ {
			if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO raw (id, hash, body, created_at) VALUES (?, ?, ?, ?)", i, h, entry, 0)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("batched", func(b *testing.B) {
		db := benchDB(b)
		createRawTable(b, db)
		bt := startBatcher(db)
		defer bt.stop()
		var next atomic.Int64
		b.SetParallelism(benchCallers / runtime.GOMAXPROCS(0))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				if _, err := bt.run(func(ctx context.Context, tx *sqlstore.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO raw (id, hash, body, created_at) VALUES (?, ?, ?, ?)", i, h, entry, 0)
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		bt.reportGroup(b)
	})
}

// BenchmarkLogAppend appends one 300-byte entry per transaction, as
// documents do.
func BenchmarkLogAppend(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	entry := make([]byte, 300)
	for b.Loop() {
		if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
			_, err := tx.AppendLeaf(ctx, entry)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkLogIntegrate times integration alone: batches of 10,000 leaves
// (a busy second's worth) appended untimed, then integrated and signed.
func BenchmarkLogIntegrate(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	signer, _ := testLogKeys(b)
	entry := make([]byte, 300)
	const batch = 10_000
	var total time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
			for range batch {
				if _, err := tx.AppendLeaf(ctx, entry); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := db.IntegrateLog(ctx, signer); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		n += batch
	}
	b.ReportMetric(float64(n)/total.Seconds(), "entries/s")
}

// BenchmarkLogAppendAndIntegrate is the whole path: 300-byte entries
// appended from concurrent callers while an integrator checkpoints them
// every logInterval, as `ucx serve` does. It reports
//
//   - integrated-entries/s: entries appended and covered by a signed,
//     committed checkpoint, per second of wall time from the first append
//     to the checkpoint covering the last (no integration is forced at the
//     end: the run waits for the integrator's next turn);
//   - commit-to-cp-p50-ms and -p90-ms: for each entry, the time from the
//     COMMIT holding it to the COMMIT of the first checkpoint covering it;
//   - per-commit: entries per append transaction.
//
// Sub-benchmarks: one-per-tx appends each entry in its own transaction, as
// documents are written today; batched groups them as group commit does
// filings, with callers as fast as they go; steady-10000/s is batched with
// entries arriving at a steady 10,000 a second (the target), where
// the latency figures mean most.
//
// The integrator is RunLogIntegrator's loop (a ticker at logInterval around
// IntegrateLog) written out here so that each checkpoint's size and the
// time its IntegrateLog returned, after its commit, are known.
func BenchmarkLogAppendAndIntegrate(b *testing.B) {
	b.Run("one-per-tx", func(b *testing.B) { benchAppendAndIntegrate(b, false, 0) })
	b.Run("batched", func(b *testing.B) { benchAppendAndIntegrate(b, true, 0) })
	b.Run("steady-10000/s", func(b *testing.B) { benchAppendAndIntegrate(b, true, 10_000) })
}

type benchCheckpoint struct {
	size int64
	at   time.Time
}

func benchAppendAndIntegrate(b *testing.B, batched bool, rate float64) {
	db := benchDB(b)
	ctx := context.Background()
	signer, _ := testLogKeys(b)
	entry := make([]byte, 300)
	n := int64(b.N)
	committed := make([]time.Time, n) // by leaf index

	// The integrator.
	var cps []benchCheckpoint
	covered := make(chan struct{})
	ictx, cancel := context.WithCancel(ctx)
	idone := make(chan struct{})
	go func() {
		defer close(idone)
		t := time.NewTicker(logInterval)
		defer t.Stop()
		for {
			cp, err := db.IntegrateLog(ictx, signer)
			at := time.Now()
			if err != nil {
				if ictx.Err() == nil {
					b.Error(err)
				}
				return
			}
			if len(cps) == 0 || cp.Size > cps[len(cps)-1].size {
				cps = append(cps, benchCheckpoint{cp.Size, at})
			}
			if cp.Size >= n {
				close(covered)
				return
			}
			select {
			case <-ictx.Done():
				return
			case <-t.C:
			}
		}
	}()
	defer func() { cancel(); <-idone }()

	appendOne := func(ctx context.Context, tx *sqlstore.Tx) (int64, error) { return tx.AppendLeaf(ctx, entry) }
	var bt *benchBatcher
	if batched {
		bt = startBatcher(db)
		defer bt.stop()
	}
	submit := func() error {
		var idx int64
		var at time.Time
		var err error
		if bt != nil {
			at, err = bt.run(func(ctx context.Context, tx *sqlstore.Tx) (err error) {
				idx, err = appendOne(ctx, tx)
				return err
			})
		} else {
			err = db.Update(ctx, "bench", func(tx *sqlstore.Tx) (err error) {
				idx, err = appendOne(ctx, tx)
				return err
			})
			at = time.Now()
		}
		if err == nil {
			committed[idx] = at
		}
		return err
	}

	var next atomic.Int64
	callers := 1
	switch {
	case rate > 0:
		// Enough callers that arrivals are never held up waiting for one
		// to be free (rate × a commit's latency, with room to spare).
		callers = 1024
	case batched:
		callers = benchCallers
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
				}
				if err := submit(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	appended := time.Since(start)
	select {
	case <-covered:
	case <-idone:
		b.Fatal("the integrator stopped before covering every entry")
	}
	b.StopTimer()
	<-idone

	// Each entry's wait: from its commit to the first checkpoint covering it.
	waits := make([]time.Duration, 0, n)
	c := 0
	for idx, at := range committed {
		for cps[c].size <= int64(idx) {
			c++
		}
		waits = append(waits, cps[c].at.Sub(at))
	}
	slices.Sort(waits)
	pct := func(p float64) float64 {
		return float64(waits[int(p*float64(len(waits)-1))]) / float64(time.Millisecond)
	}
	last := cps[len(cps)-1].at
	b.ReportMetric(float64(n)/last.Sub(start).Seconds(), "integrated-entries/s")
	b.ReportMetric(float64(n)/appended.Seconds(), "appended-entries/s")
	b.ReportMetric(pct(0.5), "commit-to-cp-p50-ms")
	b.ReportMetric(pct(0.9), "commit-to-cp-p90-ms")
	if bt != nil {
		bt.reportGroup(b)
	} else {
		b.ReportMetric(1, "per-commit")
	}
}

// BenchmarkLogInclusionProof serves inclusion proofs of random leaves in a
// tree of 100,000 from the store, from parallel readers.
func BenchmarkLogInclusionProof(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	signer, _ := testLogKeys(b)
	const size = 100_000
	if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
		for i := range size {
			if _, err := tx.AppendLeaf(ctx, entryFor(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	cp, err := db.IntegrateLog(ctx, signer)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if _, err := db.InclusionProof(ctx, r.Int64N(size), cp.Size); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
}

// TestLog_VerifyLogWhileIntegrating re-derives the log over and over while
// entries are appended and integrated, as `ucx serve` does on its schedule:
// a log growing under the check is never reported as a mismatch (a
// checkpoint newer than the size read at the start is not "beyond the
// tree").
func TestLog_VerifyLogWhileIntegrating(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		signer, verifier := testLogKeys(t)
		appendEntries(t, db, 0, 10)
		if _, err := db.IntegrateLog(ctx, signer); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 10; i < 70; i++ {
				appendEntries(t, db, i, 1)
				if _, err := db.IntegrateLog(ctx, signer); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		checks := 0
		for running := true; running; checks++ {
			select {
			case <-done:
				running = false
			default:
			}
			if err := db.VerifyLog(ctx, verifier); err != nil {
				t.Fatalf("VerifyLog during integration (check %d): %v", checks, err)
			}
		}
		if checks < 2 {
			t.Fatalf("only %d checks ran while the log grew", checks)
		}
	})
}
