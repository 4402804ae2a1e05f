package sheet

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures under testdata")

// gbkHeadings is the Chinese header of testdata/vehicles-gbk.csv, column for
// column of testdata/vehicles.csv, in the forms exporters' sheets use.
const gbkHeadings = "车架号,注册登记日期,申请日期,目的国,品牌,车型,过户日期,是否改装,行驶里程（公里）,证书品牌,证书车型,证书注册日期,证书过户日期,检测报告,CCC证书,禁止情形,合同号"

// gbkFixture is testdata/vehicles.csv with Chinese headings, as Excel on a
// Chinese Windows saves it: GBK, CRLF line ends.
func gbkFixture(t testing.TB) []byte {
	t.Helper()
	src, err := os.ReadFile("../testdata/vehicles.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(src), "\n")
	text := strings.ReplaceAll(gbkHeadings+"\n"+body, "\n", "\r\n")
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGBKFixtureIsTheSampleWithChineseHeadings(t *testing.T) {
	want := gbkFixture(t)
	if *update {
		if err := os.WriteFile("../testdata/vehicles-gbk.csv", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../testdata/vehicles-gbk.csv")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("testdata/vehicles-gbk.csv is not the GBK sample (%v); run go test ./sheet -run TestGBKFixture -update", err)
	}
}

func TestGBKFileWithChineseHeadingsReadsAsTheUTF8Sample(t *testing.T) {
	utf, err := os.ReadFile("../testdata/vehicles.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, string(utf), CSV)
	r, err := NewReader(bytes.NewReader(gbkFixture(t)), Auto)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, r)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Vehicle.VIN != want[i].Vehicle.VIN || got[i].Vehicle.Brand != want[i].Vehicle.Brand ||
			got[i].Vehicle.Model != want[i].Vehicle.Model || got[i].Vehicle.RegistrationDate != want[i].Vehicle.RegistrationDate ||
			got[i].Vehicle.Modified != want[i].Vehicle.Modified || len(got[i].Problems) != len(want[i].Problems) {
			t.Errorf("row %d: %+v %v, want %+v %v", i+1, got[i].Vehicle, codes(got[i].Problems), want[i].Vehicle, codes(want[i].Problems))
		}
		if a, b := gotValue(&got[i], ColContractNumber), gotValue(&want[i], ColContractNumber); a != b || a == "" {
			t.Errorf("row %d: contract %q, want %q", i+1, a, b)
		}
	}
	if r.Encoding() != EncodingGB18030 {
		t.Errorf("Encoding() = %q, want GB18030", r.Encoding())
	}
	if notes := r.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "converted from GB18030") {
		t.Errorf("Notes() = %q, want one saying it was converted from GB18030", notes)
	}
}

func TestEncodingIsChosenAtTheFirstByteThatIsNotASCII(t *testing.T) {
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ascii := "vin,brand\n" + strings.Repeat(vinA+",BYD\n", 20000) // beyond the first 64 KiB
	utf8Rows := strings.Repeat(vinA+",比亚迪\n", 50)
	tests := []struct {
		name, src string
		enc       string
		brand     string // of the last row
		errLine   string // the error stops the reading, naming this line
		problem   string // the last row's problem code
	}{
		{"utf-8", "vin,品牌\n" + vinA + ",比亚迪\n", EncodingUTF8, "比亚迪", "", ""},
		{"gbk", gbk("vin,品牌\n" + vinA + ",比亚迪\n"), EncodingGB18030, "比亚迪", "", ""},
		{"gbk after 64 KiB of ascii", ascii + gbk(vinA+",比亚迪\n"), EncodingGB18030, "比亚迪", "", ""},
		{"utf-8 after 64 KiB of ascii", ascii + vinA + ",比亚迪\n", EncodingUTF8, "比亚迪", "", ""},
		{"a stray gbk cell in utf-8", "vin,brand\n" + utf8Rows + gbk(vinA+",比亚迪\n"), EncodingUTF8, "", "", CodeNotUTF8},
		{"neither", "vin,brand\n" + vinA + ",BYD\n" + vinA + ",Citro\xebn \xff\n", "", "", "line 3", ""},
		{"neither after 64 KiB of ascii", ascii + vinA + ",\xff\xff\n", EncodingUTF8, "", "line 20002", ""},
		{"gbk then not gbk", gbk("vin,品牌\n"+vinA+",比亚迪\n") + vinA + ",\xff\xff\n", EncodingGB18030, "", "line 3", ""},
		{"utf-16", utf16("vin\tbrand\r\n" + vinA + "\t比亚迪\r\n"), EncodingUTF16, "比亚迪", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.src), Auto)
			if err != nil {
				if tt.errLine != "" && strings.Contains(err.Error(), tt.errLine) && strings.Contains(err.Error(), "GB18030") {
					return
				}
				t.Fatal(err)
			}
			var last Row
			n := 0
			for r.Next() {
				r.Row().CopyTo(&last)
				n++
			}
			if tt.errLine != "" {
				var e *ucx.Error
				if err := r.Err(); !errors.As(err, &e) || e.Code != ucx.EINVALID || !strings.Contains(e.Message, tt.errLine) {
					t.Fatalf("Err() = %v after %d rows, want one invalid error naming %s", err, n, tt.errLine)
				}
				return
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			if r.Encoding() != tt.enc {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), tt.enc)
			}
			if last.Vehicle.Brand != tt.brand {
				t.Errorf("last brand %q, want %q", last.Vehicle.Brand, tt.brand)
			}
			if got := codes(last.Problems); tt.problem != "" && (len(got) != 1 || got[0] != "brand:"+tt.problem) || tt.problem == "" && len(got) > 0 {
				t.Errorf("last row's problems %v, want %q", got, tt.problem)
			}
		})
	}
}

func utf16(s string) string {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

func gotValue(r *Row, name string) string {
	v, _ := r.Value(name)
	return v
}
