package http

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
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
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var f ucx.EventFilter
	if f.Offset, f.Limit, err = paging(r.URL.Query()); err != nil {
		s.Error(w, r, err)
		return
	}
	es, total, err := s.OrgService.OrgEvents(r.Context(), p, id, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListResponse[*ucx.Event]{Items: nonNil(es), Total: total, Offset: f.Offset, Limit: f.Limit})
}

// Me is the caller as the API shows it (GET /api/v1/me, and in a login
// answer): who, for which organisation, with which role.
type Me struct {
	UserID   int64       `json:"user_id"`
	Username string      `json:"username"`
	OrgID    int64       `json:"org_id"`
	OrgKind  ucx.OrgKind `json:"org_kind"`
	Role     ucx.Role    `json:"role"`
}

func meOf(p *ucx.Principal) *Me {
	return &Me{UserID: p.UserID, Username: p.Username, OrgID: p.OrgID, OrgKind: p.OrgKind, Role: p.Role}
}

// Principal returns the principal m describes.
func (m *Me) Principal() *ucx.Principal {
	return &ucx.Principal{UserID: m.UserID, Username: m.Username, OrgID: m.OrgID, OrgKind: m.OrgKind, Role: m.Role}
}

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// TokenName labels the token in lists; "login" when empty.
	TokenName string `json:"token_name,omitempty"`
}

// TokenRequest is the body of POST /api/v1/tokens.
type TokenRequest struct {
	Name string `json:"name"`
}

// TokenResponse carries a new token's secret, shown this once and never
// again: the server keeps only its hash.
type TokenResponse struct {
	Secret    string     `json:"secret"`
	Token     *ucx.Token `json:"token"`
	Principal *Me        `json:"principal,omitempty"`
}

// handleLogin exchanges a username and password for an API token, for
// scripts and the CLI. Attempts are limited per client address and
// username whatever their outcome, and failures per address, so passwords
// cannot be guessed at speed; the store locks an account after repeated
// failures from anywhere (sqlstore.LockAfterFailures). The 429 says when
// to retry.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in LoginRequest
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
	writeJSON(w, http.StatusCreated, TokenResponse{Secret: secret, Token: tok, Principal: meOf(p)})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	writeJSON(w, http.StatusOK, meOf(p))
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in TokenRequest
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
	writeJSON(w, http.StatusCreated, TokenResponse{Secret: secret, Token: tok})
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := pathID(r, "id")
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

// OutletInput is an overseas service outlet as a client sends it; the id
// and organisation are the server's to set.
type OutletInput struct {
	Country  string `json:"country"`
	Provider string `json:"provider"`
	Address  string `json:"address"`
	Contact  string `json:"contact,omitempty"`
}

func (in *OutletInput) outlet() *ucx.Outlet {
	return &ucx.Outlet{Country: ucx.NormalizeCountry(in.Country), Provider: strings.TrimSpace(in.Provider),
		Address: strings.TrimSpace(in.Address), Contact: strings.TrimSpace(in.Contact)}
}

// OrgInput is an organisation as the operator creates it (POST
// /api/v1/orgs). Ids and times are the server's to set.
type OrgInput struct {
	Kind          ucx.OrgKind   `json:"kind"`
	Name          string        `json:"name"`
	NameEN        string        `json:"name_en,omitempty"`
	Region        string        `json:"region,omitempty"`
	Brands        []string      `json:"brands,omitempty"`
	WMIs          []string      `json:"wmis,omitempty"`
	Outlets       []OutletInput `json:"outlets,omitempty"`
	FilingNumber  string        `json:"filing_number,omitempty"`
	FilingExpires ucx.Date      `json:"filing_expires,omitempty"`
	Standing      ucx.Standing  `json:"standing,omitempty"`
}

func (in *OrgInput) org() *ucx.Org {
	o := &ucx.Org{Kind: in.Kind, Name: strings.TrimSpace(in.Name), NameEN: in.NameEN, Region: in.Region,
		Brands: in.Brands, WMIs: in.WMIs, FilingNumber: in.FilingNumber, FilingExpires: in.FilingExpires, Standing: in.Standing}
	for i := range in.Outlets {
		o.Outlets = append(o.Outlets, in.Outlets[i].outlet())
	}
	return o
}

func orgInputOf(o *ucx.Org) *OrgInput {
	in := &OrgInput{Kind: o.Kind, Name: o.Name, NameEN: o.NameEN, Region: o.Region, Brands: o.Brands, WMIs: o.WMIs,
		FilingNumber: o.FilingNumber, FilingExpires: o.FilingExpires, Standing: o.Standing}
	for _, ot := range o.Outlets {
		in.Outlets = append(in.Outlets, OutletInput{Country: ot.Country, Provider: ot.Provider, Address: ot.Address, Contact: ot.Contact})
	}
	return in
}

// StandingRequest is the body of PUT /api/v1/orgs/{id}/standing (R8).
type StandingRequest struct {
	Standing ucx.Standing `json:"standing"`
	Reason   string       `json:"reason" text:"multiline"`
}

// WMIsRequest is the body of PUT /api/v1/orgs/{id}/wmis.
type WMIsRequest struct {
	WMIs []string `json:"wmis"`
}

// UserRequest is the body of POST /api/v1/users. OrgID defaults to the
// caller's own organisation.
type UserRequest struct {
	OrgID       int64    `json:"org_id,omitempty"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name,omitempty"`
	Role        ucx.Role `json:"role"`
	// Password is for an admin adding a colleague to its own organisation;
	// left out, the user is invited (a one-time set-password token). The
	// platform operator always invites.
	Password string `json:"password,omitempty"`
}

// UserResponse is the answer of POST /api/v1/users: the user, and the
// invitation when it was made without a password (its token shown once).
type UserResponse struct {
	*ucx.User
	Invitation *ucx.Invitation `json:"invitation,omitempty"`
}

// AcceptInvitationRequest is the body of POST /api/v1/invitations/accept.
type AcceptInvitationRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) handleOrgIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	q := r.URL.Query()
	var f ucx.OrgFilter
	var err error
	if f.Offset, f.Limit, err = paging(q); err != nil {
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
	writeJSON(w, http.StatusOK, ListResponse[*ucx.Org]{Items: nonNil(orgs), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleCreateOrg(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	var in OrgInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	o := in.org()
	if err := s.OrgService.CreateOrg(r.Context(), p, o); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) handleOrgView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := pathID(r, "id")
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
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in StandingRequest
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

func (s *Server) handleAddOutlet(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in OutletInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	ot := in.outlet()
	ot.OrgID = id
	if err := s.OrgService.AddOutlet(r.Context(), p, ot); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ot)
}

func (s *Server) handleSetWMIs(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in WMIsRequest
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

// WMIClaimDecision is the body of POST /api/v1/wmi-claims/{id}/confirm
// and …/refuse.
type WMIClaimDecision struct {
	Note string `json:"note,omitempty"`
}

func (s *Server) handleWMIClaims(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, err := s.OrgService.WMIClaims(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListResponse[*ucx.WMIClaim]{Items: nonNil(cs), Total: len(cs), Limit: len(cs)})
}

// handleDecideWMIClaim confirms or refuses a pending WMI claim (R2).
func (s *Server) handleDecideWMIClaim(confirm bool) func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			s.Error(w, r, err)
			return
		}
		var in WMIClaimDecision
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
	var in UserRequest
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
		writeJSON(w, http.StatusCreated, UserResponse{User: u})
		return
	}
	inv, err := s.OrgService.InviteUser(r.Context(), p, u)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	inv.URL = s.invitationURL(r, inv.Token)
	writeJSON(w, http.StatusCreated, UserResponse{User: u, Invitation: inv})
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
	var in AcceptInvitationRequest
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
	writeJSON(w, http.StatusOK, meOf(p))
}

// nonNil makes an empty page encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// Client methods: ucx.OrgService over HTTP, and the login.

// Login exchanges a username and password for a new API token. The token
// is returned, not kept: call SetToken to use it.
func (c *Client) Login(ctx context.Context, username, password string) (*TokenResponse, error) {
	var out TokenResponse
	_, err := c.do(ctx, &call{method: "POST", path: "/api/v1/auth/login",
		in: LoginRequest{Username: username, Password: password, TokenName: "ucx login"}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// OrgEvents reads an organisation's audit trail (its admins only).
func (c *Client) OrgEvents(ctx context.Context, _ *ucx.Principal, orgID int64, f ucx.EventFilter) ([]*ucx.Event, int, error) {
	var out ListResponse[*ucx.Event]
	path := idPath("/api/v1/orgs/%d/events", orgID) + "?offset=" + itoa(f.Offset)
	if f.Limit > 0 {
		path += "&limit=" + itoa(f.Limit)
	}
	if _, err := c.do(ctx, &call{method: "GET", path: path, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// Authenticate logs in and from then on sends the new token.
func (c *Client) Authenticate(ctx context.Context, username, password string) (*ucx.Principal, error) {
	tr, err := c.Login(ctx, username, password)
	if err != nil {
		return nil, err
	}
	c.SetToken(tr.Secret)
	if tr.Principal == nil {
		return nil, &ucx.Error{Code: ucx.EINTERNAL, Message: "the login answer names no principal"}
	}
	return tr.Principal.Principal(), nil
}

// Me returns the principal the client's token stands for.
func (c *Client) Me(ctx context.Context) (*ucx.Principal, error) {
	var m Me
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/me", out: &m}); err != nil {
		return nil, err
	}
	return m.Principal(), nil
}

// PrincipalByToken returns the principal of secret (GET /api/v1/me with it).
func (c *Client) PrincipalByToken(ctx context.Context, secret string) (*ucx.Principal, error) {
	var m Me
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/me", token: &secret, out: &m}); err != nil {
		return nil, err
	}
	return m.Principal(), nil
}

// CreateToken makes a token for the caller and returns its secret, once.
func (c *Client) CreateToken(ctx context.Context, _ *ucx.Principal, name string) (string, *ucx.Token, error) {
	var out TokenResponse
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/tokens", in: TokenRequest{Name: name}, out: &out}); err != nil {
		return "", nil, err
	}
	return out.Secret, out.Token, nil
}

// RevokeToken revokes a token.
func (c *Client) RevokeToken(ctx context.Context, _ *ucx.Principal, id int64) error {
	_, err := c.do(ctx, &call{method: "DELETE", path: idPath("/api/v1/tokens/%d", id)})
	return err
}

// CreateOrg creates an organisation and fills in o's id and creation time.
func (c *Client) CreateOrg(ctx context.Context, _ *ucx.Principal, o *ucx.Org) error {
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/orgs", in: orgInputOf(o), out: &out}); err != nil {
		return err
	}
	*o = out
	return nil
}

// FindOrgByID returns an organisation with its outlets.
func (c *Client) FindOrgByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Org, error) {
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/orgs/%d", id), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindOrgs lists organisations and the total count.
func (c *Client) FindOrgs(ctx context.Context, _ *ucx.Principal, f ucx.OrgFilter) ([]*ucx.Org, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.Kind != "" {
		q.Set("kind", string(f.Kind))
	}
	var out ListResponse[*ucx.Org]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/orgs", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// SetStanding changes an exporter's credit standing (R8).
func (c *Client) SetStanding(ctx context.Context, _ *ucx.Principal, orgID int64, st ucx.Standing, reason string) (*ucx.Org, error) {
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "PUT", path: idPath("/api/v1/orgs/%d/standing", orgID),
		in: StandingRequest{Standing: st, Reason: reason}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ownOrgID is the caller's organisation: from p when given, else asked.
func (c *Client) ownOrgID(ctx context.Context, p *ucx.Principal) (int64, error) {
	if p != nil && p.OrgID != 0 {
		return p.OrgID, nil
	}
	me, err := c.Me(ctx)
	if err != nil {
		return 0, err
	}
	return me.OrgID, nil
}

// AddOutlet adds an outlet to the caller's manufacturer and fills in its id.
func (c *Client) AddOutlet(ctx context.Context, p *ucx.Principal, ot *ucx.Outlet) error {
	orgID := ot.OrgID
	if orgID == 0 {
		var err error
		if orgID, err = c.ownOrgID(ctx, p); err != nil {
			return err
		}
	}
	var out ucx.Outlet
	in := OutletInput{Country: ot.Country, Provider: ot.Provider, Address: ot.Address, Contact: ot.Contact}
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/orgs/%d/outlets", orgID), in: in, out: &out}); err != nil {
		return err
	}
	*ot = out
	return nil
}

// SetWMIs replaces the caller's manufacturer's declared WMIs.
func (c *Client) SetWMIs(ctx context.Context, p *ucx.Principal, orgID int64, wmis []string) (*ucx.Org, error) {
	if orgID == 0 {
		var err error
		if orgID, err = c.ownOrgID(ctx, p); err != nil {
			return nil, err
		}
	}
	if wmis == nil {
		wmis = []string{}
	}
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "PUT", path: idPath("/api/v1/orgs/%d/wmis", orgID), in: WMIsRequest{WMIs: wmis}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// WMIClaims lists the pending WMI claims (the operator's).
func (c *Client) WMIClaims(ctx context.Context, _ *ucx.Principal) ([]*ucx.WMIClaim, error) {
	var out ListResponse[*ucx.WMIClaim]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/wmi-claims", out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// DecideWMIClaim confirms or refuses a pending WMI claim.
func (c *Client) DecideWMIClaim(ctx context.Context, _ *ucx.Principal, id int64, confirm bool, note string) (*ucx.WMIClaim, error) {
	action := "refuse"
	if confirm {
		action = "confirm"
	}
	var out ucx.WMIClaim
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/wmi-claims/%d/", id) + action, in: WMIClaimDecision{Note: note}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateUser adds a user and fills in its id.
func (c *Client) CreateUser(ctx context.Context, _ *ucx.Principal, u *ucx.User, password string) error {
	if password == "" {
		return ucx.FieldErrorf(ucx.EINVALID, "password", "the password is required; to add a user without one, invite them")
	}
	out := UserResponse{User: &ucx.User{}}
	in := UserRequest{OrgID: u.OrgID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Password: password}
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/users", in: in, out: &out}); err != nil {
		return err
	}
	*u = *out.User
	return nil
}

// InviteUser adds a user without a password and returns the invitation,
// whose URL the server fills in.
func (c *Client) InviteUser(ctx context.Context, _ *ucx.Principal, u *ucx.User) (*ucx.Invitation, error) {
	out := UserResponse{User: &ucx.User{}}
	in := UserRequest{OrgID: u.OrgID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/users", in: in, out: &out}); err != nil {
		return nil, err
	}
	*u = *out.User
	if out.Invitation == nil {
		return nil, ucx.Errorf(ucx.EINTERNAL, "the server answered no invitation")
	}
	return out.Invitation, nil
}

// AcceptInvitation sets an invited user's password with the token.
func (c *Client) AcceptInvitation(ctx context.Context, token, password string) (*ucx.Principal, error) {
	var out Me
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/invitations/accept", in: AcceptInvitationRequest{Token: token, Password: password}, out: &out}); err != nil {
		return nil, err
	}
	return out.Principal(), nil
}
