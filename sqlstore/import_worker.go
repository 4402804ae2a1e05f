package sqlstore

// The bulk import's background worker: claiming queued (or abandoned)
// imports, reading their files in batches and preparing each row outside
// the transaction; import_write.go files the batches.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/i18n"
	"github.com/ucxdev/ucx/sheet"
)

// Bulk import pacing.
const (
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
	group    string       // the shipment group (shipmentGroup); "" files the row alone
	shipment int64        // the shipment it is filed into, once assigned
	note     string       // why it went to another shipment than its group's first
	noteZH   string
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
	var exporterName string // for R10's check of each row's certificate owner
	if err := db.View(ctx, "sqlstore.runImport", func(tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT name FROM orgs WHERE id = ?", im.ExporterID).Scan(&exporterName)
	}); err != nil {
		return err
	}
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
				batch = append(batch, db.prepareImportRow(r.Row(), today, exporterName))
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
	routes, groups := map[string]int64{}, map[string]*importGroup{}
	for batch := range batches {
		if err := db.fileBatch(ctx, p, im, batch, routes, groups); err != nil {
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
// makes (EINVALID), and an invalid policy outcome. The R9 evidence and R11
// banned cases a row declares go onto the application, so a row they
// block is filed as a blocked draft, like one R5 blocks, with the reason.
// A certificate owner other than exporterName rejects the row (R10).
func (db *DB) prepareImportRow(row *sheet.Row, today ucx.Date, exporterName string) importRow {
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
	in, err := row.Application()
	if err == nil {
		in, err = prepareInput(in)
	}
	if err == nil {
		err = ucx.CertificateOwnerError(in, exporterName)
	}
	if err != nil {
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: "invalid", Severity: ucx.Reject,
			Field: sheet.ApplicationColumn(ucx.ErrorField(err)), Message: ucx.ErrorMessage(err), MessageZH: errorZH(err)})
		return ir
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
	s, _ := row.Value(sheet.ColSubmit)
	submit, ok := sheet.ParseFact(strings.TrimSpace(s))
	if !ok {
		err := ucx.FieldErrorf(ucx.EINVALID, sheet.ColSubmit, "cannot read %q as yes or no; write yes to submit the application at once, or leave the cell empty to file a draft", s)
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: sheet.CodeBadYesNo, Severity: ucx.Reject, Field: sheet.ColSubmit,
			Message: err.Message, MessageZH: errorZH(err)})
		return ir
	}
	ir.submit = submit == ucx.Yes
	var e1, e2 error
	ir.data, e1 = toJSON(in)
	ir.dec, e2 = toJSON(&ir.decision)
	if e1 != nil || e2 != nil {
		err := ucx.Errorf(ucx.EINVALID, "the row's values cannot be stored; check its numbers")
		ir.reasons = append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: "invalid", Severity: ucx.Reject, Message: err.Message, MessageZH: errorZH(err)})
		return ir
	}
	ir.in, ir.vin, ir.search = in, in.Vehicle.VIN, searchText(in)
	batch, _ := row.Value(sheet.ColBatch)
	if batch = strings.TrimSpace(batch); len(batch) > 100 {
		err := ucx.FieldErrorf(ucx.EINVALID, sheet.ColBatch, "the batch is longer than 100 bytes; give a short name or number")
		ir.in, ir.reasons = nil, append(ir.reasons, ucx.Reason{Rule: sheet.RuleInput, Code: "invalid", Severity: ucx.Reject, Field: sheet.ColBatch,
			Message: err.Message, MessageZH: errorZH(err)})
		return ir
	}
	ir.group = shipmentGroup(batch, in)
	return ir
}

// shipmentGroup is the key of the shipment an imported row joins (R4):
// its batch and its contract (number, destination, buyer) — a shipment
// has one contract — or, without a batch, its contract alone; "" when it
// has neither, and the row is filed alone.
func shipmentGroup(batch string, in *ucx.ApplicationInput) string {
	if batch == "" && in.ContractNumber == "" {
		return ""
	}
	return batch + "\x00" + in.ContractNumber + "\x00" + in.Destination + "\x00" + in.Buyer
}

// errorZH is err's message in Chinese from the error catalogue, or "" (the
// reason then reads in English): import results are read in either.
func errorZH(err error) string {
	s, _ := i18n.ErrorText("zh", err)
	return s
}
