package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
)

func (s *Server) registerLicenceRoutes() {
	s.handle("GET /api/v1/licences", s.authenticate(s.handleLicenceIndex))
	s.handle("GET /api/v1/licences/{id}", s.authenticate(s.handleLicenceView))
	s.handle("POST /api/v1/licences/{id}/clearance", s.authenticate(s.handleClearance))
}

// ClearanceRequest is the body of POST /api/v1/licences/{id}/clearance:
// the exit port and the customs declaration number (R15). A licence is
// consumed once; a second clearance is ECONFLICT (409).
type ClearanceRequest struct {
	Port              string `json:"port"`
	DeclarationNumber string `json:"declaration_number"`
}

// handleLicenceIndex lists licences; customs looks one up by number or by
// VIN.
func (s *Server) handleLicenceIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	q := r.URL.Query()
	var f ucx.LicenceFilter
	var err error
	if f.Offset, f.Limit, err = paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	if f.Number, err = queryString(q, "number"); err != nil {
		s.Error(w, r, err)
		return
	}
	if f.VIN, err = queryString(q, "vin"); err != nil {
		s.Error(w, r, err)
		return
	}
	f.VIN = strings.ToUpper(f.VIN)
	lics, total, err := s.LicenceService.FindLicences(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListResponse[*ucx.Licence]{Items: nonNil(lics), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleLicenceView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := pathID(r, "id")
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
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in ClearanceRequest
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

// Client methods: ucx.LicenceService.

// FindLicenceByID returns one licence.
func (c *Client) FindLicenceByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/licences/%d", id), out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}

// FindLicences lists licences by number or VIN, and the total count.
func (c *Client) FindLicences(ctx context.Context, _ *ucx.Principal, f ucx.LicenceFilter) ([]*ucx.Licence, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.Number != "" {
		q.Set("number", f.Number)
	}
	if f.VIN != "" {
		q.Set("vin", f.VIN)
	}
	var out ListResponse[*ucx.Licence]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/licences", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// RecordClearance records customs clearance of a licence, once (R15).
func (c *Client) RecordClearance(ctx context.Context, _ *ucx.Principal, licenceID int64, port, declaration string) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/licences/%d/clearance", licenceID),
		in: ClearanceRequest{Port: port, DeclarationNumber: declaration}, out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}
