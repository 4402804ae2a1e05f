package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sheet"
)

var _ ucx.ImportService = (*DB)(nil)

// Bulk import limits and pacing.
const (
	// MaxImportBytes bounds an uploaded file, which is held in memory and
	// stored whole: 64 MiB is about 300,000 rows of a full sheet (a month
	// of the largest exporter's filings); a bigger batch is split.
	MaxImportBytes = 64 << 20
	// ImportBatch is how many rows one transaction files. Larger batches
	// amortise the commit; smaller ones hold SQLite's write lock for less
	// time (about 30 ms at this size), so interactive requests interleave.
	ImportBatch = 2000
	// PostgresImportBatch is ImportBatch on PostgreSQL, whose writers do
	// not lock each other out: larger batches spread each COPY's and
	// commit's fixed cost over more rows.
	PostgresImportBatch = 10000
	// importPoll is how often RunImports looks for queued imports.
	importPoll = time.Second
	// keySweepEvery is how often RunImports deletes expired idempotency
	// keys: they expire after a day, so a few minutes late is nothing.
	keySweepEvery = 10 * time.Minute
)

// importLease is how long a running import's heartbeat (imports.heartbeat_at,
// set when it is claimed and with every batch it files) vouches for its
// worker. A batch takes about a second, so a heartbeat older than this means
// the worker's process died (or was stopped) mid-import, and any worker may
// reclaim the import and carry on after its last filed row. A variable so
// that tests can shorten it.
var importLease = 30 * time.Second

// Test hooks: testImportBatch, when positive, replaces the batch size, and
// afterImportBatch runs after each batch commits, so that a test can stop a
// worker part-way through an import.
var (
	testImportBatch  int
	afterImportBatch func(*ucx.Import)
)

// errImportLost is a worker finding that its import's progress moved on
// without it: its lease lapsed and another worker reclaimed the import. The
// batch is rolled back and the worker lets the import go.
var errImportLost = errors.New("the import was reclaimed by another worker")

// Import row statuses.
const (
	RowFiled    = "filed"
	RowRejected = "rejected"
)

// The columns an import reads beyond those of `ucx check` (package sheet):
// the filing's own fields. They are found by header name like the others.
const (
	colBuyer            = "buyer"
	colContractNumber   = "contract_number"
	colContractNo       = "contract_no" // the short form exporters' sheets use
	colEnergyType       = "energy_type"
	colBatteryKWh       = "battery_kwh"
	colAnnouncementCode = "announcement_model_code"
	colEngineOrMotor    = "engine_or_motor"
	colColour           = "colour"
	colSeats            = "seats"
	colManufactureDate  = "manufacture_date"
	colEmissionStandard = "emission_standard"
	// colSubmit, yes on a row, submits its application at once, as
	// ApplicationInput.Submit does; otherwise the row is filed as a draft
	// for the exporter to review and submit.
	colSubmit = "submit"
)

const importColumns = "id, exporter_id, user_id, filename, state, total, processed, filed, rejected, error, created_at, finished_at"

func scanImport(sc interface{ Scan(...any) error }) (*ucx.Import, error) {
	var im ucx.Import
	var state string
	var created int64
	var finished sql.NullInt64
	if err := sc.Scan(&im.ID, &im.ExporterID, &im.UserID, &im.Filename, &state, &im.Total, &im.Processed, &im.Filed, &im.Rejected,
		&im.Error, &created, &finished); err != nil {
		return nil, err
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
	r.Close()
	im := &ucx.Import{ExporterID: p.OrgID, UserID: p.UserID, Filename: filename, State: ucx.ImportQueued}
	err = db.Update(ctx, op, func(tx *Tx) error {
		im.CreatedAt = tx.now
		var err error
		im.ID, err = tx.InsertID(ctx, "INSERT INTO imports (exporter_id, user_id, filename, state, created_at) VALUES (?, ?, ?, ?, ?)",
			p.OrgID, p.UserID, filename, string(ucx.ImportQueued), micros(tx.now))
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
		rows, err := tx.Query(ctx, `SELECT x.row, x.vin, x.status, x.application_id, x.outcome, x.reasons, a.outcome, a.decision
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
			if err := rows.Scan(&ir.Row, &ir.VIN, &ir.Status, &app, &ir.Outcome, &reasons, &outcome, &decision); err != nil {
				return err
			}
			ir.ApplicationID = app.Int64
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

// RunImports processes queued imports until ctx is cancelled, looking for
// new ones (and ones whose worker died) every second. `ucx serve` runs it
// in the background; with several processes sharing one PostgreSQL, each
// import still runs once (see ProcessImports). Being the store's background
// loop, it also deletes expired idempotency keys every keySweepEvery.
// Failures are logged, never fatal.
func (db *DB) RunImports(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(importPoll)
	defer t.Stop()
	var swept time.Time
	for {
		if n, err := db.ProcessImports(ctx); err != nil && ctx.Err() == nil {
			log.Error("import processing failed", "err", err, "imports", n)
		}
		if time.Since(swept) >= keySweepEvery {
			swept = time.Now()
			if n, err := db.ExpireIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
				log.Error("deleting expired idempotency keys failed", "err", err, "deleted", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ProcessImports runs every queued import, oldest first, and returns how
// many it ran. Each import is claimed atomically (UPDATE … SET state =
// 'running' WHERE id = ? AND state = 'queued', checking the rows changed),
// so that with several processes each import runs exactly once. A row that
// cannot be filed is rejected with its reasons and never stops the import;
// only an unreadable file or a store failure fails it, keeping the rows
// filed so far.
//
// Imports are crash-safe. A running import whose heartbeat is older than
// importLease is claimed the same way (… WHERE state = 'running' AND
// heartbeat_at < ?), by a worker in any process, and resumed after the
// rows already processed: each batch's rows and its progress counters
// commit in one transaction, so imports.processed counts exactly the file's
// rows already recorded (as applications or import_rows), and no row is
// filed twice or lost. Each batch commits only if processed is still what
// its worker last wrote, so a worker that was presumed dead but was only
// slow cannot file a batch the reclaiming worker files too.
func (db *DB) ProcessImports(ctx context.Context) (int, error) {
	n := 0
	for {
		im, data, err := db.claimImport(ctx)
		if err != nil || im == nil {
			return n, err
		}
		n++
		if err := db.runImport(ctx, im, data); err != nil {
			if ctx.Err() != nil {
				return n, err
			}
			if errors.Is(err, errImportLost) {
				continue // another worker has it now
			}
			// Record the failure; the rows filed so far stay filed.
			msg := ucx.ErrorMessage(err)
			if ferr := db.finishImport(ctx, im, ucx.ImportFailed, msg); ferr != nil {
				return n, ferr
			}
		}
	}
}

// claimImport takes for this process the oldest import that is queued, or
// running with a heartbeat older than importLease (its worker died), or
// returns nil when there is none. The claim sets the heartbeat.
func (db *DB) claimImport(ctx context.Context) (*ucx.Import, []byte, error) {
	const op = "sqlstore.ProcessImports"
	const claimable = "(state = ? OR (state = ? AND heartbeat_at < ?))"
	for {
		var id int64
		err := db.View(ctx, op, func(tx *Tx) error {
			stale := micros(tx.now.Add(-importLease))
			return tx.QueryRow(ctx, "SELECT id FROM imports WHERE "+claimable+" ORDER BY id LIMIT 1",
				string(ucx.ImportQueued), string(ucx.ImportRunning), stale).Scan(&id)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, db.wrap(op, err)
		}
		var im *ucx.Import
		var data []byte
		err = db.Update(ctx, op, func(tx *Tx) error {
			im, data = nil, nil
			stale := micros(tx.now.Add(-importLease))
			res, err := tx.Exec(ctx, "UPDATE imports SET state = ?, heartbeat_at = ? WHERE id = ? AND "+claimable,
				string(ucx.ImportRunning), micros(tx.now), id, string(ucx.ImportQueued), string(ucx.ImportRunning), stale)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return err // another process claimed it first
			}
			if im, err = scanImport(tx.QueryRow(ctx, "SELECT "+importColumns+" FROM imports WHERE id = ?", id)); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT data FROM import_files WHERE import_id = ?", id).Scan(&data)
		})
		if err != nil {
			return nil, nil, err
		}
		if im != nil {
			return im, data, nil
		}
	}
}

// finishImport records the end of an import and its audit event, unless
// another worker reclaimed the import meanwhile (see ProcessImports).
func (db *DB) finishImport(ctx context.Context, im *ucx.Import, state ucx.ImportState, msg string) error {
	return db.Update(ctx, "sqlstore.ProcessImports", func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE imports SET state = ?, total = processed, error = ?, finished_at = ? WHERE id = ? AND state = ? AND processed = ?",
			string(state), msg, micros(tx.now), im.ID, string(ucx.ImportRunning), im.Processed)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		p := &ucx.Principal{UserID: im.UserID, OrgID: im.ExporterID, OrgKind: ucx.KindExporter, Role: ucx.RoleMember}
		note := strconv.Itoa(im.Filed) + " filed, " + strconv.Itoa(im.Rejected) + " rejected"
		if msg != "" {
			note += "; " + msg
		}
		return tx.event(ctx, p, actImportFinish, entityImport, im.ID, 0, string(ucx.ImportRunning), string(state), note)
	})
}

// importRow is one row prepared for filing, outside the transaction: the
// parsing, checks, policy and JSON encoding are done before the write lock
// is taken.
type importRow struct {
	n        int
	vin      string
	in       *ucx.ApplicationInput // nil when rejected
	decision ucx.Decision
	data     string // JSON of in
	dec      string // JSON of decision
	search   string // searchText of in
	submit   bool
	reasons  []ucx.Reason // why it was rejected
	mfr      int64        // the routed manufacturer, once filed
}

// runImport reads the file in batches of ImportBatch rows
// (PostgresImportBatch on PostgreSQL) and files each
// batch in one transaction. Reading and preparing a batch (parsing, checks,
// the policy, JSON) runs in a second goroutine while the previous batch is
// written, so the CPU work overlaps the store's. A resumed import skips the
// im.Processed rows its earlier worker recorded.
func (db *DB) runImport(ctx context.Context, im *ucx.Import, data []byte) error {
	r, err := sheet.NewReader(bytes.NewReader(data), sheet.FormatOf(im.Filename))
	if err != nil {
		return err
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	today := ucx.DateOf(db.Now())
	batches := make(chan []importRow, 1)
	size := ImportBatch
	if db.engine == Postgres {
		size = PostgresImportBatch
	}
	if testImportBatch > 0 {
		size = testImportBatch
	}
	var readErr error
	go func() {
		defer close(batches)
		for skip := im.Processed; skip > 0 && r.Next(); skip-- {
		}
		for {
			batch := make([]importRow, 0, size)
			for len(batch) < size && r.Next() {
				batch = append(batch, db.prepareImportRow(r.Row(), today))
			}
			if readErr = r.Err(); readErr != nil || len(batch) == 0 {
				return
			}
			select {
			case batches <- batch:
			case <-ctx.Done():
				return
			}
		}
	}()
	p := &ucx.Principal{UserID: im.UserID, OrgID: im.ExporterID, OrgKind: ucx.KindExporter, Role: ucx.RoleMember}
	routes := map[string]int64{}
	for batch := range batches {
		if err := db.fileBatch(ctx, p, im, batch, routes); err != nil {
			cancel()
			for range batches { // let the reader finish before r is closed
			}
			return err
		}
		if afterImportBatch != nil {
			afterImportBatch(im)
		}
	}
	// The channel is closed: the reader has returned and readErr is final.
	if readErr != nil {
		return readErr
	}
	return db.finishImport(ctx, im, ucx.ImportDone, "")
}

// prepareImportRow turns a sheet row into an application, or the reasons
// it cannot be one: the sheet's own problems, the checks CreateApplication
// makes (EINVALID), and an invalid policy outcome. Banned cases (R11) and
// modification evidence (R9) have no place on an application, so a row
// whose declaration of them blocks the licence is rejected rather than
// filed without it.
func (db *DB) prepareImportRow(row *sheet.Row, today ucx.Date) importRow {
	ir := importRow{n: row.N, vin: row.Vehicle.VIN}
	if ir.vin == "" {
		ir.vin, _ = row.Value(sheet.ColVIN)
		ir.vin = strings.TrimSpace(ir.vin)
	}
	if len(ir.vin) > 40 {
		ir.vin = ir.vin[:40]
	}
	for _, pr := range row.Problems {
		if pr.Field != sheet.ColInspectionReport { // a report reference is not a yes/no: read below
			ir.reasons = append(ir.reasons, pr)
		}
	}
	if len(ir.reasons) > 0 {
		return ir
	}
	in, err := importInput(row)
	if err == nil {
		in, err = prepareInput(in)
	}
	if err != nil {
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: "invalid", Severity: ucx.Reject,
			Field: importField(ucx.ErrorField(err)), Message: ucx.ErrorMessage(err)})
		return ir
	}
	v := &row.Vehicle
	if len(v.Bans) > 0 || v.Modification != (ucx.Modification{}) {
		pv := in.PolicyVehicle(today)
		pv.Bans, pv.Modification = v.Bans, v.Modification
		var d ucx.Decision
		db.policy().Decide(&pv, &d)
		for _, r := range d.Reasons {
			if r.Severity >= ucx.Block && (r.Rule == "R9" || r.Rule == "R11") {
				ir.reasons = append(ir.reasons, r)
			}
		}
		if len(ir.reasons) > 0 {
			return ir
		}
	}
	ir.decision = db.decide(in, today)
	if ir.decision.Outcome == ucx.Invalid {
		for _, r := range ir.decision.Reasons {
			if r.Severity == ucx.Reject {
				ir.reasons = append(ir.reasons, r)
			}
		}
		return ir
	}
	s, _ := row.Value(colSubmit)
	submit, ok := sheet.ParseFact(strings.TrimSpace(s))
	if !ok {
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: sheet.CodeBadYesNo, Severity: ucx.Reject, Field: colSubmit,
			Message: "cannot read " + strconv.Quote(s) + " as yes or no; write yes to submit the application at once, or leave the cell empty to file a draft"})
		return ir
	}
	ir.submit = submit == ucx.Yes
	var e1, e2 error
	ir.data, e1 = toJSON(in)
	ir.dec, e2 = toJSON(&ir.decision)
	if e1 != nil || e2 != nil {
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: "invalid", Severity: ucx.Reject, Message: "the row's values cannot be stored; check its numbers"})
		return ir
	}
	ir.in, ir.vin, ir.search = in, in.Vehicle.VIN, searchText(in)
	return ir
}

// importField names the column of an ApplicationInput field, so that a
// rejected row's reason points into the user's file.
func importField(f string) string {
	switch f {
	case "vehicle.vin":
		return sheet.ColVIN
	case "destination", "buyer", "contract_number", "inspection_report":
		return f
	}
	if after, ok := strings.CutPrefix(f, "vehicle."); ok {
		return after
	}
	return f
}

// importInput builds an application from a row read by package sheet and
// the filing columns it leaves to Row.Value.
func importInput(row *sheet.Row) (*ucx.ApplicationInput, error) {
	v := &row.Vehicle
	val := func(name string) string {
		s, _ := row.Value(name)
		return strings.TrimSpace(s)
	}
	in := &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{
			VIN: v.VIN, Brand: v.Brand, Model: v.Model,
			AnnouncementCode: val(colAnnouncementCode),
			Energy:           ucx.EnergyType(strings.ToLower(val(colEnergyType))),
			EngineOrMotor:    val(colEngineOrMotor),
			Colour:           val(colColour),
			EmissionStandard: val(colEmissionStandard),
			RegistrationDate: v.RegistrationDate,
			TransferDate:     v.TransferDate,
			Modified:         v.Modified == ucx.Yes,
		},
		Certificate: ucx.CertificateValues{Brand: v.Certificate.Brand, Model: v.Certificate.Model,
			RegistrationDate: v.Certificate.RegistrationDate, TransferDate: v.Certificate.TransferDate},
		Destination:    v.Destination,
		Buyer:          val(colBuyer),
		ContractNumber: val(colContractNumber),
	}
	if in.ContractNumber == "" {
		in.ContractNumber = val(colContractNo)
	}
	if v.HasMileage {
		m := v.MileageKM
		in.Vehicle.MileageKM = &m
	}
	// inspection_report holds the report's reference, or yes/no.
	if rep := val(sheet.ColInspectionReport); rep != "" {
		if f, ok := sheet.ParseFact(rep); !ok || f == ucx.Yes {
			in.InspectionReport = rep
		}
	}
	if s := val(colBatteryKWh); s != "" {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.battery_kwh", "cannot read %q as a battery capacity; write the kWh as a number, e.g. 60.5", s)
		}
		in.Vehicle.BatteryKWh = x
	}
	if s := val(colSeats); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.seats", "cannot read %q as a number of seats; write a whole number, e.g. 5", s)
		}
		in.Vehicle.Seats = n
	}
	if s := val(colManufactureDate); s != "" {
		d, err := ucx.ParseDate(s)
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.manufacture_date", "%s", ucx.ErrorMessage(err))
		}
		in.Vehicle.ManufactureDate = d
	}
	return in, nil
}

// fileBatch files one batch of prepared rows in one transaction: per filed
// row an application, naming its import and row, and its audit event; per
// rejected row (or filed one with a note) an import row; then the
// progress counters. The live-VIN index is checked
// by the insert itself (ON CONFLICT DO NOTHING): a VIN already open, in the
// store or earlier in the file, is a rejected row, never a failed
// transaction. The rows are written by an importWriter: on SQLite in
// multi-row INSERTs of bulkRows rows, which cuts their cost per row; on
// PostgreSQL with COPY (copy.go).
func (db *DB) fileBatch(ctx context.Context, p *ucx.Principal, im *ucx.Import, batch []importRow, routes map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The statements run without ctx's cancellation: given a cancellable
	// context, mattn/go-sqlite3 runs every statement in a goroutine of its
	// own so that it can interrupt it, which costs more than the insert. A
	// batch is short; cancellation is honoured between batches.
	ctx = context.WithoutCancel(ctx)
	var filed, rejected int
	err := db.updateImport(ctx, func(tx *Tx, w importWriter) error {
		filed, rejected = 0, 0
		var err error
		now := micros(tx.now)
		note := "import " + itoa(im.ID) + " row "
		step := w.chunk(len(batch))
		ids := make([]int64, 0, step)
		for start := 0; start < len(batch); start += step {
			chunk := batch[start:min(start+step, len(batch))]
			// File the chunk's drafts at once, then learn each row's id.
			// A VIN already live, or twice in the chunk, is filed
			// the first time only: the other row is rejected.
			for i := range chunk {
				ir := &chunk[i]
				if ir.in == nil {
					continue
				}
				x := ir.in
				key := wmiKey(x.Vehicle.VIN)
				mfr, ok := routes[key]
				if !ok {
					if mfr, err = tx.routeVIN(ctx, x.Vehicle.VIN); err != nil {
						return err
					}
					routes[key] = mfr
				}
				ir.mfr = mfr
				w.draft(p.OrgID, nullID(mfr), x.Vehicle.VIN, x.Vehicle.Brand, x.Vehicle.Model, x.Destination, ir.search,
					x.Vehicle.RegistrationDate.Days(), ir.decision.Outcome.String(), boolInt(ir.decision.LetterRequired), ir.data, ir.dec, now, now, string(ucx.StateDraft), 1,
					im.ID, ir.n)
			}
			if ids, err = w.fileDrafts(ctx, chunk, ids); err != nil {
				return err
			}
			for i := range chunk {
				ir, id := &chunk[i], ids[i]
				if ir.in == nil {
					if err := w.result(ctx, rejectedRow(im.ID, ir, ir.reasons)...); err != nil {
						return err
					}
					rejected++
					continue
				}
				x := ir.in
				if id == 0 {
					if err := w.result(ctx, rejectedRow(im.ID, ir, []ucx.Reason{{Rule: sheet.RuleInput, Code: "vin_open", Severity: ucx.Reject, Field: sheet.ColVIN,
						Message: "VIN " + x.Vehicle.VIN + " already has an open application (perhaps earlier in this file); withdraw it before filing again"}})...); err != nil {
						return err
					}
					rejected++
					continue
				}
				if err := w.event(ctx, now, p.UserID, p.OrgID, actAppCreate, entityApplication, id, id, "", string(ucx.StateDraft), note+strconv.Itoa(ir.n)); err != nil {
					return err
				}
				filed++
				if ir.submit {
					// submit writes its own events: the creation's must come first.
					if err := w.flushEvents(ctx); err != nil {
						return err
					}
					a := &ucx.Application{ID: id, ExporterID: p.OrgID, ApplicationInput: *x, State: ucx.StateDraft, Version: 1,
						Decision: ir.decision, ManufacturerID: ir.mfr}
					if err := db.submit(ctx, tx, p, a); err != nil {
						if ucx.ErrorCode(err) != ucx.ERULE {
							return err
						}
						// Filed, but not submitted: the row says why.
						reasons := mustReasons([]ucx.Reason{{Rule: "SUBMIT", Code: "not_submitted", Severity: ucx.Note,
							Message: "filed as a draft but not submitted: " + ucx.ErrorMessage(err)}})
						if err := w.result(ctx, im.ID, ir.n, ir.vin, RowFiled, id, ir.decision.Outcome.String(), reasons); err != nil {
							return err
						}
					}
				}
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		// The progress commits with the rows, and only if it is still where
		// this worker left it: otherwise the import was reclaimed (see
		// ProcessImports) and the batch is rolled back.
		res, err := tx.Exec(ctx, `UPDATE imports SET processed = processed + ?, filed = filed + ?, rejected = rejected + ?, heartbeat_at = ?
			WHERE id = ? AND state = ? AND processed = ?`,
			len(batch), filed, rejected, now, im.ID, string(ucx.ImportRunning), im.Processed)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return cmp.Or(err, errImportLost)
		}
		return nil
	})
	if err != nil {
		return err
	}
	im.Processed += len(batch)
	im.Filed += filed
	im.Rejected += rejected
	return nil
}

// importWriter writes a batch's rows inside its transaction: bulkWriter
// with multi-row INSERTs on SQLite, copyWriter with COPY on PostgreSQL.
type importWriter interface {
	// chunk is how many of a batch's rows to file at a time.
	chunk(batch int) int
	// draft adds an application's draftColumns values.
	draft(vals ...any)
	// fileDrafts inserts the drafts added since it last ran, skipping those
	// whose VIN is live (in the store or earlier in the chunk), and returns
	// into ids the id of each of chunk's rows: 0 when it was not filed.
	fileDrafts(ctx context.Context, chunk []importRow, ids []int64) ([]int64, error)
	// event adds an audit event's values, result an import row's.
	event(ctx context.Context, vals ...any) error
	result(ctx context.Context, vals ...any) error
	// flushEvents writes the events added so far; flush writes everything.
	flushEvents(ctx context.Context) error
	flush(ctx context.Context) error
	close()
}

// updateImport runs fn in a read-write transaction with the engine's
// importWriter.
func (db *DB) updateImport(ctx context.Context, fn func(*Tx, importWriter) error) error {
	const op = "sqlstore.ProcessImports"
	if db.engine == Postgres {
		return db.updateConn(ctx, op, func(tx *Tx, conn *sql.Conn) error {
			return fn(tx, newCopyWriter(tx, conn))
		})
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		w := newBulkWriter(tx)
		defer w.close()
		return fn(tx, w)
	})
}

// bulkWriter is the importWriter for SQLite: multi-row INSERTs of bulkRows
// rows, the drafts' with ON CONFLICT DO NOTHING RETURNING id, vin.
type bulkWriter struct {
	drafts, events, results *bulk
}

func newBulkWriter(tx *Tx) *bulkWriter {
	drafts := newBulk(tx, draftInsertPrefix, draftColumns)
	drafts.suffix = " ON CONFLICT (vin) WHERE " + liveCondition + " DO NOTHING RETURNING id, vin"
	return &bulkWriter{
		drafts:  drafts,
		events:  newBulk(tx, "INSERT INTO events (at, actor_user_id, actor_org_id, action, entity, entity_id, application_id, before, after, note) VALUES ", 10),
		results: newBulk(tx, "INSERT INTO import_rows (import_id, row, vin, status, application_id, outcome, reasons) VALUES ", 7),
	}
}

func (w *bulkWriter) chunk(int) int { return bulkRows }

func (w *bulkWriter) draft(vals ...any) { w.drafts.args = append(w.drafts.args, vals...) }

// fileDrafts learns each row's id from the VINs the insert returned: a
// VIN twice in the chunk returns one id, which goes to its first row.
func (w *bulkWriter) fileDrafts(ctx context.Context, chunk []importRow, ids []int64) ([]int64, error) {
	inserted, err := w.drafts.returning(ctx)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for i := range chunk {
		var id int64
		if chunk[i].in != nil {
			v := chunk[i].in.Vehicle.VIN
			id = inserted[v]
			delete(inserted, v)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (w *bulkWriter) event(ctx context.Context, vals ...any) error { return w.events.add(ctx, vals...) }
func (w *bulkWriter) result(ctx context.Context, vals ...any) error {
	return w.results.add(ctx, vals...)
}
func (w *bulkWriter) flushEvents(ctx context.Context) error { return w.events.flush(ctx) }

func (w *bulkWriter) flush(ctx context.Context) error {
	if err := w.events.flush(ctx); err != nil {
		return err
	}
	return w.results.flush(ctx)
}

func (w *bulkWriter) close() {
	w.drafts.close()
	w.events.close()
	w.results.close()
}

// bulkRows is how many rows one multi-row INSERT writes: 100 rows of 18
// values stays far below both engines' limits on bound parameters.
const bulkRows = 100

// bulk accumulates rows for one table and writes them bulkRows at a time
// with a prepared multi-row INSERT (the remainder with a one-off statement).
type bulk struct {
	tx     *Tx
	prefix string // INSERT INTO t (cols) VALUES
	suffix string // ON CONFLICT …, RETURNING …
	cols   int
	stmt   *sql.Stmt // for exactly bulkRows rows, prepared on first use
	args   []any
}

func newBulk(tx *Tx, prefix string, cols int) *bulk {
	return &bulk{tx: tx, prefix: prefix, cols: cols, args: make([]any, 0, cols*bulkRows)}
}

func (b *bulk) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == b.cols*bulkRows {
		return b.flush(ctx)
	}
	return nil
}

func (b *bulk) values(rows int) string {
	row := "(" + placeholders(b.cols) + ")"
	return b.prefix + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + b.suffix
}

// flush writes the rows accumulated so far.
func (b *bulk) flush(ctx context.Context) error {
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	var err error
	if rows == bulkRows {
		if b.stmt == nil {
			if b.stmt, err = b.tx.Prepare(ctx, b.values(bulkRows)); err != nil {
				return err
			}
		}
		_, err = b.stmt.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.Exec(ctx, b.values(rows), b.args...)
	}
	clear(b.args)
	b.args = b.args[:0]
	return err
}

// returning writes the rows accumulated so far with a statement whose
// suffix is RETURNING id, vin, and returns the ids by VIN.
func (b *bulk) returning(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(b.args)/b.cols)
	rows := len(b.args) / b.cols
	if rows == 0 {
		return out, nil
	}
	var rs *sql.Rows
	var err error
	if rows == bulkRows {
		if b.stmt == nil {
			if b.stmt, err = b.tx.Prepare(ctx, b.values(bulkRows)); err != nil {
				return nil, err
			}
		}
		rs, err = b.stmt.QueryContext(ctx, b.args...)
	} else {
		rs, err = b.tx.Query(ctx, b.values(rows), b.args...)
	}
	clear(b.args)
	b.args = b.args[:0]
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var v string
		if err := rs.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[v] = id
	}
	return out, rs.Err()
}

func (b *bulk) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// rejectedRow is the import_rows values of a rejected row. Its outcome is
// the policy's when the policy judged it invalid, and empty when the row
// never reached the policy (unreadable values) or the store refused it (VIN
// open).
func rejectedRow(importID int64, ir *importRow, reasons []ucx.Reason) []any {
	outcome := ""
	if ir.decision.Outcome == ucx.Invalid {
		outcome = ucx.Invalid.String()
	}
	return []any{importID, ir.n, ir.vin, RowRejected, nil, outcome, mustReasons(reasons)}
}

// draftInsertPrefix and draftColumns file imported drafts, bulkRows at a
// time. With ON CONFLICT DO NOTHING on the live-VIN index, the index itself
// is the check that a VIN has one live application: a taken VIN is skipped,
// and the batch never fails on it.
const (
	draftInsertPrefix = `INSERT INTO applications (exporter_id, manufacturer_id, vin, brand, model, destination, search,
		registration_date, outcome, letter_required, data, decision, created_at, updated_at, state, version, import_id, import_row) VALUES `
	draftColumns = 18
)

// mustReasons encodes reasons; they hold only strings and small integers,
// which always encode.
func mustReasons(rs []ucx.Reason) string {
	b, err := json.Marshal(rs)
	if err != nil {
		return "[]"
	}
	return string(b)
}
