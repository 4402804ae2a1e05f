package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

// HistoryApplication is one past application written directly, in bulk,
// by LoadHistory: the demo's year of history and the figures benchmark's
// million rows. It skips the workflow (no policy run, no audit events, no
// sealed documents), so it is for demo and benchmark data only.
type HistoryApplication struct {
	ExporterID, ManufacturerID, AuthorityID int64
	VIN, Brand, Model, Destination          string
	Registered, Filed                       ucx.Date
	MileageKM                               *int
	State                                   ucx.State
	// Letter is set when R1 asked a letter; LetterState is the request's
	// state, answered AnsweredAfter its request (filed at 10:00 China time).
	Letter        bool
	LetterState   ucx.ConfirmationState
	AnsweredAfter time.Duration
	// LicensedOn, when set, issues a licence that day.
	LicensedOn ucx.Date
	// ClearedOn, when set with LicensedOn, clears the licence that day
	// (R15), so its deregistration falls due two months later (R16). The
	// demo leaves its year of history uncleared except for a few cars, so
	// that the overdue sweep has a few vehicles, not thousands.
	ClearedOn ucx.Date
}

// LoadHistory writes past applications, their letter requests and
// licences in transactions of batch rows. The application_facts triggers
// run as for any application, so the figures see them.
//
// It writes with multi-row INSERTs of historyRows rows each and ids
// reserved up front (the sequence on PostgreSQL, MAX(id) inside the write
// transaction on SQLite, which has one writer): a statement per row costs
// PostgreSQL a network round trip each, which made a million rows take
// twenty minutes; a few hundred rows a statement takes it to a couple.
func (db *DB) LoadHistory(ctx context.Context, apps []HistoryApplication, batch int) error {
	if batch <= 0 {
		batch = 5000
	}
	for len(apps) > 0 {
		n := min(len(apps), batch)
		chunk := apps[:n]
		apps = apps[n:]
		err := db.Update(ctx, "sqlstore.LoadHistory", func(tx *Tx) error {
			ids, err := tx.reserveApplicationIDs(ctx, len(chunk))
			if err != nil {
				return err
			}
			var appRows, reqRows, licRows [][]any
			for i := range chunk {
				h := &chunk[i]
				id := ids[i]
				in := ucx.ApplicationInput{Destination: h.Destination, Vehicle: ucx.VehicleDetails{VIN: h.VIN, Brand: h.Brand, Model: h.Model,
					RegistrationDate: h.Registered, TransferDate: h.Registered, MileageKM: h.MileageKM}}
				data, err := toJSON(&in)
				if err != nil {
					return err
				}
				at := h.Filed.Time().Add(10 * time.Hour)
				outcome := ucx.Clear.String()
				if h.Letter {
					outcome = ucx.LetterRequired.String()
				}
				// A cleared car is one a person opens (its deregistration is
				// due, R16): it carries the policy's decision as filed, like
				// any application. The figures' bulk history needs none.
				decision := "{}"
				if !h.ClearedOn.IsZero() {
					in.InspectionReport = fmt.Sprintf("CMA-H%d", id)
					if data, err = toJSON(&in); err != nil {
						return err
					}
					d := db.decide(&in, h.Filed)
					if decision, err = toJSON(&d); err != nil {
						return err
					}
					outcome = d.Outcome.String()
				}
				appRows = append(appRows, []any{id, h.ExporterID, nullID(h.ManufacturerID), h.VIN, h.Brand, h.Model, h.Destination,
					strings.ToLower(h.VIN + "\n" + h.Brand + "\n" + h.Model), string(h.State), h.Filed.Days(), h.Registered.Days(), outcome,
					boolInt(h.Letter), data, decision, micros(at), micros(at)})
				if h.Letter && h.ManufacturerID != 0 {
					var answered any
					if h.LetterState == ucx.ConfirmationApproved || h.LetterState == ucx.ConfirmationRefused {
						answered = micros(at.Add(h.AnsweredAfter))
					}
					reqRows = append(reqRows, []any{id, h.ManufacturerID, h.ExporterID, string(h.LetterState), micros(at), answered})
				}
				if !h.LicensedOn.IsZero() && h.AuthorityID != 0 {
					var cleared, due any
					var port, decl string
					if !h.ClearedOn.IsZero() {
						cleared, due = micros(h.ClearedOn.Time().Add(14*time.Hour)), addMonths(h.ClearedOn, 2).Days()
						port, decl = "黄埔新港", fmt.Sprintf("5201%014d", id)
					}
					licRows = append(licRows, []any{fmt.Sprintf("H%d-%s", id, h.VIN), id, h.ExporterID, h.AuthorityID, h.Destination,
						h.LicensedOn.Days(), h.LicensedOn.AddDays(180).Days(), micros(h.LicensedOn.Time()), cleared, port, decl, due})
				}
			}
			if err := tx.insertRows(ctx, `INSERT INTO applications (id, exporter_id, manufacturer_id, vin, brand, model, destination, search,
				state, version, application_date, registration_date, outcome, letter_required, data, decision, created_at, updated_at) VALUES `,
				"(?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)", appRows); err != nil {
				return err
			}
			if err := tx.insertRows(ctx, `INSERT INTO confirmation_requests (application_id, manufacturer_id, exporter_id, state, version, requested_at, answered_at) VALUES `,
				"(?, ?, ?, ?, 1, ?, ?)", reqRows); err != nil {
				return err
			}
			return tx.insertRows(ctx, `INSERT INTO licences (number, application_id, exporter_id, authority_id, destination, schedule, issued_on, valid_until, created_at,
				cleared_at, port, declaration_number, deregistration_due) VALUES `,
				"(?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?)", licRows)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// historyRows is how many rows one multi-row INSERT carries: 16 parameters
// a row stays far below both engines' parameter limits (SQLite 32,766,
// PostgreSQL 65,535).
const historyRows = 500

// insertRows runs prefix followed by one tuple per row, historyRows rows
// a statement.
func (tx *Tx) insertRows(ctx context.Context, prefix, tuple string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), historyRows)
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, n*len(rows[0]))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// reserveApplicationIDs returns n new application ids. PostgreSQL draws
// them from the identity sequence, so concurrent filings never collide;
// SQLite's single writer makes MAX(id)+1… safe inside the transaction (an
// AUTOINCREMENT table moves its sequence past explicit ids itself).
func (tx *Tx) reserveApplicationIDs(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if tx.db.engine == Postgres {
		rows, err := tx.Query(ctx, "SELECT nextval(pg_get_serial_sequence('applications', 'id')) FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var last int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM applications").Scan(&last); err != nil {
		return nil, err
	}
	for i := range n {
		ids = append(ids, last+1+int64(i))
	}
	return ids, nil
}
