package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// R10: the registration certificate's owner, when the application gives
// it, must be the exporter filing — at filing (nothing written), in a bulk
// import (the row rejected naming cert_owner), and again at issue, where a
// renamed exporter no longer matches what was filed.
func TestCertificateOwner_MustBeTheExporterFiling(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()

		other := w.Input(w.MakerWMI, oldReg)
		other.Certificate.Owner = "张三"
		before := count(t, db, "applications")
		_, _, err := db.CreateApplication(ctx, w.ExpMember, other, ucx.CreateOptions{})
		if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "certificate.owner" || !strings.Contains(ucx.ErrorMessage(err), "R10") {
			t.Fatalf("another owner: %v; want EINVALID naming certificate.owner and R10", err)
		}
		if n := count(t, db, "applications"); n != before {
			t.Fatalf("a refused filing wrote %d applications", n-before)
		}

		own := w.Input(w.MakerWMI, oldReg)
		own.Certificate.Owner = " " + w.Exporter.Name + " "
		a := w.Create(t, w.ExpMember, own)
		if a.Certificate.Owner != w.Exporter.Name {
			t.Fatalf("owner stored as %q, want %q", a.Certificate.Owner, w.Exporter.Name)
		}

		header := strings.TrimSuffix(importHeader, "\n") + ",cert_owner\n"
		line := func(owner string) string {
			return strings.TrimSuffix(importLine(w.VINFor(w.MakerWMI), oldReg, ""), "\n") + "," + owner + "\n"
		}
		im := runImport(t, w, w.ExpMember, header+line(w.Exporter.Name)+line("北京某某汽车销售有限公司")+line(""))
		rows, err := db.ImportRows(ctx, w.ExpMember, im.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if im.Filed != 2 || im.Rejected != 1 || len(rows) != 3 {
			t.Fatalf("import %+v, rows %d; want 2 filed, 1 rejected", im, len(rows))
		}
		if r := rows[1]; r.Status != sqlstore.RowRejected || len(r.Reasons) == 0 || r.Reasons[0].Field != "cert_owner" {
			t.Fatalf("row 2 = %+v; want rejected naming cert_owner", r)
		}

		// At issue: the exporter's legal name changed after filing.
		in := w.Input(w.MakerWMI, oldReg)
		in.Certificate.Owner = w.Exporter.Name
		in.Submit = true
		r := w.Create(t, w.ExpMember, in)
		if r.State != ucx.StateUnderReview {
			t.Fatalf("state %s, want under_review", r.State)
		}
		if err := sqlstore.Exec(ctx, db, "UPDATE orgs SET name = ? WHERE id = ?", w.Exporter.Name+"（集团）", w.Exporter.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.IssueLicence(ctx, w.AuthMember, r.ID, r.Version)
		if ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(ucx.ErrorMessage(err), "R10") {
			t.Fatalf("issue for a certificate naming the old name: %v; want ERULE citing R10", err)
		}
	})
}
