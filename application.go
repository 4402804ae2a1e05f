package ucx

import (
	"context"
	"errors"
	"time"
)

// State is where an application stands in the export workflow.
type State string

// The workflow's states. Which step leads from which to which, who takes
// it and what it requires is the table Workflow (workflow.go).
const (
	StateDraft                State = "draft"
	StateSubmitted            State = "submitted"
	StateAwaitingConfirmation State = "awaiting_confirmation"
	StateUnderReview          State = "under_review"
	StateLicensed             State = "licensed"
	StateRefused              State = "refused"
	StateWithdrawn            State = "withdrawn"
	StateCleared              State = "cleared"
)

// States lists every state in workflow order, for filters and figures.
var States = []State{StateDraft, StateSubmitted, StateAwaitingConfirmation, StateUnderReview,
	StateLicensed, StateRefused, StateWithdrawn, StateCleared}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// Terminal reports whether no further action is possible on the
// application: no step of Workflow leaves s.
func (s State) Terminal() bool {
	for _, t := range Workflow {
		if t.From == s && t.From != "" {
			return false
		}
	}
	return true
}

// EnergyType is the vehicle's energy type, as the licence application asks.
type EnergyType string

// Energy types.
const (
	EnergyPetrol   EnergyType = "petrol"
	EnergyDiesel   EnergyType = "diesel"
	EnergyHybrid   EnergyType = "hybrid"
	EnergyPlugIn   EnergyType = "plug_in_hybrid"
	EnergyElectric EnergyType = "battery_electric"
)

// Valid reports whether e is a known energy type.
func (e EnergyType) Valid() bool {
	switch e {
	case EnergyPetrol, EnergyDiesel, EnergyHybrid, EnergyPlugIn, EnergyElectric:
		return true
	}
	return false
}

// NewEnergy reports whether e is a new-energy type, for which the battery
// capacity must be declared.
func (e EnergyType) NewEnergy() bool {
	return e == EnergyPlugIn || e == EnergyElectric
}

// VehicleDetails is the vehicle as the licence application describes it. The
// brand, model, registration date and transfer date must equal the
// registration certificate (R5).
type VehicleDetails struct {
	VIN              string     `json:"vin"`
	Brand            string     `json:"brand"`
	Model            string     `json:"model"`
	AnnouncementCode string     `json:"announcement_model_code,omitempty"` // MIIT announcement model code
	Energy           EnergyType `json:"energy_type"`
	EngineOrMotor    string     `json:"engine_or_motor,omitempty"`
	BatteryKWh       float64    `json:"battery_kwh,omitempty"`
	Colour           string     `json:"colour,omitempty"`
	Seats            int        `json:"seats,omitempty"`
	ManufactureDate  Date       `json:"manufacture_date,omitempty"`
	EmissionStandard string     `json:"emission_standard,omitempty"`
	RegistrationDate Date       `json:"registration_date"`
	TransferDate     Date       `json:"transfer_date"`
	MileageKM        *int       `json:"mileage_km,omitempty"`
	Modified         bool       `json:"modified"`
}

// CertificateValues are the registration certificate's own values (R5).
type CertificateValues struct {
	Brand            string `json:"brand"`
	Model            string `json:"model"`
	RegistrationDate Date   `json:"registration_date"`
	TransferDate     Date   `json:"transfer_date"`
	// Owner is the owner (机动车所有人) as printed on the certificate:
	// after the transfer for export (R13) it must be the exporter filing,
	// under its exact legal name (R10; see CertificateOwnerProblem).
	// Empty when not given (older data): a note at filing, required at
	// licence issue.
	Owner string `json:"owner,omitempty"`
}

// ApplicationInput is what an exporter files.
type ApplicationInput struct {
	Vehicle          VehicleDetails    `json:"vehicle"`
	Certificate      CertificateValues `json:"certificate"`
	Destination      string            `json:"destination"`
	Buyer            string            `json:"buyer"`
	ContractNumber   string            `json:"contract_number"`
	InspectionReport string            `json:"inspection_report,omitempty"` // reference of the CMA/CNAS report (R12)
	// Modification is the R9 evidence of a vehicle filed as modified
	// (Vehicle.Modified); nil when none is declared.
	Modification *ModificationEvidence `json:"modification,omitempty"`
	// BannedCases are the R11 banned cases the exporter declares, by the
	// policy's codes (encumbered, seized, …); each blocks the licence.
	BannedCases []string `json:"banned_cases,omitempty"`
	// Submit files the application at once instead of keeping a draft.
	Submit bool `json:"submit,omitempty"`
}

// ModificationEvidence is what R9 asks of a modified vehicle, as filed:
// the chassis brand, the brand and model it was modified under, and
// whether proof of a genuine modification, a MIIT catalogue listing and a
// valid CCC certificate are held. A nil yes/no was not declared, which is
// not "no": the policy notes it at filing and the licence is not issued
// without it (R9).
type ModificationEvidence struct {
	ChassisBrand  string `json:"chassis_brand,omitempty"`
	ModifiedBrand string `json:"modified_brand,omitempty"`
	ModifiedModel string `json:"modified_model,omitempty"`
	Genuine       *bool  `json:"genuine,omitempty"`
	MIITCatalogue *bool  `json:"miit_catalogue,omitempty"`
	CCC           *bool  `json:"ccc,omitempty"`
}

// factOfPtr is Unknown for nil, else Yes or No.
func factOfPtr(b *bool) Fact {
	if b == nil {
		return Unknown
	}
	return FactOf(*b)
}

// PtrOfFact is factOfPtr's inverse: nil for Unknown.
func PtrOfFact(f Fact) *bool {
	if f == Unknown {
		return nil
	}
	b := f == Yes
	return &b
}

// Normalize trims text fields and upper-cases the VIN and destination, so
// that stored values compare exactly (R5).
func (in *ApplicationInput) Normalize() {
	v := &in.Vehicle
	v.VIN = upperASCII(trimSpace(v.VIN))
	v.Brand, v.Model = trimSpace(v.Brand), trimSpace(v.Model)
	in.Certificate.Brand, in.Certificate.Model = trimSpace(in.Certificate.Brand), trimSpace(in.Certificate.Model)
	in.Certificate.Owner = trimSpace(in.Certificate.Owner)
	in.Destination = NormalizeCountry(in.Destination)
	in.Buyer, in.ContractNumber = trimSpace(in.Buyer), trimSpace(in.ContractNumber)
	if m := in.Modification; m != nil {
		x := *m
		x.ChassisBrand, x.ModifiedBrand, x.ModifiedModel = trimSpace(x.ChassisBrand), trimSpace(x.ModifiedBrand), trimSpace(x.ModifiedModel)
		if x == (ModificationEvidence{}) {
			in.Modification = nil
		} else {
			in.Modification = &x
		}
	}
	var bans []string
	for _, b := range in.BannedCases {
		if b = trimSpace(b); b != "" {
			bans = append(bans, b)
		}
	}
	in.BannedCases = bans
}

// Validate checks the shape of an application: required fields present and
// well-formed. Whether the regulation allows the export is the policy's
// business, not this method's. The VIN check digit is the vin package's.
// It returns the first of Problems, so the API names one field at a time
// in a stable order.
func (in *ApplicationInput) Validate() error {
	if ps := in.Problems(); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// Problems is every shape error of the application, at most one per
// field, in the order Validate reports them: a form shows them all at once,
// each beside its field.
func (in *ApplicationInput) Problems() []*Error {
	var out []*Error
	bad := map[string]bool{}
	add := func(e *Error) {
		if !bad[e.Field] {
			bad[e.Field] = true
			out = append(out, e)
		}
	}
	v := &in.Vehicle
	if v.VIN == "" {
		add(FieldErrorf(EINVALID, "vehicle.vin", "the VIN is required"))
	}
	if v.Brand == "" {
		add(FieldErrorf(EINVALID, "vehicle.brand", "the brand is required, exactly as on the registration certificate (R5)"))
	}
	if v.Model == "" {
		add(FieldErrorf(EINVALID, "vehicle.model", "the model is required, exactly as on the registration certificate (R5)"))
	}
	if v.Energy != "" && !v.Energy.Valid() {
		add(FieldErrorf(EINVALID, "vehicle.energy_type", "energy type must be petrol, diesel, hybrid, plug_in_hybrid or battery_electric"))
	}
	if v.Energy.NewEnergy() && v.BatteryKWh <= 0 {
		add(FieldErrorf(EINVALID, "vehicle.battery_kwh", "a new-energy vehicle needs its battery capacity in kWh"))
	}
	if !(v.BatteryKWh >= 0 && v.BatteryKWh <= 1000) { // written so that NaN fails too
		add(FieldErrorf(EINVALID, "vehicle.battery_kwh", "battery capacity must be between 0 and 1000 kWh"))
	}
	if v.Seats < 0 || v.Seats > 100 {
		add(FieldErrorf(EINVALID, "vehicle.seats", "seats must be between 1 and 100"))
	}
	if v.MileageKM != nil && (*v.MileageKM < 0 || *v.MileageKM > 5_000_000) {
		add(FieldErrorf(EINVALID, "vehicle.mileage_km", "mileage must be between 0 and 5,000,000 km"))
	}
	if v.RegistrationDate.IsZero() {
		add(FieldErrorf(EINVALID, "vehicle.registration_date", "the registration date (注册登记日期) is required, as YYYY-MM-DD (R1)"))
	}
	if v.TransferDate.IsZero() {
		add(FieldErrorf(EINVALID, "vehicle.transfer_date", "the transfer-pending-export date (转让登记待出口日期) is required, as YYYY-MM-DD (R5)"))
	}
	if !v.ManufactureDate.IsZero() && !v.RegistrationDate.IsZero() && v.RegistrationDate.Before(v.ManufactureDate) {
		add(FieldErrorf(EINVALID, "vehicle.manufacture_date", "the manufacture date %s is after the registration date %s", v.ManufactureDate, v.RegistrationDate))
	}
	if !ValidCountry(in.Destination) {
		add(FieldErrorf(EINVALID, "destination", "destination must be an ISO 3166-1 alpha-2 country code such as RU, KZ or AE"))
	} else if in.Destination == "CN" {
		add(FieldErrorf(EINVALID, "destination", "the destination cannot be China itself"))
	}
	if len(in.BannedCases) > 20 {
		add(FieldErrorf(EINVALID, "banned_cases", "at most 20 banned cases (R11) can be declared; list each code once"))
	}
	fields := []struct{ name, val string }{
		{"vehicle.vin", v.VIN}, {"vehicle.brand", v.Brand}, {"vehicle.model", v.Model},
		{"buyer", in.Buyer}, {"contract_number", in.ContractNumber}, {"inspection_report", in.InspectionReport},
		{"vehicle.colour", v.Colour}, {"vehicle.engine_or_motor", v.EngineOrMotor},
		{"vehicle.announcement_model_code", v.AnnouncementCode}, {"vehicle.emission_standard", v.EmissionStandard},
		{"certificate.brand", in.Certificate.Brand}, {"certificate.model", in.Certificate.Model},
		{"certificate.owner", in.Certificate.Owner},
	}
	if m := in.Modification; m != nil {
		fields = append(fields, struct{ name, val string }{"modification.chassis_brand", m.ChassisBrand},
			struct{ name, val string }{"modification.modified_brand", m.ModifiedBrand},
			struct{ name, val string }{"modification.modified_model", m.ModifiedModel})
	}
	for _, b := range in.BannedCases {
		fields = append(fields, struct{ name, val string }{"banned_cases", b})
	}
	for _, f := range fields {
		if len(f.val) > 200 {
			add(FieldErrorf(EINVALID, f.name, "%s is longer than 200 bytes", f.name))
			continue
		}
		if err := CheckText(f.name, f.val, OneLine); err != nil {
			var e *Error
			if errors.As(err, &e) {
				add(e)
			} else {
				add(FieldErrorf(EINVALID, f.name, "%s: %s", f.name, ErrorMessage(err)))
			}
		}
	}
	return out
}

// PolicyVehicle returns the policy's view of the application as filed on
// applicationDate.
func (in *ApplicationInput) PolicyVehicle(applicationDate Date) Vehicle {
	v := &in.Vehicle
	pv := Vehicle{
		VIN:              v.VIN,
		Brand:            v.Brand,
		Model:            v.Model,
		RegistrationDate: v.RegistrationDate,
		TransferDate:     v.TransferDate,
		ApplicationDate:  applicationDate,
		Destination:      in.Destination,
		Modified:         FactOf(v.Modified),
		Certificate: Certificate{
			Brand: in.Certificate.Brand, Model: in.Certificate.Model,
			RegistrationDate: in.Certificate.RegistrationDate, TransferDate: in.Certificate.TransferDate,
		},
		Inspection: Unknown,
	}
	if in.InspectionReport != "" {
		pv.Inspection = Yes
	}
	if m := in.Modification; m != nil {
		pv.Modification = Modification{ChassisBrand: m.ChassisBrand, ModifiedBrand: m.ModifiedBrand,
			Genuine: factOfPtr(m.Genuine), MIITCatalogue: factOfPtr(m.MIITCatalogue), CCC: factOfPtr(m.CCC)}
	}
	if len(in.BannedCases) > 0 {
		pv.Bans = in.BannedCases
	}
	if v.MileageKM != nil {
		pv.MileageKM, pv.HasMileage = *v.MileageKM, true
	}
	return pv
}

// Application is an exporter's export-licence application for one vehicle.
// (R4 allows several vehicles on one licence; ucx files one application per
// vehicle and a licence's schedule lists its vehicles, so grouping can come
// without reshaping the records.)
type Application struct {
	ID         int64 `json:"id"`
	ExporterID int64 `json:"exporter_id"`
	// ShipmentID is the shipment (batch, R4) the vehicle belongs to; a
	// single-car application is a shipment of one (shipment.go).
	ShipmentID int64 `json:"shipment_id,omitempty"`
	ApplicationInput
	State   State `json:"state"`
	Version int   `json:"version"` // optimistic concurrency: every change increments it
	// ApplicationDate is the date it was submitted, in China time (R1); zero
	// for a draft.
	ApplicationDate Date `json:"application_date,omitempty"`
	// Decision is the policy's answer, made when the application was filed
	// or submitted, with the policy's id and hash.
	Decision Decision `json:"decision"`
	// ManufacturerID is the organisation the VIN routes to, when known.
	ManufacturerID int64     `json:"manufacturer_id,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ConfirmationState is where a confirmation request stands.
type ConfirmationState string

// Confirmation request states.
const (
	ConfirmationPending  ConfirmationState = "pending"
	ConfirmationApproved ConfirmationState = "approved"
	ConfirmationRefused  ConfirmationState = "refused"
	ConfirmationVoid     ConfirmationState = "void" // the application was withdrawn
)

// RefusalCodes are the reasons a manufacturer may give for refusing a
// confirmation, and an authority for refusing a licence. Free text goes with
// them; the codes feed the accountability figures.
var RefusalCodes = map[string]string{
	"no_service_network":   "no after-sales service network in the destination",
	"not_our_vehicle":      "the VIN is not one of this manufacturer's vehicles",
	"data_mismatch":        "the data do not match the registration certificate (R5)",
	"missing_confirmation": "a required manufacturer confirmation is missing (R1)",
	"exporter_standing":    "the exporter's filing or credit standing does not allow it (R8, R10)",
	"banned_vehicle":       "the vehicle is in a banned case (R11)",
	"other":                "other reason, given in the text",
}

// ConfirmationRequest asks a manufacturer for the After-Sales Service
// Confirmation of one application's vehicle (R1–R3). Approving it produces
// the confirmation; the seal is added by the sealed-documents work without
// reshaping this record.
type ConfirmationRequest struct {
	ID            int64 `json:"id"`
	ApplicationID int64 `json:"application_id"`
	// LetterID is the letter (one per manufacturer and shipment, R4) the
	// request is a line of.
	LetterID         int64             `json:"letter_id,omitempty"`
	ManufacturerID   int64             `json:"manufacturer_id"`
	ExporterID       int64             `json:"exporter_id"`
	VIN              string            `json:"vin"`
	Brand            string            `json:"brand"`
	Model            string            `json:"model"`
	Destination      string            `json:"destination"`
	RegistrationDate Date              `json:"registration_date"`
	State            ConfirmationState `json:"state"`
	Version          int               `json:"version"`
	OutletIDs        []int64           `json:"outlet_ids,omitempty"`
	RefusalCode      string            `json:"refusal_code,omitempty"`
	RefusalText      string            `json:"refusal_text,omitempty"`
	RequestedAt      time.Time         `json:"requested_at"`
	AnsweredAt       *time.Time        `json:"answered_at,omitempty"`
	// Document is the confirmation's canonical JSON once approved.
	Document []byte `json:"-"`
	// DocumentDigest is the digest ("sha256:…") of the sealed letter, the
	// key of its print view, PDF, bundle and verify page; empty while
	// unanswered or when it was stored unsealed (sealing off).
	DocumentDigest string `json:"document_digest,omitempty"`
	// AnsweredByRule is the manufacturer's rule version that answered the
	// request automatically (mfrrule.go); nil for an answer by a person.
	// Everyone who reads the request sees it.
	AnsweredByRule *RuleRef `json:"answered_by_rule,omitempty"`
	// Lane, Priority and Tag are where the manufacturer's rules sorted the
	// request in its inbox, and SortedByRule the rule version that did;
	// only the manufacturer sees them.
	Lane         string   `json:"lane,omitempty"`
	Priority     int      `json:"priority,omitempty"`
	Tag          string   `json:"tag,omitempty"`
	SortedByRule *RuleRef `json:"sorted_by_rule,omitempty"`
}

// LicenceVehicle is one line of a licence's attached schedule (附表): R5
// puts the registration and transfer dates there.
type LicenceVehicle struct {
	VIN              string `json:"vin"`
	Brand            string `json:"brand"`
	Model            string `json:"model"`
	RegistrationDate Date   `json:"registration_date"`
	TransferDate     Date   `json:"transfer_date"`
}

// Licence is an export licence issued by an authority (R14).
type Licence struct {
	ID            int64  `json:"id"`
	Number        string `json:"number"`
	ApplicationID int64  `json:"application_id"`
	// ShipmentID is the shipment the licence was issued for (R4: one
	// licence per batch); its schedule lists every vehicle.
	ShipmentID      int64            `json:"shipment_id,omitempty"`
	ExporterID      int64            `json:"exporter_id"`
	AuthorityID     int64            `json:"authority_id"`
	Destination     string           `json:"destination"`
	Schedule        []LicenceVehicle `json:"schedule"`
	ConfirmationIDs []int64          `json:"confirmation_ids,omitempty"`
	IssuedOn        Date             `json:"issued_on"`
	ValidUntil      Date             `json:"valid_until"`
	// Clearance (R15, R16): set once by customs; a licence is consumed once.
	ClearedAt         *time.Time `json:"cleared_at,omitempty"`
	ClearedBy         int64      `json:"cleared_by,omitempty"`
	Port              string     `json:"port,omitempty"`
	DeclarationNumber string     `json:"declaration_number,omitempty"`
	DeregistrationDue Date       `json:"deregistration_due,omitempty"`
	// RevokedAt is when the authority revoked the licence's sealed
	// document; LetterRevokedAt when a manufacturer revoked a confirmation
	// the licence relies on (R4). Either ends the licence's use.
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	LetterRevokedAt *time.Time `json:"letter_revoked_at,omitempty"`
	// State is what the licence is good for on the day it was read (see
	// Licence.StateOn): every page and answer that shows a licence shows it.
	State LicenceState `json:"state"`
	// Document is the licence's canonical JSON.
	Document []byte `json:"-"`
	// DocumentDigest is the digest ("sha256:…") of the sealed licence: the
	// key of its print view, PDF, bundle and verify page, and what a
	// buyer compares. Empty when it was issued with sealing off.
	DocumentDigest string    `json:"document_digest,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// LicenceState is what a licence is good for now. A licence is used once
// for clearance (R15), only within its validity, and only while neither it
// nor a confirmation it relies on (R4) has been revoked.
type LicenceState string

// Licence states, the ones that forbid clearance first.
const (
	LicenceRevoked       LicenceState = "revoked"        // its issuer revoked it
	LicenceLetterRevoked LicenceState = "letter_revoked" // a confirmation it relies on was revoked (R4)
	LicenceCleared       LicenceState = "cleared"        // used for clearance (R15)
	LicenceExpired       LicenceState = "expired"        // past its validity
	LicenceValid         LicenceState = "valid"          // may be used for clearance
)

// StateOn returns the licence's state on day today (China time). A
// revocation outranks a clearance, so a licence revoked after use shows as
// revoked. This is the one place the state is worked out: the store sets
// Licence.State with it, clearance refuses by it (ClearanceRefusal), and
// the pages show it.
func (l *Licence) StateOn(today Date) LicenceState {
	switch {
	case l.RevokedAt != nil:
		return LicenceRevoked
	case l.LetterRevokedAt != nil:
		return LicenceLetterRevoked
	case l.ClearedAt != nil:
		return LicenceCleared
	case l.ValidUntil.Before(today):
		return LicenceExpired
	}
	return LicenceValid
}

// ClearanceRefusal returns why customs may not clear the licence on day
// today, nil when it may (R15). A revoked licence, one relying on a
// revoked confirmation (R4) and an expired one are ERULE; one cleared
// already is ECONFLICT, since a concurrent clearance may be what won.
func (l *Licence) ClearanceRefusal(today Date) error {
	switch l.StateOn(today) {
	case LicenceRevoked:
		return Errorf(ERULE, "R15: licence %s was revoked by its issuer at %s and cannot be used for clearance", l.Number, l.RevokedAt.UTC().Format(time.RFC3339))
	case LicenceLetterRevoked:
		return Errorf(ERULE, "R4: a manufacturer confirmation licence %s relies on was revoked at %s, so the licence cannot be used for clearance; the exporter needs a new confirmation and licence",
			l.Number, l.LetterRevokedAt.UTC().Format(time.RFC3339))
	case LicenceCleared:
		return Errorf(ECONFLICT, "licence %s already cleared on %s at %s (declaration %s); a licence is used once (R15)",
			l.Number, DateOf(*l.ClearedAt), l.Port, l.DeclarationNumber)
	case LicenceExpired:
		return Errorf(ERULE, "licence %s expired on %s and cannot be used for clearance", l.Number, l.ValidUntil)
	}
	return nil
}

// Event is one entry of an application's timeline and of the audit trail:
// who did what, for which organisation, when, and the state before and after.
type Event struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	ActorUserID   int64     `json:"actor_user_id,omitempty"`
	ActorOrgID    int64     `json:"actor_org_id,omitempty"`
	Action        string    `json:"action"`
	Entity        string    `json:"entity"`
	EntityID      int64     `json:"entity_id"`
	ApplicationID int64     `json:"application_id,omitempty"`
	Before        string    `json:"before,omitempty"`
	After         string    `json:"after,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// ApplicationFilter selects applications. Exporters see only their own
// whatever the filter says; authorities and customs see all filed ones.
// The zero values select everything; see list.go for Sort, After and
// CountUpTo, which keep a list fast at a million rows.
type ApplicationFilter struct {
	State          State
	VIN            string
	Destination    string
	Outcome        string
	ExporterID     int64
	ManufacturerID int64 // the organisation the VIN routes to (R2)
	// From and To bound the application date (the day it was filed with
	// the authority, R1), both days included. A draft has none, so either
	// bound leaves drafts out.
	From, To Date
	// Query matches the VIN, brand, model, buyer or contract number (text
	// contained), the exporter's name, or a licence number (exactly). A
	// whole valid VIN is looked up by its index alone.
	Query string
	// Sort is one of ApplicationSorts; the zero Sort is newest first.
	Sort Sort
	// After starts the page after this row (ApplicationCursor of the last
	// row of the previous page, read with the same Sort).
	After Cursor
	// CountUpTo caps the total: 0 counts every match; n > 0 counts at most
	// n+1, so a total above n means "more than n"; a negative value does
	// not count at all and the total is -1.
	CountUpTo int
	Offset    int
	Limit     int
}

// RequestFilter selects confirmation requests. Manufacturers see only their
// own vehicles' requests, exporters the requests of their applications.
type RequestFilter struct {
	State ConfirmationState
	// States selects requests in any of these states (with State, the
	// request must be in State too): a manufacturer's history is
	// approved and refused together.
	States         []ConfirmationState
	ExporterID     int64 // who asks
	ManufacturerID int64 // who is asked (authorities and customs)
	// ApplicationIDs selects the requests of these applications, at most
	// MaxFilterIDs: the letters of one page of a queue in one query.
	ApplicationIDs []int64
	VIN            string // exact
	Destination    string
	// From and To bound the day the request was made (China time), both
	// included.
	From, To Date
	// Query matches the VIN (contained) or the asking exporter's name.
	Query string
	// Lane and Tag select the manufacturer's inbox lanes and tags, as its
	// rules sorted them (mfrrule.go); only a manufacturer may filter by
	// them.
	Lane string
	Tag  string
	// Sort is one of RequestSorts; the zero Sort is a manufacturer's inbox
	// order (SortPriority descending: the priority its rules gave, then
	// oldest first, so requests are answered in the order they came) and
	// newest first for the others.
	Sort      Sort
	After     Cursor // RequestCursor of the previous page's last row
	CountUpTo int    // as ApplicationFilter.CountUpTo
	Offset    int
	Limit     int
}

// LicenceFilter selects licences.
type LicenceFilter struct {
	Number     string
	VIN        string
	ExporterID int64
	// ApplicationIDs selects the licences of these applications, at most
	// MaxFilterIDs.
	ApplicationIDs []int64
	Destination    string
	// State is what the licence is good for today (Licence.StateOn).
	State LicenceState
	// From and To bound the issue date, both included.
	From, To Date
	// Query matches the licence number (exactly), a VIN of its schedule
	// (contained) or the exporter's name.
	Query     string
	Sort      Sort   // one of LicenceSorts; the zero Sort is newest first
	After     Cursor // LicenceCursor of the previous page's last row
	CountUpTo int    // as ApplicationFilter.CountUpTo
	Offset    int
	Limit     int
}

// CreateOptions modify CreateApplication.
type CreateOptions struct {
	// IdempotencyKey makes a retried create return the first one's result
	// instead of filing twice. A key is kept for 24 hours
	// (sqlstore.IdempotencyKeyTTL) and then expires, so that the store
	// stays bounded; a retry after that files anew.
	IdempotencyKey string
}

// The export workflow is three services, one for each record it moves:
// ApplicationService (the exporter's filings), RequestService (the
// manufacturers' confirmation requests) and LicenceService (the
// authorities' licences and customs' clearance). sqlstore.DB implements
// all three. Every method checks the principal's organisation kind, role
// and ownership, the record's current state (Workflow) and, where given,
// its version; every change is one transaction with its audit event.
// Methods return EFORBIDDEN (wrong kind or role), ENOTFOUND (no such
// record, or another organisation's), ECONFLICT (stale version, or a
// second clearance), ERULE (the workflow or the regulation forbids it,
// with the reason) and EINVALID (bad input, naming the field).

// ApplicationService files, lists, submits and withdraws applications.
type ApplicationService interface {
	// CreateApplication files an application for the caller's exporter, runs
	// the policy and, when in.Submit is set, submits it. created is false
	// when an earlier request with the same idempotency key is returned.
	CreateApplication(ctx context.Context, p *Principal, in *ApplicationInput, opts CreateOptions) (app *Application, created bool, err error)
	FindApplicationByID(ctx context.Context, p *Principal, id int64) (*Application, error)
	FindApplications(ctx context.Context, p *Principal, f ApplicationFilter) ([]*Application, int, error)
	// SubmitApplication moves a draft on: to awaiting_confirmation (with a
	// request to the manufacturer) when R1 asks a letter, else under_review.
	SubmitApplication(ctx context.Context, p *Principal, id int64, version int) (*Application, error)
	WithdrawApplication(ctx context.Context, p *Principal, id int64, version int) (*Application, error)
	// Timeline lists the application's events, oldest first.
	Timeline(ctx context.Context, p *Principal, id int64) ([]*Event, error)
}

// RequestService is the manufacturers' side: the confirmation requests
// (R1–R3) and their answers.
type RequestService interface {
	FindRequests(ctx context.Context, p *Principal, f RequestFilter) ([]*ConfirmationRequest, int, error)
	FindRequestByID(ctx context.Context, p *Principal, id int64) (*ConfirmationRequest, error)
	// ApproveRequest approves with the chosen outlets, which must be the
	// manufacturer's own in the destination (R3).
	ApproveRequest(ctx context.Context, p *Principal, id int64, version int, outletIDs []int64) (*ConfirmationRequest, error)
	RefuseRequest(ctx context.Context, p *Principal, id int64, version int, code, text string) (*ConfirmationRequest, error)
}

// LicenceService is the authorities' and customs' side: licences issued
// or refused (R14) and clearance (R15, R16).
type LicenceService interface {
	// IssueLicence issues the licence for an application under review, after
	// checking the letter (R1), the data (R5), the filing (R10) and the
	// standing (R8).
	IssueLicence(ctx context.Context, p *Principal, appID int64, version int) (*Licence, error)
	RefuseLicence(ctx context.Context, p *Principal, appID int64, version int, code, text string) (*Application, error)
	FindLicenceByID(ctx context.Context, p *Principal, id int64) (*Licence, error)
	FindLicences(ctx context.Context, p *Principal, f LicenceFilter) ([]*Licence, int, error)
	// RecordClearance records customs clearance of a licence, once (R15),
	// and sets the deregistration deadline two months later (R16).
	RecordClearance(ctx context.Context, p *Principal, licenceID int64, port, declaration string) (*Licence, error)
}

func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// ImportState is where a bulk import stands.
type ImportState string

// Import states.
const (
	ImportQueued  ImportState = "queued"
	ImportRunning ImportState = "running"
	ImportDone    ImportState = "done"
	ImportFailed  ImportState = "failed"
)

// Import is a bulk upload of applications (CSV or XLSX). A large file is
// accepted at once and processed in the background; the client follows its
// progress and then reads the per-row results.
type Import struct {
	ID         int64       `json:"id"`
	ExporterID int64       `json:"exporter_id"`
	UserID     int64       `json:"user_id"`
	Filename   string      `json:"filename"`
	State      ImportState `json:"state"`
	Total      int         `json:"total"`
	Processed  int         `json:"processed"`
	Filed      int         `json:"filed"`
	Rejected   int         `json:"rejected"`
	Error      string      `json:"error,omitempty"`
	// Notes is what the reader noted about the file though no row is wrong
	// for it: that it was converted from GB18030 or UTF-16, headings that
	// name no column.
	Notes      []string   `json:"notes,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// ImportRow is the result for one data row of an import.
type ImportRow struct {
	Row           int    `json:"row"`
	VIN           string `json:"vin"`
	Status        string `json:"status"` // filed or rejected
	ApplicationID int64  `json:"application_id,omitempty"`
	// ShipmentID is the shipment the row's vehicle was filed into (R4:
	// rows are grouped by batch or contract); 0 for a row filed alone.
	ShipmentID int64    `json:"shipment_id,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Reasons    []Reason `json:"reasons,omitempty"`
}

// ImportService files applications in bulk.
type ImportService interface {
	// StartImport stores the uploaded file and queues it. Returns
	// EFORBIDDEN for non-exporters, ETOOLARGE over the upload limit and
	// EINVALID for a file that is not CSV or XLSX with a vin column.
	StartImport(ctx context.Context, p *Principal, filename string, data []byte) (*Import, error)
	FindImportByID(ctx context.Context, p *Principal, id int64) (*Import, error)
	// ImportRows returns per-row results, in row order.
	ImportRows(ctx context.Context, p *Principal, id int64, offset, limit int) ([]*ImportRow, error)
}
