package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/demo"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// TestScaleOut_TwoServersOnOnePostgreSQL runs two `ucx serve` (two Main
// values, each with its own HTTP server, token cache, limiters and import
// worker) on loopback against one PostgreSQL schema, migrated and seeded
// once, sharing the key-encryption key and the log key as a deployment
// would. A client spread over both by a balancer must not notice: what is
// filed through one is read through the other, a token and a web session
// made on one work on the other, a queued import runs exactly once though
// both workers poll for it, and when both servers act on the same
// application with the same version at the same moment exactly one wins
// and the other answers 409.
//
// It needs UCX_TEST_POSTGRES (SQLite is one process by design).
func TestScaleOut_TwoServersOnOnePostgreSQL(t *testing.T) {
	if os.Getenv("UCX_TEST_POSTGRES") == "" {
		t.Skip("scale-out test skipped: set UCX_TEST_POSTGRES to a PostgreSQL DSN to run it")
	}
	ctx := context.Background()
	dsn := sqlstoretest.FreshPostgres(t)
	dir := t.TempDir()

	// Migrate and seed once, as `ucx migrate` and an operator would; the
	// servers then only check the schema.
	kek := sqlstore.NewKEK()
	kekFile := filepath.Join(dir, "kek")
	if err := os.WriteFile(kekFile, []byte(hex.EncodeToString(kek)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.UseKEK(ctx, kek); err != nil {
		t.Fatal(err)
	}
	world, err := demo.Seed(ctx, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Opened one after the other: the first writes the log key, the
	// second reads the same one (a deployment ships it to every host).
	logs := &soakLog{t: t}
	t.Cleanup(func() { logs.mu.Lock(); logs.done = true; logs.mu.Unlock() })
	servers := make([]*Main, 2)
	for i := range servers {
		m := &Main{
			Config: Config{Addr: "127.0.0.1:0", DB: dsn, KEKFile: kekFile, LogKey: filepath.Join(dir, "log.key"),
				ShutdownTimeout: 5 * time.Second},
			Stdout: io.Discard,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		}
		if err := m.Open(ctx); err != nil {
			t.Fatalf("server %c: %v", 'A'+i, err)
		}
		t.Cleanup(func() {
			if err := m.Close(); err != nil {
				t.Errorf("closing server %c: %v", 'A'+i, err)
			}
		})
		servers[i] = m
	}
	a, b := servers[0], servers[1]
	exporter, _ := world.Login("huayun-export")
	on := func(m *Main, token string) *client.Client { return client.New(m.URL(), token) }
	expA, expB := on(a, exporter.Token), on(b, exporter.Token)

	t.Run("FiledThroughOneReadThroughTheOther", func(t *testing.T) {
		in := crashApplication(soakVIN(900001))
		in.Submit = false
		app, created, err := expA.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
		if err != nil || !created {
			t.Fatalf("filing through A: created=%v %v", created, err)
		}
		got, err := expB.FindApplicationByID(ctx, nil, app.ID)
		if err != nil {
			t.Fatalf("reading through B the application filed through A: %v", err)
		}
		if got.Vehicle.VIN != in.Vehicle.VIN || got.Version != app.Version || got.State != app.State {
			t.Fatalf("B sees %s v%d %s, A filed %s v%d %s", got.Vehicle.VIN, got.Version, got.State, in.Vehicle.VIN, app.Version, app.State)
		}
	})

	t.Run("TokenMadeOnOneWorksOnTheOther", func(t *testing.T) {
		secret, tok, err := expA.CreateToken(ctx, nil, "scale-out")
		if err != nil {
			t.Fatalf("creating a token through A: %v", err)
		}
		for _, m := range servers {
			p, err := on(m, secret).Me(ctx)
			if err != nil || p.OrgID != exporter.OrgID {
				t.Fatalf("the new token on %s: %+v %v", m.URL(), p, err)
			}
		}
		// A revocation through A reaches B once B's token cache lets go
		// of it (http.DefaultTokenCacheTTL): the documented bound.
		if err := on(a, secret).RevokeToken(ctx, nil, tok.ID); err != nil {
			t.Fatalf("revoking through A: %v", err)
		}
		if _, err := on(a, secret).Me(ctx); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Fatalf("the revoked token on A: %v, want unauthorized at once", err)
		}
		deadline := time.Now().Add(http.DefaultTokenCacheTTL + 3*time.Second)
		for {
			_, err := on(b, secret).Me(ctx)
			if ucx.ErrorCode(err) == ucx.EUNAUTHORIZED {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the token revoked through A still works on B after %s: %v", http.DefaultTokenCacheTTL+3*time.Second, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("WebSessionMadeOnOneWorksOnTheOther", func(t *testing.T) {
		noRedirect := &nethttp.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}
		form := url.Values{"username": {exporter.Username}, "password": {exporter.Password}}
		resp, err := noRedirect.PostForm(a.URL()+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var cookie *nethttp.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == http.SessionCookie && c.Value != "" {
				cookie = c
			}
		}
		if resp.StatusCode != nethttp.StatusSeeOther || cookie == nil {
			t.Fatalf("POST /login on A: status %d, session cookie %v", resp.StatusCode, cookie)
		}
		me := func(m *Main) (int, string) {
			req, _ := nethttp.NewRequest("GET", m.URL()+"/api/v1/me", nil)
			req.AddCookie(cookie)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p ucx.Principal
			json.NewDecoder(resp.Body).Decode(&p)
			return resp.StatusCode, p.Username
		}
		if status, user := me(b); status != 200 || user != exporter.Username {
			t.Fatalf("GET /api/v1/me on B with A's session: %d %q, want 200 %q", status, user, exporter.Username)
		}
		// Signing out on B ends the session on A too: sessions are rows,
		// not process memory.
		req, _ := nethttp.NewRequest("POST", b.URL()+"/logout", nil)
		req.AddCookie(cookie)
		resp, err = noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != nethttp.StatusSeeOther {
			t.Fatalf("POST /logout on B: %d", resp.StatusCode)
		}
		if status, _ := me(a); status != 401 {
			t.Fatalf("GET /api/v1/me on A after signing out on B: %d, want 401", status)
		}
	})

	t.Run("ImportQueuedOnOneRunsExactlyOnce", func(t *testing.T) {
		// Several imports, queued through both, so that both workers find
		// work on the same ticks and contend for the same rows.
		const imports, rows = 4, 5
		var ids []int64
		var vins []string
		for i := range imports {
			var csv strings.Builder
			csv.WriteString("vin,brand,model,registration_date,transfer_date,destination,cert_brand,cert_model,cert_registration_date,cert_transfer_date,inspection_report,buyer,contract_number\n")
			reg := ucx.Today().AddDays(-400).String()
			for j := range rows {
				v := soakVIN(int64(910000 + i*100 + j))
				vins = append(vins, v)
				fmt.Fprintf(&csv, "%s,BYD,Seal,%s,%s,RU,BYD,Seal,%s,%s,CMA-1,OOO Scale,HT-%d-%d\n", v, reg, reg, reg, reg, i, j)
			}
			csv.WriteString("LGXSKWDL0XBAD0000,BYD,Seal,2025-01-16,2025-02-01,RU,BYD,Seal,2025-01-16,2025-02-01,CMA-1,OOO Scale,HT-BAD\n")
			im, err := []*client.Client{expA, expB}[i%2].StartImport(ctx, nil, fmt.Sprintf("scale-%d.csv", i), []byte(csv.String()))
			if err != nil {
				t.Fatalf("queueing import %d: %v", i, err)
			}
			ids = append(ids, im.ID)
		}
		deadline := time.Now().Add(60 * time.Second)
		for _, id := range ids {
			for {
				im, err := expB.FindImportByID(ctx, nil, id)
				if err != nil {
					t.Fatal(err)
				}
				if im.State == ucx.ImportDone || im.State == ucx.ImportFailed {
					if im.State != ucx.ImportDone || im.Total != rows+1 || im.Processed != rows+1 || im.Filed != rows || im.Rejected != 1 {
						t.Fatalf("import %d: %s, %d rows, %d processed, %d filed, %d rejected (%s); want done, %d, %d, %d, 1",
							id, im.State, im.Total, im.Processed, im.Filed, im.Rejected, im.Error, rows+1, rows+1, rows)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("import %d still %s after 60 s", id, im.State)
				}
				time.Sleep(100 * time.Millisecond)
			}
			results, err := expA.ImportRows(ctx, nil, id, 0, 100)
			if err != nil || len(results) != rows+1 {
				t.Fatalf("import %d has %d result rows (%v), want %d: run more than once?", id, len(results), err, rows+1)
			}
		}
		for _, v := range vins {
			apps, n, err := expA.FindApplications(ctx, nil, ucx.ApplicationFilter{VIN: v, Limit: 10})
			if err != nil || n != 1 || len(apps) != 1 {
				t.Fatalf("VIN %s: %d applications (%v), want exactly 1", v, n, err)
			}
		}
	})

	t.Run("SameVersionOnBothServersExactlyOneWins", func(t *testing.T) {
		const rounds = 10
		for r := range rounds {
			in := crashApplication(soakVIN(int64(920000 + r)))
			in.Submit = false
			app, _, err := expA.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			version := app.Version
			for _, action := range []string{"submit", "withdraw"} {
				var (
					start = make(chan struct{})
					wg    sync.WaitGroup
					errs  [2]error
					won   [2]*ucx.Application
				)
				for i, c := range []*client.Client{expA, expB} {
					wg.Go(func() {
						<-start
						if action == "submit" {
							won[i], errs[i] = c.SubmitApplication(ctx, nil, app.ID, version)
						} else {
							won[i], errs[i] = c.WithdrawApplication(ctx, nil, app.ID, version)
						}
					})
				}
				close(start)
				wg.Wait()
				winners := 0
				for i := range errs {
					switch {
					case errs[i] == nil:
						winners++
						version = won[i].Version
					case ucx.ErrorCode(errs[i]) != ucx.ECONFLICT:
						t.Fatalf("round %d, %s on server %c: %v, want success or conflict (409)", r, action, 'A'+i, errs[i])
					}
				}
				if winners != 1 {
					t.Fatalf("round %d, %s with version %d on both servers at once: %d won, want exactly 1 (errors %v)", r, action, version, winners, errs)
				}
			}
			got, err := expB.FindApplicationByID(ctx, nil, app.ID)
			if err != nil || got.State != ucx.StateWithdrawn || got.Version != version {
				t.Fatalf("round %d: application %s v%d (%v), want withdrawn v%d", r, got.State, got.Version, err, version)
			}
		}
	})
}
