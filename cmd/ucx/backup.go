package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// restoreChecks are the checks `ucx restore` runs on a backup before it
// replaces the database. It is the hook for the transparency log
// (sqlstore/tlog*.go): once the log exists, it adds a check that verifies
// the log from its first entry and compares its head with the last
// checkpoint published, so that an older backup is reported as a rollback
// instead of accepted silently.
var restoreChecks []sqlstore.RestoreCheck

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
	var dsn string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "replace the SQLite store with a backup, after checking the backup",
		Long: `Checks that FILE is a whole ucx database (integrity check, schema version)
and copies it to --db. An existing --db is replaced only with --force, and only
after every ucx serve using it has been stopped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isPostgres(dsn) {
				io.WriteString(cmd.ErrOrStderr(), sqlstore.PostgresBackupAdvice+"\n")
				return &exitError{code: exitUsage}
			}
			err := sqlstore.Restore(context.Background(), args[0], dsn, sqlstore.RestoreOptions{Force: force, Checks: restoreChecks})
			if err != nil {
				return storeErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s to %s\n", args[0], dsn)
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "db", envOr("UCX_DB", "ucx.db"), "SQLite file to restore into (UCX_DB)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing database file (stop the server first)")
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
