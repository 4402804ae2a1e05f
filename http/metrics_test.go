package http_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	ucxhttp "github.com/ucxdev/ucx/http"
)

// /metrics asks for the metrics token when one is set, wherever it is
// served, and answers 404 on Handler when it is served elsewhere; the
// metrics handler serves nothing else.
func TestMetrics_TokenAndOwnHandler(t *testing.T) {
	for _, tt := range []struct {
		name      string
		token     string
		elsewhere bool
		onAPI     map[string]int // Authorization header → status on Handler
		onOwn     map[string]int // the same on MetricsHandler
	}{
		{"Open", "", false, map[string]int{"": 200}, map[string]int{"": 200}},
		{"Token", "t0ken", false, map[string]int{"": 401, "Bearer nope": 401, "Bearer t0ken": 200, "t0ken": 401}, map[string]int{"": 401, "Bearer t0ken": 200}},
		{"Elsewhere", "", true, map[string]int{"": 404}, map[string]int{"": 200}},
		{"ElsewhereWithToken", "t0ken", true, map[string]int{"Bearer t0ken": 404}, map[string]int{"": 401, "Bearer t0ken": 200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := ucxhttp.NewServer()
			s.MetricsToken, s.MetricsElsewhere = tt.token, tt.elsewhere
			for _, c := range []struct {
				where string
				h     http.Handler
				want  map[string]int
			}{{"Handler", s.Handler(), tt.onAPI}, {"MetricsHandler", s.MetricsHandler(), tt.onOwn}} {
				for auth, want := range c.want {
					r := httptest.NewRequest("GET", "/metrics", nil)
					if auth != "" {
						r.Header.Set("Authorization", auth)
					}
					rec := httptest.NewRecorder()
					c.h.ServeHTTP(rec, r)
					if rec.Code != want {
						t.Errorf("%s GET /metrics with %q: %d, want %d", c.where, auth, rec.Code, want)
					}
				}
			}
			rec := httptest.NewRecorder()
			s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/orgs", nil))
			if rec.Code != 404 {
				t.Errorf("MetricsHandler GET /api/v1/orgs: %d, want 404", rec.Code)
			}
		})
	}
}
