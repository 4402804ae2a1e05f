package ucx

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Lists at a million rows. Every party's queue is a list that may hold a
// million applications (a year of a province's exports), so the list
// filters (ApplicationFilter, RequestFilter, LicenceFilter) page by
// keyset rather than by offset, sort only by keys the store has an index
// for, and count only as far as a caller needs:
//
//   - Sort names one of the list's whitelisted keys (ApplicationSorts,
//     RequestSorts, LicenceSorts), ties broken by record id in the same
//     direction, so that every order is total;
//   - After is the Cursor of the last row of the previous page: the next
//     page is an index seek past it, so page 20,000 costs what page 1
//     does, where OFFSET reads and drops every row before it;
//   - CountUpTo caps the total: counting a million matches to print
//     "1,000,000 results" costs more than the page itself.

// Sort orders a list by one of its keys, descending when Desc. The zero
// Sort is the list's default order.
type Sort struct {
	Key  string
	Desc bool
}

// String writes the sort as a URL carries it: "key" ascending, "-key"
// descending, "" for the default.
func (s Sort) String() string {
	if s.Key == "" {
		return ""
	}
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// ParseSort reads a sort as String writes it. "" is the zero Sort; a key
// not in keys is EINVALID naming the field sort and listing the keys, so
// nobody can order a million rows by a column without an index.
func ParseSort(s string, keys []string) (Sort, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Sort{}, nil
	}
	out := Sort{Key: s}
	if strings.HasPrefix(s, "-") {
		out = Sort{Key: s[1:], Desc: true}
	}
	for _, k := range keys {
		if k == out.Key {
			return out, nil
		}
	}
	return Sort{}, FieldErrorf(EINVALID, "sort", "sort must be one of %s, with a leading - for descending", strings.Join(keys, ", "))
}

// The sort keys of the lists. Each names a column the store keeps an index
// for in the scopes that list it (migration 0015).
const (
	SortID               = "id"                // filing (or request, or issue) order
	SortApplicationDate  = "application_date"  // the day it was filed with the authority (R1)
	SortRegistrationDate = "registration_date" // the car's first registration (R1)
	SortUpdated          = "updated_at"        // the last change
	SortVIN              = "vin"
	SortDestination      = "destination"
	SortState            = "state"
	SortAnswered         = "answered_at" // a confirmation request's answer
	SortPriority         = "priority"    // the priority a manufacturer's rules gave a request; ties oldest first when descending
	SortIssued           = "issued_on"   // a licence's issue date
	SortValidUntil       = "valid_until" // a licence's last valid day
	SortCleared          = "cleared_at"  // a licence's clearance (R15)
)

// ApplicationSorts, RequestSorts and LicenceSorts are the keys each list
// may be sorted by.
var (
	ApplicationSorts = []string{SortID, SortApplicationDate, SortRegistrationDate, SortUpdated, SortVIN, SortDestination, SortState}
	RequestSorts     = []string{SortID, SortAnswered, SortPriority}
	LicenceSorts     = []string{SortID, SortIssued, SortValidUntil, SortCleared}
)

// Cursor is a place in a sorted list: the sort value and the id of the
// last row a page showed. The zero Cursor is the start of the list.
type Cursor struct {
	// Value is the sort key's value as the store compares it: a day number
	// for a date, unix microseconds for an instant, the text itself
	// otherwise; empty for the id order, whose value is ID.
	Value string
	// Null says the row has no value (a draft has no application date, a
	// pending request no answer): nulls sort first ascending, last
	// descending, on both engines.
	Null bool
	ID   int64
}

// IsZero reports whether c is the start of the list.
func (c Cursor) IsZero() bool { return c.ID == 0 }

// String encodes c for a URL (?after=…). It is opaque to people but not a
// secret: it holds one sort value and one id of a row the reader saw.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	s := strconv.FormatInt(c.ID, 10) + "."
	if c.Null {
		s += "n"
	} else {
		s += "v" + c.Value
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// ParseCursor reads a cursor String wrote; "" is the zero Cursor.
// Anything else is EINVALID naming after: a cursor is only ever copied
// from a page's "more" link.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	bad := FieldErrorf(EINVALID, "after", "after must be the cursor of a page's \"more\" link; start again from the first page")
	if len(s) > 400 {
		return Cursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	id, rest, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || rest == "" {
		return Cursor{}, bad
	}
	c := Cursor{ID: n}
	switch rest[0] {
	case 'n':
		c.Null = rest == "n"
		if !c.Null {
			return Cursor{}, bad
		}
	case 'v':
		c.Value = rest[1:]
	default:
		return Cursor{}, bad
	}
	if err := CheckText("after", c.Value, OneLine); err != nil {
		return Cursor{}, bad
	}
	return c, nil
}

func dayCursor(id int64, d Date) Cursor {
	if d.IsZero() {
		return Cursor{ID: id, Null: true}
	}
	return Cursor{ID: id, Value: strconv.Itoa(d.Days())}
}

func microCursor(id int64, us *int64) Cursor {
	if us == nil {
		return Cursor{ID: id, Null: true}
	}
	return Cursor{ID: id, Value: strconv.FormatInt(*us, 10)}
}

// ApplicationCursor is the cursor after application a in the order s,
// the sort its page was read with: the next page's After.
func ApplicationCursor(a *Application, s Sort) Cursor {
	switch s.Key {
	case SortApplicationDate:
		return dayCursor(a.ID, a.ApplicationDate)
	case SortRegistrationDate:
		return dayCursor(a.ID, a.Vehicle.RegistrationDate)
	case SortUpdated:
		us := a.UpdatedAt.UnixMicro()
		return microCursor(a.ID, &us)
	case SortVIN:
		return Cursor{ID: a.ID, Value: a.Vehicle.VIN}
	case SortDestination:
		return Cursor{ID: a.ID, Value: a.Destination}
	case SortState:
		return Cursor{ID: a.ID, Value: string(a.State)}
	}
	return Cursor{ID: a.ID}
}

// RequestCursor is the cursor after confirmation request r in the order s.
func RequestCursor(r *ConfirmationRequest, s Sort) Cursor {
	if s.Key == SortPriority {
		return Cursor{ID: r.ID, Value: strconv.Itoa(r.Priority)}
	}
	if s.Key == SortAnswered {
		if r.AnsweredAt == nil {
			return microCursor(r.ID, nil)
		}
		us := r.AnsweredAt.UnixMicro()
		return microCursor(r.ID, &us)
	}
	return Cursor{ID: r.ID}
}

// LicenceCursor is the cursor after licence l in the order s.
func LicenceCursor(l *Licence, s Sort) Cursor {
	switch s.Key {
	case SortIssued:
		return dayCursor(l.ID, l.IssuedOn)
	case SortValidUntil:
		return dayCursor(l.ID, l.ValidUntil)
	case SortCleared:
		if l.ClearedAt == nil {
			return microCursor(l.ID, nil)
		}
		us := l.ClearedAt.UnixMicro()
		return microCursor(l.ID, &us)
	}
	return Cursor{ID: l.ID}
}

// LicenceStates lists the licence states a list may be filtered by.
var LicenceStates = []LicenceState{LicenceValid, LicenceCleared, LicenceExpired, LicenceRevoked, LicenceLetterRevoked}

// Valid reports whether s is a known licence state.
func (s LicenceState) Valid() bool {
	for _, x := range LicenceStates {
		if x == s {
			return true
		}
	}
	return false
}

// ConfirmationStates lists the confirmation request states, in workflow
// order.
var ConfirmationStates = []ConfirmationState{ConfirmationPending, ConfirmationApproved, ConfirmationRefused, ConfirmationVoid}

// Valid reports whether s is a known confirmation request state.
func (s ConfirmationState) Valid() bool {
	for _, x := range ConfirmationStates {
		if x == s {
			return true
		}
	}
	return false
}

// MaxFilterIDs is how many record ids one list filter may name
// (RequestFilter.ApplicationIDs, LicenceFilter.ApplicationIDs): a page's
// worth, so a page can fetch the letters and licences of its rows in one
// query.
const MaxFilterIDs = 500
