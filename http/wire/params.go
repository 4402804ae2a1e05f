package wire

// Reading a request's parameters: the path's record ids, paging, query
// filters and form text. The API and the web UI read them with the same
// functions, so a value one refuses the other refuses with the same words.

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// Paging limits for every list endpoint: a page of 50 by default and at
// most 500 (the store's own ceiling), so no request can ask for everything
// at once. A larger limit is lowered to it, and the answer's limit says so.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// PathID reads the {name} wildcard as a positive record id. Anything else
// (letters, zero, a negative number, an overflow) is EINVALID naming the
// wildcard, never a lookup that cannot succeed.
func PathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, ucx.FieldErrorf(ucx.EINVALID, name, "%s must be a positive integer record id, not %q", name, Clip(s))
	}
	return id, nil
}

// Paging reads offset and limit from the query.
func Paging(q url.Values) (offset, limit int, err error) {
	offset, err = QueryInt(q, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return 0, 0, err
	}
	limit, err = QueryInt(q, "limit", DefaultLimit, 1, 1<<31-1)
	return offset, min(limit, MaxLimit), err
}

// QueryInt reads an integer query parameter within [lo, hi], or def when
// absent.
func QueryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, ucx.FieldErrorf(ucx.EINVALID, name, "%s must be an integer from %d to %d, not %q", name, lo, hi, Clip(s))
	}
	return n, nil
}

// QueryString reads a text query parameter of at most 200 bytes, one line
// of UTF-8 text (ucx.CheckText).
func QueryString(q url.Values, name string) (string, error) {
	s := strings.TrimSpace(q.Get(name))
	if len(s) > 200 {
		return "", ucx.FieldErrorf(ucx.EINVALID, name, "%s is longer than 200 bytes", name)
	}
	if err := ucx.CheckText(name, s, ucx.OneLine); err != nil {
		return "", err
	}
	return s, nil
}

// Clip shortens what a client sent before it is quoted back.
func Clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// ValidateRefusal trims the refusal's code and text and checks them: the
// code one of ucx.RefusalCodes, the text at most 2000 bytes.
func ValidateRefusal(in *RefusalRequest) error {
	in.Code, in.Text = strings.TrimSpace(in.Code), strings.TrimSpace(in.Text)
	if _, ok := ucx.RefusalCodes[in.Code]; !ok {
		return ucx.FieldErrorf(ucx.EINVALID, "code", "code must be one of %s", refusalCodeList())
	}
	if len(in.Text) > 2000 {
		return ucx.FieldErrorf(ucx.EINVALID, "text", "the text is longer than 2000 bytes")
	}
	return nil
}

func refusalCodeList() string {
	codes := make([]string, 0, len(ucx.RefusalCodes))
	for c := range ucx.RefusalCodes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

// ApplicationFilter reads the list's filters: state, vin, destination,
// outcome, exporter_id, q, offset and limit. Each is checked, so a typo
// is a 400 naming it rather than a silently empty list.
func ApplicationFilter(q url.Values) (ucx.ApplicationFilter, error) {
	var f ucx.ApplicationFilter
	var err error
	if f.Offset, f.Limit, err = Paging(q); err != nil {
		return f, err
	}
	if st := q.Get("state"); st != "" {
		f.State = ucx.State(st)
		if !f.State.Valid() {
			return f, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be one of %s", stateList())
		}
	}
	if o := q.Get("outcome"); o != "" {
		if _, ok := ucx.ParseOutcome(o); !ok {
			return f, ucx.FieldErrorf(ucx.EINVALID, "outcome", "outcome must be clear, letter-required, blocked or invalid")
		}
		f.Outcome = o
	}
	if f.VIN, err = QueryString(q, "vin"); err != nil {
		return f, err
	}
	f.VIN = strings.ToUpper(f.VIN)
	if d := q.Get("destination"); d != "" {
		f.Destination = ucx.NormalizeCountry(d)
		if !ucx.ValidCountry(f.Destination) {
			return f, ucx.FieldErrorf(ucx.EINVALID, "destination", "destination must be an ISO 3166-1 alpha-2 code such as RU")
		}
	}
	if e := q.Get("exporter_id"); e != "" {
		id, err := strconv.ParseInt(e, 10, 64)
		if err != nil || id <= 0 {
			return f, ucx.FieldErrorf(ucx.EINVALID, "exporter_id", "exporter_id must be a positive integer record id")
		}
		f.ExporterID = id
	}
	if f.Query, err = QueryString(q, "q"); err != nil {
		return f, err
	}
	return f, nil
}

func stateList() string {
	names := make([]string, len(ucx.States))
	for i, st := range ucx.States {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// CheckFormText applies the text rule to every value of a posted form,
// named by its control. Form values may span lines: a browser sends a
// single-line input's value without line breaks, and a text area's with
// them.
func CheckFormText(form url.Values) error {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ucx.CheckText("a form field's name", k, ucx.OneLine); err != nil {
			return err
		}
		for _, v := range form[k] {
			if err := ucx.CheckText(k, v, ucx.MultiLine); err != nil {
				return err
			}
		}
	}
	return nil
}

// Period reads from and to (YYYY-MM-DD) from the query. Absent, to is
// today (China time) and from a year before it plus a day, so the default
// is the last twelve months, both ends included.
func Period(q url.Values, today ucx.Date) (from, to ucx.Date, err error) {
	to = today
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if to, err = ucx.ParseDate(v); err != nil {
			return from, to, ucx.FieldErrorf(ucx.EINVALID, "to", "to must be a date, YYYY-MM-DD, not %q", Clip(v))
		}
	}
	y, m, d := to.Civil()
	from, ok := ucx.NewDate(y-1, m, d)
	if !ok { // 29 February
		from, _ = ucx.NewDate(y-1, m, d-1)
	}
	from = from.AddDays(1)
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if from, err = ucx.ParseDate(v); err != nil {
			return from, to, ucx.FieldErrorf(ucx.EINVALID, "from", "from must be a date, YYYY-MM-DD, not %q", Clip(v))
		}
	}
	if to.Before(from) {
		return from, to, ucx.FieldErrorf(ucx.EINVALID, "from", "from (%s) is after to (%s)", from, to)
	}
	return from, to, nil
}
