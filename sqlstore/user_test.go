package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestCreateUser_WhoMayAddWhom(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		tests := []struct {
			name string
			p    *ucx.Principal
			org  int64
			code string
		}{
			{"operator admin into another org: only by invitation", w.OperatorAdmin, w.Maker.ID, ucx.EFORBIDDEN},
			{"operator admin into its own org", w.OperatorAdmin, 0, ""},
			{"org admin into its own org", w.ExpAdmin, 0, ""},
			{"org admin into another org", w.ExpAdmin, w.Exporter2.ID, ucx.EFORBIDDEN},
			{"member into its own org", w.ExpMember, w.Exporter.ID, ucx.EFORBIDDEN},
			{"viewer", w.MakerViewer, w.Maker.ID, ucx.EFORBIDDEN},
			{"operator member", w.Users["operator.member"], w.Maker.ID, ucx.EFORBIDDEN},
			{"org admin into no org", w.ExpAdmin, 9999, ucx.EFORBIDDEN},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := &ucx.User{OrgID: tt.org, Username: "new.user-" + string(rune('a'+i)), Role: ucx.RoleMember}
				err := db.CreateUser(ctx, tt.p, u, testPassword)
				wantCode(t, err, tt.code)
				if tt.code == "" {
					want := tt.org
					if want == 0 {
						want = tt.p.OrgID
					}
					p, err := db.Authenticate(ctx, u.Username, testPassword)
					if err != nil || p.OrgID != want || p.Role != ucx.RoleMember {
						t.Fatalf("new user signs in as %+v, %v; want a member of org %d", p, err, want)
					}
				}
			})
		}
	})
}

func TestCreateUser_RefusesBadInputAndTakenNames(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		tests := []struct {
			name, username, password string
			role                     ucx.Role
			code, field              string
		}{
			{"short username", "ab", testPassword, ucx.RoleMember, ucx.EINVALID, "username"},
			{"space in username", "a b c", testPassword, ucx.RoleMember, ucx.EINVALID, "username"},
			{"non-ASCII username", "张伟伟", testPassword, ucx.RoleMember, ucx.EINVALID, "username"},
			{"short password", "valid.name", "123456789", ucx.RoleMember, ucx.EINVALID, "password"},
			{"password over 72 bytes", "valid.name", strings.Repeat("密", 25), ucx.RoleMember, ucx.EINVALID, "password"},
			{"bad role", "valid.name", testPassword, "owner", ucx.EINVALID, "role"},
			{"taken, in another case", "EXPORTER.member", testPassword, ucx.RoleMember, ucx.ECONFLICT, "username"},
		}
		users := count(t, db, "users")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.CreateUser(ctx, w.ExpAdmin, &ucx.User{Username: tt.username, Role: tt.role}, tt.password)
				wantCode(t, err, tt.code)
				if ucx.ErrorField(err) != tt.field {
					t.Errorf("field = %q, want %q", ucx.ErrorField(err), tt.field)
				}
			})
		}
		if n := count(t, db, "users"); n != users {
			t.Errorf("%d users after refusals, want %d", n, users)
		}
	})
}

func TestAuthenticate_SameAnswerForUnknownUserAndWrongPassword(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		p, err := db.Authenticate(ctx, " Exporter.Member ", testPassword)
		if err != nil || *p != *w.ExpMember {
			t.Fatalf("Authenticate = %+v, %v; want %+v", p, err, w.ExpMember)
		}
		_, wrong := db.Authenticate(ctx, "exporter.member", testPassword+"!")
		_, unknown := db.Authenticate(ctx, "nobody.here", testPassword)
		wantCode(t, wrong, ucx.EUNAUTHORIZED)
		wantCode(t, unknown, ucx.EUNAUTHORIZED)
		if ucx.ErrorMessage(wrong) != ucx.ErrorMessage(unknown) {
			t.Errorf("messages differ: %q vs %q", ucx.ErrorMessage(wrong), ucx.ErrorMessage(unknown))
		}
	})
}

func TestTokens_CreateResolveRevoke(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		secret, tok, err := db.CreateToken(ctx, w.ExpMember, "ERP upload")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "ucx_") || len(secret) != 4+52 || tok.Prefix != secret[:8] || tok.UserID != w.ExpMember.UserID {
			t.Fatalf("secret %q, token %+v", secret, tok)
		}
		if n := count(t, db, "tokens WHERE hash = '"+secret+"'"); n != 0 {
			t.Fatal("the secret itself is stored")
		}
		p, err := db.PrincipalByToken(ctx, secret)
		if err != nil || *p != *w.ExpMember {
			t.Fatalf("PrincipalByToken = %+v, %v; want %+v", p, err, w.ExpMember)
		}
		for _, bad := range []string{"", "ucx_", secret + "x", "Bearer " + secret, strings.ToUpper(secret)} {
			if _, err := db.PrincipalByToken(ctx, bad); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
				t.Errorf("PrincipalByToken(%q): %v, want EUNAUTHORIZED", bad, err)
			}
		}
		toks, err := db.Tokens(ctx, w.ExpMember)
		if err != nil || len(toks) != 1 || toks[0].ID != tok.ID {
			t.Fatalf("Tokens = %+v, %v", toks, err)
		}

		// Another organisation cannot see it; a member of the same one
		// cannot revoke it; its admin can.
		wantCode(t, db.RevokeToken(ctx, w.Exp2Member, tok.ID), ucx.ENOTFOUND)
		wantCode(t, db.RevokeToken(ctx, w.Users["exporter2.admin"], tok.ID), ucx.ENOTFOUND)
		wantCode(t, db.RevokeToken(ctx, w.ExpViewer, tok.ID), ucx.ENOTFOUND)
		if err := db.RevokeToken(ctx, w.ExpAdmin, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PrincipalByToken(ctx, secret); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Errorf("revoked token resolves: %v", err)
		}
		if err := db.RevokeToken(ctx, w.ExpMember, tok.ID); err != nil {
			t.Errorf("revoking again: %v, want nil", err)
		}
		if toks, _ := db.Tokens(ctx, w.ExpMember); toks[0].RevokedAt == nil {
			t.Error("the list does not show the revocation")
		}
	})
}

func TestSessions_ExpireAndEnd(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		secret, err := db.CreateSession(ctx, w.MakerMember.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := db.PrincipalBySession(ctx, secret); err != nil || *p != *w.MakerMember {
			t.Fatalf("PrincipalBySession = %+v, %v", p, err)
		}
		if _, err := db.PrincipalByToken(ctx, secret); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Errorf("a session secret works as a token: %v", err)
		}
		db.Now = func() time.Time { return testNow.Add(sqlstore.SessionTTL) }
		if _, err := db.PrincipalBySession(ctx, secret); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Errorf("expired session: %v, want EUNAUTHORIZED", err)
		}
		db.Now = func() time.Time { return testNow }
		if err := db.DeleteSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PrincipalBySession(ctx, secret); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Errorf("deleted session: %v, want EUNAUTHORIZED", err)
		}
		if _, err := db.CreateSession(ctx, 9999); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("session for no user: %v, want ENOTFOUND", err)
		}
	})
}

// BenchmarkPrincipalByToken is the cost every API request pays to resolve
// its bearer token: one indexed query, no cache.
func BenchmarkPrincipalByToken(b *testing.B) {
	db := MustOpenDB(b, sqlstore.SQLite)
	w := newWorld(b, db)
	secret, _, err := db.CreateToken(context.Background(), w.ExpMember, "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.PrincipalByToken(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}
