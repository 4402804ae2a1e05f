package sqlstore

// The bulk import's writers: one batch of prepared rows filed in one
// transaction, with multi-row INSERTs on SQLite (bulkWriter) and COPY on
// PostgreSQL (copyWriter, copy.go).

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sheet"
)

// fileBatch files one batch of prepared rows in one transaction: per filed
// row an application, naming its import and row, and its audit event; per
// rejected row (or filed one with a note) an import row; then the
// progress counters. The live-VIN index is checked
// by the insert itself (ON CONFLICT DO NOTHING): a VIN already open, in the
// store or earlier in the file, is a rejected row, never a failed
// transaction. The rows are written by an importWriter: on SQLite in
// multi-row INSERTs of bulkRows rows, which cuts their cost per row; on
// PostgreSQL with COPY (copy.go).
//
// Rows of one group (shipmentGroup: batch and contract) are filed into
// one shipment, groups carrying the open shipment of each group from one
// batch to the next; a group over the policy's limit opens another
// shipment, and the row that does so says it (R4).
func (db *DB) fileBatch(ctx context.Context, p *ucx.Principal, im *ucx.Import, batch []importRow, routes map[string]int64, groups map[string]*importGroup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The statements run without ctx's cancellation: given a cancellable
	// context, mattn/go-sqlite3 runs every statement in a goroutine of its
	// own so that it can interrupt it, which costs more than the insert. A
	// batch is short; cancellation is honoured between batches.
	ctx = context.WithoutCancel(ctx)
	// Each filed row takes the workflow's first step, as CreateApplication
	// does.
	filing, err := ucx.Next(ucx.StepFile, "")
	if err != nil {
		return err
	}
	draft := string(filing.To)
	max := db.policy().MaxVehicles()
	var filed, rejected int
	err = db.updateImport(ctx, func(tx *Tx, w importWriter) error {
		filed, rejected = 0, 0
		var err error
		now := micros(tx.now)
		touched := map[int64]*importGroup{}
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
				if ir.group != "" {
					g := groups[ir.group]
					if g == nil || g.n >= max {
						id, err := tx.insertShipment(ctx, p, &ucx.ShipmentInput{Destination: x.Destination, Buyer: x.Buyer, ContractNumber: x.ContractNumber})
						if err != nil {
							return err
						}
						if g != nil {
							ir.note = fmt.Sprintf("shipment %d already holds %d vehicles, the most one licence may list (一批一证, R4); this row starts shipment %d", g.id, g.n, id)
							ir.noteZH = fmt.Sprintf("批次 %d 已有 %d 辆车，达到一份许可证的上限（一批一证，R4）；此行另起批次 %d", g.id, g.n, id)
						}
						g = &importGroup{id: id}
						groups[ir.group] = g
					}
					g.n++
					ir.shipment, touched[g.id] = g.id, g
				}
				w.draft(&draftRow{
					exporterID: p.OrgID, manufacturerID: mfr,
					vin: x.Vehicle.VIN, brand: x.Vehicle.Brand, model: x.Vehicle.Model, destination: x.Destination, search: ir.search,
					registrationDate: x.Vehicle.RegistrationDate.Days(),
					outcome:          ir.decision.Outcome.String(), letterRequired: boolInt(ir.decision.LetterRequired),
					data: ir.data, decision: ir.dec, createdAt: now, updatedAt: now,
					state: draft, version: 1, importID: im.ID, importRow: ir.n, shipmentID: ir.shipment,
				})
			}
			if ids, err = w.fileDrafts(ctx, chunk, ids); err != nil {
				return err
			}
			for i := range chunk {
				ir, id := &chunk[i], ids[i]
				if ir.in == nil {
					if err := w.result(ctx, rejectedRow(im.ID, ir, ir.reasons)); err != nil {
						return err
					}
					rejected++
					continue
				}
				x := ir.in
				if id == 0 {
					if g := touched[ir.shipment]; g != nil {
						g.n-- // not filed: its place in the shipment is free
					}
					if err := w.result(ctx, rejectedRow(im.ID, ir, []ucx.Reason{{Rule: sheet.RuleInput, Code: "vin_open", Severity: ucx.Reject, Field: sheet.ColVIN,
						Message: "VIN " + x.Vehicle.VIN + " already has an open application (perhaps earlier in this file); withdraw it before filing again"}})); err != nil {
						return err
					}
					rejected++
					continue
				}
				if err := w.event(ctx, eventRow{at: now, userID: p.UserID, orgID: p.OrgID, action: actAppCreate, entity: entityApplication,
					entityID: id, applicationID: id, after: draft, note: note + strconv.Itoa(ir.n)}); err != nil {
					return err
				}
				filed++
				var notes []ucx.Reason
				if ir.note != "" {
					notes = append(notes, ucx.Reason{Rule: "R4", Code: "shipment_full", Severity: ucx.Note, Field: sheet.ColBatch, Message: ir.note, MessageZH: ir.noteZH})
				}
				if ir.submit {
					// submit writes its own events: the creation's must come first.
					if err := w.flushEvents(ctx); err != nil {
						return err
					}
					a := &ucx.Application{ID: id, ExporterID: p.OrgID, ApplicationInput: *x, State: filing.To, Version: 1,
						Decision: ir.decision, ManufacturerID: ir.mfr, ShipmentID: ir.shipment}
					if err := db.submit(ctx, tx, p, a); err != nil {
						if ucx.ErrorCode(err) != ucx.ERULE {
							return err
						}
						// Filed, but not submitted: the row says why.
						notes = append(notes, ucx.Reason{Rule: "SUBMIT", Code: "not_submitted", Severity: ucx.Note,
							Message: "filed as a draft but not submitted: " + ucx.ErrorMessage(err)})
					}
				}
				if len(notes) > 0 {
					if err := w.result(ctx, resultRow{importID: im.ID, row: ir.n, vin: ir.vin, status: RowFiled, applicationID: id,
						outcome: ir.decision.Outcome.String(), reasons: mustReasons(notes)}); err != nil {
						return err
					}
				}
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		for id, g := range touched {
			if g.n == 0 {
				// Every row of it was rejected: no empty shipment stays.
				if _, err := tx.Exec(ctx, "DELETE FROM shipments WHERE id = ? AND NOT EXISTS (SELECT 1 FROM applications WHERE shipment_id = ?)", id, id); err != nil {
					return err
				}
				continue
			}
			if err := tx.refreshShipment(ctx, id); err != nil {
				return err
			}
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

// importGroup is the open shipment of an import's group of rows and how
// many vehicles it holds.
type importGroup struct {
	id int64
	n  int
}

// importWriter writes a batch's rows inside its transaction: bulkWriter
// with multi-row INSERTs on SQLite, copyWriter with COPY on PostgreSQL.
type importWriter interface {
	// chunk is how many of a batch's rows to file at a time.
	chunk(batch int) int
	// draft adds an application to file with fileDrafts.
	draft(d *draftRow)
	// fileDrafts inserts the drafts added since it last ran, skipping those
	// whose VIN is live (in the store or earlier in the chunk), and returns
	// into ids the id of each of chunk's rows: 0 when it was not filed.
	fileDrafts(ctx context.Context, chunk []importRow, ids []int64) ([]int64, error)
	// event adds an audit event, result an import row.
	event(ctx context.Context, e eventRow) error
	result(ctx context.Context, r resultRow) error
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
	drafts := newBulk(tx, draftInsertPrefix, draftRowValues)
	drafts.suffix = " ON CONFLICT (vin) WHERE " + liveCondition + " DO NOTHING RETURNING id, vin"
	return &bulkWriter{
		drafts:  drafts,
		events:  newBulk(tx, "INSERT INTO events (at, actor_user_id, actor_org_id, action, entity, entity_id, application_id, before, after, note) VALUES ", eventRowValues),
		results: newBulk(tx, "INSERT INTO import_rows (import_id, row, vin, status, application_id, outcome, reasons) VALUES ", resultRowValues),
	}
}

func (w *bulkWriter) chunk(int) int { return bulkRows }

func (w *bulkWriter) draft(d *draftRow) { w.drafts.args = d.appendTo(w.drafts.args) }

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

func (w *bulkWriter) event(ctx context.Context, e eventRow) error {
	return w.events.add(ctx, e.values()...)
}
func (w *bulkWriter) result(ctx context.Context, r resultRow) error {
	return w.results.add(ctx, r.values()...)
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
	full   string    // stmt's query, for checkArgs to name a column
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

// prepared readies the statement for a full chunk of bulkRows rows
// (prepared once) and checks the chunk's text as Tx.Exec checks every
// statement's (checkArgs): the prepared path must not skip the store's
// text rule.
func (b *bulk) prepared(ctx context.Context) error {
	if b.stmt == nil {
		b.full = b.values(bulkRows)
		stmt, err := b.tx.Prepare(ctx, b.full)
		if err != nil {
			return err
		}
		b.stmt = stmt
	}
	if err := checkArgs(b.full, b.args); err != nil {
		clear(b.args)
		b.args = b.args[:0]
		return err
	}
	return nil
}

// flush writes the rows accumulated so far.
func (b *bulk) flush(ctx context.Context) error {
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	var err error
	if rows == bulkRows {
		if err = b.prepared(ctx); err != nil {
			return err
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
		if err = b.prepared(ctx); err != nil {
			return nil, err
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
func rejectedRow(importID int64, ir *importRow, reasons []ucx.Reason) resultRow {
	outcome := ""
	if ir.decision.Outcome == ucx.Invalid {
		outcome = ucx.Invalid.String()
	}
	return resultRow{importID: importID, row: ir.n, vin: ir.vin, status: RowRejected, outcome: outcome, reasons: mustReasons(reasons)}
}

// draftInsertPrefix files imported drafts, bulkRows at a time, in the
// order of draftRow.appendTo. With ON CONFLICT DO NOTHING on the live-VIN
// index, the index itself is the check that a VIN has one live
// application: a taken VIN is skipped, and the batch never fails on it.
const draftInsertPrefix = `INSERT INTO applications (exporter_id, manufacturer_id, vin, brand, model, destination, search,
		registration_date, outcome, letter_required, data, decision, created_at, updated_at, state, version, import_id, import_row, shipment_id) VALUES `

// The values a row of each table an import writes has: the columns of
// draftInsertPrefix, of the events and of import_rows.
const (
	draftRowValues  = 19
	eventRowValues  = 10
	resultRowValues = 7
)

// draftRow is one imported draft application as its row is written.
type draftRow struct {
	exporterID       int64
	manufacturerID   int64 // 0 (NULL) when the VIN routes to no manufacturer on the platform
	vin              string
	brand, model     string
	destination      string
	search           string // searchText of the input
	registrationDate int    // days, as ucx.Date.Days
	outcome          string
	letterRequired   int    // boolInt
	data, decision   string // JSON of the input and of the decision
	createdAt        int64  // micros
	updatedAt        int64
	state            string
	version          int
	importID         int64
	importRow        int
	shipmentID       int64 // 0 (NULL): filed alone, its shipment of one made at submission
}

// appendTo appends d's values to vals in the order of draftInsertPrefix's
// columns (draftCopyColumns after their id).
func (d *draftRow) appendTo(vals []any) []any {
	return append(vals, d.exporterID, nullID(d.manufacturerID), d.vin, d.brand, d.model, d.destination, d.search,
		d.registrationDate, d.outcome, d.letterRequired, d.data, d.decision, d.createdAt, d.updatedAt, d.state, d.version,
		d.importID, d.importRow, nullID(d.shipmentID))
}

// eventRow is one audit event an import writes, as tx.event writes one.
type eventRow struct {
	at                  int64 // micros
	userID, orgID       int64
	action, entity      string
	entityID            int64
	applicationID       int64
	before, after, note string
}

// values are e's values in the order of eventCopyColumns.
func (e eventRow) values() []any {
	return []any{e.at, e.userID, e.orgID, e.action, e.entity, e.entityID, e.applicationID, e.before, e.after, e.note}
}

// resultRow is one import_rows row: a rejected row, or a filed one with a
// note.
type resultRow struct {
	importID      int64
	row           int
	vin           string
	status        string // RowFiled or RowRejected
	applicationID int64  // 0 (NULL) for a rejected row
	outcome       string
	reasons       string // JSON, mustReasons
}

// values are r's values in the order of importRowCopyColumns.
func (r resultRow) values() []any {
	return []any{r.importID, r.row, r.vin, r.status, nullID(r.applicationID), r.outcome, r.reasons}
}

// mustReasons encodes reasons; they hold only strings and small integers,
// which always encode.
func mustReasons(rs []ucx.Reason) string {
	b, err := json.Marshal(rs)
	if err != nil {
		return "[]"
	}
	return string(b)
}
