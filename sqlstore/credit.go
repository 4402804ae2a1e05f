package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ucxdev/ucx"
)

var _ ucx.CreditService = (*DB)(nil)

// Credit audit actions: every change to the list, an event or a standing
// is one audit event, so an exporter's standing history is its events.
const (
	actNegativePut     = "negative_item.put"
	actCreditRecord    = "credit.record"
	actCreditAppeal    = "credit.appeal"
	actCreditAnnul     = "credit.annul"
	actCreditStanding  = "credit.standing" // the effective standing changed
	actCreditConfirm   = "credit.confirm"
	actCreditOverride  = "credit.override"
	actCreditClear     = "credit.clear_override"
	entityNegativeItem = "negative_item"
)

// thresholds returns the configured thresholds, or the defaults.
func (db *DB) thresholds() ucx.StandingThresholds { return db.oversight().Thresholds }

// NegativeList returns the negative list (R8) ordered by code. Anyone
// signed in may read it: exporters must know what counts against them.
func (db *DB) NegativeList(ctx context.Context, p *ucx.Principal) ([]*ucx.NegativeItem, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.NegativeList", func(tx *Tx) ([]*ucx.NegativeItem, error) {
		return tx.negativeList(ctx)
	})
}

func (tx *Tx) negativeList(ctx context.Context) ([]*ucx.NegativeItem, error) {
	rows, err := tx.Query(ctx, "SELECT code, description_zh, description_en, weight, source, provisional, updated_at FROM negative_items ORDER BY code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ucx.NegativeItem
	for rows.Next() {
		var n ucx.NegativeItem
		var prov int
		var at int64
		if err := rows.Scan(&n.Code, &n.DescriptionZH, &n.DescriptionEN, &n.Weight, &n.Source, &prov, &at); err != nil {
			return nil, err
		}
		n.Provisional, n.UpdatedAt = prov != 0, fromMicros(at)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// PutNegativeItem creates or replaces a negative-list item. Only an admin
// or member of the platform operator may: the list is the platform's
// configuration until the authorities publish theirs (open question 6).
func (db *DB) PutNegativeItem(ctx context.Context, p *ucx.Principal, n *ucx.NegativeItem) error {
	if err := mustAct(p, ucx.KindOperator, "edit the negative list (R8)"); err != nil {
		return err
	}
	if n == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "code", "the item is missing")
	}
	n.Code, n.DescriptionZH, n.DescriptionEN, n.Source = strings.TrimSpace(n.Code), strings.TrimSpace(n.DescriptionZH), strings.TrimSpace(n.DescriptionEN), strings.TrimSpace(n.Source)
	if err := n.Validate(); err != nil {
		return err
	}
	return db.Update(ctx, "sqlstore.PutNegativeItem", func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO negative_items (code, description_zh, description_en, weight, source, provisional, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET description_zh = excluded.description_zh, description_en = excluded.description_en,
				weight = excluded.weight, source = excluded.source, provisional = excluded.provisional, updated_at = excluded.updated_at`,
			n.Code, n.DescriptionZH, n.DescriptionEN, n.Weight, n.Source, boolInt(n.Provisional), micros(tx.now))
		if err != nil {
			return err
		}
		n.UpdatedAt = tx.now
		return tx.event(ctx, p, actNegativePut, entityNegativeItem, 0, 0, "", n.Code, fmt.Sprintf("weight %d", n.Weight))
	})
}

// RecordCreditEvent records negative-list conduct against an exporter
// (R8). Only an authority may; the evidence is required, the date may not
// be in the future, and a licence it names must be the exporter's. The
// standing is recomputed in the same transaction, so the licence gate sees
// it at once.
func (db *DB) RecordCreditEvent(ctx context.Context, p *ucx.Principal, e *ucx.CreditEvent) error {
	if err := mustAct(p, ucx.KindAuthority, "record credit events (R8)"); err != nil {
		return err
	}
	if e == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "code", "the event is missing")
	}
	e.Code, e.Evidence = strings.TrimSpace(e.Code), strings.TrimSpace(e.Evidence)
	switch {
	case e.Evidence == "":
		return ucx.FieldErrorf(ucx.EINVALID, "evidence", "describe the evidence; the exporter is shown it and may appeal (R8)")
	case len(e.Evidence) > maxNoteBytes:
		return ucx.FieldErrorf(ucx.EINVALID, "evidence", "the evidence is longer than %d bytes", maxNoteBytes)
	case e.OccurredOn.IsZero():
		return ucx.FieldErrorf(ucx.EINVALID, "occurred_on", "the date of the conduct is required, as YYYY-MM-DD")
	}
	return db.Update(ctx, "sqlstore.RecordCreditEvent", func(tx *Tx) error {
		if e.OccurredOn.After(tx.today()) {
			return ucx.FieldErrorf(ucx.EINVALID, "occurred_on", "the date %s is in the future", e.OccurredOn)
		}
		e.RecordedBy, e.Automatic = p.OrgID, false
		return tx.insertCreditEvent(ctx, p, e)
	})
}

// recordWrongFiling is the hook for what ucx sees itself: a licence refused
// because the filing did not match the registration certificate (R5) is a
// wrong filing, and enough of them make a repeated wrong filer whom R6
// names. RefuseLicence and RefuseShipmentLicence call it (refusalCredit),
// in the refusal's transaction, when the refusal code is data_mismatch; p is the refusing authority (kept in the audit
// event), but the event counts as ucx's own (Automatic).
func (tx *Tx) recordWrongFiling(ctx context.Context, p *ucx.Principal, exporterID, appID int64, evidence string) error {
	if evidence = strings.TrimSpace(evidence); evidence == "" {
		evidence = "licence refused: data do not match the registration certificate (R5)"
	}
	if len(evidence) > maxNoteBytes {
		evidence = evidence[:maxNoteBytes]
	}
	e := &ucx.CreditEvent{ExporterID: exporterID, Code: ucx.CodeWrongFiling, OccurredOn: tx.today(),
		Evidence: evidence, Automatic: true, ApplicationID: appID}
	return tx.insertCreditEvent(ctx, p, e)
}

// RecordWrongFiling is recordWrongFiling in its own transaction, for
// callers outside a licence refusal (tests, the demo history).
func (db *DB) RecordWrongFiling(ctx context.Context, exporterID, appID int64, evidence string) error {
	return db.Update(ctx, "sqlstore.RecordWrongFiling", func(tx *Tx) error {
		return tx.recordWrongFiling(ctx, nil, exporterID, appID, evidence)
	})
}

func (tx *Tx) insertCreditEvent(ctx context.Context, p *ucx.Principal, e *ucx.CreditEvent) error {
	o, err := tx.orgByID(ctx, e.ExporterID)
	if err != nil {
		return err
	}
	if o.Kind != ucx.KindExporter {
		return ucx.Errorf(ucx.ERULE, "%s is a %s; credit events are recorded against exporters only (R8)", o.Name, o.Kind)
	}
	err = tx.QueryRow(ctx, "SELECT weight FROM negative_items WHERE code = ?", e.Code).Scan(&e.Weight)
	if errors.Is(err, sql.ErrNoRows) {
		return ucx.FieldErrorf(ucx.EINVALID, "code", "%q is not on the negative list", e.Code)
	} else if err != nil {
		return err
	}
	if e.LicenceID != 0 {
		var owner int64
		err := tx.QueryRow(ctx, "SELECT exporter_id, application_id FROM licences WHERE id = ?", e.LicenceID).Scan(&owner, &e.ApplicationID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != e.ExporterID {
			return ucx.FieldErrorf(ucx.EINVALID, "licence_id", "licence %d is not one of this exporter's", e.LicenceID)
		} else if err != nil {
			return err
		}
	} else if e.ApplicationID != 0 {
		var owner int64
		err := tx.QueryRow(ctx, "SELECT exporter_id FROM applications WHERE id = ?", e.ApplicationID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != e.ExporterID {
			return ucx.FieldErrorf(ucx.EINVALID, "application_id", "application %d is not one of this exporter's", e.ApplicationID)
		} else if err != nil {
			return err
		}
	}
	e.CreatedAt = tx.now
	e.ID, err = tx.InsertID(ctx, `INSERT INTO credit_events (exporter_id, code, weight, occurred_on, evidence, recorded_by, application_id, licence_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ExporterID, e.Code, e.Weight, e.OccurredOn.Days(), e.Evidence, nullID(e.RecordedBy), nullID(e.ApplicationID), nullID(e.LicenceID), micros(tx.now))
	if err != nil {
		return err
	}
	if err := tx.event(ctx, p, actCreditRecord, entityOrg, e.ExporterID, e.ApplicationID, "", e.Code, fmt.Sprintf("credit event %d, weight %d: %s", e.ID, e.Weight, e.Evidence)); err != nil {
		return err
	}
	_, err = tx.refreshStanding(ctx, p, e.ExporterID)
	return err
}

const creditEventColumns = "id, exporter_id, code, weight, occurred_on, evidence, recorded_by, application_id, licence_id, appeal_note, annulled, annul_reason, created_at"

func scanCreditEvent(sc interface{ Scan(...any) error }) (*ucx.CreditEvent, error) {
	var e ucx.CreditEvent
	var day int
	var by, app, lic sql.NullInt64
	var annulled int
	var at int64
	if err := sc.Scan(&e.ID, &e.ExporterID, &e.Code, &e.Weight, &day, &e.Evidence, &by, &app, &lic, &e.AppealNote, &annulled, &e.AnnulReason, &at); err != nil {
		return nil, err
	}
	e.OccurredOn, e.RecordedBy, e.Automatic = ucx.DateFromDays(day), by.Int64, !by.Valid
	e.ApplicationID, e.LicenceID, e.Annulled, e.CreatedAt = app.Int64, lic.Int64, annulled != 0, fromMicros(at)
	return &e, nil
}

func (tx *Tx) creditEvents(ctx context.Context, where string, args ...any) ([]*ucx.CreditEvent, error) {
	out, err := queryAll(ctx, tx, scanCreditEvent, "SELECT "+creditEventColumns+" FROM credit_events WHERE "+where+" ORDER BY occurred_on DESC, id DESC", args...)
	if out == nil && err == nil {
		out = []*ucx.CreditEvent{} // JSON [], not null
	}
	return out, err
}

// mayReadCredit lets the exporter itself and authorities read an
// exporter's credit record; to anyone else it does not exist.
func mayReadCredit(p *ucx.Principal, exporterID int64) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.Is(ucx.KindAuthority) || p.Is(ucx.KindExporter) && p.OrgID == exporterID {
		return nil
	}
	return ucx.Errorf(ucx.ENOTFOUND, "no credit record %d is visible to you", exporterID)
}

// FindCreditEvents lists all of an exporter's events, annulled included,
// newest first.
func (db *DB) FindCreditEvents(ctx context.Context, p *ucx.Principal, exporterID int64) ([]*ucx.CreditEvent, error) {
	if err := mayReadCredit(p, exporterID); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.FindCreditEvents", func(tx *Tx) ([]*ucx.CreditEvent, error) {
		// Only an exporter has a credit record (R8): another organisation's
		// events are not found, as its standing is (CreditStanding).
		o, err := tx.orgByID(ctx, exporterID)
		if err != nil {
			return nil, err
		}
		if o.Kind != ucx.KindExporter {
			return nil, ucx.Errorf(ucx.ENOTFOUND, "organisation %d is not an exporter", exporterID)
		}
		return tx.creditEvents(ctx, "exporter_id = ?", exporterID)
	})
}

// AppealCreditEvent lets the exporter write its appeal note on its own
// event, and an authority annul an event with a reason (the note is then
// that reason). An annulled event no longer counts, so the standing is
// recomputed.
func (db *DB) AppealCreditEvent(ctx context.Context, p *ucx.Principal, id int64, note string, annul bool) (*ucx.CreditEvent, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if !p.Role.CanAct() {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "your role (%s) may read but not act", p.Role)
	}
	note = strings.TrimSpace(note)
	if note == "" || len(note) > maxNoteBytes {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "the note is required, at most %d bytes", maxNoteBytes)
	}
	if annul && !p.Is(ucx.KindAuthority) {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only a licensing authority may annul a credit event (R8)")
	}
	if !annul && !p.Is(ucx.KindExporter) && !p.Is(ucx.KindAuthority) {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only the exporter or an authority may note an appeal")
	}
	var e *ucx.CreditEvent
	err := db.Update(ctx, "sqlstore.AppealCreditEvent", func(tx *Tx) error {
		es, err := tx.creditEvents(ctx, "id = ?", id)
		if err != nil {
			return err
		}
		if len(es) == 0 || mayReadCredit(p, es[0].ExporterID) != nil {
			return ucx.Errorf(ucx.ENOTFOUND, "no credit event %d is visible to you", id)
		}
		e = es[0]
		if e.Annulled {
			return ucx.Errorf(ucx.ERULE, "credit event %d is already annulled", id)
		}
		if annul {
			if _, err := tx.Exec(ctx, "UPDATE credit_events SET annulled = 1, annul_reason = ? WHERE id = ?", note, id); err != nil {
				return err
			}
			e.Annulled, e.AnnulReason = true, note
			if err := tx.event(ctx, p, actCreditAnnul, entityOrg, e.ExporterID, e.ApplicationID, e.Code, "annulled", fmt.Sprintf("credit event %d: %s", id, note)); err != nil {
				return err
			}
			_, err := tx.refreshStanding(ctx, p, e.ExporterID)
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE credit_events SET appeal_note = ? WHERE id = ?", note, id); err != nil {
			return err
		}
		e.AppealNote = note
		return tx.event(ctx, p, actCreditAppeal, entityOrg, e.ExporterID, e.ApplicationID, "", "", fmt.Sprintf("credit event %d: %s", id, note))
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// standingRow is an exporter's credit_standings row.
type standingRow struct {
	found                     bool
	computed, effective, over ucx.Standing
	score                     int
	overReason                string
	confirmedAt               sql.NullInt64
}

func (tx *Tx) standingRow(ctx context.Context, exporterID int64) (standingRow, error) {
	var r standingRow
	var computed, effective, over string
	err := tx.QueryRow(ctx, "SELECT computed, score, effective, override, override_reason, confirmed_at FROM credit_standings WHERE exporter_id = ?", exporterID).
		Scan(&computed, &r.score, &effective, &over, &r.overReason, &r.confirmedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	r.found, r.computed, r.effective, r.over = err == nil, ucx.Standing(computed), ucx.Standing(effective), ucx.Standing(over)
	return r, err
}

// score sums the weights of the exporter's counting events in the window
// ending on day on (inclusive): those that occurred in (on−window, on].
func (tx *Tx) score(ctx context.Context, exporterID int64, on ucx.Date, t ucx.StandingThresholds) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(weight), 0) AS BIGINT) FROM credit_events
		WHERE exporter_id = ? AND annulled = 0 AND occurred_on > ? AND occurred_on <= ?`,
		exporterID, on.Days()-t.WindowDays, on.Days()).Scan(&n)
	return n, err
}

// refreshStanding recomputes an exporter's standing from its events and
// writes the effective one (the override when an authority set one) to
// orgs.standing, which the licence gate reads. A standing changed since
// ucx last wrote it (by SetStanding) is kept as an override rather than
// silently undone. Every change of the effective standing is an audit
// event.
func (tx *Tx) refreshStanding(ctx context.Context, p *ucx.Principal, exporterID int64) (standingRow, error) {
	t := tx.db.thresholds()
	r, err := tx.standingRow(ctx, exporterID)
	if err != nil {
		return r, err
	}
	var current string
	if err := tx.QueryRow(ctx, "SELECT standing FROM orgs WHERE id = ?", exporterID).Scan(&current); err != nil {
		return r, err
	}
	cur := ucx.Standing(current)
	if cur == "" {
		cur = ucx.StandingNormal
	}
	if r.over == "" && (r.found && cur != r.effective || !r.found && cur != ucx.StandingNormal) {
		r.over, r.overReason = cur, "set outside the credit record (SetStanding)"
	}
	if r.score, err = tx.score(ctx, exporterID, tx.today(), t); err != nil {
		return r, err
	}
	r.computed = t.StandingFor(r.score)
	r.effective = r.computed
	if r.over != "" {
		r.effective = r.over
	}
	_, err = tx.Exec(ctx, `INSERT INTO credit_standings (exporter_id, computed, score, effective, override, override_reason, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (exporter_id) DO UPDATE SET computed = excluded.computed, score = excluded.score, effective = excluded.effective,
			override = excluded.override, override_reason = excluded.override_reason, updated_at = excluded.updated_at`,
		exporterID, string(r.computed), r.score, string(r.effective), string(r.over), r.overReason, micros(tx.now))
	if err != nil {
		return r, err
	}
	r.found = true
	if r.effective != cur {
		if _, err := tx.Exec(ctx, "UPDATE orgs SET standing = ? WHERE id = ?", string(r.effective), exporterID); err != nil {
			return r, err
		}
		note := fmt.Sprintf("score %d in %d days (thresholds %d/%d/%d)", r.score, t.WindowDays, t.Warned, t.Rectification, t.Suspended)
		if r.over != "" {
			note = "override: " + r.overReason
		}
		if err := tx.event(ctx, p, actCreditStanding, entityOrg, exporterID, 0, string(cur), string(r.effective), note); err != nil {
			return r, err
		}
	}
	return r, nil
}

// RefreshStandings recomputes every exporter's standing on today's date,
// so that events leaving the rolling window lift a standing without anyone
// acting. `ucx serve` runs it at start and daily. It returns how many
// exporters' effective standing changed.
func (db *DB) RefreshStandings(ctx context.Context) (int, error) {
	ids, err := viewValue(ctx, db, "sqlstore.RefreshStandings", func(tx *Tx) ([]int64, error) {
		return queryAll(ctx, tx, scanID, `SELECT exporter_id FROM credit_standings UNION SELECT DISTINCT exporter_id FROM credit_events ORDER BY 1`)
	})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, id := range ids {
		// Decided inside the transaction, counted after its commit: Update
		// may run the function again after a lost race.
		var moved bool
		err := db.Update(ctx, "sqlstore.RefreshStandings", func(tx *Tx) error {
			var before string
			if err := tx.QueryRow(ctx, "SELECT effective FROM credit_standings WHERE exporter_id = ?", id).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			r, err := tx.refreshStanding(ctx, nil, id)
			moved = err == nil && string(r.effective) != before
			return err
		})
		if err != nil {
			return changed, err
		}
		if moved {
			changed++
		}
	}
	return changed, nil
}

// CreditStanding reports an exporter's standing (R8) to the exporter and
// to authorities: effective and computed standing, score, the events in
// the window, the standing's history and what the exporter must do.
func (db *DB) CreditStanding(ctx context.Context, p *ucx.Principal, exporterID int64) (*ucx.CreditReport, error) {
	if err := mayReadCredit(p, exporterID); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.CreditStanding", func(tx *Tx) (*ucx.CreditReport, error) {
		return tx.creditReport(ctx, exporterID)
	})
}

func (tx *Tx) creditReport(ctx context.Context, exporterID int64) (*ucx.CreditReport, error) {
	t := tx.db.thresholds()
	o, err := tx.orgByID(ctx, exporterID)
	if err != nil {
		return nil, err
	}
	if o.Kind != ucx.KindExporter {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "organisation %d is not an exporter", exporterID)
	}
	r, err := tx.standingRow(ctx, exporterID)
	if err != nil {
		return nil, err
	}
	today := tx.today()
	rep := &ucx.CreditReport{ExporterID: o.ID, Name: o.Name, Standing: o.Standing, Thresholds: t,
		Override: r.over, OverrideReason: r.overReason, ConfirmedAt: optTime(r.confirmedAt)}
	if rep.Standing == "" {
		rep.Standing = ucx.StandingNormal
	}
	// Computed afresh for today, so a report is right even before the
	// daily refresh has run.
	if rep.Score, err = tx.score(ctx, exporterID, today, t); err != nil {
		return nil, err
	}
	rep.Computed = t.StandingFor(rep.Score)
	if rep.Contributing, err = tx.creditEvents(ctx, "exporter_id = ? AND annulled = 0 AND occurred_on > ? AND occurred_on <= ?",
		exporterID, today.Days()-t.WindowDays, today.Days()); err != nil {
		return nil, err
	}
	rep.RecoversOn = recoveryDay(rep.Contributing, rep.Score, t.Threshold(rep.Computed), t.WindowDays)
	rep.RecoveryZH, rep.RecoveryEN = recoveryText(rep)
	rows, err := tx.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE entity = ? AND entity_id = ? AND (action = ? OR action LIKE 'credit.%') ORDER BY id",
		entityOrg, exporterID, actOrgStanding)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rep.History = []*ucx.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		rep.History = append(rep.History, e)
	}
	return rep, rows.Err()
}

// recoveryDay is the first day on which the score, as events leave the
// window, falls below threshold; zero when it is below already (or the
// threshold is 0, for normal). events are newest first.
func recoveryDay(events []*ucx.CreditEvent, score, threshold, window int) ucx.Date {
	if threshold <= 0 || score < threshold {
		return ucx.Date{}
	}
	for i := len(events) - 1; i >= 0; i-- {
		score -= events[i].Weight
		// An event that occurred on day d counts through d+window-1.
		if score < threshold && (i == 0 || events[i-1].OccurredOn != events[i].OccurredOn) {
			return events[i].OccurredOn.AddDays(window)
		}
	}
	return ucx.Date{}
}

// recoveryText tells the exporter, in Chinese and English, what its
// standing means and what it must do (R8).
func recoveryText(r *ucx.CreditReport) (zh, en string) {
	switch r.Standing {
	case ucx.StandingNormal:
		zh, en = "信用状况正常，可正常申领出口许可证。", "Your standing is normal; licence applications proceed as usual."
	case ucx.StandingWarned:
		zh, en = "您已被列入约谈提醒：许可证申请仍可办理，但会注明信用状况。请纠正相关问题，避免再次发生。",
			"You have been warned (called in for a talk): licences are still issued, noting your standing. Correct the conduct recorded and avoid repeating it."
	case ucx.StandingRectification:
		zh, en = "您已被责令整改：整改完成并经主管部门确认前，不予签发出口许可证。请落实整改措施并向主管部门提交整改报告。",
			"You have been ordered to rectify: no licence is issued until the authority confirms the corrective measures. Carry them out and report to the authority."
	case ucx.StandingSuspended:
		zh, en = "您的出口资格已暂停：暂停期间不予签发出口许可证。只有主管部门可以恢复。",
			"Your export qualification is suspended: no licence is issued meanwhile. Only the authority can restore it."
	}
	if r.Override != "" {
		zh += "该状况由主管部门设定（" + r.OverrideReason + "），须由主管部门解除。"
		en += " The authority set this standing (" + r.OverrideReason + "); only it can lift it."
	} else if !r.RecoversOn.IsZero() {
		zh += fmt.Sprintf("若无新的失信记录，将于 %s 自动恢复至较低等级。", r.RecoversOn)
		en += fmt.Sprintf(" With no new events it improves on %s, when older events leave the %d-day window.", r.RecoversOn, r.Thresholds.WindowDays)
	}
	return zh, en
}

// DecideStanding is an authority's act on an exporter's standing (R8):
// confirm the computed one (recorded, the standing keeps following the
// events), override it (pinned until cleared), or clear an override. The
// reason is kept in the audit event.
func (db *DB) DecideStanding(ctx context.Context, p *ucx.Principal, exporterID int64, d ucx.StandingDecision) (*ucx.CreditReport, error) {
	if err := mustAct(p, ucx.KindAuthority, "decide an exporter's credit standing (R8)"); err != nil {
		return nil, err
	}
	d.Reason = strings.TrimSpace(d.Reason)
	switch {
	case d.Reason == "" || len(d.Reason) > maxNoteBytes:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason (at most %d bytes); it is kept in the audit trail (R8)", maxNoteBytes)
	case d.Action == "override" && !d.Standing.Valid():
		return nil, ucx.FieldErrorf(ucx.EINVALID, "standing", "standing must be normal, warned, rectification_ordered or suspended")
	case d.Action != "confirm" && d.Action != "override" && d.Action != "clear":
		return nil, ucx.FieldErrorf(ucx.EINVALID, "action", "action must be confirm, override or clear")
	}
	var rep *ucx.CreditReport
	err := db.Update(ctx, "sqlstore.DecideStanding", func(tx *Tx) error {
		o, err := tx.orgByID(ctx, exporterID)
		if err != nil {
			return err
		}
		if o.Kind != ucx.KindExporter {
			return ucx.Errorf(ucx.ERULE, "%s is a %s; a credit standing applies to exporters only (R8)", o.Name, o.Kind)
		}
		r, err := tx.refreshStanding(ctx, p, exporterID)
		if err != nil {
			return err
		}
		switch d.Action {
		case "confirm":
			if r.over != "" {
				return ucx.Errorf(ucx.ERULE, "the standing is overridden (%s); clear the override or override again", r.over)
			}
			if _, err := tx.Exec(ctx, "UPDATE credit_standings SET confirmed_at = ? WHERE exporter_id = ?", micros(tx.now), exporterID); err != nil {
				return err
			}
			err = tx.event(ctx, p, actCreditConfirm, entityOrg, exporterID, 0, string(r.effective), string(r.effective), d.Reason)
		case "override":
			_, err = tx.Exec(ctx, "UPDATE credit_standings SET override = ?, override_reason = ?, override_by = ?, confirmed_at = NULL WHERE exporter_id = ?",
				string(d.Standing), d.Reason, p.OrgID, exporterID)
			if err == nil {
				err = tx.event(ctx, p, actCreditOverride, entityOrg, exporterID, 0, string(r.computed), string(d.Standing), d.Reason)
			}
		case "clear":
			if r.over == "" {
				return ucx.Errorf(ucx.ERULE, "the standing is not overridden; there is nothing to clear")
			}
			_, err = tx.Exec(ctx, "UPDATE credit_standings SET override = '', override_reason = '', override_by = NULL WHERE exporter_id = ?", exporterID)
			if err == nil {
				err = tx.event(ctx, p, actCreditClear, entityOrg, exporterID, 0, string(r.over), string(r.computed), d.Reason)
			}
		}
		if err != nil {
			return err
		}
		if _, err := tx.refreshStanding(ctx, p, exporterID); err != nil {
			return err
		}
		rep, err = tx.creditReport(ctx, exporterID)
		return err
	})
	return rep, err
}

// WhatIf computes, for every exporter, the standing the events would give
// on day on under thresholds t, beside the effective standing now. It runs
// in a read-only transaction: nothing is written.
func (db *DB) WhatIf(ctx context.Context, p *ucx.Principal, t ucx.StandingThresholds, on ucx.Date) ([]*ucx.WhatIfRow, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if !p.Is(ucx.KindAuthority) {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only a licensing authority may run a what-if on standings (R8)")
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var out []*ucx.WhatIfRow
	err := db.View(ctx, "sqlstore.WhatIf", func(tx *Tx) error {
		if on.IsZero() {
			on = tx.today()
		}
		rows, err := tx.Query(ctx, `SELECT o.id, o.name, o.standing, CAST(COALESCE(SUM(e.weight), 0) AS BIGINT)
			FROM orgs o LEFT JOIN credit_events e ON e.exporter_id = o.id AND e.annulled = 0 AND e.occurred_on > ? AND e.occurred_on <= ?
			WHERE o.kind = ? GROUP BY o.id, o.name, o.standing ORDER BY o.id`, on.Days()-t.WindowDays, on.Days(), string(ucx.KindExporter))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*ucx.WhatIfRow{}
		for rows.Next() {
			var w ucx.WhatIfRow
			var cur string
			if err := rows.Scan(&w.ExporterID, &w.Name, &cur, &w.Score); err != nil {
				return err
			}
			w.Current = ucx.Standing(cur)
			if w.Current == "" {
				w.Current = ucx.StandingNormal
			}
			w.WouldBe = t.StandingFor(w.Score)
			w.Changes = w.WouldBe != w.Current
			out = append(out, &w)
		}
		return rows.Err()
	})
	return out, err
}

// Naming is R6's public list for the period [from, to]: the exporters with
// at least NamingCount wrong filings (not annulled) in it, and the
// issuing authorities whose licences were found wrong after issue (credit
// events naming an issued licence). Names of named enterprises are public
// by R6's design (通报); nothing else about them is shown.
func (db *DB) Naming(ctx context.Context, from, to ucx.Date) (*ucx.Naming, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "from", "give a period with from ≤ to, as YYYY-MM-DD")
	}
	t := db.thresholds()
	n := &ucx.Naming{From: from, To: to, Threshold: t.NamingCount, Enterprises: []*ucx.NamedEnterprise{}, Agencies: []*ucx.NamedAgency{}}
	err := db.View(ctx, "sqlstore.Naming", func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT o.id, o.name, COUNT(*), MIN(e.occurred_on), MAX(e.occurred_on)
			FROM credit_events e JOIN orgs o ON o.id = e.exporter_id
			WHERE e.code = ? AND e.annulled = 0 AND e.occurred_on >= ? AND e.occurred_on <= ?
			GROUP BY o.id, o.name HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, o.id`,
			ucx.CodeWrongFiling, from.Days(), to.Days(), t.NamingCount)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e ucx.NamedEnterprise
			var first, last int
			if err := rows.Scan(&e.ExporterID, &e.Name, &e.Count, &first, &last); err != nil {
				rows.Close()
				return err
			}
			e.First, e.Last = ucx.DateFromDays(first), ucx.DateFromDays(last)
			n.Enterprises = append(n.Enterprises, &e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT o.id, o.name, COUNT(DISTINCT l.id), MIN(e.occurred_on), MAX(e.occurred_on)
			FROM credit_events e JOIN licences l ON l.id = e.licence_id JOIN orgs o ON o.id = l.authority_id
			WHERE e.annulled = 0 AND e.occurred_on >= ? AND e.occurred_on <= ? AND e.occurred_on >= l.issued_on
			GROUP BY o.id, o.name ORDER BY COUNT(DISTINCT l.id) DESC, o.id`, from.Days(), to.Days())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a ucx.NamedAgency
			var first, last int
			if err := rows.Scan(&a.AuthorityID, &a.Name, &a.Count, &first, &last); err != nil {
				return err
			}
			a.First, a.Last = ucx.DateFromDays(first), ucx.DateFromDays(last)
			n.Agencies = append(n.Agencies, &a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Oversight is the configuration of credit and figures: the standing
// thresholds (R8) and the figures' near-zero mileage and exporter-size
// thresholds. Zero fields take the defaults.
type Oversight struct {
	Thresholds ucx.StandingThresholds
	Figures    ucx.FigureConfig
}

// oversightConfigs holds each store's Oversight. It lives beside DB
// rather than in it only because db.go was being reshaped by others when
// this was written; folding it into a DB field changes no caller.
var oversightConfigs sync.Map // *DB → Oversight

// SetOversight sets the store's credit and figures configuration; call it
// after Open and before use. Invalid thresholds are refused.
func (db *DB) SetOversight(c Oversight) error {
	if c.Thresholds != (ucx.StandingThresholds{}) {
		if err := c.Thresholds.Validate(); err != nil {
			return err
		}
	}
	if err := c.Figures.Validate(); err != nil {
		return err
	}
	oversightConfigs.Store(db, c)
	return nil
}

// oversight returns the store's configuration with defaults filled in.
func (db *DB) oversight() Oversight {
	var c Oversight
	if v, ok := oversightConfigs.Load(db); ok {
		c = v.(Oversight)
	}
	if c.Thresholds == (ucx.StandingThresholds{}) {
		c.Thresholds = ucx.DefaultStandingThresholds
	}
	c.Figures = c.Figures.WithDefaults()
	return c
}
