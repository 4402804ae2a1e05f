package main

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// TestUserCreateCmd_PrintsTheInvitationLink: `ucx user create` as the
// operator's admin adds a user without a password and prints the one-time
// link; the link's token sets the password; a member may not invite.
func TestUserCreateCmd_PrintsTheInvitationLink(t *testing.T) {
	w := newClientWorld(t)
	ctx := context.Background()
	p := w.operator(t)
	orgs, _, err := w.db.FindOrgs(ctx, p, ucx.OrgFilter{Kind: ucx.KindExporter})
	if err != nil || len(orgs) != 1 {
		t.Fatalf("exporter: %v %v", orgs, err)
	}

	code, out, errOut := w.ucx(t, "operator.admin", "", "user", "create", "--org", strconv.FormatInt(orgs[0].ID, 10), "--username", "li.wei", "--role", "admin")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	m := regexp.MustCompile(`https?://\S+/invite\?token=\S+`).FindString(out)
	if m == "" || !strings.Contains(out, "works once") {
		t.Fatalf("no invitation link in:\n%s", out)
	}
	u, err := url.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AcceptInvitation(ctx, u.Query().Get("token"), "li wei's own password"); err != nil {
		t.Fatalf("the printed link's token: %v", err)
	}

	if code, _, errOut := w.ucx(t, "exporter", "", "user", "create", "--username", "x.y", "--role", "viewer"); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a member inviting: exit %d %s, want 1 forbidden", code, errOut)
	}
}

// operator adds the platform operator with an admin whose token is
// w.tokens["operator.admin"], and returns the admin.
func (w *clientWorld) operator(t *testing.T) *ucx.Principal {
	t.Helper()
	ctx := context.Background()
	op := &ucx.Org{Kind: ucx.KindOperator, Name: "ucx 平台运营中心"}
	admin := &ucx.User{Username: "operator.admin", Role: ucx.RoleAdmin}
	if err := w.db.Bootstrap(ctx, op, admin, clientTestPassword); err != nil {
		t.Fatal(err)
	}
	p, err := w.db.Authenticate(ctx, "operator.admin", clientTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := w.db.CreateToken(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	w.tokens["operator.admin"] = secret
	return p
}

// TestWMICmd_TheOperatorListsAndDecidesClaims: a manufacturer's claim to
// the table's Tesla WMI is listed by `ucx wmi claims`; refusing without a
// note is refused by the server (exit 1); `ucx wmi confirm` confirms it.
func TestWMICmd_TheOperatorListsAndDecidesClaims(t *testing.T) {
	w := newClientWorld(t)
	ctx := context.Background()
	op := w.operator(t)
	makers, _, err := w.db.FindOrgs(ctx, op, ucx.OrgFilter{Kind: ucx.KindManufacturer})
	if err != nil || len(makers) != 1 {
		t.Fatalf("maker: %v %v", makers, err)
	}
	admin := &ucx.User{OrgID: makers[0].ID, Username: "maker.admin", Role: ucx.RoleAdmin}
	if err := w.db.Bootstrap(ctx, nil, admin, clientTestPassword); err != nil {
		t.Fatal(err)
	}
	ma, err := w.db.Authenticate(ctx, "maker.admin", clientTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := w.db.SetWMIs(ctx, ma, makers[0].ID, []string{"LM1", "LRW"}); err != nil || len(o.PendingWMIs) != 1 {
		t.Fatalf("claim: %+v %v", o, err)
	}
	code, out, errOut := w.ucx(t, "operator.admin", "", "wmi", "claims")
	if code != 0 || !strings.Contains(out, "LRW") || !strings.Contains(out, "Tesla") {
		t.Fatalf("wmi claims: exit %d\n%s%s", code, out, errOut)
	}
	cs, err := w.db.WMIClaims(ctx, op)
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	id := strconv.FormatInt(cs[0].ID, 10)
	if code, _, errOut := w.ucx(t, "operator.admin", "", "wmi", "refuse", id); code != 1 || !strings.Contains(errOut, "note") {
		t.Fatalf("refuse without a note: exit %d %s, want 1 naming note", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "maker", "", "wmi", "confirm", id); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a manufacturer confirming: exit %d %s, want 1 forbidden", code, errOut)
	}
	code, out, errOut = w.ucx(t, "operator.admin", "", "wmi", "confirm", id, "--note", "agreement seen")
	if code != 0 || !strings.Contains(out, "confirmed") {
		t.Fatalf("confirm: exit %d %s %s", code, out, errOut)
	}
	if o, _ := w.db.FindOrgByID(ctx, op, makers[0].ID); strings.Join(o.WMIs, ",") != "LM1,LRW" {
		t.Errorf("WMIs after the confirmation: %v", o.WMIs)
	}
}

// TestRegisterCmd_TheOperatorKeepsTheRegister (R2): `ucx register add
// --bind` enters an entry and binds a manufacturer of that exact name;
// list shows it; a manufacturer adding is refused (exit 1, forbidden);
// binding under another name is refused; correct, unbind and retire work.
func TestRegisterCmd_TheOperatorKeepsTheRegister(t *testing.T) {
	w := newClientWorld(t)
	ctx := context.Background()
	op := w.operator(t)
	other := &ucx.Org{Kind: ucx.KindManufacturer, Name: "长城汽车股份有限公司"}
	if err := w.db.Bootstrap(ctx, other, nil, ""); err != nil {
		t.Fatal(err)
	}
	org := strconv.FormatInt(other.ID, 10)
	add := []string{"register", "add", "--name", other.Name, "--role", "vehicle_manufacturer", "--source", "工业和信息化部公告", "--batch", "第359批"}
	if code, _, errOut := w.ucx(t, "maker", "", add...); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a manufacturer adding: exit %d %s, want 1 forbidden", code, errOut)
	}
	code, out, errOut := w.ucx(t, "operator.admin", "", append(add, "--bind", org)...)
	if code != 0 || !strings.Contains(out, "bound to "+other.Name) {
		t.Fatalf("add --bind: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut = w.ucx(t, "exporter", "", "register", "list")
	if code != 0 || !strings.Contains(out, other.Name) || !strings.Contains(out, "第359批") {
		t.Fatalf("list: exit %d %s %s", code, out, errOut)
	}
	es, _, err := w.db.FindRegisterEntries(ctx, op, ucx.RegisterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, e := range es {
		if e.Name == other.Name {
			id = strconv.FormatInt(e.ID, 10)
		}
	}
	if code, _, errOut := w.ucx(t, "operator.admin", "", "register", "unbind", id, "--note", "recheck"); code != 0 {
		t.Fatalf("unbind: exit %d %s", code, errOut)
	}
	if code, out, errOut := w.ucx(t, "operator.admin", "", "register", "correct", id, "--batch", "第360批"); code != 0 || !strings.Contains(out, "第360批") {
		t.Fatalf("correct: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := w.ucx(t, "operator.admin", "", "register", "correct", id, "--name", "长城汽车有限公司"); code != 0 {
		t.Fatalf("correct the name of an unbound entry: exit %d %s", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "operator.admin", "", "register", "bind", id, "--org", org); code != 1 || !strings.Contains(errOut, "rule_violation") {
		t.Fatalf("bind under another name: exit %d %s, want 1 rule_violation", code, errOut)
	}
	if code, out, errOut := w.ucx(t, "operator.admin", "", "register", "retire", id, "--note", "misread"); code != 0 || !strings.Contains(out, "retired") {
		t.Fatalf("retire: exit %d %s %s", code, out, errOut)
	}
}
