package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/ucxdev/ucx"
)

var _ ucx.OrgService = (*DB)(nil)

const orgColumns = "o.id, o.kind, o.name, o.name_en, o.region, o.central, o.brands, o.filing_number, o.filing_expires, o.standing, o.created_at"

// CreateOrg stores a new organisation with its declared WMIs and outlets.
// Only an admin of the platform operator may: organisations are the roots
// of every permission (R2, R10, R14, R15), so nobody creates their own.
// Returns EFORBIDDEN, EINVALID naming the field, or ECONFLICT when the name
// or a WMI is taken (a WMI belongs to one manufacturer).
func (db *DB) CreateOrg(ctx context.Context, p *ucx.Principal, o *ucx.Org) error {
	const op = "sqlstore.CreateOrg"
	if err := mustAct(p, ucx.KindOperator, "create organisations"); err != nil {
		return err
	}
	if p.Role != ucx.RoleAdmin {
		return ucx.Errorf(ucx.EFORBIDDEN, "only an admin of the platform operator may create organisations")
	}
	if err := prepareOrg(o); err != nil {
		return err
	}
	return db.Update(ctx, op, func(tx *Tx) error { return tx.createOrg(ctx, p, o) })
}

// prepareOrg normalises and checks an organisation before it is stored. A
// field that does not belong to the organisation's kind is refused rather
// than dropped, so that a mistake (WMIs on an exporter) is seen.
func prepareOrg(o *ucx.Org) error {
	if o == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "org", "the organisation is missing")
	}
	o.Name, o.NameEN, o.Region = strings.TrimSpace(o.Name), strings.TrimSpace(o.NameEN), strings.TrimSpace(o.Region)
	o.FilingNumber = strings.TrimSpace(o.FilingNumber)
	var brands []string
	for _, b := range o.Brands {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(brands, b) {
			brands = append(brands, b)
		}
	}
	o.Brands = brands
	wmis, err := normalizeWMIs(o.WMIs)
	if err != nil {
		return err
	}
	o.WMIs = wmis
	for _, ot := range o.Outlets {
		normalizeOutlet(ot)
	}
	if o.Kind == ucx.KindExporter && o.Standing == "" {
		o.Standing = ucx.StandingNormal
	}
	o.NormalizeRegion()
	if err := o.Validate(); err != nil {
		return err
	}
	switch {
	case len(o.NameEN) > 200:
		return ucx.FieldErrorf(ucx.EINVALID, "name_en", "the English name is longer than 200 bytes")
	case len(o.Region) > 100:
		return ucx.FieldErrorf(ucx.EINVALID, "region", "the region is longer than 100 bytes")
	case len(o.FilingNumber) > 100:
		return ucx.FieldErrorf(ucx.EINVALID, "filing_number", "the filing number is longer than 100 bytes")
	case len(o.Brands) > 100:
		return ucx.FieldErrorf(ucx.EINVALID, "brands", "at most 100 brands may be listed")
	}
	if o.Kind != ucx.KindManufacturer {
		switch {
		case len(o.WMIs) > 0:
			return ucx.FieldErrorf(ucx.EINVALID, "wmis", "only a manufacturer declares WMIs; remove them or make the organisation a manufacturer")
		case len(o.Outlets) > 0:
			return ucx.FieldErrorf(ucx.EINVALID, "outlets", "only a manufacturer has after-sales outlets (R3); remove them or make the organisation a manufacturer")
		case len(o.Brands) > 0:
			return ucx.FieldErrorf(ucx.EINVALID, "brands", "only a manufacturer lists brands; remove them or make the organisation a manufacturer")
		}
	}
	if o.Kind != ucx.KindExporter {
		switch {
		case o.FilingNumber != "" || !o.FilingExpires.IsZero():
			return ucx.FieldErrorf(ucx.EINVALID, "filing_number", "only an exporter has a filing (备案, R10); remove it or make the organisation an exporter")
		case o.Standing != "":
			return ucx.FieldErrorf(ucx.EINVALID, "standing", "only an exporter has a credit standing (R8); remove it or make the organisation an exporter")
		}
	}
	for _, ot := range o.Outlets {
		if err := checkOutlet(ot); err != nil {
			return err
		}
	}
	return nil
}

// normalizeWMIs trims and upper-cases declared WMIs, drops repeats, and
// checks each: 3 VIN characters, or 6 for a small manufacturer whose third
// character is 9 (positions 1–3 and 12–14, as package vin routes them).
func normalizeWMIs(in []string) ([]string, error) {
	var out []string
	for _, w := range in {
		w = strings.ToUpper(strings.TrimSpace(w))
		if slices.Contains(out, w) {
			continue
		}
		if err := checkWMI(w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if len(out) > 100 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "wmis", "at most 100 WMIs may be declared")
	}
	return out, nil
}

func checkWMI(w string) error {
	if len(w) != 3 && len(w) != 6 {
		return ucx.FieldErrorf(ucx.EINVALID, "wmis", "WMI %q must be 3 characters (6 for a small manufacturer's extended WMI)", w)
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') || c == 'I' || c == 'O' || c == 'Q' {
			return ucx.FieldErrorf(ucx.EINVALID, "wmis", "WMI %q: position %d is not a VIN character; use A–Z (not I, O, Q) and 0–9", w, i+1)
		}
	}
	if small := w[2] == '9'; small != (len(w) == 6) {
		if small {
			return ucx.FieldErrorf(ucx.EINVALID, "wmis", "WMI %q has 9 as its third character, which marks a small manufacturer: give all six characters (VIN positions 1–3 and 12–14)", w)
		}
		return ucx.FieldErrorf(ucx.EINVALID, "wmis", "WMI %q: six characters are only for a small manufacturer, whose third character is 9", w)
	}
	return nil
}

func normalizeOutlet(ot *ucx.Outlet) {
	if ot == nil {
		return
	}
	ot.Country = ucx.NormalizeCountry(ot.Country)
	ot.Provider, ot.Address, ot.Contact = strings.TrimSpace(ot.Provider), strings.TrimSpace(ot.Address), strings.TrimSpace(ot.Contact)
}

func checkOutlet(ot *ucx.Outlet) error {
	if ot == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "outlets", "an outlet is missing")
	}
	if err := ot.Validate(); err != nil {
		return err
	}
	for _, f := range []struct{ name, val string }{{"provider", ot.Provider}, {"address", ot.Address}, {"contact", ot.Contact}} {
		if len(f.val) > 500 {
			return ucx.FieldErrorf(ucx.EINVALID, f.name, "the outlet's %s is longer than 500 bytes", f.name)
		}
	}
	return nil
}

// createOrg inserts a prepared organisation, its WMIs and outlets, and the
// audit event. p is nil for the bootstrap.
func (tx *Tx) createOrg(ctx context.Context, p *ucx.Principal, o *ucx.Org) error {
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE name = ?", o.Name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return ucx.FieldErrorf(ucx.ECONFLICT, "name", "an organisation named %q exists already", o.Name)
	}
	if err := tx.checkWMIsFree(ctx, 0, o.WMIs); err != nil {
		return err
	}
	brands, err := toJSON(o.Brands)
	if err != nil {
		return err
	}
	if o.Brands == nil {
		brands = "[]"
	}
	o.CreatedAt = tx.now
	o.ID, err = tx.InsertID(ctx, `INSERT INTO orgs (kind, name, name_en, region, central, jurisdiction, brands, filing_number, filing_expires, standing, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(o.Kind), o.Name, o.NameEN, o.Region, boolInt(o.Central), o.Jurisdiction(), brands, o.FilingNumber, dayValue(o.FilingExpires), string(o.Standing), micros(tx.now))
	if err != nil {
		return err
	}
	for _, w := range o.WMIs {
		if _, err := tx.Exec(ctx, "INSERT INTO org_wmis (wmi, org_id) VALUES (?, ?)", w, o.ID); err != nil {
			return err
		}
	}
	for _, ot := range o.Outlets {
		ot.OrgID = o.ID
		if err := tx.insertOutlet(ctx, ot); err != nil {
			return err
		}
	}
	return tx.event(ctx, p, actOrgCreate, entityOrg, o.ID, 0, "", string(o.Standing), string(o.Kind)+": "+o.Name)
}

// checkWMIsFree refuses WMIs that another manufacturer has declared: a VIN
// routes to one manufacturer only (R2). self is the declaring org, whose
// own WMIs are not a conflict.
func (tx *Tx) checkWMIsFree(ctx context.Context, self int64, wmis []string) error {
	if len(wmis) == 0 {
		return nil
	}
	args := []any{self}
	for _, w := range wmis {
		args = append(args, w)
	}
	var wmi, name string
	err := tx.QueryRow(ctx, "SELECT w.wmi, o.name FROM org_wmis w JOIN orgs o ON o.id = w.org_id WHERE w.org_id <> ? AND w.wmi IN ("+placeholders(len(wmis))+") ORDER BY w.wmi LIMIT 1", args...).Scan(&wmi, &name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return ucx.FieldErrorf(ucx.ECONFLICT, "wmis", "WMI %s is already declared by %s; a WMI belongs to one manufacturer, so ask the operator if the declaration is wrong", wmi, name)
}

func (tx *Tx) insertOutlet(ctx context.Context, ot *ucx.Outlet) error {
	var err error
	ot.ID, err = tx.InsertID(ctx, "INSERT INTO outlets (org_id, country, provider, address, contact) VALUES (?, ?, ?, ?, ?)",
		ot.OrgID, ot.Country, ot.Provider, ot.Address, ot.Contact)
	return err
}

// FindOrgByID returns an organisation's public profile with its WMIs and
// outlets. Everyone signed in may read it: exporters look up manufacturers'
// networks, buyers' officials the authorities. Returns ENOTFOUND.
func (db *DB) FindOrgByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Org, error) {
	const op = "sqlstore.FindOrgByID"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	var o *ucx.Org
	err := db.View(ctx, op, func(tx *Tx) error {
		var err error
		if o, err = tx.orgByID(ctx, id); err != nil {
			return err
		}
		return tx.hideStanding(ctx, p, o)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// hideStanding blanks the credit standing of every exporter p may not read
// it of (R8: the standing is for the exporter itself and the authorities;
// R6's public naming is its own list). A competitor or customs sees the
// organisation, not its standing. A manufacturer sees the standing of an
// exporter that has asked it for a confirmation, and of no other: it is
// who asks, and a manufacturer may refuse a letter for the exporter's
// standing (refusal code exporter_standing, R8), which it can only do
// knowing it.
func (tx *Tx) hideStanding(ctx context.Context, p *ucx.Principal, orgs ...*ucx.Org) error {
	var ask []any // exporters whose standing a manufacturer may see if they asked it
	for _, o := range orgs {
		if o.Kind != ucx.KindExporter || o.Standing == "" || mayReadCredit(p, o.ID) == nil {
			continue
		}
		if p.OrgKind == ucx.KindManufacturer {
			ask = append(ask, o.ID)
			continue
		}
		o.Standing = ""
	}
	if len(ask) == 0 {
		return nil
	}
	asked := map[int64]bool{}
	rows, err := tx.Query(ctx, "SELECT DISTINCT exporter_id FROM confirmation_requests WHERE manufacturer_id = ? AND exporter_id IN ("+placeholders(len(ask))+")",
		append([]any{p.OrgID}, ask...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		asked[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range orgs {
		if o.Kind == ucx.KindExporter && p.OrgKind == ucx.KindManufacturer && !asked[o.ID] {
			o.Standing = ""
		}
	}
	return nil
}

// orgByID reads one organisation with its WMIs and outlets.
func (tx *Tx) orgByID(ctx context.Context, id int64) (*ucx.Org, error) {
	o, err := scanOrg(tx.QueryRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "organisation %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.orgDetails(ctx, []*ucx.Org{o}); err != nil {
		return nil, err
	}
	return o, nil
}

func scanOrg(sc interface{ Scan(...any) error }) (*ucx.Org, error) {
	var o ucx.Org
	var kind, brands, standing string
	var expires sql.NullInt64
	var created, central int64
	if err := sc.Scan(&o.ID, &kind, &o.Name, &o.NameEN, &o.Region, &central, &brands, &o.FilingNumber, &expires, &standing, &created); err != nil {
		return nil, err
	}
	o.Central = central != 0
	o.Kind, o.Standing, o.FilingExpires, o.CreatedAt = ucx.OrgKind(kind), ucx.Standing(standing), optDate(expires), fromMicros(created)
	if err := json.Unmarshal([]byte(brands), &o.Brands); err != nil {
		return nil, err
	}
	return &o, nil
}

// orgDetails fills in the WMIs, pending WMI claims, register bindings and
// outlets of a page of organisations with four queries, however many
// organisations there are.
func (tx *Tx) orgDetails(ctx context.Context, orgs []*ucx.Org) error {
	if len(orgs) == 0 {
		return nil
	}
	byID := make(map[int64]*ucx.Org, len(orgs))
	ids := make([]any, len(orgs))
	for i, o := range orgs {
		byID[o.ID], ids[i] = o, o.ID
	}
	in := placeholders(len(ids))
	// Declared WMIs route; claimed ones wait for the operator (R2).
	if err := tx.eachWMI(ctx, "org_wmis", in, ids, func(id int64, w string) { byID[id].WMIs = append(byID[id].WMIs, w) }); err != nil {
		return err
	}
	if err := tx.eachWMI(ctx, "wmi_claims", in, ids, func(id int64, w string) { byID[id].PendingWMIs = append(byID[id].PendingWMIs, w) }); err != nil {
		return err
	}
	// The manufacturer register entry each is bound to (R2).
	rows, err := tx.Query(ctx, "SELECT org_id, id FROM manufacturer_register WHERE org_id IN ("+in+")", ids...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var org, entry int64
		if err := rows.Scan(&org, &entry); err != nil {
			rows.Close()
			return err
		}
		byID[org].RegisterEntryID = entry
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, "SELECT id, org_id, country, provider, address, contact FROM outlets WHERE org_id IN ("+in+") ORDER BY id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ot ucx.Outlet
		if err := rows.Scan(&ot.ID, &ot.OrgID, &ot.Country, &ot.Provider, &ot.Address, &ot.Contact); err != nil {
			return err
		}
		byID[ot.OrgID].Outlets = append(byID[ot.OrgID].Outlets, &ot)
	}
	return rows.Err()
}

// FindOrgs lists organisations by name, with their WMIs and outlets, and the
// total count. Everyone signed in may.
func (db *DB) FindOrgs(ctx context.Context, p *ucx.Principal, f ucx.OrgFilter) ([]*ucx.Org, int, error) {
	const op = "sqlstore.FindOrgs"
	if err := signedIn(p); err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "kind", "kind must be exporter, manufacturer, authority, customs or operator")
		}
		conds, args = append(conds, "o.kind = ?"), append(args, string(f.Kind))
	}
	var out []*ucx.Org
	var total int
	err = db.View(ctx, op, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs o"+where(conds), args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+orgColumns+" FROM orgs o"+where(conds)+" ORDER BY o.name, o.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.orgDetails(ctx, out); err != nil {
			return err
		}
		return tx.hideStanding(ctx, p, out...)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SetStanding changes an exporter's credit standing (R8). Only a licensing
// authority's member or admin may, and only for an exporter; the reason is
// required and kept in the audit event, because a standing gates licences
// and R6 names offenders publicly. Returns EFORBIDDEN, ENOTFOUND, EINVALID,
// or ERULE for an organisation that is not an exporter.
func (db *DB) SetStanding(ctx context.Context, p *ucx.Principal, orgID int64, s ucx.Standing, reason string) (*ucx.Org, error) {
	const op = "sqlstore.SetStanding"
	if err := mustAct(p, ucx.KindAuthority, "change an exporter's credit standing (R8)"); err != nil {
		return nil, err
	}
	if !s.Valid() {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "standing", "standing must be normal, warned, rectification_ordered or suspended")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason for the change; it is kept in the audit trail (R8)")
	}
	if len(reason) > maxNoteBytes {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "the reason is longer than %d bytes", maxNoteBytes)
	}
	var o *ucx.Org
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if o, err = tx.orgByID(ctx, orgID); err != nil {
			return err
		}
		if o.Kind != ucx.KindExporter {
			return ucx.Errorf(ucx.ERULE, "%s is a %s; a credit standing applies to exporters only (R8)", o.Name, o.Kind)
		}
		before := o.Standing
		if _, err := tx.Exec(ctx, "UPDATE orgs SET standing = ? WHERE id = ?", string(s), orgID); err != nil {
			return err
		}
		o.Standing = s
		return tx.event(ctx, p, actOrgStanding, entityOrg, orgID, 0, string(before), string(s), reason)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// SetRegion sets the jurisdiction of an authority, or the place of
// registration and the central flag of an exporter (R14): only the
// operator's admin may, as for creating the organisation, and the reason
// is kept in the audit event (before and after are the jurisdictions). It
// is how an authority created before jurisdictions, which is refused every
// filing until then (jurisdictionScope), gets one. The change applies to
// the next request: filings already decided keep their licences.
func (db *DB) SetRegion(ctx context.Context, p *ucx.Principal, orgID int64, region string, central bool, reason string) (*ucx.Org, error) {
	const op = "sqlstore.SetRegion"
	if err := mustAct(p, ucx.KindOperator, "set an organisation's jurisdiction (R14)"); err != nil {
		return nil, err
	}
	if p.Role != ucx.RoleAdmin {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only an admin of the platform operator may set an organisation's jurisdiction (R14)")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason for the change; it is kept in the audit trail (R14)")
	}
	if len(reason) > maxNoteBytes {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "reason", "the reason is longer than %d bytes", maxNoteBytes)
	}
	var o *ucx.Org
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if o, err = tx.orgByID(ctx, orgID); err != nil {
			return err
		}
		if o.Kind != ucx.KindAuthority && o.Kind != ucx.KindExporter {
			return ucx.Errorf(ucx.ERULE, "%s is a %s; a jurisdiction applies to authorities and exporters only (R14)", o.Name, o.Kind)
		}
		before := o.Jurisdiction()
		o.Region, o.Central = strings.TrimSpace(region), central
		o.NormalizeRegion()
		if err := o.Validate(); err != nil {
			return err
		}
		if len(o.Region) > 100 {
			return ucx.FieldErrorf(ucx.EINVALID, "region", "the region is longer than 100 bytes")
		}
		if _, err := tx.Exec(ctx, "UPDATE orgs SET region = ?, central = ?, jurisdiction = ? WHERE id = ?",
			o.Region, boolInt(o.Central), o.Jurisdiction(), orgID); err != nil {
			return err
		}
		return tx.event(ctx, p, actOrgRegion, entityOrg, orgID, 0, before, o.Jurisdiction(), reason)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// mayDeclare checks that p may change the declarations (outlets, WMIs) of
// manufacturer orgID: its own admin, or the operator's admin. Declaring
// where a maker's cars are serviced and which VINs are its own is what its
// confirmations rest on (R2, R3), so a member may not.
func mayDeclare(p *ucx.Principal, orgID int64, what string) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.Role == ucx.RoleAdmin && (p.OrgKind == ucx.KindOperator || p.OrgKind == ucx.KindManufacturer && p.OrgID == orgID) {
		return nil
	}
	if p.OrgKind == ucx.KindManufacturer && p.OrgID == orgID {
		return ucx.Errorf(ucx.EFORBIDDEN, "declaring %s is an act of the manufacturer's admin (R2, R3); ask your organisation's admin", what)
	}
	return ucx.Errorf(ucx.EFORBIDDEN, "only a manufacturer's own admin (or the platform operator) declares its %s (R2, R3)", what)
}

// manufacturer reads orgID and refuses any other kind.
func (tx *Tx) manufacturer(ctx context.Context, orgID int64) (*ucx.Org, error) {
	o, err := tx.orgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if o.Kind != ucx.KindManufacturer {
		return nil, ucx.Errorf(ucx.ERULE, "%s is a %s; only a manufacturer has WMIs and after-sales outlets (R2, R3)", o.Name, o.Kind)
	}
	return o, nil
}

// AddOutlet adds an overseas after-sales outlet (R3) to a manufacturer:
// ot.OrgID, or the caller's own organisation when 0. Only its admin (or
// the operator's admin) may, since the outlets are what its confirmations
// promise. Returns EFORBIDDEN, ENOTFOUND, ERULE for an organisation that
// is not a manufacturer, or EINVALID.
func (db *DB) AddOutlet(ctx context.Context, p *ucx.Principal, ot *ucx.Outlet) error {
	const op = "sqlstore.AddOutlet"
	if err := signedIn(p); err != nil {
		return err
	}
	if ot == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "outlet", "the outlet is missing")
	}
	if ot.OrgID == 0 {
		ot.OrgID = p.OrgID
	}
	if err := mayDeclare(p, ot.OrgID, "after-sales outlets"); err != nil {
		return err
	}
	normalizeOutlet(ot)
	if err := checkOutlet(ot); err != nil {
		return err
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		if _, err := tx.manufacturer(ctx, ot.OrgID); err != nil {
			return err
		}
		if err := tx.insertOutlet(ctx, ot); err != nil {
			return err
		}
		return tx.event(ctx, p, actOutletAdd, entityOutlet, ot.ID, 0, "", ot.Country, ot.Provider+", "+ot.Address)
	})
}

// SetWMIs replaces the WMIs manufacturer orgID declares. Declared WMIs
// route confirmation requests before the built-in table does (R2), so
// declaring them is an act of the manufacturer's admin (or the operator's
// admin). A WMI that the built-in table gives to another maker, or that
// another organisation has declared, does not route on the manufacturer's
// word: it becomes a pending claim (Org.PendingWMIs, WMIClaims) that the
// operator confirms or refuses, and its VINs keep going where they went.
// A claim the operator confirmed once stays confirmed. The operator's own
// declaration needs no confirmation, but it too cannot take a WMI another
// organisation has declared (ECONFLICT: remove it there first).
func (db *DB) SetWMIs(ctx context.Context, p *ucx.Principal, orgID int64, wmis []string) (*ucx.Org, error) {
	const op = "sqlstore.SetWMIs"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if orgID == 0 {
		orgID = p.OrgID
	}
	if err := mayDeclare(p, orgID, "WMIs"); err != nil {
		return nil, err
	}
	wmis, err := normalizeWMIs(wmis)
	if err != nil {
		return nil, err
	}
	operator := p.OrgKind == ucx.KindOperator
	var o *ucx.Org
	err = db.Update(ctx, op, func(tx *Tx) error {
		cur, err := tx.manufacturer(ctx, orgID)
		if err != nil {
			return err
		}
		var direct, pending []string
		holders := map[string]string{}
		for _, w := range wmis {
			holder, declared, err := tx.wmiHolder(ctx, cur, w)
			if err != nil {
				return err
			}
			switch {
			case holder == "":
				direct = append(direct, w)
			case operator && declared:
				return ucx.FieldErrorf(ucx.ECONFLICT, "wmis", "WMI %s is declared by %s; a WMI belongs to one manufacturer, so remove it there first", w, holder)
			case operator:
				direct = append(direct, w)
				if err := tx.recordWMIConfirmation(ctx, p, w, orgID, "declared by the operator"); err != nil {
					return err
				}
			default:
				confirmed, err := tx.wmiConfirmed(ctx, w, orgID)
				if err != nil {
					return err
				}
				if confirmed && !declared {
					direct = append(direct, w)
				} else {
					pending = append(pending, w)
					holders[w] = holder
				}
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM org_wmis WHERE org_id = ?", orgID); err != nil {
			return err
		}
		for _, w := range direct {
			if _, err := tx.Exec(ctx, "INSERT INTO org_wmis (wmi, org_id) VALUES (?, ?)", w, orgID); err != nil {
				return err
			}
		}
		note := ""
		if len(pending) > 0 {
			note = "waiting for the operator's confirmation (R2): " + strings.Join(pending, " ")
		}
		if err := tx.event(ctx, p, actOrgWMIs, entityOrg, orgID, 0, strings.Join(cur.WMIs, " "), strings.Join(direct, " "), note); err != nil {
			return err
		}
		if err := tx.replaceClaims(ctx, p, orgID, pending, holders, cur.PendingWMIs); err != nil {
			return err
		}
		o, err = tx.orgByID(ctx, orgID)
		return err
	})
	return o, err
}

// eachWMI calls f with each (organisation, WMI) row of table (org_wmis or
// wmi_claims) for the organisations ids, in WMI order; in is their
// placeholders.
func (tx *Tx) eachWMI(ctx context.Context, table, in string, ids []any, f func(id int64, w string)) error {
	rows, err := tx.Query(ctx, "SELECT org_id, wmi FROM "+table+" WHERE org_id IN ("+in+") ORDER BY wmi", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var w string
		if err := rows.Scan(&id, &w); err != nil {
			return err
		}
		f(id, w)
	}
	return rows.Err()
}
