package ucx

import (
	"context"
	"time"
)

// Deregistration (R16): a vehicle exported must be deregistered at the
// vehicle office within two months of its export customs clearance, using
// the export declaration. The platform does not see the vehicle office, so
// the exporter records each vehicle's deregistration itself (the date and
// the reference of the deregistration certificate, 注销证明); a cleared
// vehicle whose due date has passed with no record is overdue, listed for
// the exporter and for the authority that issued the licence, and counts
// once as a credit event of the negative list's item
// CodeDeregistrationOverdue (R8).

// CodeDeregistrationOverdue is the negative-list item of a vehicle not
// deregistered within two months of clearance (R16). ucx records it
// itself, once per vehicle, when the overdue sweep finds the vehicle
// overdue; a deregistration recorded later does not erase it (the
// deadline was missed), though an authority may annul it on appeal (R8).
const CodeDeregistrationOverdue = "deregistration_overdue"

// DeregistrationState is where a cleared vehicle stands with R16.
type DeregistrationState string

// Deregistration states of a cleared vehicle.
const (
	// DeregistrationDue: cleared, not deregistered yet, the due date not
	// passed.
	DeregistrationDue DeregistrationState = "due"
	// DeregistrationOverdue: the due date has passed with no record.
	DeregistrationOverdue DeregistrationState = "overdue"
	// DeregistrationDone: the exporter recorded the deregistration (on
	// time or late: Late says which).
	DeregistrationDone DeregistrationState = "deregistered"
)

// Deregistration is one vehicle's deregistration as recorded by its
// exporter (R16). It is recorded once and never edited: a second record
// is refused (ECONFLICT), so the date and reference the authority saw stay
// what they were; a wrong record is a matter for the authority, outside
// the platform.
type Deregistration struct {
	// DeregisteredOn is the day the vehicle office deregistered the
	// vehicle: on or after the clearance date, not in the future.
	DeregisteredOn Date `json:"deregistered_on"`
	// Reference is the deregistration certificate's number (注销证明编号)
	// or another reference the vehicle office gave.
	Reference  string    `json:"reference"`
	RecordedBy int64     `json:"recorded_by"` // the user who recorded it
	RecordedAt time.Time `json:"recorded_at"`
}

// DeregistrationInput is what the exporter gives to record a vehicle's
// deregistration (R16).
type DeregistrationInput struct {
	DeregisteredOn Date   `json:"deregistered_on"`
	Reference      string `json:"reference"`
}

// VehicleDeregistration is one cleared vehicle with its deregistration
// deadline and record (R16): what the exporter's shipment page and the
// authority's overdue list show.
type VehicleDeregistration struct {
	ApplicationID int64  `json:"application_id"` // the vehicle (its application)
	ShipmentID    int64  `json:"shipment_id,omitempty"`
	LicenceID     int64  `json:"licence_id"`
	LicenceNumber string `json:"licence_number"`
	ExporterID    int64  `json:"exporter_id"`
	ExporterName  string `json:"exporter_name"`
	AuthorityID   int64  `json:"authority_id"`
	VIN           string `json:"vin"`
	Brand         string `json:"brand"`
	Model         string `json:"model"`
	// ClearedOn is the clearance date (China time) and Due the
	// deregistration deadline, two calendar months later (R16).
	ClearedOn         Date                `json:"cleared_on"`
	DeclarationNumber string              `json:"declaration_number"`
	Due               Date                `json:"due"`
	State             DeregistrationState `json:"state"`
	// Late is set when the deregistration was recorded after the due
	// date passed, or the vehicle was found overdue first.
	Late           bool            `json:"late,omitempty"`
	Deregistration *Deregistration `json:"deregistration,omitempty"`
	// CreditEventID is the credit event the vehicle's being overdue
	// recorded (CodeDeregistrationOverdue), 0 when none was.
	CreditEventID int64 `json:"credit_event_id,omitempty"`
}

// DeregistrationStateOn is the state of a cleared vehicle due on due,
// with or without a record, on the day today.
func DeregistrationStateOn(due Date, recorded bool, today Date) DeregistrationState {
	switch {
	case recorded:
		return DeregistrationDone
	case !due.IsZero() && due.Before(today):
		return DeregistrationOverdue
	}
	return DeregistrationDue
}

// DeregistrationFilter selects cleared vehicles: those of one shipment,
// and/or only the overdue ones; Offset and Limit page.
type DeregistrationFilter struct {
	ShipmentID int64
	Overdue    bool
	Offset     int
	Limit      int
}

// DeregistrationService keeps the deregistration records (R16).
type DeregistrationService interface {
	// RecordDeregistration records the deregistration of vehicle appID:
	// only the exporter that filed it (its member or admin), only once it
	// is cleared, once. The date must lie on or after the clearance date
	// and not in the future, the reference is required. One transaction
	// with its audit event.
	RecordDeregistration(ctx context.Context, p *Principal, appID int64, in DeregistrationInput) (*VehicleDeregistration, error)
	// FindDeregistrations lists cleared vehicles with their deadlines and
	// records, by due date: an exporter sees its own, an authority those
	// of the licences it issued; others are EFORBIDDEN.
	FindDeregistrations(ctx context.Context, p *Principal, f DeregistrationFilter) ([]*VehicleDeregistration, int, error)
}
