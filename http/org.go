package http

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerAuthRoutes() {
	s.handle("POST /api/v1/auth/login", s.handleLogin)
	s.handle("GET /api/v1/me", s.authenticate(s.handleMe))
	s.handle("POST /api/v1/tokens", s.authenticate(s.handleCreateToken))
	s.handle("DELETE /api/v1/tokens/{id}", s.authenticate(s.handleRevokeToken))
}

func (s *Server) registerOrgRoutes() {
	s.handle("GET /api/v1/orgs", s.authenticate(s.handleOrgIndex))
	s.handle("POST /api/v1/orgs", s.authenticate(s.handleCreateOrg))
	s.handle("GET /api/v1/orgs/{id}", s.authenticate(s.handleOrgView))
	s.handle("PUT /api/v1/orgs/{id}/standing", s.authenticate(s.handleSetStanding))
	s.handle("PUT /api/v1/orgs/{id}/region", s.authenticate(s.handleSetRegion))
	s.handle("POST /api/v1/orgs/{id}/outlets", s.authenticate(s.handleAddOutlet))
	s.handle("PUT /api/v1/orgs/{id}/wmis", s.authenticate(s.handleSetWMIs))
	s.handle("GET /api/v1/wmi-claims", s.authenticate(s.handleWMIClaims))
	s.handle("POST /api/v1/wmi-claims/{id}/confirm", s.authenticate(s.handleDecideWMIClaim(true)))
	s.handle("POST /api/v1/wmi-claims/{id}/refuse", s.authenticate(s.handleDecideWMIClaim(false)))
	s.handle("POST /api/v1/users", s.authenticate(s.handleCreateUser))
	s.handle("POST /api/v1/invitations/accept", s.handleAcceptInvitation)
	s.handle("GET /api/v1/orgs/{id}/events", s.authenticate(s.handleOrgEvents))
}

// handleOrgEvents serves an organisation's audit trail to its admins.
func (s *Server) handleOrgEvents(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var f ucx.EventFilter
	if f.Offset, f.Limit, err = wire.Paging(r.URL.Query()); err != nil {
		s.Error(w, r, err)
		return
	}
	es, total, err := s.OrgService.OrgEvents(r.Context(), p, id, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Event]{Items: nonNil(es), Total: total, Offset: f.Offset, Limit: f.Limit})
}

// handleLogin exchanges a username and password for an API token, for
// scripts and the CLI. Attempts are limited per client address and
// username whatever their outcome, and failures per address, so passwords
// cannot be guessed at speed; the store locks an account after repeated
// failures from anywhere (sqlstore.LockAfterFailures). The 429 says when
// to retry.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in wire.LoginRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	switch {
	case strings.TrimSpace(in.Username) == "":
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "username", "the username is required"))
		return
	case in.Password == "":
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "password", "the password is required"))
		return
	}
	if ok, wait := s.loginAllowed(r, in.Username); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", itoa(secs))
		s.Error(w, r, ucx.Errorf(ucx.ERATELIMIT, "too many login attempts from this address; retry in %d seconds", secs))
		return
	}
	if len(in.Username) > 200 || len(in.Password) > 1024 || len(in.TokenName) > 200 {
		s.loginFailed(r)
		s.Error(w, r, ucx.Errorf(ucx.EUNAUTHORIZED, "wrong username or password"))
		return
	}
	p, err := s.OrgService.Authenticate(r.Context(), in.Username, in.Password)
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EUNAUTHORIZED || code == ucx.ERATELIMIT {
			s.loginFailed(r)
		}
		s.Error(w, r, err)
		return
	}
	if info := infoFrom(r.Context()); info != nil {
		info.principal = p
	}
	name := in.TokenName
	if name == "" {
		name = "login " + time.Now().UTC().Format(time.RFC3339)
	}
	secret, tok, err := s.OrgService.CreateToken(r.Context(), p, name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.TokenResponse{Secret: secret, Token: tok, Principal: wire.MeOf(p)})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	writeJSON(w, http.StatusOK, wire.MeOf(p))
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in wire.TokenRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "name", "a token name of 1 to 200 bytes is required, to recognise it later"))
		return
	}
	secret, tok, err := s.OrgService.CreateToken(r.Context(), p, in.Name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.TokenResponse{Secret: secret, Token: tok})
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.OrgService.RevokeToken(r.Context(), p, id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleOrgIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	q := r.URL.Query()
	var f ucx.OrgFilter
	var err error
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	if k := q.Get("kind"); k != "" {
		f.Kind = ucx.OrgKind(k)
		if !f.Kind.Valid() {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "kind", "kind must be exporter, manufacturer, authority, customs or operator"))
			return
		}
	}
	orgs, total, err := s.OrgService.FindOrgs(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Org]{Items: nonNil(orgs), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleCreateOrg(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in wire.OrgInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	o := in.Org()
	if err := s.OrgService.CreateOrg(r.Context(), p, o); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) handleOrgView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.OrgService.FindOrgByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) handleSetStanding(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.StandingRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	if !in.Standing.Valid() {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "standing", "standing must be normal, warned, rectification_ordered or suspended"))
		return
	}
	if len(in.Reason) > 2000 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "reason", "the reason is longer than 2000 bytes"))
		return
	}
	o, err := s.OrgService.SetStanding(r.Context(), p, id, in.Standing, strings.TrimSpace(in.Reason))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionSetStanding)
	writeJSON(w, http.StatusOK, o)
}

// handleSetRegion sets an authority's jurisdiction or an exporter's
// place of registration (R14), for the operator's admin. Principals
// cached for tokens are forgotten: the jurisdiction is part of them.
func (s *Server) handleSetRegion(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.RegionRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.OrgService.SetRegion(r.Context(), p, id, in.Region, in.Central, in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) handleAddOutlet(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.OutletInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	ot := in.Outlet()
	ot.OrgID = id
	if err := s.OrgService.AddOutlet(r.Context(), p, ot); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ot)
}

func (s *Server) handleSetWMIs(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.WMIsRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.WMIs == nil {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "wmis", "wmis is required: the full list of declared WMIs (an empty list clears them)"))
		return
	}
	for i, wmi := range in.WMIs {
		in.WMIs[i] = strings.ToUpper(strings.TrimSpace(wmi))
	}
	o, err := s.OrgService.SetWMIs(r.Context(), p, id, in.WMIs)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) handleWMIClaims(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, err := s.OrgService.WMIClaims(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.WMIClaim]{Items: nonNil(cs), Total: len(cs), Limit: len(cs)})
}

// handleDecideWMIClaim confirms or refuses a pending WMI claim (R2).
func (s *Server) handleDecideWMIClaim(confirm bool) func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		id, err := wire.PathID(r, "id")
		if err != nil {
			s.Error(w, r, err)
			return
		}
		var in wire.WMIClaimDecision
		if err := s.decodeJSON(w, r, &in, true); err != nil {
			s.Error(w, r, err)
			return
		}
		c, err := s.OrgService.DecideWMIClaim(r.Context(), p, id, confirm, in.Note)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in wire.UserRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	u := &ucx.User{OrgID: in.OrgID, Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Role: in.Role}
	switch {
	case u.OrgID < 0:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "org_id", "org_id must be a positive record id"))
		return
	case u.Username == "" || len(u.Username) > 100:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "username", "a username of 1 to 100 bytes is required"))
		return
	case !u.Role.Valid():
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "role", "role must be admin, member or viewer"))
		return
	case len(in.Password) > 1024:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "password", "the password is longer than 1024 bytes"))
		return
	}
	if u.OrgID == 0 {
		u.OrgID = p.OrgID
	}
	if in.Password != "" {
		if err := s.OrgService.CreateUser(r.Context(), p, u, in.Password); err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, wire.UserResponse{User: u})
		return
	}
	inv, err := s.OrgService.InviteUser(r.Context(), p, u)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	inv.URL = s.invitationURL(r, inv.Token)
	writeJSON(w, http.StatusCreated, wire.UserResponse{User: u, Invitation: inv})
}

// invitationURL is the web page that accepts an invitation.
func (s *Server) invitationURL(r *http.Request, token string) string {
	base, _ := s.publicBase(r)
	return base + "/invite?token=" + url.QueryEscape(token)
}

// handleAcceptInvitation sets an invited user's password with the
// invitation's token (no sign-in: the token is the credential) and
// answers the user as GET /me would.
func (s *Server) handleAcceptInvitation(w http.ResponseWriter, r *http.Request) {
	var in wire.AcceptInvitationRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.Password) > 1024 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "password", "the password is longer than 1024 bytes"))
		return
	}
	p, err := s.OrgService.AcceptInvitation(r.Context(), in.Token, in.Password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if info := infoFrom(r.Context()); info != nil {
		info.principal = p
	}
	writeJSON(w, http.StatusOK, wire.MeOf(p))
}

// nonNil makes an empty page encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
