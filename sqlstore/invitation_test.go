package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestInviteUser_TheOperatorNeverChoosesAPassword: the operator cannot
// create a user of another organisation with a password of its choosing
// (403 naming the rule); it invites, and the invited user sets the
// password with a one-time token, stored hashed, that expires; the act is
// in the organisation's audit trail for its admins.
func TestInviteUser_TheOperatorNeverChoosesAPassword(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		now := testNow
		db.Now = func() time.Time { return now }

		err := db.CreateUser(ctx, w.OperatorAdmin, &ucx.User{OrgID: w.Exporter.ID, Username: "op.chosen", Role: ucx.RoleAdmin}, testPassword)
		wantCode(t, err, ucx.EFORBIDDEN)
		if !strings.Contains(ucx.ErrorMessage(err), "never sets another organisation's passwords") {
			t.Errorf("refusal does not name the rule: %q", ucx.ErrorMessage(err))
		}
		if _, err := db.Authenticate(ctx, "op.chosen", testPassword); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Fatalf("the refused user exists: %v", err)
		}

		u := &ucx.User{OrgID: w.Exporter.ID, Username: "Li.Wei", DisplayName: "李伟", Role: ucx.RoleAdmin}
		inv, err := db.InviteUser(ctx, w.OperatorAdmin, u)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || inv.UserID != u.ID || !strings.HasPrefix(inv.Token, "ucxi_") || !inv.ExpiresAt.Equal(testNow.Add(sqlstore.InvitationTTL)) {
			t.Fatalf("invitation %+v for user %+v", inv, u)
		}
		if n, err := sqlstore.CountRows(ctx, db, "invitations WHERE hash = '"+inv.Token+"'"); err != nil || n != 0 {
			t.Fatalf("the token is stored as it is (%d, %v); only its hash may be", n, err)
		}
		// No password yet: nothing signs in.
		for _, pw := range []string{"", testPassword} {
			if _, err := db.Authenticate(ctx, "li.wei", pw); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
				t.Fatalf("invited user signs in with %q before accepting: %v", pw, err)
			}
		}

		_, err = db.AcceptInvitation(ctx, inv.Token, "short")
		wantField(t, err, "password")
		_, err = db.AcceptInvitation(ctx, inv.Token+"x", testPassword)
		wantField(t, err, "token")
		p, err := db.AcceptInvitation(ctx, inv.Token, "a password of hers")
		if err != nil || p.UserID != u.ID || p.OrgID != w.Exporter.ID || p.Role != ucx.RoleAdmin {
			t.Fatalf("AcceptInvitation = %+v, %v", p, err)
		}
		if _, err := db.Authenticate(ctx, "li.wei", "a password of hers"); err != nil {
			t.Fatalf("sign-in with the chosen password: %v", err)
		}
		_, err = db.AcceptInvitation(ctx, inv.Token, "another password")
		wantField(t, err, "token")
		if !strings.Contains(ucx.ErrorMessage(err), "used already") {
			t.Errorf("second use: %q, want it to say the invitation was used", ucx.ErrorMessage(err))
		}

		late, err := db.InviteUser(ctx, w.ExpAdmin, &ucx.User{Username: "late.user", Role: ucx.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(sqlstore.InvitationTTL + time.Second)
		_, err = db.AcceptInvitation(ctx, late.Token, testPassword)
		wantField(t, err, "token")
		if !strings.Contains(ucx.ErrorMessage(err), "expired") {
			t.Errorf("expired invitation: %q", ucx.ErrorMessage(err))
		}

		// Who may invite whom.
		for _, tt := range []struct {
			p    *ucx.Principal
			org  int64
			code string
		}{
			{w.Users["exporter2.admin"], w.Exporter.ID, ucx.EFORBIDDEN},
			{w.ExpMember, w.Exporter.ID, ucx.EFORBIDDEN},
			{w.Users["operator.member"], w.Exporter.ID, ucx.EFORBIDDEN},
			{w.OperatorAdmin, 9999, ucx.ENOTFOUND},
		} {
			_, err := db.InviteUser(ctx, tt.p, &ucx.User{OrgID: tt.org, Username: "x.y", Role: ucx.RoleViewer})
			wantCode(t, err, tt.code)
		}

		// The exporter's admins see what the operator did.
		events, _, err := db.OrgEvents(ctx, w.ExpAdmin, w.Exporter.ID, ucx.EventFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range events {
			if e.EntityID == u.ID && e.Entity == "user" {
				seen[e.Action] = true
				if (e.Action == "user.create" || e.Action == "user.invite") && e.ActorOrgID != w.Operator.ID {
					t.Errorf("%s by org %d, want the operator %d", e.Action, e.ActorOrgID, w.Operator.ID)
				}
			}
		}
		for _, a := range []string{"user.create", "user.invite", "user.set_password"} {
			if !seen[a] {
				t.Errorf("the exporter's audit trail lacks %s of the invited user: %v", a, seen)
			}
		}
	})
}
