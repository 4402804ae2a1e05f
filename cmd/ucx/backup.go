package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

// restoreChecks are the checks `ucx restore` runs on a backup before it
// replaces the database, beyond SQLite's integrity check and the schema
// version (sqlstore.Restore): the transparency log is re-derived from its
// first entry (sqlstore.DB.VerifyLog), with every checkpoint's signature
// checked when the log key is at hand, and every sealed document is
// verified against the stored trust list (sqlstore.DB.VerifyDocuments). A
// backup that fails is refused, so a file damaged or edited since it was
// written never becomes the live store. What the checks found is written
// to out.
//
// keyPath is the log's private key file (--log-key); the checks derive
// the public verifier key from it and never write it. With keyPath empty
// the signatures are not checked, only the log's structure, and out says
// so. Whether the backup is older than what was already published is not
// something it can tell about itself: `ucx log monitor` with its saved
// state reports a server started on it as a rollback.
func restoreChecks(out io.Writer, keyPath, origin string) ([]sqlstore.RestoreCheck, error) {
	var verifier note.Verifier
	vkey := ""
	if keyPath != "" {
		// loadLogKey makes a key when the file is missing; a restore
		// must not, so a missing file is the operator's mistake.
		if _, err := os.Stat(keyPath); err != nil {
			return nil, usageErr(fmt.Errorf("--log-key: %w", err))
		}
		key, _, err := loadLogKey(keyPath)
		if err != nil {
			return nil, usageErr(err)
		}
		if vkey, err = tlog.VerifierKey(origin, key.Public().(ed25519.PublicKey)); err != nil {
			return nil, usageErr(fmt.Errorf("--log-origin: %s", ucx.ErrorMessage(err)))
		}
		if verifier, err = tlog.ParseVerifierKey(vkey); err != nil {
			return nil, err
		}
	}
	refuse := func(what string, err error) error {
		return ucx.Errorf(ucx.EINVALID, "the backup fails its check and was not restored: %s: %s", what, checkDetail(err))
	}
	checkLog := func(ctx context.Context, db *sqlstore.DB) error {
		size := int64(0)
		cp, err := db.LatestCheckpoint(ctx)
		switch {
		case err == nil:
			size = cp.Size
		case ucx.ErrorCode(err) != ucx.ENOTFOUND:
			return err
		}
		if err := db.VerifyLog(ctx, verifier); err != nil {
			// A mismatch is the data's fault; anything else with a key
			// given is most likely the key or origin not being this log's.
			var me *tlog.MismatchError
			if verifier != nil && !errors.As(err, &me) {
				err = fmt.Errorf("%s (are --log-key %s and --log-origin %s this log's?)", checkDetail(err), keyPath, origin)
			}
			return refuse("the transparency log", err)
		}
		if verifier == nil {
			fmt.Fprintf(out, "log: %d entries re-derived from the first; checkpoint signatures NOT checked (no log key: pass --log-key or set UCX_LOG_KEY)\n", size)
		} else {
			fmt.Fprintf(out, "log: %d entries re-derived from the first; every checkpoint signed by %s\n", size, vkey)
		}
		return nil
	}
	checkDocuments := func(ctx context.Context, db *sqlstore.DB) error {
		n, err := db.VerifyDocuments(ctx)
		if err != nil {
			return refuse("a sealed document", err)
		}
		fmt.Fprintf(out, "documents: %d sealed documents verified against the stored trust list (integrity and issuer) and their log leaves\n", n)
		return nil
	}
	return []sqlstore.RestoreCheck{checkLog, checkDocuments}, nil
}

// checkDetail is what a failed check found, without the "internal error"
// the store's verifiers wrap it in (they report a damaged store, which
// for a backup is the operator's to judge) and without saying it twice.
func checkDetail(err error) string {
	var ue *ucx.Error
	switch {
	case !errors.As(err, &ue):
		return err.Error()
	case ue.Message != "":
		return ue.Message
	case ue.Err != nil:
		return ue.Err.Error()
	}
	return err.Error()
}

func newBackupCmd() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "write a consistent copy of the SQLite store while ucx serve runs",
		Long: `Writes a consistent online copy of the SQLite store to FILE (which must not
exist) while ucx serve keeps running: the copy holds exactly the transactions
committed when it began. For PostgreSQL it prints how to use pg_dump instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := context.Background()
			if isPostgres(dsn) {
				io.WriteString(cmd.ErrOrStderr(), sqlstore.PostgresBackupAdvice+"\n")
				return &exitError{code: exitUsage}
			}
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				return storeErr(err)
			}
			defer db.Close()
			if err := db.CheckSchema(ctx); err != nil {
				return storeErr(err)
			}
			if err := db.Backup(ctx, args[0]); err != nil {
				return storeErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s\n", dsn, args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "db", envOr("UCX_DB", "ucx.db"), "SQLite file to back up (UCX_DB)")
	return cmd
}

func newRestoreCmd() *cobra.Command {
	var dsn, logKey, origin string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "replace the SQLite store with a backup, after checking the backup",
		Long: `Checks that FILE is a whole ucx database and copies it to --db. The checks:
SQLite's integrity check; the schema version; the transparency log, re-derived
from its first entry, with every checkpoint's signature checked against the log
key (--log-key, else the key ucx serve would use beside --db when it exists;
without one only the log's structure is checked, and restore says so); and every
sealed document, verified against the stored trust list and its log leaf. A
backup that fails any of them is refused (exit 2) and --db is left untouched.

An existing --db is replaced only with --force, and only after every ucx serve
using it has been stopped. ucx serve on the restored file needs the same log key
and --log-origin as before.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isPostgres(dsn) {
				io.WriteString(cmd.ErrOrStderr(), sqlstore.PostgresBackupAdvice+"\n")
				return &exitError{code: exitUsage}
			}
			keyPath := logKey
			if keyPath == "" {
				if p := logKeyPath(dsn); p != "" && p != "ucx-log.key" {
					if _, err := os.Stat(p); err == nil {
						keyPath = p
					}
				}
			}
			checks, err := restoreChecks(cmd.OutOrStdout(), keyPath, origin)
			if err != nil {
				return err
			}
			err = sqlstore.Restore(context.Background(), args[0], dsn, sqlstore.RestoreOptions{Force: force, Checks: checks})
			if err != nil {
				return storeErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s to %s\n", args[0], dsn)
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "db", envOr("UCX_DB", "ucx.db"), "SQLite file to restore into (UCX_DB)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing database file (stop the server first)")
	cmd.Flags().StringVar(&logKey, "log-key", envOr("UCX_LOG_KEY", ""), "the transparency log's key file, to check every checkpoint's signature (UCX_LOG_KEY; default: the key beside --db, if there is one)")
	cmd.Flags().StringVar(&origin, "log-origin", envOr("UCX_LOG_ORIGIN", DefaultLogOrigin), "the log's origin, as ucx serve --log-origin (UCX_LOG_ORIGIN)")
	return cmd
}

// storeErr maps a store error to an exit code: what the operator can fix
// (a bad file, an existing target, an old schema) is 2, the rest 3.
func storeErr(err error) error {
	switch ucx.ErrorCode(err) {
	case ucx.EINVALID, ucx.ECONFLICT, ucx.ENOTFOUND, ucx.EUNAVAILABLE:
		return usageErr(err)
	}
	return &exitError{code: exitInternal, err: err}
}

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
