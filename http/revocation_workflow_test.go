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

// wantRefusal checks an API refusal: its status, its code and that its
// message names the rule.
func wantRefusal(t *testing.T, r *webtest.Response, status int, code, rule string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d %s, want %d", r.Status, r.Body, status)
	}
	e := r.ErrorBody(t)
	if e.Code != code || !strings.Contains(e.Message, rule) {
		t.Fatalf("refusal %+v, want code %s naming %s", e, code, rule)
	}
}

func TestRevocation_StopsTheWorkflowOverHTTPAndOnThePages(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		clear := `{"port":"黄埔新港","declaration_number":"520120260000001"}`

		// A revoked licence: its state says so everywhere, clearance is refused.
		lic := w.Licensed()
		w.RevokeOverHTTP(t, "authority.member", ucx.DocLicence, lic.ID)
		for _, who := range []string{"customs.member", "exporter.viewer", "authority.member"} {
			r := w.Raw(who, "GET", fmt.Sprintf("/api/v1/licences/%d", lic.ID), "")
			if r.Status != 200 || !strings.Contains(string(r.Body), `"state":"revoked"`) {
				t.Fatalf("licence as %s: %d %s; want state revoked", who, r.Status, r.Body)
			}
		}
		wantRefusal(t, w.Raw("customs.member", "POST", fmt.Sprintf("/api/v1/licences/%d/clearance", lic.ID), clear), 422, ucx.ERULE, "R15")

		// The customs desk and the application page show the state and
		// offer no clearance form.
		u := webtest.NewUIUser(t, w.TS.URL).Login("customs.member")
		page := u.Get("/customs?q=" + lic.Number)
		if page.Status != 200 || !strings.Contains(page.Body, `id="licence-state-`+fmt.Sprint(lic.ID)+`"`) ||
			strings.Contains(page.Body, fmt.Sprintf(`action="/licences/%d/clearance"`, lic.ID)) {
			t.Fatalf("customs desk for a revoked licence: %d %.2000s", page.Status, page.Body)
		}
		page = u.Get(fmt.Sprintf("/applications/%d", lic.ApplicationID))
		if page.Status != 200 || !strings.Contains(page.Body, `class="state state-revoked" id="licence-state"`) {
			t.Fatalf("application page of a revoked licence: %d %.2000s", page.Status, page.Body)
		}

		// A licence relying on a revoked letter cannot be cleared.
		lic2 := w.Licensed()
		w.RevokeOverHTTP(t, "maker.member", ucx.DocConfirmation, lic2.ConfirmationIDs[0])
		wantRefusal(t, w.Raw("customs.member", "POST", fmt.Sprintf("/api/v1/licences/%d/clearance", lic2.ID), clear), 422, ucx.ERULE, "R4")

		// A revoked letter cannot be issued on.
		a, req := w.Awaiting()
		if _, err := w.C("maker.member").ApproveRequest(context.Background(), nil, req.ID, req.Version, []int64{w.MakerRU}); err != nil {
			t.Fatal(err)
		}
		w.RevokeOverHTTP(t, "maker.member", ucx.DocConfirmation, req.ID)
		a, err := w.C("authority.member").FindApplicationByID(context.Background(), nil, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, w.Raw("authority.member", "POST", fmt.Sprintf("/api/v1/applications/%d/licence", a.ID), fmt.Sprintf(`{"version":%d}`, a.Version)),
			422, ucx.ERULE, "R4")
	})
}
