package http_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// shipmentRoutes are the batch workflow's routes (shipment.go). They have
// their own matrix, TestShipment_OverHTTP, which needs the store's
// ucx.ShipmentService.
var shipmentRoutes = []string{
	"POST /api/v1/shipments", "GET /api/v1/shipments", "GET /api/v1/shipments/{id}",
	"POST /api/v1/shipments/{id}/vehicles", "DELETE /api/v1/shipments/{id}/vehicles/{app}",
	"POST /api/v1/shipments/{id}/submit", "POST /api/v1/shipments/{id}/withdraw",
	"POST /api/v1/shipments/{id}/licence", "GET /api/v1/shipments/{id}/licence/to-seal", "POST /api/v1/shipments/{id}/refuse",
	"GET /api/v1/letters", "GET /api/v1/letters/{id}", "POST /api/v1/letters/{id}/answer", "POST /api/v1/letters/{id}/to-seal",
}

// shipmentStore returns the store as a ucx.ShipmentService, skipping the
// test while the store does not implement it yet.
func shipmentStore(t *testing.T, db *sqlstore.DB) ucx.ShipmentService {
	t.Helper()
	ss, ok := any(db).(ucx.ShipmentService)
	if !ok {
		t.Skip("the store does not implement ucx.ShipmentService yet")
	}
	return ss
}

// TestShipmentRoutes_ListedAndUnavailableWithoutService checks that every
// shipment or letter route is in shipmentRoutes (so none escapes the
// matrices) and that a server built without a ShipmentService answers
// each with 503 in the error shape, never a nil dereference.
func TestShipmentRoutes_ListedAndUnavailableWithoutService(t *testing.T) {
	listed := map[string]bool{}
	for _, r := range shipmentRoutes {
		listed[r] = true
	}
	registered := map[string]bool{}
	for _, r := range ucxhttp.NewServer().Routes() {
		registered[r] = true
		_, path, _ := strings.Cut(r, " ")
		if (strings.HasPrefix(path, "/api/v1/shipments") || strings.HasPrefix(path, "/api/v1/letters")) && !listed[r] {
			t.Errorf("route %s is not in shipmentRoutes", r)
		}
	}
	for _, r := range shipmentRoutes {
		if !registered[r] {
			t.Errorf("shipmentRoutes lists %s, which the server does not register", r)
		}
	}

	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	w = withShipments(t, w, nil)
	bodies := map[string]string{
		"POST /api/v1/shipments":                       webtest.MustJSON(w.ShipmentInput(webtest.OldReg, map[string]int{webtest.MakerWMI: 1}, webtest.MakerWMI)),
		"POST /api/v1/shipments/{id}/vehicles":         `{"version":1,"vehicle":{}}`,
		"POST /api/v1/shipments/{id}/refuse":           `{"version":1,"code":"other","text":"x"}`,
		"POST /api/v1/letters/{id}/answer":             `{"version":1,"answers":[{"request_id":1,"approve":true,"outlet_ids":[1]}]}`,
		"POST /api/v1/letters/{id}/to-seal":            `{"answers":[{"request_id":1,"approve":true,"outlet_ids":[1]}]}`,
		"POST /api/v1/shipments/{id}/submit":           `{"version":1}`,
		"POST /api/v1/shipments/{id}/withdraw":         `{"version":1}`,
		"POST /api/v1/shipments/{id}/licence":          `{"version":1}`,
		"DELETE /api/v1/shipments/{id}/vehicles/{app}": `{"version":1}`,
	}
	for _, route := range shipmentRoutes {
		method, path, _ := strings.Cut(route, " ")
		path = strings.NewReplacer("{id}", "1", "{app}", "2").Replace(path)
		r := w.Raw("exporter.member", method, path, bodies[route])
		if r.Status != 503 {
			t.Errorf("%s without a shipment service: %d %s, want 503", route, r.Status, r.Body)
			continue
		}
		if e := r.ErrorBody(t); e.Code != ucx.EUNAVAILABLE {
			t.Errorf("%s: code %s, want %s", route, e.Code, ucx.EUNAVAILABLE)
		}
	}
}

// TestShipment_BadBodiesNameTheField checks the API's own checks of the
// batch bodies: each answers 400 naming the field, before the store.
func TestShipment_BadBodiesNameTheField(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	cases := []struct{ method, path, body, field string }{
		{"POST", "/api/v1/shipments", `{"destination":"RU","vehicles":[]}`, "vehicles"},
		{"POST", "/api/v1/shipments", `{"destination":"RU","vehicles":[{},{},{"vehicle":{"vin":17}}]}`, "vehicles[2].vehicle.vin"},
		{"POST", "/api/v1/shipments", `{"destination":"RU","vehicles":[{"vehicel":{}}]}`, "vehicles[0].vehicel"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[]}`, "answers"},
		{"POST", "/api/v1/letters/1/answer", `{"answers":[{"request_id":1,"approve":true,"outlet_ids":[1]}]}`, "version"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[{"request_id":1,"approve":true,"outlet_ids":[1]},{"request_id":2,"approve":true}]}`, "answers[1].outlet_ids"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[{"request_id":1,"refusal_code":"nope"}]}`, "answers[0].refusal_code"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[{"request_id":0,"refusal_code":"other"}]}`, "answers[0].request_id"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[{"request_id":3,"refusal_code":"other"},{"request_id":3,"refusal_code":"other"}]}`, "answers[1].request_id"},
		{"POST", "/api/v1/letters/1/answer", `{"version":1,"answers":[{"request_id":3,"refusal_code":"other","outlet_ids":[4]}]}`, "answers[0].outlet_ids"},
		{"POST", "/api/v1/letters/1/to-seal", `{"answers":[{"request_id":1,"approve":true,"outlet_ids":[-1]}]}`, "answers[0].outlet_ids"},
		{"POST", "/api/v1/shipments/1/refuse", `{"version":1,"code":"nope"}`, "code"},
		{"POST", "/api/v1/shipments/x/submit", `{"version":1}`, "id"},
		{"DELETE", "/api/v1/shipments/1/vehicles/0", `{"version":1}`, "app"},
		{"DELETE", "/api/v1/shipments/1/vehicles/2", ``, "version"},
		{"GET", "/api/v1/shipments?state=flying", ``, "state"},
		{"GET", "/api/v1/shipments?vin=X", ``, "vin"},
		{"GET", "/api/v1/letters?state=done", ``, "state"},
		{"GET", "/api/v1/letters?shipment_id=-3", ``, "shipment_id"},
	}
	w = withShipments(t, w, fieldsFirst{})
	for _, c := range cases {
		r := w.Raw("exporter.member", c.method, c.path, c.body)
		if r.Status != 400 {
			t.Errorf("%s %s %s: %d %s, want 400", c.method, c.path, c.body, r.Status, r.Body)
			continue
		}
		if e := r.ErrorBody(t); e.Field != c.field {
			t.Errorf("%s %s %s: field %q (%s), want %q", c.method, c.path, c.body, e.Field, e.Message, c.field)
		}
	}
}

// fieldsFirst is a ShipmentService every method of which panics (the
// server answers 500): the bad bodies above must never reach it.
type fieldsFirst struct{ ucx.ShipmentService }

// withShipments returns w served by a second server over the same store
// (the tokens stay valid) whose ShipmentService is svc.
func withShipments(t *testing.T, w *webtest.World, svc ucx.ShipmentService) *webtest.World {
	s := ucxhttp.NewServer()
	s.OrgService, s.ShipmentService = w.DB, svc
	s.Logger = webtest.DiscardLogger()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	w2 := *w
	w2.TS = ts
	return &w2
}

// TestShipment_OverHTTP walks the batch path of issue 11 through the Go
// client against the real server and store: an exporter files 20 cars of
// 3 manufacturers (R4), submitting opens 3 letters, one maker refuses two
// VINs in its letter and approves the rest, the others approve all (R3),
// the authority issues one licence of 18 vehicles (R4, R5, R14), customs
// clears it once (R15). On the way every refusal the brief names: another
// exporter's shipment is not found, an exporter cannot answer a letter, a
// manufacturer cannot read another's letter nor issue, a stale version is
// a conflict.
func TestShipment_OverHTTP(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		shipmentStore(t, db)
		w := webtest.NewWorld(t, db)
		m3 := w.AddMaker3()
		ctx := context.Background()
		exp, exp2 := w.C("exporter.member"), w.C("exporter2.member")
		auth, customs := w.C("authority.member"), w.C("customs.member")
		in := w.ShipmentInput(webtest.RecentReg, map[string]int{webtest.MakerWMI: 8, webtest.Maker2WMI: 6, webtest.Maker3WMI: 6},
			webtest.MakerWMI, webtest.Maker2WMI, webtest.Maker3WMI)

		// A vehicle for another destination is invalid, naming its index.
		bad := *in
		bad.Vehicles = append([]ucx.ApplicationInput(nil), in.Vehicles...)
		bad.Vehicles[3].Destination = "KZ"
		_, _, err := exp.CreateShipment(ctx, nil, &bad, ucx.CreateOptions{})
		if ucx.ErrorCode(err) != ucx.EINVALID || !strings.HasPrefix(ucx.ErrorField(err), "vehicles[3]") {
			t.Fatalf("a vehicle for KZ in a shipment to RU: %v (field %q), want invalid naming vehicles[3]", err, ucx.ErrorField(err))
		}

		sh, created, err := exp.CreateShipment(ctx, nil, in, ucx.CreateOptions{IdempotencyKey: "batch-1"})
		if err != nil || !created {
			t.Fatalf("file: created=%v err=%v", created, err)
		}
		if again, created, err := exp.CreateShipment(ctx, nil, in, ucx.CreateOptions{IdempotencyKey: "batch-1"}); err != nil || created || again.ID != sh.ID {
			t.Fatalf("retry with the same key: created=%v err=%v; want the first filing %d", created, err, sh.ID)
		}
		if sh.State != ucx.StateDraft || len(sh.Vehicles) != 20 {
			t.Fatalf("filed: state %s with %d vehicles, want a draft of 20", sh.State, len(sh.Vehicles))
		}
		for i, v := range sh.Vehicles {
			if v.ShipmentID != sh.ID || v.Decision.Outcome != ucx.LetterRequired || v.Vehicle.VIN != in.Vehicles[i].Vehicle.VIN {
				t.Fatalf("vehicle %d: shipment %d, outcome %s, VIN %s", i, v.ShipmentID, v.Decision.Outcome, v.Vehicle.VIN)
			}
		}
		if _, err := exp2.FindShipmentByID(ctx, nil, sh.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("another exporter reads the shipment: %v, want not found", err)
		}
		if list, n, err := exp2.FindShipments(ctx, nil, ucx.ShipmentFilter{}); err != nil || n != 0 || len(list) != 0 {
			t.Fatalf("another exporter's list: %d (err %v), want none", n, err)
		}
		if _, err := w.C("exporter.viewer").SubmitShipment(ctx, nil, sh.ID, sh.Version); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Fatalf("a viewer submits: %v, want forbidden", err)
		}
		if _, err := exp.SubmitShipment(ctx, nil, sh.ID, sh.Version+5); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("submit with a stale version: %v, want conflict", err)
		}
		sh, err = exp.SubmitShipment(ctx, nil, sh.ID, sh.Version)
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		if sh.State != ucx.StateAwaitingConfirmation || len(sh.Letters) != 3 {
			t.Fatalf("submitted: state %s with %d letters, want awaiting_confirmation with 3", sh.State, len(sh.Letters))
		}

		// Each maker sees its one letter, naming all of its VINs.
		want := map[string]int{"maker": 8, "maker2": 6, "maker3": 6}
		letters := map[string]*ucx.Letter{}
		for name, n := range want {
			list, total, err := w.C(name+".member").FindLetters(ctx, nil, ucx.LetterFilter{})
			if err != nil || total != 1 || len(list) != 1 {
				t.Fatalf("%s's letters: %d (err %v), want 1", name, total, err)
			}
			l, err := w.C(name+".member").FindLetterByID(ctx, nil, list[0].ID)
			if err != nil || len(l.Requests) != n || l.ManufacturerID != w.Orgs[name].ID || l.ShipmentID != sh.ID || l.State != ucx.LetterPending {
				t.Fatalf("%s's letter: %+v (err %v), want %d pending VINs", name, l, err, n)
			}
			letters[name] = l
		}
		if _, err := w.C("maker2.member").FindLetterByID(ctx, nil, letters["maker"].ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("maker2 reads maker's letter: %v, want not found", err)
		}
		approveAll := func(l *ucx.Letter, outlet int64, refuse int) []ucx.LetterAnswer {
			var out []ucx.LetterAnswer
			for i, r := range l.Requests {
				if i < refuse {
					out = append(out, ucx.LetterAnswer{RequestID: r.ID, RefusalCode: "no_service_network", RefusalText: "无服务网点"})
					continue
				}
				out = append(out, ucx.LetterAnswer{RequestID: r.ID, Approve: true, OutletIDs: []int64{outlet}})
			}
			return out
		}
		mine := approveAll(letters["maker"], w.MakerRU, 2)
		for _, who := range []string{"exporter.member", "authority.member", "maker2.member", "maker.viewer"} {
			_, err := w.C(who).AnswerLetter(ctx, nil, letters["maker"].ID, letters["maker"].Version, mine)
			if c := ucx.ErrorCode(err); c != ucx.EFORBIDDEN && c != ucx.ENOTFOUND {
				t.Fatalf("%s answers maker's letter: %v, want forbidden or not found", who, err)
			}
		}
		l, err := w.C("maker.member").AnswerLetter(ctx, nil, letters["maker"].ID, letters["maker"].Version, mine)
		if err != nil || l.State != ucx.LetterAnswered || len(l.DocumentDigests) != 1 {
			t.Fatalf("maker answers: %+v, err %v; want answered with one sealed confirmation", l, err)
		}
		for _, name := range []string{"maker2", "maker3"} {
			outlet := w.Maker2RU
			if name == "maker3" {
				outlet = m3
			}
			if _, err := w.C(name+".member").AnswerLetter(ctx, nil, letters[name].ID, letters[name].Version, approveAll(letters[name], outlet, 0)); err != nil {
				t.Fatalf("%s answers: %v", name, err)
			}
		}

		sh, err = exp.FindShipmentByID(ctx, nil, sh.ID)
		if err != nil || sh.State != ucx.StateUnderReview || len(sh.Live()) != 18 {
			t.Fatalf("after the answers: state %s, %d live (err %v); want under_review with 18", sh.State, len(sh.Live()), err)
		}
		for _, who := range []string{"maker.member", "exporter.admin", "customs.member", "authority.viewer"} {
			if _, err := w.C(who).IssueShipmentLicence(ctx, nil, sh.ID, sh.Version); ucx.ErrorCode(err) != ucx.EFORBIDDEN && ucx.ErrorCode(err) != ucx.ENOTFOUND {
				t.Fatalf("%s issues: %v, want forbidden or not found", who, err)
			}
		}
		if doc, err := auth.ShipmentLicenceToSeal(ctx, nil, sh.ID); err != nil || !strings.Contains(string(doc), in.Vehicles[19].Vehicle.VIN) {
			t.Fatalf("licence to seal: %v; want a document naming every live VIN", err)
		}
		lic, err := auth.IssueShipmentLicence(ctx, nil, sh.ID, sh.Version)
		if err != nil {
			t.Fatalf("issue: %v", err)
		}
		if len(lic.Schedule) != 18 || lic.ShipmentID != sh.ID || lic.Number == "" {
			t.Fatalf("licence: %d vehicles, shipment %d, number %q; want 18 for %d", len(lic.Schedule), lic.ShipmentID, lic.Number, sh.ID)
		}
		for _, v := range lic.Schedule {
			if v.VIN == in.Vehicles[0].Vehicle.VIN || v.VIN == in.Vehicles[1].Vehicle.VIN {
				t.Fatalf("the licence lists refused VIN %s", v.VIN)
			}
		}
		if _, err := customs.RecordClearance(ctx, nil, lic.ID, "Horgos", "DECL-BATCH-1"); err != nil {
			t.Fatalf("clear: %v", err)
		}
		sh, err = exp.FindShipmentByID(ctx, nil, sh.ID)
		if err != nil || sh.State != ucx.StateCleared || sh.LicenceID != lic.ID {
			t.Fatalf("after clearance: state %s, licence %d (err %v); want cleared with %d", sh.State, sh.LicenceID, err, lic.ID)
		}
	})
}

// TestShipment_DropAndLimits_OverHTTP checks the draft's edits over HTTP:
// a vehicle is removed from a draft with the version last read (a stale
// one is a conflict), another exporter cannot remove or submit it, and a
// shipment over the policy's limit is invalid.
func TestShipment_DropAndLimits_OverHTTP(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		shipmentStore(t, db)
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		exp, exp2 := w.C("exporter.member"), w.C("exporter2.member")
		sh, _, err := exp.CreateShipment(ctx, nil, w.ShipmentInput(webtest.OldReg, map[string]int{webtest.MakerWMI: 3}, webtest.MakerWMI), ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		drop := sh.Vehicles[1]
		if _, err := exp2.RemoveVehicle(ctx, nil, sh.ID, sh.Version, drop.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("another exporter drops a vehicle: %v, want not found", err)
		}
		if _, err := exp.RemoveVehicle(ctx, nil, sh.ID, sh.Version+1, drop.ID); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("drop with a stale version: %v, want conflict", err)
		}
		sh2, err := exp.RemoveVehicle(ctx, nil, sh.ID, sh.Version, drop.ID)
		if err != nil || len(sh2.Live()) != 2 || sh2.Version <= sh.Version {
			t.Fatalf("drop: %d live, version %d (err %v); want 2 and a new version", len(sh2.Live()), sh2.Version, err)
		}
		for _, v := range sh2.Live() {
			if v.ID == drop.ID {
				t.Fatalf("the dropped vehicle is still live")
			}
		}
		if _, err := exp2.SubmitShipment(ctx, nil, sh.ID, sh2.Version); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("another exporter submits: %v, want not found", err)
		}

		over := w.ShipmentInput(webtest.OldReg, map[string]int{webtest.MakerWMI: ucx.DefaultMaxShipmentVehicles + 1}, webtest.MakerWMI)
		if _, _, err := exp.CreateShipment(ctx, nil, over, ucx.CreateOptions{}); ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "vehicles" {
			t.Fatalf("%d vehicles: %v (field %q), want invalid naming vehicles", len(over.Vehicles), err, ucx.ErrorField(err))
		}
	})
}
