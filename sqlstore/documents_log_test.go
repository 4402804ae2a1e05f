package sqlstore_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

// logged integrates the log and returns every document leaf in it.
func logged(t *testing.T, db *sqlstore.DB) (tlog.SignedCheckpoint, []*sqlstore.DocumentLeafEntry) {
	t.Helper()
	ctx := context.Background()
	signer, _ := testLogKeys(t)
	cp, err := db.IntegrateLog(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	es, err := db.LogEntries(ctx, 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	var out []*sqlstore.DocumentLeafEntry
	for _, e := range es {
		le, err := sqlstore.ParseDocumentLeaf(e.Entry)
		if err != nil {
			t.Fatalf("leaf %d (%s): %v", e.Index, e.Entry, err)
		}
		out = append(out, le)
	}
	return cp, out
}

// A document whose write fails after its leaf was appended takes the leaf
// with it: the approval's INSERT hits a row already holding its digest.
func TestDocumentLeaves_RolledBackDocumentLeavesNoLeaf(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		_, r := w.Awaiting(t)
		doc, err := db.ConfirmationToSeal(ctx, w.MakerMember, r.ID, []int64{w.MakerRU})
		if err != nil {
			t.Fatal(err)
		}
		d := seal.DigestOf(doc)
		if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO documents (digest, kind, entity_id, org_id, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				d.String()[len("sha256:"):], ucx.DocConfirmation, r.ID, w.Maker.ID, []byte("{}"), 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err == nil {
			t.Fatal("the approval succeeded over a clashing document row")
		}
		if cp, leaves := logged(t, db); cp.Size != 0 || len(leaves) != 0 {
			t.Fatalf("after the rolled-back approval the log has %d leaves, want 0", cp.Size)
		}
		if got, err := db.FindRequestByID(ctx, w.MakerMember, r.ID); err != nil || got.State != ucx.ConfirmationPending {
			t.Fatalf("request after the failed approval: %+v, %v", got, err)
		}
		// Nothing was consumed: with the clash gone the approval gets leaf 0.
		if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM documents")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
			t.Fatal(err)
		}
		idx, _, err := db.DocumentLeaf(ctx, d.String())
		if err != nil || idx != 0 {
			t.Fatalf("DocumentLeaf = %d, %v; want leaf 0", idx, err)
		}
	})
}

// Approving, issuing and revoking log exactly one leaf each, naming the
// issuer and the organisations the document concerns, each provable in
// the next checkpoint.
func TestDocumentLeaves_ApproveIssueRevokeAreLoggedNamingTheirOrgs(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		l := w.Licensed(t)
		lic, err := db.DocumentFor(ctx, ucx.DocLicence, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		conf, err := db.DocumentFor(ctx, ucx.DocConfirmation, l.ConfirmationIDs[0])
		if err != nil {
			t.Fatal(err)
		}
		rec, err := db.RevokeDocument(ctx, w.AuthMember, lic.Digest, "issued in error", nil)
		if err != nil {
			t.Fatal(err)
		}
		cp, leaves := logged(t, db)
		if len(l.ConfirmationIDs) != 1 || len(leaves) != 3 {
			t.Fatalf("%d leaves for %d confirmations, a licence and a revocation: %+v", len(leaves), len(l.ConfirmationIDs), leaves)
		}
		want := []sqlstore.DocumentLeafEntry{
			{Kind: ucx.DocConfirmation, Digest: conf.Digest, OrgID: w.Maker.ID, OrgName: w.Maker.Name, Orgs: []int64{w.Exporter.ID}, EntityID: l.ConfirmationIDs[0]},
			{Kind: ucx.DocLicence, Digest: lic.Digest, OrgID: w.Authority.ID, OrgName: w.Authority.Name, Orgs: sorted(w.Exporter.ID, w.Maker.ID), EntityID: l.ID},
			{Kind: ucx.DocRevocation, Digest: rec.Digest, OrgID: w.Authority.ID, OrgName: w.Authority.Name, Orgs: sorted(w.Exporter.ID, w.Maker.ID), EntityID: l.ID, Revokes: lic.Digest},
		}
		for i, got := range leaves {
			g := *got
			if g.Time == "" {
				t.Errorf("leaf %d has no time", i)
			}
			g.Time = ""
			if !slices.Equal(g.Orgs, want[i].Orgs) || g.Kind != want[i].Kind || g.Digest != want[i].Digest || g.OrgID != want[i].OrgID ||
				g.OrgName != want[i].OrgName || g.EntityID != want[i].EntityID || g.Revokes != want[i].Revokes {
				t.Errorf("leaf %d = %+v, want %+v", i, g, want[i])
			}
		}
		// Each document knows its leaf, and the leaf is provable.
		for i, d := range []*ucx.Document{conf, lic, rec} {
			idx, entry, err := db.DocumentLeaf(ctx, d.Digest)
			if err != nil || idx != int64(i) {
				t.Fatalf("DocumentLeaf(%s) = %d, %v; want %d", d.Kind, idx, err, i)
			}
			proof, pcp, err := db.ProveLeaf(ctx, idx)
			if err != nil || pcp.Size != cp.Size {
				t.Fatalf("ProveLeaf(%d) = %v (size %d)", idx, err, pcp.Size)
			}
			if err := pcp.VerifyInclusion(idx, tlog.LeafHash(entry), proof); err != nil {
				t.Fatalf("the proof of leaf %d does not verify: %v", idx, err)
			}
		}
		_, v := testLogKeys(t)
		if err := db.VerifyLog(ctx, v); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.DocumentLeaf(ctx, "sha256:"+string(bytes.Repeat([]byte("0"), 64)))
		wantCode(t, err, ucx.ENOTFOUND)
	})
}

func sorted(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}
