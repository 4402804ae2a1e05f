package ucx

import (
	"context"
	"time"
)

// Key is a sealing key an organisation has on the platform's trust list: a
// manufacturer's for confirmations (R2, R3: the letter bears its official
// seal), an authority's for licences (R14). Only the public half is ever
// shown. A custodial key's private half is held by the platform, encrypted
// at rest, and never leaves it; a non-custodial key's never reaches it.
type Key struct {
	ID            string     `json:"id"` // the seal key id, e.g. "ed25519:…"
	OrgID         int64      `json:"org_id"`
	Alg           string     `json:"alg"`
	PublicKeyPEM  string     `json:"public_key_pem"`
	NotBefore     time.Time  `json:"not_before"`
	NotAfter      time.Time  `json:"not_after"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
	Custodial     bool       `json:"custodial"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Kinds of sealed document.
const (
	DocConfirmation = "confirmation" // After-Sales Service Confirmation (R2–R4)
	DocLicence      = "licence"      // export licence (R4, R5, R14)
	DocRevocation   = "revocation"   // a sealed record cancelling one of the above
)

// Document is a sealed document as the platform stores it: the envelope
// (canonical document and seals) under the SHA-256 of its document.
type Document struct {
	Digest        string     `json:"digest"` // "sha256:" and 64 hex digits
	Kind          string     `json:"kind"`
	EntityID      int64      `json:"entity_id,omitempty"` // the request or licence it seals
	OrgID         int64      `json:"org_id"`              // the issuing organisation
	Revokes       string     `json:"revokes,omitempty"`   // for a revocation: the digest it revokes
	Envelope      []byte     `json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

// KeyService manages the sealing keys of organisations and publishes the
// root-sealed trust list that binds them.
type KeyService interface {
	// RegisterKey puts an org admin's public key (PKIX PEM, made with
	// ucx keygen) on the trust list until notAfter. Returns EFORBIDDEN
	// (not an admin of a manufacturer or authority), EINVALID (bad key or
	// date), ECONFLICT (the key is registered already).
	RegisterKey(ctx context.Context, p *Principal, publicKeyPEM string, notAfter time.Time) (*Key, error)
	// CreateCustodialKey makes the platform generate and hold a key for
	// the caller's organisation. Same errors as RegisterKey.
	CreateCustodialKey(ctx context.Context, p *Principal, alg string, notAfter time.Time) (*Key, error)
	// RevokeKey revokes one of the caller's organisation's keys from now
	// on. Returns ENOTFOUND, ERULE (already revoked).
	RevokeKey(ctx context.Context, p *Principal, id, reason string) (*Key, error)
	// FindKeys lists the caller's organisation's keys.
	FindKeys(ctx context.Context, p *Principal) ([]*Key, error)
	// TrustList returns the current root-sealed trust list envelope.
	TrustList(ctx context.Context) ([]byte, error)
	// TrustRoot returns the root public key, PKIX PEM.
	TrustRoot(ctx context.Context) ([]byte, error)
}

// DocumentService hands out documents to seal, accepts sealed ones, and
// serves and revokes what was stored.
type DocumentService interface {
	// ConfirmationToSeal returns the canonical confirmation document that
	// approving request id with outletIDs today would produce, for the
	// manufacturer to seal offline.
	ConfirmationToSeal(ctx context.Context, p *Principal, id int64, outletIDs []int64) ([]byte, error)
	// LicenceToSeal returns the canonical licence document that issuing
	// the licence of application appID today would produce.
	LicenceToSeal(ctx context.Context, p *Principal, appID int64) ([]byte, error)
	// ApproveRequestSealed is ApproveRequest with an envelope sealed
	// offline; a nil envelope seals with the organisation's custodial key.
	ApproveRequestSealed(ctx context.Context, p *Principal, id int64, version int, outletIDs []int64, envelope []byte) (*ConfirmationRequest, error)
	// IssueLicenceSealed is IssueLicence with an envelope sealed offline.
	IssueLicenceSealed(ctx context.Context, p *Principal, appID int64, version int, envelope []byte) (*Licence, error)
	// FindDocument returns a stored document by digest (hex, or with the
	// "sha256:" prefix), for the platform's own use (verification, public
	// facts); handlers serving a document whole use ReadDocument.
	FindDocument(ctx context.Context, digest string) (*Document, error)
	// ReadDocument returns a stored document whole to a party to it: its
	// issuer, the exporter it names, the manufacturers of its letters,
	// authorities and customs. Another organisation gets ENOTFOUND (as
	// for an unknown digest: existence does not leak); no principal is
	// EUNAUTHORIZED. The public see a document's verdict and public facts
	// on /verify instead.
	ReadDocument(ctx context.Context, p *Principal, digest string) (*Document, error)
	// FindLicenceDocument returns the sealed document of the licence with
	// this number (printed on it), ENOTFOUND when there is none.
	FindLicenceDocument(ctx context.Context, number string) (*Document, error)
	// DocumentState returns what a stored document is good for today: a
	// licence's LicenceState, revoked or valid for other documents.
	DocumentState(ctx context.Context, digest string) (LicenceState, error)
	// Revocations returns the sealed revocation records of a document.
	Revocations(ctx context.Context, digest string) ([]*Document, error)
	// RevokeDocument revokes a document of the caller's organisation with
	// a sealed revocation record (custodial key when envelope is nil).
	RevokeDocument(ctx context.Context, p *Principal, digest, reason string, envelope []byte) (*Document, error)
	// RevocationToSeal returns the revocation record to seal offline.
	RevocationToSeal(ctx context.Context, p *Principal, digest, reason string) ([]byte, error)
}
