package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUI_CreditPages drives the credit pages as people use them: the
// authority records an event through the form (a missing date is shown
// beside its field, the text kept), the exporter sees its standing and
// appeals, another exporter finds nothing, a manufacturer has no list,
// and the public naming and figures pages need no sign-in.
func TestUI_CreditPages(t *testing.T) {
	w := uiWorld(t)
	exp := w.orgs["exporter"].ID
	auth := newUIUser(t, w.ts.URL).login("authority.member")

	a := auth.post(fmt.Sprintf("/credit/%d/events", exp), url.Values{"code": {"false_information"}, "evidence": {"forged invoice"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="e-occurred_on"`) || !strings.Contains(a.body, "forged invoice") {
		t.Errorf("record without a date: %d; want 400 with the error beside occurred_on and the evidence kept:\n%.2000s", a.status, a.body)
	}
	a = auth.post(fmt.Sprintf("/credit/%d/events", exp), url.Values{"code": {"false_information"}, "occurred_on": {"2026-03-01"}, "evidence": {"forged invoice"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != fmt.Sprintf("/credit/%d?done=credit", exp) {
		t.Fatalf("record: %d %s", a.status, a.header.Get("Location"))
	}
	if a = auth.get("/credit"); a.status != 200 || !strings.Contains(a.body, w.orgs["exporter"].Name) {
		t.Errorf("authority's credit list: %d", a.status)
	}

	// The exporter: redirected to its own record; weight 6 is
	// rectification_ordered (6 ≥ 6) under the default thresholds.
	me := newUIUser(t, w.ts.URL).login("exporter.member")
	if a = me.get("/credit"); a.status != http.StatusSeeOther || a.header.Get("Location") != fmt.Sprintf("/credit/%d", exp) {
		t.Errorf("exporter's /credit: %d → %s", a.status, a.header.Get("Location"))
	}
	a = me.get(fmt.Sprintf("/credit/%d", exp))
	if a.status != 200 || !strings.Contains(a.body, "责令整改") || !strings.Contains(a.body, "forged invoice") || !strings.Contains(a.body, `action="/credit/`+fmt.Sprint(exp)+`/appeal"`) {
		t.Errorf("exporter's record: %d\n%.3000s", a.status, a.body)
	}
	if strings.Contains(a.body, `id="record-form"`) {
		t.Error("the exporter is offered the authority's record form")
	}
	if a = newUIUser(t, w.ts.URL).login("exporter2.member").get(fmt.Sprintf("/credit/%d", exp)); a.status != http.StatusNotFound {
		t.Errorf("another exporter's record: %d, want 404", a.status)
	}
	if a = newUIUser(t, w.ts.URL).login("maker.member").get("/credit"); a.status != http.StatusForbidden {
		t.Errorf("manufacturer's /credit: %d, want 403", a.status)
	}
	if a = newUIUser(t, w.ts.URL).login("maker.member").get("/oversight"); a.status != http.StatusForbidden {
		t.Errorf("manufacturer's /oversight: %d, want 403", a.status)
	}

	anon := newUIUser(t, w.ts.URL)
	for _, path := range []string{"/naming", "/figures"} {
		if a = anon.get(path); a.status != 200 {
			t.Errorf("public %s: %d", path, a.status)
		}
	}
	if a = anon.get("/oversight"); a.status != http.StatusSeeOther {
		t.Errorf("/oversight without sign-in: %d, want a redirect to sign in", a.status)
	}
}

// The dashboards' "download all" links export the period shown, their
// query written once: from and to are parameters of their own, not one
// escaped string (which the API read as no period, the default year).
func TestUI_FiguresDownloadAllExportsThePeriodShown(t *testing.T) {
	w := uiWorld(t)
	auth := newUIUser(t, w.ts.URL).login("authority.member")
	for _, tt := range []struct {
		u    *uiUser
		path string
	}{{auth, "/oversight"}, {newUIUser(t, w.ts.URL), "/figures"}} {
		a := tt.u.get(tt.path + "?from=2025-03-01&to=2025-06-30")
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d", tt.path, a.status)
		}
		for _, format := range []string{"xlsx", "csv"} {
			i := strings.Index(a.body, "format="+format+`" download>`)
			if i < 0 {
				t.Fatalf("%s: no download-all link for %s", tt.path, format)
			}
			start := strings.LastIndex(a.body[:i], `href="`) + len(`href="`)
			href := strings.ReplaceAll(a.body[start:i+len("format="+format)], "&amp;", "&")
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("from") != "2025-03-01" || q.Get("to") != "2025-06-30" || q.Get("format") != format {
				t.Errorf("%s: download all %s is %q: from %q, to %q; want the period shown", tt.path, format, href, q.Get("from"), q.Get("to"))
			}
			if code := w.raw("authority.member", "GET", strings.TrimPrefix(href, w.ts.URL), "").status; code != http.StatusOK {
				t.Errorf("%s: %s answers %d", tt.path, href, code)
			}
		}
	}
}
