package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestOpenAPI_ResponsesMatchTheirSchemas takes real answers of every kind
// from a server over the store and checks them against the document's
// schemas: no field the schema does not list (they are closed), every
// required field present, every value of the declared JSON type and enum.
// A field added to a type without the document is caught here.
func TestOpenAPI_ResponsesMatchTheirSchemas(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(ucxhttp.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	ctx := context.Background()
	hookURL := "https://hooks.example.cn/ucx"
	if _, err := db.CreateChannel(ctx, w.Users["maker.admin"], w.Orgs["maker"].ID, &ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: &hookURL}); err != nil {
		t.Fatal(err)
	}
	lic := w.Licensed()
	w.C("customs.member").RecordClearance(ctx, nil, lic.ID, "Horgos", "D-1")
	app, req := w.Awaiting()
	imp, err := w.C("exporter.member").StartImport(ctx, nil, "cars.csv", []byte(w.ImportCSV(2)))
	if err != nil {
		t.Fatal(err)
	}
	db.ProcessImports(ctx)
	id := func(n int64) string { return fmt.Sprint(n) }
	makerPath := "/api/v1/orgs/" + id(w.Orgs["maker"].ID)
	// A request sorted by the manufacturer's rule and one it answered.
	sortRule, err := db.CreateRule(ctx, w.Users["maker.admin"], &ucx.ManufacturerRuleInput{Name: "fast lane", When: "vehicle.age_days >= 0",
		Action: ucx.RuleQueue, Lane: "fast", Priority: 3, Tag: "vip"})
	if err != nil {
		t.Fatal(err)
	}
	_, sortedReq := w.Awaiting()
	if _, err := db.ProcessRequestRules(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRule(ctx, w.Users["maker.admin"], &ucx.ManufacturerRuleInput{Name: "refuse first", When: "true", Position: 1,
		Action: ucx.RuleRefuse, RefusalCode: "other", RefusalText: "schema"}); err != nil {
		t.Fatal(err)
	}
	_, refusedReq := w.Awaiting()
	if _, err := db.ProcessRequestRules(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// The manufacturer register (R2): maker's entry, a spare one with an
	// organisation of its name to bind, and maker2 unbound with a request.
	mine := w.Register["maker"]
	spareOrg := &ucx.Org{Kind: ucx.KindManufacturer, Name: "备用汽车有限公司"}
	if err := db.Bootstrap(ctx, spareOrg, nil, ""); err != nil {
		t.Fatal(err)
	}
	spare, err := db.AddRegisterEntry(ctx, w.OperatorAdmin, &ucx.RegisterEntryInput{Name: spareOrg.Name, Role: ucx.RegisterSalesSubsidiary, Source: "s", Batch: "b"})
	if err != nil {
		t.Fatal(err)
	}
	in := w.Input(webtest.Maker2WMI, webtest.RecentReg)
	in.Submit = true
	unbound := w.File("exporter.member", in)
	unboundReq := firstRequest(t, db, w.Maker2Mem, unbound.ID)
	if _, err := db.UnbindOrg(ctx, w.OperatorAdmin, w.Register["maker2"].ID, "schema"); err != nil {
		t.Fatal(err)
	}

	samples := []struct {
		schema, user, method, path, body string
	}{
		{"Health", "", "GET", "/healthz", ""},
		{"Me", "exporter.member", "GET", "/api/v1/me", ""},
		{"TokenResponse", "", "POST", "/api/v1/auth/login", `{"username":"maker.viewer","password":"` + webtest.Password + `"}`},
		{"TokenResponse", "maker.viewer", "POST", "/api/v1/tokens", `{"name":"schema"}`},
		{"OrgList", "exporter.member", "GET", "/api/v1/orgs?limit=500", ""},
		{"Org", "exporter.member", "GET", makerPath, ""},
		{"Org", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"exporter","name":"新出口公司","region":"上海","filing_number":"F-1","filing_expires":"2027-01-01"}`},
		{"Org", "authority.member", "PUT", "/api/v1/orgs/" + id(w.Orgs["exporter2"].ID) + "/standing", `{"standing":"warned","reason":"late"}`},
		{"Org", "operator.admin", "PUT", "/api/v1/orgs/" + id(w.Orgs["exporter2"].ID) + "/region", `{"region":"广东省","reason":"核对登记地"}`},
		{"Outlet", "maker.admin", "POST", makerPath + "/outlets", `{"country":"UZ","provider":"Testa Tashkent","address":"Amir Temur 1"}`},
		{"Org", "maker.admin", "PUT", makerPath + "/wmis", `{"wmis":["LM1","LM3","LRW"]}`},
		{"WMIClaimList", "operator.member", "GET", "/api/v1/wmi-claims", ""},
		{"UserResponse", "exporter.admin", "POST", "/api/v1/users", `{"username":"schema.user","role":"viewer","password":"` + webtest.Password + `"}`},
		{"UserResponse", "operator.admin", "POST", "/api/v1/users", `{"org_id":` + id(w.Orgs["exporter"].ID) + `,"username":"schema.invited","role":"admin"}`},
		{"EventList", "exporter.admin", "GET", "/api/v1/orgs/" + id(w.Orgs["exporter"].ID) + "/events", ""},
		{"Application", "exporter.member", "POST", "/api/v1/applications", webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.OldReg))},
		{"ApplicationList", "authority.member", "GET", "/api/v1/applications?limit=500", ""},
		{"Application", "maker.member", "GET", "/api/v1/applications/" + id(app.ID), ""},
		{"EventList", "exporter.member", "GET", "/api/v1/applications/" + id(lic.ApplicationID) + "/timeline", ""},
		{"ConfirmationRequestList", "maker.member", "GET", "/api/v1/requests?limit=500", ""},
		{"ConfirmationRequest", "maker.member", "GET", "/api/v1/requests/" + id(req.ID), ""},
		{"LicenceList", "customs.member", "GET", "/api/v1/licences?limit=500", ""},
		{"Licence", "exporter.member", "GET", "/api/v1/licences/" + id(lic.ID), ""},
		{"Import", "exporter.member", "GET", "/api/v1/imports/" + id(imp.ID), ""},
		{"ImportRowList", "exporter.member", "GET", "/api/v1/imports/" + id(imp.ID) + "/rows", ""},
		{"Decision", "exporter.member", "POST", "/api/v1/check", `{"vehicle":{"vin":"LM1","registration_date":"2026-01-16"},"destination":"RU"}`},
		{"PolicyWhatIf", "authority.member", "POST", "/api/v1/policy/what-if?from=2026-01-01&to=2026-03-31", string(policyDoc(t, map[string]any{"letter_threshold_days": 10}))},
		{"Verification", "", "GET", "/api/v1/verify?digest=" + lic.DocumentDigest, ""},
		{"Verification", "", "GET", "/api/v1/verify?licence=" + lic.Number + "&vin=" + lic.Schedule[0].VIN, ""},
		{"BulkReport", "exporter.member", "POST", "/api/v1/bulk/submit", `{"ids":[` + id(w.Draft().ID) + `,` + id(app.ID) + `,424242]}`},
		{"BulkReport", "exporter.member", "POST", "/api/v1/bulk/submit", `{"import_id":` + id(imp.ID) + `}`},
		{"BulkReport", "maker.member", "POST", "/api/v1/bulk/answer", `{"ids":[424242],"answer":"refuse","code":"other","text":"x"}`},
		{"InAppList", "maker.member", "GET", "/api/v1/notifications", ""},
		{"MarkReadResponse", "maker.viewer", "POST", "/api/v1/notifications/read", `{"all":true}`},
		{"ChannelList", "maker.admin", "GET", makerPath + "/channels", ""},
		{"Channel", "maker.admin", "POST", makerPath + "/channels", `{"kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=x","secret":"SEC1","lang":"zh"}`},
		{"DeliveryList", "maker.admin", "GET", makerPath + "/deliveries", ""},
		{"Delivery", "maker.admin", "GET", "/api/v1/deliveries/" + id(firstDelivery(t, db, w.Users["maker.admin"], w.Orgs["maker"].ID)), ""},
		{"ConfirmationRequest", "maker.member", "GET", "/api/v1/requests/" + id(sortedReq.ID), ""},
		{"ConfirmationRequest", "exporter.member", "GET", "/api/v1/requests/" + id(refusedReq.ID), ""},
		{"ConfirmationRequestList", "maker.member", "GET", "/api/v1/requests?lane=fast&tag=vip", ""},
		{"Rule", "maker.admin", "POST", "/api/v1/rules", `{"name":"KZ 无网点","when":"destination == \"KZ\" && !has_outlet_in_destination","action":"refuse","refusal_code":"no_service_network"}`},
		{"RuleList", "maker.viewer", "GET", "/api/v1/rules?deleted=true", ""},
		{"Rule", "maker.member", "GET", "/api/v1/rules/" + id(sortRule.ID), ""},
		{"Rule", "maker.admin", "PUT", "/api/v1/rules/" + id(sortRule.ID), `{"version":1,"name":"fast lane","when":"vehicle.age_days >= 1","action":"queue","lane":"fast"}`},
		{"Rule", "maker.admin", "POST", "/api/v1/rules/" + id(sortRule.ID) + "/disable", `{"version":2}`},
		{"RuleTestResult", "maker.admin", "POST", "/api/v1/rule-tests", `{"when":"exporter.standing == \"normal\"","action":"approve","last":5}`},
		{"Error", "maker.admin", "POST", "/api/v1/rules", `{"name":"x","when":"destination ==","action":"queue"}`},
		{"RegisterEntryList", "exporter.member", "GET", "/api/v1/register?retired=true&limit=10", ""},
		{"RegisterEntry", "maker.viewer", "GET", "/api/v1/register/" + id(mine.ID), ""},
		{"RegisterEntry", "operator.admin", "POST", "/api/v1/register", `{"name":"长城汽车股份有限公司","role":"vehicle_manufacturer","source":"工业和信息化部公告","batch":"第359批"}`},
		{"RegisterEntry", "operator.admin", "PUT", "/api/v1/register/" + id(mine.ID), fmt.Sprintf(`{"version":%d,"name":%q,"role":"vehicle_manufacturer","source":"corrected","batch":"第386批","note":"n"}`, mine.Version, mine.Name)},
		{"RegisterEntry", "operator.admin", "POST", "/api/v1/register/" + id(spare.ID) + "/bind", `{"org_id":` + id(spareOrg.ID) + `}`},
		{"RegisterEntry", "operator.admin", "POST", "/api/v1/register/" + id(spare.ID) + "/unbind", `{"note":"schema"}`},
		{"RegisterEntry", "operator.admin", "POST", "/api/v1/register/" + id(spare.ID) + "/retire", fmt.Sprintf(`{"version":%d,"note":"schema"}`, spare.Version+2)},
		{"Error", "maker.admin", "POST", "/api/v1/register", `{"name":"x","role":"vehicle_manufacturer","source":"s","batch":"b"}`},
		{"Error", "maker2.member", "POST", "/api/v1/requests/" + id(unboundReq.ID) + "/approve", fmt.Sprintf(`{"version":%d,"outlet_ids":[%d]}`, unboundReq.Version, w.Maker2RU)},
		{"Error", "", "GET", "/api/v1/documents/" + lic.DocumentDigest, ""},
		{"Error", "exporter.member", "GET", "/api/v1/applications/424242", ""},
		{"Error", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{"seats":"five"}}`},
		// Deregistration (R16): the cleared licence's vehicle.
		{"VehicleDeregistrationList", "exporter.member", "GET", "/api/v1/deregistrations", ""},
		{"VehicleDeregistration", "exporter.member", "POST", "/api/v1/applications/" + id(lic.ApplicationID) + "/deregistration",
			`{"deregistered_on":"` + webtest.Today.String() + `","reference":"粤A注销-0001"}`},
		{"VehicleDeregistrationList", "authority.member", "GET", "/api/v1/deregistrations?overdue=false&limit=10", ""},
		{"Error", "exporter.member", "POST", "/api/v1/applications/" + id(lic.ApplicationID) + "/deregistration",
			`{"deregistered_on":"` + webtest.Today.String() + `","reference":"again"}`},
	}
	// The batch workflow's answers, once the store implements it.
	if _, ok := any(db).(ucx.ShipmentService); ok {
		sh, _, err := w.C("exporter.member").CreateShipment(ctx, nil, w.ShipmentInput(webtest.RecentReg, map[string]int{webtest.MakerWMI: 2}, webtest.MakerWMI), ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sh, err = w.C("exporter.member").SubmitShipment(ctx, nil, sh.ID, sh.Version); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, []struct{ schema, user, method, path, body string }{
			{"Shipment", "exporter.member", "POST", "/api/v1/shipments", webtest.MustJSON(w.ShipmentInput(webtest.OldReg, map[string]int{webtest.MakerWMI: 2}, webtest.MakerWMI))},
			{"Shipment", "exporter.member", "GET", "/api/v1/shipments/" + id(sh.ID), ""},
			{"ShipmentList", "authority.member", "GET", "/api/v1/shipments", ""},
			{"LetterList", "maker.member", "GET", "/api/v1/letters", ""},
			{"Letter", "maker.member", "GET", "/api/v1/letters/" + id(sh.Letters[0].ID), ""},
			{"Error", "exporter.member", "POST", "/api/v1/shipments", `{"destination":"RU","vehicles":[{"vehicle":{"vin":1}}]}`},
		}...)
	}
	for _, s := range samples {
		t.Run(s.schema+" "+s.method+" "+s.path, func(t *testing.T) {
			r := w.Raw(s.user, s.method, s.path, s.body)
			if r.Status >= 500 || (r.Status >= 400) != (s.schema == "Error") {
				t.Fatalf("%d %s", r.Status, clipBody(r.Body))
			}
			var v any
			if err := json.Unmarshal(r.Body, &v); err != nil {
				t.Fatal(err)
			}
			for _, problem := range conform(doc, map[string]any{"$ref": "#/components/schemas/" + s.schema}, v, "$") {
				t.Error(problem)
			}
		})
	}
}

// conform checks v against an OpenAPI 3.1 schema: the subset the document
// uses ($ref, type, properties, required, additionalProperties, items,
// enum, anyOf of formats). It returns the problems found.
func conform(doc map[string]any, schema any, v any, path string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{path + ": schema is not an object"}
	}
	if ref, ok := s["$ref"].(string); ok {
		node := any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		if node == nil {
			return []string{path + ": unresolved " + ref}
		}
		return conform(doc, node, v, path)
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 {
		matched := ""
		for _, t := range types {
			if jsonTypeIs(v, t) {
				matched = t
				break
			}
		}
		if matched == "" {
			return []string{fmt.Sprintf("%s: %v is not of type %v", path, v, types)}
		}
	}
	var problems []string
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if closed, ok := s["additionalProperties"].(bool); ok && !closed {
			for k := range x {
				if _, ok := props[k]; !ok {
					problems = append(problems, fmt.Sprintf("%s: field %q is not in the schema", path, k))
				}
			}
		}
		for _, r := range asStrings(s["required"]) {
			if _, ok := x[r]; !ok {
				problems = append(problems, fmt.Sprintf("%s: required field %q is missing", path, r))
			}
		}
		for k, val := range x {
			if ps, ok := props[k]; ok {
				problems = append(problems, conform(doc, ps, val, path+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, e := range x {
				problems = append(problems, conform(doc, items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return problems
}

func jsonTypeIs(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "null":
		return v == nil
	}
	return false
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

// firstDelivery is the id of an organisation's newest delivery.
func firstDelivery(t *testing.T, db *sqlstore.DB, admin *ucx.Principal, org int64) int64 {
	t.Helper()
	ds, _, err := db.Deliveries(context.Background(), admin, org, ucx.DeliveryFilter{Limit: 1})
	if err != nil || len(ds) == 0 {
		t.Fatalf("no delivery: %v", err)
	}
	return ds[0].ID
}

// firstRequest returns the confirmation request of application app, as
// manufacturer p sees it.
func firstRequest(t *testing.T, db *sqlstore.DB, p *ucx.Principal, app int64) *ucx.ConfirmationRequest {
	t.Helper()
	rs, _, err := db.FindRequests(context.Background(), p, ucx.RequestFilter{ApplicationIDs: []int64{app}})
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests of application %d: %v %v", app, rs, err)
	}
	return rs[0]
}
