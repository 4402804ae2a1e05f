// Package tlog is the pure half of ucx's transparency log: an append-only
// RFC 6962 Merkle tree of every document ever issued or revoked, with signed
// checkpoints that anyone can check offline.
//
// The package does no I/O. The tree itself lives in the store (sqlstore
// keeps the leaves and every complete subtree hash); this package knows how
// to hash, which stored nodes a proof needs, how to turn them into a proof,
// how to verify one, and how to write, sign, parse and verify checkpoints.
// Hashing, compact ranges and proofs come from
// github.com/transparency-dev/merkle, and checkpoints are C2SP
// tlog-checkpoint signed notes (golang.org/x/mod/sumdb/note), so the log can
// be read and witnessed by tools written for other logs.
//
// Sizes and indices are int64, as SQL and JSON carry them; negative values
// are refused with EINVALID rather than wrapped into huge unsigned ones.
package tlog

import (
	"crypto/sha256"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ucxdev/ucx"
)

// HashSize is the size of every hash in the log: SHA-256.
const HashSize = sha256.Size

var hasher = rfc6962.DefaultHasher

var factory = &compact.RangeFactory{Hash: hasher.HashChildren}

// NodeID names a node of the tree by level (0 for leaves) and index within
// the level. A node is stored once it is complete, that is once all the 2^level
// leaves under it are in the tree.
type NodeID = compact.NodeID

// LeafHash returns the RFC 6962 hash of a log entry, SHA-256(0x00 ‖ entry).
// The prefix keeps a leaf from ever being read as an interior node.
func LeafHash(entry []byte) []byte { return hasher.HashLeaf(entry) }

// NodeHash returns the RFC 6962 hash of an interior node,
// SHA-256(0x01 ‖ left ‖ right).
func NodeHash(left, right []byte) []byte { return hasher.HashChildren(left, right) }

// EmptyRoot is the root of the tree with no leaves, SHA-256 of nothing.
func EmptyRoot() []byte { return hasher.EmptyRoot() }

// Tree is a tree being built or extended, kept as its compact range: the
// hashes of the complete subtrees along its right border, at most one per
// level. It is what integration and monitors need to extend a tree and learn
// its root without holding all of it.
type Tree struct {
	r *compact.Range
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{r: factory.NewEmptyRange(0)} }

// BorderIDs lists the nodes whose hashes resume a tree of the given size
// (see ResumeTree): the roots of its complete subtrees, left to right.
func BorderIDs(size int64) []NodeID {
	if size <= 0 {
		return nil
	}
	return compact.RangeNodes(0, uint64(size), nil)
}

// ResumeTree returns the tree of the given size from the hashes of the nodes
// BorderIDs(size) names, in that order.
func ResumeTree(size int64, border [][]byte) (*Tree, error) {
	if size < 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "tree size %d is negative", size)
	}
	for i, h := range border {
		if len(h) != HashSize {
			return nil, ucx.Errorf(ucx.EINVALID, "border hash %d is %d bytes, want %d", i, len(h), HashSize)
		}
	}
	r, err := factory.NewRange(0, uint64(size), border)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Message: "the border hashes do not fit the tree size", Err: err}
	}
	return &Tree{r: r}, nil
}

// Append adds a leaf by its hash. visit, when not nil, is called with every
// node that becomes complete: the leaf itself (level 0), then each parent it
// completes. Those are exactly the nodes a store must write to serve proofs
// later without rehashing.
func (t *Tree) Append(leafHash []byte, visit func(id NodeID, hash []byte)) error {
	if len(leafHash) != HashSize {
		return ucx.Errorf(ucx.EINVALID, "a leaf hash is %d bytes, want %d", len(leafHash), HashSize)
	}
	return t.r.Append(leafHash, visit)
}

// Size is the number of leaves in the tree.
func (t *Tree) Size() int64 { return int64(t.r.End()) }

// Root returns the tree's root hash (EmptyRoot for no leaves).
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return EmptyRoot()
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil { // only for a range not starting at 0, which a Tree never is
		return nil
	}
	return root
}

// HashReader returns the stored hashes of the nodes ids, in the same order.
// A store implements it with one query, which is why a proof asks for all
// its nodes at once.
type HashReader func(ids []NodeID) ([][]byte, error)

// InclusionProof returns the RFC 6962 audit path of leaf index in the tree of
// the given size, reading the stored nodes it needs through read in a single
// call. Where the tree is not perfect, the proof contains a node that is not
// stored (it covers an incomplete subtree); it is rehashed from its stored
// children.
func InclusionProof(index, size int64, read HashReader) ([][]byte, error) {
	if index < 0 || size < 0 || index >= size {
		return nil, ucx.Errorf(ucx.EINVALID, "leaf %d is not in a tree of %d leaves", index, size)
	}
	nodes, err := proof.Inclusion(uint64(index), uint64(size))
	if err != nil {
		return nil, ucx.Internal("tlog.InclusionProof", err)
	}
	return rehash(nodes, read)
}

// ConsistencyProof returns the RFC 6962 proof that the tree of size1 is a
// prefix of the tree of size2, reading the stored nodes through read in a
// single call. It is empty when size1 is 0 or equals size2.
func ConsistencyProof(size1, size2 int64, read HashReader) ([][]byte, error) {
	if size1 < 0 || size2 < 0 || size1 > size2 {
		return nil, ucx.Errorf(ucx.EINVALID, "no consistency proof from size %d to size %d", size1, size2)
	}
	nodes, err := proof.Consistency(uint64(size1), uint64(size2))
	if err != nil {
		return nil, ucx.Internal("tlog.ConsistencyProof", err)
	}
	return rehash(nodes, read)
}

func rehash(nodes proof.Nodes, read HashReader) ([][]byte, error) {
	if len(nodes.IDs) == 0 {
		return [][]byte{}, nil
	}
	hashes, err := read(nodes.IDs)
	if err != nil {
		return nil, err
	}
	if len(hashes) != len(nodes.IDs) {
		return nil, ucx.Internal("tlog.rehash", fmt.Errorf("read %d hashes for %d nodes", len(hashes), len(nodes.IDs)))
	}
	for i, h := range hashes {
		if len(h) != HashSize {
			return nil, ucx.Internal("tlog.rehash", fmt.Errorf("node %v: hash of %d bytes", nodes.IDs[i], len(h)))
		}
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// VerifyInclusion checks that the leaf with leafHash is at index in the tree
// of the given size and root. A proof that does not lead to root is EINVALID.
func VerifyInclusion(index, size int64, leafHash []byte, p [][]byte, root []byte) error {
	if index < 0 || size < 0 {
		return ucx.Errorf(ucx.EINVALID, "leaf %d of a tree of %d leaves: negative", index, size)
	}
	if err := proof.VerifyInclusion(hasher, uint64(index), uint64(size), leafHash, p, root); err != nil {
		return &ucx.Error{Code: ucx.EINVALID, Op: "tlog.VerifyInclusion",
			Message: fmt.Sprintf("the inclusion proof of leaf %d does not lead to the root of the tree of %d leaves", index, size), Err: err}
	}
	return nil
}

// VerifyConsistency checks that the tree of size1 and root1 is a prefix of
// the tree of size2 and root2: the log was only appended to in between.
func VerifyConsistency(size1, size2 int64, p [][]byte, root1, root2 []byte) error {
	if size1 < 0 || size2 < 0 {
		return ucx.Errorf(ucx.EINVALID, "tree sizes %d and %d: negative", size1, size2)
	}
	if err := proof.VerifyConsistency(hasher, uint64(size1), uint64(size2), p, root1, root2); err != nil {
		return &ucx.Error{Code: ucx.EINVALID, Op: "tlog.VerifyConsistency",
			Message: fmt.Sprintf("the tree of %d leaves is not proven a prefix of the tree of %d leaves", size1, size2), Err: err}
	}
	return nil
}

// MismatchError reports the first place where a stored log disagrees with
// what its own entries imply: a leaf hash that is not the hash of its entry,
// a stored node that is not the hash of its children, or a checkpoint whose
// root is not the root of the leaves it counts. It is what tamper checks
// (sqlstore's VerifyLog, a monitor) return, so an operator knows where to look.
type MismatchError struct {
	// Kind is "leaf", "node", "missing node", "missing leaf" or "checkpoint".
	Kind  string
	Level int   // for nodes; 0 for leaves
	Index int64 // leaf or node index within its level, or the checkpoint's size
	Want  []byte
	Got   []byte
}

// Error names the place that does not match and both hashes, for the
// operator reading a monitor's or VerifyLog's finding.
func (e *MismatchError) Error() string {
	switch e.Kind {
	case "leaf":
		return fmt.Sprintf("leaf %d: the stored hash %x is not the hash %x of its entry", e.Index, e.Got, e.Want)
	case "node":
		return fmt.Sprintf("node (level %d, index %d): the stored hash %x is not the hash %x of its children", e.Level, e.Index, e.Got, e.Want)
	case "checkpoint":
		return fmt.Sprintf("checkpoint of size %d: its root %x is not the root %x of its leaves", e.Index, e.Got, e.Want)
	case "missing leaf":
		return fmt.Sprintf("leaf %d is missing", e.Index)
	case "missing node":
		return fmt.Sprintf("node (level %d, index %d) is missing", e.Level, e.Index)
	}
	return fmt.Sprintf("%s %d/%d: mismatch", e.Kind, e.Level, e.Index)
}
