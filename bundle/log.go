package bundle

import (
	"encoding/json"
	"fmt"

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
	out := &LogVerdict{Origin: cp.Origin, TreeSize: cp.Size, Index: p.InclusionProof.Index}
	leaf, err := provenLeaf(p.InclusionProof, p.Checkpoint, v)
	if err != nil {
		out.Reason, out.Detail = LogReasonBadProof, fmt.Sprintf("leaf %d is not proven in the checkpoint of %d entries: %s", out.Index, cp.Size, ucx.ErrorMessage(err))
		return out
	}
	if leaf.Digest != digest.String() {
		out.Reason, out.Detail = LogReasonEntryMismatch, fmt.Sprintf("the log's leaf %d records document %s, but this document is %s: it is not the document that was logged", out.Index, leaf.Digest, digest)
		return out
	}
	for _, rp := range p.Revocations {
		rl, err := provenLeaf(rp, p.Checkpoint, v)
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

// provenLeaf verifies an inclusion proof against the checkpoint and reads
// its entry, which a bundle's proofs always carry.
func provenLeaf(p *Inclusion, checkpoint string, v note.Verifier) (*documentLeaf, error) {
	if p == nil || p.Entry == nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the proof carries no entry")
	}
	q := *p
	q.Checkpoint = checkpoint
	if _, err := q.Verify(v); err != nil {
		return nil, err
	}
	var l documentLeaf
	if err := json.Unmarshal(p.Entry, &l); err != nil || l.Digest == "" {
		return nil, ucx.Errorf(ucx.EINVALID, "leaf %d is not a document's entry", p.Index)
	}
	return &l, nil
}

// ApplyLogStatus folds the log's verdict into the seal report's status:
// a revocation logged in the checkpoint revokes the document as of it,
// even when the bundle leaves out the sealed revocation record.
func ApplyLogStatus(r *seal.Report, lv *LogVerdict) {
	if lv == nil || !lv.OK || !lv.Revoked || !r.Status.OK() || r.Integrity.Reason == seal.ReasonMalformed {
		return
	}
	r.Status = seal.Verdict{Reason: seal.ReasonDocumentRevoked,
		Detail: fmt.Sprintf("a revocation of the document is leaf %d of the log's checkpoint of %d entries (%s)", lv.RevokedIndex, lv.TreeSize, lv.Origin)}
}

// VerifyBundleWithLog is VerifyBundle plus the transparency log: the
// bundle's log proof is checked against logKey (nil takes the bundle's own
// log_public_key, which the caller should then show), and a revocation
// logged in its checkpoint makes the status verdict revoked. The log
// verdict is nil when the bundle carries no log evidence at all.
func VerifyBundleWithLog(bu *Bundle, root *seal.PublicKey, logKey note.Verifier) (*seal.Report, *LogVerdict, error) {
	r, err := VerifyBundle(bu, root)
	if err != nil {
		return nil, nil, err
	}
	if bu.TransparencyLog == nil {
		return r, nil, nil
	}
	if logKey == nil && bu.LogPublicKey != "" {
		if logKey, err = tlog.ParseVerifierKey(bu.LogPublicKey); err != nil {
			return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "log_public_key", "the bundle's log key cannot be read: %s", ucx.ErrorMessage(err))
		}
	}
	digest := r.Digest
	if r.Integrity.Reason == seal.ReasonMalformed {
		return r, logFail(LogReasonEntryMismatch, "the envelope cannot be read, so its document cannot be matched with the log"), nil
	}
	lv := VerifyLogProof(bu.TransparencyLog, digest, logKey)
	ApplyLogStatus(r, lv)
	return r, lv, nil
}
