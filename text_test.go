package ucx_test

import (
	"encoding/json"
	"testing"

	"github.com/ucxdev/ucx"
)

// CheckText keeps text that is UTF-8 without control characters, allows a
// tab or a line break only in a text of several lines, and names the field.
func TestCheckText_RefusesWhatIsNotTextNamingTheField(t *testing.T) {
	for _, tt := range []struct {
		name, s string
		lines   ucx.TextLines
		ok      bool
	}{
		{"Plain", "广州华运 Co., Ltd. №7 ü", ucx.OneLine, true},
		{"Empty", "", ucx.OneLine, true},
		{"Emoji", "🚗", ucx.OneLine, true},
		{"ReplacementCharacter", "\ufffd", ucx.OneLine, true},
		{"NUL", "a\x00b", ucx.MultiLine, false},
		{"GBK", "\xc9\xfa", ucx.MultiLine, false},
		{"TruncatedRune", "广"[:2], ucx.MultiLine, false},
		{"Surrogate", "\xed\xa0\x80", ucx.MultiLine, false},
		{"Bell", "a\x07", ucx.MultiLine, false},
		{"Escape", "\x1b[31m", ucx.MultiLine, false},
		{"DEL", "\x7f", ucx.MultiLine, false},
		{"C1", "\u0085", ucx.MultiLine, false},
		{"LineBreakOneLine", "a\nb", ucx.OneLine, false},
		{"TabOneLine", "a\tb", ucx.OneLine, false},
		{"CROneLine", "a\rb", ucx.OneLine, false},
		{"LinesMultiLine", "a\r\n\tb", ucx.MultiLine, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ucx.CheckText("buyer", tt.s, tt.lines)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckText(%q) = %v, want ok %v", tt.s, err, tt.ok)
			}
			if err != nil && (ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "buyer") {
				t.Fatalf("CheckText(%q) = %v, want invalid naming buyer", tt.s, err)
			}
		})
	}
}

type textInner struct {
	Address string `json:"address"`
	Note    string `json:"note" text:"multiline"`
}

type textEmbedded struct {
	Region string `json:"region"`
}

type textBody struct {
	textEmbedded
	Name     string            `json:"name"`
	Alias    string            // no tag: the Go name
	Skipped  string            `json:"-"`
	Outlets  []textInner       `json:"outlets"`
	Ptr      *textInner        `json:"ptr,omitempty"`
	Labels   map[string]string `json:"labels"`
	Envelope json.RawMessage   `json:"envelope"`
	Any      any               `json:"any"`
	hidden   string
}

// CheckFields walks every string of a value and names the bad one by its
// JSON path; byte slices, skipped and unexported fields are not text.
func TestCheckFields_NamesTheBadStringByItsJSONPath(t *testing.T) {
	bad := "x\x00"
	for _, tt := range []struct {
		name  string
		body  textBody
		field string
	}{
		{"Good", textBody{Name: "n", Outlets: []textInner{{Note: "two\nlines"}}, Envelope: json.RawMessage("\x00"), Skipped: bad, hidden: bad}, ""},
		{"Top", textBody{Name: bad}, "name"},
		{"GoName", textBody{Alias: bad}, "Alias"},
		{"Embedded", textBody{textEmbedded: textEmbedded{Region: bad}}, "region"},
		{"SliceElement", textBody{Outlets: []textInner{{}, {Address: bad}}}, "outlets[1].address"},
		{"OneLineInSlice", textBody{Outlets: []textInner{{Address: "a\nb"}}}, "outlets[0].address"},
		{"Pointer", textBody{Ptr: &textInner{Note: bad}}, "ptr.note"},
		{"MapValue", textBody{Labels: map[string]string{"k": bad}}, "labels.k"},
		{"MapKey", textBody{Labels: map[string]string{bad: "v"}}, "labels"},
		{"Interface", textBody{Any: map[string]any{"list": []any{"ok", bad}}}, "any.list[1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ucx.CheckFields(&tt.body)
			if got := ucx.ErrorField(err); got != tt.field || (tt.field == "") != (err == nil) {
				t.Fatalf("CheckFields: %v (field %q), want field %q", err, got, tt.field)
			}
		})
	}
}
