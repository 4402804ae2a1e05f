package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
)

// policyWith returns the default policy document with the fields of edit
// replaced, loaded.
func policyWith(t testing.TB, edit map[string]any) *policy.Policy {
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
	p, err := policy.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPolicyWhatIf_Threshold365 files, on 2026-03-10:
//
//	a1 registered 53 days before: letter-required now and at 365 days
//	a2 200 days before: clear now, letter-required at 365
//	a3 300 days before: clear now, letter-required at 365
//	a4 374 days before: clear now and at 365
//	a5 a draft (no application date): not counted
//
// and checks the counts, the changed cases and that nothing was written.
func TestPolicyWhatIf_Threshold365(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		file := func(reg ucx.Date) *ucx.Application {
			in := w.Input(w.MakerWMI, reg)
			in.Submit = true
			return w.Create(t, w.ExpMember, in)
		}
		a1 := file(recentReg)
		a2 := file(today.AddDays(-200))
		a3 := file(today.AddDays(-300))
		a4 := file(oldReg)
		w.Create(t, w.ExpMember, w.Input(w.MakerWMI, recentReg))
		for _, a := range []*ucx.Application{a1, a2, a3, a4} {
			if a.ApplicationDate != today {
				t.Fatalf("application %d dated %s, want %s", a.ID, a.ApplicationDate, today)
			}
		}
		if a2.Decision.Outcome != ucx.Clear || a1.Decision.Outcome != ucx.LetterRequired {
			t.Fatalf("stored outcomes %s, %s", a1.Decision.Outcome, a2.Decision.Outcome)
		}

		tables := []string{"applications", "application_facts", "events", "confirmation_requests"}
		before := map[string]string{}
		for _, tb := range tables {
			sum, err := sqlstore.TableChecksum(ctx, db, tb)
			if err != nil {
				t.Fatal(err)
			}
			before[tb] = sum
		}
		nApps, _ := sqlstore.CountRows(ctx, db, "applications")
		nEvents, _ := sqlstore.CountRows(ctx, db, "events")

		pol := policyWith(t, map[string]any{"version": "what-if-365", "letter_threshold_days": 365})
		from, to := ucx.MustDate(2026, 1, 1), ucx.MustDate(2026, 3, 31)
		res, err := db.PolicyWhatIf(ctx, w.AuthViewer, pol, from, to, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Applications != 4 || res.Changed != 2 || res.Limit != ucx.PolicyWhatIfLimit {
			t.Fatalf("applications %d, changed %d, limit %d; want 4, 2, %d", res.Applications, res.Changed, res.Limit, ucx.PolicyWhatIfLimit)
		}
		if want := (ucx.OutcomeCounts{Clear: 3, LetterRequired: 1}); res.Now != want {
			t.Fatalf("now %+v, want %+v", res.Now, want)
		}
		if want := (ucx.OutcomeCounts{Clear: 1, LetterRequired: 3}); res.Then != want {
			t.Fatalf("then %+v, want %+v", res.Then, want)
		}
		if res.Policy.Version != "what-if-365" || res.Truncated() {
			t.Fatalf("policy %+v, truncated %v", res.Policy, res.Truncated())
		}
		if len(res.Cases) != 2 {
			t.Fatalf("cases %+v", res.Cases)
		}
		for i, a := range []*ucx.Application{a2, a3} {
			c := res.Cases[i]
			if c.ApplicationID != a.ID || c.VIN != a.Vehicle.VIN || c.ExporterID != w.Exporter.ID ||
				c.Now != ucx.Clear || c.Then != ucx.LetterRequired || c.ApplicationDate != today || c.State != a.State {
				t.Errorf("case %d = %+v, want application %d clear → letter-required", i, c, a.ID)
			}
			found := false
			for _, r := range c.Reasons {
				found = found || r.Rule == "R1" && r.Severity == ucx.Require
			}
			if !found {
				t.Errorf("case %d has no R1 requirement among %+v", i, c.Reasons)
			}
		}

		// A limit of one lists one case and still counts both.
		res, err = db.PolicyWhatIf(ctx, w.AuthMember, pol, from, to, 1)
		if err != nil || res.Changed != 2 || len(res.Cases) != 1 || !res.Truncated() || res.Cases[0].ApplicationID != a2.ID {
			t.Fatalf("limit 1: %+v, %v", res, err)
		}
		// The policy in force changes nothing.
		res, err = db.PolicyWhatIf(ctx, w.AuthMember, policy.Default(), from, to, 0)
		if err != nil || res.Changed != 0 || res.Now != res.Then || len(res.Cases) != 0 {
			t.Fatalf("default policy: %+v, %v", res, err)
		}
		// A period before the filings is empty.
		res, err = db.PolicyWhatIf(ctx, w.AuthMember, pol, ucx.MustDate(2025, 1, 1), ucx.MustDate(2025, 12, 31), 0)
		if err != nil || res.Applications != 0 || res.Changed != 0 {
			t.Fatalf("2025: %+v, %v", res, err)
		}

		// Refusals.
		_, err = db.PolicyWhatIf(ctx, w.ExpAdmin, pol, from, to, 0)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.PolicyWhatIf(ctx, w.MakerMember, pol, from, to, 0)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.PolicyWhatIf(ctx, nil, pol, from, to, 0)
		wantCode(t, err, ucx.EUNAUTHORIZED)
		_, err = db.PolicyWhatIf(ctx, w.AuthMember, pol, to, from, 0)
		wantField(t, err, "from")
		_, err = db.PolicyWhatIf(ctx, w.AuthMember, nil, from, to, 0)
		wantField(t, err, "policy")

		// Nothing was written: same rows, same bytes.
		for _, tb := range tables {
			sum, err := sqlstore.TableChecksum(ctx, db, tb)
			if err != nil {
				t.Fatal(err)
			}
			if sum != before[tb] {
				t.Errorf("%s changed during the what-if", tb)
			}
		}
		if n, _ := sqlstore.CountRows(ctx, db, "applications"); n != nApps {
			t.Errorf("applications %d → %d", nApps, n)
		}
		if n, _ := sqlstore.CountRows(ctx, db, "events"); n != nEvents {
			t.Errorf("events %d → %d", nEvents, n)
		}
	})
}

// TestPolicyWhatIf_UnknownStoredOutcomeIsNamed stores an outcome this
// version cannot read (as an older demo wrote "letter_required"): the
// what-if still answers, leaves the row out of the counts and names it,
// instead of failing as an internal error.
func TestPolicyWhatIf_UnknownStoredOutcomeIsNamed(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.Input(w.MakerWMI, recentReg)
		in.Submit = true
		good := w.Create(t, w.ExpMember, in)
		in = w.Input(w.MakerWMI, oldReg)
		in.Submit = true
		bad := w.Create(t, w.ExpMember, in)
		if err := sqlstore.Exec(ctx, db, `UPDATE applications SET outcome = 'letter_required' WHERE id = ?`, bad.ID); err != nil {
			t.Fatal(err)
		}
		res, err := db.PolicyWhatIf(ctx, w.AuthViewer, policy.Default(), ucx.MustDate(2026, 1, 1), ucx.MustDate(2026, 3, 31), 0)
		if err != nil {
			t.Fatalf("what-if with an unreadable row: %v", err)
		}
		if res.Unreadable != 1 || len(res.UnreadableIDs) != 1 || res.UnreadableIDs[0] != bad.ID {
			t.Fatalf("unreadable %d %v, want application %d named", res.Unreadable, res.UnreadableIDs, bad.ID)
		}
		if res.Applications != 1 || res.Now.Get(good.Decision.Outcome) != 1 {
			t.Fatalf("applications %d, now %+v; want only application %d counted", res.Applications, res.Now, good.ID)
		}
	})
}
