package tlog

// The log monitor: what an auditor or a manufacturer runs to hold a log to
// its signed checkpoints. It talks to the log through LogClient (cmd/ucx
// hands it the HTTP client), keeps its memory in MonitorState (the caller
// stores it), and is split into the steps a reader can check one by one:
// fetch and judge the new checkpoint against the last (rollback, fork,
// consistency), replay the new entries into the tree and compare roots, and
// prove each new leaf from the server's stored hashes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
)

// LogClient is what a Monitor asks of a log server. It is an interface so
// that this package stays free of HTTP: cmd/ucx satisfies it with the API
// client. Errors keep their ucx codes; ENOTFOUND from LogCheckpoint means
// the log has no checkpoint at all.
type LogClient interface {
	// LogKey returns the verifier key the server publishes.
	LogKey(ctx context.Context) (string, error)
	// LogCheckpoint returns the latest signed checkpoint, as a note.
	LogCheckpoint(ctx context.Context) ([]byte, error)
	// LogConsistencyProof returns the proof from size1 to size2.
	LogConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error)
	// LogInclusionProof returns the proof of leaf index in the tree of size.
	LogInclusionProof(ctx context.Context, index, size int64) ([][]byte, error)
	// LogEntries returns entries with indices in [start, end), possibly
	// fewer than asked.
	LogEntries(ctx context.Context, start, end int64) ([]Entry, error)
}

// Entry is one leaf of the log: its index, the entry's bytes (base64 in
// JSON) and when it was appended. The leaf hash is LeafHash(Entry). The
// store returns it, the API serves it and a monitor reads it.
type Entry struct {
	Index int64     `json:"index"`
	Entry []byte    `json:"entry"`
	Time  time.Time `json:"time"`
}

// MonitorState is what a monitor remembers between runs: the key it
// pinned, the last checkpoint it verified, and the right border of that
// tree (its compact range), so that the next run extends the tree from
// there instead of fetching the whole log again.
type MonitorState struct {
	Server     string    `json:"server"`
	LogKey     string    `json:"log_key"`
	Checkpoint string    `json:"checkpoint"`
	Border     [][]byte  `json:"border"`
	CheckedAt  time.Time `json:"checked_at"`
}

// Alarm is a monitor's finding: the log's history was rewritten, forked,
// rolled back or signed by someone else. Anything else a Monitor returns
// means the server could not be asked, which is no finding.
type Alarm struct{ Msg string }

// Error returns the finding as the monitor reports it.
func (a *Alarm) Error() string { return a.Msg }

func alarmf(format string, args ...any) error { return &Alarm{fmt.Sprintf(format, args...)} }

// IsAlarm reports whether err is (or wraps) an *Alarm.
func IsAlarm(err error) bool {
	var a *Alarm
	return errors.As(err, &a)
}

// Monitor follows one log. Set the exported fields, then Resume (when there
// is saved state), Pin and Step in a loop.
type Monitor struct {
	Client LogClient
	// Key is the log's verifier key; empty means pin the server's on
	// first use (Pin).
	Key string
	// Watch, when set, selects the new entries Step reports as watched:
	// those naming this organisation (EntryNames).
	Watch string
	// Proofs asks Step to verify an inclusion proof of every new leaf.
	Proofs bool
	// Workers is how many inclusion proofs are fetched at once.
	Workers int
	// Batch is the most entries asked for at once (the server's limit).
	Batch int64
	// Rederive makes the next Step replay the whole log from its first
	// entry and prove every leaf, not only what is new since the saved
	// state: what catches an entry edited, a published leaf deleted or a
	// stored hash changed under entries already verified. Step clears it
	// once that has passed.
	Rederive bool

	verifier note.Verifier
	cp       SignedCheckpoint
	tree     *border
}

// StepReport is what one Step verified.
type StepReport struct {
	Checkpoint SignedCheckpoint
	New        int64   // entries added since the last checkpoint verified
	Watched    []Entry // the new entries naming Watch
}

// Checkpoint returns the last checkpoint verified (zero before the first).
func (m *Monitor) Checkpoint() SignedCheckpoint { return m.cp }

// Resume restores the monitor from saved state. The state is checked as
// anything else is: its key must agree with Key when both are given, its
// checkpoint must be signed by the log, and its border must re-derive that
// checkpoint's root. A key other than the pinned one is an *Alarm; a state
// that does not hold together is EINVALID.
func (m *Monitor) Resume(st MonitorState) error {
	if m.Key != "" && st.LogKey != "" && strings.TrimSpace(m.Key) != st.LogKey {
		return alarmf("the log key given (%s) is not the one pinned in the state (%s): the log's key changed, or this state is another log's", m.Key, st.LogKey)
	}
	if m.Key == "" {
		m.Key = st.LogKey
	}
	v, err := ParseVerifierKey(m.Key)
	if err != nil {
		return err
	}
	cp, err := OpenCheckpoint([]byte(st.Checkpoint), v)
	if err != nil {
		return &ucx.Error{Code: ucx.EINVALID, Message: "its checkpoint does not verify: " + ucx.ErrorMessage(err), Err: err}
	}
	tree, err := resumeBorder(cp.Size, st.Border)
	if err != nil || !bytes.Equal(tree.tree.Root(), cp.Root) {
		return ucx.Errorf(ucx.EINVALID, "the saved tree does not match its checkpoint")
	}
	m.verifier, m.cp, m.tree = v, cp, tree
	return nil
}

// State returns what to save for the next run.
func (m *Monitor) State(server string) (MonitorState, error) {
	hashes, err := m.border().hashes()
	if err != nil {
		return MonitorState{}, err
	}
	return MonitorState{Server: server, LogKey: m.Key, Checkpoint: string(m.cp.Note), Border: hashes, CheckedAt: time.Now().UTC()}, nil
}

func (m *Monitor) border() *border {
	if m.tree == nil {
		m.tree = newBorder()
	}
	return m.tree
}

// Pin resolves the log key: Key when given (or restored), else the key the
// server publishes, trusted on first use. It reports whether it pinned the
// server's key.
func (m *Monitor) Pin(ctx context.Context) (bool, error) {
	if m.verifier != nil {
		return false, nil
	}
	pinned := false
	if m.Key == "" {
		k, err := m.Client.LogKey(ctx)
		if err != nil {
			return false, err
		}
		m.Key, pinned = k, true
	}
	v, err := ParseVerifierKey(m.Key)
	if err != nil {
		return false, err
	}
	m.verifier = v
	return pinned, nil
}

// Step checks the server's latest checkpoint against everything seen so far
// and, when it is new, verifies it: consistency with the last one, the root
// replayed from the new entries, and (Proofs) an inclusion proof of each new
// leaf. With Rederive it replays the whole log from the first entry instead
// (Rederive is then cleared). It returns nil for a checkpoint already
// verified, an *Alarm for a finding, another error when the server could
// not be asked.
func (m *Monitor) Step(ctx context.Context) (*StepReport, error) {
	if m.verifier == nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the monitor has no log key: call Pin first")
	}
	cp, fresh, err := m.nextCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	if m.Rederive {
		rep, err := m.rederive(ctx, cp)
		if err == nil {
			m.Rederive = false
		}
		return rep, err
	}
	if !fresh {
		return nil, nil
	}
	b, err := m.border().clone()
	if err != nil {
		return nil, err
	}
	leaves, watched, err := m.extend(ctx, b, cp.Size)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b.tree.Root(), cp.Root) {
		return nil, alarmf("root mismatch: the %d entries served re-derive the root %x, but the signed checkpoint says %x: entries were altered after they were logged", cp.Size, b.tree.Root(), cp.Root)
	}
	if m.Proofs {
		if _, err := m.proveLeaves(ctx, cp, leaves, false); err != nil {
			return nil, err
		}
	}
	rep := &StepReport{Checkpoint: cp, New: cp.Size - m.cp.Size, Watched: watched}
	m.cp, m.tree = cp, b
	return rep, nil
}

// rederive replays the whole log up to cp from its first entry, as a
// monitor without state would, but knowing what it verified before: the
// entries must re-derive the root of the last checkpoint it verified as
// well as cp's, and every leaf is proven. It tells apart the three ways a
// stored log goes wrong under its signed checkpoints: an entry edited
// (its hash no longer leads to the signed root), a published leaf deleted
// (the server cannot serve it), a stored leaf or node hash changed (the
// entries re-derive the signed root, yet the server's proofs do not).
func (m *Monitor) rederive(ctx context.Context, cp SignedCheckpoint) (*StepReport, error) {
	old := m.cp
	b := newBorder()
	leaves, _, err := m.extendAll(ctx, b, old.Size)
	if err != nil {
		return nil, err
	}
	mismatch := old.Size > 0 && !bytes.Equal(b.tree.Root(), old.Root)
	more, watched, err := m.extendKeep(ctx, b, cp.Size, true)
	if err != nil {
		return nil, err
	}
	leaves = append(leaves, more...)
	mismatch = mismatch || !bytes.Equal(b.tree.Root(), cp.Root)
	bad, err := m.proveLeaves(ctx, cp, leaves, true)
	if err != nil {
		return nil, err
	}
	switch {
	case mismatch && len(bad) > 0:
		return nil, alarmf("edited entry: entry %s as the server serves it now is not the entry the log signed (its hash does not lead to the signed root of %d entries): it was edited in the database after it was logged", listIndices(bad), cp.Size)
	case mismatch:
		return nil, alarmf("root mismatch: the %d entries served do not re-derive the signed roots (of %d and %d entries): entries were altered after they were logged", cp.Size, old.Size, cp.Size)
	case len(bad) > 0:
		return nil, alarmf("changed node: the entries re-derive the signed root of %d entries, but the server's inclusion proof of entry %s does not lead to it: a stored leaf or node hash was altered (bad proof)", cp.Size, listIndices(bad))
	}
	rep := &StepReport{Checkpoint: cp, New: cp.Size - old.Size, Watched: watched}
	m.cp, m.tree = cp, b
	return rep, nil
}

// listIndices names the first few indices of a list, and how many more.
func listIndices(idx []int64) string {
	const shown = 5
	var sb strings.Builder
	for i, x := range idx[:min(len(idx), shown)] {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.FormatInt(x, 10))
	}
	if len(idx) > shown {
		fmt.Fprintf(&sb, " (and %d more)", len(idx)-shown)
	}
	return sb.String()
}

// nextCheckpoint fetches the latest checkpoint and judges it against the
// last verified one: its signature, no rollback, no second root for a size
// already seen, and a consistency proof from the last. fresh is false when
// it is the checkpoint already verified.
func (m *Monitor) nextCheckpoint(ctx context.Context) (cp SignedCheckpoint, fresh bool, err error) {
	old := m.cp
	msg, err := m.Client.LogCheckpoint(ctx)
	if err != nil {
		if ucx.ErrorCode(err) == ucx.ENOTFOUND && old.Size > 0 {
			return cp, false, alarmf("rollback: the server has no checkpoint at all, but this monitor verified one of %d entries: its log was wiped or restored from before it began", old.Size)
		}
		return cp, false, err
	}
	if cp, err = OpenCheckpoint(msg, m.verifier); err != nil {
		return cp, false, alarmf("signature: the server's checkpoint is not signed by the pinned log key %s: %s", m.Key, ucx.ErrorMessage(err))
	}
	switch {
	case old.Note != nil && cp.Size < old.Size:
		return cp, false, alarmf("rollback: the server's checkpoint has %d entries, fewer than the %d this monitor already verified (a restored older backup, or a rewritten log)", cp.Size, old.Size)
	case old.Note != nil && cp.Size == old.Size:
		if !bytes.Equal(cp.Root, old.Root) {
			return cp, false, alarmf("fork: two signed checkpoints of %d entries with different roots (%x seen before, %x now): the log's history was rewritten", cp.Size, old.Root, cp.Root)
		}
		return cp, false, nil
	}
	if old.Size > 0 {
		p, err := m.Client.LogConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return cp, false, err
		}
		if err := cp.VerifyConsistency(old.Checkpoint, p); err != nil {
			return cp, false, alarmf("inconsistent: the checkpoint of %d entries does not extend the one of %d seen before: the log's history was rewritten or forked (%s)", cp.Size, old.Size, ucx.ErrorMessage(err))
		}
	}
	return cp, true, nil
}

// leaf is an entry's index and hash, to be proven.
type leaf struct {
	index int64
	hash  []byte
}

// extend appends the entries from b's size up to size, as the server serves
// them, to b. It returns the new leaves (when proofs are wanted) and the
// watched entries among them. A gap or a short answer is a deleted (or
// withheld) published leaf.
func (m *Monitor) extend(ctx context.Context, b *border, size int64) ([]leaf, []Entry, error) {
	return m.extendKeep(ctx, b, size, m.Proofs)
}

// extendAll is extend keeping every leaf, for rederive, and watching none
// (those entries were reported when they were new).
func (m *Monitor) extendAll(ctx context.Context, b *border, size int64) ([]leaf, []Entry, error) {
	watch := m.Watch
	m.Watch = ""
	defer func() { m.Watch = watch }()
	return m.extendKeep(ctx, b, size, true)
}

func (m *Monitor) extendKeep(ctx context.Context, b *border, size int64, keep bool) ([]leaf, []Entry, error) {
	var leaves []leaf
	var watched []Entry
	tree := b.tree
	batch := m.Batch
	if batch <= 0 {
		batch = 1000
	}
	for tree.Size() < size {
		start := tree.Size()
		es, err := m.Client.LogEntries(ctx, start, min(size, start+batch))
		if err != nil {
			return nil, nil, err
		}
		if len(es) == 0 {
			return nil, nil, alarmf("withheld: the server signed a checkpoint of at least %d entries but serves none from %d: published entries were deleted, or are withheld", size, start)
		}
		for _, e := range es {
			if e.Index != tree.Size() {
				return nil, nil, alarmf("deleted: the server served entry %d where %d was due: published entry %d is missing from its log", e.Index, tree.Size(), tree.Size())
			}
			h := LeafHash(e.Entry)
			if err := b.append(h); err != nil {
				return nil, nil, err
			}
			if keep {
				leaves = append(leaves, leaf{e.Index, h})
			}
			if m.Watch != "" && EntryNames(e.Entry, m.Watch) {
				watched = append(watched, e)
			}
		}
	}
	return leaves, watched, nil
}

// proveLeaves fetches and checks an inclusion proof of every leaf in cp,
// Workers at a time. Proofs are served from the stored leaf and subtree
// hashes, not from the entries, so this catches a stored hash altered under
// the entries, not only when a verifier trips on it. Without collect it
// stops at the first failure, a finding winning over a failure to ask; with
// collect it goes on through findings and returns the indices whose proof
// failed, in order, stopping only when the server cannot be asked.
func (m *Monitor) proveLeaves(ctx context.Context, cp SignedCheckpoint, leaves []leaf, collect bool) ([]int64, error) {
	if len(leaves) == 0 {
		return nil, nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		bad   []int64
		next  = make(chan leaf)
	)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(1, m.Workers) {
		wg.Go(func() {
			for l := range next {
				err := m.proveLeaf(pctx, cp, l)
				if err == nil {
					continue
				}
				mu.Lock()
				if collect && IsAlarm(err) {
					bad = append(bad, l.index)
					mu.Unlock()
					continue
				}
				if first == nil || IsAlarm(err) && !IsAlarm(first) {
					first = err
				}
				mu.Unlock()
				cancel()
			}
		})
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
		return nil, first
	}
	slices.Sort(bad)
	return bad, nil
}

func (m *Monitor) proveLeaf(ctx context.Context, cp SignedCheckpoint, l leaf) error {
	p, err := m.Client.LogInclusionProof(ctx, l.index, cp.Size)
	if err != nil {
		return err
	}
	if verr := cp.VerifyInclusion(l.index, l.hash, p); verr != nil {
		return alarmf("bad proof: the server's inclusion proof of entry %d does not lead to the signed root of %d entries: a stored hash was altered (%s)", l.index, cp.Size, ucx.ErrorMessage(verr))
	}
	return nil
}

// border is a tree being re-derived together with its right border, the
// hashes that resume it (BorderIDs, ResumeTree), which is what the state
// keeps. The border node at each level is always the last node completed at
// that level (what follows it is smaller than it), so the latest node per
// level, from Append's visit callback, is all it takes.
type border struct {
	tree *Tree
	last map[uint]NodeID
	hash map[uint][]byte
}

func newBorder() *border {
	return &border{tree: NewTree(), last: map[uint]NodeID{}, hash: map[uint][]byte{}}
}

// resumeBorder rebuilds a border from saved hashes.
func resumeBorder(size int64, hashes [][]byte) (*border, error) {
	t, err := ResumeTree(size, hashes)
	if err != nil {
		return nil, err
	}
	b := &border{tree: t, last: map[uint]NodeID{}, hash: map[uint][]byte{}}
	for i, id := range BorderIDs(size) {
		b.last[id.Level], b.hash[id.Level] = id, hashes[i]
	}
	return b, nil
}

func (b *border) append(leafHash []byte) error {
	return b.tree.Append(leafHash, func(id NodeID, h []byte) {
		b.last[id.Level], b.hash[id.Level] = id, h
	})
}

// hashes returns the border's hashes in BorderIDs order.
func (b *border) hashes() ([][]byte, error) {
	ids := BorderIDs(b.tree.Size())
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if b.last[id.Level] != id {
			return nil, ucx.Internal("tlog.border", fmt.Errorf("border node %v not tracked", id))
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

// EntryNames reports whether a log entry (a JSON record; see the leaf
// format in the README) names the organisation org: its issuer "org_id",
// one of the "orgs" it concerns, or its "org_name". org is an id or an
// exact name. Entries that are not JSON objects never match.
func EntryNames(entry []byte, org string) bool {
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
