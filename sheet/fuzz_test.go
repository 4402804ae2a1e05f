package sheet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// FuzzReadCSV feeds arbitrary bytes to the reader as CSV, and as JSON Lines,
// and checks what it promises for any input: no panic; either a file-level
// *ucx.Error (or no error) from NewReader, or rows numbered 1, 2, 3 … whose
// problems are all INPUT rejections; a VIN without a vin problem is valid;
// a destination is empty or two upper-case letters. The seed corpus is in
// testdata/fuzz/FuzzReadCSV.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("vin,registration_date\nLS5CTU6X5SD089346,2026-01-31\n"))
	f.Add([]byte(`{"vin":"LS5CTU6X5SD089346","banned_cases":["a",1,{"b":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{CSV, JSONL} {
			checkAnyInput(t, data, format)
		}
	})
}

func checkAnyInput(t *testing.T, data []byte, format Format) {
	r, err := NewReader(bytes.NewReader(data), format)
	if err != nil {
		var e *ucx.Error
		if !errors.As(err, &e) || e.Code != ucx.EINVALID || e.Message == "" {
			t.Fatalf("%v: NewReader error %#v is not a user-facing invalid error", format, err)
		}
		return
	}
	defer r.Close()
	n := 0
	for r.Next() {
		n++
		row := r.Row()
		if row.N != n {
			t.Fatalf("%v: row numbered %d, want %d", format, row.N, n)
		}
		vinProblem := false
		for _, p := range row.Problems {
			if p.Rule != RuleInput || p.Severity != ucx.Reject || p.Code == "" || p.Message == "" {
				t.Fatalf("%v: malformed problem %+v", format, p)
			}
			if p.Field == ColVIN || p.Field == "" {
				vinProblem = true
			}
		}
		v := &row.Vehicle
		if !vinProblem && vin.Validate(v.VIN) != nil {
			t.Fatalf("%v: VIN %q is invalid but no problem says so", format, v.VIN)
		}
		if d := v.Destination; d != "" && (len(d) != 2 || d[0] < 'A' || d[0] > 'Z' || d[1] < 'A' || d[1] > 'Z') {
			t.Fatalf("%v: destination %q", format, d)
		}
		if v.MileageKM < 0 || v.MileageKM > maxMileage {
			t.Fatalf("%v: mileage %d", format, v.MileageKM)
		}
		for _, c := range row.Columns() {
			row.Value(c)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%v: Err %v on in-memory input", format, err)
	}
}

func TestSeedCorpusReadsCleanly(t *testing.T) {
	// The fuzz corpus doubles as a regression suite under plain go test;
	// this checks one tricky seed explicitly so a corpus mistake is seen.
	checkAnyInput(t, []byte("vin\n\"unterminated\n"), CSV)
}
