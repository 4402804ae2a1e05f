package html_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx/demo"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
)

// newOversightSite is the demo site with the oversight services (credit
// and figures) wired, as `ucx serve --demo` wires them.
func newOversightSite(t *testing.T) *demoSite {
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
	s.CreditService, s.FiguresService = db, db
	s.Policy = db.Policy
	s.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.LoginsPerMinute = 1000
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &demoSite{url: ts.URL, db: db, world: world}
}

// TestBrowser_OversightDashboardDrawsEveryChart signs in as the licensing
// authority and waits until every chart container of the dashboard holds
// a drawn canvas (ECharts, from the embedded script), checks each chart
// has a table with rows, then does the same for the public figures, the
// credit pages and R6's naming, saving screenshots in both languages.
func TestBrowser_OversightDashboardDrawsEveryChart(t *testing.T) {
	ctx := newBrowser(t)
	site := newOversightSite(t)
	b := &tab{t: t, ctx: ctx, site: site}

	allDrawn := `(() => { const cs = [...document.querySelectorAll('.chart')];
		return cs.length > 0 && cs.every(c => c.querySelector('canvas, svg') && c.dataset.drawn === 'true'); })()`
	charts := func(page string) {
		t.Helper()
		get(b, "every chart drawn on "+page, chromedp.Poll[bool](allDrawn, chromedp.WithPollingTimeout(15*time.Second)))
		n := get(b, "count charts", chromedp.Evaluate[int](`document.querySelectorAll('.chart').length`))
		if n != 8 {
			t.Errorf("%s: %d charts, want 8", page, n)
		}
		// Every chart's series carry at least one number: data, not axes.
		empty := get(b, "charts without data", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.chart')].filter(c => {
			const d = JSON.parse(document.getElementById(c.dataset.chart).textContent);
			return !d.series.some(s => s.values.some(v => v !== null && v > 0)); }).map(c => c.dataset.chart)`))
		if len(empty) > 0 {
			t.Errorf("%s: charts with no data: %v", page, empty)
		}
		rows := get(b, "table rows", chromedp.Evaluate[[]int](`[...document.querySelectorAll('section.figure')].map(s => s.querySelectorAll('tbody tr').length)`))
		for i, n := range rows {
			if n == 0 {
				t.Errorf("%s: chart %d has an empty table", page, i)
			}
		}
	}

	b.login("gd-licensing")
	b.open("/oversight")
	charts("/oversight (zh)")
	if title := b.text("h1"); title != "监管数据看板" {
		t.Errorf("dashboard title %q", title)
	}
	b.shot("20-oversight-dashboard")

	b.open("/credit")
	b.run("credit list", chromedp.WaitVisible(css(`#credit-list`)))
	b.shot("21-credit-list")
	href := get(b, "first exporter with events", chromedp.Evaluate[string](`[...document.querySelectorAll('#credit-list tbody tr')].find(r => r.cells[1].textContent.trim() !== '0').querySelector('a').getAttribute('href')`))
	b.open(href)
	b.run("credit record", chromedp.WaitVisible(css(`#credit-events`)), chromedp.WaitVisible(css(`#record-form`)))
	if rec := b.text("#recovery"); rec == "" {
		t.Errorf("%s: no recovery text", href)
	}
	b.shot("22-credit-record")

	b.setLang("en")
	b.open("/oversight")
	charts("/oversight (en)")
	b.shot("23-oversight-dashboard-en")
	b.logout()

	// Public pages: no sign-in.
	b.open("/figures")
	charts("/figures (en)")
	if got := b.text("main p"); !strings.Contains(got, "no exporter is named") {
		t.Errorf("public figures intro %q", got)
	}
	b.shot("24-public-figures-en")
	b.open("/naming")
	b.run("naming", chromedp.WaitVisible(css(`#named-enterprises`)))
	if got := b.text("#named-enterprises tbody"); !strings.Contains(got, "3") {
		t.Errorf("naming lists %q; want an enterprise with 3 wrong filings", got)
	}
	b.shot("25-naming-en")
}
