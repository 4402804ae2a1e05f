package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// Reasons a bundle's transparency-log evidence fails, stable codes like
// seal.Reason's.
const (
	// LogReasonMissing: the bundle carries no log proof. Not a failure of
	// the document by itself (a server may run without a log), but the
	// verdict says the document's logging was not shown.
	LogReasonMissing = "log_proof_missing"
	// LogReasonUntrusted: the checkpoint is not signed by the log key the
	// verifier trusts.
	LogReasonUntrusted = "log_checkpoint_untrusted"
	// LogReasonBadProof: an inclusion proof does not lead to the signed
	// root.
	LogReasonBadProof = "log_proof_invalid"
	// LogReasonEntryMismatch: the logged leaf names another document than
	// the one in the bundle: the document was altered after it was logged,
	// or the proof is another document's.
	LogReasonEntryMismatch = "log_entry_mismatch"
	// LogReasonWitnesses: fewer of the witnesses the verifier trusts
	// cosigned the checkpoint than it requires.
	LogReasonWitnesses = "log_witnesses_missing"
)

// LogVerdict is the verdict on a bundle's transparency-log evidence:
// whether the document is a leaf of a checkpoint signed by the log, and
// whether a revocation of it is logged in that same checkpoint.
type LogVerdict struct {
	OK       bool   `json:"ok"`
	Reason   string `json:"reason,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Origin   string `json:"origin,omitempty"`
	Index    int64  `json:"index"`
	TreeSize int64  `json:"tree_size"`
	// Revoked is set when a revocation of the document is a leaf of the
	// checkpoint: the document was revoked as of that checkpoint.
	Revoked      bool  `json:"revoked,omitempty"`
	RevokedIndex int64 `json:"revoked_index,omitempty"`
}

// documentLeaf is what a verifier reads of a document's log leaf (the
// store writes the full record; see sqlstore.DocumentLeafEntry).
type documentLeaf struct {
	Kind    string `json:"kind"`
	Digest  string `json:"digest"`
	Revokes string `json:"revokes"`
	Time    string `json:"time"`
}

func logFail(reason, format string, args ...any) *LogVerdict {
	return &LogVerdict{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// VerifyLogProof checks a bundle's log evidence offline for the document
// with digest: the checkpoint's signature against the log key v, each
// inclusion proof against the checkpoint's root, and that the document's
// leaf records this very digest. A revocation leaf proven in the same
// checkpoint that revokes the digest makes the verdict say Revoked: the
// status as of that checkpoint. Every failure is in the verdict; it never
// returns nil.
func VerifyLogProof(p *LogProof, digest seal.Digest, v note.Verifier) *LogVerdict {
	if p == nil || p.InclusionProof == nil {
		return logFail(LogReasonMissing, "the bundle carries no transparency-log proof; fetch a fresh bundle from the platform")
	}
	if v == nil {
		return logFail(LogReasonUntrusted, "no log key to check the checkpoint with; give the log's published key")
	}
	cp, err := tlog.OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return logFail(LogReasonUntrusted, "the checkpoint is not signed by the log key %s: %s", v.Name(), ucx.ErrorMessage(err))
	}
	return verifyLogProofAt(p, digest, cp.Checkpoint)
}

// verifyLogProofAt is VerifyLogProof once the checkpoint's signature has
// been checked (once: it is the costliest step after the seals).
func verifyLogProofAt(p *LogProof, digest seal.Digest, cp tlog.Checkpoint) *LogVerdict {
	out := &LogVerdict{Origin: cp.Origin, TreeSize: cp.Size, Index: p.InclusionProof.Index}
	leaf, err := provenLeaf(p.InclusionProof, cp)
	if err != nil {
		out.Reason, out.Detail = LogReasonBadProof, fmt.Sprintf("leaf %d is not proven in the checkpoint of %d entries: %s", out.Index, cp.Size, ucx.ErrorMessage(err))
		return out
	}
	if leaf.Digest != digest.String() {
		out.Reason, out.Detail = LogReasonEntryMismatch, fmt.Sprintf("the log's leaf %d records document %s, but this document is %s: it is not the document that was logged", out.Index, leaf.Digest, digest)
		return out
	}
	for _, rp := range p.Revocations {
		rl, err := provenLeaf(rp, cp)
		if err != nil {
			out.Reason, out.Detail = LogReasonBadProof, fmt.Sprintf("the revocation's leaf %d is not proven in the checkpoint of %d entries: %s", rp.Index, cp.Size, ucx.ErrorMessage(err))
			return out
		}
		if rl.Kind == ucx.DocRevocation && rl.Revokes == digest.String() && !out.Revoked {
			out.Revoked, out.RevokedIndex = true, rp.Index
		}
	}
	out.OK = true
	if out.Revoked {
		out.Detail = fmt.Sprintf("logged as leaf %d and revoked by leaf %d, as of the checkpoint of %d entries of %s", out.Index, out.RevokedIndex, cp.Size, cp.Origin)
	} else {
		out.Detail = fmt.Sprintf("logged as leaf %d of the checkpoint of %d entries of %s; no revocation logged in it as far as the bundle shows", out.Index, cp.Size, cp.Origin)
	}
	return out
}

// provenLeaf verifies an inclusion proof against the (verified)
// checkpoint and reads its entry, which a bundle's proofs always carry.
func provenLeaf(p *Inclusion, cp tlog.Checkpoint) (*documentLeaf, error) {
	if p == nil || p.Entry == nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the proof carries no entry")
	}
	if p.TreeSize != cp.Size {
		return nil, ucx.Errorf(ucx.EINVALID, "the proof is for a tree of %d leaves but its checkpoint is of %d", p.TreeSize, cp.Size)
	}
	leaf := tlog.LeafHash(p.Entry)
	if p.LeafHash != nil && !bytes.Equal(leaf, p.LeafHash) {
		return nil, ucx.Errorf(ucx.EINVALID, "the entry does not hash to the proof's leaf hash")
	}
	if err := cp.VerifyInclusion(p.Index, leaf, p.Hashes); err != nil {
		return nil, err
	}
	var l documentLeaf
	if err := json.Unmarshal(p.Entry, &l); err != nil || l.Digest == "" {
		return nil, ucx.Errorf(ucx.EINVALID, "leaf %d is not a document's entry", p.Index)
	}
	return &l, nil
}

// checkLog is the log's verdict for a verifier that pinned the log key:
// the document's inclusion proof is required; the checkpoint must carry
// the witnesses' cosignatures asked for; and the entries logged after the
// document up to the checkpoint must all be in the bundle and hash, with
// the document's proof, to the checkpoint's root, so that a revocation
// among them cannot be left out. Any revocation leaf of the document up to
// the checkpoint revokes it, whatever the bundle's sealed records say.
func checkLog(p *LogProof, digest seal.Digest, opts Options) *LogVerdict {
	if p == nil || p.InclusionProof == nil {
		return logFail(LogReasonMissing, "the bundle carries no transparency-log proof; fetch a fresh bundle from the platform")
	}
	// The checkpoint's log signature and the witnesses' cosignatures are
	// each checked once, here.
	scp, err := tlog.OpenCheckpoint([]byte(p.Checkpoint), opts.LogKey)
	if err != nil {
		return logFail(LogReasonUntrusted, "the checkpoint is not signed by the log key %s: %s", opts.LogKey.Name(), ucx.ErrorMessage(err))
	}
	cp := scp.Checkpoint
	lv := verifyLogProofAt(p, digest, cp)
	if !lv.OK {
		return lv
	}
	if n, err := witnessCount(p.Checkpoint, opts); err != nil || n < opts.MinWitnesses {
		detail := fmt.Sprintf("the checkpoint is cosigned by %d of the witnesses you trust, fewer than the %d required; fetch a bundle whose checkpoint the witnesses have cosigned", n, opts.MinWitnesses)
		if err != nil {
			detail = "a witness cosignature on the checkpoint does not verify: " + ucx.ErrorMessage(err)
		}
		return &LogVerdict{Reason: LogReasonWitnesses, Detail: detail, Origin: lv.Origin, Index: lv.Index, TreeSize: lv.TreeSize}
	}
	idx := p.InclusionProof.Index
	if p.Later == nil && idx+1 != cp.Size {
		return &LogVerdict{Reason: string(ReasonStatusUnproven), Origin: lv.Origin, Index: idx, TreeSize: lv.TreeSize,
			Detail: fmt.Sprintf("the bundle does not carry the %d entries logged after the document up to the checkpoint, so whether one of them revokes it cannot be told offline; fetch a fresh bundle or verify on the platform", cp.Size-idx-1)}
	}
	if err := laterEntriesProven(p.InclusionProof, p.Later, cp); err != nil {
		return &LogVerdict{Reason: LogReasonBadProof, Origin: lv.Origin, Index: idx, TreeSize: lv.TreeSize,
			Detail: "the entries logged after the document are not the log's: " + ucx.ErrorMessage(err)}
	}
	want := []byte(digest.String())
	for i, e := range p.Later {
		// An entry that revokes the document names its digest, literally
		// or, with a backslash, escaped: any other is skipped unread.
		if !bytes.Contains(e, want) && bytes.IndexByte(e, '\\') < 0 {
			continue
		}
		var l documentLeaf
		if json.Unmarshal(e, &l) == nil && l.Kind == ucx.DocRevocation && l.Revokes == digest.String() && !lv.Revoked {
			lv.Revoked, lv.RevokedIndex = true, idx+1+int64(i)
		}
	}
	if lv.Revoked {
		lv.Detail = fmt.Sprintf("logged as leaf %d and revoked by leaf %d, as of the checkpoint of %d entries of %s", lv.Index, lv.RevokedIndex, lv.TreeSize, lv.Origin)
	} else {
		lv.Detail = fmt.Sprintf("logged as leaf %d; none of the %d entries after it up to the checkpoint of %d entries of %s revokes it", lv.Index, len(p.Later), lv.TreeSize, lv.Origin)
	}
	return lv
}

// witnessCount counts the trusted witnesses whose cosignature on the
// checkpoint note verifies (tlog.VerifyCheckpointCosigned's count, with
// the log's signature, already checked by checkLog, not checked again). A
// cosignature that is there but does not verify is an error: someone
// altered the checkpoint or the signature.
func witnessCount(checkpoint string, opts Options) (int, error) {
	if len(opts.Witnesses) == 0 {
		return 0, nil
	}
	cp, err := tlog.VerifyCheckpointCosigned([]byte(checkpoint), alreadyVerified{opts.LogKey}, opts.Witnesses, 0)
	if err != nil {
		return 0, err
	}
	return len(cp.Witnesses), nil
}

// alreadyVerified is the log's verifier for a note whose log signature
// was verified already: it names the same key and accepts the signature,
// so that witnessCount checks only the cosignatures. Never use it on a
// note that was not opened with the real verifier.
type alreadyVerified struct{ note.Verifier }

func (alreadyVerified) Verify(msg, sig []byte) bool { return true }

// laterEntriesProven checks that the document's leaf and the entries
// after it make up the whole rest of the tree the checkpoint commits to:
// the inclusion proof's left siblings are the tree before the document
// (the compact range [0, index)), then the document's leaf and each later
// entry are appended, and the root must be the checkpoint's.
func laterEntriesProven(p *Inclusion, later [][]byte, cp tlog.Checkpoint) error {
	left, err := leftSiblings(p.Index, cp.Size, p.Hashes)
	if err != nil {
		return err
	}
	t, err := tlog.ResumeTree(p.Index, left)
	if err != nil {
		return err
	}
	if err := t.Append(tlog.LeafHash(p.Entry), nil); err != nil {
		return err
	}
	for _, e := range later {
		if err := t.Append(tlog.LeafHash(e), nil); err != nil {
			return err
		}
	}
	if t.Size() != cp.Size {
		return ucx.Errorf(ucx.EINVALID, "the document and the %d entries after it make a tree of %d leaves, but the checkpoint is of %d", len(later), t.Size(), cp.Size)
	}
	if !bytes.Equal(t.Root(), cp.Root) {
		return ucx.Errorf(ucx.EINVALID, "they do not hash to the checkpoint's root: an entry was left out, added or changed")
	}
	return nil
}

// leftSiblings returns the audit path's left siblings of leaf index in a
// tree of size leaves, left to right: the roots of the complete subtrees
// that make up [0, index), the order tlog.BorderIDs gives. It walks the
// path as RFC 9162, 2.1.3.2 verifies it.
func leftSiblings(index, size int64, path [][]byte) ([][]byte, error) {
	if index < 0 || index >= size {
		return nil, ucx.Errorf(ucx.EINVALID, "leaf %d is not in a tree of %d", index, size)
	}
	fn, sn := index, size-1
	var left [][]byte
	for _, h := range path {
		if sn == 0 {
			return nil, ucx.Errorf(ucx.EINVALID, "the inclusion proof is too long")
		}
		if fn&1 == 1 || fn == sn {
			left = append(left, h) // h is the left sibling
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		}
		fn >>= 1
		sn >>= 1
	}
	slices.Reverse(left)
	return left, nil
}
