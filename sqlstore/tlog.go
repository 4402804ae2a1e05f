package sqlstore

// The transparency log kept in the store (package tlog has the pure parts).
//
// # Tables (migration 0002)
//
//   - log_leaves(idx, hash, entry, created_at): every entry, its RFC 6962
//     leaf hash and when it was appended.
//   - log_nodes(id, hash): every complete subtree above the leaves, keyed
//     by nodeKey(level, index) = level·2^56 + index, written once, when integration completes it. An inclusion or
//     consistency proof is then ~log2(n) rows fetched by primary key in ONE
//     query (plus a single rehash of the partial right-hand subtree), never
//     a read per node and never a recomputation of the tree.
//   - log_tree(size, root): the integrated tree; its one row is the
//     integrator's lock.
//   - log_checkpoints(size, root, note, created_at): every signed checkpoint.
//   - log_state(next_index): the next leaf index.
//
// # Sequencing: why the index is taken inside the document's transaction
//
// A leaf must commit with its document or not at all, and indices must be
// gap-free and unique across several `ucx serve` processes on one
// PostgreSQL. AppendLeaf takes the index with
//
//	UPDATE log_state SET next_index = next_index + 1 … RETURNING next_index - 1
//
// in the caller's transaction. On PostgreSQL that row lock is held until the
// transaction ends, so appenders queue on it and commit in index order; a
// rollback returns the index with everything else, so there is never a gap.
// On SQLite writers are serialised anyway (one write connection, BEGIN
// IMMEDIATE), so the row costs nothing. The price on PostgreSQL is that
// document-writing transactions serialise from their AppendLeaf to their
// commit, which is why AppendLeaf should be the last statement before
// commit: the lock is then held for one commit, a millisecond or so,
// allowing hundreds of documents a second — far above what manufacturers
// and authorities seal. The alternative, an unsequenced queue that the
// integrator numbers later, never blocks writers but leaves a document
// without its index until the next integration; the index is worth more to
// callers (it goes into the document's receipt) than the throughput.
//
// Because appenders commit in index order, every snapshot of log_leaves is
// a prefix 0..m; integration checks that anyway and refuses a gap.
//
// # Integration
//
// IntegrateLog runs in its own transaction: it locks log_tree (SELECT … FOR
// UPDATE on PostgreSQL; SQLite's single writer does it there), resumes the
// tree from its stored right border (one query), appends the leaves not yet
// in it, writes the nodes they complete with multi-row INSERTs, and stores
// and signs a checkpoint, all at once. A second process integrating at the
// same time waits for the lock and then finds nothing, or only the newer
// leaves, to do: each leaf is integrated exactly once. Appenders and the
// integrator lock different rows, so they never wait for each other.

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/tlog"
)

// Log limits.
const (
	// MaxLogEntry is the largest entry AppendLeaf accepts.
	MaxLogEntry = 4 << 20
	// MaxLogEntries is the most entries LogEntries returns at once.
	MaxLogEntries = 1000
	// integrateBatch is the most leaves one integration transaction takes,
	// so that catching up after downtime never holds SQLite's writer for
	// long; IntegrateLog commits batch after batch until it has them all.
	integrateBatch = 1 << 16
	// leafChunk is how many leaves are read per query while integrating or
	// verifying.
	leafChunk = 4096
	// nodeInsertRows is the rows per multi-row INSERT into log_nodes.
	nodeInsertRows = 200
)

// AppendLeaf appends entry to the transparency log within the transaction
// and returns its leaf index. The leaf commits or rolls back with everything
// else the transaction writes, so a document and its leaf exist together or
// not at all. Call it last, just before the transaction commits: on
// PostgreSQL it takes the log's sequencing lock, which the transaction then
// holds until it ends (see the design notes above).
//
// The leaf is in the log at once but covered by a signed checkpoint, and so
// provable, only after the next IntegrateLog.
func (tx *Tx) AppendLeaf(ctx context.Context, entry []byte) (int64, error) {
	switch {
	case len(entry) == 0:
		return 0, ucx.Errorf(ucx.EINVALID, "an empty log entry")
	case len(entry) > MaxLogEntry:
		return 0, ucx.Errorf(ucx.ETOOLARGE, "a log entry of %d bytes is over the %d-byte limit", len(entry), MaxLogEntry)
	}
	var idx int64
	if err := tx.QueryRow(ctx, "UPDATE log_state SET next_index = next_index + 1 WHERE id = 1 RETURNING next_index - 1").Scan(&idx); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO log_leaves (idx, hash, entry, created_at) VALUES (?, ?, ?, ?)",
		idx, tlog.LeafHash(entry), entry, tx.now.UnixMicro()); err != nil {
		return 0, err
	}
	return idx, nil
}

// IntegrateLog adds every leaf appended so far to the Merkle tree, writes
// the nodes they complete, and stores a checkpoint signed by signer (whose
// name is the log's origin), which it returns. With nothing new it returns
// the latest checkpoint unchanged, signing one only if there is none yet for
// the current size and signer. It is safe to call from several processes
// at once (each leaf is integrated exactly once) and is meant to run every
// second or so (RunLogIntegrator).
func (db *DB) IntegrateLog(ctx context.Context, signer note.Signer) (tlog.SignedCheckpoint, error) {
	const op = "sqlstore.IntegrateLog"
	if signer == nil {
		return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "no log signer")
	}
	for {
		var cp tlog.SignedCheckpoint
		var added int64
		err := db.Update(ctx, op, func(tx *Tx) (err error) {
			cp, added, err = db.integrate(ctx, tx, signer)
			return err
		})
		if err != nil || added < integrateBatch {
			return cp, err
		}
	}
}

func (db *DB) integrate(ctx context.Context, tx *Tx, signer note.Signer) (tlog.SignedCheckpoint, int64, error) {
	lock := "SELECT size FROM log_tree WHERE id = 1"
	if db.engine == Postgres {
		lock += " FOR UPDATE"
	}
	var size int64
	if err := tx.QueryRow(ctx, lock).Scan(&size); err != nil {
		return tlog.SignedCheckpoint{}, 0, err
	}
	border, _, err := readNodes(ctx, tx.tx, db, tlog.BorderIDs(size), false)
	if err != nil {
		return tlog.SignedCheckpoint{}, 0, err
	}
	tree, err := tlog.ResumeTree(size, border)
	if err != nil {
		return tlog.SignedCheckpoint{}, 0, ucx.Internal("sqlstore.IntegrateLog", err)
	}

	var nodes []storedNode
	visit := func(id tlog.NodeID, hash []byte) {
		if id.Level > 0 {
			nodes = append(nodes, storedNode{id, hash})
		}
	}
	hashes := make([][]byte, 0, leafChunk)
	for tree.Size()-size < integrateBatch {
		limit := int(min(leafChunk, integrateBatch-(tree.Size()-size)))
		hashes, err = readLeafHashes(ctx, tx, tree.Size(), limit, hashes[:0])
		if err != nil {
			return tlog.SignedCheckpoint{}, 0, err
		}
		for _, h := range hashes {
			if err := tree.Append(h, visit); err != nil {
				return tlog.SignedCheckpoint{}, 0, ucx.Internal("sqlstore.IntegrateLog", fmt.Errorf("leaf %d: %w", tree.Size(), err))
			}
		}
		if err := insertNodes(ctx, tx, nodes); err != nil {
			return tlog.SignedCheckpoint{}, 0, err
		}
		nodes = nodes[:0]
		if len(hashes) < limit {
			break
		}
	}
	added := tree.Size() - size

	cp, err := tlog.Checkpoint{Origin: signer.Name(), Size: tree.Size(), Root: tree.Root()}.Sign(signer)
	if err != nil {
		return tlog.SignedCheckpoint{}, 0, err
	}
	if added == 0 {
		// Nothing new. Ed25519 signatures are deterministic, so the same
		// signer over the same tree gives the very same note: keep the
		// stored one and write nothing.
		latest, err := latestCheckpoint(ctx, tx.tx, db)
		if err == nil && bytes.Equal(latest.Note, cp.Note) {
			return latest, 0, nil
		}
		if err != nil && ucx.ErrorCode(err) != ucx.ENOTFOUND {
			return tlog.SignedCheckpoint{}, 0, err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO log_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (size) DO UPDATE SET root = excluded.root, note = excluded.note, created_at = excluded.created_at`,
		cp.Size, cp.Root, cp.Note, tx.now.UnixMicro()); err != nil {
		return tlog.SignedCheckpoint{}, 0, err
	}
	if _, err := tx.Exec(ctx, "UPDATE log_tree SET size = ?, root = ? WHERE id = 1", cp.Size, cp.Root); err != nil {
		return tlog.SignedCheckpoint{}, 0, err
	}
	return cp, added, nil
}

// readLeafHashes reads up to limit leaf hashes from index from, in order,
// refusing a gap.
func readLeafHashes(ctx context.Context, tx *Tx, from int64, limit int, dst [][]byte) ([][]byte, error) {
	rows, err := tx.Query(ctx, "SELECT idx, hash FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?", from, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for want := from; rows.Next(); want++ {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, err
		}
		if idx != want {
			return nil, ucx.Internal("sqlstore.IntegrateLog", fmt.Errorf("log leaf %d is missing (found %d next)", want, idx))
		}
		dst = append(dst, h)
	}
	return dst, rows.Err()
}

// nodeKey packs a node's coordinates into log_nodes' one integer key, so a
// proof's nodes are fetched with one IN list on the primary key (the rowid
// on SQLite, a third faster than matching (level, idx) pairs). 2^56 leaves
// is more than any log will hold.
func nodeKey(id tlog.NodeID) int64 { return int64(id.Level)<<56 | int64(id.Index) }

// nodeOf unpacks a nodeKey.
func nodeOf(key int64) tlog.NodeID {
	return tlog.NodeID{Level: uint(key >> 56), Index: uint64(key & (1<<56 - 1))}
}

type storedNode struct {
	id   tlog.NodeID
	hash []byte
}

// insertNodes writes nodes with multi-row INSERTs: one statement per
// nodeInsertRows rows instead of one per row.
func insertNodes(ctx context.Context, tx *Tx, nodes []storedNode) error {
	var full string
	args := make([]any, 0, 2*nodeInsertRows)
	for len(nodes) > 0 {
		n := min(len(nodes), nodeInsertRows)
		args = args[:0]
		for _, nd := range nodes[:n] {
			args = append(args, nodeKey(nd.id), nd.hash)
		}
		var query string
		if n == nodeInsertRows && full != "" {
			query = full
		} else {
			query = "INSERT INTO log_nodes (id, hash) VALUES (?, ?)" + strings.Repeat(", (?, ?)", n-1)
			if n == nodeInsertRows {
				full = query
			}
		}
		if _, err := tx.Exec(ctx, query, args...); err != nil {
			return err
		}
		nodes = nodes[n:]
	}
	return nil
}

// queryer is what readNodes needs: a pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readNodes fetches the hashes of ids in ONE query of one row: a column
// per node, each a scalar subquery by primary key (leaves from log_leaves,
// higher nodes from log_nodes), in the order of ids. One row instead of a
// row per node saves a driver round trip (a cgo call on SQLite) per node and
// the IN list's temporary index, and needs no matching of rows to ids. With
// withSize it also returns the integrated tree's size, read by the same
// statement so the two agree. A node that is not stored is an EINTERNAL
// error, unless withSize is set (its hash is then nil, and the caller checks
// the size first).
func readNodes(ctx context.Context, q queryer, db *DB, ids []tlog.NodeID, withSize bool) ([][]byte, int64, error) {
	if len(ids) == 0 && !withSize {
		return nil, 0, nil
	}
	var b strings.Builder
	b.Grow(16 + 48*len(ids))
	b.WriteString("SELECT ")
	if withSize {
		b.WriteString("(SELECT size FROM log_tree WHERE id = 1)")
	} else {
		b.WriteString("-1")
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		if id.Level == 0 {
			b.WriteString(", (SELECT hash FROM log_leaves WHERE idx = ?)")
			args[i] = int64(id.Index)
		} else {
			b.WriteString(", (SELECT hash FROM log_nodes WHERE id = ?)")
			args[i] = nodeKey(id)
		}
	}
	rows, err := q.QueryContext(ctx, db.q(b.String()), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		return nil, 0, ucx.Internal("sqlstore.readNodes", fmt.Errorf("no row"))
	}
	// The hashes are scanned without a copy each (RawBytes) and then copied
	// into one array: one allocation instead of one per node.
	size := int64(-1)
	raw := make([]sql.RawBytes, len(ids))
	dst := make([]any, len(ids)+1)
	dst[0] = &size
	n := 0
	for i := range raw {
		dst[i+1] = &raw[i]
	}
	if err := rows.Scan(dst...); err != nil {
		return nil, 0, err
	}
	for _, h := range raw {
		n += len(h)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(ids))
	for i, h := range raw {
		if h != nil {
			buf = append(buf, h...)
			out[i] = buf[len(buf)-len(h) : len(buf) : len(buf)]
		}
	}
	if err := rows.Close(); err != nil {
		return nil, 0, err
	}
	if !withSize {
		for i, h := range out {
			if h == nil {
				return nil, 0, ucx.Internal("sqlstore.readNodes", fmt.Errorf("log node %v is missing", ids[i]))
			}
		}
	}
	return out, size, nil
}

// proofReader returns a tlog.HashReader over the read pool that also checks
// the requested tree size against the integrated tree, in the same query.
func (db *DB) proofReader(ctx context.Context, size int64) tlog.HashReader {
	return func(ids []tlog.NodeID) ([][]byte, error) {
		hashes, have, err := readNodes(ctx, db.read, db, ids, true)
		if err != nil {
			return nil, err
		}
		if size > have {
			return nil, errBeyondTree(size, have)
		}
		for i, h := range hashes {
			if h == nil {
				return nil, ucx.Internal("sqlstore.proof", fmt.Errorf("log node %v is missing from a tree of %d", ids[i], have))
			}
		}
		return hashes, nil
	}
}

func errBeyondTree(size, have int64) error {
	return ucx.Errorf(ucx.ENOTFOUND, "the log has no tree of %d leaves yet; its latest checkpoint is of %d", size, have)
}

// InclusionProof returns the proof that leaf index is in the tree of the
// given size, which must not exceed the latest checkpoint's. Serving it is
// one query.
func (db *DB) InclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	const op = "sqlstore.InclusionProof"
	p, err := tlog.InclusionProof(index, size, db.proofReader(ctx, size))
	return p, db.wrap(op, err)
}

// InclusionProofByHash finds the first leaf with leafHash and returns its
// index and its inclusion proof in the tree of the given size.
func (db *DB) InclusionProofByHash(ctx context.Context, leafHash []byte, size int64) (int64, [][]byte, error) {
	const op = "sqlstore.InclusionProofByHash"
	idx, err := db.LogLeafIndex(ctx, leafHash)
	if err != nil {
		return 0, nil, err
	}
	if idx >= size {
		return 0, nil, &ucx.Error{Code: ucx.ENOTFOUND, Op: op, Message: fmt.Sprintf("the entry is leaf %d, not in the tree of %d leaves", idx, size)}
	}
	p, err := db.InclusionProof(ctx, idx, size)
	return idx, p, err
}

// ProveLeaf returns the latest checkpoint and the proof that leaf index is
// in it: what a verification bundle carries.
func (db *DB) ProveLeaf(ctx context.Context, index int64) ([][]byte, tlog.SignedCheckpoint, error) {
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		return nil, cp, err
	}
	if index < 0 || index >= cp.Size {
		return nil, cp, &ucx.Error{Code: ucx.ENOTFOUND, Op: "sqlstore.ProveLeaf",
			Message: fmt.Sprintf("leaf %d is not in the latest checkpoint (%d leaves) yet", index, cp.Size)}
	}
	p, err := db.InclusionProof(ctx, index, cp.Size)
	return p, cp, err
}

// ConsistencyProof returns the proof that the tree of size1 is a prefix of
// the tree of size2; size2 must not exceed the latest checkpoint's.
func (db *DB) ConsistencyProof(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	const op = "sqlstore.ConsistencyProof"
	if size1 >= 0 && size1 <= size2 && (size1 == 0 || size1 == size2) {
		// No nodes to read, but the size still has to exist.
		cp, err := db.LatestCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		if size2 > cp.Size {
			return nil, db.wrap(op, errBeyondTree(size2, cp.Size))
		}
	}
	p, err := tlog.ConsistencyProof(size1, size2, db.proofReader(ctx, size2))
	return p, db.wrap(op, err)
}

// LatestCheckpoint returns the newest signed checkpoint, ENOTFOUND before
// the first integration. Its note carries the witnesses' cosignatures of it
// stored so far (AddCosignature), as extra signature lines.
func (db *DB) LatestCheckpoint(ctx context.Context) (tlog.SignedCheckpoint, error) {
	const op = "sqlstore.LatestCheckpoint"
	cp, err := latestCheckpoint(ctx, db.read, db)
	if err != nil {
		return cp, db.wrap(op, err)
	}
	lines, err := db.cosignatures(ctx, cp.Size)
	if err != nil {
		return cp, db.wrap(op, err)
	}
	cp.Note = tlog.AddSignatures(cp.Note, lines)
	return cp, nil
}

// maxCosignatureLine bounds a stored cosignature line: a name of a few
// dozen bytes and 100 bytes of base64.
const maxCosignatureLine = 1024

// AddCosignature stores a witness's cosignature line ("— <name>
// <base64>\n", as tlog.Cosign makes it) on the checkpoint of the given
// size, replacing the witness's earlier one of that size. The caller checks
// the line against the witness's key first (cmd/ucx does, with
// tlog.VerifyCheckpointCosigned): the store checks only its form.
func (db *DB) AddCosignature(ctx context.Context, size int64, line []byte) error {
	const op = "sqlstore.AddCosignature"
	rest, ok := bytes.CutPrefix(line, []byte("— "))
	name, sig, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok || !ok2 || len(line) > maxCosignatureLine || len(name) == 0 || !bytes.HasSuffix(sig, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		return &ucx.Error{Code: ucx.EINVALID, Op: op, Message: "not one note signature line (— <name> <base64>)"}
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO log_cosignatures (size, witness, line, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, created_at = excluded.created_at`,
			size, string(name), string(line), tx.now.UnixMicro())
		return err
	})
}

// cosignatures returns the stored cosignature lines of the checkpoint of
// size, by witness name.
func (db *DB) cosignatures(ctx context.Context, size int64) ([]byte, error) {
	rows, err := db.read.QueryContext(ctx, db.q("SELECT line FROM log_cosignatures WHERE size = ? ORDER BY witness"), size)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, rows.Err()
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func latestCheckpoint(ctx context.Context, q rowQueryer, db *DB) (tlog.SignedCheckpoint, error) {
	var msg []byte
	err := q.QueryRowContext(ctx, "SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1").Scan(&msg)
	if err == sql.ErrNoRows {
		return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.ENOTFOUND, "the log has no checkpoint yet")
	}
	if err != nil {
		return tlog.SignedCheckpoint{}, err
	}
	return parseStoredNote(msg)
}

// parseStoredNote reads a checkpoint this store signed, without checking the
// signature (VerifyLog does that).
func parseStoredNote(msg []byte) (tlog.SignedCheckpoint, error) {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return tlog.SignedCheckpoint{}, ucx.Internal("sqlstore.checkpoint", fmt.Errorf("a stored checkpoint is not a signed note"))
	}
	c, err := tlog.ParseCheckpoint(msg[:i+1])
	if err != nil {
		return tlog.SignedCheckpoint{}, ucx.Internal("sqlstore.checkpoint", err)
	}
	return tlog.SignedCheckpoint{Checkpoint: c, Note: msg}, nil
}

// LogEntries returns the entries with indices in [start, end), at most
// MaxLogEntries of them, and only those the latest checkpoint covers (so a
// monitor can always check what it reads). It returns fewer, possibly none,
// when the range runs past the checkpoint.
func (db *DB) LogEntries(ctx context.Context, start, end int64) ([]tlog.Entry, error) {
	const op = "sqlstore.LogEntries"
	if start < 0 || end < start {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: fmt.Sprintf("no entries from %d to %d", start, end)}
	}
	end = min(end, start+MaxLogEntries)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT idx, entry, created_at FROM log_leaves
		WHERE idx >= ? AND idx < ? AND idx < (SELECT size FROM log_tree WHERE id = 1) ORDER BY idx`), start, end)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	out := make([]tlog.Entry, 0, min(end-start, 64))
	for rows.Next() {
		var e tlog.Entry
		var us int64
		if err := rows.Scan(&e.Index, &e.Entry, &us); err != nil {
			return nil, db.wrap(op, err)
		}
		e.Time = time.UnixMicro(us).UTC()
		out = append(out, e)
	}
	return out, db.wrap(op, rows.Err())
}

// LogLeafIndex returns the index of the first leaf with leafHash, whether
// or not it is integrated yet; ENOTFOUND if there is none.
func (db *DB) LogLeafIndex(ctx context.Context, leafHash []byte) (int64, error) {
	const op = "sqlstore.LogLeafIndex"
	if len(leafHash) != tlog.HashSize {
		return 0, &ucx.Error{Code: ucx.EINVALID, Op: op, Message: fmt.Sprintf("a leaf hash is %d bytes, not %d", tlog.HashSize, len(leafHash))}
	}
	var idx int64
	err := db.read.QueryRowContext(ctx, db.q("SELECT MIN(idx) FROM log_leaves WHERE hash = ?"), leafHash).Scan(&sqlNullInt{&idx})
	if err == sql.ErrNoRows || (err == nil && idx < 0) {
		return 0, &ucx.Error{Code: ucx.ENOTFOUND, Op: op, Message: "no such entry in the log"}
	}
	return idx, db.wrap(op, err)
}

// sqlNullInt scans a possibly NULL integer, storing -1 for NULL.
type sqlNullInt struct{ p *int64 }

func (s *sqlNullInt) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*s.p = -1
	if n.Valid {
		*s.p = n.Int64
	}
	return nil
}

// RunLogIntegrator calls IntegrateLog every interval until ctx ends, handing
// errors to onErr (which may be nil). Several processes may run it at once.
func (db *DB) RunLogIntegrator(ctx context.Context, signer note.Signer, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := db.IntegrateLog(ctx, signer); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// VerifyLog re-derives the whole tree from the stored entries and checks it
// against what is stored: each leaf hash against its entry, each stored node
// against its children, every checkpoint's root against the tree of its
// size, and the integrated tree's root. With a verifier it also checks each
// checkpoint's signature. The first mismatch is returned as an EINTERNAL
// error wrapping a *tlog.MismatchError that names the leaf, node or
// checkpoint. It reads the log in chunks and holds no lock.
func (db *DB) VerifyLog(ctx context.Context, v note.Verifier) error {
	const op = "sqlstore.VerifyLog"
	err := db.verifyLog(ctx, v)
	if me, ok := err.(*tlog.MismatchError); ok {
		return &ucx.Error{Code: ucx.EINTERNAL, Op: op, Message: "the log does not match its own entries: " + me.Error(), Err: me}
	}
	return db.wrap(op, err)
}

func (db *DB) verifyLog(ctx context.Context, v note.Verifier) error {
	var size int64
	var root []byte
	if err := db.read.QueryRowContext(ctx, "SELECT size, root FROM log_tree WHERE id = 1").Scan(&size, &root); err != nil {
		return err
	}
	tree := tlog.NewTree()
	var computed []storedNode
	visit := func(id tlog.NodeID, hash []byte) {
		if id.Level > 0 {
			computed = append(computed, storedNode{id, hash})
		}
	}
	var cps []storedCheckpoint
	checkCheckpoints := func(upTo int64) error {
		for len(cps) > 0 && cps[0].size == tree.Size() && tree.Size() <= upTo {
			if err := cps[0].check(tree.Root(), v); err != nil {
				return err
			}
			cps = cps[1:]
		}
		return nil
	}
	// Checkpoints of size 0 come before any leaf.
	var err error
	if cps, err = db.readCheckpoints(ctx, -1, 0); err != nil {
		return err
	}
	if err := checkCheckpoints(0); err != nil {
		return err
	}
	var pending error
	for start := int64(0); start < size; start += leafChunk {
		end := min(start+leafChunk, size)
		if cps, err = db.readCheckpoints(ctx, start, end); err != nil {
			return err
		}
		rows, err := db.read.QueryContext(ctx, db.q("SELECT idx, hash, entry FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx"), start, end)
		if err != nil {
			return err
		}
		computed = computed[:0]
		for rows.Next() {
			var idx int64
			var stored, entry []byte
			if err := rows.Scan(&idx, &stored, &entry); err != nil {
				rows.Close()
				return err
			}
			if idx != tree.Size() {
				rows.Close()
				return &tlog.MismatchError{Kind: "missing leaf", Index: tree.Size()}
			}
			h := tlog.LeafHash(entry)
			if !bytes.Equal(h, stored) {
				rows.Close()
				return &tlog.MismatchError{Kind: "leaf", Index: idx, Want: h, Got: stored}
			}
			if err := tree.Append(h, visit); err != nil {
				rows.Close()
				return err
			}
			if err := checkCheckpoints(end); err != nil {
				// A wrong checkpoint root is reported after the
				// chunk's nodes: a changed node under it is nearer
				// the change.
				if _, ok := err.(*tlog.MismatchError); !ok {
					rows.Close()
					return err
				}
				if pending == nil {
					pending = err
				}
				cps = cps[1:]
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if tree.Size() != end {
			return &tlog.MismatchError{Kind: "missing leaf", Index: tree.Size()}
		}
		if err := db.checkNodes(ctx, computed); err != nil {
			return err
		}
		if pending != nil {
			return pending
		}
		if len(cps) > 0 {
			return &tlog.MismatchError{Kind: "checkpoint", Index: cps[0].size, Got: cps[0].root}
		}
	}
	// Checkpoints beyond the integrated tree cannot be right. The tree
	// may have grown since its size was read above (the server
	// re-derives while it integrates), so "beyond" is judged against the
	// tree as it is now, in the same statement.
	if cps, err = db.readCheckpointsBeyondTree(ctx, size); err != nil {
		return err
	}
	if len(cps) > 0 {
		return &tlog.MismatchError{Kind: "checkpoint", Index: cps[0].size, Got: cps[0].root}
	}
	if want := tree.Root(); !bytes.Equal(root, want) {
		return &tlog.MismatchError{Kind: "checkpoint", Index: size, Want: want, Got: root}
	}
	return nil
}

type storedCheckpoint struct {
	size       int64
	root, note []byte
}

// check compares a stored checkpoint with the root re-derived at its size:
// the root column, the note's own text and, with a verifier, its signature.
func (c storedCheckpoint) check(root []byte, v note.Verifier) error {
	mismatch := &tlog.MismatchError{Kind: "checkpoint", Index: c.size, Want: root, Got: c.root}
	if !bytes.Equal(c.root, root) {
		return mismatch
	}
	var sc tlog.SignedCheckpoint
	var err error
	if v != nil {
		sc, err = tlog.OpenCheckpoint(c.note, v)
	} else {
		sc, err = parseStoredNote(c.note)
	}
	if err != nil {
		return fmt.Errorf("checkpoint of size %d: %w", c.size, err)
	}
	if sc.Size != c.size || !bytes.Equal(sc.Root, root) {
		mismatch.Got = sc.Root
		return mismatch
	}
	return nil
}

// readCheckpoints reads the stored checkpoints with sizes in (after, upTo].
func (db *DB) readCheckpoints(ctx context.Context, after, upTo int64) ([]storedCheckpoint, error) {
	return db.queryCheckpoints(ctx, "SELECT size, root, note FROM log_checkpoints WHERE size > ? AND size <= ? ORDER BY size", after, upTo)
}

// readCheckpointsBeyondTree reads the stored checkpoints larger than after
// and than the integrated tree's current size.
func (db *DB) readCheckpointsBeyondTree(ctx context.Context, after int64) ([]storedCheckpoint, error) {
	return db.queryCheckpoints(ctx, "SELECT size, root, note FROM log_checkpoints WHERE size > ? AND size > (SELECT size FROM log_tree WHERE id = 1) ORDER BY size", after)
}

func (db *DB) queryCheckpoints(ctx context.Context, query string, args ...any) ([]storedCheckpoint, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedCheckpoint
	for rows.Next() {
		var c storedCheckpoint
		if err := rows.Scan(&c.size, &c.root, &c.note); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// checkNodes compares the nodes re-derived from one chunk of leaves with the
// stored ones. The nodes a chunk completes form one run of indices per level,
// so they are read with one range term per level, in one query.
func (db *DB) checkNodes(ctx context.Context, computed []storedNode) error {
	if len(computed) == 0 {
		return nil
	}
	type span struct{ lo, hi uint64 }
	spans := map[uint]*span{}
	var levels []uint
	for _, n := range computed {
		s := spans[n.id.Level]
		if s == nil {
			s = &span{n.id.Index, n.id.Index}
			spans[n.id.Level] = s
			levels = append(levels, n.id.Level)
		}
		s.lo, s.hi = min(s.lo, n.id.Index), max(s.hi, n.id.Index)
	}
	var b strings.Builder
	var args []any
	b.WriteString("SELECT id, hash FROM log_nodes WHERE ")
	for i, l := range levels {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(id >= ? AND id <= ?)")
		args = append(args, nodeKey(tlog.NodeID{Level: l, Index: spans[l].lo}), nodeKey(tlog.NodeID{Level: l, Index: spans[l].hi}))
	}
	rows, err := db.read.QueryContext(ctx, db.q(b.String()), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	stored := make(map[tlog.NodeID][]byte, len(computed))
	for rows.Next() {
		var key int64
		var h []byte
		if err := rows.Scan(&key, &h); err != nil {
			return err
		}
		stored[nodeOf(key)] = h
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Report the lowest mismatching node: the one nearest the tampering.
	var first *tlog.MismatchError
	for _, n := range computed {
		h, ok := stored[n.id]
		var me *tlog.MismatchError
		switch {
		case !ok:
			me = &tlog.MismatchError{Kind: "missing node", Level: int(n.id.Level), Index: int64(n.id.Index), Want: n.hash}
		case !bytes.Equal(h, n.hash):
			me = &tlog.MismatchError{Kind: "node", Level: int(n.id.Level), Index: int64(n.id.Index), Want: n.hash, Got: h}
		default:
			continue
		}
		if first == nil || me.Level < first.Level || me.Level == first.Level && me.Index < first.Index {
			first = me
		}
	}
	if first != nil {
		return first
	}
	return nil
}
