package vin

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

func TestDefaultTable_HoldsTheIssueEntries(t *testing.T) {
	tbl := DefaultTable()
	tests := []struct {
		wmi      string
		brand    string
		verified bool
	}{
		{"LRW", "Tesla", true},
		{"LGX", "BYD", true},
		{"LC0", "BYD", false}, // contested
		{"LVV", "Chery", true},
		{"L6T", "Geely", true},
		{"LB3", "Geely", true},
		{"LGW", "Haval", true},
		{"LSJ", "MG", true},
		{"LSG", "Buick", true}, // SAIC-GM, not SAIC MG
		{"LS5", "Changan", true},
		{"LW4", "Li Auto", false}, // contradictory listings
		{"LW2", "NIO", false},
	}
	for _, tc := range tests {
		e, ok := tbl.Lookup(tc.wmi)
		if !ok {
			t.Errorf("Lookup(%s): not found", tc.wmi)
			continue
		}
		if e.WMI != tc.wmi || e.Verified != tc.verified || !strings.Contains(strings.Join(e.Brands, ","), tc.brand) {
			t.Errorf("Lookup(%s) = %+v, want brand %s verified=%v", tc.wmi, e, tc.brand, tc.verified)
		}
	}
}

func TestDefaultTable_EveryEntryIsSourced(t *testing.T) {
	entries := DefaultTable().Entries()
	if len(entries) != DefaultTable().Len() || len(entries) < 20 {
		t.Fatalf("%d entries, Len %d", len(entries), DefaultTable().Len())
	}
	for i, e := range entries {
		if e.Source == "" || e.Name() == "" {
			t.Errorf("entry %s has no source or name", e.WMI)
		}
		if e.Org != "" {
			t.Errorf("built-in entry %s names an organisation (%s); only declarations do", e.WMI, e.Org)
		}
		if i > 0 && entries[i-1].WMI >= e.WMI {
			t.Errorf("Entries not sorted: %s before %s", entries[i-1].WMI, e.WMI)
		}
	}
}

func TestLookup(t *testing.T) {
	tbl, err := NewTable([]Entry{
		{WMI: "LRW", NameEN: "Tesla (Shanghai)", Source: "test"},
		{WMI: "LA9XYZ", NameEN: "Small Coachworks", Source: "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string // want is the entry's WMI, "" for not found
	}{
		{"LRW", "LRW"},
		{"LRW3E7FA6NC123456", "LRW"},
		{"LRW3E7FA1NC123456", "LRW"}, // routing does not judge the check digit
		{"LA9XYZ", "LA9XYZ"},
		{"LA9AB2C3XNAXYZ123", "LA9XYZ"},
		{"LA9AB2C3XNAXYW123", ""}, // another small manufacturer
		{"LA9", ""},               // a small manufacturer's VIN never routes by three characters
		{"LGX", ""},
		{"lrw", ""}, // Lookup expects normalised input
		{"LR", ""},
		{"", ""},
		{"LRW3E7FA6NC12345", ""},
	}
	for _, tc := range tests {
		e, ok := tbl.Lookup(tc.in)
		got := ""
		if ok {
			got = e.WMI
		}
		if got != tc.want || ok != (e != nil) {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	var none *Table
	if _, ok := none.Lookup("LRW"); ok {
		t.Error("a nil table found an entry")
	}
}

func TestLookup_DoesNotAllocate(t *testing.T) {
	tbl, err := NewTable([]Entry{{WMI: "LA9XYZ", NameEN: "Small", Source: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	if n := testing.AllocsPerRun(100, func() { _, ok = tbl.Lookup("LA9AB2C3XNAXYZ123") }); n != 0 {
		t.Errorf("Lookup of a small manufacturer's VIN allocates %v times, want 0", n)
	}
	if !ok {
		t.Error("not found")
	}
}

func TestWithOverrides_DeclaredWMIsWin(t *testing.T) {
	base := DefaultTable()
	declared := []Entry{
		{WMI: "LC0", NameZH: "比亚迪汽车工业有限公司", NameEN: "BYD Auto Industry", Brands: []string{"BYD"},
			Source: "declared by the manufacturer", Verified: true, Org: "org-byd"},
		{WMI: "LA9XYZ", NameEN: "Small Coachworks", Source: "declared by the manufacturer", Verified: true, Org: "org-small"},
	}
	tbl, err := base.WithOverrides(declared)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := tbl.Lookup("LC0AB2C3XNAXYZ123"); !ok || e.Org != "org-byd" || !e.Verified {
		t.Errorf("LC0 routes to %+v, want the declaration", e)
	}
	if e, ok := tbl.Lookup("LA9AB2C3XNAXYZ123"); !ok || e.Org != "org-small" {
		t.Errorf("LA9XYZ routes to %+v, want the declaration", e)
	}
	if e, ok := tbl.Lookup("LRW"); !ok || e.Org != "" {
		t.Errorf("undeclared LRW routes to %+v, want the built-in entry", e)
	}
	if tbl.Len() != base.Len()+1 {
		t.Errorf("Len = %d, want %d (one replaced, one added)", tbl.Len(), base.Len()+1)
	}
	if e, _ := base.Lookup("LC0"); e.Org != "" || e.Verified {
		t.Errorf("the base table changed: %+v", e)
	}
	declared[0].Brands[0] = "changed"
	if e, _ := tbl.Lookup("LC0"); e.Brands[0] != "BYD" {
		t.Error("the table shares memory with the caller's entries")
	}
}

func TestWithOverrides_TwoDeclarationsOfOneWMIConflict(t *testing.T) {
	_, err := DefaultTable().WithOverrides([]Entry{
		{WMI: "LC0", NameEN: "BYD", Source: "declared", Org: "org-byd"},
		{WMI: "LC0", NameEN: "Other", Source: "declared", Org: "org-other"},
	})
	if ucx.ErrorCode(err) != ucx.ECONFLICT || ucx.ErrorField(err) != "wmi" {
		t.Fatalf("err = %v, want ECONFLICT on wmi", err)
	}
	for _, s := range []string{"LC0", "org-byd", "org-other"} {
		if !strings.Contains(ucx.ErrorMessage(err), s) {
			t.Errorf("message %q does not name %s", ucx.ErrorMessage(err), s)
		}
	}
}

func TestNewTable_RejectsBadEntries(t *testing.T) {
	ok := Entry{WMI: "LRW", NameEN: "Tesla", Source: "test"}
	tests := []struct {
		name    string
		entries []Entry
		field   string
		message string
	}{
		{"two characters", []Entry{{WMI: "LR", NameEN: "x", Source: "s"}}, "wmi", "3 characters"},
		{"lower case", []Entry{{WMI: "lrw", NameEN: "x", Source: "s"}}, "wmi", "position 1"},
		{"letter I", []Entry{{WMI: "LIW", NameEN: "x", Source: "s"}}, "wmi", "position 2"},
		{"three characters ending in 9", []Entry{{WMI: "LW9", NameEN: "x", Source: "s"}}, "wmi", "six characters"},
		{"six characters without 9", []Entry{{WMI: "LRWABC", NameEN: "x", Source: "s"}}, "wmi", "only for small manufacturers"},
		{"no name", []Entry{{WMI: "LRW", NameEN: " ", Source: "s"}}, "name_zh", "name"},
		{"no source", []Entry{{WMI: "LRW", NameEN: "x"}}, "source", "where the WMI comes from"},
		{"duplicate", []Entry{ok, ok}, "wmi", "appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewTable(tc.entries)
			if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != tc.field || !strings.Contains(ucx.ErrorMessage(err), tc.message) {
				t.Fatalf("err = %v, want EINVALID on %s mentioning %q", err, tc.field, tc.message)
			}
		})
	}
	if _, err := DefaultTable().WithOverrides([]Entry{{WMI: "LW9", NameEN: "x", Source: "s"}}); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("WithOverrides accepted a bad entry: %v", err)
	}
}

func TestParseTable(t *testing.T) {
	tbl, err := ParseTable([]byte(`{"about": "x", "entries": [{"wmi": "LRW", "name_en": "Tesla", "source": "s", "verified": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := tbl.Lookup("LRW"); !ok || !e.Verified {
		t.Fatalf("Lookup = %+v", e)
	}
	for _, bad := range []string{`[`, `{"entries": [{"wmi": "LRW", "name_en": "Tesla", "source": "s", "verifed": true}]}`} {
		if _, err := ParseTable([]byte(bad)); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("ParseTable(%s) = %v, want EINVALID", bad, err)
		}
	}
}
