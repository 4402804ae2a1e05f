package main

import (
	"context"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/notify"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// TestNotifyCmds_AdminAddsAWebhookTheWorkerDeliversAndReplays: from the
// shell, the manufacturer's admin adds a webhook (its secret printed once)
// and lists its channels; a member may not; a request is filed; `ucx
// notify work --once` on the database delivers it signed, once; the log
// shows the attempt; replay sends it again; the member's in-app list has it.
func TestNotifyCmds_AdminAddsAWebhookTheWorkerDeliversAndReplays(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "ucx.db")
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := sqlstoretest.NewWorld(t, db)
	s := http.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.NotificationService = db, db, db, db, db
	s.Policy = policy.Default()
	s.Logger = slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	token := func(user string) string {
		secret, _, err := db.CreateToken(ctx, w.Users[user], "cli")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin, member := token("maker.admin"), token("maker.member")
	cli := func(tok string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, nil, append(args, "--server", ts.URL, "--token", tok)...)
	}

	var secret atomic.Value
	secret.Store("")
	var got, bad atomic.Int32
	recv := httptest.NewServer(nethttp.HandlerFunc(func(rw nethttp.ResponseWriter, r *nethttp.Request) {
		b, _ := io.ReadAll(r.Body)
		if notify.Verify(secret.Load().(string), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), b, time.Now(), 0) != nil {
			bad.Add(1)
			rw.WriteHeader(401)
			return
		}
		got.Add(1)
	}))
	defer recv.Close()

	code, out, errOut := cli(admin, "notify", "channel-add", "--kind", "webhook", "--url", recv.URL+"/h", "--events", "request.received", "--lang", "zh")
	if code != 0 {
		t.Fatalf("channel-add: exit %d %s %s", code, out, errOut)
	}
	m := regexp.MustCompile(`whsec_[0-9a-f]{64}`).FindString(out)
	if m == "" {
		t.Fatalf("no secret printed:\n%s", out)
	}
	secret.Store(m)
	if code, out, _ := cli(admin, "notify", "channels"); code != 0 || !strings.Contains(out, "webhook") || !strings.Contains(out, "inapp") || strings.Contains(out, "whsec_") {
		t.Fatalf("channels: exit %d\n%s", code, out)
	}
	if code, _, errOut := cli(member, "notify", "channels"); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a member lists channels: exit %d %s, want 1 forbidden", code, errOut)
	}
	if code, _, errOut := cli(admin, "notify", "channel-add", "--kind", "webhook", "--url", "ftp://x"); code != 1 || !strings.Contains(errOut, "url") {
		t.Fatalf("a bad URL: exit %d %s, want 1 naming url", code, errOut)
	}

	w.Awaiting(t)
	code, out, errOut = runCLI(t, nil, "notify", "work", "--once", "--db", dsn, "--notify-allow-private")
	if code != 0 || !strings.Contains(out, "1 delivery attempts") {
		t.Fatalf("work --once: exit %d %s %s", code, out, errOut)
	}
	if got.Load() != 1 || bad.Load() != 0 {
		t.Fatalf("received %d (bad signatures %d), want 1", got.Load(), bad.Load())
	}
	code, out, _ = cli(admin, "notify", "deliveries")
	if code != 0 || !strings.Contains(out, "delivered") || !strings.Contains(out, "request.received") {
		t.Fatalf("deliveries: exit %d\n%s", code, out)
	}
	id := regexp.MustCompile(`(?m)^(\d+)\s`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no delivery id in\n%s", out)
	}
	if code, out, _ := cli(admin, "notify", "delivery", id[1]); code != 0 || !strings.Contains(out, "yes") || !strings.Contains(out, "200") {
		t.Fatalf("delivery: exit %d\n%s", code, out)
	}
	if code, out, errOut := cli(admin, "notify", "replay", id[1]); code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("replay: exit %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, nil, "notify", "work", "--once", "--db", dsn, "--notify-allow-private"); code != 0 || got.Load() != 2 {
		t.Fatalf("after the replay: exit %d, received %d, want 2", code, got.Load())
	}
	// Without --notify-allow-private the loopback receiver is refused.
	if code, _, _ := cli(admin, "notify", "replay", id[1]); code != 0 {
		t.Fatal("replay")
	}
	runCLI(t, nil, "notify", "work", "--once", "--db", dsn)
	if got.Load() != 2 {
		t.Fatalf("a loopback receiver was posted to without --notify-allow-private")
	}
	if code, out, _ := cli(admin, "notify", "delivery", id[1]); code != 0 || !strings.Contains(out, "non-public") {
		t.Fatalf("the refused attempt's log:\n%s", out)
	}
	if code, out, _ := cli(member, "notify", "list"); code != 0 || !strings.Contains(out, "1 unread") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(member, "notify", "read", "--all"); code != 0 || !strings.Contains(out, "1 marked") {
		t.Fatalf("read --all: exit %d\n%s", code, out)
	}
}
