package vin

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// The seed corpus is testdata/fuzz/FuzzValidate and testdata/fuzz/FuzzDecode:
// valid VINs (one of a small manufacturer), every kind of fault, and the
// forms people type (lower case, full-width, Cyrillic look-alikes, stray
// spaces, bytes that are not UTF-8).

func FuzzValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, again)
		}
		err := Validate(s)
		if err == nil {
			if len(s) != Len {
				t.Fatalf("Validate(%q) = nil for %d bytes", s, len(s))
			}
			if d, ok := CheckDigit(s); !ok || d != s[8] {
				t.Fatalf("Validate(%q) = nil but CheckDigit = %q, %v", s, d, ok)
			}
			if n != s {
				t.Fatalf("a valid VIN %q is not normal: %q", s, n)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Validate(%q) = %T, want *Error", s, err)
		}
		switch e.Code {
		case CodeLength, CodeCharacter, CodeForbiddenLetter, CodeCheckDigit:
		default:
			t.Fatalf("unknown code %q", e.Code)
		}
		if e.Position < 0 || e.Position > utf8.RuneCountInString(s) || e.Code != CodeLength && e.Position == 0 {
			t.Fatalf("Validate(%q): position %d out of range", s, e.Position)
		}
		if e.Error() == "" {
			t.Fatal("empty message")
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		info, err := Decode(s)
		verr := Validate(s)
		if (err == nil) != (verr == nil) || err != nil && err.Error() != verr.Error() {
			t.Fatalf("Decode error %v, Validate error %v", err, verr)
		}
		if info.VIN != s {
			t.Fatalf("Info.VIN = %q, want %q", info.VIN, s)
		}
		e, _ := DefaultTable().Lookup(s)
		if info.WMI == "" {
			if err == nil {
				t.Fatalf("valid VIN %q not laid out", s)
			}
			return
		}
		if len(s) != Len || s[:3]+info.VDS+info.VIS != s || info.WMI[:3] != s[:3] {
			t.Fatalf("Decode(%q) sections do not rebuild the VIN: %+v", s, info)
		}
		if info.Small != (s[2] == '9') || info.Small && (info.WMI != s[:3]+s[11:14] || info.Serial != s[14:]) ||
			!info.Small && (info.WMI != s[:3] || info.Serial != s[11:]) {
			t.Fatalf("Decode(%q): WMI %q, serial %q, small %v", s, info.WMI, info.Serial, info.Small)
		}
		if info.CheckDigit != s[8] || info.YearCode != s[9] || info.Plant != s[10] {
			t.Fatalf("Decode(%q): positions 9-11 wrong: %+v", s, info)
		}
		if info.Manufacturer != e {
			t.Fatalf("Decode routes to %v, Lookup to %v", info.Manufacturer, e)
		}
		for _, y := range ModelYears(info.YearCode, 2100) {
			if y < 1980 || y > 2100 {
				t.Fatalf("model year %d out of range", y)
			}
		}
	})
}
