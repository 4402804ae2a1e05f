package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// sealingRoutes are the authenticated routes of sealed documents; the
// authorisation matrix leaves them to TestDocuments_Authorization, as
// their paths carry key ids and digests rather than record ids.
var sealingRoutes = []string{
	"GET /api/v1/keys", "POST /api/v1/keys", "POST /api/v1/keys/{id}/revoke",
	"GET /api/v1/requests/{id}/document", "GET /api/v1/applications/{id}/licence-document",
	"GET /api/v1/documents/{digest}/revocation-document", "POST /api/v1/documents/{digest}/revoke",
}

// privateMarkers would appear in an answer that leaked a private key.
var privateMarkers = []string{"PRIVATE KEY", "private_key"}

func noPrivateKey(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, m := range privateMarkers {
		if bytes.Contains(body, []byte(m)) {
			t.Fatalf("%s answers %q: %s", what, m, body)
		}
	}
}

func TestDocuments_SealedWorkflowVerifiesOfflineFromItsBundle(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		conf := webtest.DocOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])

		for _, doc := range []*ucx.Document{d, conf} {
			r := w.Raw("exporter.viewer", "GET", "/api/v1/documents/"+doc.Digest+"/bundle", "")
			if r.Status != 200 {
				t.Fatalf("bundle: %d %s", r.Status, r.Body)
			}
			noPrivateKey(t, "the bundle", r.Body)
			bu, err := bundle.Parse(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			// Offline: the pinned root key from /trust-root, nothing else.
			root, err := seal.ParsePublicKeyPEM(w.Raw("", "GET", "/api/v1/trust-root", "").Body)
			if err != nil {
				t.Fatal(err)
			}
			rep := seal.Verify(bu.Envelope, bu.TrustList, root, seal.Options{RequireOrgs: []string{fmt.Sprint(doc.OrgID)}})
			if !rep.OK() {
				t.Fatalf("%s does not verify offline: %+v", doc.Kind, rep)
			}
			if v, err := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{root}, NoLog: true}); err != nil || !v.OK || v.Verdict != bundle.VerdictValid ||
				v.IssuedBy == nil || v.IssuedBy.ID != fmt.Sprint(doc.OrgID) {
				t.Fatalf("VerifyBundle(%s) = %+v, %v", doc.Kind, v, err)
			}
			// Unpinned, the bundle's own root is not taken.
			if v, err := bundle.VerifyBundle(bu, bundle.Options{NoLog: true}); err != nil || v.OK || v.Verdict != bundle.VerdictCannotCheck || v.Reason != string(bundle.ReasonUnknownRoot) {
				t.Fatalf("VerifyBundle(%s) unpinned = %+v, %v", doc.Kind, v, err)
			}
			if got := w.Raw("customs.viewer", "GET", "/api/v1/documents/"+strings.TrimPrefix(doc.Digest, "sha256:"), ""); got.Status != 200 || !bytes.Equal(got.Body, doc.Envelope) {
				t.Fatalf("GET document: %d %s", got.Status, got.Body)
			}
		}

		// Verification over the API: valid, then tampered.
		r := w.Raw("", "POST", "/api/v1/verify", string(d.Envelope))
		var v bundle.Verification
		if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil || !v.OK || v.Digest != d.Digest || len(v.Seals) != 1 || v.Seals[0].OrgName != w.Orgs["authority"].Name {
			t.Fatalf("verify: %d %s", r.Status, r.Body)
		}
		tampered := strings.Replace(string(d.Envelope), lic.Number, "UCX-2026-999999", 1)
		r = w.Raw("", "POST", "/api/v1/verify", tampered)
		if json.Unmarshal(r.Body, &v) != nil || v.OK || v.Integrity.Reason != string(seal.ReasonTampered) {
			t.Fatalf("verify tampered: %d %s", r.Status, r.Body)
		}
		if r := w.Raw("", "POST", "/api/v1/verify", `{"not":"an envelope"}`); r.Status != 400 {
			t.Fatalf("verify garbage: %d %s", r.Status, r.Body)
		}

		// The print view: fields in both languages, the digest, a QR code.
		r = w.Raw("exporter.member", "GET", "/documents/"+d.Digest+"/print", "")
		page := string(r.Body)
		if r.Status != 200 || !strings.Contains(page, "许可证号 Licence number") || !strings.Contains(page, lic.Number) ||
			!strings.Contains(page, d.Digest) || !strings.Contains(page, "<svg") || !strings.Contains(page, "/verify?digest="+url.QueryEscape(d.Digest)+"&amp;vin="+lic.Schedule[0].VIN+"&amp;lang=ru") {
			t.Fatalf("print view: %d %.400s", r.Status, page)
		}
		// Public and showing text others filed: no script may run in it.
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("print view CSP %q; want default-src 'none' and no script source", csp)
		}
		if r := w.Raw("customs.viewer", "GET", "/api/v1/documents/sha256:"+strings.Repeat("0", 64), ""); r.Status != 404 {
			t.Fatalf("unknown digest: %d", r.Status)
		}
	})
}

func TestDocuments_NonCustodialApprovalOverHTTP(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		priv, err := seal.GenerateKey(seal.SM2)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.MustJSON(map[string]any{"public_key_pem": string(priv.Public().MarshalPEM()), "not_after": webtest.TestNow.AddDate(1, 0, 0)})
		if r := w.Raw("maker.member", "POST", "/api/v1/keys", body); r.Status != 403 {
			t.Fatalf("a member registers a key: %d %s", r.Status, r.Body)
		}
		if r := w.Raw("exporter.admin", "POST", "/api/v1/keys", body); r.Status != 403 {
			t.Fatalf("an exporter registers a key: %d %s", r.Status, r.Body)
		}
		r := w.Raw("maker.admin", "POST", "/api/v1/keys", body)
		if r.Status != 201 || !strings.Contains(string(r.Body), priv.Public().ID()) {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}

		_, req := w.Awaiting()
		path := fmt.Sprintf("/api/v1/requests/%d", req.ID)
		tbs := w.Raw("maker.member", "GET", fmt.Sprintf("%s/document?outlet=%d", path, w.MakerRU), "")
		if tbs.Status != 200 || seal.CheckCanonical(tbs.Body) != nil {
			t.Fatalf("document to seal: %d %s", tbs.Status, tbs.Body)
		}
		if r := w.Raw("maker2.member", "GET", fmt.Sprintf("%s/document?outlet=%d", path, w.MakerRU), ""); r.Status != 404 {
			t.Fatalf("another maker reads the document: %d", r.Status)
		}
		e := seal.Envelope{Document: tbs.Body}
		if err := e.Sign(priv, fmt.Sprint(w.Orgs["maker"].ID), webtest.TestNow); err != nil {
			t.Fatal(err)
		}
		env, _ := e.Marshal()
		approve := func(env []byte) *webtest.Response {
			return w.Raw("maker.member", "POST", path+"/approve",
				fmt.Sprintf(`{"version":%d,"outlet_ids":[%d],"envelope":%s}`, req.Version, w.MakerRU, env))
		}
		// A seal over another outlet choice is refused, and changes nothing.
		bad := bytes.Replace(env, []byte(`"RU"`), []byte(`"KZ"`), 1)
		if r := approve(bad); r.Status != 422 || !strings.Contains(string(r.Body), "tampered") {
			t.Fatalf("tampered envelope: %d %s", r.Status, r.Body)
		}
		if r := approve(env); r.Status != 200 {
			t.Fatalf("approve with envelope: %d %s", r.Status, r.Body)
		}
		d := webtest.DocOf(t, w, ucx.DocConfirmation, req.ID)
		if !bytes.Equal(d.Envelope, env) {
			t.Fatalf("stored %s, sent %s", d.Envelope, env)
		}

		// Revocation by the issuer: verification then says revoked, with the time.
		if r := w.Raw("maker2.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"x"}`); r.Status != 403 {
			t.Fatalf("another org revokes: %d %s", r.Status, r.Body)
		}
		// The world's custodial key of maker seals the revocation.
		r = w.Raw("maker.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"outlet closed"}`)
		if r.Status != 201 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		var v bundle.Verification
		r = w.Raw("", "POST", "/api/v1/verify", string(env))
		if json.Unmarshal(r.Body, &v) != nil || v.OK || v.Status.Reason != string(seal.ReasonDocumentRevoked) || !strings.Contains(v.Status.Detail, "outlet closed") ||
			!strings.Contains(v.Status.Detail, "revoked at 20") {
			t.Fatalf("verify after revocation: %s", r.Body)
		}
		// Offline too: the bundle carries the sealed revocation.
		bu, err := bundle.Parse(w.Raw("maker.viewer", "GET", "/api/v1/documents/"+d.Digest+"/bundle", "").Body)
		if err != nil || len(bu.Revocations) != 1 {
			t.Fatalf("bundle after revocation: %+v %v", bu, err)
		}
		ver, err := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{w.Root(t)}, NoLog: true})
		if err != nil || ver.Status.Reason != string(seal.ReasonDocumentRevoked) || ver.Verdict != bundle.VerdictRevoked {
			t.Fatalf("offline verification after revocation: %+v %v", ver, err)
		}
	})
}

func TestDocuments_Authorization(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		_, req := w.Awaiting()
		app := w.UnderReview()
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		keys := w.Raw("authority.admin", "GET", "/api/v1/keys", "")
		var list struct{ Items []ucx.Key }
		if keys.Status != 200 || json.Unmarshal(keys.Body, &list) != nil || len(list.Items) != 1 || !list.Items[0].Custodial {
			t.Fatalf("keys: %d %s", keys.Status, keys.Body)
		}
		noPrivateKey(t, "GET /api/v1/keys", keys.Body)
		keyID := url.PathEscape(list.Items[0].ID)
		every := everyone()
		for _, c := range []struct {
			method, path, body string
			allowed            []string
			once               bool // the first allowed caller changes the record for good
		}{
			{"GET", "/api/v1/keys", "", every, false},
			{"GET", fmt.Sprintf("/api/v1/requests/%d/document?outlet=%d", req.ID, w.MakerRU), "", []string{"maker.admin", "maker.member"}, false},
			{"GET", fmt.Sprintf("/api/v1/applications/%d/licence-document", app.ID), "", []string{"authority.admin", "authority.member"}, false},
			{"GET", "/api/v1/documents/" + d.Digest + "/revocation-document?reason=x", "", []string{"authority.admin", "authority.member"}, false},
			{"POST", "/api/v1/keys", `{"custodial":true}`, []string{"maker.admin", "maker2.admin", "authority.admin"}, false},
			{"POST", "/api/v1/keys/" + keyID + "/revoke", `{"reason":"rotated"}`, []string{"authority.admin"}, true},
			{"POST", "/api/v1/documents/" + d.Digest + "/revoke", `{"reason":"error"}`, []string{"authority.member", "authority.admin"}, true},
		} {
			allowed := map[string]bool{}
			for _, u := range c.allowed {
				allowed[u] = true
			}
			for _, who := range append([]string{"", "bad"}, every...) {
				if allowed[who] {
					continue
				}
				r := w.Raw(who, c.method, c.path, c.body)
				if r.Status != 401 && r.Status != 403 && r.Status != 404 {
					t.Errorf("%s %s as %q: %d %s", c.method, c.path, who, r.Status, r.Body)
				}
			}
			for _, who := range c.allowed {
				r := w.Raw(who, c.method, c.path, c.body)
				if r.Status < 200 || r.Status > 299 {
					t.Errorf("%s %s as %s: %d %s", c.method, c.path, who, r.Status, r.Body)
				}
				noPrivateKey(t, c.method+" "+c.path, r.Body)
				if c.once {
					break
				}
			}
		}
	})
}

// The print view's QR code and verification link use the public address
// when the server has one; without it they use the request's host and the
// page says that the code is local.
func TestDocuments_PrintUsesThePublicAddress(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	lic := w.Licensed()
	d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
	path := "/documents/" + d.Digest + "/print"
	want := "/verify?digest=" + url.QueryEscape(d.Digest) + "&amp;vin=" + lic.Schedule[0].VIN + "&amp;lang=ru"

	page := string(w.Raw("exporter.member", "GET", path, "").Body)
	if !strings.Contains(page, `id="qr-local"`) || !strings.Contains(page, w.TS.URL+want) {
		t.Fatalf("without a public address the print view should link %s and say the QR is local: %.2000s", w.TS.URL+want, page)
	}

	w.Server.PublicURL = "https://ucx.example.cn"
	page = string(w.Raw("exporter.member", "GET", path, "").Body)
	if strings.Contains(page, `id="qr-local"`) || !strings.Contains(page, "https://ucx.example.cn"+want) || strings.Contains(page, w.TS.URL+want) {
		t.Fatalf("with a public address the print view should link only https://ucx.example.cn%s: %.2000s", want, page)
	}
}
