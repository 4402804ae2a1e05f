package main

import (
	"unicode/utf8"

	"golang.org/x/text/width"
)

// displayWidth is how many columns s takes on a terminal: East Asian wide
// and full-width characters (Chinese, ＶＩＮ) take two, others one. Aligned
// output pads by it, not by the count of runes or bytes.
func displayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
