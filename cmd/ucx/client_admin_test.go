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
