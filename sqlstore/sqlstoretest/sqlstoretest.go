// Package sqlstoretest is the one set of store helpers for the tests of
// every package: both engines from one call (Engines), a fresh migrated
// store (MustOpen), a fresh database to hand a server or a command by its
// DSN (DSNs), and a PostgreSQL schema of its own per test (PostgresDSN), so
// the same suite runs on SQLite and PostgreSQL without tests seeing each
// other's rows; and the one world fixture (World, NewWorld) the store's,
// the API's and the UI's tests seed. It is imported only by tests, never by package sqlstore's
// own (internal) tests, which would make a cycle.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/ucxdev/ucx/sqlstore"
)

// EnvPostgres names the variable holding the PostgreSQL server the
// PostgreSQL half runs on (CI sets it), e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgres = "UCX_TEST_POSTGRES"

// skipMessage is what a skipped PostgreSQL half says.
const skipMessage = "PostgreSQL half skipped: set " + EnvPostgres + " to a DSN to run it"

// Engines runs fn once per engine, each with a fresh, migrated store
// (MustOpen): SQLite always, PostgreSQL when UCX_TEST_POSTGRES holds a DSN
// (skipped, saying so, when it does not).
func Engines(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpen(t, sqlstore.SQLite)) })
	t.Run("postgres", func(t *testing.T) {
		SkipWithoutPostgres(t)
		fn(t, MustOpen(t, sqlstore.Postgres))
	})
}

// DSNs runs fn once per engine with the DSN of a fresh, empty database,
// for tests that open the store themselves (a server, a command): a
// SQLite file in the test's temporary directory, and a PostgreSQL schema
// of its own when UCX_TEST_POSTGRES is set.
func DSNs(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "ucx.db")) })
	t.Run("postgres", func(t *testing.T) {
		SkipWithoutPostgres(t)
		fn(t, FreshPostgres(t))
	})
}

// MustOpen opens a fresh, migrated store on the engine, closed when the
// test ends: a private in-memory SQLite, or a new PostgreSQL schema (the
// test is skipped without UCX_TEST_POSTGRES).
func MustOpen(tb testing.TB, engine sqlstore.Engine) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	dsn := ":memory:"
	if engine == sqlstore.Postgres {
		SkipWithoutPostgres(tb)
		dsn = FreshPostgres(tb)
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

// SkipWithoutPostgres skips the test, saying how to run it, unless
// UCX_TEST_POSTGRES is set.
func SkipWithoutPostgres(tb testing.TB) {
	tb.Helper()
	if os.Getenv(EnvPostgres) == "" {
		tb.Skip(skipMessage)
	}
}

// FreshPostgres is PostgresDSN on the server UCX_TEST_POSTGRES names.
func FreshPostgres(tb testing.TB) string {
	tb.Helper()
	return PostgresDSN(tb, os.Getenv(EnvPostgres))
}

// PostgresDSN creates a uniquely named schema on the PostgreSQL server at
// base (UCX_TEST_POSTGRES) and returns a DSN whose search_path points at it.
// The schema is dropped when the test ends.
func PostgresDSN(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("creating test schema: %v", err)
	}
	tb.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
