package seal

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// maxDepth bounds the nesting of arrays and objects the canonicaliser and
// the checker accept. Documents nest four or five levels; the bound keeps a
// hostile input of a million '[' from costing a million stack frames.
const maxDepth = 64

// Canonicalize returns the canonical form of the JSON text b as RFC 8785
// (JCS) defines it: no insignificant white space, object members sorted by
// the UTF-16 code units of their names, numbers written as ECMAScript writes
// them, and strings with only the escapes JSON requires. Two texts that mean
// the same data canonicalise to the same bytes, which is what a signature
// needs.
//
// The input must be I-JSON (RFC 7493): valid UTF-8, no duplicate member
// names, no lone surrogates, numbers within IEEE 754 double range.
// Anything else is rejected with a ucx.EINVALID error that names the byte
// offset, never repaired. Noncharacters such as U+FFFF, which RFC 7493
// discourages, are accepted as every JCS implementation we know accepts them:
// they are valid UTF-8 and pass through unchanged.
func Canonicalize(b []byte) ([]byte, error) {
	p := parser{src: b}
	p.space()
	out, err := p.value(make([]byte, 0, len(b)), 0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(b) {
		return nil, p.fail("unexpected " + p.what() + " after the JSON value")
	}
	return out, nil
}

// parser turns any RFC 8259 JSON text into its canonical form in one pass.
type parser struct {
	src     []byte
	pos     int
	members []member // object members; nested objects push above their parent's
	tmp     []byte   // scratch space for reordering an object's members
}

// member locates one object member in the output: dst[start:colon] is its
// canonical quoted name and dst[start:end] the whole `"name":value`.
type member struct{ start, colon, end int }

func (p *parser) fail(msg string) error {
	return errJSON(p.pos, msg)
}

func errJSON(pos int, msg string) error {
	return &ucx.Error{Code: ucx.EINVALID, Op: "seal.json",
		Message: "invalid JSON at byte " + strconv.Itoa(pos) + ": " + msg}
}

// what describes the byte at the current position for an error message.
func (p *parser) what() string { return describe(p.src, p.pos) }

func (p *parser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(dst []byte, depth int) ([]byte, error) {
	if p.pos >= len(p.src) {
		return nil, p.fail("unexpected end of input; a value was expected")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(dst, depth+1)
	case c == '[':
		return p.array(dst, depth+1)
	case c == '"':
		return p.string(dst)
	case c == '-' || c >= '0' && c <= '9':
		return p.number(dst)
	case c == 't':
		return p.literal(dst, "true")
	case c == 'f':
		return p.literal(dst, "false")
	case c == 'n':
		return p.literal(dst, "null")
	}
	return nil, p.fail("unexpected " + p.what() + "; a value was expected")
}

func (p *parser) literal(dst []byte, lit string) ([]byte, error) {
	if len(p.src)-p.pos < len(lit) || string(p.src[p.pos:p.pos+len(lit)]) != lit {
		return nil, p.fail("invalid literal; only true, false and null are allowed")
	}
	p.pos += len(lit)
	return append(dst, lit...), nil
}

func (p *parser) array(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, p.fail("nested more than " + strconv.Itoa(maxDepth) + " levels deep")
	}
	p.pos++ // '['
	dst = append(dst, '[')
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return append(dst, ']'), nil
	}
	for {
		var err error
		p.space()
		if dst, err = p.value(dst, depth); err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.src) {
			return nil, p.fail("unexpected end of input; ',' or ']' was expected")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			dst = append(dst, ',')
		case ']':
			p.pos++
			return append(dst, ']'), nil
		default:
			return nil, p.fail("unexpected " + p.what() + "; ',' or ']' was expected")
		}
	}
}

func (p *parser) object(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, p.fail("nested more than " + strconv.Itoa(maxDepth) + " levels deep")
	}
	p.pos++ // '{'
	open := len(dst)
	dst = append(dst, '{')
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return append(dst, '}'), nil
	}
	mark := len(p.members)
	sorted := true
	for {
		var err error
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.fail("unexpected " + p.what() + "; a member name in double quotes was expected")
		}
		keyPos := p.pos
		m := member{start: len(dst)}
		if dst, err = p.string(dst); err != nil {
			return nil, err
		}
		m.colon = len(dst)
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.fail("unexpected " + p.what() + "; ':' was expected")
		}
		p.pos++
		dst = append(dst, ':')
		p.space()
		if dst, err = p.value(dst, depth); err != nil {
			return nil, err
		}
		m.end = len(dst)
		if n := len(p.members); n > mark {
			prev := p.members[n-1]
			switch compareNames(dst[prev.start+1:prev.colon-1], dst[m.start+1:m.colon-1]) {
			case 0:
				return nil, errJSON(keyPos, "duplicate member name "+string(dst[m.start:m.colon]))
			case 1:
				sorted = false
			}
		}
		p.members = append(p.members, m)
		p.space()
		if p.pos >= len(p.src) {
			return nil, p.fail("unexpected end of input; ',' or '}' was expected")
		}
		if p.src[p.pos] == ',' {
			p.pos++
			dst = append(dst, ',')
			continue
		}
		if p.src[p.pos] != '}' {
			return nil, p.fail("unexpected " + p.what() + "; ',' or '}' was expected")
		}
		p.pos++
		break
	}
	if !sorted {
		var err error
		if dst, err = p.reorder(dst, open, p.members[mark:]); err != nil {
			return nil, err
		}
	}
	p.members = p.members[:mark]
	return append(dst, '}'), nil
}

// reorder rewrites the members of the object opened at dst[open] in
// canonical order. ms locate them in dst.
func (p *parser) reorder(dst []byte, open int, ms []member) ([]byte, error) {
	name := func(m member) []byte { return dst[m.start+1 : m.colon-1] }
	slices.SortFunc(ms, func(a, b member) int { return compareNames(name(a), name(b)) })
	for i := 1; i < len(ms); i++ {
		if compareNames(name(ms[i-1]), name(ms[i])) == 0 {
			return nil, errJSON(p.pos, "duplicate member name "+string(dst[ms[i].start:ms[i].colon])+" in the object that ends here")
		}
	}
	base := open + 1
	p.tmp = append(p.tmp[:0], dst[base:]...)
	dst = dst[:base]
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, p.tmp[m.start-base:m.end-base]...)
	}
	return dst, nil
}

// string reads a JSON string and appends it in canonical form: the escapes
// ECMAScript's JSON.stringify uses (\" \\ \b \f \n \r \t, \u00xx for the
// other controls) and every other character as itself, in UTF-8.
func (p *parser) string(dst []byte) ([]byte, error) {
	p.pos++ // opening quote
	dst = append(dst, '"')
	for {
		start, high := p.pos, byte(0)
		for p.pos < len(p.src) && plainByte[p.src[p.pos]] {
			high |= p.src[p.pos]
			p.pos++
		}
		if high >= utf8.RuneSelf && !utf8.Valid(p.src[start:p.pos]) {
			p.pos = start + firstInvalid(p.src[start:p.pos])
			return nil, p.fail("invalid UTF-8")
		}
		dst = append(dst, p.src[start:p.pos]...)
		if p.pos >= len(p.src) {
			return nil, p.fail("unexpected end of input inside a string")
		}
		switch c := p.src[p.pos]; {
		case c == '"':
			p.pos++
			return append(dst, '"'), nil
		case c < 0x20:
			return nil, p.fail("control character " + strconv.QuoteRune(rune(c)) + " inside a string must be escaped")
		}
		r, err := p.escape() // c == '\\'
		if err != nil {
			return nil, err
		}
		dst = appendRune(dst, r)
	}
}

// firstInvalid returns the offset of the first byte of b that does not
// begin a valid UTF-8 character.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// escape reads one escape sequence, joining a surrogate pair into one
// character; a lone surrogate has no UTF-8 form and is rejected.
func (p *parser) escape() (rune, error) {
	if p.pos+1 >= len(p.src) {
		return 0, p.fail("unexpected end of input inside an escape")
	}
	c := p.src[p.pos+1]
	switch c {
	case '"', '\\', '/':
		p.pos += 2
		return rune(c), nil
	case 'b':
		p.pos += 2
		return '\b', nil
	case 'f':
		p.pos += 2
		return '\f', nil
	case 'n':
		p.pos += 2
		return '\n', nil
	case 'r':
		p.pos += 2
		return '\r', nil
	case 't':
		p.pos += 2
		return '\t', nil
	case 'u':
	default:
		return 0, p.fail("invalid escape \\" + string(rune(c)))
	}
	r, ok := hex4(p.src[p.pos+2:])
	if !ok {
		return 0, p.fail("\\u must be followed by four hexadecimal digits")
	}
	if r < 0xD800 || r > 0xDFFF {
		p.pos += 6
		return r, nil
	}
	if r >= 0xDC00 {
		return 0, p.fail("lone low surrogate; I-JSON (RFC 7493) allows only whole characters")
	}
	rest := p.src[p.pos+6:]
	lo, ok := rune(0), len(rest) >= 2 && rest[0] == '\\' && rest[1] == 'u'
	if ok {
		lo, ok = hex4(rest[2:])
	}
	if !ok || lo < 0xDC00 || lo > 0xDFFF {
		return 0, p.fail("high surrogate not followed by a low surrogate; I-JSON (RFC 7493) allows only whole characters")
	}
	p.pos += 12
	return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

const hexDigits = "0123456789abcdef"

// appendRune appends r as it appears inside a canonical string.
func appendRune(dst []byte, r rune) []byte {
	switch r {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	if r < 0x20 {
		return append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xF])
	}
	return utf8.AppendRune(dst, r)
}

// number reads an RFC 8259 number and appends its canonical form.
func (p *parser) number(dst []byte) ([]byte, error) {
	start := p.pos
	if !scanNumber(p.src, &p.pos) {
		return nil, p.fail("malformed number")
	}
	f, err := strconv.ParseFloat(string(p.src[start:p.pos]), 64)
	if err != nil {
		return nil, errJSON(start, "number out of range; RFC 8785 allows only values an IEEE 754 double can hold")
	}
	return appendNumber(dst, f), nil
}

// scanNumber advances *i over the RFC 8259 number at b[*i:], reporting
// whether it is well formed.
func scanNumber(b []byte, i *int) bool {
	j := *i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j++; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		}
	default:
		return false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return false
		}
		for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return false
		}
		for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		}
	}
	*i = j
	return true
}

// appendNumber writes f as ECMAScript's Number.prototype.toString does
// (ECMA-262 §7.1.12.1), which RFC 8785 §3.2.2.3 adopts: the shortest digits
// that read back as f, in plain notation from 1e-6 up to 1e21 and in
// exponent notation outside it; -0 is written 0. NaN and infinities have no
// JSON form and never reach here.
func appendNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// strconv writes at least two exponent digits (1e-07); ECMAScript
		// writes as few as needed (1e-7).
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// compareNames orders two member names, given as the contents of canonical
// strings, by their UTF-16 code units as RFC 8785 §3.2.3 requires. UTF-8
// byte order agrees with it except between U+E000–U+FFFF and the
// supplementary planes, and escapes must be decoded first, so the fast byte
// comparison hands those cases to the slow one.
func compareNames(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		if a[i] == '\\' {
			return compareNamesSlow(a, b)
		}
		i++
	}
	switch {
	case i == len(a) && i == len(b):
		return 0
	case i == len(a):
		return -1
	case i == len(b):
		return 1
	}
	x, y := a[i], b[i]
	if x == '\\' || y == '\\' || x >= 0xEE && y >= 0xEE {
		return compareNamesSlow(a, b)
	}
	if x < y {
		return -1
	}
	return 1
}

func compareNamesSlow(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := nextRune(a)
		rb, nb := nextRune(b)
		if ra != rb {
			ua, ub := utf16Lead(ra), utf16Lead(rb)
			if ua == ub { // both supplementary with the same high surrogate
				ua, ub = ra, rb
			}
			if ua < ub {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) == 0:
		return -1
	}
	return 1
}

// utf16Lead returns the first UTF-16 code unit of r.
func utf16Lead(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

// nextRune decodes the first character of the contents of a canonical
// string, which is valid UTF-8 whose escapes have been checked.
func nextRune(s []byte) (rune, int) {
	c := s[0]
	if c != '\\' {
		if c < utf8.RuneSelf {
			return rune(c), 1
		}
		return utf8.DecodeRune(s)
	}
	if len(s) < 2 {
		return utf8.RuneError, 1
	}
	switch s[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		if r, ok := hex4(s[2:]); ok {
			return r, 6
		}
		return utf8.RuneError, 2
	}
	return rune(s[1]), 2
}
