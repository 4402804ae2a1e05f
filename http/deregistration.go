package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Deregistration routes (R16): the exporter records each cleared
// vehicle's deregistration; the exporter and the authority that issued the
// licence list the cleared vehicles, or only the overdue ones. Who may do
// what is ucx.DeregistrationService's to decide.
func (s *Server) registerDeregistrationRoutes() {
	s.handle("GET /api/v1/deregistrations", s.authenticate(s.handleDeregistrationIndex))
	s.handle("POST /api/v1/applications/{id}/deregistration", s.authenticate(s.handleRecordDeregistration))
}

// deregistrations returns the service, or EUNAVAILABLE when the server
// was built without one.
func (s *Server) deregistrations() (ucx.DeregistrationService, error) {
	if s.DeregistrationService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "deregistration records are not available on this server")
	}
	return s.DeregistrationService, nil
}

// handleDeregistrationIndex lists cleared vehicles with their deadlines
// (R16): ?overdue=true keeps the overdue ones, ?shipment_id one shipment's.
func (s *Server) handleDeregistrationIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.deregistrations()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	var f ucx.DeregistrationFilter
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	switch q.Get("overdue") {
	case "", "false", "0":
	case "true", "1":
		f.Overdue = true
	default:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "overdue", "overdue must be true or false"))
		return
	}
	id, err := wire.QueryInt(q, "shipment_id", 0, 1, 1<<53)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.ShipmentID = int64(id)
	list, total, err := svc.FindDeregistrations(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.VehicleDeregistration]{Items: nonNil(list), Total: total, Offset: f.Offset, Limit: f.Limit})
}

// handleRecordDeregistration records vehicle {id}'s deregistration, once
// (R16): 201 with the vehicle's deregistration; a second record is
// ECONFLICT (409).
func (s *Server) handleRecordDeregistration(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.deregistrations()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.DeregistrationInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := svc.RecordDeregistration(r.Context(), p, id, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}
