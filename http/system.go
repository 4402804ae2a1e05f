package http

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// openAPI is the checked-in OpenAPI 3.1 description of every route. A test
// compares it with the routes the server registers, so the two cannot
// drift apart.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func (s *Server) registerSystemRoutes() {
	s.handle("GET /healthz", s.handleHealthz)
	s.handle("GET /metrics", s.handleMetrics)
	s.handle("GET /api/v1/openapi.json", s.handleOpenAPI)
}

// handleHealthz answers a load balancer: 200 when the store answers within
// two seconds, 503 otherwise. The reason is logged, not sent: the endpoint
// is public.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	if s.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Health(ctx); err != nil {
			s.logger().WarnContext(r.Context(), "health check failed", "err", err.Error())
			writeJSON(w, wire.ErrorStatusCode(ucx.EUNAVAILABLE), wire.HealthResponse{Status: "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, wire.HealthResponse{Status: "ok"})
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPI)
}
