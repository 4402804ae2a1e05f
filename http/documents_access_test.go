package http_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// documentRoutes are the routes that serve a document whole.
var documentRoutes = []string{"/api/v1/documents/%s", "/api/v1/documents/%s/bundle", "/documents/%s/print", "/documents/%s/pdf"}

func documentPath(route, digest string) string { return strings.Replace(route, "%s", digest, 1) }

// Whole documents are for the parties to them: anonymous readers are sent
// to sign in or to the public verification (401), a signed-in organisation
// that is not a party gets the unknown digest's 404, the parties get the
// document, and whoever shows a VIN on it (the holder's capability) gets it
// without signing in; a wrong VIN is no VIN.
func TestDocuments_WholeDocumentsAreForThePartiesOrTheHolder(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		conf := webtest.DocOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
		vin := lic.Schedule[0].VIN
		other := w.VINFor(webtest.MakerWMI) // on no document
		unknown := "sha256:" + strings.Repeat("0", 64)

		cases := []struct {
			name, user, query string
			want              int
		}{
			{"anonymous", "", "", 401},
			{"a forged token", "bad", "", 401},
			{"anonymous with a wrong VIN", "", "?vin=" + other, 401},
			{"another exporter", "exporter2.member", "", 404},
			{"another manufacturer", "maker2.admin", "", 404},
			{"the operator", "operator.admin", "", 404},
			{"another exporter with a wrong VIN", "exporter2.member", "?vin=" + other, 404},
			{"the exporter it names", "exporter.viewer", "", 200},
			{"the manufacturer of its letter", "maker.viewer", "", 200},
			{"an authority", "authority.viewer", "", 200},
			{"customs", "customs.viewer", "", 200},
			{"anonymous with a VIN on it", "", "?vin=" + vin, 200},
			{"anonymous with a VIN on it in lower case", "", "?vin=" + strings.ToLower(vin), 200},
			{"another exporter with a VIN on it", "exporter2.member", "?vin=" + vin, 200},
		}
		for _, doc := range []*ucx.Document{d, conf} {
			for _, route := range documentRoutes {
				for _, c := range cases {
					path := documentPath(route, doc.Digest) + c.query
					r := w.Raw(c.user, "GET", path, "")
					if r.Status != c.want {
						t.Errorf("%s: GET %s: %d %.200s, want %d", c.name, path, r.Status, r.Body, c.want)
						continue
					}
					if c.want != 200 {
						e := r.ErrorBody(t)
						if c.want == 401 && c.user == "" && !strings.Contains(e.Message, "sign in") || c.want == 401 && c.user == "" && !strings.Contains(e.Message, "/verify?digest=") {
							t.Errorf("%s: GET %s: %q should say to sign in or verify at /verify", c.name, path, e.Message)
						}
						if strings.Contains(string(r.Body), vin) {
							t.Errorf("%s: the refusal names the VIN: %s", c.name, r.Body)
						}
					}
				}
				// Existence does not leak: a non-party's 404 is the unknown
				// digest's, and anonymous readers get 401 for both.
				known := w.Raw("exporter2.member", "GET", documentPath(route, doc.Digest), "")
				none := w.Raw("exporter2.member", "GET", documentPath(route, unknown), "")
				if known.Status != 404 || none.Status != 404 ||
					known.ErrorBody(t).Message != strings.Replace(none.ErrorBody(t).Message, strings.Repeat("0", 64), strings.TrimPrefix(doc.Digest, "sha256:"), 1) {
					t.Errorf("GET %s: a non-party's answer %d %s differs from the unknown digest's %d %s", route, known.Status, known.Body, none.Status, none.Body)
				}
				if r := w.Raw("", "GET", documentPath(route, unknown)+"?vin="+vin, ""); r.Status != 401 {
					t.Errorf("GET %s of no document with a VIN: %d, want 401 as for any digest", route, r.Status)
				}
			}
		}
	})
}

// GET /api/v1/verify answers anyone the verdict and the public facts of a
// document named by digest or licence number; every fact only with a VIN
// on it, and a wrong VIN answers byte for byte as no VIN.
func TestVerify_LookupAnswersPublicFactsAndEveryFactToTheHolder(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		vin := lic.Schedule[0].VIN
		exporter := w.Orgs["exporter"].Name
		get := func(query string) (*webtest.Response, *bundle.Verification) {
			t.Helper()
			r := w.Raw("", "GET", "/api/v1/verify?"+query, "")
			var v bundle.Verification
			if r.Status == 200 {
				if err := json.Unmarshal(r.Body, &v); err != nil {
					t.Fatal(err)
				}
			}
			return r, &v
		}

		byDigest, v := get("digest=" + url.QueryEscape(d.Digest))
		if byDigest.Status != 200 || v.Verdict != bundle.VerdictValid || !v.PublicOnly || v.Document != nil || v.Facts == nil {
			t.Fatalf("public verification: %d %s", byDigest.Status, byDigest.Body)
		}
		f := v.Facts
		if f.Number != lic.Number || f.Authority != w.Orgs["authority"].Name || f.IssuedOn == "" || f.ValidUntil == "" ||
			len(f.Destinations) != 1 || f.Destinations[0] != "RU" || f.VehicleCount != 1 || f.State != string(ucx.LicenceValid) ||
			f.Cleared == nil || *f.Cleared || v.Root == nil || v.Root.Fingerprint == "" {
			t.Errorf("public facts: %+v", f)
		}
		for _, secret := range []string{vin, exporter, w.Orgs["exporter"].FilingNumber, `"letters"`, `"document"`} {
			if strings.Contains(string(byDigest.Body), secret) {
				t.Errorf("the public verification reveals %s: %s", secret, byDigest.Body)
			}
		}

		wrong, _ := get("digest=" + url.QueryEscape(d.Digest) + "&vin=" + w.VINFor(webtest.MakerWMI))
		if wrong.Status != 200 || string(wrong.Body) != string(byDigest.Body) {
			t.Errorf("a wrong VIN answers otherwise than no VIN:\n%s\n%s", wrong.Body, byDigest.Body)
		}
		byNumber, _ := get("licence=" + strings.ToLower(lic.Number))
		if byNumber.Status != 200 || string(byNumber.Body) != string(byDigest.Body) {
			t.Errorf("by licence number: %d %s, want the same answer as by digest", byNumber.Status, byNumber.Body)
		}

		full, v := get("licence=" + url.QueryEscape(lic.Number) + "&vin=" + vin)
		if full.Status != 200 || v.PublicOnly || v.Facts.Exporter != exporter || len(v.Facts.Vehicles) != 1 || v.Facts.Vehicles[0].VIN != vin ||
			len(v.Facts.Letters) != 1 || v.Document == nil || v.Verdict != bundle.VerdictValid {
			t.Errorf("the holder's verification: %d %s", full.Status, full.Body)
		}

		for _, c := range []struct {
			query string
			want  int
		}{
			{"", 400},
			{"digest=nonsense", 400},
			{"digest=sha256:" + strings.Repeat("0", 64), 404},
			{"licence=UCX-1999-000000", 404},
		} {
			if r := w.Raw("", "GET", "/api/v1/verify?"+c.query, ""); r.Status != c.want {
				t.Errorf("GET /api/v1/verify?%s: %d %s, want %d", c.query, r.Status, r.Body, c.want)
			} else {
				r.ErrorBody(t)
			}
		}

		// The state follows the records: cleared, then revoked.
		if _, err := w.C("customs.member").RecordClearance(context.Background(), nil, lic.ID, "Horgos", "D-77"); err != nil {
			t.Fatal(err)
		}
		if _, v := get("digest=" + url.QueryEscape(d.Digest)); v.Facts.State != string(ucx.LicenceCleared) || v.Facts.Cleared == nil || !*v.Facts.Cleared {
			t.Errorf("after clearance: %+v", v.Facts)
		}
		if r := w.Raw("authority.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.Status != 201 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if _, v := get("digest=" + url.QueryEscape(d.Digest)); v.Verdict != bundle.VerdictRevoked || v.Facts.State != string(ucx.LicenceRevoked) {
			t.Errorf("after revocation: verdict %s, facts %+v", v.Verdict, v.Facts)
		}
	})
}

// The /verify page by digest shows the public facts only; with a VIN on
// the document (what the print view's QR code carries) every fact and
// download links that open for a reader who is not signed in.
func TestUIVerify_PublicFactsByDigestAndEveryFactWithAVIN(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		w.Server.WebVerify = func(ctx context.Context, doc []byte) (any, error) { return w.Server.Verify(ctx, doc) }
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		vin := lic.Schedule[0].VIN
		exporter := w.Orgs["exporter"].Name

		r := w.Raw("", "GET", "/verify?digest="+url.QueryEscape(d.Digest)+"&lang=ru", "")
		page := string(r.Body)
		if r.Status != 200 || !strings.Contains(page, `data-verdict="valid"`) || !strings.Contains(page, lic.Number) || !strings.Contains(page, `id="public-only"`) {
			t.Fatalf("public verify page: %d %.1500s", r.Status, page)
		}
		if strings.Contains(page, vin) || strings.Contains(page, exporter) || strings.Contains(page, `id="downloads"`) {
			t.Errorf("the public verify page shows the VIN, the exporter or downloads: %.3000s", page)
		}

		// The print view's QR address lands on every fact.
		print := string(w.Raw("exporter.member", "GET", "/documents/"+d.Digest+"/print", "").Body)
		qr := "/verify?digest=" + url.QueryEscape(d.Digest) + "&vin=" + vin + "&lang=ru"
		if !strings.Contains(print, strings.ReplaceAll(qr, "&", "&amp;")) {
			t.Fatalf("the print view does not link %s", qr)
		}
		r = w.Raw("", "GET", qr, "")
		page = string(r.Body)
		if r.Status != 200 || !strings.Contains(page, exporter) || !strings.Contains(page, vin) || strings.Contains(page, `id="public-only"`) ||
			!strings.Contains(page, "Лицензия на экспорт") || !strings.Contains(page, `id="fact-letters"`) {
			t.Fatalf("verify page with a VIN: %d %.3000s", r.Status, page)
		}
		for _, link := range []string{"/documents/" + url.PathEscape(d.Digest) + "/pdf?vin=" + vin, "/api/v1/documents/" + url.PathEscape(d.Digest) + "/bundle?vin=" + vin,
			"/documents/" + url.PathEscape(d.Digest) + "/print?vin=" + vin} {
			if !strings.Contains(page, `href="`+link+`"`) {
				t.Errorf("the holder's page lacks the link %s", link)
				continue
			}
			if got := w.Raw("", "GET", link, ""); got.Status != 200 {
				t.Errorf("anonymous GET %s: %d", link, got.Status)
			}
		}
		// By licence number, and with a wrong VIN: the public facts only.
		for _, q := range []string{"licence=" + url.QueryEscape(lic.Number), "digest=" + url.QueryEscape(d.Digest) + "&vin=" + w.VINFor(webtest.MakerWMI)} {
			page := string(w.Raw("", "GET", "/verify?"+q+"&lang=en", "").Body)
			if !strings.Contains(page, `id="public-only"`) || strings.Contains(page, vin) || strings.Contains(page, exporter) {
				t.Errorf("/verify?%s shows more than the public facts: %.2000s", q, page)
			}
		}
		if r := w.Raw("", "GET", "/verify?licence=UCX-1999-000000&lang=ru", ""); r.Status != 404 || !strings.Contains(string(r.Body), "Заверенной лицензии с таким номером здесь нет") {
			t.Errorf("unknown licence number: %d %.1500s", r.Status, r.Body)
		}
	})
}
