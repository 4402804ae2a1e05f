package sqlstore_test

import (
	"context"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// Text the database cannot store (PostgreSQL refuses NUL and non-UTF-8) is
// the client's mistake, answered EINVALID — never an internal error.
func TestText_UnstorableCharactersAreInvalidNotInternal(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, name := range []string{"NUL\x00inside", "gbk \xc9\xfa"} {
			err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO orgs (kind, name, created_at) VALUES (?, ?, ?)", "exporter", name, 0)
				return err
			})
			t.Logf("%q → %v", name, ucx.ErrorCode(err))
			if code := ucx.ErrorCode(err); code == ucx.EINTERNAL {
				t.Fatalf("storing %q: %v is internal; want invalid", name, err)
			}
			if err != nil && ucx.ErrorCode(err) != ucx.EINVALID {
				t.Fatalf("storing %q: code %q, want invalid", name, ucx.ErrorCode(err))
			}
		}
	})
}
