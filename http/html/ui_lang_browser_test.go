package html_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
)

// englishSentence finds English prose: two or more words in a row of which
// one is a function word no name or model carries ("the VIN is required",
// "not found"). Names such as "OOO Avto Import" or "Tesla Model Y" pass.
var englishSentence = regexp.MustCompile(`(?i)\b[a-z]+(?:[ ,'’]+[a-z]+)+\b`)

// englishFunctionWords make a run of words a sentence rather than a name.
var englishFunctionWords = map[string]bool{
	"the": true, "is": true, "are": true, "not": true, "of": true, "to": true, "for": true, "by": true,
	"with": true, "and": true, "or": true, "be": true, "this": true, "that": true, "has": true,
	"have": true, "was": true, "will": true, "can": true, "must": true, "from": true, "at": true,
	"no": true, "none": true, "yet": true, "your": true, "you": true, "an": true, "it": true, "its": true,
	"been": true, "does": true, "here": true, "there": true, "which": true, "per": true,
}

// englishLabels are single English words a Chinese page must not show:
// the buttons, headings and states of the English catalogue.
var englishLabels = regexp.MustCompile(`\b(Submit|Cancel|Search|Filter|Export|Download|Next|Previous|Approve|Refuse|Issue|Withdraw|Save|Delete|Remove|Upload|Status|State|Date|Destination|Exporter|Manufacturer|Outcome|Vehicle|Vehicles|Letter|Licence|Clearance|Pending|Approved|Refused|Draft|Submitted|Cleared|Licensed|Overdue|Page|Total|Actions|Required|Error|Invalid|Unknown|Missing|Back|Open|Close|Read|Sign|Language)\b`)

// englishOn returns the English text found in a Chinese page's rendered
// text, each finding once.
func englishOn(text string) []string {
	seen := map[string]bool{}
	for _, m := range englishSentence.FindAllString(text, -1) {
		for _, w := range regexp.MustCompile(`[A-Za-z]+`).FindAllString(m, -1) {
			if englishFunctionWords[strings.ToLower(w)] {
				seen[m] = true
				break
			}
		}
	}
	for _, m := range englishLabels.FindAllString(text, -1) {
		seen[m] = true
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func TestEnglishOn_FindsProseAndLabelsNotNames(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"输入有误：the VIN is required", 1},
		{"买方 OOO Avto Import · 比亚迪 Seal", 0},
		{"Tesla Model Y 已放行", 0},
		{"状态 Pending", 1},
		{"BYD Han EV LGXCE4CB8S0000017", 0},
	} {
		if got := englishOn(c.text); len(got) != c.want {
			t.Errorf("englishOn(%q) = %q, want %d findings", c.text, got, c.want)
		}
	}
}

// TestBrowser_NoEnglishOnChinesePages signs in as each party of the demo
// world, opens each of its main pages in Chinese (the default) in a real
// Chromium and reads the rendered text: no English sentence or English
// label may appear (issue 14, "every message in the reader's language").
// Detail pages are reached by following the first link of their list.
func TestBrowser_NoEnglishOnChinesePages(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	parties := []struct {
		user  string
		pages []string
		// follow are list pages whose first link with the prefix is opened too.
		follow [][2]string
	}{
		{"huayun-export", []string{"/", "/applications", "/applications/new", "/shipments", "/shipments/new", "/imports/new",
			"/notifications", "/settings/notifications", "/settings/notifications/deliveries", "/credit", "/figures", "/verify?lang=zh"},
			[][2]string{{"/applications", "/applications/"}, {"/shipments", "/shipments/"}}},
		{"byd-compliance", []string{"/", "/requests", "/requests?state=approved", "/letters", "/notifications"},
			[][2]string{{"/requests", "/requests/"}, {"/letters", "/letters/"}}},
		{"gd-licensing", []string{"/", "/review", "/oversight", "/credit", "/exporters", "/naming", "/figures"},
			[][2]string{{"/review", "/applications/"}, {"/review", "/shipments/"}, {"/credit", "/credit/"}}},
		{"huangpu-customs", []string{"/", "/customs"}, nil},
	}
	failed := map[string][]string{}
	visit := func(user, path string) {
		b.open(path)
		// Data marked translate="no" (an English legal name) is not the
		// page's words; an English message shown for want of a translation
		// (lang="en" alone) is, and fails.
		text := get(b, "read "+path, chromedp.Evaluate[string](
			`(() => { const c = document.body.cloneNode(true); c.querySelectorAll('[translate="no"]').forEach(e => e.remove()); document.documentElement.appendChild(c); const t = c.innerText; c.remove(); return t })()`))
		if found := englishOn(text); len(found) > 0 {
			failed[user+" "+path] = found
		}
	}
	for _, p := range parties {
		b.login(p.user)
		for _, path := range p.pages {
			visit(p.user, path)
		}
		for _, f := range p.follow {
			b.open(f[0])
			href := get(b, "first link on "+f[0], chromedp.Evaluate[string](
				`(Array.from(document.querySelectorAll('main a[href^="`+f[1]+`"]')).map(a => a.getAttribute('href')).find(h => /\d/.test(h)) || "")`))
			if href == "" {
				t.Errorf("%s: no link to %s… on %s to follow", p.user, f[1], f[0])
				continue
			}
			visit(p.user, href)
		}
		b.logout()
	}
	keys := make([]string, 0, len(failed))
	for k := range failed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s shows English on a Chinese page: %q", k, failed[k])
	}
}

// TestBrowser_ErrorsOnChinesePagesAreChinese makes the mistakes exporters
// make — a mistyped VIN, an impossible date, an unknown country, in the
// form and in an uploaded sheet — and reads the answers in Chinese: every
// error of the form at once beside its field, the import's per-row
// reasons, none of it English (issue 14).
func TestBrowser_ErrorsOnChinesePagesAreChinese(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	b.login("huayun-export")
	scan := func(where string) {
		t.Helper()
		text := get(b, "read "+where, chromedp.Evaluate[string](`document.body.innerText`))
		if found := englishOn(text); len(found) > 0 {
			t.Errorf("%s shows English on a Chinese page: %q", where, found)
		}
	}

	b.open("/applications/new")
	b.run("file a form full of mistakes",
		chromedp.WaitVisible(css(`#f-vin`)),
		chromedp.SendKeys(css(`#f-vin`), "lgxuhbrw0s1o0001"),
		chromedp.SendKeys(css(`#f-brand`), "BYD"),
		chromedp.SendKeys(css(`#f-model`), "Seal"),
		chromedp.SendKeys(css(`#f-registration_date`), "2026-02-30"),
		chromedp.SendKeys(css(`#f-destination`), "XX"),
		chromedp.Click(css(`#file-submit`)),
		chromedp.WaitVisible(css(`.field.invalid`)),
	)
	scan("the filing form's errors")
	for _, field := range []string{"vin", "registration_date", "transfer_date", "destination"} {
		if n := get(b, "error of "+field, chromedp.Evaluate[int](`document.querySelectorAll("#e-`+field+`").length`)); n != 1 {
			t.Errorf("no error beside %s", field)
		}
	}
	b.shot("40-exporter-form-errors-zh")

	file := filepath.Join(t.TempDir(), "bad.csv")
	csv := webtest.ImportHeader +
		strings.Replace(webtest.ImportLine("lgxuhbrw0s1o00001", ucx.DateOf(time.Now()).AddDays(-400)), ",RU,", ",XX,", 1) +
		webtest.ImportLine(browserVIN(t), ucx.DateOf(time.Now()).AddDays(-400))[:40] + "\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/imports/new")
	b.run("upload a sheet with bad rows",
		chromedp.WaitVisible(css(`#f-file`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{file}),
		chromedp.Click(css(`#import-form button`)),
		chromedp.WaitVisible(css(`#import-rows`)),
	)
	scan("the import's results")
	b.shot("41-exporter-import-errors-zh")
}
