package http

import (
	"io/fs"
	"regexp"
	"sort"
	"testing"
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
	files, _ := fs.Glob(uiTemplateFS, "templates/*.html")
	var missing []string
	for _, f := range files {
		b, _ := fs.ReadFile(uiTemplateFS, f)
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
