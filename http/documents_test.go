package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
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

// digestOf returns the sealed confirmation's digest of request id, from
// the store.
func docOf(t testing.TB, w *world, kind string, id int64) *ucx.Document {
	t.Helper()
	d, err := w.db.DocumentFor(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("no sealed %s %d: %v", kind, id, err)
	}
	return d
}

func TestDocuments_SealedWorkflowVerifiesOfflineFromItsBundle(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
		conf := docOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])

		for _, doc := range []*ucx.Document{d, conf} {
			r := w.raw("exporter.viewer", "GET", "/api/v1/documents/"+doc.Digest+"/bundle", "")
			if r.status != 200 {
				t.Fatalf("bundle: %d %s", r.status, r.body)
			}
			noPrivateKey(t, "the bundle", r.body)
			bu, err := bundle.Parse(r.body)
			if err != nil {
				t.Fatal(err)
			}
			// Offline: the pinned root key from /trust-root, nothing else.
			root, err := seal.ParsePublicKeyPEM(w.raw("", "GET", "/api/v1/trust-root", "").body)
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
			if got := w.raw("customs.viewer", "GET", "/api/v1/documents/"+strings.TrimPrefix(doc.Digest, "sha256:"), ""); got.status != 200 || !bytes.Equal(got.body, doc.Envelope) {
				t.Fatalf("GET document: %d %s", got.status, got.body)
			}
		}

		// Verification over the API: valid, then tampered.
		r := w.raw("", "POST", "/api/v1/verify", string(d.Envelope))
		var v bundle.Verification
		if r.status != 200 || json.Unmarshal(r.body, &v) != nil || !v.OK || v.Digest != d.Digest || len(v.Seals) != 1 || v.Seals[0].OrgName != w.orgs["authority"].Name {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		tampered := strings.Replace(string(d.Envelope), lic.Number, "UCX-2026-999999", 1)
		r = w.raw("", "POST", "/api/v1/verify", tampered)
		if json.Unmarshal(r.body, &v) != nil || v.OK || v.Integrity.Reason != string(seal.ReasonTampered) {
			t.Fatalf("verify tampered: %d %s", r.status, r.body)
		}
		if r := w.raw("", "POST", "/api/v1/verify", `{"not":"an envelope"}`); r.status != 400 {
			t.Fatalf("verify garbage: %d %s", r.status, r.body)
		}

		// The print view: fields in both languages, the digest, a QR code.
		r = w.raw("exporter.member", "GET", "/documents/"+d.Digest+"/print", "")
		page := string(r.body)
		if r.status != 200 || !strings.Contains(page, "许可证号 Licence number") || !strings.Contains(page, lic.Number) ||
			!strings.Contains(page, d.Digest) || !strings.Contains(page, "<svg") || !strings.Contains(page, "/verify?digest="+url.QueryEscape(d.Digest)+"&amp;vin="+lic.Schedule[0].VIN+"&amp;lang=ru") {
			t.Fatalf("print view: %d %.400s", r.status, page)
		}
		// Public and showing text others filed: no script may run in it.
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("print view CSP %q; want default-src 'none' and no script source", csp)
		}
		if r := w.raw("customs.viewer", "GET", "/api/v1/documents/sha256:"+strings.Repeat("0", 64), ""); r.status != 404 {
			t.Fatalf("unknown digest: %d", r.status)
		}
	})
}

func TestDocuments_NonCustodialApprovalOverHTTP(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		priv, err := seal.GenerateKey(seal.SM2)
		if err != nil {
			t.Fatal(err)
		}
		body := mustJSON(map[string]any{"public_key_pem": string(priv.Public().MarshalPEM()), "not_after": testNow.AddDate(1, 0, 0)})
		if r := w.raw("maker.member", "POST", "/api/v1/keys", body); r.status != 403 {
			t.Fatalf("a member registers a key: %d %s", r.status, r.body)
		}
		if r := w.raw("exporter.admin", "POST", "/api/v1/keys", body); r.status != 403 {
			t.Fatalf("an exporter registers a key: %d %s", r.status, r.body)
		}
		r := w.raw("maker.admin", "POST", "/api/v1/keys", body)
		if r.status != 201 || !strings.Contains(string(r.body), priv.Public().ID()) {
			t.Fatalf("register: %d %s", r.status, r.body)
		}

		_, req := w.awaiting()
		path := fmt.Sprintf("/api/v1/requests/%d", req.ID)
		tbs := w.raw("maker.member", "GET", fmt.Sprintf("%s/document?outlet=%d", path, w.makerRU), "")
		if tbs.status != 200 || seal.CheckCanonical(tbs.body) != nil {
			t.Fatalf("document to seal: %d %s", tbs.status, tbs.body)
		}
		if r := w.raw("maker2.member", "GET", fmt.Sprintf("%s/document?outlet=%d", path, w.makerRU), ""); r.status != 404 {
			t.Fatalf("another maker reads the document: %d", r.status)
		}
		e := seal.Envelope{Document: tbs.body}
		if err := e.Sign(priv, fmt.Sprint(w.orgs["maker"].ID), testNow); err != nil {
			t.Fatal(err)
		}
		env, _ := e.Marshal()
		approve := func(env []byte) *response {
			return w.raw("maker.member", "POST", path+"/approve",
				fmt.Sprintf(`{"version":%d,"outlet_ids":[%d],"envelope":%s}`, req.Version, w.makerRU, env))
		}
		// A seal over another outlet choice is refused, and changes nothing.
		bad := bytes.Replace(env, []byte(`"RU"`), []byte(`"KZ"`), 1)
		if r := approve(bad); r.status != 422 || !strings.Contains(string(r.body), "tampered") {
			t.Fatalf("tampered envelope: %d %s", r.status, r.body)
		}
		if r := approve(env); r.status != 200 {
			t.Fatalf("approve with envelope: %d %s", r.status, r.body)
		}
		d := docOf(t, w, ucx.DocConfirmation, req.ID)
		if !bytes.Equal(d.Envelope, env) {
			t.Fatalf("stored %s, sent %s", d.Envelope, env)
		}

		// Revocation by the issuer: verification then says revoked, with the time.
		if r := w.raw("maker2.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"x"}`); r.status != 403 {
			t.Fatalf("another org revokes: %d %s", r.status, r.body)
		}
		// The world's custodial key of maker seals the revocation.
		r = w.raw("maker.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"outlet closed"}`)
		if r.status != 201 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		var v bundle.Verification
		r = w.raw("", "POST", "/api/v1/verify", string(env))
		if json.Unmarshal(r.body, &v) != nil || v.OK || v.Status.Reason != string(seal.ReasonDocumentRevoked) || !strings.Contains(v.Status.Detail, "outlet closed") ||
			!strings.Contains(v.Status.Detail, "revoked at 20") {
			t.Fatalf("verify after revocation: %s", r.body)
		}
		// Offline too: the bundle carries the sealed revocation.
		bu, err := bundle.Parse(w.raw("maker.viewer", "GET", "/api/v1/documents/"+d.Digest+"/bundle", "").body)
		if err != nil || len(bu.Revocations) != 1 {
			t.Fatalf("bundle after revocation: %+v %v", bu, err)
		}
		ver, err := bundle.VerifyBundle(bu, bundle.Options{Roots: []*seal.PublicKey{w.root(t)}, NoLog: true})
		if err != nil || ver.Status.Reason != string(seal.ReasonDocumentRevoked) || ver.Verdict != bundle.VerdictRevoked {
			t.Fatalf("offline verification after revocation: %+v %v", ver, err)
		}
	})
}

func TestDocuments_Authorization(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		_, req := w.awaiting()
		app := w.underReview()
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
		keys := w.raw("authority.admin", "GET", "/api/v1/keys", "")
		var list struct{ Items []ucx.Key }
		if keys.status != 200 || json.Unmarshal(keys.body, &list) != nil || len(list.Items) != 1 || !list.Items[0].Custodial {
			t.Fatalf("keys: %d %s", keys.status, keys.body)
		}
		noPrivateKey(t, "GET /api/v1/keys", keys.body)
		keyID := url.PathEscape(list.Items[0].ID)
		every := everyone()
		for _, c := range []struct {
			method, path, body string
			allowed            []string
			once               bool // the first allowed caller changes the record for good
		}{
			{"GET", "/api/v1/keys", "", every, false},
			{"GET", fmt.Sprintf("/api/v1/requests/%d/document?outlet=%d", req.ID, w.makerRU), "", []string{"maker.admin", "maker.member"}, false},
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
				r := w.raw(who, c.method, c.path, c.body)
				if r.status != 401 && r.status != 403 && r.status != 404 {
					t.Errorf("%s %s as %q: %d %s", c.method, c.path, who, r.status, r.body)
				}
			}
			for _, who := range c.allowed {
				r := w.raw(who, c.method, c.path, c.body)
				if r.status < 200 || r.status > 299 {
					t.Errorf("%s %s as %s: %d %s", c.method, c.path, who, r.status, r.body)
				}
				noPrivateKey(t, c.method+" "+c.path, r.body)
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
	w := newWorld(t, mustOpenDB(t, sqlstore.SQLite))
	lic := w.licensed()
	d := docOf(t, w, ucx.DocLicence, lic.ID)
	path := "/documents/" + d.Digest + "/print"
	want := "/verify?digest=" + url.QueryEscape(d.Digest) + "&amp;vin=" + lic.Schedule[0].VIN + "&amp;lang=ru"

	page := string(w.raw("exporter.member", "GET", path, "").body)
	if !strings.Contains(page, `id="qr-local"`) || !strings.Contains(page, w.ts.URL+want) {
		t.Fatalf("without a public address the print view should link %s and say the QR is local: %.2000s", w.ts.URL+want, page)
	}

	w.server.PublicURL = "https://ucx.example.cn"
	page = string(w.raw("exporter.member", "GET", path, "").body)
	if strings.Contains(page, `id="qr-local"`) || !strings.Contains(page, "https://ucx.example.cn"+want) || strings.Contains(page, w.ts.URL+want) {
		t.Fatalf("with a public address the print view should link only https://ucx.example.cn%s: %.2000s", want, page)
	}
}
