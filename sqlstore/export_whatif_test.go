package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// TableChecksum hashes every row of table in id order, every column, for
// tests that prove an operation wrote nothing at all: not a row added, not
// a column touched. table is a constant in the tests, never user input.
func TableChecksum(ctx context.Context, db *DB, table string) (string, error) {
	h := sha256.New()
	err := db.View(ctx, "test.TableChecksum", func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT * FROM "+table+" ORDER BY 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			h.Write([]byte{'\n'})
		}
		return rows.Err()
	})
	return hex.EncodeToString(h.Sum(nil)), err
}
