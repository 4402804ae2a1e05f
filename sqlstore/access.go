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
//   - an authority or customs: every application that has been filed.
//     Drafts (no application date yet) are the exporter's private work and
//     are not shown: nothing has been filed with anyone;
//   - the operator: nothing (EFORBIDDEN), as explained above.
func workflowScope(p *ucx.Principal) (string, []any, error) {
	if err := signedIn(p); err != nil {
		return "", nil, err
	}
	switch p.OrgKind {
	case ucx.KindExporter:
		return "a.exporter_id = ?", []any{p.OrgID}, nil
	case ucx.KindManufacturer:
		return "EXISTS (SELECT 1 FROM confirmation_requests s WHERE s.application_id = a.id AND s.manufacturer_id = ?)", []any{p.OrgID}, nil
	case ucx.KindAuthority, ucx.KindCustoms:
		return "a.application_date IS NOT NULL", nil, nil
	}
	return "", nil, ucx.Errorf(ucx.EFORBIDDEN, "the platform operator manages organisations and users and does not see the export workflow")
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
