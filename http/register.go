package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// The manufacturer register (ucx.RegisterService, R2): everyone signed in
// reads it; the platform operator's admin adds, corrects and retires
// entries and binds manufacturers to them, as it decides WMI claims. The
// service decides who may.
func (s *Server) registerRegisterRoutes() {
	s.handle("GET /api/v1/register", s.authenticate(s.handleRegisterIndex))
	s.handle("POST /api/v1/register", s.authenticate(s.handleAddRegisterEntry))
	s.handle("GET /api/v1/register/{id}", s.authenticate(s.handleRegisterView))
	s.handle("PUT /api/v1/register/{id}", s.authenticate(s.handleUpdateRegisterEntry))
	s.handle("POST /api/v1/register/{id}/retire", s.authenticate(s.handleRetireRegisterEntry))
	s.handle("POST /api/v1/register/{id}/bind", s.authenticate(s.handleBindOrg))
	s.handle("POST /api/v1/register/{id}/unbind", s.authenticate(s.handleUnbindOrg))
}

// register returns the register service, or EUNAVAILABLE when the server
// was built without one.
func (s *Server) register() (ucx.RegisterService, error) {
	if s.RegisterService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "the manufacturer register is not available on this server")
	}
	return s.RegisterService, nil
}

func (s *Server) handleRegisterIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.register()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var f ucx.RegisterFilter
	q := r.URL.Query()
	switch q.Get("retired") {
	case "", "false":
	case "true":
		f.Retired = true
	default:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "retired", "retired must be true or false"))
		return
	}
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	es, total, err := svc.FindRegisterEntries(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.RegisterEntry]{Items: nonNil(es), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleRegisterView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.register)
	if !ok {
		return
	}
	e, err := svc.FindRegisterEntryByID(r.Context(), p, id)
	s.writeEntry(w, r, e, err)
}

func (s *Server) handleAddRegisterEntry(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.register()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.RegisterEntryInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := svc.AddRegisterEntry(r.Context(), p, &in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(e.Version))
	w.Header().Set("Location", "/api/v1/register/"+itoa(int(e.ID)))
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) handleUpdateRegisterEntry(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.register)
	if !ok {
		return
	}
	var in wire.RegisterEntryRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := svc.UpdateRegisterEntry(r.Context(), p, id, version, &in.RegisterEntryInput)
	s.writeEntry(w, r, e, err)
}

func (s *Server) handleRetireRegisterEntry(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.register)
	if !ok {
		return
	}
	var in wire.RegisterRetireRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := svc.RetireRegisterEntry(r.Context(), p, id, version, in.Note)
	s.writeEntry(w, r, e, err)
}

// handleBindOrg binds a manufacturer to the entry of its exact name (R2).
func (s *Server) handleBindOrg(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.register)
	if !ok {
		return
	}
	var in wire.RegisterBindRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := svc.BindOrg(r.Context(), p, id, in.OrgID)
	s.writeEntry(w, r, e, err)
}

func (s *Server) handleUnbindOrg(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.register)
	if !ok {
		return
	}
	var in wire.RegisterUnbindRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := svc.UnbindOrg(r.Context(), p, id, in.Note)
	s.writeEntry(w, r, e, err)
}

// writeEntry answers with register entry e and its version as the ETag,
// or with err: the one ending of every handler that returns an entry.
func (s *Server) writeEntry(w http.ResponseWriter, r *http.Request, e *ucx.RegisterEntry, err error) {
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(e.Version))
	writeJSON(w, http.StatusOK, e)
}
