// Package notify delivers ucx's notifications: the worker that takes due
// deliveries from the store's outbox (ucx.DeliveryQueue) and the senders of
// each channel — signed webhooks, e-mail over SMTP, and the group bots of
// 企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu/Lark). The in-app
// channel needs no sender: the store delivers it by writing it.
//
// Every `ucx serve` runs a Worker; several may share one database, as the
// store's claims are exclusive (a lease with a token), so each delivery is
// attempted by one worker at a time and recorded once. A failed attempt is
// retried with exponential backoff and jitter, and after MaxAttempts the
// delivery is dead: its organisation's admin reads the log and replays it.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
)

// Sender sends one delivery on its channel and says what the receiver
// answered: an HTTP status or an SMTP reply code (0 when it never
// answered). A nil error is delivered.
type Sender interface {
	Send(ctx context.Context, o *ucx.Outgoing) (status int, err error)
}

// Worker defaults.
const (
	DefaultMaxAttempts  = 8
	DefaultBaseDelay    = 30 * time.Second
	DefaultMaxDelay     = time.Hour
	DefaultLease        = 5 * time.Minute
	DefaultBatch        = 16
	DefaultConcurrency  = 4
	DefaultPoll         = 250 * time.Millisecond
	DefaultOverdueEvery = time.Minute
)

// Worker delivers what the outbox holds. Set Queue and Senders; the rest
// have defaults.
type Worker struct {
	Queue   ucx.DeliveryQueue
	Senders map[ucx.ChannelKind]Sender
	// Name identifies the worker in the delivery log (host and process
	// id by default).
	Name string
	// MaxAttempts is how many tries a delivery gets before it is dead.
	MaxAttempts int
	// BaseDelay is the wait after the first failure; each further
	// failure doubles it, up to MaxDelay, and the wait is jittered to
	// between half and all of that, so that the retries of many
	// deliveries to one failing receiver spread out.
	BaseDelay, MaxDelay time.Duration
	// Lease is how long a claim holds a delivery: longer than the
	// slowest attempt (every sender has a timeout well under it).
	Lease time.Duration
	// Batch is how many deliveries one claim takes; Concurrency how
	// many are sent at once.
	Batch, Concurrency int
	// Poll is how often Run looks for due deliveries; OverdueEvery how
	// often it sweeps for overdue deregistrations (R16).
	Poll, OverdueEvery time.Duration
	Logger             *slog.Logger
	// Now and Rand are the clock and the jitter's source; tests replace
	// them.
	Now  func() time.Time
	Rand func() float64
}

func (w *Worker) maxAttempts() int { return orInt(w.MaxAttempts, DefaultMaxAttempts) }
func (w *Worker) name() string {
	if w.Name != "" {
		return w.Name
	}
	h, _ := os.Hostname()
	return h + "/" + strconv.Itoa(os.Getpid())
}
func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}
func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// Backoff is the wait after the tries-th failed attempt: BaseDelay
// doubled for each earlier failure, at most MaxDelay, jittered to between
// half and all of it ("equal jitter").
func (w *Worker) Backoff(tries int) time.Duration {
	base, max := orDuration(w.BaseDelay, DefaultBaseDelay), orDuration(w.MaxDelay, DefaultMaxDelay)
	d := float64(base) * math.Pow(2, float64(tries-1))
	if d > float64(max) || math.IsInf(d, 0) {
		d = float64(max)
	}
	r := rand.Float64
	if w.Rand != nil {
		r = w.Rand
	}
	return time.Duration(d/2 + r()*d/2)
}

// RunOnce delivers everything due now, batch after batch, until nothing
// is due, and returns how many attempts it made (`ucx notify work --once`).
// It first sweeps for overdue deregistrations.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if _, err := w.Queue.AnnounceOverdue(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := w.batch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Run delivers until ctx is cancelled, looking for due deliveries every
// Poll and sweeping for overdue deregistrations every OverdueEvery.
// Failures are logged, never fatal.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(orDuration(w.Poll, DefaultPoll))
	defer t.Stop()
	var swept time.Time
	for {
		if time.Since(swept) >= orDuration(w.OverdueEvery, DefaultOverdueEvery) {
			swept = time.Now()
			if _, err := w.Queue.AnnounceOverdue(ctx); err != nil && ctx.Err() == nil {
				w.logger().Error("announcing overdue deregistrations failed", "err", err)
			}
		}
		for {
			n, err := w.batch(ctx)
			if err != nil && ctx.Err() == nil {
				w.logger().Error("delivering notifications failed", "err", err)
			}
			if err != nil || n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// batch claims one batch, sends it Concurrency at a time, and records
// each result. It returns how many it claimed.
func (w *Worker) batch(ctx context.Context) (int, error) {
	name := w.name()
	out, err := w.Queue.ClaimDeliveries(ctx, name, orInt(w.Batch, DefaultBatch), orDuration(w.Lease, DefaultLease))
	if err != nil || len(out) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, orInt(w.Concurrency, DefaultConcurrency))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, o := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := w.deliver(ctx, name, o); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(out), first
}

// deliver sends one claimed delivery and records the attempt. A claim
// lost meanwhile (ECONFLICT) is the other worker's to record.
func (w *Worker) deliver(ctx context.Context, name string, o *ucx.Outgoing) error {
	start := time.Now()
	status, err := 0, error(nil)
	switch s := w.Senders[o.Channel.Kind]; {
	case o.Problem != "":
		err = errors.New(o.Problem)
	case s == nil:
		err = errors.New("this server has no sender for " + string(o.Channel.Kind) + " channels (for e-mail: start it with --smtp-host)")
	default:
		status, err = s.Send(ctx, o)
	}
	r := ucx.DeliveryResult{OK: err == nil, Status: status, Duration: time.Since(start), Worker: name}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: the lease lapses and another try follows
		}
		r.Error = err.Error()
		if o.Tries < w.maxAttempts() {
			r.RetryAt = w.now().Add(w.Backoff(o.Tries))
		}
		lvl := slog.LevelWarn
		if r.RetryAt.IsZero() {
			lvl = slog.LevelError
		}
		w.logger().Log(ctx, lvl, "notification delivery failed", "delivery", o.Delivery.ID, "org", o.Channel.OrgID, "kind", o.Channel.Kind,
			"attempt", o.Delivery.Attempts, "status", status, "err", r.Error, "dead", r.RetryAt.IsZero())
	}
	if ferr := w.Queue.FinishDelivery(context.WithoutCancel(ctx), o, r); ferr != nil && ucx.ErrorCode(ferr) != ucx.ECONFLICT {
		return ferr
	}
	return nil
}
