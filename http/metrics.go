package http

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucxdev/ucx"
)

// latencyBuckets are the histogram's upper bounds in seconds. They bracket
// the target (p99 under 20 ms) finely and leave a few for slow requests.
var latencyBuckets = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Workflow actions counted by ucx_workflow_transitions_total. They are
// fixed, so the counters are allocated once and read without a lock.
const (
	actionFile          = "file"
	actionSubmit        = "submit"
	actionWithdraw      = "withdraw"
	actionApprove       = "approve"
	actionRefuseRequest = "refuse_request"
	actionIssue         = "issue"
	actionRefuseLicence = "refuse_licence"
	actionClear         = "clear"
	actionImport        = "import"
	actionSetStanding   = "set_standing"
)

var actions = []string{actionFile, actionSubmit, actionWithdraw, actionApprove, actionRefuseRequest,
	actionIssue, actionRefuseLicence, actionClear, actionImport, actionSetStanding}

// metrics is the server's Prometheus instrumentation, written by hand: a
// request counter by route and status, a latency histogram by route, and
// workflow transitions by action, and the requests being answered now.
// Every hot-path update is an atomic add on
// memory allocated when the route was registered; only /metrics sorts and
// formats.
type metrics struct {
	mu          sync.Mutex
	routes      map[string]*routeMetrics
	transitions map[string]*atomic.Uint64
	inFlight    atomic.Int64 // requests inside a route's handler, this scrape's own included
}

// routeMetrics holds one route's counters. Statuses are indexed by code
// (100–599), which costs 4 KiB a route and no lock or map per request.
type routeMetrics struct {
	statuses [500]atomic.Uint64
	buckets  [len(latencyBuckets)]atomic.Uint64
	count    atomic.Uint64
	sumNanos atomic.Uint64
}

func newMetrics() *metrics {
	m := &metrics{routes: map[string]*routeMetrics{}, transitions: map[string]*atomic.Uint64{}}
	for _, a := range actions {
		m.transitions[a] = new(atomic.Uint64)
	}
	return m
}

func (m *metrics) route(name string) *routeMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	rm, ok := m.routes[name]
	if !ok {
		rm = &routeMetrics{}
		m.routes[name] = rm
	}
	return rm
}

func (rm *routeMetrics) observe(status int, d time.Duration) {
	if status >= 100 && status < 600 {
		rm.statuses[status-100].Add(1)
	}
	sec := d.Seconds()
	for i, le := range latencyBuckets {
		if sec <= le {
			rm.buckets[i].Add(1)
			break
		}
	}
	rm.count.Add(1)
	rm.sumNanos.Add(uint64(d.Nanoseconds()))
}

// transition counts one successful workflow action.
func (m *metrics) transition(action string) {
	if c, ok := m.transitions[action]; ok {
		c.Add(1)
	}
}

// writeTo writes the Prometheus text exposition format (version 0.0.4).
func (m *metrics) writeTo(w *bufio.Writer) {
	m.mu.Lock()
	names := make([]string, 0, len(m.routes))
	routes := make(map[string]*routeMetrics, len(m.routes))
	for name, rm := range m.routes {
		names = append(names, name)
		routes[name] = rm
	}
	m.mu.Unlock()
	sort.Strings(names)

	w.WriteString("# HELP ucx_http_requests_in_flight HTTP requests being answered now (this scrape included): what a shutdown waits for.\n")
	w.WriteString("# TYPE ucx_http_requests_in_flight gauge\n")
	fmt.Fprintf(w, "ucx_http_requests_in_flight %d\n", m.inFlight.Load())

	w.WriteString("# HELP ucx_http_requests_total HTTP requests answered, by route pattern and status.\n")
	w.WriteString("# TYPE ucx_http_requests_total counter\n")
	for _, name := range names {
		rm := routes[name]
		for i := range rm.statuses {
			if n := rm.statuses[i].Load(); n > 0 {
				fmt.Fprintf(w, "ucx_http_requests_total{route=%s,status=\"%d\"} %d\n", label(name), i+100, n)
			}
		}
	}

	w.WriteString("# HELP ucx_http_request_duration_seconds Time to answer an HTTP request, by route pattern.\n")
	w.WriteString("# TYPE ucx_http_request_duration_seconds histogram\n")
	for _, name := range names {
		rm := routes[name]
		count := rm.count.Load()
		if count == 0 {
			continue
		}
		var cum uint64
		for i, le := range latencyBuckets {
			cum += rm.buckets[i].Load()
			fmt.Fprintf(w, "ucx_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", label(name), formatFloat(le), cum)
		}
		fmt.Fprintf(w, "ucx_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", label(name), count)
		fmt.Fprintf(w, "ucx_http_request_duration_seconds_sum{route=%s} %s\n", label(name), formatFloat(float64(rm.sumNanos.Load())/1e9))
		fmt.Fprintf(w, "ucx_http_request_duration_seconds_count{route=%s} %d\n", label(name), count)
	}

	w.WriteString("# HELP ucx_workflow_transitions_total Successful workflow actions, by action.\n")
	w.WriteString("# TYPE ucx_workflow_transitions_total counter\n")
	for _, a := range actions {
		fmt.Fprintf(w, "ucx_workflow_transitions_total{action=%s} %d\n", label(a), m.transitions[a].Load())
	}
}

// label quotes a label value as the exposition format asks: backslash,
// double quote and newline escaped.
func label(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return `"` + s + `"`
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// handleMetrics serves GET /metrics on Handler: 404 when the metrics are
// served elsewhere (MetricsElsewhere), else serveMetrics.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.MetricsElsewhere {
		s.Error(w, r, ucx.Errorf(ucx.ENOTFOUND, "there is no %s", r.URL.Path))
		return
	}
	s.serveMetrics(w, r)
}

// MetricsHandler serves GET /metrics alone, for a listener of its own
// (ucx serve --metrics-addr); every other path is 404. The token, when
// set, is asked for here too.
func (s *Server) MetricsHandler() http.Handler {
	s.once.Do(s.build)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.instrument("GET /metrics", s.serveMetrics))
	mux.Handle("/", s.instrument("metrics unmatched", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, ucx.Errorf(ucx.ENOTFOUND, "there is no %s here; this address serves GET /metrics only", r.URL.Path))
	}))
	return mux
}

// serveMetrics writes the metrics in Prometheus's text format. They reveal
// counts and timings, never records; still, with MetricsToken set only a
// caller presenting it reads them (401 otherwise, the token compared in
// constant time).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.MetricsToken != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.MetricsToken)) != 1 {
			s.Error(w, r, ucx.Errorf(ucx.EUNAUTHORIZED, "the metrics need the metrics token: send Authorization: Bearer <token>"))
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	s.metrics.writeTo(bw)
	if s.ExtraMetrics != nil {
		s.ExtraMetrics(bw)
	}
	bw.Flush()
}
