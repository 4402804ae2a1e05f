package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	nethttp "net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestServeDemo_SeedsAWorldEveryPartyCanWorkIn runs the whole server in
// process as `ucx serve --demo` would, and checks what a new user sees:
// health, the printed logins, the credentials file, and that each party's
// token reaches only what its role allows.
func TestServeDemo_SeedsAWorldEveryPartyCanWorkIn(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "demo.json")
	var out bytes.Buffer
	m := &Main{Config: Config{Addr: "127.0.0.1:0", Demo: true, DemoCredentials: creds}, Stdout: &out}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	if !strings.Contains(out.String(), "seeded 106 applications") || !strings.Contains(out.String(), m.URL()) {
		t.Fatalf("start-up message lacks the seeding or the address:\n%s", out.String())
	}
	resp, err := nethttp.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}

	b, err := os.ReadFile(creds)
	if err != nil {
		t.Fatal(err)
	}
	var list []demo.Credential
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	kinds := map[ucx.OrgKind]bool{}
	for _, c := range list {
		kinds[c.Kind] = true
		if c.Token == "" || c.Password == "" || c.Username == "" {
			t.Fatalf("incomplete credential %+v", c)
		}
	}
	for _, k := range []ucx.OrgKind{ucx.KindOperator, ucx.KindAuthority, ucx.KindCustoms, ucx.KindManufacturer, ucx.KindExporter} {
		if !kinds[k] {
			t.Fatalf("no demo login for %s", k)
		}
	}

	ctx := context.Background()
	token := func(user string) string {
		for _, c := range list {
			if c.Username == user {
				return c.Token
			}
		}
		t.Fatalf("no demo user %s", user)
		return ""
	}
	// The authority sees every state of the workflow in the demo.
	auth := client.New(m.URL(), token("gd-licensing"))
	// The demo's year of history (demo/history.go) is filed by exporters
	// of its own; the workflow's 98 applications (48 filed alone, 50 in
	// shipments, demo/demo.go) are the two demo exporters'.
	var apps []*ucx.Application
	total := 0
	for _, user := range []string{"huayun-export", "suda-export"} {
		var org int64
		for _, c := range list {
			if c.Username == user {
				org = c.OrgID
			}
		}
		a, n, err := auth.FindApplications(ctx, nil, ucx.ApplicationFilter{ExporterID: org, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		apps, total = append(apps, a...), total+n
	}
	// Drafts stay the exporter's own until submitted: 6 of the 48 and the
	// 4 of the draft shipment; the 3 cars cleared 100 days ago (R16's
	// overdue demo) are seen too.
	if total != 91 {
		t.Fatalf("authority sees %d applications, want the 88 submitted ones and the 3 past clearances", total)
	}
	states := map[ucx.State]int{}
	for _, a := range apps {
		states[a.State]++
	}
	for _, s := range []ucx.State{ucx.StateAwaitingConfirmation, ucx.StateUnderReview, ucx.StateLicensed, ucx.StateRefused, ucx.StateWithdrawn, ucx.StateCleared} {
		if states[s] == 0 {
			t.Errorf("the demo has no application in state %s (%v)", s, states)
		}
	}
	// An exporter sees only its own.
	exp := client.New(m.URL(), token("huayun-export"))
	mine, n, err := exp.FindApplications(ctx, nil, ucx.ApplicationFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n >= 98 {
		t.Fatalf("exporter sees %d applications, want its own share", n)
	}
	drafts := 0
	for _, a := range mine {
		if a.State == ucx.StateDraft {
			drafts++
		}
	}
	if drafts == 0 {
		t.Errorf("the exporter has no drafts in the demo")
	}
	for _, a := range mine {
		if a.ExporterID != mine[0].ExporterID {
			t.Fatalf("exporter sees another exporter's application %d", a.ID)
		}
	}
	// No token, no data.
	req, _ := nethttp.NewRequest("GET", m.URL()+"/api/v1/applications", nil)
	resp, err = nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != nethttp.StatusUnauthorized {
		t.Fatalf("anonymous list = %d, want 401", resp.StatusCode)
	}
}

func TestServe_MigratesANewFileAndRefusesAnOutOfDateSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ucx.db")
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: path}, Stdout: io.Discard}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("a new file should be migrated on start: %v", err)
	}
	// Make the schema look older than this binary: forget the migration.
	forget := func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(context.Background(), "DELETE FROM schema_migrations")
		return err
	}
	if err := m.DB.Update(context.Background(), "test", forget); err != nil {
		t.Fatal(err)
	}
	m.Close()

	m = &Main{Config: Config{Addr: "127.0.0.1:0", DB: path}, Stdout: io.Discard}
	err := m.Open(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "ucx migrate") {
		t.Fatalf("start on an out-of-date schema = %v, want a refusal naming ucx migrate", err)
	}
}

// Without a public address the server starts and warns; a malformed one
// stops it as a usage error naming the flag; a good one reaches the API.
func TestServe_PublicURL(t *testing.T) {
	var logs strings.Builder
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: ":memory:"}, Stdout: io.Discard,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if !strings.Contains(logs.String(), "--public-url") {
		t.Errorf("no warning about the missing public address at start: %s", logs.String())
	}

	logs.Reset()
	m = &Main{Config: Config{Addr: "127.0.0.1:0", DB: ":memory:", PublicURL: "https://ucx.example.cn/"}, Stdout: io.Discard,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if m.API.PublicURL != "https://ucx.example.cn" || strings.Contains(logs.String(), "--public-url") {
		t.Errorf("public address %q, logs %s", m.API.PublicURL, logs.String())
	}

	m = &Main{Config: Config{Addr: "127.0.0.1:0", DB: ":memory:", PublicURL: "ucx.example.cn"}, Stdout: io.Discard,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err := m.Open(context.Background())
	m.Close()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), "--public-url") {
		t.Fatalf("a public address without a scheme = %v, want a usage error naming --public-url", err)
	}
}

// TestServe_MetricsOnTheirOwnAddressAndBehindAToken: /metrics is open on
// --addr by default (with a warning outside the demo); --metrics-addr
// moves it to an address of its own (404 on --addr), and a metrics token
// is asked for wherever it is served.
func TestServe_MetricsOnTheirOwnAddressAndBehindAToken(t *testing.T) {
	get := func(t *testing.T, url, token string) int {
		t.Helper()
		req, err := nethttp.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	open := func(t *testing.T, c Config) (*Main, string) {
		t.Helper()
		var logs strings.Builder
		c.Addr, c.DB = "127.0.0.1:0", ":memory:"
		m := &Main{Config: c, Stdout: io.Discard, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m, logs.String()
	}
	tokenFile := filepath.Join(t.TempDir(), "metrics.token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-scrape\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("OpenByDefaultWithAWarning", func(t *testing.T) {
		m, logs := open(t, Config{})
		if got := get(t, m.URL()+"/metrics", ""); got != 200 {
			t.Errorf("/metrics on --addr: %d, want 200", got)
		}
		if !strings.Contains(logs, "--metrics-addr") {
			t.Errorf("no warning that /metrics is open: %s", logs)
		}
	})
	t.Run("DemoWarnsNot", func(t *testing.T) {
		_, logs := open(t, Config{Demo: true})
		if strings.Contains(logs, "--metrics-addr") {
			t.Errorf("the demo warns about open metrics: %s", logs)
		}
	})
	t.Run("OwnAddress", func(t *testing.T) {
		m, logs := open(t, Config{MetricsAddr: "127.0.0.1:0"})
		if got := get(t, m.URL()+"/metrics", ""); got != 404 {
			t.Errorf("/metrics on --addr with --metrics-addr: %d, want 404", got)
		}
		if got := get(t, m.MetricsURL()+"/metrics", ""); got != 200 {
			t.Errorf("/metrics on --metrics-addr: %d, want 200", got)
		}
		if got := get(t, m.MetricsURL()+"/api/v1/orgs", ""); got != 404 {
			t.Errorf("the API on --metrics-addr: %d, want 404", got)
		}
		if strings.Contains(logs, "open to anyone") {
			t.Errorf("warning with --metrics-addr: %s", logs)
		}
	})
	t.Run("TokenFromFile", func(t *testing.T) {
		m, _ := open(t, Config{MetricsTokenFile: tokenFile})
		for _, tt := range []struct {
			token string
			want  int
		}{{"", 401}, {"wrong", 401}, {"s3cret-scrape", 200}} {
			if got := get(t, m.URL()+"/metrics", tt.token); got != tt.want {
				t.Errorf("/metrics with token %q: %d, want %d", tt.token, got, tt.want)
			}
		}
	})
	t.Run("TokenOnOwnAddress", func(t *testing.T) {
		m, _ := open(t, Config{MetricsAddr: "127.0.0.1:0", MetricsToken: "from-env"})
		if got := get(t, m.MetricsURL()+"/metrics", ""); got != 401 {
			t.Errorf("/metrics on --metrics-addr without the token: %d, want 401", got)
		}
		if got := get(t, m.MetricsURL()+"/metrics", "from-env"); got != 200 {
			t.Errorf("/metrics on --metrics-addr with the token: %d, want 200", got)
		}
	})
	t.Run("EmptyTokenFileRefused", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty")
		os.WriteFile(empty, nil, 0o600)
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: ":memory:", MetricsTokenFile: empty}, Stdout: io.Discard,
			Logger: slog.New(slog.DiscardHandler)}
		err := m.Open(context.Background())
		m.Close()
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), "--metrics-token-file") {
			t.Fatalf("an empty token file = %v, want a usage error naming --metrics-token-file", err)
		}
	})
}
