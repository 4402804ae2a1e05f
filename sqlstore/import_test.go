package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const importHeader = "vin,brand,model,registration_date,transfer_date,destination,cert_brand,cert_model,cert_registration_date,cert_transfer_date,inspection_report,buyer,contract_number,energy_type,battery_kwh,submit\n"

// importLine is one good CSV row for vin, registered on reg.
func importLine(v string, reg ucx.Date, submit string) string {
	tr := reg.AddDays(20)
	return fmt.Sprintf("%s,Testa,T1 EV,%s,%s,ru,Testa,T1 EV,%s,%s,CMA-1,OOO Avto,HT-1,battery_electric,60,%s\n", v, reg, tr, reg, tr, submit)
}

// runImport starts and processes an import of csv as p and returns it.
func runImport(t testing.TB, w *world, p *ucx.Principal, csv string) *ucx.Import {
	t.Helper()
	ctx := context.Background()
	im, err := w.DB.StartImport(ctx, p, "cars.csv", []byte(csv))
	if err != nil {
		t.Fatalf("StartImport: %v", err)
	}
	if im.State != ucx.ImportQueued {
		t.Fatalf("state = %s, want queued", im.State)
	}
	if n, err := w.DB.ProcessImports(ctx); err != nil || n != 1 {
		t.Fatalf("ProcessImports = %d, %v; want 1 import run", n, err)
	}
	im, err = w.DB.FindImportByID(ctx, p, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func TestImport_FilesGoodRowsAndRejectsBadOnesWithReasons(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		good1, good2, dup := w.VINFor(w.MakerWMI), w.VINFor(w.MakerWMI), w.VINFor(w.MakerWMI)
		bad := []byte(w.VINFor(w.MakerWMI))
		bad[8] ^= 1 // wrong check digit
		csv := importHeader +
			importLine(good1, oldReg, "") + // 1 filed as a draft
			importLine(string(bad), oldReg, "") + // 2 bad VIN
			importLine(good2, recentReg, "yes") + // 3 filed and submitted: awaits the letter
			importLine(dup, oldReg, "") + // 4 filed
			importLine(dup, oldReg, "") + // 5 the same VIN again
			strings.Replace(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "2025-03-01", "2025-02-30", 1) + // 6 no such day
			strings.Replace(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "battery_electric,60", "battery_electric,", 1) + // 7 EV without kWh
			importLine(w.VINFor(w.Maker2WMI), oldReg, "maybe") // 8 bad submit flag
		im := runImport(t, w, w.ExpMember, csv)
		if im.State != ucx.ImportDone || im.Total != 8 || im.Processed != 8 || im.Filed != 3 || im.Rejected != 5 || im.FinishedAt == nil {
			t.Fatalf("import = %+v; want done, 8 processed, 3 filed, 5 rejected", im)
		}
		rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			status, field string
		}{
			{sqlstore.RowFiled, ""}, {sqlstore.RowRejected, "vin"}, {sqlstore.RowFiled, ""}, {sqlstore.RowFiled, ""},
			{sqlstore.RowRejected, "vin"}, {sqlstore.RowRejected, "registration_date"}, {sqlstore.RowRejected, "battery_kwh"},
			{sqlstore.RowRejected, "submit"},
		}
		if len(rows) != len(want) {
			t.Fatalf("%d rows, want %d", len(rows), len(want))
		}
		for i, r := range rows {
			if r.Row != i+1 || r.Status != want[i].status {
				t.Errorf("row %d: %+v, want status %s", i+1, r, want[i].status)
				continue
			}
			if r.Status == sqlstore.RowFiled && (r.ApplicationID == 0 || r.Outcome == "") {
				t.Errorf("row %d filed without application or outcome: %+v", i+1, r)
			}
			if r.Status == sqlstore.RowRejected && (len(r.Reasons) == 0 || r.Reasons[0].Field != want[i].field || r.Reasons[0].Message == "") {
				t.Errorf("row %d reasons = %+v, want the first naming column %q", i+1, r.Reasons, want[i].field)
			}
		}
		a, err := db.FindApplicationByID(ctx, w.ExpMember, rows[2].ApplicationID)
		if err != nil || a.State != ucx.StateAwaitingConfirmation || a.Buyer != "OOO Avto" || a.Destination != "RU" {
			t.Fatalf("row 3's application = %+v, %v; want awaiting_confirmation, buyer and destination read", a, err)
		}
		if n := count(t, db, "applications"); n != 3 {
			t.Errorf("%d applications, want 3", n)
		}
		evs, err := db.Timeline(ctx, w.ExpMember, rows[0].ApplicationID)
		if err != nil || len(evs) != 1 || evs[0].Action != "application.create" || evs[0].ActorUserID != w.ExpMember.UserID {
			t.Fatalf("timeline of an imported application = %+v, %v; want one create event by the uploader", evs, err)
		}
	})
}

// A filed row is stored as its application alone, a rejected one (or a
// filed one with a note) in import_rows; ImportRows reads them back as one
// list in row order, each row once, and pages through it.
func TestImportRows_FiledFromApplicationsRejectedFromImportRows(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		bad := []byte(w.VINFor(w.MakerWMI))
		bad[8] ^= 1
		csv := importHeader +
			importLine(w.VINFor(w.MakerWMI), oldReg, "") + // 1 filed
			importLine(string(bad), oldReg, "") + // 2 rejected
			importLine(w.VINFor(w.UnknownWMI), recentReg, "yes") + // 3 filed, not submitted: no manufacturer to ask
			importLine(w.VINFor(w.Maker2WMI), oldReg, "yes") + // 4 filed and submitted
			importLine(string(bad), oldReg, "") // 5 rejected
		im := runImport(t, w, w.ExpMember, csv)
		if im.Filed != 3 || im.Rejected != 2 {
			t.Fatalf("import = %+v; want 3 filed, 2 rejected", im)
		}
		if n := count(t, db, "import_rows"); n != 3 {
			t.Errorf("%d import rows stored, want 3: the two rejected and the one filed with a note", n)
		}
		if n := count(t, db, "applications WHERE import_id IS NOT NULL"); n != 3 {
			t.Errorf("%d applications name the import, want 3", n)
		}
		rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		status := []string{sqlstore.RowFiled, sqlstore.RowRejected, sqlstore.RowFiled, sqlstore.RowFiled, sqlstore.RowRejected}
		if len(rows) != len(status) {
			t.Fatalf("%d rows, want %d: %+v", len(rows), len(status), rows)
		}
		for i, r := range rows {
			if r.Row != i+1 || r.Status != status[i] {
				t.Errorf("row %d = %+v, want status %s", i+1, r, status[i])
			}
			if (r.Status == sqlstore.RowFiled) != (r.ApplicationID != 0) || (r.Status == sqlstore.RowFiled && r.Outcome == "") {
				t.Errorf("row %d = %+v: a filed row, and only one, names its application and outcome", i+1, r)
			}
		}
		if len(rows[2].Reasons) == 0 || rows[2].Reasons[0].Code != "not_submitted" {
			t.Errorf("row 3 reasons = %+v, want the not-submitted note first", rows[2].Reasons)
		}
		a, err := db.FindApplicationByID(ctx, w.ExpMember, rows[3].ApplicationID)
		if err != nil || a.State != ucx.StateUnderReview || a.Vehicle.VIN != rows[3].VIN {
			t.Errorf("row 4's application = %+v, %v; want it under review with the row's VIN", a, err)
		}
		page, err := db.ImportRows(ctx, w.ExpMember, im.ID, 1, 3)
		if err != nil || len(page) != 3 || page[0].Row != 2 || page[1].Row != 3 || page[2].Row != 4 {
			t.Fatalf("page at 1 of 3 = %+v, %v; want rows 2, 3 and 4", page, err)
		}
		for i, r := range page {
			if r.Status != rows[i+1].Status || r.ApplicationID != rows[i+1].ApplicationID || len(r.Reasons) != len(rows[i+1].Reasons) {
				t.Errorf("paged row %d = %+v, whole list had %+v", r.Row, r, rows[i+1])
			}
		}
	})
}

func TestImport_EachImportRunsOnceAndOthersSeeNothing(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		im := runImport(t, w, w.ExpMember, importHeader+importLine(w.VINFor(w.MakerWMI), oldReg, ""))
		if n, err := db.ProcessImports(ctx); err != nil || n != 0 {
			t.Fatalf("second ProcessImports = %d, %v; want nothing left to run", n, err)
		}
		if _, err := db.FindImportByID(ctx, w.Exp2Member, im.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another exporter reading the import: %v, want ENOTFOUND", err)
		}
		if _, err := db.ImportRows(ctx, w.Exp2Member, im.ID, 0, 10); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another exporter reading the rows: %v, want ENOTFOUND", err)
		}
		if _, err := db.FindImportByID(ctx, w.AuthMember, im.ID); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("an authority reading the import: %v, want EFORBIDDEN", err)
		}
	})
}

func TestStartImport_Refusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		good := []byte(importHeader + importLine(w.VINFor(w.MakerWMI), oldReg, ""))
		tests := []struct {
			name string
			p    *ucx.Principal
			data []byte
			code string
		}{
			{"viewer", w.ExpViewer, good, ucx.EFORBIDDEN},
			{"manufacturer", w.MakerMember, good, ucx.EFORBIDDEN},
			{"authority", w.AuthMember, good, ucx.EFORBIDDEN},
			{"too large", w.ExpMember, make([]byte, sqlstore.MaxImportBytes+1), ucx.ETOOLARGE},
			{"empty", w.ExpMember, nil, ucx.EINVALID},
			{"no vin column", w.ExpMember, []byte("brand,model\nTesta,T1\n"), ucx.EINVALID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.StartImport(ctx, tt.p, "cars.csv", tt.data)
				wantCode(t, err, tt.code)
			})
		}
		if n := count(t, db, "imports"); n != 0 {
			t.Errorf("%d imports stored after refusals, want 0", n)
		}
	})
}

// benchRows is the size of the import benchmarks: big enough to measure a
// steady rate, small enough for shared machines. Run with -benchtime=1x;
// UCX_BENCH_ROWS sets another size (at most what MaxImportBytes holds).
var benchRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("UCX_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// BenchmarkImport files benchRows CSV rows through StartImport and
// ProcessImports: parsing, checks, routing, the policy, one application,
// one audit event and one import row per row. It runs on SQLite, and on
// PostgreSQL (with COPY) when UCX_TEST_POSTGRES holds a DSN; compare with
// BenchmarkRawInsertUniqueVIN and BenchmarkRawCopyUniqueVIN.
func BenchmarkImport(b *testing.B) {
	benchEngines(b, func(b *testing.B, engine sqlstore.Engine) {
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			db := MustOpenDB(b, engine)
			w := newWorld(b, db)
			var csv bytes.Buffer
			csv.WriteString(importHeader)
			for j := 0; j < benchRows; j++ {
				csv.WriteString(importLine(w.VINFor(w.MakerWMI), oldReg, ""))
			}
			b.StartTimer()
			cpu0 := cpuTime()
			im := runImport(b, w, w.ExpMember, csv.String())
			cpu += cpuTime() - cpu0
			b.StopTimer()
			if im.Filed != benchRows {
				b.Fatalf("filed %d of %d: %+v", im.Filed, benchRows, im)
			}
		}
		b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(b.N*benchRows), "cpu-us/row")
	})
}

// benchEngines runs fn as the sub-benchmarks sqlite and postgres, the
// second only when UCX_TEST_POSTGRES holds a DSN.
func benchEngines(b *testing.B, fn func(b *testing.B, engine sqlstore.Engine)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, sqlstore.SQLite) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("UCX_TEST_POSTGRES") == "" {
			b.Skip("set UCX_TEST_POSTGRES to a DSN to run it")
		}
		fn(b, sqlstore.Postgres)
	})
}

// BenchmarkRawCopyUniqueVIN is BenchmarkImport's baseline on PostgreSQL:
// the same number of rows, as wide, loaded with COPY (pgx, binary) straight
// into the applications table with its unique live-VIN index, its other
// indexes and its trigger, with the row's JSON already made. batches
// copies sqlstore.PostgresImportBatch rows a transaction, as the import
// commits; single copies them all in one COPY and one transaction; refs is
// batches with the references an imported row carries besides (its
// manufacturer, its import and row: two more foreign keys checked and one
// more index a row), to show what they cost. Like BenchmarkRawInsertUniqueVIN,
// batches and single leave them out. Skipped without UCX_TEST_POSTGRES.
func BenchmarkRawCopyUniqueVIN(b *testing.B) {
	if os.Getenv("UCX_TEST_POSTGRES") == "" {
		b.Skip("set UCX_TEST_POSTGRES to a DSN to run it")
	}
	for _, bc := range []struct {
		name  string
		batch int
		refs  bool
	}{{"batches", sqlstore.PostgresImportBatch, false}, {"single", benchRows, false}, {"refs", sqlstore.PostgresImportBatch, true}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dsn := freshPostgresSchema(b)
				db, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					b.Fatal(err)
				}
				if err := db.Migrate(ctx); err != nil {
					b.Fatal(err)
				}
				w := newWorld(b, db)
				a := w.Create(b, w.ExpMember, w.Input(w.MakerWMI, oldReg))
				data, _ := json.Marshal(&a.ApplicationInput)
				decision, _ := json.Marshal(&a.Decision)
				now := time.Now().UnixMicro()
				cols := []string{"exporter_id", "manufacturer_id", "vin", "brand", "model", "destination", "search", "state", "version",
					"registration_date", "outcome", "letter_required", "data", "decision", "created_at", "updated_at"}
				var im *ucx.Import
				if bc.refs {
					cols = append(cols, "import_id", "import_row")
					if im, err = db.StartImport(ctx, w.ExpMember, "cars.csv", []byte(importHeader)); err != nil {
						b.Fatal(err)
					}
				}
				rows := make([][]any, benchRows)
				for j := range rows {
					v := w.VINFor(w.MakerWMI)
					rows[j] = []any{w.Exporter.ID, nil, v, "Testa", "T1 EV", "RU", strings.ToLower(v + "\ntesta\nt1 ev\nooo avto\nht-1"),
						"draft", 1, 20148, "clear", 0, string(data), string(decision), now, now}
					if bc.refs {
						rows[j][1] = w.Maker.ID
						rows[j] = append(rows[j], im.ID, j+1)
					}
				}
				db.Close()
				conn, err := pgx.Connect(ctx, dsn)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cpu0 := cpuTime()
				for start := 0; start < len(rows); start += bc.batch {
					err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
						_, err := tx.CopyFrom(ctx, pgx.Identifier{"applications"}, cols, pgx.CopyFromRows(rows[start:min(start+bc.batch, len(rows))]))
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				cpu += cpuTime() - cpu0
				b.StopTimer()
				conn.Close(ctx)
			}
			b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(b.N*benchRows), "cpu-us/row")
		})
	}
}

// BenchmarkRawInsertUniqueVIN is the baseline BenchmarkImport is measured
// against: the same number of rows inserted into the applications table
// (with its unique live-VIN index and the others), same driver, prepared
// statement, batches of sqlstore.ImportBatch rows a transaction, with the
// row's JSON already made. It is the fastest the store could file.
func BenchmarkRawInsertUniqueVIN(b *testing.B) {
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := MustOpenDB(b, sqlstore.SQLite)
		w := newWorld(b, db)
		vins := make([]string, benchRows)
		for j := range vins {
			vins[j] = w.VINFor(w.MakerWMI)
		}
		// A real row's JSON, so the rows are as wide as the import's.
		a := w.Create(b, w.ExpMember, w.Input(w.MakerWMI, oldReg))
		data, _ := json.Marshal(&a.ApplicationInput)
		decision, _ := json.Marshal(&a.Decision)
		b.StartTimer()
		cpu0 := cpuTime()
		if err := sqlstore.RawInsert(context.Background(), db, w.Exporter.ID, vins, string(data), string(decision)); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - cpu0
		b.StopTimer()
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(b.N*benchRows), "cpu-us/row")
}

// cpuTime is the CPU time the process has used, user and system: on a
// machine shared with other work it is steadier than the rate, and it
// counts the import's reading goroutine, which the rate hides.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// On PostgreSQL the import copies its drafts after checking which VINs are
// live; a VIN another transaction files between the check and the COPY
// makes the COPY fail on the live-VIN index, and the batch is filed again
// with INSERT … ON CONFLICT DO NOTHING: the row is rejected, never the
// import. The other transaction holds its row uncommitted while the import
// starts, so that the import's COPY waits for it and fails when it commits.
func TestImport_PostgresVINFiledDuringCopyIsRejected(t *testing.T) {
	if os.Getenv("UCX_TEST_POSTGRES") == "" {
		t.Skip("PostgreSQL only: set UCX_TEST_POSTGRES to a DSN to run it")
	}
	ctx := context.Background()
	dsn := freshPostgresSchema(t)
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, db)
	first, taken, last := w.VINFor(w.MakerWMI), w.VINFor(w.MakerWMI), w.VINFor(w.MakerWMI)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	other, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	if _, err := other.Exec(ctx, `INSERT INTO applications (exporter_id, vin, brand, model, destination, state, version, registration_date,
		outcome, letter_required, data, decision, created_at, updated_at) VALUES ($1, $2, 'Testa', 'T1', 'RU', 'draft', 1, 0, 'clear', 0, '{}', '{}', 0, 0)`,
		w.Exporter.ID, taken); err != nil {
		t.Fatal(err)
	}
	done := make(chan *ucx.Import, 1)
	go func() {
		im, err := db.StartImport(ctx, w.ExpMember, "cars.csv", []byte(importHeader+importLine(first, oldReg, "")+importLine(taken, oldReg, "")+importLine(last, oldReg, "")))
		if err == nil {
			_, err = db.ProcessImports(ctx)
		}
		if err == nil {
			im, err = db.FindImportByID(ctx, w.ExpMember, im.ID)
		}
		if err != nil {
			t.Error(err)
		}
		done <- im
	}()
	// Commit once the import waits on the uncommitted VIN: a backend of
	// this database other than ours waits for a lock.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := other.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never waited on the uncommitted VIN")
		}
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	im := <-done
	if im == nil {
		return
	}
	if im.State != ucx.ImportDone || im.Filed != 2 || im.Rejected != 1 {
		t.Fatalf("import = %+v; want done, 2 filed, 1 rejected", im)
	}
	rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Status != sqlstore.RowFiled || rows[2].Status != sqlstore.RowFiled ||
		rows[1].Status != sqlstore.RowRejected || len(rows[1].Reasons) != 1 || rows[1].Reasons[0].Code != "vin_open" {
		t.Fatalf("rows = %+v; want the taken VIN's row rejected as vin_open, the others filed", rows)
	}
	if n := count(t, db, "events WHERE action = 'application.create'"); n != 2 {
		t.Errorf("%d creation events, want one per filed row", n)
	}
}

// TestImport_ResumesAfterItsWorkerDies stops a worker after two batches,
// leaving the import running as a killed process would, and checks that
// no worker takes it while its heartbeat is fresh, and that once the lease
// lapses a worker finishes it: every row recorded exactly once, counters
// right, and the rows the same as an uninterrupted import's.
func TestImport_ResumesAfterItsWorkerDies(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		// Ten rows, three a batch: a VIN twice across the first batch
		// boundary and again across the one where the worker dies.
		file := func() string {
			d1, d2 := w.VINFor(w.MakerWMI), w.VINFor(w.MakerWMI)
			bad := []byte(w.VINFor(w.MakerWMI))
			bad[8] ^= 1
			return importHeader +
				importLine(w.VINFor(w.MakerWMI), oldReg, "") +
				importLine(string(bad), oldReg, "") +
				importLine(d1, oldReg, "") +
				importLine(d1, oldReg, "") +
				importLine(w.VINFor(w.MakerWMI), recentReg, "yes") +
				importLine(d2, oldReg, "") +
				importLine(d2, oldReg, "") +
				importLine(w.VINFor(w.Maker2WMI), oldReg, "maybe") +
				importLine(w.VINFor(w.MakerWMI), oldReg, "yes") +
				importLine(w.VINFor(w.UnknownWMI), oldReg, "")
		}
		shape := func(im *ucx.Import) []string {
			t.Helper()
			rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				s := fmt.Sprintf("%d %s %s", r.Row, r.Status, r.Outcome)
				for _, rs := range r.Reasons {
					s += " " + rs.Code
				}
				out = append(out, s)
			}
			return out
		}
		defer sqlstore.SetImportTestHooks(3, nil)()
		want := shape(runImport(t, w, w.ExpMember, file()))

		im, err := db.StartImport(ctx, w.ExpMember, "cars.csv", []byte(file()))
		if err != nil {
			t.Fatal(err)
		}
		dying, die := context.WithCancel(ctx)
		defer die()
		batches := 0
		restore := sqlstore.SetImportTestHooks(3, func(*ucx.Import) {
			if batches++; batches == 2 {
				die() // the process dies after its second batch commits
			}
		})
		if n, err := db.ProcessImports(dying); err == nil || n != 1 {
			t.Fatalf("dying worker: ProcessImports = %d, %v; want 1 and the cancellation", n, err)
		}
		restore()
		defer sqlstore.SetImportTestHooks(3, nil)()
		if got, err := db.FindImportByID(ctx, w.ExpMember, im.ID); err != nil || got.State != ucx.ImportRunning || got.Processed != 6 {
			t.Fatalf("after the worker died: %+v, %v; want running with 6 rows processed", got, err)
		}
		if n, err := db.ProcessImports(ctx); err != nil || n != 0 {
			t.Fatalf("within the lease: ProcessImports = %d, %v; want nothing taken", n, err)
		}
		db.Now = func() time.Time { return time.Now().Add(time.Minute) } // the lease lapses
		if n, err := db.ProcessImports(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease: ProcessImports = %d, %v; want the import resumed", n, err)
		}
		got, err := db.FindImportByID(ctx, w.ExpMember, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != ucx.ImportDone || got.Total != 10 || got.Processed != 10 || got.Filed != 6 || got.Rejected != 4 || got.Error != "" {
			t.Fatalf("resumed import = %+v; want done, 10 processed, 6 filed, 4 rejected", got)
		}
		if rows := shape(got); !slices.Equal(rows, want) {
			t.Errorf("resumed import's rows:\n%s\nwant, as uninterrupted:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		apps, err := sqlstore.CountRows(ctx, db, "applications WHERE import_id = "+strconv.FormatInt(im.ID, 10))
		if err != nil || apps != 6 {
			t.Errorf("applications naming the import = %d, %v; want 6, each row filed once", apps, err)
		}
		if n, err := db.ProcessImports(ctx); err != nil || n != 0 {
			t.Errorf("after it finished: ProcessImports = %d, %v; want nothing left", n, err)
		}
	})
}

// importHeaderZH is importHeader in the headings of a Chinese exporter's sheet.
const importHeaderZH = "车架号,品牌,车型,注册登记日期,过户日期,目的国,证书品牌,证书车型,证书注册日期,证书过户日期,检测报告,买方,合同编号,能源类型,电池容量,是否提交\r\n"

// A CSV saved by Excel on a Chinese Windows (GBK, Chinese headings, CRLF)
// is filed as the same sheet in UTF-8 with English headings is, row for
// row, and the import notes that it was converted.
func TestImport_GBKFileWithChineseHeadingsFilesAsTheUTF8One(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		sheetOf := func() string {
			bad := []byte(w.VINFor(w.MakerWMI))
			bad[8] ^= 1
			return importLine(w.VINFor(w.MakerWMI), oldReg, "") +
				importLine(string(bad), oldReg, "") +
				importLine(w.VINFor(w.MakerWMI), recentReg, "是") +
				strings.Replace(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "2025-03-01", "2025-02-30", 1)
		}
		chinese := func(s string) string { return strings.ReplaceAll(s, "Testa", "长安") }
		en := runImport(t, w, w.ExpMember, importHeader+chinese(strings.ReplaceAll(sheetOf(), "是", "yes")))
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(importHeaderZH + strings.ReplaceAll(chinese(sheetOf()), "\n", "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		zh := runImport(t, w, w.ExpMember, gbk)
		if zh.State != ucx.ImportDone || zh.Filed != en.Filed || zh.Rejected != en.Rejected || en.Filed != 2 {
			t.Fatalf("gbk import %+v, utf-8 import %+v; want the same counts, 2 filed", zh, en)
		}
		if len(zh.Notes) != 1 || !strings.Contains(zh.Notes[0], "converted from GB18030") || len(en.Notes) != 0 {
			t.Errorf("notes %q and %q; want one of the conversion for the GBK file only", zh.Notes, en.Notes)
		}
		enRows, err := db.ImportRows(ctx, w.ExpMember, en.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		zhRows, err := db.ImportRows(ctx, w.ExpMember, zh.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range enRows {
			a, b := zhRows[i], enRows[i]
			if a.Status != b.Status || a.Outcome != b.Outcome || len(a.Reasons) != len(b.Reasons) ||
				len(a.Reasons) > 0 && (a.Reasons[0].Code != b.Reasons[0].Code || a.Reasons[0].Field != b.Reasons[0].Field) {
				t.Errorf("row %d: gbk %+v, utf-8 %+v", i+1, a, b)
			}
			if a.ApplicationID != 0 {
				app, err := db.FindApplicationByID(ctx, w.ExpMember, a.ApplicationID)
				if err != nil {
					t.Fatal(err)
				}
				if app.Vehicle.Brand != "长安" || app.Buyer != "OOO Avto" {
					t.Errorf("row %d filed with brand %q, buyer %q; want 长安, OOO Avto", i+1, app.Vehicle.Brand, app.Buyer)
				}
			}
		}
	})
}

// A file that is neither UTF-8 nor GB18030 is refused at upload with one
// error naming the line, and nothing is stored.
func TestStartImport_TextNeitherUTF8NorGB18030IsRefusedNamingTheLine(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		src := importHeader + importLine(w.VINFor(w.MakerWMI), oldReg, "") + strings.Replace(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "Testa", "Citro\xebn\xff", 2)
		_, err := db.StartImport(context.Background(), w.ExpMember, "cars.csv", []byte(src))
		wantCode(t, err, ucx.EINVALID)
		if msg := ucx.ErrorMessage(err); !strings.Contains(msg, "line 3 is neither UTF-8 nor GB18030") {
			t.Errorf("message %q does not name line 3", msg)
		}
		if n := count(t, db, "imports"); n != 0 {
			t.Errorf("%d imports stored, want 0", n)
		}
	})
}

// TestImport_EvidenceColumnsGoOntoTheApplication: the R9 columns, R11
// banned cases and the inspection report are read onto the application
// instead of rejecting the row; a row they block is filed as a blocked
// draft with the reason, and an impossible transfer date (R5) is rejected
// naming transfer_date.
func TestImport_EvidenceColumnsGoOntoTheApplication(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		header := strings.TrimSuffix(importHeader, "\n") + ",modified,chassis_brand,modified_brand,modification_genuine,miit_catalogue,ccc_certificate,banned_cases\n"
		line := func(reg ucx.Date, extra string) (string, string) {
			v := w.VINFor(w.MakerWMI)
			return v, strings.TrimSuffix(importLine(v, reg, ""), "\n") + "," + extra + "\n"
		}
		vComplete, l1 := line(oldReg, "yes,Foton,Zhongtong,yes,yes,yes,")
		_, l2 := line(oldReg, "yes,Foton,Zhongtong,yes,yes,no,")
		_, l3 := line(oldReg, "no,,,,,,seized")
		_, l4 := line(oldReg, "no,,,,,,")
		l4 = strings.Replace(l4, oldReg.AddDays(20).String(), oldReg.AddDays(-1).String(), 2)
		im := runImport(t, w, w.ExpMember, header+l1+l2+l3+l4)
		rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
		if err != nil || len(rows) != 4 {
			t.Fatalf("rows %d, %v; import %+v", len(rows), err, im)
		}
		want := []struct{ status, outcome, rule string }{
			{sqlstore.RowFiled, "clear", ""}, {sqlstore.RowFiled, "blocked", "R9"}, {sqlstore.RowFiled, "blocked", "R11"}, {sqlstore.RowRejected, "", "R5"},
		}
		for i, r := range rows {
			if r.Status != want[i].status || (r.Status == sqlstore.RowFiled && r.Outcome != want[i].outcome) {
				t.Errorf("row %d: %s %s %+v, want %s %s", i+1, r.Status, r.Outcome, r.Reasons, want[i].status, want[i].outcome)
				continue
			}
			if want[i].rule == "" {
				continue
			}
			found := false
			for _, rs := range r.Reasons {
				found = found || rs.Rule == want[i].rule
			}
			if r.Status == sqlstore.RowFiled {
				a, err := db.FindApplicationByID(ctx, w.ExpMember, r.ApplicationID)
				if err != nil {
					t.Fatal(err)
				}
				for _, rs := range a.Decision.Reasons {
					found = found || (rs.Rule == want[i].rule && rs.Severity == ucx.Block)
				}
			}
			if !found {
				t.Errorf("row %d: no %s reason in %+v", i+1, want[i].rule, r.Reasons)
			}
		}
		apps, _, err := db.FindApplications(ctx, w.ExpMember, ucx.ApplicationFilter{VIN: vComplete})
		if err != nil || len(apps) != 1 || apps[0].Modification == nil || apps[0].Modification.CCC == nil || !*apps[0].Modification.CCC || !apps[0].Vehicle.Modified {
			t.Fatalf("the complete row's application does not carry its R9 evidence: %v %+v", err, apps)
		}
	})
}

// TestImport_GroupsRowsIntoShipments checks that an import files rows of
// one contract as one shipment of at most the limit (R4): 23 rows of
// contract HT-1 make shipments of 20 and 3, the 21st row saying why it
// started another; a batch column splits one contract into its batches; a
// row with neither is filed alone and gets its shipment of one when
// submitted.
func TestImport_GroupsRowsIntoShipments(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		var csv strings.Builder
		csv.WriteString(importHeader)
		for i := 0; i < 23; i++ {
			csv.WriteString(importLine(w.VINFor(w.MakerWMI), oldReg, ""))
		}
		lone := strings.Replace(importLine(w.VINFor(w.MakerWMI), oldReg, "yes"), ",HT-1,", ",,", 1)
		csv.WriteString(lone)
		im := runImport(t, w, w.ExpMember, csv.String())
		if im.Filed != 24 {
			t.Fatalf("filed %d of 24: %+v", im.Filed, im)
		}
		rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 100)
		if err != nil || len(rows) != 24 {
			t.Fatalf("ImportRows: %d, %v", len(rows), err)
		}
		first, second := rows[0].ShipmentID, rows[20].ShipmentID
		if first == 0 || second == 0 || first == second {
			t.Fatalf("rows 1 and 21 went to shipments %d and %d, want two", first, second)
		}
		for i, r := range rows[:23] {
			want := first
			if i >= 20 {
				want = second
			}
			if r.ShipmentID != want {
				t.Errorf("row %d went to shipment %d, want %d", r.Row, r.ShipmentID, want)
			}
		}
		if len(rows[20].Reasons) == 0 || rows[20].Reasons[0].Code != "shipment_full" || !strings.Contains(rows[20].Reasons[0].Message, "20") {
			t.Errorf("row 21's reasons %+v, want the note that shipment %d is full", rows[20].Reasons, first)
		}
		s, err := db.FindShipmentByID(ctx, w.ExpMember, first)
		if err != nil || len(s.Vehicles) != 20 || s.ContractNumber != "HT-1" || s.Destination != "RU" || s.State != ucx.StateDraft {
			t.Fatalf("shipment %d: %v", first, err)
		}
		if s, err = db.FindShipmentByID(ctx, w.ExpMember, second); err != nil || len(s.Vehicles) != 3 {
			t.Fatalf("shipment %d: %v", second, err)
		}
		// The lone row was submitted at once: its shipment of one.
		if r := rows[23]; r.ShipmentID == 0 {
			t.Errorf("the lone submitted row has no shipment: %+v", r)
		} else if s, err := db.FindShipmentByID(ctx, w.ExpMember, r.ShipmentID); err != nil || len(s.Vehicles) != 1 || s.State == ucx.StateDraft {
			t.Errorf("the lone row's shipment: %v", err)
		}

		// A batch column splits one contract into its batches.
		csv.Reset()
		csv.WriteString(strings.TrimSuffix(importHeader, "\n") + ",batch\n")
		for i, b := range []string{"A", "A", "B"} {
			_ = i
			csv.WriteString(strings.TrimSuffix(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "\n") + "," + b + "\n")
		}
		im = runImport(t, w, w.ExpMember, csv.String())
		if rows, err = db.ImportRows(ctx, w.ExpMember, im.ID, 0, 100); err != nil || len(rows) != 3 {
			t.Fatalf("ImportRows: %v", err)
		}
		if rows[0].ShipmentID != rows[1].ShipmentID || rows[1].ShipmentID == rows[2].ShipmentID || rows[0].ShipmentID == first {
			t.Errorf("batches A, A, B went to shipments %d, %d, %d", rows[0].ShipmentID, rows[1].ShipmentID, rows[2].ShipmentID)
		}
	})
}
