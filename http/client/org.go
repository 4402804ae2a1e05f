package client

import (
	"context"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.OrgService over HTTP, and the login: the routes of http/org.go.

// Login exchanges a username and password for a new API token. The token
// is returned, not kept: call SetToken to use it.
func (c *Client) Login(ctx context.Context, username, password string) (*wire.TokenResponse, error) {
	var out wire.TokenResponse
	_, err := c.do(ctx, &call{method: "POST", path: "/api/v1/auth/login",
		in: wire.LoginRequest{Username: username, Password: password, TokenName: "ucx login"}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// OrgEvents reads an organisation's audit trail (its admins only).
func (c *Client) OrgEvents(ctx context.Context, _ *ucx.Principal, orgID int64, f ucx.EventFilter) ([]*ucx.Event, int, error) {
	var out wire.ListResponse[*ucx.Event]
	path := idPath("/api/v1/orgs/%d/events", orgID) + "?offset=" + strconv.Itoa(f.Offset)
	if f.Limit > 0 {
		path += "&limit=" + strconv.Itoa(f.Limit)
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
	var m wire.Me
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/me", out: &m}); err != nil {
		return nil, err
	}
	return m.Principal(), nil
}

// PrincipalByToken returns the principal of secret (GET /api/v1/me with it).
func (c *Client) PrincipalByToken(ctx context.Context, secret string) (*ucx.Principal, error) {
	var m wire.Me
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/me", token: &secret, out: &m}); err != nil {
		return nil, err
	}
	return m.Principal(), nil
}

// CreateToken makes a token for the caller and returns its secret, once.
func (c *Client) CreateToken(ctx context.Context, _ *ucx.Principal, name string) (string, *ucx.Token, error) {
	var out wire.TokenResponse
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/tokens", in: wire.TokenRequest{Name: name}, out: &out}); err != nil {
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
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/orgs", in: wire.OrgInputOf(o), out: &out}); err != nil {
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
	var out wire.ListResponse[*ucx.Org]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/orgs", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// SetStanding changes an exporter's credit standing (R8).
func (c *Client) SetStanding(ctx context.Context, _ *ucx.Principal, orgID int64, st ucx.Standing, reason string) (*ucx.Org, error) {
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "PUT", path: idPath("/api/v1/orgs/%d/standing", orgID),
		in: wire.StandingRequest{Standing: st, Reason: reason}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetRegion sets an authority's jurisdiction or an exporter's place of
// registration (R14).
func (c *Client) SetRegion(ctx context.Context, _ *ucx.Principal, orgID int64, region string, central bool, reason string) (*ucx.Org, error) {
	var out ucx.Org
	if _, err := c.do(ctx, &call{method: "PUT", path: idPath("/api/v1/orgs/%d/region", orgID),
		in: wire.RegionRequest{Region: region, Central: central, Reason: reason}, out: &out}); err != nil {
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
	in := wire.OutletInput{Country: ot.Country, Provider: ot.Provider, Address: ot.Address, Contact: ot.Contact}
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
	if _, err := c.do(ctx, &call{method: "PUT", path: idPath("/api/v1/orgs/%d/wmis", orgID), in: wire.WMIsRequest{WMIs: wmis}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// WMIClaims lists the pending WMI claims (the operator's).
func (c *Client) WMIClaims(ctx context.Context, _ *ucx.Principal) ([]*ucx.WMIClaim, error) {
	var out wire.ListResponse[*ucx.WMIClaim]
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
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/wmi-claims/%d/", id) + action, in: wire.WMIClaimDecision{Note: note}, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateUser adds a user and fills in its id.
func (c *Client) CreateUser(ctx context.Context, _ *ucx.Principal, u *ucx.User, password string) error {
	if password == "" {
		return ucx.FieldErrorf(ucx.EINVALID, "password", "the password is required; to add a user without one, invite them")
	}
	out := wire.UserResponse{User: &ucx.User{}}
	in := wire.UserRequest{OrgID: u.OrgID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Password: password}
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/users", in: in, out: &out}); err != nil {
		return err
	}
	*u = *out.User
	return nil
}

// InviteUser adds a user without a password and returns the invitation,
// whose URL the server fills in.
func (c *Client) InviteUser(ctx context.Context, _ *ucx.Principal, u *ucx.User) (*ucx.Invitation, error) {
	out := wire.UserResponse{User: &ucx.User{}}
	in := wire.UserRequest{OrgID: u.OrgID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}
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
	var out wire.Me
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/invitations/accept", in: wire.AcceptInvitationRequest{Token: token, Password: password}, out: &out}); err != nil {
		return nil, err
	}
	return out.Principal(), nil
}
