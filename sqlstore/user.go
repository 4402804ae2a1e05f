package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx"
)

// PasswordCost is the bcrypt cost of new password hashes. The default, 10,
// takes tens of milliseconds a hash: slow enough to make guessing stolen
// hashes expensive, fast enough for a sign-in. Tests lower it to
// bcrypt.MinCost to stay quick; production code never changes it. A hash
// records its own cost, so hashes made at another cost keep verifying.
var PasswordCost = bcrypt.DefaultCost

// Password and name limits. bcrypt reads at most 72 bytes, so a longer
// password is refused rather than silently cut.
const (
	MinPasswordLen = 10
	maxPasswordLen = 72
)

// SessionTTL is how long a web session lasts after sign-in: a working day,
// after which the user signs in again.
const SessionTTL = 12 * time.Hour

// Secret prefixes make a leaked secret recognisable (to secret scanners and
// to people) and tell a token from a session.
const (
	tokenPrefix   = "ucx_"
	sessionPrefix = "ucxs_"
)

const badCredentials = "wrong username or password"

// dummyHash is compared against when the username is unknown, so that
// Authenticate takes as long as for a wrong password and does not reveal
// which usernames exist.
// It is made on first use, at the cost new hashes get.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("ucx-dummy-password"), PasswordCost)
	return h
})

// CreateUser adds a user with a password to an organisation. An
// organisation's admin may add users to its own organisation. The platform
// operator may not choose another organisation's passwords (it would then
// know how to sign in as that organisation and read its data): it invites
// the user instead (InviteUser), and an attempt is EFORBIDDEN saying so.
// u.OrgID 0 means the caller's organisation. Usernames are 3–64
// characters of a–z, 0–9, '.', '_' and '-' (lower-cased on entry);
// passwords have at least 10 characters. Returns EFORBIDDEN, EINVALID,
// ENOTFOUND for an unknown organisation, or ECONFLICT when the username is
// taken.
func (db *DB) CreateUser(ctx context.Context, p *ucx.Principal, u *ucx.User, password string) error {
	const op = "sqlstore.CreateUser"
	if err := signedIn(p); err != nil {
		return err
	}
	if u == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "user", "the user is missing")
	}
	if u.OrgID == 0 {
		u.OrgID = p.OrgID
	}
	if p.OrgKind == ucx.KindOperator && p.Role == ucx.RoleAdmin && u.OrgID != p.OrgID {
		return ucx.FieldErrorf(ucx.EFORBIDDEN, "password", "the platform operator never sets another organisation's passwords: leave the password out and the user gets a one-time invitation to choose their own")
	}
	if p.Role != ucx.RoleAdmin || u.OrgID != p.OrgID {
		return ucx.Errorf(ucx.EFORBIDDEN, "only an admin of the organisation may add its users with a password")
	}
	hash, err := prepareUser(u, password)
	if err != nil {
		return err
	}
	return db.Update(ctx, op, func(tx *Tx) error { return tx.createUser(ctx, p, u, hash) })
}

// InvitationTTL is how long an invitation can be accepted: three days,
// time enough for a letter sent on a Friday.
const InvitationTTL = 72 * time.Hour

const invitationPrefix = "ucxi_"

// InviteUser adds a user without a password and returns the invitation
// with which the user sets one (AcceptInvitation): a random token, shown
// this once and stored hashed, valid once for InvitationTTL. The
// operator's admin may invite into any organisation (to set up its first
// admin), an organisation's admin into its own. Both events, user.create
// and user.invite, are on the new user, so they are in the organisation's
// audit trail (OrgEvents) with the operator as their actor. Returns
// EFORBIDDEN, EINVALID, ENOTFOUND for an unknown organisation, or
// ECONFLICT when the username is taken.
func (db *DB) InviteUser(ctx context.Context, p *ucx.Principal, u *ucx.User) (*ucx.Invitation, error) {
	const op = "sqlstore.InviteUser"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "user", "the user is missing")
	}
	if u.OrgID == 0 {
		u.OrgID = p.OrgID
	}
	operator := p.OrgKind == ucx.KindOperator && p.Role == ucx.RoleAdmin
	if !operator && (p.Role != ucx.RoleAdmin || u.OrgID != p.OrgID) {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only an admin of the organisation (or of the platform operator) may invite its users")
	}
	if err := prepareUserFields(u); err != nil {
		return nil, err
	}
	secret, hash, err := newSecret(invitationPrefix)
	if err != nil {
		return nil, ucx.Internal(op, err)
	}
	inv := &ucx.Invitation{Token: secret}
	err = db.Update(ctx, op, func(tx *Tx) error {
		if err := tx.createUser(ctx, p, u, ""); err != nil {
			return err
		}
		inv.UserID, inv.ExpiresAt = u.ID, tx.now.Add(InvitationTTL)
		if _, err := tx.Exec(ctx, "INSERT INTO invitations (hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			hash, u.ID, nullID(p.UserID), micros(tx.now), micros(inv.ExpiresAt)); err != nil {
			return err
		}
		return tx.event(ctx, p, actUserInvite, entityUser, u.ID, 0, "", "invited", "invitation valid until "+inv.ExpiresAt.UTC().Format(time.RFC3339))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// AcceptInvitation sets the password of an invited user, with the token
// of the invitation, and returns the user's principal (to sign in at
// once). The token works once and until it expires; an unknown, used or
// expired one is EINVALID naming the field token, and the password must
// meet the usual rules (EINVALID naming password). The event
// user.set_password, with the user as actor, closes the invitation in the
// organisation's audit trail.
func (db *DB) AcceptInvitation(ctx context.Context, token, password string) (*ucx.Principal, error) {
	const op = "sqlstore.AcceptInvitation"
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, invitationPrefix) || len(token) > 200 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "token", "this is not an invitation token; use the link or token exactly as you received it")
	}
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	var p ucx.Principal
	err = db.Update(ctx, op, func(tx *Tx) error {
		var kind, role string
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT u.id, u.username, u.org_id, o.kind, u.role, o.jurisdiction, i.expires_at, i.used_at
			FROM invitations i JOIN users u ON u.id = i.user_id JOIN orgs o ON o.id = u.org_id WHERE i.hash = ?`, hashSecret(token)).
			Scan(&p.UserID, &p.Username, &p.OrgID, &kind, &role, &p.Jurisdiction, &expires, &used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ucx.FieldErrorf(ucx.EINVALID, "token", "no such invitation; use the link or token exactly as you received it")
		case err != nil:
			return err
		case used.Valid:
			return ucx.FieldErrorf(ucx.EINVALID, "token", "this invitation has been used already (an invitation works once); sign in with the password chosen then, or ask your organisation's admin for a new invitation")
		case !fromMicros(expires).After(tx.now):
			return ucx.FieldErrorf(ucx.EINVALID, "token", "this invitation expired on %s (invitations last %s); ask whoever invited you for a new one", fromMicros(expires).UTC().Format("2006-01-02 15:04 UTC"), InvitationTTL)
		}
		p.OrgKind, p.Role = ucx.OrgKind(kind), ucx.Role(role)
		res, err := tx.Exec(ctx, "UPDATE invitations SET used_at = ? WHERE hash = ? AND used_at IS NULL", micros(tx.now), hashSecret(token))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Accepted concurrently: it works once.
			return ucx.FieldErrorf(ucx.EINVALID, "token", "this invitation has been used already (an invitation works once)")
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?", hash, p.UserID); err != nil {
			return err
		}
		return tx.event(ctx, &p, actUserSetPassword, entityUser, p.UserID, 0, "invited", "active", "password set with the invitation")
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// prepareUser normalises and checks a new user and hashes the password.
// The hash is made before the transaction: bcrypt is slow by design and
// must not hold SQLite's write lock.
func prepareUser(u *ucx.User, password string) (string, error) {
	if err := prepareUserFields(u); err != nil {
		return "", err
	}
	return hashPassword(password)
}

// prepareUserFields normalises and checks a new user's name, display name
// and role.
func prepareUserFields(u *ucx.User) error {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if err := checkUsername(u.Username); err != nil {
		return err
	}
	switch {
	case !u.Role.Valid():
		return ucx.FieldErrorf(ucx.EINVALID, "role", "role must be admin, member or viewer")
	case len(u.DisplayName) > 200:
		return ucx.FieldErrorf(ucx.EINVALID, "display_name", "the display name is longer than 200 bytes")
	}
	return nil
}

// hashPassword checks a new password against the rules and hashes it.
func hashPassword(password string) (string, error) {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return "", ucx.FieldErrorf(ucx.EINVALID, "password", "the password must have at least %d characters", MinPasswordLen)
	case len(password) > maxPasswordLen:
		return "", ucx.FieldErrorf(ucx.EINVALID, "password", "the password must be at most %d bytes", maxPasswordLen)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return "", ucx.Internal("sqlstore.prepareUser", err)
	}
	return string(h), nil
}

func checkUsername(s string) error {
	if len(s) < 3 || len(s) > 64 {
		return ucx.FieldErrorf(ucx.EINVALID, "username", "the username must have 3 to 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return ucx.FieldErrorf(ucx.EINVALID, "username", "the username may use only a–z, 0–9, '.', '_' and '-'")
		}
	}
	return nil
}

// createUser inserts a prepared user and its audit event. p is nil for the
// bootstrap.
func (tx *Tx) createUser(ctx context.Context, p *ucx.Principal, u *ucx.User, hash string) error {
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE id = ?", u.OrgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ucx.FieldErrorf(ucx.ENOTFOUND, "org_id", "organisation %d not found", u.OrgID)
	}
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE username = ?", u.Username).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return ucx.FieldErrorf(ucx.ECONFLICT, "username", "the username %q is taken; choose another", u.Username)
	}
	u.CreatedAt = tx.now
	var err error
	u.ID, err = tx.InsertID(ctx, "INSERT INTO users (org_id, username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		u.OrgID, u.Username, u.DisplayName, string(u.Role), hash, micros(tx.now))
	if err != nil {
		return err
	}
	return tx.event(ctx, p, actUserCreate, entityUser, u.ID, 0, "", string(u.Role), u.Username)
}

// Bootstrap creates an organisation and/or a user without a principal. It
// is for administrators only, with direct access to the database: `ucx
// admin` commands and `ucx serve --demo` use it to create the operator and
// its first admin, which nobody could otherwise create. It must never be
// reachable from the API. o may be nil to add u to the existing
// organisation u.OrgID; u may be nil to create only the organisation. The
// audit events record no actor.
func (db *DB) Bootstrap(ctx context.Context, o *ucx.Org, u *ucx.User, password string) error {
	const op = "sqlstore.Bootstrap"
	if o != nil {
		if err := prepareOrg(o); err != nil {
			return err
		}
	}
	var hash string
	if u != nil {
		var err error
		if hash, err = prepareUser(u, password); err != nil {
			return err
		}
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		if o != nil {
			if err := tx.createOrg(ctx, nil, o); err != nil {
				return err
			}
			if u != nil {
				u.OrgID = o.ID
			}
		}
		if u != nil {
			return tx.createUser(ctx, nil, u, hash)
		}
		return nil
	})
}

// Per-account sign-in throttling. Failed sign-ins on one account are
// counted whichever address sends them (users.failed_logins); from the
// LockAfterFailures-th in a row the account refuses every sign-in, the
// right password included, for LockBase, doubling with each further
// failure up to LockMax. Only a correct password after the lock has ended
// resets the count, so a guesser spread over many addresses gains nothing
// and the right password from a fresh client does not silently undo it.
// Each lock is an audit event on the user (user.locked) that the
// organisation's admins read in its audit trail.
const (
	LockAfterFailures = 5
	LockBase          = time.Minute
	LockMax           = time.Hour
)

// lockFor is how long the account is locked after its n-th failure in a
// row: nothing before LockAfterFailures, then LockBase doubling to LockMax.
func lockFor(n int) time.Duration {
	if n < LockAfterFailures {
		return 0
	}
	d := LockBase
	for i := LockAfterFailures; i < n && d < LockMax; i++ {
		d *= 2
	}
	return min(d, LockMax)
}

// errLocked is the refusal of a sign-in on a locked account: 429 with
// Retry-After, naming the rule.
func errLocked(failures int, until, now time.Time) error {
	wait := until.Sub(now)
	mins := int((wait + time.Minute - 1) / time.Minute)
	return &ucx.Error{Code: ucx.ERATELIMIT, Err: &ucx.RetryError{After: wait},
		Message: fmt.Sprintf("this account is locked after %d failed sign-ins in a row (per-account sign-in throttling): try again in %d minute(s), at %s UTC; each further failure doubles the lock, up to an hour, and the organisation's admins see it in the audit trail",
			failures, mins, until.UTC().Format("15:04"))}
}

// Authenticate checks a username and password and returns the user's
// principal. A wrong password and an unknown user get the same
// EUNAUTHORIZED message and take the same time, so neither reveals which
// usernames exist. A locked account (LockAfterFailures) is ERATELIMIT
// with a RetryError, whatever the password; the client's address
// (ucx.ClientAddrFrom) is kept in the lock's audit event.
func (db *DB) Authenticate(ctx context.Context, username, password string) (*ucx.Principal, error) {
	const op = "sqlstore.Authenticate"
	username = strings.ToLower(strings.TrimSpace(username))
	var p ucx.Principal
	var hash, kind, role string
	var failed int
	var locked sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT u.id, u.username, u.org_id, o.kind, u.role, o.jurisdiction, u.password_hash, u.failed_logins, u.locked_until
		FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = ?`), username).
		Scan(&p.UserID, &p.Username, &p.OrgID, &kind, &role, &p.Jurisdiction, &hash, &failed, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, ucx.Errorf(ucx.EUNAUTHORIZED, badCredentials)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if now := db.Now(); locked.Valid && fromMicros(locked.Int64).After(now) {
		return nil, errLocked(failed, fromMicros(locked.Int64), now)
	}
	ok := hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	if !ok && hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
	}
	if !ok || failed > 0 || locked.Valid {
		var refusal error
		err := db.Update(ctx, op, func(tx *Tx) error {
			refusal = nil
			var n int
			var until sql.NullInt64
			if err := tx.QueryRow(ctx, "SELECT failed_logins, locked_until FROM users WHERE id = ?", p.UserID).Scan(&n, &until); err != nil {
				return err
			}
			if until.Valid && fromMicros(until.Int64).After(tx.now) {
				// Locked meanwhile by a failure from elsewhere: refused,
				// and not counted again.
				refusal = errLocked(n, fromMicros(until.Int64), tx.now)
				return nil
			}
			if ok {
				_, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", p.UserID)
				return err
			}
			n++
			refusal = ucx.Errorf(ucx.EUNAUTHORIZED, badCredentials)
			d := lockFor(n)
			if d == 0 {
				_, err := tx.Exec(ctx, "UPDATE users SET failed_logins = ? WHERE id = ?", n, p.UserID)
				return err
			}
			end := tx.now.Add(d)
			if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", n, micros(end), p.UserID); err != nil {
				return err
			}
			note := fmt.Sprintf("%d failed sign-ins in a row; locked for %s", n, d)
			if addr := ucx.ClientAddrFrom(ctx); addr != "" {
				note += "; the last from " + addr
			}
			refusal = errLocked(n, end, tx.now)
			return tx.event(ctx, nil, actUserLocked, entityUser, p.UserID, 0, "", end.UTC().Format(time.RFC3339), note)
		})
		if err != nil {
			return nil, err
		}
		if refusal != nil {
			return nil, refusal
		}
	}
	p.OrgKind, p.Role = ucx.OrgKind(kind), ucx.Role(role)
	return &p, nil
}

// newSecret returns a fresh secret: prefix + 32 random bytes in lower-case
// base32 (52 characters), and the SHA-256 hex of the whole secret, which is
// all the store keeps. A fast hash is enough: the secret has 256 bits of
// entropy, so there is nothing to guess, unlike a password.
func newSecret(prefix string) (secret, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	secret = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes an API token for the caller, with the caller's role,
// and returns its secret, which is shown this once and never stored. Any
// signed-in user may make tokens for itself.
func (db *DB) CreateToken(ctx context.Context, p *ucx.Principal, name string) (string, *ucx.Token, error) {
	const op = "sqlstore.CreateToken"
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, ucx.FieldErrorf(ucx.EINVALID, "name", "give the token a name of 1 to 100 bytes, to recognise it later (e.g. \"ERP upload\")")
	}
	secret, hash, err := newSecret(tokenPrefix)
	if err != nil {
		return "", nil, ucx.Internal(op, err)
	}
	t := &ucx.Token{UserID: p.UserID, Name: name, Prefix: secret[:8]}
	err = db.Update(ctx, op, func(tx *Tx) error {
		t.CreatedAt = tx.now
		var err error
		t.ID, err = tx.InsertID(ctx, "INSERT INTO tokens (user_id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
			p.UserID, name, t.Prefix, hash, micros(tx.now))
		if err != nil {
			return err
		}
		return tx.event(ctx, p, actTokenCreate, entityToken, t.ID, 0, "", "active", name)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Tokens lists the caller's own tokens, newest first, revoked ones
// included, for the token page. Secrets are never shown again.
func (db *DB) Tokens(ctx context.Context, p *ucx.Principal) ([]*ucx.Token, error) {
	const op = "sqlstore.Tokens"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	var out []*ucx.Token
	err := db.View(ctx, op, func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, user_id, name, prefix, created_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY id DESC", p.UserID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t ucx.Token
			var created int64
			var revoked sql.NullInt64
			if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &revoked); err != nil {
				return err
			}
			t.CreatedAt, t.RevokedAt = fromMicros(created), optTime(revoked)
			out = append(out, &t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeToken revokes one of the caller's tokens; an admin may revoke any
// token of its organisation's users. Another organisation's token is
// ENOTFOUND, so token ids reveal nothing. Revoking a revoked token changes
// nothing and is not an error: the caller's intent already holds.
func (db *DB) RevokeToken(ctx context.Context, p *ucx.Principal, id int64) error {
	const op = "sqlstore.RevokeToken"
	if err := signedIn(p); err != nil {
		return err
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		var owner, org int64
		var revoked sql.NullInt64
		err := tx.QueryRow(ctx, "SELECT t.user_id, u.org_id, t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?", id).
			Scan(&owner, &org, &revoked)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != p.UserID && (org != p.OrgID || p.Role != ucx.RoleAdmin) {
			return ucx.Errorf(ucx.ENOTFOUND, "token %d not found", id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", micros(tx.now), id); err != nil {
			return err
		}
		return tx.event(ctx, p, actTokenRevoke, entityToken, id, 0, "active", "revoked", "")
	})
}

// tokenPrincipalSQL and sessionPrincipalSQL resolve a secret's hash to its
// user in one query over the unique hash index: they run on every request.
// There is no cache, so a revocation or sign-out takes effect on the very
// next request.
const (
	tokenPrincipalSQL = `SELECT u.id, u.username, u.org_id, o.kind, u.role, o.jurisdiction
		FROM tokens x JOIN users u ON u.id = x.user_id JOIN orgs o ON o.id = u.org_id
		WHERE x.hash = ? AND x.revoked_at IS NULL`
	sessionPrincipalSQL = `SELECT u.id, u.username, u.org_id, o.kind, u.role, o.jurisdiction
		FROM sessions x JOIN users u ON u.id = x.user_id JOIN orgs o ON o.id = u.org_id
		WHERE x.hash = ? AND x.expires_at > ?`
)

// PrincipalByToken resolves an API token's secret. Returns EUNAUTHORIZED
// for an unknown or revoked token.
func (db *DB) PrincipalByToken(ctx context.Context, secret string) (*ucx.Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "unknown or revoked token")
	}
	return db.principal(ctx, "sqlstore.PrincipalByToken", tokenPrincipalSQL, "unknown or revoked token", hashSecret(secret))
}

func (db *DB) principal(ctx context.Context, op, query, msg string, args ...any) (*ucx.Principal, error) {
	var p ucx.Principal
	var kind, role string
	err := db.read.QueryRowContext(ctx, db.q(query), args...).Scan(&p.UserID, &p.Username, &p.OrgID, &kind, &role, &p.Jurisdiction)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "%s", msg)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	p.OrgKind, p.Role = ucx.OrgKind(kind), ucx.Role(role)
	return &p, nil
}

// CreateSession starts a web session for a user who has just signed in
// (Authenticate) and returns its secret, for a cookie. Sessions are stored
// hashed like tokens and last SessionTTL. The user's expired sessions are
// removed on the way.
func (db *DB) CreateSession(ctx context.Context, userID int64) (string, error) {
	const op = "sqlstore.CreateSession"
	secret, hash, err := newSecret(sessionPrefix)
	if err != nil {
		return "", ucx.Internal(op, err)
	}
	err = db.Update(ctx, op, func(tx *Tx) error {
		var org int64
		err := tx.QueryRow(ctx, "SELECT org_id FROM users WHERE id = ?", userID).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.Errorf(ucx.ENOTFOUND, "user %d not found", userID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?", userID, micros(tx.now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			hash, userID, micros(tx.now), micros(tx.now.Add(SessionTTL))); err != nil {
			return err
		}
		return tx.event(ctx, &ucx.Principal{UserID: userID, OrgID: org}, actSessionCreate, entitySession, userID, 0, "", "signed_in", "")
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// PrincipalBySession resolves a session cookie's secret. Returns
// EUNAUTHORIZED for an unknown, expired or deleted session.
func (db *DB) PrincipalBySession(ctx context.Context, secret string) (*ucx.Principal, error) {
	if !strings.HasPrefix(secret, sessionPrefix) || len(secret) > 200 {
		return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "the session has expired; sign in again")
	}
	return db.principal(ctx, "sqlstore.PrincipalBySession", sessionPrincipalSQL, "the session has expired; sign in again", hashSecret(secret), micros(db.Now()))
}

// DeleteSession ends a session (sign-out). Deleting an unknown session is
// not an error.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	return db.Update(ctx, "sqlstore.DeleteSession", func(tx *Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE hash = ?", hashSecret(secret))
		return err
	})
}
