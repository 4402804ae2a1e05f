package policy

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx"
)

// R1, from REGULATION.md's own table and the boundaries around it.
func TestR1LetterRequirement(t *testing.T) {
	tests := []struct {
		name     string
		reg, app string
		days     int
		letter   bool
		outcome  ucx.Outcome
		freeFrom string
		note     string // a reason code expected besides letter_required
	}{
		// REGULATION.md R1 test cases.
		{"180 days is the boundary, included", "2026-01-01", "2026-06-30", 180, true, ucx.LetterRequired, "2026-07-01", ""},
		{"181 days needs no letter", "2026-01-01", "2026-07-01", 181, false, ucx.Clear, "2026-07-01", ""},
		{"180 days to the regime's first day", "2025-07-05", "2026-01-01", 180, true, ucx.LetterRequired, "2026-01-02", ""},
		{"same day is 0 days", "2026-03-15", "2026-03-15", 0, true, ucx.LetterRequired, "2026-09-12", ""},
		// The regime's first day: the rule looks at the application date only.
		{"applied the day before the regime", "2025-07-05", "2025-12-31", 179, false, ucx.Clear, "2026-01-02", "letter_rule_not_yet_in_force"},
		{"181 days on the regime's first day", "2025-07-04", "2026-01-01", 181, false, ucx.Clear, "2026-01-01", ""},
		{"same day, before the regime", "2025-12-31", "2025-12-31", 0, false, ucx.Clear, "2026-06-30", "letter_rule_not_yet_in_force"},
		// Leap years: 2028-02-29 exists and is counted.
		{"registered on a leap day, 180 days", "2028-02-29", "2028-08-27", 180, true, ucx.LetterRequired, "2028-08-28", ""},
		{"registered on a leap day, 181 days", "2028-02-29", "2028-08-28", 181, false, ucx.Clear, "2028-08-28", ""},
		{"span over a leap day, 180 days", "2027-09-03", "2028-03-01", 180, true, ucx.LetterRequired, "2028-03-02", ""},
		{"span over a leap day, 179 days", "2027-09-04", "2028-03-01", 179, true, ucx.LetterRequired, "2028-03-03", ""},
		// Year ends.
		{"registered on new year's eve, 180 days", "2026-12-31", "2027-06-29", 180, true, ucx.LetterRequired, "2027-06-30", ""},
		{"registered on new year's eve, 181 days", "2026-12-31", "2027-06-30", 181, false, ucx.Clear, "2027-06-30", ""},
		{"one day across a year end", "2026-12-31", "2027-01-01", 1, true, ucx.LetterRequired, "2027-06-30", ""},
		{"years later", "2020-05-01", "2026-05-01", 2191, false, ucx.Clear, "2020-10-29", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(Default(), car(tt.reg, tt.app))
			if !d.HasDays || d.DaysSinceRegistration != tt.days {
				t.Errorf("days = %d (HasDays %v), want %d", d.DaysSinceRegistration, d.HasDays, tt.days)
			}
			if d.LetterRequired != tt.letter || d.Outcome != tt.outcome {
				t.Errorf("letter %v, outcome %s; want %v, %s; reasons %v", d.LetterRequired, d.Outcome, tt.letter, tt.outcome, codes(d))
			}
			if got := d.LetterFreeFrom.String(); got != tt.freeFrom {
				t.Errorf("LetterFreeFrom = %s, want %s", got, tt.freeFrom)
			}
			_, hasLetter := reason(d, "letter_required")
			if hasLetter != tt.letter {
				t.Errorf("letter_required reason present = %v, want %v", hasLetter, tt.letter)
			}
			if tt.note != "" {
				if _, ok := reason(d, tt.note); !ok {
					t.Errorf("reasons %v lack %s", codes(d), tt.note)
				}
			}
		})
	}
}

func TestR1LetterReasonSaysWhatToDo(t *testing.T) {
	d := decide(Default(), car("2026-01-01", "2026-02-01"))
	r, ok := reason(d, "letter_required")
	if !ok {
		t.Fatalf("no letter_required reason: %v", codes(d))
	}
	for _, want := range []string{"R1", "180 days", "180 included", "2026-01-01", "After-Sales Service Confirmation", "manufacturer", "letter-free date"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("letter reason %q lacks %q", r.Message, want)
		}
	}
	if r.Rule != "R1" || r.Severity != ucx.Require {
		t.Errorf("letter reason = %+v, want rule R1, severity require", r)
	}
	if strings.Contains(r.Message, "modifier") {
		t.Error("an unmodified vehicle's letter reason talks about modifiers")
	}
}

func TestR1InvalidDates(t *testing.T) {
	tests := []struct {
		name     string
		reg, app string
		want     []string // reason codes with severity reject, in order
		field    string   // of the first
		freeFrom string
	}{
		{"no registration date", "", "2026-02-01", []string{"registration_date_missing"}, "registration_date", ""},
		{"no application date", "2026-01-01", "", []string{"application_date_missing"}, "application_date", "2026-07-01"},
		{"neither date", "", "", []string{"registration_date_missing", "application_date_missing"}, "registration_date", ""},
		{"application one day before registration", "2026-03-02", "2026-03-01", []string{"application_before_registration"}, "application_date", "2026-08-30"},
		{"application years before registration", "2026-03-02", "2020-03-01", []string{"application_before_registration", "policy_not_in_force"}, "application_date", "2026-08-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(Default(), car(tt.reg, tt.app))
			if d.Outcome != ucx.Invalid {
				t.Fatalf("outcome %s, want invalid; reasons %v", d.Outcome, codes(d))
			}
			var rejects []string
			for _, r := range d.Reasons {
				if r.Severity == ucx.Reject {
					rejects = append(rejects, r.Code)
				}
			}
			slices.Sort(rejects)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(rejects, want) {
				t.Errorf("rejections %v, want %v", rejects, tt.want)
			}
			if r, _ := reason(d, tt.want[0]); r.Field != tt.field {
				t.Errorf("%s names field %q, want %q", tt.want[0], r.Field, tt.field)
			}
			if d.HasDays || d.LetterRequired {
				t.Errorf("HasDays %v, LetterRequired %v; want neither for unusable dates", d.HasDays, d.LetterRequired)
			}
			if got := d.LetterFreeFrom.String(); got != tt.freeFrom {
				t.Errorf("LetterFreeFrom = %q, want %q (set whenever the registration date is known)", got, tt.freeFrom)
			}
		})
	}
}

// LetterFreeFrom must be exactly the first application date that needs no
// letter, whatever the convention and threshold.
func TestLetterFreeFromIsTheFirstLetterFreeDay(t *testing.T) {
	for _, p := range []*Policy{Default(), mustLoadFile(t, "inclusive.json"), mustLoadFile(t, "threshold-90.json")} {
		for _, reg := range []string{"2026-03-01", "2027-12-31", "2028-02-29", "2028-01-15"} {
			v := car(reg, reg)
			free := decide(p, v).LetterFreeFrom
			v.ApplicationDate = free.AddDays(-1)
			if !decide(p, v).LetterRequired {
				t.Errorf("%s, registered %s: the day before LetterFreeFrom (%s) needs no letter", p.Ref().ID, reg, v.ApplicationDate)
			}
			v.ApplicationDate = free
			if decide(p, v).LetterRequired {
				t.Errorf("%s, registered %s: LetterFreeFrom %s still needs a letter", p.Ref().ID, reg, free)
			}
		}
	}
}

func TestInclusiveDayCount(t *testing.T) {
	p := mustLoadFile(t, "inclusive.json")
	tests := []struct {
		reg, app string
		days     int
		letter   bool
	}{
		{"2026-01-01", "2026-01-01", 1, true},
		{"2026-01-01", "2026-06-29", 180, true},
		{"2026-01-01", "2026-06-30", 181, false},
	}
	for _, tt := range tests {
		d := decide(p, car(tt.reg, tt.app))
		if d.DaysSinceRegistration != tt.days || d.LetterRequired != tt.letter {
			t.Errorf("%s→%s: days %d letter %v, want %d %v", tt.reg, tt.app, d.DaysSinceRegistration, d.LetterRequired, tt.days, tt.letter)
		}
	}
	if r, _ := reason(decide(p, car("2026-01-01", "2026-01-01")), "letter_required"); !strings.Contains(r.Message, "counting both") {
		t.Errorf("inclusive letter reason does not say how days are counted: %q", r.Message)
	}
}

// A rule change is a new document: the same vehicles, other outcomes.
func TestThresholdPolicyChangesOutcomes(t *testing.T) {
	p90 := mustLoadFile(t, "threshold-90.json")
	tests := []struct {
		name            string
		reg, app        string
		byDefault, by90 ucx.Outcome
	}{
		{"122 days: letter at 180, none at 90", "2026-03-01", "2026-07-01", ucx.LetterRequired, ucx.Clear},
		{"90 days: letter under both", "2026-04-01", "2026-06-30", ucx.LetterRequired, ucx.LetterRequired},
		{"91 days: letter at 180 only", "2026-04-01", "2026-07-01", ucx.LetterRequired, ucx.Clear},
		{"February 2026: before the 90-day edition's regime start", "2026-01-10", "2026-02-15", ucx.LetterRequired, ucx.Clear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decide(Default(), car(tt.reg, tt.app)).Outcome; got != tt.byDefault {
				t.Errorf("default policy: %s, want %s", got, tt.byDefault)
			}
			d := decide(p90, car(tt.reg, tt.app))
			if d.Outcome != tt.by90 {
				t.Errorf("90-day policy: %s, want %s; reasons %v", d.Outcome, tt.by90, codes(d))
			}
			if d.Policy.Version != "90-days" {
				t.Errorf("decision records policy %+v", d.Policy)
			}
		})
	}
}

func TestVIN(t *testing.T) {
	tests := []struct {
		vin, code, want string
	}{
		{vin1, "", ""},
		{"", "vin_missing", "missing"},
		{"LGXCE4CB5N0000001", "vin_invalid", "check digit"},
		{"LGXCE4CB4N000001", "vin_invalid", "17 characters"},
		{"LGXCE4CB4NO000001", "vin_invalid", "never contains"},
	}
	for _, tt := range tests {
		v := car("2026-01-01", "2026-02-01")
		v.VIN = tt.vin
		d := decide(Default(), v)
		r, ok := reason(d, tt.code)
		switch {
		case tt.code == "":
			if d.Outcome == ucx.Invalid {
				t.Errorf("VIN %q: invalid, reasons %v", tt.vin, codes(d))
			}
		case !ok || d.Outcome != ucx.Invalid || r.Field != "vin" || r.Rule != "VIN":
			t.Errorf("VIN %q: outcome %s reasons %v; want invalid with %s on field vin", tt.vin, d.Outcome, codes(d), tt.code)
		case !strings.Contains(r.Message, tt.want):
			t.Errorf("VIN %q: message %q lacks %q", tt.vin, r.Message, tt.want)
		}
	}
}

func TestDestination(t *testing.T) {
	tests := []struct {
		dest    string
		code    string
		outcome ucx.Outcome // with a letter-requiring vehicle
	}{
		{"KZ", "", ucx.LetterRequired},
		{"kz", "", ucx.LetterRequired},
		{"", "destination_missing", ucx.LetterRequired},
		{"CN", "destination_domestic", ucx.Invalid},
		{"XX", "destination_invalid", ucx.Invalid},
		{"XK", "destination_invalid", ucx.Invalid}, // user-assigned, not ISO
		{"RUS", "destination_invalid", ucx.Invalid},
		{"R1", "destination_invalid", ucx.Invalid},
	}
	for _, tt := range tests {
		v := car("2026-01-01", "2026-02-01")
		v.Destination = tt.dest
		d := decide(Default(), v)
		if d.Outcome != tt.outcome {
			t.Errorf("destination %q: outcome %s, want %s; reasons %v", tt.dest, d.Outcome, tt.outcome, codes(d))
		}
		for _, r := range d.Reasons {
			if r.Field == "destination" && r.Code != tt.code {
				t.Errorf("destination %q: unexpected reason %s", tt.dest, r.Code)
			}
		}
		if tt.code != "" {
			r, ok := reason(d, tt.code)
			if !ok || r.Field != "destination" || r.Rule != "R3" || !strings.Contains(r.Message, "ISO 3166-1") && tt.code != "destination_domestic" {
				t.Errorf("destination %q: reason %+v, want %s on field destination citing R3", tt.dest, r, tt.code)
			}
		}
	}
	n := 0
	for _, c := range countries {
		if c != "" {
			n++
		}
	}
	if n != 249 {
		t.Errorf("%d ISO 3166-1 codes known, want 249", n)
	}
}

func TestR5CertificateMustMatch(t *testing.T) {
	matching := ucx.Certificate{Brand: "BYD", Model: "Song PLUS", RegistrationDate: date("2026-01-01"), TransferDate: date("2026-01-20")}
	tests := []struct {
		name   string
		change func(v *ucx.Vehicle)
		want   []string // reason codes, in order
		quoted []string // both values, in the first reason
	}{
		{"all match", func(v *ucx.Vehicle) {}, nil, nil},
		{"not supplied", func(v *ucx.Vehicle) { v.Certificate = ucx.Certificate{}; v.Brand = "Other" }, nil, nil},
		{"brand", func(v *ucx.Vehicle) { v.Certificate.Brand = "比亚迪" }, []string{"brand_mismatch"}, []string{`"BYD"`, `"比亚迪"`}},
		{"brand case", func(v *ucx.Vehicle) { v.Brand = "byd" }, []string{"brand_mismatch"}, []string{`"byd"`, `"BYD"`}},
		{"model", func(v *ucx.Vehicle) { v.Model = "Song Plus" }, []string{"model_mismatch"}, []string{`"Song Plus"`, `"Song PLUS"`}},
		{"model empty on application", func(v *ucx.Vehicle) { v.Model = "" }, []string{"model_mismatch"}, []string{"empty", `"Song PLUS"`}},
		{"registration date", func(v *ucx.Vehicle) { v.Certificate.RegistrationDate = date("2025-12-31") }, []string{"registration_date_mismatch"}, []string{"2026-01-01", "2025-12-31"}},
		{"transfer date", func(v *ucx.Vehicle) { v.TransferDate = date("2026-01-21") }, []string{"transfer_date_mismatch"}, []string{"2026-01-21", "2026-01-20"}},
		{"transfer date missing on application", func(v *ucx.Vehicle) { v.TransferDate = ucx.Date{} }, []string{"transfer_date_mismatch"}, []string{"missing", "2026-01-20"}},
		{"certificate value not given is not compared", func(v *ucx.Vehicle) { v.Certificate.Model = ""; v.Model = "anything" }, nil, nil},
		{"every field", func(v *ucx.Vehicle) {
			v.Certificate = ucx.Certificate{Brand: "a", Model: "b", RegistrationDate: date("2025-01-01"), TransferDate: date("2025-01-02")}
		}, []string{"brand_mismatch", "model_mismatch", "registration_date_mismatch", "transfer_date_mismatch"}, []string{`"BYD"`, `"a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2026-01-01", "2026-02-01")
			v.TransferDate = date("2026-01-20")
			v.Certificate = matching
			tt.change(v)
			d := decide(Default(), v)
			var got []string
			for _, r := range d.Reasons {
				if r.Rule == "R5" {
					got = append(got, r.Code)
					if r.Severity != ucx.Block || r.Field == "" || !strings.Contains(r.Message, "certificate") {
						t.Errorf("R5 reason %+v: want a block naming the field and the certificate", r)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("R5 reasons %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 {
				if d.Outcome != ucx.LetterRequired {
					t.Errorf("outcome %s, want letter-required", d.Outcome)
				}
				return
			}
			if d.Outcome != ucx.Blocked {
				t.Errorf("outcome %s, want blocked", d.Outcome)
			}
			r, _ := reason(d, tt.want[0])
			for _, q := range tt.quoted {
				if !strings.Contains(r.Message, q) {
					t.Errorf("message %q lacks %s", r.Message, q)
				}
			}
		})
	}
}

func TestR7Transition(t *testing.T) {
	waiver := mustLoadFile(t, "waiver.json")
	tests := []struct {
		name               string
		p                  *Policy
		reg, transfer, app string
		transitional       bool
		letter             bool
		code               string
	}{
		{"transferred the day before the cut-off", Default(), "2025-12-01", "2025-12-31", "2026-02-01", true, true, "transitional"},
		{"transferred on the cut-off", Default(), "2025-12-01", "2026-01-01", "2026-02-01", false, true, ""},
		{"no transfer date", Default(), "2025-12-01", "", "2026-02-01", false, true, ""},
		{"transitional and past 180 days", Default(), "2025-06-01", "2025-07-01", "2026-02-01", true, false, "transitional"},
		{"waived before the deadline", waiver, "2025-12-01", "2025-12-20", "2026-02-01", true, false, "transitional_letter_waived"},
		{"waived on the deadline", waiver, "2025-12-01", "2025-12-20", "2026-03-31", true, false, "transitional_letter_waived"},
		{"waiver expired the day after", waiver, "2025-12-01", "2025-12-20", "2026-04-01", true, true, "transitional_waiver_expired"},
		{"waiver does not cover later transfers", waiver, "2025-12-01", "2026-01-02", "2026-02-01", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car(tt.reg, tt.app)
			if tt.transfer != "" {
				v.TransferDate = date(tt.transfer)
			}
			d := decide(tt.p, v)
			if d.Transitional != tt.transitional || d.LetterRequired != tt.letter {
				t.Errorf("transitional %v letter %v, want %v %v; reasons %v", d.Transitional, d.LetterRequired, tt.transitional, tt.letter, codes(d))
			}
			wantOutcome := ucx.Clear
			if tt.letter {
				wantOutcome = ucx.LetterRequired
			}
			if d.Outcome != wantOutcome {
				t.Errorf("outcome %s, want %s", d.Outcome, wantOutcome)
			}
			if tt.code == "" {
				for _, r := range d.Reasons {
					if r.Rule == "R7" {
						t.Errorf("unexpected R7 reason %s", r.Code)
					}
				}
				return
			}
			r, ok := reason(d, tt.code)
			if !ok || r.Rule != "R7" || r.Severity != ucx.Note || !strings.Contains(r.Message, "2026-01-01") {
				t.Errorf("reason %+v, want an R7 note %s naming the cut-off", r, tt.code)
			}
		})
	}
	if r, _ := reason(decide(waiver, func() *ucx.Vehicle {
		v := car("2025-12-01", "2026-02-01")
		v.TransferDate = date("2025-12-20")
		return v
	}()), "transitional_letter_waived"); !strings.Contains(r.Message, "2026-03-31") {
		t.Errorf("waiver note %q does not give the deadline", r.Message)
	}
}

func TestR9ModifiedVehicles(t *testing.T) {
	complete := ucx.Modification{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: ucx.Yes, MIITCatalogue: ucx.Yes, CCC: ucx.Yes}
	tests := []struct {
		name     string
		modified ucx.Fact
		change   func(m *ucx.Modification)
		outcome  ucx.Outcome
		want     []string
	}{
		{"complete evidence", ucx.Yes, func(m *ucx.Modification) {}, ucx.LetterRequired, nil},
		{"not modified: evidence not asked", ucx.No, func(m *ucx.Modification) { *m = ucx.Modification{} }, ucx.LetterRequired, nil},
		{"modification not declared: evidence not asked", ucx.Unknown, func(m *ucx.Modification) { m.CCC = ucx.No }, ucx.LetterRequired, nil},
		{"not genuine", ucx.Yes, func(m *ucx.Modification) { m.Genuine = ucx.No }, ucx.Blocked, []string{"modification_not_genuine"}},
		{"genuineness not declared", ucx.Yes, func(m *ucx.Modification) { m.Genuine = ucx.Unknown }, ucx.LetterRequired, []string{"modification_proof_required"}},
		{"not in MIIT catalogue", ucx.Yes, func(m *ucx.Modification) { m.MIITCatalogue = ucx.No }, ucx.Blocked, []string{"modified_not_in_miit_catalogue"}},
		{"MIIT listing not declared", ucx.Yes, func(m *ucx.Modification) { m.MIITCatalogue = ucx.Unknown }, ucx.LetterRequired, []string{"miit_catalogue_listing_required"}},
		{"no CCC", ucx.Yes, func(m *ucx.Modification) { m.CCC = ucx.No }, ucx.Blocked, []string{"modified_no_ccc"}},
		{"CCC not declared", ucx.Yes, func(m *ucx.Modification) { m.CCC = ucx.Unknown }, ucx.LetterRequired, []string{"ccc_certificate_required"}},
		{"no chassis brand", ucx.Yes, func(m *ucx.Modification) { m.ChassisBrand = "" }, ucx.LetterRequired, []string{"modified_chassis_brand_missing"}},
		{"no modified brand", ucx.Yes, func(m *ucx.Modification) { m.ModifiedBrand = "" }, ucx.LetterRequired, []string{"modified_brand_missing"}},
		{"nothing declared", ucx.Yes, func(m *ucx.Modification) { *m = ucx.Modification{} }, ucx.LetterRequired, []string{
			"modified_chassis_brand_missing", "modified_brand_missing", "modification_proof_required", "miit_catalogue_listing_required", "ccc_certificate_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2026-01-01", "2026-02-01")
			v.Modified = tt.modified
			v.Modification = complete
			tt.change(&v.Modification)
			d := decide(Default(), v)
			var got []string
			for _, r := range d.Reasons {
				if r.Rule == "R9" {
					got = append(got, r.Code)
					if !strings.HasPrefix(r.Message, "R9: ") || !strings.HasPrefix(r.Field, "modification.") {
						t.Errorf("R9 reason %+v: want message citing R9 and a modification field", r)
					}
				}
			}
			if !slices.Equal(got, tt.want) || d.Outcome != tt.outcome {
				t.Errorf("R9 reasons %v outcome %s, want %v %s", got, d.Outcome, tt.want, tt.outcome)
			}
		})
	}
}

// REGULATION.md open question 3: the modifier may not issue the letter.
func TestR9LetterReasonForModifiedVehicleNamesWhoMayIssueIt(t *testing.T) {
	v := car("2026-01-01", "2026-02-01")
	v.Modified = ucx.Yes
	r, ok := reason(decide(Default(), v), "letter_required")
	if !ok || !strings.Contains(r.Message, "modifier (改装厂) may not issue") || !strings.Contains(r.Message, "chassis manufacturer") {
		t.Errorf("modified vehicle's letter reason = %q; want it to say the modifier cannot issue the letter", r.Message)
	}
}

func TestR9EvidenceIsPolicyData(t *testing.T) {
	p, err := Load([]byte(`{` + base + `, "modified_evidence": ["ccc"]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := car("2026-01-01", "2026-02-01")
	v.Modified = ucx.Yes
	if got := codes(decide(p, v)); !slices.Equal(got, []string{"letter_required", "ccc_certificate_required"}) {
		t.Errorf("reasons %v; want only the CCC evidence the policy asks for", got)
	}
}

func TestR11BannedCases(t *testing.T) {
	tests := []struct {
		name    string
		bans    []string
		outcome ucx.Outcome
		want    []string
		words   []string // in the first reason's message
	}{
		{"none", nil, ucx.LetterRequired, nil, nil},
		{"empty entries ignored", []string{"", ""}, ucx.LetterRequired, nil, nil},
		{"seized", []string{"seized"}, ucx.Blocked, []string{"banned_seized"}, []string{"seized", "被依法查封、扣押", "R11"}},
		{"code in capitals", []string{"ENCUMBERED"}, ucx.Blocked, []string{"banned_encumbered"}, []string{"mortgaged"}},
		{"two cases", []string{"scrapping_due", "smuggled_or_assembled"}, ucx.Blocked, []string{"banned_scrapping_due", "banned_smuggled_or_assembled"}, nil},
		{"unknown code", []string{"stolen"}, ucx.Invalid, []string{"banned_case_unknown"}, []string{`"stolen"`, "scrapping_due, encumbered, seized"}},
		{"unknown beats known", []string{"seized", "stolen"}, ucx.Invalid, []string{"banned_seized", "banned_case_unknown"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2026-01-01", "2026-02-01")
			v.Bans = tt.bans
			d := decide(Default(), v)
			var got []string
			for _, r := range d.Reasons {
				if r.Rule == "R11" {
					got = append(got, r.Code)
					if r.Field != "bans" {
						t.Errorf("R11 reason %s names field %q, want bans", r.Code, r.Field)
					}
				}
			}
			if !slices.Equal(got, tt.want) || d.Outcome != tt.outcome {
				t.Fatalf("R11 reasons %v outcome %s, want %v %s", got, d.Outcome, tt.want, tt.outcome)
			}
			if len(tt.words) > 0 {
				r, _ := reason(d, tt.want[0])
				for _, w := range tt.words {
					if !strings.Contains(r.Message, w) {
						t.Errorf("message %q lacks %q", r.Message, w)
					}
				}
			}
			if tt.outcome == ucx.Blocked && !d.LetterRequired {
				t.Error("a blocked car inside 180 days should still be marked as needing a letter")
			}
		})
	}
}

func TestR12Inspection(t *testing.T) {
	minimal := mustLoadFile(t, "minimal.json")
	tests := []struct {
		name       string
		p          *Policy
		inspection ucx.Fact
		outcome    ucx.Outcome
		code       string
	}{
		{"report held", Default(), ucx.Yes, ucx.LetterRequired, ""},
		{"no report", Default(), ucx.No, ucx.Blocked, "inspection_missing"},
		{"not declared", Default(), ucx.Unknown, ucx.LetterRequired, "inspection_report_required"},
		{"policy without the requirement", minimal, ucx.No, ucx.LetterRequired, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2026-01-01", "2026-02-01")
			v.Inspection = tt.inspection
			d := decide(tt.p, v)
			if d.Outcome != tt.outcome {
				t.Errorf("outcome %s, want %s; reasons %v", d.Outcome, tt.outcome, codes(d))
			}
			r, ok := reason(d, tt.code)
			if tt.code == "" {
				for _, r := range d.Reasons {
					if r.Rule == "R12" {
						t.Errorf("unexpected R12 reason %s", r.Code)
					}
				}
				return
			}
			if !ok || r.Rule != "R12" || !strings.Contains(r.Message, "CMA") || !strings.Contains(r.Message, "WM/T 8-2022") || !strings.Contains(r.Message, "WM/T 9-2022") {
				t.Errorf("reason %+v: want %s citing R12, CMA/CNAS and WM/T 8-2022 / 9-2022", r, tt.code)
			}
		})
	}
}

func TestNearZeroMileage(t *testing.T) {
	tests := []struct {
		km   int
		has  bool
		code string
	}{
		{0, true, "near_zero_mileage"},
		{100, true, "near_zero_mileage"},
		{101, true, ""},
		{0, false, ""},
		{-1, true, "mileage_negative"},
	}
	for _, tt := range tests {
		v := car("2026-01-01", "2026-02-01")
		v.MileageKM, v.HasMileage = tt.km, tt.has
		d := decide(Default(), v)
		var got string
		for _, r := range d.Reasons {
			if r.Field == "mileage_km" {
				got = r.Code
			}
		}
		if got != tt.code {
			t.Errorf("mileage %d (given %v): reason %q, want %q", tt.km, tt.has, got, tt.code)
		}
		if tt.code == "near_zero_mileage" && d.Outcome != ucx.LetterRequired {
			t.Errorf("near-zero mileage changed the outcome to %s; it is informational", d.Outcome)
		}
	}
	if got := codes(decide(mustLoadFile(t, "minimal.json"), func() *ucx.Vehicle {
		v := car("2026-01-01", "2026-02-01")
		v.HasMileage = true
		return v
	}())); slices.Contains(got, "near_zero_mileage") {
		t.Error("a policy without near_zero_mileage_km still notes near-zero mileage")
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		change func(v *ucx.Vehicle)
		want   ucx.Outcome
	}{
		{"clear", func(v *ucx.Vehicle) { v.ApplicationDate = date("2026-12-01") }, ucx.Clear},
		{"notes do not change clear", func(v *ucx.Vehicle) {
			v.ApplicationDate = date("2026-12-01")
			v.Inspection = ucx.Unknown
			v.Destination = ""
		}, ucx.Clear},
		{"letter over clear", func(v *ucx.Vehicle) {}, ucx.LetterRequired},
		{"blocked over letter", func(v *ucx.Vehicle) { v.Bans = []string{"seized"} }, ucx.Blocked},
		{"invalid over blocked", func(v *ucx.Vehicle) { v.Bans = []string{"seized"}; v.VIN = "X" }, ucx.Invalid},
	}
	for _, tt := range tests {
		v := car("2026-01-01", "2026-02-01")
		tt.change(v)
		if got := decide(Default(), v).Outcome; got != tt.want {
			t.Errorf("%s: outcome %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Every reason must cite its rule and say something; this sweeps a mix of
// vehicles that make every core rule speak.
func TestEveryReasonCitesARule(t *testing.T) {
	for i, v := range oddVehicles() {
		d := decide(Default(), v)
		for _, r := range d.Reasons {
			if r.Rule == "" || r.Code == "" || len(r.Message) < 20 {
				t.Errorf("vehicle %d: reason %+v lacks a rule, code or message", i, r)
			}
			if strings.HasPrefix(r.Rule, "R") && !strings.Contains(r.Message, r.Rule) {
				t.Errorf("vehicle %d: reason %s cites %s but its message does not: %q", i, r.Code, r.Rule, r.Message)
			}
		}
	}
}

func oddVehicles() []*ucx.Vehicle {
	full := car("2025-12-01", "2026-02-01")
	full.TransferDate = date("2025-12-15")
	full.Certificate = ucx.Certificate{Brand: "x", Model: "y", RegistrationDate: date("2025-01-01"), TransferDate: date("2025-01-02")}
	full.Modified = ucx.Yes
	full.Modification.CCC = ucx.No
	full.Bans = []string{"seized", "nope"}
	full.Inspection = ucx.Unknown
	full.HasMileage = true
	full.Destination = "RU"
	return []*ucx.Vehicle{
		{},
		full,
		{VIN: "lowercase", Destination: "??", RegistrationDate: ucx.MustDate(9999, 12, 31), ApplicationDate: ucx.MustDate(1, 1, 1)},
		{VIN: vin2, RegistrationDate: ucx.MustDate(1, 1, 1), ApplicationDate: ucx.MustDate(9999, 12, 31), MileageKM: -5, HasMileage: true},
		{VIN: vin3, Destination: "CN", Bans: []string{""}, Modified: ucx.No, Inspection: ucx.No},
		car("2026-01-01", "2025-01-01"),
	}
}

func TestDecideNeverPanics(t *testing.T) {
	policies := []*Policy{Default(), mustLoadFile(t, "rules.json"), mustLoadFile(t, "waiver.json"), mustLoadFile(t, "inclusive.json")}
	for _, p := range policies {
		for i, v := range oddVehicles() {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s, vehicle %d: panic %v", p.Ref().ID, i, r)
					}
				}()
				d := decide(p, v)
				if d.Policy != p.Ref() {
					t.Errorf("decision does not record the policy")
				}
			}()
		}
	}
}

func TestDecideResetsAndReusesTheDecision(t *testing.T) {
	var d ucx.Decision
	Default().Decide(oddVehicles()[1], &d)
	if len(d.Reasons) < 5 {
		t.Fatalf("expected many reasons, got %v", codes(&d))
	}
	backing := &d.Reasons[:1][0]
	capacity := cap(d.Reasons)
	Default().Decide(car("2026-01-01", "2026-12-01"), &d)
	if d.Outcome != ucx.Clear || len(d.Reasons) != 0 || d.Transitional || d.LetterRequired {
		t.Errorf("second decision kept state from the first: %+v", d)
	}
	if cap(d.Reasons) != capacity || &d.Reasons[:1][0] != backing {
		t.Error("Decide did not reuse the reasons' backing array")
	}
}

// Decide from many goroutines on one policy must give the sequential
// answers (and be race-free under go test -race).
func TestDecideConcurrently(t *testing.T) {
	policies := []*Policy{Default(), mustLoadFile(t, "rules.json")}
	var vehicles []*ucx.Vehicle
	for i := range 40 {
		v := car("2025-10-01", "2026-01-01")
		v.ApplicationDate = v.ApplicationDate.AddDays(i * 5)
		v.Destination = []string{"RU", "KZ", "AE", "UZ", ""}[i%5]
		v.VIN = []string{vin1, vin2, vin3}[i%3]
		v.HasMileage, v.MileageKM = true, i*40
		vehicles = append(vehicles, v)
	}
	vehicles = append(vehicles, oddVehicles()...)
	for _, p := range policies {
		want := make([]ucx.Decision, len(vehicles))
		for i, v := range vehicles {
			p.Decide(v, &want[i])
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := range 8 {
			wg.Go(func() {
				var d ucx.Decision
				for round := range 50 {
					i := (g*7 + round) % len(vehicles)
					p.Decide(vehicles[i], &d)
					if !slices.Equal(d.Reasons, want[i].Reasons) || d.Outcome != want[i].Outcome {
						select {
						case errs <- fmt.Sprintf("%s vehicle %d: %v, want %v", p.Ref().ID, i, codes(&d), codes(&want[i])):
						default:
						}
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
