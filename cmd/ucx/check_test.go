package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sheet"
)

const sampleFile = "../../testdata/vehicles.csv"

// Valid VINs (correct check digits).
const (
	vin1 = "LS5CTU6X5SD089346"
	vin2 = "L6THXC8U4SV296137"
	vin3 = "LFV7W62A4TH013810"
)

// runCLI runs a command line through run, as main does, with stdin holding
// the given bytes, and returns the exit code and what was printed. It swaps
// the os.Std* files (regular files, so never a terminal), so tests that use
// it must not run in parallel.
func runCLI(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	open := func(name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	in, out, errf := open("stdin"), open("stdout"), open("stderr")
	if _, err := in.Write(stdin); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	oldIn, oldOut, oldErr := os.Stdin, os.Stdout, os.Stderr
	os.Stdin, os.Stdout, os.Stderr = in, out, errf
	code = run(args)
	os.Stdin, os.Stdout, os.Stderr = oldIn, oldOut, oldErr
	for _, f := range []*os.File{in, out, errf} {
		f.Close()
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return code, read("stdout"), read("stderr")
}

// writeFile writes content to a file named name in a temporary directory.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsonDecision is a line of jsonl output as encoding/json reads it.
type jsonDecision struct {
	Row             int     `json:"row"`
	Line            int     `json:"line"`
	VIN             string  `json:"vin"`
	Outcome         string  `json:"outcome"`
	ApplicationDate *string `json:"application_date"`
	Days            *int    `json:"days_since_registration"`
	LetterRequired  bool    `json:"letter_required"`
	LetterFreeFrom  *string `json:"letter_free_from"`
	Transitional    bool    `json:"transitional"`
	Reasons         []struct {
		Rule     string `json:"rule"`
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Field    string `json:"field"`
		Message  string `json:"message"`
		// MessageZH is a pointer so that a line with "message_zh":"" (which
		// encoding/json's omitempty never writes) is told from one without.
		MessageZH *string `json:"message_zh"`
	} `json:"reasons"`
	Policy ucx.PolicyRef `json:"policy"`
}

// decodeLines decodes every line of jsonl output strictly: no unknown keys,
// every documented key present.
func decodeLines(t *testing.T, out string) []jsonDecision {
	t.Helper()
	if out != "" && !strings.HasSuffix(out, "\n") {
		t.Errorf("output does not end with a newline")
	}
	var ds []jsonDecision
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &keys); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		for _, k := range []string{"row", "vin", "outcome", "days_since_registration", "letter_free_from", "letter_required", "transitional", "reasons", "policy"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("line %d has no %q", i+1, k)
			}
		}
		if string(keys["reasons"]) == "null" {
			t.Errorf("line %d: reasons is null, want a list", i+1)
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var d jsonDecision
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		ds = append(ds, d)
	}
	return ds
}

func outcomes(ds []jsonDecision) map[string]int {
	m := map[string]int{}
	for _, d := range ds {
		m[d.Outcome]++
	}
	return m
}

func TestCheck_SampleFileHasEveryOutcome(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "check", "--as-of", "2026-03-01", sampleFile)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	ds := decodeLines(t, out)
	if len(ds) != 13 {
		t.Fatalf("%d lines, want 13", len(ds))
	}
	got := outcomes(ds)
	for _, o := range []string{"clear", "letter-required", "blocked", "invalid"} {
		if got[o] == 0 {
			t.Errorf("no %s row in the sample; docs/check.md promises every outcome (got %v)", o, got)
		}
	}
	// R1 boundaries (REGULATION.md): 180 days needs a letter, 181 does not.
	for _, c := range []struct {
		row  int
		days int
		out  string
	}{{4, 180, "letter-required"}, {5, 181, "clear"}, {3, 13, "letter-required"}} {
		d := ds[c.row-1]
		if d.Days == nil || *d.Days != c.days || d.Outcome != c.out {
			t.Errorf("row %d: days %v outcome %s, want %d %s", c.row, d.Days, d.Outcome, c.days, c.out)
		}
	}
	if want := "13 rows in"; !strings.Contains(errOut, want) || !strings.Contains(errOut, "rows/s") ||
		!strings.Contains(errOut, fmt.Sprintf("clear %d, letter-required %d, blocked %d, invalid %d", got["clear"], got["letter-required"], got["blocked"], got["invalid"])) {
		t.Errorf("summary %q lacks rows, rate or the counts %v", errOut, got)
	}
}

// TestCheck_JSONLinesAgreeWithTheDecisionsFieldByField proves the
// hand-written appender: encoding/json decodes every line, and every field
// equals what the reader and the policy produced for that row, including
// text with quotes, control characters, line breaks and invalid UTF-8.
func TestCheck_JSONLinesAgreeWithTheDecisionsFieldByField(t *testing.T) {
	tricky := "vin,registration_date,application_date,destination,brand,model,transfer_date,banned_cases\n" +
		// Enough UTF-8 for the stray bytes below to stay problems of
		// their rows rather than make the file neither UTF-8 nor GB18030.
		vin1 + ",2025-07-05,2026-01-01,RU,BYD,Song " + strings.Repeat("宋", 60) + ",2025-12-20,\n" +
		"\"lgx\"\"\\back\x01\x1f\u2028\xff\xfe end\",2026-01-01,,KZ,\"two\nlines\",\"tab\there\",,\n" +
		vin2 + ",2026.02.30,2026-03-01,Ру,\"\xb1\xc8\xd1\xc7\",M,,\"seized;\x7f<script>\"\n" +
		vin3 + ",2025-01-01,2024-12-31,ae,Chery,Tiggo,2026-01-05,encumbered\n" +
		",,,,,,,\x00\n" +
		// The same codes with other messages: the per-worker message cache
		// must not repeat the first one.
		"LS5CTU6X5SD08934,2025-01-01,2026-01-01,Kazakhstan,BYD,Song,,\n" +
		"LS5CTU6X5SD089347,2025-01-01,2026-01-01,R,BYD,Song,,\n"
	path := writeFile(t, "tricky.csv", []byte(tricky))
	for _, file := range []string{sampleFile, path} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, "check", "--as-of", "2026-02-15", file)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			got := decodeLines(t, out)

			// What the lines must say: the same reader, policy and decide.
			opts := checkOptions{asOf: ucx.MustDate(2026, 2, 15), format: "jsonl", policy: policy.Default()}
			c := newChecker(opts)
			r, err := sheet.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			w := &worker{}
			lines := strings.Split(out, "\n")
			i, withZH := 0, 0
			for ; r.Next(); i++ {
				if i >= len(got) {
					t.Fatalf("only %d lines for more rows", len(got))
				}
				row := r.Row()
				reasons := c.decide(row, w)
				d, g := &w.dec, got[i]
				field := func(name string, gotV, wantV any) {
					t.Helper()
					if fmt.Sprint(gotV) != fmt.Sprint(wantV) {
						t.Errorf("row %d %s: line says %v, decision %v", row.N, name, gotV, wantV)
					}
				}
				field("row", g.Row, row.N)
				field("line", g.Line, row.Line)
				field("vin", g.VIN, viaEncodingJSON(row.Vehicle.VIN))
				field("outcome", g.Outcome, d.Outcome.String())
				field("application_date", deref(g.ApplicationDate), row.Vehicle.ApplicationDate.String())
				field("days", g.Days != nil, d.HasDays)
				if d.HasDays && g.Days != nil {
					field("days", *g.Days, d.DaysSinceRegistration)
				}
				field("letter_required", g.LetterRequired, d.LetterRequired)
				field("letter_free_from", deref(g.LetterFreeFrom), d.LetterFreeFrom.String())
				field("transitional", g.Transitional, d.Transitional)
				field("policy", g.Policy, opts.policy.Ref())
				field("reason count", len(g.Reasons), len(reasons))
				for j := range min(len(g.Reasons), len(reasons)) {
					gr, wr := g.Reasons[j], reasons[j]
					field("reason rule", gr.Rule, wr.Rule)
					field("reason code", gr.Code, wr.Code)
					field("reason severity", gr.Severity, wr.Severity.String())
					field("reason field", gr.Field, wr.Field)
					field("reason message", gr.Message, viaEncodingJSON(wr.Message))
					field("reason message_zh present", gr.MessageZH != nil, wr.MessageZH != "")
					field("reason message_zh", deref(gr.MessageZH), viaEncodingJSON(wr.MessageZH))
					if gr.MessageZH != nil {
						withZH++
					}
				}
				// The reasons, byte for byte, are what encoding/json
				// writes for ucx.Reason (without HTML escaping, which the
				// appender does not do).
				var enc bytes.Buffer
				je := json.NewEncoder(&enc)
				je.SetEscapeHTML(false)
				if err := je.Encode(reasons); err != nil {
					t.Fatal(err)
				}
				wantReasons := `"reasons":` + strings.TrimSuffix(enc.String(), "\n") + `,"policy":`
				if len(reasons) == 0 {
					wantReasons = `"reasons":[],"policy":`
				}
				if !strings.Contains(lines[i], wantReasons) {
					t.Errorf("row %d: reasons differ from encoding/json's\n got: %s\nwant: %s", row.N, lines[i], wantReasons)
				}
			}
			if i != len(got) {
				t.Errorf("%d rows but %d lines", i, len(got))
			}
			if withZH == 0 {
				t.Error("no reason has a message_zh")
			}
		})
	}
}

// viaEncodingJSON returns s as it comes back from encoding/json: each byte
// of invalid UTF-8 becomes U+FFFD.
func viaEncodingJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	json.Unmarshal(b, &out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `"quoted" \back\slash/`, "\x00\x01\x1f\x7f", "\n\r\t\b\f", "比亚迪 Song PLUS",
		"\xff", "a\xffb\xfe\xfdc", "\xe6\xaf", "\u2028\u2029", "\U0001F697", "<&>", "\xed\xa0\x80",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		enc := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q encodes as %s, which encoding/json rejects: %v", s, enc, err)
		}
		if want := viaEncodingJSON(s); got != want {
			t.Errorf("%q: decoded %q, encoding/json round trip gives %q", s, got, want)
		}
		if !utf8.Valid(enc) {
			t.Errorf("%q: encoding %q is not valid UTF-8", s, enc)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("\x00\"\\\xff\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatal(err)
		}
		if want := viaEncodingJSON(s); got != want {
			t.Fatalf("decoded %q, want %q", got, want)
		}
	})
}

func TestCheck_AsOfAppliesOnlyToRowsWithoutAnApplicationDate(t *testing.T) {
	path := writeFile(t, "v.csv", []byte("vin,registration_date,application_date\n"+
		vin1+",2026-01-01,2026-04-01\n"+ // its own date: 90 days
		vin2+",2026-01-01,\n"+ // none: --as-of, 31 days
		vin3+",2026-01-01,2026-13-01\n")) // unreadable: not replaced
	_, out, _ := runCLI(t, nil, "check", "--as-of", "2026年2月1日", path)
	ds := decodeLines(t, out)
	if len(ds) != 3 {
		t.Fatalf("%d lines", len(ds))
	}
	want := []struct {
		app  string
		days int
	}{{"2026-04-01", 90}, {"2026-02-01", 31}, {"", -1}}
	for i, w := range want {
		d := ds[i]
		days := -1
		if d.Days != nil {
			days = *d.Days
		}
		if deref(d.ApplicationDate) != w.app || days != w.days {
			t.Errorf("row %d: application %q days %d, want %q %d", i+1, deref(d.ApplicationDate), days, w.app, w.days)
		}
	}
	if ds[2].Outcome != "invalid" || ds[2].Reasons[0].Field != "application_date" || ds[2].Reasons[0].Code != sheet.CodeBadDate {
		t.Errorf("row 3: %+v, want invalid for the application_date", ds[2])
	}
}

func TestCheck_ProblemsAndPolicyReasonsDoNotRepeatAColumn(t *testing.T) {
	path := writeFile(t, "v.csv", []byte("vin,registration_date,application_date,inspection_report\n"+
		"LS5CTU6X5SD08934,2025-02-30,2026-03-01,perhaps\n"))
	_, out, _ := runCLI(t, nil, "check", path)
	d := decodeLines(t, out)[0]
	seen := map[string]string{}
	for _, r := range d.Reasons {
		if r.Field == "" {
			continue
		}
		if prev, dup := seen[r.Field]; dup {
			t.Errorf("column %s has two reasons: %s and %s %s", r.Field, prev, r.Rule, r.Code)
		}
		seen[r.Field] = r.Rule + " " + r.Code
	}
	for _, col := range []string{"vin", "registration_date", "inspection_report"} {
		if !strings.HasPrefix(seen[col], "INPUT ") {
			t.Errorf("column %s: reason %q, want the INPUT problem", col, seen[col])
		}
	}
	if d.Outcome != "invalid" {
		t.Errorf("outcome %s, want invalid", d.Outcome)
	}
}

func TestCheck_FailOn(t *testing.T) {
	tests := []struct {
		failOn string
		code   int
	}{
		{"invalid", exitFound},
		{"blocked,invalid", exitFound},
		{"Letter-Required", exitFound},
		{"clear", exitFound},
		{"", exitOK},
		{"bogus", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			args := []string{"check", "--as-of", "2026-03-01", sampleFile}
			if tt.failOn != "" {
				args = append(args, "--fail-on", tt.failOn)
			}
			code, out, errOut := runCLI(t, nil, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			if tt.code == exitFound {
				if n := strings.Count(out, "\n"); n != 13 {
					t.Errorf("%d lines written, want all 13 even when failing", n)
				}
				if !strings.Contains(errOut, "--fail-on") {
					t.Errorf("stderr %q does not say why it failed", errOut)
				}
			}
		})
	}
	// Only blocked rows here: --fail-on invalid passes.
	path := writeFile(t, "ok.csv", []byte("vin,registration_date,application_date\n"+vin1+",2025-01-01,2026-03-01\n"))
	if code, _, errOut := runCLI(t, nil, "check", "--fail-on", "invalid,blocked", path); code != exitOK {
		t.Errorf("clean file with --fail-on: exit %d, stderr %s", code, errOut)
	}
}

func TestCheck_UsageAndInputErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	noVIN := writeFile(t, "novin.csv", []byte("chassis,registration_date\nX,2026-01-01\n"))
	xlsNoVIN := writeFile(t, "novin.xlsx", workbookBytes(t, [][]any{{"registration_date"}, {"2026-01-01"}}))
	xls := writeFile(t, "old.xls", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...))
	notJSON := writeFile(t, "x.jsonl", []byte("hello\nworld\n"))
	tests := []struct {
		name  string
		args  []string
		stdin []byte
		want  string
	}{
		{"missing file", []string{"check", filepath.Join(dir, "nope.csv")}, nil, "no such file"},
		{"no vin column", []string{"check", noVIN}, nil, "vin"},
		{"no vin column in a workbook", []string{"check", xlsNoVIN}, nil, "vin"},
		{"no vin column on stdin", []string{"check", "-"}, []byte("brand\nBYD\n"), "vin"},
		{"empty stdin", []string{"check", "-"}, nil, "empty"},
		{"old xls", []string{"check", xls}, nil, ".xlsx"},
		{"not JSON Lines", []string{"check", notJSON}, nil, "JSON"},
		{"bad --as-of", []string{"check", "--as-of", "31/01/2026", sampleFile}, nil, "--as-of"},
		{"bad --format", []string{"check", "--format", "xml", sampleFile}, nil, "--format"},
		{"bad --policy", []string{"check", "--policy", filepath.Join(dir, "nope.json"), sampleFile}, nil, "--policy"},
		{"no file argument", []string{"check"}, nil, "arg"},
		{"two file arguments", []string{"check", sampleFile, sampleFile}, nil, "arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.stdin, tt.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr %s", code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not mention %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func workbookBytes(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheck_StdinFormatIsSniffed(t *testing.T) {
	tests := []struct {
		name  string
		stdin []byte
	}{
		{"csv", []byte("vin,registration_date,application_date\n" + vin1 + ",2026-01-01,2026-03-01\n")},
		{"csv with BOM", []byte("\ufeffVIN,Registration Date,Application Date\n" + vin1 + ",2026/01/01,2026/03/01\n")},
		{"jsonl", []byte(`{"vin":"` + vin1 + `","registration_date":"2026-01-01","application_date":"2026-03-01"}` + "\n")},
		{"xlsx", workbookBytes(t, [][]any{{"vin", "registration_date", "application_date"}, {vin1, "2026-01-01", "2026年3月1日"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.stdin, "check", "-")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			ds := decodeLines(t, out)
			if len(ds) != 1 || ds[0].VIN != vin1 || ds[0].Days == nil || *ds[0].Days != 59 || ds[0].Outcome != "letter-required" {
				t.Errorf("got %+v, want one letter-required row 59 days after registration", ds)
			}
		})
	}
}

func TestCheck_MalformedJSONLineIsInvalidAndTheRunGoesOn(t *testing.T) {
	path := writeFile(t, "v.jsonl", []byte(
		`{"vin":"`+vin1+`","registration_date":"2025-01-01","application_date":"2026-03-01"}`+"\n"+
			`{"vin":"`+vin2+`","registration_date":`+"\n"+
			`{"vin":"`+vin3+`","registration_date":"2026-02-01","application_date":"2026-03-01"}`+"\n"))
	code, out, errOut := runCLI(t, nil, "check", path, "--fail-on", "invalid")
	if code != exitFound {
		t.Fatalf("exit %d, want 1 (one invalid row); stderr %s", code, errOut)
	}
	ds := decodeLines(t, out)
	if got := []string{ds[0].Outcome, ds[1].Outcome, ds[2].Outcome}; !slices.Equal(got, []string{"clear", "invalid", "letter-required"}) {
		t.Fatalf("outcomes %v", got)
	}
	if r := ds[1].Reasons; len(r) != 1 || r[0].Code != sheet.CodeBadRow || r[0].Rule != "INPUT" || ds[1].Line != 2 {
		t.Errorf("malformed line: %+v", ds[1])
	}
}

func TestCheck_CSVOutput(t *testing.T) {
	code, out, _ := runCLI(t, nil, "check", "--as-of", "2026-03-01", "--format", "csv", sampleFile)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"row", "vin", "outcome", "days_since_registration", "letter_free_from", "reasons", "policy_id"}; !slices.Equal(recs[0], want) {
		t.Errorf("header %v, want %v", recs[0], want)
	}
	if len(recs) != 14 {
		t.Fatalf("%d records, want header + 13", len(recs))
	}
	jsonl := decodeLines(t, func() string { _, o, _ := runCLI(t, nil, "check", "--as-of", "2026-03-01", sampleFile); return o }())
	for i, rec := range recs[1:] {
		j := jsonl[i]
		days := ""
		if j.Days != nil {
			days = fmt.Sprint(*j.Days)
		}
		if rec[0] != fmt.Sprint(j.Row) || rec[1] != j.VIN || rec[2] != j.Outcome || rec[3] != days || rec[4] != deref(j.LetterFreeFrom) || rec[6] != j.Policy.ID {
			t.Errorf("record %v disagrees with the jsonl line %+v", rec, j)
		}
		for _, r := range j.Reasons {
			if !strings.Contains(rec[5], r.Rule+" "+r.Code) || !strings.Contains(rec[5], r.Message) {
				t.Errorf("row %d reasons %q lack %s %s", j.Row, rec[5], r.Rule, r.Code)
			}
		}
	}
}

func TestCheck_TableOutputIsAligned(t *testing.T) {
	code, out, _ := runCLI(t, nil, "check", "--as-of", "2026-03-01", "--format", "table", sampleFile)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	head := lines[0]
	for _, h := range []string{"ROW", "VIN", "OUTCOME", "DAYS", "LETTER-FREE", "REASONS"} {
		if !strings.Contains(head, h) {
			t.Errorf("header %q lacks %s", head, h)
		}
	}
	col := strings.Index(head, "OUTCOME")
	reasonsCol := utf8.RuneCountInString(head[:strings.Index(head, "REASONS")])
	rows := 0
	for _, l := range lines[1:] {
		if strings.TrimSpace(l[:7]) == "" { // a further reason
			if utf8.RuneCountInString(l)-utf8.RuneCountInString(strings.TrimLeft(l, " ")) != reasonsCol {
				t.Errorf("continuation line not under REASONS: %q", l)
			}
			continue
		}
		rows++
		o := strings.Fields(l[col:])[0]
		if _, ok := ucx.ParseOutcome(o); !ok {
			t.Errorf("no outcome at the OUTCOME column in %q", l)
		}
	}
	if rows != 13 {
		t.Errorf("%d rows in the table, want 13", rows)
	}
}

func TestCheck_ManyBatchesStayInInputOrder(t *testing.T) {
	const n = 5*batchSize + 17
	var b strings.Builder
	b.WriteString("vin,registration_date,application_date\n")
	vins := []string{vin1, vin2, vin3, "BAD"}
	for i := range n {
		fmt.Fprintf(&b, "%s,2025-%02d-%02d,2026-03-01\n", vins[i%4], 1+i%12, 1+i%28)
	}
	path := writeFile(t, "many.csv", []byte(b.String()))
	code, out, errOut := runCLI(t, nil, "check", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ds := decodeLines(t, out)
	if len(ds) != n {
		t.Fatalf("%d lines, want %d", len(ds), n)
	}
	for i, d := range ds {
		if d.Row != i+1 || (d.VIN == "BAD") != (i%4 == 3) {
			t.Fatalf("line %d is row %d (%s): out of order", i+1, d.Row, d.VIN)
		}
	}
	if !strings.Contains(errOut, fmt.Sprintf("%d rows", n)) || !strings.Contains(errOut, fmt.Sprintf("invalid %d", (n+1)/4)) {
		t.Errorf("summary %q", errOut)
	}
}

// failingWriter fails after n bytes, like a full disk.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("no space left on device")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestCheck_WriteFailureStopsTheRunWithoutHanging(t *testing.T) {
	var b strings.Builder
	b.WriteString("vin,registration_date\n")
	for range 40 * batchSize {
		b.WriteString(vin1 + ",2025-01-01\n")
	}
	r, err := sheet.NewReader(strings.NewReader(b.String()), sheet.CSV)
	if err != nil {
		t.Fatal(err)
	}
	c := newChecker(checkOptions{asOf: ucx.MustDate(2026, 3, 1), format: "jsonl", policy: policy.Default()})
	st, readErr, outErr := c.run(r, &failingWriter{n: 1 << 20}, nil)
	if outErr == nil || readErr != nil {
		t.Fatalf("outErr %v readErr %v, want the write error", outErr, readErr)
	}
	if st.rows >= 40*batchSize {
		t.Errorf("counted %d rows after the output failed", st.rows)
	}
}

// errReader fails part-way through the input.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestCheck_ReadFailureKeepsTheRowsReadAndReportsIt(t *testing.T) {
	src := "vin,registration_date\n" + strings.Repeat(vin1+",2025-01-01\n", 3000)
	r, err := sheet.NewReader(&errReader{r: strings.NewReader(src), err: errors.New("connection reset")}, sheet.CSV)
	if err != nil {
		t.Fatal(err)
	}
	c := newChecker(checkOptions{asOf: ucx.MustDate(2026, 3, 1), format: "csv", policy: policy.Default()})
	var out bytes.Buffer
	st, readErr, outErr := c.run(r, &out, nil)
	if readErr == nil || outErr != nil {
		t.Fatalf("readErr %v outErr %v, want the read error", readErr, outErr)
	}
	if st.rows != 3000 || strings.Count(out.String(), "\n") != 3001 {
		t.Errorf("%d rows counted, %d lines written; want all 3000 read before the failure", st.rows, strings.Count(out.String(), "\n"))
	}
}

func BenchmarkCheckJSONL(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("vin,registration_date,application_date,destination,brand,model,transfer_date,mileage_km,cert_brand,cert_model,cert_registration_date,cert_transfer_date\n")
	for i := range 10000 {
		v := []string{vin1, vin2, vin3}[i%3]
		sb.WriteString(v + ",2025-07-05,2026-01-01,RU,BYD,Song PLUS,2025-12-20,12345,BYD,Song PLUS,2025-07-05,2025-12-20\n")
	}
	src := sb.String()
	c := newChecker(checkOptions{asOf: ucx.MustDate(2026, 3, 1), format: "jsonl", policy: policy.Default()})
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := sheet.NewReader(strings.NewReader(src), sheet.CSV)
		if err != nil {
			b.Fatal(err)
		}
		if _, rerr, werr := c.run(r, io.Discard, nil); rerr != nil || werr != nil {
			b.Fatal(rerr, werr)
		}
	}
}

// A CSV saved by Excel on a Chinese Windows (GBK, Chinese headings) is
// decided as the UTF-8 sample with English headings is, row for row, with a
// note that it was converted.
func TestCheck_GBKFileWithChineseHeadingsDecidesAsTheUTF8Sample(t *testing.T) {
	args := []string{"check", "--as-of", "2026-03-01", "--format", "csv"}
	code, want, _ := runCLI(t, nil, append(args, sampleFile)...)
	if code != exitOK {
		t.Fatalf("sample: exit %d", code)
	}
	code, got, errOut := runCLI(t, nil, append(args, "../../testdata/vehicles-gbk.csv")...)
	if code != exitOK {
		t.Fatalf("gbk: exit %d: %s", code, errOut)
	}
	if got != want {
		t.Errorf("decisions differ:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(errOut, "note: ") || !strings.Contains(errOut, "converted from GB18030") {
		t.Errorf("stderr %q has no note of the conversion", errOut)
	}
	// Through standard input too, where the format is sniffed.
	gbk, err := os.ReadFile("../../testdata/vehicles-gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	if code, got, errOut = runCLI(t, gbk, append(args, "-")...); code != exitOK || got != want {
		t.Errorf("stdin: exit %d, stderr %s, same decisions %v", code, errOut, got == want)
	}
}

// A file that is neither UTF-8 nor GB18030 is one error naming the line,
// not a problem on every row.
func TestCheck_TextNeitherUTF8NorGB18030IsOneErrorNamingTheLine(t *testing.T) {
	src := "vin,brand\n" + vin1 + ",BYD\n" + vin2 + ",Citro\xebn\xff\n" + vin3 + ",Ch\xe9ry\xff\n"
	code, out, errOut := runCLI(t, nil, "check", writeFile(t, "latin1.csv", []byte(src)))
	if code != exitUsage || out != "" || !strings.Contains(errOut, "line 3 is neither UTF-8 nor GB18030") || strings.Count(errOut, "neither") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and one error naming line 3", code, out, errOut)
	}
}

// TestCheck_CSVOutputNeutralisesFormulas checks a file whose cells are
// spreadsheet formulas: the CSV ucx check writes echoes them (the VIN, the
// reasons) with an apostrophe first, so no cell runs as a formula.
func TestCheck_CSVOutputNeutralisesFormulas(t *testing.T) {
	_, out, _ := runCLI(t, nil, "check", "--as-of", "2026-03-01", "--format", "csv", "testdata/formulas.csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("output does not parse as CSV: %v\n%s", err, out)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want header + 3:\n%s", len(recs), out)
	}
	echoed := 0
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if u := strings.ToUpper(cell); strings.Contains(u, "HYPERLINK") || strings.Contains(u, "SUM(") || strings.Contains(u, "CALC") {
				echoed++
			}
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q of %q would run as a formula", cell, rec)
			}
		}
	}
	if echoed < 3 {
		t.Fatalf("the VINs are not echoed (%d cells), so the test proves nothing:\n%s", echoed, out)
	}
}

// ucx import --template writes the template without a server, and ucx
// check reads it as it is: its example row is clear.
func TestImportTemplate_WrittenByTheCLIAndCheckedClear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "模板.xlsx")
	if code, _, errOut := runCLI(t, nil, "import", "--template", path); code != exitOK {
		t.Fatalf("import --template: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, nil, "check", "--as-of", "2026-03-01", path)
	if code != exitOK {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	lines := decodeLines(t, out)
	if len(lines) != 1 || lines[0].Outcome != "clear" || lines[0].VIN != sheet.TemplateExample[sheet.ColVIN] || strings.Contains(errOut, "note:") {
		t.Fatalf("check of the template: %v, stderr %q; want the example row clear and no note", lines, errOut)
	}
	if code, _, _ := runCLI(t, nil, "import", "--template", path, "extra.csv"); code != exitUsage {
		t.Errorf("--template with a file to import: exit %d, want usage", code)
	}
}
