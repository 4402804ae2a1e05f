package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/vin"
)

func TestMain(m *testing.M) {
	// Hashing passwords at the production cost would make each world (21
	// users, each logging in over HTTP) take seconds.
	sqlstore.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// testNow is the store's and the server's clock: 10:00 in Beijing on 10
// March 2026, after R1's regime start, so that the tests do not depend on
// the day they run.
var testNow = time.Date(2026, 3, 10, 10, 0, 0, 0, ucx.ChinaTime)

// Dates around testNow: a car registered on recentReg is 53 days old and
// needs a manufacturer letter (R1); one registered on oldReg does not.
var (
	today     = ucx.DateOf(testNow)
	recentReg = ucx.MustDate(2026, 1, 16)
	oldReg    = ucx.MustDate(2025, 3, 1)
)

const testPassword = "correct horse battery"

// engines runs fn once per store engine (sqlstoretest.Engines: SQLite
// always, PostgreSQL when UCX_TEST_POSTGRES holds a DSN), each store fresh,
// migrated and at testNow.
func engines(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) { fn(t, atTestNow(db)) })
}

// mustOpenDB opens a fresh, migrated store (sqlstoretest.MustOpen) at
// testNow, closed when the test ends.
func mustOpenDB(tb testing.TB, engine sqlstore.Engine) *sqlstore.DB {
	tb.Helper()
	return atTestNow(sqlstoretest.MustOpen(tb, engine))
}

// atTestNow sets db's clock to testNow.
func atTestNow(db *sqlstore.DB) *sqlstore.DB {
	db.Now = func() time.Time { return testNow }
	return db
}

// logWriter sends the server's log lines to the test's log, so an internal
// error shows up beside the failure it caused.
type logWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// world is the HTTP fixture: a real server over the real store, one
// organisation of every kind (two exporters, two manufacturers), a user of
// every role in each, and a client signed in as each of them through
// POST /api/v1/auth/login.
type world struct {
	t       testing.TB
	db      *sqlstore.DB
	server  *ucxhttp.Server
	ts      *httptest.Server
	orgs    map[string]*ucx.Org       // "exporter", "maker2", …
	clients map[string]*client.Client // "exporter.member", …
	tokens  map[string]string         // the same users' token secrets
	users   map[string]*ucx.Principal // the same users as principals
	serial  int
	makerRU int64 // outlet ids
	makerKZ int64
	maker2U int64
}

// orgNames and roles span the authorisation matrix.
var (
	orgNames = []string{"operator", "authority", "customs", "exporter", "exporter2", "maker", "maker2"}
	roles    = []ucx.Role{ucx.RoleAdmin, ucx.RoleMember, ucx.RoleViewer}
)

const (
	makerWMI  = "LM1"
	maker2WMI = "LM2"
)

// newWorld builds the fixture on db and serves it on a loopback port.
func newWorld(t testing.TB, db *sqlstore.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, db: db, orgs: map[string]*ucx.Org{}, clients: map[string]*client.Client{},
		tokens: map[string]string{}, users: map[string]*ucx.Principal{}}
	lw := &logWriter{t: t}
	t.Cleanup(func() { lw.mu.Lock(); lw.done = true; lw.mu.Unlock() })

	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.Sessions = db, db, db, db, db
	s.KeyService, s.DocumentService = db, db
	s.CreditService, s.FiguresService = db, db
	if is, ok := any(db).(ucx.ImportService); ok {
		s.ImportService = is
	}
	s.Policy = policy.Default()
	s.Health = db.Ping
	s.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.LoginsPerMinute = 100000
	s.Now = func() time.Time { return testNow }
	w.server = s
	w.ts = httptest.NewServer(s.Handler())
	t.Cleanup(w.ts.Close)

	today := ucx.DateOf(testNow)
	defs := map[string]*ucx.Org{
		"operator":  {Kind: ucx.KindOperator, Name: "ucx 平台运营中心"},
		"authority": {Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"},
		"customs":   {Kind: ucx.KindCustoms, Name: "黄埔海关"},
		"exporter": {Kind: ucx.KindExporter, Name: "广州华运二手车出口有限公司",
			FilingNumber: "GD-2025-0117", FilingExpires: today.AddDays(200)},
		"exporter2": {Kind: ucx.KindExporter, Name: "深圳速达汽车贸易有限公司",
			FilingNumber: "GD-2025-0342", FilingExpires: today.AddDays(200)},
		"maker": {Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", NameEN: "Test Motor Co., Ltd.",
			Brands: []string{"Testa"}, WMIs: []string{makerWMI},
			Outlets: []*ucx.Outlet{
				{Country: "RU", Provider: "Testa Rus Service", Address: "Leningradsky pr. 39, Moscow", Contact: "+7 495 000 0101"},
				{Country: "KZ", Provider: "Testa Almaty", Address: "Al-Farabi ave. 77, Almaty"},
			}},
		"maker2": {Kind: ucx.KindManufacturer, Name: "另一汽车有限公司", Brands: []string{"Other"}, WMIs: []string{maker2WMI},
			Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Other Rus", Address: "Tverskaya 1, Moscow"}}},
	}
	for _, name := range orgNames {
		o := defs[name]
		for i, role := range roles {
			u := &ucx.User{Username: name + "." + string(role), Role: role}
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, o, u, testPassword)
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, testPassword)
			}
			if err != nil {
				t.Fatalf("bootstrap %s: %v", u.Username, err)
			}
			c := client.New(w.ts.URL, "")
			p, err := c.Authenticate(ctx, u.Username, testPassword)
			if err != nil {
				t.Fatalf("login %s over HTTP: %v", u.Username, err)
			}
			if p.OrgID != o.ID || p.Role != role || p.OrgKind != o.Kind {
				t.Fatalf("login %s: principal %+v, want org %d role %s", u.Username, p, o.ID, role)
			}
			w.clients[u.Username], w.tokens[u.Username], w.users[u.Username] = c, c.Token(), p
		}
		w.orgs[name] = o
	}
	// Sealing on, with custodial keys for the sealing organisations, so
	// the workflow produces sealed documents (documents.go).
	if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}
	for _, admin := range []string{"maker.admin", "maker2.admin", "authority.admin"} {
		if _, err := db.CreateCustodialKey(ctx, w.users[admin], "", time.Time{}); err != nil {
			t.Fatalf("custodial key of %s: %v", admin, err)
		}
	}
	w.makerRU, w.makerKZ = w.orgs["maker"].Outlets[0].ID, w.orgs["maker"].Outlets[1].ID
	w.maker2U = w.orgs["maker2"].Outlets[0].ID
	return w
}

// c returns the client of user ("exporter.member").
func (w *world) c(user string) *client.Client {
	c, ok := w.clients[user]
	if !ok {
		w.t.Fatalf("no user %s in the world", user)
	}
	return c
}

// vinFor returns a fresh VIN with a correct check digit under wmi.
func (w *world) vinFor(wmi string) string {
	w.serial++
	v := fmt.Sprintf("%sABCDE0S1%06d", wmi, w.serial)
	d, ok := vin.CheckDigit(v)
	if !ok {
		panic("vinFor: bad VIN " + v)
	}
	return v[:8] + string(d) + v[9:]
}

// input is a complete, consistent application for a car of wmi registered
// on reg, going to Russia.
func (w *world) input(wmi string, reg ucx.Date) *ucx.ApplicationInput {
	transfer := reg.AddDays(20)
	if transfer.After(today) {
		transfer = today
	}
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: w.vinFor(wmi), Brand: "Testa", Model: "T1 EV", Energy: ucx.EnergyElectric, BatteryKWh: 60,
			RegistrationDate: reg, TransferDate: transfer},
		Certificate:      ucx.CertificateValues{Brand: "Testa", Model: "T1 EV", RegistrationDate: reg, TransferDate: transfer},
		Destination:      "RU",
		Buyer:            "OOO Avto Import",
		ContractNumber:   "HY-2026-0042",
		InspectionReport: "CMA-2026-1234",
	}
}

// file files in over HTTP as user and fails the test on error.
func (w *world) file(user string, in *ucx.ApplicationInput) *ucx.Application {
	w.t.Helper()
	a, created, err := w.c(user).CreateApplication(context.Background(), nil, in, ucx.CreateOptions{})
	if err != nil || !created {
		w.t.Fatalf("file as %s: created=%v err=%v", user, created, err)
	}
	return a
}

// draft files a draft of exporter's that needs a letter.
func (w *world) draft() *ucx.Application {
	w.t.Helper()
	return w.file("exporter.member", w.input(makerWMI, recentReg))
}

// awaiting files and submits an application of exporter's for a car of
// maker's that needs a letter, and returns it with the pending request.
func (w *world) awaiting() (*ucx.Application, *ucx.ConfirmationRequest) {
	w.t.Helper()
	ctx := context.Background()
	in := w.input(makerWMI, recentReg)
	in.Submit = true
	a := w.file("exporter.member", in)
	if a.State != ucx.StateAwaitingConfirmation {
		w.t.Fatalf("state = %s, want awaiting_confirmation (decision %+v)", a.State, a.Decision)
	}
	rs, _, err := w.c("maker.member").FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, r := range rs {
		if r.ApplicationID == a.ID {
			return a, r
		}
	}
	w.t.Fatalf("no pending request for application %d in the maker's inbox", a.ID)
	return nil, nil
}

// underReview returns an application of exporter's under review, its
// letter approved.
func (w *world) underReview() *ucx.Application {
	w.t.Helper()
	ctx := context.Background()
	a, r := w.awaiting()
	if _, err := w.c("maker.member").ApproveRequest(ctx, nil, r.ID, r.Version, []int64{w.makerRU}); err != nil {
		w.t.Fatalf("approve: %v", err)
	}
	a, err := w.c("exporter.member").FindApplicationByID(ctx, nil, a.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	if a.State != ucx.StateUnderReview {
		w.t.Fatalf("state after approval = %s, want under_review", a.State)
	}
	return a
}

// licensed returns a licence issued for a fresh application of exporter's.
func (w *world) licensed() *ucx.Licence {
	w.t.Helper()
	a := w.underReview()
	lic, err := w.c("authority.member").IssueLicence(context.Background(), nil, a.ID, a.Version)
	if err != nil {
		w.t.Fatalf("issue: %v", err)
	}
	return lic
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody decodes the API's error shape, failing the test when the body
// does not have it.
func (r *response) errorBody(t testing.TB) wire.ErrorBody {
	t.Helper()
	var er wire.ErrorResponse
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
		t.Fatalf("status %d: body %q is not the error shape (%v)", r.status, r.body, err)
	}
	if got := wire.ErrorStatusCode(er.Error.Code); got != r.status {
		t.Fatalf("error code %s answered with status %d, but the table says %d", er.Error.Code, r.status, got)
	}
	return er.Error
}

// raw sends a request as user ("" for no credentials, "bad" for a forged
// token) with a raw body and headers "Name: value".
func (w *world) raw(user, method, path, body string, headers ...string) *response {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.ts.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch user {
	case "":
	case "bad":
		req.Header.Set("Authorization", "Bearer ucx_not_a_real_token")
	default:
		req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

// mustJSON encodes v for a request body.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// discardLogger drops every log line, for servers whose logs a test does
// not read.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
