package http_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestVerify_UnreadableBodiesAre400AsTheOpenAPIDocumentSays: POST
// /api/v1/verify judges the exact bytes that were sealed, so an envelope
// re-serialised on the way (pretty-printed, keys reordered) is not a
// "not valid" verdict but a body it cannot read: 400 naming envelope,
// like one that is not JSON. The API description says so for its 400.
func TestVerify_UnreadableBodiesAre400AsTheOpenAPIDocumentSays(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	lic := w.Licensed()
	env := webtest.DocOf(t, w, ucx.DocLicence, lic.ID).Envelope
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, env, "", "  "); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(env, &m); err != nil {
		t.Fatal(err)
	}
	reordered, _ := json.Marshal(m) // Go sorts keys; HTML escaping too
	if bytes.Equal(reordered, env) {
		reordered = append([]byte(" {\"x\":1,"), reordered[1:]...)
	}
	if r := w.Raw("", "POST", "/api/v1/verify", string(env)); r.Status != 200 {
		t.Fatalf("the envelope as sealed: %d %s", r.Status, clipBody(r.Body))
	}
	for _, tt := range []struct{ name, body, field string }{
		{"PrettyPrinted", pretty.String(), "envelope"},
		{"Reserialised", string(reordered), "envelope"},
		{"NotJSON", "licence UCX-2026-000001", "envelope"},
		{"Truncated", string(env[:len(env)/2]), "envelope"},
		{"PDFWithoutBundle", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := w.Raw("", "POST", "/api/v1/verify", tt.body)
			if r.Status != 400 {
				t.Fatalf("status %d %s, want 400", r.Status, clipBody(r.Body))
			}
			if eb := r.ErrorBody(t); eb.Field != tt.field {
				t.Fatalf("field %q (%s), want %q", eb.Field, eb.Message, tt.field)
			}
		})
	}

	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Description string `json:"description"`
				Ref         string `json:"$ref"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(ucxhttp.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	bad, ok := doc.Paths["/api/v1/verify"]["post"].Responses["400"]
	if !ok {
		t.Fatal("openapi.json: POST /api/v1/verify has no 400")
	}
	for _, word := range []string{"re-serialised", "envelope", "document"} {
		if !strings.Contains(bad.Description, word) {
			t.Errorf("openapi.json: the 400 of POST /api/v1/verify does not mention %q: %q", word, bad.Description)
		}
	}
}
