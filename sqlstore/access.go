package sqlstore

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

// Who may do what. Every service method starts by checking the principal
// against one of these, before it reads anything, so that a refusal never
// depends on (and never reveals) what is stored.
//
// The organisation kind decides the kind of work (R2 manufacturers confirm,
// R10 exporters file for themselves, R14 authorities issue, R15 customs
// clear); the role decides whether the user may act or only read. The
// platform operator creates organisations and users and sees none of the
// workflow: it is not a party to any export, and keeping it out means a
// compromised operator account cannot read exporters' commercial data.

// signedIn refuses a missing principal: every service method needs one.
func signedIn(p *ucx.Principal) error {
	if p == nil || p.UserID == 0 {
		return ucx.Errorf(ucx.EUNAUTHORIZED, "sign in first")
	}
	return nil
}

// kindNames words each organisation kind for "only … may" messages.
var kindNames = map[ucx.OrgKind]string{
	ucx.KindExporter:     "an exporter",
	ucx.KindManufacturer: "a manufacturer",
	ucx.KindAuthority:    "a licensing authority",
	ucx.KindCustoms:      "customs",
	ucx.KindOperator:     "the platform operator",
}

// mustAct allows p only if it belongs to an organisation of kind k and its
// role may change records. what completes "only … may": it says what was
// refused, and why, with the rule where there is one.
func mustAct(p *ucx.Principal, k ucx.OrgKind, what string) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.OrgKind != k {
		return ucx.Errorf(ucx.EFORBIDDEN, "only %s may %s", kindNames[k], what)
	}
	if !p.Role.CanAct() {
		return ucx.Errorf(ucx.EFORBIDDEN, "your role (%s) may read but not act; ask an admin of your organisation for the member role", p.Role)
	}
	return nil
}

// mayTake allows p to take step s of the workflow only if its
// organisation is of the kind the workflow table gives the step and its
// role may act (ucx.Workflow; mustAct words the refusal).
func mayTake(p *ucx.Principal, s ucx.Step) error {
	k, who := s.Actor()
	return mustAct(p, k, who)
}

// workflowScope returns the SQL condition, on the applications table
// aliased a, that limits applications (and so their requests, licences and
// timelines) to those p may read:
//
//   - an exporter: its own (R10), drafts included;
//   - a manufacturer: those for which it has been asked for a
//     confirmation (R2), and nothing else, so other makers' business and
//     the exporter's other cars stay private;
//   - an authority: every filed application of an exporter of its
//     jurisdiction (R14, jurisdictionScope), and no other: another
//     authority's application is, to it, one that does not exist, so it
//     can neither read nor decide it;
//   - customs: every application that has been filed (R15: the exporter
//     chooses where to declare).
//
// Drafts (no application date yet) are the exporter's private work and
// are not shown to authorities or customs: nothing has been filed with
// anyone. The operator sees nothing (EFORBIDDEN), as explained above.
func workflowScope(p *ucx.Principal) (string, []any, error) {
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	switch p.OrgKind {
	case ucx.KindExporter:
		return "a.exporter_id = ?", []any{p.OrgID}, nil
	case ucx.KindManufacturer:
		return "EXISTS (SELECT 1 FROM confirmation_requests s WHERE s.application_id = a.id AND s.manufacturer_id = ?)", []any{p.OrgID}, nil
	case ucx.KindAuthority:
		return jurisdictionScope(p, "a.application_date IS NOT NULL AND ", "a.exporter_id")
	case ucx.KindCustoms:
		return "a.application_date IS NOT NULL", nil, nil
	}
	return "", nil, errOperatorNoWorkflow()
}

// errOperatorNoWorkflow refuses the operator any workflow record.
func errOperatorNoWorkflow() error {
	return ucx.Errorf(ucx.EFORBIDDEN, "the platform operator manages organisations and users and does not see the export workflow")
}

// jurisdictionScope is the one place R14 is enforced: the condition
// (after the prefix) that limits an authority to the work of exporters of
// its own jurisdiction, exporter being the column of the exporter's id
// (ucx.Org.Jurisdiction: the area the authority serves, and for the
// exporter where it is registered, or the Bureau for a central
// enterprise). Every read (lists, queue, one application, shipment,
// letter, licence or document, a timeline) and every decision (issue,
// refuse) goes through workflowScope, shipmentScope or requestScope,
// which call it. An authority with no
// jurisdiction (created before jurisdictions, or with a region that names
// none) is refused with what to do, rather than shown everything: R14
// knows no nationwide authority.
func jurisdictionScope(p *ucx.Principal, prefix, exporter string) (string, []any, error) {
	if p.Jurisdiction == "" {
		return "", nil, ucx.Errorf(ucx.EFORBIDDEN, "your authority has no jurisdiction, so it sees and issues no applications (R14); ask the platform operator to set its region to its province, city (沈阳 长春 哈尔滨 南京 武汉 广州 成都 西安) or 许可证局 (PUT /api/v1/orgs/%d/region)", p.OrgID)
	}
	return prefix + exporter + " IN (SELECT j.id FROM orgs j WHERE j.jurisdiction = ? AND j.kind = 'exporter')",
		[]any{p.Jurisdiction}, nil
}

// errUnseen is the ENOTFOUND of a record p may not see (or that does
// not exist: the two are one answer). An authority is reminded that it
// sees its jurisdiction's exporters only (R14), which says why an
// application it was told of is not there without saying whether it
// exists.
func errUnseen(p *ucx.Principal, shipment bool, id int64) error {
	switch {
	case shipment && p.Is(ucx.KindAuthority):
		return ucx.Errorf(ucx.ENOTFOUND, "shipment %d not found among the filings of exporters of your jurisdiction (%s): an authority sees and issues only those (R14)", id, p.Jurisdiction)
	case shipment:
		return ucx.Errorf(ucx.ENOTFOUND, "shipment %d not found", id)
	case p.Is(ucx.KindAuthority):
		return ucx.Errorf(ucx.ENOTFOUND, "application %d not found among the filings of exporters of your jurisdiction (%s): an authority sees and issues only those (R14)", id, p.Jurisdiction)
	}
	return errNoApplication(id)
}

// Page sizes for every list: a caller that gives no limit gets
// DefaultLimit rows, and no caller gets more than MaxLimit at once (a
// larger limit is lowered to it), so one request cannot read a whole table.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// page checks and completes a list's offset and limit.
func page(offset, limit int) (int, int, error) {
	if offset < 0 {
		return 0, 0, ucx.FieldErrorf(ucx.EINVALID, "offset", "offset must be 0 or more")
	}
	if limit < 0 {
		return 0, 0, ucx.FieldErrorf(ucx.EINVALID, "limit", "limit must be between 1 and %d (0 means %d)", MaxLimit, DefaultLimit)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	return offset, limit, nil
}

// where joins conditions with AND into a WHERE clause ("" for none).
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// likePattern makes a case-insensitive "contains" pattern for LIKE …
// ESCAPE '\', with the user's own % and _ taken literally.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Times are stored as unix microseconds and dates as day numbers (see the
// migration); these convert at the boundary.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(n int64) time.Time { return time.UnixMicro(n).UTC() }

func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

// dayValue stores a date; the zero date is NULL.
func dayValue(d ucx.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Days()
}

func optDate(n sql.NullInt64) ucx.Date {
	if !n.Valid {
		return ucx.Date{}
	}
	return ucx.DateFromDays(int(n.Int64))
}

// nullID stores an optional reference; 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// toJSON encodes a column value. Values are checked before they get here,
// so a failure is a bug and is reported as an internal error.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// today is the date of the transaction's instant in China time: R1 counts
// calendar days in China Standard Time, and so do licence dates.
func (tx *Tx) today() ucx.Date { return ucx.DateOf(tx.now) }
