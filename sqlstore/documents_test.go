package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// sealing turns sealing on in w's store and gives maker and the authority
// custodial keys.
func sealing(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	if err := w.DB.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"maker.admin", "authority.admin"} {
		if _, err := w.DB.CreateCustodialKey(ctx, w.Users[who], "", time.Time{}); err != nil {
			t.Fatalf("custodial key for %s: %v", who, err)
		}
	}
}

// verifyOffline checks env as an offline verifier would: with the
// published trust list and root key only.
func verifyOffline(t *testing.T, db *sqlstore.DB, env []byte, opts seal.Options) *seal.Report {
	t.Helper()
	ctx := context.Background()
	list, err := db.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, err := db.TrustRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := seal.ParsePublicKeyPEM(rootPEM)
	if err != nil {
		t.Fatal(err)
	}
	return seal.Verify(env, list, root, opts)
}

// orgID is o's id as seals name it.
func orgID(o *ucx.Org) string { return strconv.FormatInt(o.ID, 10) }

func TestSealedDocuments_ConfirmationAndLicenceVerifyOffline(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		l := w.Licensed(t)

		lic, err := db.DocumentFor(ctx, ucx.DocLicence, l.ID)
		if err != nil {
			t.Fatalf("the licence has no sealed document: %v", err)
		}
		r := verifyOffline(t, db, lic.Envelope, seal.Options{RequireOrgs: []string{orgID(w.Authority)}})
		if !r.OK() || !bytes.Equal(r.Document, l.Document) || lic.OrgID != w.Authority.ID {
			t.Fatalf("licence verification: %+v (org %d)", r, lic.OrgID)
		}
		conf, err := db.DocumentFor(ctx, ucx.DocConfirmation, l.ConfirmationIDs[0])
		if err != nil {
			t.Fatalf("the confirmation has no sealed document: %v", err)
		}
		r = verifyOffline(t, db, conf.Envelope, seal.Options{RequireOrgs: []string{orgID(w.Maker)}})
		if !r.OK() {
			t.Fatalf("confirmation verification: %+v", r)
		}
		// The licence cites the sealed confirmation by its digest (R4).
		var doc struct {
			Confirmations []struct{ SHA256 string } `json:"confirmations"`
			Number        string                    `json:"number"`
		}
		if err := json.Unmarshal(l.Document, &doc); err != nil || len(doc.Confirmations) != 1 ||
			"sha256:"+doc.Confirmations[0].SHA256 != conf.Digest || doc.Number != l.Number {
			t.Fatalf("licence document %s does not cite confirmation %s", l.Document, conf.Digest)
		}
		var c struct {
			Manufacturer string `json:"manufacturer"`
			Vehicles     []struct {
				VIN     string `json:"vin"`
				Outlets []struct{ Country string }
			} `json:"vehicles"`
		}
		if err := json.Unmarshal(r.Document, &c); err != nil || c.Manufacturer != w.Maker.Name || len(c.Vehicles) != 1 ||
			len(c.Vehicles[0].Outlets) != 1 || c.Vehicles[0].Outlets[0].Country != "RU" {
			t.Fatalf("confirmation document = %s", r.Document)
		}
		got, err := db.FindDocument(ctx, strings.TrimPrefix(lic.Digest, "sha256:"))
		if err != nil || got.Kind != ucx.DocLicence || !bytes.Equal(got.Envelope, lic.Envelope) {
			t.Fatalf("FindDocument by bare hex = %+v, %v", got, err)
		}
		_, err = db.FindDocument(ctx, "sha256:zz")
		wantCode(t, err, ucx.EINVALID)
	})
}

func TestSealedDocuments_ApproveWithoutAKeyIsRefusedAndWritesNothing(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		if err := db.UseKEK(context.Background(), sqlstore.NewKEK()); err != nil {
			t.Fatal(err)
		}
		_, r := w.Awaiting(t)
		_, err := db.ApproveRequest(context.Background(), w.MakerMember, r.ID, r.Version, []int64{w.MakerRU})
		wantCode(t, err, ucx.ERULE)
		if n := count(t, db, "documents"); n != 0 {
			t.Fatalf("%d documents after a refused approval", n)
		}
	})
}

func TestSealedDocuments_CustodialKeyIsEncryptedAtRest(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		kek := sqlstore.NewKEK()
		if err := db.UseKEK(ctx, kek); err != nil {
			t.Fatal(err)
		}
		k, err := db.CreateCustodialKey(ctx, w.Users["maker.admin"], string(seal.SM2), time.Time{})
		if err != nil || !k.Custodial || k.Alg != string(seal.SM2) || strings.Contains(k.PublicKeyPEM, "PRIVATE") {
			t.Fatalf("CreateCustodialKey = %+v, %v", k, err)
		}
		ct, err := sqlstore.StoredPrivateKey(ctx, db, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := sqlstore.OpenStoredKey(db, ct, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		pem, _ := priv.MarshalPEM()
		der := pemBody(t, pem)
		if bytes.Contains(ct, []byte("PRIVATE KEY")) || bytes.Contains(ct, der) || bytes.Contains(ct, der[len(der)-32:]) {
			t.Fatal("the stored private key is not encrypted")
		}
		if priv.Public().ID() != k.ID {
			t.Fatalf("the stored key is %s, not %s", priv.Public().ID(), k.ID)
		}
		// Bound to its key id: the ciphertext does not open as another key.
		if _, err := sqlstore.OpenStoredKey(db, ct, "ed25519:00000000000000000000000000000000"); err == nil {
			t.Fatal("a ciphertext opened under another key id")
		}
		// Another KEK does not open the root key: the server refuses to start.
		err = db.UseKEK(ctx, sqlstore.NewKEK())
		wantCode(t, err, ucx.EINVALID)
		if err := db.UseKEK(ctx, kek); err != nil {
			t.Fatalf("the right KEK is refused: %v", err)
		}
		// Only admins of sealing organisations manage keys.
		_, err = db.CreateCustodialKey(ctx, w.MakerMember, "", time.Time{})
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.CreateCustodialKey(ctx, w.Users["exporter.admin"], "", time.Time{})
		wantCode(t, err, ucx.EFORBIDDEN)
	})
}

func pemBody(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("not PEM")
	}
	return b.Bytes
}

// nonCustodial registers a fresh key of o's admin and returns it.
func nonCustodial(t *testing.T, w *world, admin string) *seal.PrivateKey {
	t.Helper()
	priv, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	k, err := w.DB.RegisterKey(context.Background(), w.Users[admin], string(priv.Public().MarshalPEM()), testNow.AddDate(1, 0, 0))
	if err != nil || k.Custodial || k.ID != priv.Public().ID() {
		t.Fatalf("RegisterKey = %+v, %v", k, err)
	}
	return priv
}

func sealWith(t *testing.T, key *seal.PrivateKey, org string, doc []byte, at time.Time) []byte {
	t.Helper()
	e := seal.Envelope{Document: doc}
	if err := e.Sign(key, org, at); err != nil {
		t.Fatal(err)
	}
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealedDocuments_NonCustodialRoundTripAndRefusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
			t.Fatal(err)
		}
		key := nonCustodial(t, w, "maker.admin")
		other := nonCustodial(t, w, "maker2.admin")
		_, r := w.Awaiting(t)
		tbs, err := db.ConfirmationToSeal(ctx, w.MakerMember, r.ID, []int64{w.MakerRU})
		if err != nil {
			t.Fatal(err)
		}
		if err := seal.CheckCanonical(tbs); err != nil {
			t.Fatalf("the document to seal is not canonical: %v", err)
		}
		me := orgID(w.Maker)

		refused := func(name string, env []byte, want error) {
			t.Helper()
			_, err := db.ApproveRequestSealed(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}, env)
			caused := errors.Is(err, want)
			if want == nil {
				caused = sqlstore.ErrDocumentMismatch(err)
			}
			if ucx.ErrorCode(err) != ucx.ERULE || !caused || ucx.ErrorField(err) != "envelope" {
				t.Fatalf("%s: err = %v, want ERULE caused by %v", name, err, want)
			}
		}
		// Another document: the platform's for another day.
		other3 := bytes.Replace(tbs, []byte(`"issued_on":"`+today.String()), []byte(`"issued_on":"`+today.AddDays(-3).String()), 1)
		if bytes.Equal(other3, tbs) {
			t.Fatal("test document unchanged")
		}
		refused("another document", sealWith(t, key, me, other3, testNow), nil) // document_mismatch
		refused("another organisation's key", sealWith(t, other, orgID(w.Maker2), tbs, testNow), seal.ReasonMissingSeal)
		refused("another organisation's key claimed as ours", sealWith(t, other, me, tbs, testNow), seal.ReasonWrongOrg)
		tampered := bytes.Replace(sealWith(t, key, me, tbs, testNow), []byte(`"RU"`), []byte(`"KZ"`), 1)
		refused("tampered envelope", tampered, seal.ReasonTampered)
		stranger, _ := seal.GenerateKey(seal.Ed25519)
		refused("unregistered key", sealWith(t, stranger, me, tbs, testNow), seal.ReasonUnknownKey)
		revoked := nonCustodial(t, w, "maker.admin")
		db.Now = func() time.Time { return testNow.Add(time.Hour) }
		if _, err := db.RevokeKey(ctx, w.Users["maker.admin"], revoked.Public().ID(), "laptop stolen"); err != nil {
			t.Fatal(err)
		}
		// Back-dated to before the revocation: judged when received.
		refused("revoked key", sealWith(t, revoked, me, tbs, testNow.Add(30*time.Minute)), seal.ReasonKeyRevoked)
		db.Now = func() time.Time { return testNow }
		if n := count(t, db, "documents"); n != 0 {
			t.Fatalf("%d documents after refusals", n)
		}

		env := sealWith(t, key, me, tbs, testNow)
		cr, err := db.ApproveRequestSealed(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}, env)
		if err != nil || cr.State != ucx.ConfirmationApproved || !bytes.Equal(cr.Document, tbs) {
			t.Fatalf("approve with envelope = %+v, %v", cr, err)
		}
		d, err := db.DocumentFor(ctx, ucx.DocConfirmation, r.ID)
		if err != nil || !bytes.Equal(d.Envelope, env) {
			t.Fatalf("stored document = %+v, %v", d, err)
		}
		if rep := verifyOffline(t, db, env, seal.Options{RequireOrgs: []string{me}}); !rep.OK() {
			t.Fatalf("offline verification: %+v", rep)
		}

		// Revoking the key later leaves the earlier seal valid.
		db.Now = func() time.Time { return testNow.Add(time.Hour) }
		if _, err := db.RevokeKey(ctx, w.Users["maker.admin"], key.Public().ID(), "rotated"); err != nil {
			t.Fatal(err)
		}
		rep := verifyOffline(t, db, env, seal.Options{})
		if !rep.OK() || !strings.Contains(rep.Status.Detail, "stays valid") {
			t.Fatalf("after a later key revocation: %+v", rep)
		}
		_, err = db.RevokeKey(ctx, w.Users["maker.admin"], key.Public().ID(), "again")
		wantCode(t, err, ucx.ERULE)
		_, err = db.RevokeKey(ctx, w.Users["maker2.admin"], key.Public().ID(), "not yours")
		wantCode(t, err, ucx.ENOTFOUND)
	})
}

func TestSealedDocuments_NonCustodialLicence(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		key := nonCustodial(t, w, "authority.admin")
		a := w.UnderReview(t)
		tbs, err := db.LicenceToSeal(ctx, w.AuthMember, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Sealed yesterday evening, China time, sent today: still good.
		db.Now = func() time.Time { return testNow.AddDate(0, 0, 1) }
		env := sealWith(t, key, orgID(w.Authority), tbs, testNow)
		l, err := db.IssueLicenceSealed(ctx, w.AuthMember, a.ID, a.Version, env)
		if err != nil || !bytes.Equal(l.Document, tbs) || l.IssuedOn != today {
			t.Fatalf("IssueLicenceSealed = %+v, %v", l, err)
		}
		if rep := verifyOffline(t, db, env, seal.Options{RequireOrgs: []string{orgID(w.Authority)}}); !rep.OK() {
			t.Fatalf("offline verification: %+v", rep)
		}
		_, err = db.LicenceToSeal(ctx, w.AuthMember, a.ID)
		wantCode(t, err, ucx.ERULE)
	})
}

func TestSealedDocuments_RevocationIsSealedAndReportedWithItsTime(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		_, r := w.Awaiting(t)
		if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
			t.Fatal(err)
		}
		d, err := db.DocumentFor(ctx, ucx.DocConfirmation, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.RevokeDocument(ctx, w.Maker2Mem, d.Digest, "not ours", nil)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.RevokeDocument(ctx, w.MakerViewer, d.Digest, "viewer", nil)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.RevokeDocument(ctx, w.MakerMember, d.Digest, " ", nil)
		wantField(t, err, "reason")

		at := testNow.Add(2 * time.Hour)
		db.Now = func() time.Time { return at }
		rec, err := db.RevokeDocument(ctx, w.MakerMember, d.Digest, "outlet closed", nil)
		if err != nil || rec.Kind != ucx.DocRevocation || rec.Revokes != d.Digest {
			t.Fatalf("RevokeDocument = %+v, %v", rec, err)
		}
		// The revocation record is itself a sealed document of the maker.
		rep := verifyOffline(t, db, rec.Envelope, seal.Options{RequireOrgs: []string{orgID(w.Maker)}})
		if !rep.OK() || !bytes.Contains(rep.Document, []byte(d.Digest)) {
			t.Fatalf("revocation record: %+v", rep)
		}
		rep = verifyOffline(t, db, d.Envelope, seal.Options{DocumentRevoked: db.DocumentRevoked(ctx)})
		if rep.Status.Reason != seal.ReasonDocumentRevoked || !strings.Contains(rep.Status.Detail, at.UTC().Format(time.RFC3339)) ||
			!strings.Contains(rep.Status.Detail, "outlet closed") || rep.OK() {
			t.Fatalf("verification of the revoked document: %+v", rep.Status)
		}
		revs, err := db.Revocations(ctx, d.Digest)
		if err != nil || len(revs) != 1 || revs[0].Digest != rec.Digest {
			t.Fatalf("Revocations = %+v, %v", revs, err)
		}
		_, err = db.RevokeDocument(ctx, w.MakerMember, d.Digest, "again", nil)
		wantCode(t, err, ucx.ERULE)
		_, err = db.RevokeDocument(ctx, w.MakerMember, rec.Digest, "revoke the revocation", nil)
		wantCode(t, err, ucx.ERULE)
	})
}

// A sealed licence and letter carry their document's digest wherever they
// are read (issue, look-up, lists), so every page and command can link the
// document; an unsealed one carries none.
func TestSealedDocuments_RecordsCarryTheirDigest(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		unsealed := w.Licensed(t) // sealing is still off
		if unsealed.DocumentDigest != "" {
			t.Fatalf("an unsealed licence has digest %q", unsealed.DocumentDigest)
		}
		sealing(t, w)
		l := w.Licensed(t)
		lic, err := db.DocumentFor(ctx, ucx.DocLicence, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		conf, err := db.DocumentFor(ctx, ucx.DocConfirmation, l.ConfirmationIDs[0])
		if err != nil {
			t.Fatal(err)
		}
		if l.DocumentDigest != lic.Digest {
			t.Errorf("IssueLicence: digest %q, want %q", l.DocumentDigest, lic.Digest)
		}
		got, err := db.FindLicenceByID(ctx, w.AuthMember, l.ID)
		if err != nil || got.DocumentDigest != lic.Digest {
			t.Errorf("FindLicenceByID: %v, digest %q, want %q", err, got.DocumentDigest, lic.Digest)
		}
		list, _, err := db.FindLicences(ctx, w.AuthMember, ucx.LicenceFilter{Number: l.Number})
		if err != nil || len(list) != 1 || list[0].DocumentDigest != lic.Digest {
			t.Errorf("FindLicences by number: %v, %+v", err, list)
		}
		old, err := db.FindLicenceByID(ctx, w.AuthMember, unsealed.ID)
		if err != nil || old.DocumentDigest != "" {
			t.Errorf("unsealed licence read back: %v, digest %q", err, old.DocumentDigest)
		}
		req, err := db.FindRequestByID(ctx, w.AuthMember, l.ConfirmationIDs[0])
		if err != nil || req.DocumentDigest != conf.Digest {
			t.Errorf("FindRequestByID: %v, digest %q, want %q", err, req.DocumentDigest, conf.Digest)
		}
	})
}
