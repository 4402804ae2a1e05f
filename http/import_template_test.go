package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/sheet"
)

// The import template is served to signed-in exporters, by token and from
// the upload page's link with the session cookie, and reads back as its
// example row; others are refused.
func TestImportTemplate_ServedToExportersAndLinkedFromTheUploadPage(t *testing.T) {
	w := uiWorld(t)
	a := w.raw("exporter.member", "GET", "/api/v1/import/template.xlsx", "")
	if a.status != http.StatusOK || !strings.Contains(a.header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(a.header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("exporter: %d %v", a.status, a.header)
	}
	r, err := sheet.NewReader(bytes.NewReader(a.body), sheet.Auto)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() || r.Row().Vehicle.VIN != sheet.TemplateExample[sheet.ColVIN] || len(r.Row().Problems) != 0 {
		t.Fatalf("the template does not read as its example row: %v", r.Err())
	}
	for _, tt := range []struct {
		user   string
		status int
	}{{"", http.StatusUnauthorized}, {"maker.member", http.StatusForbidden}, {"authority.member", http.StatusForbidden}} {
		if a := w.raw(tt.user, "GET", "/api/v1/import/template.xlsx", ""); a.status != tt.status {
			t.Errorf("%q: status %d, want %d", tt.user, a.status, tt.status)
		} else {
			a.errorBody(t)
		}
	}
	u := newUIUser(t, w.ts.URL).login("exporter.member")
	page := u.get("/imports/new")
	if page.status != http.StatusOK || !strings.Contains(page.body, `href="/api/v1/import/template.xlsx"`) {
		t.Fatalf("upload page %d has no link to the template", page.status)
	}
	if a := u.get("/api/v1/import/template.xlsx"); a.status != http.StatusOK || !strings.HasPrefix(a.body, "PK") {
		t.Errorf("the link with the session cookie: %d", a.status)
	}
}
