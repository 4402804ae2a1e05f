package policy

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// expensive type-checks but may cost more than MaxRuleCost: two searches
// of long concatenations.
const expensive = `(exporter.name + exporter.name + exporter.name + exporter.name).contains(vehicle.model + vehicle.model + vehicle.model) ||
(vehicle.brand + vehicle.brand + vehicle.brand + vehicle.brand).contains(vehicle.model + vehicle.model + vehicle.model)`

func TestCompileManufacturerRule_RefusesWithTheFieldAndThePosition(t *testing.T) {
	tests := []struct {
		name, when string
		want       []string // substrings of the message
	}{
		{"misspelt variable", `exporter.nmae == "x"`, []string{"line 1, column 9", "exporter.nmae", "did you mean 'exporter.name'"}},
		{"type mismatch", `exporter.id == "7"`, []string{"line 1, column 13", "no matching overload"}},
		{"on the second line", "destination == \"KZ\" &&\n  vehicle.age_days > \"30\"", []string{"line 2, column 20"}},
		{"syntax error", `destination ==`, []string{"line 1, column 15", "Syntax error"}},
		{"not a condition", `destination`, []string{"yields string, not bool"}},
		{"crawling macro", `["RU", "KZ"].exists(d, d == destination)`, []string{"not available in manufacturer rules", "destination in"}},
		{"fails on a sample", `100 / vehicle.age_days > 1`, []string{"fails on a sample request", "division by zero"}},
		{"over the cost limit", expensive, []string{"may cost up to", "over the limit of 10000"}},
		{"empty", `  `, []string{"empty"}},
		{"too long", strings.Repeat(`destination == "KZ" || `, 100) + "true", []string{"longer than 2000 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileManufacturerRule(tt.when)
			if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "when" {
				t.Fatalf("err = %v, want EINVALID naming when", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ucx.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", ucx.ErrorMessage(err), w)
				}
			}
		})
	}
}

func TestManufacturerRule_MatchesTheRequestsFacts(t *testing.T) {
	facts := ucx.RuleFacts{Destination: "KZ", ExporterID: 12, ExporterName: "广州华运二手车出口有限公司", ExporterStanding: ucx.StandingWarned,
		VIN: "LM1ABCDE0S1000001", Brand: "Testa", Model: "T1 EV", AgeDays: 40, HasOutletInDestination: false}
	tests := []struct {
		when string
		want bool
	}{
		{`destination == "KZ" && !has_outlet_in_destination`, true},
		{`destination in ["RU", "BY"]`, false},
		{`exporter.id in [12, 13] && exporter.standing == "normal"`, false},
		{`exporter.standing != "normal"`, true},
		{`exporter.name.contains("华运")`, true},
		{`vehicle.vin.startsWith("LM1") && vehicle.model.matches("^T[0-9]")`, true},
		{`vehicle.brand == "Testa" && vehicle.age_days <= 30`, false},
		{`vehicle.age_days > 30 && 1000 / vehicle.age_days > 20`, true},
	}
	for _, tt := range tests {
		m, err := CompileManufacturerRule(tt.when)
		if err != nil {
			t.Fatalf("%s: %v", tt.when, err)
		}
		if m.Cost == 0 || m.Cost > MaxRuleCost {
			t.Errorf("%s: cost %d", tt.when, m.Cost)
		}
		got, err := m.Match(&facts)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", tt.when, got, err, tt.want)
		}
	}
}
