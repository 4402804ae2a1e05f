package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/vin"
)

var _ ucx.ApplicationService = (*DB)(nil)

const appColumns = "a.id, a.exporter_id, a.manufacturer_id, a.state, a.version, a.application_date, a.data, a.decision, a.created_at, a.updated_at, a.shipment_id"

// liveCondition selects the applications that hold their VIN. It must match the predicate of the applications_live_vin index:
// a withdrawn or refused application frees the VIN for a new filing.
const liveCondition = "state NOT IN ('withdrawn', 'refused')"

func errNoApplication(id int64) error {
	return ucx.Errorf(ucx.ENOTFOUND, "application %d not found", id)
}

// staleApplication is the answer to an action on a version the caller no
// longer has: someone (or something) changed the application in between.
func staleApplication(cur int) error {
	return ucx.Errorf(ucx.ECONFLICT, "the application changed since you read it (version %d); reload", cur)
}

func scanApplication(sc interface{ Scan(...any) error }) (*ucx.Application, error) {
	var a ucx.Application
	var mfr, appDate, shipment sql.NullInt64
	var state, data, decision string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.ExporterID, &mfr, &state, &a.Version, &appDate, &data, &decision, &created, &updated, &shipment); err != nil {
		return nil, err
	}
	a.ManufacturerID, a.State, a.ApplicationDate, a.ShipmentID = mfr.Int64, ucx.State(state), optDate(appDate), shipment.Int64
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(data), &a.ApplicationInput); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(decision), &a.Decision); err != nil {
		return nil, err
	}
	// HasDays is not stored (json:"-"); the days are known unless the
	// dates themselves made the decision invalid.
	a.Decision.HasDays = a.Decision.DaysSinceRegistration != 0 || a.Decision.Outcome != ucx.Invalid
	return &a, nil
}

// application reads one application that p may see (workflowScope), and
// ENOTFOUND otherwise: an application of another organisation is, to the
// caller, one that does not exist.
func (tx *Tx) application(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Application, error) {
	scope, args, err := workflowScope(p)
	if err != nil {
		return nil, err
	}
	a, err := scanApplication(tx.QueryRow(ctx, "SELECT "+appColumns+" FROM applications a WHERE a.id = ? AND "+scope, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnseen(p, false, id)
	}
	return a, err
}

// applicationAt loads an application the caller may see, at the version
// the caller saw: another version is ECONFLICT (staleApplication).
func (tx *Tx) applicationAt(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Application, error) {
	a, err := tx.application(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Version != version {
		return nil, staleApplication(a.Version)
	}
	return a, nil
}

// prepareInput copies, normalises and checks an application as filed. The
// VIN is normalised by package vin too (full-width characters, stray
// spaces), then its check digit checked: every rule is keyed by VIN.
func prepareInput(in *ucx.ApplicationInput) (*ucx.ApplicationInput, error) {
	if in == nil {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle", "the application is missing")
	}
	x := *in
	if in.Vehicle.MileageKM != nil {
		m := *in.Vehicle.MileageKM
		x.Vehicle.MileageKM = &m
	}
	x.Vehicle.VIN = vin.Normalize(x.Vehicle.VIN)
	x.Normalize()
	x.InspectionReport = strings.TrimSpace(x.InspectionReport)
	if err := x.Validate(); err != nil {
		return nil, err
	}
	if err := vin.Validate(x.Vehicle.VIN); err != nil {
		var ve *vin.Error
		if errors.As(err, &ve) {
			return nil, ve.AsUCX("vehicle.vin")
		}
		return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle.vin", "%s", err.Error())
	}
	return &x, nil
}

// policy returns the policy in force: DB.Policy, or the embedded default
// if a caller cleared it.
func (db *DB) policy() *policy.Policy {
	if db.Policy == nil {
		return policy.Default()
	}
	return db.Policy
}

// decide runs the policy on the application as filed on date on.
func (db *DB) decide(in *ucx.ApplicationInput, on ucx.Date) ucx.Decision {
	pv := in.PolicyVehicle(on)
	var d ucx.Decision
	db.policy().Decide(&pv, &d)
	return d
}

// CreateApplication files an application for the caller's own exporter:
// only an exporter files, and only for itself (R10: 谁出口谁申领). The input
// is normalised and checked (EINVALID naming the field; nothing is
// written), the VIN routed to its manufacturer (routeVIN), and the policy
// run with today's date in China time (R1). With in.Submit it is submitted
// in the same transaction, so either both happen or neither.
//
// With opts.IdempotencyKey, a retry with the same key and the same input
// returns the first application with created=false; the same key with a
// different input is ECONFLICT. One live application per VIN: a second is
// ECONFLICT naming the VIN.
//
// Filings are group-committed (group.go): everything but the SQL is done
// here, in the caller's goroutine, and the writes run in a savepoint of a
// transaction shared with the other filings waiting at the time. It
// returns once that transaction committed.
func (db *DB) CreateApplication(ctx context.Context, p *ucx.Principal, in *ucx.ApplicationInput, opts ucx.CreateOptions) (*ucx.Application, bool, error) {
	const op = "sqlstore.CreateApplication"
	f, err := db.prepareFiling(p, in, opts)
	if err != nil {
		return nil, false, err
	}
	var app *ucx.Application
	var created bool
	err = db.grouped(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		app, created, err = db.file(ctx, tx, f)
		return err
	})
	if err != nil {
		return nil, false, db.wrap(op, err)
	}
	return app, created, nil
}

// prepareFiling does CreateApplication's work that needs no database: the
// caller's right to file, the input's checks, the request's hash, the
// policy's decision for today and the row's JSON.
func (db *DB) prepareFiling(p *ucx.Principal, in *ucx.ApplicationInput, opts ucx.CreateOptions) (*filing, error) {
	const op = "sqlstore.CreateApplication"
	if err := mayTake(p, ucx.StepFile); err != nil {
		return nil, err
	}
	x, err := prepareInput(in)
	if err != nil {
		return nil, err
	}
	f := &filing{p: p, x: x, key: strings.TrimSpace(opts.IdempotencyKey)}
	if len(f.key) > 200 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "idempotency_key", "the idempotency key is longer than 200 bytes")
	}
	body, err := json.Marshal(x)
	if err != nil {
		return nil, ucx.Internal(op, err)
	}
	sum := sha256.Sum256(body)
	f.reqHash = hex.EncodeToString(sum[:])
	// The stored input is the request without its submit flag, which is
	// last and omitted when false: mostly the very bytes just encoded.
	f.data = string(body)
	if x.Submit {
		draft := *x
		draft.Submit = false
		if f.data, err = toJSON(&draft); err != nil {
			return nil, ucx.Internal(op, err)
		}
	}
	f.search = searchText(x)
	if err := db.decideFiling(f, ucx.DateOf(db.Now())); err != nil {
		return nil, ucx.Internal(op, err)
	}
	if err := impossibleDate(&f.decision); err != nil {
		return nil, err
	}
	return f, nil
}

// impossibleDate returns EINVALID naming vehicle.transfer_date, in the
// policy's words, when the policy found the transfer-pending-export date
// before the registration date or after the application date (R5, R7):
// no draft is kept for dates that cannot be, the same verdict ucx check
// gives offline. Nil otherwise.
func impossibleDate(d *ucx.Decision) error {
	for i := range d.Reasons {
		switch r := &d.Reasons[i]; r.Code {
		case policy.CodeTransferBeforeRegistration, policy.CodeTransferAfterApplication:
			return ucx.FieldErrorf(ucx.EINVALID, "vehicle.transfer_date", "%s", r.Message)
		}
	}
	return nil
}

// checkOwner is R10 at filing: a certificate owner that is given must be
// the filing exporter's legal name (ucx.CertificateOwnerError), or nothing
// is written. An owner not given is let through: data filed before the
// field existed lack it, and the authority reads the certificate scan.
func (tx *Tx) checkOwner(ctx context.Context, exporterID int64, in *ucx.ApplicationInput) error {
	if in.Certificate.Owner == "" {
		return nil
	}
	var name string
	if err := tx.QueryRow(ctx, "SELECT name FROM orgs WHERE id = ?", exporterID).Scan(&name); err != nil {
		return err
	}
	return ucx.CertificateOwnerError(in, name)
}

// filing is one application on its way to the writer, with the work that
// needs no database done: the input prepared, the policy's decision for
// the date on, and the JSON and search text of the row.
type filing struct {
	p            *ucx.Principal
	x            *ucx.ApplicationInput
	key, reqHash string
	on           ucx.Date
	decision     ucx.Decision
	data, dec    string // JSON of the draft's input and of decision
	search       string
}

// decideFiling runs the policy on f as filed on date on.
func (db *DB) decideFiling(f *filing, on ucx.Date) error {
	f.on, f.decision = on, db.decide(f.x, on)
	var err error
	f.dec, err = toJSON(&f.decision)
	return err
}

// file writes f in tx: it claims the idempotency key (or returns the
// application the key already produced, created=false), inserts the
// draft and its audit event, and submits it when asked.
func (db *DB) file(ctx context.Context, tx *Tx, f *filing) (*ucx.Application, bool, error) {
	if f.key != "" {
		prior, err := tx.claimKey(ctx, f.p.OrgID, f.key, f.reqHash)
		if err != nil {
			return nil, false, err
		}
		if prior != 0 {
			app, err := tx.application(ctx, f.p, prior)
			return app, false, err
		}
	}
	if today := tx.today(); today != f.on {
		// The caller decided before midnight, China time, and the
		// transaction began after it: decide again for today (R1).
		if err := db.decideFiling(f, today); err != nil {
			return nil, false, err
		}
	}
	// A single-car application is a shipment of one (R4).
	sid, err := tx.insertShipment(ctx, f.p, &ucx.ShipmentInput{Destination: f.x.Destination, Buyer: f.x.Buyer, ContractNumber: f.x.ContractNumber})
	if err != nil {
		return nil, false, err
	}
	app, err := db.insertApplication(ctx, tx, f, sid)
	if err != nil {
		return nil, false, err
	}
	if f.x.Submit {
		// The submission's decision is the filing's: same input, same day.
		if err := db.submitDecided(ctx, tx, f.p, app, app.Decision, f.dec); err != nil {
			return nil, false, err
		}
	}
	if err := tx.refreshShipment(ctx, sid); err != nil {
		return nil, false, err
	}
	if f.key != "" {
		if _, err := tx.Exec(ctx, "UPDATE idempotency_keys SET entity_id = ? WHERE org_id = ? AND key = ?", app.ID, f.p.OrgID, f.key); err != nil {
			return nil, false, err
		}
	}
	return app, true, nil
}

// IdempotencyKeyTTL is how long an idempotency key is kept: a retry within
// it replays the first filing; after it the key is free again and the
// background worker (RunImports) deletes it. A day covers any client's
// retries, including a batch job rerun the next morning, while the table
// stays bounded. A variable so that tests can change it.
var IdempotencyKeyTTL = 24 * time.Hour

// keySweepBatch is how many expired keys one statement deletes, so that a
// backlog never holds the write lock (or a PostgreSQL transaction) long.
const keySweepBatch = 1000

// claimKey records an idempotency key for org, or finds it recorded. It
// returns the application the key already produced, or 0 when this request
// now owns the key. The key is inserted first, with ON CONFLICT: on
// PostgreSQL a concurrent request with the same key waits for ours to
// commit and then finds it, rather than filing twice. A key older than
// IdempotencyKeyTTL that the sweep has not deleted yet is taken over in
// the same statement, as if it were gone: expiry does not depend on when
// the sweep runs.
func (tx *Tx) claimKey(ctx context.Context, org int64, key, reqHash string) (int64, error) {
	res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (org_id, key, request, entity_id, created_at) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET request = excluded.request, entity_id = 0, created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ?`, org, key, reqHash, micros(tx.now), micros(tx.now.Add(-IdempotencyKeyTTL)))
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return 0, err
	}
	var prior string
	var id int64
	if err := tx.QueryRow(ctx, "SELECT request, entity_id FROM idempotency_keys WHERE org_id = ? AND key = ?", org, key).Scan(&prior, &id); err != nil {
		return 0, err
	}
	if prior != reqHash {
		return 0, ucx.FieldErrorf(ucx.ECONFLICT, "idempotency_key", "idempotency key reused with a different request; use a new key for a new application")
	}
	if id == 0 {
		return 0, ucx.FieldErrorf(ucx.ECONFLICT, "idempotency_key", "a request with this idempotency key is still being processed; retry in a moment")
	}
	return id, nil
}

// ExpireIdempotencyKeys deletes the idempotency keys older than
// IdempotencyKeyTTL, keySweepBatch a transaction, and returns how many it
// deleted. RunImports calls it now and then.
func (db *DB) ExpireIdempotencyKeys(ctx context.Context) (int, error) {
	const op = "sqlstore.ExpireIdempotencyKeys"
	total := 0
	for {
		var n int64
		err := db.Update(ctx, op, func(tx *Tx) error {
			res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE (org_id, key) IN
				(SELECT org_id, key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
				micros(tx.now.Add(-IdempotencyKeyTTL)), keySweepBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil || n < keySweepBatch {
			return total, err
		}
	}
}

// insertApplication writes a new draft of shipment shipmentID and its
// audit event. The live-VIN
// index is the check that the VIN has no live application: the insert
// does nothing on a conflict (on PostgreSQL after waiting for a concurrent
// filing of the VIN to end), and only then is the holder looked up to say
// who has it. One statement where a check and an insert were two.
func (db *DB) insertApplication(ctx context.Context, tx *Tx, f *filing, shipmentID int64) (*ucx.Application, error) {
	x, p := f.x, f.p
	if err := tx.checkOwner(ctx, p.OrgID, x); err != nil {
		return nil, err
	}
	v := x.Vehicle.VIN
	mfr, err := tx.routeVIN(ctx, v)
	if err != nil {
		return nil, err
	}
	filed, err := ucx.Next(ucx.StepFile, "")
	if err != nil {
		return nil, err
	}
	a := &ucx.Application{
		ExporterID:       p.OrgID,
		ApplicationInput: *x,
		State:            filed.To,
		Version:          1,
		Decision:         f.decision,
		ManufacturerID:   mfr,
		ShipmentID:       shipmentID,
		CreatedAt:        tx.now,
		UpdatedAt:        tx.now,
	}
	a.Submit = false
	err = tx.QueryRow(ctx, `INSERT INTO applications (exporter_id, manufacturer_id, vin, brand, model, destination, search,
		state, version, application_date, registration_date, outcome, letter_required, data, decision, created_at, updated_at, shipment_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (vin) WHERE `+liveCondition+` DO NOTHING RETURNING id`,
		a.ExporterID, nullID(mfr), v, x.Vehicle.Brand, x.Vehicle.Model, x.Destination, f.search,
		string(a.State), a.Version, x.Vehicle.RegistrationDate.Days(), a.Decision.Outcome.String(), boolInt(a.Decision.LetterRequired),
		f.data, f.dec, micros(tx.now), micros(tx.now), nullID(shipmentID)).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tx.liveVINConflict(ctx, p, v)
	}
	if err != nil {
		return nil, err
	}
	return a, tx.event(ctx, p, actAppCreate, entityApplication, a.ID, a.ID, "", string(a.State), v+" "+a.Decision.Outcome.String())
}

// liveVINConflict is the answer to filing VIN v while it has a live
// application: the caller's own is named, another exporter's is not.
func (tx *Tx) liveVINConflict(ctx context.Context, p *ucx.Principal, v string) error {
	var other, owner int64
	err := tx.QueryRow(ctx, "SELECT id, exporter_id FROM applications WHERE vin = ? AND "+liveCondition, v).Scan(&other, &owner)
	switch {
	case err == nil && owner == p.OrgID:
		return ucx.FieldErrorf(ucx.ECONFLICT, "vehicle.vin", "VIN %s already has an open application (%d); withdraw it before filing again", v, other)
	case err == nil || errors.Is(err, sql.ErrNoRows): // ended since the insert: still, it was live
		return ucx.FieldErrorf(ucx.ECONFLICT, "vehicle.vin", "VIN %s already has an open application with another exporter; one vehicle is exported once", v)
	}
	return err
}

// searchText is the search column of an application: the fields the list
// query matches, lower-cased here because SQLite's LOWER folds only ASCII
// and exporters search Chinese and Cyrillic buyers' names. A line break
// separates the fields, so a pattern never spans two.
func searchText(x *ucx.ApplicationInput) string {
	return strings.ToLower(x.Vehicle.VIN + "\n" + x.Vehicle.Brand + "\n" + x.Vehicle.Model + "\n" + x.Buyer + "\n" + x.ContractNumber)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wmiKey is the WMI a VIN routes by: positions 1–3, or for a small
// manufacturer (third character 9) positions 1–3 and 12–14, as package vin
// reads it.
func wmiKey(v string) string {
	if len(v) == vin.Len && v[2] == '9' {
		return v[:3] + v[11:14]
	}
	if len(v) < 3 {
		return v
	}
	return v[:3]
}

// routeVIN finds the manufacturer organisation a VIN's confirmation request
// goes to (R2: only the vehicle's manufacturer may confirm). A WMI that a
// manufacturer declared on the platform wins; otherwise package vin's
// built-in table names the manufacturer, which is matched to an
// organisation by its exact legal name (or, failing that, by a unique
// English name). 0 means no manufacturer on the platform: the application
// can still be filed, but not submitted if it needs a letter.
func (tx *Tx) routeVIN(ctx context.Context, v string) (int64, error) {
	if tx.routes == nil {
		return tx.lookupRoute(ctx, v)
	}
	key := wmiKey(v)
	if id, ok := tx.routes[key]; ok {
		return id, nil
	}
	id, err := tx.lookupRoute(ctx, v)
	if err == nil {
		tx.routes[key] = id
	}
	return id, err
}

// lookupRoute is routeVIN without the cache.
func (tx *Tx) lookupRoute(ctx context.Context, v string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT org_id FROM org_wmis WHERE wmi = ?", wmiKey(v)).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	e, ok := vin.DefaultTable().Lookup(v)
	if !ok {
		return 0, nil
	}
	for _, m := range []struct{ col, name string }{{"name", e.NameZH}, {"name_en", e.NameEN}} {
		if m.name == "" {
			continue
		}
		rows, err := tx.Query(ctx, "SELECT id FROM orgs WHERE kind = 'manufacturer' AND "+m.col+" = ? ORDER BY id LIMIT 2", m.name)
		if err != nil {
			return 0, err
		}
		var ids []int64
		for rows.Next() {
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(ids) == 1 {
			return ids[0], nil
		}
	}
	return 0, nil
}

// FindApplicationByID returns an application the caller may see (see
// workflowScope): an exporter its own, a manufacturer those it was asked to
// confirm, authorities and customs every filed one. Others are ENOTFOUND;
// the operator gets EFORBIDDEN.
func (db *DB) FindApplicationByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Application, error) {
	return viewValue(ctx, db, "sqlstore.FindApplicationByID", func(tx *Tx) (*ucx.Application, error) {
		return tx.application(ctx, p, id)
	})
}

// FindApplications lists the applications the caller may see that match
// f, in f.Sort (newest first by default), with the total count (capped or
// skipped as f.CountUpTo says). An exporter sees only its own whatever
// f.ExporterID says.
func (db *DB) FindApplications(ctx context.Context, p *ucx.Principal, f ucx.ApplicationFilter) ([]*ucx.Application, int, error) {
	const op = "sqlstore.FindApplications"
	scope, args, err := workflowScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	if err := sortOf(f.Sort, ucx.ApplicationSorts); err != nil {
		return nil, 0, err
	}
	conds := []string{scope}
	if f.State != "" {
		if !f.State.Valid() {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "unknown state %q", f.State)
		}
		conds, args = append(conds, "a.state = ?"), append(args, string(f.State))
	}
	if f.VIN != "" {
		conds, args = append(conds, "a.vin = ?"), append(args, vin.Normalize(f.VIN))
	}
	if f.Destination != "" {
		conds, args = append(conds, "a.destination = ?"), append(args, ucx.NormalizeCountry(f.Destination))
	}
	if f.Outcome != "" {
		if _, ok := ucx.ParseOutcome(f.Outcome); !ok {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "outcome", "outcome must be clear, letter-required, blocked or invalid")
		}
		conds, args = append(conds, "a.outcome = ?"), append(args, f.Outcome)
	}
	if f.ExporterID != 0 {
		conds, args = append(conds, "a.exporter_id = ?"), append(args, f.ExporterID)
	}
	if f.ManufacturerID != 0 {
		conds, args = append(conds, "a.manufacturer_id = ?"), append(args, f.ManufacturerID)
	}
	if conds, args, err = dayRange(conds, args, "a.application_date", f.From, f.To); err != nil {
		return nil, 0, err
	}
	q, err := searchQuery(f.Query)
	if err != nil {
		return nil, 0, err
	}
	if q != "" {
		c, qargs, err := db.search(ctx, q, "a.vin", "a.exporter_id", "a.id IN (SELECT l.application_id FROM licences l WHERE l.number = ?)", `a.search LIKE ? ESCAPE '\'`)
		if err != nil {
			return nil, 0, db.wrap(op, err)
		}
		conds, args = append(conds, c), append(args, qargs...)
	}
	return list(ctx, db, op, scanApplication, &listSpec{columns: appColumns, from: " FROM applications a", conds: conds, args: args,
		sort: defaultSort(f.Sort, ucx.Sort{Key: ucx.SortID, Desc: true}), cols: applicationSortCols, id: "a.id", after: f.After,
		countUpTo: f.CountUpTo, offset: offset, limit: limit})
}

// defaultSort is s, or def when s is the zero Sort.
func defaultSort(s, def ucx.Sort) ucx.Sort {
	if s.Key == "" {
		return def
	}
	return s
}

// SubmitApplication files a draft with the authority. The policy is run
// again with today as the application date (R1 counts to the date the
// licence is applied for); an invalid or blocked outcome is ERULE with the
// reasons to fix. When R1 asks for a letter the application awaits the
// manufacturer's confirmation and a request goes to its inbox; otherwise it
// goes straight to review.
func (db *DB) SubmitApplication(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Application, error) {
	const op = "sqlstore.SubmitApplication"
	if err := mayTake(p, ucx.StepSubmit); err != nil {
		return nil, err
	}
	var a *ucx.Application
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if a, err = tx.applicationAt(ctx, p, id, version); err != nil {
			return err
		}
		if _, err := ucx.Next(ucx.StepSubmit, a.State); err != nil {
			return err
		}
		if err := db.submit(ctx, tx, p, a); err != nil {
			return err
		}
		return tx.refreshShipment(ctx, a.ShipmentID)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// submit moves the draft a on (see SubmitApplication) and updates a.
func (db *DB) submit(ctx context.Context, tx *Tx, p *ucx.Principal, a *ucx.Application) error {
	d := db.decide(&a.ApplicationInput, tx.today())
	decision, err := toJSON(&d)
	if err != nil {
		return err
	}
	return db.submitDecided(ctx, tx, p, a, d, decision)
}

// submitDecided is submit with the policy's decision for today already
// made, and its JSON: CreateApplication makes them outside the transaction.
func (db *DB) submitDecided(ctx context.Context, tx *Tx, p *ucx.Principal, a *ucx.Application, d ucx.Decision, decision string) (err error) {
	today := tx.today()
	switch d.Outcome {
	case ucx.Invalid:
		return ucx.Errorf(ucx.ERULE, "the application cannot be submitted because its data are invalid: %s", reasonList(d.Reasons, ucx.Reject))
	case ucx.Blocked:
		return ucx.Errorf(ucx.ERULE, "the application cannot be submitted: %s; correct the data and submit again", reasonList(d.Reasons, ucx.Block))
	}
	step, mfr := ucx.StepSubmit, a.ManufacturerID
	if d.LetterRequired {
		if mfr == 0 {
			// The manufacturer may have joined or declared its WMI since
			// the draft was made.
			var err error
			if mfr, err = tx.routeVIN(ctx, a.Vehicle.VIN); err != nil {
				return err
			}
		}
		if mfr == 0 {
			return ucx.Errorf(ucx.ERULE, "R1 requires a confirmation from the manufacturer of VIN %s, but its manufacturer (WMI %s) is not on the platform, so none can be asked for; "+
				"ask the manufacturer to join ucx and declare its WMI, then submit again, or submit on or after %s, when no letter is needed",
				a.Vehicle.VIN, wmiKey(a.Vehicle.VIN), d.LetterFreeFrom)
		}
		step = ucx.StepSubmitForLetter
	}
	t, err := ucx.Next(step, a.State)
	if err != nil {
		return err
	}
	alone := a.ShipmentID == 0
	if alone {
		// Filed without a shipment (an imported row of no batch or
		// contract): it is submitted as a shipment of one (R4), so that
		// its letter and its licence have one.
		if a.ShipmentID, err = tx.insertShipment(ctx, p, &ucx.ShipmentInput{Destination: a.Destination, Buyer: a.Buyer, ContractNumber: a.ContractNumber}); err != nil {
			return err
		}
	}
	next := t.To
	res, err := tx.Exec(ctx, `UPDATE applications SET state = ?, version = version + 1, application_date = ?, outcome = ?, letter_required = ?,
		decision = ?, manufacturer_id = ?, updated_at = ?, shipment_id = ? WHERE id = ? AND version = ?`,
		string(next), today.Days(), d.Outcome.String(), boolInt(d.LetterRequired), decision, nullID(mfr), micros(tx.now), a.ShipmentID, a.ID, a.Version)
	if err := oneRow(res, err, a.Version); err != nil {
		return err
	}
	before := a.State
	a.State, a.Version, a.ApplicationDate, a.Decision, a.ManufacturerID, a.UpdatedAt = next, a.Version+1, today, d, mfr, tx.now
	if err := tx.event(ctx, p, actAppSubmit, entityApplication, a.ID, a.ID, string(before), string(next), d.Outcome.String()); err != nil {
		return err
	}
	if alone {
		defer func() {
			if err == nil {
				err = tx.refreshShipment(ctx, a.ShipmentID)
			}
		}()
	}
	if step != ucx.StepSubmitForLetter {
		return nil
	}
	// One letter per manufacturer and shipment (R4): the request joins
	// the shipment's pending letter to mfr, or opens one.
	lid, err := tx.letterFor(ctx, a, mfr)
	if err != nil {
		return err
	}
	rid, err := tx.InsertID(ctx, `INSERT INTO confirmation_requests (application_id, manufacturer_id, exporter_id, state, version, requested_at, letter_id)
		VALUES (?, ?, ?, ?, 1, ?, ?)`, a.ID, mfr, a.ExporterID, string(ucx.ConfirmationPending), micros(tx.now), nullID(lid))
	if err != nil {
		return err
	}
	if err := tx.queueRequestRules(ctx, rid, mfr); err != nil { // the manufacturer's own rules, once this commits (mfrrules.go)
		return err
	}
	return tx.event(ctx, p, actRequestCreate, entityRequest, rid, a.ID, "", string(ucx.ConfirmationPending), "R1: letter required")
}

// oneRow checks that a guarded UPDATE (… WHERE version = ?) changed its row;
// none means a concurrent change won, reported with the version the caller
// had.
func oneRow(res sql.Result, err error, version int) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return staleApplication(version)
	}
	return nil
}

// reasonList joins the messages of the reasons at severity s or above.
func reasonList(rs []ucx.Reason, s ucx.Severity) string {
	var msgs []string
	for _, r := range rs {
		if r.Severity >= s {
			msgs = append(msgs, r.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// WithdrawApplication withdraws the caller's own application before a
// licence is issued. A pending confirmation request is voided, so it
// leaves the manufacturer's inbox, and the VIN is free for a new filing.
func (db *DB) WithdrawApplication(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Application, error) {
	const op = "sqlstore.WithdrawApplication"
	if err := mayTake(p, ucx.StepWithdraw); err != nil {
		return nil, err
	}
	var a *ucx.Application
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if a, err = tx.applicationAt(ctx, p, id, version); err != nil {
			return err
		}
		if err := tx.withdraw(ctx, p, a, ""); err != nil {
			return err
		}
		if err := tx.refreshLetters(ctx, a.ShipmentID); err != nil {
			return err
		}
		return tx.refreshShipment(ctx, a.ShipmentID)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// withdraw withdraws application a, voiding its pending requests, with
// the audit events (note on the application's), and updates a; the caller
// refreshes its letters and shipment.
func (tx *Tx) withdraw(ctx context.Context, p *ucx.Principal, a *ucx.Application, note string) error {
	t, err := ucx.Next(ucx.StepWithdraw, a.State)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		string(t.To), micros(tx.now), a.ID, a.Version)
	if err := oneRow(res, err, a.Version); err != nil {
		return err
	}
	before := a.State
	a.State, a.Version, a.UpdatedAt = t.To, a.Version+1, tx.now
	if err := tx.event(ctx, p, actAppWithdraw, entityApplication, a.ID, a.ID, string(before), string(a.State), note); err != nil {
		return err
	}
	return tx.voidRequests(ctx, p, a.ID)
}

// voidRequests voids the application's pending confirmation requests.
func (tx *Tx) voidRequests(ctx context.Context, p *ucx.Principal, appID int64) error {
	rows, err := tx.Query(ctx, "SELECT id FROM confirmation_requests WHERE application_id = ? AND state = ?", appID, string(ucx.ConfirmationPending))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.Exec(ctx, "UPDATE confirmation_requests SET state = ?, version = version + 1 WHERE id = ?", string(ucx.ConfirmationVoid), id); err != nil {
			return err
		}
		if err := tx.event(ctx, p, actRequestVoid, entityRequest, id, appID, string(ucx.ConfirmationPending), string(ucx.ConfirmationVoid), "application withdrawn"); err != nil {
			return err
		}
	}
	return nil
}
