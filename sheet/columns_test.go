package sheet

import (
	"os"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

func TestHeadingsInChineseAndEnglishNameTheirColumns(t *testing.T) {
	tests := []struct{ heading, want string }{
		{"vin", ColVIN},
		{"车架号", ColVIN},
		{"VIN码", ColVIN},
		{"vin码", ColVIN},
		{"ＶＩＮ", ColVIN},       // full-width letters
		{"\ufeff车架号", ColVIN}, // a byte-order mark glued to the first heading
		{"　车架号　", ColVIN},     // full-width spaces around
		{"车架号*", ColVIN},      // a required column's star
		{"车架号 VIN", ColVIN},   // the template's two languages
		{"车架号(VIN)", ColVIN},  // …in brackets
		{"车架号（VIN）", ColVIN},  // …full-width brackets
		{"车架号\nvin", ColVIN},  // …on two lines of the cell
		{"注册登记日期", ColRegistrationDate},
		{"初次登记日期", ColRegistrationDate},
		{"Registration  Date", ColRegistrationDate},
		{"registration-date", ColRegistrationDate},
		{"申请日期", ColApplicationDate},
		{"目的国", ColDestination},
		{"目的地", ColDestination},
		{"品牌", ColBrand},
		{"车型", ColModel},
		{"型号", ColModel},
		{"转移登记日期", ColTransferDate},
		{"过户日期", ColTransferDate},
		{"是否改装", ColModified},
		{"行驶里程", ColMileage},
		{"行驶里程（公里）", ColMileage},
		{"Mileage", ColMileage},
		{"证书车型", ColCertModel},
		{"CCC证书", ColCCCCertificate},
		{"ｃｃｃ证书", ColCCCCertificate},
		{"检测报告", ColInspectionReport},
		{"禁止情形", ColBannedCases},
		{"合同号", ColContractNumber},
		{"Contract No", ColContractNumber},
		{"买方", ColBuyer},
		{"发动机/电动机号", ColEngineOrMotor},
		{"座位数", ColSeats},
		{"是否提交", ColSubmit},
	}
	for _, tt := range tests {
		got, known := columnName(tt.heading)
		if got != tt.want || !known {
			t.Errorf("columnName(%q) = %q, %v; want %q", tt.heading, got, known, tt.want)
		}
	}
	for _, h := range []string{"备注", "车架号 品牌", "seller", "车架号/品牌"} {
		if got, known := columnName(h); known {
			t.Errorf("columnName(%q) = %q, want unknown", h, got)
		}
	}
}

func TestEveryHeadingOfTheTableIsUnambiguous(t *testing.T) {
	// headings panics at start-up on a heading naming two columns; here
	// every column's own name must resolve to itself.
	for _, c := range Columns() {
		for _, h := range append([]string{c.Name, c.Label}, c.Aliases...) {
			if got, _ := columnName(h); got != c.Name {
				t.Errorf("heading %q of %s resolves to %q", h, c.Name, got)
			}
		}
	}
}

func TestChineseHeaderReadsLikeTheEnglishOne(t *testing.T) {
	en := "vin,registration_date,destination,brand,modified,mileage_km\n" + vinA + ",2026-01-31,KZ,BYD,否,45200\n"
	zh := "车架号,初次登记日期,目的地,品牌,是否改装,行驶里程\n" + vinA + ",2026-01-31,KZ,BYD,否,45200\n"
	a, b := readAll(t, en, CSV), readAll(t, zh, CSV)
	if len(a) != 1 || len(b) != 1 || a[0].Vehicle.RegistrationDate != b[0].Vehicle.RegistrationDate || a[0].Vehicle.Destination != b[0].Vehicle.Destination ||
		a[0].Vehicle.Modified != b[0].Vehicle.Modified || a[0].Vehicle.MileageKM != b[0].Vehicle.MileageKM || b[0].Vehicle.VIN != vinA {
		t.Fatalf("zh %+v, en %+v", b, a)
	}
}

func TestUnknownHeadingIsNotedWithTheAcceptedNames(t *testing.T) {
	r, err := readerOf("车架号,备注,Regstration Date\n" + vinA + ",x,y\n")
	if err != nil {
		t.Fatal(err)
	}
	notes := r.Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], `"备注"`) || !strings.Contains(notes[0], `"Regstration Date"`) ||
		!strings.Contains(notes[0], "registration_date") || !strings.Contains(notes[0], "docs/check.md") {
		t.Fatalf("Notes() = %q, want one naming both headings and the accepted names", notes)
	}
	r, _ = readerOf("车架号,品牌\n" + vinA + ",x\n")
	if notes := r.Notes(); len(notes) != 0 {
		t.Errorf("known headings: Notes() = %q, want none", notes)
	}
}

func TestAColumnUnderTwoHeadingsIsAFileError(t *testing.T) {
	_, err := readerOf("vin,品牌,车架号\n" + vinA + ",x," + vinA + "\n")
	if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), `"vin" (column 1) and "车架号" (column 3)`) {
		t.Fatalf("got %v, want invalid naming both headings", err)
	}
}

func TestDocsListEveryColumnWithItsHeadings(t *testing.T) {
	doc, err := os.ReadFile("../docs/check.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Columns() {
		var row string
		input, _, _ := strings.Cut(string(doc), "## Output")
		for _, line := range strings.Split(input, "\n") {
			if strings.HasPrefix(line, "| `"+c.Name+"` |") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("docs/check.md has no table row for %s", c.Name)
			continue
		}
		for _, h := range append([]string{c.Label}, c.Aliases...) {
			if !strings.Contains(row, h) {
				t.Errorf("docs/check.md's row for %s does not list the heading %q", c.Name, h)
			}
		}
	}
}

func readerOf(src string) (*Reader, error) { return NewReader(strings.NewReader(src), CSV) }
