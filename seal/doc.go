// Package seal keys, encodes, seals and verifies the documents of the
// used-car export regime: the manufacturer's After-Sales Service
// Confirmation, which R3 says must bear the manufacturer's official seal
// (公章), and the export licence the authority issues (R4, R14).
//
// An electronic seal stands in for the red ink one. Under the Electronic
// Signature Law (Art. 13, 14) it has the same effect when the signer alone
// controls the signing key and any later change to the seal or the content
// can be detected. So the package is built around two promises: a private
// key never has to leave its owner (ucx keygen and ucx seal run on the
// manufacturer's own machine; the platform stores only public keys), and
// changing any byte of a sealed document, or of a seal, is detected and
// named.
//
// # Pieces
//
//   - Canonical JSON (RFC 8785): Canonicalize turns any JSON into the one
//     form two parties can sign and hash alike; CheckCanonical checks a
//     text is already in it; Marshal encodes Go structs straight into it.
//   - Keys: Ed25519, and SM2 with SM3 (GB/T 32918, GB/T 32905), the
//     algorithms of Chinese e-seals (GB/T 38540). GenerateKey, PEM files
//     in PKCS #8 and PKIX as OpenSSL writes them, and key ids derived from
//     the public key.
//   - Envelope: a canonical document plus one or more seals (a licence
//     may carry the authority's and a co-seal). Envelope.Sign, Marshal,
//     ParseEnvelope.
//   - TrustList: the platform root's sealed statement of which key seals
//     for which organisation, when, and which keys were revoked.
//   - Verification: TrustList.Verify and Verify give a Report with three
//     verdicts (integrity, issuer, status) and a stable Reason for every
//     failure.
//
// # What a seal signs
//
// A seal signs neither the document nor its digest alone, but
//
//	"ucx/seal/v1" 0x00 ‖ SHA-256(document) ‖ lp(alg) ‖ lp(key id) ‖ lp(org) ‖ lp(sealed_at)
//
// where lp(x) is x after its length in one byte and sealed_at is RFC 3339
// in UTC, whole seconds. The prefix keeps a seal from being read as any
// other signature by the same key; the digest ties it to one document; the
// rest stops a seal from being re-dated, re-attributed or re-labelled.
// Ed25519 signs these bytes directly; SM2 signs SM3(ZA ‖ bytes) with ZA
// computed for the default user id SM2UserID (GB/T 32918.2 §6.1).
//
// # What it is not
//
// This is not a GB/T 38540 seal: there is no ASN.1 SES_Signature, no seal
// image, no GB/T 20518 certificate chain and no GB/T 20520 time stamp. The
// trust list does the certificates' work of binding keys to organisations,
// and the transparency log bounds when a document existed
// (Options.LoggedAt). The SM2 signatures themselves are standard and
// interoperate with OpenSSL (see testdata/keys).
//
// The package is pure: no I/O beyond what callers hand it, no clock (times
// are passed in), safe for concurrent use once a TrustList is parsed.
package seal
