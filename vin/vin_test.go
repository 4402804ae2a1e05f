package vin

import (
	"errors"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// validVINs are VINs whose check digits were worked out by hand (see
// TestCheckDigit_HandComputed for one sum written out) and cross-checked
// with an independent script.
var validVINs = []struct {
	name, vin string
}{
	{"ISO 3779 example, check digit X", "1M8GDM9AXKP042788"},
	{"Tesla Shanghai", "LRW3E7FA6NC123456"},
	{"BYD", "LGXCE4CB2N0123456"},
	{"Chery, check digit X", "LVVDB11BXND123456"},
	{"SAIC MG", "LSJA24U62MS123456"},
	{"Great Wall", "LGWEF4A51NH123456"},
	{"small manufacturer, check digit X", "LA9AB2C3XNAXYZ123"},
}

func TestValidate_AcceptsValidVINs(t *testing.T) {
	for _, tc := range validVINs {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate(tc.vin); err != nil {
				t.Fatalf("Validate(%q) = %v, want nil", tc.vin, err)
			}
			d, ok := CheckDigit(tc.vin)
			if !ok || d != tc.vin[8] {
				t.Fatalf("CheckDigit(%q) = %q, %v; want %q, true", tc.vin, d, ok, tc.vin[8])
			}
		})
	}
}

// TestCheckDigit_HandComputed writes out one ISO 3779 sum so that the
// algorithm is checked against arithmetic, not against itself.
func TestCheckDigit_HandComputed(t *testing.T) {
	// L V V D B 1 1 B _ N D 1 2 3 4 5 6
	// values:  3 5 5 4 2 1 1 2 _ 5 4 1 2 3 4 5 6
	// weights: 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2
	// products: 24 35 30 20 8 3 2 20 0 45 32 7 12 15 16 15 12 = 296
	// 296 mod 11 = 296 - 26*11 = 10, written X.
	if d, ok := CheckDigit("LVVDB11B0ND123456"); !ok || d != 'X' {
		t.Fatalf("CheckDigit = %q, %v; want 'X', true", d, ok)
	}
	// 1 M 8 G D M 9 A _ K P 0 4 2 7 8 8
	// 1*8 + 4*7 + 8*6 + 7*5 + 4*4 + 4*3 + 9*2 + 1*10 + 2*9 + 7*8 + 0*7
	// + 4*6 + 2*5 + 7*4 + 8*3 + 8*2 = 351; 351 mod 11 = 351 - 31*11 = 10: X.
	if d, ok := CheckDigit("1M8GDM9A0KP042788"); !ok || d != 'X' {
		t.Fatalf("CheckDigit = %q, %v; want 'X', true", d, ok)
	}
}

func TestCheckDigit_RejectsWhatCannotBeSummed(t *testing.T) {
	for _, v := range []string{"", "LRW3E7FA6NC12345", "LRW3E7FA6NC1234567", "LRW3E7FA6NC12345O", "lrw3e7fa6nc123456"} {
		if d, ok := CheckDigit(v); ok {
			t.Errorf("CheckDigit(%q) = %q, true; want false", v, d)
		}
	}
}

func TestValidate_ReportsEachFault(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		code     string
		position int
		got      rune
		expected byte
		length   int
		message  []string // substrings the message must contain
	}{
		{name: "empty", in: "", code: CodeLength, message: []string{"empty", "17 characters"}},
		{name: "too short", in: "LRW3E7FA6NC12345", code: CodeLength, length: 16,
			message: []string{"17 characters", "this one has 16", "registration certificate"}},
		{name: "too long", in: "LRW3E7FA6NC1234567", code: CodeLength, length: 18, message: []string{"has 18"}},
		{name: "space inside makes it long", in: "LRW3E7FA6 NC123456", code: CodeLength, length: 18, position: 10, got: ' ',
			message: []string{"space at position 10", "remove the space"}},
		{name: "counts characters not bytes", in: "LRW3E7FA6NC12345ÄÄ", code: CodeLength, length: 18, message: []string{"has 18"}},
		{name: "letter I", in: "LRW3E7FA6NC1234I6", code: CodeForbiddenLetter, position: 16, got: 'I',
			message: []string{"position 16", "letter I", "digit 1"}},
		{name: "letter O", in: "LRW3E7FA6NC12345O", code: CodeForbiddenLetter, position: 17, got: 'O',
			message: []string{"position 17", "letter O", "digit 0"}},
		{name: "letter Q", in: "LRWQE7FA6NC123456", code: CodeForbiddenLetter, position: 4, got: 'Q', message: []string{"digit 0"}},
		{name: "punctuation", in: "LRW-E7FA6NC123456", code: CodeCharacter, position: 4, got: '-',
			message: []string{"position 4", "'-'", "A–Z"}},
		{name: "space inside", in: "LRW3E7FA6NC1234 6", code: CodeCharacter, position: 16, got: ' ',
			message: []string{"position 16", "space", "remove it"}},
		{name: "lower case", in: "lRW3E7FA6NC123456", code: CodeCharacter, position: 1, got: 'l', message: []string{"lower-case", "capitals"}},
		{name: "non-ASCII reported as a rune at its character position", in: "LRW3E7FA6NC1234Ä", code: CodeCharacter, position: 16, got: 'Ä',
			message: []string{"position 16", "Ä", `\u00c4`}},
		{name: "Cyrillic look-alike", in: "LRWСE7FA6NC123456", code: CodeCharacter, position: 4, got: 'С',
			message: []string{"position 4", "Cyrillic", "Latin C", "Latin keyboard"}},
		{name: "Cyrillic Ze looks like 3", in: "LRWЗE7FA6NC123456", code: CodeCharacter, position: 4, got: 'З', message: []string{"digit 3"}},
		{name: "full-width digit", in: "LRW３E7FA6NC123456", code: CodeCharacter, position: 4, got: '３', message: []string{"full-width", "half-width"}},
		{name: "ideographic space", in: "LRW3E7FA6NC12345\u3000", code: CodeCharacter, position: 17, got: '\u3000', message: []string{"space"}},
		{name: "not UTF-8", in: "LRW3E7FA6NC12345\xff", code: CodeCharacter, position: 17, got: '\uFFFD', message: []string{"not UTF-8"}},
		{name: "wrong check digit", in: "LRW3E7FA1NC123456", code: CodeCheckDigit, position: 9, got: '1', expected: '6',
			message: []string{"position 9 is 1", "give 6", "mistyped"}},
		{name: "wrong check digit, X expected", in: "LVVDB11B0ND123456", code: CodeCheckDigit, position: 9, got: '0', expected: 'X',
			message: []string{"give X"}},
		{name: "letter where check digit goes", in: "LRW3E7FAXNC123456", code: CodeCheckDigit, position: 9, got: 'X', expected: '6'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate(%q) = %v, want a *Error", tc.in, err)
			}
			if e.Code != tc.code || e.Position != tc.position || e.Got != tc.got || e.Expected != tc.expected || e.Len != tc.length {
				t.Errorf("got {%s pos %d got %q want %q len %d}, want {%s pos %d got %q want %q len %d}",
					e.Code, e.Position, e.Got, e.Expected, e.Len, tc.code, tc.position, tc.got, tc.expected, tc.length)
			}
			msg := e.Error()
			for _, s := range tc.message {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not contain %q", msg, s)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already normal", "LRW3E7FA6NC123456", "LRW3E7FA6NC123456"},
		{"lower case", "lrw3e7fa6nc123456", "LRW3E7FA6NC123456"},
		{"mixed case", "LrW3e7Fa6nC123456", "LRW3E7FA6NC123456"},
		{"surrounding spaces and tabs", " \tLRW3E7FA6NC123456\r\n", "LRW3E7FA6NC123456"},
		{"ideographic space and BOM", "\uFEFF\u3000LRW3E7FA6NC123456\u3000", "LRW3E7FA6NC123456"},
		{"no-break space", "\u00a0LRW3E7FA6NC123456", "LRW3E7FA6NC123456"},
		{"full-width letters and digits", "ＬＲＷ３ｅ７ＦＡ６ＮＣ１２３４５６", "LRW3E7FA6NC123456"},
		{"inner space kept for Validate to report", " lrw3e7fa6 nc123456 ", "LRW3E7FA6 NC123456"},
		{"Cyrillic kept for Validate to report", "lrwСe7fa6nc123456", "LRWСE7FA6NC123456"},
		{"invalid UTF-8 kept", "lrw\xff", "LRW\xff"},
		{"empty", "", ""},
		{"only space", " \u3000 ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Normalize(tc.in)
			if got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Normalize(got); again != got {
				t.Fatalf("Normalize is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestNormalizeThenValidate_AcceptsTypedForms(t *testing.T) {
	for _, in := range []string{" lrw3e7fa6nc123456 ", "ＬＲＷ３Ｅ７ＦＡ６ＮＣ１２３４５６", "\uFEFFLRW3E7FA6NC123456"} {
		if err := Validate(Normalize(in)); err != nil {
			t.Errorf("Validate(Normalize(%q)) = %v", in, err)
		}
	}
}

func TestValidPath_DoesNotAllocate(t *testing.T) {
	const v = "LRW3E7FA6NC123456"
	var sink error
	if n := testing.AllocsPerRun(100, func() { sink = Validate(v) }); n != 0 {
		t.Errorf("Validate allocates %v times per run, want 0", n)
	}
	var s string
	if n := testing.AllocsPerRun(100, func() { s = Normalize(v) }); n != 0 {
		t.Errorf("Normalize of a normal VIN allocates %v times per run, want 0", n)
	}
	_, _ = sink, s
}

func TestError_AsUCX_NamesTheField(t *testing.T) {
	var e *Error
	if !errors.As(Validate("LRW3E7FA1NC123456"), &e) {
		t.Fatal("want a *Error")
	}
	u := e.AsUCX("vehicles[3].vin")
	if u.Code != ucx.EINVALID || u.Field != "vehicles[3].vin" || u.Message != e.Error() {
		t.Fatalf("AsUCX = %+v", u)
	}
	if got := ucx.ErrorMessage(u); !strings.Contains(got, "check digit") {
		t.Fatalf("ucx.ErrorMessage = %q, want the user-facing reason", got)
	}
}
