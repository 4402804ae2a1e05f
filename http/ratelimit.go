package http

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (a client address, a token's hash):
// rate tokens a second, refilled continuously, bursting to n. It guards
// POST /auth/login against password guessing and every request against a
// client that sends too many (limits.go). Buckets that have refilled
// completely carry no information and are swept, so memory is bounded by
// the keys active in the last period.
type limiter struct {
	mu        sync.Mutex
	n         float64       // the burst: a full bucket
	rate      float64       // tokens added per second
	period    time.Duration // how long an empty bucket takes to refill
	now       func() time.Time
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// newLimiter allows n attempts per period per key, bursting to n.
func newLimiter(n int, period time.Duration, now func() time.Time) *limiter {
	return &limiter{n: float64(n), rate: float64(n) / period.Seconds(), period: period, now: now, buckets: map[string]*bucket{}}
}

// newRateLimiter allows perSecond requests a second per key on average,
// with bursts of up to burst (at least one) requests.
func newRateLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	burst = max(burst, 1)
	period := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &limiter{n: float64(burst), rate: perSecond, period: period, now: now, buckets: map[string]*bucket{}}
}

// blocked reports whether key's bucket is empty, without taking a token,
// and how long until it has one again.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return false, 0
	}
	tokens := l.tokens(b, l.now())
	if tokens < 1 {
		return true, time.Duration((1 - tokens) / l.rate * float64(time.Second))
	}
	return false, 0
}

// tokens is what b holds at now: its tokens refilled at the limiter's
// rate since it was last touched, up to the burst. Callers hold l.mu.
func (l *limiter) tokens(b *bucket, now time.Time) float64 {
	return min(l.n, b.tokens+now.Sub(b.at).Seconds()*l.rate)
}

// allow takes one token for key. When none is left it reports false and
// how long until the next one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := l.rate
	if now.Sub(l.lastSweep) > l.period {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*rate >= l.n {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.n, at: now}
		l.buckets[key] = b
	}
	b.tokens = l.tokens(b, now)
	b.at = now
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
		return false, wait
	}
	b.tokens--
	return true, 0
}
