package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

var _ ucx.LicenceService = (*DB)(nil)

const licenceColumns = `l.id, l.number, l.application_id, l.exporter_id, l.authority_id, l.destination, l.schedule, l.confirmation_ids,
	l.issued_on, l.valid_until, l.cleared_at, l.cleared_by, l.port, l.declaration_number, l.deregistration_due, l.document, l.created_at,
	(SELECT d.digest FROM documents d WHERE d.kind = 'licence' AND d.entity_id = l.id ORDER BY d.created_at DESC LIMIT 1),
	(SELECT MIN(d.revoked_at) FROM documents d WHERE d.kind = 'licence' AND d.entity_id = l.id),
	(SELECT MIN(d.revoked_at) FROM documents d JOIN confirmation_requests s ON COALESCE(s.sealed_with, s.id) = d.entity_id
		WHERE d.kind = 'confirmation' AND ` + licensedRequestSQL + ` AND s.state = 'approved'),
	l.shipment_id`

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
	var cleared, clearedBy, dereg, revoked, letterRevoked, shipment sql.NullInt64
	var digest sql.NullString
	if err := sc.Scan(&l.ID, &l.Number, &l.ApplicationID, &l.ExporterID, &l.AuthorityID, &l.Destination, &schedule, &confirmations,
		&issued, &valid, &cleared, &clearedBy, &l.Port, &l.DeclarationNumber, &dereg, &l.Document, &created, &digest, &revoked, &letterRevoked, &shipment); err != nil {
		return nil, err
	}
	if digest.Valid {
		l.DocumentDigest = "sha256:" + digest.String
	}
	l.RevokedAt, l.LetterRevokedAt, l.ShipmentID = optTime(revoked), optTime(letterRevoked), shipment.Int64
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
//
// An application that shares its shipment with other live vehicles is
// licensed only with them (IssueShipmentLicence, R4: one licence per
// batch); asked for alone it is ERULE naming the shipment.
func (db *DB) IssueLicenceSealed(ctx context.Context, p *ucx.Principal, appID int64, version int, envelope []byte) (*ucx.Licence, error) {
	const op = "sqlstore.IssueLicence"
	if err := mayTake(p, ucx.StepIssueLicence); err != nil {
		return nil, err
	}
	var l *ucx.Licence
	err := db.Update(ctx, op, func(tx *Tx) error {
		a, _, err := tx.reviewable(ctx, p, appID, version, ucx.StepIssueLicence)
		if err != nil {
			return err
		}
		lp, err := db.singlePlan(ctx, tx, p, a)
		if err != nil {
			return err
		}
		l, err = tx.issue(ctx, p, lp, envelope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// singlePlan is the licence plan of application a alone: refused when a's
// shipment has other live vehicles, which share its licence (R4).
func (db *DB) singlePlan(ctx context.Context, tx *Tx, p *ucx.Principal, a *ucx.Application) (*licencePlan, error) {
	if a.ShipmentID != 0 {
		var others int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM applications WHERE shipment_id = ? AND id <> ? AND state NOT IN (?, ?)",
			a.ShipmentID, a.ID, string(ucx.StateWithdrawn), string(ucx.StateRefused)).Scan(&others); err != nil {
			return nil, err
		}
		if others > 0 {
			return nil, ucx.Errorf(ucx.ERULE, "application %d is one of %d vehicles of shipment %d, which get one licence together (R4); issue the shipment's licence",
				a.ID, others+1, a.ShipmentID)
		}
	}
	return db.licencePlan(ctx, tx, p, a.ShipmentID, []*ucx.Application{a})
}

// issue issues the licence lp plans, today, and stores it: the licence
// row, each vehicle licensed with its audit event, the shipment
// refreshed, and (sealing on) the sealed document with its log leaf.
func (tx *Tx) issue(ctx context.Context, p *ucx.Principal, lp *licencePlan, envelope []byte) (*ucx.Licence, error) {
	doc, env, on, err := tx.sealDoc(ctx, p.OrgID, envelope, lp.document)
	if err != nil {
		return nil, err
	}
	l := lp.licence(on)
	l.Document, l.CreatedAt = doc, tx.now
	l.State = l.StateOn(tx.today())
	schedule, err := toJSON(l.Schedule)
	if err != nil {
		return nil, err
	}
	ids := "[]"
	if len(l.ConfirmationIDs) > 0 {
		if ids, err = toJSON(l.ConfirmationIDs); err != nil {
			return nil, err
		}
	}
	l.ID, err = tx.InsertID(ctx, `INSERT INTO licences (number, application_id, exporter_id, authority_id, destination, schedule, confirmation_ids,
		issued_on, valid_until, document, created_at, shipment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.Number, l.ApplicationID, l.ExporterID, l.AuthorityID, l.Destination, schedule, ids, l.IssuedOn.Days(), l.ValidUntil.Days(), doc, micros(tx.now), nullID(lp.shipment))
	if err != nil {
		return nil, err // a licence issued meanwhile: ECONFLICT (wrap)
	}
	note := l.Number
	if lp.exporter.Standing == ucx.StandingWarned {
		note += "; exporter standing: warned (R8)"
	}
	if err := tx.event(ctx, p, actLicenceIssue, entityLicence, l.ID, l.ApplicationID, "", "issued", note); err != nil {
		return nil, err
	}
	y, m, _ := on.Civil()
	for _, a := range lp.apps {
		t, err := ucx.Next(ucx.StepIssueLicence, a.State)
		if err != nil {
			return nil, err
		}
		res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			string(t.To), micros(tx.now), a.ID, a.Version)
		if err := oneRow(res, err, a.Version); err != nil {
			return nil, err
		}
		if a.ID != l.ApplicationID {
			// The licence row's trigger counts its first vehicle in
			// the figures; the others are counted here.
			if _, err := tx.Exec(ctx, "UPDATE application_facts SET licence_day = ?, licence_month = ? WHERE app_id = ?",
				on.Days(), y*100+m, a.ID); err != nil {
				return nil, err
			}
		}
		if err := tx.event(ctx, p, actAppLicensed, entityApplication, a.ID, a.ID, string(t.From), string(t.To), l.Number); err != nil {
			return nil, err
		}
		a.State, a.Version, a.UpdatedAt = t.To, a.Version+1, tx.now
	}
	if err := tx.refreshShipment(ctx, lp.shipment); err != nil {
		return nil, err
	}
	if env == nil {
		return l, nil
	}
	// Last, with its log leaf (storeDocument): the licence names the
	// exporter and the manufacturers whose confirmations it cites.
	d, err := tx.storeDocument(ctx, ucx.DocLicence, l.ID, p.OrgID, append([]int64{l.ExporterID}, lp.manufacturers...), doc, env, "")
	if err != nil {
		return nil, err
	}
	l.DocumentDigest = d.Digest
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
		lp, err := db.singlePlan(ctx, tx, p, a)
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
	db        *DB
	shipment  int64              // 0 for a row from before shipments
	apps      []*ucx.Application // the schedule, in filing order
	exporter  *ucx.Org
	authority *ucx.Org
	// confirmations are the sealed letters the licence cites, one per
	// document (a letter's answer is sealed once for all its VINs);
	// requests are every approved request of the schedule's vehicles.
	confirmations []confirmationRef
	requests      []int64
	manufacturers []int64
}

// licencePlan gathers and checks what the licence of the vehicles apps
// (of shipment, all of one exporter, under review) needs, and refuses
// with every reason at once (see IssueLicence and IssueShipmentLicence).
func (db *DB) licencePlan(ctx context.Context, tx *Tx, p *ucx.Principal, shipment int64, apps []*ucx.Application) (*licencePlan, error) {
	if len(apps) == 0 {
		return nil, ucx.Errorf(ucx.ERULE, "the shipment has no vehicle left to license")
	}
	exporter, err := tx.orgByID(ctx, apps[0].ExporterID)
	if err != nil {
		return nil, err
	}
	authority, err := tx.orgByID(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	lp := &licencePlan{db: db, shipment: shipment, apps: apps, exporter: exporter, authority: authority}
	today := tx.today()
	var problems []string
	if max := db.policy().MaxVehicles(); len(apps) > max {
		problems = append(problems, fmt.Sprintf("R4: %d vehicles are more than the %d one licence may list; withdraw %d of them into another shipment",
			len(apps), max, len(apps)-max))
	}
	problems = append(problems, exporterProblems(exporter, today)...)
	seen := map[int64]bool{}
	for _, a := range apps {
		refs, err := tx.approvedConfirmations(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		var vp []string
		covered := false
		for _, c := range refs {
			lp.requests = append(lp.requests, c.id)
			if c.revoked != nil {
				vp = append(vp, fmt.Sprintf("R4: the manufacturer revoked its confirmation (request %d) at %s, and a revoked letter cannot be issued on; the exporter needs a new confirmation",
					c.id, c.revoked.Format(time.RFC3339)))
				continue
			}
			if why := c.coverProblem(a); why != "" {
				vp = append(vp, why)
				continue
			}
			covered = true
			if !seen[c.lead] {
				seen[c.lead] = true
				lp.confirmations = append(lp.confirmations, c)
				if !slices.Contains(lp.manufacturers, c.manufacturer) {
					lp.manufacturers = append(lp.manufacturers, c.manufacturer)
				}
			}
		}
		if a.Decision.LetterRequired && !covered && len(vp) == 0 {
			vp = append(vp, "R1 requires a sealed manufacturer confirmation and none has been approved")
		}
		vp = append(vp, db.vehicleProblems(a, exporter)...)
		for _, m := range vp {
			if len(apps) > 1 {
				m = a.Vehicle.VIN + ": " + m
			}
			problems = append(problems, m)
		}
	}
	if len(problems) > 0 {
		return nil, ucx.Errorf(ucx.ERULE, "the licence cannot be issued: %s", strings.Join(problems, "; "))
	}
	return lp, nil
}

// licence returns the licence as issued on day on (ID and document unset).
// It is numbered UCX-<year of issue>-<shipment id, six digits> (one
// licence per shipment, so the number is unique and known before issue:
// an authority sealing offline seals the number too); a row from before
// shipments by its application's id, as it always was.
func (lp *licencePlan) licence(on ucx.Date) *ucx.Licence {
	a := lp.apps[0]
	until := lp.db.policy().LicenceValidUntil(on)
	if days := lp.db.LicenceValidityDays; days > 0 {
		until = on.AddDays(days)
	}
	serial := lp.shipment
	if serial == 0 {
		serial = a.ID
	}
	y, _, _ := on.Civil()
	l := &ucx.Licence{
		Number:          fmt.Sprintf("UCX-%04d-%06d", y, serial),
		ApplicationID:   a.ID,
		ShipmentID:      lp.shipment,
		ExporterID:      a.ExporterID,
		AuthorityID:     lp.authority.ID,
		Destination:     a.Destination,
		IssuedOn:        on,
		ValidUntil:      until,
		ConfirmationIDs: lp.requests,
	}
	for _, a := range lp.apps {
		v := &a.Vehicle
		l.Schedule = append(l.Schedule, ucx.LicenceVehicle{VIN: v.VIN, Brand: v.Brand, Model: v.Model,
			RegistrationDate: v.RegistrationDate, TransferDate: v.TransferDate})
	}
	return l
}

// document is the licence's canonical document as issued on day on.
func (lp *licencePlan) document(on ucx.Date) ([]byte, error) {
	return licenceDoc(lp.licence(on), lp.exporter, lp.authority, lp.confirmations)
}

// vehicleProblems lists why vehicle a may not be licensed, its letter
// aside: the policy run again on the application date (any blocking
// reason; R5 is certificateProblems's), the evidence gates R9, R11 and
// R12, the certificate values (R5), and the certificate's owner, which
// must be the exporter (R10: checked again here, as an exporter's legal
// name can change between filing and issue).
func (db *DB) vehicleProblems(a *ucx.Application, exporter *ucx.Org) []string {
	var out []string
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
	if m := ucx.CertificateOwnerProblem(&a.ApplicationInput, exporter.Name); m != "" {
		out = append(out, m)
	}
	return append(out, certificateProblems(&a.ApplicationInput)...)
}

// exporterProblems is R8 and R10 for the exporter of a licence today.
func exporterProblems(exporter *ucx.Org, today ucx.Date) []string {
	var out []string
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

// confirmationRef is an approved confirmation request with the sealed
// letter it is confirmed by.
type confirmationRef struct {
	id           int64 // the request
	lead         int64 // the request whose id the sealed letter is stored under
	manufacturer int64
	document     []byte
	revoked      *time.Time // when its manufacturer revoked the sealed letter
}

// coverProblem is R3's subset rule for vehicle a and its approved
// confirmation c: the letter must come from a's own manufacturer and name
// a's VIN and the destination. The platform writes letters so; the check
// is on the letter's own bytes, so that a licence never relies on a
// letter that does not say what it is used for. "" when it covers a.
func (c *confirmationRef) coverProblem(a *ucx.Application) string {
	if a.ManufacturerID != 0 && c.manufacturer != a.ManufacturerID {
		return fmt.Sprintf("R2: the confirmation (request %d) was not given by the vehicle's manufacturer", c.id)
	}
	if len(c.document) == 0 {
		return "" // sealing off: nothing to read
	}
	var d struct {
		Destinations []string `json:"destinations"`
		Vehicles     []struct {
			VIN string `json:"vin"`
		} `json:"vehicles"`
	}
	if err := json.Unmarshal(c.document, &d); err != nil {
		return fmt.Sprintf("R3: the confirmation (request %d) cannot be read", c.id)
	}
	if !slices.Contains(d.Destinations, a.Destination) {
		return fmt.Sprintf("R3: the confirmation (request %d) is for %s, not for the destination %s; the manufacturer must confirm for %s",
			c.id, strings.Join(d.Destinations, ", "), a.Destination, a.Destination)
	}
	if !slices.ContainsFunc(d.Vehicles, func(v struct {
		VIN string `json:"vin"`
	}) bool {
		return v.VIN == a.Vehicle.VIN
	}) {
		return fmt.Sprintf("R3: the confirmation (request %d) does not name VIN %s", c.id, a.Vehicle.VIN)
	}
	return ""
}

// approvedConfirmations returns the application's approved confirmations,
// whose documents the licence cites by digest.
func (tx *Tx) approvedConfirmations(ctx context.Context, appID int64) ([]confirmationRef, error) {
	return queryAll(ctx, tx, func(sc interface{ Scan(...any) error }) (confirmationRef, error) {
		var c confirmationRef
		var revoked sql.NullInt64
		err := sc.Scan(&c.id, &c.lead, &c.manufacturer, &c.document, &revoked)
		c.revoked = optTime(revoked)
		return c, err
	}, `SELECT s.id, COALESCE(s.sealed_with, s.id), s.manufacturer_id, s.document,
		(SELECT MIN(d.revoked_at) FROM documents d WHERE d.kind = 'confirmation' AND d.entity_id = COALESCE(s.sealed_with, s.id))
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
	Schedule       []scheduleLine `json:"schedule"`              // 附表 (R5)
	ShipmentID     int64          `json:"shipment_id,omitempty"` // the batch (R4); absent on licences from before shipments
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
		ShipmentID:     l.ShipmentID,
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
		var err error
		if a, _, err = tx.reviewable(ctx, p, appID, version, ucx.StepRefuseLicence); err != nil {
			return err
		}
		if err := tx.refuseLicence(ctx, p, a, code, text); err != nil {
			return err
		}
		if err := tx.refusalCredit(ctx, p, a, code, text); err != nil {
			return err
		}
		return tx.refreshShipment(ctx, a.ShipmentID)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// refusalCredit records the credit event a licence refusal is (R6): a
// refusal because the data do not match the registration certificate
// (code data_mismatch, R5) is a wrong filing of the exporter's, recorded
// by the platform itself, so that repeat offenders are named from real
// refusals. One refusal is one event, for a shipment too.
func (tx *Tx) refusalCredit(ctx context.Context, p *ucx.Principal, a *ucx.Application, code, text string) error {
	if code != "data_mismatch" {
		return nil
	}
	evidence := "licence refused for " + a.Vehicle.VIN + ": the data do not match the registration certificate (R5)"
	if text != "" {
		evidence += ": " + text
	}
	return tx.recordWrongFiling(ctx, p, a.ExporterID, a.ID, evidence)
}

// refuseLicence refuses the licence of application a, under review, with
// a checked code and text in the audit event, and updates a; the caller
// refreshes the shipment.
func (tx *Tx) refuseLicence(ctx context.Context, p *ucx.Principal, a *ucx.Application, code, text string) error {
	t, err := ucx.Next(ucx.StepRefuseLicence, a.State)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, "UPDATE applications SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		string(t.To), micros(tx.now), a.ID, a.Version)
	if err := oneRow(res, err, a.Version); err != nil {
		return err
	}
	a.State, a.Version, a.UpdatedAt = t.To, a.Version+1, tx.now
	return tx.event(ctx, p, actAppRefused, entityApplication, a.ID, a.ID, string(t.From), string(t.To), "authority: "+refusalNote(code, text))
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
	licenceLetterRevokedSQL = `EXISTS (SELECT 1 FROM documents d JOIN confirmation_requests s ON COALESCE(s.sealed_with, s.id) = d.entity_id
		WHERE d.kind = 'confirmation' AND ` + licensedRequestSQL + ` AND s.state = 'approved' AND d.revoked_at IS NOT NULL)`
	// licensedRequestSQL is that request s is for a vehicle of licence l's
	// schedule: its application, or a licensed or cleared vehicle of its
	// shipment (R4: a licence for a batch relies on every letter of it).
	licensedRequestSQL = `(s.application_id = l.application_id OR s.application_id IN
		(SELECT x.id FROM applications x WHERE x.shipment_id = l.shipment_id AND x.state IN ('licensed', 'cleared')))`
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
// each vehicle's deregistration is then recorded by its exporter
// (RecordDeregistration, deregistration.go) or found overdue by the sweep
// (AnnounceOverdue).
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
		// The whole batch is cleared as declared (R15): every vehicle of
		// the schedule, each with its deregistration due (R16).
		apps := []int64{l.ApplicationID}
		if l.ShipmentID != 0 {
			if apps, err = queryAll(ctx, tx, scanID, "SELECT id FROM applications WHERE shipment_id = ? AND state = ? ORDER BY id",
				l.ShipmentID, string(ucx.StateLicensed)); err != nil {
				return err
			}
		}
		for _, id := range apps {
			t, err := tx.moveApplication(ctx, id, ucx.StepClear)
			if err != nil {
				return err
			}
			if err := tx.event(ctx, p, actAppCleared, entityApplication, id, id,
				string(t.From), string(t.To), "deregistration due "+due.String()+" (R16)"); err != nil {
				return err
			}
		}
		return tx.refreshShipment(ctx, l.ShipmentID)
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
