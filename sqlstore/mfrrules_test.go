package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// awaitingTo files and submits, as exporter p, an application for a car of
// maker's bound for dest that needs a letter, and returns it with its
// pending request as the manufacturer reads it.
func awaitingTo(t *testing.T, w *world, p *ucx.Principal, dest string) (*ucx.Application, *ucx.ConfirmationRequest) {
	t.Helper()
	ctx := context.Background()
	in := w.Input(w.MakerWMI, recentReg)
	in.Destination, in.Submit = dest, true
	a := w.Create(t, p, in)
	if a.State != ucx.StateAwaitingConfirmation {
		t.Fatalf("state = %s, want awaiting_confirmation", a.State)
	}
	rs, _, err := w.DB.FindRequests(ctx, p, ucx.RequestFilter{Limit: 1})
	if err != nil || len(rs) == 0 || rs[0].ApplicationID != a.ID {
		t.Fatalf("no request for application %d: %v %v", a.ID, rs, err)
	}
	return a, request(t, w, rs[0].ID)
}

// request reads request id as the manufacturer.
func request(t *testing.T, w *world, id int64) *ucx.ConfirmationRequest {
	t.Helper()
	r, err := w.DB.FindRequestByID(context.Background(), w.MakerMember, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// addRule creates a rule as maker's admin and fails the test on error.
func addRule(t *testing.T, w *world, in ucx.ManufacturerRuleInput) *ucx.ManufacturerRule {
	t.Helper()
	r, err := w.DB.CreateRule(context.Background(), w.Users["maker.admin"], &in)
	if err != nil {
		t.Fatalf("CreateRule(%+v): %v", in, err)
	}
	return r
}

// runRules runs the worker over every waiting request.
func runRules(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	n, err := db.ProcessRequestRules(context.Background(), nil)
	if err != nil {
		t.Fatalf("ProcessRequestRules: %v", err)
	}
	return n
}

// makerEvents returns maker's audit trail, newest first.
func makerEvents(t *testing.T, w *world) []*ucx.Event {
	t.Helper()
	evs, _, err := w.DB.OrgEvents(context.Background(), w.Users["maker.admin"], w.Maker.ID, ucx.EventFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// eventFor returns the newest event of action about entity id in evs.
func eventFor(evs []*ucx.Event, action string, id int64) *ucx.Event {
	for _, e := range evs {
		if e.Action == action && e.EntityID == id {
			return e
		}
	}
	return nil
}

func ruleName(r *ucx.ManufacturerRule) string {
	return "rule " + strconv.FormatInt(r.ID, 10) + ` "` + r.Name + `" v` + strconv.Itoa(r.Version)
}

func TestRules_RefuseWhereNoOutletInDestinationNamingTheRule(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		rule := addRule(t, w, ucx.ManufacturerRuleInput{Name: "no outlet there", When: "!has_outlet_in_destination",
			Action: ucx.RuleRefuse, RefusalCode: "no_service_network", RefusalText: "我们在该国没有售后网点"})
		by, _ := awaitingTo(t, w, w.ExpMember, "BY") // maker serves RU and KZ only
		_, ru := awaitingTo(t, w, w.ExpMember, "RU")
		if n := runRules(t, db); n != 2 {
			t.Fatalf("worker took %d requests, want 2", n)
		}
		rs, _, err := db.FindRequests(ctx, w.ExpMember, ucx.RequestFilter{State: ucx.ConfirmationRefused})
		if err != nil || len(rs) != 1 || rs[0].ApplicationID != by.ID {
			t.Fatalf("refused = %+v, %v; want the BY request only", rs, err)
		}
		got := rs[0]
		if got.RefusalCode != "no_service_network" || got.AnsweredByRule == nil || got.AnsweredByRule.ID != rule.ID ||
			got.AnsweredByRule.Version != 1 || got.AnsweredByRule.Name != "no outlet there" {
			t.Fatalf("refused request = %+v; want the rule named as its answerer", got)
		}
		app, err := db.FindApplicationByID(ctx, w.ExpMember, by.ID)
		if err != nil || app.State != ucx.StateRefused {
			t.Fatalf("application = %+v, %v; want refused", app, err)
		}
		if r := request(t, w, ru.ID); r.State != ucx.ConfirmationPending || r.AnsweredByRule != nil {
			t.Fatalf("RU request = %+v; want it pending for a person", r)
		}
		// The audit note names the rule and its version; the actor is the
		// manufacturer, no user.
		tl, err := db.Timeline(ctx, w.ExpMember, by.ID)
		if err != nil {
			t.Fatal(err)
		}
		var refusal *ucx.Event
		for _, e := range tl {
			if e.Action == "request.refuse" {
				refusal = e
			}
		}
		if refusal == nil || !strings.Contains(refusal.Note, ruleName(rule)) || !strings.Contains(refusal.Note, "automatic") ||
			!strings.Contains(refusal.Note, "no_service_network") || refusal.ActorOrgID != w.Maker.ID || refusal.ActorUserID != 0 {
			t.Fatalf("refusal event = %+v; want the manufacturer's, naming %s", refusal, ruleName(rule))
		}
		// The job is gone: running again does nothing.
		if n := runRules(t, db); n != 0 {
			t.Fatalf("second run took %d", n)
		}
	})
}

func TestRules_ApproveAuthorisedExportersOnlyWithACustodialKey(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		rule := addRule(t, w, ucx.ManufacturerRuleInput{Name: "authorised exporter",
			When: "exporter.id == " + strconv.FormatInt(w.Exporter.ID, 10), Action: ucx.RuleApprove, Lane: "seal", Priority: 5})

		// Sealing off: no key to seal with, so the request waits ready to
		// seal, sorted by the rule.
		_, r1 := awaitingTo(t, w, w.ExpMember, "RU")
		runRules(t, db)
		got := request(t, w, r1.ID)
		if got.State != ucx.ConfirmationPending || got.Tag != ucx.TagReadyToSeal || got.Lane != "seal" || got.Priority != 5 ||
			got.SortedByRule == nil || got.SortedByRule.ID != rule.ID || got.AnsweredByRule != nil || got.Version != r1.Version {
			t.Fatalf("request without a key = %+v; want pending, ready to seal, same version", got)
		}

		// Sealing on but no custodial key: the same.
		if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
			t.Fatal(err)
		}
		_, r2 := awaitingTo(t, w, w.ExpMember, "RU")
		runRules(t, db)
		if got := request(t, w, r2.ID); got.State != ucx.ConfirmationPending || got.Tag != ucx.TagReadyToSeal {
			t.Fatalf("request with sealing on, no key = %+v; want ready to seal", got)
		}
		// A person can still answer it at the version read before the
		// rule sorted it.
		if _, err := db.ApproveRequest(ctx, w.MakerMember, r1.ID, r1.Version, []int64{w.MakerRU}); err != nil {
			wantCode(t, err, ucx.ERULE) // sealing on, no key: the offline seal is needed
		}

		// With a custodial key: approved, sealed, with every own outlet in
		// the destination, answered by the rule.
		if _, err := db.CreateCustodialKey(ctx, w.Users["maker.admin"], "", time.Time{}); err != nil {
			t.Fatal(err)
		}
		a3, r3 := awaitingTo(t, w, w.ExpMember, "KZ")
		_, other := awaitingTo(t, w, w.Exp2Member, "KZ")
		runRules(t, db)
		got = request(t, w, r3.ID)
		if got.State != ucx.ConfirmationApproved || got.DocumentDigest == "" || len(got.OutletIDs) != 1 || got.OutletIDs[0] != w.MakerKZ ||
			got.AnsweredByRule == nil || got.AnsweredByRule.ID != rule.ID {
			t.Fatalf("approved = %+v; want approved with the KZ outlet, sealed, by the rule", got)
		}
		app, err := db.FindApplicationByID(ctx, w.ExpMember, a3.ID)
		if err != nil || app.State != ucx.StateUnderReview {
			t.Fatalf("application = %+v, %v; want under_review", app, err)
		}
		d, err := db.FindDocument(ctx, got.DocumentDigest)
		if err != nil || d.OrgID != w.Maker.ID {
			t.Fatalf("document = %+v, %v; want maker's sealed confirmation", d, err)
		}
		if got := request(t, w, other.ID); got.State != ucx.ConfirmationPending || got.Tag != "" || got.SortedByRule != nil {
			t.Fatalf("another exporter's request = %+v; want it untouched", got)
		}
		tl, err := db.Timeline(ctx, w.ExpMember, a3.ID)
		if err != nil {
			t.Fatal(err)
		}
		var approval *ucx.Event
		for _, e := range tl {
			if e.Action == "request.approve" {
				approval = e
			}
		}
		if approval == nil || !strings.Contains(approval.Note, ruleName(rule)) {
			t.Fatalf("approval event = %+v; want it to name %s", approval, ruleName(rule))
		}
	})
}

func TestRules_FirstMatchingRuleActsInTheirOrder(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.Users["maker.admin"]
		fleet := addRule(t, w, ucx.ManufacturerRuleInput{Name: "fleet customer", When: "exporter.id == " + strconv.FormatInt(w.Exporter.ID, 10),
			Action: ucx.RuleQueue, Lane: "车队客户", Priority: 10, Tag: "vip"})
		catchAll := addRule(t, w, ucx.ManufacturerRuleInput{Name: "everyone else", When: "true", Action: ucx.RuleRefuse, RefusalCode: "other", RefusalText: "not authorised"})
		if fleet.Position >= catchAll.Position {
			t.Fatalf("positions %d, %d: a new rule goes last", fleet.Position, catchAll.Position)
		}
		_, mine := awaitingTo(t, w, w.ExpMember, "RU")
		_, theirs := awaitingTo(t, w, w.Exp2Member, "RU")
		runRules(t, db)
		if got := request(t, w, mine.ID); got.State != ucx.ConfirmationPending || got.Lane != "车队客户" || got.Tag != "vip" || got.Priority != 10 {
			t.Fatalf("fleet request = %+v; want it queued by the first rule, not refused by the second", got)
		}
		if got := request(t, w, theirs.ID); got.State != ucx.ConfirmationRefused || got.AnsweredByRule.ID != catchAll.ID {
			t.Fatalf("other request = %+v; want it refused by the catch-all", got)
		}
		// The inbox puts the higher priority first; lanes filter it.
		_, later := awaitingTo(t, w, w.Exp2Member, "KZ")
		if _, err := db.RefuseRequest(ctx, w.MakerMember, later.ID, later.Version, "other", "x"); err != nil {
			t.Fatal(err)
		}
		inbox, _, err := db.FindRequests(ctx, w.MakerMember, ucx.RequestFilter{Lane: "车队客户"})
		if err != nil || len(inbox) != 1 || inbox[0].ID != mine.ID {
			t.Fatalf("lane = %+v, %v", inbox, err)
		}
		// Others see neither lanes nor tags, and may not filter by them.
		seen, err := db.FindRequestByID(ctx, w.ExpMember, mine.ID)
		if err != nil || seen.Lane != "" || seen.Tag != "" || seen.SortedByRule != nil {
			t.Fatalf("exporter's view = %+v, %v; want no sorting shown", seen, err)
		}
		_, _, err = db.FindRequests(ctx, w.ExpMember, ucx.RequestFilter{Lane: "x"})
		wantField(t, err, "lane")

		// Moving the catch-all first: it now acts on the fleet customer too.
		moved, err := db.UpdateRule(ctx, admin, catchAll.ID, catchAll.Version, &ucx.ManufacturerRuleInput{Name: catchAll.Name, When: catchAll.When,
			Action: catchAll.Action, RefusalCode: catchAll.RefusalCode, RefusalText: catchAll.RefusalText, Position: 1})
		if err != nil || moved.Version != 2 || moved.Position != 1 {
			t.Fatalf("UpdateRule = %+v, %v", moved, err)
		}
		_, next := awaitingTo(t, w, w.ExpMember, "RU")
		runRules(t, db)
		if got := request(t, w, next.ID); got.State != ucx.ConfirmationRefused || got.AnsweredByRule.Version != 2 {
			t.Fatalf("after the move = %+v; want refused by version 2", got)
		}
		rules, err := db.FindRules(ctx, w.MakerViewer, ucx.RuleFilter{})
		if err != nil || len(rules) != 2 || rules[0].ID != catchAll.ID || rules[1].ID != fleet.ID {
			t.Fatalf("FindRules = %+v, %v; want the catch-all first", rules, err)
		}
	})
}

func TestRules_DisabledRulesAreSkippedAndEveryVersionIsKept(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.Users["maker.admin"]
		rule := addRule(t, w, ucx.ManufacturerRuleInput{Name: "refuse all", When: "true", Action: ucx.RuleRefuse, RefusalCode: "not_our_vehicle"})
		_, first := awaitingTo(t, w, w.ExpMember, "RU")
		runRules(t, db)
		if got := request(t, w, first.ID); got.State != ucx.ConfirmationRefused || got.AnsweredByRule.Version != 1 {
			t.Fatalf("first = %+v", got)
		}
		off, err := db.SetRuleState(ctx, admin, rule.ID, rule.Version, ucx.RuleDisabled)
		if err != nil || off.State != ucx.RuleDisabled || off.Version != 2 {
			t.Fatalf("disable = %+v, %v", off, err)
		}
		_, second := awaitingTo(t, w, w.ExpMember, "RU")
		if n := runRules(t, db); n != 0 {
			t.Fatalf("worker took %d requests; a manufacturer whose rules are all disabled gets no jobs", n)
		}
		if got := request(t, w, second.ID); got.State != ucx.ConfirmationPending {
			t.Fatalf("with the rule disabled = %+v; want pending", got)
		}
		// A stale version is a conflict; a changed text is a new version.
		_, err = db.SetRuleState(ctx, admin, rule.ID, rule.Version, ucx.RuleEnabled)
		wantCode(t, err, ucx.ECONFLICT)
		changed, err := db.UpdateRule(ctx, admin, rule.ID, off.Version, &ucx.ManufacturerRuleInput{Name: "refuse KZ", When: `destination == "KZ"`,
			Action: ucx.RuleRefuse, RefusalCode: "not_our_vehicle"})
		if err != nil || changed.Version != 3 || changed.State != ucx.RuleDisabled || changed.Position != rule.Position {
			t.Fatalf("UpdateRule = %+v, %v; want version 3, still disabled, same place", changed, err)
		}
		on, err := db.SetRuleState(ctx, admin, rule.ID, changed.Version, ucx.RuleEnabled)
		if err != nil || on.Version != 4 {
			t.Fatalf("enable = %+v, %v", on, err)
		}
		_, kz := awaitingTo(t, w, w.ExpMember, "KZ")
		runRules(t, db)
		if got := request(t, w, kz.ID); got.State != ucx.ConfirmationRefused || got.AnsweredByRule.Version != 4 || got.AnsweredByRule.Name != "refuse KZ" {
			t.Fatalf("kz = %+v; want refused by version 4", got)
		}
		// The first answer still names version 1, whose text is kept.
		if got := request(t, w, first.ID); got.AnsweredByRule.Version != 1 || got.AnsweredByRule.Name != "refuse all" {
			t.Fatalf("first answer now names %+v; want version 1 as it was", got.AnsweredByRule)
		}
		full, err := db.FindRuleByID(ctx, w.MakerMember, rule.ID)
		if err != nil || len(full.History) != 4 {
			t.Fatalf("FindRuleByID = %+v, %v; want 4 versions", full, err)
		}
		h := full.History
		if h[0].When != "true" || h[0].State != ucx.RuleEnabled || h[1].State != ucx.RuleDisabled || h[2].When != `destination == "KZ"` ||
			h[3].State != ucx.RuleEnabled || h[0].VersionBy != admin.UserID {
			t.Fatalf("history = %+v %+v %+v %+v", h[0], h[1], h[2], h[3])
		}
		// Deleted: kept, no longer listed, and final.
		del, err := db.SetRuleState(ctx, admin, rule.ID, on.Version, ucx.RuleDeleted)
		if err != nil || del.State != ucx.RuleDeleted {
			t.Fatalf("delete = %+v, %v", del, err)
		}
		if rules, err := db.FindRules(ctx, admin, ucx.RuleFilter{}); err != nil || len(rules) != 0 {
			t.Fatalf("FindRules after delete = %+v, %v", rules, err)
		}
		if rules, err := db.FindRules(ctx, admin, ucx.RuleFilter{Deleted: true}); err != nil || len(rules) != 1 {
			t.Fatalf("FindRules with deleted = %+v, %v", rules, err)
		}
		_, err = db.SetRuleState(ctx, admin, rule.ID, del.Version, ucx.RuleEnabled)
		wantCode(t, err, ucx.ERULE)
		// Every change is in the manufacturer's audit trail.
		evs := makerEvents(t, w)
		for _, action := range []string{"rule.create", "rule.update", "rule.set_state"} {
			if eventFor(evs, action, rule.ID) == nil {
				t.Errorf("no %s event in the audit trail", action)
			}
		}
	})
}

func TestRules_RefusesBadRulesNamingTheField(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.Users["maker.admin"]
		tests := []struct {
			name, field string
			in          ucx.ManufacturerRuleInput
			want        string
		}{
			{"CEL compile error", "when", ucx.ManufacturerRuleInput{Name: "x", When: `exporter.standing == warned`, Action: ucx.RuleQueue}, "line 1, column 22"},
			{"CEL type error", "when", ucx.ManufacturerRuleInput{Name: "x", When: `vehicle.age_days > "30"`, Action: ucx.RuleQueue}, "line 1, column 18"},
			{"over the cost limit", "when", ucx.ManufacturerRuleInput{Name: "x", Action: ucx.RuleQueue,
				When: `(exporter.name + exporter.name + exporter.name + exporter.name).contains(vehicle.model + vehicle.model + vehicle.model) ||
(vehicle.brand + vehicle.brand + vehicle.brand + vehicle.brand).contains(vehicle.model + vehicle.model + vehicle.model)`}, "over the limit"},
			{"no name", "name", ucx.ManufacturerRuleInput{When: "true", Action: ucx.RuleQueue}, "name"},
			{"unknown action", "action", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: "escalate"}, "queue, refuse or approve"},
			{"refuse without a code", "refusal_code", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleRefuse}, "no_service_network"},
			{"other without a text", "refusal_text", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleRefuse, RefusalCode: "other"}, "explain"},
			{"a code on an approve rule", "refusal_code", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleApprove, RefusalCode: "other"}, "only a refuse rule"},
			{"priority out of range", "priority", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleQueue, Priority: 1000}, "between"},
			{"control character in the lane", "lane", ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleQueue, Lane: "a\x07"}, "control character"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.CreateRule(ctx, admin, &tt.in)
				wantField(t, err, tt.field)
				if !strings.Contains(ucx.ErrorMessage(err), tt.want) {
					t.Errorf("message %q lacks %q", ucx.ErrorMessage(err), tt.want)
				}
			})
		}
		if n := count(t, db, "mfr_rules"); n != 0 {
			t.Fatalf("%d rules stored; a refused rule writes nothing", n)
		}
		// The same checks on a change and on a dry run.
		ok := addRule(t, w, ucx.ManufacturerRuleInput{Name: "ok", When: "true", Action: ucx.RuleQueue})
		_, err := db.UpdateRule(ctx, admin, ok.ID, ok.Version, &ucx.ManufacturerRuleInput{Name: "ok", When: "destination ==", Action: ucx.RuleQueue})
		wantField(t, err, "when")
		_, err = db.TestRule(ctx, admin, &ucx.RuleTest{ManufacturerRuleInput: ucx.ManufacturerRuleInput{Name: "t", When: "vehicle.colour == 1", Action: ucx.RuleQueue}})
		wantField(t, err, "when")
		_, err = db.TestRule(ctx, admin, &ucx.RuleTest{RuleID: ok.ID, Last: 100000})
		wantField(t, err, "last")
	})
}

func TestRules_OnlyTheManufacturersAdminsChangeItsOwnRules(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		rule := addRule(t, w, ucx.ManufacturerRuleInput{Name: "mine", When: "true", Action: ucx.RuleQueue, Lane: "a"})
		in := &ucx.ManufacturerRuleInput{Name: "x", When: "true", Action: ucx.RuleQueue}
		test := &ucx.RuleTest{RuleID: rule.ID}
		for _, who := range []string{"maker.member", "maker.viewer"} {
			p := w.Users[who]
			_, err := db.CreateRule(ctx, p, in)
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.UpdateRule(ctx, p, rule.ID, rule.Version, in)
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.SetRuleState(ctx, p, rule.ID, rule.Version, ucx.RuleDisabled)
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.TestRule(ctx, p, test)
			wantCode(t, err, ucx.EFORBIDDEN)
			if rs, err := db.FindRules(ctx, p, ucx.RuleFilter{}); err != nil || len(rs) != 1 {
				t.Fatalf("%s reads its rules: %v, %v", who, rs, err)
			}
		}
		// Exporters (and every other kind) have no rules and cannot make any.
		for _, who := range []string{"exporter.admin", "exporter.member", "authority.admin", "customs.admin", "operator.admin"} {
			p := w.Users[who]
			_, err := db.CreateRule(ctx, p, in)
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.FindRules(ctx, p, ucx.RuleFilter{})
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.FindRuleByID(ctx, p, rule.ID)
			wantCode(t, err, ucx.EFORBIDDEN)
		}
		// Another manufacturer's rules are not found, even by its admin.
		other := w.Users["maker2.admin"]
		_, err := db.FindRuleByID(ctx, other, rule.ID)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.UpdateRule(ctx, other, rule.ID, rule.Version, in)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.SetRuleState(ctx, other, rule.ID, rule.Version, ucx.RuleDisabled)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.TestRule(ctx, other, test)
		wantCode(t, err, ucx.ENOTFOUND)
		if rs, err := db.FindRules(ctx, other, ucx.RuleFilter{Deleted: true}); err != nil || len(rs) != 0 {
			t.Fatalf("maker2 lists %v, %v", rs, err)
		}
		// Maker's rules act on maker's requests only.
		_, mine := awaitingTo(t, w, w.ExpMember, "RU")
		in2 := w.Input(w.Maker2WMI, recentReg)
		in2.Submit = true
		a2 := w.Create(t, w.ExpMember, in2)
		runRules(t, db)
		if got := request(t, w, mine.ID); got.Lane != "a" {
			t.Fatalf("maker's request = %+v; want it sorted", got)
		}
		rs, _, err := db.FindRequests(ctx, w.Maker2Mem, ucx.RequestFilter{})
		if err != nil || len(rs) != 1 || rs[0].ApplicationID != a2.ID || rs[0].Lane != "" || rs[0].SortedByRule != nil {
			t.Fatalf("maker2's request = %+v, %v; want it untouched by maker's rules", rs, err)
		}
		if n := count(t, db, "mfr_rule_versions"); n != 1 {
			t.Fatalf("%d versions; refused changes write none", n)
		}
	})
}

func TestRules_AFailingRuleNeverBlocksTheRequest(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		// Type-checks and passes the samples (ages 0 and 59), but a car
		// registered on recentReg is 53 days old: a division by zero.
		bad := addRule(t, w, ucx.ManufacturerRuleInput{Name: "fragile", When: "1000 / (vehicle.age_days - 53) > 1", Action: ucx.RuleQueue, Lane: "x"})
		after := addRule(t, w, ucx.ManufacturerRuleInput{Name: "refuse all", When: "true", Action: ucx.RuleRefuse, RefusalCode: "other", RefusalText: "no"})
		a, r := awaitingTo(t, w, w.ExpMember, "RU")
		runRules(t, db)
		got := request(t, w, r.ID)
		if got.State != ucx.ConfirmationPending || got.Lane != "" || got.AnsweredByRule != nil || got.Version != r.Version {
			t.Fatalf("request after a failing rule = %+v; want it pending and untouched (the later rule must not act)", got)
		}
		e := eventFor(makerEvents(t, w), "request.rule_failed", r.ID)
		if e == nil || !strings.Contains(e.Note, ruleName(bad)) || !strings.Contains(e.Note, "division by zero") {
			t.Fatalf("failure event = %+v; want one naming %s and the error", e, ruleName(bad))
		}
		if tl, _ := db.Timeline(ctx, w.ExpMember, a.ID); len(tl) == 0 || tl[len(tl)-1].Action == "request.rule_failed" {
			t.Fatalf("the exporter's timeline shows the manufacturer's rule failure: %+v", tl)
		}
		if n := runRules(t, db); n != 0 {
			t.Fatalf("the failed job ran again (%d)", n)
		}
		// An approve rule where there is no outlet fails the same way.
		if _, err := db.SetRuleState(ctx, w.Users["maker.admin"], bad.ID, bad.Version, ucx.RuleDeleted); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetRuleState(ctx, w.Users["maker.admin"], after.ID, after.Version, ucx.RuleDisabled); err != nil {
			t.Fatal(err)
		}
		approve := addRule(t, w, ucx.ManufacturerRuleInput{Name: "approve BY", When: `destination == "BY"`, Action: ucx.RuleApprove})
		_, by := awaitingTo(t, w, w.ExpMember, "BY")
		runRules(t, db)
		if got := request(t, w, by.ID); got.State != ucx.ConfirmationPending {
			t.Fatalf("BY request = %+v; want pending", got)
		}
		if e := eventFor(makerEvents(t, w), "request.rule_failed", by.ID); e == nil || !strings.Contains(e.Note, ruleName(approve)) || !strings.Contains(e.Note, "R3") {
			t.Fatalf("failure event = %+v", e)
		}
	})
}

func TestRules_ARequestAnsweredOrWithdrawnFirstIsLeftAlone(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		addRule(t, w, ucx.ManufacturerRuleInput{Name: "refuse all", When: "true", Action: ucx.RuleRefuse, RefusalCode: "other", RefusalText: "no"})
		_, answered := awaitingTo(t, w, w.ExpMember, "RU")
		if _, err := db.ApproveRequest(ctx, w.MakerMember, answered.ID, answered.Version, []int64{w.MakerRU}); err != nil {
			t.Fatal(err)
		}
		a, withdrawn := awaitingTo(t, w, w.ExpMember, "RU")
		if _, err := db.WithdrawApplication(ctx, w.ExpMember, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		if n := runRules(t, db); n != 2 {
			t.Fatalf("took %d", n)
		}
		if got := request(t, w, answered.ID); got.State != ucx.ConfirmationApproved || got.AnsweredByRule != nil {
			t.Fatalf("answered = %+v", got)
		}
		if got := request(t, w, withdrawn.ID); got.State != ucx.ConfirmationVoid {
			t.Fatalf("withdrawn = %+v", got)
		}
	})
}

func TestRules_SeveralWorkersActOncePerRequest(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		addRule(t, w, ucx.ManufacturerRuleInput{Name: "refuse BY", When: `destination == "BY"`, Action: ucx.RuleRefuse, RefusalCode: "no_service_network"})
		var ids []int64
		for range 12 {
			_, r := awaitingTo(t, w, w.ExpMember, "BY")
			ids = append(ids, r.ID)
		}
		var wg sync.WaitGroup
		total := make([]int, 3)
		for i := range total {
			wg.Go(func() {
				n, err := db.ProcessRequestRules(ctx, nil)
				if err != nil {
					t.Error(err)
				}
				total[i] = n
			})
		}
		wg.Wait()
		evs := makerEvents(t, w)
		for _, id := range ids {
			n := 0
			for _, e := range evs {
				if e.Action == "request.refuse" && e.EntityID == id {
					n++
				}
			}
			if n != 1 {
				t.Errorf("request %d refused %d times", id, n)
			}
			if eventFor(evs, "request.rule_failed", id) != nil {
				t.Errorf("request %d: a worker recorded a failure", id)
			}
		}
	})
}

func TestRules_DryRunTriesARuleOnTheLastRequests(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.Users["maker.admin"]
		var reqs []*ucx.ConfirmationRequest
		for _, c := range []struct {
			p    *ucx.Principal
			dest string
		}{{w.ExpMember, "RU"}, {w.Exp2Member, "RU"}, {w.ExpMember, "BY"}, {w.Exp2Member, "KZ"}} {
			_, r := awaitingTo(t, w, c.p, c.dest)
			reqs = append(reqs, r)
		}
		sorter := addRule(t, w, ucx.ManufacturerRuleInput{Name: "RU lane", When: `destination == "RU"`, Action: ucx.RuleQueue, Lane: "ru"})
		res, err := db.TestRule(ctx, admin, &ucx.RuleTest{Last: 3, ManufacturerRuleInput: ucx.ManufacturerRuleInput{
			Name: "approve exporter", When: "exporter.id == " + strconv.FormatInt(w.Exporter.ID, 10), Action: ucx.RuleApprove}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Tested != 3 || res.Matched != 1 || res.Failed != 0 || len(res.Rows) != 3 {
			t.Fatalf("result = %+v; want the last 3, one matched", res)
		}
		// Newest first: KZ (exporter2), BY (exporter: no outlet), RU (exporter2).
		r0, r1, r2 := res.Rows[0], res.Rows[1], res.Rows[2]
		if r0.RequestID != reqs[3].ID || r0.Matched || r0.Acting != nil ||
			r1.RequestID != reqs[2].ID || !r1.Matched || r1.Outcome != "no_outlet" || r1.ExporterName != w.Exporter.Name ||
			r2.RequestID != reqs[1].ID || r2.Matched || r2.Acting == nil || r2.Acting.ID != sorter.ID {
			t.Fatalf("rows = %+v", res.Rows)
		}
		// On the first request: approve needs a key; without one it is
		// ready to seal.
		res, err = db.TestRule(ctx, admin, &ucx.RuleTest{Last: 4, ManufacturerRuleInput: ucx.ManufacturerRuleInput{
			Name: "approve exporter", When: "exporter.id == " + strconv.FormatInt(w.Exporter.ID, 10), Action: ucx.RuleApprove}})
		if err != nil || res.Rows[3].Outcome != ucx.TagReadyToSeal {
			t.Fatalf("rows = %+v, %v; want ready_to_seal without a key", res, err)
		}
		// A stored rule by id; the dry run writes nothing.
		res, err = db.TestRule(ctx, admin, &ucx.RuleTest{RuleID: sorter.ID})
		if err != nil || res.Tested != 4 || res.Matched != 2 || res.Rows[1].Outcome != "" {
			t.Fatalf("by id = %+v, %v", res, err)
		}
		if n := runRules(t, db); n != 0 {
			t.Fatalf("the dry run queued %d jobs", n)
		}
		for _, r := range reqs {
			if got := request(t, w, r.ID); got.Lane != "" || got.State != ucx.ConfirmationPending {
				t.Fatalf("the dry run changed request %+v", got)
			}
		}
	})
}
