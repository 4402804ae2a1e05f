package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestIdempotencyKey_ExpiresAfterTTL checks that a key replays within
// IdempotencyKeyTTL, by the store's clock, and is free again after it, even
// before the sweep deletes it; and that the sweep deletes only expired keys.
func TestIdempotencyKey_ExpiresAfterTTL(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		start := time.Now()
		db.Now = func() time.Time { return start }
		first, created, err := db.CreateApplication(ctx, w.ExpMember, w.Input(w.MakerWMI, oldReg), ucx.CreateOptions{IdempotencyKey: "k"})
		if err != nil || !created {
			t.Fatalf("first create: %v, created=%v", err, created)
		}
		other := w.Input(w.MakerWMI, oldReg)
		db.Now = func() time.Time { return start.Add(sqlstore.IdempotencyKeyTTL - time.Minute) }
		if _, _, err := db.CreateApplication(ctx, w.ExpMember, other, ucx.CreateOptions{IdempotencyKey: "k"}); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("same key, other body, within the TTL: %v; want ECONFLICT", err)
		}
		if _, _, err := db.CreateApplication(ctx, w.ExpMember, w.Input(w.MakerWMI, oldReg), ucx.CreateOptions{IdempotencyKey: "fresh"}); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return start.Add(sqlstore.IdempotencyKeyTTL + time.Minute) }
		again, created, err := db.CreateApplication(ctx, w.ExpMember, other, ucx.CreateOptions{IdempotencyKey: "k"})
		if err != nil || !created || again.ID == first.ID {
			t.Fatalf("same key, other body, after the TTL: %v, created=%v; want a new application", err, created)
		}
		replay, created, err := db.CreateApplication(ctx, w.ExpMember, other, ucx.CreateOptions{IdempotencyKey: "k"})
		if err != nil || created || replay.ID != again.ID {
			t.Fatalf("retry of the new filing: %v, created=%v; want it replayed", err, created)
		}
		// Only "fresh" has expired by now: "k" was taken over a minute ago.
		db.Now = func() time.Time { return start.Add(2*sqlstore.IdempotencyKeyTTL - 30*time.Second) }
		if n, err := db.ExpireIdempotencyKeys(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireIdempotencyKeys = %d, %v; want 1", n, err)
		}
		if n, err := sqlstore.CountRows(ctx, db, "idempotency_keys"); err != nil || n != 1 {
			t.Fatalf("keys left = %d, %v; want 1", n, err)
		}
	})
}
