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
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// The batch workflow (一批一证, R4). A shipment row holds the export
// contract; each vehicle is an application row with shipment_id, decided
// and moved on its own as before; a letter row groups the confirmation
// requests of one manufacturer in one shipment. The shipment's and the
// letter's states are derived from their rows' states
// (ucx.ShipmentStateOf, letterStateOf) and refreshed in the transaction
// of every change (refreshShipment, refreshLetter), so lists can filter by
// them.

var _ ucx.ShipmentService = (*DB)(nil)

const shipmentColumns = `s.id, s.exporter_id, s.destination, s.buyer, s.contract_number, s.after_sales_terms, s.state, s.version,
	s.application_date, s.created_at, s.updated_at, (SELECT l.id FROM licences l WHERE l.shipment_id = s.id)`

func scanShipment(sc interface{ Scan(...any) error }) (*ucx.Shipment, error) {
	var s ucx.Shipment
	var state string
	var appDate, licence sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&s.ID, &s.ExporterID, &s.Destination, &s.Buyer, &s.ContractNumber, &s.AfterSalesTerms, &state, &s.Version,
		&appDate, &created, &updated, &licence); err != nil {
		return nil, err
	}
	s.State, s.ApplicationDate, s.LicenceID = ucx.State(state), optDate(appDate), licence.Int64
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &s, nil
}

// shipmentScope is workflowScope for shipments aliased s: an exporter its
// own, a manufacturer those with a letter to it (and of them only its own
// vehicles, which workflowScope selects), an authority the submitted ones
// of its jurisdiction's exporters (R14, jurisdictionScope), customs every
// submitted one.
func shipmentScope(p *ucx.Principal) (string, []any, error) {
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	switch p.OrgKind {
	case ucx.KindExporter:
		return "s.exporter_id = ?", []any{p.OrgID}, nil
	case ucx.KindManufacturer:
		return "EXISTS (SELECT 1 FROM letters t WHERE t.shipment_id = s.id AND t.manufacturer_id = ?)", []any{p.OrgID}, nil
	case ucx.KindAuthority:
		return jurisdictionScope(p, "s.application_date IS NOT NULL AND ", "s.exporter_id")
	case ucx.KindCustoms:
		return "s.application_date IS NOT NULL", nil, nil
	}
	return "", nil, errOperatorNoWorkflow()
}

// shipment loads shipment id as p may see it, with the vehicles and the
// letters p may see; any other is ENOTFOUND.
func (tx *Tx) shipment(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Shipment, error) {
	scope, args, err := shipmentScope(p)
	if err != nil {
		return nil, err
	}
	s, err := scanShipment(tx.QueryRow(ctx, "SELECT "+shipmentColumns+" FROM shipments s WHERE s.id = ? AND "+scope, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnseen(p, true, id)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.loadVehicles(ctx, p, []*ucx.Shipment{s}); err != nil {
		return nil, err
	}
	if s.Letters, err = tx.letters(ctx, p, "t.shipment_id = ?", []any{s.ID}, " ORDER BY t.id", true); err != nil {
		return nil, err
	}
	return s, nil
}

// shipmentAt is shipment at the version the caller saw.
func (tx *Tx) shipmentAt(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Shipment, error) {
	s, err := tx.shipment(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if s.Version != version {
		return nil, ucx.Errorf(ucx.ECONFLICT, "the shipment changed since you read it (version %d); reload", s.Version)
	}
	return s, nil
}

// loadVehicles fills the vehicles of ss that p may see, in filing order.
func (tx *Tx) loadVehicles(ctx context.Context, p *ucx.Principal, ss []*ucx.Shipment) error {
	if len(ss) == 0 {
		return nil
	}
	scope, args, err := workflowScope(p)
	if err != nil {
		return err
	}
	byID := map[int64]*ucx.Shipment{}
	ids := make([]any, len(ss))
	for i, s := range ss {
		byID[s.ID], ids[i] = s, s.ID
	}
	apps, err := queryAll(ctx, tx, scanApplication, "SELECT "+appColumns+" FROM applications a WHERE a.shipment_id IN ("+placeholders(len(ids))+") AND "+scope+" ORDER BY a.id",
		append(ids, args...)...)
	if err != nil {
		return err
	}
	for _, a := range apps {
		s := byID[a.ShipmentID]
		s.Vehicles = append(s.Vehicles, a)
	}
	return nil
}

// FindShipmentByID returns a shipment the caller may see (shipmentScope);
// others are ENOTFOUND.
func (db *DB) FindShipmentByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Shipment, error) {
	return viewValue(ctx, db, "sqlstore.FindShipmentByID", func(tx *Tx) (*ucx.Shipment, error) {
		return tx.shipment(ctx, p, id)
	})
}

// FindShipments lists the shipments the caller may see that match f,
// newest first, with their vehicles (not their letters) and the total.
func (db *DB) FindShipments(ctx context.Context, p *ucx.Principal, f ucx.ShipmentFilter) ([]*ucx.Shipment, int, error) {
	const op = "sqlstore.FindShipments"
	scope, args, err := shipmentScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	conds := []string{scope}
	if f.State != "" {
		if !f.State.Valid() {
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "unknown state %q", f.State)
		}
		conds, args = append(conds, "s.state = ?"), append(args, string(f.State))
	}
	if f.ExporterID != 0 {
		conds, args = append(conds, "s.exporter_id = ?"), append(args, f.ExporterID)
	}
	if f.Destination != "" {
		conds, args = append(conds, "s.destination = ?"), append(args, ucx.NormalizeCountry(f.Destination))
	}
	q, err := searchQuery(f.Query)
	if err != nil {
		return nil, 0, err
	}
	if q != "" {
		pat := likePattern(q)
		conds = append(conds, `(LOWER(s.contract_number) LIKE ? ESCAPE '\' OR LOWER(s.buyer) LIKE ? ESCAPE '\'
			OR EXISTS (SELECT 1 FROM applications x WHERE x.shipment_id = s.id AND x.vin = ?)
			OR s.exporter_id IN (SELECT o.id FROM orgs o WHERE LOWER(o.name) LIKE ? ESCAPE '\'))`)
		args = append(args, pat, pat, vin.Normalize(q), pat)
	}
	var out []*ucx.Shipment
	var total int
	err = db.View(ctx, op, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM shipments s"+where(conds), args...).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, scanShipment, "SELECT "+shipmentColumns+" FROM shipments s"+where(conds)+" ORDER BY s.id DESC LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		return tx.loadVehicles(ctx, p, out)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Limits of a shipment's contract fields.
const (
	maxContractFieldBytes = 200
	maxTermsBytes         = 4000
)

// prepareShipment checks a shipment as filed and prepares the filing of
// each vehicle (prepareFiling), its Destination, Buyer and ContractNumber
// taken from the shipment. Every error names its field: a vehicle's as
// vehicles[i].….
func (db *DB) prepareShipment(p *ucx.Principal, in *ucx.ShipmentInput) (*ucx.ShipmentInput, []*filing, error) {
	if in == nil {
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "vehicles", "the shipment is missing")
	}
	x := *in
	x.Destination = ucx.NormalizeCountry(x.Destination)
	x.Buyer, x.ContractNumber, x.AfterSalesTerms = strings.TrimSpace(x.Buyer), strings.TrimSpace(x.ContractNumber), strings.TrimSpace(x.AfterSalesTerms)
	switch {
	case x.Destination == "":
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "destination", "give the destination country of the export contract (ISO code, e.g. KZ) (R3)")
	case len(x.Buyer) > maxContractFieldBytes:
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "buyer", "the buyer is longer than %d bytes", maxContractFieldBytes)
	case len(x.ContractNumber) > maxContractFieldBytes:
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "contract_number", "the contract number is longer than %d bytes", maxContractFieldBytes)
	case len(x.AfterSalesTerms) > maxTermsBytes:
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "after_sales_terms", "the after-sales terms are longer than %d bytes; summarise them", maxTermsBytes)
	}
	if err := db.checkCount(len(x.Vehicles)); err != nil {
		return nil, nil, err
	}
	var fs []*filing
	seen := map[string]int{}
	for i := range x.Vehicles {
		f, err := db.prepareVehicle(p, &x, &x.Vehicles[i])
		if err != nil {
			return nil, nil, vehicleError(i, err)
		}
		if j, dup := seen[f.x.Vehicle.VIN]; dup {
			return nil, nil, ucx.FieldErrorf(ucx.EINVALID, vehicleField(i, "vehicle.vin"), "VIN %s is listed twice (vehicles %d and %d); a vehicle is exported once",
				f.x.Vehicle.VIN, j+1, i+1)
		}
		seen[f.x.Vehicle.VIN] = i
		fs = append(fs, f)
	}
	return &x, fs, nil
}

// checkCount is the policy's limit of vehicles per shipment (R4).
func (db *DB) checkCount(n int) error {
	max := db.policy().MaxVehicles()
	switch {
	case n == 0:
		return ucx.FieldErrorf(ucx.EINVALID, "vehicles", "a shipment lists at least one vehicle")
	case n > max:
		return ucx.FieldErrorf(ucx.EINVALID, "vehicles", "%d vehicles are more than the %d one licence may list (一批一证, R4); split them into shipments of at most %d",
			n, max, max)
	}
	return nil
}

// prepareVehicle prepares the filing of vehicle v of shipment s: its
// contract fields are the shipment's (given and different is EINVALID).
func (db *DB) prepareVehicle(p *ucx.Principal, s *ucx.ShipmentInput, v *ucx.ApplicationInput) (*filing, error) {
	c := *v
	for _, fld := range []struct {
		name      string
		own, ship *string
		norm      func(string) string
	}{
		{"destination", &c.Destination, &s.Destination, ucx.NormalizeCountry},
		{"buyer", &c.Buyer, &s.Buyer, strings.TrimSpace},
		{"contract_number", &c.ContractNumber, &s.ContractNumber, strings.TrimSpace},
	} {
		own := fld.norm(*fld.own)
		if own != "" && own != *fld.ship {
			return nil, ucx.FieldErrorf(ucx.EINVALID, fld.name, "the vehicle's %s %q differs from the shipment's %q; a shipment has one contract (R4): leave it empty or file the vehicle in another shipment",
				strings.ReplaceAll(fld.name, "_", " "), own, *fld.ship)
		}
		*fld.own = *fld.ship
	}
	c.Submit = false
	return db.prepareFiling(p, &c, ucx.CreateOptions{})
}

// vehicleField is field of vehicle i, as the API names it.
func vehicleField(i int, field string) string {
	f := "vehicles[" + strconv.Itoa(i) + "]"
	if field != "" {
		f += "." + field
	}
	return f
}

// vehicleError is err of vehicle i with its field under vehicles[i].
func vehicleError(i int, err error) error {
	var e *ucx.Error
	if !errors.As(err, &e) || e.Code == ucx.EINTERNAL || e.Code == ucx.EFORBIDDEN {
		return err
	}
	c := *e
	c.Field = vehicleField(i, e.Field)
	c.Message = fmt.Sprintf("vehicle %d: %s", i+1, e.Message)
	c.Format, c.Args = "vehicle %d: %s", []any{i + 1, e} // translated with e (i18n.ErrorText)
	return &c
}

// CreateShipment files a shipment of the caller's exporter (see
// ucx.ShipmentService): the contract and 1..Policy.MaxVehicles vehicles,
// each checked and decided by the policy as CreateApplication does, in
// one transaction; with in.Submit it is submitted in it too. With
// opts.IdempotencyKey a retry returns the first shipment, created=false.
func (db *DB) CreateShipment(ctx context.Context, p *ucx.Principal, in *ucx.ShipmentInput, opts ucx.CreateOptions) (*ucx.Shipment, bool, error) {
	const op = "sqlstore.CreateShipment"
	if err := mayTake(p, ucx.StepFile); err != nil {
		return nil, false, err
	}
	x, fs, err := db.prepareShipment(p, in)
	if err != nil {
		return nil, false, err
	}
	key := strings.TrimSpace(opts.IdempotencyKey)
	if len(key) > 200 {
		return nil, false, ucx.FieldErrorf(ucx.EINVALID, "idempotency_key", "the idempotency key is longer than 200 bytes")
	}
	var reqHash string
	if key != "" {
		body, err := json.Marshal(x)
		if err != nil {
			return nil, false, ucx.Internal(op, err)
		}
		sum := sha256.Sum256(body)
		// Shipments' keys live beside applications' in one table.
		key, reqHash = "shipment:"+key, hex.EncodeToString(sum[:])
	}
	var s *ucx.Shipment
	created := true
	err = db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			if key != "" {
				prior, err := tx.claimKey(ctx, p.OrgID, key, reqHash)
				if err != nil {
					return err
				}
				if prior != 0 {
					created = false
					s, err = tx.shipment(ctx, p, prior)
					return err
				}
			}
			id, err := tx.insertShipment(ctx, p, x)
			if err != nil {
				return err
			}
			for i, f := range fs {
				if err := db.fileVehicle(ctx, tx, f, id); err != nil {
					return vehicleError(i, err)
				}
			}
			if err := tx.refreshShipment(ctx, id); err != nil {
				return err
			}
			if key != "" {
				if _, err := tx.Exec(ctx, "UPDATE idempotency_keys SET entity_id = ? WHERE org_id = ? AND key = ?", id, p.OrgID, key); err != nil {
					return err
				}
			}
			if s, err = tx.shipment(ctx, p, id); err != nil {
				return err
			}
			if x.Submit {
				if err := db.submitShipment(ctx, tx, p, s); err != nil {
					return err
				}
				s, err = tx.shipment(ctx, p, id)
			}
			return err
		})
	})
	if err != nil {
		return nil, false, err
	}
	return s, created, nil
}

// fileVehicle inserts the draft of filing f into shipment id, decided
// again if the day changed since it was prepared (R1).
func (db *DB) fileVehicle(ctx context.Context, tx *Tx, f *filing, id int64) error {
	if today := tx.today(); today != f.on {
		if err := db.decideFiling(f, today); err != nil {
			return err
		}
	}
	_, err := db.insertApplication(ctx, tx, f, id)
	return err
}

// insertShipment writes a new draft shipment of p's exporter with the
// contract in in (its vehicles are inserted by the caller) and returns its
// id (R4).
func (tx *Tx) insertShipment(ctx context.Context, p *ucx.Principal, in *ucx.ShipmentInput) (int64, error) {
	return tx.InsertID(ctx, `INSERT INTO shipments (exporter_id, destination, buyer, contract_number, after_sales_terms, state, version,
		application_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)`,
		p.OrgID, in.Destination, in.Buyer, in.ContractNumber, in.AfterSalesTerms, string(ucx.StateDraft), micros(tx.now), micros(tx.now))
}

// AddVehicle adds a vehicle to a draft shipment, within the limit (R4).
func (db *DB) AddVehicle(ctx context.Context, p *ucx.Principal, id int64, version int, in *ucx.ApplicationInput) (*ucx.Shipment, error) {
	const op = "sqlstore.AddVehicle"
	if err := mayTake(p, ucx.StepFile); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "vehicle", "the vehicle is missing")
	}
	var s *ucx.Shipment
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if s, err = tx.shipmentAt(ctx, p, id, version); err != nil {
			return err
		}
		if s.State != ucx.StateDraft && !(s.State == ucx.StateWithdrawn && s.ApplicationDate.IsZero()) {
			return ucx.Errorf(ucx.ERULE, "the shipment is %s; vehicles are added only to a draft, a submitted shipment only loses them", s.State)
		}
		if err := db.checkCount(len(s.Live()) + 1); err != nil {
			return err
		}
		c := &ucx.ShipmentInput{Destination: s.Destination, Buyer: s.Buyer, ContractNumber: s.ContractNumber}
		f, err := db.prepareVehicle(p, c, in)
		if err != nil {
			return err
		}
		if err := db.fileVehicle(ctx, tx, f, id); err != nil {
			return err
		}
		if err := tx.refreshShipment(ctx, id); err != nil {
			return err
		}
		s, err = tx.shipment(ctx, p, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RemoveVehicle takes vehicle appID out of shipment id: withdrawn, with
// its pending request voided, from a draft or a submitted shipment before
// its licence; the audit trail keeps the change (R4).
func (db *DB) RemoveVehicle(ctx context.Context, p *ucx.Principal, id int64, version int, appID int64) (*ucx.Shipment, error) {
	const op = "sqlstore.RemoveVehicle"
	if err := mayTake(p, ucx.StepWithdraw); err != nil {
		return nil, err
	}
	var s *ucx.Shipment
	err := db.Update(ctx, op, func(tx *Tx) error {
		var err error
		if s, err = tx.shipmentAt(ctx, p, id, version); err != nil {
			return err
		}
		i := slices.IndexFunc(s.Vehicles, func(a *ucx.Application) bool { return a.ID == appID })
		if i < 0 {
			return ucx.FieldErrorf(ucx.ENOTFOUND, "application_id", "vehicle %d is not in shipment %d", appID, id)
		}
		if err := tx.withdraw(ctx, p, s.Vehicles[i], "removed from shipment "+itoa(id)); err != nil {
			return err
		}
		if err := tx.refreshLetters(ctx, id); err != nil {
			return err
		}
		if err := tx.refreshShipment(ctx, id); err != nil {
			return err
		}
		s, err = tx.shipment(ctx, p, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// SubmitShipment submits every draft vehicle of the shipment in one
// transaction (see ucx.ShipmentService).
func (db *DB) SubmitShipment(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Shipment, error) {
	const op = "sqlstore.SubmitShipment"
	if err := mayTake(p, ucx.StepSubmit); err != nil {
		return nil, err
	}
	var s *ucx.Shipment
	err := db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			var err error
			if s, err = tx.shipmentAt(ctx, p, id, version); err != nil {
				return err
			}
			if err := db.submitShipment(ctx, tx, p, s); err != nil {
				return err
			}
			s, err = tx.shipment(ctx, p, id)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// submitShipment submits the draft vehicles of s, all or none: each is
// decided again for today (R1) and any invalid or blocked vehicle, or one
// whose manufacturer is not on the platform, refuses the whole submission
// naming every such vehicle. Those needing a letter go to their
// manufacturers, one letter per manufacturer (R4, letterFor).
func (db *DB) submitShipment(ctx context.Context, tx *Tx, p *ucx.Principal, s *ucx.Shipment) error {
	var drafts []int
	for i, a := range s.Vehicles {
		if a.State == ucx.StateDraft {
			drafts = append(drafts, i)
		}
	}
	if len(drafts) == 0 {
		return ucx.Errorf(ucx.ERULE, "the shipment is %s and has no draft vehicle to submit", s.State)
	}
	if err := db.checkCount(len(s.Live())); err != nil {
		return err
	}
	today := tx.today()
	decisions := make([]ucx.Decision, len(s.Vehicles))
	var problems []string
	for _, i := range drafts {
		a := s.Vehicles[i]
		d := db.decide(&a.ApplicationInput, today)
		decisions[i] = d
		why := ""
		switch d.Outcome {
		case ucx.Invalid:
			why = reasonList(d.Reasons, ucx.Reject)
		case ucx.Blocked:
			why = reasonList(d.Reasons, ucx.Block)
		case ucx.LetterRequired:
			mfr := a.ManufacturerID
			if mfr == 0 {
				var err error
				if mfr, err = tx.routeVIN(ctx, a.Vehicle.VIN); err != nil {
					return err
				}
			}
			if mfr == 0 {
				why = fmt.Sprintf("R1 requires a confirmation from its manufacturer (WMI %s), which is not on the platform; remove the vehicle or ask the manufacturer to join",
					wmiKey(a.Vehicle.VIN))
			}
		}
		if why != "" {
			problems = append(problems, fmt.Sprintf("vehicle %d (%s): %s", i+1, a.Vehicle.VIN, why))
		}
	}
	if len(problems) > 0 {
		return ucx.Errorf(ucx.ERULE, "the shipment cannot be submitted: %s; correct or remove these vehicles and submit again", strings.Join(problems, "; "))
	}
	for _, i := range drafts {
		dec, err := toJSON(&decisions[i])
		if err != nil {
			return err
		}
		if err := db.submitDecided(ctx, tx, p, s.Vehicles[i], decisions[i], dec); err != nil {
			return vehicleError(i, err)
		}
	}
	return tx.refreshShipment(ctx, s.ID)
}

// WithdrawShipment withdraws every live vehicle of the shipment before
// its licence, voiding their pending requests.
func (db *DB) WithdrawShipment(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Shipment, error) {
	const op = "sqlstore.WithdrawShipment"
	if err := mayTake(p, ucx.StepWithdraw); err != nil {
		return nil, err
	}
	var s *ucx.Shipment
	err := db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			var err error
			if s, err = tx.shipmentAt(ctx, p, id, version); err != nil {
				return err
			}
			live := s.Live()
			if len(live) == 0 {
				return ucx.Errorf(ucx.ERULE, "the shipment is %s; it has no vehicle left to withdraw", s.State)
			}
			for _, a := range live {
				if err := tx.withdraw(ctx, p, a, "shipment "+itoa(id)+" withdrawn"); err != nil {
					return err
				}
			}
			if err := tx.refreshLetters(ctx, id); err != nil {
				return err
			}
			if err := tx.refreshShipment(ctx, id); err != nil {
				return err
			}
			s, err = tx.shipment(ctx, p, id)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// refreshShipment is to be called, in the same transaction, after every
// change to a vehicle of shipment id (filing, submission, withdrawal, an
// answer of a letter, a licence issued or refused, a clearance): the
// shipment's state becomes ucx.ShipmentStateOf its vehicles' states, its
// application date the earliest of its vehicles', and its version and
// update time move on (R4: a shipment is versioned with every change of
// its vehicles). A zero id (a row from before shipments) does nothing.
func (tx *Tx) refreshShipment(ctx context.Context, id int64) error {
	if id == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, "SELECT state, application_date FROM applications WHERE shipment_id = ?", id)
	if err != nil {
		return err
	}
	var states []ucx.State
	var first sql.NullInt64
	for rows.Next() {
		var st string
		var day sql.NullInt64
		if err := rows.Scan(&st, &day); err != nil {
			rows.Close()
			return err
		}
		states = append(states, ucx.State(st))
		if day.Valid && (!first.Valid || day.Int64 < first.Int64) {
			first = day
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var date any
	if first.Valid {
		date = first.Int64
	}
	_, err = tx.Exec(ctx, "UPDATE shipments SET state = ?, application_date = ?, version = version + 1, updated_at = ? WHERE id = ?",
		string(ucx.ShipmentStateOf(states)), date, micros(tx.now), id)
	return err
}

// refreshShipmentOf is refreshShipment for the shipment of application
// appID.
func (tx *Tx) refreshShipmentOf(ctx context.Context, appID int64) error {
	var id sql.NullInt64
	if err := tx.QueryRow(ctx, "SELECT shipment_id FROM applications WHERE id = ?", appID).Scan(&id); err != nil {
		return err
	}
	return tx.refreshShipment(ctx, id.Int64)
}

// afterAnswer refreshes the letter and the shipment of request r once
// one of its rows changed outside AnswerLetter (a single request answered
// by hand or by a rule, an application withdrawn).
func (tx *Tx) afterAnswer(ctx context.Context, r *ucx.ConfirmationRequest) error {
	if err := tx.refreshLetter(ctx, r.LetterID); err != nil {
		return err
	}
	return tx.refreshShipmentOf(ctx, r.ApplicationID)
}

// letterFor returns the letter that a new confirmation request for
// application a to manufacturer mfr joins: the open letter of a's
// shipment to mfr, or a new one (R4: one letter per manufacturer and
// shipment; a single-car application's is a letter of one).
func (tx *Tx) letterFor(ctx context.Context, a *ucx.Application, mfr int64) (int64, error) {
	if a.ShipmentID == 0 {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM letters WHERE shipment_id = ? AND manufacturer_id = ? AND state IN (?, ?) ORDER BY id LIMIT 1",
		a.ShipmentID, mfr, string(ucx.LetterPending), string(ucx.LetterPartial)).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return tx.InsertID(ctx, `INSERT INTO letters (shipment_id, manufacturer_id, exporter_id, destination, state, version, requested_at)
		VALUES (?, ?, ?, ?, ?, 1, ?)`, a.ShipmentID, mfr, a.ExporterID, a.Destination, string(ucx.LetterPending), micros(tx.now))
}

// letterStateOf is a letter's state from its requests' states: void when
// every request was voided (or there is none), pending while none is
// answered, partial while some are answered and some pending, answered
// when none is pending.
func letterStateOf(states []ucx.ConfirmationState) ucx.LetterState {
	pending, answered := 0, 0
	for _, s := range states {
		switch s {
		case ucx.ConfirmationPending:
			pending++
		case ucx.ConfirmationApproved, ucx.ConfirmationRefused:
			answered++
		}
	}
	switch {
	case pending > 0 && answered > 0:
		return ucx.LetterPartial
	case pending > 0:
		return ucx.LetterPending
	case answered > 0:
		return ucx.LetterAnswered
	}
	return ucx.LetterVoid
}

// refreshLetter recomputes letter id's state from its requests after a
// change to one of them, and moves its version on. A zero id (a request
// from before letters) does nothing.
func (tx *Tx) refreshLetter(ctx context.Context, id int64) error {
	if id == 0 {
		return nil
	}
	states, err := queryAll(ctx, tx, func(sc interface{ Scan(...any) error }) (ucx.ConfirmationState, error) {
		var s string
		err := sc.Scan(&s)
		return ucx.ConfirmationState(s), err
	}, "SELECT state FROM confirmation_requests WHERE letter_id = ?", id)
	if err != nil {
		return err
	}
	st := letterStateOf(states)
	var answered any
	if st == ucx.LetterAnswered {
		answered = micros(tx.now)
	}
	_, err = tx.Exec(ctx, "UPDATE letters SET state = ?, version = version + 1, answered_at = COALESCE(answered_at, ?) WHERE id = ?",
		string(st), answered, id)
	return err
}

// refreshLetters refreshes every letter of shipment id.
func (tx *Tx) refreshLetters(ctx context.Context, id int64) error {
	ids, err := queryAll(ctx, tx, scanID, "SELECT id FROM letters WHERE shipment_id = ? AND state IN (?, ?)",
		id, string(ucx.LetterPending), string(ucx.LetterPartial))
	if err != nil {
		return err
	}
	for _, lid := range ids {
		if err := tx.refreshLetter(ctx, lid); err != nil {
			return err
		}
	}
	return nil
}

const letterRowColumns = "t.id, t.shipment_id, t.manufacturer_id, t.exporter_id, t.destination, t.state, t.version, t.requested_at, t.answered_at"

func scanLetter(sc interface{ Scan(...any) error }) (*ucx.Letter, error) {
	var l ucx.Letter
	var state string
	var requested int64
	var answered sql.NullInt64
	if err := sc.Scan(&l.ID, &l.ShipmentID, &l.ManufacturerID, &l.ExporterID, &l.Destination, &state, &l.Version, &requested, &answered); err != nil {
		return nil, err
	}
	l.State, l.RequestedAt, l.AnsweredAt = ucx.LetterState(state), fromMicros(requested), optTime(answered)
	return &l, nil
}

// letterScope is requestScope for letters aliased t: a manufacturer its
// own (R2), an exporter those of its shipments, authorities and customs
// all.
func letterScope(p *ucx.Principal) (string, []any, error) {
	scope, args, err := requestScope(p)
	return strings.ReplaceAll(scope, "r.", "t."), args, err
}

// letters returns the letters p may see that match cond, in order, with
// their requests when full.
func (tx *Tx) letters(ctx context.Context, p *ucx.Principal, cond string, args []any, order string, full bool) ([]*ucx.Letter, error) {
	scope, sargs, err := letterScope(p)
	if err != nil {
		return nil, err
	}
	ls, err := queryAll(ctx, tx, scanLetter, "SELECT "+letterRowColumns+" FROM letters t WHERE "+cond+" AND "+scope+order, append(args, sargs...)...)
	if err != nil || !full {
		return ls, err
	}
	for _, l := range ls {
		if l.Requests, err = queryAll(ctx, tx, scanRequest, "SELECT "+requestColumns+requestFrom+" WHERE r.letter_id = ? ORDER BY r.id", l.ID); err != nil {
			return nil, err
		}
		hideSorting(p, l.Requests...)
		for _, r := range l.Requests {
			if r.DocumentDigest != "" && !slices.Contains(l.DocumentDigests, r.DocumentDigest) {
				l.DocumentDigests = append(l.DocumentDigests, r.DocumentDigest)
			}
		}
	}
	return ls, nil
}

func (tx *Tx) letter(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Letter, error) {
	ls, err := tx.letters(ctx, p, "t.id = ?", []any{id}, "", true)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "letter %d not found", id)
	}
	return ls[0], nil
}

// FindLetterByID returns a letter the caller may see, with its requests;
// another manufacturer's is ENOTFOUND (R2).
func (db *DB) FindLetterByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.Letter, error) {
	return viewValue(ctx, db, "sqlstore.FindLetterByID", func(tx *Tx) (*ucx.Letter, error) {
		return tx.letter(ctx, p, id)
	})
}

// FindLetters lists the letters the caller may see that match f, with
// their requests: a manufacturer's open letters oldest first (answered in
// the order they came), everything else newest first.
func (db *DB) FindLetters(ctx context.Context, p *ucx.Principal, f ucx.LetterFilter) ([]*ucx.Letter, int, error) {
	const op = "sqlstore.FindLetters"
	scope, sargs, err := letterScope(p)
	if err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	conds, args := []string{"1 = 1"}, []any{}
	switch f.State {
	case "":
	case ucx.LetterPending, ucx.LetterPartial, ucx.LetterAnswered, ucx.LetterVoid:
		conds, args = append(conds, "t.state = ?"), append(args, string(f.State))
	default:
		return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be pending, partial, answered or void")
	}
	if f.ShipmentID != 0 {
		conds, args = append(conds, "t.shipment_id = ?"), append(args, f.ShipmentID)
	}
	if f.ExporterID != 0 {
		conds, args = append(conds, "t.exporter_id = ?"), append(args, f.ExporterID)
	}
	order := " ORDER BY t.id DESC"
	if p.Is(ucx.KindManufacturer) && (f.State == ucx.LetterPending || f.State == ucx.LetterPartial) {
		order = " ORDER BY t.id"
	}
	cond := strings.Join(conds, " AND ")
	var out []*ucx.Letter
	var total int
	err = db.View(ctx, op, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM letters t WHERE "+cond+" AND "+scope, append(append([]any{}, args...), sargs...)...).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = tx.letters(ctx, p, cond, args, order+" LIMIT "+strconv.Itoa(limit)+" OFFSET "+strconv.Itoa(offset), true)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// AnswerLetter answers VINs of a letter, sealing the approvals with the
// custodial key (AnswerLetterSealed).
func (db *DB) AnswerLetter(ctx context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer) (*ucx.Letter, error) {
	return db.AnswerLetterSealed(ctx, p, id, version, answers, nil)
}

// letterAnswers is a checked set of answers to one letter.
type letterAnswers struct {
	letter    *ucx.Letter
	mfr       *ucx.Org
	approvals []approval
	refusals  []refusal
}

type approval struct {
	r       *ucx.ConfirmationRequest
	ids     []int64
	outlets []*ucx.Outlet
}

type refusal struct {
	r          *ucx.ConfirmationRequest
	code, text string
}

// checkAnswers checks answers before any transaction: at least one, no
// request twice, each refusal's code and text, and the caller's right to
// take the steps they are.
func checkAnswers(p *ucx.Principal, answers []ucx.LetterAnswer) error {
	if len(answers) == 0 {
		return ucx.FieldErrorf(ucx.EINVALID, "answers", "answer at least one VIN of the letter")
	}
	seen := map[int64]bool{}
	for i, a := range answers {
		field := "answers[" + strconv.Itoa(i) + "]"
		if seen[a.RequestID] {
			return ucx.FieldErrorf(ucx.EINVALID, field+".request_id", "request %d is answered twice", a.RequestID)
		}
		seen[a.RequestID] = true
		step := ucx.StepConfirm
		if !a.Approve {
			step = ucx.StepRefuseConfirmation
			if _, _, err := checkRefusal(a.RefusalCode, a.RefusalText); err != nil {
				var e *ucx.Error
				if errors.As(err, &e) {
					c := *e
					c.Field = field + "." + map[string]string{"code": "refusal_code", "text": "refusal_text"}[e.Field]
					return &c
				}
				return err
			}
		}
		if err := mayTake(p, step); err != nil {
			return err
		}
	}
	return nil
}

// answers loads letter id at version (when version >= 0) and matches
// answers to its pending requests, checking each approval's outlets (R3).
func (tx *Tx) answers(ctx context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer) (*letterAnswers, error) {
	l, err := tx.letter(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !p.Is(ucx.KindManufacturer) || l.ManufacturerID != p.OrgID {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "letter %d not found", id)
	}
	if version >= 0 && l.Version != version {
		return nil, ucx.Errorf(ucx.ECONFLICT, "the letter changed since you read it (version %d); reload", l.Version)
	}
	la := &letterAnswers{letter: l}
	for i, a := range answers {
		field := "answers[" + strconv.Itoa(i) + "]"
		j := slices.IndexFunc(l.Requests, func(r *ucx.ConfirmationRequest) bool { return r.ID == a.RequestID })
		if j < 0 {
			return nil, ucx.FieldErrorf(ucx.EINVALID, field+".request_id", "request %d is not in letter %d", a.RequestID, id)
		}
		r := l.Requests[j]
		if r.State != ucx.ConfirmationPending {
			return nil, ucx.FieldErrorf(ucx.ERULE, field+".request_id", "VIN %s is already %s; only a pending VIN can be answered", r.VIN, r.State)
		}
		if !a.Approve {
			code, text, _ := checkRefusal(a.RefusalCode, a.RefusalText)
			la.refusals = append(la.refusals, refusal{r: r, code: code, text: text})
			continue
		}
		if la.mfr == nil {
			// Once per answer: the manufacturer may confirm at all (R2).
			if la.mfr, err = tx.confirmer(ctx, p); err != nil {
				return nil, err
			}
		}
		ids := dedupIDs(a.OutletIDs)
		chosen, err := outletsFor(la.mfr, r, ids)
		if err != nil {
			var e *ucx.Error
			if errors.As(err, &e) {
				c := *e
				c.Field = field + ".outlet_ids"
				c.Message = r.VIN + ": " + e.Message
				c.Format, c.Args = "%s: %s", []any{r.VIN, e}
				return nil, &c
			}
			return nil, err
		}
		la.approvals = append(la.approvals, approval{r: r, ids: ids, outlets: chosen})
	}
	return la, nil
}

// document is the sealed confirmation of the approvals (R3): one document
// for every VIN the answer approves, with the outlets of each, the
// destination and the manufacturer's exact legal name.
func (la *letterAnswers) document(on ucx.Date) ([]byte, error) {
	lead := la.approvals[0].r
	d := confirmationDocument{
		ApplicationID:  lead.ApplicationID,
		ConfirmationID: lead.ID,
		Destinations:   []string{la.letter.Destination},
		IssuedOn:       on,
		LetterID:       la.letter.ID,
		Manufacturer:   la.mfr.Name,
		ManufacturerID: la.mfr.ID,
		ShipmentID:     la.letter.ShipmentID,
		Type:           docConfirmation,
	}
	for _, a := range la.approvals {
		d.Vehicles = append(d.Vehicles, confirmedVehicleOf(a.r, a.outlets))
	}
	return canonicalJSON(d)
}

// LetterToSeal returns the confirmation that AnswerLetter with answers
// would seal today, for a manufacturer without a custodial key.
func (db *DB) LetterToSeal(ctx context.Context, p *ucx.Principal, id int64, answers []ucx.LetterAnswer) ([]byte, error) {
	if err := checkAnswers(p, answers); err != nil {
		return nil, err
	}
	var doc []byte
	err := db.View(ctx, "sqlstore.LetterToSeal", func(tx *Tx) error {
		la, err := tx.answers(ctx, p, id, -1, answers)
		if err != nil {
			return err
		}
		if len(la.approvals) == 0 {
			return ucx.FieldErrorf(ucx.EINVALID, "answers", "no VIN is approved, so there is nothing to seal; send the refusals without a seal")
		}
		doc, err = la.document(tx.today())
		return err
	})
	return doc, err
}

// AnswerLetterSealed answers VINs of letter id in one transaction: each
// refusal refuses its vehicle, and the approvals are sealed together in
// one confirmation (envelope: LetterToSeal's document sealed offline; nil
// seals with the custodial key), stored once, which every approved
// request cites, and move their vehicles on to review (R3, R4).
func (db *DB) AnswerLetterSealed(ctx context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer, envelope []byte) (*ucx.Letter, error) {
	const op = "sqlstore.AnswerLetter"
	if err := checkAnswers(p, answers); err != nil {
		return nil, err
	}
	var l *ucx.Letter
	err := db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			la, err := tx.answers(ctx, p, id, version, answers)
			if err != nil {
				return err
			}
			if len(la.approvals) == 0 && envelope != nil {
				return ucx.FieldErrorf(ucx.EINVALID, "envelope", "no VIN is approved, so there is nothing to seal; send the refusals without a seal")
			}
			if len(la.approvals) > 0 {
				doc, env, _, err := tx.sealDoc(ctx, p.OrgID, envelope, la.document)
				if err != nil {
					return err
				}
				lead := la.approvals[0].r.ID
				for _, a := range la.approvals {
					if err := tx.approveOne(ctx, p, a.r, a.ids, doc, lead, ""); err != nil {
						return err
					}
				}
				if env != nil {
					if _, err := tx.storeDocument(ctx, ucx.DocConfirmation, lead, p.OrgID, []int64{la.letter.ExporterID}, doc, env, ""); err != nil {
						return err
					}
				}
			}
			for _, r := range la.refusals {
				if err := tx.refuseOne(ctx, p, r.r, r.code, r.text, ""); err != nil {
					return err
				}
			}
			if err := tx.refreshLetter(ctx, id); err != nil {
				return err
			}
			if err := tx.refreshShipment(ctx, la.letter.ShipmentID); err != nil {
				return err
			}
			l, err = tx.letter(ctx, p, id)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// IssueShipmentLicence issues one licence for the shipment's live
// vehicles with the custodial key (IssueShipmentLicenceSealed).
func (db *DB) IssueShipmentLicence(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Licence, error) {
	return db.IssueShipmentLicenceSealed(ctx, p, id, version, nil)
}

// IssueShipmentLicenceSealed issues the licence of shipment id (see
// ucx.ShipmentService and licencePlan for the refusals), sealed offline
// (envelope: ShipmentLicenceToSeal's document) or with the custodial key.
func (db *DB) IssueShipmentLicenceSealed(ctx context.Context, p *ucx.Principal, id int64, version int, envelope []byte) (*ucx.Licence, error) {
	const op = "sqlstore.IssueShipmentLicence"
	if err := mayTake(p, ucx.StepIssueLicence); err != nil {
		return nil, err
	}
	var l *ucx.Licence
	err := db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			s, err := tx.shipmentAt(ctx, p, id, version)
			if err != nil {
				return err
			}
			lp, err := db.shipmentPlan(ctx, tx, p, s)
			if err != nil {
				return err
			}
			l, err = tx.issue(ctx, p, lp, envelope)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// shipmentPlan is the licence plan of shipment s: every live vehicle,
// all under review.
func (db *DB) shipmentPlan(ctx context.Context, tx *Tx, p *ucx.Principal, s *ucx.Shipment) (*licencePlan, error) {
	if s.State != ucx.StateUnderReview {
		var waiting []string
		for _, a := range s.Live() {
			if a.State != ucx.StateUnderReview {
				waiting = append(waiting, a.Vehicle.VIN+" is "+string(a.State))
			}
		}
		msg := fmt.Sprintf("the shipment is %s; its licence is issued when every vehicle left in it is under review", s.State)
		if len(waiting) > 0 {
			msg += " (" + strings.Join(waiting, ", ") + "); wait for the letters or remove those vehicles"
		}
		return nil, ucx.Errorf(ucx.ERULE, "%s", msg)
	}
	return db.licencePlan(ctx, tx, p, s.ID, s.Live())
}

// ShipmentLicenceToSeal returns the licence document that issuing shipment
// id's licence today would produce, refused with every reason when it
// could not be issued.
func (db *DB) ShipmentLicenceToSeal(ctx context.Context, p *ucx.Principal, id int64) ([]byte, error) {
	if err := mayTake(p, ucx.StepIssueLicence); err != nil {
		return nil, err
	}
	var doc []byte
	err := db.View(ctx, "sqlstore.ShipmentLicenceToSeal", func(tx *Tx) error {
		s, err := tx.shipment(ctx, p, id)
		if err != nil {
			return err
		}
		lp, err := db.shipmentPlan(ctx, tx, p, s)
		if err != nil {
			return err
		}
		doc, err = lp.document(tx.today())
		return err
	})
	return doc, err
}

// RefuseShipmentLicence refuses the licence for every live vehicle of the
// shipment, all under review, with a code and text as RefuseLicence.
func (db *DB) RefuseShipmentLicence(ctx context.Context, p *ucx.Principal, id int64, version int, code, text string) (*ucx.Shipment, error) {
	const op = "sqlstore.RefuseShipmentLicence"
	if err := mayTake(p, ucx.StepRefuseLicence); err != nil {
		return nil, err
	}
	code, text, err := checkRefusal(code, text)
	if err != nil {
		return nil, err
	}
	var s *ucx.Shipment
	err = db.Update(ctx, op, func(tx *Tx) error {
		return tx.coalesce(ctx, p, func() error {
			var err error
			if s, err = tx.shipmentAt(ctx, p, id, version); err != nil {
				return err
			}
			if s.State != ucx.StateUnderReview {
				return ucx.Errorf(ucx.ERULE, "only a shipment under review can be decided; this one is %s", s.State)
			}
			live := s.Live()
			for _, a := range live {
				if err := tx.refuseLicence(ctx, p, a, code, text); err != nil {
					return err
				}
			}
			if err := tx.refusalCredit(ctx, p, live[0], code, text); err != nil {
				return err
			}
			if err := tx.refreshShipment(ctx, id); err != nil {
				return err
			}
			s, err = tx.shipment(ctx, p, id)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}
