package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// BenchmarkListPages loads UCX_BENCH_LIST_ROWS applications (default
// 20,000; UCX_BENCH_LIST=1 for 1,000,000) and asks for the pages the web
// UI's lists ask for — 50 rows with their total counted up to 10,000, as the exporter, the
// authority and the manufacturer, filtered, sorted and searched the ways
// issue 14 names — reporting each query's p50 and p95 and the p95 over all
// of them (target: under 100 ms at a million rows), per engine.
func BenchmarkListPages(b *testing.B) {
	rows := 20000
	if os.Getenv("UCX_BENCH_LIST") == "1" {
		rows = 1_000_000
	}
	if s := os.Getenv("UCX_BENCH_LIST_ROWS"); s != "" {
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
			r := rand.New(rand.NewPCG(3, 4))
			dests := []string{"RU", "KZ", "AE", "UZ", "KG", "GE", "DZ", "EG"}
			makers := []int64{w.Maker.ID, w.Maker2.ID}
			exporters := []int64{w.Exporter.ID, w.Exporter2.ID}
			states := []ucx.State{ucx.StateUnderReview, ucx.StateLicensed, ucx.StateCleared, ucx.StateAwaitingConfirmation}
			start := time.Now()
			var someVIN string
			loadBenchHistory(b, db, rows, func(i int) sqlstore.HistoryApplication {
				filed := ucx.MustDate(2025, 3, 11).AddDays(r.IntN(365))
				reg := filed.AddDays(-r.IntN(900))
				km := r.IntN(3000)
				h := sqlstore.HistoryApplication{ExporterID: exporters[r.IntN(2)], ManufacturerID: makers[r.IntN(2)], AuthorityID: w.Authority.ID,
					VIN: benchVIN(i), Brand: fmt.Sprint("Brand", r.IntN(30)), Model: "M", Destination: dests[r.IntN(len(dests))],
					Registered: reg, Filed: filed, MileageKM: &km, State: states[r.IntN(len(states))], Letter: filed.Sub(reg) <= 180}
				if h.State == ucx.StateLicensed || h.State == ucx.StateCleared {
					h.LicensedOn = filed.AddDays(r.IntN(10))
				}
				if i == rows/2 {
					someVIN = h.VIN
				}
				return h
			})
			sqlstore.Exec(ctx, db, "ANALYZE")
			b.Logf("%s: loaded %d applications in %s", engine, rows, time.Since(start).Round(time.Millisecond))

			sort := func(s string) ucx.Sort { x, _ := ucx.ParseSort(s, ucx.ApplicationSorts); return x }
			queries := []struct {
				name string
				p    *ucx.Principal
				f    ucx.ApplicationFilter
			}{
				{"exporter/newest", w.ExpMember, ucx.ApplicationFilter{}},
				{"exporter/page-10", w.ExpMember, ucx.ApplicationFilter{Offset: 450}},
				{"exporter/by-registration", w.ExpMember, ucx.ApplicationFilter{Sort: sort("registration_date")}},
				{"exporter/state+destination", w.ExpMember, ucx.ApplicationFilter{State: ucx.StateLicensed, Destination: "KZ"}},
				{"exporter/outcome", w.ExpMember, ucx.ApplicationFilter{Outcome: "letter-required"}},
				{"exporter/search-vin", w.ExpMember, ucx.ApplicationFilter{Query: someVIN}},
				{"authority/queue", w.AuthMember, ucx.ApplicationFilter{State: ucx.StateUnderReview}},
				{"authority/queue-by-date", w.AuthMember, ucx.ApplicationFilter{State: ucx.StateUnderReview, Sort: sort("application_date")}},
				{"authority/exporter+dates", w.AuthMember, ucx.ApplicationFilter{ExporterID: w.Exporter2.ID, From: ucx.MustDate(2025, 6, 1), To: ucx.MustDate(2025, 6, 30)}},
				{"authority/search-text", w.AuthMember, ucx.ApplicationFilter{Query: "brand7"}},
				{"manufacturer/its-cars", w.MakerMember, ucx.ApplicationFilter{Sort: sort("-updated_at")}},
			}
			times := make([][]time.Duration, len(queries))
			b.ResetTimer()
			for b.Loop() {
				for i, q := range queries {
					f := q.f
					if f.Limit == 0 {
						f.Limit = 50
					}
					f.CountUpTo = 10000 // as the web UI's list counts (uiCountCap)
					t0 := time.Now()
					if _, _, err := db.FindApplications(ctx, q.p, f); err != nil {
						b.Fatalf("%s: %v", q.name, err)
					}
					times[i] = append(times[i], time.Since(t0))
				}
			}
			b.StopTimer()
			var all []time.Duration
			for i, q := range queries {
				all = append(all, times[i]...)
				b.Logf("%s %-28s p50 %6.1f ms  p95 %6.1f ms", engine, q.name, ms(pct(times[i], 50)), ms(pct(times[i], 95)))
			}
			b.ReportMetric(ms(pct(all, 50)), "p50-ms")
			b.ReportMetric(ms(pct(all, 95)), "p95-ms")
		})
	}
}

// pct is the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchVIN is the i-th of a million valid VINs (check digit and all), so a
// search for a whole VIN takes the VIN index as a person's would.
func benchVIN(i int) string {
	v := fmt.Sprintf("LGXCE4CB0S%07d", i)
	d, _ := vin.CheckDigit(v)
	return v[:8] + string(d) + v[9:]
}
