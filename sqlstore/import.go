package sqlstore

// The bulk import as a service: StartImport stores and queues a file,
// FindImportByID and ImportRows report on it. The background worker that
// files the rows is import_worker.go; the writers that put a batch in the
// store are import_write.go.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sheet"
)

var _ ucx.ImportService = (*DB)(nil)

// MaxImportBytes bounds an uploaded file, which is held in memory and
// stored whole: 64 MiB is about 300,000 rows of a full sheet (a month of
// the largest exporter's filings); a bigger batch is split.
const MaxImportBytes = 64 << 20

// Import row statuses.
const (
	RowFiled    = "filed"
	RowRejected = "rejected"
)

const importColumns = "id, exporter_id, user_id, filename, state, total, processed, filed, rejected, error, notes, created_at, finished_at"

func scanImport(sc interface{ Scan(...any) error }) (*ucx.Import, error) {
	var im ucx.Import
	var state, notes string
	var created int64
	var finished sql.NullInt64
	if err := sc.Scan(&im.ID, &im.ExporterID, &im.UserID, &im.Filename, &state, &im.Total, &im.Processed, &im.Filed, &im.Rejected,
		&im.Error, &notes, &created, &finished); err != nil {
		return nil, err
	}
	if notes != "" {
		im.Notes = strings.Split(notes, "\n")
	}
	im.State, im.CreatedAt, im.FinishedAt = ucx.ImportState(state), fromMicros(created), optTime(finished)
	return &im, nil
}

// StartImport stores an uploaded CSV, XLSX or JSON Lines file of
// applications and queues it for ProcessImports; it returns at once. Only
// an exporter's members and admins may (R10). Returns ETOOLARGE over
// MaxImportBytes, and EINVALID for a file whose header cannot be read or
// has no vin column, so that a wrong file is refused while the user waits
// rather than failing in the background.
func (db *DB) StartImport(ctx context.Context, p *ucx.Principal, filename string, data []byte) (*ucx.Import, error) {
	const op = "sqlstore.StartImport"
	if err := mustAct(p, ucx.KindExporter, "import applications, for itself (R10)"); err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, ucx.FieldErrorf(ucx.ETOOLARGE, "file", "the file has %d bytes; the limit is %d MiB, so split it into several files", len(data), MaxImportBytes>>20)
	}
	filename = path.Base(strings.ReplaceAll(strings.TrimSpace(filename), `\`, "/"))
	if filename == "." || filename == "/" {
		filename = ""
	}
	if len(filename) > 200 {
		filename = filename[:200]
	}
	r, err := sheet.NewReader(bytes.NewReader(data), sheet.FormatOf(filename))
	if err != nil {
		var e *ucx.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, ucx.FieldErrorf(ucx.EINVALID, "file", "the file cannot be read; give a CSV (UTF-8), XLSX or JSON Lines file with a header row naming at least vin")
	}
	// Read to the end without parsing the values, so that text that turns
	// out to be neither UTF-8 nor GB18030 is refused now, naming its line,
	// and the notes (the encoding converted from) are known.
	for r.NextRaw() {
	}
	readErr, notes := r.Err(), r.Notes()
	r.Close()
	if readErr != nil {
		if ucx.ErrorCode(readErr) == ucx.EINVALID {
			return nil, readErr
		}
		return nil, ucx.FieldErrorf(ucx.EINVALID, "file", "the file cannot be read to its end; save it again as CSV UTF-8 or XLSX")
	}
	im := &ucx.Import{ExporterID: p.OrgID, UserID: p.UserID, Filename: filename, State: ucx.ImportQueued, Notes: notes}
	err = db.Update(ctx, op, func(tx *Tx) error {
		im.CreatedAt = tx.now
		var err error
		im.ID, err = tx.InsertID(ctx, "INSERT INTO imports (exporter_id, user_id, filename, state, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			p.OrgID, p.UserID, filename, string(ucx.ImportQueued), strings.Join(notes, "\n"), micros(tx.now))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO import_files (import_id, data) VALUES (?, ?)", im.ID, data); err != nil {
			return err
		}
		return tx.event(ctx, p, actImportStart, entityImport, im.ID, 0, "", string(ucx.ImportQueued), filename)
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// importScope limits imports to the caller's own exporter: an import is
// an exporter's workspace, shown to nobody else.
func importScope(p *ucx.Principal) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.OrgKind != ucx.KindExporter {
		return ucx.Errorf(ucx.EFORBIDDEN, "imports belong to exporters")
	}
	return nil
}

// FindImportByID returns one of the caller's exporter's imports with its
// progress. Another exporter's is ENOTFOUND.
func (db *DB) FindImportByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Import, error) {
	if err := importScope(p); err != nil {
		return nil, err
	}
	var im *ucx.Import
	err := db.View(ctx, "sqlstore.FindImportByID", func(tx *Tx) error {
		var err error
		im, err = scanImport(tx.QueryRow(ctx, "SELECT "+importColumns+" FROM imports WHERE id = ? AND exporter_id = ?", id, p.OrgID))
		if errors.Is(err, sql.ErrNoRows) {
			return ucx.Errorf(ucx.ENOTFOUND, "import %d not found", id)
		}
		return err
	})
	return im, err
}

// ImportRows returns an import's per-row results in row order. A filed
// row's outcome and reasons are its application's current decision; a
// rejected row's are the reasons it was rejected for. A filed row is read
// from its application (applications.import_id, import_row), a rejected
// one from import_rows.
func (db *DB) ImportRows(ctx context.Context, p *ucx.Principal, id int64, offset, limit int) ([]*ucx.ImportRow, error) {
	const op = "sqlstore.ImportRows"
	if err := importScope(p); err != nil {
		return nil, err
	}
	offset, limit, err := page(offset, limit)
	if err != nil {
		return nil, err
	}
	var out []*ucx.ImportRow
	err = db.View(ctx, op, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM imports WHERE id = ? AND exporter_id = ?", id, p.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ucx.Errorf(ucx.ENOTFOUND, "import %d not found", id)
		}
		// A row is either in import_rows (rejected, or filed with a note)
		// or an application that names it; the first wins.
		rows, err := tx.Query(ctx, `SELECT x.row, x.vin, x.status, x.application_id, x.outcome, x.reasons, a.outcome, a.decision, a.shipment_id
			FROM (SELECT r.row AS row, r.vin AS vin, r.status AS status, r.application_id AS application_id, r.outcome AS outcome, r.reasons AS reasons
					FROM import_rows r WHERE r.import_id = ?
				UNION ALL
				SELECT f.import_row, f.vin, ?, f.id, '', '[]' FROM applications f
					WHERE f.import_id = ? AND NOT EXISTS (SELECT 1 FROM import_rows n WHERE n.import_id = f.import_id AND n.row = f.import_row)) x
			LEFT JOIN applications a ON a.id = x.application_id
			ORDER BY x.row LIMIT ? OFFSET ?`, id, RowFiled, id, limit, offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ir ucx.ImportRow
			var app sql.NullInt64
			var reasons string
			var outcome, decision sql.NullString
			var shipment sql.NullInt64
			if err := rows.Scan(&ir.Row, &ir.VIN, &ir.Status, &app, &ir.Outcome, &reasons, &outcome, &decision, &shipment); err != nil {
				return err
			}
			ir.ApplicationID, ir.ShipmentID = app.Int64, shipment.Int64
			if err := json.Unmarshal([]byte(reasons), &ir.Reasons); err != nil {
				return err
			}
			if decision.Valid {
				var d ucx.Decision
				if err := json.Unmarshal([]byte(decision.String), &d); err != nil {
					return err
				}
				ir.Outcome, ir.Reasons = outcome.String, append(ir.Reasons, d.Reasons...)
			}
			out = append(out, &ir)
		}
		return rows.Err()
	})
	return out, err
}
