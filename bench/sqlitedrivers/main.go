// Command sqlitedrivers measures the raw rate at which each candidate SQLite
// driver inserts application-shaped rows into a table with a unique VIN
// index, in batched transactions with a prepared statement — the ceiling for
// ucx's bulk import. ucx links the faster one (see the README).
//
//	cd bench && go run ./sqlitedrivers -n 200000
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

func main() {
	n := flag.Int("n", 200000, "rows to insert per driver")
	batch := flag.Int("batch", 2000, "rows per transaction")
	flag.Parse()
	for _, d := range []struct{ name, driver, dsn string }{
		{"mattn/go-sqlite3 (cgo)", "sqlite3", "file:%s?_journal_mode=WAL&_synchronous=NORMAL"},
		{"modernc.org/sqlite (pure Go)", "sqlite", "file:%s?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"},
	} {
		dir, err := os.MkdirTemp("", "sqlitedrivers")
		if err != nil {
			fail(err)
		}
		rate, err := measure(d.driver, fmt.Sprintf(d.dsn, filepath.Join(dir, "b.db")), *n, *batch)
		os.RemoveAll(dir)
		if err != nil {
			fail(err)
		}
		fmt.Printf("%-30s %9.0f rows/s (%d rows, unique VIN index)\n", d.name, rate, *n)
	}
}

func measure(driver, dsn string, n, batch int) (float64, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, exporter_id INTEGER NOT NULL,
		vin TEXT NOT NULL, brand TEXT NOT NULL, model TEXT NOT NULL, destination TEXT NOT NULL, state TEXT NOT NULL,
		registration_date INTEGER NOT NULL, data TEXT NOT NULL, created_at BIGINT NOT NULL);
		CREATE UNIQUE INDEX t_vin ON t(vin)`); err != nil {
		return 0, err
	}
	data := `{"vehicle":{"vin":"x","brand":"BYD","model":"Seal","registration_date":"2026-01-02"},"destination":"RU"}`
	start := time.Now()
	for i := 0; i < n; {
		tx, err := db.Begin()
		if err != nil {
			return 0, err
		}
		st, err := tx.Prepare(`INSERT INTO t (exporter_id, vin, brand, model, destination, state, registration_date, data, created_at) VALUES (?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return 0, err
		}
		for j := 0; j < batch && i < n; j, i = j+1, i+1 {
			if _, err := st.Exec(1, fmt.Sprintf("LGXC%013d", i), "BYD", "Seal", "RU", "submitted", 20500, data, time.Now().UnixMicro()); err != nil {
				return 0, err
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sqlitedrivers:", err)
	os.Exit(1)
}
