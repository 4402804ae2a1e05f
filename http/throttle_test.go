package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"

	ucxhttp "github.com/ucxdev/ucx/http"
)

// TestLogin_ThrottlesTheAccountNotTheOffice: sixty guesses from six
// addresses lock the account, so the right password from a seventh is
// refused (429, Retry-After, the rule named) on the API's login and the
// web sign-in alike; meanwhile another user at the same office address as
// the guesser signs in, since one account's failures alone do not block
// an address; and the lock is in the organisation's audit trail for its
// admins.
func TestLogin_ThrottlesTheAccountNotTheOffice(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		s := ucxhttp.NewServer()
		s.OrgService, s.Sessions = db, db
		s.Logger = webtest.DiscardLogger()
		s.LoginsPerMinute = 10
		s.Now = func() time.Time { return webtest.TestNow }
		s.TrustedProxies, _ = ucxhttp.ParseTrustedProxies("127.0.0.1,::1")
		ts := httptest.NewServer(s.Handler())
		defer ts.Close()
		login := func(addr, user, pass string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/login", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", addr)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		web := func(addr, user, pass string) (*http.Response, string) {
			t.Helper()
			form := url.Values{"username": {user}, "password": {pass}}
			req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", addr)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			return resp, b.String()
		}

		for a := 1; a <= 6; a++ {
			for i := 0; i < 10; i++ {
				login(fmt.Sprintf("198.51.100.%d", a), "exporter.member", fmt.Sprintf("guess %d-%d", a, i))
			}
		}
		resp := login("203.0.113.50", "exporter.member", webtest.Password)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("right password after 60 guesses from 6 addresses: %d (Retry-After %q), want 429 with Retry-After",
				resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		wr, page := web("203.0.113.51", "exporter.member", webtest.Password)
		if wr.StatusCode != http.StatusTooManyRequests || wr.Header.Get("Retry-After") == "" || !strings.Contains(page, "per-account") && !strings.Contains(page, "按账户") {
			t.Fatalf("web sign-in of the locked account: %d, want 429 naming per-account throttling", wr.StatusCode)
		}

		// An office: one account fails ten times, a colleague signs in.
		office := "192.0.2.10"
		for i := 0; i < 10; i++ {
			login(office, "exporter2.viewer", "typo")
		}
		if r := login(office, "exporter2.member", webtest.Password); r.StatusCode != http.StatusCreated {
			t.Fatalf("a colleague at the office address: %d, want 201", r.StatusCode)
		}
		if r, _ := web(office, "exporter2.admin", webtest.Password); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a colleague signing in on the web at the office address: %d, want 303", r.StatusCode)
		}

		r := w.Raw("exporter.admin", "GET", fmt.Sprintf("/api/v1/orgs/%d/events?limit=500", w.Orgs["exporter"].ID), "")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"action":"user.locked"`) {
			t.Fatalf("exporter's audit trail: %d %.300s, want the user.locked event", r.Status, r.Body)
		}
		if r := w.Raw("exporter.member", "GET", fmt.Sprintf("/api/v1/orgs/%d/events", w.Orgs["exporter"].ID), ""); r.Status != 403 {
			t.Errorf("a member reading the audit trail: %d, want 403", r.Status)
		}
	})
}
