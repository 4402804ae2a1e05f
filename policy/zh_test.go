package policy

import (
	"strings"
	"testing"
	"unicode"

	"github.com/ucxdev/ucx"
)

// checkZH fails unless r has a Chinese message that is Chinese text (not
// the English one copied), cites r's rule as the English one does, and is
// what r.Text("zh") shows.
func checkZH(t *testing.T, label string, r ucx.Reason) {
	t.Helper()
	zh := r.MessageZH
	switch {
	case zh == "":
		t.Errorf("%s: reason %s has no Chinese message (English: %q)", label, r.Code, r.Message)
		return
	case zh == r.Message || !strings.ContainsFunc(zh, func(c rune) bool { return unicode.Is(unicode.Han, c) }):
		t.Errorf("%s: reason %s's Chinese message is not Chinese: %q", label, r.Code, zh)
	case strings.HasPrefix(r.Rule, "R") && !strings.HasPrefix(zh, r.Rule+"："):
		t.Errorf("%s: reason %s cites %s but its Chinese message does not start with %s：: %q", label, r.Code, r.Rule, r.Rule, zh)
	}
	if r.Text("zh") != zh || r.Text("en") != r.Message || r.Text("ru") != r.Message {
		t.Errorf("%s: reason %s: Text does not pick the language's message", label, r.Code)
	}
}

// zhCases are vehicles that between them make the default policy give
// every reason it can: each fixed reason, each R9 evidence item both ways,
// each banned case, each destination advisory, and each kind of VIN fault.
func zhCases(p *Policy) map[string]*ucx.Vehicle {
	cases := map[string]*ucx.Vehicle{}
	add := func(name string, change func(v *ucx.Vehicle)) {
		v := car("2026-01-01", "2026-02-01")
		change(v)
		cases[name] = v
	}
	add("letter", func(*ucx.Vehicle) {})
	add("empty", func(v *ucx.Vehicle) { *v = ucx.Vehicle{} })
	add("no registration date", func(v *ucx.Vehicle) { v.RegistrationDate = ucx.Date{} })
	add("reversed dates", func(v *ucx.Vehicle) { v.ApplicationDate = date("2025-12-01") })
	add("before the policy", func(v *ucx.Vehicle) { v.RegistrationDate, v.ApplicationDate = date("2023-01-01"), date("2023-02-01") })
	add("before the regime", func(v *ucx.Vehicle) { v.RegistrationDate, v.ApplicationDate = date("2025-10-01"), date("2025-12-01") })
	add("no destination", func(v *ucx.Vehicle) { v.Destination = "" })
	add("bad destination", func(v *ucx.Vehicle) { v.Destination = "Russia" })
	add("domestic", func(v *ucx.Vehicle) { v.Destination = "CN" })
	add("transitional", func(v *ucx.Vehicle) { v.RegistrationDate, v.TransferDate = date("2025-12-01"), date("2025-12-20") })
	add("transfer before registration", func(v *ucx.Vehicle) { v.TransferDate = date("2025-12-31") })
	add("transfer after application", func(v *ucx.Vehicle) { v.TransferDate = date("2026-02-02") })
	add("certificate differs", func(v *ucx.Vehicle) {
		v.Certificate = ucx.Certificate{Brand: "Chery", Model: "Tiggo", RegistrationDate: date("2025-12-31"), TransferDate: date("2026-01-05")}
	})
	add("certificate, application empty", func(v *ucx.Vehicle) {
		v.Certificate = ucx.Certificate{Brand: v.Brand, Model: v.Model, RegistrationDate: v.RegistrationDate, TransferDate: date("2026-01-05")}
		v.Brand, v.Model = "", ""
	})
	add("modified, nothing declared", func(v *ucx.Vehicle) { v.Modified = ucx.Yes })
	add("modified, evidence missing", func(v *ucx.Vehicle) {
		v.Modified = ucx.Yes
		v.Modification = ucx.Modification{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: ucx.No, MIITCatalogue: ucx.No, CCC: ucx.No}
	})
	for _, b := range p.BannedCases() {
		add("banned "+b.Code, func(v *ucx.Vehicle) { v.Bans = []string{b.Code} })
	}
	add("unknown ban", func(v *ucx.Vehicle) { v.Bans = []string{"stolen"} })
	add("not inspected", func(v *ucx.Vehicle) { v.Inspection = ucx.No })
	add("inspection unknown", func(v *ucx.Vehicle) { v.Inspection = ucx.Unknown })
	add("negative mileage", func(v *ucx.Vehicle) { v.MileageKM, v.HasMileage = -1, true })
	add("near-new", func(v *ucx.Vehicle) { v.MileageKM, v.HasMileage = 8, true })
	add("old car for the UAE", func(v *ucx.Vehicle) { v.RegistrationDate, v.Destination = date("2020-01-01"), "AE" })
	add("old car for Algeria", func(v *ucx.Vehicle) { v.RegistrationDate, v.Destination = date("2021-01-01"), "DZ" })
	add("Kenya", func(v *ucx.Vehicle) { v.Destination = "KE" })
	add("Russia", func(v *ucx.Vehicle) { v.Destination = "RU" })
	for name, vin := range map[string]string{
		"VIN too short":                "LGXCE4CB4N000000",
		"VIN with a space":             "LGXCE4CB4 N000000",
		"VIN of 18 with a space":       "LGXCE4CB4 N0000001",
		"VIN with a forbidden I":       "LGXCE4CB4N000000I",
		"VIN with a forbidden O":       "LGXCE4CB4N000000O",
		"VIN with a bad character":     "LGXCE4CB4N000000$",
		"VIN in lower case":            "lgxce4cb4n0000001",
		"VIN with a Cyrillic letter":   "LGXCЕ4CB4N0000001",
		"VIN in full width":            "ＬGXCE4CB4N0000001",
		"VIN with a tab inside":        "LGXCE4CB4N000\t001",
		"VIN with a Chinese character": "LGXCE4CB4N000000车",
		"VIN not UTF-8":                "LGXCE4CB4N000000\xff",
		"VIN check digit wrong":        "LGXCE4CB5N0000001",
	} {
		add(name, func(v *ucx.Vehicle) { v.VIN = vin })
	}
	return cases
}

// TestEveryReasonHasAChineseMessage drives the default policy over
// vehicles that make it give every reason code it has, and requires each
// reason to carry a Chinese message. The list of codes is the policy's
// own (fixed codes, its banned cases, its rules), so a new code without a
// vehicle here fails too.
func TestEveryReasonHasAChineseMessage(t *testing.T) {
	p := Default()
	want := map[string]bool{}
	for _, c := range []string{
		"vin_missing", "vin_invalid", "registration_date_missing", "application_date_missing",
		"application_before_registration", "policy_not_in_force", "letter_required", "letter_rule_not_yet_in_force",
		"destination_missing", "destination_invalid", "destination_domestic", "transitional",
		"transfer_before_registration", "transfer_after_application",
		"brand_mismatch", "model_mismatch", "registration_date_mismatch", "transfer_date_mismatch",
		"modified_chassis_brand_missing", "modified_brand_missing", "modification_not_genuine", "modification_proof_required",
		"modified_not_in_miit_catalogue", "miit_catalogue_listing_required", "modified_no_ccc", "ccc_certificate_required",
		"banned_case_unknown", "inspection_missing", "inspection_report_required", "mileage_negative", "near_zero_mileage",
	} {
		want[c] = true
	}
	for _, b := range p.BannedCases() {
		want["banned_"+b.Code] = true
	}
	for _, r := range p.rules {
		want[r.reason.Code] = true
	}
	seen := map[string]bool{}
	for name, v := range zhCases(p) {
		d := decide(p, v)
		for _, r := range d.Reasons {
			seen[r.Code] = true
			checkZH(t, name, r)
		}
	}
	for i, v := range oddVehicles() {
		for _, r := range decide(p, v).Reasons {
			checkZH(t, "odd vehicle "+string(rune('0'+i)), r)
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("no test vehicle makes the default policy give %s; add one to zhCases", c)
		}
	}
}

// The reasons only other policies give: R7's waiver, the inclusive day
// count, a window with an end, a rule that fails at run time.
func TestOtherPoliciesReasonsHaveChineseMessages(t *testing.T) {
	waiver := mustLoadFile(t, "waiver.json")
	for _, app := range []string{"2026-02-01", "2026-04-01"} {
		v := car("2025-12-01", app)
		v.TransferDate = date("2025-12-20")
		for _, r := range decide(waiver, v).Reasons {
			checkZH(t, "waiver "+app, r)
		}
	}
	for _, f := range []string{"inclusive.json", "window.json", "rules.json", "threshold-90.json", "minimal.json"} {
		p := mustLoadFile(t, f)
		for _, v := range []*ucx.Vehicle{car("2026-01-01", "2026-02-01"), car("2025-10-01", "2025-12-01"), car("2026-01-01", "2030-01-01")} {
			for _, r := range decide(p, v).Reasons {
				if strings.HasPrefix(r.Rule, "R") && r.Code != "letter_required" && r.Code != "letter_rule_not_yet_in_force" && r.MessageZH == "" {
					continue // a rule of the test document without message_zh
				}
				checkZH(t, f, r)
			}
		}
	}
	p, err := Load([]byte(`{` + base + `, "rules": [{"id": "odd", "cites": "R1", "severity": "note", "code": "odd",
		"when": "100 / (mileage_km - 7) > 1", "message": "R1: odd"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := car("2026-01-01", "2026-02-01")
	v.MileageKM, v.HasMileage = 7, true
	r, ok := reason(decide(p, v), "policy_rule_failed")
	if !ok {
		t.Fatal("no policy_rule_failed reason")
	}
	checkZH(t, "failed rule", r)
	if !strings.Contains(r.MessageZH, "odd") || !strings.Contains(r.MessageZH, "division by zero") {
		t.Errorf("Chinese message %q does not name the rule and the failure", r.MessageZH)
	}
}

// The Chinese messages use the regulation's own terms and the policy's
// parameters, written as Chinese dates.
func TestChineseMessagesUseTheRegulationsTerms(t *testing.T) {
	p := Default()
	cases := zhCases(p)
	for _, c := range []struct {
		vehicle, code string
		want          []string
	}{
		{"letter", "letter_required", []string{"R1：", "180天", "含180天", "2026年1月1日", "售后维修服务确认书", "注册登记日期", "出口许可证", "免确认书日期"}},
		{"modified, nothing declared", "letter_required", []string{"售后维修服务确认书", "改装车", "底盘生产企业"}},
		{"transitional", "transitional", []string{"R7：", "2026年1月1日", "转让登记待出口"}},
		{"certificate differs", "registration_date_mismatch", []string{"R5：", "注册登记日期", "2026-01-01", "2025-12-31", "机动车登记证书"}},
		{"certificate differs", "transfer_date_mismatch", []string{"申请中未填写转让登记待出口日期", "2026-01-05"}},
		{"certificate, application empty", "brand_mismatch", []string{"申请中未填写品牌", `"BYD"`}},
		{"modified, evidence missing", "modified_no_ccc", []string{"CCC认证", "改装车"}},
		{"not inspected", "inspection_missing", []string{"检验报告", "WM/T 8-2022"}},
		{"banned seized", "banned_seized", []string{"R11：", "seized", "被依法查封、扣押", "出口许可证"}},
		{"unknown ban", "banned_case_unknown", []string{`"stolen"`, "seized"}},
		{"before the policy", "policy_not_in_force", []string{"cn-648", "2024年3月1日"}},
		{"Russia", "destination_entry_standard", []string{"ERA-GLONASS", "检验报告"}},
		{"VIN with a forbidden I", "vin_invalid", []string{"第17位", "字母 I", "数字 1"}},
		{"VIN check digit wrong", "vin_invalid", []string{"第9位", "校验位"}},
		{"VIN with a space", "vin_invalid", []string{"第10位", "空格"}},
		{"VIN of 18 with a space", "vin_invalid", []string{"应为17位", "18位", "第10位", "空格"}},
		{"VIN with a Cyrillic letter", "vin_invalid", []string{"第5位", "西里尔字母"}},
	} {
		r, ok := reason(decide(p, cases[c.vehicle]), c.code)
		if !ok {
			t.Errorf("%s: no %s reason", c.vehicle, c.code)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.MessageZH, w) {
				t.Errorf("%s: %s's Chinese message lacks %q: %q", c.vehicle, c.code, w, r.MessageZH)
			}
		}
	}
	// The inclusive count says so in Chinese too.
	r, _ := reason(decide(mustLoadFile(t, "inclusive.json"), car("2026-01-01", "2026-02-01")), "letter_required")
	if !strings.Contains(r.MessageZH, "注册登记日和申请日均计入") {
		t.Errorf("inclusive policy's Chinese letter message does not say how days are counted: %q", r.MessageZH)
	}
}

// A rule's message_zh is optional: given, it is the reason's Chinese
// message; left out, the reason has none and the English one is shown.
func TestRuleMessageZH(t *testing.T) {
	p, err := Load([]byte(`{` + base + `, "rules": [
		{"id": "a", "cites": "R12", "severity": "note", "code": "a", "when": "true", "message": "R12: a", "message_zh": "R12：甲"},
		{"id": "b", "cites": "R12", "severity": "note", "code": "b", "when": "true", "message": "R12: b"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d := decide(p, car("2026-01-01", "2026-02-01"))
	a, _ := reason(d, "a")
	b, _ := reason(d, "b")
	if a.MessageZH != "R12：甲" || a.Text("zh") != "R12：甲" || b.MessageZH != "" || b.Text("zh") != "R12: b" {
		t.Errorf("a = %+v, b = %+v", a, b)
	}
	_, err = Load([]byte(`{` + base + `, "rules": [{"id": "a", "cites": "R12", "severity": "note", "code": "a", "when": "true", "message": "R12: a", "message_zh": "  "}]}`))
	if f := ucx.ErrorField(err); f != "rules[0].message_zh" {
		t.Errorf("blank message_zh: error %v (field %q), want one for rules[0].message_zh", err, f)
	}
}
