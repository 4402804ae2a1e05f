package main

import (
	"strings"
	"testing"
)

func TestDisplayWidthCountsEastAsianWideAsTwo(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{{"", 0}, {"BYD", 3}, {"比亚迪", 6}, {"长安 CS75", 9}, {"ＶＩＮ", 6}, {"Ру", 2}, {"俄罗斯 (RU)", 11}} {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// The CLI's tables line up on a terminal with Chinese names in them: every
// column starts at the same display column on every line.
func TestTableAlignsChineseNamesByDisplayWidth(t *testing.T) {
	var b strings.Builder
	tb := newTable(&b, "ID", "NAME", "STATE")
	tb.row("1", "比亚迪汽车工业有限公司", "active")
	tb.row("22", "BYD Auto", "active")
	tb.row("333", "长安 CS75", "suspended")
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	col := func(line, cell string) int {
		i := strings.Index(line, cell)
		if i < 0 {
			t.Fatalf("%q not in %q", cell, line)
		}
		return displayWidth(line[:i])
	}
	want := col(lines[0], "STATE")
	for i, cell := range []string{"active", "active", "suspended"} {
		if got := col(lines[i+1], cell); got != want {
			t.Errorf("line %d: the state starts at column %d, the header's at %d:\n%s", i+2, got, want, b.String())
		}
	}
}
