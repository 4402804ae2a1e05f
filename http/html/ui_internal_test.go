package html

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// uiPublic reports whether key belongs to a public page (uiPublicPrefixes),
// which Russian must have.
func uiPublic(key string) bool {
	for _, p := range uiPublicPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// TestUICatalogs_EveryKeyInEveryLanguage checks locales/*.json: zh and en
// have the same keys, ru every key of the public pages and none the others
// lack, translations keep their format's verbs, and every key a template
// ({{.T "key"}}) or the Go code (.T("key")) names literally is in the
// catalogue, so no page shows a raw key.
func TestUICatalogs_EveryKeyInEveryLanguage(t *testing.T) {
	for _, p := range uiMessages.Problems([]string{"zh", "en"}, map[string]func(string) bool{"ru": uiPublic}) {
		t.Error(p)
	}
	if got := strings.Join(uiMessages.Languages(), ","); got != "en,ru,zh" {
		t.Errorf("catalogue languages %s, want en,ru,zh", got)
	}
	for l := range uiCatalogs {
		if len(uiMessages.Keys(l)) < 50 {
			t.Errorf("%s has %d keys: the check would pass on nothing", l, len(uiMessages.Keys(l)))
		}
	}
	var missing []string
	check := func(file, src string, used *regexp.Regexp) {
		for _, m := range used.FindAllStringSubmatch(src, -1) {
			if !uiMessages.Has("zh", m[1]) {
				missing = append(missing, file+": "+m[1])
			}
		}
	}
	files, err := fs.Glob(uiTemplateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates to check (%v): the key check would pass on nothing", err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(uiTemplateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, string(b), regexp.MustCompile(`\.T "([a-z_.\-]+)"`))
	}
	gofiles, err := filepath.Glob("*.go")
	if err != nil || len(gofiles) == 0 {
		t.Fatalf("no Go files to check (%v)", err)
	}
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, string(b), regexp.MustCompile(`\.T\("([a-z_.\-]+)"\s*[,)]`))
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("key missing from the catalogues: %s", m)
	}
	if _, err := newUI(); err != nil {
		t.Fatalf("templates do not parse: %v", err)
	}
}

func TestUILocalPath_OnlyThisSite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/applications?state=draft", "/applications?state=draft"},
		{"", "/"}, {"applications", "/"}, {"//evil.example/x", "/"}, {`/\evil.example`, "/"},
		{"https://evil.example/", "/"}, {"/ok#frag", "/ok#frag"},
	}
	for _, tt := range tests {
		if got := uiLocalPath(tt.in, "/"); got != tt.want {
			t.Errorf("uiLocalPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The "reasons" template shows each reason in the page's language, and on
// a Chinese page falls back to the English message, marked as English,
// when a reason has no Chinese one (a decision stored before reasons had
// one, a policy rule without message_zh).
func TestUIReasons_InThePagesLanguageWithEnglishFallback(t *testing.T) {
	u, err := newUI()
	if err != nil {
		t.Fatal(err)
	}
	rs := []ucx.Reason{
		{Rule: "R1", Code: "letter_required", Severity: ucx.Require, Message: "R1: a letter", MessageZH: "R1：需要确认书"},
		{Rule: "R12", Code: "old", Severity: ucx.Note, Message: "R12: only English"},
	}
	for _, c := range []struct {
		lang          string
		want, notWant []string
	}{
		{"zh", []string{"R1：需要确认书", `<span lang="en">R12: only English</span>`}, []string{"R1: a letter"}},
		{"en", []string{"R1: a letter", "R12: only English"}, []string{"需要确认书", `lang="en"`}},
		{"ru", []string{"R1: a letter"}, []string{"需要确认书"}},
	} {
		var b strings.Builder
		if err := u.pages["application"].ExecuteTemplate(&b, "reasons", (&uiBase{Lang: c.lang}).Reasons(rs)); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: %s lacks %q", c.lang, b.String(), w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(b.String(), w) {
				t.Errorf("%s: %s has %q", c.lang, b.String(), w)
			}
		}
	}
	var b strings.Builder
	if err := u.pages["application"].ExecuteTemplate(&b, "reasons", (&uiBase{Lang: "zh"}).Reasons(nil)); err != nil || b.Len() != 0 {
		t.Errorf("no reasons: %q, %v; want nothing", b.String(), err)
	}
}
