package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ucxdev/ucx"
)

// updateConn is Update on PostgreSQL for a transaction that also uses
// COPY: it runs fn on one pooled connection, in a transaction begun on it,
// so that copyFrom on conn writes inside that transaction. Retries are as
// Update's.
func (db *DB) updateConn(ctx context.Context, op string, fn func(tx *Tx, conn *sql.Conn) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.runConn(ctx, fn)
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return db.wrap(op, err)
}

func (db *DB) runConn(ctx context.Context, fn func(tx *Tx, conn *sql.Conn) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(tx, conn); err != nil {
		stx.Rollback()
		return err
	}
	return stx.Commit()
}

// copyFrom loads rows into table with PostgreSQL's COPY (binary) on conn,
// inside the transaction open on it. It must not run inside another
// statement's use of conn: Raw holds the connection while COPY runs.
func copyFrom(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return ucx.Errorf(ucx.EINTERNAL, "COPY needs the pgx driver, not %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}

// Columns of the tables an import writes, in the order of their values.
var (
	draftCopyColumns = []string{"id", "exporter_id", "manufacturer_id", "vin", "brand", "model", "destination", "search",
		"registration_date", "outcome", "letter_required", "data", "decision", "created_at", "updated_at", "state", "version", "import_id", "import_row", "shipment_id"}
	eventCopyColumns     = []string{"at", "actor_user_id", "actor_org_id", "action", "entity", "entity_id", "application_id", "before", "after", "note"}
	importRowCopyColumns = []string{"import_id", "row", "vin", "status", "application_id", "outcome", "reasons"}
)

// copyWriter is the importWriter for PostgreSQL: it holds a batch's rows
// and writes each table with one COPY.
//
// COPY cannot skip a row on a conflict, so fileDrafts decides beforehand
// which drafts the live-VIN index would take, as INSERT … ON CONFLICT DO
// NOTHING in row order would: not a VIN live in the store, nor one earlier
// in the batch. It takes the filed rows' ids from the applications
// sequence, in row order, and copies the rows with them. Should another
// transaction file one of the VINs meanwhile, the COPY fails on the index;
// it is rolled back to a savepoint and the drafts are filed with multi-row
// INSERT … ON CONFLICT DO NOTHING instead, as on SQLite, so the batch
// never fails on a VIN.
type copyWriter struct {
	tx      *Tx
	conn    *sql.Conn
	drafts  []*draftRow
	events  [][]any
	results [][]any
}

func newCopyWriter(tx *Tx, conn *sql.Conn) *copyWriter { return &copyWriter{tx: tx, conn: conn} }

// chunk is the whole batch: one COPY for all its drafts.
func (w *copyWriter) chunk(batch int) int { return batch }

func (w *copyWriter) draft(d *draftRow) { w.drafts = append(w.drafts, d) }

const (
	// liveVINs selects those of an array of VINs that have a live application.
	liveVINs = "SELECT vin FROM applications WHERE vin = ANY(?) AND " + liveCondition
	// nextIDs takes n application ids, in increasing order.
	nextIDs = "SELECT nextval(?::regclass) AS id FROM generate_series(1, ?) ORDER BY id"
	// applicationsSeq is the sequence of applications.id, as an oid.
	applicationsSeq = "SELECT pg_get_serial_sequence('applications', 'id')::regclass::oid"
)

func (w *copyWriter) fileDrafts(ctx context.Context, chunk []importRow, ids []int64) ([]int64, error) {
	drafts := w.drafts
	defer func() {
		clear(w.drafts)
		w.drafts = w.drafts[:0]
	}()
	ids = ids[:0]
	if len(drafts) == 0 {
		for range chunk {
			ids = append(ids, 0)
		}
		return ids, nil
	}
	vins := make([]string, len(drafts))
	for i, d := range drafts {
		vins[i] = d.vin
	}
	taken := make(map[string]bool, len(drafts))
	if err := w.queryVINs(ctx, taken, vins); err != nil {
		return nil, err
	}
	// filed[i] is the i-th draft's id, 0 when the index would skip it.
	filed := make([]int64, len(drafts))
	rows := make([][]any, 0, len(drafts))
	for i, v := range vins {
		if !taken[v] {
			taken[v] = true
			rows = append(rows, drafts[i].appendTo(append(make([]any, 0, 1+draftRowValues), nil))) // an id slot first
			filed[i] = -1
		}
	}
	if err := w.nextIDs(ctx, rows, filed); err != nil {
		return nil, err
	}
	if _, err := w.tx.Exec(ctx, "SAVEPOINT import_drafts"); err != nil {
		return nil, err
	}
	err := copyFrom(ctx, w.conn, "applications", draftCopyColumns, rows)
	var pe *pgconn.PgError
	switch {
	case err == nil:
		_, err = w.tx.Exec(ctx, "RELEASE SAVEPOINT import_drafts")
	case errors.As(err, &pe) && pe.Code == "23505": // a VIN filed meanwhile
		if _, err = w.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT import_drafts"); err == nil {
			err = w.insertDrafts(ctx, drafts, vins, filed)
		}
	}
	if err != nil {
		return nil, err
	}
	k := 0
	for i := range chunk {
		var id int64
		if chunk[i].in != nil {
			id = filed[k]
			k++
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// queryVINs marks in taken those of vins that have a live application.
func (w *copyWriter) queryVINs(ctx context.Context, taken map[string]bool, vins []string) error {
	rs, err := w.tx.Query(ctx, liveVINs, vins)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var v string
		if err := rs.Scan(&v); err != nil {
			return err
		}
		taken[v] = true
	}
	return rs.Err()
}

// nextIDs gives each of rows an id, in order, and sets it in the entries of
// filed that are -1.
func (w *copyWriter) nextIDs(ctx context.Context, rows [][]any, filed []int64) error {
	if len(rows) == 0 {
		return nil
	}
	var seq uint32
	if err := w.tx.QueryRow(ctx, applicationsSeq).Scan(&seq); err != nil {
		return err
	}
	rs, err := w.tx.Query(ctx, nextIDs, seq, len(rows))
	if err != nil {
		return err
	}
	defer rs.Close()
	k := 0
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			return err
		}
		rows[k][0] = id
		k++
	}
	if err := rs.Err(); err != nil {
		return err
	}
	if k != len(rows) {
		return fmt.Errorf("asked for %d application ids, got %d", len(rows), k)
	}
	k = 0
	for i := range filed {
		if filed[i] == -1 {
			filed[i] = rows[k][0].(int64)
			k++
		}
	}
	return nil
}

// insertDrafts files drafts with multi-row INSERT … ON CONFLICT DO NOTHING,
// bulkRows at a time, and sets each one's id in filed: 0 for a VIN the
// index skipped, which an earlier draft of the batch may have taken.
func (w *copyWriter) insertDrafts(ctx context.Context, drafts []*draftRow, vins []string, filed []int64) error {
	b := newBulk(w.tx, draftInsertPrefix, draftRowValues)
	b.suffix = " ON CONFLICT (vin) WHERE " + liveCondition + " DO NOTHING RETURNING id, vin"
	defer b.close()
	inserted := make(map[string]int64, len(drafts))
	for start := 0; start < len(drafts); start += bulkRows {
		for _, d := range drafts[start:min(start+bulkRows, len(drafts))] {
			b.args = d.appendTo(b.args)
		}
		got, err := b.returning(ctx)
		if err != nil {
			return err
		}
		maps.Copy(inserted, got)
	}
	for i, v := range vins {
		filed[i] = inserted[v]
		delete(inserted, v)
	}
	return nil
}

func (w *copyWriter) event(_ context.Context, e eventRow) error {
	w.events = append(w.events, e.values())
	return nil
}

func (w *copyWriter) result(_ context.Context, r resultRow) error {
	w.results = append(w.results, r.values())
	return nil
}

func (w *copyWriter) flushEvents(ctx context.Context) error {
	err := copyFrom(ctx, w.conn, "events", eventCopyColumns, w.events)
	w.events = w.events[:0]
	return err
}

func (w *copyWriter) flush(ctx context.Context) error {
	if err := w.flushEvents(ctx); err != nil {
		return err
	}
	err := copyFrom(ctx, w.conn, "import_rows", importRowCopyColumns, w.results)
	w.results = w.results[:0]
	return err
}

func (w *copyWriter) close() {}
