package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// WMI claims (R2): a manufacturer's declaration of a WMI that the built-in
// table or another organisation gives to another maker waits in
// wmi_claims for the operator. It routes nothing meanwhile; confirmed, the
// WMI moves to org_wmis and the confirmation is kept in wmi_confirmations,
// so that declaring it again later needs none.

// Claim states as WMIClaim.State reports them.
const (
	claimPending   = "pending"
	claimConfirmed = "confirmed"
	claimRefused   = "refused"
)

// wmiHolder names the maker other than o that w belongs to, if any:
// another organisation that declared it (declared is then true), or the
// built-in table's manufacturer when its names are not o's (the legal
// name, or the English name, as routeVIN matches them).
func (tx *Tx) wmiHolder(ctx context.Context, o *ucx.Org, w string) (holder string, declared bool, err error) {
	err = tx.QueryRow(ctx, "SELECT o.name FROM org_wmis w JOIN orgs o ON o.id = w.org_id WHERE w.wmi = ? AND w.org_id <> ?", w, o.ID).Scan(&holder)
	switch {
	case err == nil:
		return holder, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, err
	}
	e, ok := vin.DefaultTable().Lookup(w)
	if !ok || e.NameZH != "" && e.NameZH == o.Name || e.NameEN != "" && e.NameEN == o.NameEN {
		return "", false, nil
	}
	return e.Name() + " (built-in WMI table)", false, nil
}

// wmiConfirmed reports whether the operator has confirmed w for org.
func (tx *Tx) wmiConfirmed(ctx context.Context, w string, org int64) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM wmi_confirmations WHERE wmi = ? AND org_id = ?", w, org).Scan(&n)
	return n > 0, err
}

// recordWMIConfirmation keeps (or renews) the operator's confirmation of
// w for org.
func (tx *Tx) recordWMIConfirmation(ctx context.Context, p *ucx.Principal, w string, org int64, note string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM wmi_confirmations WHERE wmi = ? AND org_id = ?", w, org); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO wmi_confirmations (wmi, org_id, confirmed_by, confirmed_at, note) VALUES (?, ?, ?, ?, ?)",
		w, org, nullID(p.UserID), micros(tx.now), note)
	return err
}

// replaceClaims makes org's pending claims exactly pending: claims no
// longer declared are withdrawn, new ones stored with their holder and an
// audit event each.
func (tx *Tx) replaceClaims(ctx context.Context, p *ucx.Principal, org int64, pending []string, holders map[string]string, before []string) error {
	q, args := "DELETE FROM wmi_claims WHERE org_id = ?", []any{org}
	if len(pending) > 0 {
		q += " AND wmi NOT IN (" + placeholders(len(pending)) + ")"
		for _, w := range pending {
			args = append(args, w)
		}
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return err
	}
	for _, w := range pending {
		if containsString(before, w) {
			continue
		}
		id, err := tx.InsertID(ctx, "INSERT INTO wmi_claims (wmi, org_id, holder, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?)",
			w, org, holders[w], nullID(p.UserID), micros(tx.now))
		if err != nil {
			return err
		}
		if err := tx.event(ctx, p, actWMIClaim, entityOrg, org, 0, "", claimPending,
			"claim "+itoa(id)+": WMI "+w+" is given to "+holders[w]+"; it routes no request until the operator confirms it (R2)"); err != nil {
			return err
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const claimColumns = "c.id, c.wmi, c.org_id, o.name, c.holder, c.claimed_by, c.claimed_at"

func scanClaim(sc interface{ Scan(...any) error }) (*ucx.WMIClaim, error) {
	var c ucx.WMIClaim
	var by sql.NullInt64
	var at int64
	if err := sc.Scan(&c.ID, &c.WMI, &c.OrgID, &c.OrgName, &c.Holder, &by, &at); err != nil {
		return nil, err
	}
	c.ClaimedBy, c.ClaimedAt, c.State = by.Int64, fromMicros(at), claimPending
	return &c, nil
}

// WMIClaims lists the pending WMI claims, oldest first. Only the platform
// operator's users may: deciding them is its task (R2).
func (db *DB) WMIClaims(ctx context.Context, p *ucx.Principal) ([]*ucx.WMIClaim, error) {
	const op = "sqlstore.WMIClaims"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if p.OrgKind != ucx.KindOperator {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only the platform operator reviews WMI claims (R2)")
	}
	var out []*ucx.WMIClaim
	err := db.View(ctx, op, func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+claimColumns+" FROM wmi_claims c JOIN orgs o ON o.id = c.org_id ORDER BY c.id LIMIT ?", MaxLimit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClaim(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// DecideWMIClaim confirms or refuses a pending claim; only the operator's
// admin may. Confirmed, the WMI routes to the claimant from then on: it
// moves from any organisation that had declared it (an audit event on
// that one too) and the confirmation is kept, so the claimant may declare
// it again without one. Refused, the claim goes; a refusal needs a note,
// which the claimant reads in its audit trail. Returns EFORBIDDEN,
// ENOTFOUND for no pending claim id, or EINVALID (note).
func (db *DB) DecideWMIClaim(ctx context.Context, p *ucx.Principal, id int64, confirm bool, note string) (*ucx.WMIClaim, error) {
	const op = "sqlstore.DecideWMIClaim"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if p.OrgKind != ucx.KindOperator || p.Role != ucx.RoleAdmin {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only the platform operator's admin confirms or refuses WMI claims (R2)")
	}
	note = strings.TrimSpace(note)
	switch {
	case !confirm && note == "":
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "say why the claim is refused; the manufacturer reads it in its audit trail")
	case len(note) > maxNoteBytes:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "the note is longer than %d bytes", maxNoteBytes)
	}
	var c *ucx.WMIClaim
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		c, err = scanClaim(tx.QueryRow(ctx, "SELECT "+claimColumns+" FROM wmi_claims c JOIN orgs o ON o.id = c.org_id WHERE c.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.Errorf(ucx.ENOTFOUND, "no pending WMI claim %d", id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM wmi_claims WHERE id = ?", id); err != nil {
			return err
		}
		if !confirm {
			c.State = claimRefused
			return tx.event(ctx, p, actWMIRefuse, entityOrg, c.OrgID, 0, claimPending, claimRefused, "claim "+itoa(id)+": WMI "+c.WMI+" refused: "+note)
		}
		c.State = claimConfirmed
		var former int64
		err = tx.QueryRow(ctx, "SELECT org_id FROM org_wmis WHERE wmi = ?", c.WMI).Scan(&former)
		switch {
		case err == nil:
			if _, err := tx.Exec(ctx, "DELETE FROM org_wmis WHERE wmi = ?", c.WMI); err != nil {
				return err
			}
			if err := tx.event(ctx, p, actWMIMoved, entityOrg, former, 0, c.WMI, "", "WMI "+c.WMI+" moved to "+c.OrgName+" by the operator's confirmation of claim "+itoa(id)+" (R2)"); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO org_wmis (wmi, org_id) VALUES (?, ?)", c.WMI, c.OrgID); err != nil {
			return err
		}
		if err := tx.recordWMIConfirmation(ctx, p, c.WMI, c.OrgID, note); err != nil {
			return err
		}
		msg := "claim " + itoa(id) + ": WMI " + c.WMI + " confirmed; its VINs now route to " + c.OrgName + " (R2)"
		if note != "" {
			msg += ": " + note
		}
		return tx.event(ctx, p, actWMIConfirm, entityOrg, c.OrgID, 0, claimPending, claimConfirmed, msg)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
