// Package sqlstore is ucx's one SQL store, for two engines: SQLite in a
// single file (the default; `ucx serve` needs nothing else) and PostgreSQL
// (the scale-out engine, shared by several `ucx serve` processes).
//
// The SQL is hand-written and portable. What differs between the engines is
// kept in one small seam, the dialect: placeholders, driver error codes, and
// the DDL of the migrations (one folder per engine, shared numbering). Every
// state change runs in one transaction that also writes its audit event, so
// nothing half-done is ever visible.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
)

//go:embed migrations
var migrations embed.FS

// Engine names the database engine behind a DB.
type Engine string

// The two engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is the store. Its exported fields are set by the caller after Open and
// before use.
type DB struct {
	engine Engine
	dsn    string
	// write is the pool for read-write transactions. On SQLite it holds a
	// single connection: SQLite has one writer at a time anyway, and
	// queueing in Go is cheaper than spinning on SQLITE_BUSY.
	write *sql.DB
	// read serves read-only transactions; on PostgreSQL it is write.
	read *sql.DB

	rebound sync.Map // query text with ? → $n, for PostgreSQL

	// group runs concurrent filings in shared transactions (group.go).
	group *groupCommitter

	// Now is the clock; tests replace it. Every transaction reads it once,
	// so a state change and its audit event share one instant.
	Now func() time.Time
	// Policy decides applications; Open sets the embedded default.
	Policy *policy.Policy
	// LicenceValidityDays, when set, overrides the policy's licence
	// validity (Policy.LicenceValidUntil: reported as six months, not
	// crossing the calendar year, R15) with a number of days after the
	// issue date; 0 means the policy's rule.
	LicenceValidityDays int

	// seals holds the platform root key and the key-encryption key once
	// UseKEK has run; nil means documents are stored unsealed (keys.go).
	seals *sealer
}

// Open opens the store named by dsn: a postgres:// or postgresql:// URL, or
// else a SQLite file path (":memory:" for a private in-memory database). It
// does not migrate; call Migrate, or CheckSchema to refuse an old schema.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: dsn, Now: time.Now, Policy: policy.Default()}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.engine = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, ucx.Internal("sqlstore.Open", err)
		}
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	} else {
		db.engine = SQLite
		if err := db.openSQLite(dsn); err != nil {
			return nil, err
		}
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, &ucx.Error{Code: ucx.EUNAVAILABLE, Op: "sqlstore.Open", Message: "cannot reach the database", Err: err}
	}
	db.startGroupCommit()
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	// WAL lets readers run beside the writer; foreign keys are off by
	// default in SQLite and must be asked for on every connection;
	// _txlock=immediate takes the write lock at BEGIN so two writers never
	// deadlock upgrading a read lock; synchronous=NORMAL is durable across
	// process crashes in WAL mode (only an OS crash can lose the last
	// commits, never corrupt the file); _stmt_cache_size keeps each
	// connection's prepared statements, since every query is a constant
	// string and preparing costs as much as running it (a token lookup
	// takes half the time).
	common := "_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&cache=private&_stmt_cache_size=128"
	if path == ":memory:" {
		// One shared in-memory database for both pools.
		name := fmt.Sprintf("file:ucxmem%d?mode=memory&cache=shared&_foreign_keys=on&_busy_timeout=10000&_stmt_cache_size=128", memSeq.Add())
		w, err := sql.Open("sqlite3", name+"&_txlock=immediate")
		if err != nil {
			return ucx.Internal("sqlstore.Open", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		db.write, db.read = w, w
		return nil
	}
	base := "file:" + url.PathEscape(path) + "?" + common + "&_journal_mode=WAL"
	w, err := sql.Open("sqlite3", base+"&_txlock=immediate")
	if err != nil {
		return ucx.Internal("sqlstore.Open", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite3", base+"&mode=ro")
	if err != nil {
		w.Close()
		return ucx.Internal("sqlstore.Open", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.write, db.read = w, r
	return nil
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) Add() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

var memSeq counter

// Engine reports which engine the store runs on.
func (db *DB) Engine() Engine { return db.engine }

// Close closes the store's connections.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.stop()
	}
	if db.read != nil && db.read != db.write {
		db.read.Close()
	}
	if db.write != nil {
		return db.write.Close()
	}
	return nil
}

// Ping reports whether the store answers; /healthz uses it.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &ucx.Error{Code: ucx.EUNAVAILABLE, Op: "sqlstore.Ping", Message: "the database does not answer", Err: err}
	}
	return nil
}

// q rewrites a query written with ? placeholders for the engine. PostgreSQL
// wants $1, $2 …; the rewrite is cached per query text.
func (db *DB) q(query string) string {
	if db.engine != Postgres {
		return query
	}
	if s, ok := db.rebound.Load(query); ok {
		return s.(string)
	}
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '?' && !inStr {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	db.rebound.Store(query, s)
	return s
}

// Tx is a transaction with the instant it started: every row it writes and
// its audit event carry that one time.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
	// routes caches routeVIN by WMI in a group transaction (group.go),
	// which changes no WMI or organisation; nil elsewhere.
	routes map[string]int64
	// batch, when set, gathers the announcements of the transaction's
	// events so that a batch operation tells each party once
	// (announceBatch); nil announces each event as it is written.
	batch *announceBatch
}

// Now returns the transaction's instant.
func (tx *Tx) Now() time.Time { return tx.now }

// Exec runs a statement written with ? placeholders. Its text arguments
// must pass ucx's text rule (checkArgs), on both engines alike.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkArgs(query, args); err != nil {
		return nil, err
	}
	return tx.tx.ExecContext(ctx, tx.db.q(query), args...)
}

// Query runs a query written with ? placeholders. Its text arguments must
// pass ucx's text rule (checkArgs).
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := checkArgs(query, args); err != nil {
		return nil, err
	}
	return tx.tx.QueryContext(ctx, tx.db.q(query), args...)
}

// QueryRow runs a single-row query written with ? placeholders.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.q(query), args...)
}

// Prepare prepares a statement for a batch loop.
func (tx *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, tx.db.q(query))
}

// InsertID runs an INSERT … RETURNING id (both engines support RETURNING)
// and returns the new id. Its text arguments must pass ucx's text rule
// (checkArgs).
func (tx *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	if err := checkArgs(query, args); err != nil {
		return 0, err
	}
	var id int64
	err := tx.tx.QueryRowContext(ctx, tx.db.q(query+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// Update runs the transaction fn as a read-write transaction and commits it
// if fn returns nil. A transaction that lost a serialisation race or found
// the database busy is retried a few times, so callers see ECONFLICT only
// for real conflicts.
func (db *DB) Update(ctx context.Context, op string, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.run(ctx, db.write, false, fn)
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return db.wrap(op, err)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, op string, fn func(*Tx) error) error {
	return db.wrap(op, db.run(ctx, db.read, true, fn))
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) error {
	var opts *sql.TxOptions
	if readOnly && db.engine == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return err
	}
	return stx.Commit()
}

// retryable reports whether err is a transient engine condition.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization_failure, deadlock_detected
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}

// wrap normalises driver errors by code (never by message text): unique
// violations become ECONFLICT, foreign-key violations EINVALID, an
// unreachable database EUNAVAILABLE, and anything else EINTERNAL. Errors
// that are already ucx errors pass through.
func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ue *ucx.Error
	if errors.As(err, &ue) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &ucx.Error{Code: ucx.EUNAVAILABLE, Op: op, Message: "the request was cancelled or timed out", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &ucx.Error{Code: ucx.ECONFLICT, Op: op, Message: "a record with the same key exists already", Err: err}
		case "23503":
			return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "a referenced record does not exist", Err: err}
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "the text contains a character the database cannot store (a NUL, or bytes that are not UTF-8); remove it and send it again", Err: err}
		case "40001", "40P01":
			return &ucx.Error{Code: ucx.ECONFLICT, Op: op, Message: "a concurrent change won; retry", Err: err}
		}
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return &ucx.Error{Code: ucx.ECONFLICT, Op: op, Message: "a record with the same key exists already", Err: err}
		case sqlite3.ErrConstraintForeignKey:
			return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "a referenced record does not exist", Err: err}
		}
		if se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked {
			return &ucx.Error{Code: ucx.EUNAVAILABLE, Op: op, Message: "the database is busy; retry", Err: err}
		}
	}
	return ucx.Internal(op, err)
}

// migrationFiles lists the engine's migrations in version order.
func (db *DB) migrationFiles() ([]string, error) {
	dir := "migrations/" + string(db.engine)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// SchemaVersion is the number of the newest migration this binary knows.
func (db *DB) SchemaVersion() int {
	names, _ := db.migrationFiles()
	if len(names) == 0 {
		return 0
	}
	v, _ := migrationVersion(names[len(names)-1])
	return v
}

func migrationVersion(name string) (int, error) {
	base := name[strings.LastIndex(name, "/")+1:]
	i := strings.IndexByte(base, '_')
	if i < 0 {
		return 0, fmt.Errorf("migration %s: name must be NNNN_what.sql", base)
	}
	return strconv.Atoi(base[:i])
}

// Migrate applies every migration not yet applied, each in its own
// transaction, recording it in schema_migrations. Several processes may
// call it at once on PostgreSQL: an advisory lock serialises them.
func (db *DB) Migrate(ctx context.Context) error {
	const op = "sqlstore.Migrate"
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return db.wrap(op, err)
	}
	names, err := db.migrationFiles()
	if err != nil {
		return ucx.Internal(op, err)
	}
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return ucx.Internal(op, err)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return ucx.Internal(op, err)
		}
		err = db.Update(ctx, op, func(tx *Tx) error {
			if db.engine == Postgres {
				if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7531)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				v, name[strings.LastIndex(name, "/")+1:], tx.now.UnixMicro())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckSchema refuses to run on a schema older (or newer) than this binary
// expects, telling the operator to run `ucx migrate`.
func (db *DB) CheckSchema(ctx context.Context) error {
	var have int
	err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&have)
	if err != nil {
		have = 0
	}
	want := db.SchemaVersion()
	switch {
	case have < want:
		return ucx.Errorf(ucx.EUNAVAILABLE, "the database schema is at version %d but this ucx needs %d; run `ucx migrate` first", have, want)
	case have > want:
		return ucx.Errorf(ucx.EUNAVAILABLE, "the database schema is at version %d, newer than this ucx (%d); upgrade ucx", have, want)
	}
	return nil
}
