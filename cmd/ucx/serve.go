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
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
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
	// KEKFile holds the key-encryption key of the root and custodial
	// sealing keys (else UCX_KEK; the demo makes one): serve_seal.go.
	KEKFile         string
	ShutdownTimeout time.Duration
	// PublicURL is the address people outside reach the server at
	// (https://ucx.example.cn): the QR codes and links of printed
	// documents point there. Empty takes each request's own host, which
	// is right only on one machine, so the server warns.
	PublicURL string

	// Limits on what one client may send (docs/operations.md, "Limits").
	// Rates are per process: see http.Limits.
	MaxBodyBytes    int64
	MaxUploadBytes  int64
	LoginsPerMinute int
	Limits          http.Limits
	// TrustedProxies lists the reverse proxies (CIDR prefixes or
	// addresses, comma-separated) whose X-Forwarded-For names the client
	// the limits and the audit see (http.ClientAddr).
	TrustedProxies string
	// MetricsAddr, when set, serves GET /metrics on this address alone
	// and takes it off Addr. MetricsTokenFile holds the bearer token
	// /metrics asks for (else UCX_METRICS_TOKEN, read into
	// MetricsToken). With neither, /metrics is open on Addr, as the demo
	// wants; the server warns outside the demo.
	MetricsAddr      string
	MetricsTokenFile string
	MetricsToken     string

	// The transparency log (log.go): the Ed25519 key file that signs its
	// checkpoints (made on first start when absent), the log's origin,
	// and how often it is integrated (default half a second).
	LogKey      string
	LogOrigin   string
	LogInterval time.Duration
	// LogRederiveInterval is how often the whole log is re-derived from
	// its entries after the check at start (default an hour).
	LogRederiveInterval time.Duration
	// Witnesses are the witnesses asked to cosign each new checkpoint,
	// each "URL,KEY" (witness.go).
	Witnesses []string

	// Oversight holds the credit thresholds (R8) and the figures'
	// settings (serve_oversight.go).
	Oversight sqlstore.Oversight

	// Notify is how notifications are delivered (serve_notify.go).
	Notify NotifyConfig
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
	// LogSigner signs the transparency log's checkpoints; LogVerifierKey
	// is its public key as published at /api/v1/log/key.
	LogSigner      note.Signer
	LogVerifierKey string

	// FinalCheckpoint, when set, runs on shutdown after requests in
	// flight have finished and background work has stopped, before the
	// store closes. startLog (log.go) sets it to write the transparency
	// log's last checkpoint.
	FinalCheckpoint func(ctx context.Context) error

	standingsDone chan struct{} // the daily standings refresh (serve_oversight.go)
	notifyDone    chan struct{} // the notification delivery worker (serve_notify.go)

	ln  net.Listener
	srv *nethttp.Server
	// metricsLn and metricsSrv serve /metrics on --metrics-addr.
	metricsLn  net.Listener
	metricsSrv *nethttp.Server
	bg         context.CancelFunc
	bgDone     chan struct{}
	// logDone is closed when the log integrator has stopped.
	logDone chan struct{}
	// logAudit re-derives the log at start and on a schedule; auditDone
	// is closed when its schedule has stopped.
	logAudit  *logAudit
	auditDone chan struct{}
	// logVerifier checks the log's checkpoints; witnessDone is closed
	// when the witnesses are no longer asked (witness.go).
	logVerifier note.Verifier
	witnessDone chan struct{}
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
	publicURL, err := http.ParsePublicURL(c.PublicURL)
	if err != nil {
		return usageErr(fmt.Errorf("--public-url: %w", err))
	}
	proxies, err := http.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return usageErr(fmt.Errorf("--trusted-proxy: %w", err))
	}
	metricsToken, err := readMetricsToken(c)
	if err != nil {
		return err
	}
	if c.MetricsAddr == "" && metricsToken == "" && !c.Demo {
		m.Logger.Warn("/metrics is open to anyone who reaches --addr: serve it on an address of its own (--metrics-addr) or ask a token for it (--metrics-token-file or UCX_METRICS_TOKEN)")
	}
	if publicURL == "" {
		m.Logger.Warn("no public address (--public-url or UCX_PUBLIC_URL): printed documents' QR codes and links point at the address each request came in on, which people elsewhere cannot open")
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
	if err := db.SetOversight(c.Oversight); err != nil {
		return usageErr(fmt.Errorf("credit and figures settings: %w", err))
	}

	if err := m.openSealing(ctx); err != nil {
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

	if err := m.openLog(ctx, c.DB); err != nil {
		return err
	}

	api := http.NewServer()
	api.OrgService = db
	api.ApplicationService, api.RequestService, api.LicenceService = db, db, db
	api.ImportService = db
	api.CreditService, api.FiguresService = db, db
	api.NotificationService = db
	api.RuleService = db
	api.RegisterService = db
	// The batch workflow (R4), once the store implements all of it.
	if ss, ok := any(db).(ucx.ShipmentService); ok {
		api.ShipmentService = ss
	}
	api.DeregistrationService = db
	api.Sessions = db
	if db.Sealing() {
		api.KeyService, api.DocumentService = db, db
		api.WebVerify = func(ctx context.Context, doc []byte) (any, error) { return api.Verify(ctx, doc) }
	}
	api.Policy = db.Policy
	api.PublicURL = publicURL
	api.Log, api.LogVerifierKey = db, m.LogVerifierKey
	api.Health = func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return err
		}
		return m.logAudit.health()
	}
	api.ExtraMetrics = m.logAudit.writeMetrics
	api.Logger = m.Logger
	if c.MaxBodyBytes > 0 {
		api.MaxBodyBytes = c.MaxBodyBytes
	}
	if c.MaxUploadBytes > 0 {
		api.MaxUploadBytes = c.MaxUploadBytes
	}
	if c.LoginsPerMinute > 0 {
		api.LoginsPerMinute = c.LoginsPerMinute
	}
	api.TrustedProxies = proxies
	api.MetricsToken = metricsToken
	api.MetricsElsewhere = c.MetricsAddr != ""
	m.API = api

	m.ln, err = net.Listen("tcp", c.Addr)
	if err != nil {
		return usageErr(fmt.Errorf("--addr %s: %w", c.Addr, err))
	}
	m.srv = &nethttp.Server{
		Handler:           api.LimitedHandler(c.Limits),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		// Serve returns ErrServerClosed after Close's Shutdown; anything
		// else means the listener failed and the server stopped answering.
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
			m.Logger.Error("the HTTP server stopped", "err", err)
		}
	}()

	if c.MetricsAddr != "" {
		if m.metricsLn, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			return usageErr(fmt.Errorf("--metrics-addr %s: %w", c.MetricsAddr, err))
		}
		m.metricsSrv = &nethttp.Server{
			Handler:           api.MetricsHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		}
		go func() {
			if err := m.metricsSrv.Serve(m.metricsLn); err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
				m.Logger.Error("the metrics server stopped", "err", err)
			}
		}()
	}

	bgctx, cancel := context.WithCancel(context.Background())
	m.bg = cancel
	m.bgDone = make(chan struct{})
	go func() {
		defer close(m.bgDone)
		var wg sync.WaitGroup
		wg.Go(func() { db.RunRequestRules(bgctx, m.Logger) }) // manufacturers' own rules on new requests
		db.RunImports(bgctx, m.Logger)
		wg.Wait()
	}()
	m.startLog(bgctx)
	m.startLogAudit(bgctx)
	if err := m.startWitnessing(bgctx, m.logVerifier); err != nil {
		return err
	}
	m.startStandings(bgctx)
	if err := m.startNotify(bgctx); err != nil {
		return err
	}

	fmt.Fprintf(m.Stdout, "ucx is serving on http://%s (store: %s)\n", m.ln.Addr(), db.Engine())
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// MetricsURL is the base URL of the --metrics-addr listener, "" without
// one.
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String()
}

// readMetricsToken reads the token /metrics asks for from
// --metrics-token-file (a 0600 file or systemd credential, the flag naming
// the file, never the token) or c.MetricsToken (UCX_METRICS_TOKEN).
func readMetricsToken(c Config) (string, error) {
	if c.MetricsTokenFile == "" {
		return strings.TrimSpace(c.MetricsToken), nil
	}
	b, err := os.ReadFile(c.MetricsTokenFile)
	if err != nil {
		return "", usageErr(fmt.Errorf("--metrics-token-file: %w", err))
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", usageErr(fmt.Errorf("--metrics-token-file %s is empty", c.MetricsTokenFile))
	}
	return tok, nil
}

// Close stops accepting, lets requests in flight finish within the
// shutdown timeout, then stops background work and waits for it (an import
// batch commits or rolls back whole), writes the final checkpoint, and
// closes the store. The order matters: a request in flight may still queue
// work, and the store must outlive everything that uses it. It returns an
// error when requests were still running at the deadline, so that `ucx
// serve` exits non-zero only then.
func (m *Main) Close() error {
	timeout := m.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	if m.srv != nil {
		err = m.srv.Shutdown(ctx)
		if err != nil {
			m.srv.Close() // cut what is left rather than hang
			err = fmt.Errorf("requests still running after --shutdown-timeout %s: %w", timeout, err)
		}
	}
	if m.metricsSrv != nil {
		m.metricsSrv.Shutdown(ctx) // a scrape is short; the error adds nothing to the main server's
	}
	if m.bg != nil {
		m.bg()
		select {
		case <-m.bgDone:
		case <-ctx.Done():
			if err == nil {
				err = errors.New("background work did not stop within --shutdown-timeout")
			}
		}
	}
	if m.logDone != nil {
		<-m.logDone // it stops with bgctx, within one integration
	}
	if m.auditDone != nil {
		<-m.auditDone // it stops with bgctx (VerifyLog takes its context)
	}
	if m.witnessDone != nil {
		<-m.witnessDone // it stops with bgctx, within one request's timeout
	}
	if m.standingsDone != nil {
		<-m.standingsDone // it stops with bgctx, after at most one refresh
	}
	if m.notifyDone != nil {
		<-m.notifyDone // it stops with bgctx, within one attempt's timeout
	}
	if m.FinalCheckpoint != nil && m.DB != nil {
		if cerr := m.FinalCheckpoint(ctx); err == nil && cerr != nil {
			err = cerr
		}
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
	var dbFile string
	var env envParser
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run the ucx server (REST API) on SQLite or PostgreSQL",
		Long: `Runs the ucx server. --db is a SQLite file (default ucx.db, created and
migrated when new) or a postgres:// URL (migrate it first with ucx migrate).
--demo seeds a demo world (in memory unless --db is given) and prints logins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A server's heap is small next to the machine's memory; collecting
			// less often saves about 8 µs of CPU per filing (measured in
			// http's BenchmarkFileApplication). GOGC in the environment wins.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(400)
			}
			if err := env.err(); err != nil {
				return usageErr(err)
			}
			if dbFile != "" {
				dsn, err := readSecretFile(dbFile)
				if err != nil {
					return usageErr(fmt.Errorf("--db-file: %w", err))
				}
				m.Config.DB = dsn
			}
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
	f.StringVar(&dbFile, "db-file", envOr("UCX_DB_FILE", ""), "read the --db value from this file, e.g. a DSN with a password (UCX_DB_FILE)")
	f.BoolVar(&m.Config.Demo, "demo", false, "seed a demo world and print its logins")
	f.StringVar(&m.Config.DemoCredentials, "demo-credentials", "", "with --demo, also write the logins and tokens as JSON to this file")
	f.StringVar(&m.Config.KEKFile, "kek-file", "", "file holding the 32-byte key-encryption key of the sealing keys, hex or base64 (else UCX_KEK; never change it)")
	f.StringVar(&m.Config.PublicURL, "public-url", envOr("UCX_PUBLIC_URL", ""), "the address people outside reach this server at, e.g. https://ucx.example.cn; QR codes and links in documents point there (UCX_PUBLIC_URL; default: the address each request came in on, with a warning)")
	addOversightFlags(f, &m.Config.Oversight, &env)
	addNotifyFlags(f, &m.Config.Notify, &env)
	f.StringVar(&m.Config.PolicyFile, "policy", envOr("UCX_POLICY", ""), "policy file replacing the embedded default (UCX_POLICY)")
	f.DurationVar(&m.Config.ShutdownTimeout, "shutdown-timeout", env.duration("UCX_SHUTDOWN_TIMEOUT", 10*time.Second), "how long requests in flight may take to finish on SIGTERM (UCX_SHUTDOWN_TIMEOUT)")
	f.Int64Var(&m.Config.MaxBodyBytes, "max-body-bytes", env.int64("UCX_MAX_BODY_BYTES", http.DefaultMaxBodyBytes), "largest JSON request body, in bytes (UCX_MAX_BODY_BYTES)")
	f.Int64Var(&m.Config.MaxUploadBytes, "max-upload-bytes", env.int64("UCX_MAX_UPLOAD_BYTES", http.DefaultMaxUploadBytes), "largest import upload, in bytes (UCX_MAX_UPLOAD_BYTES)")
	f.IntVar(&m.Config.Limits.MaxImportRows, "max-import-rows", env.int("UCX_MAX_IMPORT_ROWS", http.DefaultMaxImportRows), "most data rows in one import upload; -1 for no limit (UCX_MAX_IMPORT_ROWS)")
	f.StringVar(&m.Config.LogKey, "log-key", envOr("UCX_LOG_KEY", ""), "Ed25519 key file (PKCS #8 PEM) signing the transparency log, made on first start when absent (UCX_LOG_KEY; default: beside a SQLite file, ucx-log.key for PostgreSQL, none kept for an in-memory store)")
	f.StringVar(&m.Config.LogOrigin, "log-origin", envOr("UCX_LOG_ORIGIN", DefaultLogOrigin), "the transparency log's name in its checkpoints, e.g. ucx.example.cn/log (UCX_LOG_ORIGIN); never change it for a running log")
	f.DurationVar(&m.Config.LogRederiveInterval, "log-rederive-interval", env.duration("UCX_LOG_REDERIVE_INTERVAL", defaultLogRederiveInterval), "how often the whole transparency log is re-derived from its entries, besides at start; a mismatch is logged as an error, counted in /metrics and fails /healthz (UCX_LOG_REDERIVE_INTERVAL)")
	f.StringArrayVar(&m.Config.Witnesses, "witness", strings.Fields(os.Getenv("UCX_WITNESSES")), "a witness asked to cosign each new checkpoint, as URL,KEY: its add-checkpoint prefix and its published key, or a file holding the key (repeatable; UCX_WITNESSES, space-separated)")
	f.IntVar(&m.Config.LoginsPerMinute, "logins-per-minute", env.int("UCX_LOGINS_PER_MINUTE", http.DefaultLoginsPerMinute), "login attempts a minute per client address and username; an address may fail ten times as often over all usernames (UCX_LOGINS_PER_MINUTE)")
	f.StringVar(&m.Config.MetricsAddr, "metrics-addr", envOr("UCX_METRICS_ADDR", ""), "serve GET /metrics on this address alone, e.g. 10.0.0.5:9090, and not on --addr (UCX_METRICS_ADDR; default: on --addr)")
	f.StringVar(&m.Config.MetricsTokenFile, "metrics-token-file", envOr("UCX_METRICS_TOKEN_FILE", ""), "file holding the bearer token GET /metrics asks for (UCX_METRICS_TOKEN_FILE; else the token itself in UCX_METRICS_TOKEN; default: no token)")
	m.Config.MetricsToken = os.Getenv("UCX_METRICS_TOKEN")
	f.StringVar(&m.Config.TrustedProxies, "trusted-proxy", envOr("UCX_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, as CIDR,…: the rightmost hop that is not one of them is the client the rate limits and the audit see; empty takes the TCP peer (UCX_TRUSTED_PROXIES)")
	f.Float64Var(&m.Config.Limits.TokenRate, "rate-per-token", env.float("UCX_RATE_PER_TOKEN", DefaultTokenRate), "requests a second per API token or session, per process; 0 turns it off (UCX_RATE_PER_TOKEN)")
	f.IntVar(&m.Config.Limits.TokenBurst, "rate-per-token-burst", env.int("UCX_RATE_PER_TOKEN_BURST", 2*DefaultTokenRate), "requests a token may send at once (UCX_RATE_PER_TOKEN_BURST)")
	f.Float64Var(&m.Config.Limits.AddressRate, "rate-per-address", env.float("UCX_RATE_PER_ADDRESS", DefaultAddressRate), "requests a second per client address, per process; 0 turns it off (UCX_RATE_PER_ADDRESS)")
	f.IntVar(&m.Config.Limits.AddressBurst, "rate-per-address-burst", env.int("UCX_RATE_PER_ADDRESS_BURST", 2*DefaultAddressRate), "requests an address may send at once (UCX_RATE_PER_ADDRESS_BURST)")
	return cmd
}

// The default request rates of `ucx serve`, per process. A person at the
// web UI makes a few requests a second; a script filing one application
// at a time, tens. 20 a second per token (bursts of 40) leaves room for
// both; an address is often an office behind one NAT, so it gets more.
// Bulk filing goes through imports, which are one request.
const (
	DefaultTokenRate   = 20
	DefaultAddressRate = 50
)

// envParser reads typed UCX_ variables for flag defaults and remembers the
// first that does not parse, so that `ucx serve` refuses a mistyped
// setting (exit 2) instead of silently running with the default.
type envParser struct{ first error }

func (e *envParser) err() error { return e.first }

func (e *envParser) fail(name, v string, err error) {
	if e.first == nil {
		e.first = fmt.Errorf("%s=%q: %v", name, v, err)
	}
}

func (e *envParser) int(name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.fail(name, v, err)
		return def
	}
	return n
}

func (e *envParser) int64(name string, def int64) int64 {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(name, v, err)
		return def
	}
	return n
}

func (e *envParser) float(name string, def float64) float64 {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 {
		e.fail(name, v, fmt.Errorf("want a number ≥ 0"))
		return def
	}
	return n
}

func (e *envParser) duration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(name, v, err)
		return def
	}
	return d
}

// readSecretFile reads a secret (a DSN with its password, later the
// key-encryption key) from a file such as systemd's LoadCredential= puts
// in $CREDENTIALS_DIRECTORY, so that it appears neither on the command
// line (visible in ps) nor in the unit file. Surrounding white space is
// dropped; the value is never logged.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", errors.New("the file is empty")
	}
	return s, nil
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
