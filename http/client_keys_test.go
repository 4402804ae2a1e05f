package http_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// sealFor seals doc as the organisation of user would offline, at at.
func sealFor(t *testing.T, w *webtest.World, user string, key *seal.PrivateKey, doc []byte, at time.Time) []byte {
	t.Helper()
	env := seal.Envelope{Document: doc}
	if err := env.Sign(key, strconv.FormatInt(w.Users[user].OrgID, 10), at); err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClient_NonCustodialSealing drives the whole non-custodial round trip
// through the Go client: register public keys, fetch the documents to
// seal, seal them here, approve and issue with the envelopes, and read
// the stored documents and bundles back; then revoke, and a seal by the
// revoked key is refused with its reason.
func TestClient_NonCustodialSealing(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		anon := client.New(w.TS.URL, "") // the public routes need no token
		makerKey, err := seal.GenerateKey(seal.Ed25519)
		if err != nil {
			t.Fatal(err)
		}
		authKey, err := seal.GenerateKey(seal.SM2)
		if err != nil {
			t.Fatal(err)
		}
		notAfter := webtest.TestNow.Add(365 * 24 * time.Hour)

		if _, err := w.C("maker.member").RegisterKey(ctx, nil, string(makerKey.Public().MarshalPEM()), notAfter); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Fatalf("a member registers a key: %v, want forbidden", err)
		}
		k, err := w.C("maker.admin").RegisterKey(ctx, nil, string(makerKey.Public().MarshalPEM()), notAfter)
		if err != nil || k.ID != makerKey.Public().ID() || k.Custodial || !k.NotAfter.Equal(notAfter) {
			t.Fatalf("RegisterKey = %+v, %v", k, err)
		}
		if _, err := w.C("maker.admin").RegisterKey(ctx, nil, string(makerKey.Public().MarshalPEM()), notAfter); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Fatalf("registering the key again: %v, want conflict", err)
		}
		if _, err := w.C("authority.admin").RegisterKey(ctx, nil, string(authKey.Public().MarshalPEM()), notAfter); err != nil {
			t.Fatal(err)
		}
		keys, err := w.C("maker.member").FindKeys(ctx, nil)
		if err != nil || len(keys) != 2 { // the world's custodial key and ours
			t.Fatalf("FindKeys = %d keys, %v", len(keys), err)
		}
		list, err := anon.TrustList(ctx)
		if err != nil || !strings.Contains(string(list), makerKey.Public().ID()) || !strings.Contains(string(list), authKey.Public().ID()) {
			t.Fatalf("TrustList lacks the registered keys: %v\n%s", err, list)
		}
		if root, err := anon.TrustRoot(ctx); err != nil || !strings.Contains(string(root), "BEGIN PUBLIC KEY") {
			t.Fatalf("TrustRoot = %q, %v", root, err)
		}

		a, r := w.Awaiting()
		doc, err := w.C("maker.member").ConfirmationToSeal(ctx, nil, r.ID, []int64{w.MakerRU})
		if err != nil || seal.CheckCanonical(doc) != nil {
			t.Fatalf("ConfirmationToSeal = %s, %v", doc, err)
		}
		env := sealFor(t, w, "maker.member", makerKey, doc, webtest.TestNow)
		cr, err := w.C("maker.member").ApproveRequestSealed(ctx, nil, r.ID, r.Version, []int64{w.MakerRU}, env)
		if err != nil || cr.State != ucx.ConfirmationApproved {
			t.Fatalf("ApproveRequestSealed = %+v, %v", cr, err)
		}
		digest := seal.DigestOf(doc).String()
		if _, _, err := anon.Document(ctx, digest); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Fatalf("Document(%s) without signing in = %v, want unauthorized: whole documents are the parties'", digest, err)
		}
		got, kind, err := w.C("exporter.viewer").Document(ctx, digest)
		if err != nil || kind != ucx.DocConfirmation || string(got) != string(env) {
			t.Fatalf("Document(%s) = kind %q, %v; envelope as sent: %v", digest, kind, err, string(got) == string(env))
		}

		a, err = w.C("authority.member").FindApplicationByID(ctx, nil, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		ldoc, err := w.C("authority.member").LicenceToSeal(ctx, nil, a.ID)
		if err != nil || !strings.Contains(string(ldoc), strings.TrimPrefix(digest, "sha256:")) {
			t.Fatalf("LicenceToSeal names no confirmation digest %s: %v\n%s", digest, err, ldoc)
		}
		lic, err := w.C("authority.member").IssueLicenceSealed(ctx, nil, a.ID, a.Version, sealFor(t, w, "authority.member", authKey, ldoc, webtest.TestNow))
		if err != nil || lic.Number == "" || !strings.Contains(string(ldoc), lic.Number) {
			t.Fatalf("IssueLicenceSealed = %+v, %v", lic, err)
		}
		b, err := w.C("customs.viewer").Bundle(ctx, seal.DigestOf(ldoc).String())
		var bu bundle.Bundle
		if err != nil || json.Unmarshal(b, &bu) != nil || bu.Type != bundle.Type {
			t.Fatalf("Bundle: %v\n%s", err, b)
		}
		be, err := seal.ParseEnvelope(bu.Envelope)
		if err != nil || string(be.Document) != string(ldoc) || be.Seals[0].KeyID != authKey.Public().ID() {
			t.Fatalf("the bundle's envelope is not the licence sealed here: %v", err)
		}
		if _, err := w.C("customs.viewer").Bundle(ctx, "sha256:"+strings.Repeat("0", 64)); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("Bundle of no document: %v", err)
		}

		// Revoked: the next seal by the key is refused, with the reason.
		rk, err := w.C("maker.admin").RevokeKey(ctx, nil, makerKey.Public().ID(), "laptop lost")
		if err != nil || rk.RevokedAt == nil || rk.RevokedReason != "laptop lost" {
			t.Fatalf("RevokeKey = %+v, %v", rk, err)
		}
		if _, err := w.C("maker.admin").RevokeKey(ctx, nil, makerKey.Public().ID(), "again"); ucx.ErrorCode(err) != ucx.ERULE {
			t.Fatalf("revoking twice: %v, want rule", err)
		}
		_, r2 := w.Awaiting()
		doc2, err := w.C("maker.member").ConfirmationToSeal(ctx, nil, r2.ID, []int64{w.MakerRU})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.C("maker.member").ApproveRequestSealed(ctx, nil, r2.ID, r2.Version, []int64{w.MakerRU},
			sealFor(t, w, "maker.member", makerKey, doc2, webtest.TestNow.Add(time.Second)))
		if ucx.ErrorCode(err) != ucx.ERULE || ucx.ErrorField(err) != "envelope" || !strings.Contains(ucx.ErrorMessage(err), string(seal.ReasonKeyRevoked)) {
			t.Fatalf("approve sealed by a revoked key: %v", err)
		}
	})
}
