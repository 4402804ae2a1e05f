package http

import (
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerLicenceRoutes() {
	s.handle("GET /api/v1/licences", s.authenticate(s.handleLicenceIndex))
	s.handle("GET /api/v1/licences/{id}", s.authenticate(s.handleLicenceView))
	s.handle("POST /api/v1/licences/{id}/clearance", s.authenticate(s.handleClearance))
}

// handleLicenceIndex lists licences; customs looks one up by number or by
// VIN.
func (s *Server) handleLicenceIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	q := r.URL.Query()
	var f ucx.LicenceFilter
	var err error
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	if f.Number, err = wire.QueryString(q, "number"); err != nil {
		s.Error(w, r, err)
		return
	}
	if f.VIN, err = wire.QueryString(q, "vin"); err != nil {
		s.Error(w, r, err)
		return
	}
	f.VIN = strings.ToUpper(f.VIN)
	lics, total, err := s.LicenceService.FindLicences(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Licence]{Items: nonNil(lics), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleLicenceView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lic, err := s.LicenceService.FindLicenceByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lic)
}

func (s *Server) handleClearance(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.ClearanceRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	in.Port, in.DeclarationNumber = strings.TrimSpace(in.Port), strings.TrimSpace(in.DeclarationNumber)
	switch {
	case in.Port == "" || len(in.Port) > 100:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "port", "the exit port is required (at most 100 bytes)"))
		return
	case in.DeclarationNumber == "" || len(in.DeclarationNumber) > 100:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "declaration_number", "the customs declaration number is required (at most 100 bytes)"))
		return
	}
	lic, err := s.LicenceService.RecordClearance(r.Context(), p, id, in.Port, in.DeclarationNumber)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionClear)
	writeJSON(w, http.StatusOK, lic)
}
