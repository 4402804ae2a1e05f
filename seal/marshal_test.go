package seal

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// The fast path: a struct declared in canonical order encodes, through
// encoding/json, to exactly the bytes Canonicalize produces.
func TestMarshalFastPathIsCanonical(t *testing.T) {
	l := sampleLicence(8)
	l.Exporter.Name = `"Quoted" & <tagged> \ exporter` + "\u00e9\u4e2d\U0001F600\x7f"
	if err := CheckMarshal(l); err != nil {
		t.Fatal(err)
	}
	fast := mustMarshal(t, l)
	plain, _ := json.Marshal(l)
	slow, err := Canonicalize(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast, slow) {
		t.Fatalf("Marshal and Canonicalize differ:\n%s\n%s", fast, slow)
	}
	if n := len(mustMarshal(t, sampleLicence(9))); n < 1900 || n > 2300 {
		t.Errorf("the benchmark licence is %d bytes, want about 2 KB", n)
	}
}

// Values encoding/json does not write canonically still come out of
// Marshal canonical, by the slow path; CheckMarshal names the difference.
func TestMarshalFallsBackToCanonicalize(t *testing.T) {
	type unordered struct {
		Zeta  int `json:"zeta"`
		Alpha int `json:"alpha"`
	}
	tests := []struct {
		name  string
		value any
		want  string
		why   string
	}{
		{"FieldsOutOfOrder", unordered{Zeta: 1, Alpha: 2}, `{"alpha":2,"zeta":1}`, `writes "{\"zeta\":1`},
		{"LineSeparator", map[string]string{"a": "x\u2028y"}, "{\"a\":\"x\u2028y\"}", `\\u2028`},
		{"MapKeysUTF16Order", map[string]int{"\ue000": 1, "\U00010000": 2}, "{\"\U00010000\":2,\"\ue000\":1}", "RFC 8785 has"},
		{"Float", []float64{1e21, 1e-7, 0.1, 100}, `[1e+21,1e-7,0.1,100]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustMarshal(t, tt.value)
			if string(got) != tt.want {
				t.Fatalf("Marshal = %s, want %s", got, tt.want)
			}
			err := CheckMarshal(tt.value)
			if tt.why == "" {
				if err != nil {
					t.Errorf("CheckMarshal = %v", err)
				}
				return
			}
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tt.why) {
				t.Errorf("CheckMarshal = %v, want EINVALID containing %q", err, tt.why)
			}
		})
	}
	if _, err := Marshal(math.NaN()); ucx.ErrorCode(err) != ucx.EINVALID {
		t.Errorf("Marshal(NaN) err = %v", err)
	}
}
