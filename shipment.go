package ucx

import (
	"context"
	"time"
)

// The export licence is issued per batch (一批一证, R4): one exporter, one
// destination, one export contract and a schedule of 1..N vehicles, where
// the vehicles of each manufacturer are confirmed by one letter naming all
// of its VINs (R3, R4). A Shipment is that batch. Each of its vehicles is
// still an Application (the policy decides every vehicle on its own, and
// the vehicle keeps its own state), grouped by Application.ShipmentID; a
// single-car application is a shipment of one.

// DefaultMaxShipmentVehicles is the reported limit of vehicles under one
// licence (at most 20 used cars under one HS code, Guidelines of
// 2025-12-11), used when the policy file sets none (Policy.MaxVehicles).
const DefaultMaxShipmentVehicles = 20

// DefaultLicenceValidityMonths is the reported validity of an export
// licence: six months from issue, and never past the 31 December of the
// year it was issued in (DefaultLicenceWithinYear). Both are policy
// parameters.
const (
	DefaultLicenceValidityMonths = 6
	DefaultLicenceWithinYear     = true
)

// Shipment is an export-licence application for a batch of vehicles.
type Shipment struct {
	ID         int64 `json:"id"`
	ExporterID int64 `json:"exporter_id"`
	// Destination, Buyer and ContractNumber are the export contract's,
	// shared by every vehicle; AfterSalesTerms is the contract's
	// after-sales clause as the exporter summarises it.
	Destination     string `json:"destination"`
	Buyer           string `json:"buyer"`
	ContractNumber  string `json:"contract_number"`
	AfterSalesTerms string `json:"after_sales_terms,omitempty"`
	// State is the shipment's overall state, ShipmentStateOf its
	// vehicles' states; each vehicle keeps its own.
	State   State `json:"state"`
	Version int   `json:"version"` // optimistic concurrency: every change increments it
	// ApplicationDate is the day it was submitted, China time (R1); zero
	// for a draft.
	ApplicationDate Date `json:"application_date,omitempty"`
	// Vehicles are the shipment's vehicle lines, in the order filed,
	// withdrawn and refused ones included (their state says so).
	Vehicles []*Application `json:"vehicles"`
	// Letters are its confirmation letters, one per manufacturer (R4).
	Letters []*Letter `json:"letters,omitempty"`
	// LicenceID is the licence issued for it, 0 before.
	LicenceID int64     `json:"licence_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Live returns the vehicles still in the shipment: neither withdrawn
// (dropped by the exporter) nor refused.
func (s *Shipment) Live() []*Application {
	var out []*Application
	for _, a := range s.Vehicles {
		if a.State != StateWithdrawn && a.State != StateRefused {
			out = append(out, a)
		}
	}
	return out
}

// ShipmentStateOf is a shipment's overall state from its vehicles' states:
// draft while any vehicle is a draft (a shipment is submitted whole);
// otherwise the least advanced state of its live vehicles (neither
// withdrawn nor refused), so that it is awaiting confirmation while any
// letter is pending and under review when every live vehicle is; refused
// when no vehicle is live and one was refused, withdrawn when all were
// withdrawn. A shipment with no vehicles is a draft.
func ShipmentStateOf(states []State) State {
	if len(states) == 0 {
		return StateDraft
	}
	rank := map[State]int{StateDraft: 0, StateSubmitted: 1, StateAwaitingConfirmation: 2,
		StateUnderReview: 3, StateLicensed: 4, StateCleared: 5}
	best, live, refused := StateCleared, false, false
	for _, s := range states {
		switch s {
		case StateDraft:
			return StateDraft
		case StateRefused:
			refused = true
			continue
		case StateWithdrawn:
			continue
		}
		r, ok := rank[s]
		if !ok {
			continue
		}
		live = true
		if r < rank[best] {
			best = s
		}
	}
	switch {
	case live:
		return best
	case refused:
		return StateRefused
	}
	return StateWithdrawn
}

// ShipmentInput is what an exporter files for a batch. Each vehicle is an
// ApplicationInput whose Destination, Buyer and ContractNumber are left
// empty or equal the shipment's (the store fills them from it; a
// different value is EINVALID naming the vehicle's index).
type ShipmentInput struct {
	Destination     string             `json:"destination"`
	Buyer           string             `json:"buyer"`
	ContractNumber  string             `json:"contract_number"`
	AfterSalesTerms string             `json:"after_sales_terms,omitempty"`
	Vehicles        []ApplicationInput `json:"vehicles"`
	// Submit files the shipment at once instead of keeping a draft.
	Submit bool `json:"submit,omitempty"`
}

// LetterState is where a confirmation letter stands.
type LetterState string

// Letter states.
const (
	LetterPending  LetterState = "pending"  // no VIN answered yet
	LetterPartial  LetterState = "partial"  // some VINs answered, some pending
	LetterAnswered LetterState = "answered" // every VIN answered
	LetterVoid     LetterState = "void"     // every VIN withdrawn before an answer
)

// Letter is the request to one manufacturer for the After-Sales Service
// Confirmation of all its vehicles in one shipment (R3, R4): one
// ConfirmationRequest per VIN, answered per VIN. The manufacturer approves
// a VIN with outlets of its own in the destination, or refuses it with a
// reason code; each answer it gives is sealed once, naming every VIN it
// approved with their outlets, the destination and its exact legal name
// (R2, R3). A single-car application's request is a letter of one.
type Letter struct {
	ID             int64       `json:"id"`
	ShipmentID     int64       `json:"shipment_id"`
	ManufacturerID int64       `json:"manufacturer_id"`
	ExporterID     int64       `json:"exporter_id"`
	Destination    string      `json:"destination"`
	State          LetterState `json:"state"`
	Version        int         `json:"version"`
	// Requests are the letter's VINs, one request each, in filing order.
	Requests    []*ConfirmationRequest `json:"requests"`
	RequestedAt time.Time              `json:"requested_at"`
	AnsweredAt  *time.Time             `json:"answered_at,omitempty"`
	// DocumentDigests are the sealed confirmations its answers produced,
	// oldest first: one per answer that approved a VIN.
	DocumentDigests []string `json:"document_digests,omitempty"`
}

// LetterAnswer is a manufacturer's answer for one VIN of a letter:
// approve with outlets (its own, in the destination, R3), or refuse with a
// RefusalCodes code (and a text for "other").
type LetterAnswer struct {
	RequestID   int64   `json:"request_id"`
	Approve     bool    `json:"approve"`
	OutletIDs   []int64 `json:"outlet_ids,omitempty"`
	RefusalCode string  `json:"refusal_code,omitempty"`
	RefusalText string  `json:"refusal_text,omitempty"`
}

// ShipmentFilter selects shipments. Exporters see only their own;
// manufacturers those with a letter to them; authorities those of the
// exporters in their jurisdiction (R14); customs the licensed ones.
type ShipmentFilter struct {
	State       State
	ExporterID  int64
	Destination string
	// Query matches the contract number, the buyer, a VIN of its
	// vehicles or the exporter's name.
	Query  string
	Offset int
	Limit  int
}

// LetterFilter selects letters; a manufacturer sees only its own.
type LetterFilter struct {
	State      LetterState
	ShipmentID int64
	ExporterID int64
	Offset     int
	Limit      int
}

// ShipmentService is the batch workflow. Every method checks the
// principal's organisation kind, role and ownership, the states (Workflow)
// and the version given; every change is one transaction with its audit
// events, one per vehicle moved. Errors as for ApplicationService.
type ShipmentService interface {
	// CreateShipment files a shipment of 1..Policy.MaxVehicles vehicles
	// for the caller's exporter; each vehicle is decided by the policy.
	// With in.Submit it is submitted at once.
	CreateShipment(ctx context.Context, p *Principal, in *ShipmentInput, opts CreateOptions) (s *Shipment, created bool, err error)
	FindShipmentByID(ctx context.Context, p *Principal, id int64) (*Shipment, error)
	FindShipments(ctx context.Context, p *Principal, f ShipmentFilter) ([]*Shipment, int, error)
	// AddVehicle adds a vehicle to a draft shipment, within the limit.
	AddVehicle(ctx context.Context, p *Principal, id int64, version int, in *ApplicationInput) (*Shipment, error)
	// RemoveVehicle takes vehicle appID out: deleted from a draft,
	// withdrawn (with its pending request voided) once submitted and
	// before the licence.
	RemoveVehicle(ctx context.Context, p *Principal, id int64, version int, appID int64) (*Shipment, error)
	// SubmitShipment submits every vehicle: those that need a letter (R1)
	// go to their manufacturer in one letter per manufacturer (R4), the
	// others under review. Refused when any vehicle is invalid or
	// blocked, naming each.
	SubmitShipment(ctx context.Context, p *Principal, id int64, version int) (*Shipment, error)
	// WithdrawShipment withdraws every live vehicle before the licence.
	WithdrawShipment(ctx context.Context, p *Principal, id int64, version int) (*Shipment, error)

	FindLetters(ctx context.Context, p *Principal, f LetterFilter) ([]*Letter, int, error)
	FindLetterByID(ctx context.Context, p *Principal, id int64) (*Letter, error)
	// AnswerLetter answers VINs of a letter in one transaction; the
	// approvals are sealed together with the custodial key.
	AnswerLetter(ctx context.Context, p *Principal, id int64, version int, answers []LetterAnswer) (*Letter, error)
	// LetterToSeal returns the confirmation AnswerLetter would seal today,
	// for a manufacturer without a custodial key; AnswerLetterSealed takes
	// it back sealed.
	LetterToSeal(ctx context.Context, p *Principal, id int64, answers []LetterAnswer) ([]byte, error)
	AnswerLetterSealed(ctx context.Context, p *Principal, id int64, version int, answers []LetterAnswer, envelope []byte) (*Letter, error)

	// IssueShipmentLicence issues one licence for the shipment's live
	// vehicles, all under review: every letter-requiring VIN covered by a
	// valid letter of its own manufacturer for this destination (R3), the
	// certificate values equal (R5), the count within the limit, the
	// evidence gates (R9, R11, R12), the filing and standing (R8, R10) and
	// the authority's jurisdiction (R14).
	IssueShipmentLicence(ctx context.Context, p *Principal, id int64, version int) (*Licence, error)
	ShipmentLicenceToSeal(ctx context.Context, p *Principal, id int64) ([]byte, error)
	IssueShipmentLicenceSealed(ctx context.Context, p *Principal, id int64, version int, envelope []byte) (*Licence, error)
	// RefuseShipmentLicence refuses the licence for every live vehicle.
	RefuseShipmentLicence(ctx context.Context, p *Principal, id int64, version int, code, text string) (*Shipment, error)
}
