package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

var _ ucx.LicenceService = (*DB)(nil)

// DefaultLicenceValidityDays is a licence's validity when
// DB.LicenceValidityDays is not set. The regulation's own figure is not
// known (REGULATION.md §2 [?]); 180 days keeps a licence usable for a
// normal shipping schedule and is the figure to revisit.
const DefaultLicenceValidityDays = 180

const licenceColumns = `l.id, l.number, l.application_id, l.exporter_id, l.authority_id, l.destination, l.schedule, l.confirmation_ids,
	l.issued_on, l.valid_until, l.cleared_at, l.cleared_by, l.port, l.declaration_number, l.deregistration_due, l.document, l.created_at,
	(SELECT d.digest FROM documents d WHERE d.kind = 'licence' AND d.entity_id = l.id ORDER BY d.created_at DESC LIMIT 1),
	(SELECT MIN(d.revoked_at) FROM documents d WHERE d.kind = 'licence' AND d.entity_id = l.id),
	(SELECT MIN(d.revoked_at) FROM documents d JOIN confirmation_requests s ON s.id = d.entity_id
		WHERE d.kind = 'confirmation' AND s.application_id = l.application_id AND s.state = 'approved')`

// Licences are visible to whoever may see their application
// (workflowScope), so the join to applications carries the scope.
const licenceFrom = " FROM licences l JOIN applications a ON a.id = l.application_id"

func errNoLicence(id int64) error {
	return ucx.Errorf(ucx.ENOTFOUND, "licence %d not found", id)
}

func scanLicence(sc interface{ Scan(...any) error }) (*ucx.Licence, error) {
	var l ucx.Licence
	var schedule, confirmations string
	var issued, valid, created int64
	var cleared, clearedBy, dereg, revoked, letterRevoked sql.NullInt64
	var digest sql.NullString
	if err := sc.Scan(&l.ID, &l.Number, &l.ApplicationID, &l.ExporterID, &l.AuthorityID, &l.Destination, &schedule, &confirmations,
		&issued, &valid, &cleared, &clearedBy, &l.Port, &l.DeclarationNumber, &dereg, &l.Document, &created, &digest, &revoked, &letterRevoked); err != nil {
		return nil, err
	}
	if digest.Valid {
		l.DocumentDigest = "sha256:" + digest.String
	}
	l.RevokedAt, l.LetterRevokedAt = optTime(revoked), optTime(letterRevoked)
	l.IssuedOn, l.ValidUntil = ucx.DateFromDays(int(issued)), ucx.DateFromDays(int(valid))
	l.ClearedAt, l.ClearedBy, l.DeregistrationDue, l.CreatedAt = optTime(cleared), clearedBy.Int64, optDate(dereg), fromMicros(created)
	if err := json.Unmarshal([]byte(schedule), &l.Schedule); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(confirmations), &l.ConfirmationIDs); err != nil {
		return nil, err
	}
	return &l, nil
}

func (tx *Tx) licence(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Licence, error) {
	scope, args, err := workflowScope(p)
	if err != nil {
		return nil, err
	}
	l, err := scanLicence(tx.QueryRow(ctx, "SELECT "+licenceColumns+licenceFrom+" WHERE l.id = ? AND "+scope, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoLicence(id)
	}
	if err != nil {
		return nil, err
	}
	l.State = l.StateOn(tx.today())
	return l, nil
}

// reviewable loads an application an authority may decide now with step
// s (issue or refuse the licence): filed, at the version the caller saw,
// in the state the step leaves (under review).
func (tx *Tx) reviewable(ctx context.Context, p *ucx.Principal, id int64, version int, s ucx.Step) (*ucx.Application, ucx.Transition, error) {
	a, err := tx.applicationAt(ctx, p, id, version)
	if err != nil {
		return nil, ucx.Transition{}, err
	}
	t, err := ucx.Next(s, a.State)
	if err != nil {
		return nil, t, err
	}
	return a, t, nil
}

// IssueLicence issues the export licence for an application under review
// (R14: only a licensing authority's member or admin may). It is refused
// with ERULE, giving every reason at once, when:
//
//   - R1 asks for a manufacturer letter and no confirmation is approved;
//   - the data do not match the registration certificate (R5): the policy
//     is run again on the application date and any R5 mismatch, and any
//     other blocking reason, refuses; the certificate's four values must
//     all be given, since the schedule carries them;
//   - R9, R11 and R12 are gates: a declared banned case (R11), a modified
//     vehicle whose evidence is declared missing or not declared at all
//     (R9), or no inspection report on the application (R12) refuses
//     (policy.IssueGates), each with its reason;
//   - the exporter has no filing or its filing lapsed before today (R10);
//   - the exporter's standing is suspended, or rectification_ordered (R8):
//     the regulation weighs "whether the measures were carried out", which
//     the platform knows only when an authority sets the standing back to
//     normal or warned, so until then no licence is issued.
//
// The licence is numbered UCX-<year of issue>-<application id, six
// digits> (one licence per application, so the number is unique and known
// before issue: an authority sealing offline seals the number too), valid
// for DB.LicenceValidityDays, and lists the vehicle in its schedule (R5)
// and the confirmations it relies on with their digests (R4). When sealing
// is on, the licence is sealed with the authority's custodial key (see
// IssueLicenceSealed). The application becomes licensed.
func (db *DB) IssueLicence(ctx context.Context, p *ucx.Principal, appID int64, version int) (*ucx.Licence, error) {
	return db.IssueLicenceSealed(ctx, p, appID, version, nil)
}

// IssueLicenceSealed is IssueLicence with the licence sealed by the
// authority itself: envelope is LicenceToSeal's document sealed offline,
// accepted only if its seal verifies for the caller's organisation and its
// document is exactly the platform's, issued today or yesterday (see
// sealDoc). A nil envelope seals with the custodial key. The sealed
// licence is stored in the same transaction as the issue (R14).
func (db *DB) IssueLicenceSealed(ctx context.Context, p *ucx.Principal, appID int64, version int, envelope []byte) (*ucx.Licence, error) {
	const op = "sqlstore.IssueLicence"
	if err := mayTake(p, ucx.StepIssueLicence); err != nil {
		return nil, err
	}
	var l *ucx.Licence
	err := db.Update(ctx, op, func(tx *Tx) error {
		a, t, err := tx.reviewable(ctx, p, appID, version, ucx.StepIssueLicence)
		if err != nil {
			return err
		}
		lp, err := db.licencePlan(ctx, tx, p, a)
		if err != nil {
			return err
		}
		doc, env, on, err := tx.sealDoc(ctx, p.OrgID, envelope, lp.document)
		if err != nil {
			return err
		}
		l = lp.licence(on)
		l.Document, l.CreatedAt = doc, tx.now
		l.State = l.StateOn(tx.today())
		schedule, err := toJSON(l.Schedule)
		if err != nil {
			return err
		}
		ids := "[]"
		if len(l.ConfirmationIDs) > 0 {
			if ids, err = toJSON(l.ConfirmationIDs); err != nil {
				return err
			}
		}
		l.ID, err = tx.InsertID(ctx, `INSERT INTO licences (number, application_id, exporter_id, authority_id, destination, schedule, confirmation_ids,
			issued_on, valid_until, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.Number, appID, l.ExporterID, l.AuthorityID, l.Destination, schedule, ids, l.IssuedOn.Days(), l.ValidUntil.Days(), doc, micros(tx.now))
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			string(t.To), micros(tx.now), appID, version)
		if err := oneRow(res, err, version); err != nil {
			return err
		}
		note := l.Number
		if lp.exporter.Standing == ucx.StandingWarned {
			note += "; exporter standing: warned (R8)"
		}
		if err := tx.event(ctx, p, actLicenceIssue, entityLicence, l.ID, appID, "", "issued", note); err != nil {
			return err
		}
		if err := tx.event(ctx, p, actAppLicensed, entityApplication, appID, appID, string(t.From), string(t.To), l.Number); err != nil {
			return err
		}
		if env == nil {
			return nil
		}
		// Last, with its log leaf (storeDocument): the licence names the
		// exporter and the manufacturers whose confirmations it cites.
		others := []int64{l.ExporterID}
		mfrs, err := tx.confirmingManufacturers(ctx, appID)
		if err != nil {
			return err
		}
		d, err := tx.storeDocument(ctx, ucx.DocLicence, l.ID, p.OrgID, append(others, mfrs...), doc, env, "")
		if err == nil {
			l.DocumentDigest = d.Digest
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// LicenceToSeal returns the licence document that issuing the licence of
// application appID today would produce, for an authority without a
// custodial key to seal offline and send with IssueLicenceSealed. It is
// refused, with every reason, when the licence could not be issued.
func (db *DB) LicenceToSeal(ctx context.Context, p *ucx.Principal, appID int64) ([]byte, error) {
	if err := mayTake(p, ucx.StepIssueLicence); err != nil {
		return nil, err
	}
	var doc []byte
	err := db.View(ctx, "sqlstore.LicenceToSeal", func(tx *Tx) error {
		a, err := tx.application(ctx, p, appID)
		if err != nil {
			return err
		}
		if _, err := ucx.Next(ucx.StepIssueLicence, a.State); err != nil {
			return err
		}
		lp, err := db.licencePlan(ctx, tx, p, a)
		if err != nil {
			return err
		}
		doc, err = lp.document(tx.today())
		return err
	})
	return doc, err
}

// licencePlan is everything a licence is made of except its issue date.
type licencePlan struct {
	db            *DB
	app           *ucx.Application
	exporter      *ucx.Org
	authority     *ucx.Org
	confirmations []confirmationRef
}

// licencePlan gathers and checks what the licence of a needs (see
// IssueLicence for the refusals).
func (db *DB) licencePlan(ctx context.Context, tx *Tx, p *ucx.Principal, a *ucx.Application) (*licencePlan, error) {
	exporter, err := tx.orgByID(ctx, a.ExporterID)
	if err != nil {
		return nil, err
	}
	authority, err := tx.orgByID(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	confirmations, err := tx.approvedConfirmations(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	problems := db.licenceProblems(a, exporter, len(confirmations), tx.today())
	for _, c := range confirmations {
		if c.revoked != nil {
			problems = append(problems, fmt.Sprintf("R4: the manufacturer revoked its confirmation (request %d) at %s, and a revoked letter cannot be issued on; the exporter needs a new confirmation",
				c.id, c.revoked.Format(time.RFC3339)))
		}
	}
	if len(problems) > 0 {
		return nil, ucx.Errorf(ucx.ERULE, "the licence cannot be issued: %s", strings.Join(problems, "; "))
	}
	return &licencePlan{db: db, app: a, exporter: exporter, authority: authority, confirmations: confirmations}, nil
}

// licence returns the licence as issued on day on (ID and document unset).
func (lp *licencePlan) licence(on ucx.Date) *ucx.Licence {
	validity := lp.db.LicenceValidityDays
	if validity <= 0 {
		validity = DefaultLicenceValidityDays
	}
	a, v := lp.app, &lp.app.Vehicle
	y, _, _ := on.Civil()
	l := &ucx.Licence{
		Number:        fmt.Sprintf("UCX-%04d-%06d", y, a.ID),
		ApplicationID: a.ID,
		ExporterID:    a.ExporterID,
		AuthorityID:   lp.authority.ID,
		Destination:   a.Destination,
		Schedule: []ucx.LicenceVehicle{{VIN: v.VIN, Brand: v.Brand, Model: v.Model,
			RegistrationDate: v.RegistrationDate, TransferDate: v.TransferDate}},
		IssuedOn:   on,
		ValidUntil: on.AddDays(validity),
	}
	for _, c := range lp.confirmations {
		l.ConfirmationIDs = append(l.ConfirmationIDs, c.id)
	}
	return l
}

// document is the licence's canonical document as issued on day on.
func (lp *licencePlan) document(on ucx.Date) ([]byte, error) {
	return licenceDoc(lp.licence(on), lp.exporter, lp.authority, lp.confirmations)
}

// licenceProblems lists why a licence may not be issued for a today (see
// IssueLicence); none means it may.
func (db *DB) licenceProblems(a *ucx.Application, exporter *ucx.Org, approved int, today ucx.Date) []string {
	var out []string
	if a.Decision.LetterRequired && approved == 0 {
		out = append(out, "R1 requires a sealed manufacturer confirmation and none has been approved")
	}
	pv := a.PolicyVehicle(a.ApplicationDate)
	var d ucx.Decision
	db.policy().Decide(&pv, &d)
	for _, r := range d.Reasons {
		if r.Severity >= ucx.Block && r.Rule != "R5" {
			out = append(out, r.Message)
		}
	}
	// R9 and R12 are gates at issue: evidence merely not declared, noted
	// at filing, stops the licence here.
	for _, r := range db.policy().IssueGates(&pv) {
		out = append(out, r.Message)
	}
	out = append(out, certificateProblems(&a.ApplicationInput)...)
	switch {
	case exporter.FilingNumber == "" || exporter.FilingExpires.IsZero():
		out = append(out, "R10: the exporter has no filing (备案) on record; only a filed enterprise may export used cars")
	case exporter.FilingExpires.Before(today):
		out = append(out, fmt.Sprintf("R10: the exporter's filing %s expired on %s and must be renewed", exporter.FilingNumber, exporter.FilingExpires))
	}
	switch exporter.Standing {
	case ucx.StandingSuspended:
		out = append(out, "R8: the exporter's export qualification is suspended")
	case ucx.StandingRectification:
		out = append(out, "R8: the exporter has been ordered to take corrective measures; no licence until an authority records that they are done")
	}
	return out
}

// certificateProblems is R5: brand, model, registration date and
// transfer-pending-export date must all be given from the registration
// certificate and equal the application's exactly.
func certificateProblems(in *ucx.ApplicationInput) []string {
	v, c := &in.Vehicle, &in.Certificate
	var out []string
	check := func(field, app, cert string) {
		switch {
		case cert == "":
			out = append(out, "R5: the registration certificate's "+field+" is not given; enter it exactly as the certificate prints it")
		case app != cert:
			out = append(out, "R5: the "+field+" "+quote(app)+" differs from the registration certificate's "+quote(cert))
		}
	}
	check("brand", v.Brand, c.Brand)
	check("model", v.Model, c.Model)
	check("registration date", v.RegistrationDate.String(), c.RegistrationDate.String())
	check("transfer date", v.TransferDate.String(), c.TransferDate.String())
	return out
}

func quote(s string) string { return "\"" + s + "\"" }

type confirmationRef struct {
	id       int64
	document []byte
	revoked  *time.Time // when its manufacturer revoked the sealed letter
}

// approvedConfirmations returns the application's approved confirmations,
// whose documents the licence cites by digest.
func (tx *Tx) approvedConfirmations(ctx context.Context, appID int64) ([]confirmationRef, error) {
	return queryAll(ctx, tx, func(sc interface{ Scan(...any) error }) (confirmationRef, error) {
		var c confirmationRef
		var revoked sql.NullInt64
		err := sc.Scan(&c.id, &c.document, &revoked)
		c.revoked = optTime(revoked)
		return c, err
	}, `SELECT s.id, s.document, (SELECT MIN(d.revoked_at) FROM documents d WHERE d.kind = 'confirmation' AND d.entity_id = s.id)
		FROM confirmation_requests s WHERE s.application_id = ? AND s.state = ? ORDER BY s.id`,
		appID, string(ucx.ConfirmationApproved))
}

// licenceDocument is the export licence as data (R4, R5, R14), keys in
// alphabetical order as confirmationDocument's are.
type licenceDocument struct {
	ApplicationID  int64          `json:"application_id"`
	Authority      string         `json:"authority"`
	AuthorityID    int64          `json:"authority_id"`
	Confirmations  []confirmedRef `json:"confirmations"` // R4: every letter it relies on
	Destination    string         `json:"destination"`
	Exporter       string         `json:"exporter"`
	ExporterFiling string         `json:"exporter_filing_number"` // R10
	ExporterID     int64          `json:"exporter_id"`
	IssuedOn       ucx.Date       `json:"issued_on"`
	Number         string         `json:"number"`
	Schedule       []scheduleLine `json:"schedule"` // 附表 (R5)
	Type           string         `json:"type"`
	ValidUntil     ucx.Date       `json:"valid_until"`
}

type confirmedRef struct {
	ID     int64  `json:"id"`
	SHA256 string `json:"sha256"` // of the confirmation document's bytes
}

type scheduleLine struct {
	Brand            string   `json:"brand"`
	Model            string   `json:"model"`
	RegistrationDate ucx.Date `json:"registration_date"`
	TransferDate     ucx.Date `json:"transfer_date"`
	VIN              string   `json:"vin"`
}

func licenceDoc(l *ucx.Licence, exporter, authority *ucx.Org, confirmations []confirmationRef) ([]byte, error) {
	d := licenceDocument{
		ApplicationID:  l.ApplicationID,
		Authority:      authority.Name,
		AuthorityID:    authority.ID,
		Confirmations:  []confirmedRef{},
		Destination:    l.Destination,
		Exporter:       exporter.Name,
		ExporterFiling: exporter.FilingNumber,
		ExporterID:     exporter.ID,
		IssuedOn:       l.IssuedOn,
		Number:         l.Number,
		Type:           docLicence,
		ValidUntil:     l.ValidUntil,
	}
	for _, c := range confirmations {
		sum := sha256.Sum256(c.document)
		d.Confirmations = append(d.Confirmations, confirmedRef{ID: c.id, SHA256: hex.EncodeToString(sum[:])})
	}
	for _, v := range l.Schedule {
		d.Schedule = append(d.Schedule, scheduleLine{Brand: v.Brand, Model: v.Model, RegistrationDate: v.RegistrationDate, TransferDate: v.TransferDate, VIN: v.VIN})
	}
	return canonicalJSON(d)
}

// RefuseLicence refuses the licence for an application under review, with
// a code from ucx.RefusalCodes and a text (required for "other"), kept in
// the audit event. The application is refused; the exporter may file again.
func (db *DB) RefuseLicence(ctx context.Context, p *ucx.Principal, appID int64, version int, code, text string) (*ucx.Application, error) {
	const op = "sqlstore.RefuseLicence"
	if err := mayTake(p, ucx.StepRefuseLicence); err != nil {
		return nil, err
	}
	code, text, err := checkRefusal(code, text)
	if err != nil {
		return nil, err
	}
	var a *ucx.Application
	err = db.Update(ctx, op, func(tx *Tx) error {
		var t ucx.Transition
		var err error
		if a, t, err = tx.reviewable(ctx, p, appID, version, ucx.StepRefuseLicence); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			string(t.To), micros(tx.now), appID, version)
		if err := oneRow(res, err, version); err != nil {
			return err
		}
		a.State, a.Version, a.UpdatedAt = t.To, a.Version+1, tx.now
		return tx.event(ctx, p, actAppRefused, entityApplication, appID, appID, string(t.From), string(t.To), "authority: "+refusalNote(code, text))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// FindLicenceByID returns a licence whose application the caller may see
// (workflowScope); others are ENOTFOUND.
func (db *DB) FindLicenceByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Licence, error) {
	return viewValue(ctx, db, "sqlstore.FindLicenceByID", func(tx *Tx) (*ucx.Licence, error) {
		return tx.licence(ctx, p, id)
	})
}

// FindLicences lists the licences the caller may see (those of the
// applications it may see, workflowScope) that match f, newest first by
// default, with the total count (capped or skipped as f.CountUpTo says).
// Each licence's State is worked out for today.
func (db *DB) FindLicences(ctx context.Context, p *ucx.Principal, f ucx.LicenceFilter) ([]*ucx.Licence, int, error) {
	const op = "sqlstore.FindLicences"
	scope, args, err := workflowScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	if err := sortOf(f.Sort, ucx.LicenceSorts); err != nil {
		return nil, 0, err
	}
	today := ucx.DateOf(db.Now())
	conds := []string{scope}
	if n := strings.TrimSpace(f.Number); n != "" {
		conds, args = append(conds, "l.number = ?"), append(args, strings.ToUpper(n))
	}
	if v := strings.TrimSpace(f.VIN); v != "" {
		conds, args = append(conds, "a.vin = ?"), append(args, strings.ToUpper(v))
	}
	if f.ExporterID != 0 {
		conds, args = append(conds, "l.exporter_id = ?"), append(args, f.ExporterID)
	}
	if f.Destination != "" {
		conds, args = append(conds, "l.destination = ?"), append(args, ucx.NormalizeCountry(f.Destination))
	}
	c, cargs, err := idList("application_ids", "l.application_id", f.ApplicationIDs)
	if err != nil {
		return nil, 0, err
	}
	if c != "" {
		conds, args = append(conds, c), append(args, cargs...)
	}
	if f.State != "" {
		if !f.State.Valid() {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be valid, cleared, expired, revoked or letter_revoked")
		}
		c, cargs := licenceStateCond(f.State, today)
		conds, args = append(conds, c), append(args, cargs...)
	}
	if conds, args, err = dayRange(conds, args, "l.issued_on", f.From, f.To); err != nil {
		return nil, 0, err
	}
	q, err := searchQuery(f.Query)
	if err != nil {
		return nil, 0, err
	}
	if q != "" {
		c, qargs, err := db.search(ctx, q, "a.vin", "l.exporter_id", "l.number = ?", `LOWER(a.vin) LIKE ? ESCAPE '\'`)
		if err != nil {
			return nil, 0, db.wrap(op, err)
		}
		conds, args = append(conds, c), append(args, qargs...)
	}
	out, total, err := list(ctx, db, op, scanLicence, &listSpec{columns: licenceColumns, from: licenceFrom, conds: conds, args: args,
		sort: defaultSort(f.Sort, ucx.Sort{Key: ucx.SortID, Desc: true}), cols: licenceSortCols, id: "l.id", after: f.After,
		countUpTo: f.CountUpTo, offset: offset, limit: limit})
	for _, l := range out {
		l.State = l.StateOn(today)
	}
	return out, total, err
}

// The SQL of Licence.StateOn's tests, on licences aliased l: its own
// sealed document revoked, or a confirmation it relies on (R4).
const (
	licenceRevokedSQL       = "EXISTS (SELECT 1 FROM documents d WHERE d.kind = 'licence' AND d.entity_id = l.id AND d.revoked_at IS NOT NULL)"
	licenceLetterRevokedSQL = `EXISTS (SELECT 1 FROM documents d JOIN confirmation_requests s ON s.id = d.entity_id
		WHERE d.kind = 'confirmation' AND s.application_id = l.application_id AND s.state = 'approved' AND d.revoked_at IS NOT NULL)`
)

// licenceStateCond is the condition that a licence is in state st on day
// today: Licence.StateOn in SQL, in the same order of precedence (a
// revocation outranks a clearance, a clearance an expiry).
func licenceStateCond(st ucx.LicenceState, today ucx.Date) (string, []any) {
	notRevoked := "NOT " + licenceRevokedSQL + " AND NOT " + licenceLetterRevokedSQL
	switch st {
	case ucx.LicenceRevoked:
		return licenceRevokedSQL, nil
	case ucx.LicenceLetterRevoked:
		return "NOT " + licenceRevokedSQL + " AND " + licenceLetterRevokedSQL, nil
	case ucx.LicenceCleared:
		return "l.cleared_at IS NOT NULL AND " + notRevoked, nil
	case ucx.LicenceExpired:
		return "l.cleared_at IS NULL AND l.valid_until < ? AND " + notRevoked, []any{today.Days()}
	}
	return "l.cleared_at IS NULL AND l.valid_until >= ? AND " + notRevoked, []any{today.Days()}
}

// RecordClearance records the export customs clearance of a licence (R15):
// only customs' members or admins may, and only once — a licence is
// consumed by one clearance. The guard is in the UPDATE itself (… WHERE
// cleared_at IS NULL, checking the rows changed), so of two concurrent
// clearances exactly one wins and the other is ECONFLICT "licence already
// cleared on …". A licence past its validity is ERULE. The deregistration
// deadline (R16) is two calendar months after the clearance date in China
// time, clamped to the month's end (cleared 31 December → due 28/29
// February), kept as Licence.DeregistrationDue: a date, not a workflow
// state. The application becomes cleared (ucx.StepClear), where it stays;
// following up deregistrations is not done yet.
func (db *DB) RecordClearance(ctx context.Context, p *ucx.Principal, licenceID int64, port, declaration string) (*ucx.Licence, error) {
	const op = "sqlstore.RecordClearance"
	if err := mayTake(p, ucx.StepClear); err != nil {
		return nil, err
	}
	port, declaration = strings.TrimSpace(port), strings.TrimSpace(declaration)
	switch {
	case port == "" || len(port) > 100:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "port", "give the exit port (1 to 100 bytes) (R15)")
	case declaration == "" || len(declaration) > 100:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "declaration_number", "give the export declaration number (1 to 100 bytes) (R15, R16)")
	}
	var l *ucx.Licence
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if l, err = tx.licence(ctx, p, licenceID); err != nil {
			return err
		}
		today := tx.today()
		if err := l.ClearanceRefusal(today); err != nil {
			return err
		}
		due := addMonths(today, 2)
		res, err := tx.Exec(ctx, `UPDATE licences SET cleared_at = ?, cleared_by = ?, port = ?, declaration_number = ?, deregistration_due = ?
			WHERE id = ? AND cleared_at IS NULL`, micros(tx.now), p.OrgID, port, declaration, due.Days(), licenceID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			// A concurrent clearance won between our read and our write.
			if won, err := tx.licence(ctx, p, licenceID); err == nil && won.ClearedAt != nil {
				return won.ClearanceRefusal(today)
			}
			return ucx.Errorf(ucx.ECONFLICT, "licence %s already cleared", l.Number)
		}
		now := tx.now
		l.ClearedAt, l.ClearedBy, l.Port, l.DeclarationNumber, l.DeregistrationDue = &now, p.OrgID, port, declaration, due
		l.State = l.StateOn(today)
		if err := tx.event(ctx, p, actLicenceClear, entityLicence, l.ID, l.ApplicationID, "issued", "cleared", port+" "+declaration); err != nil {
			return err
		}
		t, err := tx.moveApplication(ctx, l.ApplicationID, ucx.StepClear)
		if err != nil {
			return err
		}
		return tx.event(ctx, p, actAppCleared, entityApplication, l.ApplicationID, l.ApplicationID,
			string(t.From), string(t.To), "deregistration due "+due.String()+" (R16)")
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// addMonths returns the date n calendar months after d, clamped to the
// last day of the target month.
func addMonths(d ucx.Date, n int) ucx.Date {
	y, m, day := d.Civil()
	m += n
	y += (m - 1) / 12
	m = (m-1)%12 + 1
	for ; day > 28; day-- {
		if t, ok := ucx.NewDate(y, m, day); ok {
			return t
		}
	}
	t, _ := ucx.NewDate(y, m, day)
	return t
}

// confirmingManufacturers returns the manufacturers whose approved
// confirmations an application's licence cites.
func (tx *Tx) confirmingManufacturers(ctx context.Context, appID int64) ([]int64, error) {
	return queryAll(ctx, tx, scanID, "SELECT DISTINCT manufacturer_id FROM confirmation_requests WHERE application_id = ? AND state = ?",
		appID, string(ucx.ConfirmationApproved))
}
