// Package webtest is the test world of the API's and the web UI's tests:
// a real server (package http, with the UI mounted) over the real store on
// a loopback port, one organisation of every kind with a user of every
// role, clients signed in as each, and the helpers both suites use
// (workflow steps, raw requests, a browser-like UI client, the log).
// Only tests import it.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
	"github.com/ucxdev/ucx/vin"
)

// TestNow is the store's and the server's clock: 10:00 in Beijing on 10
// March 2026, after R1's regime start, so that the tests do not depend on
// the day they run.
var TestNow = time.Date(2026, 3, 10, 10, 0, 0, 0, ucx.ChinaTime)

// Today is TestNow's date. A car registered on RecentReg is 53 days old and
// needs a manufacturer letter (R1); one registered on OldReg does not.
var (
	Today     = ucx.DateOf(TestNow)
	RecentReg = ucx.MustDate(2026, 1, 16)
	OldReg    = ucx.MustDate(2025, 3, 1)
)

// Password is every world user's password.
const Password = "correct horse battery"

// Engines runs fn once per store engine (sqlstoretest.Engines: SQLite
// always, PostgreSQL when UCX_TEST_POSTGRES holds a DSN), each store fresh,
// migrated and at TestNow.
func Engines(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) { fn(t, AtTestNow(db)) })
}

// MustOpenDB opens a fresh, migrated store (sqlstoretest.MustOpen) at
// TestNow, closed when the test ends.
func MustOpenDB(tb testing.TB, engine sqlstore.Engine) *sqlstore.DB {
	tb.Helper()
	return AtTestNow(sqlstoretest.MustOpen(tb, engine))
}

// AtTestNow sets db's clock to TestNow.
func AtTestNow(db *sqlstore.DB) *sqlstore.DB {
	db.Now = func() time.Time { return TestNow }
	return db
}

// LogWriter sends the server's log lines to the test's log, so an internal
// error shows up beside the failure it caused. NewLogWriter makes one.
type LogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

// NewLogWriter returns a LogWriter to t's log that falls silent when t
// ends (a server's goroutines may still log then).
func NewLogWriter(t testing.TB) *LogWriter {
	lw := &LogWriter{t: t}
	t.Cleanup(func() { lw.mu.Lock(); lw.done = true; lw.mu.Unlock() })
	return lw
}

// Write logs p as one line of the test's log.
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// World is the HTTP fixture: a real server over the real store, one
// organisation of every kind (two exporters, two manufacturers), a user of
// every role in each, and a client signed in as each of them through
// POST /api/v1/auth/login.
type World struct {
	T       testing.TB
	DB      *sqlstore.DB
	Server  *ucxhttp.Server
	TS      *httptest.Server
	Orgs    map[string]*ucx.Org       // "exporter", "maker2", …
	Clients map[string]*client.Client // "exporter.member", …
	Tokens  map[string]string         // the same users' token secrets
	Users   map[string]*ucx.Principal // the same users as principals
	serial  int
	MakerRU int64 // outlet ids
	MakerKZ int64
	Maker2U int64
}

// OrgNames and Roles span the authorisation matrix.
var (
	OrgNames = []string{"operator", "authority", "customs", "exporter", "exporter2", "maker", "maker2"}
	Roles    = []ucx.Role{ucx.RoleAdmin, ucx.RoleMember, ucx.RoleViewer}
)

// MakerWMI and Maker2WMI are the two manufacturers' WMIs.
const (
	MakerWMI  = "LM1"
	Maker2WMI = "LM2"
)

// NewWorld builds the fixture on db and serves it on a loopback port.
func NewWorld(t testing.TB, db *sqlstore.DB) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{T: t, DB: db, Orgs: map[string]*ucx.Org{}, Clients: map[string]*client.Client{},
		Tokens: map[string]string{}, Users: map[string]*ucx.Principal{}}
	lw := NewLogWriter(t)

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
	s.Now = func() time.Time { return TestNow }
	w.Server = s
	w.TS = httptest.NewServer(s.Handler())
	t.Cleanup(w.TS.Close)

	today := ucx.DateOf(TestNow)
	defs := map[string]*ucx.Org{
		"operator":  {Kind: ucx.KindOperator, Name: "ucx 平台运营中心"},
		"authority": {Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"},
		"customs":   {Kind: ucx.KindCustoms, Name: "黄埔海关"},
		"exporter": {Kind: ucx.KindExporter, Name: "广州华运二手车出口有限公司",
			FilingNumber: "GD-2025-0117", FilingExpires: today.AddDays(200)},
		"exporter2": {Kind: ucx.KindExporter, Name: "深圳速达汽车贸易有限公司",
			FilingNumber: "GD-2025-0342", FilingExpires: today.AddDays(200)},
		"maker": {Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", NameEN: "Test Motor Co., Ltd.",
			Brands: []string{"Testa"}, WMIs: []string{MakerWMI},
			Outlets: []*ucx.Outlet{
				{Country: "RU", Provider: "Testa Rus Service", Address: "Leningradsky pr. 39, Moscow", Contact: "+7 495 000 0101"},
				{Country: "KZ", Provider: "Testa Almaty", Address: "Al-Farabi ave. 77, Almaty"},
			}},
		"maker2": {Kind: ucx.KindManufacturer, Name: "另一汽车有限公司", Brands: []string{"Other"}, WMIs: []string{Maker2WMI},
			Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Other Rus", Address: "Tverskaya 1, Moscow"}}},
	}
	for _, name := range OrgNames {
		o := defs[name]
		for i, role := range Roles {
			u := &ucx.User{Username: name + "." + string(role), Role: role}
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, o, u, Password)
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, Password)
			}
			if err != nil {
				t.Fatalf("bootstrap %s: %v", u.Username, err)
			}
			c := client.New(w.TS.URL, "")
			p, err := c.Authenticate(ctx, u.Username, Password)
			if err != nil {
				t.Fatalf("login %s over HTTP: %v", u.Username, err)
			}
			if p.OrgID != o.ID || p.Role != role || p.OrgKind != o.Kind {
				t.Fatalf("login %s: principal %+v, want org %d role %s", u.Username, p, o.ID, role)
			}
			w.Clients[u.Username], w.Tokens[u.Username], w.Users[u.Username] = c, c.Token(), p
		}
		w.Orgs[name] = o
	}
	// Sealing on, with custodial keys for the sealing organisations, so
	// the workflow produces sealed documents (documents.go).
	if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}
	for _, admin := range []string{"maker.admin", "maker2.admin", "authority.admin"} {
		if _, err := db.CreateCustodialKey(ctx, w.Users[admin], "", time.Time{}); err != nil {
			t.Fatalf("custodial key of %s: %v", admin, err)
		}
	}
	w.MakerRU, w.MakerKZ = w.Orgs["maker"].Outlets[0].ID, w.Orgs["maker"].Outlets[1].ID
	w.Maker2U = w.Orgs["maker2"].Outlets[0].ID
	return w
}

// C returns the client of user ("exporter.member").
func (w *World) C(user string) *client.Client {
	c, ok := w.Clients[user]
	if !ok {
		w.T.Fatalf("no user %s in the world", user)
	}
	return c
}

// VINFor returns a fresh VIN with a correct check digit under wmi.
func (w *World) VINFor(wmi string) string {
	w.serial++
	v := fmt.Sprintf("%sABCDE0S1%06d", wmi, w.serial)
	d, ok := vin.CheckDigit(v)
	if !ok {
		panic("vinFor: bad VIN " + v)
	}
	return v[:8] + string(d) + v[9:]
}

// Input is a complete, consistent application for a car of wmi registered
// on reg, going to Russia.
func (w *World) Input(wmi string, reg ucx.Date) *ucx.ApplicationInput {
	transfer := reg.AddDays(20)
	if transfer.After(Today) {
		transfer = Today
	}
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: w.VINFor(wmi), Brand: "Testa", Model: "T1 EV", Energy: ucx.EnergyElectric, BatteryKWh: 60,
			RegistrationDate: reg, TransferDate: transfer},
		Certificate:      ucx.CertificateValues{Brand: "Testa", Model: "T1 EV", RegistrationDate: reg, TransferDate: transfer},
		Destination:      "RU",
		Buyer:            "OOO Avto Import",
		ContractNumber:   "HY-2026-0042",
		InspectionReport: "CMA-2026-1234",
	}
}

// File files in over HTTP as user and fails the test on error.
func (w *World) File(user string, in *ucx.ApplicationInput) *ucx.Application {
	w.T.Helper()
	a, created, err := w.C(user).CreateApplication(context.Background(), nil, in, ucx.CreateOptions{})
	if err != nil || !created {
		w.T.Fatalf("file as %s: created=%v err=%v", user, created, err)
	}
	return a
}

// Draft files a draft of exporter's that needs a letter.
func (w *World) Draft() *ucx.Application {
	w.T.Helper()
	return w.File("exporter.member", w.Input(MakerWMI, RecentReg))
}

// Awaiting files and submits an application of exporter's for a car of
// maker's that needs a letter, and returns it with the pending request.
func (w *World) Awaiting() (*ucx.Application, *ucx.ConfirmationRequest) {
	w.T.Helper()
	ctx := context.Background()
	in := w.Input(MakerWMI, RecentReg)
	in.Submit = true
	a := w.File("exporter.member", in)
	if a.State != ucx.StateAwaitingConfirmation {
		w.T.Fatalf("state = %s, want awaiting_confirmation (decision %+v)", a.State, a.Decision)
	}
	rs, _, err := w.C("maker.member").FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 1000})
	if err != nil {
		w.T.Fatal(err)
	}
	for _, r := range rs {
		if r.ApplicationID == a.ID {
			return a, r
		}
	}
	w.T.Fatalf("no pending request for application %d in the maker's inbox", a.ID)
	return nil, nil
}

// UnderReview returns an application of exporter's under review, its
// letter approved.
func (w *World) UnderReview() *ucx.Application {
	w.T.Helper()
	ctx := context.Background()
	a, r := w.Awaiting()
	if _, err := w.C("maker.member").ApproveRequest(ctx, nil, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
		w.T.Fatalf("approve: %v", err)
	}
	a, err := w.C("exporter.member").FindApplicationByID(ctx, nil, a.ID)
	if err != nil {
		w.T.Fatal(err)
	}
	if a.State != ucx.StateUnderReview {
		w.T.Fatalf("state after approval = %s, want under_review", a.State)
	}
	return a
}

// Licensed returns a licence issued for a fresh application of exporter's.
func (w *World) Licensed() *ucx.Licence {
	w.T.Helper()
	a := w.UnderReview()
	lic, err := w.C("authority.member").IssueLicence(context.Background(), nil, a.ID, a.Version)
	if err != nil {
		w.T.Fatalf("issue: %v", err)
	}
	return lic
}

// Response is a raw HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorBody decodes the API's error shape, failing the test when the body
// does not have it.
func (r *Response) ErrorBody(t testing.TB) wire.ErrorBody {
	t.Helper()
	var er wire.ErrorResponse
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
		t.Fatalf("status %d: body %q is not the error shape (%v)", r.Status, r.Body, err)
	}
	if got := wire.ErrorStatusCode(er.Error.Code); got != r.Status {
		t.Fatalf("error code %s answered with status %d, but the table says %d", er.Error.Code, r.Status, got)
	}
	return er.Error
}

// Raw sends a request as user ("" for no credentials, "bad" for a forged
// token) with a raw body and headers "Name: value".
func (w *World) Raw(user, method, path, body string, headers ...string) *Response {
	w.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.TS.URL+path, rd)
	if err != nil {
		w.T.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch user {
	case "":
	case "bad":
		req.Header.Set("Authorization", "Bearer ucx_not_a_real_token")
	default:
		req.Header.Set("Authorization", "Bearer "+w.Tokens[user])
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.T.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		w.T.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// MustJSON encodes v for a request body.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// DiscardLogger drops every log line, for servers whose logs a test does
// not read.
func DiscardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
