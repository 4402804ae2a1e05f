package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// The manufacturers' own rules (ucx.RuleService): a manufacturer's users
// read them, its admins write, change, disable, delete and try them. The
// service decides who may; another manufacturer's rule is 404.
func (s *Server) registerRuleRoutes() {
	s.handle("GET /api/v1/rules", s.authenticate(s.handleRuleIndex))
	s.handle("POST /api/v1/rules", s.authenticate(s.handleCreateRule))
	s.handle("POST /api/v1/rule-tests", s.authenticate(s.handleTestRule))
	s.handle("GET /api/v1/rules/{id}", s.authenticate(s.handleRuleView))
	s.handle("PUT /api/v1/rules/{id}", s.authenticate(s.handleUpdateRule))
	s.handle("DELETE /api/v1/rules/{id}", s.authenticate(s.ruleStateHandler(ucx.RuleDeleted)))
	s.handle("POST /api/v1/rules/{id}/enable", s.authenticate(s.ruleStateHandler(ucx.RuleEnabled)))
	s.handle("POST /api/v1/rules/{id}/disable", s.authenticate(s.ruleStateHandler(ucx.RuleDisabled)))
}

// rules returns the rule service, or EUNAVAILABLE when the server was
// built without one.
func (s *Server) rules() (ucx.RuleService, error) {
	if s.RuleService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "manufacturers' rules are not available on this server")
	}
	return s.RuleService, nil
}

func (s *Server) handleRuleIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.rules()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var f ucx.RuleFilter
	switch d := r.URL.Query().Get("deleted"); d {
	case "", "false":
	case "true":
		f.Deleted = true
	default:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "deleted", "deleted must be true or false"))
		return
	}
	rules, err := svc.FindRules(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.RuleList{Items: nonNil(rules)})
}

func (s *Server) handleRuleView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.rules)
	if !ok {
		return
	}
	rule, err := svc.FindRuleByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rule.Version))
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) handleCreateRule(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.rules()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.ManufacturerRuleInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	rule, err := svc.CreateRule(r.Context(), p, &in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rule.Version))
	w.Header().Set("Location", "/api/v1/rules/"+itoa(int(rule.ID)))
	writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) handleUpdateRule(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.rules)
	if !ok {
		return
	}
	var in wire.RuleRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rule, err := svc.UpdateRule(r.Context(), p, id, version, &in.ManufacturerRuleInput)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rule.Version))
	writeJSON(w, http.StatusOK, rule)
}

// ruleStateHandler enables, disables or deletes a rule, at the version in
// If-Match or the body.
func (s *Server) ruleStateHandler(st ucx.RuleState) func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		svc, id, ok := serviceAndID(s, w, r, s.rules)
		if !ok {
			return
		}
		var in wire.RuleStateRequest
		if err := s.decodeJSON(w, r, &in, true); err != nil {
			s.Error(w, r, err)
			return
		}
		version, err := requestVersion(r, in.Version)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		rule, err := svc.SetRuleState(r.Context(), p, id, version, st)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("ETag", etag(rule.Version))
		writeJSON(w, http.StatusOK, rule)
	}
}

// handleTestRule is the dry run: a rule, given or stored, tried on the
// manufacturer's last requests; nothing is written.
func (s *Server) handleTestRule(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.rules()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.RuleTest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := svc.TestRule(r.Context(), p, &in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
