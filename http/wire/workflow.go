package wire

import (
	"encoding/json"

	"github.com/ucxdev/ucx"
)

// The workflow's bodies: checking a vehicle, refusing, approving a
// confirmation request, issuing a licence and clearing it at customs.

// CheckRequest is one vehicle to judge without filing anything: the web
// UI's live answer while an exporter types, or a script's what-if. The
// application date defaults to today in China time (R1).
type CheckRequest struct {
	Vehicle          ucx.VehicleDetails    `json:"vehicle"`
	Certificate      ucx.CertificateValues `json:"certificate"`
	Destination      string                `json:"destination"`
	InspectionReport string                `json:"inspection_report,omitempty"`
	ApplicationDate  ucx.Date              `json:"application_date,omitempty"`
}

// RefusalRequest is the body of a refusal: of a confirmation by a
// manufacturer, or of a licence by an authority. Code is one of
// ucx.RefusalCodes; the text explains it to the exporter.
type RefusalRequest struct {
	Version *int   `json:"version,omitempty"`
	Code    string `json:"code"`
	Text    string `json:"text" text:"multiline"`
}

// ApprovalRequest is the body of POST /api/v1/requests/{id}/approve: the
// version the manufacturer reviewed and the outlets that will serve the
// vehicle in its destination (R3).
type ApprovalRequest struct {
	Version   *int    `json:"version,omitempty"`
	OutletIDs []int64 `json:"outlet_ids"`
	// Envelope, for a manufacturer sealing offline: the document of GET
	// …/document?outlet=… sealed with ucx seal. Without it the platform
	// seals with the manufacturer's custodial key (documents.go).
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

// IssueLicenceRequest is the body of POST /api/v1/applications/{id}/licence:
// the version reviewed and, for an authority sealing offline, the
// envelope of GET …/licence-document sealed with ucx seal.
type IssueLicenceRequest struct {
	Version  *int            `json:"version,omitempty"`
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

// ClearanceRequest is the body of POST /api/v1/licences/{id}/clearance:
// the exit port and the customs declaration number (R15). A licence is
// consumed once; a second clearance is ECONFLICT (409).
type ClearanceRequest struct {
	Port              string `json:"port"`
	DeclarationNumber string `json:"declaration_number"`
}

// VersionRequest is the optional body of a workflow action that takes
// only the version the caller last saw (submit, withdraw).
type VersionRequest struct {
	Version *int `json:"version"`
}
