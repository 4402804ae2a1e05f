package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

var _ ucx.RequestService = (*DB)(nil)

const requestColumns = `r.id, r.application_id, r.manufacturer_id, r.exporter_id, r.state, r.version, r.outlet_ids, r.refusal_code, r.refusal_text,
	r.requested_at, r.answered_at, r.document, a.vin, a.brand, a.model, a.destination, a.registration_date,
	(SELECT d.digest FROM documents d WHERE d.kind = 'confirmation' AND d.entity_id = COALESCE(r.sealed_with, r.id) ORDER BY d.created_at DESC LIMIT 1),
	r.lane, r.priority, r.tag, r.sort_rule_id, r.sort_rule_version, r.answer_rule_id, r.answer_rule_version,
	(SELECT v.name FROM mfr_rule_versions v WHERE v.rule_id = r.sort_rule_id AND v.version = r.sort_rule_version),
	(SELECT v.name FROM mfr_rule_versions v WHERE v.rule_id = r.answer_rule_id AND v.version = r.answer_rule_version),
	r.letter_id`

const requestFrom = " FROM confirmation_requests r JOIN applications a ON a.id = r.application_id"

func errNoRequest(id int64) error {
	return ucx.Errorf(ucx.ENOTFOUND, "confirmation request %d not found", id)
}

func scanRequest(sc interface{ Scan(...any) error }) (*ucx.ConfirmationRequest, error) {
	var r ucx.ConfirmationRequest
	var state, outlets string
	var requested, reg int64
	var answered sql.NullInt64
	var digest sql.NullString
	var sortID, sortV, answerID, answerV sql.NullInt64
	var sortName, answerName sql.NullString
	var letter sql.NullInt64
	if err := sc.Scan(&r.ID, &r.ApplicationID, &r.ManufacturerID, &r.ExporterID, &state, &r.Version, &outlets, &r.RefusalCode, &r.RefusalText,
		&requested, &answered, &r.Document, &r.VIN, &r.Brand, &r.Model, &r.Destination, &reg, &digest,
		&r.Lane, &r.Priority, &r.Tag, &sortID, &sortV, &answerID, &answerV, &sortName, &answerName, &letter); err != nil {
		return nil, err
	}
	r.LetterID = letter.Int64
	if sortID.Valid {
		r.SortedByRule = &ucx.RuleRef{ID: sortID.Int64, Version: int(sortV.Int64), Name: sortName.String}
	}
	if answerID.Valid {
		r.AnsweredByRule = &ucx.RuleRef{ID: answerID.Int64, Version: int(answerV.Int64), Name: answerName.String}
	}
	if digest.Valid {
		r.DocumentDigest = "sha256:" + digest.String
	}
	r.State, r.RequestedAt, r.AnsweredAt = ucx.ConfirmationState(state), fromMicros(requested), optTime(answered)
	r.RegistrationDate = ucx.DateFromDays(int(reg))
	if err := json.Unmarshal([]byte(outlets), &r.OutletIDs); err != nil {
		return nil, err
	}
	return &r, nil
}

// requestScope returns the SQL condition, on confirmation_requests aliased
// r, that limits requests to those p may read: a manufacturer its own
// inbox only (R2), an exporter the requests for its applications, an
// authority those of its jurisdiction's exporters (a licence relies on
// them, R4; R14, jurisdictionScope), customs all. Anything else is
// invisible, so ids reveal nothing.
func requestScope(p *ucx.Principal) (string, []any, error) {
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	switch p.OrgKind {
	case ucx.KindManufacturer:
		return "r.manufacturer_id = ?", []any{p.OrgID}, nil
	case ucx.KindExporter:
		return "r.exporter_id = ?", []any{p.OrgID}, nil
	case ucx.KindAuthority:
		return jurisdictionScope(p, "", "r.exporter_id")
	case ucx.KindCustoms:
		return "1 = 1", nil, nil
	}
	return "", nil, errOperatorNoWorkflow()
}

func (tx *Tx) request(ctx context.Context, p *ucx.Principal, id int64) (*ucx.ConfirmationRequest, error) {
	scope, args, err := requestScope(p)
	if err != nil {
		return nil, err
	}
	r, err := scanRequest(tx.QueryRow(ctx, "SELECT "+requestColumns+requestFrom+" WHERE r.id = ? AND "+scope, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRequest(id)
	}
	if err != nil {
		return nil, err
	}
	hideSorting(p, r)
	return r, nil
}

// hideSorting blanks where the manufacturer's rules sorted its inbox for
// everyone but the manufacturer: its lanes are its own business. Who
// answered (AnsweredByRule) stays for all who read the request.
func hideSorting(p *ucx.Principal, rs ...*ucx.ConfirmationRequest) {
	if p.Is(ucx.KindManufacturer) {
		return
	}
	for _, r := range rs {
		r.Lane, r.Priority, r.Tag, r.SortedByRule = "", 0, "", nil
	}
}

// FindRequestByID returns a confirmation request the caller may see (see
// requestScope); any other is ENOTFOUND, never EFORBIDDEN, so that a
// manufacturer cannot learn which other makers' requests exist.
func (db *DB) FindRequestByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.ConfirmationRequest, error) {
	return viewValue(ctx, db, "sqlstore.FindRequestByID", func(tx *Tx) (*ucx.ConfirmationRequest, error) {
		return tx.request(ctx, p, id)
	})
}

// FindRequests lists the confirmation requests the caller may see that
// match f, with the total count (capped or skipped as f.CountUpTo says).
// A manufacturer's inbox is oldest first by default, so requests are
// answered in the order they came; everyone else sees newest first.
func (db *DB) FindRequests(ctx context.Context, p *ucx.Principal, f ucx.RequestFilter) ([]*ucx.ConfirmationRequest, int, error) {
	const op = "sqlstore.FindRequests"
	scope, args, err := requestScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	if err := sortOf(f.Sort, ucx.RequestSorts); err != nil {
		return nil, 0, err
	}
	conds := []string{scope}
	joined := false // a condition reads the application
	if f.State != "" {
		if !f.State.Valid() {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be pending, approved, refused or void")
		}
		conds, args = append(conds, "r.state = ?"), append(args, string(f.State))
	}
	if f.Lane != "" || f.Tag != "" {
		if !p.Is(ucx.KindManufacturer) {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "lane", "lanes and tags sort a manufacturer's own inbox; only a manufacturer filters by them")
		}
		if f.Lane != "" {
			conds, args = append(conds, "r.lane = ?"), append(args, f.Lane)
		}
		if f.Tag != "" {
			conds, args = append(conds, "r.tag = ?"), append(args, f.Tag)
		}
	}
	if len(f.States) > 0 {
		in := make([]any, len(f.States))
		for i, st := range f.States {
			if !st.Valid() {
				return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be pending, approved, refused or void")
			}
			in[i] = string(st)
		}
		conds, args = append(conds, "r.state IN ("+placeholders(len(in))+")"), append(args, in...)
	}
	if f.ExporterID != 0 {
		conds, args = append(conds, "r.exporter_id = ?"), append(args, f.ExporterID)
	}
	if f.ManufacturerID != 0 {
		conds, args = append(conds, "r.manufacturer_id = ?"), append(args, f.ManufacturerID)
	}
	c, cargs, err := idList("application_ids", "r.application_id", f.ApplicationIDs)
	if err != nil {
		return nil, 0, err
	}
	if c != "" {
		conds, args = append(conds, c), append(args, cargs...)
	}
	if f.VIN != "" {
		conds, args, joined = append(conds, "a.vin = ?"), append(args, vin.Normalize(f.VIN)), true
	}
	if f.Destination != "" {
		conds, args, joined = append(conds, "a.destination = ?"), append(args, ucx.NormalizeCountry(f.Destination)), true
	}
	if conds, args, err = instantRange(conds, args, "r.requested_at", f.From, f.To); err != nil {
		return nil, 0, err
	}
	q, err := searchQuery(f.Query)
	if err != nil {
		return nil, 0, err
	}
	if q != "" {
		c, qargs, err := db.search(ctx, q, "a.vin", "r.exporter_id", "r.application_id IN (SELECT l.application_id FROM licences l WHERE l.number = ?)",
			`LOWER(a.vin) LIKE ? ESCAPE '\'`)
		if err != nil {
			return nil, 0, db.wrap(op, err)
		}
		conds, args, joined = append(conds, c), append(args, qargs...), true
	}
	// A manufacturer's inbox is by the priority its rules gave (all 0
	// without rules), then oldest first.
	def := ucx.Sort{Key: ucx.SortID, Desc: true}
	if p.OrgKind == ucx.KindManufacturer {
		def = ucx.Sort{Key: ucx.SortPriority, Desc: true}
	}
	spec := &listSpec{columns: requestColumns, from: requestFrom, conds: conds, args: args,
		sort: defaultSort(f.Sort, def), cols: requestSortCols, id: "r.id", after: f.After,
		countUpTo: f.CountUpTo, offset: offset, limit: limit}
	if !joined {
		spec.countFrom = " FROM confirmation_requests r"
	}
	rs, total, err := list(ctx, db, op, scanRequest, spec)
	hideSorting(p, rs...)
	return rs, total, err
}

// viewValue runs fn in a read transaction and returns what it read.
func viewValue[T any](ctx context.Context, db *DB, op string, fn func(tx *Tx) (T, error)) (T, error) {
	var v T
	err := db.View(ctx, op, func(tx *Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// queryAll runs query and scans each of its rows with scan, in order; no
// rows is a nil slice.
func queryAll[T any](ctx context.Context, tx *Tx, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanID scans a row of one integer column, for queryAll.
func scanID(sc interface{ Scan(...any) error }) (int64, error) {
	var id int64
	err := sc.Scan(&id)
	return id, err
}

// staleRequest answers an action on a request version the caller no longer
// has.
func staleRequest(cur int) error {
	return ucx.Errorf(ucx.ECONFLICT, "the request changed since you read it (version %d); reload", cur)
}

// answerable loads a request the manufacturer p may answer now: its own,
// at the version the caller saw, still pending.
func (tx *Tx) answerable(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.ConfirmationRequest, error) {
	r, err := tx.request(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.Version != version {
		return nil, staleRequest(r.Version)
	}
	if r.State != ucx.ConfirmationPending {
		return nil, ucx.Errorf(ucx.ERULE, "the request is already %s; only a pending request can be answered", r.State)
	}
	return r, nil
}

// ApproveRequest approves a confirmation request of the caller's own
// manufacturer (R2) with the chosen overseas outlets, which must be its own
// and in the application's destination country (R3). It builds the
// confirmation document (confirmationDocument), seals it with the
// manufacturer's custodial key when sealing is on (see
// ApproveRequestSealed), and moves the application on to review. Returns
// ENOTFOUND for another manufacturer's request, ECONFLICT for a stale
// version, ERULE when it is not pending, has no outlet in the destination
// or (sealing on) the manufacturer has no custodial key, EINVALID for an
// outlet that is not the manufacturer's.
func (db *DB) ApproveRequest(ctx context.Context, p *ucx.Principal, id int64, version int, outletIDs []int64) (*ucx.ConfirmationRequest, error) {
	return db.ApproveRequestSealed(ctx, p, id, version, outletIDs, nil)
}

// ApproveRequestSealed is ApproveRequest with the confirmation sealed by
// the manufacturer itself: envelope is ConfirmationToSeal's document
// sealed offline with ucx seal, and it is accepted only if its seal
// verifies for the caller's organisation against the current trust list
// and its document is exactly the platform's (see sealDoc). A nil envelope
// seals with the custodial key. The sealed confirmation is stored in the
// same transaction as the approval (R3: the letter bears the seal).
func (db *DB) ApproveRequestSealed(ctx context.Context, p *ucx.Principal, id int64, version int, outletIDs []int64, envelope []byte) (*ucx.ConfirmationRequest, error) {
	const op = "sqlstore.ApproveRequest"
	if err := mayTake(p, ucx.StepConfirm); err != nil {
		return nil, err
	}
	ids := dedupIDs(outletIDs)
	var r *ucx.ConfirmationRequest
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if r, err = tx.answerable(ctx, p, id, version); err != nil {
			return err
		}
		return tx.approve(ctx, p, r, ids, envelope, "")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// approve approves the pending request r, which p's manufacturer may
// answer (the caller checked), with the outlets ids (deduplicated) and
// updates r: the body of ApproveRequestSealed, shared with the
// manufacturer's own rules (mfrrules.go), whose automatic answers give
// the rule in by, which the audit notes carry.
func (tx *Tx) approve(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, ids []int64, envelope []byte, by string) error {
	mfr, chosen, err := tx.chosenOutlets(ctx, p, r, ids)
	if err != nil {
		return err
	}
	doc, env, _, err := tx.sealDoc(ctx, p.OrgID, envelope, func(on ucx.Date) ([]byte, error) {
		return confirmationDoc(r, mfr, chosen, on)
	})
	if err != nil {
		return err
	}
	if err := tx.approveOne(ctx, p, r, ids, doc, r.ID, by); err != nil {
		return err
	}
	if err := tx.afterAnswer(ctx, r); err != nil {
		return err
	}
	if env == nil {
		return nil
	}
	// Last, with its log leaf (storeDocument): the confirmation names
	// the exporter who asked for it.
	d, err := tx.storeDocument(ctx, ucx.DocConfirmation, r.ID, p.OrgID, []int64{r.ExporterID}, doc, env, "")
	if err == nil {
		r.DocumentDigest = d.Digest
	}
	return err
}

// approveOne records the approval of pending request r with outlets ids
// and the confirmation doc, stored (by the caller) under request lead —
// r itself, or the first VIN of a letter's answer, sealed once for all
// (R4) — and moves its vehicle on to review, with the audit events. It
// updates r.
func (tx *Tx) approveOne(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, ids []int64, doc []byte, lead int64, by string) error {
	id, version := r.ID, r.Version
	outlets, err := toJSON(ids)
	if err != nil {
		return err
	}
	var sealedWith any
	if lead != id {
		sealedWith = lead
	}
	// The application first, as WithdrawApplication does: rows are
	// locked in one order, so the two never deadlock on PostgreSQL.
	t, err := tx.moveApplication(ctx, r.ApplicationID, ucx.StepConfirm)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE confirmation_requests SET state = ?, version = version + 1, outlet_ids = ?, answered_at = ?, document = ?, sealed_with = ?
		WHERE id = ? AND version = ? AND state = ?`,
		string(ucx.ConfirmationApproved), outlets, micros(tx.now), doc, sealedWith, id, version, string(ucx.ConfirmationPending))
	if err := oneRequestRow(res, err, version); err != nil {
		return err
	}
	if err := tx.event(ctx, p, actRequestApprove, entityRequest, id, r.ApplicationID, string(ucx.ConfirmationPending), string(ucx.ConfirmationApproved), by); err != nil {
		return err
	}
	appNote := "confirmation " + itoa(id) + " approved"
	if by != "" {
		appNote += " by " + by
	}
	if err := tx.event(ctx, p, actAppConfirmed, entityApplication, r.ApplicationID, r.ApplicationID,
		string(t.From), string(t.To), appNote); err != nil {
		return err
	}
	now := tx.now
	r.State, r.Version, r.OutletIDs, r.AnsweredAt, r.Document = ucx.ConfirmationApproved, r.Version+1, ids, &now, doc
	return nil
}

// ConfirmationToSeal returns the confirmation document that approving
// request id with outletIDs today would produce: what a manufacturer
// without a custodial key seals offline (ucx seal) and sends back with
// ApproveRequestSealed. The same checks as the approval apply, so a
// document that could not be approved is never handed out.
func (db *DB) ConfirmationToSeal(ctx context.Context, p *ucx.Principal, id int64, outletIDs []int64) ([]byte, error) {
	if err := mayTake(p, ucx.StepConfirm); err != nil {
		return nil, err
	}
	var doc []byte
	err := db.View(ctx, "sqlstore.ConfirmationToSeal", func(tx *Tx) error {
		r, err := tx.request(ctx, p, id)
		if err != nil {
			return err
		}
		if r.State != ucx.ConfirmationPending {
			return ucx.Errorf(ucx.ERULE, "the request is already %s; only a pending request can be answered", r.State)
		}
		mfr, chosen, err := tx.chosenOutlets(ctx, p, r, dedupIDs(outletIDs))
		if err != nil {
			return err
		}
		doc, err = confirmationDoc(r, mfr, chosen, tx.today())
		return err
	})
	return doc, err
}

func dedupIDs(in []int64) []int64 {
	var ids []int64
	for _, id := range in {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// confirmer loads the caller's manufacturer and checks that it may
// confirm at all: bound to its manufacturer register entry under its
// exact name, as a vehicle manufacturer (R2, mayConfirm).
func (tx *Tx) confirmer(ctx context.Context, p *ucx.Principal) (*ucx.Org, error) {
	mfr, err := tx.orgByID(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	if err := tx.mayConfirm(ctx, mfr); err != nil {
		return nil, err
	}
	return mfr, nil
}

// chosenOutlets checks that p's manufacturer may confirm (confirmer) and
// the outlets chosen for request r: at least one, all the manufacturer's
// own, all in the destination (R3).
func (tx *Tx) chosenOutlets(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, ids []int64) (*ucx.Org, []*ucx.Outlet, error) {
	mfr, err := tx.confirmer(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	chosen, err := outletsFor(mfr, r, ids)
	return mfr, chosen, err
}

// outletsFor checks the outlets ids chosen for request r of manufacturer
// mfr (R3).
func outletsFor(mfr *ucx.Org, r *ucx.ConfirmationRequest, ids []int64) ([]*ucx.Outlet, error) {
	if len(mfr.OutletsIn(r.Destination)) == 0 {
		return nil, ucx.Errorf(ucx.ERULE, "no outlet in %s (R3): add an overseas after-sales outlet there first, or refuse the request with code no_service_network", r.Destination)
	}
	if len(ids) == 0 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "outlet_ids", "choose at least one of your outlets in %s to serve this vehicle (R3)", r.Destination)
	}
	var chosen []*ucx.Outlet
	for _, oid := range ids {
		i := slices.IndexFunc(mfr.Outlets, func(ot *ucx.Outlet) bool { return ot.ID == oid })
		if i < 0 {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "outlet_ids", "outlet %d is not one of your outlets", oid)
		}
		if ot := mfr.Outlets[i]; ot.Country != r.Destination {
			return nil, ucx.FieldErrorf(ucx.ERULE, "outlet_ids", "outlet %d (%s) is in %s, not in the destination %s (R3)", oid, ot.Provider, ot.Country, r.Destination)
		}
		chosen = append(chosen, mfr.Outlets[i])
	}
	return chosen, nil
}

// RefuseRequest refuses a confirmation request of the caller's own
// manufacturer with a code from ucx.RefusalCodes and a text (required for
// "other"). The application is refused with the manufacturer's reason; the
// exporter may file again later.
func (db *DB) RefuseRequest(ctx context.Context, p *ucx.Principal, id int64, version int, code, text string) (*ucx.ConfirmationRequest, error) {
	const op = "sqlstore.RefuseRequest"
	if err := mayTake(p, ucx.StepRefuseConfirmation); err != nil {
		return nil, err
	}
	code, text, err := checkRefusal(code, text)
	if err != nil {
		return nil, err
	}
	var r *ucx.ConfirmationRequest
	err = db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if r, err = tx.answerable(ctx, p, id, version); err != nil {
			return err
		}
		return tx.refuse(ctx, p, r, code, text, "")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// refuse refuses the pending request r, which p's manufacturer may answer
// (the caller checked), with a checked code and text, and updates r: the
// body of RefuseRequest, shared with the manufacturer's own rules
// (mfrrules.go), whose automatic answers give the rule in by, which
// prefixes the audit notes.
func (tx *Tx) refuse(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, code, text, by string) error {
	if err := tx.refuseOne(ctx, p, r, code, text, by); err != nil {
		return err
	}
	return tx.afterAnswer(ctx, r)
}

// refuseOne records the refusal of pending request r and refuses its
// vehicle, with the audit events; it updates r. The caller refreshes the
// letter and the shipment.
func (tx *Tx) refuseOne(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, code, text, by string) error {
	id, version := r.ID, r.Version
	t, err := tx.moveApplication(ctx, r.ApplicationID, ucx.StepRefuseConfirmation)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE confirmation_requests SET state = ?, version = version + 1, refusal_code = ?, refusal_text = ?, answered_at = ?
		WHERE id = ? AND version = ? AND state = ?`,
		string(ucx.ConfirmationRefused), code, text, micros(tx.now), id, version, string(ucx.ConfirmationPending))
	if err := oneRequestRow(res, err, version); err != nil {
		return err
	}
	note := refusalNote(code, text)
	if by != "" {
		note = by + ": " + note
	}
	if err := tx.event(ctx, p, actRequestRefuse, entityRequest, id, r.ApplicationID, string(ucx.ConfirmationPending), string(ucx.ConfirmationRefused), note); err != nil {
		return err
	}
	if err := tx.event(ctx, p, actAppRefused, entityApplication, r.ApplicationID, r.ApplicationID,
		string(t.From), string(t.To), "manufacturer: "+note); err != nil {
		return err
	}
	now := tx.now
	r.State, r.Version, r.RefusalCode, r.RefusalText, r.AnsweredAt = ucx.ConfirmationRefused, r.Version+1, code, text, &now
	return nil
}

// checkRefusal checks a refusal's code and text, for manufacturers and
// authorities alike: the codes feed the accountability figures (R6), so
// they come from one list.
func checkRefusal(code, text string) (string, string, error) {
	code, text = strings.TrimSpace(code), strings.TrimSpace(text)
	if _, ok := ucx.RefusalCodes[code]; !ok {
		return "", "", ucx.FieldErrorf(ucx.EINVALID, "code", "refusal code %q is unknown; use one of %s", code, refusalCodeList())
	}
	if code == "other" && text == "" {
		return "", "", ucx.FieldErrorf(ucx.EINVALID, "text", "explain the refusal in the text when the code is other")
	}
	if len(text) > maxReasonTextBytes {
		return "", "", ucx.FieldErrorf(ucx.EINVALID, "text", "the text is longer than %d bytes", maxReasonTextBytes)
	}
	return code, text, nil
}

func refusalCodeList() string {
	codes := make([]string, 0, len(ucx.RefusalCodes))
	for c := range ucx.RefusalCodes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return strings.Join(codes, ", ")
}

func refusalNote(code, text string) string {
	if text == "" {
		return code
	}
	return code + ": " + text
}

func oneRequestRow(res sql.Result, err error, version int) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return staleRequest(version)
	}
	return nil
}

// moveApplication takes step s, of one row in ucx.Workflow, for an
// application as the consequence of another record's change (a
// confirmation answered, a licence cleared), and returns the transition;
// the caller writes the audit events. The guard on the step's from-state
// makes a concurrent change (a withdrawal) win or lose as a whole.
func (tx *Tx) moveApplication(ctx context.Context, id int64, s ucx.Step) (ucx.Transition, error) {
	ts := s.Transitions()
	if len(ts) != 1 {
		return ucx.Transition{}, fmt.Errorf("moveApplication: step %s has %d transitions, not one", s, len(ts))
	}
	t := ts[0]
	res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND state = ?",
		string(t.To), micros(tx.now), id, string(t.From))
	if err != nil {
		return t, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t, err
	}
	if n != 1 {
		return t, ucx.Errorf(ucx.ECONFLICT, "application %d is no longer %s (it was changed meanwhile, e.g. withdrawn); reload", id, t.From)
	}
	return t, nil
}

// confirmationDocument is the After-Sales Service Confirmation (R2–R4) as
// data: what the manufacturer confirms and, once sealed, signs. Fields are
// declared in the alphabetical order of their JSON keys, so encoding/json
// writes the keys sorted as RFC 8785 (JSON canonicalization) requires;
// with only strings and integers, that is the canonical form.
type confirmationDocument struct {
	ApplicationID  int64              `json:"application_id"`
	ConfirmationID int64              `json:"confirmation_id"`
	Destinations   []string           `json:"destinations"` // R3
	IssuedOn       ucx.Date           `json:"issued_on"`
	LetterID       int64              `json:"letter_id,omitempty"` // the letter it answers (R4); absent for a single request
	Manufacturer   string             `json:"manufacturer"`        // the exact legal name of MIIT's announcement (R2)
	ManufacturerID int64              `json:"manufacturer_id"`
	ShipmentID     int64              `json:"shipment_id,omitempty"` // the batch the letter is for (R4)
	Type           string             `json:"type"`
	Vehicles       []confirmedVehicle `json:"vehicles"` // every VIN (R3)
}

type confirmedVehicle struct {
	Brand            string      `json:"brand"`
	Model            string      `json:"model"`
	Outlets          []outletDoc `json:"outlets"` // the outlets serving it in its destination (R3)
	RegistrationDate ucx.Date    `json:"registration_date"`
	VIN              string      `json:"vin"`
}

type outletDoc struct {
	Address  string `json:"address"`
	Contact  string `json:"contact"`
	Country  string `json:"country"`
	Provider string `json:"provider"`
}

// Document types, so that a verifier never mistakes one document for
// another.
const (
	docConfirmation = "ucx.confirmation.v1"
	docLicence      = "ucx.licence.v1"
)

// confirmedVehicleOf is request r's vehicle as a confirmation names it,
// with the outlets chosen for it (R3).
func confirmedVehicleOf(r *ucx.ConfirmationRequest, outlets []*ucx.Outlet) confirmedVehicle {
	v := confirmedVehicle{Brand: r.Brand, Model: r.Model, RegistrationDate: r.RegistrationDate, VIN: r.VIN}
	for _, ot := range outlets {
		v.Outlets = append(v.Outlets, outletDoc{Address: ot.Address, Contact: ot.Contact, Country: ot.Country, Provider: ot.Provider})
	}
	return v
}

func confirmationDoc(r *ucx.ConfirmationRequest, mfr *ucx.Org, outlets []*ucx.Outlet, on ucx.Date) ([]byte, error) {
	v := confirmedVehicleOf(r, outlets)
	return canonicalJSON(confirmationDocument{
		ApplicationID:  r.ApplicationID,
		ConfirmationID: r.ID,
		Destinations:   []string{r.Destination},
		IssuedOn:       on,
		Manufacturer:   mfr.Name,
		ManufacturerID: mfr.ID,
		Type:           docConfirmation,
		Vehicles:       []confirmedVehicle{v},
	})
}

// canonicalJSON encodes a document struct without HTML escaping (RFC 8785
// writes <, > and & as they are) and without the encoder's newline.
func canonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
