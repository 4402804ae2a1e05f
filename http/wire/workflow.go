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
	// Modification and BannedCases are the R9 evidence and R11 banned
	// cases, as on an application.
	Modification    *ucx.ModificationEvidence `json:"modification,omitempty"`
	BannedCases     []string                  `json:"banned_cases,omitempty"`
	ApplicationDate ucx.Date                  `json:"application_date,omitempty"`
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

// BulkSubmitRequest is the body of POST /api/v1/bulk/submit: the
// exporter's draft ids (at most ucx.MaxBulk), or the import whose drafts
// to submit; exactly one of the two.
type BulkSubmitRequest struct {
	IDs      []int64 `json:"ids,omitempty"`
	ImportID int64   `json:"import_id,omitempty"`
}

// BulkAnswerRequest is the body of POST /api/v1/bulk/answer: the
// manufacturer's pending request ids (at most ucx.MaxBulk) and one answer,
// "approve" with the outlets by destination (R3) or "refuse" with a code
// of ucx.RefusalCodes and a text.
type BulkAnswerRequest struct {
	IDs     []int64            `json:"ids"`
	Answer  string             `json:"answer"`
	Outlets map[string][]int64 `json:"outlets,omitempty"`
	Code    string             `json:"code,omitempty"`
	Text    string             `json:"text,omitempty" text:"multiline"`
}

// BulkAnswer checks the answer word and turns the body into the answer
// ucx.AnswerRequests gives.
func (b *BulkAnswerRequest) BulkAnswer() (ucx.BulkAnswer, error) {
	switch b.Answer {
	case "approve":
		return ucx.BulkAnswer{Approve: true, Outlets: b.Outlets}, nil
	case "refuse":
		return ucx.BulkAnswer{Code: b.Code, Text: b.Text}, nil
	}
	return ucx.BulkAnswer{}, ucx.FieldErrorf(ucx.EINVALID, "answer", "answer must be approve or refuse, not %q", Clip(b.Answer))
}

// RuleRequest is the body of POST /api/v1/rules and PUT
// /api/v1/rules/{id}: a manufacturer's rule (ucx.ManufacturerRuleInput),
// and for a change the version last read (or If-Match).
type RuleRequest struct {
	ucx.ManufacturerRuleInput
	Version *int `json:"version,omitempty"`
}

// RuleStateRequest is the body of POST /api/v1/rules/{id}/enable and
// /disable: the version last read (or If-Match, and no body).
type RuleStateRequest struct {
	Version *int `json:"version,omitempty"`
}

// RuleList is the answer of GET /api/v1/rules: the manufacturer's rules in
// the order they are tried.
type RuleList struct {
	Items []*ucx.ManufacturerRule `json:"items"`
}
