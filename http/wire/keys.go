package wire

import (
	"encoding/json"
	"time"
)

// KeyRequest is the body of POST /api/v1/keys: either a public key made
// with ucx keygen (non-custodial, the default: the platform never sees the
// private key), or custodial true for a key the platform generates and
// holds encrypted (alg ed25519 or sm2-sm3).
type KeyRequest struct {
	PublicKeyPEM string    `json:"public_key_pem,omitempty" text:"multiline"`
	NotAfter     time.Time `json:"not_after,omitzero"`
	Custodial    bool      `json:"custodial,omitempty"`
	Alg          string    `json:"alg,omitempty"`
}

// RevokeRequest is the body of the key and document revocations.
type RevokeRequest struct {
	Reason string `json:"reason" text:"multiline"`
	// Envelope, for a document revocation only: the revocation record
	// (GET …/revocation-document) sealed offline. Without it the
	// custodial key seals.
	Envelope json.RawMessage `json:"envelope,omitempty"`
}
