package html_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/html"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestUI_SignInSetsASafeSessionCookieAndSignOutEndsIt(t *testing.T) {
	w := webtest.UIWorld(t)
	u := webtest.NewUIUser(t, w.TS.URL)
	a := u.Post("/login", url.Values{"username": {"exporter.member"}, "password": {webtest.Password}, "next": {"/applications"}})
	if a.Status != http.StatusSeeOther || a.Header.Get("Location") != "/applications" {
		t.Fatalf("login: %d to %q, want 303 to /applications", a.Status, a.Header.Get("Location"))
	}
	cookies := (&http.Response{Header: a.Header}).Cookies()
	if len(cookies) != 1 || cookies[0].Name != html.SessionCookie {
		t.Fatalf("cookies = %v, want one %s", cookies, html.SessionCookie)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q; want HttpOnly, Lax, not Secure without TLS, /", c.HttpOnly, c.SameSite, c.Secure, c.Path)
	}
	if a := u.Get("/applications"); a.Status != 200 || !strings.Contains(a.Body, "exporter.member") {
		t.Fatalf("signed-in list: %d", a.Status)
	}
	// The same cookie authenticates the API (the live check uses it).
	if a := u.Get("/api/v1/me"); a.Status != 200 || !strings.Contains(a.Body, `"org_kind":"exporter"`) {
		t.Fatalf("API with the session cookie: %d %s", a.Status, a.Body)
	}
	if a := u.Post("/logout", url.Values{}); a.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", a.Status)
	}
	// The session is gone from the store, not only from this jar: the old
	// cookie, replayed, no longer works.
	replay := webtest.NewUIUser(t, w.TS.URL)
	req, _ := http.NewRequest("GET", w.TS.URL+"/applications", nil)
	req.AddCookie(c)
	resp, err := replay.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("replayed cookie after sign-out: %d to %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestUI_LoginRefusals(t *testing.T) {
	w := webtest.UIWorld(t)
	tests := []struct {
		name       string
		form       url.Values
		headers    []string
		status     int
		want       []string
		notWant    []string
		setsCookie bool
	}{
		{"WrongPassword", url.Values{"username": {"exporter.member"}, "password": {"nope"}}, nil, 401,
			[]string{"用户名或密码错误", `value="exporter.member"`}, []string{`value="nope"`}, false},
		{"UnknownUser", url.Values{"username": {"nobody"}, "password": {"x"}}, nil, 401, []string{"用户名或密码错误"}, nil, false},
		{"NoUsername", url.Values{"password": {"x"}}, nil, 400, []string{`id="e-username"`, "请输入用户名"}, nil, false},
		{"NoPassword", url.Values{"username": {"exporter.member"}}, nil, 400, []string{`id="e-password"`, `value="exporter.member"`}, nil, false},
		{"HugeUsername", url.Values{"username": {strings.Repeat("a", 300)}, "password": {"x"}}, nil, 401, nil, nil, false},
		{"CrossSite", url.Values{"username": {"exporter.member"}, "password": {webtest.Password}}, []string{"Sec-Fetch-Site: cross-site"}, 403, nil, nil, false},
		{"OtherOrigin", url.Values{"username": {"exporter.member"}, "password": {webtest.Password}}, []string{"Origin: https://evil.example"}, 403, nil, nil, false},
		{"OpenRedirect", url.Values{"username": {"exporter.member"}, "password": {webtest.Password}, "next": {"//evil.example/x"}}, nil, 303, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := webtest.NewUIUser(t, w.TS.URL).Post("/login", tt.form, tt.headers...)
			if a.Status != tt.status {
				t.Fatalf("status %d, want %d; body %.300s", a.Status, tt.status, a.Body)
			}
			for _, s := range tt.want {
				if !strings.Contains(a.Body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(a.Body, s) {
					t.Errorf("page shows %q", s)
				}
			}
			if got := a.Header.Get("Set-Cookie") != ""; got != tt.setsCookie {
				t.Errorf("sets a cookie = %v, want %v", got, tt.setsCookie)
			}
			if tt.status == 303 && a.Header.Get("Location") != "/" {
				t.Errorf("redirect to %q, want / (never another site)", a.Header.Get("Location"))
			}
		})
	}
}

func TestUI_LoginAttemptsAreRateLimitedWithTheAPIsLimiter(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.Sessions = db, db, db, db, db
	s.LoginsPerMinute = 3
	s.Logger = webtest.DiscardLogger()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	u := webtest.NewUIUser(t, ts.URL)
	bad := url.Values{"username": {"x"}, "password": {"y"}}
	for i := 0; i < 2; i++ {
		if a := u.Post("/login", bad); a.Status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, a.Status)
		}
	}
	// The API's login shares the budget: one attempt there, then the form
	// is refused.
	resp, err := http.Post(ts.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"x","password":"y"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a := u.Post("/login", bad)
	if a.Status != http.StatusTooManyRequests || a.Header.Get("Retry-After") == "" || !strings.Contains(a.Body, "登录尝试过于频繁") {
		t.Fatalf("4th attempt: %d Retry-After=%q, want 429 with a retry time", a.Status, a.Header.Get("Retry-After"))
	}
}

// TestUI_EachPartySeesOnlyWhatItMay drives the pages with users of every
// kind and checks that the services' answers decide: another
// organisation's record is a 404 page, another party's desk a 403 page.
func TestUI_EachPartySeesOnlyWhatItMay(t *testing.T) {
	w := webtest.UIWorld(t)
	ctx := context.Background()
	a, req := w.Awaiting()
	other := w.File("exporter2.member", w.Input(webtest.MakerWMI, webtest.OldReg))
	appURL := "/applications/" + strconv.FormatInt(a.ID, 10)
	reqURL := "/requests/" + strconv.FormatInt(req.ID, 10)

	tests := []struct {
		user, path string
		status     int
		want       string // in the body
		notWant    string
	}{
		{"exporter.member", appURL, 200, a.Vehicle.VIN, ""},
		{"exporter.viewer", appURL, 200, a.Vehicle.VIN, `id="withdraw-app"`}, // sees, cannot act
		{"exporter.member", appURL, 200, `id="withdraw-app"`, ""},
		{"exporter2.member", appURL, 404, "未找到", a.Vehicle.VIN},
		{"maker2.member", appURL, 404, "", a.Vehicle.VIN},
		{"authority.member", appURL, 200, a.Vehicle.VIN, `id="issue-licence"`}, // not under review yet
		{"exporter.member", "/applications", 200, a.Vehicle.VIN, other.Vehicle.VIN},
		{"exporter2.member", "/applications", 200, other.Vehicle.VIN, a.Vehicle.VIN},
		{"maker.member", "/requests", 200, a.Vehicle.VIN, ""},
		{"maker.member", reqURL, 200, "Testa Rus Service", "Testa Almaty"}, // only the destination's outlets
		{"maker.viewer", reqURL, 200, a.Vehicle.VIN, `id="approve"`},
		{"maker2.member", reqURL, 404, "", a.Vehicle.VIN},
		{"maker2.member", "/requests", 200, "", a.Vehicle.VIN},
		{"exporter.member", "/review", 403, "无权操作", ""},
		{"customs.member", "/exporters", 403, "", ""},
		{"exporter.member", "/customs", 403, "", ""},
		{"authority.member", "/exporters", 200, "GD-2025-0342", ""},
		{"authority.viewer", "/exporters", 200, "GD-2025-0342", `action="/exporters/`},
		{"exporter.member", "/applications/abc", 404, "", ""},
		{"exporter.member", "/applications/99999999", 404, "", ""},
		{"exporter.member", "/requests/0", 404, "", ""},
		{"exporter.member", "/imports/12345", 404, "", ""},
		{"exporter.member", "/applications?state=bogus", 400, `state（状态）须为以下之一`, ""},
		{"exporter.member", "/applications?offset=-1", 400, "offset 须为 0 至", ""},
		{"operator.admin", "/", 200, "平台运营账号", ""},
		{"operator.admin", "/applications", 403, "", ""},
	}
	users := map[string]*webtest.UIUser{}
	for _, tt := range tests {
		t.Run(tt.user+" GET "+tt.path, func(t *testing.T) {
			u, ok := users[tt.user]
			if !ok {
				u = webtest.NewUIUser(t, w.TS.URL).Login(tt.user)
				users[tt.user] = u
			}
			got := u.Get(tt.path)
			if got.Status != tt.status {
				t.Fatalf("status %d, want %d; body %.400s", got.Status, tt.status, got.Body)
			}
			if !strings.HasPrefix(got.Header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q, want an HTML page", got.Header.Get("Content-Type"))
			}
			if tt.want != "" && !strings.Contains(got.Body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
			if tt.notWant != "" && strings.Contains(got.Body, tt.notWant) {
				t.Errorf("page shows %q", tt.notWant)
			}
		})
	}

	t.Run("Anonymous", func(t *testing.T) {
		for _, p := range []string{"/", "/applications", appURL, reqURL, "/review", "/customs"} {
			got := webtest.NewUIUser(t, w.TS.URL).Get(p)
			if got.Status != http.StatusSeeOther || got.Header.Get("Location") != "/login?next="+url.QueryEscape(p) {
				t.Errorf("anonymous GET %s: %d to %q, want 303 to the login page", p, got.Status, got.Header.Get("Location"))
			}
		}
	})

	// Actions through the UI obey the same services: another exporter
	// cannot withdraw, and a cross-site post is refused before anything.
	t.Run("Actions", func(t *testing.T) {
		v := url.Values{"version": {strconv.Itoa(a.Version)}}
		ex2 := webtest.NewUIUser(t, w.TS.URL).Login("exporter2.member")
		if got := ex2.Post(appURL+"/withdraw", v); got.Status != 404 {
			t.Errorf("another exporter's withdrawal: %d, want 404", got.Status)
		}
		ex := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
		if got := ex.Post(appURL+"/withdraw", v, "Sec-Fetch-Site: cross-site"); got.Status != 403 {
			t.Errorf("cross-site withdrawal: %d, want 403", got.Status)
		}
		if got := ex.Post(appURL+"/withdraw", url.Values{"version": {"999"}}); got.Status != 409 || !strings.Contains(got.Body, "与现有记录冲突") || !strings.Contains(got.Body, "申请在您读取后已被更改") {
			t.Errorf("stale version: %d, want 409 with the conflict explained; %.300s", got.Status, got.Body)
		}
		if got := ex.Post(appURL+"/withdraw", url.Values{}); got.Status != 400 || !strings.Contains(got.Body, "version") {
			t.Errorf("no version: %d, want 400 naming it", got.Status)
		}
		if got := ex.Post(appURL+"/explode", v); got.Status != 404 {
			t.Errorf("unknown action: %d, want 404", got.Status)
		}
		cur, err := w.DB.FindApplicationByID(ctx, w.Users["exporter.member"], a.ID)
		if err != nil || cur.State != ucx.StateAwaitingConfirmation {
			t.Fatalf("after refused actions the application is %v (%v), want it untouched", cur.State, err)
		}
		if got := ex.Post(appURL+"/withdraw", v); got.Status != http.StatusSeeOther {
			t.Fatalf("own withdrawal: %d", got.Status)
		}
		if got := ex.Get(appURL + "?done=withdrawn"); !strings.Contains(got.Body, "已撤回") {
			t.Errorf("the page after withdrawal does not say so")
		}
	})
}

// TestUI_BadInputIsShownBesideItsFieldAndKeptAsTyped posts bad forms and
// checks the answer is a 4xx page with the message beside the field
// (e-<field>), the typed values still in the form, and never a 500.
func TestUI_BadInputIsShownBesideItsFieldAndKeptAsTyped(t *testing.T) {
	w := webtest.UIWorld(t)
	good := func() url.Values {
		return url.Values{
			"vin": {w.VINFor(webtest.MakerWMI)}, "brand": {"Testa"}, "model": {"T1 EV"}, "energy_type": {"battery_electric"},
			"battery_kwh": {"60"}, "registration_date": {webtest.RecentReg.String()}, "transfer_date": {webtest.RecentReg.AddDays(10).String()},
			"cert_same": {"on"}, "destination": {"RU"}, "buyer": {"OOO Avto"}, "contract_number": {"HT-9"}, "action": {"draft"},
		}
	}
	with := func(k, v string) url.Values {
		f := good()
		f.Set(k, v)
		return f
	}
	badVIN := []byte(w.VINFor(webtest.MakerWMI))
	badVIN[8] ^= 1
	_, req := w.Awaiting()
	lic := w.Licensed()
	exporters := w.Orgs["exporter"].ID

	tests := []struct {
		name, user, path string
		form             url.Values
		status           int
		field            string // the e-<field> error element expected
		kept             string // a typed value still shown
	}{
		{"BadDate", "exporter.member", "/applications", with("registration_date", "2026-02-30x"), 400, "registration_date", `value="2026-02-30x"`},
		{"ImpossibleDate", "exporter.member", "/applications", with("transfer_date", "31/12/2025"), 400, "transfer_date", `value="31/12/2025"`},
		{"BadNumber", "exporter.member", "/applications", with("battery_kwh", "sixty"), 400, "battery_kwh", `value="sixty"`},
		{"BadMileage", "exporter.member", "/applications", with("mileage_km", "1.5万"), 400, "mileage_km", `value="1.5万"`},
		{"CheckDigit", "exporter.member", "/applications", with("vin", string(badVIN)), 400, "vin", `value="` + string(badVIN) + `"`},
		{"NoBrand", "exporter.member", "/applications", with("brand", ""), 400, "brand", `value="HT-9"`},
		{"NoDestination", "exporter.member", "/applications", with("destination", ""), 400, "destination", `value="OOO Avto"`},
		{"BadDestination", "exporter.member", "/applications", with("destination", "Russia"), 400, "destination", `value="Russia"`},
		{"NewEnergyNoBattery", "exporter.member", "/applications", with("battery_kwh", ""), 400, "battery_kwh", `value="Testa"`},
		{"NotAnExporter", "customs.member", "/applications", good(), 403, "", ""},
		{"ApproveWithoutOutlet", "maker.member", "/requests/" + itoa(req.ID) + "/approve", url.Values{"version": {strconv.Itoa(req.Version)}}, 400, "outlet", ""},
		{"ApproveBadOutlet", "maker.member", "/requests/" + itoa(req.ID) + "/approve", url.Values{"version": {strconv.Itoa(req.Version)}, "outlet": {"x1"}}, 400, "outlet", ""},
		{"ApproveForeignOutlet", "maker.member", "/requests/" + itoa(req.ID) + "/approve", url.Values{"version": {strconv.Itoa(req.Version)}, "outlet": {itoa(w.Maker2RU)}}, 0, "", ""},
		{"RefuseWithoutCode", "maker.member", "/requests/" + itoa(req.ID) + "/refuse", url.Values{"version": {strconv.Itoa(req.Version)}, "text": {"没有网点"}}, 400, "code", "没有网点"},
		{"StandingWithoutReason", "authority.member", "/exporters/" + itoa(exporters) + "/standing", url.Values{"standing": {"warned"}}, 400, "reason", ""},
		{"StandingUnknown", "authority.member", "/exporters/" + itoa(exporters) + "/standing", url.Values{"standing": {"great"}, "reason": {"因为"}}, 400, "standing", `value="因为"`},
		{"ClearanceWithoutPort", "customs.member", "/licences/" + itoa(lic.ID) + "/clearance", url.Values{"declaration_number": {"520120260000001"}, "q": {lic.Number}}, 400, "port", `value="520120260000001"`},
	}
	users := map[string]*webtest.UIUser{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := users[tt.user]
			if !ok {
				u = webtest.NewUIUser(t, w.TS.URL).Login(tt.user)
				users[tt.user] = u
			}
			got := u.Post(tt.path, tt.form)
			if got.Status >= 500 || got.Status < 400 {
				t.Fatalf("status %d, want a 4xx page; body %.400s", got.Status, got.Body)
			}
			if tt.status != 0 && got.Status != tt.status {
				t.Fatalf("status %d, want %d; body %.600s", got.Status, tt.status, got.Body)
			}
			if tt.field != "" && !strings.Contains(got.Body, `id="e-`+tt.field+`"`) {
				t.Errorf("no error beside %s; body %.2000s", tt.field, got.Body)
			}
			if tt.kept != "" && !strings.Contains(got.Body, tt.kept) {
				t.Errorf("the form lost %s", tt.kept)
			}
		})
	}
}

func TestUI_LanguageIsChineseByDefaultEnglishOneClickAway(t *testing.T) {
	w := webtest.UIWorld(t)
	u := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	a := u.Get("/applications")
	if !strings.Contains(a.Body, `<html lang="zh-CN">`) || !strings.Contains(a.Body, "出口许可证申请") || !strings.Contains(a.Body, `href="/lang/en?next=%2Fapplications"`) {
		t.Fatalf("default page is not Chinese with an English link: %.600s", a.Body)
	}
	got := u.Get("/lang/en?next=%2Fapplications")
	if got.Status != http.StatusSeeOther || got.Header.Get("Location") != "/applications" {
		t.Fatalf("switch: %d to %q", got.Status, got.Header.Get("Location"))
	}
	a = u.Get("/applications")
	if !strings.Contains(a.Body, `<html lang="en">`) || !strings.Contains(a.Body, "Export-licence applications") {
		t.Fatalf("after switching the page is not English: %.600s", a.Body)
	}
	for _, next := range []string{"//evil.example", "https://evil.example/", `/\evil.example`} {
		if got := u.Get("/lang/zh?next=" + url.QueryEscape(next)); got.Header.Get("Location") != "/" {
			t.Errorf("next=%s redirects to %q, want /", next, got.Header.Get("Location"))
		}
	}
	if got := u.Get("/lang/fr"); got.Status != 400 {
		t.Errorf("unknown language: %d, want 400", got.Status)
	}
}

func TestUI_VerifyPageIsPublicInThreeLanguagesWithAPluggableVerifier(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	newServer := func(v html.VerifyFunc) *httptest.Server {
		s := ucxhttp.NewServer()
		s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.Sessions = db, db, db, db, db
		s.Logger = webtest.DiscardLogger()
		s.WebVerify = v
		ts := httptest.NewServer(s.Handler())
		t.Cleanup(ts.Close)
		return ts
	}
	none := newServer(nil)
	u := webtest.NewUIUser(t, none.URL)
	langs := []struct{ accept, want string }{
		{"", "文件验证功能尚未开通"},
		{"ru-RU,ru;q=0.9", "Проверка документов пока недоступна"},
		{"en-GB", "Document verification is not available yet"},
	}
	for _, l := range langs {
		a := u.Do("GET", "/verify", nil, "Accept-Language: "+l.accept)
		if a.Status != 200 || !strings.Contains(a.Body, l.want) {
			t.Errorf("Accept-Language %q: %d, lacks %q", l.accept, a.Status, l.want)
		}
	}
	if a := u.Post("/verify", url.Values{"document": {"{}"}}); a.Status != 503 {
		t.Errorf("POST without a verifier: %d, want 503", a.Status)
	}

	type verdict struct {
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	}
	var seen []byte
	ts := newServer(func(ctx context.Context, doc []byte) (any, error) {
		seen = doc
		if strings.Contains(string(doc), "tampered") {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "document", "the seal does not match the document")
		}
		return verdict{OK: true, Reason: "seal by BYD verified"}, nil
	})
	u = webtest.NewUIUser(t, ts.URL)
	a := u.Post("/verify", url.Values{"document": {`{"licence":"X"}`}})
	if a.Status != 200 || !strings.Contains(a.Body, "seal by BYD verified") || string(seen) != `{"licence":"X"}` {
		t.Errorf("verified document: %d, body lacks the result or the verifier saw %q", a.Status, seen)
	}
	// Beside the field, in the page's language: the verifier's own words
	// (English) on the English page only.
	a = u.Post("/verify", url.Values{"document": {"tampered"}})
	if a.Status != 400 || !strings.Contains(a.Body, `id="e-document"`) || !strings.Contains(a.Body, "这不是 ucx 文件") ||
		strings.Contains(a.Body, "the seal does not match") || !strings.Contains(a.Body, ">tampered</textarea>") {
		t.Errorf("tampered document: %d; want the Chinese message beside the field and the text kept", a.Status)
	}
	a = u.Post("/verify?lang=en", url.Values{"document": {"tampered"}})
	if a.Status != 400 || !strings.Contains(a.Body, "the seal does not match") {
		t.Errorf("tampered document in English: %d; want the verifier's message beside the field", a.Status)
	}
	if a := u.Post("/verify", url.Values{"document": {"  "}}); a.Status != 400 || !strings.Contains(a.Body, `id="e-document"`) {
		t.Errorf("empty document: %d, want 400 beside the field", a.Status)
	}
	if a := u.Post("/verify", url.Values{"document": {"{}"}}, "Sec-Fetch-Site: cross-site"); a.Status != 403 {
		t.Errorf("cross-site verify: %d, want 403", a.Status)
	}
}

func TestUI_AssetsAreEmbeddedAndFingerprinted(t *testing.T) {
	w := webtest.UIWorld(t)
	u := webtest.NewUIUser(t, w.TS.URL)
	page := u.Get("/login")
	for _, asset := range []string{"/assets/ucx.css?v=", "/assets/ucx.js?v="} {
		i := strings.Index(page.Body, asset)
		if i < 0 {
			t.Fatalf("login page does not link %s", asset)
		}
		href := page.Body[i : i+len(asset)+12]
		a := u.Get(href)
		if a.Status != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") || len(a.Body) < 500 {
			t.Errorf("%s: %d, Cache-Control %q, %d bytes", href, a.Status, a.Header.Get("Cache-Control"), len(a.Body))
		}
	}
	if strings.Contains(page.Body, "http://") || strings.Contains(page.Body, "https://") {
		t.Errorf("the page refers to another site (assets must be embedded)")
	}
	if a := u.Get("/assets/nope.js"); a.Status != 404 {
		t.Errorf("missing asset: %d", a.Status)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}

// TestUI_ImportThroughTheForm uploads a CSV as the form does, processes
// it as `ucx serve` does in the background, and reads the page.
func TestUI_ImportThroughTheForm(t *testing.T) {
	w := webtest.UIWorld(t)
	u := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	body, ctype := multipartFile(t, "file", "stock.csv", w.ImportCSV(3))
	req, _ := http.NewRequest("POST", w.TS.URL+"/imports", body)
	req.Header.Set("Content-Type", ctype)
	resp, err := u.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/") {
		t.Fatalf("upload: %d to %q", resp.StatusCode, loc)
	}
	if a := u.Get(loc); a.Status != 200 || !strings.Contains(a.Body, `<progress id="import-progress"`) {
		t.Fatalf("progress page: %d", a.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := w.DB.ProcessImports(ctx); err != nil {
		t.Fatal(err)
	}
	a := u.Get(loc)
	if !strings.Contains(a.Body, "已完成") || !strings.Contains(a.Body, "rows.csv") || strings.Count(a.Body, "已受理") != 3 || strings.Count(a.Body, "已退回") != 1 {
		t.Fatalf("finished import page lacks the rows: %.3000s", a.Body)
	}
	// An empty upload is refused beside the file control.
	body, ctype = multipartFile(t, "file", "empty.csv", "")
	req, _ = http.NewRequest("POST", w.TS.URL+"/imports", body)
	req.Header.Set("Content-Type", ctype)
	resp, err = u.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), `id="e-file"`) {
		t.Fatalf("empty upload: %d, want 400 beside the file control", resp.StatusCode)
	}
}

// multipartFile is a multipart form with one file part, as a browser
// sends an upload.
func multipartFile(t *testing.T, field, name, content string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// The policy's reasons are shown in the page's language: Chinese by
// default, English after the switch.
func TestUI_ReasonsAreShownInThePagesLanguage(t *testing.T) {
	w := webtest.UIWorld(t)
	a, _ := w.Awaiting()
	var zh string
	for _, r := range a.Decision.Reasons {
		if r.Code == "letter_required" {
			zh = r.MessageZH
		}
	}
	if zh == "" {
		t.Fatalf("the filed application's letter reason has no Chinese message: %+v", a.Decision.Reasons)
	}
	appURL := "/applications/" + strconv.FormatInt(a.ID, 10)
	u := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	page := u.Get(appURL)
	if !strings.Contains(page.Body, `<ul class="reasons">`) || !strings.Contains(page.Body, zh) || strings.Contains(page.Body, "the application is dated") {
		t.Errorf("Chinese page does not show the Chinese reason %q: %.2000s", zh, page.Body)
	}
	u.Get("/lang/en?next=%2F")
	page = u.Get(appURL)
	if !strings.Contains(page.Body, "After-Sales Service Confirmation") || strings.Contains(page.Body, "售后维修服务确认书，方可") {
		t.Errorf("English page does not show the English reason: %.2000s", page.Body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUI_AuthorityShowsItsJurisdiction checks R14 in the authority's
// pages: the review queue and the exporters page name its jurisdiction,
// and the exporters page lists only its jurisdiction's exporters.
func TestUI_AuthorityShowsItsJurisdiction(t *testing.T) {
	w := webtest.UIWorld(t)
	ctx := context.Background()
	sh := &ucx.Org{Kind: ucx.KindExporter, Name: "上海浦江二手车出口有限公司", Region: "上海", FilingNumber: "SH-2025-0056", FilingExpires: webtest.Today.AddDays(100)}
	if err := w.DB.CreateOrg(ctx, w.OperatorAdmin, sh); err != nil {
		t.Fatal(err)
	}
	u := webtest.NewUIUser(t, w.TS.URL).Login("authority.member")
	if got := u.Get("/review"); got.Status != 200 || !strings.Contains(got.Body, `id="jurisdiction"`) || !strings.Contains(got.Body, "辖区：广东省") {
		t.Fatalf("review page: status %d, lacks the jurisdiction; body %.600s", got.Status, got.Body)
	}
	got := u.Get("/exporters")
	if got.Status != 200 || !strings.Contains(got.Body, "辖区：广东省") || !strings.Contains(got.Body, "GD-2025-0342") {
		t.Fatalf("exporters page: status %d, lacks the jurisdiction or its exporters; body %.600s", got.Status, got.Body)
	}
	if strings.Contains(got.Body, "SH-2025-0056") {
		t.Error("Guangdong's exporters page lists a Shanghai exporter (R14)")
	}
}
