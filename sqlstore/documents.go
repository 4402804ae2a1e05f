package sqlstore

// Sealed documents: the confirmation a manufacturer seals (R2–R4), the
// licence an authority seals (R4, R5, R14), and the sealed revocations that
// cancel them. Each is stored as its envelope under the SHA-256 of its
// canonical document, in the same transaction as the workflow change it
// records.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// maxClockSkew is how far in the future an offline seal's time may be:
// the sealer's clock may run a little fast, not days.
const maxClockSkew = 5 * time.Minute

// docRevocation is the type of a revocation record's document.
const docRevocation = "ucx.revocation.v1"

// docBuilder builds the document the platform would produce if it were
// issued on the given date (China time).
type docBuilder func(on ucx.Date) ([]byte, error)

// sealDoc returns the document to store and, when sealing is on, its
// envelope. With envelope nil it seals the document of today with the
// organisation's custodial key. Otherwise it accepts the envelope only if
// its seals verify against the current trust list, judged at this
// transaction's time (so a revoked key cannot back-date a seal), with a
// valid seal of organisation orgID, and only if its document is exactly
// the one the platform produces, issued today or yesterday: an envelope
// fetched just before midnight, China time, stays good to send. It
// returns the issue date of the document it took.
//
// Refusals are ERULE naming the field envelope, with the seal package's
// reason code in the message and as the cause (errors.Is(err,
// seal.ReasonKeyRevoked)), or document_mismatch.
func (tx *Tx) sealDoc(ctx context.Context, orgID int64, envelope []byte, build docBuilder) (doc, env []byte, on ucx.Date, err error) {
	today := tx.today()
	s := tx.db.seals
	if s == nil {
		if envelope != nil {
			return nil, nil, today, errNoSealing()
		}
		doc, err = build(today)
		return doc, nil, today, err
	}
	if envelope == nil {
		key, err := tx.custodialKey(ctx, orgID)
		if err != nil {
			return nil, nil, today, err
		}
		if doc, err = build(today); err != nil {
			return nil, nil, today, err
		}
		e := seal.Envelope{Document: doc}
		if err := e.Sign(key, orgRef(orgID), tx.now); err != nil {
			return nil, nil, today, err
		}
		env, err = e.Marshal()
		return doc, env, today, err
	}

	_, list, err := tx.trustList(ctx)
	if err != nil {
		return nil, nil, today, err
	}
	r := list.Verify(envelope, seal.Options{RequireOrgs: []string{orgRef(orgID)}, LoggedAt: tx.now})
	if !r.OK() {
		if r.Integrity.Reason == seal.ReasonMalformed {
			return nil, nil, today, &ucx.Error{Code: ucx.EINVALID, Field: "envelope", Err: seal.ReasonMalformed,
				Message: "the envelope cannot be read (malformed): " + r.Integrity.Detail}
		}
		// The first failing seal's own verdict says why (a revoked key,
		// not merely "no valid seal"); the document's verdicts say it
		// when every seal holds but none is the caller's.
		reason, detail := firstFailure(r.Integrity, r.Issuer, r.Status)
		for i := range r.Seals {
			if sr := &r.Seals[i]; !sr.OK() {
				reason, detail = firstFailure(sr.Integrity, sr.Issuer, sr.Status)
				break
			}
		}
		return nil, nil, today, &ucx.Error{Code: ucx.ERULE, Field: "envelope", Err: reason,
			Message: fmt.Sprintf("the envelope's seal is not accepted (%s): %s", reason, detail)}
	}
	for _, sr := range r.Seals {
		if sr.Seal.SealedAt.After(tx.now.Add(maxClockSkew)) {
			return nil, nil, today, ucx.FieldErrorf(ucx.ERULE, "envelope", "the seal is dated %s, in the future; check the sealing computer's clock",
				sr.Seal.SealedAt.UTC().Format(time.RFC3339))
		}
	}
	for _, on := range []ucx.Date{today, today.AddDays(-1)} {
		want, err := build(on)
		if err != nil {
			return nil, nil, today, err
		}
		if bytes.Equal(want, r.Document) {
			return want, envelope, on, nil
		}
	}
	return nil, nil, today, &ucx.Error{Code: ucx.ERULE, Field: "envelope", Err: errDocumentMismatch,
		Message: "the sealed document is not the one the platform would issue (document_mismatch): fetch it again (it changes with the outlets chosen and the date), seal it with ucx seal and send that envelope"}
}

// firstFailure returns the reason and detail of the first failed verdict.
func firstFailure(vs ...seal.Verdict) (seal.Reason, string) {
	for _, v := range vs {
		if !v.OK() {
			return v.Reason, v.Detail
		}
	}
	return "", ""
}

// errDocumentMismatch is the cause of a refused envelope over another
// document than the platform's.
var errDocumentMismatch = errors.New("document_mismatch")

// ErrDocumentMismatch reports whether err refused an envelope because it
// seals another document than the platform would issue.
func ErrDocumentMismatch(err error) bool { return errors.Is(err, errDocumentMismatch) }

// DocumentLeafEntry is the transparency-log leaf of a sealed document or a
// revocation: what a monitor reads (ucx log monitor --watch ORG) and what
// a verifier checks against the document it holds. The fields are declared
// in the order they are marshalled, which is fixed, so the leaf's bytes —
// and hence its hash — never depend on a map's order.
type DocumentLeafEntry struct {
	Kind     string  `json:"kind"`   // confirmation, licence or revocation
	Digest   string  `json:"digest"` // "sha256:…" of the canonical document
	OrgID    int64   `json:"org_id"` // the issuing organisation
	OrgName  string  `json:"org_name"`
	Orgs     []int64 `json:"orgs,omitempty"` // other organisations it names
	EntityID int64   `json:"entity_id"`
	Revokes  string  `json:"revokes,omitempty"` // revocations: "sha256:…" of the revoked document
	Time     string  `json:"time"`              // RFC 3339, UTC
}

// ParseDocumentLeaf reads a document's log leaf. It is EINVALID when entry is
// not one.
func ParseDocumentLeaf(entry []byte) (*DocumentLeafEntry, error) {
	var e DocumentLeafEntry
	if err := json.Unmarshal(entry, &e); err != nil || e.Kind == "" || e.Digest == "" {
		return nil, ucx.Errorf(ucx.EINVALID, "the log entry is not a document's leaf")
	}
	return &e, nil
}

// storeDocument writes a sealed envelope and its transparency-log leaf in
// the caller's transaction, so neither exists without the other. doc is
// its document, whose SHA-256 is the key; others are the organisations the
// document names besides its issuer (the exporter, the manufacturers), so
// that each can watch the log for documents in its name.
//
// Call it last in the transaction: AppendLeaf takes the log's sequencing
// lock, which on PostgreSQL is held until commit (see tlog.go), so only
// the document's own INSERT follows it. The leaf is appended before the
// row so that the row can carry its index.
func (tx *Tx) storeDocument(ctx context.Context, kind string, entityID, orgID int64, others []int64, doc, env []byte, revokes string) (*ucx.Document, error) {
	d := seal.DigestOf(doc)
	hexd := hex.EncodeToString(d[:])
	org, err := tx.orgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	e := DocumentLeafEntry{Kind: kind, Digest: d.String(), OrgID: orgID, OrgName: org.Name, EntityID: entityID,
		Time: tx.now.UTC().Format(time.RFC3339)}
	for _, o := range others {
		if o != orgID && o != 0 && !slices.Contains(e.Orgs, o) {
			e.Orgs = append(e.Orgs, o)
		}
	}
	slices.Sort(e.Orgs)
	var rv any
	if revokes != "" {
		rv = revokes
		e.Revokes = "sha256:" + revokes
	}
	entry, err := json.Marshal(e)
	if err != nil {
		return nil, ucx.Internal("sqlstore.storeDocument", err)
	}
	idx, err := tx.AppendLeaf(ctx, entry)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO documents (digest, kind, entity_id, org_id, envelope, revokes, created_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		hexd, kind, entityID, orgID, env, rv, micros(tx.now), idx); err != nil {
		return nil, err
	}
	out := &ucx.Document{Digest: d.String(), Kind: kind, EntityID: entityID, OrgID: orgID, Envelope: env, CreatedAt: tx.now}
	if revokes != "" {
		out.Revokes = "sha256:" + revokes
	}
	return out, nil
}

// DocumentLeaf returns the transparency-log leaf of a stored document: its
// index and entry. It is ENOTFOUND for an unknown digest, and for a
// document stored before documents were logged (migration 0005).
func (db *DB) DocumentLeaf(ctx context.Context, digest string) (int64, []byte, error) {
	const op = "sqlstore.DocumentLeaf"
	h, err := parseDigest(digest)
	if err != nil {
		return 0, nil, err
	}
	var idx sql.NullInt64
	var entry []byte
	err = db.read.QueryRowContext(ctx, db.q(`SELECT d.log_index, l.entry FROM documents d LEFT JOIN log_leaves l ON l.idx = d.log_index
		WHERE d.digest = ?`), h).Scan(&idx, &entry)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil, &ucx.Error{Code: ucx.ENOTFOUND, Op: op, Message: fmt.Sprintf("no document sha256:%s is stored here", h)}
	case err != nil:
		return 0, nil, db.wrap(op, err)
	case !idx.Valid || entry == nil:
		return 0, nil, &ucx.Error{Code: ucx.ENOTFOUND, Op: op, Message: fmt.Sprintf("document sha256:%s was stored before documents were logged and has no leaf", h)}
	}
	return idx.Int64, entry, nil
}

// parseDigest reads a digest as 64 hex digits, with or without "sha256:",
// and returns the stored form (lower-case hex).
func parseDigest(s string) (string, error) {
	h := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "sha256:"))
	if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
		return "", ucx.FieldErrorf(ucx.EINVALID, "digest", "a document digest is 64 hex digits, optionally after \"sha256:\"")
	}
	return h, nil
}

const documentColumns = "digest, kind, entity_id, org_id, envelope, revokes, created_at, revoked_at, revoked_reason"

func scanDocument(sc interface{ Scan(...any) error }) (*ucx.Document, error) {
	var d ucx.Document
	var digest string
	var revokes sql.NullString
	var created int64
	var revoked sql.NullInt64
	if err := sc.Scan(&digest, &d.Kind, &d.EntityID, &d.OrgID, &d.Envelope, &revokes, &created, &revoked, &d.RevokedReason); err != nil {
		return nil, err
	}
	d.Digest, d.CreatedAt, d.RevokedAt = "sha256:"+digest, fromMicros(created), optTime(revoked)
	if revokes.Valid {
		d.Revokes = "sha256:" + revokes.String
	}
	return &d, nil
}

func (tx *Tx) document(ctx context.Context, hexd string) (*ucx.Document, error) {
	d, err := scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM documents WHERE digest = ?", hexd))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no document sha256:%s is stored here", hexd)
	}
	return d, err
}

// FindDocument returns a sealed document by digest. It needs no principal:
// it is for the platform's own use (the verifier, the public facts of
// /verify, the holder's VIN check); serving a document whole to a caller
// goes through ReadDocument, since every digest is public in the log.
func (db *DB) FindDocument(ctx context.Context, digest string) (*ucx.Document, error) {
	h, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	var d *ucx.Document
	err = db.View(ctx, "sqlstore.FindDocument", func(tx *Tx) error {
		d, err = tx.document(ctx, h)
		return err
	})
	return d, err
}

// DocumentFor returns the sealed document of a confirmation request or a
// licence (kind ucx.DocConfirmation or ucx.DocLicence), ENOTFOUND when it
// was stored unsealed (sealing off) or does not exist. It needs no
// principal: callers have already read the entity.
func (db *DB) DocumentFor(ctx context.Context, kind string, entityID int64) (*ucx.Document, error) {
	var d *ucx.Document
	err := db.View(ctx, "sqlstore.DocumentFor", func(tx *Tx) error {
		var err error
		d, err = scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM documents WHERE kind = ? AND entity_id = ? ORDER BY created_at DESC LIMIT 1", kind, entityID))
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.Errorf(ucx.ENOTFOUND, "%s %d has no sealed document", kind, entityID)
		}
		return err
	})
	return d, err
}

// Revocations returns the sealed revocation records of a document (at most
// one today), for bundles: an offline verifier checks each against the
// trust list before believing it.
func (db *DB) Revocations(ctx context.Context, digest string) ([]*ucx.Document, error) {
	h, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.Revocations", func(tx *Tx) ([]*ucx.Document, error) {
		return queryAll(ctx, tx, scanDocument, "SELECT "+documentColumns+" FROM documents WHERE revokes = ? ORDER BY created_at", h)
	})
}

// DocumentRevoked returns a seal.Options.DocumentRevoked hook answered
// from the store: the revocation time and reason of a stored document. A
// document the store does not hold, or cannot read, counts as not known to
// be revoked, as the hook's contract allows.
func (db *DB) DocumentRevoked(ctx context.Context) func(seal.Digest) (seal.Revocation, bool) {
	return func(d seal.Digest) (seal.Revocation, bool) {
		doc, err := db.FindDocument(ctx, d.String())
		if err != nil || doc.RevokedAt == nil {
			return seal.Revocation{}, false
		}
		return seal.Revocation{At: *doc.RevokedAt, Reason: doc.RevokedReason}, true
	}
}

// revocationDocument is the sealed record that revokes a document: which
// one, by whom, why and when. Keys are in RFC 8785 order.
type revocationDocument struct {
	Document       string   `json:"document"` // "sha256:…" of the revoked document
	DocumentKind   string   `json:"document_kind"`
	Organisation   string   `json:"organisation"`
	OrganisationID int64    `json:"organisation_id"`
	Reason         string   `json:"reason"`
	RevokedOn      ucx.Date `json:"revoked_on"`
	Type           string   `json:"type"`
}

// revocable loads a document the caller's organisation issued and may
// revoke now.
func (tx *Tx) revocable(ctx context.Context, p *ucx.Principal, digest, reason string) (*ucx.Document, *ucx.Org, string, error) {
	if err := signedIn(p); err != nil {
		return nil, nil, "", err
	}
	if !p.Role.CanAct() {
		return nil, nil, "", ucx.Errorf(ucx.EFORBIDDEN, "your role (%s) may read but not act", p.Role)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxRevokeReason {
		return nil, nil, "", ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason for revoking the document (1 to %d bytes)", maxRevokeReason)
	}
	h, err := parseDigest(digest)
	if err != nil {
		return nil, nil, "", err
	}
	d, err := tx.document(ctx, h)
	if err != nil {
		return nil, nil, "", err
	}
	switch {
	case d.OrgID != p.OrgID:
		return nil, nil, "", ucx.Errorf(ucx.EFORBIDDEN, "only the organisation that issued a document may revoke it")
	case d.Kind == ucx.DocRevocation:
		return nil, nil, "", ucx.Errorf(ucx.ERULE, "a revocation cannot itself be revoked")
	case d.RevokedAt != nil:
		return nil, nil, "", ucx.Errorf(ucx.ERULE, "the document was revoked already at %s", d.RevokedAt.Format(time.RFC3339))
	}
	org, err := tx.orgByID(ctx, p.OrgID)
	return d, org, reason, err
}

func revocationBuilder(d *ucx.Document, org *ucx.Org, reason string) docBuilder {
	return func(on ucx.Date) ([]byte, error) {
		return canonicalJSON(revocationDocument{Document: d.Digest, DocumentKind: d.Kind, Organisation: org.Name,
			OrganisationID: org.ID, Reason: reason, RevokedOn: on, Type: docRevocation})
	}
}

// RevocationToSeal returns the revocation record of a document as it would
// be issued today, for its issuer to seal offline.
func (db *DB) RevocationToSeal(ctx context.Context, p *ucx.Principal, digest, reason string) ([]byte, error) {
	var doc []byte
	err := db.View(ctx, "sqlstore.RevocationToSeal", func(tx *Tx) error {
		d, org, reason, err := tx.revocable(ctx, p, digest, reason)
		if err != nil {
			return err
		}
		doc, err = revocationBuilder(d, org, reason)(tx.today())
		return err
	})
	return doc, err
}

// RevokeDocument revokes a document the caller's organisation issued, with
// a sealed revocation record stored like any document: sealed with the
// custodial key when envelope is nil, else the envelope sealed offline
// over RevocationToSeal's record. From then on verification reports the
// document revoked (document_revoked) with the time, and the workflow
// follows: a revoked licence, or one relying on a revoked confirmation (R4),
// reads as such (ucx.Licence.State) and cannot be cleared, and a revoked
// confirmation cannot be issued on. Returns EFORBIDDEN for another
// organisation's document, ERULE when it is revoked already.
func (db *DB) RevokeDocument(ctx context.Context, p *ucx.Principal, digest, reason string, envelope []byte) (*ucx.Document, error) {
	const op = "sqlstore.RevokeDocument"
	var rec *ucx.Document
	err := db.Update(ctx, op, func(tx *Tx) error {
		d, org, reason, err := tx.revocable(ctx, p, digest, reason)
		if err != nil {
			return err
		}
		if tx.db.seals == nil {
			return errNoSealing()
		}
		doc, env, _, err := tx.sealDoc(ctx, p.OrgID, envelope, revocationBuilder(d, org, reason))
		if err != nil {
			return err
		}
		h := strings.TrimPrefix(d.Digest, "sha256:")
		// The revoked document's flag first: the record and its leaf come
		// last, as the log's sequencing lock wants (storeDocument).
		res, err := tx.Exec(ctx, "UPDATE documents SET revoked_at = ?, revoked_reason = ? WHERE digest = ? AND revoked_at IS NULL", micros(tx.now), reason, h)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return ucx.Errorf(ucx.ECONFLICT, "the document was revoked meanwhile")
		}
		if err := tx.event(ctx, p, actDocRevoke, entityDocument, d.EntityID, 0, "valid", "revoked", d.Digest+": "+reason); err != nil {
			return err
		}
		// The revocation names whom the revoked document named, so that
		// whoever watches the log for the one sees the other.
		others, err := tx.leafOrgs(ctx, h)
		if err != nil {
			return err
		}
		rec, err = tx.storeDocument(ctx, ucx.DocRevocation, d.EntityID, p.OrgID, others, doc, env, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// leafOrgs returns the organisations the log leaf of a stored document
// names (issuer and others), none for a document that has no leaf.
func (tx *Tx) leafOrgs(ctx context.Context, hexd string) ([]int64, error) {
	var entry []byte
	err := tx.QueryRow(ctx, "SELECT l.entry FROM documents d JOIN log_leaves l ON l.idx = d.log_index WHERE d.digest = ?", hexd).Scan(&entry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, err := ParseDocumentLeaf(entry)
	if err != nil {
		return nil, ucx.Internal("sqlstore.leafOrgs", err)
	}
	return append([]int64{e.OrgID}, e.Orgs...), nil
}

// ReadDocument returns a stored document whole to a party to it: the
// organisation that issued it, and whoever may see the application it
// belongs to (workflowScope: the exporter it names, the manufacturers
// asked for its letters, the authorities of the exporter's jurisdiction
// (R14) and customs). A revocation's parties
// are the revoked document's. Any other signed-in organisation, the
// operator included, gets ENOTFOUND, as for an unknown digest, so that
// whether a document exists does not leak; no principal is EUNAUTHORIZED.
// (FindDocument, without a principal, is for the platform's own use: the
// verifier, the public facts.)
func (db *DB) ReadDocument(ctx context.Context, p *ucx.Principal, digest string) (*ucx.Document, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	h, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.ReadDocument", func(tx *Tx) (*ucx.Document, error) {
		d, err := tx.document(ctx, h)
		if err != nil {
			return nil, err
		}
		ok, err := tx.documentParty(ctx, p, d)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ucx.Errorf(ucx.ENOTFOUND, "no document sha256:%s is stored here", h)
		}
		return d, nil
	})
}

// documentParty reports whether p is a party to d (see ReadDocument).
func (tx *Tx) documentParty(ctx context.Context, p *ucx.Principal, d *ucx.Document) (bool, error) {
	if d.OrgID == p.OrgID {
		return true, nil
	}
	target := d
	if d.Kind == ucx.DocRevocation && d.Revokes != "" {
		var err error
		if target, err = tx.document(ctx, strings.TrimPrefix(d.Revokes, "sha256:")); err != nil {
			return false, err
		}
		if target.OrgID == p.OrgID {
			return true, nil
		}
	}
	var q string
	switch target.Kind {
	case ucx.DocConfirmation:
		q = "SELECT application_id FROM confirmation_requests WHERE id = ?"
	case ucx.DocLicence:
		q = "SELECT application_id FROM licences WHERE id = ?"
	default:
		return false, nil
	}
	var appID int64
	if err := tx.QueryRow(ctx, q, target.EntityID).Scan(&appID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, err
	}
	scope, args, err := workflowScope(p)
	if err != nil {
		return false, nil // the operator: not a party
	}
	var one int
	err = tx.QueryRow(ctx, "SELECT 1 FROM applications a WHERE a.id = ? AND "+scope, append([]any{appID}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// FindLicenceDocument returns the sealed document of the licence numbered
// number (as printed on it, any case), ENOTFOUND when there is none or it
// was issued unsealed. It needs no principal: the /verify page answers a
// licence number with the public facts of its document only.
func (db *DB) FindLicenceDocument(ctx context.Context, number string) (*ucx.Document, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	if n == "" || len(n) > 64 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "licence", "a licence number is printed on the licence, e.g. UCX-2026-000042")
	}
	return viewValue(ctx, db, "sqlstore.FindLicenceDocument", func(tx *Tx) (*ucx.Document, error) {
		d, err := scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+` FROM documents WHERE kind = 'licence'
			AND entity_id = (SELECT id FROM licences WHERE number = ?) ORDER BY created_at DESC LIMIT 1`, n))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ucx.FieldErrorf(ucx.ENOTFOUND, "licence", "no sealed licence numbered %q is held here: check the number printed on the licence", n)
		}
		return d, err
	})
}

// DocumentState returns what a stored document is good for today: a
// licence's ucx.LicenceState (valid, cleared, expired, revoked,
// letter_revoked: Licence.StateOn), for any other document revoked or
// valid.
func (db *DB) DocumentState(ctx context.Context, digest string) (ucx.LicenceState, error) {
	h, err := parseDigest(digest)
	if err != nil {
		return "", err
	}
	return viewValue(ctx, db, "sqlstore.DocumentState", func(tx *Tx) (ucx.LicenceState, error) {
		d, err := tx.document(ctx, h)
		if err != nil {
			return "", err
		}
		if d.RevokedAt != nil {
			return ucx.LicenceRevoked, nil
		}
		if d.Kind != ucx.DocLicence {
			return ucx.LicenceValid, nil
		}
		l, err := scanLicence(tx.QueryRow(ctx, "SELECT "+licenceColumns+licenceFrom+" WHERE l.id = ?", d.EntityID))
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.LicenceValid, nil
		}
		if err != nil {
			return "", err
		}
		return l.StateOn(tx.today()), nil
	})
}
