package http_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestWorkflow_FileApproveIssueClear_OverHTTP runs the whole export through
// the Go client against the real server and store: an exporter files a car
// that needs a letter (R1), the manufacturer approves it with an outlet
// (R3), the authority issues the licence (R14), customs clears it (R15) and
// a second clearance of the same licence is refused (409).
func TestWorkflow_FileApproveIssueClear_OverHTTP(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		exp, maker, auth, customs := w.C("exporter.member"), w.C("maker.member"), w.C("authority.member"), w.C("customs.member")

		// The exporter files a draft; the policy says a letter is needed.
		in := w.Input(webtest.MakerWMI, webtest.RecentReg)
		a, created, err := exp.CreateApplication(ctx, nil, in, ucx.CreateOptions{IdempotencyKey: "e2e-1"})
		if err != nil || !created {
			t.Fatalf("file: created=%v err=%v", created, err)
		}
		if a.State != ucx.StateDraft || a.Decision.Outcome != ucx.LetterRequired || !a.Decision.LetterRequired {
			t.Fatalf("filed: state %s, outcome %s, letter %v; want draft, letter-required, true", a.State, a.Decision.Outcome, a.Decision.LetterRequired)
		}
		if a.ManufacturerID != w.Orgs["maker"].ID {
			t.Fatalf("routed to manufacturer %d, want maker %d", a.ManufacturerID, w.Orgs["maker"].ID)
		}

		// Submitting sends it to the maker's inbox.
		a, err = exp.SubmitApplication(ctx, nil, a.ID, a.Version)
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		if a.State != ucx.StateAwaitingConfirmation {
			t.Fatalf("after submit: state %s, want awaiting_confirmation", a.State)
		}
		inbox, total, err := maker.FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending})
		if err != nil || total != 1 || len(inbox) != 1 || inbox[0].ApplicationID != a.ID || inbox[0].VIN != in.Vehicle.VIN {
			t.Fatalf("maker's inbox: %d of %d, err %v; want the one request for application %d", len(inbox), total, err, a.ID)
		}
		if other, total, err := w.C("maker2.member").FindRequests(ctx, nil, ucx.RequestFilter{}); err != nil || total != 0 || len(other) != 0 {
			t.Fatalf("maker2's inbox: %d requests (err %v); another maker's request must not show", total, err)
		}

		// The maker approves, naming its Russian outlet.
		cr, err := maker.ApproveRequest(ctx, nil, inbox[0].ID, inbox[0].Version, []int64{w.MakerRU})
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		if cr.State != ucx.ConfirmationApproved || len(cr.OutletIDs) != 1 || cr.OutletIDs[0] != w.MakerRU {
			t.Fatalf("approved request: %+v", cr)
		}
		a, err = exp.FindApplicationByID(ctx, nil, a.ID)
		if err != nil || a.State != ucx.StateUnderReview {
			t.Fatalf("after approval: %v, state %s; want under_review", err, a.State)
		}

		// The authority issues the licence.
		lic, err := auth.IssueLicence(ctx, nil, a.ID, a.Version)
		if err != nil {
			t.Fatalf("issue: %v", err)
		}
		if lic.Number == "" || lic.ApplicationID != a.ID || len(lic.Schedule) != 1 || lic.Schedule[0].VIN != in.Vehicle.VIN ||
			lic.Schedule[0].RegistrationDate != webtest.RecentReg {
			t.Fatalf("licence: %+v", lic)
		}
		if got, err := exp.FindLicenceByID(ctx, nil, lic.ID); err != nil || got.Number != lic.Number {
			t.Fatalf("exporter reads its licence: %v", err)
		}

		// Customs finds it by VIN and by number, and clears it.
		for _, f := range []ucx.LicenceFilter{{VIN: in.Vehicle.VIN}, {Number: lic.Number}} {
			found, n, err := customs.FindLicences(ctx, nil, f)
			if err != nil || n != 1 || found[0].ID != lic.ID {
				t.Fatalf("customs lookup %+v: %d found, err %v", f, n, err)
			}
		}
		cleared, err := customs.RecordClearance(ctx, nil, lic.ID, "Horgos", "DECL-2026-000123")
		if err != nil {
			t.Fatalf("clear: %v", err)
		}
		if cleared.ClearedAt == nil || cleared.Port != "Horgos" || cleared.DeclarationNumber != "DECL-2026-000123" || cleared.DeregistrationDue.IsZero() {
			t.Fatalf("cleared licence: %+v", cleared)
		}

		// A licence is consumed once.
		_, err = customs.RecordClearance(ctx, nil, lic.ID, "Horgos", "DECL-2026-000124")
		if ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("second clearance: %v, want conflict", err)
		}
		r := w.Raw("customs.member", "POST", "/api/v1/licences/"+strconv.FormatInt(lic.ID, 10)+"/clearance",
			`{"port":"Horgos","declaration_number":"DECL-3"}`)
		if r.Status != 409 || r.ErrorBody(t).Code != ucx.ECONFLICT {
			t.Fatalf("second clearance over raw HTTP: %d %s, want 409 conflict", r.Status, r.Body)
		}

		a, err = exp.FindApplicationByID(ctx, nil, a.ID)
		if err != nil || a.State != ucx.StateCleared {
			t.Fatalf("after clearance: %v, state %s; want cleared", err, a.State)
		}
		events, err := exp.Timeline(ctx, nil, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{"application.create", "application.submit", "request.approve", "licence.issue", "licence.clear"} {
			if !strings.Contains(got, want) {
				t.Errorf("timeline %q lacks %s", got, want)
			}
		}

		// Every step was counted by action.
		m := w.Raw("", "GET", "/metrics", "")
		for _, want := range []string{
			`ucx_workflow_transitions_total{action="file"} 1`,
			`ucx_workflow_transitions_total{action="submit"} 1`,
			`ucx_workflow_transitions_total{action="approve"} 1`,
			`ucx_workflow_transitions_total{action="issue"} 1`,
			`ucx_workflow_transitions_total{action="clear"} 1`,
		} {
			if !strings.Contains(string(m.Body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// TestCreateApplication_IdempotentRetryReturnsTheFirstFiling checks that a
// retried POST with the same Idempotency-Key answers 200 with the same
// application (same id, same body) instead of filing twice, and that the
// same key with a different application is refused.
func TestCreateApplication_IdempotentRetryReturnsTheFirstFiling(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		body := webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.OldReg))
		first := w.Raw("exporter.member", "POST", "/api/v1/applications", body, "Idempotency-Key: retry-me")
		if first.Status != 201 {
			t.Fatalf("first POST: %d %s, want 201", first.Status, first.Body)
		}
		if first.Header.Get("ETag") != `"1"` || !strings.HasPrefix(first.Header.Get("Location"), "/api/v1/applications/") {
			t.Fatalf("first POST headers: ETag %q Location %q", first.Header.Get("ETag"), first.Header.Get("Location"))
		}
		retry := w.Raw("exporter.member", "POST", "/api/v1/applications", body, "Idempotency-Key: retry-me")
		if retry.Status != 200 {
			t.Fatalf("retry: %d %s, want 200", retry.Status, retry.Body)
		}
		if string(retry.Body) != string(first.Body) {
			t.Fatalf("retry body differs:\n first %s\n retry %s", first.Body, retry.Body)
		}
		_, total, err := w.C("exporter.member").FindApplications(context.Background(), nil, ucx.ApplicationFilter{})
		if err != nil || total != 1 {
			t.Fatalf("applications after a retry: %d (err %v), want 1", total, err)
		}

		// The client reports the retry as not created, with the same id.
		in := w.Input(webtest.MakerWMI, webtest.OldReg)
		c := w.C("exporter.member")
		a1, created1, err1 := c.CreateApplication(context.Background(), nil, in, ucx.CreateOptions{IdempotencyKey: "client-key"})
		a2, created2, err2 := c.CreateApplication(context.Background(), nil, in, ucx.CreateOptions{IdempotencyKey: "client-key"})
		if err1 != nil || err2 != nil || !created1 || created2 || a1.ID != a2.ID {
			t.Fatalf("client retry: (%v, %v, %v) then (%v, %v, %v)", a1.ID, created1, err1, a2.ID, created2, err2)
		}

		// Reusing a key for another application is a conflict.
		other := w.Raw("exporter.member", "POST", "/api/v1/applications", webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.OldReg)), "Idempotency-Key: retry-me")
		if other.Status != 409 || other.ErrorBody(t).Code != ucx.ECONFLICT {
			t.Fatalf("same key, other body: %d %s, want 409", other.Status, other.Body)
		}
	})
}

// TestWorkflowAction_VersionFromIfMatchOrBody checks optimistic
// concurrency over HTTP: the version comes from If-Match (the ETag) or the
// body; a stale one is 409 and changes nothing; a missing one is 400 naming
// version.
func TestWorkflowAction_VersionFromIfMatchOrBody(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		a := w.Draft()
		path := "/api/v1/applications/" + strconv.FormatInt(a.ID, 10)

		get := w.Raw("exporter.member", "GET", path, "")
		if get.Status != 200 || get.Header.Get("ETag") != `"1"` {
			t.Fatalf("GET: %d ETag %q, want 200 \"1\"", get.Status, get.Header.Get("ETag"))
		}

		tests := []struct {
			name      string
			body      string
			headers   []string
			wantCode  int
			wantField string
		}{
			{"MissingVersion", "", nil, 400, "version"},
			{"EmptyObject", "{}", nil, 400, "version"},
			{"StaleIfMatch", "", []string{`If-Match: "7"`}, 409, ""},
			{"StaleBody", `{"version": 2}`, nil, 409, ""},
			{"BadIfMatch", "", []string{"If-Match: *"}, 400, "If-Match"},
			{"HeaderAndBodyDisagree", `{"version": 2}`, []string{`If-Match: "1"`}, 400, "version"},
			{"VersionNotANumber", `{"version": "1"}`, nil, 400, "version"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := w.Raw("exporter.member", "POST", path+"/submit", tt.body, tt.headers...)
				if r.Status != tt.wantCode {
					t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.wantCode)
				}
				if eb := r.ErrorBody(t); eb.Field != tt.wantField {
					t.Fatalf("field %q, want %q (%s)", eb.Field, tt.wantField, eb.Message)
				}
			})
		}
		if got, _ := w.C("exporter.member").FindApplicationByID(context.Background(), nil, a.ID); got.Version != 1 || got.State != ucx.StateDraft {
			t.Fatalf("after refused actions: version %d state %s, want 1 draft", got.Version, got.State)
		}

		ok := w.Raw("exporter.member", "POST", path+"/submit", "", `If-Match: "1"`)
		if ok.Status != 200 || ok.Header.Get("ETag") != `"2"` {
			t.Fatalf("submit with If-Match: %d ETag %q %s", ok.Status, ok.Header.Get("ETag"), ok.Body)
		}
		again := w.Raw("exporter.member", "POST", path+"/withdraw", `{"version": 1}`)
		if again.Status != 409 {
			t.Fatalf("withdraw with the old version: %d %s, want 409", again.Status, again.Body)
		}
		withdrawn := w.Raw("exporter.member", "POST", path+"/withdraw", `{"version": 2}`)
		if withdrawn.Status != 200 || !strings.Contains(string(withdrawn.Body), `"state":"withdrawn"`) {
			t.Fatalf("withdraw with the current version: %d %s", withdrawn.Status, withdrawn.Body)
		}
	})
}
