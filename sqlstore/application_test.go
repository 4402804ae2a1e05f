package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestCreateApplication_StoresTheNormalisedInputAndTheDecision(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.Input(w.MakerWMI, recentReg)
		want := in.Vehicle.VIN
		in.Vehicle.VIN = " " + strings.ToLower(want) + " "
		in.Destination = " kz"
		a, created, err := db.CreateApplication(ctx, w.ExpMember, in, ucx.CreateOptions{})
		if err != nil || !created {
			t.Fatalf("CreateApplication: %v, created=%v", err, created)
		}
		if a.State != ucx.StateDraft || a.Version != 1 || a.ExporterID != w.Exporter.ID || a.ManufacturerID != w.Maker.ID {
			t.Fatalf("application = %+v; want a version-1 draft of the exporter routed to the maker", a)
		}
		if !a.ApplicationDate.IsZero() {
			t.Errorf("a draft has application date %s; want none until submitted", a.ApplicationDate)
		}
		if a.Decision.Outcome != ucx.LetterRequired || !a.Decision.LetterRequired || a.Decision.Policy.ID == "" {
			t.Errorf("decision = %+v; want letter-required (53 days, R1) with the policy's reference", a.Decision)
		}
		got, err := db.FindApplicationByID(ctx, w.ExpViewer, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Vehicle.VIN != want || got.Destination != "KZ" || got.Buyer != in.Buyer || got.Vehicle.BatteryKWh != 60 ||
			got.Certificate.RegistrationDate != recentReg || got.Decision.Outcome != ucx.LetterRequired || !got.CreatedAt.Equal(testNow) {
			t.Errorf("stored application = %+v; want the normalised input and decision", got)
		}
		evs, err := db.Timeline(ctx, w.ExpMember, a.ID)
		if err != nil || len(evs) != 1 || evs[0].Action != "application.create" || evs[0].ActorOrgID != w.Exporter.ID || evs[0].After != "draft" {
			t.Fatalf("timeline = %+v, %v; want one creation event by the exporter", evs, err)
		}
	})
}

func TestCreateApplication_RoutesByDeclaredWMIThenByTheBuiltInTable(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		// Chery's legal name is in vin's table for LVV; an organisation
		// under that exact name receives its VINs (R2).
		chery := &ucx.Org{Kind: ucx.KindManufacturer, Name: "奇瑞汽车股份有限公司"}
		if err := db.CreateOrg(ctx, w.OperatorAdmin, chery); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			wmi  string
			want int64
		}{
			{"declared WMI", w.MakerWMI, w.Maker.ID},
			{"table entry matched by legal name", "LVV", chery.ID},
			{"table entry with no organisation", "LGW", 0},
			{"unknown WMI", w.UnknownWMI, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := w.Create(t, w.ExpMember, w.Input(tt.wmi, oldReg))
				if a.ManufacturerID != tt.want {
					t.Errorf("manufacturer = %d, want %d", a.ManufacturerID, tt.want)
				}
			})
		}
	})
}

func TestCreateApplication_RefusesMalformedInputNamingTheFieldAndWritesNothing(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		badCheck := []byte(w.VINFor(w.MakerWMI))
		badCheck[8] ^= 1
		tests := []struct {
			name  string
			edit  func(in *ucx.ApplicationInput)
			field string
		}{
			{"no VIN", func(in *ucx.ApplicationInput) { in.Vehicle.VIN = "" }, "vehicle.vin"},
			{"wrong check digit", func(in *ucx.ApplicationInput) { in.Vehicle.VIN = string(badCheck) }, "vehicle.vin"},
			{"letter O in VIN", func(in *ucx.ApplicationInput) { in.Vehicle.VIN = "LM1ABCDEOS1000001" }, "vehicle.vin"},
			{"no brand", func(in *ucx.ApplicationInput) { in.Vehicle.Brand = " " }, "vehicle.brand"},
			{"no model", func(in *ucx.ApplicationInput) { in.Vehicle.Model = "" }, "vehicle.model"},
			{"no registration date", func(in *ucx.ApplicationInput) { in.Vehicle.RegistrationDate = ucx.Date{} }, "vehicle.registration_date"},
			{"transfer before registration", func(in *ucx.ApplicationInput) { in.Vehicle.TransferDate = in.Vehicle.RegistrationDate.AddDays(-1) }, "vehicle.transfer_date"},
			{"transfer after the application date (today)", func(in *ucx.ApplicationInput) { in.Vehicle.TransferDate = ucx.DateOf(db.Now()).AddDays(1) }, "vehicle.transfer_date"},
			{"unknown country", func(in *ucx.ApplicationInput) { in.Destination = "XX" }, "destination"},
			{"China as destination", func(in *ucx.ApplicationInput) { in.Destination = "cn" }, "destination"},
			{"EV without battery", func(in *ucx.ApplicationInput) { in.Vehicle.BatteryKWh = 0 }, "vehicle.battery_kwh"},
			{"unknown energy type", func(in *ucx.ApplicationInput) { in.Vehicle.Energy = "steam" }, "vehicle.energy_type"},
			{"buyer too long", func(in *ucx.ApplicationInput) { in.Buyer = strings.Repeat("x", 201) }, "buyer"},
		}
		apps, events := count(t, db, "applications"), count(t, db, "events")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := w.Input(w.MakerWMI, recentReg)
				tt.edit(in)
				_, _, err := db.CreateApplication(ctx, w.ExpMember, in, ucx.CreateOptions{IdempotencyKey: "k-" + tt.name})
				wantField(t, err, tt.field)
				if strings.HasPrefix(tt.name, "transfer") && !strings.HasPrefix(ucx.ErrorMessage(err), "R5: ") {
					t.Errorf("message %q does not name the rule (R5)", ucx.ErrorMessage(err))
				}
				if ucx.ErrorMessage(err) == "" || ucx.ErrorMessage(err) == "Internal error." {
					t.Errorf("message %q does not say what to fix", ucx.ErrorMessage(err))
				}
			})
		}
		if _, _, err := db.CreateApplication(ctx, w.ExpMember, nil, ucx.CreateOptions{}); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("nil input: %v, want EINVALID", err)
		}
		if a, e, k := count(t, db, "applications"), count(t, db, "events"), count(t, db, "idempotency_keys"); a != apps || e != events || k != 0 {
			t.Errorf("after refusals: %d applications, %d events, %d keys; want %d, %d, 0", a, e, k, apps, events)
		}
	})
}

func TestCreateApplication_OneLiveApplicationPerVIN(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.Input(w.MakerWMI, oldReg)
		a := w.Create(t, w.ExpMember, in)

		_, _, err := db.CreateApplication(ctx, w.ExpMember, in, ucx.CreateOptions{})
		wantCode(t, err, ucx.ECONFLICT)
		if !strings.Contains(err.Error(), in.Vehicle.VIN) {
			t.Errorf("conflict %q does not name the VIN", err)
		}
		_, _, err = db.CreateApplication(ctx, w.Exp2Member, in, ucx.CreateOptions{})
		wantCode(t, err, ucx.ECONFLICT)
		if strings.Contains(ucx.ErrorMessage(err), "(") {
			t.Errorf("the conflict tells another exporter the application id: %q", ucx.ErrorMessage(err))
		}

		// Withdrawn, the VIN may be filed again.
		if _, err := db.WithdrawApplication(ctx, w.ExpMember, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		b := w.Create(t, w.Exp2Member, in)
		if b.ID == a.ID {
			t.Fatal("refiling returned the withdrawn application")
		}
	})
}

func TestCreateApplication_IdempotencyKey(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.Input(w.MakerWMI, recentReg)
		in.Submit = true
		opts := ucx.CreateOptions{IdempotencyKey: "erp-42"}
		a, created, err := db.CreateApplication(ctx, w.ExpMember, in, opts)
		if err != nil || !created {
			t.Fatalf("first: %v, created=%v", err, created)
		}
		retry := *in
		retry.Vehicle.VIN = strings.ToLower(in.Vehicle.VIN) // the same request once normalised
		b, created, err := db.CreateApplication(ctx, w.ExpAdmin, &retry, opts)
		if err != nil || created || b.ID != a.ID || b.State != ucx.StateAwaitingConfirmation {
			t.Fatalf("retry = %+v, created=%v, %v; want the first application, not created", b, created, err)
		}
		other := w.Input(w.MakerWMI, recentReg)
		_, _, err = db.CreateApplication(ctx, w.ExpMember, other, opts)
		wantCode(t, err, ucx.ECONFLICT)
		if !strings.Contains(ucx.ErrorMessage(err), "idempotency key reused with a different request") {
			t.Errorf("message = %q", ucx.ErrorMessage(err))
		}
		// Keys belong to their organisation.
		if _, created, err := db.CreateApplication(ctx, w.Exp2Member, other, opts); err != nil || !created {
			t.Errorf("another exporter's same key: created=%v, %v; want a new application", created, err)
		}
		if n := count(t, db, "confirmation_requests"); n != 1 {
			t.Errorf("%d confirmation requests, want 1: a retry must not ask twice", n)
		}
	})
}

func TestCreateApplication_ConcurrentRetriesWithOneKeyFileOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.Input(w.MakerWMI, oldReg)
		const n = 4
		var wg sync.WaitGroup
		ids, made, errs := make([]int64, n), make([]bool, n), make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := *in
				a, created, err := db.CreateApplication(ctx, w.ExpMember, &x, ucx.CreateOptions{IdempotencyKey: "same"})
				if a != nil {
					ids[i] = a.ID
				}
				made[i], errs[i] = created, err
			}()
		}
		wg.Wait()
		createdN := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("attempt %d: %v", i, errs[i])
			}
			if made[i] {
				createdN++
			}
			if ids[i] != ids[0] {
				t.Errorf("attempt %d got application %d, attempt 0 got %d", i, ids[i], ids[0])
			}
		}
		if createdN != 1 || count(t, db, "applications") != 1 {
			t.Errorf("%d attempts report created, %d applications; want exactly one", createdN, count(t, db, "applications"))
		}
	})
}

func TestSubmitApplication_Transitions(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		tests := []struct {
			name      string
			in        func() *ucx.ApplicationInput
			wantState ucx.State
			wantCode  string
			wantText  string
		}{
			{"letter required: awaits the manufacturer", func() *ucx.ApplicationInput { return w.Input(w.MakerWMI, recentReg) },
				ucx.StateAwaitingConfirmation, "", ""},
			{"no letter needed: straight to review", func() *ucx.ApplicationInput { return w.Input(w.MakerWMI, oldReg) },
				ucx.StateUnderReview, "", ""},
			{"no letter needed, maker unknown: to review", func() *ucx.ApplicationInput { return w.Input(w.UnknownWMI, oldReg) },
				ucx.StateUnderReview, "", ""},
			{"letter required, maker not on the platform", func() *ucx.ApplicationInput { return w.Input(w.UnknownWMI, recentReg) },
				"", ucx.ERULE, "not on the platform"},
			{"certificate mismatch blocks (R5)", func() *ucx.ApplicationInput {
				in := w.Input(w.MakerWMI, oldReg)
				in.Certificate.Model = "T2"
				return in
			}, "", ucx.ERULE, "R5"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := w.Create(t, w.ExpMember, tt.in())
				requests := count(t, db, "confirmation_requests")
				got, err := db.SubmitApplication(ctx, w.ExpMember, a.ID, a.Version)
				if tt.wantCode != "" {
					wantCode(t, err, tt.wantCode)
					if !strings.Contains(ucx.ErrorMessage(err), tt.wantText) {
						t.Errorf("message %q does not mention %q", ucx.ErrorMessage(err), tt.wantText)
					}
					after, _ := db.FindApplicationByID(ctx, w.ExpMember, a.ID)
					if after.State != ucx.StateDraft || after.Version != a.Version || count(t, db, "confirmation_requests") != requests {
						t.Errorf("after a refused submission: %s v%d; want the draft untouched", after.State, after.Version)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.State != tt.wantState || got.Version != a.Version+1 || got.ApplicationDate != today {
					t.Fatalf("submitted = %s v%d on %s; want %s v%d on %s", got.State, got.Version, got.ApplicationDate, tt.wantState, a.Version+1, today)
				}
				wantReq := 0
				if tt.wantState == ucx.StateAwaitingConfirmation {
					wantReq = 1
				}
				if n := count(t, db, "confirmation_requests") - requests; n != wantReq {
					t.Errorf("%d requests made, want %d", n, wantReq)
				}
			})
		}
	})
}

func TestSubmitApplication_Refusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))

		_, err := db.SubmitApplication(ctx, w.ExpMember, a.ID, a.Version+1)
		wantCode(t, err, ucx.ECONFLICT)
		if !strings.Contains(ucx.ErrorMessage(err), "(version 1); reload") {
			t.Errorf("stale-version message = %q", ucx.ErrorMessage(err))
		}
		_, err = db.SubmitApplication(ctx, w.Exp2Member, a.ID, a.Version)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.SubmitApplication(ctx, w.ExpMember, 99999, 1)
		wantCode(t, err, ucx.ENOTFOUND)

		a, err = db.SubmitApplication(ctx, w.ExpMember, a.ID, a.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.SubmitApplication(ctx, w.ExpMember, a.ID, a.Version)
		wantCode(t, err, ucx.ERULE)
	})
}

func TestWithdrawApplication(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		t.Run("awaiting: the pending request is voided", func(t *testing.T) {
			a, r := w.Awaiting(t)
			got, err := db.WithdrawApplication(ctx, w.ExpMember, a.ID, a.Version)
			if err != nil || got.State != ucx.StateWithdrawn {
				t.Fatalf("withdraw = %+v, %v", got, err)
			}
			r, err = db.FindRequestByID(ctx, w.MakerMember, r.ID)
			if err != nil || r.State != ucx.ConfirmationVoid {
				t.Fatalf("request after withdrawal = %+v, %v; want void", r, err)
			}
			if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); ucx.ErrorCode(err) != ucx.ERULE {
				t.Errorf("approving a void request: %v, want ERULE", err)
			}
		})
		t.Run("draft and under review", func(t *testing.T) {
			for _, a := range []*ucx.Application{w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg)), w.UnderReview(t)} {
				if got, err := db.WithdrawApplication(ctx, w.ExpAdmin, a.ID, a.Version); err != nil || got.State != ucx.StateWithdrawn {
					t.Errorf("withdrawing a %s application: %+v, %v", a.State, got, err)
				}
			}
		})
		t.Run("licensed, cleared, withdrawn and refused cannot be", func(t *testing.T) {
			l := w.Licensed(t)
			licensed, _ := db.FindApplicationByID(ctx, w.ExpMember, l.ApplicationID)
			cl := w.Licensed(t)
			if _, err := db.RecordClearance(ctx, w.CustomsMember, cl.ID, "Horgos", "DEC-9"); err != nil {
				t.Fatal(err)
			}
			cleared, _ := db.FindApplicationByID(ctx, w.ExpMember, cl.ApplicationID)
			withdrawn := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
			withdrawn, _ = db.WithdrawApplication(ctx, w.ExpMember, withdrawn.ID, withdrawn.Version)
			_, r := w.Awaiting(t)
			if _, err := db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, "no_service_network", ""); err != nil {
				t.Fatal(err)
			}
			refused, _ := db.FindApplicationByID(ctx, w.ExpMember, r.ApplicationID)
			for _, a := range []*ucx.Application{licensed, cleared, withdrawn, refused} {
				_, err := db.WithdrawApplication(ctx, w.ExpMember, a.ID, a.Version)
				if ucx.ErrorCode(err) != ucx.ERULE {
					t.Errorf("withdrawing a %s application: %v, want ERULE", a.State, err)
				}
			}
		})
	})
}

func TestConcurrentActionsOnOneApplication_ExactlyOneWins(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for round := range 5 {
			a := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() { defer wg.Done(); _, errs[0] = db.SubmitApplication(ctx, w.ExpMember, a.ID, a.Version) }()
			go func() { defer wg.Done(); _, errs[1] = db.WithdrawApplication(ctx, w.ExpAdmin, a.ID, a.Version) }()
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch ucx.ErrorCode(err) {
				case "":
					won++
				case ucx.ECONFLICT:
				default:
					t.Errorf("round %d: unexpected %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d actions won (%v); want exactly one", round, won, errs)
			}
			got, _ := db.FindApplicationByID(ctx, w.ExpMember, a.ID)
			if got.Version != a.Version+1 {
				t.Errorf("round %d: version %d, want %d", round, got.Version, a.Version+1)
			}
		}
	})
}

func TestFindApplications_FiltersAndPages(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		var mine []*ucx.Application
		for i := range 5 {
			in := w.Input(w.MakerWMI, oldReg)
			if i == 2 {
				in.Destination, in.Buyer, in.ContractNumber = "KZ", "ТОО Алматы Авто", "C-100%"
			}
			mine = append(mine, w.Create(t, w.ExpMember, in))
		}
		other := w.Create(t, w.Exp2Member, w.Input(w.MakerWMI, oldReg))
		submitted, err := db.SubmitApplication(ctx, w.ExpMember, mine[4].ID, mine[4].Version)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			p     *ucx.Principal
			f     ucx.ApplicationFilter
			total int
			first int64
		}{
			{"all mine, newest first", w.ExpViewer, ucx.ApplicationFilter{}, 5, mine[4].ID},
			{"page", w.ExpMember, ucx.ApplicationFilter{Offset: 1, Limit: 2}, 5, mine[3].ID},
			{"another exporter's id filter", w.ExpMember, ucx.ApplicationFilter{ExporterID: w.Exporter2.ID}, 0, 0},
			{"state", w.ExpMember, ucx.ApplicationFilter{State: ucx.StateUnderReview}, 1, submitted.ID},
			{"VIN, any case", w.ExpMember, ucx.ApplicationFilter{VIN: strings.ToLower(mine[1].Vehicle.VIN)}, 1, mine[1].ID},
			{"destination", w.ExpMember, ucx.ApplicationFilter{Destination: "kz"}, 1, mine[2].ID},
			{"query in buyer, any case", w.ExpMember, ucx.ApplicationFilter{Query: "алматы"}, 1, mine[2].ID},
			{"query with a literal %", w.ExpMember, ucx.ApplicationFilter{Query: "c-100%"}, 1, mine[2].ID},
			{"outcome", w.ExpMember, ucx.ApplicationFilter{Outcome: "clear"}, 5, mine[4].ID},
			{"authority sees filed only", w.AuthMember, ucx.ApplicationFilter{}, 1, submitted.ID},
			{"manufacturer sees only what it was asked", w.MakerMember, ucx.ApplicationFilter{}, 0, 0},
			{"the other exporter", w.Exp2Member, ucx.ApplicationFilter{}, 1, other.ID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := db.FindApplications(ctx, tt.p, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if total != tt.total || (tt.first != 0 && (len(got) == 0 || got[0].ID != tt.first)) {
					t.Fatalf("total %d, %d rows, first %v; want total %d, first %d", total, len(got), got, tt.total, tt.first)
				}
				if tt.f.Limit > 0 && len(got) > tt.f.Limit {
					t.Errorf("%d rows over the limit %d", len(got), tt.f.Limit)
				}
			})
		}
		for _, f := range []ucx.ApplicationFilter{{State: "lost"}, {Outcome: "maybe"}, {Offset: -1}, {Limit: -5}} {
			if _, _, err := db.FindApplications(ctx, w.ExpMember, f); ucx.ErrorCode(err) != ucx.EINVALID {
				t.Errorf("filter %+v: %v, want EINVALID", f, err)
			}
		}
		if _, _, err := db.FindApplications(ctx, w.OperatorAdmin, ucx.ApplicationFilter{}); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("operator listing applications: %v, want EFORBIDDEN", err)
		}
	})
}
