package http

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// limiter is a token bucket per key (a client address): n attempts per
// period, refilled continuously, bursting to n. It guards POST /auth/login
// against password guessing. Buckets that have refilled completely carry no
// information and are swept, so memory is bounded by the addresses active
// in the last period.
type limiter struct {
	mu        sync.Mutex
	n         float64
	period    time.Duration
	now       func() time.Time
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(n int, period time.Duration, now func() time.Time) *limiter {
	return &limiter{n: float64(n), period: period, now: now, buckets: map[string]*bucket{}}
}

// allow takes one token for key. When none is left it reports false and
// how long until the next one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := l.n / l.period.Seconds() // tokens per second
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
	b.tokens = min(l.n, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
		return false, wait
	}
	b.tokens--
	return true, 0
}

// clientAddr is the address a request came from, without the port. The
// X-Forwarded-For header is not trusted: any client can write it, and a
// limiter keyed by it could be walked around at will.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
