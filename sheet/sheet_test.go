package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/xuri/excelize/v2"
)

// Valid VINs (correct GB 16735 check digits) for the tests.
const (
	vinA = "LS5CTU6X5SD089346"
	vinB = "L6THXC8U4SV296137"
	vinC = "LFV7W62A4TH013810"
)

// readAll reads every row of src in format f, copying each one out.
func readAll(t *testing.T, src string, f Format) []Row {
	t.Helper()
	r, err := NewReader(strings.NewReader(src), f)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	return drain(t, r)
}

func drain(t *testing.T, r *Reader) []Row {
	t.Helper()
	var rows []Row
	for r.Next() {
		var c Row
		r.Row().CopyTo(&c)
		rows = append(rows, c)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	return rows
}

func codes(rs []ucx.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Field+":"+r.Code)
	}
	return out
}

func TestHeadersAreMatchedByNameInAnyOrderAndCase(t *testing.T) {
	want := ucx.MustDate(2026, 1, 31)
	tests := []struct {
		name, src string
	}{
		{"canonical", "vin,registration_date\n" + vinA + ",2026-01-31\n"},
		{"upper case", "VIN,REGISTRATION_DATE\n" + vinA + ",2026-01-31\n"},
		{"spaces around", " Vin ,\tRegistration_Date \n" + vinA + ",2026-01-31\n"},
		{"inner space and hyphen", "VIN,Registration Date\n" + vinA + ",2026-01-31\n"},
		{"hyphen", "vin,registration-date\n" + vinA + ",2026-01-31\n"},
		{"other order", "registration_date,brand,vin\n2026-01-31,BYD," + vinA + "\n"},
		{"byte-order mark", "\ufeffvin,registration_date\n" + vinA + ",2026-01-31\n"},
		{"CRLF line ends", "vin,registration_date\r\n" + vinA + ",2026-01-31\r\n"},
		{"semicolons", "vin;registration_date\n" + vinA + ";2026-01-31\n"},
		{"tabs", "vin\tregistration_date\n" + vinA + "\t2026-01-31\n"},
		{"blank lines skipped", "\nvin,registration_date\n,\n" + vinA + ",2026-01-31\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := readAll(t, tt.src, CSV)
			if len(rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(rows))
			}
			r := rows[0]
			if r.N != 1 || r.Vehicle.VIN != vinA || r.Vehicle.RegistrationDate != want || len(r.Problems) != 0 {
				t.Errorf("row %d vin %q reg %v problems %v; want row 1 %s %v no problems", r.N, r.Vehicle.VIN, r.Vehicle.RegistrationDate, codes(r.Problems), vinA, want)
			}
		})
	}
}

func TestEveryDateFormIsAccepted(t *testing.T) {
	tests := []struct {
		in   string
		want ucx.Date
	}{
		{"2026-01-31", ucx.MustDate(2026, 1, 31)},
		{"2026/01/31", ucx.MustDate(2026, 1, 31)},
		{"2026.01.31", ucx.MustDate(2026, 1, 31)},
		{"2026年1月31日", ucx.MustDate(2026, 1, 31)},
		{"2026年01月05日", ucx.MustDate(2026, 1, 5)},
		{"2026/1/5", ucx.MustDate(2026, 1, 5)},
		{" 2024-02-29 ", ucx.MustDate(2024, 2, 29)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			src := "vin,registration_date,application_date,transfer_date,cert_registration_date,cert_transfer_date\n" +
				vinA + "," + strings.Repeat(`"`+tt.in+`",`, 4) + `"` + tt.in + "\"\n"
			r := readAll(t, src, CSV)[0]
			v := r.Vehicle
			for name, got := range map[string]ucx.Date{
				"registration_date": v.RegistrationDate, "application_date": v.ApplicationDate, "transfer_date": v.TransferDate,
				"cert_registration_date": v.Certificate.RegistrationDate, "cert_transfer_date": v.Certificate.TransferDate,
			} {
				if got != tt.want {
					t.Errorf("%s = %v, want %v", name, got, tt.want)
				}
			}
			if len(r.Problems) != 0 {
				t.Errorf("problems %v", codes(r.Problems))
			}
		})
	}
}

func TestUnreadableValuesAreProblemsNamingTheColumnAndTheFix(t *testing.T) {
	tests := []struct {
		column, value, code, fix string
	}{
		{"registration_date", "31/01/2026", CodeBadDate, "YYYY-MM-DD"},
		{"application_date", "2026-02-30", CodeBadDate, "no calendar day"},
		{"transfer_date", "yesterday", CodeBadDate, "2026年1月31日"},
		{"cert_registration_date", "46053", CodeBadDate, "YYYY-MM-DD"}, // a serial is read only from a workbook
		{"vin", "LGX123", CodeVINInvalid, "17 characters"},
		{"vin", "LS5CTU6X6SD089346", CodeVINInvalid, "check digit"},
		{"vin", "LS5CTU6XOSD089346", CodeVINInvalid, "I, O and Q"},
		{"vin", " ", CodeVINMissing, "registration certificate"},
		{"mileage_km", "12,000", CodeBadNumber, "whole number of kilometres"},
		{"mileage_km", "12000km", CodeBadNumber, "e.g. 45200"},
		{"mileage_km", "-5", CodeBadNumber, "whole number"},
		{"modified", "maybe", CodeBadYesNo, "yes or no"},
		{"ccc_certificate", "y", CodeBadYesNo, "是/否"},
		{"inspection_report", "有", CodeBadYesNo, "leave the cell empty"},
		{"destination", "Russia", CodeBadCountry, "e.g. RU"},
		{"destination", "R1", CodeBadCountry, "alpha-2"},
	}
	for _, tt := range tests {
		t.Run(tt.column+"="+tt.value, func(t *testing.T) {
			src := "vin," + tt.column + "\n" + vinA + ",\"" + tt.value + "\"\n"
			if tt.column == "vin" {
				src = "vin,brand\n\"" + tt.value + "\",BYD\n"
			}
			rows := readAll(t, src, CSV)
			if len(rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(rows))
			}
			p := rows[0].Problems
			if len(p) != 1 {
				t.Fatalf("problems %v, want exactly one", codes(p))
			}
			if p[0].Rule != RuleInput || p[0].Severity != ucx.Reject || p[0].Field != tt.column || p[0].Code != tt.code {
				t.Errorf("got %+v, want rule INPUT, reject, field %s, code %s", p[0], tt.column, tt.code)
			}
			if !strings.Contains(p[0].Message, tt.fix) {
				t.Errorf("message %q does not tell the fix (%q)", p[0].Message, tt.fix)
			}
			if !rows[0].HasProblem(tt.column) || rows[0].Unreadable() {
				t.Errorf("HasProblem(%s) = false or Unreadable = true", tt.column)
			}
		})
	}
}

func TestValuesAreReadIntoTheVehicle(t *testing.T) {
	src := "VIN,registration_date,application_date,destination,brand,model,transfer_date,modified,mileage_km," +
		"cert_brand,cert_model,cert_registration_date,cert_transfer_date,chassis_brand,modified_brand," +
		"modification_genuine,miit_catalogue,ccc_certificate,inspection_report,banned_cases\n" +
		" ls5ctu6x5sd089346 ,2025-02-06,2026-01-05,mn, 长安 ,CS75 PLUS,2025-12-22,是,12703," +
		"长安,CS75 PLUS,2025-02-06,2025-12-22,Isuzu,Jiangling,yes,TRUE,0,否,\"encumbered; seized，other_legal_ban\"\n"
	r := readAll(t, src, CSV)[0]
	v := r.Vehicle
	if len(r.Problems) != 0 {
		t.Fatalf("problems %v", codes(r.Problems))
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"VIN normalised", v.VIN, vinA},
		{"registration", v.RegistrationDate, ucx.MustDate(2025, 2, 6)},
		{"application", v.ApplicationDate, ucx.MustDate(2026, 1, 5)},
		{"destination upper-cased", v.Destination, "MN"},
		{"brand trimmed", v.Brand, "长安"},
		{"model", v.Model, "CS75 PLUS"},
		{"transfer", v.TransferDate, ucx.MustDate(2025, 12, 22)},
		{"modified 是", v.Modified, ucx.Yes},
		{"mileage", v.MileageKM, 12703},
		{"has mileage", v.HasMileage, true},
		{"cert brand", v.Certificate.Brand, "长安"},
		{"cert model", v.Certificate.Model, "CS75 PLUS"},
		{"cert registration", v.Certificate.RegistrationDate, ucx.MustDate(2025, 2, 6)},
		{"cert transfer", v.Certificate.TransferDate, ucx.MustDate(2025, 12, 22)},
		{"chassis brand", v.Modification.ChassisBrand, "Isuzu"},
		{"modified brand", v.Modification.ModifiedBrand, "Jiangling"},
		{"genuine yes", v.Modification.Genuine, ucx.Yes},
		{"miit TRUE", v.Modification.MIITCatalogue, ucx.Yes},
		{"ccc 0", v.Modification.CCC, ucx.No},
		{"inspection 否", v.Inspection, ucx.No},
		{"bans split on ; and ，", strings.Join(v.Bans, "|"), "encumbered|seized|other_legal_ban"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEmptyValuesAreUnknownNotErrors(t *testing.T) {
	src := "vin,registration_date,modified,mileage_km,destination,banned_cases\n" + vinA + ",,,,,\n"
	r := readAll(t, src, CSV)[0]
	v := r.Vehicle
	if len(r.Problems) != 0 || !v.RegistrationDate.IsZero() || v.Modified != ucx.Unknown || v.HasMileage || v.Destination != "" || len(v.Bans) != 0 {
		t.Errorf("got %+v, problems %v; want every value unknown and no problem", v, codes(r.Problems))
	}
}

func TestParseFactAcceptsTheDocumentedForms(t *testing.T) {
	tests := []struct {
		in   string
		want ucx.Fact
		ok   bool
	}{
		{"", ucx.Unknown, true},
		{"yes", ucx.Yes, true}, {"YES", ucx.Yes, true}, {"true", ucx.Yes, true}, {"True", ucx.Yes, true}, {"1", ucx.Yes, true}, {"是", ucx.Yes, true},
		{"no", ucx.No, true}, {"No", ucx.No, true}, {"false", ucx.No, true}, {"FALSE", ucx.No, true}, {"0", ucx.No, true}, {"否", ucx.No, true},
		{"y", ucx.Unknown, false}, {"2", ucx.Unknown, false}, {"unknown", ucx.Unknown, false},
	}
	for _, tt := range tests {
		got, ok := ParseFact(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseFact(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMissingVINColumnIsAFileError(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		f    Format
	}{
		{"csv", []byte("registration_date,brand\n2026-01-01,BYD\n"), CSV},
		{"csv sniffed", []byte("serial_no,brand\nX,BYD\n"), Auto},
		{"jsonl", []byte(`{"registration_date":"2026-01-01"}` + "\n"), JSONL},
		{"xlsx", workbook(t, [][]any{{"registration_date", "brand"}, {"2026-01-01", "BYD"}}), XLSX},
		{"empty csv", nil, CSV},
		{"only spaces", []byte("  \n\n"), Auto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.src), tt.f)
			var e *ucx.Error
			if !errors.As(err, &e) || e.Code != ucx.EINVALID || e.Field != ColVIN || !strings.Contains(e.Message, "vin") {
				t.Fatalf("got %v, want an invalid error naming the vin column", err)
			}
		})
	}
}

func TestNotAVehicleFileIsAFileError(t *testing.T) {
	tests := []struct {
		name, want string
		src        []byte
		f          Format
	}{
		{"old xls", "xlsx", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 100)), Auto},
		{"binary as csv", "UTF-8", []byte("\x00\x01\x02,\xff\xfe\n"), CSV},
		{"broken zip", "XLSX", []byte("PK\x03\x04 this is not really a zip"), Auto},
		{"no json object", "JSON Lines", []byte("{not json\n[1,2]\n"), JSONL},
		{"known column twice", "twice", []byte("vin,brand,Brand\n" + vinA + ",a,b\n"), CSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.src), tt.f)
			var e *ucx.Error
			if !errors.As(err, &e) || e.Code != ucx.EINVALID || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("got %v, want an invalid error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestOpenMissingFileKeepsTheOSError(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.csv"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want os.ErrNotExist", err)
	}
	_, err = Open(filepath.Join(t.TempDir(), "nope.xlsx"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("xlsx: got %v, want os.ErrNotExist", err)
	}
}

func TestUnknownColumnsAreKeptForValue(t *testing.T) {
	src := "vin,Contract No,buyer,\n" + vinA + ",HT-1, Almaty Motors ,x\n" + vinB + "\n"
	r, err := NewReader(strings.NewReader(src), CSV)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Columns(), []string{"vin", "contract_number", "buyer", ""}; !slices.Equal(got, want) {
		t.Errorf("Columns() = %q, want %q", got, want)
	}
	rows := drain(t, r)
	tests := []struct {
		row        int
		name, want string
		ok         bool
	}{
		{0, "contract_no", "HT-1", true},
		{0, "Contract No", "HT-1", true},
		{0, "BUYER", " Almaty Motors ", true}, // raw: as the file has it
		{0, "seller", "", false},
		{1, "buyer", "", true}, // a short row: the column exists, the value is empty
	}
	for _, tt := range tests {
		got, ok := rows[tt.row].Value(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("row %d Value(%q) = %q, %v; want %q, %v", tt.row+1, tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExtraValuesMakeTheRowUnreadable(t *testing.T) {
	src := "vin,brand,model\n" + vinA + ",GWM,Tank, 300\n" + vinB + ",GWM,Poer,,\n"
	rows := readAll(t, src, CSV)
	if len(rows) != 2 {
		t.Fatalf("got %d rows", len(rows))
	}
	if !rows[0].Unreadable() || rows[0].Problems[0].Code != CodeExtraValues || !strings.Contains(rows[0].Problems[0].Message, "double quotes") {
		t.Errorf("row 1: problems %+v, want extra_values telling to quote", rows[0].Problems)
	}
	if len(rows[1].Problems) != 0 {
		t.Errorf("row 2 (trailing empty values): problems %v, want none", codes(rows[1].Problems))
	}
}

func TestRowNumbersAndLines(t *testing.T) {
	src := "vin,model\n" + vinA + ",\"two\nlines\"\n\n" + vinB + ",x\n" + vinC + ",y\n"
	rows := readAll(t, src, CSV)
	var got [][2]int
	for _, r := range rows {
		got = append(got, [2]int{r.N, r.Line})
	}
	if want := [][2]int{{1, 2}, {2, 5}, {3, 6}}; !slices.Equal(got, want) {
		t.Errorf("(row, line) = %v, want %v", got, want)
	}
}

func TestCopyToMakesAnIndependentRow(t *testing.T) {
	src := "vin,banned_cases,buyer\n" + vinA + ",seized;encumbered,first\n" + vinB + ",smuggled_or_assembled,second\n"
	r, err := NewReader(strings.NewReader(src), CSV)
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	var kept Row
	r.Row().CopyTo(&kept)
	r.Next()
	if kept.Vehicle.VIN != vinA || strings.Join(kept.Vehicle.Bans, ";") != "seized;encumbered" {
		t.Errorf("kept row changed: %s %v", kept.Vehicle.VIN, kept.Vehicle.Bans)
	}
	if v, _ := kept.Value("buyer"); v != "first" {
		t.Errorf("kept Value(buyer) = %q, want first", v)
	}
	if v, _ := r.Row().Value("buyer"); v != "second" {
		t.Errorf("current Value(buyer) = %q, want second", v)
	}
}

func TestNextRawThenParseOnACopyEqualsNext(t *testing.T) {
	inputs := []struct {
		src string
		f   Format
	}{
		{stock(3) + "LGX123,2026-13-01,x,Russia,,,,maybe,12km,,,,\n" + vinA + ",a,b,c,d,e,f,g,h,i,j,k,l,m,n\n", CSV},
		{`{"vin":"` + vinA + `","registration_date":"2026/01/31","x":{"a":1},"modified":"否"}` + "\nnot json\n{\"vin\":\"bad\",\"mileage_km\":-1}\n", JSONL},
		{string(workbook(t, [][]any{{"vin", "registration_date", "modified"}, {vinA, 46053, true}, {vinB, "2026-02-30", "perhaps"}})), XLSX},
	}
	for _, in := range inputs {
		t.Run(in.f.String(), func(t *testing.T) {
			want := readAll(t, in.src, in.f)
			r, err := NewReader(strings.NewReader(in.src), in.f)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []Row
			for r.NextRaw() {
				var c Row
				r.Row().CopyTo(&c)
				got = append(got, c)
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				got[i].Parse()
				got[i].Parse() // a second call changes nothing
				g, w := got[i], want[i]
				if g.N != w.N || g.Line != w.Line || fmt.Sprintf("%+v", g.Vehicle) != fmt.Sprintf("%+v", w.Vehicle) || !slices.Equal(g.Problems, w.Problems) {
					t.Errorf("row %d: NextRaw+Parse gives %+v %v, Next gives %+v %v", i+1, g.Vehicle, codes(g.Problems), w.Vehicle, codes(w.Problems))
				}
			}
		})
	}
	var zero Row
	zero.Parse() // must not panic
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"PK\x03\x04rest", XLSX},
		{`{"vin":"x"}`, JSONL},
		{"\ufeff  \n {\"vin\":1}", JSONL},
		{"vin,brand", CSV},
		{"\ufeffvin", CSV},
		{"", CSV},
		{"[1]", CSV},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFormatOf(t *testing.T) {
	tests := map[string]Format{
		"a.csv": CSV, "A.CSV": CSV, "a.txt": CSV, "b.xlsx": XLSX, "b.XLSM": XLSX,
		"c.jsonl": JSONL, "c.ndjson": JSONL, "d": Auto, "d.xls": Auto, "-": Auto,
	}
	for name, want := range tests {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSniffedInputIsReadInItsFormat(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		want Format
	}{
		{"csv", []byte("vin\n" + vinA + "\n"), CSV},
		{"jsonl", []byte(`{"vin":"` + vinA + `"}` + "\n"), JSONL},
		{"xlsx", workbook(t, [][]any{{"vin"}, {vinA}}), XLSX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.src), Auto)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Format() != tt.want {
				t.Errorf("format %v, want %v", r.Format(), tt.want)
			}
			rows := drain(t, r)
			if len(rows) != 1 || rows[0].Vehicle.VIN != vinA {
				t.Errorf("rows %+v", rows)
			}
		})
	}
}

// workbook builds an XLSX file in memory: rows of cells for the first sheet.
// A time.Time becomes a date cell (a serial number with a date format).
func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if v == nil {
				continue
			}
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

func TestXLSXReadsDateCellsTextDatesAndTypedCells(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"VIN", "Registration Date", "application_date", "destination", "modified", "mileage_km", "transfer_date", "buyer"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(cell, h)
	}
	// Row 2: a real date cell (time.Time), a text date, a boolean cell, a number.
	set("A2", vinA)
	set("B2", time.Date(2025, 7, 5, 0, 0, 0, 0, time.UTC))
	set("C2", "2026年1月1日")
	set("D2", "kz")
	set("E2", true)
	set("F2", 45200)
	set("H2", "Almaty Motors")
	// Row 3 left empty. Row 4: a serial number with a custom date format, a
	// date-time cell, a formatted text date.
	set("A4", vinB)
	set("B4", 46053.0) // 2026-01-31
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy/mm/dd")})
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellStyle("Sheet1", "B4", "B4", style)
	set("C4", time.Date(2026, 6, 30, 15, 30, 0, 0, time.UTC))
	set("E4", false)
	set("F4", 1234.0)
	set("G4", "2026/06/20")
	// Row 5: a bad date and a bad mileage, in a workbook too.
	set("A5", vinC)
	set("B5", "30.02.2026")
	set("F5", "many")
	path := filepath.Join(t.TempDir(), "stock.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}

	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := drain(t, r)
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3 (the empty sheet row is skipped)", len(rows))
	}
	a, b, c := rows[0], rows[1], rows[2]
	checks := []struct {
		name      string
		got, want any
	}{
		{"row 1 number", a.N, 1},
		{"row 1 sheet row", a.Line, 2},
		{"date cell", a.Vehicle.RegistrationDate, ucx.MustDate(2025, 7, 5)},
		{"text date", a.Vehicle.ApplicationDate, ucx.MustDate(2026, 1, 1)},
		{"destination", a.Vehicle.Destination, "KZ"},
		{"boolean TRUE cell", a.Vehicle.Modified, ucx.Yes},
		{"number cell", a.Vehicle.MileageKM, 45200},
		{"unknown column", value(a, "buyer"), "Almaty Motors"},
		{"row 2 number", b.N, 2},
		{"row 2 sheet row", b.Line, 4},
		{"serial with custom format", b.Vehicle.RegistrationDate, ucx.MustDate(2026, 1, 31)},
		{"date-time cell", b.Vehicle.ApplicationDate, ucx.MustDate(2026, 6, 30)},
		{"boolean FALSE cell", b.Vehicle.Modified, ucx.No},
		{"float mileage", b.Vehicle.MileageKM, 1234},
		{"formatted text date", b.Vehicle.TransferDate, ucx.MustDate(2026, 6, 20)},
		{"raw value of a date cell", value(b, "registration_date"), "46053"},
		{"problems of row 3", strings.Join(codes(c.Problems), " "), "registration_date:bad_date mileage_km:bad_number"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	for _, row := range rows[:2] {
		if len(row.Problems) != 0 {
			t.Errorf("row %d problems %v", row.N, codes(row.Problems))
		}
	}
}

func ptr[T any](v T) *T { return &v }

func value(r Row, name string) string { v, _ := r.Value(name); return v }

func TestXLSX1904DateSystem(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("Sheet1", "A1", "vin")
	f.SetCellValue("Sheet1", "B1", "registration_date")
	f.SetCellValue("Sheet1", "A2", vinA)
	f.SetCellValue("Sheet1", "B2", 44591.0) // 1904 + 44591 days = 2026-01-31
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := drain(t, r)
	if got, want := rows[0].Vehicle.RegistrationDate, ucx.MustDate(2026, 1, 31); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCellDateAgreesWithExcelize(t *testing.T) {
	for n := 1; n < 2958466; n += 997 {
		if n == 60 {
			continue
		}
		for _, date1904 := range []bool{false, true} {
			got, ok := cellDate(itoa(n)+".25", date1904)
			tm, err := excelize.ExcelDateToTime(float64(n)+0.25, date1904)
			if tm.Year() > 9999 {
				if ok {
					t.Errorf("serial %d (1904 %v) = %v, want not ok: after 9999", n, date1904, got)
				}
				continue
			}
			if err != nil || !ok {
				t.Fatalf("serial %d (1904 %v): ok %v, excelize err %v", n, date1904, ok, err)
			}
			if want := ucx.MustDate(tm.Year(), int(tm.Month()), tm.Day()); got != want {
				t.Fatalf("serial %d (1904 %v) = %v, excelize says %v", n, date1904, got, want)
			}
		}
	}
	for _, bad := range []string{"0", "60", "-1", "2958466", "1e9", "abc", "2026-13-01T00:00:00Z"} {
		if d, ok := cellDate(bad, false); ok {
			t.Errorf("cellDate(%q) = %v, want not ok", bad, d)
		}
	}
}

func TestJSONLinesMalformedLineSpoilsOnlyItsRow(t *testing.T) {
	src := "\ufeff{\"VIN\":\"" + vinA + "\",\"registration_date\":\"2026-01-31\",\"mileage_km\":45200,\"modified\":true,\"banned_cases\":[\"seized\",\"encumbered\"],\"buyer\":null}\n" +
		"\n" +
		"{\"vin\": \"" + vinB + "\", oops}\n" +
		"{\"vin\":\"" + vinC + "\",\"destination\":\"ae\",\"buyer\":\"Dubai Cars\",\"extra\":{\"nested\":1}}\r\n" +
		"[1,2,3]\n" +
		"{\"vin\":\"" + vinA + "\"} {\"vin\":\"" + vinB + "\"}\n" +
		"{\"vin\":\"" + vinB + "\",\"mileage_km\":12.0,\"modified\":\"否\"}"
	rows := readAll(t, src, JSONL)
	if len(rows) != 6 {
		t.Fatalf("got %d rows, want 6", len(rows))
	}
	r1 := rows[0]
	if r1.Vehicle.VIN != vinA || r1.Vehicle.RegistrationDate != ucx.MustDate(2026, 1, 31) || r1.Vehicle.MileageKM != 45200 ||
		r1.Vehicle.Modified != ucx.Yes || strings.Join(r1.Vehicle.Bans, ",") != "seized,encumbered" || len(r1.Problems) != 0 {
		t.Errorf("row 1: %+v problems %v", r1.Vehicle, codes(r1.Problems))
	}
	for _, i := range []int{1, 3, 4} {
		if !rows[i].Unreadable() || rows[i].Problems[0].Code != CodeBadRow || !strings.Contains(rows[i].Problems[0].Message, "one object per line") {
			t.Errorf("row %d: problems %+v, want bad_row", i+1, rows[i].Problems)
		}
	}
	if got, want := [2]int{rows[1].N, rows[1].Line}, [2]int{2, 3}; got != want {
		t.Errorf("malformed row (N, Line) = %v, want %v", got, want)
	}
	r3 := rows[2]
	if r3.Vehicle.VIN != vinC || r3.Vehicle.Destination != "AE" || value(r3, "buyer") != "Dubai Cars" {
		t.Errorf("row 3: %+v buyer %q", r3.Vehicle, value(r3, "buyer"))
	}
	if got := codes(r3.Problems); !slices.Equal(got, []string{"extra:bad_value"}) {
		t.Errorf("row 3 problems %v, want extra:bad_value", got)
	}
	r6 := rows[5]
	if r6.Vehicle.MileageKM != 12 || r6.Vehicle.Modified != ucx.No || len(r6.Problems) != 0 {
		t.Errorf("row 6: %+v problems %v", r6.Vehicle, codes(r6.Problems))
	}
}

func TestJSONLinesLeadingBadLinesAreReplayed(t *testing.T) {
	src := "not json\n{\"vin\":\"" + vinA + "\"}\n"
	rows := readAll(t, src, JSONL)
	if len(rows) != 2 || !rows[0].Unreadable() || rows[1].Vehicle.VIN != vinA || rows[1].N != 2 || rows[1].Line != 2 {
		t.Fatalf("rows %+v", rows)
	}
}

func TestKnownColumnsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/check.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range KnownColumns() {
		if !bytes.Contains(doc, []byte("`"+c+"`")) {
			t.Errorf("docs/check.md does not document the column %s", c)
		}
	}
}

func TestColumnOfMapsPolicyFieldsToColumns(t *testing.T) {
	for field, want := range map[string]string{
		"inspection": ColInspectionReport, "bans": ColBannedCases, "modification.ccc": ColCCCCertificate,
		"modification.genuine": ColModificationGenuine, "vin": ColVIN, "model": ColModel, "": "",
	} {
		if got := ColumnOf(field); got != want {
			t.Errorf("ColumnOf(%q) = %q, want %q", field, got, want)
		}
	}
}

// stock returns a CSV of n realistic rows.
func stock(n int) string {
	var b strings.Builder
	b.WriteString("vin,registration_date,application_date,destination,brand,model,transfer_date,modified,mileage_km,cert_brand,cert_model,cert_registration_date,cert_transfer_date\n")
	vins := []string{vinA, vinB, vinC}
	for i := 0; i < n; i++ {
		b.WriteString(vins[i%3] + ",2025-07-05,2026-01-01,ru,BYD,Song PLUS,2025-12-20,no,12345,BYD,Song PLUS,2025-07-05,2025-12-20\n")
	}
	return b.String()
}

func TestCSVReadingAllocatesAboutOnceARow(t *testing.T) {
	const n = 2000
	src := stock(n)
	allocs := testing.AllocsPerRun(5, func() {
		r, err := NewReader(strings.NewReader(src), CSV)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
		}
	})
	// encoding/csv makes one string per record; ParseDate and the rest make
	// nothing. Allow a little for the reader's own setup.
	if per := allocs / n; per > 1.1 {
		t.Errorf("%.2f allocations a row, want about 1", per)
	}
}

func BenchmarkReadCSV(b *testing.B) {
	src := stock(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(strings.NewReader(src), CSV)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r.Next() {
			n++
		}
		if n != 10000 {
			b.Fatal(n)
		}
	}
}
