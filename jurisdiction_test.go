package ucx

import "testing"

// R14 names 31 provincial-level divisions, 8 cities and the Bureau; every
// name, full name and English name finds its own jurisdiction only.
func TestJurisdictions_AreR14sList(t *testing.T) {
	kinds := map[JurisdictionKind]int{}
	seen := map[string]string{}
	for _, j := range Jurisdictions {
		kinds[j.Kind]++
		for _, n := range []string{j.Name, j.FullName, j.EN} {
			if other, dup := seen[n]; dup {
				t.Errorf("%q names both %s and %s", n, other, j.Name)
			}
			seen[n] = j.Name
			if got, ok := LookupJurisdiction(" " + n + " "); !ok || got.Name != j.Name {
				t.Errorf("LookupJurisdiction(%q) = %v, %v; want %s", n, got.Name, ok, j.Name)
			}
		}
		if j.Kind == JurisdictionCity {
			if p, ok := LookupJurisdiction(j.Province); !ok || p.Kind != JurisdictionProvince {
				t.Errorf("city %s lies in %q, not a province", j.Name, j.Province)
			}
		}
	}
	if kinds[JurisdictionProvince] != 31 || kinds[JurisdictionCity] != 8 || kinds[JurisdictionCentral] != 1 {
		t.Fatalf("kinds %v; want 31 provinces, 8 cities, 1 central", kinds)
	}
	for _, s := range []string{"", "深圳", "火星", "广东 省"} {
		if _, ok := LookupJurisdiction(s); ok {
			t.Errorf("LookupJurisdiction(%q) found one", s)
		}
	}
}

// An exporter's jurisdiction is where it is registered, a city of the 8
// being its own, or the Bureau for a central enterprise; an authority's
// is its region (R14).
func TestOrg_Jurisdiction(t *testing.T) {
	for _, c := range []struct {
		o    Org
		want string
	}{
		{Org{Kind: KindExporter, Region: "广东省"}, "广东"},
		{Org{Kind: KindExporter, Region: "广州"}, "广州"},
		{Org{Kind: KindExporter, Region: "北京", Central: true}, Bureau},
		{Org{Kind: KindExporter, Region: "许可证局"}, ""},
		{Org{Kind: KindAuthority, Region: "许可证局"}, Bureau},
		{Org{Kind: KindAuthority, Region: "Xi'an"}, "西安"},
		{Org{Kind: KindAuthority, Region: "nowhere"}, ""},
		{Org{Kind: KindCustoms, Region: "广东"}, ""},
	} {
		if got := c.o.Jurisdiction(); got != c.want {
			t.Errorf("%s in %q (central %v): %q, want %q", c.o.Kind, c.o.Region, c.o.Central, got, c.want)
		}
	}
}
