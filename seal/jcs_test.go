package seal

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// The sample inputs and outputs of RFC 8785 (§3.2.2, §3.2.3) and of its
// reference implementation's test data (cyberphone/json-canonicalization),
// in testdata/jcs.
func TestCanonicalizeRFC8785Examples(t *testing.T) {
	inputs, err := filepath.Glob("testdata/jcs/input/*.json")
	if err != nil || len(inputs) < 8 {
		t.Fatalf("found %d inputs: %v", len(inputs), err)
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			src, want := readFile(t, in), readFile(t, filepath.Join("testdata/jcs/output", name))
			got, err := Canonicalize(src)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			if err := CheckCanonical(want); err != nil {
				t.Errorf("CheckCanonical(output) = %v", err)
			}
			if CheckCanonical(src) == nil {
				t.Errorf("CheckCanonical accepts the non-canonical input")
			}
			if again, _ := Canonicalize(want); !bytes.Equal(again, want) {
				t.Errorf("canonicalising the output changes it: %s", again)
			}
		})
	}
}

// RFC 8785 Appendix B: the serialisation of sample IEEE 754 doubles.
func TestNumbersRFC8785AppendixB(t *testing.T) {
	f, err := os.Open("testdata/jcs/numbers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		bitsHex, want, _ := strings.Cut(line, ",")
		bits, err := strconv.ParseUint(bitsHex, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		v := math.Float64frombits(bits)
		n++
		if want == "NaN" || want == "Infinity" {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				t.Errorf("%s is finite", bitsHex)
			}
			continue
		}
		if got := string(appendNumber(nil, v)); got != want {
			t.Errorf("%s: got %s, want %s", bitsHex, got, want)
		}
		if err := CheckCanonical([]byte(want)); err != nil {
			t.Errorf("CheckCanonical(%s) = %v", want, err)
		}
	}
	if n != 26 {
		t.Errorf("read %d vectors, want 26", n)
	}
	// No JSON text reaches NaN or Infinity: out-of-range numbers are refused.
	for _, in := range []string{"1e400", "-1e400", "[1E309]"} {
		if _, err := Canonicalize([]byte(in)); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("Canonicalize(%s) err = %v, want EINVALID", in, err)
		}
	}
}

func TestCanonicalizeRewrites(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"MinusZero", `-0`, `0`},
		{"MinusZeroFraction", `-0.0e5`, `0`},
		{"Exponent", `1E2`, `100`},
		{"TrailingZeros", `[1.500, 10.0, 0.10]`, `[1.5,10,0.1]`},
		{"Underflow", `1e-400`, `0`},
		{"LargeInteger", `12345678901234567890`, `12345678901234567000`},
		{"SolidusUnescaped", `"a\/b"`, `"a/b"`},
		{"NeedlessEscapes", `"\u0041\u00e9\u4e2d"`, `"Aé中"`},
		{"ControlsLowerHex", `"\u001F\u007F"`, "\"\\u001f\x7f\""},
		{"ShortEscapes", `"\u0008\u0009\u000A\u000C\u000D"`, `"\b\t\n\f\r"`},
		{"LineSeparatorRaw", `"\u2028\u2029"`, "\"\u2028\u2029\""},
		{"HTMLRaw", `"<a href='x'>&</a>"`, `"<a href='x'>&</a>"`},
		{"SurrogatePair", `"\uD83D\uDE00"`, "\"\U0001F600\""},
		{"NestedSort", `{"b":{"d":1,"c":2},"a":[{"z":0,"y":0}]}`, `{"a":[{"y":0,"z":0}],"b":{"c":2,"d":1}}`},
		// UTF-16 order puts the supplementary planes (D800–DBFF) before
		// U+E000–U+FFFF, unlike UTF-8 byte order.
		{"UTF16Order", `{"\uffff":1,"\ud800\udc00":2,"\ue000":3,"\u00ff":4}`, "{\"\u00ff\":4,\"\U00010000\":2,\"\ue000\":3,\"\uffff\":1}"},
		{"EscapedNameOrder", `{"\t":1,"\n":2," ":3}`, `{"\t":1,"\n":2," ":3}`},
		{"WhiteSpace", " \t\r\n[ 1 ,\n2 ] \n", `[1,2]`},
		{"Scalars", `"x"`, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			if err := CheckCanonical(got); err != nil {
				t.Errorf("CheckCanonical(output) = %v", err)
			}
		})
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Empty", ``, "end of input"},
		{"DuplicateName", `{"a":1,"a":2}`, "duplicate member name"},
		{"DuplicateNameEscaped", `{"a":1,"b":0,"\u0061":2}`, "duplicate member name"},
		{"DuplicateNested", `{"x":{"b":1,"a":2,"b":3}}`, "duplicate member name"},
		{"InvalidUTF8", "\"\xff\"", "invalid UTF-8"},
		{"EncodedSurrogate", "\"\xed\xa0\x80\"", "invalid UTF-8"},
		{"LoneHighSurrogate", `"\ud800"`, "high surrogate"},
		{"LoneLowSurrogate", `"\udc00"`, "lone low surrogate"},
		{"RawControl", "\"a\tb\"", "must be escaped"},
		{"BadEscape", `"\x41"`, "invalid escape"},
		{"ShortUnicodeEscape", `"\u12"`, "four hexadecimal digits"},
		{"TrailingComma", `[1,]`, "a value was expected"},
		{"LeadingZero", `01`, "after the JSON value"},
		{"BareFraction", `.5`, "a value was expected"},
		{"EmptyFraction", `1.`, "malformed number"},
		{"PlusSign", `+1`, "a value was expected"},
		{"NaN", `NaN`, "a value was expected"},
		{"Trailing", `{} {}`, "after the JSON value"},
		{"BOM", "\ufeff{}", "a value was expected"},
		{"Unterminated", `"abc`, "inside a string"},
		{"SingleQuotes", `{'a':1}`, "member name in double quotes"},
		{"BadLiteral", `tru`, "invalid literal"},
		{"TooDeep", strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Canonicalize([]byte(tt.in))
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
			if CheckCanonical([]byte(tt.in)) == nil {
				t.Errorf("CheckCanonical accepts it")
			}
		})
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := Canonicalize([]byte(deep)); err != nil {
		t.Errorf("nesting of exactly %d levels: %v", maxDepth, err)
	}
}

// Texts that are valid JSON, and would canonicalise, but are not canonical.
func TestCheckCanonicalRejectsNonCanonical(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Space", `{"a": 1}`, "white space"},
		{"OutOfOrder", `{"b":1,"a":2}`, "out of order"},
		{"Duplicate", `{"a":1,"a":1}`, "duplicate member name"},
		{"TrailingZero", `1.0`, "not in canonical form"},
		{"ExponentNoSign", `1e30`, "not in canonical form"},
		{"UpperExponent", `1E+30`, "not in canonical form"},
		{"MinusZero", `-0`, "not in canonical form"},
		{"LongInteger", `12345678901234567890`, "not in canonical form"},
		{"EscapedSolidus", `"\/"`, "needless or invalid escape"},
		{"EscapedLetter", `"\u0041"`, "non-canonical \\u escape"},
		{"UpperHexEscape", `"\u001F"`, "non-canonical \\u escape"},
		{"LongNewline", `"\u000a"`, "non-canonical \\u escape"},
		{"EscapedLineSeparator", `"\u2028"`, "non-canonical \\u escape"},
		{"TrailingNewline", "{}\n", "after the JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCanonical([]byte(tt.in))
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{`0`, `-1`, `123456789012345`, `1e+21`, `0.000001`, `1e-7`, `"\u0000\b"`, `{"":[],"a":{}}`, `[true,false,null]`} {
		if err := CheckCanonical([]byte(ok)); err != nil {
			t.Errorf("CheckCanonical(%s) = %v", ok, err)
		}
	}
}

func TestCompareNamesFollowsUTF16(t *testing.T) {
	// In UTF-16 order, each of these sorts before the next.
	order := []string{"", "\\t", "\\n", "\\u001f", " ", "1", "A", "a", "aa", "\u00ff", "\u20ac", "\U00010000", "\U0001F600", "\ue000", "\ufb33", "\uffff"}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := compareNames([]byte(order[i]), []byte(order[j])); got != want {
				t.Errorf("compareNames(%q, %q) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}
