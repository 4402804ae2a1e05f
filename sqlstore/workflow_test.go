package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestWorkflow_TimelineFromFilingToClearance follows one car needing a
// letter through the whole flow and checks that every step left its audit
// event, in order, with its actor, visible to each party that may see it.
func TestWorkflow_TimelineFromFilingToClearance(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		l := w.Licensed(t)
		if _, err := db.RecordClearance(ctx, w.CustomsMember, l.ID, "Horgos", "DEC-1"); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			action string
			actor  int64
			after  string
		}{
			{"application.create", w.Exporter.ID, "draft"},
			{"application.submit", w.Exporter.ID, "awaiting_confirmation"},
			{"request.create", w.Exporter.ID, "pending"},
			{"request.approve", w.Maker.ID, "approved"},
			{"application.confirmed", w.Maker.ID, "under_review"},
			{"licence.issue", w.Authority.ID, "issued"},
			{"application.licensed", w.Authority.ID, "licensed"},
			{"licence.clear", w.Customs.ID, "cleared"},
			{"application.cleared", w.Customs.ID, "cleared"},
		}
		for _, p := range []*ucx.Principal{w.ExpViewer, w.MakerViewer, w.AuthViewer, w.CustomsViewer} {
			evs, err := db.Timeline(ctx, p, l.ApplicationID)
			if err != nil {
				t.Fatalf("timeline as %s: %v", p.Username, err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Action)
			}
			if len(evs) != len(want) {
				t.Fatalf("timeline as %s = %v", p.Username, got)
			}
			for i, e := range evs {
				if e.Action != want[i].action || e.ActorOrgID != want[i].actor || e.After != want[i].after || e.ApplicationID != l.ApplicationID ||
					!e.At.Equal(testNow) || (i > 0 && e.ID <= evs[i-1].ID) {
					t.Errorf("event %d = %+v; want %s by org %d, after %s", i, e, want[i].action, want[i].actor, want[i].after)
				}
			}
		}
		for _, p := range []*ucx.Principal{w.Exp2Member, w.Maker2Mem} {
			if _, err := db.Timeline(ctx, p, l.ApplicationID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
				t.Errorf("timeline as %s: %v, want ENOTFOUND", p.Username, err)
			}
		}
		if _, err := db.Timeline(ctx, w.OperatorAdmin, l.ApplicationID); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("timeline as the operator: %v, want EFORBIDDEN", err)
		}
		app, _ := db.FindApplicationByID(ctx, w.AuthMember, l.ApplicationID)
		if app.State != ucx.StateCleared || !strings.HasPrefix(l.Number, "UCX-2026-") {
			t.Errorf("final state %s, licence %s", app.State, l.Number)
		}
	})
}
