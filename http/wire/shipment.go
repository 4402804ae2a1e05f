package wire

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/ucxdev/ucx"
)

// The shipment workflow's bodies (一批一证, R4): a batch of vehicles under
// one licence, one letter per manufacturer (R3).

// AddVehicleRequest is the body of POST /api/v1/shipments/{id}/vehicles:
// the version of the draft last read (or If-Match) and the vehicle to add.
type AddVehicleRequest struct {
	Version *int                 `json:"version,omitempty"`
	Vehicle ucx.ApplicationInput `json:"vehicle"`
}

// LetterAnswerRequest is the body of POST /api/v1/letters/{id}/answer:
// the version of the letter last read (or If-Match) and an answer per VIN
// (R3: approve with outlets, or refuse with a code). Envelope, for a
// manufacturer sealing offline, is the document of POST …/to-seal for the
// same answers, sealed with ucx seal; without it the platform seals with
// the manufacturer's custodial key.
type LetterAnswerRequest struct {
	Version  *int               `json:"version,omitempty"`
	Answers  []ucx.LetterAnswer `json:"answers"`
	Envelope json.RawMessage    `json:"envelope,omitempty"`
}

// LetterToSealRequest is the body of POST /api/v1/letters/{id}/to-seal:
// the answers whose confirmation to return, unsealed.
type LetterToSealRequest struct {
	Answers []ucx.LetterAnswer `json:"answers"`
}

// ValidateLetterAnswers checks answers before the store sees them: at
// least one, each naming a positive request id once, an approval with
// positive outlet ids and no refusal code, a refusal with a code of
// ucx.RefusalCodes and a text of at most 2000 bytes. Errors name the field
// as answers[i].name.
func ValidateLetterAnswers(answers []ucx.LetterAnswer) error {
	if len(answers) == 0 {
		return ucx.FieldErrorf(ucx.EINVALID, "answers", "give an answer for at least one VIN of the letter")
	}
	seen := map[int64]bool{}
	for i := range answers {
		a := &answers[i]
		field := func(name string) string { return fmt.Sprintf("answers[%d].%s", i, name) }
		if a.RequestID <= 0 {
			return ucx.FieldErrorf(ucx.EINVALID, field("request_id"), "request_id must be the positive id of one of the letter's requests")
		}
		if seen[a.RequestID] {
			return ucx.FieldErrorf(ucx.EINVALID, field("request_id"), "request %d is answered twice", a.RequestID)
		}
		seen[a.RequestID] = true
		if a.Approve {
			if len(a.OutletIDs) == 0 {
				return ucx.FieldErrorf(ucx.EINVALID, field("outlet_ids"), "name at least one overseas outlet that will serve the vehicle in its destination (R3)")
			}
			for _, oid := range a.OutletIDs {
				if oid <= 0 {
					return ucx.FieldErrorf(ucx.EINVALID, field("outlet_ids"), "outlet ids must be positive record ids")
				}
			}
			if a.RefusalCode != "" || a.RefusalText != "" {
				return ucx.FieldErrorf(ucx.EINVALID, field("refusal_code"), "an approval carries no refusal code or text")
			}
			continue
		}
		if len(a.OutletIDs) != 0 {
			return ucx.FieldErrorf(ucx.EINVALID, field("outlet_ids"), "a refusal names no outlets; set approve to approve the VIN")
		}
		if _, ok := ucx.RefusalCodes[a.RefusalCode]; !ok {
			return ucx.FieldErrorf(ucx.EINVALID, field("refusal_code"), "refusal_code must be one of %s", refusalCodeList())
		}
		if len(a.RefusalText) > 2000 {
			return ucx.FieldErrorf(ucx.EINVALID, field("refusal_text"), "the text is longer than 2000 bytes")
		}
	}
	return nil
}

// ShipmentFilter reads the shipment list's filters: state, destination,
// exporter_id, q, offset and limit, each checked.
func ShipmentFilter(q url.Values) (ucx.ShipmentFilter, error) {
	af, err := ApplicationFilter(q)
	if err != nil {
		return ucx.ShipmentFilter{}, err
	}
	for _, name := range []string{"vin", "outcome"} {
		if q.Has(name) {
			return ucx.ShipmentFilter{}, ucx.FieldErrorf(ucx.EINVALID, name, "shipments are not filtered by %s; use q to find a VIN", name)
		}
	}
	return ucx.ShipmentFilter{State: af.State, ExporterID: af.ExporterID, Destination: af.Destination,
		Query: af.Query, Offset: af.Offset, Limit: af.Limit}, nil
}

// LetterFilter reads the letter list's filters: state (pending, partial,
// answered or void), shipment_id, exporter_id, offset and limit.
func LetterFilter(q url.Values) (ucx.LetterFilter, error) {
	var f ucx.LetterFilter
	var err error
	if f.Offset, f.Limit, err = Paging(q); err != nil {
		return f, err
	}
	if st := q.Get("state"); st != "" {
		f.State = ucx.LetterState(st)
		switch f.State {
		case ucx.LetterPending, ucx.LetterPartial, ucx.LetterAnswered, ucx.LetterVoid:
		default:
			return f, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be pending, partial, answered or void")
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"shipment_id", &f.ShipmentID}, {"exporter_id", &f.ExporterID}} {
		if v := q.Get(p.name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return f, ucx.FieldErrorf(ucx.EINVALID, p.name, "%s must be a positive integer record id", p.name)
			}
			*p.dst = id
		}
	}
	return f, nil
}
