package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
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
	// and schema are checked. `ucx restore` passes the transparency log's
	// verification (VerifyLog) and VerifyDocuments, which need the log
	// key and say what they checked; they are options rather than built
	// in because only the caller knows the key. Whether a backup is
	// older than what the log already published is not something the
	// backup can tell about itself: the log monitor's saved state does
	// (`ucx log monitor` reports it as a rollback).
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

// syncDir makes a rename in dir durable. A platform that cannot open a
// directory (Windows) has no directory fsync to do; one that opens it but
// fails to sync it has not made the rename durable, and says so.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// VerifyDocuments checks every stored sealed document as an outside
// verifier would, against nothing but what the store holds: the newest
// trust list, which must be sealed by the stored root key (keys are never
// deleted, only revoked, so it lists every key that ever sealed), and
// each document's envelope against it — integrity (the document is the
// one sealed, every signature holds) and issuer (each key is on the list,
// belongs to the organisation its seal names and was valid when sealed,
// and the document's own organisation sealed it). Expiry and revocation
// of keys are judged at the time the document was stored, as the API's
// verification does, so a seal made before its key was revoked stays
// valid; a revoked document is not a failure, since revoking is
// recorded, not an alteration. It also checks that each document is
// stored under the digest its envelope seals and that its transparency-
// log leaf names that digest: an envelope swapped between rows, or a leaf
// edited to point elsewhere, verifies on its own but not here.
//
// It needs no key-encryption key (it reads only public keys) and returns
// the number of documents checked. The first failure is EINTERNAL naming
// the document; a store that has documents but no root key or trust list
// fails too.
func (db *DB) VerifyDocuments(ctx context.Context) (int, error) {
	const op = "sqlstore.VerifyDocuments"
	fail := func(format string, args ...any) (int, error) {
		return 0, &ucx.Error{Code: ucx.EINTERNAL, Op: op, Message: fmt.Sprintf(format, args...)}
	}
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM documents").Scan(&n); err != nil {
		return 0, db.wrap(op, err)
	}
	if n == 0 {
		return 0, nil
	}
	var rootPEM string
	var listEnv []byte
	err := db.read.QueryRowContext(ctx, "SELECT public_key_pem FROM trust_root WHERE id = 1").Scan(&rootPEM)
	if err == nil {
		err = db.read.QueryRowContext(ctx, "SELECT envelope FROM trust_lists ORDER BY sequence DESC LIMIT 1").Scan(&listEnv)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fail("the store holds %d sealed documents but no root key or trust list to verify them with", n)
	case err != nil:
		return 0, db.wrap(op, err)
	}
	root, err := seal.ParsePublicKeyPEM([]byte(rootPEM))
	if err != nil {
		return fail("the stored root public key cannot be read: %s", ucx.ErrorMessage(err))
	}
	list, err := seal.ParseTrustList(listEnv, root)
	if err != nil {
		return fail("the newest trust list is not sealed by the stored root key %s: %s", root.ID(), ucx.ErrorMessage(err))
	}

	rows, err := db.read.QueryContext(ctx, `SELECT d.digest, d.kind, d.entity_id, d.org_id, d.envelope, d.created_at, d.log_index, l.entry
		FROM documents d LEFT JOIN log_leaves l ON l.idx = d.log_index ORDER BY d.created_at, d.digest`)
	if err != nil {
		return 0, db.wrap(op, err)
	}
	defer rows.Close()
	checked := 0
	for rows.Next() {
		var digest, kind string
		var entityID, orgID, created int64
		var env, entry []byte
		var idx sql.NullInt64
		if err := rows.Scan(&digest, &kind, &entityID, &orgID, &env, &created, &idx, &entry); err != nil {
			return 0, db.wrap(op, err)
		}
		name := fmt.Sprintf("document sha256:%s (%s of %d, organisation %d)", digest, kind, entityID, orgID)
		r := list.Verify(env, seal.Options{RequireOrgs: []string{orgRef(orgID)}, LoggedAt: fromMicros(created)})
		// Integrity first (an edited document is "tampered", not
		// "another document"), then the row's own digest (an intact
		// envelope in the wrong row), then the issuer.
		if v := r.Integrity; !v.OK() {
			return fail("%s: integrity check failed (%s): %s", name, v.Reason, v.Detail)
		}
		if got := hex.EncodeToString(r.Digest[:]); got != digest {
			return fail("%s: its envelope seals another document, sha256:%s", name, got)
		}
		if v := r.Issuer; !v.OK() {
			return fail("%s: issuer check failed (%s): %s", name, v.Reason, v.Detail)
		}
		if idx.Valid {
			if entry == nil {
				return fail("%s: its transparency-log leaf %d is missing", name, idx.Int64)
			}
			leaf, err := ParseDocumentLeaf(entry)
			if err != nil || leaf.Digest != "sha256:"+digest {
				return fail("%s: its transparency-log leaf %d names another document", name, idx.Int64)
			}
		}
		checked++
	}
	if err := rows.Err(); err != nil {
		return 0, db.wrap(op, err)
	}
	return checked, nil
}
