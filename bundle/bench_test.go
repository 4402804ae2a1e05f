package bundle_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/bundle/bundletest"
)

// signaturesPerBundle is what verifying a witnessed licence bundle must
// check at the least: the authority's seal, the root's seal on the trust
// list, the log's signature on the checkpoint and the two witnesses'
// cosignatures.
const signaturesPerBundle = 5

// BenchmarkVerifyBundle is the offline verification of a one-car licence
// bundle with its inclusion proof in a log of 1,000 entries (20 of them
// after the document, all carried) and two witness cosignatures, with the
// root, the log key and both witnesses pinned: what ucx verify does, minus
// reading the file. Compare BenchmarkBareEd25519Verify (docs/benchmarks.md).
func BenchmarkVerifyBundle(b *testing.B) {
	w := bundletest.New(b, 2)
	raw := w.Bundle(b, w.Licence(b, 1), bundletest.Log{Before: 979, After: 20, Cosigners: 2})
	opts := w.Options(b, 2)
	if v, err := bundle.Verify(raw, opts); err != nil || !v.OK {
		b.Fatalf("the bundle does not verify: %v %+v", err, v)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := bundle.Verify(raw, opts); !v.OK {
			b.Fatal("not valid")
		}
	}
}

// BenchmarkBareEd25519Verify verifies signaturesPerBundle Ed25519
// signatures of 32-byte digests per operation: the floor
// BenchmarkVerifyBundle is measured against.
func BenchmarkBareEd25519Verify(b *testing.B) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	var msgs [signaturesPerBundle][]byte
	var sigs [signaturesPerBundle][]byte
	for i := range msgs {
		d := sha256.Sum256([]byte{byte(i)})
		msgs[i] = d[:]
		sigs[i] = ed25519.Sign(priv, msgs[i])
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range msgs {
			if !ed25519.Verify(pub, msgs[i], sigs[i]) {
				b.Fatal("bad signature")
			}
		}
	}
}

// BenchmarkVerifyBundleVsBare runs both in the same loop, alternately, so
// that the ratio holds on a shared machine whose load changes between two
// benchmarks: it reports the bundle's and the bare signatures' time per
// operation and bare/bundle, the bundle verification's rate as a fraction
// of the bare rate (the target is at least 0.5).
func BenchmarkVerifyBundleVsBare(b *testing.B) {
	w := bundletest.New(b, 2)
	raw := w.Bundle(b, w.Licence(b, 1), bundletest.Log{Before: 979, After: 20, Cosigners: 2})
	opts := w.Options(b, 2)
	pub, priv, _ := ed25519.GenerateKey(nil)
	var msgs, sigs [signaturesPerBundle][]byte
	for i := range msgs {
		d := sha256.Sum256([]byte{byte(i)})
		msgs[i], sigs[i] = d[:], ed25519.Sign(priv, d[:])
	}
	var inBundle, inBare time.Duration
	for b.Loop() {
		t0 := time.Now()
		if v, _ := bundle.Verify(raw, opts); !v.OK {
			b.Fatal("not valid")
		}
		t1 := time.Now()
		for i := range msgs {
			if !ed25519.Verify(pub, msgs[i], sigs[i]) {
				b.Fatal("bad signature")
			}
		}
		inBundle, inBare = inBundle+t1.Sub(t0), inBare+time.Since(t1)
	}
	b.ReportMetric(float64(inBundle.Nanoseconds())/float64(b.N), "bundle-ns/op")
	b.ReportMetric(float64(inBare.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(inBare)/float64(inBundle), "rate-vs-bare")
}
