package http_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestRegister_OverTheAPI (R2): the operator's admin keeps the
// manufacturer register through the API and its Go client; anyone else is
// 403 forbidden; a manufacturer it unbinds is 403
// unregistered_manufacturer when it approves, with what to do, and
// approves again once bound.
func TestRegister_OverTheAPI(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	ctx := context.Background()
	op := w.C("operator.admin")

	in := &ucx.RegisterEntryInput{Name: "长城汽车股份有限公司", Role: ucx.RegisterVehicleManufacturer, Source: "工业和信息化部公告", Batch: "第359批"}
	for _, user := range []string{"operator.member", "maker.admin", "exporter.member"} {
		_, err := w.C(user).AddRegisterEntry(ctx, nil, in)
		if ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Fatalf("%s adding an entry: %v, want forbidden", user, err)
		}
	}
	e, err := op.AddRegisterEntry(ctx, nil, in)
	if err != nil || e.ID == 0 || e.Batch != "第359批" {
		t.Fatalf("add: %+v %v", e, err)
	}
	es, total, err := w.C("exporter.viewer").FindRegisterEntries(ctx, nil, ucx.RegisterFilter{})
	if err != nil || total != 3 || len(es) != 3 {
		t.Fatalf("list: %d of %d, %v; want 3", len(es), total, err)
	}
	in.Batch = "第360批"
	if e, err = op.UpdateRegisterEntry(ctx, nil, e.ID, e.Version, in); err != nil || e.Batch != "第360批" {
		t.Fatalf("correct: %+v %v", e, err)
	}
	if _, err = op.BindOrg(ctx, nil, e.ID, w.Orgs["maker2"].ID); ucx.ErrorCode(err) != ucx.ERULE {
		t.Fatalf("binding under another name: %v, want rule_violation", err)
	}
	if e, err = op.RetireRegisterEntry(ctx, nil, e.ID, e.Version, "test"); err != nil || e.RetiredAt == nil {
		t.Fatalf("retire: %+v %v", e, err)
	}

	_, r := w.Awaiting()
	mine := w.Register["maker"]
	if _, err := op.UnbindOrg(ctx, nil, mine.ID, "checking batch 386"); err != nil {
		t.Fatal(err)
	}
	resp := w.Raw("maker.member", "POST", fmt.Sprintf("/api/v1/requests/%d/approve", r.ID), fmt.Sprintf(`{"version":%d,"outlet_ids":[%d]}`, r.Version, w.MakerRU))
	if resp.Status != 403 {
		t.Fatalf("unbound approval: %d %s, want 403", resp.Status, resp.Body)
	}
	if b := resp.ErrorBody(t); b.Code != ucx.EUNREGISTERED {
		t.Fatalf("unbound approval: code %q (%s), want unregistered_manufacturer", b.Code, b.Message)
	}
	_, err = w.C("maker.member").ApproveRequest(ctx, nil, r.ID, r.Version, []int64{w.MakerRU})
	if ucx.ErrorCode(err) != ucx.EUNREGISTERED {
		t.Fatalf("the client reads %v, want unregistered_manufacturer", err)
	}
	if _, err := op.BindOrg(ctx, nil, mine.ID, w.Orgs["maker"].ID); err != nil {
		t.Fatal(err)
	}
	if got, err := w.C("maker.member").ApproveRequest(ctx, nil, r.ID, r.Version, []int64{w.MakerRU}); err != nil || got.State != ucx.ConfirmationApproved {
		t.Fatalf("bound again: %+v %v", got, err)
	}
	if o, err := w.C("exporter.member").FindOrgByID(ctx, nil, w.Orgs["maker"].ID); err != nil || o.RegisterEntryID != mine.ID {
		t.Fatalf("maker's profile: %+v %v; want its register entry", o, err)
	}
}
