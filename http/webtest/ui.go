package webtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/sqlstore"
)

// UIUser is a browser-like client of the web UI: a cookie jar and no
// redirects followed, so each answer can be inspected as sent.
type UIUser struct {
	t    *testing.T
	base string
	// Client is the browser: its cookie jar holds the session.
	Client *http.Client
}

// NewUIUser returns a UI client of the server at base, signed in as nobody.
func NewUIUser(t *testing.T, base string) *UIUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &UIUser{t: t, base: base, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// UIAnswer is one response of the UI, body read.
type UIAnswer struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends a request, with form as its urlencoded body when not nil and
// headers "Name: value", and reads the answer.
func (u *UIUser) Do(method, path string, form url.Values, headers ...string) *UIAnswer {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u.base+path, body)
	if err != nil {
		u.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := u.Client.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &UIAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// Get is Do of a GET.
func (u *UIUser) Get(path string) *UIAnswer { return u.Do("GET", path, nil) }

// Post is Do of a POST of form.
func (u *UIUser) Post(path string, form url.Values, headers ...string) *UIAnswer {
	return u.Do("POST", path, form, headers...)
}

// Login signs in through the form and fails the test unless it worked.
func (u *UIUser) Login(username string) *UIUser {
	u.t.Helper()
	a := u.Post("/login", url.Values{"username": {username}, "password": {Password}, "next": {"/"}})
	if a.Status != http.StatusSeeOther {
		u.t.Fatalf("login %s: status %d, body %.300s", username, a.Status, a.Body)
	}
	return u
}

// UIWorld is the HTTP world of the API tests with UI users.
func UIWorld(t *testing.T) *World {
	t.Helper()
	return NewWorld(t, MustOpenDB(t, sqlstore.SQLite))
}
