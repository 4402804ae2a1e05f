package sqlstore

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// The lists' machinery at a million rows (ucx list.go): a sort key maps
// to a column with an index in the scopes that use it (migration 0015),
// the page after a cursor is a seek on (column, id), and the count stops
// where the caller asked it to.

// sortCol is a column a list may be sorted by: its SQL expression
// ("" for the record id itself), whether it may be NULL, and whether it
// is compared as text (else as an integer: day numbers and unix
// microseconds).
type sortCol struct {
	expr     string
	nullable bool
	text     bool
	// idReversed breaks ties by id in the other direction: a
	// manufacturer's inbox is highest priority first, then oldest first.
	idReversed bool
}

var applicationSortCols = map[string]sortCol{
	ucx.SortID:               {},
	ucx.SortApplicationDate:  {expr: "a.application_date", nullable: true},
	ucx.SortRegistrationDate: {expr: "a.registration_date"},
	ucx.SortUpdated:          {expr: "a.updated_at"},
	ucx.SortVIN:              {expr: "a.vin", text: true},
	ucx.SortDestination:      {expr: "a.destination", text: true},
	ucx.SortState:            {expr: "a.state", text: true},
}

var requestSortCols = map[string]sortCol{
	ucx.SortID:       {},
	ucx.SortAnswered: {expr: "r.answered_at", nullable: true},
	ucx.SortPriority: {expr: "r.priority", idReversed: true},
}

var licenceSortCols = map[string]sortCol{
	ucx.SortID:         {},
	ucx.SortIssued:     {expr: "l.issued_on"},
	ucx.SortValidUntil: {expr: "l.valid_until"},
	ucx.SortCleared:    {expr: "l.cleared_at", nullable: true},
}

// listSpec is one list query: the tables, the filter's conditions and
// their arguments, the order and the page.
type listSpec struct {
	columns string // what SELECT lists
	from    string // " FROM … JOIN …"
	// countFrom is the FROM of the count when it can do without from's
	// joins (no condition reads the joined table); "" means from.
	countFrom string
	conds     []string
	args      []any
	sort      ucx.Sort
	cols      map[string]sortCol
	id        string // the record id's column, e.g. "a.id"
	after     ucx.Cursor
	countUpTo int
	offset    int
	limit     int
}

// keyset returns the ORDER BY of s and, when s.after is set, the
// condition that starts the page after it, with its arguments. NULLs
// sort first ascending and last descending on both engines (SQLite's
// default; PostgreSQL is told), so that a cursor on a NULL value means
// the same place on either.
func (db *DB) keyset(s *listSpec) (order, cond string, args []any, err error) {
	col, ok := s.cols[s.sort.Key]
	if !ok {
		keys := make([]string, 0, len(s.cols))
		for k := range s.cols {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "", "", nil, ucx.FieldErrorf(ucx.EINVALID, "sort", "this list cannot be sorted by %q; sort by one of %s", s.sort.Key, strings.Join(keys, ", "))
	}
	dir, cmp := " ASC", ">"
	if s.sort.Desc {
		dir, cmp = " DESC", "<"
	}
	if col.expr == "" {
		order = " ORDER BY " + s.id + dir
		if !s.after.IsZero() {
			cond, args = s.id+" "+cmp+" ?", []any{s.after.ID}
		}
		return order, cond, args, nil
	}
	nulls := ""
	if col.nullable && db.engine == Postgres {
		nulls = " NULLS FIRST"
		if s.sort.Desc {
			nulls = " NULLS LAST"
		}
	}
	idDir, idCmp := dir, cmp
	if col.idReversed {
		idDir, idCmp = " DESC", "<"
		if s.sort.Desc {
			idDir, idCmp = " ASC", ">"
		}
	}
	order = " ORDER BY " + col.expr + dir + nulls + ", " + s.id + idDir
	c := s.after
	if c.IsZero() {
		return order, "", nil, nil
	}
	if c.Null {
		if !col.nullable {
			return "", "", nil, ucx.FieldErrorf(ucx.EINVALID, "after", "after is not a cursor of this order; start again from the first page")
		}
		if s.sort.Desc { // NULLs come last: only NULLs remain
			return order, "(" + col.expr + " IS NULL AND " + s.id + " < ?)", []any{c.ID}, nil
		}
		return order, "((" + col.expr + " IS NULL AND " + s.id + " > ?) OR " + col.expr + " IS NOT NULL)", []any{c.ID}, nil
	}
	var v any = c.Value
	if !col.text {
		n, perr := strconv.ParseInt(c.Value, 10, 64)
		if perr != nil {
			return "", "", nil, ucx.FieldErrorf(ucx.EINVALID, "after", "after is not a cursor of this order; start again from the first page")
		}
		v = n
	}
	// The column's own bound first, so that both engines seek the index
	// on it; the row comparison then breaks the tie by id.
	cond = "(" + col.expr + " " + cmp + "= ? AND (" + col.expr + ", " + s.id + ") " + cmp + " (?, ?))"
	args = []any{v, v, c.ID}
	if col.idReversed {
		cond = "(" + col.expr + " " + cmp + "= ? AND (" + col.expr + " " + cmp + " ? OR " + s.id + " " + idCmp + " ?))"
	}
	if col.nullable && s.sort.Desc { // NULLs come after every value
		cond = "(" + cond + " OR " + col.expr + " IS NULL)"
	}
	return order, cond, args, nil
}

// list runs s in one read transaction: the count (exact, capped at
// s.countUpTo+1, or none: -1) of every row matching the conditions, and
// the page after s.after in s.sort.
func list[T any](ctx context.Context, db *DB, op string, scan func(interface{ Scan(...any) error }) (T, error), s *listSpec) ([]T, int, error) {
	order, kcond, kargs, err := db.keyset(s)
	if err != nil {
		return nil, 0, err
	}
	conds := s.conds
	if kcond != "" {
		conds = append(append([]string(nil), s.conds...), kcond)
	}
	largs := append(append(append([]any(nil), s.args...), kargs...), s.limit, s.offset)
	var out []T
	total := -1
	err = db.View(ctx, op, func(tx *Tx) error {
		from := s.countFrom
		if from == "" {
			from = s.from
		}
		switch {
		case s.countUpTo == 0:
			if err := tx.QueryRow(ctx, "SELECT COUNT(*)"+from+where(s.conds), s.args...).Scan(&total); err != nil {
				return err
			}
		case s.countUpTo > 0:
			q := "SELECT COUNT(*) FROM (SELECT 1" + from + where(s.conds) + " LIMIT ?) capped"
			if err := tx.QueryRow(ctx, q, append(append([]any(nil), s.args...), s.countUpTo+1)...).Scan(&total); err != nil {
				return err
			}
		}
		var err error
		out, err = queryAll(ctx, tx, scan, "SELECT "+s.columns+s.from+where(conds)+order+" LIMIT ? OFFSET ?", largs...)
		return err
	})
	return out, total, err
}

// sortOf checks the filter's sort against the list's keys: the store
// refuses what the wire layer would, for callers that skip it.
func sortOf(s ucx.Sort, keys []string) error {
	if s.Key == "" {
		return nil
	}
	_, err := ucx.ParseSort(s.String(), keys)
	return err
}

// idList checks a filter's list of record ids (at most ucx.MaxFilterIDs,
// each positive) and returns its condition on col, "" when empty.
func idList(field, col string, ids []int64) (string, []any, error) {
	if len(ids) == 0 {
		return "", nil, nil
	}
	if len(ids) > ucx.MaxFilterIDs {
		return "", nil, ucx.FieldErrorf(ucx.EINVALID, field, "at most %d ids at once", ucx.MaxFilterIDs)
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		if id <= 0 {
			return "", nil, ucx.FieldErrorf(ucx.EINVALID, field, "ids must be positive record ids")
		}
		args[i] = id
	}
	return col + " IN (" + placeholders(len(ids)) + ")", args, nil
}

// searchKind is what a search box's text is taken for, in this order:
// each but the last is answered by an index, so that finding one car
// among a million stays a seek. A licence number and an exporter's name
// are told by looking them up first (a seek, a small table).
type searchKind int

const (
	searchVIN      searchKind = iota // a whole, valid VIN: the VIN index
	searchVINTail                    // 6–16 characters of the VIN alphabet: the end of a VIN (the serial's index)
	searchContains                   // anything else: a licence number, an exporter's name, or text contained
)

// vinTailLen is how many characters of a VIN the tail index holds:
// positions 12–17, the serial number, what people read off a car.
const vinTailLen = 6

// vinTailSQL is the indexed expression (migration 0015) on the VIN
// column col.
func vinTailSQL(col string) string { return "substr(" + col + ", 12)" }

// classifySearch tells what q is (see searchKind) and returns it
// normalised for that use. A tail is upper-cased; so is a licence number.
func classifySearch(q string) (searchKind, string) {
	if v := vin.Normalize(q); vin.Validate(v) == nil {
		return searchVIN, v
	}
	up := strings.ToUpper(q)
	if n := len(up); n >= vinTailLen && n < vin.Len && strings.Trim(up, "0123456789ABCDEFGHJKLMNPRSTUVWXYZ") == "" {
		return searchVINTail, up
	}
	return searchContains, q
}

// vinTailCond is the condition that VIN column col ends in tail: a seek
// on the tail index, then the whole tail compared.
func vinTailCond(col, tail string) (string, []any) {
	return "(" + vinTailSQL(col) + " = ? AND " + col + " LIKE ?)", []any{tail[len(tail)-vinTailLen:], "%" + tail}
}

// searchLookup finds what a search text names among the few: whether a
// licence has that number (its unique index) and which exporters (at
// most MaxFilterIDs) have a name, Chinese or English, containing it
// (organisations are a small table), so that a search by either becomes
// a seek rather than a scan of every application.
func (db *DB) searchLookup(ctx context.Context, q string) (licence bool, exporters []any, err error) {
	p := likePattern(q)
	err = db.View(ctx, "sqlstore.searchLookup", func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM licences WHERE number = ?", strings.ToUpper(q)).Scan(&n); err != nil {
			return err
		}
		if licence = n > 0; licence {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id FROM orgs WHERE kind = 'exporter' AND (LOWER(name) LIKE ? ESCAPE '\' OR LOWER(name_en) LIKE ? ESCAPE '\')
			ORDER BY id LIMIT ?`, p, p, ucx.MaxFilterIDs)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			exporters = append(exporters, id)
		}
		return rows.Err()
	})
	return licence, exporters, err
}

// search is a list's search box: the condition on its columns that q
// (already checked by searchQuery, not empty) makes, with its arguments.
// vinCol is the VIN column; licence the condition that the record has
// the licence numbered ? (a seek); text the condition, with one ? for a
// likePattern, that the record contains q. A licence number found is
// the search; else exporters whose name matches, if any (exporterCol);
// else the text contained, the one search that reads every row in scope.
func (db *DB) search(ctx context.Context, q, vinCol, exporterCol, licence, text string) (string, []any, error) {
	kind, v := classifySearch(q)
	switch kind {
	case searchVIN:
		return vinCol + " = ?", []any{v}, nil
	case searchVINTail:
		c, args := vinTailCond(vinCol, v)
		return c, args, nil
	}
	isLicence, ids, err := db.searchLookup(ctx, q)
	switch {
	case err != nil:
		return "", nil, err
	case isLicence:
		return licence, []any{strings.ToUpper(q)}, nil
	case len(ids) > 0:
		return exporterCol + " IN (" + placeholders(len(ids)) + ")", ids, nil
	}
	return text, []any{likePattern(q)}, nil
}

// dayRange adds the conditions of a From–To filter on a column of day
// numbers, both days included.
func dayRange(conds []string, args []any, col string, from, to ucx.Date) ([]string, []any, error) {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "from", "from (%s) is after to (%s)", from, to)
	}
	if !from.IsZero() {
		conds, args = append(conds, col+" >= ?"), append(args, from.Days())
	}
	if !to.IsZero() {
		conds, args = append(conds, col+" <= ?"), append(args, to.Days())
	}
	return conds, args, nil
}

// instantRange is dayRange for a column of unix microseconds: the days
// are China days (R1's clock), from the first one's midnight to the end
// of the last.
func instantRange(conds []string, args []any, col string, from, to ucx.Date) ([]string, []any, error) {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, nil, ucx.FieldErrorf(ucx.EINVALID, "from", "from (%s) is after to (%s)", from, to)
	}
	if !from.IsZero() {
		conds, args = append(conds, col+" >= ?"), append(args, micros(from.Time()))
	}
	if !to.IsZero() {
		conds, args = append(conds, col+" < ?"), append(args, micros(to.AddDays(1).Time()))
	}
	return conds, args, nil
}

// searchQuery checks a filter's search text: at most 200 bytes, trimmed.
func searchQuery(q string) (string, error) {
	q = strings.TrimSpace(q)
	if len(q) > 200 {
		return "", ucx.FieldErrorf(ucx.EINVALID, "q", "the search text is longer than 200 bytes")
	}
	return q, nil
}
