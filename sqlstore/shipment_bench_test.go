package sqlstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// BenchmarkShipmentVsSingles is issue 11's comparison, in one run: a
// 20-car shipment of 3 manufacturers from filing to sealed licence (file
// and submit, 3 letters answered, one licence) against the same 20 cars
// as single-car applications through the same path (20 filings, 20
// approvals, 20 licences), sealing on with custodial keys. Each iteration
// does both; it reports the time of each per batch of 20 and their ratio
// (target ≤ 0.3). SQLite always, PostgreSQL with UCX_TEST_POSTGRES.
//
//	go test -run '^$' -bench ShipmentVsSingles -benchtime 20x ./sqlstore
func BenchmarkShipmentVsSingles(b *testing.B) {
	engines := []sqlstore.Engine{sqlstore.SQLite}
	if os.Getenv("UCX_TEST_POSTGRES") != "" {
		engines = append(engines, sqlstore.Postgres)
	}
	for _, e := range engines {
		b.Run(string(e), func(b *testing.B) {
			db := sqlstoretest.MustOpen(b, e)
			w := newWorld(b, db)
			ctx := context.Background()
			if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
				b.Fatal(err)
			}
			// A third manufacturer, so that the batch has three letters.
			m3 := &ucx.Org{Kind: ucx.KindManufacturer, Name: "第三汽车制造有限公司", Brands: []string{"Tertia"}, WMIs: []string{"LM3"},
				Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Tertia Rus", Address: "Prospekt Mira 3, Moscow"}}}
			u := &ucx.User{Username: "maker3.admin", Role: ucx.RoleAdmin}
			if err := db.Bootstrap(ctx, m3, u, testPassword); err != nil {
				b.Fatal(err)
			}
			sqlstoretest.BindManufacturer(b, db, m3) // R2: it confirms
			m3p := &ucx.Principal{UserID: u.ID, Username: u.Username, OrgID: m3.ID, OrgKind: m3.Kind, Role: ucx.RoleAdmin}
			for _, p := range []*ucx.Principal{w.Users["maker.admin"], w.Users["maker2.admin"], m3p, w.Users["authority.admin"]} {
				if _, err := db.CreateCustodialKey(ctx, p, "", time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
			answerer := map[int64]struct {
				p      *ucx.Principal
				outlet int64
			}{
				w.Maker.ID: {w.Users["maker.admin"], w.MakerRU}, w.Maker2.ID: {w.Users["maker2.admin"], w.Maker2RU},
				m3.ID: {m3p, m3.Outlets[0].ID},
			}
			wmis := make([]string, 0, 20)
			for i := 0; i < 20; i++ {
				wmis = append(wmis, []string{w.MakerWMI, w.Maker2WMI, "LM3"}[i*3/20])
			}
			auth := w.Users["authority.admin"]

			var batch, singles time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in := shipmentOf(w, recentReg, wmis...)
				in.Submit = true
				start := time.Now()
				s, _, err := db.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for _, l := range s.Letters {
					m := answerer[l.ManufacturerID]
					answers := make([]ucx.LetterAnswer, len(l.Requests))
					for j, r := range l.Requests {
						answers[j] = ucx.LetterAnswer{RequestID: r.ID, Approve: true, OutletIDs: []int64{m.outlet}}
					}
					if _, err := db.AnswerLetter(ctx, m.p, l.ID, l.Version, answers); err != nil {
						b.Fatal(err)
					}
				}
				s, err = db.FindShipmentByID(ctx, auth, s.ID)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.IssueShipmentLicence(ctx, auth, s.ID, s.Version); err != nil {
					b.Fatal(err)
				}
				batch += time.Since(start)

				start = time.Now()
				for _, wmi := range wmis {
					v := w.Input(wmi, recentReg)
					v.Submit = true
					a, _, err := db.CreateApplication(ctx, w.ExpMember, v, ucx.CreateOptions{})
					if err != nil {
						b.Fatal(err)
					}
					rs, _, err := db.FindRequests(ctx, auth, ucx.RequestFilter{ApplicationIDs: []int64{a.ID}})
					if err != nil || len(rs) != 1 {
						b.Fatalf("request of %d: %v", a.ID, err)
					}
					m := answerer[rs[0].ManufacturerID]
					if _, err := db.ApproveRequest(ctx, m.p, rs[0].ID, rs[0].Version, []int64{m.outlet}); err != nil {
						b.Fatal(err)
					}
					if _, err := db.IssueLicence(ctx, auth, a.ID, a.Version+1); err != nil { // submitted, then confirmed
						b.Fatal(err)
					}
				}
				singles += time.Since(start)
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(batch.Milliseconds())/n, "ms/shipment20")
			b.ReportMetric(float64(singles.Milliseconds())/n, "ms/singles20")
			b.ReportMetric(batch.Seconds()/singles.Seconds(), "ratio")
		})
	}
}
