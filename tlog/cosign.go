package tlog

// Witness cosignatures (C2SP tlog-cosignature, cosignature/v1 with Ed25519):
// a witness that checked a checkpoint is consistent with everything it saw
// of the log before adds its own signature line to the checkpoint's note. A
// verifier that requires cosignatures from witnesses it trusts no longer
// has to trust the log's operator not to show it a history nobody else sees.
//
// A cosignature line is a note signature "— <witness name> base64(key ID ‖
// timestamp ‖ signature)", where the key ID is SHA-256(name ‖ "\n" ‖ 0x04 ‖
// public key)[:4], the timestamp is 8 bytes big-endian (POSIX seconds), and
// the Ed25519 signature is over
//
//	"cosignature/v1\ntime <timestamp>\n" ‖ the checkpoint's note body
//
// golang.org/x/mod/sumdb/note knows only the log's own signature type
// (0x01), so the cosigner and its verifier are implemented here against
// note's Signer and Verifier interfaces; note.Open then checks cosignatures
// like any other signature.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
)

// algCosignatureV1 is the signature type byte of an Ed25519 cosignature/v1
// key (C2SP signed-note).
const algCosignatureV1 = 0x04

// cosignatureHeader is the domain separation line of cosignature/v1.
const cosignatureHeader = "cosignature/v1\n"

// cosignatureSize is a cosignature's timestamp and Ed25519 signature.
const cosignatureSize = 8 + ed25519.SignatureSize

func cosignerKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func cosignedMessage(ts uint64, body []byte) []byte {
	m := make([]byte, 0, len(cosignatureHeader)+32+len(body))
	m = append(m, cosignatureHeader...)
	m = append(m, "time "...)
	m = strconv.AppendUint(m, ts, 10)
	m = append(m, '\n')
	return append(m, body...)
}

// cosigner is a note.Signer making cosignature/v1 signatures.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	now  func() time.Time
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	t := c.now().Unix()
	if t < 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "a cosignature cannot be dated before 1970")
	}
	ts := uint64(t)
	sig := make([]byte, 8, cosignatureSize)
	binary.BigEndian.PutUint64(sig, ts)
	return append(sig, ed25519.Sign(c.key, cosignedMessage(ts, msg))...), nil
}

// NewCosigner returns the note signer of a witness named name (a
// schema-less URL such as "witness.example.org/ucx") with the Ed25519 key:
// its signatures are C2SP cosignature/v1, dated by now (time.Now when nil).
func NewCosigner(name string, key ed25519.PrivateKey, now func() time.Time) (note.Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, ucx.Errorf(ucx.EINVALID, "a witness key is an Ed25519 private key of %d bytes, not %d", ed25519.PrivateKeySize, len(key))
	}
	if !validKeyName(name) {
		return nil, ucx.Errorf(ucx.EINVALID, "the witness name %q cannot name a key: it must be non-empty, with no spaces and no '+'", name)
	}
	if now == nil {
		now = time.Now
	}
	pub := key.Public().(ed25519.PublicKey)
	return &cosigner{name: name, hash: cosignerKeyHash(name, pub), key: key, now: now}, nil
}

// CosignerVerifierKey returns a witness's public key in note form,
// "<name>+<key ID in hex>+<base64(0x04 ‖ key)>": what the witness's
// operator publishes and verifiers pass to `ucx verify --witness`.
func CosignerVerifierKey(name string, pub ed25519.PublicKey) (string, error) {
	if !validKeyName(name) {
		return "", ucx.Errorf(ucx.EINVALID, "the witness name %q cannot name a key: it must be non-empty, with no spaces and no '+'", name)
	}
	if len(pub) != ed25519.PublicKeySize {
		return "", ucx.Errorf(ucx.EINVALID, "a witness key is an Ed25519 public key of %d bytes, not %d", ed25519.PublicKeySize, len(pub))
	}
	return fmt.Sprintf("%s+%08x+%s", name, cosignerKeyHash(name, pub), base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...))), nil
}

// cosignatureVerifier is a note.Verifier of cosignature/v1 signatures. The
// timestamp is read but not judged (C2SP lets verifiers ignore it).
type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != cosignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(ts, msg), sig[8:])
}

// ParseCosignerKey reads a witness's published key (CosignerVerifierKey)
// into a verifier of its cosignatures. A log key (type 0x01) is refused:
// a witness signs a different message, and a log cannot witness itself.
func ParseCosignerKey(vkey string) (note.Verifier, error) {
	bad := func(why string) (note.Verifier, error) {
		return nil, ucx.Errorf(ucx.EINVALID, "not a witness key (<name>+<hex key ID>+<base64 of 0x04 and an Ed25519 key>): %s", why)
	}
	vkey = strings.TrimSpace(vkey)
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexHash, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validKeyName(name) || len(hexHash) != 8 {
		return bad("it does not have the three parts")
	}
	h, err := strconv.ParseUint(hexHash, 16, 32)
	if err != nil {
		return bad("the key ID is not 8 hex digits")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize {
		return bad("the key is not base64 of 33 bytes")
	}
	if key[0] != algCosignatureV1 {
		return bad(fmt.Sprintf("its type is 0x%02x, not 0x04 (an Ed25519 cosignature/v1 key; 0x01 is a log's key)", key[0]))
	}
	pub := ed25519.PublicKey(key[1:])
	if uint32(h) != cosignerKeyHash(name, pub) {
		return bad("the key ID does not match the name and key")
	}
	return &cosignatureVerifier{name: name, hash: uint32(h), pub: pub}, nil
}

// CosignedCheckpoint is a checkpoint verified with the cosignatures that
// were required of it.
type CosignedCheckpoint struct {
	SignedCheckpoint
	// Witnesses names the trusted witnesses whose cosignatures verified,
	// in the order they were given.
	Witnesses []string
}

// VerifyCheckpointCosigned verifies a checkpoint note signed by the log
// (logVerifier) and cosigned by at least minWitnesses of the trusted
// witnesses (ParseCosignerKey). Signatures by keys not given are ignored; a
// signature line by a given key that does not verify fails the whole note,
// as note.Open does. Fewer valid cosignatures than minWitnesses is
// EINVALID naming how many were found and which witnesses are missing;
// minWitnesses larger than the witnesses given, or negative, is EINVALID
// too (the verifier's mistake, not the note's).
func VerifyCheckpointCosigned(msg []byte, logVerifier note.Verifier, witnesses []note.Verifier, minWitnesses int) (CosignedCheckpoint, error) {
	if minWitnesses < 0 || minWitnesses > len(witnesses) {
		return CosignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "at least %d witnesses required but %d witness keys given", minWitnesses, len(witnesses))
	}
	cp, err := OpenCheckpoint(msg, logVerifier)
	if err != nil {
		return CosignedCheckpoint{}, err
	}
	seen := map[string]bool{}
	for _, w := range witnesses {
		if w.Name() == logVerifier.Name() && w.KeyHash() == logVerifier.KeyHash() {
			return CosignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the witness key %s is the log's own key", w.Name())
		}
		id := w.Name() + "+" + strconv.FormatUint(uint64(w.KeyHash()), 16)
		if seen[id] {
			return CosignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the witness key %s is given twice", w.Name())
		}
		seen[id] = true
	}
	out := CosignedCheckpoint{SignedCheckpoint: cp}
	if len(witnesses) == 0 {
		return out, nil
	}
	n, err := note.Open(msg, note.VerifierList(witnesses...))
	var unverified *note.UnverifiedNoteError
	switch {
	case errors.As(err, &unverified):
		n = unverified.Note
	case err != nil:
		return CosignedCheckpoint{}, &ucx.Error{Code: ucx.EINVALID, Message: "a witness's cosignature on the checkpoint is not valid: it was altered or forged", Err: err}
	}
	signed := map[string]bool{}
	for _, s := range n.Sigs {
		signed[s.Name+"+"+strconv.FormatUint(uint64(s.Hash), 16)] = true
	}
	var missing []string
	for _, w := range witnesses {
		if signed[w.Name()+"+"+strconv.FormatUint(uint64(w.KeyHash()), 16)] {
			out.Witnesses = append(out.Witnesses, w.Name())
		} else {
			missing = append(missing, w.Name())
		}
	}
	if len(out.Witnesses) < minWitnesses {
		return out, ucx.Errorf(ucx.EINVALID, "the checkpoint is cosigned by %d of the trusted witnesses, %d required (no cosignature by %s)", len(out.Witnesses), minWitnesses, strings.Join(missing, ", "))
	}
	return out, nil
}

// Cosign returns the witness's cosignature line on the checkpoint note msg
// ("— <name> <base64>\n"), to be appended to the note's signatures.
func Cosign(msg []byte, s note.Signer) ([]byte, error) {
	body, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return nil, ucx.Errorf(ucx.EINVALID, "not a signed note")
	}
	text := make([]byte, 0, len(body)+1)
	text = append(append(text, body...), '\n')
	sig, err := s.Sign(text)
	if err != nil {
		return nil, err
	}
	var hb [4]byte
	binary.BigEndian.PutUint32(hb[:], s.KeyHash())
	return fmt.Appendf(nil, "— %s %s\n", s.Name(), base64.StdEncoding.EncodeToString(append(hb[:], sig...))), nil
}

// AddSignatures appends signature lines (as Cosign and a witness's
// add-checkpoint answer give them) to a signed note, skipping lines the note
// already has, so that a checkpoint and its cosignatures travel as one note.
func AddSignatures(msg []byte, lines []byte) []byte {
	out := append([]byte(nil), msg...)
	for _, l := range bytes.SplitAfter(lines, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 || bytes.Contains(msg, l) {
			continue
		}
		if !bytes.HasSuffix(l, []byte("\n")) {
			l = append(l, '\n')
		}
		out = append(out, l...)
	}
	return out
}
