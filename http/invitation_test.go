package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/sqlstore"

	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
)

// TestInvitation_OperatorInvitesAndTheUserSetsThePasswordOnTheWeb: the
// operator's POST /api/v1/users with a password is 403 naming the rule;
// without one it answers the invitation link; the link's page sets the
// password and signs the user in; the link works once; the exporter's
// admins read the operator's act in their audit trail.
func TestInvitation_OperatorInvitesAndTheUserSetsThePasswordOnTheWeb(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		exporter := w.Orgs["exporter"].ID

		r := w.Raw("operator.admin", "POST", "/api/v1/users", fmt.Sprintf(`{"org_id":%d,"username":"op.spy","role":"admin","password":%q}`, exporter, webtest.Password))
		if r.Status != 403 || r.ErrorBody(t).Field != "password" || !strings.Contains(r.ErrorBody(t).Message, "never sets another organisation's passwords") {
			t.Fatalf("operator choosing a password: %d %s, want 403 naming the rule", r.Status, r.Body)
		}

		r = w.Raw("operator.admin", "POST", "/api/v1/users", fmt.Sprintf(`{"org_id":%d,"username":"zhang.min","role":"admin"}`, exporter))
		if r.Status != 201 {
			t.Fatalf("invitation: %d %s", r.Status, r.Body)
		}
		var out wire.UserResponse
		if err := json.Unmarshal(r.Body, &out); err != nil || out.Invitation == nil {
			t.Fatalf("answer %s: %v", r.Body, err)
		}
		link, err := url.Parse(out.Invitation.URL)
		if err != nil || link.Path != "/invite" || link.Query().Get("token") != out.Invitation.Token {
			t.Fatalf("invitation URL %q does not carry the token to /invite", out.Invitation.URL)
		}

		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(w.TS.URL + "/invite?" + link.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), `name="password_repeat"`) || !strings.Contains(string(page), out.Invitation.Token) {
			t.Fatalf("GET /invite: %d, want the set-password form carrying the token", resp.StatusCode)
		}
		post := func(pass, again string) (*http.Response, string) {
			form := url.Values{"token": {out.Invitation.Token}, "password": {pass}, "password_repeat": {again}}
			resp, err := noRedirect.PostForm(w.TS.URL+"/invite", form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		if resp, _ := post("a fine password", "a fine passw0rd"); resp.StatusCode != 400 {
			t.Fatalf("differing passwords: %d, want 400", resp.StatusCode)
		}
		resp, _ = post("a fine password", "a fine password")
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
			t.Fatalf("accepting the invitation: %d, want 303 with the session cookie", resp.StatusCode)
		}
		if _, err := client.New(w.TS.URL, "").Login(t.Context(), "zhang.min", "a fine password"); err != nil {
			t.Fatalf("API login with the chosen password: %v", err)
		}
		if resp, body := post("another password!", "another password!"); resp.StatusCode != 400 || !strings.Contains(body, "该邀请已被使用") {
			t.Fatalf("second use of the link: %d, want 400 saying it was used", resp.StatusCode)
		}
		r = w.Raw("", "POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"password":"yet another one"}`, out.Invitation.Token))
		if r.Status != 400 || r.ErrorBody(t).Field != "token" {
			t.Fatalf("API accept of a used token: %d %s, want 400 naming token", r.Status, r.Body)
		}

		r = w.Raw("exporter.admin", "GET", fmt.Sprintf("/api/v1/orgs/%d/events", exporter), "")
		for _, want := range []string{`"action":"user.invite"`, `"action":"user.create"`, `"action":"user.set_password"`, fmt.Sprintf(`"actor_org_id":%d`, w.Orgs["operator"].ID)} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("exporter's audit trail lacks %s: %.400s", want, r.Body)
			}
		}
	})
}
