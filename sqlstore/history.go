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
}

// LoadHistory writes past applications, their letter requests and
// licences in transactions of batch rows. The application_facts triggers
// run as for any application, so the figures see them.
func (db *DB) LoadHistory(ctx context.Context, apps []HistoryApplication, batch int) error {
	if batch <= 0 {
		batch = 5000
	}
	for len(apps) > 0 {
		n := min(len(apps), batch)
		chunk := apps[:n]
		apps = apps[n:]
		err := db.Update(ctx, "sqlstore.LoadHistory", func(tx *Tx) error {
			insApp, err := tx.Prepare(ctx, `INSERT INTO applications (exporter_id, manufacturer_id, vin, brand, model, destination, search,
				state, version, application_date, registration_date, outcome, letter_required, data, decision, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, '{}', ?, ?) RETURNING id`)
			if err != nil {
				return err
			}
			defer insApp.Close()
			insReq, err := tx.Prepare(ctx, `INSERT INTO confirmation_requests (application_id, manufacturer_id, exporter_id, state, version, requested_at, answered_at)
				VALUES (?, ?, ?, ?, 1, ?, ?)`)
			if err != nil {
				return err
			}
			defer insReq.Close()
			insLic, err := tx.Prepare(ctx, `INSERT INTO licences (number, application_id, exporter_id, authority_id, destination, schedule, issued_on, valid_until, created_at)
				VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer insLic.Close()
			for i := range chunk {
				h := &chunk[i]
				in := ucx.ApplicationInput{Destination: h.Destination, Vehicle: ucx.VehicleDetails{VIN: h.VIN, Brand: h.Brand, Model: h.Model,
					RegistrationDate: h.Registered, TransferDate: h.Registered, MileageKM: h.MileageKM}}
				data, err := toJSON(&in)
				if err != nil {
					return err
				}
				at := h.Filed.Time().Add(10 * time.Hour)
				outcome := "clear"
				if h.Letter {
					outcome = "letter_required"
				}
				var id int64
				if err := insApp.QueryRowContext(ctx, h.ExporterID, nullID(h.ManufacturerID), h.VIN, h.Brand, h.Model, h.Destination,
					strings.ToLower(h.VIN+"\n"+h.Brand+"\n"+h.Model), string(h.State), h.Filed.Days(), h.Registered.Days(), outcome,
					boolInt(h.Letter), data, micros(at), micros(at)).Scan(&id); err != nil {
					return err
				}
				if h.Letter && h.ManufacturerID != 0 {
					var answered any
					if h.LetterState == ucx.ConfirmationApproved || h.LetterState == ucx.ConfirmationRefused {
						answered = micros(at.Add(h.AnsweredAfter))
					}
					if _, err := insReq.ExecContext(ctx, id, h.ManufacturerID, h.ExporterID, string(h.LetterState), micros(at), answered); err != nil {
						return err
					}
				}
				if !h.LicensedOn.IsZero() && h.AuthorityID != 0 {
					if _, err := insLic.ExecContext(ctx, fmt.Sprintf("H%d-%s", id, h.VIN), id, h.ExporterID, h.AuthorityID, h.Destination,
						h.LicensedOn.Days(), h.LicensedOn.AddDays(180).Days(), micros(h.LicensedOn.Time())); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
