package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestDeregistration_RecordOnceForOwnClearedVehicle: the exporter records
// a cleared vehicle's deregistration once (R16); another exporter, a
// viewer, an authority, a vehicle not cleared yet, an impossible date and
// a missing reference are refused with nothing written.
func TestDeregistration_RecordOnceForOwnClearedVehicle(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		licensed := w.Licensed(t)
		_, err := db.RecordDeregistration(ctx, w.ExpMember, licensed.ApplicationID, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "ZX-1"})
		wantCode(t, err, ucx.ERULE) // not cleared yet

		s, l := w.Cleared(t, 2)
		v := s.Vehicles[0]
		ok := ucx.DeregistrationInput{DeregisteredOn: today, Reference: " 粤A注销-2026-0001 "}
		for _, tc := range []struct {
			name string
			p    *ucx.Principal
			in   ucx.DeregistrationInput
			code string
		}{
			{"another exporter", w.Exp2Member, ok, ucx.ENOTFOUND},
			{"a viewer", w.ExpViewer, ok, ucx.EFORBIDDEN},
			{"the authority", w.AuthMember, ok, ucx.EFORBIDDEN},
			{"customs", w.CustomsMember, ok, ucx.EFORBIDDEN},
			{"before the clearance", w.ExpMember, ucx.DeregistrationInput{DeregisteredOn: today.AddDays(-1), Reference: "ZX-1"}, ucx.EINVALID},
			{"in the future", w.ExpMember, ucx.DeregistrationInput{DeregisteredOn: today.AddDays(1), Reference: "ZX-1"}, ucx.EINVALID},
			{"no date", w.ExpMember, ucx.DeregistrationInput{Reference: "ZX-1"}, ucx.EINVALID},
			{"no reference", w.ExpMember, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "  "}, ucx.EINVALID},
			{"a line break", w.ExpMember, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "ZX\n1"}, ucx.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.RecordDeregistration(ctx, tc.p, v.ID, tc.in)
				wantCode(t, err, tc.code)
			})
		}
		_, err = db.RecordDeregistration(ctx, w.ExpMember, 99999, ok)
		wantCode(t, err, ucx.ENOTFOUND)
		if n := count(t, db, "deregistrations"); n != 0 {
			t.Fatalf("%d deregistrations written by refused calls", n)
		}

		got, err := db.RecordDeregistration(ctx, w.ExpMember, v.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != ucx.DeregistrationDone || got.Late || got.Deregistration == nil || got.Deregistration.Reference != "粤A注销-2026-0001" ||
			got.Deregistration.DeregisteredOn != today || got.LicenceID != l.ID || got.ClearedOn != today || got.Due != l.DeregistrationDue {
			t.Fatalf("recorded = %+v (%+v)", got, got.Deregistration)
		}
		_, err = db.RecordDeregistration(ctx, w.ExpAdmin, v.ID, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "OTHER"})
		wantCode(t, err, ucx.ECONFLICT)
		if n := count(t, db, "events WHERE action = 'application.deregistered'"); n != 1 {
			t.Errorf("%d deregistration audit events, want 1", n)
		}
		list, total, err := db.FindDeregistrations(ctx, w.ExpMember, ucx.DeregistrationFilter{ShipmentID: s.ID})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("the shipment's deregistrations: %d of %d (%v), want 2", len(list), total, err)
		}
		states := map[int64]ucx.DeregistrationState{}
		for _, d := range list {
			states[d.ApplicationID] = d.State
		}
		if states[v.ID] != ucx.DeregistrationDone || states[s.Vehicles[1].ID] != ucx.DeregistrationDue {
			t.Errorf("states = %v, want the first deregistered, the second due", states)
		}
		if list, _, _ := db.FindDeregistrations(ctx, w.Exp2Member, ucx.DeregistrationFilter{ShipmentID: s.ID}); len(list) != 0 {
			t.Errorf("another exporter sees %d of the shipment's vehicles", len(list))
		}
	})
}

// TestDeregistration_OverdueListedAndCreditedOnce: two months after
// clearance the vehicles with no record are overdue, listed for the
// exporter and the authority that issued the licence but not for another
// exporter or authority; the sweep records one credit event per overdue
// vehicle (R8) and announces the licence once over two sweeps; a vehicle
// deregistered in time is neither; a late record takes the vehicle off
// the list but keeps its credit event.
func TestDeregistration_OverdueListedAndCreditedOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		other := &ucx.Org{Kind: ucx.KindAuthority, Name: "浙江省商务厅", Region: "浙江"}
		u := &ucx.User{Username: "auth2.member", Role: ucx.RoleMember}
		if err := db.Bootstrap(ctx, other, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		auth2 := &ucx.Principal{UserID: u.ID, Username: u.Username, OrgID: other.ID, OrgKind: ucx.KindAuthority, Role: ucx.RoleMember}

		s, l := w.Cleared(t, 3)
		_, done := w.Cleared(t, 1) // deregistered in time: never overdue
		doneShip, _ := db.FindShipmentByID(ctx, w.ExpMember, done.ShipmentID)
		if _, err := db.RecordDeregistration(ctx, w.ExpMember, doneShip.Vehicles[0].ID, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "ZX-0"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordDeregistration(ctx, w.ExpMember, s.Vehicles[0].ID, ucx.DeregistrationInput{DeregisteredOn: today, Reference: "ZX-1"}); err != nil {
			t.Fatal(err)
		}
		overdue := func(p *ucx.Principal) []*ucx.VehicleDeregistration {
			t.Helper()
			list, total, err := db.FindDeregistrations(ctx, p, ucx.DeregistrationFilter{Overdue: true})
			if err != nil || total != len(list) {
				t.Fatalf("overdue list: %v (%d of %d)", err, len(list), total)
			}
			return list
		}
		if n := len(overdue(w.ExpMember)); n != 0 {
			t.Fatalf("%d overdue on the day of clearance", n)
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("sweep on the day of clearance: %d, %v", n, err)
		}

		later := testNow.Add(70 * 24 * time.Hour) // past l.DeregistrationDue
		db.Now = func() time.Time { return later }
		for _, p := range []*ucx.Principal{w.ExpMember, w.ExpViewer, w.AuthMember, w.AuthViewer} {
			list := overdue(p)
			if len(list) != 2 || list[0].ApplicationID != s.Vehicles[1].ID || list[1].ApplicationID != s.Vehicles[2].ID ||
				list[0].State != ucx.DeregistrationOverdue || list[0].LicenceNumber != l.Number || list[0].ExporterName != w.Exporter.Name {
				t.Fatalf("%s sees overdue %+v, want vehicles 2 and 3 of the shipment", p.Username, list)
			}
		}
		for _, p := range []*ucx.Principal{w.Exp2Member, auth2} {
			if n := len(overdue(p)); n != 0 {
				t.Errorf("%s sees %d overdue vehicles of another's", p.Username, n)
			}
		}
		for _, p := range []*ucx.Principal{w.CustomsMember, w.MakerMember, w.OperatorAdmin} {
			_, _, err := db.FindDeregistrations(ctx, p, ucx.DeregistrationFilter{Overdue: true})
			wantCode(t, err, ucx.EFORBIDDEN)
		}

		credits := func() []*ucx.CreditEvent {
			t.Helper()
			evs, err := db.FindCreditEvents(ctx, w.AuthMember, w.Exporter.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []*ucx.CreditEvent
			for _, e := range evs {
				if e.Code == ucx.CodeDeregistrationOverdue {
					out = append(out, e)
				}
			}
			return out
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("first sweep announced %d licences (%v), want 1", n, err)
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep announced %d (%v), want 0", n, err)
		}
		evs := credits()
		if len(evs) != 2 {
			t.Fatalf("%d deregistration credit events after two sweeps, want 2 (one per overdue vehicle)", len(evs))
		}
		for _, e := range evs {
			if !e.Automatic || e.LicenceID != 0 || e.OccurredOn != l.DeregistrationDue.AddDays(1) ||
				(e.ApplicationID != s.Vehicles[1].ID && e.ApplicationID != s.Vehicles[2].ID) {
				t.Errorf("credit event %+v", e)
			}
		}
		if n := count(t, db, "events WHERE action = 'licence.deregistration_overdue'"); n != 1 {
			t.Errorf("%d overdue announcements, want 1 (the licence of the deregistered car is not overdue)", n)
		}
		if list := overdue(w.ExpMember); len(list) != 2 || list[0].CreditEventID == 0 || !list[0].Late {
			t.Fatalf("after the sweep: %+v", list)
		}

		// A late record: off the list, the credit event stays.
		late, err := db.RecordDeregistration(ctx, w.ExpMember, s.Vehicles[1].ID, ucx.DeregistrationInput{DeregisteredOn: ucx.DateOf(later), Reference: "ZX-2"})
		if err != nil || !late.Late || late.State != ucx.DeregistrationDone || late.CreditEventID == 0 {
			t.Fatalf("late record: %+v, %v", late, err)
		}
		if list := overdue(w.AuthMember); len(list) != 1 || list[0].ApplicationID != s.Vehicles[2].ID {
			t.Fatalf("after the late record the authority sees %+v overdue, want vehicle 3 only", list)
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 0 || len(credits()) != 2 {
			t.Fatalf("third sweep: %d, %v, %d credit events; want nothing new", n, err, len(credits()))
		}
	})
}

// TestDeregistration_PastClearanceFromHistory: a car written as history
// with a clearance (HistoryApplication.ClearedOn, the demo's past) falls
// due two months after it and, past that, is overdue like any other; a
// history car licensed but not cleared is not in the lists.
func TestDeregistration_PastClearanceFromHistory(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		filed := today.AddDays(-110)
		km := 100
		h := func(cleared ucx.Date) sqlstore.HistoryApplication {
			return sqlstore.HistoryApplication{ExporterID: w.Exporter.ID, AuthorityID: w.Authority.ID, VIN: w.VINFor(w.MakerWMI), Brand: "Testa", Model: "T1",
				Destination: "KZ", Registered: filed.AddDays(-400), Filed: filed, MileageKM: &km, State: ucx.StateCleared,
				LicensedOn: filed.AddDays(3), ClearedOn: cleared}
		}
		if err := db.LoadHistory(ctx, []sqlstore.HistoryApplication{h(filed.AddDays(10)), h(ucx.Date{})}, 10); err != nil {
			t.Fatal(err)
		}
		list, total, err := db.FindDeregistrations(ctx, w.AuthMember, ucx.DeregistrationFilter{Overdue: true})
		if err != nil || total != 1 || list[0].ClearedOn != filed.AddDays(10) || list[0].Due != sqlstore.AddMonths(filed.AddDays(10), 2) {
			t.Fatalf("overdue from history: %+v (%d, %v)", list, total, err)
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
	})
}
