package html

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// TestUICatalogs_EveryKeyInChineseAndEnglish checks that the two full
// catalogues have the same keys, and that every key a template names
// literally ({{.T "key"}}) is in both, so no page shows a raw key.
func TestUICatalogs_EveryKeyInChineseAndEnglish(t *testing.T) {
	for k := range uiZH {
		if _, ok := uiEN[k]; !ok {
			t.Errorf("key %q is in Chinese but not English", k)
		}
	}
	for k := range uiEN {
		if _, ok := uiZH[k]; !ok {
			t.Errorf("key %q is in English but not Chinese", k)
		}
	}
	for k := range uiRU {
		if _, ok := uiEN[k]; !ok {
			t.Errorf("Russian key %q is in no other catalogue", k)
		}
	}
	used := regexp.MustCompile(`\.T "([a-z_.\-]+)"`)
	files, err := fs.Glob(uiTemplateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates to check (%v): the key check would pass on nothing", err)
	}
	var missing []string
	for _, f := range files {
		b, err := fs.ReadFile(uiTemplateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := uiZH[m[1]]; !ok {
				missing = append(missing, f+": "+m[1])
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("template key missing from the catalogues: %s", m)
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
