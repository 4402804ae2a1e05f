package tlog_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/tlog"
)

func seedKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// witnessKeys makes a witness's signer and the verifier its published key
// parses to.
func witnessKeys(t testing.TB, name string, seed byte) (note.Signer, note.Verifier, string) {
	t.Helper()
	key := seedKey(seed)
	s, err := tlog.NewCosigner(name, key, func() time.Time { return time.Unix(1764720000, 0) })
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := tlog.CosignerVerifierKey(name, key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.ParseCosignerKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v, vkey
}

func signedCheckpoint(t testing.TB, size int64) (tlog.SignedCheckpoint, note.Verifier) {
	t.Helper()
	key := seedKey(1)
	s, err := tlog.NewSigner("ucx.test/log", key)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier("ucx.test/log", key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	root := tlog.LeafHash([]byte{byte(size)})
	cp, err := tlog.Checkpoint{Origin: "ucx.test/log", Size: size, Root: root}.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	return cp, v
}

// TestCosignature_FormatIsC2SPCosignatureV1 checks a cosignature against
// the specification written out independently: the key ID is
// SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4], the signature is an 8-byte
// big-endian timestamp and an Ed25519 signature over
// "cosignature/v1\ntime <ts>\n" and the checkpoint body.
func TestCosignature_FormatIsC2SPCosignatureV1(t *testing.T) {
	cp, _ := signedCheckpoint(t, 42)
	s, _, vkey := witnessKeys(t, "witness.example/w1", 9)
	line, err := tlog.Cosign(cp.Note, s)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "— witness.example/w1 "
	if !strings.HasPrefix(string(line), prefix) || !strings.HasSuffix(string(line), "\n") {
		t.Fatalf("line %q", line)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(string(line), prefix), "\n"))
	if err != nil || len(raw) != 4+8+64 {
		t.Fatalf("signature %v, %d bytes", err, len(raw))
	}
	pub := seedKey(9).Public().(ed25519.PublicKey)
	// The published key: name, the key ID in hex, base64(0x04 ‖ key).
	if want := "witness.example/w1+" + strings.SplitN(vkey, "+", 3)[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{4}, pub...)); vkey != want {
		t.Fatalf("vkey %s, want %s", vkey, want)
	}
	if ts := binary.BigEndian.Uint64(raw[4:12]); ts != 1764720000 {
		t.Fatalf("timestamp %d", ts)
	}
	body, _, _ := strings.Cut(string(cp.Note), "\n\n")
	msg := "cosignature/v1\ntime 1764720000\n" + body + "\n"
	if !ed25519.Verify(pub, []byte(msg), raw[12:]) {
		t.Fatal("the Ed25519 signature is not over cosignature/v1, the time line and the body")
	}
	// The key ID names the key with the 0x04 type byte.
	h := sha256Sum([]byte("witness.example/w1\n\x04" + string(pub)))
	if !bytes.Equal(raw[:4], h[:4]) {
		t.Fatalf("key ID %x, want %x", raw[:4], h[:4])
	}
}

func TestVerifyCheckpointCosigned(t *testing.T) {
	cp, logV := signedCheckpoint(t, 42)
	s1, v1, _ := witnessKeys(t, "witness.example/w1", 9)
	s2, v2, _ := witnessKeys(t, "customs.example/w", 10)
	_, v3, _ := witnessKeys(t, "third.example/w", 11)
	l1, _ := tlog.Cosign(cp.Note, s1)
	l2, _ := tlog.Cosign(cp.Note, s2)
	both := tlog.AddSignatures(tlog.AddSignatures(cp.Note, l1), l2)
	if again := tlog.AddSignatures(both, l1); !bytes.Equal(again, both) {
		t.Fatal("AddSignatures added a line the note already has")
	}
	other, _ := signedCheckpoint(t, 43)
	moved := tlog.AddSignatures(other.Note, l1) // w1's line on another checkpoint

	flipped := bytes.Clone(both)
	i := bytes.Index(flipped, []byte("— customs.example/w ")) + len("— customs.example/w ") + 20
	flipped[i] ^= 'A' ^ 'B'
	if flipped[i] == both[i] {
		flipped[i] ^= 1
	}

	for _, tc := range []struct {
		name      string
		msg       []byte
		witnesses []note.Verifier
		min       int
		want      []string // witnesses found; nil with err
		err       string
	}{
		{"two of two", both, []note.Verifier{v1, v2}, 2, []string{"witness.example/w1", "customs.example/w"}, ""},
		{"one required of three", both, []note.Verifier{v1, v2, v3}, 1, []string{"witness.example/w1", "customs.example/w"}, ""},
		{"no witnesses asked", cp.Note, nil, 0, nil, ""},
		{"one missing", tlog.AddSignatures(cp.Note, l1), []note.Verifier{v1, v2}, 2, nil, "cosigned by 1 of the trusted witnesses, 2 required (no cosignature by customs.example/w)"},
		{"none", cp.Note, []note.Verifier{v1, v2}, 1, nil, "cosigned by 0"},
		{"untrusted witness only", both, []note.Verifier{v3}, 1, nil, "no cosignature by third.example/w"},
		{"a cosignature altered", flipped, []note.Verifier{v1, v2}, 1, nil, "not valid"},
		{"a cosignature moved to another checkpoint", moved, []note.Verifier{v1}, 1, nil, "not valid"},
		{"more required than given", both, []note.Verifier{v1}, 2, nil, "2 witnesses required but 1"},
		{"the log as its own witness", both, []note.Verifier{logV}, 1, nil, "the log's own key"},
		{"a witness given twice", both, []note.Verifier{v1, v1}, 1, nil, "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tlog.VerifyCheckpointCosigned(tc.msg, logV, tc.witnesses, tc.min)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || ucx.ErrorCode(err) != ucx.EINVALID {
					t.Fatalf("err = %v, want EINVALID with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Witnesses, ",") != strings.Join(tc.want, ",") || got.Size != 42 {
				t.Fatalf("witnesses %v size %d, want %v", got.Witnesses, got.Size, tc.want)
			}
		})
	}
	// A cosigned checkpoint is still a checkpoint to those who ignore
	// witnesses.
	if _, err := tlog.OpenCheckpoint(both, logV); err != nil {
		t.Fatalf("OpenCheckpoint on a cosigned note: %v", err)
	}
}

func TestParseCosignerKey_RefusesWhatIsNotAWitnessKey(t *testing.T) {
	_, _, vkey := witnessKeys(t, "witness.example/w1", 9)
	logKey, _ := tlog.VerifierKey("ucx.test/log", seedKey(1).Public().(ed25519.PublicKey))
	name, rest, _ := strings.Cut(vkey, "+")
	for _, tc := range []struct{ name, vkey, want string }{
		{"a log key", logKey, "0x01"},
		{"another name", "other" + name + "+" + rest, "key ID does not match"},
		{"garbage", "witness", "three parts"},
		{"short key", name + "+00000000+BA==", "33 bytes"},
	} {
		if _, err := tlog.ParseCosignerKey(tc.vkey); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
