package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// secretPassword is the password the configuration tests put in DSNs; it
// must never appear in anything ucx writes.
const secretPassword = "Zq7-secret-pw-41"

// TestConfig_DSNPasswordNeverLogged runs ucx serve with a DSN carrying a
// password that cannot connect (a closed loopback port), by flag, by
// UCX_DB and by --db-file, and checks that neither its output nor its
// error names the password. With UCX_TEST_POSTGRES it also serves for
// real with a password in the DSN (trust authentication ignores it), makes
// requests, shuts down, and checks the logs again.
func TestConfig_DSNPasswordNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("child-process test skipped in -short mode")
	}
	dsn := "postgres://ucx:" + secretPassword + "@127.0.0.1:1/ucx?sslmode=disable&connect_timeout=2"
	file := filepath.Join(t.TempDir(), "dsn")
	os.WriteFile(file, []byte(dsn+"\n"), 0o600)
	for name, c := range map[string]struct {
		args []string
		env  string
	}{
		"flag":    {args: []string{"--db", dsn}},
		"env":     {env: "UCX_DB=" + dsn},
		"db-file": {args: []string{"--db-file", file}},
	} {
		args, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "UCX_TEST_CHILD_ARGS="+string(args), c.env)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() == 0 {
			t.Errorf("%s: serve on an unreachable database exited 0", name)
		}
		if strings.Contains(string(out), secretPassword) {
			t.Errorf("%s: the password is in the output:\n%s", name, out)
		}
		if !strings.Contains(string(out), "cannot reach the database") {
			t.Errorf("%s: the output does not say what failed:\n%s", name, out)
		}
	}

	// Serving for real needs a PostgreSQL server: a subtest of its own,
	// skipped (and reported as skipped) without one, never a silent pass.
	t.Run("LiveWithPassword", func(t *testing.T) {
		sqlstoretest.SkipWithoutPostgres(t)
		live := sqlstoretest.FreshPostgres(t)
		live = strings.Replace(live, "postgres://postgres@", "postgres://postgres:"+secretPassword+"@", 1)
		if !strings.Contains(live, secretPassword) {
			t.Skipf("UCX_TEST_POSTGRES is not of the form postgres://postgres@…; cannot add a password")
		}
		var logs, stdout bytes.Buffer
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: live, Demo: true, LogKey: filepath.Join(t.TempDir(), "log.key")},
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Stdout: &stdout}
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/healthz", "/api/v1/me", "/nowhere", "/metrics"} {
			if resp, err := nethttp.Get(m.URL() + p); err == nil {
				resp.Body.Close()
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), secretPassword) || strings.Contains(stdout.String(), secretPassword) {
			t.Fatalf("the password is in the logs or the start-up message")
		}
		if logs.Len() == 0 {
			t.Fatal("no log lines at all: the check proves nothing")
		}
	})
}
