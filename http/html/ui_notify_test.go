package html_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
)

// TestUINotify_TheBellCountsWhatTheReaderHasNotRead: the header's bell
// shows the unread count of the signed-in user on every page, in the
// page's language; the list shows each message and marks read per user;
// reading all clears the bell for that user only.
func TestUINotify_TheBellCountsWhatTheReaderHasNotRead(t *testing.T) {
	w := webtest.UIWorld(t)
	w.Awaiting()
	w.Awaiting()
	member := webtest.NewUIUser(t, w.TS.URL).Login("maker.member")
	viewer := webtest.NewUIUser(t, w.TS.URL).Login("maker.viewer")
	bell := regexp.MustCompile(`<a class="bell" id="bell" href="/notifications" aria-label="([^"]+)">.*?(?:<span class="badge" id="bell-count">(\d+)</span>)?</a>`)
	count := func(u *webtest.UIUser, path string) (string, string) {
		t.Helper()
		a := u.Get(path)
		if a.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, a.Status)
		}
		m := bell.FindStringSubmatch(a.Body)
		if m == nil {
			t.Fatalf("no bell on %s", path)
		}
		return m[2], m[1]
	}
	if n, label := count(member, "/requests"); n != "2" || label != "通知（2 条未读）" {
		t.Fatalf("bell on the inbox = %q (%q), want 2", n, label)
	}
	a := member.Get("/notifications")
	if !strings.Contains(a.Body, "确认书申请") || strings.Count(a.Body, `class="notification unread"`) != 2 {
		t.Fatalf("the list does not show two unread requests:\n%.2000s", a.Body)
	}
	id := regexp.MustCompile(`id="n-(\d+)"`).FindStringSubmatch(a.Body)[1]
	if r := member.Post("/notifications/read", url.Values{"ids": {id}}); r.Status != http.StatusSeeOther {
		t.Fatalf("mark read: %d", r.Status)
	}
	if n, _ := count(member, "/requests"); n != "1" {
		t.Errorf("after reading one: bell %q, want 1", n)
	}
	if n, _ := count(viewer, "/requests"); n != "2" {
		t.Errorf("the viewer's bell = %q, want 2 (read marks are each reader's)", n)
	}
	member.Post("/notifications/read", url.Values{"all": {"1"}})
	if n, label := count(member, "/requests"); n != "" || !strings.Contains(label, "0") {
		t.Errorf("after reading all: bell %q (%q), want none", n, label)
	}
	en := webtest.NewUIUser(t, w.TS.URL).Login("maker.viewer")
	en.Get("/lang/en?next=/notifications")
	if a := en.Get("/notifications"); !strings.Contains(a.Body, "Letter requested") || !strings.Contains(a.Body, `aria-label="Notifications (2 unread)"`) {
		t.Errorf("the English list does not read English:\n%.1500s", a.Body)
	}
	if a := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member").Get("/notifications"); strings.Contains(a.Body, "确认书申请：") {
		t.Error("the exporter sees the manufacturer's notifications")
	}
}

// TestUINotify_AdminsSettingsAndDeliveryLog: the admin adds a webhook
// (its secret shown once, on that answer only), sees a field error beside
// the URL, changes a channel's events, reads the delivery log and a
// delivery's attempts, and replays it; members get 403, and another
// organisation's delivery 404.
func TestUINotify_AdminsSettingsAndDeliveryLog(t *testing.T) {
	w := webtest.UIWorld(t)
	admin := webtest.NewUIUser(t, w.TS.URL).Login("maker.admin")
	a := admin.Post("/settings/notifications/channels", url.Values{"kind": {"webhook"}, "url": {"ftp://erp.example.cn"}})
	if a.Status != http.StatusBadRequest || !strings.Contains(a.Body, `id="e-url"`) || !strings.Contains(a.Body, "ftp://erp.example.cn") {
		t.Fatalf("a bad URL: %d, want 400 with the error beside the field:\n%.3000s", a.Status, a.Body)
	}
	a = admin.Post("/settings/notifications/channels", url.Values{"kind": {"webhook"}, "url": {"https://erp.example.cn/hook"}, "events": {"request.received"}})
	secret := regexp.MustCompile(`<code>(whsec_[0-9a-f]{64})</code>`).FindStringSubmatch(a.Body)
	if a.Status != http.StatusOK || secret == nil || a.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("add a webhook: %d, secret shown %v:\n%.3000s", a.Status, secret != nil, a.Body)
	}
	a = admin.Get("/settings/notifications")
	if strings.Contains(a.Body, secret[1]) || !strings.Contains(a.Body, "签名 Webhook") || !strings.Contains(a.Body, "站内通知") {
		t.Fatalf("the settings page after: secret shown again, or channels missing:\n%.3000s", a.Body)
	}
	for _, who := range []string{"maker.member", "maker.viewer"} {
		u := webtest.NewUIUser(t, w.TS.URL).Login(who)
		if a := u.Get("/settings/notifications"); a.Status != http.StatusForbidden {
			t.Errorf("%s opens the settings: %d, want 403", who, a.Status)
		}
		if a := u.Get("/settings/notifications/deliveries"); a.Status != http.StatusForbidden {
			t.Errorf("%s opens the log: %d, want 403", who, a.Status)
		}
	}
	w.Awaiting()
	ctx := context.Background()
	claimed, err := w.DB.ClaimDeliveries(ctx, "ui-test", 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := w.DB.FinishDelivery(ctx, claimed[0], ucx.DeliveryResult{Status: 503, Error: "receiver down"}); err != nil {
		t.Fatal(err)
	}
	did := strconv.FormatInt(claimed[0].Delivery.ID, 10)
	a = admin.Get("/settings/notifications/deliveries?state=dead")
	if !strings.Contains(a.Body, "/settings/notifications/deliveries/"+did) || !strings.Contains(a.Body, "receiver down") {
		t.Fatalf("the dead letters do not list delivery %s:\n%.3000s", did, a.Body)
	}
	a = admin.Get("/settings/notifications/deliveries/" + did)
	if !strings.Contains(a.Body, `id="attempts"`) || !strings.Contains(a.Body, "503") || !strings.Contains(a.Body, `id="replay"`) {
		t.Fatalf("the delivery page:\n%.3000s", a.Body)
	}
	if a := webtest.NewUIUser(t, w.TS.URL).Login("maker2.admin").Get("/settings/notifications/deliveries/" + did); a.Status != http.StatusNotFound {
		t.Errorf("another organisation's admin opens the delivery: %d, want 404", a.Status)
	}
	if a := webtest.NewUIUser(t, w.TS.URL).Login("maker2.admin").Post("/settings/notifications/deliveries/"+did+"/replay", url.Values{}); a.Status != http.StatusNotFound {
		t.Errorf("another organisation's admin replays: %d, want 404", a.Status)
	}
	if a := admin.Post("/settings/notifications/deliveries/"+did+"/replay", url.Values{}); a.Status != http.StatusSeeOther {
		t.Fatalf("replay: %d %.500s", a.Status, a.Body)
	}
	if a := admin.Get("/settings/notifications/deliveries/" + did); !strings.Contains(a.Body, "待投递") {
		t.Errorf("after the replay the delivery is not pending:\n%.2000s", a.Body)
	}
	// Untick every event of the webhook and turn it off.
	cs, _ := w.DB.Channels(ctx, w.Users["maker.admin"], w.Orgs["maker"].ID)
	hook := cs[len(cs)-1]
	a = admin.Post("/settings/notifications/channels/"+strconv.FormatInt(hook.ID, 10), url.Values{"version": {strconv.Itoa(hook.Version)}, "lang": {"en"}, "action": {"save"}})
	if a.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.1000s", a.Status, a.Body)
	}
	cs, _ = w.DB.Channels(ctx, w.Users["maker.admin"], w.Orgs["maker"].ID)
	if c := cs[len(cs)-1]; c.Enabled || c.Lang != "en" || len(c.Events) != 0 {
		t.Errorf("after saving: %+v", c)
	}
}
