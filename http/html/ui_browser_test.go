package html_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// chromiumPath is Debian's chromium, which CI installs. The browser tests
// skip, saying so, where it is absent.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir receives a PNG of every main page (gitignored: /artifacts/).
const screenshotDir = "../../artifacts/screenshots"

// demoSite is the whole ucx in process, wired as `ucx serve --demo` wires
// it (cmd/ucx/serve.go), with the demo world's logins, and the login
// limiter raised because one test signs in a dozen times from 127.0.0.1.
type demoSite struct {
	url   string
	db    *sqlstore.DB
	world *demo.World
	// pass, when set, is every user's password (a webtest world's).
	pass string
}

// openMemoryDB opens a migrated in-memory SQLite store, closed when the
// test ends: the start of every demo site below.
func openMemoryDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func newDemoSite(t *testing.T) *demoSite {
	t.Helper()
	ctx := context.Background()
	db := openMemoryDB(t)
	world, err := demo.Seed(ctx, db, 648)
	if err != nil {
		t.Fatal(err)
	}
	lw := webtest.NewLogWriter(t)
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.ImportService, s.Sessions = db, db, db, db, db, db
	s.NotificationService = db
	s.CreditService, s.FiguresService, s.RuleService, s.ShipmentService = db, db, db, db
	s.Policy = db.Policy
	s.Health = db.Ping
	s.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.LoginsPerMinute = 1000
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	bg, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go db.RunImports(bg, s.Logger)
	return &demoSite{url: ts.URL, db: db, world: world}
}

func (d *demoSite) password(t *testing.T, user string) string {
	t.Helper()
	if d.pass != "" {
		return d.pass
	}
	c, ok := d.world.Login(user)
	if !ok {
		t.Fatalf("no demo user %s", user)
	}
	return c.Password
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// a tab's context, cancelled when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		// CI sets UCX_REQUIRE_BROWSER: there a missing browser is a failure,
		// not a silent skip of the whole UI walk.
		if os.Getenv("UCX_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is not installed and UCX_REQUIRE_BROWSER is set", chromiumPath)
		}
		t.Skipf("browser test skipped: %s is not installed (apt-get install chromium; CI installs it)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return ctx
}

// browserVIN makes a BYD VIN (WMI LGX, routed to BYD in the demo) with a
// correct check digit, different on every call.
var browserSerial atomic.Int64

func browserVIN(t *testing.T) string {
	n := browserSerial.Add(1)
	v := fmt.Sprintf("LGXUHBRW0S1%06d", 900000+n)
	d, ok := vin.CheckDigit(v)
	if !ok {
		t.Fatalf("bad VIN %s", v)
	}
	return v[:8] + string(d) + v[9:]
}

// tab is one browser tab driven by the test, with the site's URL and a
// step timeout so a missing element fails in seconds, naming the step.
type tab struct {
	t    *testing.T
	ctx  context.Context
	site *demoSite
}

func (b *tab) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

// get runs one action that reads a value, failing the test on error.
func get[T any](b *tab, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(step, err)
	}
	return v
}

// fail stops the test, saying where the browser was and what it showed.
func (b *tab) fail(step string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Text(css("main")))
	b.t.Fatalf("%s: %v\n(at %s; the page says: %.1500s)", step, err, loc, body)
}

// css selects the first element matching a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func (b *tab) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.site.url+path))
}

// text returns the text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, "read "+sel, chromedp.Text(css(sel))))
}

// shot saves the page as artifacts/screenshots/<name>.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// login signs in through the form as a person would: type, press the
// button, land on the party's first page.
func (b *tab) login(user string) {
	b.t.Helper()
	b.open("/login")
	b.run("sign in as "+user,
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), user),
		chromedp.SendKeys(css(`#f-password`), b.site.password(b.t, user)),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(css(`button.link`)), // the sign-out button: signed in
	)
}

// logout presses the sign-out button.
func (b *tab) logout() {
	b.t.Helper()
	b.run("sign out",
		chromedp.Click(css(`form[action="/logout"] button`)),
		chromedp.WaitVisible(css(`#f-username`)),
	)
}

// setLang clicks the language link in the header.
func (b *tab) setLang(lang string) {
	b.t.Helper()
	b.run("switch to "+lang, chromedp.Click(css(`a.lang[lang^="`+lang+`"]`)),
		chromedp.WaitVisible(css(`html[lang^="`+lang+`"]`)))
}

// words are the texts a walk expects, per language.
type words struct {
	lang, awaiting, letterRequired, underReview, licensed, cleared, approvedFlash, issuedFlash, clearedFlash, notFound string
	// letterReason is in R1's reason in this language, otherLangReason in
	// the other language's; the page must show the one and not the other.
	letterReason, otherLangReason string
}

var (
	zhWords = words{lang: "zh", awaiting: "待确认书", letterRequired: "需确认书", underReview: "审核中", licensed: "已发证", cleared: "已放行",
		approvedFlash: "确认书已出具", issuedFlash: "许可证已签发", clearedFlash: "放行已登记", notFound: "未找到",
		letterReason: "须先取得加盖印章的售后维修服务确认书", otherLangReason: "After-Sales Service Confirmation"}
	enWords = words{lang: "en", awaiting: "awaiting confirmation", letterRequired: "letter required", underReview: "under review", licensed: "licensed", cleared: "cleared",
		approvedFlash: "Confirmation approved", issuedFlash: "Licence issued", clearedFlash: "Clearance recorded", notFound: "not found",
		letterReason: "After-Sales Service Confirmation", otherLangReason: "须先取得加盖印章的售后维修服务确认书"}
)

// TestBrowser_WholePathThroughTheUI walks one car from filing to customs
// clearance in a real Chromium, each party signing in and clicking as
// people do: in Chinese with screenshots of every main page, then once
// more in English.
func TestBrowser_WholePathThroughTheUI(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	t.Run("Chinese", func(t *testing.T) { b.t = t; walk(b, zhWords, true) })
	t.Run("English", func(t *testing.T) { b.t = t; walk(b, enWords, false) })
}

func walk(b *tab, w words, shots bool) {
	t := b.t
	shot := func(name string) {
		if shots {
			b.shot(name)
		}
	}
	today := ucx.DateOf(time.Now())
	reg := today.AddDays(-30) // R1: 30 days after registration, a letter is needed
	v := browserVIN(t)

	// The exporter files one application, watching the policy's answer.
	b.login("huayun-export")
	if w.lang != "zh" {
		b.setLang(w.lang)
	} else if got := b.text("h1"); got != "工作台" {
		t.Fatalf("the exporter lands on %q, want the Chinese dashboard", got)
	}
	shot("01-exporter-dashboard")
	b.open("/applications/new")
	b.run("fill the filing form",
		chromedp.WaitVisible(css(`#f-vin`)),
		chromedp.SendKeys(css(`#f-vin`), v),
		chromedp.SendKeys(css(`#f-brand`), "BYD"),
		chromedp.SendKeys(css(`#f-model`), "Seal"),
		chromedp.SetValue(css(`#f-energy_type`), "battery_electric"),
		chromedp.SendKeys(css(`#f-battery_kwh`), "82.5"),
		chromedp.SendKeys(css(`#f-mileage_km`), "1200"),
		chromedp.SendKeys(css(`#f-registration_date`), reg.String()),
		chromedp.SendKeys(css(`#f-transfer_date`), today.AddDays(-5).String()),
		chromedp.SendKeys(css(`#f-destination`), "RU"),
		chromedp.SendKeys(css(`#f-buyer`), "OOO Avto Import"),
		chromedp.SendKeys(css(`#f-contract_number`), "HT-UI-1"),
		chromedp.SendKeys(css(`#f-inspection_report`), "CMA-2026-7788"),
		// The live check (assets/ucx.js → POST /api/v1/check) answers.
		chromedp.WaitVisible(css(`#check-outcome.out-letter-required`)),
	)
	if got := b.text("#check-outcome"); got != w.letterRequired {
		t.Errorf("live check says %q, want %q", got, w.letterRequired)
	}
	if got := b.text("#check-detail"); !strings.Contains(got, reg.AddDays(181).String()) {
		t.Errorf("live check detail %q lacks the letter-free date %s", got, reg.AddDays(181))
	}
	if got := b.text("#check-reasons"); !strings.Contains(got, w.letterReason) || strings.Contains(got, w.otherLangReason) {
		t.Errorf("live check reasons %q: want R1's reason in %s", got, w.lang)
	}
	shot("02-exporter-new-application-live-check")
	b.run("file and submit",
		chromedp.Click(css(`#file-submit`)),
		chromedp.WaitVisible(css(`#app-state`)),
	)
	if got := b.text("#app-state"); got != w.awaiting {
		t.Fatalf("filed application is %q, want %q", got, w.awaiting)
	}
	if got := b.text("ul.reasons"); !strings.Contains(got, w.letterReason) || strings.Contains(got, w.otherLangReason) {
		t.Errorf("application page reasons %q: want R1's reason in %s", got, w.lang)
	}
	appURL := get(b, "read the URL", chromedp.Location())
	appPath := strings.TrimPrefix(strings.SplitN(appURL, "?", 2)[0], b.site.url)
	appID := strings.TrimPrefix(appPath, "/applications/")
	shot("03-exporter-application")
	b.open("/applications?q=" + v)
	if got := b.text("#applications tbody"); !strings.Contains(got, v) {
		t.Errorf("the list searched by VIN lacks it: %q", got)
	}
	shot("04-exporter-applications")
	b.logout()

	// The manufacturer finds it in its inbox and approves, choosing an outlet.
	b.login("byd-compliance")
	b.run("open the request from the inbox",
		chromedp.WaitVisible(css(`#inbox`)),
		chromedp.Click(`//table[@id="inbox"]//a[normalize-space()="`+v+`"]`),
		chromedp.WaitVisible(css(`#approve-form`)),
	)
	if got := b.text("#approve-form fieldset"); !strings.Contains(got, "BYD Auto Rus LLC") || strings.Contains(got, "BYD Almaty") {
		t.Errorf("outlets offered %q, want only Russia's", got)
	}
	shot("06-manufacturer-request")
	b.run("approve with an outlet",
		chromedp.Click(css(`#approve-form input[name=outlet]`)),
		chromedp.Click(css(`#approve`)),
		chromedp.WaitVisible(css(`.flash`)),
	)
	if got := b.text(".flash"); !strings.HasPrefix(got, w.approvedFlash) {
		t.Errorf("after approving: %q", got)
	}
	shot("05-manufacturer-inbox")
	b.logout()

	// The authority reviews it with the policy's findings and issues.
	b.login("gd-licensing")
	b.run("open it from the review queue",
		chromedp.WaitVisible(css(`#review-`+appID)),
	)
	shot("07-authority-review-queue")
	b.run("issue the licence",
		chromedp.Click(css(`#review-`+appID+` a.button`)),
		chromedp.WaitVisible(css(`#issue-licence`)),
	)
	if got := b.text("#app-state"); got != w.underReview {
		t.Errorf("state before issue %q, want %q", got, w.underReview)
	}
	b.run("press issue", chromedp.Click(css(`#issue-licence`)), chromedp.WaitVisible(css(`#licence-number`)))
	number := b.text("#licence-number")
	if got := b.text("#app-state"); got != w.licensed || number == "" || !strings.HasPrefix(b.text(".flash"), w.issuedFlash) {
		t.Errorf("after issuing: state %q, licence %q", got, number)
	}
	shot("08-authority-licensed-application")
	b.open("/exporters")
	b.run("exporters", chromedp.WaitVisible(css(`#exporters`)))
	shot("09-authority-exporters")
	b.logout()

	// Customs looks the car up by VIN and records its clearance.
	b.login("huangpu-customs")
	b.run("look up and clear",
		chromedp.WaitVisible(css(`#f-q`)),
		chromedp.SendKeys(css(`#f-q`), v),
		chromedp.Click(css(`form[role=search] button`)),
		chromedp.WaitVisible(css(`.clear-form`)),
		chromedp.SendKeys(css(`.clear-form input[name=port]`), "黄埔新港"),
		chromedp.SendKeys(css(`.clear-form input[name=declaration_number]`), "520120260009999"),
		chromedp.Click(css(`.clear-form button`)),
		chromedp.WaitVisible(css(`.flash`)),
	)
	if got := b.text("#clearances"); !strings.Contains(got, v) || !strings.Contains(got, number) {
		t.Errorf("the clearance list lacks %s / %s", v, number)
	}
	shot("10-customs-desk")
	b.logout()

	// The exporter sees the whole story.
	b.login("huayun-export")
	b.open(appPath)
	if got := b.text("#app-state"); got != w.cleared {
		t.Errorf("final state %q, want %q", got, w.cleared)
	}
	if got := b.text("#timeline"); strings.Count(got, "\n") < 4 {
		t.Errorf("timeline has too few events: %q", got)
	}
	shot("11-exporter-cleared-application")
	b.logout()

	// Another exporter cannot open it by URL: the 404 page.
	b.login("suda-export")
	b.open(appPath)
	b.run("404", chromedp.WaitVisible(css(`#error-message`)))
	if got := b.text("h1"); !strings.Contains(strings.ToLower(got), strings.ToLower(w.notFound)) {
		t.Errorf("another exporter opening %s sees %q, want the not-found page", appPath, got)
	}
	if body := b.text("main"); strings.Contains(body, v) {
		t.Errorf("the not-found page shows the VIN")
	}
	shot("12-other-exporter-404")
	b.logout()
	if w.lang != "zh" {
		b.setLang("zh") // leave the browser as the next walk expects
	}
}

// TestBrowser_BadInputStaysBesideItsField files a form with an impossible
// date and a wrong check digit: the errors show beside the two fields,
// everything typed is still there, and correcting the date files it.
func TestBrowser_BadInputStaysBesideItsField(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	b.login("huayun-export")
	v := browserVIN(t)
	b.open("/applications/new")
	b.run("fill with an impossible date",
		chromedp.WaitVisible(css(`#f-vin`)),
		chromedp.SendKeys(css(`#f-vin`), v),
		chromedp.SendKeys(css(`#f-brand`), "BYD"),
		chromedp.SendKeys(css(`#f-model`), "Dolphin"),
		chromedp.SendKeys(css(`#f-registration_date`), "2026-02-30"),
		chromedp.SendKeys(css(`#f-transfer_date`), "2026-03-01"),
		chromedp.SendKeys(css(`#f-destination`), "KZ"),
		chromedp.SendKeys(css(`#f-buyer`), "TOO Almaty Auto"),
		chromedp.Click(css(`#file-draft`)),
		chromedp.WaitVisible(css(`#e-registration_date`)),
	)
	vinValue := get(b, "vin", chromedp.Value(css(`#f-vin`)))
	dateValue := get(b, "date", chromedp.Value(css(`#f-registration_date`)))
	buyerValue := get(b, "buyer", chromedp.Value(css(`#f-buyer`)))
	describedBy := get(b, "aria", chromedp.AttributeValue(css(`#f-registration_date`), "aria-describedby")).Value
	if vinValue != v || dateValue != "2026-02-30" || buyerValue != "TOO Almaty Auto" {
		t.Errorf("the form lost what was typed: vin %q date %q buyer %q", vinValue, dateValue, buyerValue)
	}
	if !strings.Contains(describedBy, "e-registration_date") {
		t.Errorf("the date input is not described by its error (aria-describedby=%q)", describedBy)
	}
	if msg := b.text("#e-registration_date"); !strings.Contains(msg, "2026-02-30") {
		t.Errorf("the error %q does not quote the bad date", msg)
	}
	b.shot("13-exporter-form-error")

	// A wrong check digit is the service's refusal, also beside its field.
	bad := []byte(v)
	bad[8] ^= 1
	b.run("correct the date", chromedp.Clear(css(`#f-registration_date`)),
		chromedp.SendKeys(css(`#f-registration_date`), ucx.DateOf(time.Now()).AddDays(-40).String()))
	b.run("break the VIN", chromedp.SetValue(css(`#f-vin`), string(bad)))
	b.run("correct the transfer date", chromedp.SetValue(css(`#f-transfer_date`), ucx.DateOf(time.Now()).AddDays(-2).String()))
	b.run("file the broken VIN",
		chromedp.Click(css(`#file-draft`)),
		chromedp.WaitVisible(css(`#e-vin`)),
	)
	if b.text("#e-vin") == "" {
		t.Errorf("no VIN error shown")
	}
	b.run("fix the VIN and file",
		chromedp.SetValue(css(`#f-vin`), v),
		chromedp.Click(css(`#file-draft`)),
		chromedp.WaitVisible(css(`#app-state`)),
	)
	if got := b.text("#app-state"); got != "草稿" {
		t.Errorf("filed as %q, want a draft", got)
	}
}

// TestBrowser_BulkUploadProgressAndOtherPages uploads a CSV with the file
// control, watches the progress bar finish, and takes the remaining
// screenshots: the verification page in Russian, the login page, and the
// dashboard on a phone-sized screen.
func TestBrowser_BulkUploadProgressAndOtherPages(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}

	b.open("/login")
	b.shot("00-login")

	b.login("huayun-export")
	csv := webtest.ImportHeader
	for i := 0; i < 5; i++ {
		csv += strings.Replace(webtest.ImportLine(browserVIN(t), ucx.DateOf(time.Now()).AddDays(-400)), "Testa,T1 EV", "BYD,Han EV", 2)
	}
	csv += "LGXNOTAVIN0000000,BYD,Han EV,2025-01-01,2025-02-01,RU,BYD,Han EV,2025-01-01,2025-02-01,CMA-1,OOO,HT-1,battery_electric,60\n"
	file := filepath.Join(t.TempDir(), "stock.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/imports/new")
	b.run("upload",
		chromedp.WaitVisible(css(`#f-file`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{file}),
		chromedp.Click(css(`#import-form button`)),
		chromedp.WaitVisible(css(`#import-progress`)),
		// The script polls the API and reloads once the import is done.
		chromedp.WaitVisible(css(`#import-rows`)),
	)
	rows := b.text("#import-rows tbody")
	if strings.Count(rows, "已受理") != 5 || strings.Count(rows, "已退回") != 1 {
		t.Errorf("import rows: %q, want 5 filed and 1 rejected", rows)
	}
	max := get(b, "progress max", chromedp.AttributeValue(css(`#import-progress`), "max")).Value
	value := get(b, "progress value", chromedp.AttributeValue(css(`#import-progress`), "value")).Value
	if max != "6" || value != "6" {
		t.Errorf("progress bar %s of %s, want 6 of 6", value, max)
	}
	b.shot("14-exporter-import-done")

	// A phone: the dashboard still fits, navigation wraps.
	b.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/")
	scrollW := get(b, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	clientW := get(b, "client width", chromedp.Evaluate[int](`document.documentElement.clientWidth`))
	if scrollW > clientW+1 {
		t.Errorf("the dashboard is %dpx wide on a %dpx phone: it scrolls sideways", scrollW, clientW)
	}
	b.shot("15-exporter-dashboard-phone")
	b.run("desktop size", chromedp.EmulateViewport(1280, 900))
	b.logout()

	// The public verification page, chosen in Russian by the visitor.
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	b.open("/verify")
	b.setLang("ru")
	if got := b.text("#verify-unavailable"); got != "Проверка документов пока недоступна." {
		t.Errorf("verification page in Russian says %q", got)
	}
	b.shot("16-public-verify-ru")
	b.setLang("en")
	b.shot("17-public-verify-en")
}

// The flash of a done action is shown, and the address no longer carries
// ?done=, so a shared or reloaded link does not repeat it.
func TestBrowser_FlashLeavesTheAddress(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	b.login("huayun-export")
	b.open("/applications?done=submitted")
	b.run("see the flash", chromedp.WaitVisible(css(`p.flash`)))
	if msg := b.text("p.flash"); msg == "" {
		t.Fatal("no flash text")
	}
	b.run("wait for the script", chromedp.Poll[chromedp.Void](`!location.search.includes("done=")`, chromedp.WithPollingTimeout(5*time.Second)))
	loc := get(b, "location", chromedp.Location())
	if strings.Contains(loc, "done=") || !strings.HasSuffix(loc, "/applications") {
		t.Errorf("address after the flash %q, want /applications without done", loc)
	}
	b.run("reload", chromedp.Reload())
	n := get(b, "flashes", chromedp.Evaluate[int](`document.querySelectorAll("p.flash").length`))
	if n != 0 {
		t.Errorf("the flash is shown again after a reload")
	}
}
