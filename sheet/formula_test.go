package sheet

import "testing"

func TestSafeCell_NeutralisesFormulasOnly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"+1+2", "'+1+2"},
		{"-2+3", "'-2+3"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-12.5", "-12.5"},
		{"+7", "+7"},
		{"比亚迪", "比亚迪"},
		{"a=b", "a=b"},
		{"", ""},
	} {
		if got := SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
