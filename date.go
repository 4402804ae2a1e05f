package ucx

import (
	"time"
)

// Date is a civil calendar date with no time of day and no zone, as printed
// on a registration certificate or an application. R1 counts days between
// two such dates, so the type is a day number: subtraction is exact and no
// time-zone or daylight-saving arithmetic can creep in. The zero value means
// "no date given".
type Date struct {
	n int32 // days since 1970-01-01, plus one; 0 = absent
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving). R1's
// calendar-day count is done in it: an application made at 01:00 Beijing time
// belongs to that Beijing date, whatever the server's zone.
var ChinaTime = time.FixedZone("CST", 8*3600)

// NewDate returns the date y-m-d, or false if there is no such calendar day
// (2026-02-29, month 13, day 0 …).
func NewDate(y, m, d int) (Date, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return Date{}, false
	}
	return Date{n: int32(daysFromCivil(y, m, d)) + 1}, true
}

// MustDate is NewDate for constants and tests; it panics on an impossible date.
func MustDate(y, m, d int) Date {
	t, ok := NewDate(y, m, d)
	if !ok {
		panic("ucx: impossible date")
	}
	return t
}

// DateOf returns the date of t in China Standard Time (R1).
func DateOf(t time.Time) Date {
	y, m, d := t.In(ChinaTime).Date()
	return MustDate(y, int(m), d)
}

// Today returns today's date in China Standard Time.
func Today() Date { return DateOf(time.Now()) }

// IsZero reports whether no date was given.
func (d Date) IsZero() bool { return d.n == 0 }

// Days returns the day number (days since 1970-01-01). Only meaningful for a
// non-zero date; stores use it as a compact sortable column value.
func (d Date) Days() int { return int(d.n) - 1 }

// DateFromDays is the inverse of Days.
func DateFromDays(n int) Date { return Date{n: int32(n) + 1} }

// Sub returns the number of calendar days from e to d (d − e). Per Civil
// Code Art. 201 the first day is not counted, which is exactly this
// difference (R1).
func (d Date) Sub(e Date) int { return int(d.n - e.n) }

// AddDays returns the date n days after d (before, when n is negative).
func (d Date) AddDays(n int) Date {
	if d.n == 0 {
		return d
	}
	return Date{n: d.n + int32(n)}
}

// Before reports whether d is strictly earlier than e.
func (d Date) Before(e Date) bool { return d.n < e.n }

// After reports whether d is strictly later than e.
func (d Date) After(e Date) bool { return d.n > e.n }

// Civil returns the year, month and day.
func (d Date) Civil() (y, m, day int) { return civilFromDays(int(d.n) - 1) }

// Time returns midnight of d in China Standard Time.
func (d Date) Time() time.Time {
	y, m, day := d.Civil()
	return time.Date(y, time.Month(m), day, 0, 0, 0, 0, ChinaTime)
}

// String formats d as YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.n == 0 {
		return ""
	}
	var b [10]byte
	return string(d.AppendFormat(b[:0]))
}

// AppendFormat appends d as YYYY-MM-DD to b without allocating; the batch
// checker's output path uses it.
func (d Date) AppendFormat(b []byte) []byte {
	if d.n == 0 {
		return b
	}
	y, m, day := d.Civil()
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+day/10), byte('0'+day%10))
}

// MarshalText encodes d as YYYY-MM-DD (empty for the zero date).
func (d Date) MarshalText() ([]byte, error) { return d.AppendFormat(nil), nil }

// UnmarshalText accepts every form ParseDate does; empty text is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = t
	return nil
}

// ParseDate reads a date written as 2026-01-31, 2026/01/31, 2026.01.31 or
// 2026年1月31日, the forms exporters' spreadsheets and certificates use.
// Month and day may have one or two digits; surrounding spaces are ignored.
// It does not allocate on success.
func ParseDate(s string) (Date, error) {
	s = trimSpace(s)
	i := 0
	y, ok := digits(s, &i, 4, 4)
	if !ok || i >= len(s) {
		return Date{}, errDate(s)
	}
	var sep, end string
	switch {
	case s[i] == '-' || s[i] == '/' || s[i] == '.':
		sep = s[i : i+1]
	case len(s) >= i+3 && s[i:i+3] == "年":
		sep, end = "月", "日"
	default:
		return Date{}, errDate(s)
	}
	if end == "" {
		i++
	} else {
		i += 3
	}
	m, ok := digits(s, &i, 1, 2)
	if !ok || len(s) < i+len(sep) || s[i:i+len(sep)] != sep {
		return Date{}, errDate(s)
	}
	i += len(sep)
	day, ok := digits(s, &i, 1, 2)
	if !ok || s[i:] != end {
		return Date{}, errDate(s)
	}
	d, ok := NewDate(y, m, day)
	if !ok {
		return Date{}, Errorf(EINVALID, "there is no calendar day %s; check the month and day", s)
	}
	return d, nil
}

func errDate(s string) error {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return Errorf(EINVALID, "cannot read date %s; write it as YYYY-MM-DD (2026/01/31, 2026.01.31 and 2026年1月31日 are accepted too)", quote(s))
}

// digits reads between min and max ASCII digits at s[*i:].
func digits(s string, i *int, min, max int) (int, bool) {
	n, j := 0, *i
	for j < len(s) && j-*i < max && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j-*i < min {
		return 0, false
	}
	*i = j
	return n, true
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func quote(s string) string { return "\"" + s + "\"" }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil and civilFromDays are Howard Hinnant's algorithms for the
// proleptic Gregorian calendar: branch-light and allocation-free.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
