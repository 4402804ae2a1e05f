package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestOpenAPI_DescribesExactlyTheRegisteredRoutes walks the server's route
// table and the checked-in OpenAPI document and fails when either has a
// route the other lacks, so the description cannot drift from the code. It
// also checks that every $ref resolves and that the document is what
// /api/v1/openapi.json serves.
func TestOpenAPI_DescribesExactlyTheRegisteredRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	raw := ucxhttp.OpenAPI()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range ucxhttp.NewServer().Routes() {
		registered[r] = true
	}
	var missing, extra []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !registered[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is registered but not in openapi.json", r)
	}
	for _, r := range extra {
		t.Errorf("openapi.json describes %s, which the server does not register", r)
	}

	// Every reference points at something.
	var tree any
	json.Unmarshal(raw, &tree)
	refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(raw), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref at all: the document describes no schemas")
	}
	for _, m := range refs {
		node := tree
		for _, part := range strings.Split(m[1], "/") {
			obj, ok := node.(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = obj[part]
		}
		if node == nil {
			t.Errorf("$ref #/%s resolves to nothing", m[1])
		}
	}

	// It is served as checked in, without credentials.
	s := ucxhttp.NewServer()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 || rec.Body.String() != string(raw) {
		t.Errorf("GET /api/v1/openapi.json: %d, %d bytes; want 200 and the embedded document", rec.Code, rec.Body.Len())
	}
}

// TestHealthz_ReportsTheStore answers 200 {"status":"ok"} while the store
// answers and 503 {"status":"unavailable"} when it does not, without
// telling the public why.
func TestHealthz_ReportsTheStore(t *testing.T) {
	tests := []struct {
		name       string
		health     func(context.Context) error
		wantStatus int
		wantBody   string
	}{
		{"NoCheck", nil, 200, `{"status":"ok"}`},
		{"StoreAnswers", func(context.Context) error { return nil }, 200, `{"status":"ok"}`},
		{"StoreDown", func(context.Context) error {
			return &ucx.Error{Code: ucx.EUNAVAILABLE, Message: "the database does not answer", Err: errors.New("dial tcp 10.0.0.5:5432: refused")}
		}, 503, `{"status":"unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ucxhttp.NewServer()
			s.Health = tt.health
			s.Logger = webtest.DiscardLogger()
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tt.wantStatus || strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Fatalf("GET /healthz: %d %s, want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}

	// And over a real store.
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	if err := client.New(w.TS.URL, "").Health(context.Background()); err != nil {
		t.Fatalf("Health over a live store: %v", err)
	}
	db.Close()
	r := w.Raw("", "GET", "/healthz", "")
	if r.Status != 503 {
		t.Fatalf("GET /healthz after the store closed: %d %s, want 503", r.Status, r.Body)
	}
}

// metricLine is the exposition format's sample line: a name, optional
// labels, and a value.
var metricLine = regexp.MustCompile(`^[a-z_]+(\{([a-z_]+="[^"\\]*",?)+\})? [0-9.e+-]+$`)

// TestMetrics_CountsRequestsLatencyAndTransitions checks the hand-written
// Prometheus exposition: well-formed lines, counts by route pattern (not by
// raw path, so ids do not explode the series) and status, a cumulative
// latency histogram per route, and workflow transitions.
func TestMetrics_CountsRequestsLatencyAndTransitions(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	a := w.Draft()
	w.Raw("exporter.member", "GET", "/api/v1/applications/"+itoa(a.ID), "")
	w.Raw("exporter.member", "GET", "/api/v1/applications/987654", "")
	w.Raw("", "GET", "/api/v1/applications", "")

	r := w.Raw("", "GET", "/metrics", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	body := string(r.Body)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !metricLine.MatchString(line) {
			t.Errorf("malformed exposition line %q", line)
		}
	}
	for _, want := range []string{
		`ucx_http_requests_total{route="POST /api/v1/applications",status="201"} 1`,
		`ucx_http_requests_total{route="GET /api/v1/applications/{id}",status="200"} 1`,
		`ucx_http_requests_total{route="GET /api/v1/applications/{id}",status="404"} 1`,
		`ucx_http_requests_total{route="GET /api/v1/applications",status="401"} 1`,
		`ucx_http_request_duration_seconds_bucket{route="GET /api/v1/applications/{id}",le="+Inf"} 2`,
		`ucx_http_request_duration_seconds_count{route="GET /api/v1/applications/{id}"} 2`,
		`ucx_workflow_transitions_total{action="file"} 1`,
		"# TYPE ucx_http_request_duration_seconds histogram",
		"ucx_http_requests_in_flight 1\n", // the scrape itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/api/v1/applications/987654") {
		t.Error("/metrics labels a raw path; routes must be patterns")
	}
	// Buckets are cumulative: never decreasing along le.
	var prev int64 = -1
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, `ucx_http_request_duration_seconds_bucket{route="GET /api/v1/applications/{id}"`) {
			var n int64
			fields := strings.Fields(line)
			json.Unmarshal([]byte(fields[len(fields)-1]), &n)
			if n < prev {
				t.Errorf("histogram bucket decreases: %s after %d", line, prev)
			}
			prev = n
		}
	}
}

// TestLogin_RateLimitedPerAddress allows a few attempts a minute from one
// address for one username, then answers 429 with Retry-After, whether or
// not the passwords were right, and allows again once the bucket refills.
func TestLogin_RateLimitedPerAddress(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	var mu sync.Mutex
	now := webtest.TestNow
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService = db, db, db, db
	s.Logger = webtest.DiscardLogger()
	s.LoginsPerMinute = 3
	s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := client.New(ts.URL, "")
	ctx := context.Background()

	for i := 0; i < 3; i++ {
		if _, err := c.Login(ctx, "exporter.member", "wrong password!"); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Fatalf("attempt %d with a wrong password: %v, want unauthorized", i+1, err)
		}
	}
	_, err := c.Login(ctx, "exporter.member", webtest.Password)
	if ucx.ErrorCode(err) != ucx.ERATELIMIT {
		t.Fatalf("4th attempt in a minute: %v, want rate_limited", err)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"Exporter.Member","password":"b"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("limited login: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	mu.Lock()
	now = now.Add(25 * time.Second) // 3 a minute: one token back every 20 s
	mu.Unlock()
	tr, err := c.Login(ctx, "exporter.member", webtest.Password)
	if err != nil || tr.Secret == "" || tr.Principal.OrgID != w.Orgs["exporter"].ID {
		t.Fatalf("login after the bucket refilled: %v", err)
	}
}

// TestAuthentication_RefusesBadCredentialsAndAcceptsSessions covers the
// ways a caller is named: bearer tokens (missing, malformed, unknown,
// revoked) and the web UI's session cookie, which cross-site requests may
// not use to change anything.
func TestAuthentication_RefusesBadCredentialsAndAcceptsSessions(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	ctx := context.Background()
	secret, tok, err := w.C("exporter.member").CreateToken(ctx, nil, "soon revoked")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.C("exporter.member").RevokeToken(ctx, nil, tok.ID); err != nil {
		t.Fatal(err)
	}
	session, err := db.CreateSession(ctx, w.Users["exporter.member"].UserID)
	if err != nil {
		t.Fatal(err)
	}
	cookie := "Cookie: " + ucxhttp.SessionCookie + "=" + session

	tests := []struct {
		name    string
		method  string
		headers []string
		status  int
	}{
		{"NoCredentials", "GET", nil, 401},
		{"BasicScheme", "GET", []string{"Authorization: Basic ZXhwOnB3"}, 401},
		{"EmptyBearer", "GET", []string{"Authorization: Bearer "}, 401},
		{"UnknownToken", "GET", []string{"Authorization: Bearer ucx_0123456789"}, 401},
		{"RevokedToken", "GET", []string{"Authorization: Bearer " + secret}, 401},
		{"LongToken", "GET", []string{"Authorization: Bearer " + strings.Repeat("a", 4000)}, 401},
		{"ValidToken", "GET", []string{"Authorization: Bearer " + w.Tokens["exporter.member"]}, 200},
		{"BearerIsCaseInsensitive", "GET", []string{"Authorization: bearer " + w.Tokens["exporter.member"]}, 200},
		{"SessionCookie", "GET", []string{cookie}, 200},
		{"UnknownSession", "GET", []string{"Cookie: " + ucxhttp.SessionCookie + "=nope"}, 401},
		{"SessionSameOriginPOST", "POST", []string{cookie, "Sec-Fetch-Site: same-origin"}, 201},
		{"SessionCrossSitePOST", "POST", []string{cookie, "Sec-Fetch-Site: cross-site"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, body := "/api/v1/me", ""
			if tt.method == "POST" {
				path, body = "/api/v1/tokens", `{"name":"from the UI"}`
			}
			r := w.Raw("", tt.method, path, body, tt.headers...)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if r.Status >= 400 {
				r.ErrorBody(t)
			}
			if r.Status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without a Bearer challenge")
			}
		})
	}
}

// TestClient_ReturnsTheServersErrorCodeMessageAndField checks that a
// refusal crosses the wire intact, so callers switch on ucx.ErrorCode, and
// that an unreachable server is EUNAVAILABLE.
func TestClient_ReturnsTheServersErrorCodeMessageAndField(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	ctx := context.Background()
	in := w.Input(webtest.MakerWMI, webtest.OldReg)
	in.Destination = "XX"
	_, _, err := w.C("exporter.member").CreateApplication(ctx, nil, in, ucx.CreateOptions{})
	if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "destination" || !strings.Contains(ucx.ErrorMessage(err), "ISO 3166") {
		t.Fatalf("bad destination: code %q field %q message %q", ucx.ErrorCode(err), ucx.ErrorField(err), ucx.ErrorMessage(err))
	}
	if _, err := w.C("maker.member").FindApplicationByID(ctx, nil, 424242); ucx.ErrorCode(err) != ucx.ENOTFOUND {
		t.Fatalf("unknown application: %v, want not_found", err)
	}
	if _, _, err := w.C("operator.admin").FindApplications(ctx, nil, ucx.ApplicationFilter{}); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
		t.Fatalf("operator lists applications: %v, want forbidden", err)
	}
	dead := client.New("http://127.0.0.1:1", "x")
	if _, err := dead.Me(ctx); ucx.ErrorCode(err) != ucx.EUNAVAILABLE {
		t.Fatalf("unreachable server: %v, want unavailable", err)
	}
	if p, err := w.C("customs.viewer").PrincipalByToken(ctx, w.Tokens["maker.admin"]); err != nil || p.OrgID != w.Orgs["maker"].ID || p.Role != ucx.RoleAdmin {
		t.Fatalf("PrincipalByToken: %+v %v", p, err)
	}
}

// TestCheck_DecidesWithoutStoring runs the policy on one vehicle: the
// decision comes back (letter needed for a 53-day-old car, R1) and nothing
// is filed.
func TestCheck_DecidesWithoutStoring(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	ctx := context.Background()
	in := w.Input(webtest.MakerWMI, webtest.RecentReg)
	d, err := w.C("exporter.member").Check(ctx, &wire.CheckRequest{Vehicle: in.Vehicle, Certificate: in.Certificate,
		Destination: "ru", InspectionReport: in.InspectionReport})
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != ucx.LetterRequired || d.DaysSinceRegistration != 53 || d.LetterFreeFrom != webtest.RecentReg.AddDays(181) || d.Policy.ID == "" {
		t.Fatalf("decision: %+v", d)
	}
	old := w.Input(webtest.MakerWMI, webtest.OldReg)
	d, err = w.C("maker.viewer").Check(ctx, &wire.CheckRequest{Vehicle: old.Vehicle, Certificate: old.Certificate, Destination: "KZ",
		InspectionReport: "x", ApplicationDate: ucx.MustDate(2026, 6, 1)})
	if err != nil || d.Outcome != ucx.Clear || d.LetterRequired {
		t.Fatalf("old car: %+v %v", d, err)
	}
	if _, n, _ := w.DB.FindApplications(ctx, w.Users["exporter.member"], ucx.ApplicationFilter{}); n != 0 {
		t.Fatalf("check stored %d applications", n)
	}
}

// TestRouting_UnknownPathAndWrongMethodUseTheErrorShape: what no route
// matches still answers in the API's error shape, and a wrong method names
// the allowed ones.
func TestRouting_UnknownPathAndWrongMethodUseTheErrorShape(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	r := w.Raw("exporter.member", "GET", "/nowhere", "")
	if r.Status != 404 || r.ErrorBody(t).Code != ucx.ENOTFOUND {
		t.Fatalf("GET /nowhere: %d %s", r.Status, r.Body)
	}
	r = w.Raw("exporter.member", "PATCH", "/api/v1/applications/1", `{}`)
	if r.Status != 400 || r.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("PATCH an application: %d Allow %q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	r.ErrorBody(t)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestTokenCache_RevocationIsImmediateHereAndWithinTTLElsewhere checks the
// bearer-token cache's promise: a token revoked through this server stops
// working at once; one revoked behind its back (by another server sharing
// the store) stops working once the cache entry expires.
func TestTokenCache_RevocationIsImmediateHereAndWithinTTLElsewhere(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	ctx := context.Background()
	var mu sync.Mutex
	now := webtest.TestNow
	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService = db, db, db, db
	s.Logger = webtest.DiscardLogger()
	s.TokenCacheTTL = 5 * time.Second
	s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	// Revoked through this server: refused at once.
	c := client.New(ts.URL, w.Tokens["exporter.admin"])
	secret, tok, err := c.CreateToken(ctx, nil, "here")
	if err != nil {
		t.Fatal(err)
	}
	user := client.New(ts.URL, secret)
	if _, err := user.Me(ctx); err != nil {
		t.Fatalf("new token: %v", err)
	}
	if err := c.RevokeToken(ctx, nil, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Me(ctx); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
		t.Fatalf("token revoked through this server: %v, want unauthorized at once", err)
	}

	// Revoked elsewhere: trusted until the entry expires, then refused.
	secret, tok, err = c.CreateToken(ctx, nil, "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	user = client.New(ts.URL, secret)
	if _, err := user.Me(ctx); err != nil {
		t.Fatalf("new token: %v", err)
	}
	if err := db.RevokeToken(ctx, w.Users["exporter.admin"], tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Me(ctx); err != nil {
		t.Fatalf("within the TTL the cached token still works (documented): %v", err)
	}
	mu.Lock()
	now = now.Add(6 * time.Second)
	mu.Unlock()
	if _, err := user.Me(ctx); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
		t.Fatalf("token revoked elsewhere, after the TTL: %v, want unauthorized", err)
	}
}

// brokenOrgs is an OrgService whose every method panics (its embedded
// interface is nil): it stands for a bug, which no real component has on
// purpose.
type brokenOrgs struct{ ucx.OrgService }

// TestPanic_IsALogged500InTheErrorShape: a handler that panics answers 500
// "Internal error." in the one error shape, keeps serving, and logs the
// panic, not the request's secrets.
func TestPanic_IsALogged500InTheErrorShape(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	s := ucxhttp.NewServer()
	s.OrgService = brokenOrgs{}
	s.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer ucx_secret_token_value")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v (the server must survive a panic)", i, err)
		}
		var er wire.ErrorResponse
		json.NewDecoder(resp.Body).Decode(&er)
		resp.Body.Close()
		if resp.StatusCode != 500 || er.Error.Code != ucx.EINTERNAL || er.Error.Message != "Internal error." {
			t.Fatalf("request %d: %d %+v, want 500 internal", i, resp.StatusCode, er)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("the panic was not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "ucx_secret_token_value") {
		t.Errorf("the log holds the bearer token:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
