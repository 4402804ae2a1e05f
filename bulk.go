package ucx

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// MaxBulk is the most records one bulk action takes: a longer list of ids
// is refused whole (EINVALID naming the field), and a bulk submission of an
// import's drafts submits at most this many per call (BulkReport.More).
const MaxBulk = 1000

// The statuses of a row of a bulk action.
const (
	BulkSubmitted = "submitted" // the draft was submitted
	BulkAnswered  = "answered"  // the request was approved or refused as asked
	BulkRefused   = "refused"   // the action was refused for this record; Code and Message say why
	BulkNotFound  = "not_found" // no such record among the caller's own
)

// BulkResult is the outcome of a bulk action for one record.
type BulkResult struct {
	ID int64 `json:"id"`
	// VIN names the record's car for people (the results page shows it
	// rather than the internal id); empty when the record was not found.
	VIN     string `json:"vin,omitempty"`
	Status  string `json:"status"`          // one of the Bulk* statuses
	State   string `json:"state,omitempty"` // the record's state after the action, when it was taken
	Version int    `json:"version,omitempty"`
	Code    string `json:"code,omitempty"` // the error code when refused
	Field   string `json:"field,omitempty"`
	Message string `json:"message,omitempty"`
}

// BulkReport is the outcome of a bulk action, a row per record in the
// order asked, with the counts of each status.
type BulkReport struct {
	Results   []BulkResult `json:"results"`
	Submitted int          `json:"submitted"`
	Answered  int          `json:"answered"`
	Refused   int          `json:"refused"`
	NotFound  int          `json:"not_found"`
	// More is set when an import has drafts this call did not reach
	// (MaxBulk per call): call again for the next ones.
	More bool `json:"more,omitempty"`
}

func (b *BulkReport) add(r BulkResult) {
	b.Results = append(b.Results, r)
	switch r.Status {
	case BulkSubmitted:
		b.Submitted++
	case BulkAnswered:
		b.Answered++
	case BulkRefused:
		b.Refused++
	case BulkNotFound:
		b.NotFound++
	}
}

// refusedRow is the row of a record whose action failed with err.
func refusedRow(id int64, err error) BulkResult {
	if ErrorCode(err) == ENOTFOUND {
		return BulkResult{ID: id, Status: BulkNotFound, Code: ENOTFOUND, Message: ErrorMessage(err)}
	}
	return BulkResult{ID: id, Status: BulkRefused, Code: ErrorCode(err), Field: ErrorField(err), Message: ErrorMessage(err)}
}

// mayBulk refuses the whole bulk action to anyone who may not take step s
// (the workflow table's actor, with a role that may act), before anything
// is read.
func mayBulk(p *Principal, s Step) error {
	if p == nil || p.UserID == 0 {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	k, who := s.Actor()
	if p.OrgKind != k {
		return Errorf(EFORBIDDEN, "only %s organisations may %s", k, who)
	}
	if !p.Role.CanAct() {
		return Errorf(EFORBIDDEN, "your role (%s) may read but not act; ask an admin of your organisation for the member role", p.Role)
	}
	return nil
}

// BulkIDs checks the ids of a bulk action named by field: at least one, at
// most MaxBulk, each a positive record id. Repeats are dropped, the first
// kept, so each record is acted on once.
func BulkIDs(field string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, FieldErrorf(EINVALID, field, "name at least one record id in %s", field)
	}
	if len(ids) > MaxBulk {
		return nil, FieldErrorf(EINVALID, field, "%s names %d records; at most %d may be acted on at once, so split the list", field, len(ids), MaxBulk)
	}
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, FieldErrorf(EINVALID, field, "%s must hold positive integer record ids, not %d", field, id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// SubmitApplications submits each of the caller's drafts ids, each in its
// own transaction with its audit event (SubmitApplication), so that one
// refusal undoes none of the others. An id that is not one of the caller's
// applications is not_found, as its single submission would be (R10: an
// exporter files only for itself); one that is not a draft, or whose
// policy outcome forbids it, is refused with the reason.
func SubmitApplications(ctx context.Context, apps ApplicationService, p *Principal, ids []int64) (*BulkReport, error) {
	if err := mayBulk(p, StepSubmit); err != nil {
		return nil, err
	}
	ids, err := BulkIDs("ids", ids)
	if err != nil {
		return nil, err
	}
	rep := &BulkReport{Results: []BulkResult{}}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, Errorf(EUNAVAILABLE, "the bulk submission was interrupted after %d of %d applications; the rows done stand, submit the rest again", len(rep.Results), len(ids))
		}
		a, err := apps.FindApplicationByID(ctx, p, id)
		if err == nil && a.ExporterID != p.OrgID {
			err = Errorf(ENOTFOUND, "application %d not found", id)
		}
		if err != nil {
			rep.add(refusedRow(id, err))
			continue
		}
		rep.add(submitOne(ctx, apps, p, a))
	}
	return rep, nil
}

func submitOne(ctx context.Context, apps ApplicationService, p *Principal, a *Application) BulkResult {
	done, err := apps.SubmitApplication(ctx, p, a.ID, a.Version)
	if err != nil {
		r := refusedRow(a.ID, err)
		r.VIN = a.Vehicle.VIN
		return r
	}
	return BulkResult{ID: a.ID, VIN: a.Vehicle.VIN, Status: BulkSubmitted, State: string(done.State), Version: done.Version}
}

// SubmitImportDrafts submits the drafts filed by one of the caller's
// imports (those still drafts; submitted ones are left as they are), at
// most MaxBulk per call, in row order, each as SubmitApplications does.
// When drafts remain beyond MaxBulk, the report's More is set. Another
// organisation's import is ENOTFOUND.
func SubmitImportDrafts(ctx context.Context, imports ImportService, apps ApplicationService, p *Principal, importID int64) (*BulkReport, error) {
	if err := mayBulk(p, StepSubmit); err != nil {
		return nil, err
	}
	if importID <= 0 {
		return nil, FieldErrorf(EINVALID, "import_id", "import_id must be a positive integer record id")
	}
	im, err := imports.FindImportByID(ctx, p, importID)
	if err != nil {
		return nil, err
	}
	if im.ExporterID != p.OrgID {
		return nil, Errorf(ENOTFOUND, "import %d not found", importID)
	}
	rep := &BulkReport{Results: []BulkResult{}}
	const page = 500
	for off := 0; ; off += page {
		rows, err := imports.ImportRows(ctx, p, importID, off, page)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if row.ApplicationID == 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, Errorf(EUNAVAILABLE, "the bulk submission was interrupted after %d applications; the rows done stand, submit the rest again", len(rep.Results))
			}
			a, err := apps.FindApplicationByID(ctx, p, row.ApplicationID)
			if ErrorCode(err) == ENOTFOUND {
				continue // withdrawn and gone, or never visible: nothing to submit
			}
			if err != nil {
				return nil, err
			}
			if a.State != StateDraft {
				continue
			}
			if len(rep.Results) == MaxBulk {
				rep.More = true
				return rep, nil
			}
			rep.add(submitOne(ctx, apps, p, a))
		}
		if len(rows) < page {
			return rep, nil
		}
	}
}

// BulkAnswer is a manufacturer's one answer to a selection of its pending
// confirmation requests: approve, with the outlets that serve each
// destination (R3), or refuse with a reason code and text.
type BulkAnswer struct {
	Approve bool
	// Outlets are the manufacturer's outlets by destination (ISO 3166-1
	// alpha-2): each approved request gets those of its own destination,
	// which must be the manufacturer's outlets there (R3).
	Outlets map[string][]int64
	Code    string // a key of RefusalCodes, to refuse
	Text    string
}

// check normalises and checks the answer before any request is read.
func (a *BulkAnswer) check() error {
	if a.Approve {
		if len(a.Outlets) == 0 {
			return FieldErrorf(EINVALID, "outlets", "name at least one overseas outlet per destination that will serve the vehicles there (R3)")
		}
		norm := make(map[string][]int64, len(a.Outlets))
		for c, ids := range a.Outlets {
			c = strings.ToUpper(strings.TrimSpace(c))
			if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
				return FieldErrorf(EINVALID, "outlets", "outlets are keyed by destination, an ISO 3166-1 alpha-2 code such as RU, not %q", c)
			}
			for _, id := range ids {
				if id <= 0 {
					return FieldErrorf(EINVALID, "outlets", "outlet ids must be positive record ids")
				}
			}
			norm[c] = append(norm[c], ids...)
		}
		a.Outlets = norm
		return nil
	}
	a.Code, a.Text = strings.TrimSpace(a.Code), strings.TrimSpace(a.Text)
	if _, ok := RefusalCodes[a.Code]; !ok {
		codes := make([]string, 0, len(RefusalCodes))
		for c := range RefusalCodes {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		return FieldErrorf(EINVALID, "code", "code must be one of %s", strings.Join(codes, ", "))
	}
	if len(a.Text) > 2000 {
		return FieldErrorf(EINVALID, "text", "the text is longer than 2000 bytes")
	}
	return nil
}

// AnswerRequests approves or refuses each of the manufacturer's pending
// requests ids, each in its own transaction with its audit events
// (ApproveRequest, RefuseRequest), so that one refusal undoes none of the
// others. A request that is not the caller's is not_found (R2: a
// manufacturer answers only for its own vehicles); one no longer pending,
// or an approval with no outlet given for its destination, is refused with
// the reason.
func AnswerRequests(ctx context.Context, reqs RequestService, p *Principal, ids []int64, a BulkAnswer) (*BulkReport, error) {
	step := StepConfirm
	if !a.Approve {
		step = StepRefuseConfirmation
	}
	if err := mayBulk(p, step); err != nil {
		return nil, err
	}
	ids, err := BulkIDs("ids", ids)
	if err != nil {
		return nil, err
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	rep := &BulkReport{Results: []BulkResult{}}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, Errorf(EUNAVAILABLE, "the bulk answer was interrupted after %d of %d requests; the rows done stand, answer the rest again", len(rep.Results), len(ids))
		}
		cr, err := reqs.FindRequestByID(ctx, p, id)
		if err == nil && cr.ManufacturerID != p.OrgID {
			err = Errorf(ENOTFOUND, "request %d not found", id)
		}
		if err != nil {
			rep.add(refusedRow(id, err))
			continue
		}
		var done *ConfirmationRequest
		if a.Approve {
			outlets := a.Outlets[cr.Destination]
			if len(outlets) == 0 {
				rep.add(BulkResult{ID: id, VIN: cr.VIN, Status: BulkRefused, Code: EINVALID, Field: "outlets",
					Message: fmt.Sprintf("no outlet was named for destination %s; name one of your outlets there (R3)", cr.Destination)})
				continue
			}
			done, err = reqs.ApproveRequest(ctx, p, id, cr.Version, outlets)
		} else {
			done, err = reqs.RefuseRequest(ctx, p, id, cr.Version, a.Code, a.Text)
		}
		if err != nil {
			r := refusedRow(id, err)
			r.VIN = cr.VIN
			rep.add(r)
			continue
		}
		rep.add(BulkResult{ID: id, VIN: cr.VIN, Status: BulkAnswered, State: string(done.State), Version: done.Version})
	}
	return rep, nil
}
