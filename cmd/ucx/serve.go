package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
)

// Config is what `ucx serve` is started with. Every field has a flag and a
// UCX_ environment variable (the flag wins); the README's table lists them.
type Config struct {
	Addr            string
	DB              string
	Demo            bool
	DemoCredentials string
	PolicyFile      string
	ShutdownTimeout time.Duration
}

// Main is the running server: the store, the HTTP server and their
// wiring, written out by hand. Tests use it to run a whole ucx in-process.
type Main struct {
	Config Config
	DB     *sqlstore.DB
	API    *http.Server
	Logger *slog.Logger
	// Stdout receives the start-up message (where to go, how to log in).
	Stdout io.Writer

	ln  net.Listener
	srv *nethttp.Server
	bg  context.CancelFunc
}

// Open opens the store, migrates it, seeds the demo world when asked, and
// starts listening. It returns once the server accepts connections.
func (m *Main) Open(ctx context.Context) error {
	c := m.Config
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if m.Stdout == nil {
		m.Stdout = os.Stdout
	}
	if c.Demo && c.DB == "" {
		c.DB = ":memory:"
	}
	if c.DB == "" {
		c.DB = "ucx.db"
	}
	fresh := isNewFile(c.DB) // before Open, which creates the file
	db, err := sqlstore.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	m.DB = db
	if c.PolicyFile != "" {
		p, err := policy.LoadFile(c.PolicyFile)
		if err != nil {
			return usageErr(fmt.Errorf("--policy: %w", err))
		}
		db.Policy = p
	}
	// A fresh SQLite file or the demo migrate on start; an existing
	// database must be migrated explicitly (`ucx migrate`), so that an
	// upgrade never changes a production schema behind the operator's back.
	if c.Demo || db.Engine() == sqlstore.SQLite && fresh {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}

	if c.Demo {
		empty, err := db.Empty(ctx)
		if err != nil {
			return err
		}
		if empty {
			world, err := demo.Seed(ctx, db, 648)
			if err != nil {
				return err
			}
			if err := m.printDemo(world); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(m.Stdout, "demo: the database already holds data; not seeding it again")
		}
	}

	api := http.NewServer()
	api.OrgService = db
	api.ApplicationService = db
	api.ImportService = db
	api.Sessions = db
	api.Policy = db.Policy
	api.Health = db.Ping
	api.Logger = m.Logger
	m.API = api

	m.ln, err = net.Listen("tcp", c.Addr)
	if err != nil {
		return usageErr(fmt.Errorf("--addr %s: %w", c.Addr, err))
	}
	m.srv = &nethttp.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go m.srv.Serve(m.ln)

	bgctx, cancel := context.WithCancel(context.Background())
	m.bg = cancel
	go db.RunImports(bgctx, m.Logger)

	fmt.Fprintf(m.Stdout, "ucx is serving on http://%s (store: %s)\n", m.ln.Addr(), db.Engine())
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// Close stops accepting, lets requests in flight finish within the
// shutdown timeout, stops background work and closes the store.
func (m *Main) Close() error {
	if m.bg != nil {
		m.bg()
	}
	var err error
	if m.srv != nil {
		timeout := m.Config.ShutdownTimeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err = m.srv.Shutdown(ctx)
		cancel()
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func (m *Main) printDemo(w *demo.World) error {
	fmt.Fprintf(m.Stdout, "demo: seeded %d applications; sign in with any of these (passwords are new each start):\n", w.Applications)
	for _, c := range w.Credentials {
		fmt.Fprintf(m.Stdout, "  %-18s %-10s %-7s password %s  token %s\n", c.Username, c.Kind, c.Role, c.Password, c.Token)
	}
	fmt.Fprintln(m.Stdout, "  e.g.  export UCX_TOKEN=<token>; ucx app list")
	if m.Config.DemoCredentials == "" {
		return nil
	}
	b, err := json.MarshalIndent(w.Credentials, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(m.Config.DemoCredentials, append(b, '\n'), 0o600); err != nil {
		return usageErr(fmt.Errorf("--demo-credentials: %w", err))
	}
	return nil
}

func isNewFile(path string) bool {
	if strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://") {
		return false
	}
	if path == ":memory:" {
		return true
	}
	st, err := os.Stat(path)
	return errors.Is(err, os.ErrNotExist) || err == nil && st.Size() == 0
}

// envOr returns the environment variable's value, or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func newServeCmd() *cobra.Command {
	var m Main
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run the ucx server (REST API) on SQLite or PostgreSQL",
		Long: `Runs the ucx server. --db is a SQLite file (default ucx.db, created and
migrated when new) or a postgres:// URL (migrate it first with ucx migrate).
--demo seeds a demo world (in memory unless --db is given) and prints logins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			m.Stdout = cmd.OutOrStdout()
			if err := m.Open(ctx); err != nil {
				m.Close()
				return serveErr(err)
			}
			<-ctx.Done()
			m.Logger.Info("shutting down")
			if err := m.Close(); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&m.Config.Addr, "addr", envOr("UCX_ADDR", "127.0.0.1:8080"), "address to listen on (UCX_ADDR)")
	f.StringVar(&m.Config.DB, "db", envOr("UCX_DB", ""), "SQLite file or postgres:// URL (UCX_DB; default ucx.db)")
	f.BoolVar(&m.Config.Demo, "demo", false, "seed a demo world and print its logins")
	f.StringVar(&m.Config.DemoCredentials, "demo-credentials", "", "with --demo, also write the logins and tokens as JSON to this file")
	f.StringVar(&m.Config.PolicyFile, "policy", envOr("UCX_POLICY", ""), "policy file replacing the embedded default (UCX_POLICY)")
	f.DurationVar(&m.Config.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish on SIGTERM")
	return cmd
}

// serveErr maps start-up failures to exit codes: bad configuration is a
// usage error (2), the rest internal (3).
func serveErr(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitInternal, err: err}
}

func newMigrateCmd() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "bring the database schema up to date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schema at version %d (%s)\n", db.SchemaVersion(), db.Engine())
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "db", envOr("UCX_DB", "ucx.db"), "SQLite file or postgres:// URL (UCX_DB)")
	return cmd
}
