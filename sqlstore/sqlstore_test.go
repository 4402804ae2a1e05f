package sqlstore_test

import (
	"context"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ucxdev/ucx/sqlstore"
)

// engines runs fn once per engine: SQLite always, PostgreSQL when
// UCX_TEST_POSTGRES holds a DSN (CI sets it). Each run gets a fresh, migrated
// database: a private in-memory SQLite, or a new PostgreSQL schema dropped at
// the end of the test.
func engines(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenDB(t, sqlstore.SQLite)) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("UCX_TEST_POSTGRES") == "" {
			t.Skip("PostgreSQL half skipped: set UCX_TEST_POSTGRES to a DSN to run it")
		}
		fn(t, MustOpenDB(t, sqlstore.Postgres))
	})
}

// MustOpenDB opens a fresh, migrated store on the engine, closed when the
// test ends.
func MustOpenDB(tb testing.TB, engine sqlstore.Engine) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	dsn := ":memory:"
	if engine == sqlstore.Postgres {
		dsn = freshPostgresSchema(tb)
	}
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

// freshPostgresSchema creates a uniquely named schema and returns a DSN whose
// search_path points at it, so parallel tests never see each other's rows.
func freshPostgresSchema(tb testing.TB) string {
	tb.Helper()
	return sqlstoretest.PostgresDSN(tb, os.Getenv("UCX_TEST_POSTGRES"))
}

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
