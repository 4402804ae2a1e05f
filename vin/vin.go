// Package vin validates and decodes vehicle identification numbers as
// ISO 3779 and GB 16735-2019 define them, and routes a VIN to its
// manufacturer by its world manufacturer identifier (WMI).
//
// Every rule of the regime is keyed by VIN: R3 lists every VIN in the
// manufacturer's confirmation letter, R5 compares it with the registration
// certificate, and a manufacturer's inbox (R2) holds requests for its own
// VINs only. A mistyped VIN therefore has to be caught at the door, with a
// message that says which character is wrong.
//
// The package is pure and allocation-free on the valid path: the batch
// checker calls it a million times a run.
package vin

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// Len is the length of every VIN (GB 16735-2019 §4).
const Len = 17

// The kinds of fault Validate reports, in Error.Code. They are stable:
// clients and scripts match on them.
const (
	CodeLength          = "length"           // not 17 characters
	CodeCharacter       = "character"        // a character no VIN contains
	CodeForbiddenLetter = "forbidden_letter" // I, O or Q, which VINs exclude
	CodeCheckDigit      = "check_digit"      // position 9 does not match the others
)

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

// Normalize prepares a VIN as typed or pasted for judgement: it trims
// surrounding white space (including the ideographic space U+3000, the
// no-break space and a byte-order mark, which spreadsheets and Chinese input
// methods leave behind), turns full-width letters and digits (Ａ, １) into
// ASCII, and upper-cases ASCII letters. Everything else, including spaces
// inside the VIN and look-alike letters from other scripts, is kept so that
// Validate can point at it rather than silently guess.
//
// It returns s itself, without allocating, when s is already normal, and
// Normalize(Normalize(s)) == Normalize(s) for every s.
func Normalize(s string) string {
	if isNormal(s) {
		return s
	}
	s = strings.TrimFunc(s, isSpaceRune)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(c) // not UTF-8: keep the byte for Validate to report
		case r >= 'Ａ' && r <= 'Ｚ':
			b.WriteByte(byte(r - 'Ａ' + 'A'))
		case r >= 'ａ' && r <= 'ｚ':
			b.WriteByte(byte(r - 'ａ' + 'A'))
		case r >= '０' && r <= '９':
			b.WriteByte(byte(r - '０' + '0'))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if b.Len() == len(s) && b.String() == s {
		return s
	}
	return b.String()
}

// isNormal reports whether Normalize has nothing to do: ASCII with no
// lower-case letter, and neither white space nor a control character at
// either end. It is the fast path every well-formed VIN takes.
func isNormal(s string) bool {
	if len(s) == 0 {
		return true
	}
	if s[0] <= ' ' || s[len(s)-1] <= ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c-'a' < 26 {
			return false
		}
	}
	return true
}

// isSpaceRune reports the characters Normalize trims: Unicode white space
// (which includes U+3000 and U+00A0) and the byte-order mark U+FEFF.
func isSpaceRune(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

// Error says why a VIN is invalid. Its message names the position at fault
// and the fix, so it can be shown to an exporter as it is.
type Error struct {
	// Code is the kind of fault: CodeLength, CodeCharacter,
	// CodeForbiddenLetter or CodeCheckDigit.
	Code string
	// Position is the 1-based character position at fault. For a length
	// fault it is the position of the first white space inside the VIN (the
	// usual cause), or 0 when there is none.
	Position int
	// Got is the character found at Position, as a rune so that a
	// non-ASCII character is reported whole.
	Got rune
	// Expected is the check digit the other characters give ('0'–'9' or
	// 'X'); set for CodeCheckDigit only.
	Expected byte
	// Len is the number of characters (not bytes) of the VIN; set for
	// CodeLength.
	Len int
}

// Error explains the fault and how to fix it.
func (e *Error) Error() string { return e.AsUCX("vin").Message }

// lookalikes maps the Cyrillic capitals that look like VIN characters to
// those characters. VINs are retyped in Russia and Central Asia, the main
// destinations, where a keyboard left in Cyrillic produces a VIN that looks
// right and is not.
var lookalikes = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'Р': 'P', 'С': 'C',
	'Т': 'T', 'У': 'Y', 'Х': 'X', 'З': '3',
}

// AsUCX converts the fault to the platform's error type, naming the field.
// Each message is a constant format with its arguments, so the error
// catalogue (i18n) says it in the reader's language.
func (e *Error) AsUCX(field string) *ucx.Error {
	switch e.Code {
	case CodeLength:
		switch {
		case e.Len == 0:
			return ucx.FieldErrorf(ucx.EINVALID, field, "the VIN is empty; enter the 17 characters from the registration certificate")
		case e.Position > 0:
			return ucx.FieldErrorf(ucx.EINVALID, field, "a VIN has 17 characters, this one has %d, with a space at position %d; remove the space", e.Len, e.Position)
		}
		return ucx.FieldErrorf(ucx.EINVALID, field, "a VIN has 17 characters, this one has %d; copy it again from the registration certificate", e.Len)
	case CodeForbiddenLetter:
		digit := "1"
		if e.Got != 'I' {
			digit = "0"
		}
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d is the letter %c, which a VIN never contains (I, O and Q are excluded); it is probably the digit %s", e.Position, e.Got, digit)
	case CodeCharacter:
		return e.characterError(field)
	case CodeCheckDigit:
		return ucx.FieldErrorf(ucx.EINVALID, field, "the check digit at position 9 is %c but the other 16 characters give %c; one of the 17 characters was mistyped, compare it with the registration certificate", e.Got, e.Expected)
	}
	return ucx.FieldErrorf(ucx.EINVALID, field, "invalid VIN")
}

// characterError names a character that may not appear in a VIN and says
// how to fix it, guessing the likely cause.
func (e *Error) characterError(field string) *ucx.Error {
	r, pos := e.Got, e.Position
	q := strconv.QuoteRuneToASCII(r)
	if like, ok := lookalikes[r]; ok {
		if like >= '0' && like <= '9' {
			return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds the Cyrillic letter %c (%s), which only looks like the digit %c; retype it on a Latin keyboard", pos, r, q, like)
		}
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds the Cyrillic letter %c (%s), which only looks like the Latin %c; retype it on a Latin keyboard", pos, r, q, like)
	}
	switch {
	case unicode.IsSpace(r):
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds a space (%s); remove it", pos, q)
	case r >= 'a' && r <= 'z':
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds the lower-case letter %s; write VINs in capitals", pos, q)
	case r == utf8.RuneError:
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds a byte that is not UTF-8 text; copy the VIN again as plain text", pos)
	case r >= '！' && r <= '～':
		return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds the full-width character %c (%s); type it in half-width (ASCII)", pos, r, q)
	case r >= utf8.RuneSelf && strconv.IsPrint(r):
		q = string(r) + " (" + q + ")"
	}
	return ucx.FieldErrorf(ucx.EINVALID, field, "position %d holds %s; a VIN has only the letters A–Z (not I, O, Q) and the digits 0–9", pos, q)
}

// CheckDigit computes the ISO 3779 check digit of a 17-character VIN: the
// weighted sum of the transliterated characters mod 11, with 10 written X.
// ok is false if v is not 17 characters or a character is not permitted.
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
	return checkChar(sum), true
}

// checkChar writes the remainder of sum mod 11 as a check digit.
func checkChar(sum int) byte {
	if r := sum % 11; r < 10 {
		return byte('0' + r)
	}
	return 'X'
}

// Validate judges a normalised VIN (see Normalize): 17 characters, only A–Z
// without I, O, Q and 0–9, and a correct check digit at position 9.
// GB 16735 makes the check digit mandatory for vehicles registered in China,
// which every car exported under the regime is, so a wrong one is an error,
// not a warning. It returns a *Error, and does not allocate when v is valid.
func Validate(v string) error {
	if len(v) != Len {
		return lengthError(v)
	}
	sum := 0
	for i := 0; i < Len; i++ {
		x := values[v[i]]
		if x < 0 {
			return charError(v)
		}
		sum += int(x) * weights[i]
	}
	if want := checkChar(sum); v[8] != want {
		return &Error{Code: CodeCheckDigit, Position: 9, Got: rune(v[8]), Expected: want}
	}
	return nil
}

// lengthError reports a VIN that is not 17 bytes long. If it is 17
// characters all the same, one of them is not ASCII and is the real fault.
func lengthError(v string) error {
	n := utf8.RuneCountInString(v)
	if n == Len {
		return charError(v)
	}
	e := &Error{Code: CodeLength, Len: n}
	pos := 0
	for _, r := range v {
		pos++
		if isSpaceRune(r) {
			e.Position, e.Got = pos, r
			break
		}
	}
	return e
}

// charError reports the first character of v that may not appear in a VIN,
// counting positions in characters, not bytes.
func charError(v string) error {
	pos := 0
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		pos++
		if size != 1 || values[v[i]] < 0 {
			if r == 'I' || r == 'O' || r == 'Q' {
				return &Error{Code: CodeForbiddenLetter, Position: pos, Got: r}
			}
			return &Error{Code: CodeCharacter, Position: pos, Got: r}
		}
		i += size
	}
	// Unreachable for the callers above, which found a bad character.
	return &Error{Code: CodeCharacter}
}
