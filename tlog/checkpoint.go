package tlog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
)

// MaxNoteSize bounds the signed checkpoints OpenCheckpoint reads. A real one
// is a few hundred bytes; the bound keeps a hostile input from costing more.
const MaxNoteSize = 64 << 10

// Checkpoint is the log's commitment to its first Size entries, in the C2SP
// tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): the body of a
// signed note reading
//
//	<origin>\n<size in decimal>\n<base64 root hash>\n[extension lines\n]
//
// The origin names the log and, in ucx, is also the name of its signing key,
// so a checkpoint cannot be passed off as another log's.
type Checkpoint struct {
	Origin     string   `json:"origin"`
	Size       int64    `json:"tree_size"`
	Root       []byte   `json:"root_hash"`
	Extensions []string `json:"extensions,omitempty"` // kept as read; ucx writes none
}

// SignedCheckpoint is a checkpoint together with the signed note that
// carries it, which is what is handed to verifiers and witnesses verbatim.
type SignedCheckpoint struct {
	Checkpoint
	Note []byte `json:"note"`
}

// Body returns the checkpoint's note text. It refuses a checkpoint that
// would not parse back to itself.
func (c Checkpoint) Body() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(c.Origin) + 70)
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Root))
	b.WriteByte('\n')
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func (c Checkpoint) check() error {
	switch {
	case !validLine(c.Origin):
		return ucx.Errorf(ucx.EINVALID, "a checkpoint's origin must be one non-empty line of UTF-8 text")
	case c.Size < 0:
		return ucx.Errorf(ucx.EINVALID, "a checkpoint's size cannot be negative (%d)", c.Size)
	case len(c.Root) != HashSize:
		return ucx.Errorf(ucx.EINVALID, "a checkpoint's root is %d bytes, want %d", len(c.Root), HashSize)
	}
	for _, e := range c.Extensions {
		if !validLine(e) {
			return ucx.Errorf(ucx.EINVALID, "a checkpoint extension must be one non-empty line of UTF-8 text")
		}
	}
	return nil
}

// validLine reports whether s can stand as one line of a signed note:
// non-empty UTF-8 with no control characters (note.Open refuses them).
func validLine(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseCheckpoint parses a checkpoint body (a note's text, without the
// signatures). It does not check any signature: use OpenCheckpoint for text
// that comes from anyone but the log itself.
func ParseCheckpoint(body []byte) (Checkpoint, error) {
	bad := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, ucx.Errorf(ucx.EINVALID, "not a checkpoint: "+format, args...)
	}
	if !utf8.Valid(body) {
		return bad("not UTF-8")
	}
	if !bytes.HasSuffix(body, []byte("\n")) {
		return bad("the last line does not end in a newline")
	}
	lines := strings.Split(string(body[:len(body)-1]), "\n")
	if len(lines) < 3 {
		return bad("%d lines, want at least origin, size and root", len(lines))
	}
	var c Checkpoint
	c.Origin = lines[0]
	// The size is plain decimal: no sign, no leading zero, so that one
	// checkpoint has exactly one text and so one signature.
	s := lines[1]
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return bad("the size %q is not a decimal number", s)
	}
	size, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return bad("the size %q is out of range", s)
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != HashSize {
		return bad("the root %q is not a base64 SHA-256 hash", lines[2])
	}
	c.Root = root
	if len(lines) > 3 {
		c.Extensions = lines[3:]
	}
	if err := c.check(); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}

// Sign returns the checkpoint as a note signed by s. The signer's name must
// be the checkpoint's origin.
func (c Checkpoint) Sign(s note.Signer) (SignedCheckpoint, error) {
	if s == nil {
		return SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "no log signer")
	}
	if s.Name() != c.Origin {
		return SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the signer %q is not the log %q", s.Name(), c.Origin)
	}
	body, err := c.Body()
	if err != nil {
		return SignedCheckpoint{}, err
	}
	msg, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		return SignedCheckpoint{}, ucx.Internal("tlog.Checkpoint.Sign", err)
	}
	return SignedCheckpoint{Checkpoint: c, Note: msg}, nil
}

// OpenCheckpoint verifies a signed checkpoint against the log's verifier and
// parses it. Other signatures (a witness's cosignature, say) are allowed and
// ignored; the log's own must be there and valid, and the origin must be the
// verifier's name.
func OpenCheckpoint(msg []byte, v note.Verifier) (SignedCheckpoint, error) {
	if v == nil {
		return SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "no log verifier")
	}
	if len(msg) > MaxNoteSize {
		return SignedCheckpoint{}, ucx.Errorf(ucx.ETOOLARGE, "a signed checkpoint of %d bytes is over the %d-byte limit", len(msg), MaxNoteSize)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return SignedCheckpoint{}, &ucx.Error{Code: ucx.EINVALID, Message: fmt.Sprintf("the checkpoint is not signed by the log key %s", v.Name()), Err: err}
		case errors.As(err, &invalid):
			return SignedCheckpoint{}, &ucx.Error{Code: ucx.EINVALID, Message: "the checkpoint's signature is not valid: it was altered or forged", Err: err}
		}
		return SignedCheckpoint{}, &ucx.Error{Code: ucx.EINVALID, Message: "not a signed note", Err: err}
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if c.Origin != v.Name() {
		return SignedCheckpoint{}, ucx.Errorf(ucx.EINVALID, "the checkpoint is for the log %q, not %q", c.Origin, v.Name())
	}
	return SignedCheckpoint{Checkpoint: c, Note: append([]byte(nil), msg...)}, nil
}

// VerifyInclusion checks that the leaf with leafHash is at index in the tree
// this checkpoint commits to.
func (c Checkpoint) VerifyInclusion(index int64, leafHash []byte, p [][]byte) error {
	return VerifyInclusion(index, c.Size, leafHash, p, c.Root)
}

// VerifyConsistency checks that the older checkpoint's tree is a prefix of
// this one's, given the consistency proof between their sizes. A checkpoint
// for a larger size than c is refused: logs only grow.
func (c Checkpoint) VerifyConsistency(older Checkpoint, p [][]byte) error {
	if older.Size > c.Size {
		return ucx.Errorf(ucx.EINVALID, "the older checkpoint (size %d) is larger than the newer (size %d)", older.Size, c.Size)
	}
	return VerifyConsistency(older.Size, c.Size, p, older.Root, c.Root)
}

// NewSigner returns the note signer for a log named origin with the Ed25519
// private key. The origin becomes the key name, as C2SP recommends, so it
// must be a valid note key name: non-empty, no spaces, no '+'
// (e.g. "ucx.example.cn/log").
func NewSigner(origin string, key ed25519.PrivateKey) (note.Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, ucx.Errorf(ucx.EINVALID, "a log key is an Ed25519 private key of %d bytes, not %d", ed25519.PrivateKeySize, len(key))
	}
	vkey, err := VerifierKey(origin, key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	// Build the encoded signer key note.NewSigner reads, from the verifier
	// key's name and hash and the private key's seed (algorithm byte 1 is
	// Ed25519), rather than reimplementing the key hash here.
	_, rest, _ := strings.Cut(vkey, "+")
	hash, _, _ := strings.Cut(rest, "+")
	skey := "PRIVATE+KEY+" + origin + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, key.Seed()...))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Message: "cannot make a log signer from this key", Err: err}
	}
	return s, nil
}

// VerifierKey returns the log's public verifier key in note form,
// "<origin>+<key hash>+<base64 key>": the text to publish so that anyone can
// check checkpoints (NewVerifier, note.NewVerifier).
func VerifierKey(origin string, pub ed25519.PublicKey) (string, error) {
	if !validKeyName(origin) {
		return "", ucx.Errorf(ucx.EINVALID, "the log origin %q cannot name a key: it must be non-empty, with no spaces and no '+'", origin)
	}
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		return "", &ucx.Error{Code: ucx.EINVALID, Message: "not an Ed25519 public key", Err: err}
	}
	return vkey, nil
}

// NewVerifier returns the note verifier for the log named origin with the
// Ed25519 public key.
func NewVerifier(origin string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := VerifierKey(origin, pub)
	if err != nil {
		return nil, err
	}
	return ParseVerifierKey(vkey)
}

// ParseVerifierKey reads a published verifier key (see VerifierKey).
func ParseVerifierKey(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Message: "not a log verifier key (<origin>+<hash>+<base64 key>)", Err: err}
	}
	return v, nil
}

func validKeyName(name string) bool {
	return validLine(name) && !strings.Contains(name, "+") && !strings.ContainsFunc(name, unicode.IsSpace)
}
