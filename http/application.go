package http

import (
	"context"
	"net/http"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerApplicationRoutes() {
	s.handle("POST /api/v1/applications", s.authenticate(s.handleCreateApplication))
	s.handle("GET /api/v1/applications", s.authenticate(s.handleApplicationIndex))
	s.handle("GET /api/v1/applications/{id}", s.authenticate(s.handleApplicationView))
	s.handle("POST /api/v1/applications/{id}/submit", s.authenticate(s.handleSubmitApplication))
	s.handle("POST /api/v1/applications/{id}/withdraw", s.authenticate(s.handleWithdrawApplication))
	s.handle("GET /api/v1/applications/{id}/timeline", s.authenticate(s.handleTimeline))
	s.handle("POST /api/v1/applications/{id}/licence", s.authenticate(s.handleIssueLicence))
	s.handle("POST /api/v1/applications/{id}/refuse", s.authenticate(s.handleRefuseLicence))
}

// readRefusal reads a refusal request: the id in the path, the body, the
// version it acts on (If-Match or the body's) and the checked code and
// text.
func (s *Server) readRefusal(w http.ResponseWriter, r *http.Request) (id int64, version int, in wire.RefusalRequest, err error) {
	if id, err = wire.PathID(r, "id"); err != nil {
		return
	}
	if err = s.decodeJSON(w, r, &in, false); err != nil {
		return
	}
	if version, err = requestVersion(r, in.Version); err != nil {
		return
	}
	err = wire.ValidateRefusal(&in)
	return
}

// handleCreateApplication files an application. With an Idempotency-Key a
// retry (the network failed after the server answered) gets the first
// answer's application with 200, never a second filing.
func (s *Server) handleCreateApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	key := r.Header.Get(wire.IdempotencyHeader)
	if err := validIdempotencyKey(key); err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.ApplicationInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	app, created, err := s.ApplicationService.CreateApplication(r.Context(), p, &in, ucx.CreateOptions{IdempotencyKey: key})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.metrics.transition(actionFile)
		if app.State == ucx.StateSubmitted || app.State == ucx.StateAwaitingConfirmation || app.State == ucx.StateUnderReview {
			s.metrics.transition(actionSubmit)
		}
	}
	w.Header().Set("Location", "/api/v1/applications/"+strconv.FormatInt(app.ID, 10))
	w.Header().Set("ETag", etag(app.Version))
	writeJSON(w, status, app)
}

// validIdempotencyKey accepts 1–200 bytes of visible ASCII (or no key).
func validIdempotencyKey(key string) error {
	if key == "" {
		return nil
	}
	if len(key) > 200 {
		return ucx.FieldErrorf(ucx.EINVALID, wire.IdempotencyHeader, "the idempotency key is longer than 200 bytes")
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return ucx.FieldErrorf(ucx.EINVALID, wire.IdempotencyHeader, "the idempotency key must be visible ASCII (a UUID is a good key)")
		}
	}
	return nil
}

func (s *Server) handleApplicationIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	f, err := wire.ApplicationFilter(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	apps, total, err := s.ApplicationService.FindApplications(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Application]{Items: nonNil(apps), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleApplicationView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	app, err := s.ApplicationService.FindApplicationByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(app.Version))
	writeJSON(w, http.StatusOK, app)
}

// versionedAction reads the {id} and the version of a workflow action
// whose body, if any, is {"version": N}.
func (s *Server) versionedAction(w http.ResponseWriter, r *http.Request) (id int64, version int, err error) {
	if id, err = wire.PathID(r, "id"); err != nil {
		return 0, 0, err
	}
	var in wire.VersionRequest
	if err = s.decodeJSON(w, r, &in, true); err != nil {
		return 0, 0, err
	}
	version, err = requestVersion(r, in.Version)
	return id, version, err
}

func (s *Server) handleSubmitApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	s.applicationAction(w, r, p, actionSubmit, s.ApplicationService.SubmitApplication)
}

func (s *Server) handleWithdrawApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	s.applicationAction(w, r, p, actionWithdraw, s.ApplicationService.WithdrawApplication)
}

func (s *Server) applicationAction(w http.ResponseWriter, r *http.Request, p *ucx.Principal, action string,
	fn func(context.Context, *ucx.Principal, int64, int) (*ucx.Application, error)) {
	id, version, err := s.versionedAction(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	app, err := fn(r.Context(), p, id, version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(action)
	w.Header().Set("ETag", etag(app.Version))
	writeJSON(w, http.StatusOK, app)
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	events, err := s.ApplicationService.Timeline(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Event]{Items: nonNil(events), Total: len(events), Limit: len(events)})
}

// handleIssueLicence issues the licence of an application under review
// (R14); the authority names the version it reviewed.
// The body may carry the licence sealed offline (IssueLicenceRequest).
func (s *Server) handleIssueLicence(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, version, env, err := s.issueLicenceBody(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var lic *ucx.Licence
	if env != nil {
		lic, err = s.issueSealed(r, p, id, version, env)
	} else {
		lic, err = s.LicenceService.IssueLicence(r.Context(), p, id, version)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionIssue)
	w.Header().Set("Location", "/api/v1/licences/"+strconv.FormatInt(lic.ID, 10))
	writeJSON(w, http.StatusCreated, lic)
}

func (s *Server) handleRefuseLicence(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, version, in, err := s.readRefusal(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	app, err := s.LicenceService.RefuseLicence(r.Context(), p, id, version, in.Code, in.Text)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionRefuseLicence)
	w.Header().Set("ETag", etag(app.Version))
	writeJSON(w, http.StatusOK, app)
}
