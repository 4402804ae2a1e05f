package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// wantRule fails the test unless err is ERULE and its message names rule.
func wantRule(t testing.TB, err error, rule string) {
	t.Helper()
	wantCode(t, err, ucx.ERULE)
	if !strings.Contains(ucx.ErrorMessage(err), rule) {
		t.Fatalf("refusal %q does not name %s", ucx.ErrorMessage(err), rule)
	}
}

// revoke revokes the sealed document of entity id as p.
func revoke(t testing.TB, db *sqlstore.DB, p *ucx.Principal, kind string, id int64) {
	t.Helper()
	ctx := context.Background()
	d, err := db.DocumentFor(ctx, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeDocument(ctx, p, d.Digest, "issued in error", nil); err != nil {
		t.Fatal(err)
	}
}

func TestRevocation_ARevokedLetterCannotBeIssuedOn(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		a, r := w.Awaiting(t)
		if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
			t.Fatal(err)
		}
		revoke(t, db, w.MakerMember, ucx.DocConfirmation, r.ID)
		a, err := db.FindApplicationByID(ctx, w.AuthMember, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		licences := count(t, db, "licences")
		_, err = db.IssueLicence(ctx, w.AuthMember, a.ID, a.Version)
		wantRule(t, err, "R4")
		if !strings.Contains(ucx.ErrorMessage(err), "revoked") {
			t.Errorf("refusal %q does not say the letter was revoked", ucx.ErrorMessage(err))
		}
		_, err = db.LicenceToSeal(ctx, w.AuthMember, a.ID)
		wantRule(t, err, "R4")
		if n := count(t, db, "licences"); n != licences {
			t.Errorf("the refused issue wrote a licence")
		}
	})
}

func TestRevocation_ARevokedLicenceCannotBeCleared(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		l := w.Licensed(t)
		if l.State != ucx.LicenceValid {
			t.Fatalf("a fresh licence is %q, want valid", l.State)
		}
		revoke(t, db, w.AuthMember, ucx.DocLicence, l.ID)
		for _, p := range []*ucx.Principal{w.CustomsMember, w.ExpMember, w.AuthViewer} {
			got, err := db.FindLicenceByID(ctx, p, l.ID)
			if err != nil || got.State != ucx.LicenceRevoked || got.RevokedAt == nil {
				t.Fatalf("licence read by %s after revocation = %+v, %v; want state revoked", p.Username, got, err)
			}
		}
		ls, _, err := db.FindLicences(ctx, w.CustomsMember, ucx.LicenceFilter{Number: l.Number})
		if err != nil || len(ls) != 1 || ls[0].State != ucx.LicenceRevoked {
			t.Fatalf("FindLicences = %+v, %v; want the licence revoked", ls, err)
		}
		_, err = db.RecordClearance(ctx, w.CustomsMember, l.ID, "黄埔新港", "520120260000001")
		wantRule(t, err, "R15")
		if got, _ := db.FindLicenceByID(ctx, w.CustomsMember, l.ID); got.ClearedAt != nil {
			t.Errorf("the refused clearance was recorded")
		}
	})
}

func TestRevocation_ALicenceRelyingOnARevokedLetterCannotBeCleared(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		l := w.Licensed(t)
		if len(l.ConfirmationIDs) != 1 {
			t.Fatalf("licence cites %v, want one confirmation", l.ConfirmationIDs)
		}
		revoke(t, db, w.MakerMember, ucx.DocConfirmation, l.ConfirmationIDs[0])
		got, err := db.FindLicenceByID(ctx, w.CustomsMember, l.ID)
		if err != nil || got.State != ucx.LicenceLetterRevoked || got.LetterRevokedAt == nil {
			t.Fatalf("licence = %+v, %v; want state letter_revoked", got, err)
		}
		_, err = db.RecordClearance(ctx, w.CustomsMember, l.ID, "黄埔新港", "520120260000001")
		wantRule(t, err, "R4")
	})
}

func TestRevocation_AnExpiredLicenceShowsExpiredAndCannotBeCleared(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		l := w.Licensed(t)
		db.Now = func() time.Time { return testNow.AddDate(1, 0, 0) }
		got, err := db.FindLicenceByID(ctx, w.CustomsMember, l.ID)
		if err != nil || got.State != ucx.LicenceExpired {
			t.Fatalf("licence a year on = %+v, %v; want expired", got, err)
		}
		_, err = db.RecordClearance(ctx, w.CustomsMember, l.ID, "黄埔新港", "520120260000001")
		wantCode(t, err, ucx.ERULE)
	})
}
