package html_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/demo"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// newSealedDemoSite is newDemoSite with sealing on, as `ucx serve --demo`
// runs it: a key-encryption key before seeding, so that the demo's
// letters and licences are sealed documents with digests.
func newSealedDemoSite(t *testing.T) *demoSite {
	t.Helper()
	ctx := context.Background()
	db := openMemoryDB(t)
	if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}
	world, err := demo.Seed(ctx, db, 648)
	if err != nil {
		t.Fatal(err)
	}
	lw := webtest.NewLogWriter(t)
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.ImportService, s.Sessions = db, db, db, db, db, db
	s.KeyService, s.DocumentService = db, db
	s.Policy = db.Policy
	s.Health = db.Ping
	s.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.LoginsPerMinute = 1000
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &demoSite{url: ts.URL, db: db, world: world}
}

// principal signs a demo user in on the store, for the test's own look-ups.
func (d *demoSite) principal(t *testing.T, user string) *ucx.Principal {
	t.Helper()
	p, err := d.db.Authenticate(context.Background(), user, d.password(t, user))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// docLinks reads the four document links inside sel, checks that each
// names digest, and fetches each in the browser (with the page's session)
// expecting 200 and the content type of what it is.
func (b *tab) docLinks(sel, digest string) map[string]string {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(css(sel+" .doclinks")))
	links := map[string]string{}
	for _, class := range []string{"doc-view", "doc-pdf", "doc-bundle", "doc-verify"} {
		href := get(b, "href of "+class, chromedp.AttributeValue(css(sel+" a."+class), "href"))
		if !href.Exists {
			b.t.Fatalf("%s has no %s link", sel, class)
		}
		h := href.Value
		if !strings.Contains(h, digest) && !strings.Contains(h, url.QueryEscape(digest)) {
			b.t.Errorf("%s link %s does not name %s", class, h, digest)
		}
		links[class] = h
	}
	want := map[string]string{"doc-view": "text/html", "doc-pdf": "application/pdf", "doc-bundle": "application/json", "doc-verify": "text/html"}
	for class, h := range links {
		js := fmt.Sprintf(`fetch(%q).then(r => r.status + " " + r.headers.get("Content-Type"))`, h)
		got := get(b, "fetch "+h, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if !strings.HasPrefix(got, "200 "+want[class]) {
			b.t.Errorf("%s link %s answers %q, want 200 %s", class, h, got, want[class])
		}
	}
	if code := b.text(sel + " .doclinks code"); code != digest {
		b.t.Errorf("%s shows digest %q, want %q", sel, code, digest)
	}
	return links
}

// Every page that names a sealed document links it: the exporter's and
// the authority's application page, the review queue's letters, the
// customs desk and the manufacturer's request page; each link opens.
func TestBrowser_DocumentsAreLinkedFromEveryPageThatNamesThem(t *testing.T) {
	ctx := newBrowser(t)
	site := newSealedDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	bg := context.Background()

	exporter := site.principal(t, "huayun-export")
	lics, _, err := site.db.FindLicences(bg, exporter, ucx.LicenceFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var lic *ucx.Licence
	for _, l := range lics {
		if l.DocumentDigest != "" && len(l.ConfirmationIDs) > 0 {
			lic = l
			break
		}
	}
	if lic == nil {
		t.Fatalf("the sealed demo has no sealed licence with a letter for huayun-export among %d", len(lics))
	}
	letter, err := site.db.FindRequestByID(bg, exporter, lic.ConfirmationIDs[0])
	if err != nil || letter.DocumentDigest == "" {
		t.Fatalf("the licence's letter: %v, %+v", err, letter)
	}

	b.login("huayun-export")
	b.open(fmt.Sprintf("/applications/%d", lic.ApplicationID))
	links := b.docLinks("#licence", lic.DocumentDigest)
	b.docLinks(fmt.Sprintf(`ul.docs li:has(a[href*=%q])`, strings.TrimPrefix(letter.DocumentDigest, "sha256:")), letter.DocumentDigest)
	// Following the links as a person would: the view, then verify.
	b.run("open the document view", chromedp.Click(css("#licence a.doc-view")), chromedp.WaitVisible(css("body")))
	if page := get(b, "print view", chromedp.Text(css("body"))); !strings.Contains(page, lic.DocumentDigest) || !strings.Contains(page, lic.Number) {
		t.Errorf("the document view does not show %s and %s: %.500s", lic.DocumentDigest, lic.Number, page)
	}
	b.open(fmt.Sprintf("/applications/%d", lic.ApplicationID))
	// The bundle is the document's: its envelope hashes to the digest.
	js := fmt.Sprintf(`fetch(%q).then(r => r.text())`, links["doc-bundle"])
	bun, err := bundle.Parse([]byte(get(b, "bundle", chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))))
	if err != nil {
		t.Fatalf("the bundle link does not give a bundle: %v", err)
	}
	var env struct{ Document json.RawMessage }
	if json.Unmarshal(bun.Envelope, &env) != nil || !strings.Contains(string(env.Document), lic.Number) {
		t.Errorf("the bundle's envelope is not licence %s", lic.Number)
	}
	b.logout()

	// The authority: the licensed application, and the review queue's
	// letters.
	b.login("gd-licensing")
	b.open(fmt.Sprintf("/applications/%d", lic.ApplicationID))
	b.docLinks("#licence", lic.DocumentDigest)
	authority := site.principal(t, "gd-licensing")
	queue, _, err := site.db.FindApplications(bg, authority, ucx.ApplicationFilter{State: ucx.StateUnderReview, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	approved, _, err := site.db.FindRequests(bg, authority, ucx.RequestFilter{State: ucx.ConfirmationApproved, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var queued *ucx.ConfirmationRequest
	for _, a := range queue {
		for _, r := range approved {
			if r.ApplicationID == a.ID && r.DocumentDigest != "" {
				queued = r
			}
		}
	}
	if queued == nil {
		t.Fatal("the demo's review queue has no application with a sealed letter")
	}
	b.open("/review")
	b.docLinks(fmt.Sprintf("#review-%d .letters", queued.ApplicationID), queued.DocumentDigest)
	b.logout()

	// Customs, looking the licence up by its number.
	b.login("huangpu-customs")
	b.open("/customs?q=" + url.QueryEscape(lic.Number))
	b.docLinks(fmt.Sprintf("#licence-%d", lic.ID), lic.DocumentDigest)
	b.logout()

	// The manufacturer, on its request.
	mfr := site.principal(t, "byd-compliance")
	reqs, _, err := site.db.FindRequests(bg, mfr, ucx.RequestFilter{State: ucx.ConfirmationApproved, Limit: 1})
	if err != nil || len(reqs) == 0 || reqs[0].DocumentDigest == "" {
		t.Fatalf("BYD's approved requests: %v, %+v", err, reqs)
	}
	b.login("byd-compliance")
	b.open(fmt.Sprintf("/requests/%d", reqs[0].ID))
	b.docLinks("#req-document", reqs[0].DocumentDigest)
}
