package ucx_test

import (
	"testing"
	"time"

	"github.com/ucxdev/ucx"
)

func TestParseDate_AcceptsEveryDocumentedForm(t *testing.T) {
	want := ucx.MustDate(2026, 1, 31)
	for _, s := range []string{"2026-01-31", "2026/01/31", "2026.01.31", "2026年1月31日", "2026年01月31日", " 2026-1-31 ", "2026/1/31"} {
		got, err := ucx.ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
}

func TestParseDate_RefusesWithTheFix(t *testing.T) {
	for _, s := range []string{"", "2026", "31/01/2026", "2026-13-01", "2026-02-29", "2026-1-31x", "2026-01/31", "2026年1月31", "20260131", "2026-001-01"} {
		_, err := ucx.ParseDate(s)
		if err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
			continue
		}
		if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorMessage(err) == "Internal error." {
			t.Errorf("ParseDate(%q) error %v is not a user-facing EINVALID", s, err)
		}
	}
}

func TestNewDate_KnowsLeapYears(t *testing.T) {
	cases := []struct {
		y, m, d int
		ok      bool
	}{
		{2028, 2, 29, true}, {2026, 2, 29, false}, {2000, 2, 29, true}, {2100, 2, 29, false},
		{2026, 4, 31, false}, {2026, 12, 31, true}, {2026, 0, 1, false}, {2026, 1, 0, false},
	}
	for _, c := range cases {
		if _, ok := ucx.NewDate(c.y, c.m, c.d); ok != c.ok {
			t.Errorf("NewDate(%d, %d, %d) ok = %v, want %v", c.y, c.m, c.d, ok, c.ok)
		}
	}
}

func TestDate_SubCountsCalendarDays(t *testing.T) {
	cases := []struct {
		a, b ucx.Date
		want int
	}{
		{ucx.MustDate(2026, 6, 30), ucx.MustDate(2026, 1, 1), 180}, // R1 boundary
		{ucx.MustDate(2026, 7, 1), ucx.MustDate(2026, 1, 1), 181},
		{ucx.MustDate(2026, 1, 1), ucx.MustDate(2025, 7, 5), 180}, // across the year end
		{ucx.MustDate(2028, 3, 1), ucx.MustDate(2028, 2, 28), 2},  // leap day
		{ucx.MustDate(2026, 3, 1), ucx.MustDate(2026, 2, 28), 1},
		{ucx.MustDate(2025, 12, 31), ucx.MustDate(2026, 1, 1), -1},
	}
	for _, c := range cases {
		if got := c.a.Sub(c.b); got != c.want {
			t.Errorf("%v − %v = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := c.b.AddDays(c.want); got != c.a {
			t.Errorf("%v + %d = %v, want %v", c.b, c.want, got, c.a)
		}
	}
}

func TestDate_CivilRoundTripsAgainstTime(t *testing.T) {
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 40*366; i += 7 {
		tm := start.AddDate(0, 0, i)
		d := ucx.MustDate(tm.Year(), int(tm.Month()), tm.Day())
		if got, want := d.String(), tm.Format("2006-01-02"); got != want {
			t.Fatalf("day %d: String() = %s, want %s", i, got, want)
		}
		if ucx.DateFromDays(d.Days()) != d {
			t.Fatalf("DateFromDays(Days()) does not round-trip for %s", d)
		}
	}
}

func TestDateOf_UsesChinaStandardTime(t *testing.T) {
	// 2025-12-31 17:30 UTC is already 2026-01-01 01:30 in Beijing: R1's
	// regime start.
	got := ucx.DateOf(time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC))
	if want := ucx.MustDate(2026, 1, 1); got != want {
		t.Fatalf("DateOf = %v, want %v", got, want)
	}
}

func TestDate_ZeroIsAbsentAndMarshalsEmpty(t *testing.T) {
	var d ucx.Date
	if !d.IsZero() || d.String() != "" {
		t.Fatalf("zero date: IsZero %v, String %q", d.IsZero(), d.String())
	}
	if b, err := d.MarshalText(); err != nil || len(b) != 0 {
		t.Fatalf("zero date marshals as %q, %v; want empty", b, err)
	}
	var back ucx.Date
	if err := back.UnmarshalText([]byte("2026年3月5日")); err != nil || back != ucx.MustDate(2026, 3, 5) {
		t.Fatalf("UnmarshalText = %v, %v", back, err)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-31", "2026年1月31日", "2026.1.1", "", "9999-12-31", "0000-01-01", "2026-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ucx.ParseDate(s)
		if err != nil {
			if ucx.ErrorCode(err) != ucx.EINVALID {
				t.Fatalf("ParseDate(%q): error code %q", s, ucx.ErrorCode(err))
			}
			return
		}
		again, err := ucx.ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %v does not round-trip through %q", s, d, d.String())
		}
	})
}
