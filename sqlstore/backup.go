package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ucxdev/ucx"
)

// PostgresBackupAdvice is what `ucx backup` says for a PostgreSQL store.
// PostgreSQL has its own consistent online backup (pg_dump takes one
// snapshot; physical backups and WAL archiving give point-in-time
// recovery); reimplementing either here would be worse than pointing the
// operator at them. docs/operations.md says the same at length.
const PostgresBackupAdvice = `ucx does not copy a PostgreSQL database itself: use PostgreSQL's own tools,
which take a consistent snapshot while ucx serve keeps running.

  backup:   pg_dump --format=custom --file=ucx-$(date +%F).dump "$UCX_DB"
  restore:  stop every ucx serve; createdb ucx_restored;
            pg_restore --dbname=ucx_restored --no-owner ucx-YYYY-MM-DD.dump;
            ucx migrate --db postgres://…/ucx_restored; point UCX_DB at it and start
  or:       pg_basebackup with WAL archiving for point-in-time recovery

(see docs/operations.md, "Backups")`

// Backup writes a consistent copy of the SQLite store to path while the
// store stays in use. It uses VACUUM INTO, which reads the database in one
// read transaction: in WAL mode writers carry on meanwhile, and the copy
// holds exactly the transactions committed when it began — never half of
// one, so every application has its audit events. The copy is compact (no
// free pages) and a plain SQLite file, with no -wal beside it.
//
// path must not exist: a backup never overwrites anything. On PostgreSQL
// Backup returns EINVALID with PostgresBackupAdvice.
func (db *DB) Backup(ctx context.Context, path string) error {
	const op = "sqlstore.Backup"
	if db.engine == Postgres {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: PostgresBackupAdvice}
	}
	if db.dsn == ":memory:" {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "an in-memory store has nothing to back up"}
	}
	if _, err := os.Stat(path); err == nil {
		return ucx.Errorf(ucx.ECONFLICT, "%s exists already; a backup never overwrites a file, so name a new one", path)
	}
	// The read pool's connections are read-only, and VACUUM INTO needs
	// only to read the source; using them leaves the one writer free.
	if _, err := db.read.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path) // a partial copy is worse than none
		return db.wrap(op, err)
	}
	return syncFile(path)
}

// RestoreCheck inspects a restored store before it replaces the target;
// an error stops the restore and leaves the target untouched.
type RestoreCheck func(ctx context.Context, db *DB) error

// RestoreOptions are the choices of Restore.
type RestoreOptions struct {
	// Force lets the restore replace an existing database file. The
	// server using it must be stopped first: SQLite cannot swap a file
	// under an open connection.
	Force bool
	// Checks run on the backup, opened as a store, after its integrity
	// and schema are checked. This is the hook for the transparency log
	// (sqlstore/tlog*.go): verifying the log from its first entry and
	// comparing its head with the last published checkpoint, so that an
	// older backup is reported as a rollback rather than accepted
	// silently. cmd/ucx passes them; none are built in yet.
	Checks []RestoreCheck
}

// Restore copies the SQLite backup at src to the database path dst, after
// checking that src is a whole ucx database: SQLite's integrity check
// passes, its schema is the one this binary expects (an older backup must
// be restored then migrated with `ucx migrate`), and opt.Checks pass. dst
// is replaced atomically (written beside it, synced, renamed), with any
// stale -wal and -shm files of the old database removed first so that
// SQLite cannot replay them into the restored file. An existing dst is
// refused with ECONFLICT unless opt.Force.
func Restore(ctx context.Context, src, dst string, opt RestoreOptions) error {
	const op = "sqlstore.Restore"
	if isPostgresDSN(dst) || isPostgresDSN(src) {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: PostgresBackupAdvice}
	}
	if _, err := os.Stat(src); err != nil {
		return &ucx.Error{Code: ucx.ENOTFOUND, Op: op, Message: fmt.Sprintf("the backup %s cannot be read", src), Err: err}
	}
	if _, err := os.Stat(dst); err == nil && !opt.Force {
		return ucx.Errorf(ucx.ECONFLICT, "%s exists; stop the server using it and pass --force to replace it with the backup", dst)
	}
	if err := checkBackup(ctx, src, opt.Checks); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	os.Remove(tmp)
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return ucx.Internal(op, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return ucx.Internal(op, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return ucx.Internal(op, err)
	}
	return syncDir(filepath.Dir(dst))
}

// checkBackup opens src read-only and checks it is a whole ucx database.
func checkBackup(ctx context.Context, src string, checks []RestoreCheck) error {
	const op = "sqlstore.Restore"
	raw, err := sql.Open("sqlite3", "file:"+src+"?mode=ro")
	if err != nil {
		return ucx.Internal(op, err)
	}
	var res string
	err = raw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	raw.Close()
	if err != nil || res != "ok" {
		if err == nil {
			err = errors.New(res)
		}
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: fmt.Sprintf("%s is not a sound SQLite database: %v", src, err), Err: err}
	}
	db, err := Open(ctx, src)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: fmt.Sprintf("%s: %s", src, ucx.ErrorMessage(err)), Err: err}
	}
	for _, check := range checks {
		if err := check(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

func isPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile flushes a finished file to disk, so that a backup reported
// written survives a power cut.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return ucx.Internal("sqlstore.Backup", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return ucx.Internal("sqlstore.Backup", err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil // not every platform lets a directory be opened
	}
	defer d.Close()
	d.Sync()
	return nil
}
