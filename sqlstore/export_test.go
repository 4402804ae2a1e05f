package sqlstore

import "context"

// CountRows counts a table's rows, for tests that prove a refused change
// wrote nothing. table is a constant in the tests, never user input.
func CountRows(ctx context.Context, db *DB, table string) (int, error) {
	var n int
	err := db.View(ctx, "test.CountRows", func(tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	})
	return n, err
}

// Exec runs a statement, for tests that set up states the API cannot reach
// quickly (an expired filing, an expired licence).
func Exec(ctx context.Context, db *DB, query string, args ...any) error {
	return db.Update(ctx, "test.Exec", func(tx *Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}
