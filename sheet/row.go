package sheet

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/i18n"
	"github.com/ucxdev/ucx/vin"
	"golang.org/x/text/width"
)

// The columns the reader turns into a ucx.Vehicle. Every other column is
// kept as it is, for Row.Value.
const (
	ColVIN                  = "vin"                    // the 17-character VIN; required
	ColRegistrationDate     = "registration_date"      // 注册登记日期 (R1)
	ColApplicationDate      = "application_date"       // the licence application date (R1)
	ColDestination          = "destination"            // ISO 3166-1 alpha-2 (R3)
	ColBrand                = "brand"                  // as applied for (R5)
	ColModel                = "model"                  // as applied for (R5)
	ColTransferDate         = "transfer_date"          // 转让登记待出口日期 (R5, R7)
	ColModified             = "modified"               // exported as a modified vehicle (R9)
	ColMileage              = "mileage_km"             // odometer reading in km
	ColCertBrand            = "cert_brand"             // brand on the registration certificate (R5)
	ColCertModel            = "cert_model"             // model on the certificate (R5)
	ColCertRegistrationDate = "cert_registration_date" // registration date on the certificate (R5)
	ColCertTransferDate     = "cert_transfer_date"     // transfer date endorsed on the certificate (R5)
	ColChassisBrand         = "chassis_brand"          // R9
	ColModifiedBrand        = "modified_brand"         // R9
	ColModificationGenuine  = "modification_genuine"   // proof the modification is genuine (R9)
	ColMIITCatalogue        = "miit_catalogue"         // listed in the MIIT catalogue (R9)
	ColCCCCertificate       = "ccc_certificate"        // a valid CCC certificate exists (R9)
	ColInspectionReport     = "inspection_report"      // a CMA/CNAS inspection report is held (R12)
	ColBannedCases          = "banned_cases"           // R11 banned-case codes, separated by ; or ,
)

// field numbers index layout.known; the order is that of the Col constants.
const (
	fVIN = iota
	fRegistrationDate
	fApplicationDate
	fDestination
	fBrand
	fModel
	fTransferDate
	fModified
	fMileage
	fCertBrand
	fCertModel
	fCertRegistrationDate
	fCertTransferDate
	fChassisBrand
	fModifiedBrand
	fModificationGenuine
	fMIITCatalogue
	fCCCCertificate
	fInspectionReport
	fBannedCases
	numFields
)

var knownNames = [numFields]string{
	ColVIN, ColRegistrationDate, ColApplicationDate, ColDestination, ColBrand, ColModel,
	ColTransferDate, ColModified, ColMileage, ColCertBrand, ColCertModel, ColCertRegistrationDate,
	ColCertTransferDate, ColChassisBrand, ColModifiedBrand, ColModificationGenuine, ColMIITCatalogue,
	ColCCCCertificate, ColInspectionReport, ColBannedCases,
}

// KnownColumns returns the names of the columns the reader understands, in
// documentation order. Any other column is kept for Row.Value.
func KnownColumns() []string { return slices.Clone(knownNames[:]) }

// RuleInput is the rule id of every problem the reader finds: the input
// cannot be read, so the policy cannot judge it (outcome invalid).
const RuleInput = "INPUT"

// Problem codes, stable for programs. Each problem names its column in
// Reason.Field, except the whole-row ones (CodeBadRow, CodeExtraValues).
const (
	CodeVINMissing  = "vin_missing"  // the VIN cell is empty
	CodeVINInvalid  = "vin_invalid"  // length, characters or check digit (GB 16735)
	CodeBadDate     = "bad_date"     // not one of the accepted date forms, or no such day
	CodeBadNumber   = "bad_number"   // mileage that is not a whole number of km
	CodeBadYesNo    = "bad_yes_no"   // a yes/no column with another value
	CodeBadCountry  = "bad_country"  // not an ISO 3166-1 alpha-2 code
	CodeNotUTF8     = "not_utf8"     // text that is not UTF-8 (a CSV saved as GBK)
	CodeBadValue    = "bad_value"    // a JSON value of the wrong kind (an object)
	CodeBadRow      = "bad_row"      // the row itself cannot be parsed (CSV or JSON syntax)
	CodeExtraValues = "extra_values" // more values than the header has columns
)

// layout maps column names to positions. It is immutable once built, so rows
// copied out of a Reader may share it with rows read later.
type layout struct {
	names []string       // canonical names, in file order ("" for an unnamed column)
	index map[string]int // canonical name → position (first occurrence)
	known [numFields]int // position of each known column, -1 when absent
	// unknown holds the headings, as written, that no column of the
	// table has (columnName), in file order.
	unknown []string
}

// canon normalises a column name: full-width forms as their ASCII
// (ＶＩＮ is VIN), trimmed (including a byte-order mark and a * marking a
// required column), lower case, inner spaces and hyphens as one
// underscore. It does not allocate for a name that is already canonical.
func canon(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			s = width.Fold.String(s)
			break
		}
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	s = strings.TrimSpace(strings.Trim(s, "*"))
	if !strings.Contains(s, "  ") && !strings.Contains(s, "__") && !strings.Contains(s, " -") && !strings.Contains(s, "- ") {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return '_'
			}
			return unicode.ToLower(r)
		}, s)
	}
	var b strings.Builder
	under := false
	for _, r := range s {
		if r == ' ' || r == '-' || r == '_' {
			if !under {
				b.WriteByte('_')
			}
			under = true
			continue
		}
		under = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func knownField(name string) int {
	for f, n := range knownNames {
		if n == name {
			return f
		}
	}
	return -1
}

// newLayout builds the layout of a header row, resolving each heading
// through the table of columns (columnName). A policy column named twice
// (vin and 车架号, say) is an error, since the reader could only guess which
// one is meant; a missing vin column is an error, since no row could be
// identified. Headings the table does not know are kept, under their
// normalised name, and listed in unknown.
func newLayout(header []string) (*layout, error) {
	l := &layout{names: make([]string, len(header)), index: make(map[string]int, len(header))}
	for f := range l.known {
		l.known[f] = -1
	}
	for i, h := range header {
		name, known := columnName(h)
		l.names[i] = name
		if name == "" {
			continue
		}
		if j, dup := l.index[name]; dup {
			if knownField(name) >= 0 {
				return nil, ucx.FieldErrorf(ucx.EINVALID, name, "the header names the column %s twice: %s (column %d) and %s (column %d); keep one",
					name, quoteValue(strings.TrimSpace(header[j])), j+1, quoteValue(strings.TrimSpace(header[i])), i+1)
			}
			continue
		}
		l.index[name] = i
		if f := knownField(name); f >= 0 {
			l.known[f] = i
		}
		if !known {
			l.unknown = append(l.unknown, strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		}
	}
	if l.known[fVIN] < 0 {
		return nil, missingVIN(l.names)
	}
	return l, nil
}

func missingVIN(found []string) error {
	var b strings.Builder
	n := 0
	for _, name := range found {
		if name == "" {
			continue
		}
		if n == 8 {
			b.WriteString(", …")
			break
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		n++
	}
	if n == 0 {
		b.WriteString("none")
	}
	return ucx.FieldErrorf(ucx.EINVALID, ColVIN, "no vin column: the header row names %s; add a column headed vin (or 车架号, VIN码) with each vehicle's 17-character VIN", b.String())
}

// unknownNote is the note for the headings no column of the table has.
func unknownNote(unknown []string) string {
	if len(unknown) == 0 {
		return ""
	}
	q := make([]string, 0, min(len(unknown), 8))
	for i, h := range unknown {
		if i == 8 {
			q = append(q, "…")
			break
		}
		q = append(q, quoteValue(h))
	}
	what := "the column " + q[0] + " is not one ucx reads and is ignored"
	if len(unknown) > 1 {
		what = "the columns " + strings.Join(q, ", ") + " are not ones ucx reads and are ignored"
	}
	return what + "; the columns it reads are " + acceptedNames() + ", under these names or their Chinese and English headings (docs/check.md lists them all)"
}

// with returns a copy of l with one more column, for JSON Lines, whose keys
// may differ from line to line.
func (l *layout) with(name string) *layout {
	n := &layout{names: append(slices.Clip(l.names), name), index: maps.Clone(l.index), known: l.known, unknown: l.unknown}
	if n.index == nil {
		n.index = make(map[string]int)
	}
	n.index[name] = len(n.names) - 1
	if f := knownField(name); f >= 0 {
		n.known[f] = len(n.names) - 1
	}
	return n
}

func emptyLayout() *layout {
	l := &layout{index: map[string]int{}}
	for f := range l.known {
		l.known[f] = -1
	}
	return l
}

// Row is one data row: where it is, the vehicle read from it and what could
// not be read. A Row with problems still carries every value that could be
// read, so the output can name the vehicle.
type Row struct {
	// N is the 1-based number of the data row: the header and rows whose
	// every value is empty are not counted.
	N int
	// Line is where the row is in the file: the line on which a CSV record or
	// a JSON line starts, or the sheet's row number in a workbook.
	Line int
	// Vehicle holds the values read; a value with a problem is left zero.
	Vehicle ucx.Vehicle
	// Problems has one reason per value that could not be read (rule INPUT,
	// severity Reject, Field the column). Whole-row problems (a CSV syntax
	// error, a line that is not JSON, more values than columns) come first
	// and have an empty Field.
	Problems []ucx.Reason

	lay      *layout
	fields   []string
	parsed   bool // Vehicle and the column problems are filled in
	xlsx     bool // date columns may hold Excel serial numbers
	date1904 bool // … counted from 1904 (a workbook setting)
}

// Value returns the raw value of the named column as the file holds it (an
// XLSX date cell gives its serial number), and whether the file has that
// column. The name is matched as headers are: case-insensitive, trimmed.
func (r *Row) Value(name string) (string, bool) {
	if r.lay == nil {
		return "", false
	}
	i, ok := r.lay.index[name]
	if !ok {
		n, _ := columnName(name)
		i, ok = r.lay.index[n]
		if !ok {
			return "", false
		}
	}
	if i < len(r.fields) {
		return r.fields[i], true
	}
	return "", true
}

// Columns returns the canonical column names of the row's file, in order.
// The slice must not be modified.
func (r *Row) Columns() []string {
	if r.lay == nil {
		return nil
	}
	return r.lay.names
}

// HasProblem reports whether the value of the named column could not be
// read. The batch checker uses it to leave a bad application date alone
// rather than replace it with --as-of.
func (r *Row) HasProblem(column string) bool {
	for i := range r.Problems {
		if r.Problems[i].Field == column {
			return true
		}
	}
	return false
}

// Unreadable reports whether the row as a whole could not be read (a syntax
// error, or values that do not line up with the header), so that no value
// of it can be trusted.
func (r *Row) Unreadable() bool { return r.HasProblem("") }

// CopyTo makes dst an independent copy of r, reusing dst's slices: a
// pipeline keeps rows beyond the next call to Reader.Next this way without
// allocating.
func (r *Row) CopyTo(dst *Row) {
	fields, problems, bans := dst.fields[:0], dst.Problems[:0], dst.Vehicle.Bans[:0]
	*dst = *r
	dst.fields = append(fields, r.fields...)
	dst.Problems = append(problems, r.Problems...)
	dst.Vehicle.Bans = append(bans, r.Vehicle.Bans...)
}

// reset empties r for a new, unparsed row from a file of the given kind,
// keeping its slices' memory.
func (r *Row) reset(xlsx, date1904 bool) {
	bans := r.Vehicle.Bans[:0]
	r.Vehicle = ucx.Vehicle{Bans: bans}
	r.Problems = r.Problems[:0]
	r.fields = r.fields[:0]
	r.parsed, r.xlsx, r.date1904 = false, xlsx, date1904
}

// problem records why column f's value cannot be read, in English and, from
// the error catalogue, in Chinese: the import results are read in either.
func (r *Row) problem(f int, code string, err error) {
	r.Problems = append(r.Problems, ucx.Reason{Rule: RuleInput, Code: code, Severity: ucx.Reject, Field: knownNames[f],
		Message: ucx.ErrorMessage(err), MessageZH: chinese(err)})
}

// wholeProblem records why the row as a whole cannot be read.
func (r *Row) wholeProblem(code string, err error) {
	r.Problems = append(r.Problems, ucx.Reason{Rule: RuleInput, Code: code, Severity: ucx.Reject,
		Message: ucx.ErrorMessage(err), MessageZH: chinese(err)})
}

// chinese is err's message in Chinese where the catalogue has it, else "".
func chinese(err error) string {
	s, _ := i18n.ErrorText("zh", err)
	return s
}

// raw returns the trimmed value of known field f, "" when absent.
func (r *Row) raw(f int) string {
	i := r.lay.known[f]
	if i < 0 || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// Parse reads the row's values into Vehicle and adds a problem for each
// value it cannot read. Reader.Next has done it already; after
// Reader.NextRaw it is the caller's to do, at most once a row (a second call
// does nothing). Rows copied with CopyTo may be parsed concurrently.
func (r *Row) Parse() {
	if r.parsed || r.lay == nil {
		return
	}
	r.parsed = true
	xlsx, date1904 := r.xlsx, r.date1904
	bans := r.Vehicle.Bans[:0]
	r.Vehicle = ucx.Vehicle{}
	v := &r.Vehicle

	if s := r.raw(fVIN); s == "" {
		r.problem(fVIN, CodeVINMissing, ucx.Errorf(ucx.EINVALID, "the VIN is empty; copy the 17-character VIN from the registration certificate"))
	} else {
		v.VIN = vin.Normalize(s)
		if err := vin.Validate(v.VIN); err != nil {
			var ve *vin.Error
			if errors.As(err, &ve) {
				err = ve.AsUCX(ColVIN)
			}
			r.problem(fVIN, CodeVINInvalid, err)
		}
	}
	v.RegistrationDate = r.date(fRegistrationDate, xlsx, date1904)
	v.ApplicationDate = r.date(fApplicationDate, xlsx, date1904)
	v.Destination = r.country(fDestination)
	v.Brand = r.text(fBrand)
	v.Model = r.text(fModel)
	v.TransferDate = r.date(fTransferDate, xlsx, date1904)
	v.Modified = r.fact(fModified)
	v.MileageKM, v.HasMileage = r.mileage()
	v.Certificate.Brand = r.text(fCertBrand)
	v.Certificate.Model = r.text(fCertModel)
	v.Certificate.RegistrationDate = r.date(fCertRegistrationDate, xlsx, date1904)
	v.Certificate.TransferDate = r.date(fCertTransferDate, xlsx, date1904)
	v.Modification.ChassisBrand = r.text(fChassisBrand)
	v.Modification.ModifiedBrand = r.text(fModifiedBrand)
	v.Modification.Genuine = r.fact(fModificationGenuine)
	v.Modification.MIITCatalogue = r.fact(fMIITCatalogue)
	v.Modification.CCC = r.fact(fCCCCertificate)
	v.Inspection = r.fact(fInspectionReport)
	v.Bans = splitCodes(bans, r.text(fBannedCases))
}

func (r *Row) text(f int) string {
	s := r.raw(f)
	if !utf8.ValidString(s) {
		r.problem(f, CodeNotUTF8, ucx.Errorf(ucx.EINVALID, "the text is not UTF-8; save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8 / 另存为 CSV UTF-8) and check the value"))
		return ""
	}
	return s
}

func (r *Row) date(f int, xlsx, date1904 bool) ucx.Date {
	s := r.raw(f)
	if s == "" {
		return ucx.Date{}
	}
	d, err := ucx.ParseDate(s)
	if err == nil {
		return d
	}
	if xlsx {
		if d, ok := cellDate(s, date1904); ok {
			return d
		}
	}
	if !utf8.ValidString(s) {
		err = ucx.Errorf(ucx.EINVALID, "cannot read the date: the text is not UTF-8; write it as YYYY-MM-DD (2026/01/31, 2026.01.31 and 2026年1月31日 are accepted too)")
	}
	r.problem(f, CodeBadDate, err)
	return ucx.Date{}
}

// cellDate reads what an XLSX date cell holds without its number format: an
// Excel serial day number (46053 is 2026-01-31; a fraction is the time of
// day) or, for the rare ISO 8601 date cell, 2026-01-31T00:00:00Z.
func cellDate(s string, date1904 bool) (ucx.Date, bool) {
	if len(s) > 10 && s[10] == 'T' {
		d, err := ucx.ParseDate(s[:10])
		return d, err == nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x >= 2958466 { // 2958465 is 9999-12-31
		return ucx.Date{}, false
	}
	n := int(x)
	var d ucx.Date
	switch {
	case date1904:
		d = ucx.MustDate(1904, 1, 1).AddDays(n)
	case n < 1:
		return ucx.Date{}, false
	case n < 60:
		d = ucx.MustDate(1899, 12, 31).AddDays(n)
	case n == 60:
		return ucx.Date{}, false // Lotus 1-2-3's 1900-02-29, which never was
	default:
		d = ucx.MustDate(1899, 12, 30).AddDays(n)
	}
	return d, !d.After(lastDate)
}

var lastDate = ucx.MustDate(9999, 12, 31)

// upper2 holds every two-letter upper-case string, so that a destination
// written "ru" becomes "RU" without allocating.
var upper2 = func() (t [26 * 26]string) {
	var b strings.Builder
	for i := 0; i < 26; i++ {
		for j := 0; j < 26; j++ {
			b.WriteByte(byte('A' + i))
			b.WriteByte(byte('A' + j))
		}
	}
	all := b.String()
	for i := range t {
		t[i] = all[2*i : 2*i+2]
	}
	return t
}()

func letter(c byte) (int, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A'), true
	case c >= 'a' && c <= 'z':
		return int(c - 'a'), true
	}
	return 0, false
}

func (r *Row) country(f int) string {
	s := r.raw(f)
	if s == "" {
		return ""
	}
	if len(s) == 2 {
		a, ok1 := letter(s[0])
		b, ok2 := letter(s[1])
		if ok1 && ok2 {
			return upper2[a*26+b]
		}
	}
	r.problem(f, CodeBadCountry, ucx.Errorf(ucx.EINVALID, "%s is not an ISO 3166-1 alpha-2 country code; write the destination as two letters, e.g. RU, KZ, AE, UZ", quoteValue(s)))
	return ""
}

func (r *Row) fact(f int) ucx.Fact {
	s := r.raw(f)
	v, ok := ParseFact(s)
	if !ok {
		r.problem(f, CodeBadYesNo, ucx.Errorf(ucx.EINVALID, "cannot read %s as yes or no; write yes or no (true/false, 1/0 and 是/否 are accepted too), or leave the cell empty if nothing is declared", quoteValue(s)))
	}
	return v
}

// ParseFact reads a declared yes/no value: yes/no, true/false, 1/0 (any
// case) or 是/否. Empty means not declared (ucx.Unknown), which R9 treats
// differently from a declared no. ok is false for anything else.
func ParseFact(s string) (f ucx.Fact, ok bool) {
	switch {
	case s == "":
		return ucx.Unknown, true
	case s == "1" || s == "是" || strings.EqualFold(s, "yes") || strings.EqualFold(s, "true"):
		return ucx.Yes, true
	case s == "0" || s == "否" || strings.EqualFold(s, "no") || strings.EqualFold(s, "false"):
		return ucx.No, true
	}
	return ucx.Unknown, false
}

// maxMileage bounds a plausible odometer reading; more is a typing error.
const maxMileage = 9_999_999

func (r *Row) mileage() (int, bool) {
	s := r.raw(fMileage)
	if s == "" {
		return 0, false
	}
	n, ok := 0, len(s) <= 7
	for i := 0; ok && i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
		} else {
			ok = false
		}
	}
	if ok {
		return n, true
	}
	// A spreadsheet may hold 45200.0 or 4.52E+04.
	if x, err := strconv.ParseFloat(s, 64); err == nil && x >= 0 && x <= maxMileage {
		return int(x + 0.5), true
	}
	r.problem(fMileage, CodeBadNumber, ucx.Errorf(ucx.EINVALID, "cannot read %s as a mileage; write the odometer reading as a whole number of kilometres without separators or units, e.g. 45200", quoteValue(s)))
	return 0, false
}

// splitCodes appends the banned-case codes in s, separated by ; or , (or
// their full-width forms ；，), to dst[:0]. The codes are substrings of s.
func splitCodes(dst []string, s string) []string {
	dst = dst[:0]
	for s != "" {
		i := strings.IndexAny(s, ";,；，")
		part := s
		if i >= 0 {
			part = s[:i]
			_, size := utf8.DecodeRuneInString(s[i:])
			s = s[i+size:]
		} else {
			s = ""
		}
		if part = strings.TrimSpace(part); part != "" {
			dst = append(dst, part)
		}
	}
	return dst
}

// quoteValue quotes a user's value for a message, shortened if long.
func quoteValue(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func itoa(n int) string { return strconv.Itoa(n) }

// ColumnOf returns the column that holds the vehicle field the policy
// names in a Reason (it speaks of ucx.Vehicle as the platform's API does:
// inspection, bans, modification.ccc, …), so that every reason a file's
// user reads points at a column of the file. Other names are returned as
// they are.
func ColumnOf(field string) string {
	switch field {
	case "inspection":
		return ColInspectionReport
	case "bans":
		return ColBannedCases
	case "mileage", "mileage_km":
		return ColMileage
	case "modification.chassis_brand":
		return ColChassisBrand
	case "modification.modified_brand":
		return ColModifiedBrand
	case "modification.genuine":
		return ColModificationGenuine
	case "modification.miit_catalogue":
		return ColMIITCatalogue
	case "modification.ccc":
		return ColCCCCertificate
	case "certificate.brand":
		return ColCertBrand
	case "certificate.model":
		return ColCertModel
	case "certificate.registration_date":
		return ColCertRegistrationDate
	case "certificate.transfer_date":
		return ColCertTransferDate
	}
	return field
}
