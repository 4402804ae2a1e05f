package wire

import (
	"strings"

	"github.com/ucxdev/ucx"
)

// The caller, tokens, organisations and users (org.go in package http).

// Me is the caller as the API shows it (GET /api/v1/me, and in a login
// answer): who, for which organisation, with which role.
type Me struct {
	UserID   int64       `json:"user_id"`
	Username string      `json:"username"`
	OrgID    int64       `json:"org_id"`
	OrgKind  ucx.OrgKind `json:"org_kind"`
	Role     ucx.Role    `json:"role"`
	// Jurisdiction is the organisation's (R14): for an authority the
	// exporters whose filings it sees and decides.
	Jurisdiction string `json:"jurisdiction,omitempty"`
}

// MeOf is the caller p as the API shows it.
func MeOf(p *ucx.Principal) *Me {
	return &Me{UserID: p.UserID, Username: p.Username, OrgID: p.OrgID, OrgKind: p.OrgKind, Role: p.Role, Jurisdiction: p.Jurisdiction}
}

// Principal returns the principal m describes.
func (m *Me) Principal() *ucx.Principal {
	return &ucx.Principal{UserID: m.UserID, Username: m.Username, OrgID: m.OrgID, OrgKind: m.OrgKind, Role: m.Role, Jurisdiction: m.Jurisdiction}
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

// OutletInput is an overseas service outlet as a client sends it; the id
// and organisation are the server's to set.
type OutletInput struct {
	Country  string `json:"country"`
	Provider string `json:"provider"`
	Address  string `json:"address"`
	Contact  string `json:"contact,omitempty"`
}

// Outlet is the outlet in describes, its text trimmed and its country
// normalised.
func (in *OutletInput) Outlet() *ucx.Outlet {
	return &ucx.Outlet{Country: ucx.NormalizeCountry(in.Country), Provider: strings.TrimSpace(in.Provider),
		Address: strings.TrimSpace(in.Address), Contact: strings.TrimSpace(in.Contact)}
}

// OrgInput is an organisation as the operator creates it (POST
// /api/v1/orgs). Ids and times are the server's to set.
type OrgInput struct {
	Kind   ucx.OrgKind `json:"kind"`
	Name   string      `json:"name"`
	NameEN string      `json:"name_en,omitempty"`
	// Region is the jurisdiction (R14, ucx.Org.Region); Central marks a
	// central enterprise exporter.
	Region        string        `json:"region,omitempty"`
	Central       bool          `json:"central,omitempty"`
	Brands        []string      `json:"brands,omitempty"`
	WMIs          []string      `json:"wmis,omitempty"`
	Outlets       []OutletInput `json:"outlets,omitempty"`
	FilingNumber  string        `json:"filing_number,omitempty"`
	FilingExpires ucx.Date      `json:"filing_expires,omitempty"`
	Standing      ucx.Standing  `json:"standing,omitempty"`
}

// Org is the organisation in describes, its name trimmed and its
// outlets converted with OutletInput.Outlet.
func (in *OrgInput) Org() *ucx.Org {
	o := &ucx.Org{Kind: in.Kind, Name: strings.TrimSpace(in.Name), NameEN: in.NameEN, Region: in.Region, Central: in.Central,
		Brands: in.Brands, WMIs: in.WMIs, FilingNumber: in.FilingNumber, FilingExpires: in.FilingExpires, Standing: in.Standing}
	for i := range in.Outlets {
		o.Outlets = append(o.Outlets, in.Outlets[i].Outlet())
	}
	return o
}

// OrgInputOf is the body that creates o (POST /api/v1/orgs).
func OrgInputOf(o *ucx.Org) *OrgInput {
	in := &OrgInput{Kind: o.Kind, Name: o.Name, NameEN: o.NameEN, Region: o.Region, Central: o.Central, Brands: o.Brands, WMIs: o.WMIs,
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

// RegionRequest is the body of PUT /api/v1/orgs/{id}/region (R14): the
// authority's jurisdiction or the exporter's place of registration, and
// whether the exporter is a central enterprise.
type RegionRequest struct {
	Region  string `json:"region"`
	Central bool   `json:"central,omitempty"`
	Reason  string `json:"reason" text:"multiline"`
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

// WMIClaimDecision is the body of POST /api/v1/wmi-claims/{id}/confirm
// and …/refuse.
type WMIClaimDecision struct {
	Note string `json:"note,omitempty"`
}

// RegisterEntryRequest is the body of POST /api/v1/register and PUT
// /api/v1/register/{id}: the entry as MIIT's announcement has it (R2) and,
// for a correction, the version last read (or If-Match).
type RegisterEntryRequest struct {
	ucx.RegisterEntryInput
	Version *int `json:"version,omitempty"`
}

// RegisterRetireRequest is the body of POST /api/v1/register/{id}/retire:
// why the entry is retired, and the version last read (or If-Match).
type RegisterRetireRequest struct {
	Note    string `json:"note"`
	Version *int   `json:"version,omitempty"`
}

// RegisterBindRequest is the body of POST /api/v1/register/{id}/bind: the
// manufacturer organisation whose legal name is the entry's (R2).
type RegisterBindRequest struct {
	OrgID int64 `json:"org_id"`
}

// RegisterUnbindRequest is the body of POST /api/v1/register/{id}/unbind:
// why, which the manufacturer reads in its audit trail.
type RegisterUnbindRequest struct {
	Note string `json:"note"`
}
