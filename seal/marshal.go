package seal

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/ucxdev/ucx"
)

// Marshal encodes v as canonical JSON (RFC 8785), ready to seal.
//
// It is the hot path for documents the platform builds from Go structs.
// encoding/json already writes what RFC 8785 asks of numbers, of strings
// (once HTML escaping is off) and of white space; what it cannot know is
// the canonical member order. So a document type declares its struct fields
// in the order of their JSON names, sorted as RFC 8785 sorts them (for
// ASCII names, plain byte order), and Marshal then only checks the encoding
// in one allocation-free pass. Should the check fail (fields out of order,
// a map with names outside ASCII, U+2028 which encoding/json escapes), Marshal
// falls back to Canonicalize, so the result is canonical either way and a
// mistake costs speed, never correctness. CheckMarshal tells a test which
// path a value takes.
//
// RFC 8785 numbers are IEEE 754 doubles: integers beyond 2^53 come out
// rounded (12345678901234567890 becomes 12345678901234567000). Put such
// numbers, and amounts of money, in strings.
func Marshal(v any) ([]byte, error) {
	b, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	if CheckCanonical(b) == nil {
		return b, nil
	}
	return Canonicalize(b)
}

// CheckMarshal reports whether Marshal encodes v on its fast path: whether
// encoding/json's output for v is byte for byte its canonical form. Tests of
// every sealed document type call it on a value with every field filled in
// (an empty omitempty field hides its place in the order); the error names
// the first differing byte and what to change.
func CheckMarshal(v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	c, err := Canonicalize(b)
	if err != nil {
		return err
	}
	if bytes.Equal(b, c) {
		return nil
	}
	i := 0
	for i < len(b) && i < len(c) && b[i] == c[i] {
		i++
	}
	return ucx.Errorf(ucx.EINVALID,
		"%T does not encode canonically: at byte %d encoding/json writes %s where RFC 8785 has %s; "+
			"declare the struct fields in the order of their JSON names and avoid maps with non-ASCII keys",
		v, i, excerpt(b, i), excerpt(c, i))
}

func excerpt(b []byte, i int) string {
	from, to := max(0, i-20), min(len(b), i+30)
	return strconv.Quote(string(b[from:to]))
}

// encodeJSON is encoding/json with HTML escaping off (RFC 8785 writes '<',
// '>' and '&' as themselves) and without the trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Op: "seal.Marshal",
			Message: "the document cannot be encoded as JSON (" + err.Error() + "); remove NaN, infinities and unsupported types", Err: err}
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil
}
