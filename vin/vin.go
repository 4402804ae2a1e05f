// Package vin validates and decodes vehicle identification numbers as
// ISO 3779 and GB 16735-2019 define them, and routes a VIN to its
// manufacturer by its world manufacturer identifier (WMI).
//
// It is pure and allocation-free on the valid path: the batch checker calls
// it a million times a run.
package vin

import (
	"strconv"

	"github.com/ucxdev/ucx"
)

// Len is the length of every VIN (GB 16735-2019 §4).
const Len = 17

// weights are the ISO 3779 position weights; position 9 (the check digit
// itself) weighs 0.
var weights = [Len]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// values maps each permitted character to its transliterated value; -1 marks
// characters that may not appear (I, O, Q and everything not A–Z, 0–9).
var values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	const letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
	vals := []int8{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9}
	for i := 0; i < len(letters); i++ {
		t[letters[i]] = vals[i]
	}
	return t
}()

// Normalize trims surrounding white space and upper-cases ASCII letters, the
// way a VIN is judged (issue: input is normalised before it is judged). It
// returns s itself, without allocating, when s is already normal.
func Normalize(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' }

// Error says why a VIN is invalid: the 1-based position at fault (0 when the
// fault is the length) and, for a wrong check digit, the digit expected.
type Error struct {
	Code     string // length, character, forbidden_letter, check_digit
	Position int
	Got      byte
	Expected byte
	Len      int
}

// Error explains the fault and how to fix it.
func (e *Error) Error() string {
	switch e.Code {
	case "length":
		return "a VIN has 17 characters, this one has " + strconv.Itoa(e.Len) + "; copy it again from the registration certificate"
	case "forbidden_letter":
		return "position " + strconv.Itoa(e.Position) + " is the letter " + string(e.Got) + ", which a VIN never contains (I, O and Q are excluded); it is probably the digit " + map[byte]string{'I': "1", 'O': "0", 'Q': "0"}[e.Got]
	case "character":
		return "position " + strconv.Itoa(e.Position) + " holds " + strconv.QuoteRuneToASCII(rune(e.Got)) + "; a VIN has only the letters A–Z (not I, O, Q) and the digits 0–9"
	case "check_digit":
		return "the check digit at position 9 is " + string(e.Got) + " but the other characters give " + string(e.Expected) + "; one of the 17 characters was mistyped"
	}
	return "invalid VIN"
}

// AsUCX converts the fault to the platform's error type, naming the field.
func (e *Error) AsUCX(field string) *ucx.Error {
	return &ucx.Error{Code: ucx.EINVALID, Field: field, Message: e.Error()}
}

// CheckDigit computes the ISO 3779 check digit of a 17-character VIN: the
// weighted sum of the transliterated characters mod 11, with 10 written X.
// ok is false if a character is not permitted.
func CheckDigit(v string) (digit byte, ok bool) {
	if len(v) != Len {
		return 0, false
	}
	sum := 0
	for i := 0; i < Len; i++ {
		x := values[v[i]]
		if x < 0 {
			return 0, false
		}
		sum += int(x) * weights[i]
	}
	r := sum % 11
	if r == 10 {
		return 'X', true
	}
	return byte('0' + r), true
}

// Validate judges a normalised VIN: 17 characters, only A–Z without I, O, Q
// and 0–9, and a correct check digit at position 9. GB 16735 is read as
// making the check digit mandatory for China-market vehicles (REGULATION.md),
// so a wrong one is an error, not a warning. It returns a *Error, and does
// not allocate when v is valid.
func Validate(v string) error {
	if len(v) != Len {
		return &Error{Code: "length", Len: len(v)}
	}
	sum := 0
	for i := 0; i < Len; i++ {
		c := v[i]
		x := values[c]
		if x < 0 {
			if c == 'I' || c == 'O' || c == 'Q' {
				return &Error{Code: "forbidden_letter", Position: i + 1, Got: c}
			}
			return &Error{Code: "character", Position: i + 1, Got: c}
		}
		sum += int(x) * weights[i]
	}
	want := byte('0' + sum%11)
	if sum%11 == 10 {
		want = 'X'
	}
	if v[8] != want {
		return &Error{Code: "check_digit", Position: 9, Got: v[8], Expected: want}
	}
	return nil
}
