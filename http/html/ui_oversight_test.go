package html_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
)

// TestUI_CreditPages drives the credit pages as people use them: the
// authority records an event through the form (a missing date is shown
// beside its field, the text kept), the exporter sees its standing and
// appeals, another exporter finds nothing, a manufacturer has no list,
// and the public naming and figures pages need no sign-in.
func TestUI_CreditPages(t *testing.T) {
	w := webtest.UIWorld(t)
	exp := w.Orgs["exporter"].ID
	auth := webtest.NewUIUser(t, w.TS.URL).Login("authority.member")

	a := auth.Post(fmt.Sprintf("/credit/%d/events", exp), url.Values{"code": {"false_information"}, "evidence": {"forged invoice"}})
	if a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `id="e-occurred_on"`) || !strings.Contains(a.Body, "forged invoice") {
		t.Errorf("record without a date: %d; want 400 with the error beside occurred_on and the evidence kept:\n%.2000s", a.Status, a.Body)
	}
	a = auth.Post(fmt.Sprintf("/credit/%d/events", exp), url.Values{"code": {"false_information"}, "occurred_on": {"2026-03-01"}, "evidence": {"forged invoice"}})
	if a.Status != http.StatusSeeOther || a.Header.Get("Location") != fmt.Sprintf("/credit/%d?done=credit", exp) {
		t.Fatalf("record: %d %s", a.Status, a.Header.Get("Location"))
	}
	if a = auth.Get("/credit"); a.Status != 200 || !strings.Contains(a.Body, w.Orgs["exporter"].Name) {
		t.Errorf("authority's credit list: %d", a.Status)
	}

	// The exporter: redirected to its own record; weight 6 is
	// rectification_ordered (6 ≥ 6) under the default thresholds.
	me := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	if a = me.Get("/credit"); a.Status != http.StatusSeeOther || a.Header.Get("Location") != fmt.Sprintf("/credit/%d", exp) {
		t.Errorf("exporter's /credit: %d → %s", a.Status, a.Header.Get("Location"))
	}
	a = me.Get(fmt.Sprintf("/credit/%d", exp))
	if a.Status != 200 || !strings.Contains(a.Body, "责令整改") || !strings.Contains(a.Body, "forged invoice") || !strings.Contains(a.Body, `action="/credit/`+fmt.Sprint(exp)+`/appeal"`) {
		t.Errorf("exporter's record: %d\n%.3000s", a.Status, a.Body)
	}
	if strings.Contains(a.Body, `id="record-form"`) {
		t.Error("the exporter is offered the authority's record form")
	}
	if a = webtest.NewUIUser(t, w.TS.URL).Login("exporter2.member").Get(fmt.Sprintf("/credit/%d", exp)); a.Status != http.StatusNotFound {
		t.Errorf("another exporter's record: %d, want 404", a.Status)
	}
	if a = webtest.NewUIUser(t, w.TS.URL).Login("maker.member").Get("/credit"); a.Status != http.StatusForbidden {
		t.Errorf("manufacturer's /credit: %d, want 403", a.Status)
	}
	if a = webtest.NewUIUser(t, w.TS.URL).Login("maker.member").Get("/oversight"); a.Status != http.StatusForbidden {
		t.Errorf("manufacturer's /oversight: %d, want 403", a.Status)
	}

	anon := webtest.NewUIUser(t, w.TS.URL)
	for _, path := range []string{"/naming", "/figures"} {
		if a = anon.Get(path); a.Status != 200 {
			t.Errorf("public %s: %d", path, a.Status)
		}
	}
	if a = anon.Get("/oversight"); a.Status != http.StatusSeeOther {
		t.Errorf("/oversight without sign-in: %d, want a redirect to sign in", a.Status)
	}
}

// The dashboards' "download all" links export the period shown, their
// query written once: from and to are parameters of their own, not one
// escaped string (which the API read as no period, the default year).
func TestUI_FiguresDownloadAllExportsThePeriodShown(t *testing.T) {
	w := webtest.UIWorld(t)
	auth := webtest.NewUIUser(t, w.TS.URL).Login("authority.member")
	for _, tt := range []struct {
		u    *webtest.UIUser
		path string
	}{{auth, "/oversight"}, {webtest.NewUIUser(t, w.TS.URL), "/figures"}} {
		a := tt.u.Get(tt.path + "?from=2025-03-01&to=2025-06-30")
		if a.Status != http.StatusOK {
			t.Fatalf("%s: %d", tt.path, a.Status)
		}
		for _, format := range []string{"xlsx", "csv"} {
			i := strings.Index(a.Body, "format="+format+`" download>`)
			if i < 0 {
				t.Fatalf("%s: no download-all link for %s", tt.path, format)
			}
			start := strings.LastIndex(a.Body[:i], `href="`) + len(`href="`)
			href := strings.ReplaceAll(a.Body[start:i+len("format="+format)], "&amp;", "&")
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("from") != "2025-03-01" || q.Get("to") != "2025-06-30" || q.Get("format") != format {
				t.Errorf("%s: download all %s is %q: from %q, to %q; want the period shown", tt.path, format, href, q.Get("from"), q.Get("to"))
			}
			if code := w.Raw("authority.member", "GET", strings.TrimPrefix(href, w.TS.URL), "").Status; code != http.StatusOK {
				t.Errorf("%s: %s answers %d", tt.path, href, code)
			}
		}
	}
}
