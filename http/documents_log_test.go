package http_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

// withLog serves the world's store's log as `ucx serve` does and returns
// the integrate step and the pinned verifier.
func withLog(t testing.TB, w *world, seed byte) (func(), note.Verifier) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	key[0] ^= seed
	key = ed25519.NewKeyFromSeed(key.Seed())
	signer, err := tlog.NewSigner("ucx.test/log", key)
	if err != nil {
		t.Fatal(err)
	}
	vkey, _ := tlog.VerifierKey("ucx.test/log", key.Public().(ed25519.PublicKey))
	v, err := tlog.ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	w.server.Log, w.server.LogVerifierKey = w.db, vkey
	w.server.WebVerify = func(ctx context.Context, doc []byte) (any, error) { return w.server.Verify(ctx, doc) }
	return func() {
		if _, err := w.db.IntegrateLog(context.Background(), signer); err != nil {
			t.Fatal(err)
		}
	}, v
}

func (w *world) bundleOf(t testing.TB, digest string) *bundle.Bundle {
	t.Helper()
	r := w.raw("authority.viewer", "GET", "/api/v1/documents/"+digest+"/bundle", "")
	if r.status != 200 {
		t.Fatalf("bundle: %d %s", r.status, r.body)
	}
	bu, err := bundle.Parse(r.body)
	if err != nil {
		t.Fatal(err)
	}
	return bu
}

func (w *world) root(t *testing.T) *seal.PublicKey {
	t.Helper()
	root, err := seal.ParsePublicKeyPEM(w.raw("", "GET", "/api/v1/trust-root", "").body)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// A bundle proves its document's leaf in a signed checkpoint; the status
// verdict is revoked when a revocation leaf is in that checkpoint; a
// bundle fetched before the checkpoint is told to retry.
func TestDocuments_BundleCarriesTheLogProofAndRevocationStatus(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		integrate, v := withLog(t, w, 0)
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
		conf := docOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
		root := w.root(t)

		r := w.raw("authority.viewer", "GET", "/api/v1/documents/"+d.Digest+"/bundle", "")
		if r.status != 503 || r.header.Get("Retry-After") != "1" || !strings.Contains(string(r.body), "not yet in a checkpoint") {
			t.Fatalf("bundle before the checkpoint: %d %s", r.status, r.body)
		}
		integrate()
		bu := w.bundleOf(t, conf.Digest)
		if bu.TransparencyLog == nil || bu.LogPublicKey == "" {
			t.Fatalf("the bundle carries no log proof: %+v", bu)
		}
		pinned := bundle.Options{Roots: []*seal.PublicKey{root}, LogKey: v}
		ver, err := bundle.VerifyBundle(bu, pinned)
		if err != nil || !ver.OK || ver.Log == nil || !ver.Log.OK || ver.Log.Revoked || ver.Log.Index != 0 || ver.Log.TreeSize != 2 {
			t.Fatalf("confirmation bundle: %+v %+v %v", ver, ver.Log, err)
		}
		// Another log key: the checkpoint is not trusted.
		_, other := withLog(t, w, 1)
		w.server.Log, w.server.LogVerifierKey = w.db, bu.LogPublicKey
		if ver, _ := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{root}, LogKey: other}); ver.OK || ver.Log.Reason != bundle.LogReasonUntrusted || ver.Verdict != bundle.VerdictNotValid {
			t.Fatalf("verified with another log key: %+v", ver.Log)
		}

		// Revoke the licence: its bundle proves both leaves in one
		// checkpoint, and the status is revoked as of it, even with the
		// sealed revocation record left out of the bundle.
		if r := w.raw("authority.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.status != 201 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		integrate()
		bu = w.bundleOf(t, d.Digest)
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
		b, _ := json.Marshal(w.bundleOf(t, conf.Digest))
		ver = &bundle.Verification{}
		if r := w.raw("", "POST", "/api/v1/verify", string(b)); r.status != 200 || json.Unmarshal(r.body, ver) != nil || !ver.OK || ver.Log == nil || !ver.Log.OK {
			t.Fatalf("POST verify of a bundle: %d %s", r.status, r.body)
		}
		var p bundle.LogProof
		if r := w.raw("", "GET", "/api/v1/documents/"+conf.Digest+"/log-proof", ""); r.status != 200 || json.Unmarshal(r.body, &p) != nil {
			t.Fatalf("log-proof: %d %s", r.status, r.body)
		}
		if lv := bundle.VerifyLogProof(&p, seal.DigestOf(mustDocument(t, conf.Envelope)), v); !lv.OK || lv.Index != 0 {
			t.Fatalf("log-proof verdict: %+v", lv)
		}
	})
}

func mustDocument(t *testing.T, env []byte) []byte {
	t.Helper()
	e, err := seal.ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return e.Document
}

// The tamper test for documents: a stored envelope edited in the
// database fails the bundle's integrity and no longer matches its log
// leaf, while the log itself still verifies.
func TestDocuments_TamperedStoredEnvelopeFailsAgainstTheLog(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		integrate, v := withLog(t, w, 0)
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
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
		bu := w.bundleOf(t, d.Digest)
		ver, err := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{w.root(t)}, LogKey: v})
		if err != nil || ver.OK || ver.Integrity.Reason != string(seal.ReasonTampered) || ver.Log.OK || ver.Log.Reason != bundle.LogReasonEntryMismatch || ver.Verdict != bundle.VerdictNotValid {
			t.Fatalf("tampered envelope: integrity %+v, log %+v, %v", ver.Integrity, ver.Log, err)
		}
		// The public page reached from the QR code says so too.
		r := w.raw("", "GET", "/verify?digest="+d.Digest+"&lang=en", "")
		if r.status != 200 || !strings.Contains(string(r.body), bundle.LogReasonEntryMismatch) || !strings.Contains(string(r.body), string(seal.ReasonTampered)) {
			t.Fatalf("verify page of the tampered licence: %d %.600s", r.status, r.body)
		}
	})
}

// The page reached from a printed document's QR code verifies the stored
// document without pasting anything, log included.
func TestUIVerify_ByDigestFromTheQRCode(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		integrate, _ := withLog(t, w, 0)
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
		integrate()
		r := w.raw("", "GET", "/verify?d="+d.Digest+"&lang=en", "")
		page := string(r.body)
		if r.status != 200 || !strings.Contains(page, d.Digest) || !strings.Contains(page, `&#34;log&#34;`) && !strings.Contains(page, `"log"`) {
			t.Fatalf("verify page: %d %.800s", r.status, page)
		}
		if r := w.raw("", "GET", "/verify?d=sha256:"+strings.Repeat("0", 64), ""); r.status != 404 {
			t.Fatalf("unknown digest: %d", r.status)
		}
		if r := w.raw("", "GET", "/verify?d=nonsense", ""); r.status != 400 {
			t.Fatalf("bad digest: %d", r.status)
		}
	})
}
