package seal

import (
	"strconv"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// CheckCanonical reports whether b is already in RFC 8785 canonical form,
// that is whether Canonicalize(b) would return b itself. It makes one pass
// and allocates nothing, so sealing and verification can insist on
// canonical documents at a fraction of the cost of canonicalising them.
// The error names the first offending byte.
func CheckCanonical(b []byte) error {
	end, err := checkValue(b, 0, 0)
	if err != nil {
		return err
	}
	if end != len(b) {
		return errCanon(end, "unexpected "+describe(b, end)+" after the JSON value")
	}
	return nil
}

func errCanon(pos int, msg string) error {
	return &ucx.Error{Code: ucx.EINVALID, Op: "seal.CheckCanonical",
		Message: "not canonical JSON (RFC 8785) at byte " + strconv.Itoa(pos) + ": " + msg +
			"; pass the text through seal.Canonicalize first"}
}

func describe(b []byte, i int) string {
	if i >= len(b) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(b[i]))
}

func checkValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errCanon(i, "unexpected end of input; a value was expected")
	}
	switch c := b[i]; {
	case c == '"':
		return checkString(b, i)
	case c == '{':
		return checkObject(b, i, depth+1)
	case c == '[':
		return checkArray(b, i, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return checkNumber(b, i)
	case c == 't':
		return checkLiteral(b, i, "true")
	case c == 'f':
		return checkLiteral(b, i, "false")
	case c == 'n':
		return checkLiteral(b, i, "null")
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return i, errCanon(i, "white space is not allowed")
	}
	return i, errCanon(i, "unexpected "+describe(b, i)+"; a value was expected")
}

func checkLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, errCanon(i, "invalid literal; only true, false and null are allowed")
	}
	return i + len(lit), nil
}

func checkArray(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errCanon(i, "nested more than "+strconv.Itoa(maxDepth)+" levels deep")
	}
	i++
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = checkValue(b, i, depth); err != nil {
			return i, err
		}
		if i >= len(b) {
			return i, errCanon(i, "unexpected end of input; ',' or ']' was expected")
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return i + 1, nil
		default:
			return i, errCanon(i, "unexpected "+describe(b, i)+"; ',' or ']' was expected")
		}
	}
}

func checkObject(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errCanon(i, "nested more than "+strconv.Itoa(maxDepth)+" levels deep")
	}
	i++
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	prevStart, prevEnd := -1, -1
	for {
		var err error
		if i >= len(b) || b[i] != '"' {
			return i, errCanon(i, "unexpected "+describe(b, i)+"; a member name in double quotes was expected")
		}
		start := i
		if i, err = checkString(b, i); err != nil {
			return i, err
		}
		if prevStart >= 0 {
			switch compareNames(b[prevStart+1:prevEnd-1], b[start+1:i-1]) {
			case 0:
				return start, errCanon(start, "duplicate member name "+string(b[start:i]))
			case 1:
				return start, errCanon(start, "member "+string(b[start:i])+" is out of order; names must be sorted by UTF-16 code units")
			}
		}
		prevStart, prevEnd = start, i
		if i >= len(b) || b[i] != ':' {
			return i, errCanon(i, "unexpected "+describe(b, i)+"; ':' was expected")
		}
		if i, err = checkValue(b, i+1, depth); err != nil {
			return i, err
		}
		if i >= len(b) {
			return i, errCanon(i, "unexpected end of input; ',' or '}' was expected")
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return i, errCanon(i, "unexpected "+describe(b, i)+"; ',' or '}' was expected")
		}
	}
}

// checkString checks the string opening at b[i] and returns the offset just
// past its closing quote. Canonical strings escape exactly what
// JSON.stringify escapes: '"', '\\', the controls, with the short forms
// \b \f \n \r \t where they exist and lower-case \u00xx otherwise.
func checkString(b []byte, i int) (int, error) {
	i++
	for {
		// Scan a run of bytes that need no attention, then validate its
		// UTF-8 at once: '"', '\\' and the controls are ASCII, so they
		// never fall inside a multi-byte character.
		start, high := i, byte(0)
		for i < len(b) && plainByte[b[i]] {
			high |= b[i]
			i++
		}
		if high >= utf8.RuneSelf && !utf8.Valid(b[start:i]) {
			at := start + firstInvalid(b[start:i])
			return at, errCanon(at, "invalid UTF-8")
		}
		if i >= len(b) {
			return i, errCanon(i, "unexpected end of input inside a string")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, errCanon(i, "control character "+strconv.QuoteRune(rune(c))+" must be escaped")
		}
		// c == '\\'
		if i+1 >= len(b) {
			return i, errCanon(i, "unexpected end of input inside an escape")
		}
		switch b[i+1] {
		case '"', '\\', 'b', 'f', 'n', 'r', 't':
			i += 2
			continue
		case 'u':
			if i+6 <= len(b) && b[i+2] == '0' && b[i+3] == '0' && (b[i+4] == '0' || b[i+4] == '1') {
				v, lower := rune(0), true
				for _, d := range b[i+4 : i+6] {
					switch {
					case d >= '0' && d <= '9':
						v = v<<4 | rune(d-'0')
					case d >= 'a' && d <= 'f':
						v = v<<4 | rune(d-'a'+10)
					default:
						lower = false
					}
				}
				if lower && v != '\b' && v != '\f' && v != '\n' && v != '\r' && v != '\t' {
					i += 6
					continue
				}
			}
			return i, errCanon(i, "needless or non-canonical \\u escape; only controls without a short form are written \\u00xx, in lower case")
		}
		return i, errCanon(i, "needless or invalid escape \\"+string(rune(b[i+1])))
	}
}

// plainByte marks the bytes a string may hold as they are: all but '"',
// '\\' and the controls (bytes of multi-byte characters included).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// checkNumber checks the number at b[i] is written as appendNumber writes
// it. Integers of up to 15 digits, what documents mostly hold, are canonical
// when well formed and need no conversion.
func checkNumber(b []byte, i int) (int, error) {
	start, j := i, i
	if b[j] == '-' {
		j++
	}
	if j < len(b) && b[j] >= '1' && b[j] <= '9' {
		k := j + 1
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k-j <= 15 && (k == len(b) || b[k] != '.' && b[k] != 'e' && b[k] != 'E') {
			return k, nil
		}
	}
	j = start
	if !scanNumber(b, &j) {
		return start, errCanon(start, "malformed number")
	}
	tok := b[start:j]
	var buf [32]byte
	if len(tok) <= len(buf) {
		if f, err := strconv.ParseFloat(string(tok), 64); err == nil && string(appendNumber(buf[:0], f)) == string(tok) {
			return j, nil
		}
	}
	return start, errCanon(start, "number "+string(tok[:min(len(tok), 40)])+" is not in canonical form (ECMAScript Number.prototype.toString)")
}
