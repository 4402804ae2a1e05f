package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestCreateApplication_ConcurrentFilingsGroupCommitted files many
// applications at once, so that they are group-committed, with conflicts
// mixed in: one VIN filed by ten callers, one idempotency key retried by
// ten, one key reused for five different cars, and a VIN already live.
// Each caller must get its own answer, and the store hold exactly the
// applications answered as filed, each with its one audit event.
func TestCreateApplication_ConcurrentFilingsGroupCommitted(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		live := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
		events0 := count(t, db, "events")

		type call struct {
			kind string // fresh, samevin, retry, reused, live
			in   *ucx.ApplicationInput
			key  string
			app  *ucx.Application
			made bool
			err  error
		}
		var calls []*call
		add := func(kind string, in *ucx.ApplicationInput, key string) {
			calls = append(calls, &call{kind: kind, in: in, key: key})
		}
		for range 40 {
			add("fresh", w.Input(w.MakerWMI, oldReg), "")
		}
		same := w.Input(w.Maker2WMI, oldReg)
		retried := w.Input(w.MakerWMI, oldReg)
		for range 10 {
			x, y := *same, *retried
			add("samevin", &x, "")
			add("retry", &y, "erp-retried")
		}
		for range 5 {
			add("reused", w.Input(w.MakerWMI, oldReg), "erp-reused")
		}
		for range 5 {
			x := live.ApplicationInput
			add("live", &x, "")
		}

		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c.app, c.made, c.err = db.CreateApplication(ctx, w.ExpMember, c.in, ucx.CreateOptions{IdempotencyKey: c.key})
			}()
		}
		close(start)
		wg.Wait()

		filed := map[int64]bool{live.ID: true}
		byKind := map[string][]*call{}
		for _, c := range calls {
			byKind[c.kind] = append(byKind[c.kind], c)
			if c.err == nil && c.made {
				if filed[c.app.ID] {
					t.Errorf("application %d answered as created twice", c.app.ID)
				}
				filed[c.app.ID] = true
			}
		}
		for _, c := range byKind["fresh"] {
			if c.err != nil || !c.made || c.app.Vehicle.VIN != c.in.Vehicle.VIN || c.app.ID == 0 {
				t.Errorf("fresh filing of %s = %+v, %v, %v", c.in.Vehicle.VIN, c.app, c.made, c.err)
			}
		}
		winners := 0
		for _, c := range byKind["samevin"] {
			switch {
			case c.err == nil && c.made:
				winners++
			case ucx.ErrorCode(c.err) == ucx.ECONFLICT && ucx.ErrorField(c.err) == "vehicle.vin" && strings.Contains(c.err.Error(), same.Vehicle.VIN):
			default:
				t.Errorf("filing the same VIN: %+v, %v, %v; want created or ECONFLICT naming the VIN", c.app, c.made, c.err)
			}
		}
		if winners != 1 {
			t.Errorf("%d of 10 filings of one VIN were created, want 1", winners)
		}
		var first int64
		winners = 0
		for _, c := range byKind["retry"] {
			if c.err != nil {
				t.Errorf("retry with one key: %v", c.err)
				continue
			}
			if c.made {
				winners++
			}
			if first == 0 {
				first = c.app.ID
			}
			if c.app.ID != first || c.app.Vehicle.VIN != retried.Vehicle.VIN {
				t.Errorf("retry got application %d (%s), another got %d", c.app.ID, c.app.Vehicle.VIN, first)
			}
		}
		if winners != 1 {
			t.Errorf("%d of 10 retries with one key created, want 1", winners)
		}
		winners = 0
		for _, c := range byKind["reused"] {
			switch {
			case c.err == nil && c.made:
				winners++
			case ucx.ErrorCode(c.err) == ucx.ECONFLICT && ucx.ErrorField(c.err) == "idempotency_key":
			default:
				t.Errorf("key reused for another car: %+v, %v, %v; want created or ECONFLICT on the key", c.app, c.made, c.err)
			}
		}
		if winners != 1 {
			t.Errorf("%d of 5 cars filed under one key, want 1", winners)
		}
		for _, c := range byKind["live"] {
			if ucx.ErrorCode(c.err) != ucx.ECONFLICT || !strings.Contains(c.err.Error(), fmt.Sprint(live.ID)) {
				t.Errorf("filing a live VIN: %v; want ECONFLICT naming application %d", c.err, live.ID)
			}
		}

		// The store holds exactly the applications answered as filed, each
		// with one creation event, and both keys point at theirs.
		want := len(filed)
		if n := count(t, db, "applications"); n != want {
			t.Errorf("%d applications stored, %d answered as filed", n, want)
		}
		if n := count(t, db, "events"); n != events0+want-1 {
			t.Errorf("%d events written for %d filings", n-events0, want-1)
		}
		for id := range filed {
			evs, err := db.Timeline(ctx, w.ExpMember, id)
			if err != nil || len(evs) != 1 || evs[0].Action != "application.create" || evs[0].EntityID != id {
				t.Errorf("timeline of %d = %+v, %v; want its one creation event", id, evs, err)
			}
		}
		if n := count(t, db, "idempotency_keys"); n != 2 {
			t.Errorf("%d idempotency keys, want 2", n)
		}
		if a, made, err := db.CreateApplication(ctx, w.ExpMember, retried, ucx.CreateOptions{IdempotencyKey: "erp-retried"}); err != nil || made || a.ID != first {
			t.Errorf("a later retry = %+v, %v, %v; want application %d again", a, made, err, first)
		}
	})
}

// TestFileTogether_AFailedFilingLosesOnlyItself puts failing filings
// (a live VIN, a key reused for another car, a caller that gave up) between
// good ones in ONE transaction: each failure is rolled back alone, to its
// own savepoint, and the others commit with their events.
func TestFileTogether_AFailedFilingLosesOnlyItself(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		live := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
		apps0, events0 := count(t, db, "applications"), count(t, db, "events")
		gaveUp, cancel := context.WithCancel(ctx)
		cancel()
		liveAgain := live.ApplicationInput
		submitted := w.Input(w.MakerWMI, recentReg)
		submitted.Submit = true // a letter is needed: the request is written too
		ins := []*ucx.ApplicationInput{
			w.Input(w.MakerWMI, oldReg),     // 0 filed, claims key k
			&liveAgain,                      // 1 VIN live: refused
			w.Input(w.MakerWMI, oldReg),     // 2 key k for another car: refused
			submitted,                       // 3 filed and submitted
			w.Input(w.MakerWMI, oldReg),     // 4 caller gave up: skipped
			w.Input(w.Maker2WMI, oldReg),    // 5 filed
			w.Input(w.MakerWMI, oldReg),     // 6 the same VIN as 0: refused
			w.Input(w.Maker2WMI, recentReg), // 7 filed
		}
		x := *ins[0]
		ins[6] = &x
		keys := []string{"k", "", "k", "", "", "", "", ""}
		ctxs := make([]context.Context, len(ins))
		ctxs[4] = gaveUp
		apps, errs := sqlstore.FileTogether(db, w.ExpMember, ins, keys, ctxs)

		for _, i := range []int{0, 3, 5, 7} {
			if errs[i] != nil || apps[i] == nil {
				t.Fatalf("filing %d: %v", i, errs[i])
			}
			got, err := db.FindApplicationByID(ctx, w.ExpMember, apps[i].ID)
			if err != nil || got.Vehicle.VIN != ins[i].Vehicle.VIN || got.State != apps[i].State {
				t.Errorf("filing %d stored as %+v, %v", i, got, err)
			}
		}
		if apps[3].State != ucx.StateAwaitingConfirmation {
			t.Errorf("filed and submitted: state %s, want awaiting_confirmation", apps[3].State)
		}
		wantCode(t, errs[1], ucx.ECONFLICT)
		if f := ucx.ErrorField(errs[1]); f != "vehicle.vin" {
			t.Errorf("%v names field %q, want %q", errs[1], f, "vehicle.vin")
		}
		wantCode(t, errs[2], ucx.ECONFLICT)
		if f := ucx.ErrorField(errs[2]); f != "idempotency_key" {
			t.Errorf("%v names field %q, want %q", errs[2], f, "idempotency_key")
		}
		wantCode(t, errs[4], ucx.EUNAVAILABLE)
		wantCode(t, errs[6], ucx.ECONFLICT)
		if f := ucx.ErrorField(errs[6]); f != "vehicle.vin" {
			t.Errorf("%v names field %q, want %q", errs[6], f, "vehicle.vin")
		}

		if n := count(t, db, "applications"); n != apps0+4 {
			t.Errorf("%d applications written, want 4", n-apps0)
		}
		// One creation event each, and for the submitted one its submission
		// and its confirmation request's.
		if n := count(t, db, "events"); n != events0+4+2 {
			t.Errorf("%d events written, want 6", n-events0)
		}
		if n := count(t, db, "confirmation_requests"); n != 1 {
			t.Errorf("%d confirmation requests, want 1", n)
		}
		if n := count(t, db, "idempotency_keys"); n != 1 {
			t.Errorf("%d idempotency keys, want 1", n)
		}
		if a, made, err := db.CreateApplication(ctx, w.ExpMember, ins[0], ucx.CreateOptions{IdempotencyKey: "k"}); err != nil || made || a.ID != apps[0].ID {
			t.Errorf("retrying filing 0 = %+v, %v, %v; want application %d", a, made, err, apps[0].ID)
		}
		// The car whose caller gave up was not filed: it can be now.
		w.Create(t, w.ExpMember, ins[4])
	})
}

// TestCreateApplication_ClosedStore answers EUNAVAILABLE, not a hang.
func TestCreateApplication_ClosedStore(t *testing.T) {
	db := MustOpenDB(t, sqlstore.SQLite)
	w := newWorld(t, db)
	db.Close()
	_, _, err := db.CreateApplication(context.Background(), w.ExpMember, w.Input(w.MakerWMI, oldReg), ucx.CreateOptions{})
	wantCode(t, err, ucx.EUNAVAILABLE)
}
