// Package i18n holds ucx's message catalogues: every text a person reads
// (web pages, server errors, CLI output) comes from files kept in the
// repository, one JSON file per language, loaded into a
// golang.org/x/text/message/catalog and rendered with the caller's
// arguments. Go maps of strings are not the catalogue: a translator edits
// the files, and tests check that every key has every language it needs
// (docs/i18n.md).
//
// A message is a fmt format ("出口企业 %s"), so the call shape T(key,
// args…) and the verbs of the former Go catalogues keep working. A message
// whose words depend on a number is a CLDR plural choice, chosen by
// golang.org/x/text/feature/plural for the language (one/few/many/other in
// Russian, other alone in Chinese):
//
//	"days.in": {"plural": 1, "one": "in %d day", "other": "in %d days"}
//
// Numbers are formatted by fmt, not by x/text's printer, which would group
// the digits of ids and years (#12,345, 2,026年); pages group counts where
// they mean to (uiBase.Num).
package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// Fallbacks is the order in which languages stand in for a missing
// message: the reader's language, then English, then Chinese (the
// platform's default). Tests keep zh and en complete, so the chain only
// matters for Russian, which covers the public pages alone.
var Fallbacks = []string{"en", "zh"}

// Catalog is one set of catalogues (the web UI's, the errors', the CLI's),
// one file per language.
type Catalog struct {
	b     *catalog.Builder
	tags  map[string]language.Tag
	keys  map[string]map[string]bool // language → keys present, for Has and the tests
	langs []string
}

// Load reads every dir/<lang>.json of fsys (an embed.FS in the package that
// owns the catalogue) into one Catalog. A file is one JSON object from key
// to message; a message is a string (a fmt format) or a plural choice
// {"plural": N, "one": "…", "other": "…"} on the N-th argument (1-based),
// with CLDR form names or exact "=N" selectors.
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("i18n: no catalogue files in %s", dir)
	}
	c := &Catalog{b: catalog.NewBuilder(), tags: map[string]language.Tag{}, keys: map[string]map[string]bool{}}
	for _, f := range files {
		lang := strings.TrimSuffix(path.Base(f), ".json")
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: the file name is not a language: %v", f, err)
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		msgs, err := decodeObject(data)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %v", f, err)
		}
		c.tags[lang] = tag
		c.keys[lang] = make(map[string]bool, len(msgs))
		c.langs = append(c.langs, lang)
		for key, raw := range msgs {
			if err := c.set(tag, key, raw); err != nil {
				return nil, fmt.Errorf("i18n: %s: key %q: %v", f, key, err)
			}
			c.keys[lang][key] = true
		}
	}
	sort.Strings(c.langs)
	return c, nil
}

// MustLoad is Load for catalogues embedded in the binary, where a broken
// file is a build mistake the package's tests catch.
func MustLoad(fsys fs.FS, dir string) *Catalog {
	c, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return c
}

// decodeObject reads one JSON object of messages, refusing a key given
// twice (encoding/json would keep the last silently, and two engineers
// adding the same key in parallel must hear about it).
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("a catalogue is one JSON object from key to message")
	}
	msgs := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("key %q: %v", key, err)
		}
		if _, dup := msgs[key]; dup {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		msgs[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("text after the catalogue's object")
	}
	return msgs, nil
}

// pluralForms is the order in which a plural choice's forms are offered to
// the selector: exact values first, then CLDR's categories, "other" last
// (the catch-all).
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

func (c *Catalog) set(tag language.Tag, key string, raw json.RawMessage) error {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return c.b.SetString(tag, key, s)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("a message is a string or a plural choice object")
	}
	var arg int
	if err := json.Unmarshal(p["plural"], &arg); err != nil || arg < 1 {
		return fmt.Errorf(`a plural choice names its argument: "plural": 1 (1-based)`)
	}
	delete(p, "plural")
	if _, ok := p["other"]; !ok {
		return fmt.Errorf(`a plural choice needs an "other" form`)
	}
	var cases []any
	var exact []string
	for sel := range p {
		if strings.HasPrefix(sel, "=") {
			exact = append(exact, sel)
		} else if !slices.Contains(pluralForms, sel) {
			return fmt.Errorf("plural form %q is not a CLDR category (%s) or =N", sel, strings.Join(pluralForms, ", "))
		}
	}
	sort.Strings(exact)
	for _, sel := range append(exact, pluralForms...) {
		raw, ok := p[sel]
		if !ok {
			continue
		}
		var msg string
		if err := json.Unmarshal(raw, &msg); err != nil {
			return fmt.Errorf("plural form %q is not a string", sel)
		}
		cases = append(cases, sel, msg)
	}
	return c.b.Set(tag, key, plural.Selectf(arg, "", cases...))
}

// Languages lists the catalogue's languages by their file names (zh, en, ru).
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Has reports whether lang's own file has key (no fallback).
func (c *Catalog) Has(lang, key string) bool { return c.keys[lang][key] }

// Keys lists lang's keys, sorted.
func (c *Catalog) Keys(lang string) []string {
	out := make([]string, 0, len(c.keys[lang]))
	for k := range c.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// renderer receives the message x/text chose (after any plural choice)
// and gives the choice its arguments; fmt then formats it.
type renderer struct {
	args []any
	out  strings.Builder
}

func (r *renderer) Render(s string) { r.out.WriteString(s) }

// Arg is the i-th argument, 1-based as x/text counts them.
func (r *renderer) Arg(i int) any {
	if i--; i >= 0 && i < len(r.args) {
		return r.args[i]
	}
	return nil
}

var rendererPool = sync.Pool{New: func() any { return new(renderer) }}

// Lookup formats key in lang alone, reporting whether lang has it.
func (c *Catalog) Lookup(lang, key string, args ...any) (string, bool) {
	tag, ok := c.tags[lang]
	if !ok || !c.keys[lang][key] {
		return "", false
	}
	r := rendererPool.Get().(*renderer)
	defer rendererPool.Put(r)
	r.args = args
	r.out.Reset()
	if err := c.b.Context(tag, r).Execute(key); err != nil {
		return "", false
	}
	msg := r.out.String()
	r.args = nil
	if len(args) == 0 {
		return msg, true
	}
	return fmt.Sprintf(msg, args...), true
}

// Sprintf formats key in lang, else in the Fallbacks languages, else
// returns the key itself (which the tests make sure never reaches a page).
func (c *Catalog) Sprintf(lang, key string, args ...any) string {
	if s, ok := c.Lookup(lang, key, args...); ok {
		return s
	}
	for _, l := range Fallbacks {
		if l == lang {
			continue
		}
		if s, ok := c.Lookup(l, key, args...); ok {
			return s
		}
	}
	return key
}

// verb matches a fmt verb of a message, for Problems.
var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

func verbs(msg string) string {
	var vs []string
	for _, v := range verb.FindAllString(msg, -1) {
		if v != "%%" {
			vs = append(vs, v)
		}
	}
	sort.Strings(vs)
	return strings.Join(vs, " ")
}

// Problems lists what is wrong with the catalogue, for the tests of the
// package that owns it: a key that a full language (zh, en) has and another
// lacks, a key of a partial language (ru) that no full language has, a key
// a partial language must have (required reports which) but lacks, and a
// translation whose fmt verbs differ from the first full language's (it
// would print %!s(MISSING) or drop an argument).
func (c *Catalog) Problems(full []string, partial map[string]func(key string) bool) []string {
	var out []string
	all := map[string]bool{}
	for _, l := range full {
		if c.keys[l] == nil {
			out = append(out, fmt.Sprintf("no catalogue for %s", l))
		}
		for k := range c.keys[l] {
			all[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(all)) {
		for _, l := range full {
			if !c.keys[l][k] {
				out = append(out, fmt.Sprintf("%s lacks %q", l, k))
			}
		}
		for l, required := range partial {
			if required(k) && !c.keys[l][k] {
				out = append(out, fmt.Sprintf("%s lacks %q", l, k))
			}
		}
	}
	for _, l := range slices.Sorted(maps.Keys(partial)) {
		for _, k := range c.Keys(l) {
			if !all[k] {
				out = append(out, fmt.Sprintf("%s has %q, which no full catalogue (%s) has", l, k, strings.Join(full, ", ")))
			}
		}
	}
	if len(full) == 0 {
		return out
	}
	ref := full[0]
	for _, l := range c.langs {
		if l == ref {
			continue
		}
		for _, k := range c.Keys(l) {
			want, ok := c.Lookup(ref, k)
			if !ok {
				continue
			}
			got, _ := c.Lookup(l, k)
			if verbs(got) != verbs(want) {
				out = append(out, fmt.Sprintf("%s %q has verbs [%s], %s has [%s]", l, k, verbs(got), ref, verbs(want)))
			}
		}
	}
	return out
}
