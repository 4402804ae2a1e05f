package sheet

import "strconv"

// NeedsNeutralising reports whether a spreadsheet would read s as a
// formula: text starting with =, +, -, @, a tab or a carriage return
// (OWASP's rule for CSV injection). A plain number such as -12.5 is data,
// not a formula, and is left alone.
func NeedsNeutralising(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err != nil
}

// SafeCell is s as a cell every CSV or XLSX file ucx writes may hold: text a
// spreadsheet would evaluate (a brand filed as =HYPERLINK(…)) gets a
// leading apostrophe, so that Excel, WPS and LibreOffice show it as the
// text it is instead of running it.
func SafeCell(s string) string {
	if NeedsNeutralising(s) {
		return "'" + s
	}
	return s
}

// SafeRecord applies SafeCell to every field of a CSV record in place and
// returns it.
func SafeRecord(rec []string) []string {
	for i, s := range rec {
		rec[i] = SafeCell(s)
	}
	return rec
}
