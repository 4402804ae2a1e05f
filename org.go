package ucx

import (
	"context"
	"time"
)

// OrgKind is the part an organisation plays in the export regime. Every
// permission in ucx starts from it: only manufacturers seal confirmations
// (R2), only licensing authorities issue licences (R14), only customs
// records clearance (R15), and only exporters file (R10: 谁出口谁申领).
type OrgKind string

// The five kinds of organisation.
const (
	KindExporter     OrgKind = "exporter"
	KindManufacturer OrgKind = "manufacturer"
	KindAuthority    OrgKind = "authority"
	KindCustoms      OrgKind = "customs"
	KindOperator     OrgKind = "operator" // the platform operator: creates organisations, nothing else
)

// Valid reports whether k is one of the five kinds.
func (k OrgKind) Valid() bool {
	switch k {
	case KindExporter, KindManufacturer, KindAuthority, KindCustoms, KindOperator:
		return true
	}
	return false
}

// Standing is an exporter's credit standing under R8. It gates licences:
// a suspended exporter gets none, and the others are shown what to do.
type Standing string

// Credit standings, from good to bad (R8).
const (
	StandingNormal        Standing = "normal"
	StandingWarned        Standing = "warned"                // called in for a talk (约谈)
	StandingRectification Standing = "rectification_ordered" // ordered to take corrective measures
	StandingSuspended     Standing = "suspended"             // export qualification suspended
)

// Valid reports whether s is a known standing.
func (s Standing) Valid() bool {
	switch s {
	case StandingNormal, StandingWarned, StandingRectification, StandingSuspended:
		return true
	}
	return false
}

// Outlet is an overseas after-sales service outlet of a manufacturer. R3
// asks the confirmation to name, for each vehicle, the outlet(s) that will
// serve it in its destination.
type Outlet struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id"`
	Country  string `json:"country"` // ISO 3166-1 alpha-2
	Provider string `json:"provider"`
	Address  string `json:"address"`
	Contact  string `json:"contact"`
}

// Org is an organisation on the platform. Manufacturer- and exporter-only
// fields are empty for the other kinds.
type Org struct {
	ID   int64   `json:"id"`
	Kind OrgKind `json:"kind"`
	// Name is the exact legal name. For a manufacturer it must be the name in
	// MIIT's 道路机动车辆生产企业公告 (R2): the confirmation is void under any
	// other name.
	Name   string `json:"name"`
	NameEN string `json:"name_en,omitempty"`
	// Region is the jurisdiction (R14): for an authority the area it
	// serves, for an exporter where it is registered, one of Jurisdictions
	// by its canonical Name (LookupJurisdiction); required for both, free
	// text for the other kinds. An exporter registered in one of the 8
	// cities gives the city: its department, not the province's, issues.
	Region string `json:"region,omitempty"`
	// Central marks an exporter that is a centrally managed state
	// enterprise based in Beijing: MOFCOM's Quota and Licence Bureau
	// (Bureau), not Beijing's department, issues its licences (R14).
	Central bool `json:"central,omitempty"`

	// Manufacturer fields.
	Brands []string `json:"brands,omitempty"`
	WMIs   []string `json:"wmis,omitempty"` // declared WMIs; they route requests and override vin's table
	// PendingWMIs are WMIs the manufacturer declared that the built-in
	// table or another organisation gives to another maker: claims that
	// route nothing until the operator confirms them (R2).
	PendingWMIs []string  `json:"pending_wmis,omitempty"`
	Outlets     []*Outlet `json:"outlets,omitempty"`
	// RegisterEntryID is the manufacturer register entry the operator
	// bound the manufacturer to (0: none). Unbound, it cannot confirm
	// (R2: only the maker under its exact MIIT name may).
	RegisterEntryID int64 `json:"register_entry_id,omitempty"`

	// Exporter fields (R8, R10).
	FilingNumber  string   `json:"filing_number,omitempty"`
	FilingExpires Date     `json:"filing_expires,omitempty"`
	Standing      Standing `json:"standing,omitempty"`

	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an organisation before it is stored.
func (o *Org) Validate() error {
	if !o.Kind.Valid() {
		return FieldErrorf(EINVALID, "kind", "kind must be exporter, manufacturer, authority, customs or operator")
	}
	if o.Name == "" {
		return FieldErrorf(EINVALID, "name", "the organisation's exact legal name is required")
	}
	if len(o.Name) > 200 {
		return FieldErrorf(EINVALID, "name", "the name is longer than 200 bytes")
	}
	if err := o.validateJurisdiction(); err != nil {
		return err
	}
	if o.Kind == KindExporter && o.Standing != "" && !o.Standing.Valid() {
		return FieldErrorf(EINVALID, "standing", "standing must be normal, warned, rectification_ordered or suspended")
	}
	for _, w := range o.WMIs {
		if len(w) != 3 && len(w) != 6 {
			return FieldErrorf(EINVALID, "wmis", "WMI %q must be 3 characters (6 for a small manufacturer's extended WMI)", w)
		}
	}
	for _, ot := range o.Outlets {
		if err := ot.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks an outlet.
func (ot *Outlet) Validate() error {
	if !ValidCountry(ot.Country) {
		return FieldErrorf(EINVALID, "country", "outlet country %q is not an ISO 3166-1 alpha-2 code", ot.Country)
	}
	if ot.Provider == "" {
		return FieldErrorf(EINVALID, "provider", "the outlet's service provider is required (R3)")
	}
	if ot.Address == "" {
		return FieldErrorf(EINVALID, "address", "the outlet's address is required (R3)")
	}
	return nil
}

// OutletsIn returns the manufacturer's outlets in country.
func (o *Org) OutletsIn(country string) []*Outlet {
	var out []*Outlet
	for _, ot := range o.Outlets {
		if ot.Country == country {
			out = append(out, ot)
		}
	}
	return out
}

// Role is what a user may do within their organisation.
type Role string

// Roles. Every organisation kind uses the same three; what "act" means
// depends on the kind (file for an exporter, approve for a manufacturer …).
const (
	RoleAdmin  Role = "admin"  // acts, and manages the organisation's users and tokens
	RoleMember Role = "member" // acts on the organisation's work
	RoleViewer Role = "viewer" // reads only
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember || r == RoleViewer }

// CanAct reports whether the role may change records (not only read them).
func (r Role) CanAct() bool { return r == RoleAdmin || r == RoleMember }

// User is a person (or, through a token, a machine) acting for one
// organisation.
type User struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name,omitempty"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

// Invitation is the one-time set-password token of a user created without
// a password (InviteUser): whoever creates the user, the operator
// included, never chooses or learns the password. Token is shown once,
// when made; only its hash is stored. It works once, until ExpiresAt.
type Invitation struct {
	UserID    int64     `json:"user_id"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	// URL is the web page that accepts it (/invite?token=…), filled in by
	// the API from the server's public address.
	URL string `json:"url,omitempty"`
}

// Token is an API token for machines. Only its hash is stored; the secret is
// shown once, when created.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"` // the first characters, to recognise it in lists
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Principal is who is calling: a user of an organisation, with a role. It
// is resolved once per request (from a token or a session) and passed to
// every service method, which checks it.
type Principal struct {
	UserID   int64
	Username string
	OrgID    int64
	OrgKind  OrgKind
	Role     Role
	// Jurisdiction is the caller's organisation's (Org.Jurisdiction),
	// resolved with the rest. An authority sees and decides only the
	// applications of exporters of the same jurisdiction (R14); one
	// without a jurisdiction is refused until the operator sets it.
	Jurisdiction string
}

// Is reports whether the principal belongs to an organisation of kind k.
func (p *Principal) Is(k OrgKind) bool { return p != nil && p.OrgKind == k }

// OrgFilter selects organisations.
type OrgFilter struct {
	Kind   OrgKind
	Offset int
	Limit  int
}

// WMIClaim is a manufacturer's declaration of a WMI that the built-in
// table (vin) or another organisation's declaration gives to another
// maker. Until the operator confirms it the WMI routes where it did: a
// manufacturer cannot take over another maker's cars by declaring their
// WMI (R2).
type WMIClaim struct {
	ID      int64  `json:"id"`
	WMI     string `json:"wmi"`
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	// Holder is the maker the WMI was given to when it was claimed.
	Holder    string    `json:"holder"`
	ClaimedBy int64     `json:"claimed_by,omitempty"`
	ClaimedAt time.Time `json:"claimed_at"`
	// State is pending, confirmed or refused (the last two only in the
	// answer of a decision: decided claims are kept as audit events).
	State string `json:"state"`
}

// EventFilter pages an audit trail, newest first.
type EventFilter struct {
	Offset int
	Limit  int
}

// OrgService manages organisations, users and tokens.
type OrgService interface {
	// CreateOrg stores a new organisation. Only the operator may. Returns
	// EFORBIDDEN, EINVALID, or ECONFLICT when the name is taken.
	CreateOrg(ctx context.Context, p *Principal, o *Org) error
	// FindOrgByID returns an organisation with its outlets. Everyone signed
	// in may read an organisation's public profile. Returns ENOTFOUND.
	FindOrgByID(ctx context.Context, p *Principal, id int64) (*Org, error)
	// FindOrgs lists organisations and the total count.
	FindOrgs(ctx context.Context, p *Principal, f OrgFilter) ([]*Org, int, error)
	// SetStanding changes an exporter's credit standing (R8). Only an
	// authority may. Returns EFORBIDDEN, ENOTFOUND, EINVALID.
	SetStanding(ctx context.Context, p *Principal, orgID int64, s Standing, reason string) (*Org, error)
	// SetRegion sets an authority's jurisdiction or an exporter's place of
	// registration (and whether it is a central enterprise): an act of the
	// operator's admin, with a reason kept in the audit trail, as it moves
	// the exporter's filings to another authority (R14). Returns
	// EFORBIDDEN, ENOTFOUND, EINVALID naming region or central.
	SetRegion(ctx context.Context, p *Principal, orgID int64, region string, central bool, reason string) (*Org, error)
	// AddOutlet adds an overseas outlet to a manufacturer: an act of its
	// admin (or the operator's), ot.OrgID naming it (0: the caller's).
	AddOutlet(ctx context.Context, p *Principal, ot *Outlet) error
	// SetWMIs replaces a manufacturer's declared WMIs: an act of its admin
	// (or the operator's). A WMI that the built-in table or another
	// organisation gives to another maker becomes a pending claim that
	// routes nothing until the operator confirms it (R2).
	SetWMIs(ctx context.Context, p *Principal, orgID int64, wmis []string) (*Org, error)
	// WMIClaims lists the pending WMI claims, oldest first, for the
	// operator.
	WMIClaims(ctx context.Context, p *Principal) ([]*WMIClaim, error)
	// DecideWMIClaim confirms (the WMI then routes to the claimant) or
	// refuses a pending claim; only the operator's admin may, and a
	// refusal needs a note.
	DecideWMIClaim(ctx context.Context, p *Principal, id int64, confirm bool, note string) (*WMIClaim, error)

	// CreateUser adds a user with a password to the caller's own
	// organisation; only its admin may. The operator never chooses another
	// organisation's passwords: it invites (InviteUser).
	CreateUser(ctx context.Context, p *Principal, u *User, password string) error
	// InviteUser adds a user without a password and returns the
	// invitation with which the user sets one. The operator's admin may
	// invite into any organisation, an admin into its own; the act is in
	// the organisation's audit trail.
	InviteUser(ctx context.Context, p *Principal, u *User) (*Invitation, error)
	// AcceptInvitation sets the invited user's password with the
	// invitation's token, once, before it expires, and returns the user's
	// principal. EINVALID (field token) for an unknown, used or expired
	// token.
	AcceptInvitation(ctx context.Context, token, password string) (*Principal, error)
	// Authenticate checks a username and password. Returns EUNAUTHORIZED,
	// with the same message whether the user or the password was wrong.
	Authenticate(ctx context.Context, username, password string) (*Principal, error)
	// CreateToken makes an API token for the caller and returns its secret,
	// which is never shown again.
	CreateToken(ctx context.Context, p *Principal, name string) (secret string, t *Token, err error)
	// RevokeToken revokes one of the caller's tokens (or, for an admin, any
	// token of its organisation).
	RevokeToken(ctx context.Context, p *Principal, id int64) error
	// PrincipalByToken resolves a token secret. Returns EUNAUTHORIZED for an
	// unknown or revoked token.
	PrincipalByToken(ctx context.Context, secret string) (*Principal, error)

	// OrgEvents is an organisation's audit trail, newest first: what its
	// users did and what was done to it and its users (the operator's
	// acts, account locks, WMI claims), for its own admins only.
	OrgEvents(ctx context.Context, p *Principal, orgID int64, f EventFilter) ([]*Event, int, error)
}
