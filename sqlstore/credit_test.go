package sqlstore_test

import (
	"context"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestCredit_ThresholdsOverridesAndNaming walks one exporter through the
// default thresholds (window 365 days; warned 3, rectification 6,
// suspended 10; naming at 3 wrong filings), with hand-computed scores.
func TestCredit_ThresholdsOverridesAndNaming(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		exp := w.Exporter.ID
		standing := func() ucx.Standing {
			t.Helper()
			o, err := db.FindOrgByID(ctx, w.AuthMember, exp)
			if err != nil {
				t.Fatal(err)
			}
			return o.Standing
		}

		// Refusals first: none of them writes.
		before := count(t, db, "credit_events")
		wantCode(t, db.RecordCreditEvent(ctx, w.ExpMember, &ucx.CreditEvent{ExporterID: exp, Code: "false_information", Evidence: "x", OccurredOn: today}), ucx.EFORBIDDEN)
		wantCode(t, db.RecordCreditEvent(ctx, w.AuthViewer, &ucx.CreditEvent{ExporterID: exp, Code: "false_information", Evidence: "x", OccurredOn: today}), ucx.EFORBIDDEN)
		wantField(t, db.RecordCreditEvent(ctx, w.AuthMember, &ucx.CreditEvent{ExporterID: exp, Code: "false_information", OccurredOn: today}), "evidence")
		wantField(t, db.RecordCreditEvent(ctx, w.AuthMember, &ucx.CreditEvent{ExporterID: exp, Code: "no_such", Evidence: "x", OccurredOn: today}), "code")
		wantField(t, db.RecordCreditEvent(ctx, w.AuthMember, &ucx.CreditEvent{ExporterID: exp, Code: "false_information", Evidence: "x", OccurredOn: today.AddDays(1)}), "occurred_on")
		wantCode(t, db.RecordCreditEvent(ctx, w.AuthMember, &ucx.CreditEvent{ExporterID: w.Maker.ID, Code: "false_information", Evidence: "x", OccurredOn: today}), ucx.ERULE)
		if n := count(t, db, "credit_events"); n != before {
			t.Fatalf("refused events wrote %d rows", n-before)
		}

		// false_information (6) on 2025-06-01: score 6 → rectification.
		ev := &ucx.CreditEvent{ExporterID: exp, Code: "false_information", Evidence: "forged invoice", OccurredOn: ucx.MustDate(2025, 6, 1)}
		if err := db.RecordCreditEvent(ctx, w.AuthMember, ev); err != nil {
			t.Fatal(err)
		}
		if ev.Weight != 6 || standing() != ucx.StandingRectification {
			t.Fatalf("weight %d, standing %s; want 6, rectification_ordered", ev.Weight, standing())
		}
		// An event older than the window does not count: 2025-03-10 is
		// exactly 365 days before today.
		if err := db.RecordCreditEvent(ctx, w.AuthMember, &ucx.CreditEvent{ExporterID: exp, Code: "quality_assurance_failure", Evidence: "old", OccurredOn: ucx.MustDate(2025, 3, 10)}); err != nil {
			t.Fatal(err)
		}
		// Four wrong filings seen by ucx (1 each): 6+4 = 10 → suspended.
		for i := 0; i < 4; i++ {
			if err := db.RecordWrongFiling(ctx, exp, 0, "licence refused: data_mismatch"); err != nil {
				t.Fatal(err)
			}
		}
		if s := standing(); s != ucx.StandingSuspended {
			t.Fatalf("standing %s, want suspended at score 10", s)
		}
		rep, err := db.CreditStanding(ctx, w.ExpMember, exp)
		if err != nil {
			t.Fatal(err)
		}
		// Without the false information (leaving the window on
		// 2025-06-01+365 = 2026-06-01) the score is 4 < 10.
		if rep.Score != 10 || len(rep.Contributing) != 5 || rep.RecoversOn != ucx.MustDate(2026, 6, 1) || rep.RecoveryEN == "" {
			t.Fatalf("report: score %d, %d events, recovers %s, %q", rep.Score, len(rep.Contributing), rep.RecoversOn, rep.RecoveryEN)
		}
		if !rep.Contributing[0].Automatic || rep.Contributing[4].Automatic {
			t.Fatalf("automatic flags wrong: %+v", rep.Contributing)
		}
		_, err = db.CreditStanding(ctx, w.Exp2Member, exp)
		wantCode(t, err, ucx.ENOTFOUND)

		// Naming: 4 wrong filings in March ≥ 3.
		n, err := db.Naming(ctx, ucx.MustDate(2026, 3, 1), ucx.MustDate(2026, 3, 31))
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Enterprises) != 1 || n.Enterprises[0].ExporterID != exp || n.Enterprises[0].Count != 4 || n.Enterprises[0].First != today {
			t.Fatalf("naming: %+v", n.Enterprises)
		}
		if n, _ := db.Naming(ctx, ucx.MustDate(2026, 2, 1), ucx.MustDate(2026, 2, 28)); len(n.Enterprises) != 0 {
			t.Fatalf("February names %+v", n.Enterprises)
		}

		// Override, confirm refused while overridden, clear.
		rep, err = db.DecideStanding(ctx, w.AuthMember, exp, ucx.StandingDecision{Action: "override", Standing: ucx.StandingWarned, Reason: "rectified on site"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Standing != ucx.StandingWarned || rep.Computed != ucx.StandingSuspended || standing() != ucx.StandingWarned {
			t.Fatalf("after override: %s (computed %s)", rep.Standing, rep.Computed)
		}
		_, err = db.DecideStanding(ctx, w.AuthMember, exp, ucx.StandingDecision{Action: "confirm", Reason: "ok"})
		wantCode(t, err, ucx.ERULE)
		_, err = db.DecideStanding(ctx, w.AuthMember, exp, ucx.StandingDecision{Action: "override", Standing: "bad", Reason: "x"})
		wantField(t, err, "standing")
		_, err = db.DecideStanding(ctx, w.ExpAdmin, exp, ucx.StandingDecision{Action: "clear", Reason: "x"})
		wantCode(t, err, ucx.EFORBIDDEN)
		if _, err = db.DecideStanding(ctx, w.AuthMember, exp, ucx.StandingDecision{Action: "clear", Reason: "back to the record"}); err != nil {
			t.Fatal(err)
		}
		if s := standing(); s != ucx.StandingSuspended {
			t.Fatalf("after clear: %s, want suspended", s)
		}

		// The exporter appeals; the authority annuls the false
		// information: 4 left → warned.
		if _, err := db.AppealCreditEvent(ctx, w.ExpMember, ev.ID, "the invoice was genuine", true); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Fatalf("exporter annulling: %v", err)
		}
		if e, err := db.AppealCreditEvent(ctx, w.ExpMember, ev.ID, "the invoice was genuine", false); err != nil || e.AppealNote == "" {
			t.Fatalf("appeal: %v", err)
		}
		if _, err := db.AppealCreditEvent(ctx, w.AuthMember, ev.ID, "appeal upheld", true); err != nil {
			t.Fatal(err)
		}
		if s := standing(); s != ucx.StandingWarned {
			t.Fatalf("after annulment: %s, want warned (score 4)", s)
		}
		rep, _ = db.CreditStanding(ctx, w.AuthViewer, exp)
		// rectification → suspended → warned (override) → suspended (clear) → warned.
		want := []string{"credit.standing:rectification_ordered", "credit.standing:suspended", "credit.override:warned", "credit.standing:warned",
			"credit.clear_override:suspended", "credit.standing:suspended", "credit.standing:warned"}
		var got []string
		for _, e := range rep.History {
			switch e.Action {
			case "credit.standing", "credit.override", "credit.clear_override":
				got = append(got, e.Action+":"+e.After)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("history %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("history %v, want %v", got, want)
			}
		}
	})
}

// TestCredit_SetStandingIsKeptAsOverride: a standing set through the older
// OrgService.SetStanding is not undone by the next recomputation.
func TestCredit_SetStandingIsKeptAsOverride(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		if _, err := db.SetStanding(ctx, w.AuthMember, w.Exporter.ID, ucx.StandingSuspended, "by hand"); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordWrongFiling(ctx, w.Exporter.ID, 0, ""); err != nil {
			t.Fatal(err)
		}
		rep, err := db.CreditStanding(ctx, w.ExpViewer, w.Exporter.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Standing != ucx.StandingSuspended || rep.Override != ucx.StandingSuspended || rep.Computed != ucx.StandingNormal {
			t.Fatalf("standing %s override %s computed %s", rep.Standing, rep.Override, rep.Computed)
		}
	})
}

// TestCredit_WhatIfNeverWrites: other thresholds give other standings,
// and no table changes.
func TestCredit_WhatIfNeverWrites(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for i := 0; i < 4; i++ {
			if err := db.RecordWrongFiling(ctx, w.Exporter.ID, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		tables := []string{"orgs", "credit_events", "credit_standings", "events", "negative_items"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, db, tb)
		}
		o, _ := db.FindOrgByID(ctx, w.AuthMember, w.Exporter.ID)
		rows, err := db.WhatIf(ctx, w.AuthViewer, ucx.StandingThresholds{WindowDays: 30, Warned: 1, Rectification: 2, Suspended: 3, NamingCount: 1}, ucx.Date{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]ucx.WhatIfRow{}
		for _, r := range rows {
			got[r.ExporterID] = *r
		}
		if r := got[w.Exporter.ID]; r.Score != 4 || r.WouldBe != ucx.StandingSuspended || r.Current != ucx.StandingWarned || !r.Changes {
			t.Fatalf("exporter: %+v", r)
		}
		if r := got[w.Exporter2.ID]; r.Score != 0 || r.WouldBe != ucx.StandingNormal || r.Changes {
			t.Fatalf("exporter2: %+v", r)
		}
		// 2027-04-01: the March events have left a 30-day window.
		rows, _ = db.WhatIf(ctx, w.AuthViewer, ucx.StandingThresholds{WindowDays: 30, Warned: 1, Rectification: 2, Suspended: 3, NamingCount: 1}, ucx.MustDate(2026, 4, 10))
		for _, r := range rows {
			if r.Score != 0 {
				t.Fatalf("on 2026-04-10: %+v", r)
			}
		}
		_, err = db.WhatIf(ctx, w.ExpAdmin, ucx.DefaultStandingThresholds, ucx.Date{})
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.WhatIf(ctx, w.AuthMember, ucx.StandingThresholds{WindowDays: 30, Warned: 5, Rectification: 2, Suspended: 3, NamingCount: 1}, ucx.Date{})
		wantCode(t, err, ucx.EINVALID)
		for _, tb := range tables {
			if n := count(t, db, tb); n != before[tb] {
				t.Errorf("what-if changed %s: %d → %d rows", tb, before[tb], n)
			}
		}
		if o2, _ := db.FindOrgByID(ctx, w.AuthMember, w.Exporter.ID); o2.Standing != o.Standing {
			t.Errorf("what-if changed the standing: %s → %s", o.Standing, o2.Standing)
		}
	})
}

// TestNegativeList_ProvisionalAndOperatorEdits.
func TestNegativeList_ProvisionalAndOperatorEdits(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		list, err := db.NegativeList(ctx, w.ExpViewer)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 6 || !list[0].Provisional { // five of 0004, deregistration_overdue of 0023 (R16)
			t.Fatalf("shipped list: %d items, first %+v", len(list), list[0])
		}
		item := &ucx.NegativeItem{Code: "wrong_filing", DescriptionZH: "申报数据不一致", DescriptionEN: "wrong filing", Weight: 2, Source: "MOFCOM list 2026"}
		wantCode(t, db.PutNegativeItem(ctx, w.AuthMember, item), ucx.EFORBIDDEN)
		wantField(t, db.PutNegativeItem(ctx, w.OperatorAdmin, &ucx.NegativeItem{Code: "Bad Code", DescriptionZH: "x", DescriptionEN: "x"}), "code")
		if err := db.PutNegativeItem(ctx, w.OperatorAdmin, item); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordWrongFiling(ctx, w.Exporter.ID, 0, ""); err != nil {
			t.Fatal(err)
		}
		evs, _ := db.FindCreditEvents(ctx, w.ExpViewer, w.Exporter.ID)
		if len(evs) != 1 || evs[0].Weight != 2 {
			t.Fatalf("event after reweighting: %+v", evs)
		}
	})
}

// TestCredit_OnlyExportersHaveARecord: an authority asking for the credit
// events or the standing of an organisation that is not an exporter gets
// the same not-found for both (before, the events answered an empty list).
func TestCredit_OnlyExportersHaveARecord(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for _, o := range []*ucx.Org{w.Maker, w.Customs, w.Authority} {
			if _, err := db.FindCreditEvents(ctx, w.AuthMember, o.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
				t.Errorf("events of %s (%s): %v, want not_found", o.Name, o.Kind, err)
			}
			if _, err := db.CreditStanding(ctx, w.AuthMember, o.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
				t.Errorf("standing of %s (%s): %v, want not_found", o.Name, o.Kind, err)
			}
		}
		if evs, err := db.FindCreditEvents(ctx, w.AuthMember, w.Exporter.ID); err != nil || evs == nil {
			t.Errorf("an exporter's events: %v, %v; want a list", evs, err)
		}
	})
}
