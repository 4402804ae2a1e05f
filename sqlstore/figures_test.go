package sqlstore_test

import (
	"context"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestFigures_HandComputed files four applications through the workflow
// (so the triggers of application_facts are what is tested) and checks
// every figure against hand-computed values:
//
//	a1 maker, RU, registered 2026-01-16 (53 days), 10 km: letter approved, licensed
//	a2 maker, RU, 53 days, 50 km: letter refused
//	a3 maker2, KZ, registered 2025-03-01 (374 days), 5000 km: no letter, under review
//	a4 a draft: not filed, not counted
func TestFigures_HandComputed(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		km := func(n int) *int { return &n }
		file := func(wmi string, reg ucx.Date, mileage int, dest, brand string) *ucx.Application {
			in := w.Input(wmi, reg)
			in.Vehicle.MileageKM, in.Destination, in.Submit = km(mileage), dest, true
			in.Vehicle.Brand, in.Certificate.Brand = brand, brand
			return w.Create(t, w.ExpMember, in)
		}
		a1 := file(w.MakerWMI, recentReg, 10, "RU", "Testa")
		a2 := file(w.MakerWMI, recentReg, 50, "RU", "Testa")
		file(w.Maker2WMI, oldReg, 5000, "KZ", "Other")
		w.Create(t, w.ExpMember, w.Input(w.MakerWMI, recentReg))
		reqs, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{})
		if err != nil || len(reqs) != 2 {
			t.Fatalf("requests: %v %v", reqs, err)
		}
		for _, r := range reqs {
			if r.ApplicationID == a1.ID {
				if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
					t.Fatal(err)
				}
			} else if r.ApplicationID == a2.ID {
				if _, err := db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, "no_service_network", "none"); err != nil {
					t.Fatal(err)
				}
			}
		}
		a1, _ = db.FindApplicationByID(ctx, w.AuthMember, a1.ID)
		if _, err := db.IssueLicence(ctx, w.AuthMember, a1.ID, a1.Version); err != nil {
			t.Fatal(err)
		}

		f := ucx.FigureFilter{From: ucx.MustDate(2026, 1, 1), To: ucx.MustDate(2026, 3, 31)}
		figs, err := db.Figures(ctx, w.AuthViewer, f)
		if err != nil {
			t.Fatal(err)
		}
		want := func(table, key string, values ...float64) {
			t.Helper()
			tb := figs.Table(table)
			for _, r := range tb.Rows {
				if r.Key != key {
					continue
				}
				for i, v := range values {
					if v < 0 {
						if r.Values[i] != nil {
							t.Errorf("%s[%s].%s = %v, want null", table, key, tb.Columns[i], *r.Values[i])
						}
						continue
					}
					if r.Values[i] == nil || *r.Values[i] != v {
						t.Errorf("%s[%s].%s = %v, want %v", table, key, tb.Columns[i], r.Values[i], v)
					}
				}
				return
			}
			t.Errorf("%s has no row %q: %+v", table, key, tb.Rows)
		}
		two3 := 2.0 / 3
		// applications, licences, letter, letter share, near zero (<100 km), mileage known, near-zero share
		want("by_month", "2026-03", 3, 1, 2, two3, 2, 3, two3)
		want("by_destination", "RU", 2, 1, 2, 1, 2, 2, 1)
		want("by_destination", "KZ", 1, 0, 0, 0, 0, 1, 0)
		want("by_brand", "Other", 1, 0, 0, 0, 0, 1, 0)
		want("by_manufacturer", itoa(w.Maker.ID), 2, 1, 2, 1, 2, 2, 1)
		// Days 53, 53, 374: median (rank 2) 53, p90 (rank 3) 374.
		want("registration_to_application", "all", 3, 53, 374)
		want("registration_to_application", "2026-03", 3, 53, 374)
		// requested, approved, refused, pending, approval rate, hours (the clock stands still).
		want("letters_by_manufacturer", itoa(w.Maker.ID), 2, 1, 1, 0, 0.5, 0, 0)
		// The exporter filed 3 in the year: small (< 120).
		want("by_exporter_size", "small", 1, 2, 1, 1, 0, 0.5, 0, 0)
		want("by_exporter_size", "large", 0, 0, 0, 0, 0, -1, -1, -1)
		if len(figs.Tables) != len(ucx.FigureNames) {
			t.Fatalf("%d tables", len(figs.Tables))
		}

		// A 40 km threshold: only a1 is near zero.
		f.Config.NearZeroKM = 40
		figs, _ = db.Figures(ctx, w.AuthViewer, f)
		want("by_month", "2026-03", 3, 1, 2, two3, 1, 3, 1.0/3)
		// Sized with small below 3: the exporter is medium.
		f.Config = ucx.FigureConfig{SmallBelow: 3, LargeFrom: 10}
		figs, _ = db.Figures(ctx, w.AuthViewer, f)
		want("by_exporter_size", "medium", 1, 2, 1, 1, 0, 0.5, 0, 0)

		// Public: every cell here is under 5, so all are suppressed.
		f.Config, f.Public = ucx.FigureConfig{}, true
		figs, err = db.Figures(ctx, nil, f)
		if err != nil {
			t.Fatal(err)
		}
		want("by_month", "2026-03", -1, -1, -1, -1, -1, -1, -1)
		want("letters_by_manufacturer", itoa(w.Maker.ID), -1, -1, -1, -1, -1, -1, -1)
		// With MinCell 1 nothing is suppressed.
		f.Config.MinCell = 1
		figs, _ = db.Figures(ctx, nil, f)
		want("by_month", "2026-03", 3, 1, 2, two3, 2, 3, two3)

		// Refusals.
		_, err = db.Figures(ctx, w.ExpAdmin, ucx.FigureFilter{From: f.From, To: f.To})
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.Figures(ctx, nil, ucx.FigureFilter{From: f.From, To: f.To})
		wantCode(t, err, ucx.EUNAUTHORIZED)
		_, err = db.Figures(ctx, w.AuthMember, ucx.FigureFilter{From: f.To, To: f.From})
		wantField(t, err, "from")
		// A period before the filings is empty.
		figs, _ = db.Figures(ctx, w.AuthMember, ucx.FigureFilter{From: ucx.MustDate(2025, 1, 1), To: ucx.MustDate(2025, 12, 31)})
		if n := len(figs.Table("by_month").Rows); n != 0 {
			t.Fatalf("2025 has %d month rows", n)
		}
	})
}

func itoa(n int64) string {
	s := ""
	if n == 0 {
		return "0"
	}
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
