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

func TestRulesAPI_ACELErrorIs400NamingTheFieldAndThePosition(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		for _, tt := range []struct{ path, body, field, want string }{
			{"/api/v1/rules", `{"name":"x","when":"exporter.standing == warned","action":"queue"}`, "when", "line 1, column 22"},
			{"/api/v1/rules", `{"name":"x","when":"vehicle.colour == \"red\"","action":"queue"}`, "when", "vehicle's are vin, brand, model, age_days"},
			{"/api/v1/rule-tests", `{"when":"destination ==","action":"queue"}`, "when", "line 1, column 15"},
			{"/api/v1/rules", `{"name":"x","when":"true","action":"refuse"}`, "refusal_code", "no_service_network"},
			{"/api/v1/rules", `{"name":"x","when":"true","action":"queue","colour":"red"}`, "colour", ""},
		} {
			r := w.Raw("maker.admin", "POST", tt.path, tt.body)
			if r.Status != 400 {
				t.Fatalf("POST %s %s: %d %s, want 400", tt.path, tt.body, r.Status, r.Body)
			}
			e := r.ErrorBody(t)
			if e.Code != ucx.EINVALID || e.Field != tt.field || !strings.Contains(e.Message, tt.want) {
				t.Errorf("POST %s %s: %+v; want field %s and %q", tt.path, tt.body, e, tt.field, tt.want)
			}
		}
		if rs, err := db.FindRules(context.Background(), w.Users["maker.admin"], ucx.RuleFilter{Deleted: true}); err != nil || len(rs) != 0 {
			t.Fatalf("rules stored: %v %v", rs, err)
		}
	})
}

func TestRulesAPI_TheClientManagesAndTriesRulesAndTheInboxShowsWhatTheyDid(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		admin := w.C("maker.admin")
		_, before := w.Awaiting()
		rule, err := admin.CreateRule(ctx, nil, &ucx.ManufacturerRuleInput{Name: "authorised", Action: ucx.RuleApprove,
			When: fmt.Sprintf("exporter.id == %d", w.Orgs["exporter"].ID), Lane: "授权", Priority: 7})
		if err != nil || rule.Version != 1 || rule.State != ucx.RuleEnabled {
			t.Fatalf("CreateRule = %+v, %v", rule, err)
		}
		// The world's maker holds a custodial key: the rule would approve.
		res, err := admin.TestRule(ctx, nil, &ucx.RuleTest{RuleID: rule.ID, Last: 5})
		if err != nil || res.Tested != 1 || !res.Rows[0].Matched || res.Rows[0].RequestID != before.ID || res.Rows[0].Outcome != "approve" {
			t.Fatalf("TestRule = %+v, %v; want the earlier request matched, approved", res, err)
		}
		// A new request is approved by the rule, sealed; the exporter reads
		// which rule answered.
		_, after := w.Awaiting()
		if _, err := db.ProcessRequestRules(ctx, nil); err != nil {
			t.Fatal(err)
		}
		seen, err := w.C("exporter.member").FindRequestByID(ctx, nil, after.ID)
		if err != nil || seen.State != ucx.ConfirmationApproved || seen.DocumentDigest == "" || seen.AnsweredByRule == nil ||
			seen.AnsweredByRule.ID != rule.ID || seen.AnsweredByRule.Name != "authorised" {
			t.Fatalf("exporter's view = %+v, %v; want approved, sealed, by the rule", seen, err)
		}
		if seen.Lane != "" || seen.Tag != "" || seen.SortedByRule != nil {
			t.Fatalf("the exporter sees the inbox's sorting: %+v", seen)
		}
		if r := w.Raw("exporter.member", "GET", "/api/v1/requests?lane=x", ""); r.Status != 400 || r.ErrorBody(t).Field != "lane" {
			t.Fatalf("exporter filtering by lane: %d %s", r.Status, r.Body)
		}
		// A queue rule sorts the inbox: the lane filters it, the priority
		// leads it.
		if _, err := admin.CreateRule(ctx, nil, &ucx.ManufacturerRuleInput{Name: "urgent", When: "true", Action: ucx.RuleQueue,
			Lane: "加急", Priority: 9, Tag: "vip", Position: 1}); err != nil {
			t.Fatal(err)
		}
		_, urgent := w.Awaiting()
		if _, err := db.ProcessRequestRules(ctx, nil); err != nil {
			t.Fatal(err)
		}
		inbox, _, err := w.C("maker.member").FindRequests(ctx, nil, ucx.RequestFilter{Lane: "加急", Tag: "vip"})
		if err != nil || len(inbox) != 1 || inbox[0].ID != urgent.ID || inbox[0].Priority != 9 || inbox[0].SortedByRule == nil {
			t.Fatalf("inbox by lane = %+v, %v", inbox, err)
		}
		all, _, err := w.C("maker.member").FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending})
		if err != nil || len(all) != 2 || all[0].ID != urgent.ID || all[1].ID != before.ID {
			t.Fatalf("inbox = %+v, %v; want the priority 9 request first, then oldest first", all, err)
		}
		// A stale version is 409; a change and a disable are new versions.
		if _, err := admin.UpdateRule(ctx, nil, rule.ID, 5, &ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleQueue}); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		off, err := admin.SetRuleState(ctx, nil, rule.ID, 1, ucx.RuleDisabled)
		if err != nil || off.Version != 2 || off.State != ucx.RuleDisabled {
			t.Fatalf("disable = %+v, %v", off, err)
		}
		gone, err := admin.SetRuleState(ctx, nil, rule.ID, 2, ucx.RuleDeleted)
		if err != nil || gone.State != ucx.RuleDeleted {
			t.Fatalf("delete = %+v, %v", gone, err)
		}
		full, err := w.C("maker.viewer").FindRuleByID(ctx, nil, rule.ID)
		if err != nil || len(full.History) != 3 || full.History[0].When != rule.When {
			t.Fatalf("FindRuleByID = %+v, %v", full, err)
		}
		if rs, err := w.C("maker.member").FindRules(ctx, nil, ucx.RuleFilter{}); err != nil || len(rs) != 1 || rs[0].Name != "urgent" {
			t.Fatalf("FindRules = %+v, %v", rs, err)
		}
		if rs, err := w.C("maker.member").FindRules(ctx, nil, ucx.RuleFilter{Deleted: true}); err != nil || len(rs) != 2 {
			t.Fatalf("FindRules deleted = %+v, %v", rs, err)
		}
	})
}
