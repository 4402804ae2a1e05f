package html_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// englishOnVerify are texts of the English /verify page that must not
// show on the Chinese or Russian one.
var englishOnVerify = []string{"Integrity", "Issuer", "Transparency log", "What the document says", "Valid until", "Licence number",
	"Exporter", "Vehicles", "Download", "possible forgery", "paste the document", "Choose the file", "Look up"}

// phone sets a 390×844 viewport, a phone's, and checks the page does not
// scroll sideways.
func (b *tab) phoneFits(step string) {
	b.t.Helper()
	scrollW := get(b, step+": scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	clientW := get(b, step+": client width", chromedp.Evaluate[int](`document.documentElement.clientWidth`))
	if scrollW > clientW+1 {
		b.t.Errorf("%s: the page is %dpx wide on a %dpx phone: it scrolls sideways", step, scrollW, clientW)
	}
}

// The buyer's side in a real Chromium at phone size, in Chinese, English
// and Russian: a genuine bundle uploaded on /verify is valid; a field
// changed, a signature flipped, a seal swapped are NOT VALID; a foreign
// root cannot be checked (never valid); a revoked licence is revoked; the
// genuine PDF is valid. Then the buyer's walk: the printed licence's QR
// address opens the full facts in Russian, the PDF downloads through the
// page's link, and those bytes verify offline with bundle.Verify against
// the anchors the platform publishes, as ucx verify does.
func TestBrowser_VerifyPageGivesTheVerdictOnAPhoneInThreeLanguages(t *testing.T) {
	ctx := newBrowser(t)
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	integrate, logKey := webtest.WithLog(t, w, 0) // the server verifies as ucx serve wires it (WebVerify = Server.Verify)
	lic := w.Licensed()
	revokedLic := w.Licensed()
	d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
	conf := webtest.DocOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
	rd := webtest.DocOf(t, w, ucx.DocLicence, revokedLic.ID)
	if r := w.Raw("authority.member", "POST", "/api/v1/documents/"+rd.Digest+"/revoke", `{"reason":"issued in error"}`); r.Status != 201 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	integrate()
	genuine := w.BundleOf(t, d.Digest)
	vin := lic.Schedule[0].VIN

	// The documents a holder might upload, genuine and tampered.
	dir := t.TempDir()
	type upload struct{ name, file, want string }
	var uploads []upload
	save := func(name, ext string, b []byte, want string) {
		f := filepath.Join(dir, name+ext)
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		uploads = append(uploads, upload{name, f, want})
	}
	save("genuine", ".json", webtest.MarshalBundle(t, genuine), bundle.VerdictValid)
	other := "0"
	if vin[16] == '0' {
		other = "1"
	}
	save("field-changed", ".json", []byte(strings.Replace(string(webtest.MarshalBundle(t, genuine)), vin, vin[:16]+other, 1)), bundle.VerdictNotValid)
	env := string(genuine.Envelope)
	i := strings.Index(env, `"sig":"`) + len(`"sig":"`) + 5
	flip := "A"
	if env[i] == 'A' {
		flip = "B"
	}
	flipped := *genuine
	flipped.Envelope = json.RawMessage(env[:i] + flip + env[i+1:])
	save("signature-flipped", ".json", webtest.MarshalBundle(t, &flipped), bundle.VerdictNotValid)
	le, _ := seal.ParseEnvelope(genuine.Envelope)
	ce, _ := seal.ParseEnvelope(conf.Envelope)
	le.Seals = ce.Seals
	swappedEnv, _ := le.Marshal()
	swapped := *genuine
	swapped.Envelope = swappedEnv
	save("seal-swapped", ".json", webtest.MarshalBundle(t, &swapped), bundle.VerdictNotValid)
	fRoot, _ := seal.GenerateKey(seal.Ed25519)
	fKey, _ := seal.GenerateKey(seal.Ed25519)
	auth := w.Orgs["authority"]
	fList := seal.TrustList{Sequence: 1, Keys: []seal.TrustedKey{seal.NewTrustedKey(fKey.Public(),
		seal.Org{ID: fmt.Sprint(auth.ID), Kind: "authority", Name: auth.Name}, webtest.TestNow.AddDate(-1, 0, 0), webtest.TestNow.AddDate(1, 0, 0))}}
	fListEnv, err := fList.Seal(fRoot, webtest.TestNow)
	if err != nil {
		t.Fatal(err)
	}
	fe := seal.Envelope{Document: webtest.MustDocument(t, d.Envelope)}
	if err := fe.Sign(fKey, fmt.Sprint(auth.ID), webtest.TestNow); err != nil {
		t.Fatal(err)
	}
	feEnv, _ := fe.Marshal()
	foreign := bundle.Bundle{Type: bundle.Type, Envelope: feEnv, TrustList: fListEnv, RootPublicKey: string(fRoot.Public().MarshalPEM()),
		Revocations: []json.RawMessage{}, TransparencyLog: genuine.TransparencyLog}
	save("foreign-root", ".json", webtest.MarshalBundle(t, &foreign), bundle.VerdictCannotCheck)
	save("revoked", ".json", webtest.MarshalBundle(t, w.BundleOf(t, rd.Digest)), bundle.VerdictRevoked)
	pdf := w.Raw("exporter.member", "GET", "/documents/"+d.Digest+"/pdf", "")
	if pdf.Status != 200 || !docpdf.IsPDF(pdf.Body) {
		t.Fatalf("the licence's PDF: %d", pdf.Status)
	}
	save("genuine-pdf", ".pdf", pdf.Body, bundle.VerdictValid)

	b := &tab{t: t, ctx: ctx, site: &demoSite{url: w.TS.URL}}
	b.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, lang := range []string{"zh", "en", "ru"} {
		t.Run(lang, func(t *testing.T) {
			b.t = t
			b.open("/lang/" + lang + "?next=/verify")
			b.run("the verify page in "+lang, chromedp.WaitVisible(css(`html[lang^="`+lang+`"]`)), chromedp.WaitVisible(css(`#f-file`)))
			b.phoneFits("the empty page")
			b.shot("verify-" + lang + "-00-empty-phone")
			for _, u := range uploads {
				b.open("/verify")
				b.run("upload "+u.name,
					chromedp.WaitVisible(css(`#f-file`)),
					chromedp.SetUploadFiles(css(`#f-file`), []string{u.file}),
					chromedp.Click(css(`#verify-submit`)),
					chromedp.WaitVisible(css(`#verdict`)),
				)
				got := b.text("#verdict")
				verdict := get(b, "verdict code", chromedp.AttributeValue(css(`#verdict`), "data-verdict")).Value
				if want := bundle.Texts[lang].Verdicts[u.want]; got != want || verdict != u.want {
					t.Errorf("%s: the page says %q (%s), want %q (%s)", u.name, got, verdict, want, u.want)
				}
				if u.want == bundle.VerdictValid {
					facts := b.text("#facts")
					for _, f := range []string{lic.Number, w.Orgs["exporter"].Name, auth.Name} {
						if !strings.Contains(facts, f) {
							t.Errorf("%s: the facts lack %s: %q", u.name, f, facts)
						}
					}
					if v := b.text("#fact-vehicles"); !strings.Contains(v, vin) {
						t.Errorf("%s: the vehicles lack %s: %q", u.name, vin, v)
					}
				}
				if u.want != bundle.VerdictValid && u.want != bundle.VerdictRevoked {
					if state := get(b, "state", chromedp.Evaluate[bool](`document.querySelector("#fact-state") !== null`)); state {
						t.Errorf("%s: a document that did not verify shows the platform's state of the genuine one", u.name)
					}
				}
				if lang != "en" {
					main := b.text("main")
					for _, en := range englishOnVerify {
						if strings.Contains(main, en) {
							t.Errorf("%s (%s): English on the page: %q", u.name, lang, en)
						}
					}
				}
				b.phoneFits(u.name)
				b.shot("verify-" + lang + "-" + u.name)
			}
		})
	}
	b.t = t

	// The buyer's walk: a stranger's phone, no session, the QR address of
	// the printed licence (read from the print view the exporter printed).
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	print := string(w.Raw("exporter.member", "GET", "/documents/"+d.Digest+"/print", "").Body)
	m := regexp.MustCompile(`在线核验 Verify: <a href="([^"]+)"`).FindStringSubmatch(print)
	if m == nil {
		t.Fatalf("the print view has no verify address: %.2000s", print)
	}
	qr := html.UnescapeString(m[1])
	if !strings.HasPrefix(qr, w.TS.URL+"/verify?digest=") || !strings.Contains(qr, "vin="+vin) || !strings.Contains(qr, "lang=ru") {
		t.Fatalf("the QR address %s lacks the digest, the first VIN or lang=ru", qr)
	}
	b.run("scan the QR code", chromedp.Navigate(qr), chromedp.WaitVisible(css(`#verdict`)))
	if got, want := b.text("#verdict"), bundle.Texts["ru"].Verdicts[bundle.VerdictValid]; got != want {
		t.Errorf("the QR address says %q, want %q", got, want)
	}
	facts := b.text("#facts")
	for _, f := range []string{lic.Number, w.Orgs["exporter"].Name, auth.Name, "Россия", "действует", "Лицензия на экспорт"} {
		if !strings.Contains(facts, f) {
			t.Errorf("the buyer's facts lack %q: %q", f, facts)
		}
	}
	if v := b.text("#fact-vehicles"); !strings.Contains(v, vin) {
		t.Errorf("the buyer's page lacks the VIN: %q", v)
	}
	b.phoneFits("the buyer's page")
	b.shot("verify-ru-buyer-qr-full-facts")
	href := get(b, "the PDF link", chromedp.AttributeValue(css(`#downloads a.doc-pdf`), "href"))
	if !href.Exists || !strings.Contains(href.Value, "vin="+vin) {
		t.Fatalf("the buyer's page has no PDF link carrying the VIN: %+v", href)
	}
	js := fmt.Sprintf(`fetch(%q).then(r => { if (!r.ok) throw new Error("status " + r.status); return r.arrayBuffer() }).then(buf => {
		let s = ""; const a = new Uint8Array(buf); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s) })`, href.Value)
	b64 := get(b, "download the PDF", chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	got, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	// Offline, as ucx verify FILE.pdf: the bundle the PDF carries, against
	// the anchors published at /.well-known/ucx-root.
	raw, err := docpdf.Bundle(got)
	if err != nil {
		t.Fatalf("the downloaded PDF carries no bundle: %v", err)
	}
	anchors, err := bundle.ParseAnchors(w.Raw("", "GET", bundle.WellKnownPath, "").Body)
	if err != nil {
		t.Fatal(err)
	}
	var opts bundle.Options
	if err := anchors.Apply(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.LogKey == nil {
		opts.LogKey = logKey
	}
	v, err := bundle.Verify(raw, opts)
	if err != nil || v.Verdict != bundle.VerdictValid || v.Digest != d.Digest || v.Facts.Number != lic.Number {
		t.Fatalf("the downloaded PDF verified offline: %+v, %v", v, err)
	}

	// The same address without the VIN: the public facts only.
	b.run("the public address", chromedp.Navigate(w.TS.URL+"/verify?digest="+url.QueryEscape(d.Digest)+"&lang=ru"), chromedp.WaitVisible(css(`#public-only`)))
	if page := b.text("main"); strings.Contains(page, vin) || strings.Contains(page, w.Orgs["exporter"].Name) {
		t.Errorf("the public facts show the VIN or the exporter: %q", page)
	}
	b.phoneFits("the public facts")
	b.shot("verify-ru-public-facts")
}
