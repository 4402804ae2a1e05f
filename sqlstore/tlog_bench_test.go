package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ucxdev/ucx/sqlstore"
)

// BenchmarkVerifyLog measures the re-derivation `ucx serve` runs at start
// and on its schedule (and `ucx restore` on a backup): VerifyLog over a log
// of UCX_BENCH_LOG_ENTRIES entries (default 100,000) of about 250 bytes, a
// document leaf's size, integrated a thousand at a time so that there are
// as many checkpoints to check as a busy server signs. It reads the log in
// chunks, so its memory (B/op) stays flat as the log grows.
func BenchmarkVerifyLog(b *testing.B) {
	n := 100_000
	if s := os.Getenv("UCX_BENCH_LOG_ENTRIES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, engine := range []sqlstore.Engine{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(fmt.Sprintf("%s/%d", engine, n), func(b *testing.B) {
			if engine == sqlstore.Postgres && os.Getenv("UCX_TEST_POSTGRES") == "" {
				b.Skip("set UCX_TEST_POSTGRES")
			}
			ctx := context.Background()
			var db *sqlstore.DB
			if engine == sqlstore.SQLite {
				// A file, as a server has, not the tests' in-memory store.
				var err error
				if db, err = sqlstore.Open(ctx, filepath.Join(b.TempDir(), "ucx.db")); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx); err != nil {
					b.Fatal(err)
				}
			} else {
				db = MustOpenDB(b, engine)
			}
			signer, verifier := testLogKeys(b)
			const perCheckpoint = 1000
			for start := 0; start < n; start += perCheckpoint {
				if err := db.Update(ctx, "bench", func(tx *sqlstore.Tx) error {
					for i := start; i < min(n, start+perCheckpoint); i++ {
						entry := fmt.Appendf(nil, `{"kind":"licence","digest":"sha256:%064x","org_id":%d,"orgs":[%d,%d],"entity_id":%d,"time":"2026-03-10T02:00:00Z","subject":"LGXC16DF6R%07d"}`, i, 10+i%7, 20+i%5, 30+i%3, i, i)
						if _, err := tx.AppendLeaf(ctx, entry); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.IntegrateLog(ctx, signer); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := db.VerifyLog(ctx, verifier); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
