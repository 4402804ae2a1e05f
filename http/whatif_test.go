package http_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
)

// policyDoc returns the default policy document with the fields of edit
// replaced.
func policyDoc(t testing.TB, edit map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(policy.DefaultDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range edit {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPolicyWhatIf_API files three applications on 2026-03-10 (53, 200
// and 374 days after registration) and asks, over HTTP, how a 365-day
// threshold would have decided them: the 200-day car turns from clear to
// letter-required, the others stay. It then checks the refusals and that
// the applications read the same before and after.
func TestPolicyWhatIf_API(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		var apps []*ucx.Application
		for _, reg := range []ucx.Date{webtest.RecentReg, webtest.Today.AddDays(-200), webtest.OldReg} {
			in := w.Input(webtest.MakerWMI, reg)
			in.Submit = true
			apps = append(apps, w.File("exporter.member", in))
		}
		w.Draft() // no application date: not counted
		snapshot := func() string {
			t.Helper()
			list, total, err := w.C("authority.member").FindApplications(ctx, nil, ucx.ApplicationFilter{Limit: 500})
			if err != nil || total != 3 { // drafts are the exporter's own
				t.Fatalf("applications: %d, %v", total, err)
			}
			return webtest.MustJSON(list)
		}
		before := snapshot()

		doc := policyDoc(t, map[string]any{"version": "what-if-365", "letter_threshold_days": 365})
		from, to := ucx.MustDate(2026, 1, 1), ucx.MustDate(2026, 3, 31)
		res, err := w.C("authority.viewer").PolicyWhatIf(ctx, doc, from, to, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Applications != 3 || res.Changed != 1 || res.From != from || res.To != to || res.Policy.Version != "what-if-365" {
			t.Fatalf("what-if: %+v", res)
		}
		if want := (ucx.OutcomeCounts{Clear: 2, LetterRequired: 1}); res.Now != want {
			t.Fatalf("now %+v, want %+v", res.Now, want)
		}
		if want := (ucx.OutcomeCounts{Clear: 1, LetterRequired: 2}); res.Then != want {
			t.Fatalf("then %+v, want %+v", res.Then, want)
		}
		c := res.Cases
		if len(c) != 1 || c[0].ApplicationID != apps[1].ID || c[0].VIN != apps[1].Vehicle.VIN ||
			c[0].ExporterID != w.Orgs["exporter"].ID || c[0].Now != ucx.Clear || c[0].Then != ucx.LetterRequired || len(c[0].Reasons) == 0 {
			t.Fatalf("cases %+v", c)
		}
		// The reference is the uploaded bytes' own hash.
		pol, err := policy.Load(doc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Policy != pol.Ref() {
			t.Fatalf("policy %+v, want %+v", res.Policy, pol.Ref())
		}

		// The envelope form, with the period in the body, says the same.
		env := `{"policy":` + string(doc) + `,"from":"2026-01-01","to":"2026-03-31","limit":5}`
		r := w.Raw("authority.member", "POST", "/api/v1/policy/what-if?from=2020-01-01", env)
		var got ucx.PolicyWhatIf
		if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil || got.Changed != 1 || got.Limit != 5 || got.From != from {
			t.Fatalf("envelope: %d %s", r.Status, r.Body)
		}

		// Refusals: only authorities; a broken document names its field.
		for _, user := range []string{"exporter.admin", "maker.member", "customs.member", "operator.admin"} {
			if r := w.Raw(user, "POST", "/api/v1/policy/what-if", string(doc)); r.Status != 403 {
				t.Errorf("%s: %d %s", user, r.Status, r.Body)
			}
		}
		if r := w.Raw("", "POST", "/api/v1/policy/what-if", string(doc)); r.Status != 401 {
			t.Errorf("no credentials: %d", r.Status)
		}
		bad := policyDoc(t, map[string]any{"letter_threshold_days": -5})
		for _, tc := range []struct{ body, field string }{
			{string(bad), "letter_threshold_days"},
			{`{"policy":` + string(bad) + `}`, "policy.letter_threshold_days"},
			{`{"id":"x","bogus":1}`, "bogus"},
			{"", "policy"},
			{"[1,2]", "policy"},
		} {
			r := w.Raw("authority.member", "POST", "/api/v1/policy/what-if", tc.body)
			if r.Status != 400 {
				t.Errorf("%.40q: %d %s", tc.body, r.Status, r.Body)
				continue
			}
			if e := r.ErrorBody(t); e.Field != tc.field {
				t.Errorf("%.40q: field %q (%s), want %q", tc.body, e.Field, e.Message, tc.field)
			}
		}
		if r := w.Raw("authority.member", "POST", "/api/v1/policy/what-if?from=2026-04-01&to=2026-03-01", string(doc)); r.Status != 400 || r.ErrorBody(t).Field != "from" {
			t.Errorf("reversed period: %d %s", r.Status, r.Body)
		}

		if after := snapshot(); after != before {
			t.Fatalf("the what-if changed the applications:\n%s\n%s", before, after)
		}
	})
}
