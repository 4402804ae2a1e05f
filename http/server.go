package http

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/html"
	"github.com/ucxdev/ucx/tlog"
)

// Default limits. A JSON body is one application or one decision: 1 MiB is
// generous. An upload is a month of an exporter's stock (10,000 rows of
// XLSX is about 2 MiB); 64 MiB leaves room without letting one request fill
// the server's memory.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxUploadBytes = 64 << 20
	// DefaultLoginsPerMinute is how many login attempts one address may
	// make a minute for one username: enough for a person who mistypes,
	// too few to guess passwords. An address may fail
	// LoginFailuresPerAddressFactor times as often over all usernames, so
	// one account's failures do not lock out a whole office behind one
	// NAT; the account itself is throttled by the store, whatever the
	// address (sqlstore.LockAfterFailures).
	DefaultLoginsPerMinute = 10
	// LoginFailuresPerAddressFactor scales LoginsPerMinute to the failed
	// logins a minute one address may have over all usernames.
	LoginFailuresPerAddressFactor = 10
)

// SessionCookie is the name of the web UI's session cookie
// (html.SessionCookie). The API accepts it besides a bearer token so that
// the UI's scripts (the live policy check) can call the API as the
// signed-in user.
const SessionCookie = html.SessionCookie

// Server is the REST API. Its exported fields are set by cmd/ucx (and by
// tests) before Handler is called; the server holds no state of its own
// except its metrics and the login rate limiter.
type Server struct {
	// The services every handler calls with the caller's principal; they,
	// not the handlers, decide what the principal may do.
	OrgService         ucx.OrgService
	ApplicationService ucx.ApplicationService
	RequestService     ucx.RequestService
	LicenceService     ucx.LicenceService
	ImportService      ucx.ImportService
	// KeyService and DocumentService serve sealing keys, the trust list
	// and sealed documents; nil answers those routes with EUNAVAILABLE.
	KeyService      ucx.KeyService
	DocumentService ucx.DocumentService
	// CreditService and FiguresService serve oversight (credit.go,
	// figures.go); nil answers those routes with EUNAVAILABLE.
	CreditService  ucx.CreditService
	FiguresService ucx.FiguresService
	// NotificationService serves the in-app list, the channels and the
	// delivery log (notify.go); nil answers those routes with EUNAVAILABLE.
	NotificationService ucx.NotificationService
	// RuleService serves the manufacturers' own rules (rules.go); nil
	// answers those routes with EUNAVAILABLE.
	RuleService ucx.RuleService
	// ShipmentService serves the batch workflow: shipments, their letters
	// and their one licence (shipment.go, R4); nil answers those routes
	// with EUNAVAILABLE.
	ShipmentService ucx.ShipmentService
	// DeregistrationService serves the deregistration records and the
	// overdue lists (deregistration.go, R16); nil answers those routes
	// with EUNAVAILABLE.
	DeregistrationService ucx.DeregistrationService
	// RegisterService serves the manufacturer register the operator keeps
	// (register.go, R2); nil answers those routes with EUNAVAILABLE.
	RegisterService ucx.RegisterService
	// PublicURL is the base URL printed in documents' QR codes (e.g.
	// https://ucx.example.cn); empty takes the request's host.
	PublicURL string
	// Sessions, when set, lets a session cookie stand for a bearer token;
	// when it is also a ucx.WebSessionService, the web UI signs users in.
	Sessions ucx.SessionService
	// Policy answers POST /api/v1/check; nil disables the endpoint (503).
	Policy ucx.Policy
	// Log serves the transparency log's public routes (log.go), and
	// bundles' log proofs when it is also a ucx.DocumentLogService; nil
	// answers them 503. LogVerifierKey is its public note verifier key,
	// "<origin>+<hash>+<base64 key>", which monitors pin: set it with Log.
	Log            tlog.LogService
	LogVerifierKey string
	// Health reports whether the server can serve (the store answers);
	// nil means always healthy.
	Health func(ctx context.Context) error
	// ExtraMetrics, when set, appends the caller's own Prometheus text
	// to /metrics (the transparency log's re-derivations, say), so that
	// figures kept outside this package are scraped with the rest.
	ExtraMetrics func(w io.Writer)
	// MetricsToken, when set, is the bearer token GET /metrics asks for
	// (Authorization: Bearer <token>); without it the metrics are open
	// to anyone who reaches the address, as is usual for Prometheus.
	MetricsToken string
	// MetricsElsewhere takes GET /metrics off Handler (it answers 404
	// there): the metrics are served by MetricsHandler on an address of
	// their own, such as one only the monitoring network reaches.
	MetricsElsewhere bool
	// Logger receives one line per request and every internal error.
	Logger *slog.Logger

	// MaxBodyBytes limits JSON bodies; MaxUploadBytes limits imports.
	MaxBodyBytes   int64
	MaxUploadBytes int64
	// LoginsPerMinute limits login attempts per client address and
	// username, and (times LoginFailuresPerAddressFactor) failed logins per
	// client address.
	LoginsPerMinute int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ClientAddr); empty takes every TCP peer as the client.
	TrustedProxies []netip.Prefix
	// TokenCacheTTL is how long a resolved bearer token is trusted without
	// asking the store again (DefaultTokenCacheTTL when zero; negative
	// turns the cache off).
	TokenCacheTTL time.Duration

	// Now is the clock for the rate limiter; tests replace it.
	Now func() time.Time

	// WebVerify, when set, checks documents pasted or uploaded on the web
	// UI's public /verify page (html.UI.WebVerify); nil shows "not
	// available yet".
	WebVerify html.VerifyFunc

	once    sync.Once
	metrics *metrics
	logins  *limiter // attempts per (address, username)
	failing *limiter // failures per address
	tokens  *tokenCache
	csrf    *http.CrossOriginProtection
	routes  []string
	mux     *http.ServeMux
	web     *html.UI // the web UI (web.go)
}

// NewServer returns a server with the default limits. Set the service
// fields before calling Handler.
func NewServer() *Server {
	return &Server{
		MaxBodyBytes:    DefaultMaxBodyBytes,
		MaxUploadBytes:  DefaultMaxUploadBytes,
		LoginsPerMinute: DefaultLoginsPerMinute,
	}
}

func (s *Server) maxBody() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (s *Server) maxUpload() int64 {
	if s.MaxUploadBytes > 0 {
		return s.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handler returns the API's handler: /api/v1, /healthz and /metrics. It is
// built once, on the first call, from the fields as they are then.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.build)
	return s.mux
}

// Routes returns the registered route patterns ("METHOD /path"), sorted.
// The OpenAPI test compares them with the checked-in description.
func (s *Server) Routes() []string {
	s.once.Do(s.build)
	out := append([]string(nil), s.routes...)
	sort.Strings(out)
	return out
}

func (s *Server) build() {
	s.metrics = newMetrics()
	perMinute := s.LoginsPerMinute
	if perMinute <= 0 {
		perMinute = DefaultLoginsPerMinute
	}
	s.logins = newLimiter(perMinute, time.Minute, s.now)
	s.failing = newLimiter(perMinute*LoginFailuresPerAddressFactor, time.Minute, s.now)
	ttl := s.TokenCacheTTL
	if ttl == 0 {
		ttl = DefaultTokenCacheTTL
	}
	s.tokens = newTokenCache(ttl, s.now)
	s.csrf = http.NewCrossOriginProtection()
	s.mux = http.NewServeMux()

	s.registerSystemRoutes()
	s.registerAuthRoutes()
	s.registerOrgRoutes()
	s.registerApplicationRoutes()
	s.registerRequestRoutes()
	s.registerRuleRoutes()
	s.registerRegisterRoutes()
	s.registerBulkRoutes()
	s.registerLicenceRoutes()
	s.registerShipmentRoutes()
	s.registerDeregistrationRoutes()
	s.registerImportRoutes()
	s.registerCheckRoutes()
	s.registerLogRoutes()
	s.registerKeyRoutes()
	s.registerDocumentRoutes()
	s.registerCreditRoutes()
	s.registerFigureRoutes()
	s.registerPolicyWhatIfRoutes()
	s.registerNotifyRoutes()
	s.registerUIRoutes() // the web UI (web.go), outside s.routes

	s.registerFallbacks()
}

// handle registers h for pattern with the instrumentation every route
// shares: metrics, the request log line and panic recovery.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, s.instrument(pattern, h))
}

// registerFallbacks answers what no route matches in the API's error shape:
// a known path with another method is EINVALID (400) with an Allow header
// (the one status table has no 405, by design), anything else ENOTFOUND.
func (s *Server) registerFallbacks() {
	allowed := map[string][]string{}
	for _, p := range s.routes {
		method, path, _ := strings.Cut(p, " ")
		allowed[path] = append(allowed[path], method)
	}
	for path, methods := range allowed {
		if contains(methods, "GET") {
			methods = append(methods, "HEAD")
		}
		sort.Strings(methods)
		allow := strings.Join(methods, ", ")
		s.mux.Handle(path, s.instrument("other "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.Error(w, r, ucx.Errorf(ucx.EINVALID, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow))
		}))
	}
	s.mux.Handle("/", s.instrument("unmatched", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, ucx.Errorf(ucx.ENOTFOUND, "there is no %s; the API is described at /api/v1/openapi.json", r.URL.Path))
	}))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// requestInfo is what a request's handlers tell its instrumentation: who
// called (for the log line and PrincipalFromContext) and the error
// answered (its code goes in the log line).
type requestInfo struct {
	principal *ucx.Principal
	err       error
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(infoKey{}).(*requestInfo)
	return info
}

type principalKey struct{}

// NewContextWithPrincipal returns ctx carrying p. The authentication
// middleware puts the caller there; the web UI may do the same for its own
// handlers.
func NewContextWithPrincipal(ctx context.Context, p *ucx.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal authenticated for the
// request, or nil. The API's own middleware records it in the request's
// instrumentation record rather than a new context, which spares a copy of
// the request on every call.
func PrincipalFromContext(ctx context.Context) *ucx.Principal {
	if p, ok := ctx.Value(principalKey{}).(*ucx.Principal); ok {
		return p
	}
	if info := infoFrom(ctx); info != nil {
		return info.principal
	}
	return nil
}

// statusWriter remembers the status a handler sent, for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first status sent.
func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write records an implicit 200 when no status was sent first.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (to flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrumented is a request's status writer and its instrumentation
// record, allocated together.
type instrumented struct {
	statusWriter
	info requestInfo
}

// instrument wraps a route's handler: it counts the request by route and
// status, observes its latency, writes one structured log line (never a
// token or a password: only method, route, status, duration and who), and
// turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) instrument(route string, h http.HandlerFunc) http.Handler {
	rm := s.metrics.route(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Add(1)
		defer s.metrics.inFlight.Add(-1)
		iw := &instrumented{statusWriter: statusWriter{ResponseWriter: w}}
		sw, info := &iw.statusWriter, &iw.info
		ctx := ucx.WithClientAddr(context.WithValue(r.Context(), infoKey{}, info), s.clientAddr(r))
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().ErrorContext(r.Context(), "panic", "method", r.Method, "route", route, "panic", v)
				if sw.status == 0 {
					s.Error(sw, r, ucx.Errorf(ucx.EINTERNAL, "panic"))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			rm.observe(status, d)
			s.logRequest(r, route, status, d, info)
		}()
		h(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, route string, status int, d time.Duration, info *requestInfo) {
	l := s.logger()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	ctx := r.Context()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("client", ucx.ClientAddrFrom(r.Context())),
	}
	if p := info.principal; p != nil {
		attrs = append(attrs, slog.Int64("org_id", p.OrgID), slog.Int64("user_id", p.UserID))
	}
	if info.err != nil && status < 500 {
		attrs = append(attrs, slog.String("error_code", ucx.ErrorCode(info.err)))
	}
	l.LogAttrs(ctx, level, "request", attrs...)
}

// authenticate wraps a handler that needs a caller. The caller is named by
// "Authorization: Bearer <token>", or by the web UI's session cookie; for a
// cookie, unsafe methods must also pass the cross-origin check, since a
// browser sends cookies with forged cross-site requests too. Missing or bad
// credentials are EUNAUTHORIZED (401).
func (s *Server) authenticate(h func(w http.ResponseWriter, r *http.Request, p *ucx.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principal(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if info := infoFrom(r.Context()); info != nil {
			info.principal = p
		}
		h(w, r, p)
	}
}

func (s *Server) principal(r *http.Request) (*ucx.Principal, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"")
		}
		if len(token) > 512 {
			return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "the token is not valid")
		}
		if p, ok := s.tokens.get(token); ok {
			return p, nil
		}
		p, err := s.OrgService.PrincipalByToken(r.Context(), token)
		if err != nil {
			return nil, authError(err)
		}
		s.tokens.put(token, p)
		return p, nil
	}
	if s.Sessions != nil {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if err := s.csrf.Check(r); err != nil {
				return nil, ucx.Errorf(ucx.EFORBIDDEN, "cross-origin requests may not use the session cookie")
			}
			p, err := s.Sessions.PrincipalBySession(r.Context(), c.Value)
			if err != nil {
				return nil, authError(err)
			}
			return p, nil
		}
	}
	return nil, ucx.Errorf(ucx.EUNAUTHORIZED, "sign in: send \"Authorization: Bearer <token>\" (ucx login prints a token)")
}

// authError keeps a store outage a 503 and makes every other failure to
// resolve credentials a plain 401, whatever the store said.
func authError(err error) error {
	switch ucx.ErrorCode(err) {
	case ucx.EUNAVAILABLE, ucx.EINTERNAL:
		return err
	}
	return ucx.Errorf(ucx.EUNAUTHORIZED, "the token or session is not valid (unknown, revoked or expired)")
}
