package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerRequestRoutes() {
	s.handle("GET /api/v1/requests", s.authenticate(s.handleRequestIndex))
	s.handle("GET /api/v1/requests/{id}", s.authenticate(s.handleRequestView))
	s.handle("POST /api/v1/requests/{id}/approve", s.authenticate(s.handleApproveRequest))
	s.handle("POST /api/v1/requests/{id}/refuse", s.authenticate(s.handleRefuseRequest))
}

// handleRequestIndex is a manufacturer's inbox (or, for the others, the
// requests they may see), filtered by state.
func (s *Server) handleRequestIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	q := r.URL.Query()
	var f ucx.RequestFilter
	var err error
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	if st := q.Get("state"); st != "" {
		f.State = ucx.ConfirmationState(st)
		switch f.State {
		case ucx.ConfirmationPending, ucx.ConfirmationApproved, ucx.ConfirmationRefused, ucx.ConfirmationVoid:
		default:
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be pending, approved, refused or void"))
			return
		}
	}
	f.Lane, f.Tag = q.Get("lane"), q.Get("tag")
	for _, v := range []struct{ name, val string }{{"lane", f.Lane}, {"tag", f.Tag}} {
		if len(v.val) > ucx.MaxRuleLaneBytes {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, v.name, "%s is longer than %d bytes", v.name, ucx.MaxRuleLaneBytes))
			return
		}
		if err := ucx.CheckText(v.name, v.val, ucx.OneLine); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	reqs, total, err := s.RequestService.FindRequests(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.ConfirmationRequest]{Items: nonNil(reqs), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleRequestView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cr, err := s.RequestService.FindRequestByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(cr.Version))
	writeJSON(w, http.StatusOK, cr)
}

func (s *Server) handleApproveRequest(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.ApprovalRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.OutletIDs) == 0 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "outlet_ids", "name at least one overseas outlet that will serve the vehicle in its destination (R3)"))
		return
	}
	for _, oid := range in.OutletIDs {
		if oid <= 0 {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "outlet_ids", "outlet ids must be positive record ids"))
			return
		}
	}
	var cr *ucx.ConfirmationRequest
	if env := envelopeBytes(in.Envelope); env != nil {
		cr, err = s.approveSealed(r, p, id, version, in.OutletIDs, env)
	} else {
		cr, err = s.RequestService.ApproveRequest(r.Context(), p, id, version, in.OutletIDs)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionApprove)
	w.Header().Set("ETag", etag(cr.Version))
	writeJSON(w, http.StatusOK, cr)
}

func (s *Server) handleRefuseRequest(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, version, in, err := s.readRefusal(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cr, err := s.RequestService.RefuseRequest(r.Context(), p, id, version, in.Code, in.Text)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionRefuseRequest)
	w.Header().Set("ETag", etag(cr.Version))
	writeJSON(w, http.StatusOK, cr)
}
