package sqlstore

import (
	"context"
	"strings"

	"github.com/ucxdev/ucx"
)

// CountRows counts a table's rows, for tests that prove a refused change
// wrote nothing. table is a constant in the tests, never user input.
func CountRows(ctx context.Context, db *DB, table string) (int, error) {
	var n int
	err := db.View(ctx, "test.CountRows", func(tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	})
	return n, err
}

// Exec runs a statement, for tests that set up states the API cannot reach
// quickly (an expired filing, an expired licence).
func Exec(ctx context.Context, db *DB, query string, args ...any) error {
	return db.Update(ctx, "test.Exec", func(tx *Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}

// RawInsert inserts one draft application per VIN, in batches of
// ImportBatch rows a transaction with a prepared statement binding the
// same columns an import binds: the baseline of BenchmarkImport.
func RawInsert(ctx context.Context, db *DB, exporter int64, vins []string, data, decision string) error {
	for len(vins) > 0 {
		n := min(len(vins), ImportBatch)
		batch := vins[:n]
		vins = vins[n:]
		err := db.Update(ctx, "test.RawInsert", func(tx *Tx) error {
			st, err := tx.Prepare(ctx, `INSERT INTO applications (exporter_id, manufacturer_id, vin, brand, model, destination, search,
				state, version, application_date, registration_date, outcome, letter_required, data, decision, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', 1, NULL, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			now := micros(tx.now)
			for _, v := range batch {
				if _, err := st.ExecContext(ctx, exporter, nil, v, "Testa", "T1 EV", "RU", strings.ToLower(v+"\ntesta\nt1 ev\nooo avto\nht-1"), 20148, "clear", 0, data, decision, now, now); err != nil {
					return err
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

// LastEvents returns the n newest audit events, newest first.
func LastEvents(ctx context.Context, db *DB, n int) ([]*ucx.Event, error) {
	var out []*ucx.Event
	err := db.View(ctx, "test.LastEvents", func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+" FROM events ORDER BY id DESC LIMIT ?", n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// AddMonths exposes addMonths to the tests.
var AddMonths = addMonths

// Figure computes one figure alone, so the benchmark can time each.
func Figure(ctx context.Context, db *DB, f ucx.FigureFilter, name string) (*ucx.FigureTable, error) {
	fc := &figureCtx{from: f.From.Days(), to: f.To.Days(), cfg: db.oversight().Figures}
	fns := map[string]func(context.Context, *Tx) (*ucx.FigureTable, error){
		"by_month": fc.byMonth, "by_destination": fc.byDestination, "by_brand": fc.byBrand, "by_manufacturer": fc.byManufacturer,
		"registration_to_application": fc.regDays, "letters_by_manufacturer": fc.letters, "by_exporter_size": fc.bySize,
	}
	var t *ucx.FigureTable
	err := db.View(ctx, "test.Figure", func(tx *Tx) error {
		var err error
		t, err = fns[name](ctx, tx)
		return err
	})
	return t, err
}
