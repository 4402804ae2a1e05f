package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// BenchmarkFigures loads UCX_BENCH_FIGURES_ROWS applications (default
// 20,000; set UCX_BENCH_FIGURES=1 for 1,000,000) with LoadHistory and
// times one dashboard request (every figure over a year) per iteration,
// per engine. The target is under 500 ms a figure at a million rows.
func BenchmarkFigures(b *testing.B) {
	rows := 20000
	if os.Getenv("UCX_BENCH_FIGURES") == "1" {
		rows = 1_000_000
	}
	if s := os.Getenv("UCX_BENCH_FIGURES_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	for _, engine := range []sqlstore.Engine{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(fmt.Sprintf("%s/%d", engine, rows), func(b *testing.B) {
			if engine == sqlstore.Postgres && os.Getenv("UCX_TEST_POSTGRES") == "" {
				b.Skip("set UCX_TEST_POSTGRES")
			}
			db := MustOpenDB(b, engine)
			w := newWorld(b, db)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(1, 2))
			dests := []string{"RU", "KZ", "AE", "UZ", "KG", "GE", "DZ", "EG"}
			makers := []int64{w.Maker.ID, w.Maker2.ID}
			exporters := []int64{w.Exporter.ID, w.Exporter2.ID}
			start := time.Now()
			loadBenchHistory(b, db, rows, func(i int) sqlstore.HistoryApplication {
				filed := ucx.MustDate(2025, 3, 11).AddDays(r.IntN(365))
				reg := filed.AddDays(-r.IntN(900))
				km := r.IntN(3000)
				letter := filed.Sub(reg) <= 180
				h := sqlstore.HistoryApplication{ExporterID: exporters[r.IntN(2)], ManufacturerID: makers[r.IntN(2)], AuthorityID: w.Authority.ID,
					VIN: fmt.Sprintf("B%016d", i), Brand: fmt.Sprint("Brand", r.IntN(30)), Model: "M", Destination: dests[r.IntN(len(dests))],
					Registered: reg, Filed: filed, MileageKM: &km, State: ucx.StateUnderReview, Letter: letter}
				if letter {
					h.LetterState = []ucx.ConfirmationState{ucx.ConfirmationApproved, ucx.ConfirmationRefused, ucx.ConfirmationPending}[r.IntN(3)]
					h.AnsweredAfter = time.Duration(r.IntN(200)) * time.Hour
				}
				if r.IntN(2) == 0 {
					h.State, h.LicensedOn = ucx.StateLicensed, filed.AddDays(r.IntN(10))
				}
				return h
			})
			b.Logf("%s: loaded %d applications in %s", engine, rows, time.Since(start).Round(time.Millisecond))
			sqlstore.Exec(ctx, db, "ANALYZE")
			f := ucx.FigureFilter{From: ucx.MustDate(2025, 3, 11), To: ucx.MustDate(2026, 3, 10)}
			// Each figure alone, for the report.
			figs, err := db.Figures(ctx, w.AuthMember, f)
			if err != nil {
				b.Fatal(err)
			}
			for _, name := range ucx.FigureNames {
				t0 := time.Now()
				if _, err := sqlstore.Figure(ctx, db, f, name); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s %s: %s (%d rows)", engine, name, time.Since(t0).Round(time.Millisecond), len(figs.Table(name).Rows))
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := db.Figures(ctx, w.AuthMember, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// loadBenchHistory loads rows applications made by next into db with
// LoadHistory, ten thousand a batch: the seeding of the million-row
// benchmarks.
func loadBenchHistory(b *testing.B, db *sqlstore.DB, rows int, next func(i int) sqlstore.HistoryApplication) {
	b.Helper()
	apps := make([]sqlstore.HistoryApplication, 0, 10000)
	for i := 0; i < rows; i++ {
		apps = append(apps, next(i))
		if len(apps) == cap(apps) || i == rows-1 {
			if err := db.LoadHistory(context.Background(), apps, 10000); err != nil {
				b.Fatal(err)
			}
			apps = apps[:0]
		}
	}
}
