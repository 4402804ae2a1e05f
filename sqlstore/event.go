package sqlstore

import (
	"context"
	"database/sql"

	"github.com/ucxdev/ucx"
)

// Audit actions. Each state change writes exactly one event per record it
// changes, in the same transaction as the change, so the trail can never
// disagree with the data.
const (
	actOrgCreate       = "org.create"
	actOrgStanding     = "org.set_standing"
	actOrgRegion       = "org.set_region"
	actOrgWMIs         = "org.set_wmis"
	actOutletAdd       = "outlet.add"
	actWMIClaim        = "wmi.claim"
	actWMIConfirm      = "wmi.confirm"
	actWMIRefuse       = "wmi.refuse"
	actWMIMoved        = "wmi.moved"
	actRegisterAdd     = "register.add"
	actRegisterUpdate  = "register.update"
	actRegisterRetire  = "register.retire"
	actRegisterBind    = "register.bind"
	actRegisterUnbind  = "register.unbind"
	actUserCreate      = "user.create"
	actUserLocked      = "user.locked"
	actUserInvite      = "user.invite"
	actUserSetPassword = "user.set_password"
	actTokenCreate     = "token.create"
	actTokenRevoke     = "token.revoke"
	actSessionCreate   = "session.create"
	actAppCreate       = "application.create"
	actAppSubmit       = "application.submit"
	actAppWithdraw     = "application.withdraw"
	actAppConfirmed    = "application.confirmed"
	actAppRefused      = "application.refused"
	actAppLicensed     = "application.licensed"
	actAppCleared      = "application.cleared"
	actRequestCreate   = "request.create"
	actRequestApprove  = "request.approve"
	actRequestRefuse   = "request.refuse"
	actRequestVoid     = "request.void"
	actLicenceIssue    = "licence.issue"
	actLicenceClear    = "licence.clear"
	actImportStart     = "import.start"
	actImportFinish    = "import.finish"
)

// Audited entities.
const (
	entityOrg         = "org"
	entityOutlet      = "outlet"
	entityUser        = "user"
	entityToken       = "token"
	entitySession     = "session"
	entityApplication = "application"
	entityRequest     = "confirmation_request"
	entityLicence     = "licence"
	entityImport      = "import"
	entityRegister    = "register_entry"
)

const (
	insertEventSQL     = "INSERT INTO events (at, actor_user_id, actor_org_id, action, entity, entity_id, application_id, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	eventColumns       = "id, at, actor_user_id, actor_org_id, action, entity, entity_id, application_id, before, after, note"
	maxNoteBytes       = 1000
	maxReasonTextBytes = 1000
)

// event writes one audit event at the transaction's instant. p is the
// actor; nil means the system itself (bootstrap, background imports).
func (tx *Tx) event(ctx context.Context, p *ucx.Principal, action, entity string, id, appID int64, before, after, note string) error {
	var user, org any
	if p != nil {
		user, org = nullID(p.UserID), nullID(p.OrgID)
	}
	eid, err := tx.InsertID(ctx, insertEventSQL, micros(tx.now), user, org, action, entity, id, nullID(appID), before, after, note)
	if err != nil {
		return err
	}
	// The outbox: the notifications the change makes, in its transaction
	// (notify_outbox.go).
	a := &audit{id: eid, action: action, entity: entity, entityID: id, appID: appID, before: before, after: after, note: note}
	if tx.batch != nil {
		return tx.batch.add(ctx, tx, p, a)
	}
	return tx.announce(ctx, p, a)
}

// scanEvent reads a row selected with eventColumns.
func scanEvent(sc interface{ Scan(...any) error }) (*ucx.Event, error) {
	var e ucx.Event
	var at int64
	var user, org, app sql.NullInt64
	if err := sc.Scan(&e.ID, &at, &user, &org, &e.Action, &e.Entity, &e.EntityID, &app, &e.Before, &e.After, &e.Note); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	e.ActorUserID, e.ActorOrgID, e.ApplicationID = user.Int64, org.Int64, app.Int64
	return &e, nil
}

// Timeline lists the application's events, oldest first: its filing, the
// confirmation request and answer, the licence and the clearance. Whoever
// may read the application may read its timeline (see workflowScope).
func (db *DB) Timeline(ctx context.Context, p *ucx.Principal, id int64) ([]*ucx.Event, error) {
	const op = "sqlstore.Timeline"
	scope, args, err := workflowScope(p)
	if err != nil {
		return nil, err
	}
	var out []*ucx.Event
	err = db.View(ctx, op, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM applications a WHERE a.id = ? AND "+scope, append([]any{id}, args...)...).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errNoApplication(id)
		}
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE application_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		out, err = scanEvents(rows)
		return err
	})
	return out, err
}

// OrgEvents lists an organisation's audit trail, newest first, and its
// length: the events its own users caused, and those about the
// organisation, its users and its outlets that others caused (the
// operator creating or inviting a user, the sign-in throttle locking an
// account, the operator deciding a WMI claim). Only the organisation's
// admins may read it: it is how they see what the operator did in their
// organisation. Returns EFORBIDDEN to everyone else.
func (db *DB) OrgEvents(ctx context.Context, p *ucx.Principal, orgID int64, f ucx.EventFilter) ([]*ucx.Event, int, error) {
	const op = "sqlstore.OrgEvents"
	if err := signedIn(p); err != nil {
		return nil, 0, err
	}
	if p.OrgID != orgID || p.Role != ucx.RoleAdmin {
		return nil, 0, ucx.Errorf(ucx.EFORBIDDEN, "only the organisation's own admins read its audit trail")
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	const cond = ` FROM events e WHERE e.actor_org_id = ?
		OR (e.entity = 'org' AND e.entity_id = ?)
		OR (e.entity = 'user' AND e.entity_id IN (SELECT id FROM users WHERE org_id = ?))
		OR (e.entity = 'outlet' AND e.entity_id IN (SELECT id FROM outlets WHERE org_id = ?))`
	args := []any{orgID, orgID, orgID, orgID}
	var out []*ucx.Event
	var total int
	err = db.View(ctx, op, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*)"+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+cond+" ORDER BY e.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		out, err = scanEvents(rows)
		return err
	})
	return out, total, err
}

// scanEvents reads every event of rows (selected with eventColumns) and
// closes them.
func scanEvents(rows *sql.Rows) ([]*ucx.Event, error) {
	defer rows.Close()
	var out []*ucx.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
