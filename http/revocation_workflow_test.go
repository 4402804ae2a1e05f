package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// revokeOverHTTP revokes the sealed document of a workflow record through
// POST /api/v1/documents/{digest}/revoke as user.
func (w *world) revokeOverHTTP(t *testing.T, user, kind string, id int64) {
	t.Helper()
	d, err := w.db.DocumentFor(context.Background(), kind, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := w.raw(user, "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.status != 201 && r.status != 200 {
		t.Fatalf("revoke %s %d: %d %s", kind, id, r.status, r.body)
	}
}

// wantRefusal checks an API refusal: its status, its code and that its
// message names the rule.
func wantRefusal(t *testing.T, r *response, status int, code, rule string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d %s, want %d", r.status, r.body, status)
	}
	e := r.errorBody(t)
	if e.Code != code || !strings.Contains(e.Message, rule) {
		t.Fatalf("refusal %+v, want code %s naming %s", e, code, rule)
	}
}

func TestRevocation_StopsTheWorkflowOverHTTPAndOnThePages(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		clear := `{"port":"黄埔新港","declaration_number":"520120260000001"}`

		// A revoked licence: its state says so everywhere, clearance is refused.
		lic := w.licensed()
		w.revokeOverHTTP(t, "authority.member", ucx.DocLicence, lic.ID)
		for _, who := range []string{"customs.member", "exporter.viewer", "authority.member"} {
			r := w.raw(who, "GET", fmt.Sprintf("/api/v1/licences/%d", lic.ID), "")
			if r.status != 200 || !strings.Contains(string(r.body), `"state":"revoked"`) {
				t.Fatalf("licence as %s: %d %s; want state revoked", who, r.status, r.body)
			}
		}
		wantRefusal(t, w.raw("customs.member", "POST", fmt.Sprintf("/api/v1/licences/%d/clearance", lic.ID), clear), 422, ucx.ERULE, "R15")

		// The customs desk and the application page show the state and
		// offer no clearance form.
		u := newUIUser(t, w.ts.URL).login("customs.member")
		page := u.get("/customs?q=" + lic.Number)
		if page.status != 200 || !strings.Contains(page.body, `id="licence-state-`+fmt.Sprint(lic.ID)+`"`) ||
			strings.Contains(page.body, fmt.Sprintf(`action="/licences/%d/clearance"`, lic.ID)) {
			t.Fatalf("customs desk for a revoked licence: %d %.2000s", page.status, page.body)
		}
		page = u.get(fmt.Sprintf("/applications/%d", lic.ApplicationID))
		if page.status != 200 || !strings.Contains(page.body, `class="state state-revoked" id="licence-state"`) {
			t.Fatalf("application page of a revoked licence: %d %.2000s", page.status, page.body)
		}

		// A licence relying on a revoked letter cannot be cleared.
		lic2 := w.licensed()
		w.revokeOverHTTP(t, "maker.member", ucx.DocConfirmation, lic2.ConfirmationIDs[0])
		wantRefusal(t, w.raw("customs.member", "POST", fmt.Sprintf("/api/v1/licences/%d/clearance", lic2.ID), clear), 422, ucx.ERULE, "R4")

		// A revoked letter cannot be issued on.
		a, req := w.awaiting()
		if _, err := w.c("maker.member").ApproveRequest(context.Background(), nil, req.ID, req.Version, []int64{w.makerRU}); err != nil {
			t.Fatal(err)
		}
		w.revokeOverHTTP(t, "maker.member", ucx.DocConfirmation, req.ID)
		a, err := w.c("authority.member").FindApplicationByID(context.Background(), nil, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, w.raw("authority.member", "POST", fmt.Sprintf("/api/v1/applications/%d/licence", a.ID), fmt.Sprintf(`{"version":%d}`, a.Version)),
			422, ucx.ERULE, "R4")
	})
}
