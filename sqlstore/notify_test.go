package sqlstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/notify"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// clock is a store clock the notification tests move on, so that retries
// fall due without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver is a webhook receiver that checks each request's signature,
// counts the requests per delivery, and fails the first fail of each.
type receiver struct {
	srv    *httptest.Server
	secret atomic.Value // string
	fail   int
	mu     sync.Mutex
	calls  map[string]int // X-UCX-Delivery → requests
	ok     map[string]int // X-UCX-Delivery → requests answered 2xx
	events map[string]string
	badSig int
}

func newReceiver(t *testing.T, fail int, now func() time.Time) *receiver {
	r := &receiver{fail: fail, calls: map[string]int{}, ok: map[string]int{}, events: map[string]string{}}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		err := notify.Verify(r.secret.Load().(string), req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature), body, now(), 0)
		id := req.Header.Get(notify.HeaderDelivery)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.badSig++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.calls[id]++
		r.events[id] = req.Header.Get(notify.HeaderEvent)
		if r.calls[id] <= r.fail {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		r.ok[id]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) snapshot() (calls, ok map[string]int, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, ok = map[string]int{}, map[string]int{}
	for k, v := range r.calls {
		calls[k] = v
	}
	for k, v := range r.ok {
		ok[k] = v
	}
	return calls, ok, r.badSig
}

// newWorker is a worker on q posting to loopback receivers, with retries
// due at once on the test clock (the clock is moved on between passes).
func newWorker(q ucx.DeliveryQueue, name string, c *clock, maxAttempts int) *notify.Worker {
	return &notify.Worker{Queue: q, Senders: notify.Senders(notify.HTTPOptions{AllowPrivate: true, Timeout: 5 * time.Second}),
		Name: name, MaxAttempts: maxAttempts, BaseDelay: time.Second, MaxDelay: time.Minute, Batch: 4, Now: c.Now}
}

// webhookFor adds a webhook channel to the organisation of admin.
func webhookFor(t *testing.T, db *sqlstore.DB, admin *ucx.Principal, r *receiver) *ucx.Channel {
	t.Helper()
	u := r.srv.URL + "/hook"
	c, err := db.CreateChannel(context.Background(), admin, admin.OrgID, &ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: &u})
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret == "" || !c.HasSecret {
		t.Fatalf("a new webhook's secret is shown once at creation: %+v", c)
	}
	r.secret.Store(c.Secret)
	return c
}

func countRows(t *testing.T, db *sqlstore.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.View(context.Background(), "test", func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), query, args...).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotify_TwoWorkersDeliverEachChangeOnceEvenWhenTheReceiverFailsTwice
// runs two workers, each on its own store handle of one database (as two
// `ucx serve` would), while the manufacturer's receiver refuses the first
// two tries of every delivery: each committed change reaches each
// subscribed channel exactly once, after three logged attempts.
func TestNotify_TwoWorkersDeliverEachChangeOnceEvenWhenTheReceiverFailsTwice(t *testing.T) {
	sqlstoretest.DSNs(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db1, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db1.Close()
		if err := db1.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w := sqlstoretest.NewWorld(t, db1)
		c := &clock{t: sqlstoretest.TestNow}
		db1.Now = c.Now
		db2, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		db2.Now = c.Now

		r := newReceiver(t, 2, time.Now)
		ch := webhookFor(t, db1, w.Users["maker.admin"], r)
		const cars = 6
		for i := 0; i < cars; i++ {
			w.Awaiting(t) // each: one request.received for the maker
		}
		if got := countRows(t, db1, "SELECT COUNT(*) FROM notify_deliveries WHERE channel_id = ?", ch.ID); got != cars {
			t.Fatalf("deliveries on the webhook = %d, want %d (one per request)", got, cars)
		}

		workers := []*notify.Worker{newWorker(db1, "w1", c, 5), newWorker(db2, "w2", c, 5)}
		for pass := 0; pass < 3; pass++ {
			var wg sync.WaitGroup
			for _, wk := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := wk.RunOnce(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			c.Advance(time.Hour) // the retries fall due
		}
		calls, ok, bad := r.snapshot()
		if bad != 0 {
			t.Fatalf("%d requests failed signature verification", bad)
		}
		if len(ok) != cars {
			t.Fatalf("deliveries received = %d, want %d: %v", len(ok), cars, ok)
		}
		for id, n := range ok {
			if n != 1 || calls[id] != 3 {
				t.Errorf("delivery %s: received %d times in %d calls, want once in 3 (two refused first)", id, n, calls[id])
			}
		}
		ds, total, err := db1.Deliveries(ctx, w.Users["maker.admin"], w.Maker.ID, ucx.DeliveryFilter{})
		if err != nil || total != cars {
			t.Fatalf("Deliveries: %d, %v", total, err)
		}
		for _, d := range ds {
			if d.State != ucx.DeliveryDelivered || d.Attempts != 3 || d.Event != ucx.NotifyRequestReceived {
				t.Errorf("delivery %d: %s after %d attempts (%s), want delivered after 3 (request.received)", d.ID, d.State, d.Attempts, d.Event)
			}
			full, err := db1.Delivery(ctx, w.Users["maker.admin"], w.Maker.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Log) != 3 || full.Log[0].OK || full.Log[0].Status != http.StatusServiceUnavailable || !full.Log[2].OK || full.Log[2].Status != http.StatusNoContent {
				t.Errorf("delivery %d's log = %+v, want 503, 503, 204", d.ID, full.Log)
			}
			for i, a := range full.Log {
				if a.Attempt != i+1 || a.Worker == "" {
					t.Errorf("attempt %d = %+v", i+1, a)
				}
			}
		}
		// The in-app channel has each too, delivered by being written.
		if n, err := db1.UnreadCount(ctx, w.MakerMember); err != nil || n != cars {
			t.Errorf("maker's unread = %d, %v; want %d", n, err, cars)
		}
	})
}

// TestNotify_DeadLetterAfterMaxAttemptsThenReplay: a receiver that always
// fails sends the delivery to the dead letters after MaxAttempts; the
// admin's replay makes it pending with fresh tries, and it arrives once the
// receiver works, the log keeping every attempt.
func TestNotify_DeadLetterAfterMaxAttemptsThenReplay(t *testing.T) {
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := sqlstoretest.NewWorld(t, db)
		c := &clock{t: sqlstoretest.TestNow}
		db.Now = c.Now
		r := newReceiver(t, 1000, time.Now)
		admin := w.Users["maker.admin"]
		webhookFor(t, db, admin, r)
		w.Awaiting(t)
		wk := newWorker(db, "w", c, 3)
		for i := 0; i < 5; i++ {
			if _, err := wk.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Hour)
		}
		ds, _, err := db.Deliveries(ctx, admin, w.Maker.ID, ucx.DeliveryFilter{State: ucx.DeliveryDead})
		if err != nil || len(ds) != 1 {
			t.Fatalf("dead deliveries = %v, %v; want one", ds, err)
		}
		d := ds[0]
		if d.Attempts != 3 || d.LastStatus != http.StatusServiceUnavailable || d.LastError == "" {
			t.Fatalf("dead delivery = %+v, want 3 attempts ending in 503 with its error", d)
		}
		if _, err := db.ReplayDelivery(ctx, w.MakerMember, w.Maker.ID, d.ID); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("a member's replay: %v, want forbidden", err)
		}
		if _, err := db.ReplayDelivery(ctx, w.Users["maker2.admin"], w.Maker.ID, d.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another organisation's replay: %v, want not_found", err)
		}
		if _, err := db.ReplayDelivery(ctx, w.Users["maker2.admin"], w.Maker2.ID, d.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("replaying another organisation's delivery as one's own: %v, want not_found", err)
		}
		rd, err := db.ReplayDelivery(ctx, admin, w.Maker.ID, d.ID)
		if err != nil || rd.State != ucx.DeliveryPending {
			t.Fatalf("replay: %+v, %v", rd, err)
		}
		if _, err := db.ReplayDelivery(ctx, admin, w.Maker.ID, d.ID); ucx.ErrorCode(err) != ucx.ERULE {
			t.Errorf("replaying a pending delivery: %v, want rule_violation", err)
		}
		r.mu.Lock()
		r.fail = 0
		r.mu.Unlock()
		if _, err := wk.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		full, err := db.Delivery(ctx, admin, w.Maker.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.State != ucx.DeliveryDelivered || full.Attempts != 4 || len(full.Log) != 4 || !full.Log[3].OK {
			t.Fatalf("after the replay: %s, %d attempts, log %+v; want delivered at the 4th", full.State, full.Attempts, full.Log)
		}
		if full.Notification == nil || full.Notification.Facts["vin"] == "" {
			t.Errorf("the delivery's notification = %+v, want its facts", full.Notification)
		}
		// The replay is in the organisation's audit trail.
		es, _, err := db.OrgEvents(ctx, admin, w.Maker.ID, ucx.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range es {
			found = found || e.Action == "notify.replay"
		}
		if !found {
			t.Error("the replay is not in the audit trail")
		}
	})
}

// heard is what each organisation was told: event → count, from its
// in-app list.
func heard(t *testing.T, db *sqlstore.DB, p *ucx.Principal) map[ucx.NotifyEvent]int {
	t.Helper()
	items, _, _, err := db.InApp(context.Background(), p, ucx.InAppFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[ucx.NotifyEvent]int{}
	for _, it := range items {
		out[it.Event]++
	}
	return out
}

// TestNotify_EachStepTellsTheCounterpart walks the workflow and checks who
// hears what (docs/notifications.md's table): the manufacturer its
// request, the exporter the answer, the decisions and the clearance, the
// authority what awaits review, the clearance and the overdue
// deregistration (R16), announced once whichever sweep finds it.
func TestNotify_EachStepTellsTheCounterpart(t *testing.T) {
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := sqlstoretest.NewWorld(t, db)
		c := &clock{t: sqlstoretest.TestNow}
		db.Now = c.Now
		l := w.Licensed(t)
		if _, err := db.RecordClearance(ctx, w.CustomsMember, l.ID, "黄埔新港", "5201202600001"); err != nil {
			t.Fatal(err)
		}
		want := map[*ucx.Principal]map[ucx.NotifyEvent]int{
			w.MakerMember:   {ucx.NotifyRequestReceived: 1},
			w.ExpMember:     {ucx.NotifyRequestAnswered: 1, ucx.NotifyApplicationDecided: 1, ucx.NotifyLicenceIssued: 1, ucx.NotifyClearanceRecorded: 1},
			w.AuthMember:    {ucx.NotifyApplicationReview: 1, ucx.NotifyClearanceRecorded: 1},
			w.CustomsMember: {},
			w.Maker2Mem:     {},
			w.Exp2Member:    {},
		}
		check := func(when string) {
			t.Helper()
			for p, events := range want {
				got := heard(t, db, p)
				if len(got) != len(events) {
					t.Errorf("%s: %s heard %v, want %v", when, p.Username, got, events)
					continue
				}
				for e, n := range events {
					if got[e] != n {
						t.Errorf("%s: %s heard %v, want %v", when, p.Username, got, events)
					}
				}
			}
		}
		check("cleared")
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("overdue on the day of clearance: %d, %v", n, err)
		}
		c.Advance(70 * 24 * time.Hour) // past the two months of R16
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("overdue after 70 days: %d, %v; want 1", n, err)
		}
		if n, err := db.AnnounceOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("a second sweep announced %d again (%v)", n, err)
		}
		want[w.ExpMember][ucx.NotifyDeregistrationOverdue] = 1
		want[w.AuthMember][ucx.NotifyDeregistrationOverdue] = 1
		want[w.ExpMember][ucx.NotifyCreditRecorded] = 1 // the overdue vehicle is a credit event (R16, R8)
		check("overdue")
		items, _, _, err := db.InApp(ctx, w.ExpMember, ucx.InAppFilter{Limit: 1})
		if err != nil || len(items) != 1 {
			t.Fatal(items, err)
		}
		if got := ucx.NotificationText(&items[0].Notification, ucx.LangZH); got == "" || items[0].Facts["licence"] != l.Number {
			t.Errorf("the overdue message = %q with facts %v, want licence %s", got, items[0].Facts, l.Number)
		}
	})
}

// TestNotify_RefusedAndWithdrawnRequests: a refusal tells the exporter
// (answered, and the application refused by it); a withdrawal tells the
// manufacturer the request is void; an authority's refusal is
// licence.refused.
func TestNotify_RefusedAndWithdrawnRequests(t *testing.T) {
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := sqlstoretest.NewWorld(t, db)
		_, r := w.Awaiting(t)
		if _, err := db.RefuseRequest(ctx, w.MakerMember, r.ID, r.Version, "no_service_network", "no outlet in RU"); err != nil {
			t.Fatal(err)
		}
		a2, _ := w.Awaiting(t)
		if _, err := db.WithdrawApplication(ctx, w.ExpMember, a2.ID, a2.Version); err != nil {
			t.Fatal(err)
		}
		a3 := w.UnderReview(t)
		if _, err := db.RefuseLicence(ctx, w.AuthMember, a3.ID, a3.Version, "data_mismatch", "brand differs from the certificate"); err != nil {
			t.Fatal(err)
		}
		got := heard(t, db, w.ExpMember)
		if got[ucx.NotifyRequestAnswered] != 2 || got[ucx.NotifyApplicationDecided] != 2 || got[ucx.NotifyLicenceRefused] != 1 {
			t.Errorf("exporter heard %v", got)
		}
		items, _, _, err := db.InApp(ctx, w.ExpMember, ucx.InAppFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var refused *ucx.InAppItem
		for _, it := range items {
			if it.Event == ucx.NotifyRequestAnswered && it.Facts["variant"] == "refused" {
				refused = it
			}
		}
		if refused == nil || refused.Facts["code"] != "no_service_network" {
			t.Fatalf("no refused answer with its code among %v", items)
		}
		if m := heard(t, db, w.MakerMember); m[ucx.NotifyRequestReceived] != 3 || m[ucx.NotifyRequestWithdrawn] != 1 {
			t.Errorf("maker heard %v, want 3 requests and 1 withdrawal", m)
		}
	})
}

// TestNotify_Settings: each organisation's admin chooses its channels and
// events; others' settings are not found, non-admins forbidden; a
// disabled channel gets nothing, and a channel not subscribed to an
// event gets nothing of it; bad input names the field.
func TestNotify_Settings(t *testing.T) {
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := sqlstoretest.NewWorld(t, db)
		admin := w.Users["maker.admin"]
		chs, err := db.Channels(ctx, admin, w.Maker.ID)
		if err != nil || len(chs) != 1 || chs[0].Kind != ucx.ChannelInApp || len(chs[0].Events) != len(ucx.EventsFor(ucx.KindManufacturer)) {
			t.Fatalf("a new manufacturer's channels = %+v, %v; want its in-app channel with every event it hears", chs, err)
		}
		for _, p := range []*ucx.Principal{w.MakerMember, w.MakerViewer} {
			if _, err := db.Channels(ctx, p, w.Maker.ID); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
				t.Errorf("%s lists channels: %v, want forbidden", p.Username, err)
			}
			if _, _, err := db.Deliveries(ctx, p, w.Maker.ID, ucx.DeliveryFilter{}); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
				t.Errorf("%s lists deliveries: %v, want forbidden", p.Username, err)
			}
		}
		other := w.Users["maker2.admin"]
		if _, err := db.Channels(ctx, other, w.Maker.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another organisation's admin lists channels: %v, want not_found", err)
		}
		if _, err := db.UpdateChannel(ctx, other, w.Maker2.ID, chs[0].ID, 0, &ucx.ChannelInput{}); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("changing another organisation's channel as one's own: %v, want not_found", err)
		}
		if err := db.DeleteChannel(ctx, w.OperatorAdmin, w.Maker.ID, chs[0].ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("the operator deletes a maker's channel: %v, want not_found", err)
		}
		bad := []struct {
			in    ucx.ChannelInput
			field string
		}{
			{ucx.ChannelInput{Kind: "sms"}, "kind"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("ftp://example.cn/x")}, "url"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("https://user:pw@example.cn/x")}, "url"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("/relative")}, "url"},
			{ucx.ChannelInput{Kind: ucx.ChannelWeCom}, "url"},
			{ucx.ChannelInput{Kind: ucx.ChannelEmail, To: []string{"not an address"}}, "to[0]"},
			{ucx.ChannelInput{Kind: ucx.ChannelEmail}, "to"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("https://example.cn/h"), Lang: "fr"}, "lang"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("https://example.cn/h"), Events: []ucx.NotifyEvent{ucx.NotifyLicenceIssued}}, "events[0]"},
			{ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: ptr("https://example.cn/h"), Secret: ptr("mine")}, "secret"},
			{ucx.ChannelInput{Kind: ucx.ChannelInApp}, ""},
		}
		for _, b := range bad {
			_, err := db.CreateChannel(ctx, admin, w.Maker.ID, &b.in)
			if b.field == "" {
				if ucx.ErrorCode(err) != ucx.ECONFLICT {
					t.Errorf("a second in-app channel: %v, want conflict", err)
				}
				continue
			}
			if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != b.field {
				t.Errorf("%+v: %v (field %q), want invalid naming %s", b.in, err, ucx.ErrorField(err), b.field)
			}
		}
		// Only request.withdrawn on the webhook, then disable the in-app
		// channel: a new request reaches neither.
		r := newReceiver(t, 0, time.Now)
		hook := webhookFor(t, db, admin, r)
		if _, err := db.UpdateChannel(ctx, admin, w.Maker.ID, hook.ID, hook.Version, &ucx.ChannelInput{Events: []ucx.NotifyEvent{ucx.NotifyRequestWithdrawn}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateChannel(ctx, admin, w.Maker.ID, hook.ID, hook.Version, &ucx.ChannelInput{Lang: ucx.LangEN}); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Errorf("a change at a stale version: %v, want conflict", err)
		}
		off := false
		if _, err := db.UpdateChannel(ctx, admin, w.Maker.ID, chs[0].ID, 0, &ucx.ChannelInput{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		w.Awaiting(t)
		if n := countRows(t, db, "SELECT COUNT(*) FROM notify_deliveries WHERE org_id = ?", w.Maker.ID); n != 0 {
			t.Errorf("deliveries to a manufacturer subscribed to nothing of it = %d, want 0", n)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM notifications WHERE org_id = ?", w.Maker.ID); n != 0 {
			t.Errorf("notifications nobody receives = %d, want none stored", n)
		}
		rot, err := db.UpdateChannel(ctx, admin, w.Maker.ID, hook.ID, 0, &ucx.ChannelInput{RotateSecret: true})
		if err != nil || rot.Secret == "" || rot.Secret == hook.Secret {
			t.Errorf("rotating the secret: %+v, %v; want a new one shown once", rot, err)
		}
		listed, err := db.Channels(ctx, admin, w.Maker.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range listed {
			if c.Secret != "" {
				t.Errorf("channel %d lists its secret", c.ID)
			}
		}
		if err := db.DeleteChannel(ctx, admin, w.Maker.ID, hook.ID); err != nil {
			t.Fatal(err)
		}
		if listed, _ := db.Channels(ctx, admin, w.Maker.ID); len(listed) != 1 {
			t.Errorf("after deleting the webhook: %d channels, want 1", len(listed))
		}
	})
}

// TestNotify_InAppReadMarksAreEachReadersOwn: the bell counts what the
// reader has not read; marking one or all read changes that reader's
// count only; another organisation's ids are skipped.
func TestNotify_InAppReadMarksAreEachReadersOwn(t *testing.T) {
	sqlstoretest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := sqlstoretest.NewWorld(t, db)
		for i := 0; i < 3; i++ {
			w.Awaiting(t)
		}
		viewer := w.MakerViewer
		items, total, unread, err := db.InApp(ctx, w.MakerMember, ucx.InAppFilter{})
		if err != nil || total != 3 || unread != 3 || len(items) != 3 || items[0].Read {
			t.Fatalf("InApp = %d items, total %d, unread %d, %v", len(items), total, unread, err)
		}
		if n, err := db.MarkRead(ctx, w.MakerMember, []int64{items[0].ID}, false); err != nil || n != 1 {
			t.Fatalf("MarkRead one: %d, %v", n, err)
		}
		if n, err := db.MarkRead(ctx, w.Maker2Mem, []int64{items[1].ID}, false); err != nil || n != 0 {
			t.Errorf("another organisation marks an item read: %d, %v; want 0", n, err)
		}
		if n, _ := db.UnreadCount(ctx, w.MakerMember); n != 2 {
			t.Errorf("member's unread after one read = %d, want 2", n)
		}
		if n, _ := db.UnreadCount(ctx, viewer); n != 3 {
			t.Errorf("viewer's unread = %d, want 3 (read marks are each reader's)", n)
		}
		if _, _, u, _ := db.InApp(ctx, w.MakerMember, ucx.InAppFilter{Unread: true}); u != 2 {
			t.Errorf("unread = %d", u)
		}
		if its, total, _, _ := db.InApp(ctx, w.MakerMember, ucx.InAppFilter{Unread: true}); total != 2 || len(its) != 2 {
			t.Errorf("unread filter: %d of %d", len(its), total)
		}
		if n, err := db.MarkRead(ctx, w.MakerMember, nil, true); err != nil || n != 2 {
			t.Errorf("MarkRead all: %d, %v; want 2", n, err)
		}
		if n, _ := db.UnreadCount(ctx, w.MakerMember); n != 0 {
			t.Errorf("unread after all read = %d", n)
		}
		w.Awaiting(t)
		if n, _ := db.UnreadCount(ctx, w.MakerMember); n != 1 {
			t.Errorf("a new notification after all read: unread %d, want 1", n)
		}
		if _, err := db.MarkRead(ctx, w.MakerMember, nil, false); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("MarkRead of nothing: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
