package main

// The transparency log's two faces in the binary: the server side (the
// log key, the background integrator, the adapter the HTTP API serves) and
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
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

// storeLog is the log as the HTTP API serves it: the store and the public
// key. It adapts sqlstore's entries to the API's type, which keeps the
// http package free of the store.
type storeLog struct {
	*sqlstore.DB
	vkey string
}

var _ ucxhttp.LogService = storeLog{}

func (l storeLog) LogVerifierKey() string { return l.vkey }

func (l storeLog) LogEntries(ctx context.Context, start, end int64) ([]ucxhttp.LogEntry, error) {
	es, err := l.DB.LogEntries(ctx, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]ucxhttp.LogEntry, len(es))
	for i, e := range es {
		out[i] = ucxhttp.LogEntry(e)
	}
	return out, nil
}

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
	m.LogSigner, m.LogVerifierKey = signer, vkey
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

// monitorState is what a monitor remembers between runs (--state): the
// key it pinned, the last checkpoint it verified, and the right border of
// that tree (its compact range), so the next run extends the tree from
// there instead of fetching the whole log again.
type monitorState struct {
	Server     string    `json:"server"`
	LogKey     string    `json:"log_key"`
	Checkpoint string    `json:"checkpoint"`
	Border     [][]byte  `json:"border"`
	CheckedAt  time.Time `json:"checked_at"`
}

// alarm is a finding: the log's history was rewritten, forked, rolled back
// or signed by someone else. It ends the monitor with exit status 1.
type alarm struct{ msg string }

func (a *alarm) Error() string { return a.msg }

func alarmf(format string, args ...any) error { return &alarm{fmt.Sprintf(format, args...)} }

// monitor follows one log. cp and tree are the last verified checkpoint
// and the tree re-derived up to it.
type monitor struct {
	client   *ucxhttp.Client
	verifier note.Verifier
	vkey     string
	state    string // the state file, or ""
	watch    string
	proofs   bool
	workers  int
	out      io.Writer

	cp   tlog.SignedCheckpoint
	tree *border
}

// load restores the monitor from its state file, when there is one.
func (m *monitor) load() (bool, error) {
	m.tree = newBorder()
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
	if m.vkey != "" && st.LogKey != "" && strings.TrimSpace(m.vkey) != st.LogKey {
		return false, alarmf("the log key given (%s) is not the one pinned in %s (%s): the log's key changed, or this state is another log's", m.vkey, m.state, st.LogKey)
	}
	if m.vkey == "" {
		m.vkey = st.LogKey
	}
	if m.verifier, err = tlog.ParseVerifierKey(m.vkey); err != nil {
		return false, usageErr(fmt.Errorf("--state %s: %s", m.state, ucx.ErrorMessage(err)))
	}
	// The state file is the monitor's own memory, but it is checked as
	// anything else: a checkpoint signed by the log, and a border that
	// re-derives that checkpoint's root.
	cp, err := tlog.OpenCheckpoint([]byte(st.Checkpoint), m.verifier)
	if err != nil {
		return false, usageErr(fmt.Errorf("--state %s: its checkpoint does not verify: %s", m.state, ucx.ErrorMessage(err)))
	}
	tree, err := resumeBorder(cp.Size, st.Border)
	if err != nil || !bytes.Equal(tree.tree.Root(), cp.Root) {
		return false, usageErr(fmt.Errorf("--state %s: the saved tree does not match its checkpoint; remove the file to audit from the start", m.state))
	}
	m.cp, m.tree = cp, tree
	return true, nil
}

// save writes the state atomically: a crash leaves the old state or the
// new one, never half of one.
func (m *monitor) save() error {
	if m.state == "" {
		return nil
	}
	hashes, err := m.tree.hashes()
	if err != nil {
		return err
	}
	st := monitorState{Server: m.client.URL, LogKey: m.vkey, Checkpoint: string(m.cp.Note), Border: hashes, CheckedAt: time.Now().UTC()}
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

// border is a tree being re-derived together with its right border, the
// hashes that resume it (tlog.BorderIDs, tlog.ResumeTree), which is what
// the state file keeps. The border node at each level is always the last
// node completed at that level (what follows it is smaller than it), so
// the latest node per level, from Append's visit callback, is all it takes.
type border struct {
	tree *tlog.Tree
	last map[uint]tlog.NodeID
	hash map[uint][]byte
}

func newBorder() *border {
	return &border{tree: tlog.NewTree(), last: map[uint]tlog.NodeID{}, hash: map[uint][]byte{}}
}

// resumeBorder rebuilds a border from saved hashes.
func resumeBorder(size int64, hashes [][]byte) (*border, error) {
	t, err := tlog.ResumeTree(size, hashes)
	if err != nil {
		return nil, err
	}
	b := &border{tree: t, last: map[uint]tlog.NodeID{}, hash: map[uint][]byte{}}
	for i, id := range tlog.BorderIDs(size) {
		b.last[id.Level], b.hash[id.Level] = id, hashes[i]
	}
	return b, nil
}

func (b *border) append(leafHash []byte) error {
	return b.tree.Append(leafHash, func(id tlog.NodeID, h []byte) {
		b.last[id.Level], b.hash[id.Level] = id, h
	})
}

// hashes returns the border's hashes in tlog.BorderIDs order.
func (b *border) hashes() ([][]byte, error) {
	ids := tlog.BorderIDs(b.tree.Size())
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if b.last[id.Level] != id {
			return nil, ucx.Internal("monitor.border", fmt.Errorf("border node %v not tracked", id))
		}
		out[i] = b.hash[id.Level]
	}
	return out, nil
}

func (b *border) clone() (*border, error) {
	h, err := b.hashes()
	if err != nil {
		return nil, err
	}
	return resumeBorder(b.tree.Size(), h)
}

// pin resolves the log key: the one given (--log-key-pub) or pinned in
// the state, else the key the server publishes, trusted on first use and
// pinned in the state from then on.
func (m *monitor) pin(ctx context.Context) error {
	if m.verifier != nil {
		return nil
	}
	if m.vkey == "" {
		k, err := m.client.LogKey(ctx)
		if err != nil {
			return err
		}
		m.vkey = k
		fmt.Fprintf(m.out, "pinned the log key the server publishes (trust on first use): %s\n", k)
	}
	v, err := tlog.ParseVerifierKey(m.vkey)
	if err != nil {
		return usageErr(fmt.Errorf("--log-key-pub: %s", ucx.ErrorMessage(err)))
	}
	m.verifier = v
	return nil
}

// step checks the server's latest checkpoint against everything seen so
// far and, when it is new, verifies it and reports what it adds. It
// returns an *alarm for a finding, another error when the server could
// not be asked.
func (m *monitor) step(ctx context.Context) (bool, error) {
	msg, err := m.client.LogCheckpoint(ctx)
	if err != nil {
		if ucx.ErrorCode(err) == ucx.ENOTFOUND && m.cp.Size > 0 {
			return false, alarmf("rollback: the server has no checkpoint at all, but this monitor verified one of %d entries: its log was wiped or restored from before it began", m.cp.Size)
		}
		return false, err
	}
	cp, err := tlog.OpenCheckpoint(msg, m.verifier)
	if err != nil {
		return false, alarmf("signature: the server's checkpoint is not signed by the pinned log key %s: %s", m.vkey, ucx.ErrorMessage(err))
	}
	old := m.cp
	switch {
	case m.cp.Note != nil && cp.Size < old.Size:
		return false, alarmf("rollback: the server's checkpoint has %d entries, fewer than the %d this monitor already verified (a restored older backup, or a rewritten log)", cp.Size, old.Size)
	case m.cp.Note != nil && cp.Size == old.Size:
		if !bytes.Equal(cp.Root, old.Root) {
			return false, alarmf("fork: two signed checkpoints of %d entries with different roots (%x seen before, %x now): the log's history was rewritten", cp.Size, old.Root, cp.Root)
		}
		return false, nil
	}
	if old.Size > 0 {
		p, err := m.client.LogConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return false, err
		}
		if err := cp.VerifyConsistency(old.Checkpoint, p.Hashes); err != nil {
			return false, alarmf("inconsistent: the checkpoint of %d entries does not extend the one of %d seen before: the log's history was rewritten or forked (%s)", cp.Size, old.Size, ucx.ErrorMessage(err))
		}
	}
	// Re-derive the root from the entries themselves.
	b, err := m.tree.clone()
	if err != nil {
		return false, err
	}
	tree := b.tree
	type leaf struct {
		index int64
		hash  []byte
	}
	var leaves []leaf
	var watched []ucxhttp.LogEntry
	for tree.Size() < cp.Size {
		start := tree.Size()
		es, err := m.client.LogEntries(ctx, start, min(cp.Size, start+ucxhttp.MaxLogEntries))
		if err != nil {
			return false, err
		}
		if len(es) == 0 {
			return false, alarmf("withheld: the server signed a checkpoint of %d entries but serves none from %d", cp.Size, start)
		}
		for _, e := range es {
			if e.Index != tree.Size() {
				return false, alarmf("the server served entry %d where %d was due", e.Index, tree.Size())
			}
			h := tlog.LeafHash(e.Entry)
			if err := b.append(h); err != nil {
				return false, err
			}
			if m.proofs {
				leaves = append(leaves, leaf{e.Index, h})
			}
			if m.watch != "" && entryNames(e.Entry, m.watch) {
				watched = append(watched, e)
			}
		}
	}
	if !bytes.Equal(tree.Root(), cp.Root) {
		return false, alarmf("root mismatch: the %d entries served re-derive the root %x, but the signed checkpoint says %x: entries were altered after they were logged", cp.Size, tree.Root(), cp.Root)
	}
	// Proofs are served from the stored leaf and subtree hashes, not from
	// the entries: prove every new leaf, so a stored hash altered under
	// the entries is caught too, not just when a verifier trips on it.
	if m.proofs && len(leaves) > 0 {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
			next  = make(chan leaf)
		)
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for range max(1, m.workers) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for l := range next {
					p, err := m.client.LogInclusionProof(pctx, l.index, cp.Size)
					if err == nil {
						if verr := cp.VerifyInclusion(l.index, l.hash, p.Hashes); verr != nil {
							err = alarmf("bad proof: the server's inclusion proof of entry %d does not lead to the signed root of %d entries: a stored hash was altered (%s)", l.index, cp.Size, ucx.ErrorMessage(verr))
						}
					}
					if err != nil {
						mu.Lock()
						if first == nil || isAlarm(err) && !isAlarm(first) {
							first = err
						}
						mu.Unlock()
						cancel()
					}
				}
			}()
		}
	feed:
		for _, l := range leaves {
			select {
			case next <- l:
			case <-pctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if first != nil {
			return false, first
		}
	}
	m.cp, m.tree = cp, b
	for _, e := range watched {
		fmt.Fprintf(m.out, "watch %s: entry %d at %s: %s\n", m.watch, e.Index, e.Time.Format(time.RFC3339), bytes.TrimSpace(e.Entry))
	}
	fmt.Fprintf(m.out, "verified checkpoint of %d entries (root %s), %d new\n", cp.Size, base64.StdEncoding.EncodeToString(cp.Root), cp.Size-old.Size)
	return true, m.save()
}

func isAlarm(err error) bool {
	var a *alarm
	return errors.As(err, &a)
}

// entryNames reports whether a log entry (a JSON record; see the leaf
// format in the README) names the organisation org: its issuer "org_id",
// one of the "orgs" it concerns, or its "org_name". org is an id or an
// exact name. Entries that are not JSON objects never match.
func entryNames(entry []byte, org string) bool {
	var rec struct {
		OrgID   *int64  `json:"org_id"`
		Orgs    []int64 `json:"orgs"`
		OrgName string  `json:"org_name"`
	}
	if json.Unmarshal(entry, &rec) != nil {
		return false
	}
	if id, err := strconv.ParseInt(org, 10, 64); err == nil {
		if rec.OrgID != nil && *rec.OrgID == id {
			return true
		}
		for _, o := range rec.Orgs {
			if o == id {
				return true
			}
		}
	}
	return rec.OrgName != "" && rec.OrgName == org
}

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
		interval                      time.Duration
		once, proofs                  bool
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
			c := ucxhttp.NewClient(server, "")
			c.UserAgent = "ucx-log-monitor"
			m := &monitor{client: c, state: statePath, watch: watch, proofs: proofs, workers: workers, out: cmd.OutOrStdout()}
			if pub != "" {
				m.vkey = pub
				if b, err := os.ReadFile(pub); err == nil {
					m.vkey = strings.TrimSpace(string(b))
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			resumed, err := m.load()
			if err != nil {
				return monitorErr(err)
			}
			if resumed {
				fmt.Fprintf(m.out, "resuming from the checkpoint of %d entries in %s\n", m.cp.Size, statePath)
			}
			for {
				err := m.pin(ctx)
				if err == nil {
					_, err = m.step(ctx)
				}
				var ee *exitError
				switch {
				case err == nil && once:
					if m.cp.Note == nil {
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
