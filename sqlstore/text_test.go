package sqlstore_test

import (
	"context"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// Text that breaks ucx's text rule (a NUL, bytes that are not UTF-8, a
// control character) is refused before either engine sees it: EINVALID
// naming the column, never an internal error, and nothing stored — the
// same answer on SQLite, which would store it, and PostgreSQL, which
// would refuse it naming nothing. Callers that bypass the API (an import,
// the demo) get it as well.
func TestText_UnstorableCharactersAreInvalidNamingTheColumnOnBothEngines(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, name := range []string{"NUL\x00inside", "gbk \xc9\xfa", "bell\x07", "c1 \u0085"} {
			err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO orgs (kind, name, created_at) VALUES (?, ?, ?)", "exporter", name, 0)
				return err
			})
			if code, field := ucx.ErrorCode(err), ucx.ErrorField(err); code != ucx.EINVALID || field != "orgs.name" {
				t.Errorf("storing %q: %v (code %q, field %q), want invalid orgs.name", name, err, code, field)
			}
			err = db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
				_, err := tx.InsertID(ctx, "INSERT INTO orgs (kind, name, created_at) VALUES (?, ?, ?)", "exporter", name, 0)
				return err
			})
			if ucx.ErrorField(err) != "orgs.name" {
				t.Errorf("InsertID of %q: %v, want invalid orgs.name", name, err)
			}
		}
		var n int
		if err := db.View(ctx, "test", func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs").Scan(&n)
		}); err != nil || n != 0 {
			t.Fatalf("orgs stored: %d (%v), want none", n, err)
		}
	})
}
