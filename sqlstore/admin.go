package sqlstore

import "context"

// Empty reports whether the store holds no organisation yet: `ucx serve
// --demo` seeds only an empty store, so a restart never duplicates the
// demo world.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	err := db.View(ctx, "sqlstore.Empty", func(tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs").Scan(&n)
	})
	return n == 0, err
}
