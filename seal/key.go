package seal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/ucxdev/ucx"
)

// Alg names a signature algorithm. The name is written into every seal and
// key id, so it is a stable string.
type Alg string

// The two algorithms a seal may use.
const (
	// Ed25519 is pure Ed25519 (RFC 8032): small, fast, everywhere.
	Ed25519 Alg = "ed25519"
	// SM2 is the SM2 signature with SM3 (GB/T 32918.2, GB/T 32905) that
	// Chinese e-seals use (GB/T 38540), with the standard default user id
	// (SM2UserID) in ZA. Manufacturers and authorities whose seal system
	// is certified for the 商用密码 (commercial cryptography) regime need it.
	SM2 Alg = "sm2-sm3"
)

// SM2UserID is the signer identity hashed into ZA for every SM2 seal: the
// default id "1234567812345678" that GB/T 35276 specifies when no other is
// agreed. gmsm would substitute it for an empty id too; ucx passes it
// explicitly so the choice is visible and does not depend on a library
// default.
var SM2UserID = []byte("1234567812345678")

// Valid reports whether a is one of the supported algorithms.
func (a Alg) Valid() bool { return a == Ed25519 || a == SM2 }

// keyIDHexLen is the length of the hash part of a key id: 16 bytes of
// SHA-256, so 2^64 work to find any two colliding keys, far beyond what a
// registry of a few thousand keys needs, and the trust list refuses a
// duplicate id anyway.
const keyIDHexLen = 32

// PublicKey is a seal verification key: what a trust list publishes and a
// verifier checks signatures with. It is immutable and safe for concurrent
// use; parse it once and keep it, as SM2 verification caches per key.
type PublicKey struct {
	alg  Alg
	id   string
	pkix []byte            // SubjectPublicKeyInfo, DER
	ed   ed25519.PublicKey // Ed25519 only
	sm   *ecdsa.PublicKey  // SM2 only
	za   [sm3.Size]byte    // SM2 only: ZA for SM2UserID, computed once
}

// PrivateKey is a sealing key. It lives with its owner: ucx keygen writes
// it to the manufacturer's own machine and ucx seal reads it there, so the
// platform never holds it (non-custodial sealing; Electronic Signature Law
// Art. 13: the signer alone controls the signing data).
type PrivateKey struct {
	pub *PublicKey
	ed  ed25519.PrivateKey
	sm  *sm2.PrivateKey
}

// GenerateKey makes a new key pair for alg from the system's secure random
// source.
func GenerateKey(alg Alg) (*PrivateKey, error) {
	switch alg {
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, ucx.Internal("seal.GenerateKey", err)
		}
		return newPrivateKey(k)
	case SM2:
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, ucx.Internal("seal.GenerateKey", err)
		}
		return newPrivateKey(k)
	}
	return nil, errUnknownAlg(alg)
}

func errUnknownAlg(alg Alg) error {
	return ucx.Errorf(ucx.EINVALID, "unknown algorithm %q; use %q or %q", alg, Ed25519, SM2)
}

func newPrivateKey(k any) (*PrivateKey, error) {
	switch k := k.(type) {
	case ed25519.PrivateKey:
		pub, err := newPublicKey(k.Public())
		if err != nil {
			return nil, err
		}
		return &PrivateKey{pub: pub, ed: k}, nil
	case *sm2.PrivateKey:
		pub, err := newPublicKey(&k.PublicKey)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{pub: pub, sm: k}, nil
	case *ecdsa.PrivateKey:
		return nil, ucx.Errorf(ucx.EINVALID, "the elliptic-curve key is not on the SM2 curve; seals use Ed25519 or SM2 keys")
	}
	return nil, ucx.Errorf(ucx.EINVALID, "unsupported private key type %T; seals use Ed25519 or SM2 keys", k)
}

func newPublicKey(k any) (*PublicKey, error) {
	pub := &PublicKey{}
	switch k := k.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, ucx.Errorf(ucx.EINVALID, "an Ed25519 public key is %d bytes, not %d", ed25519.PublicKeySize, len(k))
		}
		pub.alg, pub.ed = Ed25519, k
	case *ecdsa.PublicKey:
		if !sm2.IsSM2PublicKey(k) {
			return nil, ucx.Errorf(ucx.EINVALID, "the elliptic-curve key is not on the SM2 curve; seals use Ed25519 or SM2 keys")
		}
		za, err := sm2.CalculateZA(k, SM2UserID)
		if err != nil {
			return nil, &ucx.Error{Code: ucx.EINVALID, Message: "the SM2 public key is not a valid curve point", Err: err}
		}
		pub.alg, pub.sm = SM2, k
		copy(pub.za[:], za)
	default:
		return nil, ucx.Errorf(ucx.EINVALID, "unsupported public key type %T; seals use Ed25519 or SM2 keys", k)
	}
	der, err := smx509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Message: "the public key cannot be encoded", Err: err}
	}
	pub.pkix = der
	sum := sha256.Sum256(der)
	pub.id = string(pub.alg) + ":" + hex.EncodeToString(sum[:keyIDHexLen/2])
	return pub, nil
}

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// Alg returns the key's algorithm.
func (k *PublicKey) Alg() Alg { return k.alg }

// ID returns the key id: the algorithm, a colon and the hex of the first
// 16 bytes of SHA-256 over the PKIX encoding, e.g.
// "ed25519:3f0c…". It is derived from the key alone, so anyone can
// recompute it and no registry is needed to mint it.
func (k *PublicKey) ID() string { return k.id }

// PKIX returns the key as a DER SubjectPublicKeyInfo (RFC 5280), the form
// the trust list carries. SM2 keys use id-ecPublicKey with the SM2 curve
// OID 1.2.156.10197.1.301, as GB/T 35276 and OpenSSL do.
func (k *PublicKey) PKIX() []byte { return append([]byte(nil), k.pkix...) }

// Equal reports whether k and o are the same key.
func (k *PublicKey) Equal(o *PublicKey) bool {
	return k != nil && o != nil && k.id == o.id && string(k.pkix) == string(o.pkix)
}

// ParsePublicKey reads a DER SubjectPublicKeyInfo holding an Ed25519 or SM2
// key.
func ParsePublicKey(der []byte) (*PublicKey, error) {
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: "seal.ParsePublicKey",
			Message: "not a PKIX (SubjectPublicKeyInfo) public key; export it with ucx keygen", Err: err}
	}
	return newPublicKey(k)
}

// PEM types of the key files ucx keygen writes: the same as OpenSSL's, so
// the files can be inspected with `openssl pkey`.
const (
	pemPrivate = "PRIVATE KEY" // PKCS #8
	pemPublic  = "PUBLIC KEY"  // PKIX
)

// MarshalPEM encodes k as a "PUBLIC KEY" PEM block.
func (k *PublicKey) MarshalPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: k.pkix})
}

// ParsePublicKeyPEM reads a "PUBLIC KEY" PEM block as MarshalPEM writes it.
func ParsePublicKeyPEM(b []byte) (*PublicKey, error) {
	der, err := decodePEM(b, pemPublic)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(der)
}

// MarshalPEM encodes k as an unencrypted PKCS #8 "PRIVATE KEY" PEM block.
// Whoever reads the file can seal in the owner's name: the caller writes it
// with mode 0600 on the owner's machine.
func (k *PrivateKey) MarshalPEM() ([]byte, error) {
	var key any = k.ed
	if k.sm != nil {
		key = k.sm
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, ucx.Internal("seal.PrivateKey.MarshalPEM", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), nil
}

// ParsePrivateKeyPEM reads a PKCS #8 "PRIVATE KEY" PEM block holding an
// Ed25519 or SM2 key, as MarshalPEM or `openssl genpkey` write it.
func ParsePrivateKeyPEM(b []byte) (*PrivateKey, error) {
	der, err := decodePEM(b, pemPrivate)
	if err != nil {
		return nil, err
	}
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: "seal.ParsePrivateKeyPEM",
			Message: "not an unencrypted PKCS #8 private key; generate one with ucx keygen", Err: err}
	}
	return newPrivateKey(k)
}

func decodePEM(b []byte, typ string) ([]byte, error) {
	block, rest := pem.Decode(b)
	if block == nil {
		return nil, ucx.Errorf(ucx.EINVALID, "no PEM block found; expected a %q block as ucx keygen writes", typ)
	}
	if block.Type != typ {
		return nil, ucx.Errorf(ucx.EINVALID, "the PEM block is %q, not %q; is this the other half of the key pair?", block.Type, typ)
	}
	if len(block.Headers) != 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "the %q PEM block has headers; encrypted keys are not supported, export it unencrypted", typ)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, ucx.Errorf(ucx.EINVALID, "unexpected data after the %q PEM block; keep one key per file", typ)
	}
	return block.Bytes, nil
}

// sign signs msg, the to-be-signed bytes of a seal. SM2 signs SM3(ZA ‖ msg)
// (GB/T 32918.2 §6.1) with a hedged nonce: gmsm derives it from the key,
// the digest and fresh randomness, so a weak random source cannot leak the
// key.
func (k *PrivateKey) sign(msg []byte) ([]byte, error) {
	if k.ed != nil {
		return ed25519.Sign(k.ed, msg), nil
	}
	e := k.pub.sm2Digest(msg)
	sig, err := sm2.SignASN1(rand.Reader, k.sm, e[:], nil)
	if err != nil {
		return nil, ucx.Internal("seal.sign", err)
	}
	return sig, nil
}

// verify reports whether sig is k's signature of msg. It never panics,
// whatever sig holds.
func (k *PublicKey) verify(msg, sig []byte) bool {
	switch k.alg {
	case Ed25519:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, msg, sig)
	case SM2:
		e := k.sm2Digest(msg)
		return sm2.VerifyASN1(k.sm, e[:], sig)
	}
	return false
}

// sm2Digest returns e = SM3(ZA ‖ msg) without allocating: msg is a seal's
// short to-be-signed string.
func (k *PublicKey) sm2Digest(msg []byte) [sm3.Size]byte {
	var buf [sm3.Size + maxTBS]byte
	n := copy(buf[:], k.za[:])
	if len(msg) > maxTBS {
		return sm3.Sum(append(buf[:n:n], msg...))
	}
	n += copy(buf[n:], msg)
	return sm3.Sum(buf[:n])
}
