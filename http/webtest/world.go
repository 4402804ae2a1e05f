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
)

// TestNow is the store's and the server's clock (sqlstoretest.TestNow):
// 10:00 in Beijing on 10 March 2026, after R1's regime start, so that the
// tests do not depend on the day they run.
var TestNow = sqlstoretest.TestNow

// Today is TestNow's date. A car registered on RecentReg is 53 days old and
// needs a manufacturer letter (R1); one registered on OldReg does not.
var (
	Today     = sqlstoretest.Today
	RecentReg = sqlstoretest.RecentReg
	OldReg    = sqlstoretest.OldReg
)

// Password is every world user's password.
const Password = sqlstoretest.Password

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

// World is the HTTP fixture: the store-level world (sqlstoretest.World:
// one organisation of every kind, two exporters and two manufacturers, a
// user of every role in each) served by a real server, with a client
// signed in as each of its users through POST /api/v1/auth/login.
// Awaiting, UnderReview and Licensed here go over HTTP; the embedded
// World's (w.World.Awaiting(t), …) go through the store.
type World struct {
	*sqlstoretest.World
	T       testing.TB
	Server  *ucxhttp.Server
	TS      *httptest.Server
	Clients map[string]*client.Client // "exporter.member", …
	Tokens  map[string]string         // the same users' token secrets
}

// OrgNames and Roles span the authorisation matrix (sqlstoretest's).
var (
	OrgNames = sqlstoretest.OrgNames
	Roles    = sqlstoretest.Roles
)

// MakerWMI and Maker2WMI are the two manufacturers' WMIs.
const (
	MakerWMI  = sqlstoretest.MakerWMI
	Maker2WMI = sqlstoretest.Maker2WMI
)

// NewWorld seeds the store-level world in db (sqlstoretest.NewWorld),
// serves it on a loopback port and signs each user in over HTTP.
func NewWorld(t testing.TB, db *sqlstore.DB) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{World: sqlstoretest.NewWorld(t, db), T: t, Clients: map[string]*client.Client{}, Tokens: map[string]string{}}
	lw := NewLogWriter(t)

	s := ucxhttp.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.Sessions = db, db, db, db, db
	s.KeyService, s.DocumentService = db, db
	s.CreditService, s.FiguresService = db, db
	s.NotificationService = db
	s.RuleService = db
	s.RegisterService = db
	// The batch workflow, once the store implements it (shipment.go).
	if ss, ok := any(db).(ucx.ShipmentService); ok {
		s.ShipmentService = ss
	}
	s.DeregistrationService = db
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

	for _, name := range OrgNames {
		for _, role := range Roles {
			username := name + "." + string(role)
			c := client.New(w.TS.URL, "")
			p, err := c.Authenticate(ctx, username, Password)
			if err != nil {
				t.Fatalf("login %s over HTTP: %v", username, err)
			}
			if want := w.Users[username]; *p != *want {
				t.Fatalf("login %s: principal %+v, want %+v", username, p, want)
			}
			w.Clients[username], w.Tokens[username] = c, c.Token()
		}
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
