package tlog_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/tlog"
)

// memTree builds a tree of n leaves in memory, keeping every complete node
// as a store would.
func memTree(t testing.TB, n int) (*tlog.Tree, map[tlog.NodeID][]byte, [][]byte) {
	tree, nodes := tlog.NewTree(), map[tlog.NodeID][]byte{}
	leaves := make([][]byte, n)
	for i := range leaves {
		leaves[i] = tlog.LeafHash(fmt.Appendf(nil, "entry %d", i))
		if err := tree.Append(leaves[i], func(id tlog.NodeID, h []byte) { nodes[id] = h }); err != nil {
			t.Fatal(err)
		}
	}
	return tree, nodes, leaves
}

func reader(nodes map[tlog.NodeID][]byte) tlog.HashReader {
	return func(ids []tlog.NodeID) ([][]byte, error) {
		out := make([][]byte, len(ids))
		for i, id := range ids {
			out[i] = nodes[id]
		}
		return out, nil
	}
}

func TestProofs_VerifyWithMerkle(t *testing.T) {
	_, nodes, leaves := memTree(t, 70)
	roots := make([][]byte, 71)
	tree := tlog.NewTree()
	roots[0] = tree.Root()
	for i, l := range leaves {
		tree.Append(l, nil)
		roots[i+1] = tree.Root()
	}
	if string(roots[0]) != string(rfc6962.DefaultHasher.EmptyRoot()) {
		t.Fatal("empty root")
	}
	for size := int64(1); size <= 70; size++ {
		for idx := int64(0); idx < size; idx++ {
			p, err := tlog.InclusionProof(idx, size, reader(nodes))
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(idx), uint64(size), leaves[idx], p, roots[size]); err != nil {
				t.Fatalf("inclusion %d/%d: %v", idx, size, err)
			}
			if err := tlog.VerifyInclusion(idx, size, leaves[(idx+1)%size], p, roots[size]); size > 1 && ucx.ErrorCode(err) != ucx.EINVALID {
				t.Fatalf("a proof for another leaf verified: %v", err)
			}
		}
		for s1 := int64(0); s1 <= size; s1++ {
			p, err := tlog.ConsistencyProof(s1, size, reader(nodes))
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyConsistency(s1, size, p, roots[s1], roots[size]); err != nil {
				t.Fatalf("consistency %d→%d: %v", s1, size, err)
			}
		}
	}
	resumed, err := tlog.ResumeTree(37, func() (h [][]byte) {
		for _, id := range tlog.BorderIDs(37) {
			h = append(h, nodes[id])
		}
		return h
	}())
	if err != nil || string(resumed.Root()) != string(roots[37]) {
		t.Fatalf("ResumeTree(37) root differs: %v", err)
	}
	for _, tc := range []struct{ idx, size int64 }{{-1, 3}, {3, 3}, {0, -1}} {
		if _, err := tlog.InclusionProof(tc.idx, tc.size, reader(nodes)); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("InclusionProof(%d, %d) = %v, want EINVALID", tc.idx, tc.size, err)
		}
	}
	if _, err := tlog.ResumeTree(37, nil); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("ResumeTree with no border = %v", err)
	}
	if err := tlog.NewTree().Append([]byte("short"), nil); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("Append of a short hash = %v", err)
	}
}

func TestCheckpoint_SignOpenAndRefusals(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	signer, err := tlog.NewSigner("ucx.example.cn/log", key)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := tlog.NewVerifier("ucx.example.cn/log", key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	root := tlog.LeafHash([]byte("x"))
	sc, err := tlog.Checkpoint{Origin: "ucx.example.cn/log", Size: 42, Root: root}.Sign(signer)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := "ucx.example.cn/log\n42\n" + b64(root) + "\n\n— ucx.example.cn/log "
	if !strings.HasPrefix(string(sc.Note), wantBody) {
		t.Fatalf("note = %q, want C2SP form starting %q", sc.Note, wantBody)
	}
	got, err := tlog.OpenCheckpoint(sc.Note, verifier)
	if err != nil || got.Size != 42 || string(got.Root) != string(root) {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	otherKey := ed25519.NewKeyFromSeed([]byte(strings.Repeat("k", 32)))
	otherV, _ := tlog.NewVerifier("ucx.example.cn/log", otherKey.Public().(ed25519.PublicKey))
	tampered := []byte(strings.Replace(string(sc.Note), "\n42\n", "\n43\n", 1))
	for _, tc := range []struct {
		name string
		msg  []byte
	}{
		{"tampered size", tampered},
		{"unsigned", []byte("ucx.example.cn/log\n42\n" + b64(root) + "\n")},
		{"garbage", []byte("\x00\x01")},
		{"too large", make([]byte, tlog.MaxNoteSize+1)},
	} {
		if _, err := tlog.OpenCheckpoint(tc.msg, verifier); err == nil {
			t.Errorf("%s: OpenCheckpoint accepted it", tc.name)
		}
	}
	if _, err := tlog.OpenCheckpoint(sc.Note, otherV); err == nil {
		t.Error("a checkpoint opened with another log's key")
	}
	for _, body := range []string{
		"o\n42\n", "o\n042\n" + b64(root) + "\n", "o\n-1\n" + b64(root) + "\n", "o\n+1\n" + b64(root) + "\n",
		"o\n1\nAAAA\n", "o\n99999999999999999999\n" + b64(root) + "\n", "o\n1\n" + b64(root), "\n1\n" + b64(root) + "\n",
	} {
		if _, err := tlog.ParseCheckpoint([]byte(body)); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("ParseCheckpoint(%q) = %v, want EINVALID", body, err)
		}
	}
	if c, err := tlog.ParseCheckpoint([]byte("o\n0\n" + b64(root) + "\next one\n")); err != nil || c.Extensions[0] != "ext one" {
		t.Errorf("extension lines: %+v, %v", c, err)
	}
	if _, err := (tlog.Checkpoint{Origin: "another/log", Size: 1, Root: root}).Sign(signer); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("signing another origin's checkpoint = %v", err)
	}
	if _, err := tlog.NewSigner("has space", key); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("NewSigner with a bad origin = %v", err)
	}
	if _, err := tlog.NewSigner("ok", key[:10]); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("NewSigner with a short key = %v", err)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// BenchmarkVerifyInclusion compares tlog.VerifyInclusion with the raw
// merkle/proof.VerifyInclusion it wraps, on
// a 65,549-leaf tree in memory.
func BenchmarkVerifyInclusion(b *testing.B) {
	const size = 65549
	_, nodes, leaves := memTree(b, size)
	tree := tlog.NewTree()
	for _, l := range leaves {
		tree.Append(l, nil)
	}
	root := tree.Root()
	const idx = 40000
	p, err := tlog.InclusionProof(idx, size, reader(nodes))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, idx, size, leaves[idx], p, root); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
	b.Run("tlog", func(b *testing.B) {
		for b.Loop() {
			if err := tlog.VerifyInclusion(idx, size, leaves[idx], p, root); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
}
