package sqlstore_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/notify"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// BenchmarkNotifyDelivery measures, on each engine, the delivery of
// webhook notifications by one worker with the defaults of `ucx serve`
// (batch 16, 4 at a time, polling every 250 ms) to an httptest receiver:
//
//   - deliveries/s: b.N requests for letters committed first, then the
//     worker started and timed until the receiver has them all;
//   - p50-ms, p95-ms: with the worker running, b.N more changes committed
//     one after another, each timed from its commit returning to its
//     webhook arriving.
//
// Run it small: go test -run '^$' -bench NotifyDelivery -benchtime 200x ./sqlstore
func BenchmarkNotifyDelivery(b *testing.B) {
	for _, engine := range []sqlstore.Engine{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			db := sqlstoretest.MustOpen(b, engine)
			benchNotify(b, db)
		})
	}
}

func benchNotify(b *testing.B, db *sqlstore.DB) {
	ctx := context.Background()
	w := sqlstoretest.NewWorld(b, db)
	var mu sync.Mutex
	arrived := map[int64]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n notify.WebhookBody
		json.Unmarshal(body, &n)
		mu.Lock()
		arrived[n.ApplicationID] = time.Now()
		mu.Unlock()
		rw.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	u := recv.URL
	if _, err := db.CreateChannel(ctx, w.Users["maker.admin"], w.Maker.ID, &ucx.ChannelInput{Kind: ucx.ChannelWebhook, URL: &u,
		Events: []ucx.NotifyEvent{ucx.NotifyRequestReceived}}); err != nil {
		b.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(arrived) }
	waitFor := func(n int) {
		for deadline := time.Now().Add(2 * time.Minute); count() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d webhooks arrived", count(), n)
			}
		}
	}
	worker := func() (stop func()) {
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		wk := &notify.Worker{Queue: db, Senders: notify.Senders(notify.HTTPOptions{AllowPrivate: true})}
		go func() { defer close(done); wk.Run(wctx) }()
		return func() { cancel(); <-done }
	}

	// Throughput: a backlog of b.N, drained.
	for i := 0; i < b.N; i++ {
		w.Awaiting(b)
	}
	b.ResetTimer()
	start := time.Now()
	stop := worker()
	waitFor(b.N)
	drain := time.Since(start)
	b.StopTimer()

	// Latency: commit → webhook received, the worker running.
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		a, _ := w.Awaiting(b)
		committed := time.Now()
		for {
			mu.Lock()
			at, ok := arrived[a.ID]
			mu.Unlock()
			if ok {
				lat = append(lat, at.Sub(committed))
				break
			}
			if time.Since(committed) > time.Minute {
				b.Fatalf("application %d's webhook never arrived", a.ID)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	stop()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/drain.Seconds(), "deliveries/s")
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100])/1e6, "p95-ms")
}
