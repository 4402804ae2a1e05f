package vin

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/ucxdev/ucx"
)

// Entry is what a WMI routes to: the manufacturer a request for a VIN goes
// to (R2: only the vehicle's manufacturer may issue the confirmation
// letter). Public WMI tables contradict one another, so every entry says
// where it comes from and whether it is verified; the platform routes on an
// unverified entry only with a warning, and a manufacturer's own
// declaration (Table.WithOverrides) replaces it.
type Entry struct {
	// WMI is three characters (positions 1–3), or six for a small
	// manufacturer (positions 1–3, whose third is '9', then 12–14).
	WMI string `json:"wmi"`
	// NameZH is the manufacturer's legal name exactly as in MIIT's
	// announcement (R2), when known. It is informative only: the name on
	// a letter is the one the manufacturer's organisation is registered
	// with, never this table's.
	NameZH string `json:"name_zh,omitempty"`
	// NameEN is the manufacturer's usual English name.
	NameEN string `json:"name_en,omitempty"`
	// Brands are the brands sold under the WMI, as they appear on
	// registration certificates.
	Brands []string `json:"brands,omitempty"`
	// Source says where the entry comes from: a public listing, or a
	// manufacturer's declaration.
	Source string `json:"source"`
	// Verified is true when independent sources agree or the manufacturer
	// declared the WMI itself.
	Verified bool `json:"verified"`
	// Note records what is doubtful, e.g. the listings that disagree.
	Note string `json:"note,omitempty"`
	// Org is the platform organisation that declared the WMI, the one its
	// requests route to; empty for the built-in entries.
	Org string `json:"org,omitempty"`
}

// Name returns the name to show: the Chinese legal name and the English
// name when both are known.
func (e *Entry) Name() string {
	switch {
	case e.NameZH == "":
		return e.NameEN
	case e.NameEN == "":
		return e.NameZH
	}
	return e.NameEN + " (" + e.NameZH + ")"
}

// Table routes WMIs to manufacturers. It is immutable once built, so one
// table can serve every request concurrently; WithOverrides returns a new
// one.
type Table struct {
	byWMI map[string]*Entry
}

//go:embed wmi.json
var wmiJSON []byte

// defaultTable parses the embedded table once, on first use.
var defaultTable = sync.OnceValue(func() *Table {
	t, err := ParseTable(wmiJSON)
	if err != nil {
		panic("vin: embedded wmi.json does not load: " + err.Error())
	}
	return t
})

// DefaultTable returns the built-in table, kept as data in wmi.json: the
// WMIs of manufacturers whose vehicles are exported from China, each with
// its source. It is a starting point that manufacturers' declared WMIs
// override (WithOverrides).
func DefaultTable() *Table { return defaultTable() }

// tableFile is the layout of wmi.json.
type tableFile struct {
	About   string  `json:"about"`
	Entries []Entry `json:"entries"`
}

// ParseTable reads a table in wmi.json's layout: an object whose "entries"
// array holds Entry objects. Unknown fields are rejected, so that a typo in
// a field name cannot silently drop a source or a verified flag.
func ParseTable(b []byte) (*Table, error) {
	var f tableFile
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "entries", "the WMI table is not valid JSON in the expected layout: %v", err)
	}
	return NewTable(f.Entries)
}

// NewTable builds a table from entries, each checked by checkEntry. A WMI
// may appear only once.
func NewTable(entries []Entry) (*Table, error) {
	t := &Table{byWMI: make(map[string]*Entry, len(entries))}
	for i := range entries {
		e, err := checkEntry(i, entries[i])
		if err != nil {
			return nil, err
		}
		if _, dup := t.byWMI[e.WMI]; dup {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "wmi", "entry %d: WMI %s appears twice; keep one entry per WMI", i+1, e.WMI)
		}
		t.byWMI[e.WMI] = e
	}
	return t, nil
}

// WithOverrides returns a copy of t in which the declared entries replace
// the entries for the same WMIs and add the others. The platform builds it
// from the WMIs that manufacturers declare for themselves, which are the
// authority (R2); the built-in table only fills the gaps. Two declarations
// of one WMI are an ECONFLICT: a VIN can have only one manufacturer.
func (t *Table) WithOverrides(declared []Entry) (*Table, error) {
	if t == nil {
		t = &Table{}
	}
	n := &Table{byWMI: make(map[string]*Entry, len(t.byWMI)+len(declared))}
	for k, e := range t.byWMI {
		n.byWMI[k] = e
	}
	seen := make(map[string]int, len(declared))
	for i := range declared {
		e, err := checkEntry(i, declared[i])
		if err != nil {
			return nil, err
		}
		if j, dup := seen[e.WMI]; dup {
			return nil, &ucx.Error{Code: ucx.ECONFLICT, Field: "wmi",
				Message: "WMI " + e.WMI + " is declared both by " + orgOrName(declared[j]) + " and by " + orgOrName(*e) + "; a WMI belongs to one manufacturer"}
		}
		seen[e.WMI] = i
		n.byWMI[e.WMI] = e
	}
	return n, nil
}

// orgOrName identifies who declared an entry, for messages.
func orgOrName(e Entry) string {
	if e.Org != "" {
		return e.Org
	}
	return e.Name()
}

// checkEntry validates entry i (0-based) and returns a copy that shares no
// memory with the caller's.
func checkEntry(i int, e Entry) (*Entry, error) {
	bad := func(field, format string, args ...any) error {
		return ucx.FieldErrorf(ucx.EINVALID, field, "entry %d (WMI %q): "+format, append([]any{i + 1, e.WMI}, args...)...)
	}
	if len(e.WMI) != 3 && len(e.WMI) != 6 {
		return nil, bad("wmi", "a WMI has 3 characters, or 6 for a small manufacturer (positions 1–3 and 12–14)")
	}
	for j := 0; j < len(e.WMI); j++ {
		if values[e.WMI[j]] < 0 {
			return nil, bad("wmi", "position %d is not a VIN character; use A–Z (not I, O, Q) and 0–9, in capitals", j+1)
		}
	}
	if small := e.WMI[2] == '9'; small != (len(e.WMI) == 6) {
		if small {
			return nil, bad("wmi", "a WMI whose third character is 9 belongs to a small manufacturer; give its six characters (positions 1–3 and 12–14)")
		}
		return nil, bad("wmi", "a six-character WMI is only for small manufacturers, whose third character is 9")
	}
	if strings.TrimSpace(e.NameZH) == "" && strings.TrimSpace(e.NameEN) == "" {
		return nil, bad("name_zh", "give the manufacturer's name, in Chinese (name_zh) or English (name_en)")
	}
	if strings.TrimSpace(e.Source) == "" {
		return nil, bad("source", "say where the WMI comes from (source), e.g. a public listing or the manufacturer's declaration")
	}
	e.Brands = slices.Clone(e.Brands)
	return &e, nil
}

// Lookup returns the entry for a normalised WMI (3 or 6 characters) or VIN
// (17 characters; a small manufacturer's VIN is looked up by its
// six-character WMI). It does not allocate. The entry points into the table
// and must not be modified.
func (t *Table) Lookup(s string) (*Entry, bool) {
	if t == nil {
		return nil, false
	}
	switch len(s) {
	case 3, 6:
	case Len:
		if s[2] == '9' {
			var k [6]byte
			copy(k[:3], s[:3])
			copy(k[3:], s[11:14])
			e, ok := t.byWMI[string(k[:])]
			return e, ok
		}
		s = s[:3]
	default:
		return nil, false
	}
	e, ok := t.byWMI[s]
	return e, ok
}

// Entries returns a copy of every entry, sorted by WMI, for listing.
func (t *Table) Entries() []Entry {
	if t == nil {
		return nil
	}
	out := make([]Entry, 0, len(t.byWMI))
	for _, e := range t.byWMI {
		c := *e
		c.Brands = slices.Clone(e.Brands)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.WMI, b.WMI) })
	return out
}

// Len returns the number of entries.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.byWMI)
}
