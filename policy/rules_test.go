package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

func TestDefaultDestinationAdvisories(t *testing.T) {
	tests := []struct {
		name     string
		reg, app string
		dest     string
		want     string // advisory code, or "" for none
	}{
		{"Russia: entry standard", "2026-01-01", "2026-02-01", "RU", "destination_entry_standard"},
		{"Kazakhstan: none", "2026-01-01", "2026-02-01", "KZ", ""},
		{"UAE, 4 years and 1 day (1462 days)", "2022-01-01", "2026-01-02", "AE", "destination_age_limit"},
		{"UAE, 1461 days", "2022-01-01", "2026-01-01", "AE", ""},
		{"Algeria, 3 years old and more", "2022-06-01", "2026-02-01", "DZ", "destination_age_limit"},
		{"Algeria, young", "2025-06-01", "2026-02-01", "DZ", ""},
		{"Kenya: right-hand drive", "2026-01-01", "2026-02-01", "KE", "destination_right_hand_drive"},
		{"Kenya, lower case", "2026-01-01", "2026-02-01", "ke", "destination_right_hand_drive"},
		{"no destination", "2026-01-01", "2026-02-01", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car(tt.reg, tt.app)
			v.Destination = tt.dest
			d := decide(Default(), v)
			var got []string
			for _, r := range d.Reasons {
				if strings.HasPrefix(r.Code, "destination_") && r.Field != "destination" {
					got = append(got, r.Code)
					if r.Rule != "R12" || r.Severity != ucx.Note {
						t.Errorf("advisory %+v: want an R12 note", r)
					}
				}
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("advisories %v, want %v", got, want)
			}
		})
	}
}

func TestCELRules(t *testing.T) {
	p := mustLoadFile(t, "rules.json")
	tests := []struct {
		name    string
		change  func(v *ucx.Vehicle)
		want    []string // rule reason codes that fire, in document order
		outcome ucx.Outcome
	}{
		{"nothing fires", func(v *ucx.Vehicle) { v.Destination = "RU" }, nil, ucx.LetterRequired},
		{"string functions on the VIN", func(v *ucx.Vehicle) { v.VIN = vin3; v.Destination = "RU" }, []string{"stolen_series"}, ucx.Blocked},
		{"timestamp from July 2026", func(v *ucx.Vehicle) {
			v.Destination = "RU"
			v.RegistrationDate, v.ApplicationDate = date("2026-01-01"), date("2026-07-01")
		}, []string{"applied_after_mid_2026"}, ucx.Clear},
		{"timestamp the day before", func(v *ucx.Vehicle) {
			v.Destination = "RU"
			v.RegistrationDate, v.ApplicationDate = date("2026-01-01"), date("2026-06-30")
		}, nil, ucx.LetterRequired},
		{"destination-limited rule in its country", func(v *ucx.Vehicle) { v.Destination = "KZ" }, []string{"central_asia_outlet"}, ucx.LetterRequired},
		{"destination-limited rule in its other country", func(v *ucx.Vehicle) { v.Destination = "UZ" }, []string{"central_asia_outlet"}, ucx.LetterRequired},
		{"destination-limited rule reads R1's result", func(v *ucx.Vehicle) {
			v.Destination = "KZ"
			v.ApplicationDate = date("2026-12-01")
		}, nil, ucx.Clear},
		{"destination-limited rule reads R7's result", func(v *ucx.Vehicle) {
			v.Destination = "KZ"
			v.TransferDate = date("2025-12-31")
			v.RegistrationDate = date("2025-12-01")
		}, nil, ucx.LetterRequired},
		{"list membership and mileage", func(v *ucx.Vehicle) {
			v.Destination = "RU"
			v.Brand, v.MileageKM, v.HasMileage = "TESTBRAND", 5000, true
		}, []string{"brand_not_exportable"}, ucx.Invalid},
		{"mileage not given", func(v *ucx.Vehicle) {
			v.Destination = "RU"
			v.Brand, v.MileageKM = "TESTBRAND", 5000
		}, nil, ucx.LetterRequired},
		{"timestamp comparison between variables", func(v *ucx.Vehicle) {
			v.Destination = "RU"
			v.TransferDate = date("2026-02-01")
		}, []string{"transfer_on_application_day"}, ucx.Blocked},
		{"several rules fire, in document order", func(v *ucx.Vehicle) {
			v.VIN, v.Destination, v.TransferDate = vin3, "UZ", date("2026-02-01")
		}, []string{"stolen_series", "central_asia_outlet", "transfer_on_application_day"}, ucx.Blocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2026-01-01", "2026-02-01")
			tt.change(v)
			d := decide(p, v)
			var got []string
			for _, r := range d.Reasons {
				for _, rr := range p.rules {
					if r.Code == rr.reason.Code {
						got = append(got, r.Code)
						if r != rr.reason {
							t.Errorf("reason %+v, want the rule's own %+v", r, rr.reason)
						}
					}
				}
			}
			if !slices.Equal(got, tt.want) || d.Outcome != tt.outcome {
				t.Errorf("rules fired %v outcome %s, want %v %s; all reasons %v", got, d.Outcome, tt.want, tt.outcome, codes(d))
			}
		})
	}
}

// Rules need both R1 dates to mean anything; with a date missing the
// vehicle is invalid already and no rule is evaluated.
func TestCELRulesSkippedWhenDatesUnusable(t *testing.T) {
	p := mustLoadFile(t, "rules.json")
	v := car("2026-01-01", "")
	v.VIN = vin3 // would fire stolen-series
	if got := codes(decide(p, v)); slices.Contains(got, "stolen_series") {
		t.Errorf("rule evaluated without an application date: %v", got)
	}
}

func TestRuleFailingAtRunTimeMakesTheVehicleInvalid(t *testing.T) {
	// Passes the load-time samples (mileage 0 and 12) but divides by zero
	// at 7 km; Decide must report it, not panic or drop it.
	p, err := Load([]byte(`{` + base + `, "rules": [{"id": "odd", "cites": "R1", "severity": "note", "code": "odd",
		"when": "100 / (mileage_km - 7) > 1", "message": "R1: odd"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := car("2026-01-01", "2026-02-01")
	v.MileageKM, v.HasMileage = 7, true
	d := decide(p, v)
	r, ok := reason(d, "policy_rule_failed")
	if !ok || d.Outcome != ucx.Invalid || !strings.Contains(r.Message, "odd") || !strings.Contains(r.Message, "division by zero") {
		t.Errorf("outcome %s reason %+v; want invalid, naming the rule and the failure", d.Outcome, r)
	}
}

func TestLoadRefusesBrokenRules(t *testing.T) {
	// rule builds a rules array holding one rule: the good one with the
	// given fields replaced.
	rule := func(fields map[string]string) string {
		f := map[string]string{"id": `"r1"`, "cites": `"R12"`, "severity": `"note"`, "code": `"c"`, "message": `"R12: do this"`, "when": `"true"`}
		for k, v := range fields {
			if v == "" {
				delete(f, k)
			} else {
				f[k] = v
			}
		}
		var parts []string
		for _, k := range []string{"id", "cites", "severity", "code", "field", "message", "destinations", "when"} {
			if v, ok := f[k]; ok {
				parts = append(parts, fmt.Sprintf("%q: %s", k, v))
			}
		}
		return `{` + base + `, "rules": [{` + strings.Join(parts, ", ") + `}]}`
	}
	nested := `"[1,2,3,4,5,6,7,8,9,10].all(i, [1,2,3,4,5,6,7,8,9,10].all(j, [1,2,3,4,5,6,7,8,9,10].all(k, brand.contains(model))))"`
	tests := []struct {
		name  string
		doc   string
		field string
		want  []string // in the message
	}{
		{"syntax error", rule(map[string]string{"when": `"age_days >"`}), "rules[0].when", []string{`rule "r1"`, "does not compile", "Syntax error"}},
		{"unknown variable", rule(map[string]string{"when": `"agedays > 3"`}), "rules[0].when", []string{`rule "r1"`, "undeclared reference to 'agedays'", "the variables are vin, wmi"}},
		{"wrong operand type", rule(map[string]string{"when": `"brand > 3"`}), "rules[0].when", []string{"does not compile", "no matching overload"}},
		{"not a bool", rule(map[string]string{"when": `"age_days + 1"`}), "rules[0].when", []string{`rule "r1"`, "yields int, not bool", "write a condition"}},
		{"a string", rule(map[string]string{"when": `"brand"`}), "rules[0].when", []string{"yields string, not bool"}},
		{"excessive cost", rule(map[string]string{"when": nested}), "rules[0].when", []string{`rule "r1"`, "over the limit of 10000", "simplify"}},
		{"bad regular expression", rule(map[string]string{"when": `"vin.matches('[')"`}), "rules[0].when", []string{`rule "r1"`, "regexp", "missing closing ]"}},
		{"fails on a sample vehicle", rule(map[string]string{"when": `"100 / mileage_km > 1"`}), "rules[0].when", []string{`rule "r1"`, "sample vehicle", "division by zero", "guard"}},
		{"empty when", rule(map[string]string{"when": `""`}), "rules[0].when", []string{"when is missing"}},
		{"no id", rule(map[string]string{"id": ""}), "rules[0].id", []string{"every rule needs one"}},
		{"bad id", rule(map[string]string{"id": `"has space"`}), "rules[0].id", []string{`"has space"`}},
		{"cites nothing", rule(map[string]string{"cites": ""}), "rules[0].cites", []string{`rule "r1"`, "R1 to R17"}},
		{"cites R18", rule(map[string]string{"cites": `"R18"`}), "rules[0].cites", []string{"R1 to R17"}},
		{"severity", rule(map[string]string{"severity": `"warning"`}), "rules[0].severity", []string{`rule "r1"`, "note, require, block or reject"}},
		{"code", rule(map[string]string{"code": `"Bad-Code"`}), "rules[0].code", []string{"lower-case"}},
		{"message", rule(map[string]string{"message": `" "`}), "rules[0].message", []string{"plain words"}},
		{"destination not ISO", rule(map[string]string{"destinations": `["RU", "XX"]`}), "rules[0].destinations[1]", []string{`"XX"`, "ISO 3166-1"}},
		{"destination lower case", rule(map[string]string{"destinations": `["ru"]`}), "rules[0].destinations[0]", []string{"upper-case"}},
		{"empty destinations", rule(map[string]string{"destinations": `[]`}), "rules[0].destinations", []string{"could never apply"}},
		{"unknown rule field", `{` + base + `, "rules": [{"id": "r1", "cites": "R12", "severity": "note", "code": "c", "message": "m", "when": "true", "wen": "x"}]}`, "wen", []string{"correct its spelling"}},
		{"duplicate id", `{` + base + `, "rules": [` +
			`{"id": "r1", "cites": "R12", "severity": "note", "code": "c", "message": "m", "when": "true"},` +
			`{"id": "r1", "cites": "R12", "severity": "note", "code": "d", "message": "m", "when": "false"}]}`, "rules[1].id", []string{`"r1" is used twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Load accepted %s", tt.doc)
			}
			if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != tt.field {
				t.Errorf("code %q field %q, want %q %q (%v)", ucx.ErrorCode(err), ucx.ErrorField(err), ucx.EINVALID, tt.field, err)
			}
			msg := ucx.ErrorMessage(err)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestRulesIndexedByDestination(t *testing.T) {
	p := mustLoadFile(t, "rules.json")
	kz, _ := countrySlot("KZ")
	ru, _ := countrySlot("RU")
	if p.byDest == nil || len(p.byDest[kz]) != len(p.rules) {
		t.Fatalf("KZ should see all %d rules", len(p.rules))
	}
	if p.byDest[ru] != nil || len(p.global) != len(p.rules)-1 {
		t.Errorf("RU should fall back to the %d global rules", len(p.rules)-1)
	}
	if d := Default(); d.global != nil || d.byDest == nil {
		t.Error("default policy: every advisory is destination-limited, so a vehicle elsewhere should evaluate no CEL at all")
	}
}
