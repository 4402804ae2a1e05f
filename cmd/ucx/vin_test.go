package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// runVinCmd is runCLI with stdin as a string; like it, tests that use it
// must not run in parallel.
func runVinCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, []byte(stdin), args...)
}

func TestVinCmd_ValidVINsExitZeroWithDecodedBlock(t *testing.T) {
	code, out, errOut := runVinCmd(t, "", "vin", "LRW3E7FA6NC123456", " lvvdb11bxnd123456")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut)
	}
	blocks := strings.Split(out, "\n\n")
	if len(blocks) != 2 {
		t.Fatalf("want two blocks separated by a blank line, got:\n%s", out)
	}
	for _, want := range []string{
		"LRW3E7FA6NC123456  valid\n",
		"  WMI            LRW\n",
		"  manufacturer   Tesla (Shanghai) Co., Ltd. 特斯拉（上海）有限公司 [Tesla] (verified)\n",
		"  VDS            3E7FA6 (positions 4-9)\n",
		"  VIS            NC123456 (positions 10-17)\n",
		"  check digit    6\n",
		"  model year     N: 1992 or 2022\n",
		"  plant          C\n",
		"  serial         123456\n",
	} {
		if !strings.Contains(blocks[0]+"\n", want) {
			t.Errorf("first block lacks %q:\n%s", want, blocks[0])
		}
	}
	for _, want := range []string{"LVVDB11BXND123456  valid\n", `  input          " lvvdb11bxnd123456"`, "check digit    X\n", "Chery"} {
		if !strings.Contains(blocks[1], want) {
			t.Errorf("second block lacks %q:\n%s", want, blocks[1])
		}
	}
}

func TestVinCmd_AnyInvalidExitsOneWithTheReason(t *testing.T) {
	code, out, errOut := runVinCmd(t, "", "vin", "LRW3E7FA6NC123456", "LRW3E7FA1NC123456", "LC0AB2C3XNAXYZ12O")
	if code != exitFound {
		t.Fatalf("exit %d, want %d", code, exitFound)
	}
	for _, want := range []string{
		"LRW3E7FA6NC123456  valid",
		"LRW3E7FA1NC123456  INVALID: the check digit at position 9 is 1 but the other 16 characters give 6",
		"check digit    1, expected 6",
		"LC0AB2C3XNAXYZ12O  INVALID: position 17 is the letter O",
		"(unverified)", // LC0 is contested
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "2 of 3 VINs invalid") {
		t.Errorf("stderr = %q, want the count", errOut)
	}
}

func TestVinCmd_UsageErrorsExitTwo(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		stderr      string
	}{
		{"no arguments", "", []string{"vin"}, "give at least one VIN"},
		{"empty stdin", "\n  \n", []string{"vin", "-"}, "held no VINs"},
		{"stdin twice", "LRW3E7FA6NC123456\n", []string{"vin", "-", "-"}, "only once"},
		{"unknown flag", "", []string{"vin", "--jsn", "LRW3E7FA6NC123456"}, "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runVinCmd(t, tc.stdin, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", code, errOut, exitUsage, tc.stderr)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestVinCmd_JSONFromStdinPrintsOneObjectPerLine(t *testing.T) {
	stdin := "LGXCE4CB2N0123456\n\n  lsja24u62ms123456\r\nLRW3E7FA6NC12345\nLA9AB2C3XNAXYZ123\n"
	code, out, _ := runVinCmd(t, stdin, "vin", "--json", "-")
	if code != exitFound {
		t.Fatalf("exit %d, want %d (one VIN is short)", code, exitFound)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines (blank input line skipped), got %d:\n%s", len(lines), out)
	}
	var got []vinReport
	for _, l := range lines {
		var r vinReport
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		got = append(got, r)
	}
	byd := got[0]
	if !byd.Valid || byd.WMI != "LGX" || byd.CheckDigit != "2" || byd.YearCode != "N" || !slices.Contains(byd.ModelYears, 2022) ||
		byd.Manufacturer == nil || !byd.Manufacturer.Verified || !slices.Contains(byd.Manufacturer.Brands, "BYD") {
		t.Errorf("BYD line = %+v", byd)
	}
	if mg := got[1]; !mg.Valid || mg.VIN != "LSJA24U62MS123456" || mg.Input != "  lsja24u62ms123456" {
		t.Errorf("MG line = %+v", mg)
	}
	short := got[2]
	if short.Valid || short.Error == nil || short.Error.Code != "length" || short.WMI != "" || short.Manufacturer != nil {
		t.Errorf("short line = %+v", short)
	}
	if !regexp.MustCompile(`"manufacturer":null`).MatchString(lines[2]) {
		t.Errorf("an unknown manufacturer must be null, got %s", lines[2])
	}
	small := got[3]
	if !small.Valid || !small.Small || small.WMI != "LA9XYZ" || small.Serial != "123" {
		t.Errorf("small manufacturer line = %+v", small)
	}
}

func TestVinCmd_JSONReportsTheExpectedCheckDigit(t *testing.T) {
	code, out, _ := runVinCmd(t, "", "vin", "--json", "LVVDB11B0ND123456")
	if code != exitFound {
		t.Fatalf("exit %d", code)
	}
	var r vinReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Error == nil || r.Error.Code != "check_digit" || r.Error.Position != 9 || r.Error.Expected != "X" || r.CheckDigit != "0" {
		t.Fatalf("report = %+v, error %+v", r, r.Error)
	}
}

func TestVinCmd_QuotesControlCharacters(t *testing.T) {
	_, out, _ := runVinCmd(t, "", "vin", "LRW3E7FA6NC12345\x1b")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `"LRW3E7FA6NC12345\x1b"`) {
		t.Fatalf("control character reached the terminal: %q", out)
	}
}
