package i18n

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(fstest.MapFS{
		"l/zh.json": {Data: []byte(`{"hi": "你好，%s", "days": {"plural": 1, "other": "%d 天后"}, "pct": "100%", "zh.only": "只有中文"}`)},
		"l/en.json": {Data: []byte(`{"hi": "Hello, %s", "days": {"plural": 1, "one": "in %d day", "other": "in %d days"}, "pct": "100%", "id": "#%d"}`)},
		"l/ru.json": {Data: []byte(`{"days": {"plural": 1, "one": "через %d день", "few": "через %d дня", "many": "через %d дней", "other": "через %d дня"}}`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalog_FormatsInTheLanguageWithCLDRPlurals(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"zh", "hi", []any{"王"}, "你好，王"},
		{"en", "hi", []any{"Wang"}, "Hello, Wang"},
		{"en", "days", []any{1}, "in 1 day"},
		{"en", "days", []any{2}, "in 2 days"},
		{"zh", "days", []any{1}, "1 天后"},
		{"ru", "days", []any{1}, "через 1 день"},
		{"ru", "days", []any{3}, "через 3 дня"},
		{"ru", "days", []any{5}, "через 5 дней"},
		{"ru", "days", []any{21}, "через 21 день"},
		{"ru", "hi", []any{"Ivan"}, "Hello, Ivan"}, // Russian falls back to English
		{"en", "zh.only", nil, "只有中文"},             // then to Chinese
		{"en", "nothing", nil, "nothing"},          // then the key
		{"en", "pct", nil, "100%"},                 // no arguments: the text as written
		{"en", "id", []any{12345}, "#12345"},       // digits not grouped
	}
	for _, tt := range tests {
		if got := c.Sprintf(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("Sprintf(%s, %s, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
	if !c.Has("ru", "days") || c.Has("ru", "hi") {
		t.Error("Has must report the language's own file only")
	}
	if got := strings.Join(c.Languages(), ","); got != "en,ru,zh" {
		t.Errorf("Languages = %s", got)
	}
}

func TestLoad_RefusesBrokenCatalogues(t *testing.T) {
	for name, data := range map[string]string{
		"duplicate key":   `{"a": "x", "a": "y"}`,
		"not an object":   `["a"]`,
		"no other form":   `{"a": {"plural": 1, "one": "x"}}`,
		"unknown form":    `{"a": {"plural": 1, "several": "x", "other": "y"}}`,
		"no plural index": `{"a": {"one": "x", "other": "y"}}`,
		"number message":  `{"a": 3}`,
	} {
		if _, err := Load(fstest.MapFS{"l/en.json": {Data: []byte(data)}}, "l"); err == nil {
			t.Errorf("%s: loaded %s", name, data)
		}
	}
	if _, err := Load(fstest.MapFS{}, "l"); err == nil {
		t.Error("an empty directory loaded")
	}
}

func TestProblems_NamesEachMissingKeyAndVerbMismatch(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"l/zh.json": {Data: []byte(`{"a": "甲 %s", "b": "乙", "pub.x": "公开"}`)},
		"l/en.json": {Data: []byte(`{"a": "A %d", "c": "C", "pub.x": "Public"}`)},
		"l/ru.json": {Data: []byte(`{"a": "А %s", "z": "Я"}`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Problems([]string{"zh", "en"}, map[string]func(string) bool{"ru": func(k string) bool { return strings.HasPrefix(k, "pub.") }})
	want := []string{
		`en lacks "b"`, `zh lacks "c"`, `ru lacks "pub.x"`,
		`ru has "z", which no full catalogue (zh, en) has`,
		`en "a" has verbs [%d], zh has [%s]`,
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Problems lacks %q; got %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Problems = %q, want %d problems", got, len(want))
	}
}
