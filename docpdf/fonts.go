package docpdf

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidTTF []byte
	//go:embed fonts/DejaVuSans.ttf
	dejavuTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejavuBoldTTF []byte
)

// isCJK reports whether r is written with the CJK font (Droid Sans
// Fallback); everything else is DejaVu Sans.
func isCJK(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF, // radicals, CJK punctuation, kana, ideographs
		r >= 0xF900 && r <= 0xFAFF, // compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFFEF: // full-width forms
		return true
	}
	return false
}

// cutFont is a big TrueType font cut down to the characters documents
// have needed so far. Parsing the whole 4 MB CJK font costs about 20 ms,
// more than a whole document may take; a cut with a few hundred glyphs
// parses in well under a millisecond. The cut grows (once, under the
// lock) when a document needs a character it lacks, so it converges on the
// characters of the platform's names and labels.
type cutFont struct {
	src  []byte
	mu   sync.Mutex
	have map[rune]bool
	cut  []byte
}

// maxCutRunes bounds the cut: past it, a document with new characters is
// served by a cut made for it alone, and the shared cut stays as it is.
const maxCutRunes = 12000

func (c *cutFont) bytesFor(need map[rune]bool) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing []rune
	for r := range need {
		if !c.have[r] {
			missing = append(missing, r)
		}
	}
	if c.cut != nil && len(missing) == 0 {
		return c.cut
	}
	if len(c.have)+len(missing) > maxCutRunes {
		return fpdf.UTF8CutFont(c.src, runeString(need))
	}
	if c.have == nil {
		c.have = map[rune]bool{}
	}
	for _, r := range missing {
		c.have[r] = true
	}
	c.cut = fpdf.UTF8CutFont(c.src, runeString(c.have))
	return c.cut
}

func runeString(set map[rune]bool) string {
	rs := make([]rune, 0, len(set))
	for r := range set {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return string(rs)
}

var (
	cjkFont    = &cutFont{src: droidTTF}
	latinFont  = &cutFont{src: dejavuTTF}
	latinBold  = &cutFont{src: dejavuBoldTTF}
	asciiRunes = func() string {
		var b strings.Builder
		for r := rune(0x20); r < 0x7f; r++ {
			b.WriteRune(r)
		}
		return b.String()
	}()
)

// runeSets splits the characters of texts by the font that draws them.
func runeSets(texts []string) (cjk, latin map[rune]bool) {
	cjk, latin = map[rune]bool{}, map[rune]bool{}
	for _, r := range asciiRunes {
		latin[r] = true
	}
	for _, s := range texts {
		for _, r := range s {
			if r == utf8.RuneError || r < 0x20 {
				continue
			}
			if isCJK(r) {
				cjk[r] = true
			} else {
				latin[r] = true
			}
		}
	}
	return cjk, latin
}

// addFonts registers the three families, cut to what texts need.
func addFonts(f *fpdf.Fpdf, texts []string) {
	cjk, latin := runeSets(texts)
	if len(cjk) == 0 {
		cjk['一'] = true
	}
	f.AddUTF8FontFromBytes("cjk", "", cjkFont.bytesFor(cjk))
	f.AddUTF8FontFromBytes("lat", "", latinFont.bytesFor(latin))
	f.AddUTF8FontFromBytes("lat", "B", latinBold.bytesFor(latin))
}
