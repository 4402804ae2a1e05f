package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestImport_UploadFollowAndDownloadResults uploads a CSV through the Go
// client, processes the queue as `ucx serve` does in the background, and
// reads the progress, the rows page by page, and the CSV of results.
func TestImport_UploadFollowAndDownloadResults(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		c := w.C("exporter.member")
		imp, err := c.StartImport(ctx, nil, `C:\Users\li\cars.csv`, []byte(w.ImportCSV(3)))
		if err != nil {
			t.Fatal(err)
		}
		if imp.State != ucx.ImportQueued || imp.Filename != "cars.csv" {
			t.Fatalf("started import: %+v; want queued, named cars.csv", imp)
		}
		if n, err := db.ProcessImports(ctx); err != nil || n != 1 {
			t.Fatalf("ProcessImports: %d %v", n, err)
		}
		imp, err = c.FindImportByID(ctx, nil, imp.ID)
		if err != nil || imp.State != ucx.ImportDone || imp.Total != 4 || imp.Filed != 3 || imp.Rejected != 1 {
			t.Fatalf("import after processing: %+v %v", imp, err)
		}
		rows, err := c.ImportRows(ctx, nil, imp.ID, 2, 10)
		if err != nil || len(rows) != 2 || rows[0].Row != 3 || rows[1].Status != "rejected" || len(rows[1].Reasons) == 0 {
			t.Fatalf("rows from offset 2: %+v %v", rows, err)
		}
		page := w.Raw("exporter.member", "GET", fmt.Sprintf("/api/v1/imports/%d/rows?limit=1", imp.ID), "")
		if page.Status != 200 || !strings.Contains(string(page.Body), `"total":4`) || !strings.Contains(string(page.Body), `"limit":1`) {
			t.Fatalf("rows page: %d %s", page.Status, page.Body)
		}

		// The results are a download of text others' rows put in: never
		// sniffed into something a browser would run.
		dl := w.Raw("exporter.member", "GET", fmt.Sprintf("/api/v1/imports/%d/rows.csv", imp.ID), "")
		if dl.Status != 200 || !strings.HasPrefix(dl.Header.Get("Content-Type"), "text/csv") || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("rows.csv: %d, Content-Type %q, X-Content-Type-Options %q; want text/csv and nosniff", dl.Status, dl.Header.Get("Content-Type"), dl.Header.Get("X-Content-Type-Options"))
		}

		var buf bytes.Buffer
		if err := c.DownloadImportRows(ctx, imp.ID, &buf); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("results CSV does not parse: %v", err)
		}
		if len(recs) != 5 || strings.Join(recs[0], ",") != "row,vin,status,application_id,outcome,reasons" {
			t.Fatalf("results CSV: %q", recs)
		}
		if recs[1][2] != "filed" || recs[1][3] == "" || recs[4][2] != "rejected" || !strings.Contains(recs[4][5], "vin") && recs[4][5] == "" {
			t.Fatalf("results CSV rows: %q", recs[1:])
		}
		if _, n, _ := c.FindApplications(ctx, nil, ucx.ApplicationFilter{}); n != 3 {
			t.Fatalf("applications after the import: %d, want 3", n)
		}
	})
}

// TestImport_UploadForms accepts the raw body and a browser's multipart
// form, and refuses an empty file, a file that is not a sheet, and a file
// over the upload limit (413), storing nothing.
func TestImport_UploadForms(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("note", "november")
	fw, _ := mw.CreateFormFile("file", "november.csv")
	io.WriteString(fw, w.ImportCSV(1))
	mw.Close()

	tests := []struct {
		name, body, contentType string
		status                  int
		field                   string
	}{
		{"RawCSV", w.ImportCSV(1), "text/csv", 202, ""},
		{"Multipart", form.String(), mw.FormDataContentType(), 202, ""},
		{"Empty", "", "text/csv", 400, "file"},
		{"NotASheet", "hello\n", "text/csv", 400, "vin"},
		{"MultipartWithoutFile", "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--x--\r\n", "multipart/form-data; boundary=x", 400, "file"},
		{"BrokenMultipart", "garbage", "multipart/form-data; boundary=x", 400, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.Raw("exporter.member", "POST", "/api/v1/imports?filename=cars.csv", tt.body, "Content-Type: "+tt.contentType)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if r.Status >= 400 {
				if eb := r.ErrorBody(t); eb.Field != tt.field {
					t.Fatalf("field %q (%s), want %q", eb.Field, eb.Message, tt.field)
				}
			} else if r.Header.Get("Location") == "" {
				t.Fatal("202 without Location")
			}
		})
	}

	// A server with a small upload limit refuses a larger file with 413.
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.ImportService = db, db, db, db, db
	s.Logger = webtest.DiscardLogger()
	s.MaxUploadBytes = 1 << 10
	for _, ct := range []string{"text/csv", "multipart/form-data"} {
		body := strings.Repeat(webtest.ImportLine(w.VINFor(webtest.MakerWMI), webtest.OldReg), 40)
		if ct == "multipart/form-data" {
			var b bytes.Buffer
			m := multipart.NewWriter(&b)
			f, _ := m.CreateFormFile("file", "big.csv")
			io.WriteString(f, body)
			m.Close()
			body, ct = b.String(), m.FormDataContentType()
		}
		req, _ := http.NewRequest("POST", "/api/v1/imports", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+w.Tokens["exporter.member"])
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != 413 || !strings.Contains(rec.Body.String(), `"code":"too_large"`) {
			t.Fatalf("%s over the limit: %d %s, want 413 too_large", ct, rec.Code, rec.Body)
		}
	}
}

// TestImport_ResultsCSVHasEveryRowPastOnePage downloads the results of an
// import larger than one page of the store: every row must be there, once.
func TestImport_ResultsCSVHasEveryRowPastOnePage(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	ctx := context.Background()
	c := w.C("exporter.member")
	const n = 1234
	imp, err := c.StartImport(ctx, nil, "big.csv", []byte(w.ImportCSV(n-1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ProcessImports(ctx); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.DownloadImportRows(ctx, imp.ID, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 {
		t.Fatalf("results CSV has %d rows, want %d and the header", len(recs)-1, n)
	}
	for i, rec := range recs[1:] {
		if rec[0] != fmt.Sprint(i+1) {
			t.Fatalf("line %d is row %s, want %d", i+2, rec[0], i+1)
		}
	}

	// A page larger than the ceiling is lowered to it, and says so.
	r := w.Raw("exporter.member", "GET", fmt.Sprintf("/api/v1/imports/%d/rows?limit=100000", imp.ID), "")
	var page wire.ListResponse[*ucx.ImportRow]
	if r.Status != 200 || json.Unmarshal(r.Body, &page) != nil || page.Limit != 500 || len(page.Items) != 500 || page.Total != n {
		t.Fatalf("rows?limit=100000: %d, limit %d, %d items, total %d", r.Status, page.Limit, len(page.Items), page.Total)
	}
}

// TestImport_ResultsCSVNeutralisesFormulas files rows whose VIN and brand
// are spreadsheet formulas (OWASP's CSV injection: =, +, -, @) and checks
// that no cell of the results CSV the exporter downloads would run as one.
func TestImport_ResultsCSVNeutralisesFormulas(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		c := w.C("exporter.member")
		var b strings.Builder
		b.WriteString(webtest.ImportHeader)
		for _, evil := range []string{`"=HYPERLINK(""http://evil.example"",""x"")"`, "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3"} {
			b.WriteString(strings.Replace(webtest.ImportLine(evil, webtest.OldReg), ",Testa,", ",@SUM(9),", 1))
		}
		b.WriteString(strings.Replace(webtest.ImportLine(w.VINFor(webtest.MakerWMI), webtest.OldReg), ",Testa,", ",=1+2,", 1))
		imp, err := c.StartImport(ctx, nil, "evil.csv", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ProcessImports(ctx); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := c.DownloadImportRows(ctx, imp.ID, &buf); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("results CSV does not parse: %v", err)
		}
		if len(recs) != 6 {
			t.Fatalf("results CSV has %d records, want header + 5: %q", len(recs), recs)
		}
		sawEvil := false
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if strings.Contains(cell, "HYPERLINK") || strings.Contains(cell, "SUM(") {
					sawEvil = true
				}
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q of %q would run as a formula", cell, rec)
				}
			}
		}
		if !sawEvil {
			t.Fatalf("the formulas do not come back at all (neutralised or not), so the test proves nothing: %q", recs)
		}
	})
}
