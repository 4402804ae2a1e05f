package tlog

// A witness (C2SP tlog-witness): it is handed each new checkpoint of the
// logs it follows with a consistency proof from the last one it cosigned,
// checks the proof, remembers the new checkpoint, and returns its
// cosignature. It never cosigns two different trees of one size, nor a tree
// that does not extend the last one it saw: a log that rewrote or forked
// its history is refused, so a verifier requiring the witness's
// cosignature can no longer be shown such a history.
//
// The protocol's transport (POST <prefix>/add-checkpoint) is cmd/ucx's; the
// request's text format and the checks are here.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
)

// MaxConsistencyProof is the most proof lines an add-checkpoint request may
// carry (C2SP tlog-witness).
const MaxConsistencyProof = 63

// AddCheckpointRequest is an add-checkpoint call: the size of the last
// checkpoint the caller believes the witness cosigned, the consistency
// proof from it, and the new checkpoint note.
type AddCheckpointRequest struct {
	OldSize int64
	Proof   [][]byte
	Note    []byte
}

// Format returns the request body:
//
//	old <size>\n<base64 proof hash>\n…\n\n<checkpoint note>
func (r AddCheckpointRequest) Format() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(r.Note)
	return b.Bytes()
}

// ParseAddCheckpoint reads an add-checkpoint request body. A malformed one
// is EINVALID (HTTP 400).
func ParseAddCheckpoint(body []byte) (AddCheckpointRequest, error) {
	bad := func(format string, args ...any) (AddCheckpointRequest, error) {
		return AddCheckpointRequest{}, ucx.Errorf(ucx.EINVALID, "not an add-checkpoint request: "+format, args...)
	}
	if len(body) > MaxNoteSize+(MaxConsistencyProof+1)*64 {
		return bad("%d bytes", len(body))
	}
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return bad("no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	size, ok := strings.CutPrefix(lines[0], "old ")
	if !ok || size == "" || (len(size) > 1 && size[0] == '0') || strings.TrimLeft(size, "0123456789") != "" {
		return bad("the first line %q is not \"old <size>\"", lines[0])
	}
	old, err := strconv.ParseInt(size, 10, 64)
	if err != nil {
		return bad("the old size %q is out of range", size)
	}
	if len(lines)-1 > MaxConsistencyProof {
		return bad("%d proof lines, at most %d", len(lines)-1, MaxConsistencyProof)
	}
	r := AddCheckpointRequest{OldSize: old, Note: cp}
	for i, l := range lines[1:] {
		h, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(h) != HashSize {
			return bad("proof line %d is not a base64 SHA-256 hash", i+1)
		}
		r.Proof = append(r.Proof, h)
	}
	if old == 0 && len(r.Proof) > 0 {
		return bad("a proof from size 0 must be empty")
	}
	return r, nil
}

// Refusal is why a witness did not cosign, in the terms of the C2SP
// witness protocol (the HTTP status each maps to is in its comment).
type Refusal int

// The refusals of AddCheckpoint.
const (
	RefusedBadRequest   Refusal = iota + 1 // 400: malformed, or old size above the checkpoint's
	RefusedUnknownLog                      // 404: the witness does not follow this origin
	RefusedSignature                       // 403: not signed by the log's key
	RefusedConflict                        // 409: the old size is not the last cosigned size (Size says it)
	RefusedFork                            // 409: another root for the size already cosigned
	RefusedInconsistent                    // 422: the proof does not show the new tree extends the old
)

// WitnessError is a witness's refusal to cosign.
type WitnessError struct {
	Refusal Refusal
	// Size is the last size the witness cosigned for the log, for
	// RefusedConflict (the body of the 409 answer).
	Size int64
	Msg  string
}

// Error explains the refusal.
func (e *WitnessError) Error() string { return e.Msg }

// WitnessedLog is what a witness remembers of one log: its key and the
// latest checkpoint it cosigned.
type WitnessedLog struct {
	LogKey     string    `json:"log_key"`
	Size       int64     `json:"size"`
	Root       []byte    `json:"root"`
	Checkpoint string    `json:"checkpoint,omitempty"`
	At         time.Time `json:"at,omitzero"`
}

// WitnessState is a witness's whole memory, by log origin.
type WitnessState struct {
	Logs map[string]*WitnessedLog `json:"logs"`
}

// Witness cosigns the checkpoints of the logs in its state. AddCheckpoint is
// safe to call concurrently: the check against the last size and the save of
// the new one happen under one lock, as the protocol requires (else two
// requests could roll the witness back).
type Witness struct {
	// Signer makes the cosignatures (NewCosigner).
	Signer note.Signer
	// Save persists the state; a checkpoint is cosigned only once it is
	// saved. It is called with the lock held.
	Save func(WitnessState) error

	mu        sync.Mutex
	state     WitnessState
	verifiers map[string]note.Verifier
}

// NewWitness returns a witness with its saved state, following the logs
// whose verifier keys are given (besides those already in the state; a log
// key differing from the state's for the same origin is refused, as the
// witness's memory of that log would no longer mean anything).
func NewWitness(signer note.Signer, st WitnessState, logKeys []string, save func(WitnessState) error) (*Witness, error) {
	if st.Logs == nil {
		st.Logs = map[string]*WitnessedLog{}
	}
	for _, k := range logKeys {
		v, err := ParseVerifierKey(k)
		if err != nil {
			return nil, err
		}
		k = strings.TrimSpace(k)
		if l, ok := st.Logs[v.Name()]; ok && l.LogKey != k {
			return nil, ucx.Errorf(ucx.EINVALID, "the log %s is followed with the key %s in the witness's state, not %s: a log's key never changes", v.Name(), l.LogKey, k)
		} else if !ok {
			st.Logs[v.Name()] = &WitnessedLog{LogKey: k}
		}
	}
	w := &Witness{Signer: signer, Save: save, state: st, verifiers: map[string]note.Verifier{}}
	for origin, l := range st.Logs {
		v, err := ParseVerifierKey(l.LogKey)
		if err != nil {
			return nil, err
		}
		if v.Name() != origin {
			return nil, ucx.Errorf(ucx.EINVALID, "the witness's state files the key %s under the log %s", l.LogKey, origin)
		}
		w.verifiers[origin] = v
	}
	return w, nil
}

// Latest returns what the witness last cosigned of the log origin.
func (w *Witness) Latest(origin string) (WitnessedLog, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.state.Logs[origin]
	if !ok {
		return WitnessedLog{}, false
	}
	return *l, true
}

// AddCheckpoint checks the request as C2SP tlog-witness says and, when it
// passes, saves the new checkpoint and returns the witness's cosignature
// line. A refusal is a *WitnessError; a failure to save is another error
// (and nothing is cosigned).
func (w *Witness) AddCheckpoint(r AddCheckpointRequest) ([]byte, error) {
	refuse := func(why Refusal, size int64, format string, args ...any) ([]byte, error) {
		return nil, &WitnessError{Refusal: why, Size: size, Msg: fmt.Sprintf(format, args...)}
	}
	body, _, ok := bytes.Cut(r.Note, []byte("\n\n"))
	if !ok {
		return refuse(RefusedBadRequest, 0, "the checkpoint is not a signed note")
	}
	origin, _, _ := strings.Cut(string(body), "\n")
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.verifiers[origin]
	if !ok {
		return refuse(RefusedUnknownLog, 0, "this witness does not follow the log %q", origin)
	}
	cp, err := OpenCheckpoint(r.Note, v)
	if err != nil {
		return refuse(RefusedSignature, 0, "the checkpoint is not signed by the log's key %s: %s", v.Name(), ucx.ErrorMessage(err))
	}
	l := w.state.Logs[origin]
	switch {
	case r.OldSize > cp.Size:
		return refuse(RefusedBadRequest, 0, "the old size %d is above the checkpoint's %d", r.OldSize, cp.Size)
	case r.OldSize != l.Size:
		return refuse(RefusedConflict, l.Size, "the last checkpoint this witness cosigned for %s is of size %d, not %d", origin, l.Size, r.OldSize)
	case cp.Size == l.Size && l.Root != nil && !bytes.Equal(cp.Root, l.Root):
		return refuse(RefusedFork, l.Size, "fork: this witness cosigned another tree of %d entries for %s (root %x, now %x); it never cosigns two", cp.Size, origin, l.Root, cp.Root)
	case l.Size > 0 && cp.Size > l.Size:
		if err := VerifyConsistency(l.Size, cp.Size, r.Proof, l.Root, cp.Root); err != nil {
			return refuse(RefusedInconsistent, l.Size, "inconsistent: the checkpoint of %d entries does not extend the one of %d this witness cosigned: the log's history was rewritten or forked", cp.Size, l.Size)
		}
	case len(r.Proof) > 0 && (l.Size == 0 || cp.Size == l.Size):
		return refuse(RefusedInconsistent, l.Size, "a consistency proof from size %d to %d must be empty", l.Size, cp.Size)
	}
	next := *l
	next.Size, next.Root, next.Checkpoint, next.At = cp.Size, cp.Root, string(r.Note), time.Now().UTC()
	w.state.Logs[origin] = &next
	if w.Save != nil {
		if err := w.Save(w.state); err != nil {
			w.state.Logs[origin] = l
			return nil, err
		}
	}
	return Cosign(r.Note, w.Signer)
}
