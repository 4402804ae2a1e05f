package sqlstore

// Sealing keys and the trust list.
//
// R3 asks the manufacturer's confirmation to bear its official seal (公章)
// and R14 makes licences the authorities' documents; an electronic seal
// counts only when the signer alone controls the key (Electronic Signature
// Law Art. 13). So the default is non-custodial: an organisation's admin
// registers a public key made with `ucx keygen`, seals offline with
// `ucx seal`, and the platform never sees the private key. Custodial keys,
// for the demo and small organisations, are generated and held by the
// platform, encrypted at rest under the key-encryption key (KEK) the server
// is started with, and never leave this file's functions.
//
// The platform's root key seals the trust list that binds every key to its
// organisation. It is made on the first start and kept encrypted under the
// KEK too; the list is rebuilt and re-sealed in the same transaction as
// every key change, so the published list never disagrees with the keys.

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// KEKSize is the size of the key-encryption key: AES-256.
const KEKSize = 32

// Limits on keys.
const (
	// MaxKeyValidity is how far ahead a key's not_after may be: a seal key
	// that outlives its custodian's staff and systems is a liability.
	MaxKeyValidity = 5 * 365 * 24 * time.Hour
	// DefaultKeyValidity is a custodial key's validity when none is asked.
	DefaultKeyValidity = 2 * 365 * 24 * time.Hour
	maxRevokeReason    = 500
)

// Audit actions and entity of keys and documents.
const (
	actKeyRegister  = "key.register"
	actKeyCustodial = "key.create_custodial"
	actKeyRevoke    = "key.revoke"
	actDocRevoke    = "document.revoke"
	entityKey       = "key"
	entityDocument  = "document"
)

// ParseKEK reads a key-encryption key written as 64 hex digits or as
// standard base64 of 32 bytes (what `openssl rand -hex 32` or
// `openssl rand -base64 32` print). Surrounding white space is ignored.
// The error never repeats the input: it is a secret.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KEKSize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == KEKSize {
		return b, nil
	}
	return nil, ucx.Errorf(ucx.EINVALID, "the key-encryption key must be 32 bytes written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)")
}

// NewKEK returns a fresh random key-encryption key, for the demo and tests.
func NewKEK() []byte {
	b := make([]byte, KEKSize)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return b
}

// sealer is what UseKEK sets up: the AEAD under the KEK and the root key.
type sealer struct {
	aead cipher.AEAD
	root *seal.PrivateKey

	mu   sync.Mutex
	seq  uint64          // sequence of list
	list *seal.TrustList // the newest list parsed, checked against root
}

// Ciphertext format of private keys at rest: a version byte, the 12-byte
// GCM nonce, then the sealed PKCS #8 PEM. The additional data binds a
// ciphertext to its key id, so rows cannot be swapped.
const (
	ctVersion = 1
	aadPrefix = "ucx/key/v1\x00"
	rootAAD   = "ucx-root"
)

func (s *sealer) encrypt(plain []byte, id string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := append([]byte{ctVersion}, nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(aadPrefix+id))
}

func (s *sealer) decrypt(ct []byte, id string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ct) < 1+n || ct[0] != ctVersion {
		return nil, errors.New("stored private key: unknown format")
	}
	return s.aead.Open(nil, ct[1:1+n], ct[1+n:], []byte(aadPrefix+id))
}

func (s *sealer) privateKey(ct []byte, id string) (*seal.PrivateKey, error) {
	pem, err := s.decrypt(ct, id)
	if err != nil {
		return nil, err
	}
	return seal.ParsePrivateKeyPEM(pem)
}

// errNoSealing answers a sealing call on a store started without a KEK.
func errNoSealing() error {
	return ucx.Errorf(ucx.EUNAVAILABLE, "document sealing is not configured on this server: start it with UCX_KEK or --kek-file")
}

// Sealing reports whether UseKEK has set the store up to seal documents.
func (db *DB) Sealing() bool { return db.seals != nil }

// UseKEK turns sealing on: it opens the platform's root key with kek,
// making it (and the first, empty trust list) when the store has none.
// From then on approving a request and issuing a licence store sealed
// documents. A kek that does not open the stored root key is EINVALID: the
// server was started with the wrong key, and nothing is changed.
func (db *DB) UseKEK(ctx context.Context, kek []byte) error {
	const op = "sqlstore.UseKEK"
	if len(kek) != KEKSize {
		return ucx.Errorf(ucx.EINVALID, "the key-encryption key must be %d bytes", KEKSize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return ucx.Internal(op, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return ucx.Internal(op, err)
	}
	s := &sealer{aead: aead}
	err = db.Update(ctx, op, func(tx *Tx) error {
		var ct []byte
		err := tx.QueryRow(ctx, "SELECT private_key FROM trust_root WHERE id = 1").Scan(&ct)
		if err == nil {
			if s.root, err = s.privateKey(ct, rootAAD); err != nil {
				return &ucx.Error{Code: ucx.EINVALID, Op: op, Err: err,
					Message: "the key-encryption key does not open the stored root key; start the server with the KEK it was first started with"}
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if s.root, err = seal.GenerateKey(seal.Ed25519); err != nil {
			return err
		}
		pem, err := s.root.MarshalPEM()
		if err != nil {
			return err
		}
		pub := s.root.Public()
		if _, err := tx.Exec(ctx, "INSERT INTO trust_root (id, key_id, public_key_pem, private_key, created_at) VALUES (1, ?, ?, ?, ?)",
			pub.ID(), string(pub.MarshalPEM()), s.encrypt(pem, rootAAD), micros(tx.now)); err != nil {
			return err
		}
		return tx.resealTrustList(ctx, s)
	})
	if err != nil {
		return err
	}
	db.seals = s
	return nil
}

// resealTrustList seals a new trust list of every key, with the next
// sequence number. It locks the root row first (PostgreSQL; SQLite has one
// writer anyway), so concurrent key changes produce successive lists.
func (tx *Tx) resealTrustList(ctx context.Context, s *sealer) error {
	lock := "SELECT key_id FROM trust_root WHERE id = 1"
	if tx.db.engine == Postgres {
		lock += " FOR UPDATE"
	}
	var rootID string
	if err := tx.QueryRow(ctx, lock).Scan(&rootID); err != nil {
		return err
	}
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(sequence), 0) FROM trust_lists").Scan(&seq); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT k.public_key_pem, k.not_before, k.not_after, k.revoked_at, k.revoked_reason, o.id, o.kind, o.name
		FROM keys k JOIN orgs o ON o.id = k.org_id ORDER BY k.created_at, k.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	list := seal.TrustList{Sequence: uint64(seq) + 1, IssuedAt: tx.now, Keys: []seal.TrustedKey{}}
	for rows.Next() {
		var pemText, reason, kind, name string
		var nb, na int64
		var revoked sql.NullInt64
		var orgID int64
		if err := rows.Scan(&pemText, &nb, &na, &revoked, &reason, &orgID, &kind, &name); err != nil {
			return err
		}
		pub, err := seal.ParsePublicKeyPEM([]byte(pemText))
		if err != nil {
			return err
		}
		k := seal.NewTrustedKey(pub, seal.Org{ID: orgRef(orgID), Kind: kind, Name: name}, fromMicros(nb), fromMicros(na))
		if revoked.Valid {
			k.RevokedAt, k.RevokedReason = fromMicros(revoked.Int64), reason
		}
		list.Keys = append(list.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	env, err := list.Seal(s.root, tx.now)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO trust_lists (sequence, envelope, issued_at) VALUES (?, ?, ?)", seq+1, env, micros(tx.now))
	return err
}

// orgRef is an organisation's id as seals and trust lists name it: ucx's
// int64 id in decimal.
func orgRef(id int64) string { return strconv.FormatInt(id, 10) }

// trustList returns the newest sealed trust list and its parsed form,
// parsing (checking the root's seal) only when the sequence changed.
func (tx *Tx) trustList(ctx context.Context) ([]byte, *seal.TrustList, error) {
	s := tx.db.seals
	if s == nil {
		return nil, nil, errNoSealing()
	}
	var env []byte
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT sequence, envelope FROM trust_lists ORDER BY sequence DESC LIMIT 1").Scan(&seq, &env); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.list == nil || s.seq != uint64(seq) {
		l, err := seal.ParseTrustList(env, s.root.Public())
		if err != nil {
			return nil, nil, ucx.Internal("sqlstore.trustList", err)
		}
		s.list, s.seq = l, uint64(seq)
	}
	return env, s.list, nil
}

// TrustList returns the current root-sealed trust list: the envelope
// `ucx verify --trust` and every bundle carry. Public.
func (db *DB) TrustList(ctx context.Context) ([]byte, error) {
	return viewValue(ctx, db, "sqlstore.TrustList", func(tx *Tx) ([]byte, error) {
		env, _, err := tx.trustList(ctx)
		return env, err
	})
}

// TrustRoot returns the platform root's public key (PKIX PEM): the one
// input of an offline verification that must come from elsewhere than the
// document. Public.
func (db *DB) TrustRoot(ctx context.Context) ([]byte, error) {
	if db.seals == nil {
		return nil, errNoSealing()
	}
	return db.seals.root.Public().MarshalPEM(), nil
}

// mustKeyAdmin allows admins of manufacturers (R2) and authorities (R14),
// the two kinds of organisation that seal documents.
func mustKeyAdmin(p *ucx.Principal) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.OrgKind != ucx.KindManufacturer && p.OrgKind != ucx.KindAuthority {
		return ucx.Errorf(ucx.EFORBIDDEN, "only manufacturers (R2) and licensing authorities (R14) seal documents and hold sealing keys")
	}
	if p.Role != ucx.RoleAdmin {
		return ucx.Errorf(ucx.EFORBIDDEN, "only an admin of your organisation may manage its sealing keys")
	}
	return nil
}

// checkNotAfter validates a key's end of validity against now.
func checkNotAfter(notAfter, now time.Time) (time.Time, error) {
	notAfter = notAfter.UTC().Truncate(time.Second)
	switch {
	case !notAfter.After(now):
		return time.Time{}, ucx.FieldErrorf(ucx.EINVALID, "not_after", "not_after must be in the future")
	case notAfter.Sub(now) > MaxKeyValidity:
		return time.Time{}, ucx.FieldErrorf(ucx.EINVALID, "not_after", "not_after may be at most 5 years ahead; rotate keys by registering a new one")
	}
	return notAfter, nil
}

// RegisterKey puts the public key of a key pair the caller's organisation
// made itself (`ucx keygen`) on the trust list, valid from now until
// notAfter: the non-custodial way, where the platform never sees the
// private key. Only an org admin of a manufacturer or authority may.
// Returns EINVALID for a key that is not an Ed25519 or SM2 public key in
// PEM, ECONFLICT when it is registered already.
func (db *DB) RegisterKey(ctx context.Context, p *ucx.Principal, publicKeyPEM string, notAfter time.Time) (*ucx.Key, error) {
	if err := mustKeyAdmin(p); err != nil {
		return nil, err
	}
	if len(publicKeyPEM) > 4096 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "public_key_pem", "the public key is longer than 4096 bytes")
	}
	pub, err := seal.ParsePublicKeyPEM([]byte(publicKeyPEM))
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Field: "public_key_pem", Err: err,
			Message: "public_key_pem is not an Ed25519 or SM2 public key in PEM (make one with ucx keygen): " + ucx.ErrorMessage(err)}
	}
	return db.addKey(ctx, "sqlstore.RegisterKey", p, pub, nil, notAfter)
}

// CreateCustodialKey generates a key the platform holds for the caller's
// organisation (alg "ed25519", the default, or "sm2-sm3"), encrypted at
// rest under the KEK. Approvals and licences without an envelope are then
// sealed with it. A zero notAfter means DefaultKeyValidity.
func (db *DB) CreateCustodialKey(ctx context.Context, p *ucx.Principal, alg string, notAfter time.Time) (*ucx.Key, error) {
	if err := mustKeyAdmin(p); err != nil {
		return nil, err
	}
	s := db.seals
	if s == nil {
		return nil, errNoSealing()
	}
	a := seal.Alg(alg)
	if alg == "" {
		a = seal.Ed25519
	}
	if !a.Valid() {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "alg", "alg must be %s or %s", seal.Ed25519, seal.SM2)
	}
	if notAfter.IsZero() {
		notAfter = db.Now().Add(DefaultKeyValidity)
	}
	priv, err := seal.GenerateKey(a)
	if err != nil {
		return nil, err
	}
	return db.addKey(ctx, "sqlstore.CreateCustodialKey", p, priv.Public(), priv, notAfter)
}

// addKey stores a key (with its encrypted private half when custodial),
// reseals the trust list and audits, in one transaction.
func (db *DB) addKey(ctx context.Context, op string, p *ucx.Principal, pub *seal.PublicKey, priv *seal.PrivateKey, notAfter time.Time) (*ucx.Key, error) {
	s := db.seals
	if s == nil {
		return nil, errNoSealing()
	}
	var k *ucx.Key
	err := db.Update(ctx, op, func(tx *Tx) error {
		now := tx.now.Truncate(time.Second)
		na, err := checkNotAfter(notAfter, now)
		if err != nil {
			return err
		}
		var ct any // NULL for a non-custodial key
		action := actKeyRegister
		if priv != nil {
			pem, err := priv.MarshalPEM()
			if err != nil {
				return err
			}
			ct, action = s.encrypt(pem, pub.ID()), actKeyCustodial
		}
		k = &ucx.Key{ID: pub.ID(), OrgID: p.OrgID, Alg: string(pub.Alg()), PublicKeyPEM: string(pub.MarshalPEM()),
			NotBefore: now, NotAfter: na, Custodial: priv != nil, CreatedAt: tx.now}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM keys WHERE id = ?", k.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ucx.FieldErrorf(ucx.ECONFLICT, "public_key_pem", "key %s is registered already; make a new key with ucx keygen", k.ID)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO keys (id, org_id, alg, public_key_pem, not_before, not_after, private_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.OrgID, k.Alg, k.PublicKeyPEM, micros(now), micros(na), ct, micros(tx.now)); err != nil {
			return err
		}
		if err := tx.resealTrustList(ctx, s); err != nil {
			return err
		}
		return tx.event(ctx, p, action, entityKey, 0, 0, "", "active", k.ID)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// RevokeKey revokes one of the caller's organisation's keys from now on:
// the trust list is resealed with the revocation, so seals it makes from
// now on fail verification with key_revoked, while earlier seals stay
// valid. Returns ENOTFOUND for another organisation's key, ERULE when it
// is revoked already, EINVALID without a reason.
func (db *DB) RevokeKey(ctx context.Context, p *ucx.Principal, id, reason string) (*ucx.Key, error) {
	const op = "sqlstore.RevokeKey"
	if err := mustKeyAdmin(p); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxRevokeReason {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason for revoking the key (1 to %d bytes)", maxRevokeReason)
	}
	s := db.seals
	if s == nil {
		return nil, errNoSealing()
	}
	var k *ucx.Key
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if k, err = tx.key(ctx, p.OrgID, id); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return ucx.Errorf(ucx.ERULE, "key %s was revoked already on %s", k.ID, k.RevokedAt.Format(time.RFC3339))
		}
		now := tx.now.Truncate(time.Second)
		if _, err := tx.Exec(ctx, "UPDATE keys SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL", micros(now), reason, id); err != nil {
			return err
		}
		k.RevokedAt, k.RevokedReason = &now, reason
		if err := tx.resealTrustList(ctx, s); err != nil {
			return err
		}
		return tx.event(ctx, p, actKeyRevoke, entityKey, 0, 0, "active", "revoked", k.ID+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

const keyColumns = "id, org_id, alg, public_key_pem, not_before, not_after, revoked_at, revoked_reason, private_key IS NOT NULL, created_at"

func scanKey(sc interface{ Scan(...any) error }) (*ucx.Key, error) {
	var k ucx.Key
	var nb, na, created int64
	var revoked sql.NullInt64
	if err := sc.Scan(&k.ID, &k.OrgID, &k.Alg, &k.PublicKeyPEM, &nb, &na, &revoked, &k.RevokedReason, &k.Custodial, &created); err != nil {
		return nil, err
	}
	k.NotBefore, k.NotAfter, k.RevokedAt, k.CreatedAt = fromMicros(nb), fromMicros(na), optTime(revoked), fromMicros(created)
	return &k, nil
}

// key returns a key of organisation orgID; any other is ENOTFOUND.
func (tx *Tx) key(ctx context.Context, orgID int64, id string) (*ucx.Key, error) {
	k, err := scanKey(tx.QueryRow(ctx, "SELECT "+keyColumns+" FROM keys WHERE id = ? AND org_id = ?", id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "your organisation has no key %.80q", id)
	}
	return k, err
}

// FindKeys lists the caller's organisation's keys, oldest first: public
// halves and whether the platform holds the private half, never the
// private half itself.
func (db *DB) FindKeys(ctx context.Context, p *ucx.Principal) ([]*ucx.Key, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.FindKeys", func(tx *Tx) ([]*ucx.Key, error) {
		return queryAll(ctx, tx, scanKey, "SELECT "+keyColumns+" FROM keys WHERE org_id = ? ORDER BY created_at, id", p.OrgID)
	})
}

// custodialKey returns the organisation's newest custodial key that may
// seal now: not revoked, within its validity. None is ERULE, saying how to
// seal instead.
func (tx *Tx) custodialKey(ctx context.Context, orgID int64) (*seal.PrivateKey, error) {
	s := tx.db.seals
	now := micros(tx.now)
	var id string
	var ct []byte
	err := tx.QueryRow(ctx, `SELECT id, private_key FROM keys WHERE org_id = ? AND private_key IS NOT NULL AND revoked_at IS NULL
		AND not_before <= ? AND not_after > ? ORDER BY created_at DESC, id LIMIT 1`, orgID, now, now).Scan(&id, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.FieldErrorf(ucx.ERULE, "envelope",
			"your organisation has no custodial sealing key: seal the document offline (fetch it, then ucx seal) and send the envelope, or have an admin create a custodial key")
	}
	if err != nil {
		return nil, err
	}
	k, err := s.privateKey(ct, id)
	if err != nil {
		return nil, ucx.Internal("sqlstore.custodialKey", err)
	}
	return k, nil
}
