// Command ucx is the one binary of the used-car export platform: the server,
// the offline tools (check, vin, verify, seal) and the API client commands.
//
// Exit codes are the same for every command: 0 success, 1 the command ran
// and found something wrong (a --fail-on outcome, an invalid document),
// 2 usage or unreadable input, 3 an internal or server failure.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0
	exitFound    = 1
	exitUsage    = 2
	exitInternal = 3
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage or input error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the process exit code; tests
// call it directly.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "ucx:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors are about flags and arguments.
	fmt.Fprintln(os.Stderr, "ucx:", err)
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ucx",
		Short:         "ucx runs China's used-car export compliance regime (Notice 648) end to end",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVinCmd(),
		newCheckCmd(),
		newServeCmd(),
		newMigrateCmd(),
		newBackupCmd(), newRestoreCmd(),
		newKeygenCmd(), newSealCmd(), newTrustCmd(), newVerifyCmd(),
		newLogCmd(), newWitnessCmd(),
	)
	root.AddCommand(newClientCmds()...)
	root.AddCommand(newStatsClientCmd())
	return root
}
