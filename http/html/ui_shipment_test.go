package html_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
)

// fakeShipments is a ucx.ShipmentService of one shipment of the world's
// exporter (two vehicles of maker, one letter), which records what the
// pages ask of it. It tests the pages, not the workflow: the store's
// implementation has its own tests, and the browser test walks the real
// path. Methods the pages must not call panic (the embedded nil).
type fakeShipments struct {
	ucx.ShipmentService
	mu      sync.Mutex
	ship    *ucx.Shipment
	created *ucx.ShipmentInput
	answers []ucx.LetterAnswer
	removed int64
	issued  bool
}

func newFakeShipments(w *webtest.World) *fakeShipments {
	vin1, vin2 := w.VINFor(webtest.MakerWMI), w.VINFor(webtest.MakerWMI)
	app := func(id int64, vin string) *ucx.Application {
		in := w.Input(webtest.MakerWMI, webtest.RecentReg)
		in.Vehicle.VIN = vin
		return &ucx.Application{ID: id, ExporterID: w.Exporter.ID, ShipmentID: 77, ApplicationInput: *in,
			State: ucx.StateAwaitingConfirmation, Version: 2, Decision: ucx.Decision{Outcome: ucx.LetterRequired, LetterRequired: true}}
	}
	l := &ucx.Letter{ID: 5, ShipmentID: 77, ManufacturerID: w.Maker.ID, ExporterID: w.Exporter.ID, Destination: "RU",
		State: ucx.LetterPending, Version: 1, RequestedAt: webtest.TestNow,
		Requests: []*ucx.ConfirmationRequest{
			{ID: 51, ApplicationID: 71, LetterID: 5, VIN: vin1, Brand: "Testa", Model: "T1 EV", Destination: "RU", State: ucx.ConfirmationPending},
			{ID: 52, ApplicationID: 72, LetterID: 5, VIN: vin2, Brand: "Testa", Model: "T1 EV", Destination: "RU", State: ucx.ConfirmationPending},
		}}
	return &fakeShipments{ship: &ucx.Shipment{ID: 77, ExporterID: w.Exporter.ID, Destination: "RU", Buyer: "OOO Avto Import",
		ContractNumber: "HY-2026-0777", State: ucx.StateAwaitingConfirmation, Version: 3, ApplicationDate: webtest.Today,
		Vehicles: []*ucx.Application{app(71, vin1), app(72, vin2)}, Letters: []*ucx.Letter{l},
		CreatedAt: webtest.TestNow, UpdatedAt: webtest.TestNow}}
}

// sees is the fake's access rule: the exporter, its letter's maker and
// authorities see the shipment.
func (f *fakeShipments) sees(p *ucx.Principal) bool {
	return p.OrgID == f.ship.ExporterID || p.OrgKind == ucx.KindAuthority || p.OrgID == f.ship.Letters[0].ManufacturerID
}

func (f *fakeShipments) FindShipmentByID(_ context.Context, p *ucx.Principal, id int64) (*ucx.Shipment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.ship.ID || !f.sees(p) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no shipment %d", id)
	}
	return f.ship, nil
}

func (f *fakeShipments) FindShipments(_ context.Context, p *ucx.Principal, _ ucx.ShipmentFilter) ([]*ucx.Shipment, int, error) {
	if !f.sees(p) {
		return nil, 0, nil
	}
	return []*ucx.Shipment{f.ship}, 1, nil
}

func (f *fakeShipments) FindLetters(_ context.Context, p *ucx.Principal, _ ucx.LetterFilter) ([]*ucx.Letter, int, error) {
	if p.OrgID != f.ship.Letters[0].ManufacturerID {
		return nil, 0, nil
	}
	return f.ship.Letters, 1, nil
}

func (f *fakeShipments) FindLetterByID(_ context.Context, p *ucx.Principal, id int64) (*ucx.Letter, error) {
	if id != 5 || !f.sees(p) || p.OrgKind == ucx.KindExporter {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no letter %d", id)
	}
	return f.ship.Letters[0], nil
}

func (f *fakeShipments) AnswerLetter(_ context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer) (*ucx.Letter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.ship.Letters[0]
	if version != l.Version {
		return nil, ucx.Errorf(ucx.ECONFLICT, "the letter changed")
	}
	f.answers = answers
	return l, nil
}

func (f *fakeShipments) CreateShipment(_ context.Context, p *ucx.Principal, in *ucx.ShipmentInput, _ ucx.CreateOptions) (*ucx.Shipment, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, v := range in.Vehicles {
		if v.Vehicle.VIN == "LM1BAD" {
			return nil, false, ucx.FieldErrorf(ucx.EINVALID, "vehicles["+strconv.Itoa(i)+"].vehicle.vin", "the VIN must have 17 characters")
		}
	}
	f.created = in
	return f.ship, true, nil
}

func (f *fakeShipments) RemoveVehicle(_ context.Context, p *ucx.Principal, id int64, version int, appID int64) (*ucx.Shipment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if version != f.ship.Version {
		return nil, ucx.Errorf(ucx.ECONFLICT, "the shipment changed")
	}
	f.removed = appID
	return f.ship, nil
}

func (f *fakeShipments) IssueShipmentLicence(_ context.Context, p *ucx.Principal, id int64, version int) (*ucx.Licence, error) {
	if p.OrgKind != ucx.KindAuthority {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only an authority issues")
	}
	f.issued = true
	return &ucx.Licence{ID: 1}, nil
}

// fakeShipmentSite serves the world's store with the fake shipments.
func fakeShipmentSite(t *testing.T) (*webtest.World, *fakeShipments, string) {
	w := webtest.UIWorld(t)
	fs := newFakeShipments(w)
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.Sessions = w.DB, w.DB, w.DB, w.DB, w.DB
	s.ShipmentService = fs
	s.Logger = webtest.DiscardLogger()
	s.LoginsPerMinute = 100000
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return w, fs, ts.URL
}

// TestUI_NewShipmentForm: rows are added keeping what was typed, blank
// rows are skipped, a service error naming vehicles[1] is shown beside
// the row it came from (the third, after a blank one), and a good form
// files the contract once with each vehicle's certificate as typed.
func TestUI_NewShipmentForm(t *testing.T) {
	w, fs, base := fakeShipmentSite(t)
	u := webtest.NewUIUser(t, base).Login("exporter.member")
	a := u.Get("/shipments/new")
	if a.Status != 200 || strings.Count(a.Body, `name="vin_`) != 5 || !strings.Contains(a.Body, `href="/imports/new"`) {
		t.Fatalf("new shipment: %d, %d rows", a.Status, strings.Count(a.Body, `name="vin_`))
	}
	vin1 := w.VINFor(webtest.MakerWMI)
	form := url.Values{"rows": {"5"}, "destination": {"RU"}, "buyer": {"OOO Avto"}, "contract_number": {"HT-9"}, "after_sales_terms": {"保修一年"},
		"vin_0": {vin1}, "brand_0": {"Testa"}, "model_0": {"T1"}, "registration_date_0": {"2026-01-16"}, "transfer_date_0": {"2026/02/05"}, "inspection_report_0": {"CMA-1"},
		"vin_2": {"LM1BAD"}, "brand_2": {"Testa"}, "model_2": {"T1"}, "registration_date_2": {"2026-01-16"}}
	form.Set("action", "add_rows")
	if a = u.Post("/shipments", form); a.Status != 200 || strings.Count(a.Body, `name="vin_`) != 10 || !strings.Contains(a.Body, vin1) {
		t.Fatalf("add rows: %d, %d rows, typed VIN kept %v", a.Status, strings.Count(a.Body, `name="vin_`), strings.Contains(a.Body, vin1))
	}
	form.Set("action", "submit")
	a = u.Post("/shipments", form)
	if a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `id="e-vin_2"`) || strings.Contains(a.Body, `id="e-vin_0"`) {
		t.Fatalf("a bad VIN in row 3: %d; want 400 with the error beside row 3's VIN only\n%.2000s", a.Status, a.Body)
	}
	form.Set("registration_date_0", "2026-13-40")
	if a = u.Post("/shipments", form); a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `id="e-registration_date_0"`) {
		t.Fatalf("an impossible date in row 1: %d; want 400 beside it", a.Status)
	}
	form.Set("registration_date_0", "2026-01-16")
	form.Set("vin_2", w.VINFor(webtest.MakerWMI))
	a = u.Post("/shipments", form)
	if a.Status != http.StatusSeeOther || a.Header.Get("Location") != "/shipments/77?done=submitted" {
		t.Fatalf("file: %d to %q", a.Status, a.Header.Get("Location"))
	}
	in := fs.created
	if in == nil || !in.Submit || in.ContractNumber != "HT-9" || in.AfterSalesTerms != "保修一年" || len(in.Vehicles) != 2 {
		t.Fatalf("filed %+v", in)
	}
	v := in.Vehicles[0]
	if v.Vehicle.VIN != vin1 || v.Certificate.Brand != "Testa" || v.Vehicle.TransferDate != ucx.MustDate(2026, 2, 5) || v.Destination != "" || v.InspectionReport != "CMA-1" {
		t.Fatalf("vehicle 1 filed as %+v", v)
	}
}

// TestUI_ShipmentPages: the exporter's shipment page shows each vehicle's
// outcome, state and letter, with a drop button that sends the vehicle
// and the version shown; the maker's inbox shows the letter's exporter and
// VIN count, its page answers every VIN at once; the authority reviews
// and issues; another exporter gets 404.
func TestUI_ShipmentPages(t *testing.T) {
	w, fs, base := fakeShipmentSite(t)
	exp := webtest.NewUIUser(t, base).Login("exporter.member")
	a := exp.Get("/shipments")
	if a.Status != 200 || !strings.Contains(a.Body, "HY-2026-0777") || !strings.Contains(a.Body, `href="/shipments/new"`) {
		t.Fatalf("shipments: %d\n%.1500s", a.Status, a.Body)
	}
	a = exp.Get("/shipments/77")
	vin1 := fs.ship.Vehicles[0].Vehicle.VIN
	for _, want := range []string{vin1, "待确认", "待答复", `id="drop-72"`, w.Exporter.Name, "需确认书"} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("shipment page lacks %q", want)
		}
	}
	if strings.Contains(a.Body, `id="issue-licence"`) {
		t.Error("the exporter is offered the issue button")
	}
	if a = exp.Post("/shipments/77/drop", url.Values{"version": {"3"}, "app": {"72"}}); a.Status != http.StatusSeeOther || fs.removed != 72 {
		t.Fatalf("drop: %d, removed %d", a.Status, fs.removed)
	}
	if a = exp.Post("/shipments/77/drop", url.Values{"version": {"2"}, "app": {"71"}}); a.Status != http.StatusConflict {
		t.Fatalf("drop at a stale version: %d, want 409", a.Status)
	}
	if a = webtest.NewUIUser(t, base).Login("exporter2.member").Get("/shipments/77"); a.Status != http.StatusNotFound {
		t.Fatalf("another exporter's shipment: %d, want 404", a.Status)
	}
	if a = exp.Get("/letters/5"); a.Status != http.StatusNotFound {
		t.Fatalf("the exporter reads the letter page: %d, want 404", a.Status)
	}

	maker := webtest.NewUIUser(t, base).Login("maker.member")
	a = maker.Get("/letters")
	if a.Status != 200 || !strings.Contains(a.Body, w.Exporter.Name) || !strings.Contains(a.Body, `href="/letters/5"`) {
		t.Fatalf("letters: %d\n%.1500s", a.Status, a.Body)
	}
	a = maker.Get("/letters/5")
	if a.Status != 200 || !strings.Contains(a.Body, `name="answer_51"`) || !strings.Contains(a.Body, `name="answer_52"`) || !strings.Contains(a.Body, `name="outlet"`) {
		t.Fatalf("letter page: %d\n%.2500s", a.Status, a.Body)
	}
	ans := url.Values{"version": {"1"}, "outlet": {strconv.FormatInt(w.MakerRU, 10)}, "answer_51": {"approve"},
		"answer_52": {"refuse:no_service_network"}, "text_52": {"当地无网点"}}
	a = maker.Post("/letters/5/answer", url.Values{"version": {"1"}, "answer_51": {"approve"}, "answer_52": {"approve"}})
	if a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `id="e-outlet"`) {
		t.Fatalf("approving with no outlet: %d, want 400 beside the outlets", a.Status)
	}
	if a = maker.Post("/letters/5/answer", ans); a.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%.1500s", a.Status, a.Body)
	}
	if len(fs.answers) != 2 || !fs.answers[0].Approve || fs.answers[0].OutletIDs[0] != w.MakerRU ||
		fs.answers[1].Approve || fs.answers[1].RefusalCode != "no_service_network" || fs.answers[1].RefusalText != "当地无网点" {
		t.Fatalf("answers sent: %+v", fs.answers)
	}

	auth := webtest.NewUIUser(t, base).Login("authority.member")
	a = auth.Get("/shipments/77")
	if a.Status != 200 || !strings.Contains(a.Body, `href="/letters/5"`) || strings.Contains(a.Body, `id="drop-71"`) {
		t.Fatalf("authority's shipment page: %d", a.Status)
	}
	fs.ship.State = ucx.StateUnderReview
	if a = auth.Get("/shipments/77"); !strings.Contains(a.Body, `id="issue-licence"`) {
		t.Fatal("the authority is not offered the issue button for a shipment under review")
	}
	if a = auth.Post("/shipments/77/licence", url.Values{"version": {"3"}}); a.Status != http.StatusSeeOther || !fs.issued {
		t.Fatalf("issue: %d", a.Status)
	}
}
