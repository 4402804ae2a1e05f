package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/ucxdev/ucx"
)

// The manufacturer register (R2, migration 0022): entries of MIIT's
// 道路机动车辆生产企业公告 kept by the operator, and the binding of each
// manufacturer organisation to its entry, which its confirmations need
// (mayConfirm).

var _ ucx.RegisterService = (*DB)(nil)

const registerColumns = "e.id, e.name, e.role, e.source, e.batch, e.note, e.org_id, COALESCE(o.name, ''), e.bound_at, e.retired_at, e.version, e.created_at, e.updated_at"

const registerFrom = " FROM manufacturer_register e LEFT JOIN orgs o ON o.id = e.org_id"

func scanRegisterEntry(sc interface{ Scan(...any) error }) (*ucx.RegisterEntry, error) {
	var e ucx.RegisterEntry
	var role string
	var org, bound, retired sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&e.ID, &e.Name, &role, &e.Source, &e.Batch, &e.Note, &org, &e.OrgName, &bound, &retired, &e.Version, &created, &updated); err != nil {
		return nil, err
	}
	e.Role, e.OrgID, e.BoundAt, e.RetiredAt = ucx.RegisterRole(role), org.Int64, optTime(bound), optTime(retired)
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &e, nil
}

// mayMaintainRegister checks that p is the platform operator's admin: the
// register certifies who may seal letters (R2), so nobody else keeps it.
func mayMaintainRegister(p *ucx.Principal) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.OrgKind != ucx.KindOperator || p.Role != ucx.RoleAdmin {
		return ucx.Errorf(ucx.EFORBIDDEN, "only the platform operator's admin maintains the manufacturer register and binds manufacturers to it (R2)")
	}
	return nil
}

func (tx *Tx) registerEntry(ctx context.Context, id int64) (*ucx.RegisterEntry, error) {
	e, err := scanRegisterEntry(tx.QueryRow(ctx, "SELECT "+registerColumns+registerFrom+" WHERE e.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no manufacturer register entry %d", id)
	}
	return e, err
}

// liveEntry loads entry id at version (version < 0: any), refusing a
// retired one.
func (tx *Tx) liveEntry(ctx context.Context, id int64, version int) (*ucx.RegisterEntry, error) {
	e, err := tx.registerEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if version >= 0 && e.Version != version {
		return nil, ucx.Errorf(ucx.ECONFLICT, "register entry %d changed since you read it (version %d); reload", id, e.Version)
	}
	if e.RetiredAt != nil {
		return nil, ucx.Errorf(ucx.ERULE, "register entry %d (%s) is retired; add a new entry instead", id, e.Name)
	}
	return e, nil
}

// FindRegisterEntries lists the register by name; everyone signed in may
// read it (R2).
func (db *DB) FindRegisterEntries(ctx context.Context, p *ucx.Principal, f ucx.RegisterFilter) ([]*ucx.RegisterEntry, int, error) {
	const op = "sqlstore.FindRegisterEntries"
	if err := signedIn(p); err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	cond := " WHERE e.retired_at IS NULL"
	if f.Retired {
		cond = ""
	}
	var out []*ucx.RegisterEntry
	var total int
	err = db.View(ctx, op, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM manufacturer_register e"+cond).Scan(&total); err != nil {
			return err
		}
		out, err = queryAll(ctx, tx, scanRegisterEntry, "SELECT "+registerColumns+registerFrom+cond+" ORDER BY e.name, e.id LIMIT ? OFFSET ?", limit, offset)
		return err
	})
	return out, total, err
}

// FindRegisterEntryByID returns one entry, retired or not.
func (db *DB) FindRegisterEntryByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.RegisterEntry, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.FindRegisterEntryByID", func(tx *Tx) (*ucx.RegisterEntry, error) {
		return tx.registerEntry(ctx, id)
	})
}

func checkRegisterInput(in *ucx.RegisterEntryInput) error {
	if in == nil {
		return ucx.FieldErrorf(ucx.EINVALID, "name", "the entry is required")
	}
	in.Normalize()
	return in.Validate()
}

// nameTaken refuses a second live entry named name (other than self).
func (tx *Tx) nameTaken(ctx context.Context, name string, self int64) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM manufacturer_register WHERE name = ? AND retired_at IS NULL AND id <> ?", name, self).Scan(&id)
	switch {
	case err == nil:
		return ucx.FieldErrorf(ucx.ECONFLICT, "name", "register entry %d already has the name %q; correct that entry instead", id, name)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}

// describe is an entry as audit notes name it.
func describeEntry(id int64, in *ucx.RegisterEntryInput) string {
	return "register entry " + itoa(id) + ": " + in.Name + " (" + string(in.Role) + "), " + in.Batch + ", " + in.Source
}

// AddRegisterEntry adds an entry; only the operator's admin may (R2).
func (db *DB) AddRegisterEntry(ctx context.Context, p *ucx.Principal, in *ucx.RegisterEntryInput) (*ucx.RegisterEntry, error) {
	if err := mayMaintainRegister(p); err != nil {
		return nil, err
	}
	return db.addRegisterEntry(ctx, p, in, 0)
}

// BootstrapRegisterEntry adds an entry as the system (no principal, as
// Bootstrap creates organisations) and, when orgID is not 0, binds that
// manufacturer to it with the same checks as BindOrg: for seeding a new
// store (the demo, test worlds) before any operator signs in.
func (db *DB) BootstrapRegisterEntry(ctx context.Context, in *ucx.RegisterEntryInput, orgID int64) (*ucx.RegisterEntry, error) {
	return db.addRegisterEntry(ctx, nil, in, orgID)
}

func (db *DB) addRegisterEntry(ctx context.Context, p *ucx.Principal, in *ucx.RegisterEntryInput, orgID int64) (*ucx.RegisterEntry, error) {
	const op = "sqlstore.AddRegisterEntry"
	if err := checkRegisterInput(in); err != nil {
		return nil, err
	}
	var e *ucx.RegisterEntry
	err := db.Update(ctx, op, func(tx *Tx) error {
		if err := tx.nameTaken(ctx, in.Name, 0); err != nil {
			return err
		}
		var by any
		if p != nil {
			by = nullID(p.UserID)
		}
		id, err := tx.InsertID(ctx, `INSERT INTO manufacturer_register (name, role, source, batch, note, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`, in.Name, string(in.Role), in.Source, in.Batch, in.Note, by, micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		if err := tx.event(ctx, p, actRegisterAdd, entityRegister, id, 0, "", string(in.Role), truncateUTF8(describeEntry(id, in), maxNoteBytes)); err != nil {
			return err
		}
		if orgID != 0 {
			if err := tx.bind(ctx, p, id, orgID); err != nil {
				return err
			}
		}
		e, err = tx.registerEntry(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateRegisterEntry corrects a live entry (a misread name, a later
// batch). A bound entry keeps its organisation only under the same name:
// renaming it away from the organisation's is refused, so a binding never
// stands for a name that differs (R2).
func (db *DB) UpdateRegisterEntry(ctx context.Context, p *ucx.Principal, id int64, version int, in *ucx.RegisterEntryInput) (*ucx.RegisterEntry, error) {
	const op = "sqlstore.UpdateRegisterEntry"
	if err := mayMaintainRegister(p); err != nil {
		return nil, err
	}
	if err := checkRegisterInput(in); err != nil {
		return nil, err
	}
	var e *ucx.RegisterEntry
	err := db.Update(ctx, op, func(tx *Tx) error {
		old, err := tx.liveEntry(ctx, id, version)
		if err != nil {
			return err
		}
		if old.OrgID != 0 && in.Name != old.OrgName {
			return ucx.FieldErrorf(ucx.ERULE, "name", "entry %d is bound to %q, whose legal name is not %q; unbind it first (R2: the letter is void under any other name)", id, old.OrgName, in.Name)
		}
		if err := tx.nameTaken(ctx, in.Name, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE manufacturer_register SET name = ?, role = ?, source = ?, batch = ?, note = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND retired_at IS NULL`, in.Name, string(in.Role), in.Source, in.Batch, in.Note, micros(tx.now), id, version)
		if err := oneRegisterRow(res, err, id); err != nil {
			return err
		}
		note := "corrected " + describeEntry(id, in)
		if old.Name != in.Name {
			note += "; was " + old.Name
		}
		if err := tx.event(ctx, p, actRegisterUpdate, entityRegister, id, 0, string(old.Role), string(in.Role), truncateUTF8(note, maxNoteBytes)); err != nil {
			return err
		}
		e, err = tx.registerEntry(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func oneRegisterRow(res sql.Result, err error, id int64) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ucx.Errorf(ucx.ECONFLICT, "register entry %d changed meanwhile; reload", id)
	}
	return nil
}

// RetireRegisterEntry retires a live entry (struck from the announcement,
// or superseded) with a note; its organisation, if any, is unbound and can
// no longer confirm until bound to another entry.
func (db *DB) RetireRegisterEntry(ctx context.Context, p *ucx.Principal, id int64, version int, note string) (*ucx.RegisterEntry, error) {
	const op = "sqlstore.RetireRegisterEntry"
	if err := mayMaintainRegister(p); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "say why the entry is retired (struck from the announcement, superseded by a corrected entry …)")
	case len(note) > maxNoteBytes:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "the note is longer than %d bytes", maxNoteBytes)
	}
	var e *ucx.RegisterEntry
	err := db.Update(ctx, op, func(tx *Tx) error {
		old, err := tx.liveEntry(ctx, id, version)
		if err != nil {
			return err
		}
		if old.OrgID != 0 {
			if err := tx.unbind(ctx, p, old, "entry retired: "+note); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, "UPDATE manufacturer_register SET retired_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND retired_at IS NULL",
			micros(tx.now), micros(tx.now), id)
		if err := oneRegisterRow(res, err, id); err != nil {
			return err
		}
		if err := tx.event(ctx, p, actRegisterRetire, entityRegister, id, 0, string(old.Role), "retired",
			truncateUTF8("register entry "+itoa(id)+" ("+old.Name+") retired: "+note, maxNoteBytes)); err != nil {
			return err
		}
		e, err = tx.registerEntry(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// BindOrg binds manufacturer orgID to live entry id; the names must be
// equal, byte for byte (R2).
func (db *DB) BindOrg(ctx context.Context, p *ucx.Principal, id, orgID int64) (*ucx.RegisterEntry, error) {
	const op = "sqlstore.BindOrg"
	if err := mayMaintainRegister(p); err != nil {
		return nil, err
	}
	var e *ucx.RegisterEntry
	err := db.Update(ctx, op, func(tx *Tx) error {
		if err := tx.bind(ctx, p, id, orgID); err != nil {
			return err
		}
		var err error
		e, err = tx.registerEntry(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// bind is BindOrg in the caller's transaction; p nil is the system
// (BootstrapRegisterEntry).
func (tx *Tx) bind(ctx context.Context, p *ucx.Principal, id, orgID int64) error {
	e, err := tx.liveEntry(ctx, id, -1)
	if err != nil {
		return err
	}
	o, err := tx.orgByID(ctx, orgID)
	if ucx.ErrorCode(err) == ucx.ENOTFOUND {
		return ucx.FieldErrorf(ucx.ENOTFOUND, "org_id", "organisation %d not found", orgID)
	}
	if err != nil {
		return err
	}
	if o.Kind != ucx.KindManufacturer {
		return ucx.FieldErrorf(ucx.ERULE, "org_id", "%s is a %s; only an organisation of kind manufacturer is bound to the manufacturer register (R2)", o.Name, o.Kind)
	}
	if o.Name != e.Name {
		return ucx.FieldErrorf(ucx.ERULE, "org_id", "the organisation's legal name %q is not the entry's %q; R2 wants exactly the name in MIIT's 道路机动车辆生产企业公告, so correct the entry (or the organisation) until they are equal", o.Name, e.Name)
	}
	switch {
	case e.OrgID == orgID:
		return ucx.FieldErrorf(ucx.ECONFLICT, "org_id", "%s is bound to entry %d already", o.Name, id)
	case e.OrgID != 0:
		return ucx.FieldErrorf(ucx.ECONFLICT, "org_id", "entry %d is bound to organisation %d already; unbind it first", id, e.OrgID)
	case o.RegisterEntryID != 0:
		return ucx.FieldErrorf(ucx.ECONFLICT, "org_id", "%s is bound to entry %d already; unbind it there first", o.Name, o.RegisterEntryID)
	}
	var by any
	if p != nil {
		by = nullID(p.UserID)
	}
	res, err := tx.Exec(ctx, "UPDATE manufacturer_register SET org_id = ?, bound_by = ?, bound_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND org_id IS NULL AND retired_at IS NULL",
		orgID, by, micros(tx.now), micros(tx.now), id)
	if err := oneRegisterRow(res, err, id); err != nil {
		return err
	}
	note := "bound to register entry " + itoa(id) + ": " + e.Name + " (" + string(e.Role) + "), " + e.Batch + ", " + e.Source
	if !e.Role.MayConfirm() {
		note += "; it cannot confirm: " + e.Role.Exclusion()
	}
	return tx.event(ctx, p, actRegisterBind, entityOrg, orgID, 0, "", string(e.Role), truncateUTF8(note, maxNoteBytes))
}

// UnbindOrg removes entry id's binding, with a note; the organisation can
// no longer confirm (R2).
func (db *DB) UnbindOrg(ctx context.Context, p *ucx.Principal, id int64, note string) (*ucx.RegisterEntry, error) {
	const op = "sqlstore.UnbindOrg"
	if err := mayMaintainRegister(p); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "say why the organisation is unbound; its admins read it in its audit trail")
	case len(note) > maxNoteBytes:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "note", "the note is longer than %d bytes", maxNoteBytes)
	}
	var e *ucx.RegisterEntry
	err := db.Update(ctx, op, func(tx *Tx) error {
		old, err := tx.registerEntry(ctx, id)
		if err != nil {
			return err
		}
		if old.OrgID == 0 {
			return ucx.Errorf(ucx.ERULE, "register entry %d is bound to no organisation", id)
		}
		if err := tx.unbind(ctx, p, old, note); err != nil {
			return err
		}
		e, err = tx.registerEntry(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// unbind removes e's binding with the audit event on its organisation.
func (tx *Tx) unbind(ctx context.Context, p *ucx.Principal, e *ucx.RegisterEntry, note string) error {
	res, err := tx.Exec(ctx, "UPDATE manufacturer_register SET org_id = NULL, bound_by = NULL, bound_at = NULL, version = version + 1, updated_at = ? WHERE id = ? AND org_id = ?",
		micros(tx.now), e.ID, e.OrgID)
	if err := oneRegisterRow(res, err, e.ID); err != nil {
		return err
	}
	return tx.event(ctx, p, actRegisterUnbind, entityOrg, e.OrgID, 0, string(e.Role), "",
		truncateUTF8("unbound from register entry "+itoa(e.ID)+" ("+e.Name+"); it cannot confirm until bound again (R2): "+note, maxNoteBytes))
}

// mayConfirm checks R2 for manufacturer mfr before it approves anything:
// it must be bound to a live register entry whose name is its own legal
// name, exactly, and whose role is vehicle manufacturer. An unbound (or
// renamed) manufacturer is EUNREGISTERED, with what to do; an excluded
// role (sales subsidiary, overseas sales department, authorised dealer,
// modifier) is ERULE naming the Guidelines' exclusion.
func (tx *Tx) mayConfirm(ctx context.Context, mfr *ucx.Org) error {
	var id int64
	var name, role string
	err := tx.QueryRow(ctx, "SELECT id, name, role FROM manufacturer_register WHERE org_id = ? AND retired_at IS NULL", mfr.ID).Scan(&id, &name, &role)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ucx.Errorf(ucx.EUNREGISTERED, "%s is not bound to an entry of the manufacturer register, so it cannot confirm yet: only the vehicle's manufacturer, under its exact name in MIIT's 道路机动车辆生产企业公告, may (R2). Ask the platform operator to bind your organisation to its register entry; until then you may still refuse requests", mfr.Name)
	case err != nil:
		return err
	}
	if name != mfr.Name {
		return ucx.Errorf(ucx.EUNREGISTERED, "register entry %d reads %q, not your legal name %q, and the letter is void under any other name (R2); ask the platform operator to correct the entry or your organisation's name", id, name, mfr.Name)
	}
	// The Guidelines' exclusions, each worded whole so that it translates.
	switch ucx.RegisterRole(role) {
	case ucx.RegisterVehicleManufacturer:
		return nil
	case ucx.RegisterSalesSubsidiary:
		return ucx.Errorf(ucx.ERULE, "%s is in the manufacturer register (entry %d) as a sales subsidiary (销售子公司), which may not issue the confirmation letter (R2; the Guidelines); refuse the request (code not_our_vehicle) or ask the operator if the entry is wrong", mfr.Name, id)
	case ucx.RegisterOverseasSales:
		return ucx.Errorf(ucx.ERULE, "%s is in the manufacturer register (entry %d) as an overseas sales department (海外销售部门), which may not issue the confirmation letter (R2; the Guidelines); refuse the request (code not_our_vehicle) or ask the operator if the entry is wrong", mfr.Name, id)
	case ucx.RegisterAuthorisedDealer:
		return ucx.Errorf(ucx.ERULE, "%s is in the manufacturer register (entry %d) as an authorised overseas dealer (授权海外经销商), which may not issue the confirmation letter (R2; the Guidelines); refuse the request (code not_our_vehicle) or ask the operator if the entry is wrong", mfr.Name, id)
	case ucx.RegisterModifier:
		return ucx.Errorf(ucx.ERULE, "%s is in the manufacturer register (entry %d) as a modified-vehicle manufacturer (改装车生产企业), which may not issue the confirmation letter (R2; the Guidelines); refuse the request (code not_our_vehicle) or ask the operator if the entry is wrong", mfr.Name, id)
	}
	return ucx.Errorf(ucx.ERULE, "register entry %d has the unknown role %q, so %s cannot confirm (R2); ask the operator to correct the entry", id, role, mfr.Name)
}
