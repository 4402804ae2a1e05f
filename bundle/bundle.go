package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// Type names the verification bundle format in its "type" member.
const Type = "ucx.bundle/v1"

// Bundle is everything needed to verify a sealed document with no network
// at all (DESIGN.md, Documents): the envelope, the root-sealed trust list,
// the root public key, and the sealed revocation records of the document,
// if any. The verifier should pin the root key it trusts (ucx verify
// --root-pub) rather than take the bundle's word for it; the bundle's copy
// is a convenience whose key id can be compared with the published one.
type Bundle struct {
	Type          string            `json:"type"`
	Envelope      json.RawMessage   `json:"envelope"`
	TrustList     json.RawMessage   `json:"trust_list"`
	RootPublicKey string            `json:"root_public_key"` // PKIX PEM
	Revocations   []json.RawMessage `json:"revocations"`
	// TransparencyLog proves that the document (and each revocation
	// above) is a leaf of the platform's transparency log, in one signed
	// checkpoint. Absent when the server runs without a log, or for a
	// document stored before documents were logged.
	TransparencyLog *LogProof `json:"transparency_log,omitempty"`
	// LogPublicKey is the log's note verifier key, a convenience like
	// RootPublicKey: a verifier should pin the published one (ucx verify
	// --log-key-pub), since whoever forges a bundle can forge this too.
	LogPublicKey string `json:"log_public_key,omitempty"`
}

// LogProof is the transparency log's evidence about a document: the
// inclusion proof of its leaf (with the entry, so the verifier can check
// the leaf names this very document) and of the leaf of each revocation
// in the bundle, all against one signed checkpoint (a C2SP signed note).
// A revocation proven in the checkpoint means the document was revoked
// as of that checkpoint, whoever's bytes the bundle carries.
type LogProof struct {
	InclusionProof *Inclusion   `json:"inclusion_proof"`
	Checkpoint     string       `json:"checkpoint"`
	Revocations    []*Inclusion `json:"revocations,omitempty"`
	// Later are the entries logged after the document, up to the
	// checkpoint, in order. With the inclusion proof they hash to the
	// checkpoint's root, so none can be left out: a verifier sees every
	// revocation of the document the checkpoint contains (see checkLog).
	// Absent, the revocation status cannot be established offline.
	Later [][]byte `json:"later_entries,omitempty"`
}

// Inclusion is an inclusion proof: leaf Index is in the tree of
// TreeSize leaves. Hashes are the RFC 6962 audit path, base64 in JSON as in
// C2SP checkpoints. LeafHash is set when the leaf was asked for by hash; a
// caller asking by index holds the entry and hashes it (tlog.LeafHash), which
// spares the server a second read per proof. Checkpoint, when present, is the
// signed note of a checkpoint of that very size, so the proof and its
// commitment travel together (what a verification bundle carries). Entry
// is optional too: a bundle includes it so that a verifier can check what
// the leaf says (the document's digest) and not just that it is there.
// It is the server's GET /api/v1/log/proof/inclusion answer too.
type Inclusion struct {
	Index      int64    `json:"index"`
	TreeSize   int64    `json:"tree_size"`
	LeafHash   []byte   `json:"leaf_hash,omitempty"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint string   `json:"checkpoint,omitempty"`
	Entry      []byte   `json:"entry,omitempty"`
}

// Verify checks the proof offline against the log's verifier: the
// checkpoint's signature, that it is of the proof's size, that Entry (when
// present) hashes to LeafHash (which it stands for when LeafHash is
// empty), and that the audit path leads from the leaf to the checkpoint's
// root. It returns the opened checkpoint. Every failure
// is EINVALID with a message saying which check failed.
func (p *Inclusion) Verify(v note.Verifier) (tlog.SignedCheckpoint, error) {
	if p.Checkpoint == "" {
		return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the inclusion proof carries no checkpoint to verify it against")
	}
	cp, err := tlog.OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return tlog.SignedCheckpoint{}, err
	}
	if cp.Size != p.TreeSize {
		return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the proof is for a tree of %d leaves but its checkpoint is of %d", p.TreeSize, cp.Size)
	}
	leaf := p.LeafHash
	if p.Entry != nil {
		if leaf == nil {
			leaf = tlog.LeafHash(p.Entry)
		} else if !bytes.Equal(tlog.LeafHash(p.Entry), leaf) {
			return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the entry does not hash to the proof's leaf hash")
		}
	}
	if leaf == nil {
		return tlog.SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the inclusion proof names no leaf: it carries neither the entry nor its hash")
	}
	if err := cp.VerifyInclusion(p.Index, leaf, p.Hashes); err != nil {
		return tlog.SignedCheckpoint{}, err
	}
	return cp, nil
}

// Parse reads a verification bundle strictly: duplicate member names at
// any depth, unknown members and trailing data are refused. It is EINVALID when b is not one.
func Parse(b []byte) (*Bundle, error) {
	// Duplicate member names, at any depth, are refused: other JSON tools
	// read them first-wins where encoding/json reads last-wins, so one
	// bundle could show two documents.
	if _, err := seal.Canonicalize(b); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Err: err, Message: "the bundle is not strict JSON (I-JSON, RFC 7493): " + ucx.ErrorMessage(err)}
	}
	var bu Bundle
	if err := decodeStrict(b, &bu); err != nil {
		return nil, err
	}
	if bu.Type != Type {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "type", "a verification bundle has type %q", Type)
	}
	if len(bu.Envelope) == 0 || len(bu.TrustList) == 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "the bundle lacks its envelope or trust list")
	}
	return &bu, nil
}

// Is reports whether b looks like a bundle rather than an envelope: its
// first JSON value has a "type" of the ucx.bundle family. Trailing data or
// another version still look like one, so that Parse says what is wrong
// with the bundle rather than with an envelope.
func Is(b []byte) bool {
	// Read the top-level members up to "type" only: a bundle as the
	// platform writes it has it first, so a large bundle is not scanned
	// twice (Parse reads it all, strictly).
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		if k == "type" {
			var typ string
			return dec.Decode(&typ) == nil && strings.HasPrefix(typ, "ucx.bundle/")
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// decodeStrict unmarshals data into v, refusing unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return ucx.Errorf(ucx.EINVALID, "the bundle is not valid JSON (at byte %d): %s", syn.Offset, syn.Error())
		case errors.Is(err, io.ErrUnexpectedEOF):
			return ucx.Errorf(ucx.EINVALID, "the bundle is not valid JSON: it ends too early")
		case errors.As(err, &typ) && typ.Field != "":
			return ucx.FieldErrorf(ucx.EINVALID, typ.Field, "the bundle's %s has the wrong type (%s)", typ.Field, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return ucx.FieldErrorf(ucx.EINVALID, f, "the bundle has an unknown member %q; a ucx.bundle/v1 has only type, envelope, trust_list, root_public_key, revocations, transparency_log and log_public_key", f)
		}
		return ucx.Errorf(ucx.EINVALID, "the bundle could not be read as JSON: %s", err.Error())
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) != 0 {
		return ucx.Errorf(ucx.EINVALID, "the bundle holds more than one JSON value")
	}
	return nil
}
