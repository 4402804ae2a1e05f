package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// The store helpers are sqlstoretest's, the one set every package's tests
// use, under the names this package's tests call them by: engines runs a
// test on SQLite and (with UCX_TEST_POSTGRES) PostgreSQL, each with a
// fresh migrated store; MustOpenDB opens one; freshPostgresSchema makes a
// PostgreSQL schema of the test's own.
var (
	engines             = sqlstoretest.Engines
	MustOpenDB          = sqlstoretest.MustOpen
	freshPostgresSchema = sqlstoretest.FreshPostgres
)

func TestMigrate_IsIdempotentAndCheckSchemaPasses(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema after Migrate: %v", err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCheckSchema_RefusesUnmigratedDatabase(t *testing.T) {
	db, err := sqlstore.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.CheckSchema(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ucx migrate") {
		t.Fatalf("CheckSchema on an empty database = %v, want an error telling to run ucx migrate", err)
	}
}
