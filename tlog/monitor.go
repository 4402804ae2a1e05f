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

// Entry is one leaf of the log as a monitor reads it.
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
// leaf. It returns nil for a checkpoint already verified, an *Alarm for a
// finding, another error when the server could not be asked.
func (m *Monitor) Step(ctx context.Context) (*StepReport, error) {
	if m.verifier == nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the monitor has no log key: call Pin first")
	}
	cp, fresh, err := m.nextCheckpoint(ctx)
	if err != nil || !fresh {
		return nil, err
	}
	b, watched, err := m.replay(ctx, m.border(), cp)
	if err != nil {
		return nil, err
	}
	if m.Proofs {
		if err := m.proveLeaves(ctx, cp, b.leaves); err != nil {
			return nil, err
		}
	}
	rep := &StepReport{Checkpoint: cp, New: cp.Size - m.cp.Size, Watched: watched}
	m.cp, m.tree = cp, b.border
	return rep, nil
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

// replayed is a tree extended by replay, with the leaves it added.
type replayed struct {
	border *border
	leaves []leaf
}

// replay extends a copy of from with the entries up to cp.Size, as the
// server serves them, and checks that they re-derive cp's root. It returns
// the new tree, its new leaves (when proofs are wanted) and the watched
// entries among them.
func (m *Monitor) replay(ctx context.Context, from *border, cp SignedCheckpoint) (replayed, []Entry, error) {
	b, err := from.clone()
	if err != nil {
		return replayed{}, nil, err
	}
	out := replayed{border: b}
	var watched []Entry
	tree := b.tree
	batch := m.Batch
	if batch <= 0 {
		batch = 1000
	}
	for tree.Size() < cp.Size {
		start := tree.Size()
		es, err := m.Client.LogEntries(ctx, start, min(cp.Size, start+batch))
		if err != nil {
			return replayed{}, nil, err
		}
		if len(es) == 0 {
			return replayed{}, nil, alarmf("withheld: the server signed a checkpoint of %d entries but serves none from %d", cp.Size, start)
		}
		for _, e := range es {
			if e.Index != tree.Size() {
				return replayed{}, nil, alarmf("the server served entry %d where %d was due", e.Index, tree.Size())
			}
			h := LeafHash(e.Entry)
			if err := b.append(h); err != nil {
				return replayed{}, nil, err
			}
			if m.Proofs {
				out.leaves = append(out.leaves, leaf{e.Index, h})
			}
			if m.Watch != "" && EntryNames(e.Entry, m.Watch) {
				watched = append(watched, e)
			}
		}
	}
	if !bytes.Equal(tree.Root(), cp.Root) {
		return replayed{}, nil, alarmf("root mismatch: the %d entries served re-derive the root %x, but the signed checkpoint says %x: entries were altered after they were logged", cp.Size, tree.Root(), cp.Root)
	}
	return out, watched, nil
}

// proveLeaves fetches and checks an inclusion proof of every leaf in cp,
// Workers at a time. Proofs are served from the stored leaf and subtree
// hashes, not from the entries, so this catches a stored hash altered under
// the entries, not only when a verifier trips on it. A finding wins over a
// failure to ask.
func (m *Monitor) proveLeaves(ctx context.Context, cp SignedCheckpoint, leaves []leaf) error {
	if len(leaves) == 0 {
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan leaf)
	)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(1, m.Workers) {
		wg.Go(func() {
			for l := range next {
				err := m.proveLeaf(pctx, cp, l)
				if err != nil {
					mu.Lock()
					if first == nil || IsAlarm(err) && !IsAlarm(first) {
						first = err
					}
					mu.Unlock()
					cancel()
				}
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
	return first
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
