package http_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestAuthorization_Matrix sends every authenticated endpoint as every
// organisation kind × role (plus no credentials and a forged token),
// against records that belong to one exporter and one manufacturer. Those
// allowed get a 2xx; everyone else gets 401, 403 or 404 — never a 2xx, never
// a 500 — in the one error shape, and a refused change changes nothing
// (the allowed caller's later success with the original version proves it).
func TestAuthorization_Matrix(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()

		// maker's notification channels, before the records, so that
		// maker hears of them: its in-app channel, a webhook to change
		// and delete, and a dead delivery to replay.
		makerAdmin := w.Users["maker.admin"]
		hookURL := "https://hooks.example.cn/ucx"
		hook, err := db.CreateChannel(ctx, makerAdmin, w.Orgs["maker"].ID, &ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: &hookURL})
		if err != nil {
			t.Fatal(err)
		}
		spare, err := db.CreateChannel(ctx, makerAdmin, w.Orgs["maker"].ID, &ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: &hookURL})
		if err != nil {
			t.Fatal(err)
		}

		// The records the matrix acts on, all of exporter's and maker's.
		viewApp, viewReq := w.Awaiting()
		submitApp, withdrawApp := w.Draft(), w.Draft()
		_, approveReq := w.Awaiting()
		_, refuseReq := w.Awaiting()
		bulkApp := w.Draft()
		_, bulkReq := w.Awaiting()
		issueApp, refuseApp := w.UnderReview(), w.UnderReview()
		lic := w.Licensed()
		_, tok, err := w.C("exporter.member").CreateToken(ctx, nil, "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		imp, err := w.C("exporter.member").StartImport(ctx, nil, "cars.csv", []byte(w.ImportCSV(1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ProcessImports(ctx); err != nil {
			t.Fatal(err)
		}
		id := func(n int64) string { return fmt.Sprint(n) }
		claimed, err := db.ClaimDeliveries(ctx, "matrix", 1, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim a delivery: %v %v", claimed, err)
		}
		if err := db.FinishDelivery(ctx, claimed[0], ucx.DeliveryResult{Error: "matrix", Status: 500}); err != nil {
			t.Fatal(err)
		}
		dead := claimed[0].Delivery.ID
		// Two pending WMI claims of maker2's: LRW (the table's Tesla) and
		// LM1 (maker's).
		if _, err := w.C("maker2.admin").SetWMIs(ctx, nil, w.Orgs["maker2"].ID, []string{webtest.Maker2WMI, "LRW", "LM1"}); err != nil {
			t.Fatal(err)
		}
		claims, err := db.WMIClaims(ctx, w.Users["operator.admin"])
		if err != nil || len(claims) != 2 {
			t.Fatalf("claims: %v %v", claims, err)
		}
		exporterID, makerID := id(w.Orgs["exporter"].ID), id(w.Orgs["maker"].ID)
		// The manufacturer register (R2): an entry to correct, one with a
		// manufacturer of its name to bind and unbind, one to retire.
		var entries []*ucx.RegisterEntry
		for _, name := range []string{"矩阵汽车一有限公司", "矩阵汽车二有限公司", "矩阵汽车三有限公司"} {
			e, err := db.AddRegisterEntry(ctx, w.Users["operator.admin"], &ucx.RegisterEntryInput{Name: name, Role: ucx.RegisterVehicleManufacturer, Source: "matrix", Batch: "第1批"})
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		spareMaker := &ucx.Org{Kind: ucx.KindManufacturer, Name: entries[1].Name}
		if err := db.Bootstrap(ctx, spareMaker, nil, ""); err != nil {
			t.Fatal(err)
		}
		credit := &ucx.CreditEvent{ExporterID: w.Orgs["exporter"].ID, Code: "false_information",
			OccurredOn: ucx.DateOf(webtest.TestNow).AddDays(-3), Evidence: "matrix"}
		if err := db.RecordCreditEvent(ctx, w.Users["authority.member"], credit); err != nil {
			t.Fatal(err)
		}

		// maker's rules: one to read and change, one to disable, one
		// disabled to enable, one to delete.
		var mrules []*ucx.ManufacturerRule
		for i := range 4 {
			r, err := db.CreateRule(ctx, makerAdmin, &ucx.ManufacturerRuleInput{Name: fmt.Sprint("matrix ", i), When: `destination == "KZ"`, Action: ucx.RuleQueue, Lane: "kz"})
			if err != nil {
				t.Fatal(err)
			}
			mrules = append(mrules, r)
		}
		if _, err := db.SetRuleState(ctx, makerAdmin, mrules[2].ID, 1, ucx.RuleDisabled); err != nil {
			t.Fatal(err)
		}

		every := everyone()
		workflow := except(every, "operator.")
		readers := only(every, "exporter.", "maker.", "authority.", "customs.")
		actors := func(orgs ...string) []string {
			var out []string
			for _, o := range orgs {
				out = append(out, o+".admin", o+".member")
			}
			return out
		}

		n := 0
		unique := func() int { n++; return n }
		endpoints := []struct {
			method, path string
			body         func() string
			allowed      []string
			once         bool // a change that can succeed only once
		}{
			{"GET", "/api/v1/me", nil, every, false},
			{"GET", "/api/v1/orgs", nil, every, false},
			{"GET", "/api/v1/orgs/" + exporterID, nil, every, false},
			{"POST", "/api/v1/orgs", func() string {
				return fmt.Sprintf(`{"kind":"customs","name":"海关 %d"}`, unique())
			}, []string{"operator.admin"}, false},
			{"PUT", "/api/v1/orgs/" + exporterID + "/standing", func() string {
				return `{"standing":"warned","reason":"late filings"}`
			}, actors("authority"), false},
			// Only the operator's admin sets a jurisdiction (R14); the
			// same one again, so the rest of the matrix is unchanged.
			{"PUT", "/api/v1/orgs/" + exporterID + "/region", func() string {
				return `{"region":"广东","reason":"matrix"}`
			}, []string{"operator.admin"}, false},
			// Declaring outlets and WMIs is an act of the manufacturer's
			// admin or the operator's (R2, R3): a member may not.
			{"POST", "/api/v1/orgs/" + makerID + "/outlets", func() string {
				return `{"country":"KZ","provider":"Testa Astana","address":"Mangilik El 1, Astana"}`
			}, []string{"maker.admin", "operator.admin"}, false},
			{"PUT", "/api/v1/orgs/" + makerID + "/wmis", func() string { return `{"wmis":["LM1"]}` }, []string{"maker.admin", "operator.admin"}, false},
			{"GET", "/api/v1/wmi-claims", nil, only(every, "operator."), false},
			{"POST", "/api/v1/wmi-claims/" + id(claims[0].ID) + "/confirm", func() string { return `{"note":"checked"}` }, []string{"operator.admin"}, true},
			{"POST", "/api/v1/wmi-claims/" + id(claims[1].ID) + "/refuse", func() string { return `{"note":"not theirs"}` }, []string{"operator.admin"}, true},
			// The manufacturer register: everyone reads it, the operator's
			// admin keeps it (R2).
			{"GET", "/api/v1/register", nil, every, false},
			{"GET", "/api/v1/register/" + id(entries[0].ID), nil, every, false},
			{"POST", "/api/v1/register", func() string {
				return fmt.Sprintf(`{"name":"矩阵新增汽车 %d 有限公司","role":"vehicle_manufacturer","source":"matrix","batch":"第2批"}`, unique())
			}, []string{"operator.admin"}, false},
			{"PUT", "/api/v1/register/" + id(entries[0].ID), func() string {
				return fmt.Sprintf(`{"version":%d,"name":%q,"role":"vehicle_manufacturer","source":"corrected","batch":"第2批"}`, entries[0].Version, entries[0].Name)
			}, []string{"operator.admin"}, true},
			{"POST", "/api/v1/register/" + id(entries[1].ID) + "/bind", func() string { return `{"org_id":` + id(spareMaker.ID) + `}` }, []string{"operator.admin"}, true},
			{"POST", "/api/v1/register/" + id(entries[1].ID) + "/unbind", func() string { return `{"note":"matrix"}` }, []string{"operator.admin"}, true},
			{"POST", "/api/v1/register/" + id(entries[2].ID) + "/retire", func() string {
				return fmt.Sprintf(`{"version":%d,"note":"matrix"}`, entries[2].Version)
			}, []string{"operator.admin"}, true},
			{"POST", "/api/v1/users", func() string {
				return fmt.Sprintf(`{"org_id":%s,"username":"new.user%d","role":"viewer","password":"%s"}`, exporterID, unique(), webtest.Password)
			}, []string{"exporter.admin"}, false},
			{"POST", "/api/v1/users", func() string {
				return fmt.Sprintf(`{"org_id":%s,"username":"invited.user%d","role":"admin"}`, exporterID, unique())
			}, []string{"operator.admin", "exporter.admin"}, false},
			{"GET", "/api/v1/orgs/" + exporterID + "/events", nil, []string{"exporter.admin"}, false},
			{"POST", "/api/v1/tokens", func() string { return `{"name":"matrix"}` }, every, false},

			{"GET", "/api/v1/notifications", nil, every, false},
			{"POST", "/api/v1/notifications/read", func() string { return `{"all":true}` }, every, false},
			{"GET", "/api/v1/orgs/" + makerID + "/channels", nil, []string{"maker.admin"}, false},
			{"POST", "/api/v1/orgs/" + makerID + "/channels", func() string { return `{"kind":"email","to":["ops@maker.example.cn"]}` }, []string{"maker.admin"}, false},
			{"PATCH", "/api/v1/channels/" + id(hook.ID), func() string { return `{"lang":"zh","version":1}` }, []string{"maker.admin"}, true},
			{"DELETE", "/api/v1/channels/" + id(spare.ID), nil, []string{"maker.admin"}, true},
			{"GET", "/api/v1/orgs/" + makerID + "/deliveries", nil, []string{"maker.admin"}, false},
			{"GET", "/api/v1/deliveries/" + id(dead), nil, []string{"maker.admin"}, false},
			{"POST", "/api/v1/deliveries/" + id(dead) + "/replay", nil, []string{"maker.admin"}, true},
			{"DELETE", "/api/v1/tokens/" + id(tok.ID), nil, []string{"exporter.member", "exporter.admin"}, true},

			{"GET", "/api/v1/applications", nil, workflow, false},
			{"POST", "/api/v1/applications", func() string { return webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.OldReg)) },
				actors("exporter", "exporter2"), false},
			{"GET", "/api/v1/applications/" + id(viewApp.ID), nil, readers, false},
			{"GET", "/api/v1/applications/" + id(viewApp.ID) + "/timeline", nil, readers, false},
			{"POST", "/api/v1/applications/" + id(submitApp.ID) + "/submit", func() string { return `{"version":1}` },
				actors("exporter"), true},
			{"POST", "/api/v1/applications/" + id(withdrawApp.ID) + "/withdraw", func() string { return `{"version":1}` },
				actors("exporter"), true},
			{"POST", "/api/v1/applications/" + id(issueApp.ID) + "/licence", func() string {
				return fmt.Sprintf(`{"version":%d}`, issueApp.Version)
			}, actors("authority"), true},
			{"POST", "/api/v1/applications/" + id(refuseApp.ID) + "/refuse", func() string {
				return fmt.Sprintf(`{"version":%d,"code":"data_mismatch","text":"brand differs"}`, refuseApp.Version)
			}, actors("authority"), true},

			{"GET", "/api/v1/requests", nil, workflow, false},
			{"GET", "/api/v1/requests/" + id(viewReq.ID), nil, readers, false},
			{"POST", "/api/v1/requests/" + id(approveReq.ID) + "/approve", func() string {
				return fmt.Sprintf(`{"version":%d,"outlet_ids":[%d]}`, approveReq.Version, w.MakerRU)
			}, actors("maker"), true},
			{"POST", "/api/v1/requests/" + id(refuseReq.ID) + "/refuse", func() string {
				return fmt.Sprintf(`{"version":%d,"code":"no_service_network","text":"none in RU"}`, refuseReq.Version)
			}, actors("maker"), true},

			// Bulk actions: every exporter (or maker) may call them; another
			// organisation's ids answer not_found per row, changing nothing.
			{"POST", "/api/v1/bulk/submit", func() string { return fmt.Sprintf(`{"ids":[%d]}`, bulkApp.ID) },
				actors("exporter2", "exporter"), false},
			{"POST", "/api/v1/bulk/answer", func() string {
				return fmt.Sprintf(`{"ids":[%d],"answer":"approve","outlets":{"RU":[%d]}}`, bulkReq.ID, w.MakerRU)
			}, actors("maker2", "maker"), false},

			// A manufacturer's own rules: its users read them, its admins
			// change and try them; another maker's are 404.
			{"GET", "/api/v1/rules", nil, only(every, "maker.", "maker2."), false},
			{"POST", "/api/v1/rules", func() string {
				return fmt.Sprintf(`{"name":"matrix %d","when":"true","action":"queue","tag":"m"}`, unique())
			}, []string{"maker.admin", "maker2.admin"}, false},
			{"GET", "/api/v1/rules/" + id(mrules[0].ID), nil, only(every, "maker."), false},
			{"PUT", "/api/v1/rules/" + id(mrules[0].ID), func() string {
				return `{"version":1,"name":"matrix 0","when":"destination == \"UZ\"","action":"queue"}`
			}, []string{"maker.admin"}, true},
			{"POST", "/api/v1/rules/" + id(mrules[1].ID) + "/disable", func() string { return `{"version":1}` }, []string{"maker.admin"}, true},
			{"POST", "/api/v1/rules/" + id(mrules[2].ID) + "/enable", func() string { return `{"version":2}` }, []string{"maker.admin"}, true},
			{"DELETE", "/api/v1/rules/" + id(mrules[3].ID), func() string { return `{"version":1}` }, []string{"maker.admin"}, true},
			{"POST", "/api/v1/rule-tests", func() string {
				return `{"when":"vehicle.age_days < 90","action":"refuse","refusal_code":"other","refusal_text":"t"}`
			},
				[]string{"maker.admin", "maker2.admin"}, false},

			{"GET", "/api/v1/licences", nil, workflow, false},
			{"GET", "/api/v1/licences/" + id(lic.ID), nil, readers, false},
			{"POST", "/api/v1/licences/" + id(lic.ID) + "/clearance", func() string {
				return `{"port":"Horgos","declaration_number":"DECL-1"}`
			}, actors("customs"), true},
			// Deregistration (R16), once the licence above is cleared:
			// the exporter records; the exporters and the authority list
			// (each its own; another exporter's list is empty).
			{"GET", "/api/v1/deregistrations?overdue=true", nil, only(every, "exporter.", "exporter2.", "authority."), false},
			{"POST", "/api/v1/applications/" + id(lic.ApplicationID) + "/deregistration", func() string {
				return `{"deregistered_on":"` + webtest.Today.String() + `","reference":"ZX-1"}`
			}, actors("exporter"), true},

			{"POST", "/api/v1/imports", func() string { return w.ImportCSV(1) }, actors("exporter", "exporter2"), false},
			{"GET", "/api/v1/imports/" + id(imp.ID), nil, only(every, "exporter."), false},
			{"GET", "/api/v1/imports/" + id(imp.ID) + "/rows", nil, only(every, "exporter."), false},
			{"GET", "/api/v1/imports/" + id(imp.ID) + "/rows.csv", nil, only(every, "exporter."), false},
			{"GET", "/api/v1/import/template.xlsx", nil, only(every, "exporter.", "exporter2."), false},

			{"GET", "/api/v1/negative-list", nil, every, false},
			{"PUT", "/api/v1/negative-list/matrix_item", func() string {
				return `{"description_zh":"测试","description_en":"test","weight":1}`
			}, actors("operator"), false},
			{"GET", "/api/v1/exporters/" + exporterID + "/credit", nil, only(every, "authority.", "exporter."), false},
			{"GET", "/api/v1/exporters/" + exporterID + "/credit/events", nil, only(every, "authority.", "exporter."), false},
			{"POST", "/api/v1/exporters/" + exporterID + "/credit/events", func() string {
				return `{"code":"wrong_filing","occurred_on":"2026-03-01","evidence":"VIN differs from the certificate"}`
			}, actors("authority"), false},
			{"POST", "/api/v1/exporters/" + exporterID + "/credit/decisions", func() string {
				return `{"action":"override","standing":"warned","reason":"matrix"}`
			}, actors("authority"), false},
			{"POST", "/api/v1/credit-events/" + id(credit.ID) + "/appeal", func() string { return `{"note":"we disagree"}` },
				actors("exporter", "authority"), false},
			{"POST", "/api/v1/credit-events/" + id(credit.ID) + "/annul", func() string { return `{"note":"evidence withdrawn"}` },
				actors("authority"), true},
			{"POST", "/api/v1/credit/what-if", func() string {
				return `{"thresholds":{"window_days":365,"warned":1,"rectification_ordered":2,"suspended":3,"naming_count":1}}`
			}, only(every, "authority."), false},
			{"GET", "/api/v1/figures?from=2025-03-11&to=2026-03-10", nil, only(every, "authority."), false},
			{"POST", "/api/v1/policy/what-if?from=2025-03-11&to=2026-03-10", func() string {
				return string(policyDoc(t, map[string]any{"letter_threshold_days": 365}))
			}, only(every, "authority."), false},

			// Whole documents: the parties to the licence (its exporter, the
			// maker of its letter, authorities, customs), every role.
			{"GET", "/api/v1/documents/" + lic.DocumentDigest, nil, readers, false},
			{"GET", "/api/v1/documents/" + lic.DocumentDigest + "/bundle", nil, readers, false},
			{"GET", "/documents/" + lic.DocumentDigest + "/print", nil, readers, false},
			{"GET", "/documents/" + lic.DocumentDigest + "/pdf", nil, readers, false},

			{"POST", "/api/v1/check", func() string {
				return webtest.MustJSON(map[string]any{"vehicle": w.Input(webtest.MakerWMI, webtest.RecentReg).Vehicle, "destination": "RU"})
			}, every, false},
		}

		// Every authenticated route is in the matrix.
		covered := map[string]bool{}
		for _, ep := range endpoints {
			path, _, _ := strings.Cut(ep.path, "?")
			covered[ep.method+" "+numericSegment.ReplaceAllString(path, "/{id}")] = true
		}
		// The negative list's {code} is not numeric: …/matrix_item above.
		covered["PUT /api/v1/negative-list/{code}"] = true
		for _, route := range []string{"GET /api/v1/documents/{digest}", "GET /api/v1/documents/{digest}/bundle",
			"GET /documents/{digest}/print", "GET /documents/{digest}/pdf"} { // by digest, above
			covered[route] = true
		}
		for _, route := range sealingRoutes { // their own matrix: documents_test.go
			covered[route] = true
		}
		for _, route := range shipmentRoutes { // their own matrix: shipment_test.go
			covered[route] = true
		}
		for _, route := range w.Server.Routes() {
			if !covered[route] && !public[route] {
				t.Errorf("route %s is missing from the authorisation matrix", route)
			}
		}

		for _, ep := range endpoints {
			before := countsOf(t, w)
			allowed := map[string]bool{}
			for _, u := range ep.allowed {
				allowed[u] = true
			}
			body := func() string {
				if ep.body == nil {
					return ""
				}
				return ep.body()
			}
			// Refusals first, so a change they made would show.
			for _, who := range append([]string{"", "bad"}, every...) {
				if allowed[who] {
					continue
				}
				r := w.Raw(who, ep.method, ep.path, body())
				switch {
				case who == "" || who == "bad":
					if r.Status != 401 {
						t.Errorf("%s %s as %q: %d %s, want 401", ep.method, ep.path, who, r.Status, r.Body)
						continue
					}
					if r.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s as %q: 401 without WWW-Authenticate", ep.method, ep.path, who)
					}
				case r.Status != 403 && r.Status != 404:
					t.Errorf("%s %s as %s: %d %s, want 403 or 404", ep.method, ep.path, who, r.Status, r.Body)
					continue
				}
				r.ErrorBody(t)
			}
			if after := countsOf(t, w); after != before {
				t.Errorf("%s %s: refused requests changed the records: %+v, then %+v", ep.method, ep.path, before, after)
			}
			for _, who := range ep.allowed {
				r := w.Raw(who, ep.method, ep.path, body())
				if r.Status < 200 || r.Status > 299 {
					t.Errorf("%s %s as %s: %d %s, want 2xx", ep.method, ep.path, who, r.Status, r.Body)
				}
				if ep.once {
					break
				}
			}
		}

		// Lists are filtered, not refused: another organisation's records
		// never appear in them.
		for _, who := range []string{"exporter2.admin", "maker2.admin"} {
			for _, path := range []string{"/api/v1/applications", "/api/v1/requests", "/api/v1/licences"} {
				r := w.Raw(who, "GET", path+"?limit=1000", "")
				if r.Status != 200 {
					t.Fatalf("GET %s as %s: %d %s", path, who, r.Status, r.Body)
				}
				if owner := fmt.Sprintf(`"exporter_id":%s`, exporterID); strings.Contains(string(r.Body), owner) {
					t.Errorf("GET %s as %s lists exporter's records: %s", path, who, r.Body)
				}
			}
		}
	})
}

// numericSegment matches an id in a concrete path.
var numericSegment = regexp.MustCompile(`/[0-9]+`)

// public are the routes that need no credentials.
var public = map[string]bool{
	"GET /healthz": true, "GET /metrics": true, "GET /api/v1/openapi.json": true, "POST /api/v1/auth/login": true,
	"POST /api/v1/invitations/accept": true, // the invitation's token is the credential
	"GET /api/v1/trust-list":          true, "GET /api/v1/trust-root": true, "POST /api/v1/verify": true, "GET /.well-known/ucx-root": true,
	"GET /api/v1/public/naming": true, "GET /api/v1/public/figures": true,
	// The verdict and public facts of any document; whole documents are
	// the parties' (in the matrix below).
	"GET /api/v1/verify": true,
	// The transparency log is public: it proves nothing to strangers otherwise.
	"GET /api/v1/log/key": true, "GET /api/v1/log/checkpoint": true, "GET /api/v1/log/proof/inclusion": true,
	"GET /api/v1/log/proof/consistency": true, "GET /api/v1/log/entries": true, "GET /api/v1/documents/{digest}/log-proof": true,
}

// everyone lists every user of the world: each organisation × each role.
func everyone() []string {
	var out []string
	for _, o := range webtest.OrgNames {
		for _, r := range webtest.Roles {
			out = append(out, o+"."+string(r))
		}
	}
	return out
}

// only keeps the users whose name starts with one of the prefixes.
func only(users []string, prefixes ...string) []string {
	var out []string
	for _, u := range users {
		for _, p := range prefixes {
			if strings.HasPrefix(u, p) {
				out = append(out, u)
				break
			}
		}
	}
	return out
}

// except drops the users whose name starts with one of the prefixes.
func except(users []string, prefixes ...string) []string {
	var out []string
	for _, u := range users {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(u, p) {
				keep = false
			}
		}
		if keep {
			out = append(out, u)
		}
	}
	return out
}

// counts are the record counts a refused request must not change.
type counts struct {
	apps, orgs, outlets int
	ruleVersions        int // of both manufacturers' rules, deleted included
}

func countsOf(t *testing.T, w *webtest.World) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	for _, u := range []string{"exporter.admin", "exporter2.admin"} {
		_, n, err := w.DB.FindApplications(ctx, w.Users[u], ucx.ApplicationFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		c.apps += n
	}
	_, n, err := w.DB.FindOrgs(ctx, w.Users["operator.admin"], ucx.OrgFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.orgs = n
	m, err := w.DB.FindOrgByID(ctx, w.Users["maker.admin"], w.Orgs["maker"].ID)
	if err != nil {
		t.Fatal(err)
	}
	c.outlets = len(m.Outlets)
	for _, u := range []string{"maker.admin", "maker2.admin"} {
		rs, err := w.DB.FindRules(ctx, w.Users[u], ucx.RuleFilter{Deleted: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			c.ruleVersions += r.Version
		}
	}
	return c
}
