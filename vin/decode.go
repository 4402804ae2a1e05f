package vin

// Info is a VIN taken apart into the sections ISO 3779 and GB 16735 define.
// Only the WMI means the same thing for every manufacturer; the VDS and the
// rest of the VIS are each manufacturer's own code, so Info names them but
// does not interpret them.
type Info struct {
	// VIN is the string decoded, as given.
	VIN string
	// WMI, the world manufacturer identifier, is positions 1–3. When
	// position 3 is '9' the manufacturer is a small one (ISO 3780: fewer
	// than 500 vehicles a year) whose identifier continues at positions
	// 12–14, and WMI is those six characters. Empty when the VIN is not 17
	// printable ASCII characters and cannot be laid out.
	WMI string
	// Small reports a small manufacturer's six-character WMI.
	Small bool
	// VDS, the vehicle descriptor section, is positions 4–9 (the check
	// digit is its last character).
	VDS string
	// VIS, the vehicle indicator section, is positions 10–17.
	VIS string
	// CheckDigit is position 9 as written; Validate says whether it is right.
	CheckDigit byte
	// YearCode is position 10, the model-year code (GB 16735); see
	// ModelYears.
	YearCode byte
	// Plant is position 11, the manufacturer's assembly-plant code.
	Plant byte
	// Serial is the production sequence number: positions 12–17, or 15–17
	// for a small manufacturer, whose 12–14 belong to the WMI.
	Serial string
	// Manufacturer is the table entry the WMI routes to, or nil when the
	// table does not know the WMI. It points into the table and must not
	// be modified.
	Manufacturer *Entry
}

// Decode takes a normalised VIN apart and routes it through the default WMI
// table (DefaultTable). The error is Validate's: Info is filled in whenever
// the VIN is 17 printable ASCII characters, even with a wrong check digit or a
// forbidden letter, so that a user can see what the VIN decodes to while
// fixing it. It does not allocate, except to build a small manufacturer's
// six-character WMI.
func Decode(v string) (Info, error) { return DefaultTable().Decode(v) }

// Decode is the package-level Decode with t as the WMI table, so that WMIs
// declared by manufacturers (WithOverrides) route their VINs.
func (t *Table) Decode(v string) (Info, error) {
	err := Validate(v)
	info := Info{VIN: v}
	if len(v) != Len {
		return info, err
	}
	for i := 0; i < Len; i++ {
		if v[i] < ' ' || v[i] > '~' {
			return info, err
		}
	}
	info.WMI = v[:3]
	info.Serial = v[11:]
	if v[2] == '9' {
		info.Small = true
		info.WMI = v[:3] + v[11:14]
		info.Serial = v[14:]
	}
	info.VDS = v[3:9]
	info.VIS = v[9:]
	info.CheckDigit = v[8]
	info.YearCode = v[9]
	info.Plant = v[10]
	info.Manufacturer, _ = t.Lookup(v)
	return info, err
}

// firstModelYear is the year of code 'A' in the first 30-year cycle, and
// maxModelYear bounds ModelYears as ucx.Date bounds calendar years.
const (
	firstModelYear = 1980
	maxModelYear   = 9999
)

// yearCodes lists the model-year codes of one 30-year cycle in order, from
// 1980 (A) to 2009 (9); the cycle repeats from 2010 (A). The letters I, O,
// Q, U, Z and the digit 0 are never used (GB 16735-2019 annex, ISO 3779).
const yearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789"

// yearIndex maps a code to its place in the cycle, or -1.
var yearIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(yearCodes); i++ {
		t[yearCodes[i]] = int8(i)
	}
	return t
}()

// ModelYears returns the model years that code (position 10) can stand for,
// oldest first, from 1980 through notAfter: one every 30 years. A VIN alone
// cannot tell the cycles apart; the caller bounds them, typically with the
// registration year plus one (a model year may run a year ahead of the
// calendar). It returns nil for a character that is not a model-year code.
func ModelYears(code byte, notAfter int) []int {
	i := yearIndex[code]
	if i < 0 {
		return nil
	}
	if notAfter > maxModelYear {
		notAfter = maxModelYear
	}
	var years []int
	for y := firstModelYear + int(i); y <= notAfter; y += len(yearCodes) {
		years = append(years, y)
	}
	return years
}

// ModelYear returns the latest model year not after notAfter that code can
// stand for, without allocating; ok is false when code is not a model-year
// code or its first year is after notAfter.
func ModelYear(code byte, notAfter int) (year int, ok bool) {
	i := yearIndex[code]
	if i < 0 {
		return 0, false
	}
	y := firstModelYear + int(i)
	if y > notAfter {
		return 0, false
	}
	return y + (notAfter-y)/len(yearCodes)*len(yearCodes), true
}
