package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestMalformedInput_Is4xxNamingTheFieldAndWritesNothing sends broken
// bodies, paths and queries to every endpoint that takes them, as a caller
// who would otherwise be allowed. Each is answered 400 (or 413 for an
// oversized body) in the one error shape, naming the offending field when
// there is one — never a 500 — and nothing is written.
func TestMalformedInput_Is4xxNamingTheFieldAndWritesNothing(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		app, req := w.Awaiting()
		review := w.UnderReview()
		lic := w.Licensed()
		id := func(n int64) string { return fmt.Sprint(n) }
		appPath, reqPath := "/api/v1/applications/"+id(app.ID), "/api/v1/requests/"+id(req.ID)
		reviewPath, licPath := "/api/v1/applications/"+id(review.ID), "/api/v1/licences/"+id(lic.ID)
		makerPath := "/api/v1/orgs/" + id(w.Orgs["maker"].ID)
		good := w.Input(webtest.MakerWMI, webtest.OldReg)
		goodJSON := webtest.MustJSON(good)
		huge := `{"buyer":"` + strings.Repeat("x", 2<<20) + `"}`

		tests := []struct {
			name, user, method, path, body string
			headers                        []string
			status                         int
			field                          string
		}{
			// POST /api/v1/applications
			{"AppNotJSON", "exporter.member", "POST", "/api/v1/applications", "vin=LM1", nil, 400, ""},
			{"AppTruncated", "exporter.member", "POST", "/api/v1/applications", `{"vehicle": {"vin": "LM1`, nil, 400, ""},
			{"AppArray", "exporter.member", "POST", "/api/v1/applications", `[1, 2]`, nil, 400, ""},
			{"AppEmpty", "exporter.member", "POST", "/api/v1/applications", ``, nil, 400, ""},
			{"AppTwoValues", "exporter.member", "POST", "/api/v1/applications", goodJSON + goodJSON, nil, 400, ""},
			{"AppUnknownField", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{},"colour":"red"}`, nil, 400, "colour"},
			{"AppUnknownNestedField", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{"wheels":4}}`, nil, 400, "vehicle.wheels"},
			{"AppVINWrongType", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{"vin":17}}`, nil, 400, "vehicle.vin"},
			{"AppSeatsWrongType", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{"seats":"five"}}`, nil, 400, "vehicle.seats"},
			{"AppBadDate", "exporter.member", "POST", "/api/v1/applications", `{"vehicle":{"registration_date":"16/01/2026"}}`, nil, 400, "vehicle.registration_date"},
			{"AppNoSuchDay", "exporter.member", "POST", "/api/v1/applications", `{"certificate":{"transfer_date":"2026-02-30"}}`, nil, 400, "certificate.transfer_date"},
			{"AppMissingVIN", "exporter.member", "POST", "/api/v1/applications", `{"destination":"RU"}`, nil, 400, "vehicle.vin"},
			{"AppBadCheckDigit", "exporter.member", "POST", "/api/v1/applications", strings.Replace(goodJSON, good.Vehicle.VIN, good.Vehicle.VIN[:8]+"Z"+good.Vehicle.VIN[9:], 1), nil, 400, "vehicle.vin"},
			{"AppBadDestination", "exporter.member", "POST", "/api/v1/applications", strings.Replace(goodJSON, `"destination":"RU"`, `"destination":"Russia"`, 1), nil, 400, "destination"},
			{"AppTooLarge", "exporter.member", "POST", "/api/v1/applications", huge, nil, 413, ""},
			{"AppBadIdempotencyKey", "exporter.member", "POST", "/api/v1/applications", goodJSON, []string{"Idempotency-Key: two words"}, 400, "Idempotency-Key"},

			// Lists: filters and paging.
			{"ListBadState", "exporter.member", "GET", "/api/v1/applications?state=lost", "", nil, 400, "state"},
			{"ListBadOutcome", "exporter.member", "GET", "/api/v1/applications?outcome=maybe", "", nil, 400, "outcome"},
			{"ListBadDestination", "exporter.member", "GET", "/api/v1/applications?destination=Narnia", "", nil, 400, "destination"},
			{"ListLimitZero", "exporter.member", "GET", "/api/v1/applications?limit=0", "", nil, 400, "limit"},
			{"ListLimitNegative", "exporter.member", "GET", "/api/v1/licences?limit=-5", "", nil, 400, "limit"},
			{"ListNegativeOffset", "maker.member", "GET", "/api/v1/requests?offset=-1", "", nil, 400, "offset"},
			{"ListOffsetWord", "exporter.member", "GET", "/api/v1/orgs?offset=ten", "", nil, 400, "offset"},
			{"ListBadRequestState", "maker.member", "GET", "/api/v1/requests?state=done", "", nil, 400, "state"},
			{"ListBadKind", "exporter.member", "GET", "/api/v1/orgs?kind=pirate", "", nil, 400, "kind"},
			{"ListLongQuery", "exporter.member", "GET", "/api/v1/applications?q=" + strings.Repeat("a", 300), "", nil, 400, "q"},

			// Ids in paths.
			{"IDWord", "exporter.member", "GET", "/api/v1/applications/abc", "", nil, 400, "id"},
			{"IDZero", "exporter.member", "GET", "/api/v1/applications/0", "", nil, 400, "id"},
			{"IDNegative", "exporter.member", "GET", "/api/v1/licences/-4", "", nil, 400, "id"},
			{"IDOverflow", "exporter.member", "GET", "/api/v1/orgs/99999999999999999999", "", nil, 400, "id"},
			{"IDFloat", "maker.member", "POST", "/api/v1/requests/1.5/approve", `{"version":1,"outlet_ids":[1]}`, nil, 400, "id"},
			{"IDUnknown", "exporter.member", "GET", "/api/v1/applications/987654", "", nil, 404, ""},

			// Workflow actions.
			{"SubmitVersionString", "exporter.member", "POST", appPath + "/withdraw", `{"version":"1"}`, nil, 400, "version"},
			{"SubmitVersionZero", "exporter.member", "POST", appPath + "/withdraw", `{"version":0}`, nil, 400, "version"},
			{"SubmitMisspelt", "exporter.member", "POST", appPath + "/withdraw", `{"versoin":1}`, nil, 400, "versoin"},
			{"ApproveNoOutlets", "maker.member", "POST", reqPath + "/approve", `{"version":1}`, nil, 400, "outlet_ids"},
			{"ApproveOutletNegative", "maker.member", "POST", reqPath + "/approve", `{"version":1,"outlet_ids":[-1]}`, nil, 400, "outlet_ids"},
			{"ApproveOutletsString", "maker.member", "POST", reqPath + "/approve", `{"version":1,"outlet_ids":"1"}`, nil, 400, "outlet_ids"},
			{"ApproveNoVersion", "maker.member", "POST", reqPath + "/approve", `{"outlet_ids":[1]}`, nil, 400, "version"},
			{"RefuseRequestBadCode", "maker.member", "POST", reqPath + "/refuse", `{"version":1,"code":"dislike","text":"no"}`, nil, 400, "code"},
			{"RefuseRequestLongText", "maker.member", "POST", reqPath + "/refuse", `{"version":1,"code":"other","text":"` + strings.Repeat("x", 3000) + `"}`, nil, 400, "text"},
			{"IssueVersionWord", "authority.member", "POST", reviewPath + "/licence", `{"version":"latest"}`, nil, 400, "version"},
			{"IssueNoVersion", "authority.member", "POST", reviewPath + "/licence", ``, nil, 400, "version"},
			{"RefuseLicenceNoCode", "authority.member", "POST", reviewPath + "/refuse", `{"version":3}`, nil, 400, "code"},
			{"ClearNoPort", "customs.member", "POST", licPath + "/clearance", `{"declaration_number":"D-1"}`, nil, 400, "port"},
			{"ClearNoDeclaration", "customs.member", "POST", licPath + "/clearance", `{"port":"Horgos"}`, nil, 400, "declaration_number"},
			{"ClearPortNumber", "customs.member", "POST", licPath + "/clearance", `{"port":1,"declaration_number":"D-1"}`, nil, 400, "port"},
			{"ClearEmpty", "customs.member", "POST", licPath + "/clearance", ``, nil, 400, ""},

			// Organisations, users, tokens, login.
			{"OrgBadKind", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"pirate","name":"X"}`, nil, 400, "kind"},
			{"OrgNoName", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"customs"}`, nil, 400, "name"},
			{"OrgBadFilingDate", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"exporter","name":"X","filing_expires":"soon"}`, nil, 400, "filing_expires"},
			{"OrgUnknownRegion", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"authority","name":"X","region":"火星"}`, nil, 400, "region"},
			{"OrgExporterNoRegion", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"exporter","name":"X","filing_number":"F-1","filing_expires":"2027-01-01"}`, nil, 400, "region"},
			{"OrgIDGiven", "operator.admin", "POST", "/api/v1/orgs", `{"id":5,"kind":"customs","name":"X"}`, nil, 400, "id"},
			{"OrgOutletNoProvider", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"manufacturer","name":"X","outlets":[{"country":"RU","address":"A"}]}`, nil, 400, "provider"},
			{"StandingUnknown", "authority.member", "PUT", "/api/v1/orgs/" + id(w.Orgs["exporter"].ID) + "/standing", `{"standing":"great"}`, nil, 400, "standing"},
			{"StandingNumber", "authority.member", "PUT", "/api/v1/orgs/" + id(w.Orgs["exporter"].ID) + "/standing", `{"standing":1}`, nil, 400, "standing"},
			{"OutletBadCountry", "maker.admin", "POST", makerPath + "/outlets", `{"country":"XX","provider":"P","address":"A"}`, nil, 400, "country"},
			{"OutletNoAddress", "maker.admin", "POST", makerPath + "/outlets", `{"country":"RU","provider":"P"}`, nil, 400, "address"},
			{"WMIsNotAList", "maker.admin", "PUT", makerPath + "/wmis", `{"wmis":"LM1"}`, nil, 400, "wmis"},
			{"WMIsMissing", "maker.admin", "PUT", makerPath + "/wmis", `{}`, nil, 400, "wmis"},
			{"WMIsWrongLength", "maker.admin", "PUT", makerPath + "/wmis", `{"wmis":["LM1X"]}`, nil, 400, "wmis"},
			{"UserShortName", "exporter.admin", "POST", "/api/v1/users", `{"username":"a","role":"viewer","password":"` + webtest.Password + `"}`, nil, 400, "username"},
			{"UserBadRole", "exporter.admin", "POST", "/api/v1/users", `{"username":"new.one","role":"god","password":"` + webtest.Password + `"}`, nil, 400, "role"},
			{"UserShortPassword", "exporter.admin", "POST", "/api/v1/users", `{"username":"new.one","role":"viewer","password":"short"}`, nil, 400, "password"},
			{"UserOrgWord", "exporter.admin", "POST", "/api/v1/users", `{"org_id":"mine","username":"new.one","role":"viewer","password":"` + webtest.Password + `"}`, nil, 400, "org_id"},
			{"TokenNoName", "exporter.member", "POST", "/api/v1/tokens", `{}`, nil, 400, "name"},
			{"TokenNameNumber", "exporter.member", "POST", "/api/v1/tokens", `{"name":7}`, nil, 400, "name"},
			{"RevokeTokenWord", "exporter.member", "DELETE", "/api/v1/tokens/mine", ``, nil, 400, "id"},
			{"LoginNoPassword", "", "POST", "/api/v1/auth/login", `{"username":"exporter.member"}`, nil, 400, "password"},
			{"LoginUnknownField", "", "POST", "/api/v1/auth/login", `{"user":"exporter.member","password":"x"}`, nil, 400, "user"},

			// The live check.
			{"CheckBadDate", "exporter.member", "POST", "/api/v1/check", `{"vehicle":{"registration_date":"yesterday"}}`, nil, 400, "vehicle.registration_date"},
			{"CheckBadApplicationDate", "exporter.member", "POST", "/api/v1/check", `{"application_date":"2026-02-30"}`, nil, 400, "application_date"},
			{"CheckUnknownField", "exporter.member", "POST", "/api/v1/check", `{"submit":true}`, nil, 400, "submit"},

			// Routing.
			{"UnknownPath", "exporter.member", "GET", "/api/v1/cars", "", nil, 404, ""},
			{"WrongMethod", "exporter.member", "DELETE", "/api/v1/applications", "", nil, 400, ""},
		}
		before := countsOf(t, w)
		appBefore, _ := w.DB.FindApplicationByID(context.Background(), w.Users["exporter.member"], app.ID)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := w.Raw(tt.user, tt.method, tt.path, tt.body, tt.headers...)
				if r.Status != tt.status {
					t.Fatalf("%s %s: status %d %s, want %d", tt.method, tt.path, r.Status, clipBody(r.Body), tt.status)
				}
				eb := r.ErrorBody(t)
				if eb.Field != tt.field {
					t.Fatalf("%s %s: field %q (%s), want %q", tt.method, tt.path, eb.Field, eb.Message, tt.field)
				}
			})
		}
		if after := countsOf(t, w); after != before {
			t.Errorf("malformed requests changed the records: %+v, then %+v", before, after)
		}
		appAfter, _ := w.DB.FindApplicationByID(context.Background(), w.Users["exporter.member"], app.ID)
		if appAfter.Version != appBefore.Version || appAfter.State != appBefore.State {
			t.Errorf("application changed: version %d→%d, state %s→%s", appBefore.Version, appAfter.Version, appBefore.State, appAfter.State)
		}
		if l, _ := w.DB.FindLicenceByID(context.Background(), w.Users["customs.member"], lic.ID); l.ClearedAt != nil {
			t.Errorf("licence cleared by a malformed request")
		}
		if r, _ := w.DB.FindRequestByID(context.Background(), w.Users["maker.member"], req.ID); r.State != ucx.ConfirmationPending {
			t.Errorf("request answered by a malformed request: %s", r.State)
		}
	})
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
