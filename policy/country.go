package policy

import "github.com/ucxdev/ucx"

// numCountrySlots is the size of a table indexed by a two-letter code:
// 26 × 26 possible codes.
const numCountrySlots = 26 * 26

// countries maps a code's slot to the code itself, or "" when the code is
// not an assigned ISO 3166-1 alpha-2 code. It is derived from the root
// package's list (ucx.ValidCountry), so there is one list of countries in
// the project; the table adds what Decide needs on top of it: a lookup
// that accepts either case without allocating, and the canonical code
// string for the CEL `destination` variable.
var countries = func() (t [numCountrySlots]string) {
	for i := range t {
		c := string([]byte{byte('A' + i/26), byte('A' + i%26)})
		if ucx.ValidCountry(c) {
			t[i] = c
		}
	}
	return t
}()

// countrySlot returns the slot of the two-letter code s (either case) and
// whether s is an assigned ISO 3166-1 alpha-2 code (R3: a licence and a
// letter name the destination country by it).
func countrySlot(s string) (int, bool) {
	if len(s) != 2 {
		return 0, false
	}
	a, b := upper(s[0]), upper(s[1])
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0, false
	}
	i := int(a-'A')*26 + int(b-'A')
	return i, countries[i] != ""
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
