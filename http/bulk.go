package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerBulkRoutes() {
	s.handle("POST /api/v1/bulk/submit", s.authenticate(s.handleBulkSubmit))
	s.handle("POST /api/v1/bulk/answer", s.authenticate(s.handleBulkAnswer))
}

// handleBulkSubmit submits the exporter's drafts named by id, or those of
// one of its imports, each in its own transaction (ucx.SubmitApplications,
// ucx.SubmitImportDrafts); the answer is 200 with a row per application
// even when some were refused.
func (s *Server) handleBulkSubmit(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in wire.BulkSubmitRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	var rep *ucx.BulkReport
	var err error
	switch {
	case in.ImportID != 0 && len(in.IDs) != 0:
		err = ucx.FieldErrorf(ucx.EINVALID, "import_id", "give either ids or import_id, not both")
	case in.ImportID != 0:
		rep, err = ucx.SubmitImportDrafts(r.Context(), s.ImportService, s.ApplicationService, p, in.ImportID)
	default:
		rep, err = ucx.SubmitApplications(r.Context(), s.ApplicationService, p, in.IDs)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for range rep.Submitted {
		s.metrics.transition(actionSubmit)
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleBulkAnswer approves or refuses the manufacturer's pending requests
// named by id, each in its own transaction (ucx.AnswerRequests).
func (s *Server) handleBulkAnswer(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in wire.BulkAnswerRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	a, err := in.BulkAnswer()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := ucx.AnswerRequests(r.Context(), s.RequestService, p, in.IDs, a)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	action := actionApprove
	if !a.Approve {
		action = actionRefuseRequest
	}
	for range rep.Answered {
		s.metrics.transition(action)
	}
	writeJSON(w, http.StatusOK, rep)
}
