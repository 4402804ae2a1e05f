package http_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// A bundle proves its document's leaf in a signed checkpoint; the status
// verdict is revoked when a revocation leaf is in that checkpoint; a
// bundle fetched before the checkpoint is told to retry.
func TestDocuments_BundleCarriesTheLogProofAndRevocationStatus(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		integrate, v := webtest.WithLog(t, w, 0)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		conf := webtest.DocOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
		root := w.Root(t)

		r := w.Raw("authority.viewer", "GET", "/api/v1/documents/"+d.Digest+"/bundle", "")
		if r.Status != 503 || r.Header.Get("Retry-After") != "1" || !strings.Contains(string(r.Body), "not yet in a checkpoint") {
			t.Fatalf("bundle before the checkpoint: %d %s", r.Status, r.Body)
		}
		integrate()
		bu := w.BundleOf(t, conf.Digest)
		if bu.TransparencyLog == nil || bu.LogPublicKey == "" {
			t.Fatalf("the bundle carries no log proof: %+v", bu)
		}
		pinned := bundle.Options{Roots: []*seal.PublicKey{root}, LogKey: v}
		ver, err := bundle.VerifyBundle(bu, pinned)
		if err != nil || !ver.OK || ver.Log == nil || !ver.Log.OK || ver.Log.Revoked || ver.Log.Index != 0 || ver.Log.TreeSize != 2 {
			t.Fatalf("confirmation bundle: %+v %+v %v", ver, ver.Log, err)
		}
		// Another log key: the checkpoint is not trusted.
		_, other := webtest.WithLog(t, w, 1)
		w.Server.Log, w.Server.LogVerifierKey = w.DB, bu.LogPublicKey
		if ver, _ := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{root}, LogKey: other}); ver.OK || ver.Log.Reason != bundle.LogReasonUntrusted || ver.Verdict != bundle.VerdictNotValid {
			t.Fatalf("verified with another log key: %+v", ver.Log)
		}

		// Revoke the licence: its bundle proves both leaves in one
		// checkpoint, and the status is revoked as of it, even with the
		// sealed revocation record left out of the bundle.
		if r := w.Raw("authority.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.Status != 201 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		integrate()
		bu = w.BundleOf(t, d.Digest)
		if len(bu.TransparencyLog.Revocations) != 1 {
			t.Fatalf("the revoked licence's bundle proves %d revocations", len(bu.TransparencyLog.Revocations))
		}
		bu.Revocations = nil
		ver, err = bundle.VerifyBundle(bu, pinned)
		if err != nil || !ver.Log.OK || !ver.Log.Revoked || ver.Log.RevokedIndex != 2 || ver.OK || ver.Status.Reason != string(seal.ReasonDocumentRevoked) ||
			!strings.Contains(ver.Status.Detail, "checkpoint of 3 entries") || ver.Verdict != bundle.VerdictRevoked {
			t.Fatalf("revoked licence: %+v %+v %v", ver.Status, ver.Log, err)
		}
		// Strip the revocation's proof too: the later entries still carry
		// the revocation leaf; strip those and the status is unproven.
		bu.TransparencyLog.Revocations = nil
		if ver, err = bundle.VerifyBundle(bu, pinned); err != nil || ver.Verdict != bundle.VerdictRevoked || ver.Log.RevokedIndex != 2 {
			t.Fatalf("revocation proof stripped: %+v %+v %v", ver.Status, ver.Log, err)
		}
		bu.TransparencyLog.Later = nil
		if ver, err = bundle.VerifyBundle(bu, pinned); err != nil || ver.Verdict != bundle.VerdictCannotCheck || ver.Log.Reason != string(bundle.ReasonStatusUnproven) {
			t.Fatalf("later entries stripped: %+v %+v %v", ver.Status, ver.Log, err)
		}
		// Emptied rather than left out: the entries no longer make the
		// checkpoint's tree, an altered proof.
		bu.TransparencyLog.Later = [][]byte{}
		if ver, err = bundle.VerifyBundle(bu, pinned); err != nil || ver.Verdict != bundle.VerdictNotValid || ver.Log.Reason != bundle.LogReasonBadProof {
			t.Fatalf("later entries emptied: %+v %+v %v", ver.Status, ver.Log, err)
		}

		// The same over the API, and the proof by digest.
		b, _ := json.Marshal(w.BundleOf(t, conf.Digest))
		ver = &bundle.Verification{}
		if r := w.Raw("", "POST", "/api/v1/verify", string(b)); r.Status != 200 || json.Unmarshal(r.Body, ver) != nil || !ver.OK || ver.Log == nil || !ver.Log.OK {
			t.Fatalf("POST verify of a bundle: %d %s", r.Status, r.Body)
		}
		var p bundle.LogProof
		if r := w.Raw("", "GET", "/api/v1/documents/"+conf.Digest+"/log-proof", ""); r.Status != 200 || json.Unmarshal(r.Body, &p) != nil {
			t.Fatalf("log-proof: %d %s", r.Status, r.Body)
		}
		if lv := bundle.VerifyLogProof(&p, seal.DigestOf(webtest.MustDocument(t, conf.Envelope)), v); !lv.OK || lv.Index != 0 {
			t.Fatalf("log-proof verdict: %+v", lv)
		}
	})
}

// The tamper test for documents: a stored envelope edited in the
// database fails the bundle's integrity and no longer matches its log
// leaf, while the log itself still verifies.
func TestDocuments_TamperedStoredEnvelopeFailsAgainstTheLog(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		integrate, v := webtest.WithLog(t, w, 0)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		integrate()
		tampered := strings.Replace(string(d.Envelope), lic.Number, "UCX-2026-999999", 1)
		if tampered == string(d.Envelope) {
			t.Fatal("the licence number is not in its envelope")
		}
		ctx := context.Background()
		if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE documents SET envelope = ? WHERE digest = ?", []byte(tampered), strings.TrimPrefix(d.Digest, "sha256:"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.VerifyLog(ctx, v); err != nil {
			t.Fatalf("the log itself was not touched, yet VerifyLog = %v", err)
		}
		bu := w.BundleOf(t, d.Digest)
		ver, err := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{w.Root(t)}, LogKey: v})
		if err != nil || ver.OK || ver.Integrity.Reason != string(seal.ReasonTampered) || ver.Log.OK || ver.Log.Reason != bundle.LogReasonEntryMismatch || ver.Verdict != bundle.VerdictNotValid {
			t.Fatalf("tampered envelope: integrity %+v, log %+v, %v", ver.Integrity, ver.Log, err)
		}
		// The public page reached from the QR code says so too.
		r := w.Raw("", "GET", "/verify?digest="+d.Digest+"&lang=en", "")
		if r.Status != 200 || !strings.Contains(string(r.Body), bundle.LogReasonEntryMismatch) || !strings.Contains(string(r.Body), string(seal.ReasonTampered)) {
			t.Fatalf("verify page of the tampered licence: %d %.600s", r.Status, r.Body)
		}
	})
}

// The page reached from a printed document's QR code verifies the stored
// document without pasting anything, log included.
func TestUIVerify_ByDigestFromTheQRCode(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		integrate, _ := webtest.WithLog(t, w, 0)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		integrate()
		r := w.Raw("", "GET", "/verify?d="+d.Digest+"&lang=en", "")
		page := string(r.Body)
		if r.Status != 200 || !strings.Contains(page, d.Digest) || !strings.Contains(page, `&#34;log&#34;`) && !strings.Contains(page, `"log"`) {
			t.Fatalf("verify page: %d %.800s", r.Status, page)
		}
		if r := w.Raw("", "GET", "/verify?d=sha256:"+strings.Repeat("0", 64), ""); r.Status != 404 {
			t.Fatalf("unknown digest: %d", r.Status)
		}
		if r := w.Raw("", "GET", "/verify?d=nonsense", ""); r.Status != 400 {
			t.Fatalf("bad digest: %d", r.Status)
		}
	})
}
