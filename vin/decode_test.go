package vin

import (
	"errors"
	"slices"
	"testing"
)

func TestDecode_LaysOutTheSections(t *testing.T) {
	tests := []struct {
		name                  string
		vin                   string
		wmi, vds, vis, serial string
		small                 bool
		check, year, plant    byte
		manufacturer          string // the entry's WMI, "" for none
		valid                 bool
	}{
		{name: "Tesla Shanghai", vin: "LRW3E7FA6NC123456", wmi: "LRW", vds: "3E7FA6", vis: "NC123456", serial: "123456",
			check: '6', year: 'N', plant: 'C', manufacturer: "LRW", valid: true},
		{name: "ISO example, unknown WMI", vin: "1M8GDM9AXKP042788", wmi: "1M8", vds: "GDM9AX", vis: "KP042788", serial: "042788",
			check: 'X', year: 'K', plant: 'P', valid: true},
		{name: "small manufacturer: WMI continues at 12-14", vin: "LA9AB2C3XNAXYZ123", wmi: "LA9XYZ", vds: "AB2C3X", vis: "NAXYZ123", serial: "123",
			small: true, check: 'X', year: 'N', plant: 'A', valid: true},
		{name: "wrong check digit still decoded", vin: "LRW3E7FA1NC123456", wmi: "LRW", vds: "3E7FA1", vis: "NC123456", serial: "123456",
			check: '1', year: 'N', plant: 'C', manufacturer: "LRW"},
		{name: "forbidden letter still decoded", vin: "LVVDB11BXND12345O", wmi: "LVV", vds: "DB11BX", vis: "ND12345O", serial: "12345O",
			check: 'X', year: 'N', plant: 'D', manufacturer: "LVV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Decode(tc.vin)
			if (err == nil) != tc.valid {
				t.Fatalf("Decode error = %v, want valid=%v", err, tc.valid)
			}
			if info.VIN != tc.vin || info.WMI != tc.wmi || info.VDS != tc.vds || info.VIS != tc.vis || info.Serial != tc.serial ||
				info.Small != tc.small || info.CheckDigit != tc.check || info.YearCode != tc.year || info.Plant != tc.plant {
				t.Errorf("Decode(%q) = %+v", tc.vin, info)
			}
			got := ""
			if info.Manufacturer != nil {
				got = info.Manufacturer.WMI
			}
			if got != tc.manufacturer {
				t.Errorf("manufacturer WMI = %q, want %q", got, tc.manufacturer)
			}
		})
	}
}

func TestDecode_DoesNotLayOutWhatIsNotSeventeenPrintableASCII(t *testing.T) {
	for _, v := range []string{"", "LRW3E7FA6NC12345", "LRW3E7FA6NC12345Ä", "LRW3E7FA6NC12345\x01"} {
		info, err := Decode(v)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Decode(%q) error = %v, want a *Error", v, err)
		}
		if info.WMI != "" || info.Manufacturer != nil || info.VIN != v {
			t.Errorf("Decode(%q) = %+v, want only VIN set", v, info)
		}
	}
}

func TestDecode_UsesTheTableItIsCalledOn(t *testing.T) {
	tbl, err := DefaultTable().WithOverrides([]Entry{
		{WMI: "LA9XYZ", NameEN: "Small Coachworks", Source: "declared by org-small", Verified: true, Org: "org-small"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := tbl.Decode("LA9AB2C3XNAXYZ123")
	if err != nil || info.Manufacturer == nil || info.Manufacturer.Org != "org-small" {
		t.Fatalf("Decode = %+v, %v; want routed to org-small", info, err)
	}
	if info, _ := Decode("LA9AB2C3XNAXYZ123"); info.Manufacturer != nil {
		t.Fatalf("the default table learnt the override: %+v", info.Manufacturer)
	}
}

func TestDecode_ValidPathDoesNotAllocate(t *testing.T) {
	var info Info
	if n := testing.AllocsPerRun(100, func() { info, _ = Decode("LRW3E7FA6NC123456") }); n != 0 {
		t.Errorf("Decode allocates %v times per run, want 0", n)
	}
	_ = info
}

func TestModelYears(t *testing.T) {
	tests := []struct {
		code     byte
		notAfter int
		want     []int
	}{
		{'A', 2027, []int{1980, 2010}},
		{'H', 2027, []int{1987, 2017}},
		{'J', 2027, []int{1988, 2018}}, // I is skipped
		{'P', 2027, []int{1993, 2023}}, // O is skipped
		{'R', 2027, []int{1994, 2024}}, // Q is skipped
		{'T', 2027, []int{1996, 2026}},
		{'V', 2027, []int{1997, 2027}}, // U is skipped
		{'V', 2026, []int{1997}},
		{'Y', 2027, []int{2000}}, // Z is skipped; Y is 2000 and 2030
		{'1', 2027, []int{2001}},
		{'9', 2027, []int{2009}},
		{'A', 2040, []int{1980, 2010, 2040}},
		{'A', 1979, nil},
		{'U', 2027, nil},
		{'Z', 2027, nil},
		{'0', 2027, nil},
		{'I', 2027, nil},
		{'O', 2027, nil},
		{'Q', 2027, nil},
		{'a', 2027, nil},
	}
	for _, tc := range tests {
		if got := ModelYears(tc.code, tc.notAfter); !slices.Equal(got, tc.want) {
			t.Errorf("ModelYears(%q, %d) = %v, want %v", tc.code, tc.notAfter, got, tc.want)
		}
	}
}

func TestModelYears_OneCodePerYearOfTheCycle(t *testing.T) {
	seen := map[int]byte{}
	for c := 0; c < 256; c++ {
		for _, y := range ModelYears(byte(c), 2009) {
			if prev, dup := seen[y]; dup {
				t.Fatalf("year %d has codes %q and %q", y, prev, byte(c))
			}
			seen[y] = byte(c)
		}
	}
	if len(seen) != 30 {
		t.Fatalf("%d years in 1980-2009 have a code, want 30", len(seen))
	}
}

func TestModelYear_IsTheLatestCandidate(t *testing.T) {
	for c := 0; c < 256; c++ {
		for notAfter := 1975; notAfter <= 2075; notAfter++ {
			ys := ModelYears(byte(c), notAfter)
			y, ok := ModelYear(byte(c), notAfter)
			if ok != (len(ys) > 0) || ok && y != ys[len(ys)-1] {
				t.Fatalf("ModelYear(%q, %d) = %d, %v; ModelYears = %v", byte(c), notAfter, y, ok, ys)
			}
		}
	}
}
