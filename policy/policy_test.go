package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// Valid VINs (correct ISO 3779 check digits), for vehicles whose VIN is not
// what the test is about.
const (
	vin1 = "LGXCE4CB4N0000001"
	vin2 = "LGXCE4CB6N0000002"
	vin3 = "LSGKB54HXLV000003"
)

func date(s string) ucx.Date {
	d, err := ucx.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// car is a vehicle that every core rule lets through (valid VIN, inspected,
// a destination without advisories), registered on reg and applied for on
// app; tests change the one thing they are about.
func car(reg, app string) *ucx.Vehicle {
	v := &ucx.Vehicle{VIN: vin1, Brand: "BYD", Model: "Song PLUS", Destination: "KZ", Inspection: ucx.Yes}
	if reg != "" {
		v.RegistrationDate = date(reg)
	}
	if app != "" {
		v.ApplicationDate = date(app)
	}
	return v
}

func mustLoadFile(t testing.TB, name string) *Policy {
	t.Helper()
	p, err := LoadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", name, err)
	}
	return p
}

func decide(p *Policy, v *ucx.Vehicle) *ucx.Decision {
	var d ucx.Decision
	p.Decide(v, &d)
	return &d
}

// codes lists the reason codes of d, in order.
func codes(d *ucx.Decision) []string {
	var cs []string
	for _, r := range d.Reasons {
		cs = append(cs, r.Code)
	}
	return cs
}

func reason(d *ucx.Decision, code string) (ucx.Reason, bool) {
	for _, r := range d.Reasons {
		if r.Code == code {
			return r, true
		}
	}
	return ucx.Reason{}, false
}

func TestDefaultLoads(t *testing.T) {
	p := Default()
	if p != Default() {
		t.Error("Default() returns a new policy each call; it should share one immutable policy")
	}
	ref := p.Ref()
	if ref.ID != "cn-648" || ref.Version == "" {
		t.Errorf("Ref() = %+v, want id cn-648 and a version", ref)
	}
	if got, want := p.ThresholdDays(), 180; got != want {
		t.Errorf("ThresholdDays() = %d, want %d (R1)", got, want)
	}
	if got, want := p.RegimeStart(), ucx.MustDate(2026, 1, 1); got != want {
		t.Errorf("RegimeStart() = %s, want %s (R1)", got, want)
	}
	if got := p.DayCount(); got != DayCountCalendar {
		t.Errorf("DayCount() = %q, want %q (Civil Code Art. 201)", got, DayCountCalendar)
	}
	if n := len(p.BannedCases()); n != 10 {
		t.Errorf("BannedCases() has %d cases, want the ten of R11", n)
	}
	if !p.InForce(ucx.MustDate(2025, 12, 31)) || !p.InForce(ucx.MustDate(2030, 1, 1)) || p.InForce(ucx.MustDate(2024, 2, 29)) {
		t.Error("default policy should govern applications from 2024-03-01 on, with no end")
	}
}

func TestRefRecordsSHA256OfDocumentBytes(t *testing.T) {
	b, err := os.ReadFile("testdata/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	want := ucx.PolicyRef{ID: "test-minimal", Version: "1", SHA256: hex.EncodeToString(sum[:])}
	if got := p.Ref(); got != want {
		t.Errorf("Ref() = %+v, want %+v", got, want)
	}
	d := decide(p, car("2026-01-01", "2026-02-01"))
	if d.Policy != want {
		t.Errorf("decision records policy %+v, want %+v", d.Policy, want)
	}

	// The same rules with one more space are another document: the hash
	// pins the exact bytes an audit must reproduce.
	q, err := Load(append([]byte(" "), b...))
	if err != nil {
		t.Fatal(err)
	}
	if q.Ref().SHA256 == p.Ref().SHA256 {
		t.Error("SHA-256 did not change with the document bytes")
	}

	sum = sha256.Sum256(defaultDocument)
	if got := Default().Ref().SHA256; got != hex.EncodeToString(sum[:]) {
		t.Errorf("default SHA256 = %s, want the hash of default.json", got)
	}
}

func TestLoadTestdataFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no sample policies in testdata")
	}
	for _, f := range files {
		if _, err := LoadFile(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile("testdata/no-such-policy.json")
	if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), "no-such-policy.json") {
		t.Errorf("LoadFile(missing) = %v, want EINVALID naming the path", err)
	}
}

// base is a valid document whose fields a test replaces to break one.
const base = `"id": "t", "version": "1", "effective_from": "2024-03-01", "regime_start": "2026-01-01", "letter_threshold_days": 180`

func TestLoadRefusesBrokenDocuments(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string // the ucx.Error Field
		want  string // in the message: what is wrong and the fix
	}{
		{"empty", ``, "", "empty"},
		{"not JSON", `{"id": "t",}`, "", "line 1, column"},
		{"two values", `{` + base + `} {}`, "", "exactly one JSON object"},
		{"unknown field", `{` + base + `, "letter_treshold_days": 90}`, "letter_treshold_days", "correct its spelling"},
		{"wrong type", `{"id": "t", "version": "1", "effective_from": "2024-03-01", "regime_start": "2026-01-01", "letter_threshold_days": "180"}`, "letter_threshold_days", "must be a JSON number"},
		{"no id", `{"version": "1", "effective_from": "2024-03-01", "regime_start": "2026-01-01", "letter_threshold_days": 180}`, "id", "id is missing"},
		{"no version", `{"id": "t", "effective_from": "2024-03-01", "regime_start": "2026-01-01", "letter_threshold_days": 180}`, "version", "version is missing"},
		{"no effective_from", `{"id": "t", "version": "1", "regime_start": "2026-01-01", "letter_threshold_days": 180}`, "effective_from", "YYYY-MM-DD"},
		{"impossible date", `{"id": "t", "version": "1", "effective_from": "2026-02-29", "regime_start": "2026-01-01", "letter_threshold_days": 180}`, "effective_from", "no calendar day"},
		{"window backwards", `{` + base + `, "effective_until": "2024-01-01"}`, "effective_until", "before effective_from"},
		{"no regime start", `{"id": "t", "version": "1", "effective_from": "2024-03-01", "letter_threshold_days": 180}`, "regime_start", "regime_start is missing"},
		{"no threshold", `{"id": "t", "version": "1", "effective_from": "2024-03-01", "regime_start": "2026-01-01"}`, "letter_threshold_days", "R1 sets it to 180"},
		{"negative threshold", `{"id": "t", "version": "1", "effective_from": "2024-03-01", "regime_start": "2026-01-01", "letter_threshold_days": -1}`, "letter_threshold_days", "between 0 and 3660"},
		{"day count", `{` + base + `, "day_count": "business"}`, "day_count", `use "calendar"`},
		{"transition without cutoff", `{` + base + `, "transition": {}}`, "transition.cutoff", "cutoff is missing"},
		{"waiver scope", `{` + base + `, "transition": {"cutoff": "2026-01-01", "waiver": {"scope": "all", "deadline": "2026-06-30"}}}`, "transition.waiver.scope", `the only scope is "letter"`},
		{"waiver without deadline", `{` + base + `, "transition": {"cutoff": "2026-01-01", "waiver": {"scope": "letter"}}}`, "transition.waiver.deadline", "deadline is missing"},
		{"evidence unknown", `{` + base + `, "modified_evidence": ["ccc", "paint"]}`, "modified_evidence[1]", "use any of chassis_brand"},
		{"evidence twice", `{` + base + `, "modified_evidence": ["ccc", "ccc"]}`, "modified_evidence[1]", "listed twice"},
		{"ban code", `{` + base + `, "banned_cases": [{"code": "Seized!", "en": "seized", "zh": "查封"}]}`, "banned_cases[0].code", "lower-case"},
		{"ban twice", `{` + base + `, "banned_cases": [{"code": "seized", "en": "a", "zh": "甲"}, {"code": "seized", "en": "b", "zh": "乙"}]}`, "banned_cases[1].code", "defined twice"},
		{"ban without Chinese", `{` + base + `, "banned_cases": [{"code": "seized", "en": "seized"}]}`, "banned_cases[0]", `"en" and "zh"`},
		{"negative mileage", `{` + base + `, "near_zero_mileage_km": -5}`, "near_zero_mileage_km", "0 km or more"},
		{"no vehicles", `{` + base + `, "max_vehicles": 0}`, "max_vehicles", "1 to 10000"},
		{"validity", `{` + base + `, "licence_validity_months": 0}`, "licence_validity_months", "1 to 120"},
		{"within year", `{` + base + `, "licence_within_year": "yes"}`, "licence_within_year", "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Load accepted the document: %+v", p.Ref())
			}
			if got := ucx.ErrorCode(err); got != ucx.EINVALID {
				t.Errorf("code = %q, want %q (err %v)", got, ucx.EINVALID, err)
			}
			if got := ucx.ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q (err %v)", got, tt.field, err)
			}
			if msg := ucx.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

// TestBatchParameters checks the shipment limit and the licence validity:
// the defaults when a document sets none, its own values otherwise (R4, R15).
func TestBatchParameters(t *testing.T) {
	tests := []struct {
		name       string
		extra      string
		max, month int
		within     bool
	}{
		{"defaults", ``, ucx.DefaultMaxShipmentVehicles, ucx.DefaultLicenceValidityMonths, ucx.DefaultLicenceWithinYear},
		{"set", `, "max_vehicles": 5, "licence_validity_months": 12, "licence_within_year": false`, 5, 12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load([]byte(`{` + base + tt.extra + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if p.MaxVehicles() != tt.max || p.LicenceValidityMonths() != tt.month || p.LicenceWithinYear() != tt.within {
				t.Errorf("got %d, %d, %v; want %d, %d, %v", p.MaxVehicles(), p.LicenceValidityMonths(), p.LicenceWithinYear(), tt.max, tt.month, tt.within)
			}
		})
	}
}

func TestLoadRefusesOversizedDocument(t *testing.T) {
	doc := `{` + base + `, "description": "` + strings.Repeat("x", maxDocSize) + `"}`
	if _, err := Load([]byte(doc)); ucx.ErrorCode(err) != ucx.ETOOLARGE {
		t.Errorf("Load(%d bytes) = %v, want %s", len(doc), err, ucx.ETOOLARGE)
	}
}

func TestDefaultDocumentIsACopy(t *testing.T) {
	b := DefaultDocument()
	b[0] = 'X'
	if p, err := Load(DefaultDocument()); err != nil || p.Ref() != Default().Ref() {
		t.Errorf("DefaultDocument() does not reload to the default policy: %v", err)
	}
}

func TestEffectiveWindow(t *testing.T) {
	p := mustLoadFile(t, "window.json")
	tests := []struct {
		app     string
		inForce bool
	}{
		{"2025-12-31", false},
		{"2026-01-01", true},
		{"2026-12-31", true},
		{"2027-01-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			d := decide(p, car("2025-06-01", tt.app))
			r, refused := reason(d, "policy_not_in_force")
			if refused == tt.inForce {
				t.Fatalf("application %s: policy_not_in_force = %v, want %v; reasons %v", tt.app, refused, !tt.inForce, codes(d))
			}
			if refused && (d.Outcome != ucx.Invalid || r.Field != "application_date" || !strings.Contains(r.Message, "2026-01-01 to 2026-12-31")) {
				t.Errorf("refusal = %+v, outcome %s; want invalid, naming application_date and the window", r, d.Outcome)
			}
		})
	}
}

func TestSelectPicksTheEditionInForce(t *testing.T) {
	old := Default()                          // from 2024-03-01, open-ended
	edition := mustLoadFile(t, "window.json") // 2026 only
	ps := []*Policy{old, edition}
	tests := []struct {
		on   string
		want *Policy
	}{
		{"2025-06-01", old},
		{"2026-06-01", edition}, // both in force: the later edition wins
		{"2027-06-01", old},
	}
	for _, tt := range tests {
		got, err := Select(ps, date(tt.on))
		if err != nil || got != tt.want {
			t.Errorf("Select(%s) = %p, %v; want %s %s", tt.on, got, err, tt.want.Ref().ID, tt.want.Ref().Version)
		}
	}
	if _, err := Select([]*Policy{edition}, date("2023-01-01")); ucx.ErrorCode(err) != ucx.ENOTFOUND {
		t.Errorf("Select with no policy in force = %v, want %s", err, ucx.ENOTFOUND)
	}
}

func TestLicenceValidUntil_SixMonthsNotCrossingTheYear(t *testing.T) {
	tests := []struct {
		name, extra, on, want string
	}{
		{"six months, within the year", ``, "2026-03-15", "2026-09-14"},
		{"clamped to 31 December", ``, "2026-08-01", "2026-12-31"},
		{"issued on 31 December", ``, "2026-12-31", "2026-12-31"},
		{"month end, not clamped by the year", `, "licence_within_year": false`, "2026-08-31", "2027-02-28"},
		{"leap February", `, "licence_within_year": false`, "2027-08-31", "2028-02-29"},
		{"crossing the year allowed", `, "licence_within_year": false`, "2026-10-10", "2027-04-09"},
		{"twelve months", `, "licence_validity_months": 12, "licence_within_year": false`, "2026-01-01", "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load([]byte(`{` + base + tt.extra + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.LicenceValidUntil(date(tt.on)); got != date(tt.want) {
				t.Errorf("issued %s: valid until %s, want %s", tt.on, got, tt.want)
			}
		})
	}
}
