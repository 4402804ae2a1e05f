package ucx

import (
	"context"
	"strings"
	"time"
)

// The manufacturer register (R2, "R2 sharpened"). Only the vehicle's
// manufacturer may issue the confirmation letter, under exactly the name
// it has in MIIT's 道路机动车辆生产企业公告; the Guidelines name who may
// not: the manufacturer's sales subsidiaries, overseas sales departments,
// authorised overseas dealers and modified-vehicle manufacturers. The
// platform cannot read MIIT's announcement itself, so the operator keeps
// its entries as data (RegisterEntry: the exact legal name, where it was
// read and in which batch, and what the entity is) and binds each
// organisation of kind manufacturer to its entry. An organisation
// confirms only while bound to a live entry of role
// RegisterVehicleManufacturer whose name equals its own.

// RegisterRole is what a register entry says the legal entity is (R2
// sharpened): a vehicle manufacturer, which may confirm, or one of the
// parties the Guidelines exclude, recorded so that an organisation
// presenting itself as a manufacturer is refused with the reason.
type RegisterRole string

// Register roles. Only RegisterVehicleManufacturer (整车生产企业) may
// confirm; the others are the Guidelines' exclusions (R2 sharpened).
const (
	RegisterVehicleManufacturer RegisterRole = "vehicle_manufacturer"          // 整车生产企业
	RegisterSalesSubsidiary     RegisterRole = "sales_subsidiary"              // 销售子公司
	RegisterOverseasSales       RegisterRole = "overseas_sales_department"     // 海外销售部门
	RegisterAuthorisedDealer    RegisterRole = "authorised_overseas_dealer"    // 授权海外经销商
	RegisterModifier            RegisterRole = "modified_vehicle_manufacturer" // 改装车生产企业
)

// RegisterRoles lists the roles, the confirming one first.
var RegisterRoles = []RegisterRole{RegisterVehicleManufacturer, RegisterSalesSubsidiary, RegisterOverseasSales,
	RegisterAuthorisedDealer, RegisterModifier}

// Valid reports whether r is one of RegisterRoles.
func (r RegisterRole) Valid() bool {
	for _, x := range RegisterRoles {
		if r == x {
			return true
		}
	}
	return false
}

// MayConfirm reports whether an entity of role r may issue a confirmation
// letter: only a vehicle manufacturer may (R2 sharpened).
func (r RegisterRole) MayConfirm() bool { return r == RegisterVehicleManufacturer }

// Exclusion words why the Guidelines refuse role r a letter, for the
// refusal's message; empty for the vehicle manufacturer.
func (r RegisterRole) Exclusion() string {
	switch r {
	case RegisterSalesSubsidiary:
		return "a manufacturer's sales subsidiary (销售子公司) may not issue the confirmation letter (R2; the Guidelines)"
	case RegisterOverseasSales:
		return "a manufacturer's overseas sales department (海外销售部门) may not issue the confirmation letter (R2; the Guidelines)"
	case RegisterAuthorisedDealer:
		return "an authorised overseas dealer (授权海外经销商) may not issue the confirmation letter (R2; the Guidelines)"
	case RegisterModifier:
		return "a modified-vehicle manufacturer (改装车生产企业) may not issue the confirmation letter (R2; the Guidelines)"
	}
	return ""
}

// RegisterEntry is one entry of the manufacturer register: a legal entity
// as MIIT's 道路机动车辆生产企业公告 names it (R2), kept by the platform
// operator. The letter is void under any other name, so Name is compared
// byte for byte with the bound organisation's legal name, at binding and
// at every confirmation.
type RegisterEntry struct {
	ID int64 `json:"id"`
	// Name is the exact legal name in the announcement.
	Name string `json:"name"`
	// Role is what the entity is; only a vehicle manufacturer confirms.
	Role RegisterRole `json:"role"`
	// Source is where the operator read the entry: the announcement's URL
	// or reference.
	Source string `json:"source"`
	// Batch is the announcement's batch (公告批次), e.g. 第385批.
	Batch string `json:"batch"`
	Note  string `json:"note,omitempty"`
	// OrgID is the organisation bound to the entry (0: none), OrgName its
	// name.
	OrgID   int64      `json:"org_id,omitempty"`
	OrgName string     `json:"org_name,omitempty"`
	BoundAt *time.Time `json:"bound_at,omitempty"`
	// RetiredAt is set once the operator retired the entry (struck from
	// the announcement, or superseded by a corrected one); a retired
	// entry binds nobody.
	RetiredAt *time.Time `json:"retired_at,omitempty"`
	Version   int        `json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// RegisterEntryInput is what the operator gives to add or correct an
// entry (R2).
type RegisterEntryInput struct {
	Name   string       `json:"name"`
	Role   RegisterRole `json:"role"`
	Source string       `json:"source"`
	Batch  string       `json:"batch"`
	Note   string       `json:"note,omitempty"`
}

// Limits of an entry's fields.
const (
	MaxRegisterNameBytes   = 200 // as an organisation's name
	MaxRegisterSourceBytes = 1000
	MaxRegisterBatchBytes  = 100
	MaxRegisterNoteBytes   = 1000
)

// Normalize trims the input's fields. The name keeps its inner spaces and
// punctuation: it must be the announcement's, exactly (R2).
func (in *RegisterEntryInput) Normalize() {
	in.Name, in.Source, in.Batch, in.Note = strings.TrimSpace(in.Name), strings.TrimSpace(in.Source), strings.TrimSpace(in.Batch), strings.TrimSpace(in.Note)
	in.Role = RegisterRole(strings.TrimSpace(string(in.Role)))
}

// Validate checks a normalised input: the name, role, source and batch
// are required, since an entry is worth only what it was read from.
func (in *RegisterEntryInput) Validate() error {
	switch {
	case in.Name == "":
		return FieldErrorf(EINVALID, "name", "the exact legal name as in MIIT's 道路机动车辆生产企业公告 is required (R2)")
	case len(in.Name) > MaxRegisterNameBytes:
		return FieldErrorf(EINVALID, "name", "the name is longer than %d bytes", MaxRegisterNameBytes)
	case !in.Role.Valid():
		return FieldErrorf(EINVALID, "role", "role must be one of vehicle_manufacturer, sales_subsidiary, overseas_sales_department, authorised_overseas_dealer, modified_vehicle_manufacturer (R2)")
	case in.Source == "":
		return FieldErrorf(EINVALID, "source", "say where the entry was read: the announcement's URL or reference (R2)")
	case len(in.Source) > MaxRegisterSourceBytes:
		return FieldErrorf(EINVALID, "source", "the source is longer than %d bytes", MaxRegisterSourceBytes)
	case in.Batch == "":
		return FieldErrorf(EINVALID, "batch", "the announcement's batch (公告批次, e.g. 第385批) is required (R2)")
	case len(in.Batch) > MaxRegisterBatchBytes:
		return FieldErrorf(EINVALID, "batch", "the batch is longer than %d bytes", MaxRegisterBatchBytes)
	case len(in.Note) > MaxRegisterNoteBytes:
		return FieldErrorf(EINVALID, "note", "the note is longer than %d bytes", MaxRegisterNoteBytes)
	}
	return nil
}

// RegisterFilter selects register entries; retired ones only when asked.
type RegisterFilter struct {
	Retired bool
	Offset  int
	Limit   int
}

// RegisterService is the manufacturer register (R2). Every signed-in user
// may read it (the entries are public facts of MIIT's announcement); only
// the platform operator's admin maintains it and binds organisations, each
// act an audit event.
type RegisterService interface {
	// FindRegisterEntries lists the entries by name, live ones only unless
	// f.Retired, and the total.
	FindRegisterEntries(ctx context.Context, p *Principal, f RegisterFilter) ([]*RegisterEntry, int, error)
	// FindRegisterEntryByID returns one entry. Returns ENOTFOUND.
	FindRegisterEntryByID(ctx context.Context, p *Principal, id int64) (*RegisterEntry, error)
	// AddRegisterEntry adds an entry. Returns EFORBIDDEN, EINVALID, or
	// ECONFLICT when a live entry has the name.
	AddRegisterEntry(ctx context.Context, p *Principal, in *RegisterEntryInput) (*RegisterEntry, error)
	// UpdateRegisterEntry corrects a live entry at version. A bound
	// entry's name cannot change away from its organisation's (unbind
	// first). Returns EFORBIDDEN, ENOTFOUND, ECONFLICT, EINVALID, ERULE.
	UpdateRegisterEntry(ctx context.Context, p *Principal, id int64, version int, in *RegisterEntryInput) (*RegisterEntry, error)
	// RetireRegisterEntry retires a live entry, with a note saying why,
	// and unbinds its organisation. Returns EFORBIDDEN, ENOTFOUND,
	// ECONFLICT, EINVALID.
	RetireRegisterEntry(ctx context.Context, p *Principal, id int64, version int, note string) (*RegisterEntry, error)
	// BindOrg binds manufacturer orgID to live entry id: the
	// organisation's legal name must equal the entry's exactly (R2).
	// Returns EFORBIDDEN, ENOTFOUND, ERULE (not a manufacturer, name
	// mismatch, retired), ECONFLICT (either already bound).
	BindOrg(ctx context.Context, p *Principal, id, orgID int64) (*RegisterEntry, error)
	// UnbindOrg removes entry id's binding; the organisation can no
	// longer confirm. Returns EFORBIDDEN, ENOTFOUND, ERULE (not bound).
	UnbindOrg(ctx context.Context, p *Principal, id int64, note string) (*RegisterEntry, error)
}
