package seal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// The raw signature operations are the yardstick: Seal and Verify below
// do the same signature work plus everything around it, on a licence of
// about 2 KB, so their ratio to these is the cost of the envelope.
// benchMsg is as long as a seal's to-be-signed bytes.
var benchMsg = make([]byte, 128)

func BenchmarkRawEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	b.ReportAllocs()
	for b.Loop() {
		ed25519.Sign(priv, benchMsg)
	}
}

func BenchmarkRawEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sig := ed25519.Sign(priv, benchMsg)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, benchMsg, sig) {
			b.Fatal("does not verify")
		}
	}
}

// gmsm's own message signing: ZA, SM3 and the signature.
func BenchmarkRawSM2Sign(b *testing.B) {
	priv, _ := sm2.GenerateKey(rand.Reader)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := priv.Sign(rand.Reader, benchMsg, sm2.DefaultSM2SignerOpts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawSM2Verify(b *testing.B) {
	priv, _ := sm2.GenerateKey(rand.Reader)
	sig, _ := priv.Sign(rand.Reader, benchMsg, sm2.DefaultSM2SignerOpts)
	b.ReportAllocs()
	for b.Loop() {
		if !sm2.VerifyASN1WithSM2(&priv.PublicKey, nil, benchMsg, sig) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkSeal seals an encoded licence: canonical check, digest,
// signature, and the envelope's wire form.
func BenchmarkSeal(b *testing.B) {
	w := newWorld(b)
	doc := mustMarshal(b, sampleLicence(9))
	for _, k := range []struct {
		key *PrivateKey
		org string
	}{{w.byd, "mfr-byd"}, {w.gd, "auth-gd"}} {
		b.Run(string(k.key.Public().Alg()), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				env := Envelope{Document: doc}
				if err := env.Sign(k.key, k.org, t0); err != nil {
					b.Fatal(err)
				}
				if _, err := env.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify verifies a sealed licence from its bytes: parsing,
// canonical check, digest, key lookup, signature and the three verdicts.
func BenchmarkVerify(b *testing.B) {
	w := newWorld(b)
	doc := mustMarshal(b, sampleLicence(9))
	for _, k := range []struct {
		key *PrivateKey
		org string
	}{{w.byd, "mfr-byd"}, {w.gd, "auth-gd"}} {
		b.Run(string(k.key.Public().Alg()), func(b *testing.B) {
			env := seal(b, doc, k.key, k.org, t0)
			b.SetBytes(int64(len(env)))
			b.ReportAllocs()
			for b.Loop() {
				if r := w.list.Verify(env, Options{}); !r.OK() {
					b.Fatal(r.Reason())
				}
			}
		})
	}
}

// Encoding a licence: Marshal's fast path against encoding/json alone and
// against the general canonicaliser.
func BenchmarkEncodeLicence(b *testing.B) {
	l := sampleLicence(9)
	plain, _ := json.Marshal(l)
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mustMarshal(b, l)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(l)
		}
	})
	b.Run("json+Canonicalize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, _ := json.Marshal(l)
			if _, err := Canonicalize(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckCanonical", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			if err := CheckCanonical(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}
