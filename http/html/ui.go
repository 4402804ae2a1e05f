// Package html is the web UI: server-rendered pages for every party, in
// Simplified Chinese by default and English (the public verification page
// also in Russian), and the printable view of sealed documents.
//
// The UI is a second front end over the same root services as the API
// (package http, which mounts it on the server's mux with the same
// instrumentation): every page calls the very methods the JSON handlers
// call, with the signed-in user's principal, so what a page shows and what
// a button may do is decided once, below HTTP. The UI adds only
// presentation: templates, translations, forms that keep what was typed
// and put each error beside its field. It reads requests with the API's
// own functions (package wire) and takes what only the server knows (the
// login rate limiter, the stored documents' verification, the request's
// log record) as functions in the UI's fields.
//
// Files: ui*.go (handlers), templates/*.html (one per page, plus a shared
// layout), assets/ (CSS and a small script), all embedded so that a
// machine with no internet serves the whole UI; ui_i18n.go (the zh/en/ru
// catalogue); print.go (the printable view and its bilingual labels).
package html

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/i18n"
)

//go:embed templates/*.html
var uiTemplateFS embed.FS

//go:embed assets
var uiAssetFS embed.FS

// SessionCookie is the name of the web UI's session cookie. The API
// accepts it besides a bearer token so that the UI's scripts (the live
// policy check) can call the API as the signed-in user.
const SessionCookie = "ucx_session"

// Cookie names of the UI besides the session (SessionCookie).
const (
	uiLangCookie = "ucx_lang"
)

// UI is the web UI's handlers. The server fills its fields and calls
// Register once, before serving; the UI holds no state of its own but its
// parsed templates.
type UI struct {
	// The services every page calls with the signed-in user's principal;
	// they, not the pages, decide what the principal may do.
	OrgService         ucx.OrgService
	ApplicationService ucx.ApplicationService
	RequestService     ucx.RequestService
	LicenceService     ucx.LicenceService
	ImportService      ucx.ImportService
	CreditService      ucx.CreditService
	FiguresService     ucx.FiguresService
	// NotificationService serves the bell and the notification pages
	// (ui_notify.go); nil hides the bell and answers them unavailable.
	NotificationService ucx.NotificationService
	// ShipmentService serves the batch workflow's pages (ui_shipment.go,
	// R4); nil hides their links and answers them unavailable.
	ShipmentService ucx.ShipmentService
	// DeregistrationService serves the deregistration section of the
	// exporter's shipment page and the authority's overdue list (R16); nil
	// leaves them out.
	DeregistrationService ucx.DeregistrationService
	// Sessions resolves the session cookie; when it is also a
	// ucx.WebSessionService, users sign in on /login (nil: nobody can).
	Sessions ucx.SessionService
	// WebVerify returns the checker of documents pasted or uploaded on
	// /verify, read at each request; nil, or a nil checker, shows "not
	// available yet".
	WebVerify func() VerifyFunc
	// VerifyStored is the API's lookup of a stored document by digest or
	// licence number (GET /api/v1/verify), which /verify?digest= shows.
	VerifyStored func(r *http.Request, digest, licence, vin string) (*wire.StoredVerification, error)
	// TrustAnchors returns the platform's trust anchors, whose root
	// fingerprint /verify shows; nil or an error shows none.
	TrustAnchors func(ctx context.Context) (*bundle.Anchors, error)
	// ReadUpload reads an uploaded file within the server's upload limit,
	// as the API's import does.
	ReadUpload func(w http.ResponseWriter, r *http.Request) (name string, data []byte, err error)
	// LoginAllowed and LoginFailed are the API's login rate limiter, so
	// that the form and POST /api/v1/auth/login share one budget.
	LoginAllowed func(r *http.Request, username string) (bool, time.Duration)
	LoginFailed  func(r *http.Request)
	// Observe, when set, tells the request's instrumentation who is
	// signed in and the error answered (either may be nil), for the
	// request's log line.
	Observe func(r *http.Request, p *ucx.Principal, err error)
	// CSRF is the cross-origin check applied to every unsafe request; nil
	// takes http.NewCrossOriginProtection's defaults.
	CSRF *http.CrossOriginProtection
	// MaxBodyBytes limits posted forms.
	MaxBodyBytes int64
	// Logger returns the logger of internal errors, read at each request;
	// nil discards them.
	Logger func() *slog.Logger
	// Now is the clock for "today" and "waited"; nil is time.Now.
	Now func() time.Time

	web *ui
}

func (s *UI) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *UI) logger() *slog.Logger {
	if s.Logger != nil {
		if l := s.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}

func (s *UI) maxBody() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return 1 << 20 // the API's default
}

func (s *UI) webVerify() VerifyFunc {
	if s.WebVerify == nil {
		return nil
	}
	return s.WebVerify()
}

func (s *UI) loginAllowed(r *http.Request, username string) (bool, time.Duration) {
	if s.LoginAllowed == nil {
		return true, 0
	}
	return s.LoginAllowed(r, username)
}

func (s *UI) loginFailed(r *http.Request) {
	if s.LoginFailed != nil {
		s.LoginFailed(r)
	}
}

func (s *UI) readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	if s.ReadUpload == nil {
		return "", nil, ucx.Errorf(ucx.EUNAVAILABLE, "uploads are not configured on this server")
	}
	return s.ReadUpload(w, r)
}

func (s *UI) verifyStored(r *http.Request, digest, licence, vin string) (*wire.StoredVerification, error) {
	if s.VerifyStored == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "document verification is not configured on this server")
	}
	return s.VerifyStored(r, digest, licence, vin)
}

func (s *UI) trustAnchors(ctx context.Context) (*bundle.Anchors, error) {
	if s.TrustAnchors == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "no trust anchors on this server")
	}
	return s.TrustAnchors(ctx)
}

// observe records p and err for the request's log line.
func (s *UI) observe(r *http.Request, p *ucx.Principal, err error) {
	if s.Observe != nil {
		s.Observe(r, p, err)
	}
}

// VerifyFunc checks a sealed document (a confirmation or a licence, as
// JSON or a verification bundle) and returns what the verification page
// shows. The sealed-documents work provides it; until then the page says
// verification is not available yet.
type VerifyFunc func(ctx context.Context, doc []byte) (any, error)

// ui holds what the UI builds once, at start-up: the parsed page templates
// and the fingerprinted asset URLs.
type ui struct {
	pages  map[string]*template.Template
	assets map[string]uiAsset // by URL path, e.g. /assets/ucx.css
	css    string             // /assets/ucx.css?v=…
	js     string
}

type uiAsset struct {
	body  []byte
	ctype string
}

// newUI parses every page template against the shared layout. A template
// that does not parse, or a page missing from uiPageTemplates, stops the
// server at start-up rather than at the first visitor.
func newUI() (*ui, error) {
	u := &ui{pages: map[string]*template.Template{}, assets: map[string]uiAsset{}}
	base, err := template.New("layout.html").Funcs(uiFuncs).ParseFS(uiTemplateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("ui: layout: %w", err)
	}
	for _, name := range uiPageTemplates {
		t, err := template.Must(base.Clone()).ParseFS(uiTemplateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: page %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("ui: page %s defines no \"content\" template", name)
		}
		u.pages[name] = t
	}
	// Every page file must be declared, so a page cannot be forgotten.
	files, _ := fs.Glob(uiTemplateFS, "templates/*.html")
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name != "layout" && u.pages[name] == nil {
			return nil, fmt.Errorf("ui: templates/%s.html is not in uiPageTemplates", name)
		}
	}
	err = fs.WalkDir(uiAssetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := uiAssetFS.ReadFile(p)
		if err != nil {
			return err
		}
		ctype := "application/octet-stream"
		switch path.Ext(p) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		u.assets["/"+p] = uiAsset{body: b, ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, err
	}
	u.css = u.assetURL("/assets/ucx.css")
	u.js = u.assetURL("/assets/ucx.js")
	return u, nil
}

// assetURL appends the content's hash, so browsers may cache an asset for
// a year and still see a new version the moment it changes.
func (u *ui) assetURL(p string) string {
	a, ok := u.assets[p]
	if !ok {
		panic("ui: no asset " + p)
	}
	sum := sha256.Sum256(a.body)
	return p + "?v=" + hex.EncodeToString(sum[:6])
}

// uiPageTemplates names every page; each has templates/<name>.html
// defining "content" (and optionally "title").
var uiPageTemplates = []string{
	"login", "error", "home", "dashboard", "applications", "application", "new_application",
	"import", "import_new", "inbox", "request", "review", "exporters", "customs", "verify",
	"figures", "credit", "credit_list", "credit_naming", // ui_oversight.go
	"invite",                                                                   // ui_invite.go
	"bulk",                                                                     // ui_bulk.go
	"notifications", "notify_settings", "notify_deliveries", "notify_delivery", // ui_notify.go
	"shipments", "new_shipment", "shipment", "letters", "letter", // ui_shipment.go
	"deregistrations", // ui_dereg.go
}

// uiFuncs are the few template functions that need no request.
var uiFuncs = template.FuncMap{
	"add":    func(a, b int) int { return a + b },
	"isTrue": func(b *bool) bool { return b != nil && *b },
	"pct": func(part, whole int) int {
		if whole <= 0 {
			return 0
		}
		return int(math.Round(float64(part) * 100 / float64(whole)))
	},
}

// Register parses the templates and mounts every page with handle, which
// the server gives its instrumentation (the routes are kept out of the
// API's list, which the OpenAPI description and the authorisation matrix
// are checked against). A template that does not parse panics: the
// embedded templates are part of the binary, so it is a bug.
func (s *UI) Register(handle func(pattern string, h http.HandlerFunc)) {
	u, err := newUI()
	if err != nil {
		panic(err)
	}
	s.web = u
	if s.CSRF == nil {
		s.CSRF = http.NewCrossOriginProtection()
	}
	h := handle
	h("GET /assets/{file...}", s.uiAsset)
	h("GET /lang/{lang}", s.uiSetLang)
	h("GET /login", s.uiLoginPage)
	h("POST /login", s.uiCSRF(s.uiLogin))
	h("POST /logout", s.uiCSRF(s.uiLogout))
	h("GET /invite", s.uiInvitePage)
	h("POST /invite", s.uiCSRF(s.uiAcceptInvitation))
	h("GET /verify", s.uiVerifyPage)
	h("POST /verify", s.uiCSRF(s.uiVerify))

	h("GET /{$}", s.uiAuth(s.uiHome))
	h("GET /applications", s.uiAuth(s.uiApplications))
	h("GET /applications/new", s.uiAuth(s.uiNewApplication))
	h("POST /applications", s.uiAuth(s.uiCreateApplication))
	h("GET /applications/{id}", s.uiAuth(s.uiApplication))
	h("POST /applications/{id}/{action}", s.uiAuth(s.uiApplicationAction))
	h("GET /imports/new", s.uiAuth(s.uiImportNew))
	h("POST /imports", s.uiAuth(s.uiStartImport))
	h("GET /imports/{id}", s.uiAuth(s.uiImport))
	h("POST /imports/{id}/submit", s.uiAuth(s.uiImportSubmit))
	h("POST /bulk/submit", s.uiAuth(s.uiBulkSubmit))
	h("POST /bulk/answer", s.uiAuth(s.uiBulkAnswer))
	h("GET /requests", s.uiAuth(s.uiInbox))
	h("GET /requests/{id}", s.uiAuth(s.uiRequest))
	h("POST /requests/{id}/{action}", s.uiAuth(s.uiRequestAction))
	h("GET /review", s.uiAuth(s.uiReview))
	h("GET /exporters", s.uiAuth(s.uiExporters))
	h("POST /exporters/{id}/standing", s.uiAuth(s.uiSetStanding))
	h("GET /customs", s.uiAuth(s.uiCustoms))
	h("POST /licences/{id}/clearance", s.uiAuth(s.uiClearance))
	// Oversight (ui_oversight.go): the figures and naming are public (R6).
	h("GET /oversight", s.uiAuth(s.uiOversight))
	h("GET /figures", s.uiPublicFigures)
	h("GET /naming", s.uiNaming)
	h("GET /credit", s.uiAuth(s.uiCredit))
	h("GET /credit/{id}", s.uiAuth(s.uiCreditRecord))
	h("POST /credit/{id}/{action}", s.uiAuth(s.uiCreditPost))
	s.registerNotify(h)    // ui_notify.go
	s.registerShipments(h) // ui_shipment.go
	if s.DeregistrationService != nil {
		s.registerDeregistrations(h) // ui_dereg.go
	}
}

// uiBase is what every page's layout needs; each page struct embeds it.
// Its methods are the templates' formatting helpers (translation, dates,
// numbers), bound to the page's language.
type uiBase struct {
	Lang    string // zh, en or ru
	Title   string // already translated
	User    *ucx.Principal
	OrgName string
	Nav     []uiNavItem
	Path    string     // the current path and query, for the language links
	Langs   []uiLink   // the other languages
	Flash   string     // a translated success message
	Error   string     // a page-level error, already in words
	CSS, JS string     // fingerprinted asset URLs
	Now     time.Time  // the server's clock, for "waited" and "due in"
	Today   ucx.Date   // today in China time (R1)
	page    string     // the template
	status  int        // the HTTP status to answer with
	loc     *uiCatalog // the language's messages
	org     *ucx.Org   // the signed-in user's organisation, when found
	// Unread is how many in-app notifications the user has not read (the
	// bell in the header); Bell says there is a bell to show.
	Unread int
	Bell   bool
}

func (b *uiBase) base() *uiBase { return b }

// uiPage is implemented by every page struct through its embedded uiBase.
type uiPage interface{ base() *uiBase }

// uiNavItem is one entry of the navigation bar.
type uiNavItem struct {
	Href, Label string
	Current     bool
}

// uiLink is a plain link.
type uiLink struct{ Href, Label, Lang string }

// newBase fills the layout's fields for r, signed in as p (nil on public
// pages).
func (s *UI) newBase(r *http.Request, p *ucx.Principal, page, titleKey string) uiBase {
	lang := uiLang(r, page == "verify")
	b := uiBase{Lang: lang, User: p, Path: r.URL.RequestURI(), CSS: s.web.css, JS: s.web.js,
		Now: s.now(), Today: ucx.DateOf(s.now()), page: page, status: http.StatusOK, loc: uiCatalogs[lang]}
	b.Title = b.T(titleKey)
	langs := []string{"zh", "en"}
	if page == "verify" {
		langs = append(langs, "ru")
	}
	next := b.Path
	if q := r.URL.Query(); q.Has("lang") {
		// The choice made by the switch outranks the address's ?lang=.
		q.Del("lang")
		next = r.URL.Path
		if len(q) > 0 {
			next += "?" + q.Encode()
		}
	}
	for _, l := range langs {
		if l != lang {
			b.Langs = append(b.Langs, uiLink{Href: "/lang/" + l + "?next=" + url.QueryEscape(next), Label: uiCatalogs[l].name, Lang: uiCatalogs[l].tag})
		}
	}
	if p != nil {
		b.Nav = uiNav(p, r.URL.Path, &b, s.ShipmentService != nil, s.DeregistrationService != nil)
		if s.NotificationService != nil {
			b.Unread, _ = s.NotificationService.UnreadCount(r.Context(), p)
			b.Bell = true
		}
		if s.OrgService != nil {
			if o, err := s.OrgService.FindOrgByID(r.Context(), p, p.OrgID); err == nil {
				b.org = o
				b.OrgName = o.Name
				if lang != "zh" && o.NameEN != "" {
					b.OrgName = o.NameEN
				}
			}
		}
	}
	if f := r.URL.Query().Get("done"); f != "" {
		if b.has("done." + f) {
			b.Flash = b.T("done." + f)
		}
	}
	return b
}

// findOrg returns organisation id as p sees it, reusing the one newBase
// already read when it is p's own, so a page does not look it up twice.
func (s *UI) findOrg(ctx context.Context, p *ucx.Principal, b *uiBase, id int64) (*ucx.Org, error) {
	if b.org != nil && id == p.OrgID {
		return b.org, nil
	}
	return s.OrgService.FindOrgByID(ctx, p, id)
}

// uiNav lists the pages the principal's kind of organisation works in.
// Hiding a link is a courtesy only: the services refuse the rest.
// With shipments, the batch pages are linked too (ui_shipment.go).
func uiNav(p *ucx.Principal, current string, b *uiBase, shipments, dereg bool) []uiNavItem {
	var items [][2]string
	switch p.OrgKind {
	case ucx.KindExporter:
		items = [][2]string{{"/", "nav.dashboard"}, {"/applications", "nav.applications"}, {"/applications/new", "nav.new"}, {"/imports/new", "nav.import"}}
		if shipments {
			items = append(items, [2]string{"/shipments", "nav.shipments"}, [2]string{"/shipments/new", "nav.new_shipment"})
		}
		if dereg {
			items = append(items, [2]string{"/deregistrations", "nav.deregistrations"})
		}
		items = append(items, [2]string{"/credit", "nav.credit"})
	case ucx.KindManufacturer:
		items = [][2]string{{"/requests", "nav.inbox"}}
		if shipments {
			items = append(items, [2]string{"/letters", "nav.letters"})
		}
	case ucx.KindAuthority:
		items = [][2]string{{"/review", "nav.review"}, {"/applications", "nav.applications"}, {"/exporters", "nav.exporters"}}
		if shipments {
			items = append(items, [2]string{"/shipments", "nav.shipments"})
		}
		if dereg {
			items = append(items, [2]string{"/deregistrations", "nav.deregistrations"})
		}
		items = append(items, [2]string{"/oversight", "nav.oversight"}, [2]string{"/credit", "nav.credit"})
	case ucx.KindCustoms:
		items = [][2]string{{"/customs", "nav.customs"}, {"/applications", "nav.applications"}}
	}
	items = append(items, [2]string{"/verify", "nav.verify"})
	items = append(items, [2]string{"/figures", "nav.figures"})
	out := make([]uiNavItem, len(items))
	for i, it := range items {
		out[i] = uiNavItem{Href: it[0], Label: b.T(it[1]), Current: it[0] == current}
	}
	return out
}

// render executes the page's template into a buffer first, so a template
// error becomes a clean error page instead of half a page.
func (s *UI) render(w http.ResponseWriter, r *http.Request, pg uiPage) {
	b := pg.base()
	t := s.web.pages[b.page]
	var buf bytes.Buffer
	if t == nil {
		s.logger().ErrorContext(r.Context(), "ui: no template", "page", b.page)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		s.logger().ErrorContext(r.Context(), "ui: template failed", "page", b.page, "err", err.Error())
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	// Everything is served from here: no CDN, no inline script.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", b.loc.tag)
	w.WriteHeader(b.status)
	w.Write(buf.Bytes())
}

// uiErrorPage is the page for an error that leaves nothing else to show:
// not found (also for another organisation's record), forbidden, refused
// by the cross-origin check.
type uiErrorPage struct {
	uiBase
	Code    string
	Message string
}

// uiError renders err as an error page with the status from the one codes
// table. An unauthenticated visitor is sent to sign in instead.
func (s *UI) uiError(w http.ResponseWriter, r *http.Request, p *ucx.Principal, err error) {
	code := ucx.ErrorCode(err)
	s.observe(r, nil, err)
	if code == ucx.EUNAUTHORIZED && r.Method == http.MethodGet {
		uiRedirectLogin(w, r)
		return
	}
	if code == ucx.EINTERNAL {
		s.logger().ErrorContext(r.Context(), "internal error", "method", r.Method, "route", r.Pattern, "err", err.Error())
	}
	pg := &uiErrorPage{uiBase: s.newBase(r, p, "error", "error."+code), Code: code}
	pg.status = wire.ErrorStatusCode(code)
	pg.Message = pg.errText(err)
	s.render(w, r, pg)
}

// errText is the words for err in the page's language: a translation of
// its code, then the service's message, from the error catalogue
// (i18n.ErrorText) in the page's language where it has the message, else
// as the service wrote it in English, which still names the field and the
// fix. Internal errors say only "Internal error.".
func (b *uiBase) errText(err error) string {
	code := ucx.ErrorCode(err)
	msg := ucx.ErrorMessage(err)
	lead := b.T("error." + code)
	if code == ucx.EINTERNAL || msg == code {
		return lead
	}
	if t, ok := i18n.ErrorText(b.Lang, err); ok {
		msg = t
	}
	if b.Lang == "en" {
		return msg
	}
	return lead + "：" + msg
}

// uiRedirectLogin sends the visitor to sign in and back here afterwards.
func uiRedirectLogin(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// uiCSRF refuses a cross-origin unsafe request with the API's protection
// (Sec-Fetch-Site, then Origin against Host), before anything else runs:
// a forged form post from another site must not sign anyone in or out.
func (s *UI) uiCSRF(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.CSRF.Check(r); err != nil {
			s.uiError(w, r, nil, ucx.Errorf(ucx.EFORBIDDEN, "cross-origin form posts are refused; use the form on this site"))
			return
		}
		h(w, r)
	}
}

// uiAuth resolves the session cookie to a principal, sending visitors
// without a live session to sign in, and applies the cross-origin check to
// every unsafe method.
func (s *UI) uiAuth(h func(w http.ResponseWriter, r *http.Request, p *ucx.Principal)) http.HandlerFunc {
	return s.uiCSRFUnsafe(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" || s.Sessions == nil {
			uiRedirectLogin(w, r)
			return
		}
		p, err := s.Sessions.PrincipalBySession(r.Context(), c.Value)
		if err != nil {
			if code := ucx.ErrorCode(err); code == ucx.EUNAVAILABLE || code == ucx.EINTERNAL {
				s.uiError(w, r, nil, err)
				return
			}
			uiRedirectLogin(w, r)
			return
		}
		s.observe(r, p, nil)
		h(w, r, p)
	})
}

func (s *UI) uiCSRFUnsafe(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			h(w, r)
		default:
			s.uiCSRF(h)(w, r)
		}
	}
}

// uiAsset serves an embedded asset. Fingerprinted URLs may be cached for a
// year; the hash changes with the content.
func (s *UI) uiAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.web.assets["/assets/"+r.PathValue("file")]
	if !ok {
		s.uiError(w, r, nil, ucx.Errorf(ucx.ENOTFOUND, "there is no asset %s", wire.Clip(r.URL.Path)))
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Write(a.body)
}

// uiSetLang remembers the chosen language for a year and returns to the
// page the visitor was on. Only a local path is followed back, so the link
// cannot be used to redirect elsewhere.
func (s *UI) uiSetLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if _, ok := uiCatalogs[lang]; !ok {
		s.uiError(w, r, nil, ucx.FieldErrorf(ucx.EINVALID, "lang", "the language must be zh, en or ru"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: uiLangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, uiLocalPath(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
}

// uiLocalPath returns next when it is a path on this site ("/…" but not
// "//host" or "/\host", which browsers read as another site), else def.
func uiLocalPath(next, def string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) || len(next) > 2000 {
		return def
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return next
}

// uiLang is the page's language: the remembered choice, else Chinese (the
// platform's users are in China). The verification page alone also speaks
// Russian, for buyers and customs officers abroad, and follows the
// browser's Accept-Language when nothing was chosen, and a ?lang= in its
// address (a printed document's QR code asks for Russian) before both.
func uiLang(r *http.Request, verify bool) string {
	if verify {
		if l := r.URL.Query().Get("lang"); uiCatalogs[l] != nil {
			return l
		}
	}
	if c, err := r.Cookie(uiLangCookie); err == nil {
		if _, ok := uiCatalogs[c.Value]; ok && (c.Value != "ru" || verify) {
			return c.Value
		}
		if c.Value == "ru" {
			return "en" // a Russian reader outside the verification page
		}
	}
	if verify {
		for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
			tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			switch strings.ToLower(strings.SplitN(tag, "-", 2)[0]) {
			case "zh":
				return "zh"
			case "ru", "kk", "uz", "ky", "tg", "be":
				return "ru"
			case "en":
				return "en"
			}
		}
	}
	return "zh"
}

// uiForm is a submitted form as the page shows it again: the values as
// typed and the error beside each field.
type uiForm struct {
	Values map[string]string
	Errors map[string]string
}

func newUIForm() *uiForm { return &uiForm{Values: map[string]string{}, Errors: map[string]string{}} }

// V returns the value of field name as typed.
func (f *uiForm) V(name string) string { return f.Values[name] }

// E returns the error of field name.
func (f *uiForm) E(name string) string { return f.Errors[name] }

// Checked reports whether a checkbox was ticked.
func (f *uiForm) Checked(name string) bool { return f.Values[name] != "" }

// HasErrors reports whether any field has an error.
func (f *uiForm) HasErrors() bool { return len(f.Errors) > 0 }

// uiField is one labelled control, for the "field" template.
type uiField struct {
	Name, Label, Value, Error, Type, Hint, Placeholder string
	Required                                           bool
}

// Field describes the text control name of form f, labelled from the
// catalogue ("field.<name>"), with its hint when the catalogue has one.
func (b *uiBase) Field(f *uiForm, name, typ string) uiField {
	fd := uiField{Name: name, Label: b.T("field." + name), Type: typ, Value: f.V(name), Error: f.E(name)}
	if b.has("hint." + name) {
		fd.Hint = b.T("hint." + name)
	}
	if strings.HasSuffix(name, "date") {
		fd.Placeholder = "YYYY-MM-DD"
	}
	return fd
}

// FieldErr is the error of control name, for the "fielderror" template of
// controls that are not plain text inputs (selects, text areas).
func (b *uiBase) FieldErr(f *uiForm, name string) uiField {
	return uiField{Name: name, Error: f.E(name)}
}
