package http_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// badTexts are what the text rule refuses, as they appear inside a JSON
// string of a request body: a NUL, bytes that are not UTF-8 (GBK), half a
// surrogate pair (which encoding/json would quietly turn into U+FFFD), an
// escape sequence, a C1 control, and (in one-line fields only) a line
// break and a tab.
var badTexts = []struct {
	name, raw string
	oneLine   bool // refused only where the field is one line
}{
	{"NUL", `a\u0000b`, false},
	{"GBK", "\xc9\xfa\xb2\xfa", false},
	{"LoneSurrogate", `a\ud800b`, false},
	{"LowSurrogate", `a\udc00b`, false},
	{"Escape", `a\u001b[31mb`, false},
	{"C1", `a\u0085b`, false},
	{"DEL", `a\u007fb`, false},
	{"LineBreak", `a\nb`, true},
	{"Tab", `a\tb`, true},
}

// TestText_EveryOperationRefusesBadTextNamingTheFieldAndWritesNothing
// sends each bad text in one text field of every operation that stores
// text, as a caller allowed to do it. Each is 400 naming the field by its
// JSON path, on both engines alike, and the database is unchanged; the
// same bodies with good text then succeed, so it is the text that was
// refused and nothing else.
func TestText_EveryOperationRefusesBadTextNamingTheFieldAndWritesNothing(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		_, req := w.Awaiting()
		review := w.UnderReview()
		lic := w.Licensed()
		doc := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		credit := &ucx.CreditEvent{ExporterID: w.Orgs["exporter"].ID, Code: "false_information",
			OccurredOn: ucx.DateOf(webtest.TestNow).AddDays(-3), Evidence: "text"}
		if err := db.RecordCreditEvent(ctx, w.Users["authority.member"], credit); err != nil {
			t.Fatal(err)
		}
		keys, err := db.FindKeys(ctx, w.Users["authority.admin"])
		if err != nil || len(keys) == 0 {
			t.Fatalf("authority keys: %v %v", keys, err)
		}
		id := func(n int64) string { return fmt.Sprint(n) }
		exp := "/api/v1/exporters/" + id(w.Orgs["exporter"].ID)
		good := w.Input(webtest.MakerWMI, webtest.OldReg)
		good.Buyer = "%s"
		appBody := webtest.MustJSON(good)

		// Each body has one %s: the text under test, inside a JSON string.
		ops := []struct {
			name, user, method, path, body, field string
			multiLine                             bool
			good                                  string // a text that succeeds
		}{
			{"CreateOrgName", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"customs","name":"%s"}`, "name", false, "满洲里海关"},
			{"CreateOrgBrand", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"manufacturer","name":"品牌测试","brands":["Ok","%s"]}`, "brands[1]", false, "Fine"},
			{"CreateOrgOutletAddress", "operator.admin", "POST", "/api/v1/orgs", `{"kind":"manufacturer","name":"网点测试","outlets":[{"country":"RU","provider":"P","address":"%s"}]}`, "outlets[0].address", false, "Tverskaya 2"},
			{"AddOutletProvider", "maker.admin", "POST", "/api/v1/orgs/" + id(w.Orgs["maker"].ID) + "/outlets", `{"country":"KZ","provider":"%s","address":"Mangilik El 1"}`, "provider", false, "Testa Astana"},
			{"SetWMI", "maker.admin", "PUT", "/api/v1/orgs/" + id(w.Orgs["maker"].ID) + "/wmis", `{"wmis":["%s"]}`, "wmis[0]", false, webtest.MakerWMI},
			{"StandingReason", "authority.member", "PUT", "/api/v1/orgs/" + id(w.Orgs["exporter2"].ID) + "/standing", `{"standing":"warned","reason":"%s"}`, "reason", true, "late filings"},
			{"CreateUserDisplayName", "exporter.admin", "POST", "/api/v1/users", `{"username":"text.user","display_name":"%s","role":"viewer","password":"` + webtest.Password + `"}`, "display_name", false, "王小明"},
			{"CreateTokenName", "exporter.member", "POST", "/api/v1/tokens", `{"name":"%s"}`, "name", false, "laptop"},
			{"LoginTokenName", "", "POST", "/api/v1/auth/login", `{"username":"exporter.member","password":"` + webtest.Password + `","token_name":"%s"}`, "token_name", false, "script"},
			{"FileApplicationBuyer", "exporter.member", "POST", "/api/v1/applications", appBody, "buyer", false, "ООО Автоимпорт"},
			{"RefuseRequestText", "maker.member", "POST", "/api/v1/requests/" + id(req.ID) + "/refuse", fmt.Sprintf(`{"version":%d,"code":"other","text":"%%s"}`, req.Version), "text", true, "no outlet\nin RU"},
			{"RefuseLicenceText", "authority.member", "POST", "/api/v1/applications/" + id(review.ID) + "/refuse", fmt.Sprintf(`{"version":%d,"code":"data_mismatch","text":"%%s"}`, review.Version), "text", true, "brand differs"},
			{"ClearancePort", "customs.member", "POST", "/api/v1/licences/" + id(lic.ID) + "/clearance", `{"port":"%s","declaration_number":"D-1"}`, "port", false, ""},
			{"ClearanceDeclaration", "customs.member", "POST", "/api/v1/licences/" + id(lic.ID) + "/clearance", `{"port":"Horgos","declaration_number":"%s"}`, "declaration_number", false, "DECL-7"},
			{"CreditEvidence", "authority.member", "POST", exp + "/credit/events", `{"code":"wrong_filing","occurred_on":"2026-03-01","evidence":"%s"}`, "evidence", true, "VIN differs\tfrom the certificate"},
			{"CreditDecisionReason", "authority.member", "POST", exp + "/credit/decisions", `{"action":"override","standing":"warned","reason":"%s"}`, "reason", true, "rectified"},
			{"CreditAppealNote", "exporter.member", "POST", "/api/v1/credit-events/" + id(credit.ID) + "/appeal", `{"note":"%s"}`, "note", true, "we disagree"},
			{"CreditAnnulNote", "authority.member", "POST", "/api/v1/credit-events/" + id(credit.ID) + "/annul", `{"note":"%s"}`, "note", true, "withdrawn"},
			{"NegativeListText", "operator.admin", "PUT", "/api/v1/negative-list/text_item", `{"description_zh":"%s","description_en":"test","weight":1}`, "description_zh", true, "测试"},
			{"NegativeListSource", "operator.admin", "PUT", "/api/v1/negative-list/text_item2", `{"description_zh":"测试","description_en":"test","weight":1,"source":"%s"}`, "source", false, "商务部公告"},
			{"RevokeDocumentReason", "authority.member", "POST", "/api/v1/documents/" + doc.Digest + "/revoke", `{"reason":"%s"}`, "reason", true, "issued in error"},
			{"RevokeKeyReason", "authority.admin", "POST", "/api/v1/keys/" + url.PathEscape(keys[0].ID) + "/revoke", `{"reason":"%s"}`, "reason", true, "rotated"},
			{"KeyPEM", "maker.admin", "POST", "/api/v1/keys", `{"public_key_pem":"%s"}`, "public_key_pem", true, ""},
			{"CheckBrand", "exporter.member", "POST", "/api/v1/check", `{"vehicle":{"brand":"%s"},"destination":"RU"}`, "vehicle.brand", false, ""},
		}
		before := w.Fingerprint(t)
		for _, op := range ops {
			for _, bad := range badTexts {
				if bad.oneLine && op.multiLine {
					continue
				}
				t.Run(op.name+"/"+bad.name, func(t *testing.T) {
					r := w.Raw(op.user, op.method, op.path, strings.Replace(op.body, "%s", bad.raw, 1))
					if r.Status != 400 {
						t.Fatalf("%s %s with %s: status %d %s, want 400", op.method, op.path, bad.name, r.Status, clipBody(r.Body))
					}
					if eb := r.ErrorBody(t); eb.Field != op.field || eb.Code != ucx.EINVALID {
						t.Fatalf("%s %s with %s: %s field %q (%s), want invalid %q", op.method, op.path, bad.name, eb.Code, eb.Field, eb.Message, op.field)
					}
				})
			}
		}
		if after := w.Fingerprint(t); after != before {
			t.Fatalf("refused texts changed the database")
		}
		for _, op := range ops {
			if op.good == "" {
				continue
			}
			goodText := strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(op.good)
			if r := w.Raw(op.user, op.method, op.path, strings.Replace(op.body, "%s", goodText, 1)); r.Status >= 300 {
				t.Errorf("%s with good text %q: %d %s", op.name, op.good, r.Status, clipBody(r.Body))
			}
		}
	})
}

// TestText_QueryAndUploadNameRefuseBadText: the text rule holds for query
// filters and an upload's file name too.
func TestText_QueryAndUploadNameRefuseBadText(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		before := w.Fingerprint(t)
		for _, tt := range []struct{ name, method, path, body, field string }{
			{"SearchNUL", "GET", "/api/v1/applications?q=" + url.QueryEscape("LM1\x00"), "", "q"},
			{"SearchGBK", "GET", "/api/v1/applications?q=" + url.QueryEscape("\xc9\xfa"), "", "q"},
			{"UploadNameNUL", "POST", "/api/v1/imports?filename=" + url.QueryEscape("cars\x00.csv"), w.ImportCSV(1), "filename"},
			{"UploadNameGBK", "POST", "/api/v1/imports?filename=" + url.QueryEscape("\xc9\xfa.csv"), w.ImportCSV(1), "filename"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := w.Raw("exporter.member", tt.method, tt.path, tt.body)
				if r.Status != 400 {
					t.Fatalf("status %d %s, want 400", r.Status, clipBody(r.Body))
				}
				if eb := r.ErrorBody(t); eb.Field != tt.field {
					t.Fatalf("field %q (%s), want %q", eb.Field, eb.Message, tt.field)
				}
			})
		}
		if after := w.Fingerprint(t); after != before {
			t.Fatalf("refused texts changed the database")
		}
	})
}

// TestText_WebFormsRefuseBadTextNamingTheField posts the web UI's forms
// with a NUL, bytes that are not UTF-8 or a control character in one
// value: each is a 400 page naming the field, and nothing is written.
func TestText_WebFormsRefuseBadTextNamingTheField(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		_, req := w.Awaiting()
		lic := w.Licensed()
		app := url.Values{
			"vin": {w.VINFor(webtest.MakerWMI)}, "brand": {"Testa"}, "model": {"T1"}, "energy_type": {"petrol"},
			"registration_date": {webtest.OldReg.String()}, "transfer_date": {webtest.OldReg.AddDays(10).String()},
			"cert_same": {"on"}, "destination": {"RU"}, "buyer": {"OOO Avto"}, "contract_number": {"HT-9"}, "action": {"draft"},
		}
		with := func(f url.Values, k, v string) url.Values {
			g := url.Values{}
			for key, vals := range f {
				g[key] = append([]string(nil), vals...)
			}
			g.Set(k, v)
			return g
		}
		version := fmt.Sprint(req.Version)
		forms := []struct {
			name, user, path, field string
			form                    url.Values
		}{
			{"ApplicationBuyer", "exporter.member", "/applications", "buyer", app},
			{"RequestRefusalText", "maker.member", fmt.Sprintf("/requests/%d/refuse", req.ID), "text", url.Values{"version": {version}, "code": {"other"}, "text": {"x"}}},
			{"StandingReason", "authority.member", fmt.Sprintf("/exporters/%d/standing", w.Orgs["exporter"].ID), "reason", url.Values{"standing": {"warned"}, "reason": {"x"}}},
			{"ClearancePort", "customs.member", fmt.Sprintf("/licences/%d/clearance", lic.ID), "port", url.Values{"port": {"x"}, "declaration_number": {"520120260000001"}}},
			{"CreditEvidence", "authority.member", fmt.Sprintf("/credit/%d/events", w.Orgs["exporter"].ID), "evidence", url.Values{"code": {"false_information"}, "occurred_on": {"2026-03-01"}, "evidence": {"x"}}},
		}
		users := map[string]*webtest.UIUser{} // signed in first: a sign-in writes its session
		for _, f := range forms {
			if users[f.user] == nil {
				users[f.user] = webtest.NewUIUser(t, w.TS.URL).Login(f.user)
			}
		}
		before := w.Fingerprint(t)
		for _, f := range forms {
			for _, bad := range []struct{ name, value string }{{"NUL", "a\x00b"}, {"GBK", "\xc9\xfa"}, {"Escape", "a\x1b[31m"}} {
				t.Run(f.name+"/"+bad.name, func(t *testing.T) {
					got := users[f.user].Post(f.path, with(f.form, f.field, bad.value))
					if got.Status != 400 || !strings.Contains(got.Body, "："+f.field+" ") {
						t.Fatalf("status %d, want 400 naming %s; body %.1500s", got.Status, f.field, got.Body)
					}
				})
			}
		}
		if after := w.Fingerprint(t); after != before {
			t.Fatalf("refused form texts changed the database")
		}
	})
}
