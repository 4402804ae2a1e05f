package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

func registerInput(name string, role ucx.RegisterRole) *ucx.RegisterEntryInput {
	return &ucx.RegisterEntryInput{Name: name, Role: role, Source: "https://www.miit.gov.cn/ 公告", Batch: "第386批"}
}

// hasEvent reports whether evs holds an event of action about entity id.
func hasEvent(evs []*ucx.Event, action, entity string, id int64) bool {
	for _, e := range evs {
		if e.Action == action && e.Entity == entity && e.EntityID == id {
			return true
		}
	}
	return false
}

func orgTrail(t *testing.T, db *sqlstore.DB, p *ucx.Principal, org int64) []*ucx.Event {
	t.Helper()
	evs, _, err := db.OrgEvents(context.Background(), p, org, ucx.EventFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestRegister_OnlyTheOperatorMaintainsIt (R2): everyone signed in reads
// the manufacturer register; only the operator's admin adds, corrects,
// retires, binds and unbinds, each an audit event (the entry's in the
// operator's trail, the binding's in the manufacturer's); inputs are
// checked, with the field named.
func TestRegister_OnlyTheOperatorMaintainsIt(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		op := w.OperatorAdmin

		es, total, err := db.FindRegisterEntries(ctx, w.ExpViewer, ucx.RegisterFilter{})
		if err != nil || total != 2 || len(es) != 2 {
			t.Fatalf("the world's register: %d entries (total %d), %v; want maker's and maker2's", len(es), total, err)
		}
		if e := w.Register["maker"]; e.OrgID != w.Maker.ID || e.OrgName != w.Maker.Name || e.BoundAt == nil || e.Role != ucx.RegisterVehicleManufacturer {
			t.Fatalf("maker's entry %+v", e)
		}
		if o, err := db.FindOrgByID(ctx, w.ExpMember, w.Maker.ID); err != nil || o.RegisterEntryID != w.Register["maker"].ID {
			t.Fatalf("maker's profile: %+v %v; want its register entry", o, err)
		}

		in := registerInput("上汽通用五菱汽车股份有限公司", ucx.RegisterVehicleManufacturer)
		before := count(t, db, "manufacturer_register")
		for _, p := range []*ucx.Principal{w.Users["operator.member"], w.Users["maker.admin"], w.ExpMember, w.AuthMember, nil} {
			_, err := db.AddRegisterEntry(ctx, p, in)
			if p == nil {
				wantCode(t, err, ucx.EUNAUTHORIZED)
				continue
			}
			wantCode(t, err, ucx.EFORBIDDEN)
			if !strings.Contains(ucx.ErrorMessage(err), "operator") {
				t.Errorf("refusal %q does not say who may", ucx.ErrorMessage(err))
			}
			_, err = db.UpdateRegisterEntry(ctx, p, w.Register["maker"].ID, w.Register["maker"].Version, in)
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.RetireRegisterEntry(ctx, p, w.Register["maker"].ID, w.Register["maker"].Version, "no")
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.UnbindOrg(ctx, p, w.Register["maker"].ID, "no")
			wantCode(t, err, ucx.EFORBIDDEN)
			_, err = db.BindOrg(ctx, p, w.Register["maker"].ID, w.Maker.ID)
			wantCode(t, err, ucx.EFORBIDDEN)
		}
		for _, tt := range []struct {
			field string
			in    ucx.RegisterEntryInput
		}{
			{"name", ucx.RegisterEntryInput{Name: " ", Role: ucx.RegisterVehicleManufacturer, Source: "s", Batch: "b"}},
			{"role", ucx.RegisterEntryInput{Name: "n", Role: "dealer", Source: "s", Batch: "b"}},
			{"source", ucx.RegisterEntryInput{Name: "n", Role: ucx.RegisterVehicleManufacturer, Batch: "b"}},
			{"batch", ucx.RegisterEntryInput{Name: "n", Role: ucx.RegisterVehicleManufacturer, Source: "s"}},
		} {
			_, err := db.AddRegisterEntry(ctx, op, &tt.in)
			wantField(t, err, tt.field)
		}
		_, err = db.AddRegisterEntry(ctx, op, registerInput(w.Maker.Name, ucx.RegisterVehicleManufacturer))
		wantCode(t, err, ucx.ECONFLICT)
		if n := count(t, db, "manufacturer_register"); n != before {
			t.Fatalf("refused acts wrote %d entries", n-before)
		}

		e, err := db.AddRegisterEntry(ctx, op, in)
		if err != nil || e.Version != 1 || e.Name != in.Name || e.Batch != "第386批" || e.OrgID != 0 {
			t.Fatalf("add: %+v %v", e, err)
		}
		fix := *in
		fix.Batch, fix.Note = "第387批", "batch misread"
		if _, err := db.UpdateRegisterEntry(ctx, op, e.ID, e.Version+1, &fix); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("stale correction: %v, want conflict", err)
		}
		e2, err := db.UpdateRegisterEntry(ctx, op, e.ID, e.Version, &fix)
		if err != nil || e2.Batch != "第387批" || e2.Version != 2 {
			t.Fatalf("correct: %+v %v", e2, err)
		}
		if _, err := db.RetireRegisterEntry(ctx, op, e.ID, e2.Version, " "); ucx.ErrorField(err) != "note" {
			t.Fatalf("retire without a note: %v", err)
		}
		e3, err := db.RetireRegisterEntry(ctx, op, e.ID, e2.Version, "struck from the announcement")
		if err != nil || e3.RetiredAt == nil {
			t.Fatalf("retire: %+v %v", e3, err)
		}
		if _, err := db.UpdateRegisterEntry(ctx, op, e.ID, e3.Version, &fix); ucx.ErrorCode(err) != ucx.ERULE {
			t.Fatalf("correcting a retired entry: %v, want rule_violation", err)
		}
		if es, _, _ := db.FindRegisterEntries(ctx, op, ucx.RegisterFilter{}); len(es) != 2 {
			t.Fatalf("live entries after the retirement: %d, want 2", len(es))
		}
		if es, _, _ := db.FindRegisterEntries(ctx, op, ucx.RegisterFilter{Retired: true}); len(es) != 3 {
			t.Fatalf("all entries: %d, want 3", len(es))
		}
		// The name is free again once retired.
		if _, err := db.AddRegisterEntry(ctx, op, in); err != nil {
			t.Fatalf("re-adding a retired name: %v", err)
		}

		evs := orgTrail(t, db, op, w.Operator.ID)
		for _, a := range []string{"register.add", "register.update", "register.retire"} {
			if !hasEvent(evs, a, "register_entry", e.ID) {
				t.Errorf("no %s event of entry %d in the operator's trail", a, e.ID)
			}
		}
		if !hasEvent(orgTrail(t, db, w.Users["maker.admin"], w.Maker.ID), "register.bind", "org", w.Maker.ID) {
			t.Error("the binding is not in the manufacturer's trail")
		}
	})
}

// TestRegister_BindingNeedsTheExactName (R2: the letter is void under any
// other name): binding refuses a name that differs in anything, an
// organisation that is not a manufacturer, a retired entry and a second
// binding; a bound entry's name cannot be corrected away from its
// organisation's; retiring a bound entry unbinds it, in the trail.
func TestRegister_BindingNeedsTheExactName(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		op := w.OperatorAdmin
		mine := w.Register["maker"]

		near, err := db.AddRegisterEntry(ctx, op, registerInput("测试汽车有限公司", ucx.RegisterVehicleManufacturer))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UnbindOrg(ctx, op, mine.ID, " "); ucx.ErrorField(err) != "note" {
			t.Fatalf("unbinding without a note: %v", err)
		}
		if _, err := db.UnbindOrg(ctx, op, mine.ID, "to rebind"); err != nil {
			t.Fatal(err)
		}
		_, err = db.BindOrg(ctx, op, near.ID, w.Maker.ID)
		wantCode(t, err, ucx.ERULE)
		if msg := ucx.ErrorMessage(err); !strings.Contains(msg, w.Maker.Name) || !strings.Contains(msg, "R2") {
			t.Fatalf("mismatch message %q does not name both and R2", msg)
		}
		_, err = db.BindOrg(ctx, op, near.ID, w.Exporter.ID)
		wantCode(t, err, ucx.ERULE)
		_, err = db.BindOrg(ctx, op, near.ID, 424242)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.BindOrg(ctx, op, 424242, w.Maker.ID)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.UnbindOrg(ctx, op, near.ID, "nothing")
		wantCode(t, err, ucx.ERULE)

		e, err := db.BindOrg(ctx, op, mine.ID, w.Maker.ID)
		if err != nil || e.OrgID != w.Maker.ID {
			t.Fatalf("rebinding: %+v %v", e, err)
		}
		_, err = db.BindOrg(ctx, op, mine.ID, w.Maker.ID)
		wantCode(t, err, ucx.ECONFLICT)
		// An entry with the very name cannot exist twice, so a second entry
		// for the same organisation is refused at its creation.
		_, err = db.AddRegisterEntry(ctx, op, registerInput(w.Maker.Name, ucx.RegisterSalesSubsidiary))
		wantCode(t, err, ucx.ECONFLICT)

		wrong := registerInput("测试汽车股份公司", ucx.RegisterVehicleManufacturer)
		_, err = db.UpdateRegisterEntry(ctx, op, e.ID, e.Version, wrong)
		wantCode(t, err, ucx.ERULE)
		same := registerInput(w.Maker.Name, ucx.RegisterVehicleManufacturer)
		if e, err = db.UpdateRegisterEntry(ctx, op, e.ID, e.Version, same); err != nil || e.OrgID != w.Maker.ID {
			t.Fatalf("correcting the source of a bound entry: %+v %v", e, err)
		}

		e, err = db.RetireRegisterEntry(ctx, op, e.ID, e.Version, "superseded by batch 386")
		if err != nil || e.OrgID != 0 {
			t.Fatalf("retiring a bound entry: %+v %v; want unbound", e, err)
		}
		_, err = db.BindOrg(ctx, op, e.ID, w.Maker.ID)
		wantCode(t, err, ucx.ERULE)
		if o, _ := db.FindOrgByID(ctx, op, w.Maker.ID); o.RegisterEntryID != 0 {
			t.Fatalf("maker still bound to %d after the retirement", o.RegisterEntryID)
		}
		evs := orgTrail(t, db, w.Users["maker.admin"], w.Maker.ID)
		n := 0
		for _, ev := range evs {
			if ev.Action == "register.unbind" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d unbind events in maker's trail, want 2 (by hand, by retirement)", n)
		}
	})
}

// TestRegister_UnboundManufacturerCannotConfirm (R2): a manufacturer the
// operator has not bound to its register entry is refused every approval
// (single request, letter, document to seal) with
// unregistered_manufacturer telling it to ask the operator, and nothing
// changes; it may still refuse. Bound again, it approves.
func TestRegister_UnboundManufacturerCannotConfirm(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		_, r := w.Awaiting(t)
		s, _, err := db.CreateShipment(ctx, w.ExpMember, submitted(shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI)), ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l := s.Letters[0]
		if _, err := db.UnbindOrg(ctx, w.OperatorAdmin, w.Register["maker"].ID, "checking the name against batch 386"); err != nil {
			t.Fatal(err)
		}

		_, err = db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU})
		wantCode(t, err, ucx.EUNREGISTERED)
		if msg := ucx.ErrorMessage(err); !strings.Contains(msg, "operator") || !strings.Contains(msg, "R2") || !strings.Contains(msg, "bind") {
			t.Fatalf("message %q does not say to ask the operator to bind it (R2)", msg)
		}
		_, err = db.ConfirmationToSeal(ctx, w.MakerMember, r.ID, []int64{w.MakerRU})
		wantCode(t, err, ucx.EUNREGISTERED)
		answers := []ucx.LetterAnswer{{RequestID: l.Requests[0].ID, Approve: true, OutletIDs: []int64{w.MakerRU}}}
		_, err = db.AnswerLetter(ctx, w.MakerMember, l.ID, l.Version, answers)
		wantCode(t, err, ucx.EUNREGISTERED)
		_, err = db.LetterToSeal(ctx, w.MakerMember, l.ID, answers)
		wantCode(t, err, ucx.EUNREGISTERED)
		if got, _ := db.FindRequestByID(ctx, w.MakerMember, r.ID); got.State != ucx.ConfirmationPending {
			t.Fatalf("request %s after the refused approval", got.State)
		}
		// Refusing is still the manufacturer's to do.
		if _, err := db.AnswerLetter(ctx, w.MakerMember, l.ID, l.Version, []ucx.LetterAnswer{{RequestID: l.Requests[1].ID, RefusalCode: "not_our_vehicle"}}); err != nil {
			t.Fatalf("an unbound manufacturer refusing: %v", err)
		}

		if _, err := db.BindOrg(ctx, w.OperatorAdmin, w.Register["maker"].ID, w.Maker.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil || got.State != ucx.ConfirmationApproved {
			t.Fatalf("a bound manufacturer approving: %+v %v", got, err)
		}
		l, _ = db.FindLetterByID(ctx, w.MakerMember, l.ID)
		if _, err := db.AnswerLetter(ctx, w.MakerMember, l.ID, l.Version, answers); err != nil {
			t.Fatalf("a bound manufacturer answering its letter: %v", err)
		}
	})
}

// TestRegister_ExcludedPartiesCannotConfirm (R2 sharpened): an
// organisation the register records as a sales subsidiary (or another of
// the Guidelines' exclusions) is refused every approval, bound or not,
// with the exclusion named.
func TestRegister_ExcludedPartiesCannotConfirm(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		sub := &ucx.Org{Kind: ucx.KindManufacturer, Name: "测试汽车销售有限公司", WMIs: []string{"LM5"},
			Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Testa Sales Rus", Address: "Moscow"}}}
		u := &ucx.User{Username: "sales.member", Role: ucx.RoleMember}
		if err := db.Bootstrap(ctx, sub, u, sqlstoretest.Password); err != nil {
			t.Fatal(err)
		}
		p := &ucx.Principal{UserID: u.ID, OrgID: sub.ID, OrgKind: ucx.KindManufacturer, Role: ucx.RoleMember}
		e, err := db.AddRegisterEntry(ctx, w.OperatorAdmin, registerInput(sub.Name, ucx.RegisterSalesSubsidiary))
		if err != nil {
			t.Fatal(err)
		}
		if e, err = db.BindOrg(ctx, w.OperatorAdmin, e.ID, sub.ID); err != nil {
			t.Fatalf("binding a sales subsidiary (recorded, to be refused): %v", err)
		}
		in := w.Input("LM5", recentReg)
		in.Submit = true
		a := w.Create(t, w.ExpMember, in)
		rs, _, err := db.FindRequests(ctx, p, ucx.RequestFilter{})
		if err != nil || len(rs) != 1 || rs[0].ApplicationID != a.ID {
			t.Fatalf("the subsidiary's requests: %+v %v", rs, err)
		}
		_, err = db.ApproveRequest(ctx, p, rs[0].ID, rs[0].Version, []int64{sub.Outlets[0].ID})
		wantCode(t, err, ucx.ERULE)
		if msg := ucx.ErrorMessage(err); !strings.Contains(msg, "sales subsidiary") || !strings.Contains(msg, "Guidelines") {
			t.Fatalf("message %q does not name the Guidelines' exclusion", msg)
		}
		for _, role := range ucx.RegisterRoles[1:] {
			if e, err = db.UpdateRegisterEntry(ctx, w.OperatorAdmin, e.ID, e.Version, registerInput(sub.Name, role)); err != nil {
				t.Fatal(err)
			}
			_, err = db.ApproveRequest(ctx, p, rs[0].ID, rs[0].Version, []int64{sub.Outlets[0].ID})
			wantCode(t, err, ucx.ERULE)
			ex := role.Exclusion()
			term := ex[strings.Index(ex, "(") : strings.Index(ex, ")")+1] // 销售子公司 …
			if msg := ucx.ErrorMessage(err); !strings.Contains(msg, "Guidelines") || !strings.Contains(msg, term) {
				t.Fatalf("%s: %q", role, ucx.ErrorMessage(err))
			}
		}
		// Corrected to what it is not (a vehicle manufacturer), it could.
		if _, err = db.UpdateRegisterEntry(ctx, w.OperatorAdmin, e.ID, e.Version, registerInput(sub.Name, ucx.RegisterVehicleManufacturer)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveRequest(ctx, p, rs[0].ID, rs[0].Version, []int64{sub.Outlets[0].ID}); err != nil {
			t.Fatalf("after the correction: %v", err)
		}
	})
}

func submitted(in *ucx.ShipmentInput) *ucx.ShipmentInput {
	in.Submit = true
	return in
}
