package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sheet"
)

// The import template is served to signed-in exporters, by token and from
// the upload page's link with the session cookie, and reads back as its
// example row; others are refused.
func TestImportTemplate_ServedToExportersAndLinkedFromTheUploadPage(t *testing.T) {
	w := webtest.UIWorld(t)
	a := w.Raw("exporter.member", "GET", "/api/v1/import/template.xlsx", "")
	if a.Status != http.StatusOK || !strings.Contains(a.Header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(a.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("exporter: %d %v", a.Status, a.Header)
	}
	r, err := sheet.NewReader(bytes.NewReader(a.Body), sheet.Auto)
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
		if a := w.Raw(tt.user, "GET", "/api/v1/import/template.xlsx", ""); a.Status != tt.status {
			t.Errorf("%q: status %d, want %d", tt.user, a.Status, tt.status)
		} else {
			a.ErrorBody(t)
		}
	}
	u := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	page := u.Get("/imports/new")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `href="/api/v1/import/template.xlsx"`) {
		t.Fatalf("upload page %d has no link to the template", page.Status)
	}
	if a := u.Get("/api/v1/import/template.xlsx"); a.Status != http.StatusOK || !strings.HasPrefix(a.Body, "PK") {
		t.Errorf("the link with the session cookie: %d", a.Status)
	}
}
