package main

// The transparency log's two faces in the binary: the server side (the
// log key and the background integrator) and
// `ucx log monitor`, what an auditor or a manufacturer runs to hold the
// platform to its log.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

// DefaultLogOrigin names the log when --log-origin is not given. An
// operator should set it to its own domain (e.g. ucx.example.cn/log): the
// origin is in every checkpoint and is the name of the log's key, so it
// must stay the same for the life of the log.
const DefaultLogOrigin = "ucx.local/log"

// defaultLogInterval is how often `ucx serve` integrates the log. Half a
// second keeps the time from a document's commit to its first checkpoint
// well under the one second the issue asks for; an integration with
// nothing new writes nothing.
const defaultLogInterval = 500 * time.Millisecond

// logKeyPath returns where the log key lives when --log-key is not given:
// beside a SQLite file (so each database keeps its own), or in the working
// directory for PostgreSQL. An in-memory store gets a key that lives as
// long as it does, returned as "".
func logKeyPath(dsn string) string {
	switch {
	case dsn == ":memory:":
		return ""
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "ucx-log.key"
	case strings.HasPrefix(dsn, "file:"):
		return "ucx-log.key"
	}
	return dsn + ".log.key"
}

// loadLogKey reads the Ed25519 log key from path (PKCS #8 PEM, as
// `ucx keygen --alg ed25519` and `openssl genpkey -algorithm ed25519`
// write it), creating it readable by the owner only when absent. It
// reports whether it made a new key. An empty path gives a fresh key that
// is never written (the in-memory demo).
func loadLogKey(path string) (ed25519.PrivateKey, bool, error) {
	if path == "" {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, true, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, k, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, false, gerr
		}
		der, merr := x509.MarshalPKCS8PrivateKey(k)
		if merr != nil {
			return nil, false, merr
		}
		werr := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
		if werr == nil {
			return k, true, nil
		}
		// Another process starting at the same moment may have made it
		// first: then use that one, so both sign with the same key.
		if b, err = os.ReadFile(path); err != nil {
			return nil, false, werr
		}
	} else if err != nil {
		return nil, false, fmt.Errorf("--log-key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, false, fmt.Errorf("--log-key %s: not a PKCS #8 PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, false, fmt.Errorf("--log-key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, false, fmt.Errorf("--log-key %s: the log key must be Ed25519 (C2SP checkpoints are signed with it), not %T", path, k)
	}
	return ek, false, nil
}

// openLog loads the log key, makes the signer and verifier, and refuses to
// start when the log's latest checkpoint was not signed by this key and
// origin: two `ucx serve` processes on one PostgreSQL with different keys
// would publish checkpoints that contradict each other, which every
// monitor would rightly report as a forked log.
func (m *Main) openLog(ctx context.Context, dsn string) error {
	origin := m.Config.LogOrigin
	if origin == "" {
		origin = DefaultLogOrigin
	}
	path := m.Config.LogKey
	if path == "" {
		path = logKeyPath(dsn)
	}
	key, created, err := loadLogKey(path)
	if err != nil {
		return usageErr(err)
	}
	signer, err := tlog.NewSigner(origin, key)
	if err != nil {
		return usageErr(fmt.Errorf("--log-origin: %s", ucx.ErrorMessage(err)))
	}
	vkey, err := tlog.VerifierKey(origin, key.Public().(ed25519.PublicKey))
	if err != nil {
		return usageErr(err)
	}
	verifier, err := tlog.ParseVerifierKey(vkey)
	if err != nil {
		return err
	}
	cp, err := m.DB.LatestCheckpoint(ctx)
	switch {
	case err == nil:
		if _, err := tlog.OpenCheckpoint(cp.Note, verifier); err != nil {
			return usageErr(fmt.Errorf("the log's latest checkpoint (size %d) was not signed by this log key and origin (%s): %s; every ucx serve on one database must use the same --log-key and --log-origin", cp.Size, vkey, ucx.ErrorMessage(err)))
		}
	case ucx.ErrorCode(err) != ucx.ENOTFOUND:
		return err
	}
	// Re-derive the whole log before serving any of it (the check `ucx
	// restore` runs on a backup): a database edited under the log must
	// not be served.
	m.logAudit = &logAudit{db: m.DB, verifier: verifier}
	if err := m.logAudit.run(ctx); err != nil {
		var me *tlog.MismatchError
		if errors.As(err, &me) {
			return refuseTampered(err)
		}
		return err
	}
	m.LogSigner, m.LogVerifierKey, m.logVerifier = signer, vkey, verifier
	where := path
	if where == "" {
		where = "in memory only"
	} else if created {
		where = "new key written to " + where
	}
	fmt.Fprintf(m.Stdout, "transparency log %s, verifier key %s (%s)\n", origin, vkey, where)
	return nil
}

// startLog runs the integrator until ctx ends. Several processes on one
// database may run it: the store's row lock integrates each leaf once.
func (m *Main) startLog(ctx context.Context) {
	interval := m.Config.LogInterval
	if interval <= 0 {
		interval = defaultLogInterval
	}
	if m.FinalCheckpoint == nil {
		// What the last requests appended is checkpointed before the
		// store closes, not left for the next start.
		m.FinalCheckpoint = func(ctx context.Context) error {
			_, err := m.DB.IntegrateLog(ctx, m.LogSigner)
			return err
		}
	}
	done := make(chan struct{})
	m.logDone = done
	go func() {
		defer close(done)
		m.DB.RunLogIntegrator(ctx, m.LogSigner, interval, func(err error) {
			m.Logger.Warn("transparency log integration failed", "err", err.Error())
		})
	}()
}

// --- ucx log monitor ---

// The monitor's algorithm is tlog.Monitor; this file wires its flags, its
// state file and its output.

// monitorState is the state file's content (--state).
type monitorState = tlog.MonitorState

// logClient adapts the API client to tlog.LogClient.
type logClient struct{ c *client.Client }

func (l logClient) LogKey(ctx context.Context) (string, error)        { return l.c.LogKey(ctx) }
func (l logClient) LogCheckpoint(ctx context.Context) ([]byte, error) { return l.c.LogCheckpoint(ctx) }

func (l logClient) LogConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	p, err := l.c.LogConsistencyProof(ctx, size1, size2)
	if err != nil {
		return nil, err
	}
	return p.Hashes, nil
}

func (l logClient) LogInclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	p, err := l.c.LogInclusionProof(ctx, index, size)
	if err != nil {
		return nil, err
	}
	return p.Hashes, nil
}

func (l logClient) LogEntries(ctx context.Context, start, end int64) ([]tlog.Entry, error) {
	return l.c.LogEntries(ctx, start, end)
}

// monitor is a tlog.Monitor with its state file and output.
type monitor struct {
	*tlog.Monitor
	server string
	state  string // the state file, or ""
	out    io.Writer
}

// load restores the monitor from its state file, when there is one.
func (m *monitor) load() (bool, error) {
	if m.state == "" {
		return false, nil
	}
	b, err := os.ReadFile(m.state)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, usageErr(fmt.Errorf("--state: %w", err))
	}
	var st monitorState
	if err := json.Unmarshal(b, &st); err != nil {
		return false, usageErr(fmt.Errorf("--state %s: not a monitor state file: %v", m.state, err))
	}
	if err := m.Resume(st); err != nil {
		if tlog.IsAlarm(err) {
			return false, alarmf("%s (%s)", err.Error(), m.state)
		}
		msg := ucx.ErrorMessage(err)
		if strings.Contains(msg, "saved tree") {
			msg += "; remove the file to audit from the start"
		}
		return false, usageErr(fmt.Errorf("--state %s: %s", m.state, msg))
	}
	return true, nil
}

// save writes the state atomically: a crash leaves the old state or the
// new one, never half of one.
func (m *monitor) save() error {
	if m.state == "" {
		return nil
	}
	st, err := m.State(m.server)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.state), ".ucx-monitor-*")
	if err != nil {
		return fmt.Errorf("--state: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), m.state)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--state: %w", err)
	}
	return nil
}

// pin resolves the log key (tlog.Monitor.Pin) and says when it trusted the
// server's on first use.
func (m *monitor) pin(ctx context.Context) error {
	pinned, err := m.Pin(ctx)
	if err != nil {
		if ucx.ErrorCode(err) == ucx.EINVALID {
			return usageErr(fmt.Errorf("--log-key-pub: %s", ucx.ErrorMessage(err)))
		}
		return err
	}
	if pinned {
		fmt.Fprintf(m.out, "pinned the log key the server publishes (trust on first use): %s\n", m.Key)
	}
	return nil
}

// step runs one tlog.Monitor.Step, prints what it verified and saves the
// state.
func (m *monitor) step(ctx context.Context) (bool, error) {
	rep, err := m.Step(ctx)
	if err != nil || rep == nil {
		return false, err
	}
	for _, e := range rep.Watched {
		fmt.Fprintf(m.out, "watch %s: entry %d at %s: %s\n", m.Watch, e.Index, e.Time.Format(time.RFC3339), bytes.TrimSpace(e.Entry))
	}
	cp := rep.Checkpoint
	fmt.Fprintf(m.out, "verified checkpoint of %d entries (root %s), %d new\n", cp.Size, base64.StdEncoding.EncodeToString(cp.Root), rep.New)
	return true, m.save()
}

// alarmf makes a finding of the command's own (a key that contradicts the
// state file).
func alarmf(format string, args ...any) error { return &tlog.Alarm{Msg: fmt.Sprintf(format, args...)} }

func isAlarm(err error) bool { return tlog.IsAlarm(err) }

func newLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "the transparency log of every document issued or revoked",
	}
	cmd.AddCommand(newLogMonitorCmd())
	return cmd
}

func newLogMonitorCmd() *cobra.Command {
	var (
		server, statePath, watch, pub string
		interval, rederiveEvery       time.Duration
		once, proofs, rederive        bool
		workers                       int
	)
	cmd := &cobra.Command{
		Use:   "monitor --server URL [--state FILE] [--interval 1s] [--once] [--watch ORG]",
		Short: "follow the transparency log and stop at the first sign of a rewritten history",
		Long: `monitor is what an auditor or a manufacturer runs against a ucx server. It
follows the log's signed checkpoints and, for each new one, checks:

  - the signature, with the log key given by --log-key-pub, or else the one
    the server publishes, trusted on first use and pinned in --state;
  - that the log did not shrink (a restored older backup: "rollback") and
    that no second root was signed for a size already seen ("fork");
  - the consistency proof from the last checkpoint seen ("inconsistent");
  - the root, re-derived from the entries themselves ("root mismatch");
  - an inclusion proof of every new entry, which catches a stored hash
    altered under the entries ("bad proof"; --proofs=false skips it).

With saved state only what is new is fetched. --rederive makes the first
check replay the whole log from its first entry and prove every entry, so
that what was verified before is checked again: an entry edited in the
server's database ("edited entry"), a published entry deleted ("deleted",
"withheld") or a stored hash changed ("changed node") is reported even when
the checkpoint did not move. --rederive-every D does it again every D while
following.

--watch ORG prints every new entry that names the organisation (its id or
exact name): a manufacturer sees at once any confirmation issued in its
name. --state FILE keeps the pinned key and the last verified tree between
runs, so the next run checks only what is new. --once checks up to the
current checkpoint and exits.

Exit status: 0 all verified (--once), 1 the log's history was rewritten,
forked, rolled back or badly signed, 2 usage error, 3 the server could not
be asked (--once; when following, the monitor retries).`,
		Example: "  ucx log monitor --server https://ucx.example.cn --state ucx-log.state --watch 12\n  ucx log monitor --server http://127.0.0.1:8080 --once --log-key-pub log.vkey",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				server = envOr("UCX_SERVER", defaultServer)
			}
			if interval <= 0 {
				return usageErr(errors.New("--interval must be positive"))
			}
			c := client.New(server, "")
			c.UserAgent = "ucx-log-monitor"
			m := &monitor{Monitor: &tlog.Monitor{Client: logClient{c}, Watch: watch, Proofs: proofs, Workers: workers, Batch: wire.MaxLogEntries},
				server: c.URL, state: statePath, out: cmd.OutOrStdout()}
			if pub != "" {
				m.Key = pub
				if b, err := os.ReadFile(pub); err == nil {
					m.Key = strings.TrimSpace(string(b))
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			m.Rederive = rederive
			lastRederive := time.Now()
			resumed, err := m.load()
			if err != nil {
				return monitorErr(err)
			}
			if resumed {
				fmt.Fprintf(m.out, "resuming from the checkpoint of %d entries in %s\n", m.Checkpoint().Size, statePath)
			}
			for {
				if rederiveEvery > 0 && time.Since(lastRederive) >= rederiveEvery {
					m.Rederive, lastRederive = true, time.Now()
				}
				if m.Rederive {
					fmt.Fprintln(m.out, "re-deriving the whole log from its first entry")
				}
				err := m.pin(ctx)
				if err == nil {
					_, err = m.step(ctx)
				}
				var ee *exitError
				switch {
				case err == nil && once:
					if m.Checkpoint().Note == nil {
						fmt.Fprintln(m.out, "the log has no checkpoint yet")
					}
					return nil
				case err != nil && (once || isAlarm(err) || errors.As(err, &ee)):
					return monitorErr(err)
				case err != nil:
					// A server that cannot be reached now is no finding:
					// keep following, and say so.
					fmt.Fprintf(cmd.ErrOrStderr(), "ucx log monitor: %s (retrying in %s)\n", ucx.ErrorMessage(err), interval)
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&server, "server", "", "the ucx server's URL (default $UCX_SERVER, else "+defaultServer+")")
	f.StringVar(&statePath, "state", "", "file keeping the pinned key and the last verified checkpoint between runs")
	f.DurationVar(&interval, "interval", time.Second, "how often to ask for a new checkpoint")
	f.BoolVar(&once, "once", false, "check up to the current checkpoint, then exit")
	f.StringVar(&watch, "watch", "", "print every new entry naming this organisation (id or exact name)")
	f.StringVar(&pub, "log-key-pub", "", "the log's verifier key (<origin>+<hash>+<key>), or a file holding it; default: pin the server's on first use")
	f.BoolVar(&proofs, "proofs", true, "verify an inclusion proof of every new entry")
	f.IntVar(&workers, "proof-workers", 8, "inclusion proofs fetched at once")
	f.BoolVar(&rederive, "rederive", false, "first replay the whole log from its first entry and prove every entry, not only what is new since --state")
	f.DurationVar(&rederiveEvery, "rederive-every", 0, "when following, --rederive again at this interval (0: never)")
	return cmd
}

// monitorErr maps the monitor's failures to exit statuses: a finding is 1,
// bad flags or state 2 (already marked), a server that cannot be asked 3.
func monitorErr(err error) error {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return err
	case isAlarm(err):
		return &exitError{code: exitFound, err: err}
	}
	return &exitError{code: exitInternal, err: fmt.Errorf("the log could not be checked: %s", ucx.ErrorMessage(err))}
}

// --- re-deriving the log in ucx serve ---

// defaultLogRederiveInterval is how often `ucx serve` re-derives the whole
// log from its entries after the check at start. The check reads every
// entry and stored node once (docs/benchmarks.md has its cost); hourly
// bounds how long an edit to the database goes unnoticed at a small
// fraction of the store's time.
const defaultLogRederiveInterval = time.Hour

// logAudit re-derives the whole stored log from its entries
// (sqlstore.DB.VerifyLog, the same check `ucx restore` runs on a backup)
// and remembers the result for /healthz and /metrics. A mismatch means the
// database was changed under the log after it was published (an entry
// edited, a published leaf deleted, a stored leaf or node hash changed), so
// the server would serve proofs that do not match what it signed.
type logAudit struct {
	db       *sqlstore.DB
	verifier note.Verifier

	mu         sync.Mutex
	mismatch   error // the last run's finding, nil when it matched
	runs       map[string]uint64
	lastSecs   float64
	lastPassed time.Time
}

// run re-derives the log once. It returns the finding (an error wrapping a
// *tlog.MismatchError) or a failure to read the store.
func (a *logAudit) run(ctx context.Context) error {
	start := time.Now()
	err := a.db.VerifyLog(ctx, a.verifier)
	var me *tlog.MismatchError
	result := "ok"
	switch {
	case errors.As(err, &me):
		result = "mismatch"
	case err != nil:
		result = "error"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.runs == nil {
		a.runs = map[string]uint64{}
	}
	a.runs[result]++
	a.lastSecs = time.Since(start).Seconds()
	switch result {
	case "ok":
		a.mismatch, a.lastPassed = nil, time.Now()
	case "mismatch":
		a.mismatch = err
	}
	return err
}

// health is nil unless the last re-derivation found a mismatch; /healthz
// then answers 503 until a later run passes.
func (a *logAudit) health() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mismatch != nil {
		return fmt.Errorf("the transparency log does not match its own entries: %s", checkDetail(a.mismatch))
	}
	return nil
}

// writeMetrics appends the audit's figures to /metrics.
func (a *logAudit) writeMetrics(w io.Writer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprint(w, "# HELP ucx_log_rederivations_total Re-derivations of the whole transparency log from its entries, by result (ok, mismatch, error).\n# TYPE ucx_log_rederivations_total counter\n")
	for _, r := range []string{"ok", "mismatch", "error"} {
		fmt.Fprintf(w, "ucx_log_rederivations_total{result=%q} %d\n", r, a.runs[r])
	}
	ok := 1
	if a.mismatch != nil {
		ok = 0
	}
	fmt.Fprintf(w, "# HELP ucx_log_consistent 1 unless the latest re-derivation found the stored log changed under its checkpoints.\n# TYPE ucx_log_consistent gauge\nucx_log_consistent %d\n", ok)
	fmt.Fprintf(w, "# HELP ucx_log_rederivation_seconds How long the latest re-derivation took.\n# TYPE ucx_log_rederivation_seconds gauge\nucx_log_rederivation_seconds %g\n", a.lastSecs)
}

// refuseTampered is the start-up refusal for a log that does not match its
// entries: what was found, what it means, and what to do.
func refuseTampered(err error) error {
	return &exitError{code: exitInternal, err: fmt.Errorf("refusing to start: the transparency log does not match its own entries (%s). "+
		"The database was changed after the log published it, so this server would serve proofs that contradict its signed checkpoints. "+
		"Restore the last good backup (ucx restore re-derives the log before it replaces anything) and compare with your monitors' and witnesses' state; see docs/operations.md", checkDetail(err))}
}

// startLogAudit re-derives the log every interval until ctx ends, logging
// a mismatch as an error each time it is found.
func (m *Main) startLogAudit(ctx context.Context) {
	interval := m.Config.LogRederiveInterval
	if interval <= 0 {
		interval = defaultLogRederiveInterval
	}
	done := make(chan struct{})
	m.auditDone = done
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := m.logAudit.run(ctx)
			var me *tlog.MismatchError
			switch {
			case errors.As(err, &me):
				m.Logger.Error("TRANSPARENCY LOG TAMPERED: the stored log no longer matches its own entries; proofs served now contradict the signed checkpoints", "finding", checkDetail(err))
			case err != nil && ctx.Err() == nil:
				m.Logger.Warn("transparency log re-derivation could not run", "err", err.Error())
			}
		}
	}()
}
