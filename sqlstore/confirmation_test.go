package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestApproveRequest_BuildsTheConfirmationAndMovesTheApplicationOn(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a, r := w.Awaiting(t)
		if r.ManufacturerID != w.Maker.ID || r.ExporterID != w.Exporter.ID || r.VIN != a.Vehicle.VIN || r.Destination != "RU" ||
			r.RegistrationDate != recentReg || r.State != ucx.ConfirmationPending || r.AnsweredAt != nil {
			t.Fatalf("request = %+v", r)
		}
		got, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU, w.MakerRU})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != ucx.ConfirmationApproved || got.Version != r.Version+1 || got.AnsweredAt == nil || !got.AnsweredAt.Equal(testNow) ||
			len(got.OutletIDs) != 1 || got.OutletIDs[0] != w.MakerRU {
			t.Fatalf("approved = %+v", got)
		}
		stored, err := db.FindRequestByID(ctx, w.ExpMember, r.ID)
		if err != nil || !bytes.Equal(stored.Document, got.Document) {
			t.Fatalf("stored request = %+v, %v; want the document kept", stored, err)
		}
		var doc struct {
			ApplicationID int64    `json:"application_id"`
			Destinations  []string `json:"destinations"`
			IssuedOn      string   `json:"issued_on"`
			Manufacturer  string   `json:"manufacturer"`
			Vehicles      []struct {
				Brand, Model, VIN string
				RegistrationDate  string `json:"registration_date"`
				Outlets           []struct{ Address, Contact, Country, Provider string }
			} `json:"vehicles"`
		}
		if err := json.Unmarshal(got.Document, &doc); err != nil {
			t.Fatal(err)
		}
		v := doc.Vehicles
		if doc.ApplicationID != a.ID || doc.Manufacturer != w.Maker.Name || doc.IssuedOn != today.String() || len(doc.Destinations) != 1 ||
			doc.Destinations[0] != "RU" || len(v) != 1 || v[0].VIN != a.Vehicle.VIN || v[0].Brand != "Testa" ||
			v[0].RegistrationDate != recentReg.String() || len(v[0].Outlets) != 1 || v[0].Outlets[0].Provider != "Testa Rus Service" {
			t.Fatalf("document = %s", got.Document)
		}
		wantCanonical(t, got.Document)

		app, err := db.FindApplicationByID(ctx, w.ExpMember, a.ID)
		if err != nil || app.State != ucx.StateUnderReview || app.Version != a.Version+1 {
			t.Fatalf("application after approval = %+v, %v; want under_review, one version on", app, err)
		}
	})
}

// wantCanonical checks that a document's keys are sorted at every level
// and nothing is escaped that RFC 8785 writes as it is: re-encoding its
// decoded form, whose maps encoding/json sorts, gives the same bytes.
func wantCanonical(t testing.TB, doc []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if got := bytes.TrimSuffix(b.Bytes(), []byte("\n")); !bytes.Equal(got, doc) {
		t.Errorf("document is not in canonical key order:\n got %s\nwant %s", doc, got)
	}
}

func TestApproveRequest_Refusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		_, r := w.Awaiting(t)
		tests := []struct {
			name    string
			p       *ucx.Principal
			version int
			outlets []int64
			code    string
			text    string
		}{
			{"another manufacturer", w.Maker2Mem, r.Version, []int64{w.Maker2RU}, ucx.ENOTFOUND, ""},
			{"viewer", w.MakerViewer, r.Version, []int64{w.MakerRU}, ucx.EFORBIDDEN, ""},
			{"the exporter", w.ExpMember, r.Version, []int64{w.MakerRU}, ucx.EFORBIDDEN, ""},
			{"stale version", w.MakerMember, r.Version + 1, []int64{w.MakerRU}, ucx.ECONFLICT, "reload"},
			{"no outlets", w.MakerMember, r.Version, nil, ucx.EINVALID, "RU"},
			{"another maker's outlet", w.MakerMember, r.Version, []int64{w.Maker2RU}, ucx.EINVALID, "not one of your outlets"},
			{"outlet in another country", w.MakerMember, r.Version, []int64{w.MakerKZ}, ucx.ERULE, "(R3)"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.ApproveRequest(ctx, tt.p, r.ID, tt.version, tt.outlets)
				wantCode(t, err, tt.code)
				if !strings.Contains(ucx.ErrorMessage(err), tt.text) {
					t.Errorf("message %q does not mention %q", ucx.ErrorMessage(err), tt.text)
				}
			})
		}
		if got, _ := db.FindRequestByID(ctx, w.MakerMember, r.ID); got.State != ucx.ConfirmationPending || got.Version != r.Version {
			t.Fatalf("request after refusals = %+v; want untouched", got)
		}

		t.Run("no outlet in the destination (R3)", func(t *testing.T) {
			in := w.Input(w.MakerWMI, recentReg)
			in.Destination, in.Submit = "AE", true
			a := w.Create(t, w.ExpMember, in)
			rs, _, _ := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{State: ucx.ConfirmationPending})
			var req *ucx.ConfirmationRequest
			for _, x := range rs {
				if x.ApplicationID == a.ID {
					req = x
				}
			}
			_, err := db.ApproveRequest(ctx, w.MakerMember, req.ID, req.Version, []int64{w.MakerRU})
			wantCode(t, err, ucx.ERULE)
			if !strings.Contains(ucx.ErrorMessage(err), "no outlet in AE (R3)") {
				t.Errorf("message = %q", ucx.ErrorMessage(err))
			}
		})
	})
}

func TestRefuseRequest(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		_, r := w.Awaiting(t)
		for _, tc := range []struct{ code, text, field string }{
			{"because", "", "code"},
			{"other", " ", "text"},
			{"other", strings.Repeat("x", 1001), "text"},
		} {
			_, err := db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, tc.code, tc.text)
			wantField(t, err, tc.field)
		}
		_, err := db.RefuseRequest(ctx, w.Maker2Mem, r.ID, r.Version, "not_our_vehicle", "")
		wantCode(t, err, ucx.ENOTFOUND)

		got, err := db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, "other", "the car was sold to a grey importer")
		if err != nil || got.State != ucx.ConfirmationRefused || got.RefusalCode != "other" || got.AnsweredAt == nil {
			t.Fatalf("refused = %+v, %v", got, err)
		}
		app, _ := db.FindApplicationByID(ctx, w.ExpMember, r.ApplicationID)
		if app.State != ucx.StateRefused {
			t.Errorf("application after refusal = %s, want refused", app.State)
		}
		evs, _ := db.Timeline(ctx, w.ExpMember, r.ApplicationID)
		last := evs[len(evs)-1]
		if last.Action != "application.refused" || !strings.Contains(last.Note, "grey importer") {
			t.Errorf("last event = %+v; want the refusal with the manufacturer's reason", last)
		}
		_, err = db.RefuseRequest(ctx, w.MakerMember, r.ID, got.Version, "other", "again")
		wantCode(t, err, ucx.ERULE)
		// The exporter may file the VIN again.
		in := w.Input(w.MakerWMI, recentReg)
		in.Vehicle.VIN = r.VIN
		w.Create(t, w.ExpMember, in)
	})
}

func TestFindRequests_InboxIsTheManufacturersOwnOldestFirst(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		_, r1 := w.Awaiting(t)
		_, r2 := w.Awaiting(t)
		in := w.Input(w.Maker2WMI, recentReg)
		in.Submit = true
		w.Create(t, w.Exp2Member, in)

		got, total, err := db.FindRequests(ctx, w.MakerViewer, ucx.RequestFilter{})
		if err != nil || total != 2 || len(got) != 2 || got[0].ID != r1.ID || got[1].ID != r2.ID {
			t.Fatalf("inbox = %v (total %d), %v; want r1, r2", got, total, err)
		}
		got, total, err = db.FindRequests(ctx, w.Maker2Mem, ucx.RequestFilter{})
		if err != nil || total != 1 || got[0].ManufacturerID != w.Maker2.ID {
			t.Errorf("maker2's inbox = %v", got)
		}
		got, total, err = db.FindRequests(ctx, w.ExpMember, ucx.RequestFilter{})
		if err != nil || total != 2 || got[0].ID != r2.ID {
			t.Errorf("the exporter's requests = %v; want its two, newest first", got)
		}
		if _, total, err = db.FindRequests(ctx, w.AuthViewer, ucx.RequestFilter{State: ucx.ConfirmationPending}); err != nil || total != 3 {
			t.Errorf("the authority sees %d pending requests, want 3 (%v)", total, err)
		}
		if _, _, err := db.FindRequests(ctx, w.OperatorAdmin, ucx.RequestFilter{}); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("operator: %v, want EFORBIDDEN", err)
		}
		if _, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{State: "lost"}); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("bad state: %v, want EINVALID", err)
		}
		// Through its request, the manufacturer reads the application, and
		// nothing else of the exporter's.
		if _, err := db.FindApplicationByID(ctx, w.MakerMember, r1.ApplicationID); err != nil {
			t.Errorf("manufacturer reading an application it was asked about: %v", err)
		}
		draft := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
		if _, err := db.FindApplicationByID(ctx, w.MakerMember, draft.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("manufacturer reading an application it was not asked about: %v, want ENOTFOUND", err)
		}
	})
}

func TestConcurrentAnswersToOneRequest_ExactlyOneWins(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for round := range 5 {
			_, r := w.Awaiting(t)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU})
			}()
			go func() {
				defer wg.Done()
				_, errs[1] = db.RefuseRequest(ctx, w.Users["maker.admin"], r.ID, r.Version, "no_service_network", "")
			}()
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
				t.Fatalf("round %d: %d answers won (%v); want exactly one", round, won, errs)
			}
			got, _ := db.FindRequestByID(ctx, w.MakerMember, r.ID)
			app, _ := db.FindApplicationByID(ctx, w.ExpMember, r.ApplicationID)
			if (got.State == ucx.ConfirmationApproved) != (app.State == ucx.StateUnderReview) || got.Version != r.Version+1 {
				t.Errorf("round %d: request %s v%d, application %s; want them to agree", round, got.State, got.Version, app.State)
			}
		}
	})
}

func TestApproveAgainstWithdraw_ExactlyOneWins(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for round := range 5 {
			a, r := w.Awaiting(t)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU})
			}()
			go func() { defer wg.Done(); _, errs[1] = db.WithdrawApplication(ctx, w.ExpMember, a.ID, a.Version) }()
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: approve %v, withdraw %v; want exactly one to win", round, errs[0], errs[1])
			}
			got, _ := db.FindRequestByID(ctx, w.MakerMember, r.ID)
			app, _ := db.FindApplicationByID(ctx, w.ExpMember, a.ID)
			ok := got.State == ucx.ConfirmationApproved && app.State == ucx.StateUnderReview ||
				got.State == ucx.ConfirmationVoid && app.State == ucx.StateWithdrawn
			if !ok {
				t.Errorf("round %d: request %s, application %s; inconsistent", round, got.State, app.State)
			}
		}
	})
}
