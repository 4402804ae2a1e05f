package sqlstore

// Deregistration records (R16): each cleared vehicle's deregistration, as
// its exporter records it, and the overdue vehicles the sweep finds
// (notify_queue.go, AnnounceOverdue), each a credit event once (R8).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ucxdev/ucx"
)

var _ ucx.DeregistrationService = (*DB)(nil)

// actAppDeregistered is the audit action of a recorded deregistration
// (R16), on the vehicle's application.
const actAppDeregistered = "application.deregistered"

// maxDeregistrationReference bounds a deregistration reference (a 注销证明
// number is some twenty characters).
const maxDeregistrationReference = 100

// deregColumns and deregFrom read cleared vehicles (applications in state
// cleared) with their licence, exporter, record and overdue mark. A
// vehicle's licence is its shipment's (R4), or, for an application from
// before shipments, the one naming it.
const deregColumns = `a.id, a.shipment_id, l.id, l.number, a.exporter_id, o.name, l.authority_id, a.vin, a.brand, a.model,
	l.cleared_at, l.declaration_number, l.deregistration_due, d.deregistered_on, d.reference, d.recorded_by, d.recorded_at, ov.credit_event_id`

const deregFrom = ` FROM applications a
	JOIN licences l ON l.cleared_at IS NOT NULL AND (l.shipment_id = a.shipment_id OR l.application_id = a.id)
	JOIN orgs o ON o.id = a.exporter_id
	LEFT JOIN deregistrations d ON d.application_id = a.id
	LEFT JOIN deregistration_overdue ov ON ov.application_id = a.id
	WHERE a.state = 'cleared'`

func scanDereg(sc interface{ Scan(...any) error }, today ucx.Date) (*ucx.VehicleDeregistration, error) {
	var v ucx.VehicleDeregistration
	var shipment, due, on, by, at, credit sql.NullInt64
	var cleared int64
	var ref sql.NullString
	if err := sc.Scan(&v.ApplicationID, &shipment, &v.LicenceID, &v.LicenceNumber, &v.ExporterID, &v.ExporterName, &v.AuthorityID,
		&v.VIN, &v.Brand, &v.Model, &cleared, &v.DeclarationNumber, &due, &on, &ref, &by, &at, &credit); err != nil {
		return nil, err
	}
	v.ShipmentID, v.CreditEventID = shipment.Int64, credit.Int64
	v.ClearedOn, v.Due = ucx.DateOf(fromMicros(cleared)), optDate(due)
	if on.Valid {
		v.Deregistration = &ucx.Deregistration{DeregisteredOn: optDate(on), Reference: ref.String, RecordedBy: by.Int64, RecordedAt: fromMicros(at.Int64)}
	}
	v.State = ucx.DeregistrationStateOn(v.Due, v.Deregistration != nil, today)
	v.Late = v.CreditEventID != 0 || v.Deregistration != nil && !v.Due.IsZero() && v.Deregistration.DeregisteredOn.After(v.Due)
	return &v, nil
}

// deregScope is the condition limiting cleared vehicles to those p may
// read (R16): an exporter its own, an authority those of the licences it
// issued (the one that follows the deregistration up); customs, the
// manufacturers and the operator have no part in it.
func deregScope(p *ucx.Principal) (string, []any, error) {
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	switch p.OrgKind {
	case ucx.KindExporter:
		return "a.exporter_id = ?", []any{p.OrgID}, nil
	case ucx.KindAuthority:
		return "l.authority_id = ?", []any{p.OrgID}, nil
	}
	return "", nil, ucx.Errorf(ucx.EFORBIDDEN, "only the exporter and the authority that issued the licence follow deregistrations up (R16)")
}

// FindDeregistrations lists cleared vehicles with their deregistration
// deadlines and records, oldest due first (R16): an exporter its own, an
// authority those of the licences it issued. f.Overdue keeps the vehicles
// whose due date has passed with no record.
func (db *DB) FindDeregistrations(ctx context.Context, p *ucx.Principal, f ucx.DeregistrationFilter) ([]*ucx.VehicleDeregistration, int, error) {
	const op = "sqlstore.FindDeregistrations"
	scope, args, err := deregScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []*ucx.VehicleDeregistration
	total := 0
	err = db.View(ctx, op, func(tx *Tx) error {
		today := tx.today()
		cond := " AND " + scope
		if f.ShipmentID != 0 {
			cond += " AND a.shipment_id = ?"
			args = append(args, f.ShipmentID)
		}
		if f.Overdue {
			cond += " AND d.application_id IS NULL AND l.deregistration_due < ?"
			args = append(args, today.Days())
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*)"+deregFrom+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+deregColumns+deregFrom+cond+" ORDER BY l.deregistration_due, a.id LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanDereg(rows, today)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	if out == nil {
		out = []*ucx.VehicleDeregistration{}
	}
	return out, total, nil
}

// RecordDeregistration records that vehicle appID was deregistered (R16):
// only its exporter's members or admins, only once the vehicle is cleared
// (another exporter's vehicle is not found). The date lies on or after the
// clearance date (China time) and not after today; the reference (the
// 注销证明 number) is required. A vehicle is recorded once: a second
// record is ECONFLICT naming the first, and nothing is corrected in place,
// so what the authority saw stays. The record and its audit event are one
// transaction. A vehicle already found overdue stays found so: its credit
// event (R8) is not undone by the late record, though an authority may
// annul it on appeal.
func (db *DB) RecordDeregistration(ctx context.Context, p *ucx.Principal, appID int64, in ucx.DeregistrationInput) (*ucx.VehicleDeregistration, error) {
	const op = "sqlstore.RecordDeregistration"
	if err := mustAct(p, ucx.KindExporter, "record a vehicle's deregistration (R16)"); err != nil {
		return nil, err
	}
	ref := strings.TrimSpace(in.Reference)
	switch {
	case in.DeregisteredOn.IsZero():
		return nil, ucx.FieldErrorf(ucx.EINVALID, "deregistered_on", "give the date the vehicle office deregistered the vehicle, as YYYY-MM-DD (R16)")
	case ref == "":
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reference", "give the deregistration certificate's number (注销证明编号) (R16)")
	case len(ref) > maxDeregistrationReference:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reference", "the reference is at most %d bytes", maxDeregistrationReference)
	}
	if err := ucx.CheckText("reference", ref, ucx.OneLine); err != nil {
		return nil, err
	}
	var v *ucx.VehicleDeregistration
	err := db.Update(ctx, op, func(tx *Tx) error {
		today := tx.today()
		var state string
		err := tx.QueryRow(ctx, "SELECT state FROM applications a WHERE a.id = ? AND a.exporter_id = ?", appID, p.OrgID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.Errorf(ucx.ENOTFOUND, "vehicle (application) %d not found among your applications", appID)
		} else if err != nil {
			return err
		}
		if ucx.State(state) != ucx.StateCleared {
			return ucx.Errorf(ucx.ERULE, "application %d is %s: a deregistration is recorded once customs has cleared the vehicle (R15, R16)", appID, state)
		}
		if v, err = scanDereg(tx.QueryRow(ctx, "SELECT "+deregColumns+deregFrom+" AND a.id = ?", appID), today); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ucx.Errorf(ucx.ERULE, "application %d has no cleared licence: a deregistration is recorded after clearance (R15, R16)", appID)
			}
			return err
		}
		if d := v.Deregistration; d != nil {
			return ucx.Errorf(ucx.ECONFLICT, "the deregistration of %s is already recorded (%s, reference %s); a record is not changed once made",
				v.VIN, d.DeregisteredOn, d.Reference)
		}
		switch {
		case in.DeregisteredOn.Before(v.ClearedOn):
			return ucx.FieldErrorf(ucx.EINVALID, "deregistered_on", "%s is before the clearance on %s: the vehicle is deregistered after export clearance (R16)",
				in.DeregisteredOn, v.ClearedOn)
		case in.DeregisteredOn.After(today):
			return ucx.FieldErrorf(ucx.EINVALID, "deregistered_on", "%s is in the future; give the date on the deregistration certificate", in.DeregisteredOn)
		}
		_, err = tx.Exec(ctx, `INSERT INTO deregistrations (application_id, licence_id, exporter_id, deregistered_on, reference, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (application_id) DO NOTHING`,
			appID, v.LicenceID, v.ExporterID, in.DeregisteredOn.Days(), ref, p.UserID, micros(tx.now))
		if err != nil {
			return err
		}
		before := string(ucx.DeregistrationStateOn(v.Due, false, today))
		note := fmt.Sprintf("注销登记 %s，注销证明 %s（R16，应于 %s 前）", in.DeregisteredOn, ref, v.Due)
		if err := tx.event(ctx, p, actAppDeregistered, entityApplication, appID, appID, before, string(ucx.DeregistrationDone), note); err != nil {
			return err
		}
		v.Deregistration = &ucx.Deregistration{DeregisteredOn: in.DeregisteredOn, Reference: ref, RecordedBy: p.UserID, RecordedAt: tx.now}
		v.State = ucx.DeregistrationDone
		v.Late = v.CreditEventID != 0 || in.DeregisteredOn.After(v.Due)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// overdueVehicle is a cleared vehicle the sweep found overdue.
type overdueVehicle struct {
	app, licence, exporter int64
	vin, number, decl      string
	due                    ucx.Date
	cleared                ucx.Date
}

// markOverdue marks vehicle o overdue once and records the credit event
// that being overdue is (R16, R8: negative-list item
// deregistration_overdue), in the caller's transaction. It reports
// whether it was the first to mark it. The event occurred the day after
// the due date; it names the vehicle, not the licence, so the issuing
// authority is not counted in R6's naming for it.
func (tx *Tx) markOverdue(ctx context.Context, o overdueVehicle) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO deregistration_overdue (application_id, licence_id, found_at) VALUES (?, ?, ?)
		ON CONFLICT (application_id) DO NOTHING`, o.app, o.licence, micros(tx.now))
	if err != nil {
		return false, err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return false, err
	}
	e := &ucx.CreditEvent{ExporterID: o.exporter, Code: ucx.CodeDeregistrationOverdue, OccurredOn: o.due.AddDays(1), Automatic: true, ApplicationID: o.app,
		Evidence: fmt.Sprintf("车辆 %s 于 %s 凭许可证 %s 通关（报关单 %s），应于 %s 前办理注销登记，逾期未记录（R16）",
			o.vin, o.cleared, o.number, o.decl, o.due)}
	if err := tx.insertCreditEvent(ctx, nil, e); err != nil {
		return false, err
	}
	_, err = tx.Exec(ctx, "UPDATE deregistration_overdue SET credit_event_id = ? WHERE application_id = ?", e.ID, o.app)
	return err == nil, err
}
