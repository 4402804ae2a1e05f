package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sheet"
)

// DefaultMaxImportRows is how many data rows one upload may hold. An
// import is a month of an exporter's stock; the largest file at all likely
// (a month of the largest exporter) is tens of thousands of rows. A file
// past the limit is refused while the user waits (413), rather than
// occupying the background worker and the writer for minutes.
const DefaultMaxImportRows = 100_000

// Limits are the per-client request-rate limits and the import row limit,
// applied by the handler LimitedHandler returns. The zero value of a rate
// turns that limit off; `ucx serve` turns both on by default (its --rate-*
// flags) and docs/operations.md lists the values. They live beside the
// Server rather than in it so that tests and embedded uses of Handler are
// never throttled by surprise.
//
// The limits are held in this process's memory. Several `ucx serve`
// processes behind one address each keep their own buckets: a client
// spread over N processes may send up to N times the configured rate.
// Login attempts are limited the same way (Server.LoginsPerMinute).
type Limits struct {
	// TokenRate is how many requests a second one credential (a bearer
	// token or a web session) may make on average, and TokenBurst how many
	// it may make at once after being idle (two seconds' worth when zero).
	TokenRate  float64
	TokenBurst int
	// AddressRate and AddressBurst are the same for one client address,
	// whatever credential it sends (or none). An address can be an
	// office behind NAT, so it is set higher than the per-token limit.
	AddressRate  float64
	AddressBurst int
	// MaxImportRows is how many data rows an uploaded file may hold
	// (DefaultMaxImportRows when zero; negative turns the check off).
	MaxImportRows int
}

// LimitedHandler returns Handler behind the limits in l: requests over a
// rate limit are answered 429 with Retry-After before anything else runs
// (a map lookup, no store query), and uploads over the row limit, from the
// API and the web UI alike, 413. /healthz and /metrics are exempt from the
// rates: load balancers and Prometheus poll them from a few addresses, and
// refusing them would take a healthy server out of service. Call it once,
// before serving, after the service fields are set.
func (s *Server) LimitedHandler(l Limits) http.Handler {
	rows := l.MaxImportRows
	if rows == 0 {
		rows = DefaultMaxImportRows
	}
	if rows > 0 && s.ImportService != nil {
		if _, done := s.ImportService.(*rowLimitedImports); !done {
			s.ImportService = &rowLimitedImports{ImportService: s.ImportService, max: rows}
		}
	}
	next := s.Handler()
	var byToken, byAddr *limiter
	if l.TokenRate > 0 {
		byToken = newRateLimiter(l.TokenRate, burstOf(l.TokenBurst, l.TokenRate), s.now)
	}
	if l.AddressRate > 0 {
		byAddr = newRateLimiter(l.AddressRate, burstOf(l.AddressBurst, l.AddressRate), s.now)
	}
	if byToken == nil && byAddr == nil {
		return next
	}
	// The refusal goes through the same instrumentation as a route, so
	// 429s are counted in /metrics and logged like any other answer.
	refused := s.instrument("rate_limited", func(w http.ResponseWriter, r *http.Request) {
		wait, _ := r.Context().Value(waitKey{}).(rateWait)
		secs := max(1, int(math.Ceil(wait.d.Seconds())))
		w.Header().Set("Retry-After", itoa(secs))
		s.Error(w, r, ucx.Errorf(ucx.ERATELIMIT, "too many requests from %s; retry in %d seconds", wait.who, secs))
	})
	refuse := func(w http.ResponseWriter, r *http.Request, wait rateWait) {
		refused.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), waitKey{}, wait)))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		if byAddr != nil {
			if ok, wait := byAddr.allow(s.clientAddr(r)); !ok {
				refuse(w, r, rateWait{wait, "this address"})
				return
			}
		}
		if byToken != nil {
			if key := credentialKey(r); key != "" {
				if ok, wait := byToken.allow(key); !ok {
					refuse(w, r, rateWait{wait, "this token"})
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// burstOf is the burst to use: the configured one, or else two seconds'
// worth of requests, so a page that loads a few resources at once is not
// refused.
func burstOf(burst int, rate float64) int {
	if burst > 0 {
		return burst
	}
	return max(1, int(math.Ceil(2*rate)))
}

type waitKey struct{}

// rateWait is how long a refused client must wait, and which of its
// limits it reached (for the message).
type rateWait struct {
	d   time.Duration
	who string
}

// credentialKey names the credential a request presents: a hash of its
// bearer token or of its session cookie, or "" for none. The hash keeps
// secrets out of the limiter's map; the credential is not checked here
// (that costs a store query), so a client sending made-up tokens is held
// back by the per-address limit instead.
func credentialKey(r *http.Request) string {
	var secret string
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, secret, _ = strings.Cut(auth, " ")
		secret = "t:" + strings.TrimSpace(secret)
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		secret = "s:" + c.Value
	} else {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:16])
}

// rowLimitedImports refuses an upload with more than max data rows before
// it is stored, with ETOOLARGE (413) naming the limit. Counting reads the
// rows without parsing their values (sheet.Reader.NextRaw), stopping one
// row past the limit. A file the reader cannot open goes through unchanged
// so that the store answers with its own, more precise, refusal.
type rowLimitedImports struct {
	ucx.ImportService
	max int
}

// StartImport counts the rows, then starts the import.
func (l *rowLimitedImports) StartImport(ctx context.Context, p *ucx.Principal, filename string, data []byte) (*ucx.Import, error) {
	if r, err := sheet.NewReader(bytes.NewReader(data), sheet.FormatOf(filename)); err == nil {
		n := 0
		for n <= l.max && r.NextRaw() {
			n++
		}
		r.Close()
		if n > l.max {
			return nil, ucx.FieldErrorf(ucx.ETOOLARGE, "file", "the file has more than %d rows, the limit for one upload; split it into several files", l.max)
		}
	}
	return l.ImportService.StartImport(ctx, p, filename, data)
}
