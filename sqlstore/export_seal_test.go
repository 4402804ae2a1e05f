package sqlstore

import (
	"context"

	"github.com/ucxdev/ucx/seal"
)

// StoredPrivateKey returns a custodial key's bytes as stored, for tests
// that prove they are ciphertext.
func StoredPrivateKey(ctx context.Context, db *DB, id string) ([]byte, error) {
	var ct []byte
	err := db.View(ctx, "test.StoredPrivateKey", func(tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT private_key FROM keys WHERE id = ?", id).Scan(&ct)
	})
	return ct, err
}

// OpenStoredKey decrypts a custodial key with the store's KEK, for tests
// that prove the ciphertext holds the key and nothing else opens it.
func OpenStoredKey(db *DB, ct []byte, id string) (*seal.PrivateKey, error) {
	return db.seals.privateKey(ct, id)
}
