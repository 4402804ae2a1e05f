package sheet_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/sheet"
	"github.com/xuri/excelize/v2"
)

// Reading the generated template yields its example row, every value read,
// and the policy decides it clear.
func TestTemplateRoundTripsItsExampleRow(t *testing.T) {
	data, err := sheet.Template()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sheet.NewReader(bytes.NewReader(data), sheet.Auto)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, c := range sheet.Columns() {
		names = append(names, c.Name)
	}
	if got := r.Columns(); !slices.Equal(got, names) {
		t.Errorf("the template's columns read as %q, want %q", got, names)
	}
	if notes := r.Notes(); len(notes) != 0 {
		t.Errorf("notes %q, want none", notes)
	}
	if !r.Next() {
		t.Fatalf("no example row: %v", r.Err())
	}
	row := r.Row()
	if len(row.Problems) != 0 {
		t.Fatalf("example row problems %+v", row.Problems)
	}
	v := row.Vehicle
	ex := sheet.TemplateExample
	if v.VIN != ex[sheet.ColVIN] || v.RegistrationDate.String() != ex[sheet.ColRegistrationDate] || v.ApplicationDate.String() != ex[sheet.ColApplicationDate] ||
		v.Brand != ex[sheet.ColBrand] || v.Destination != ex[sheet.ColDestination] || v.Modified != ucx.No || v.MileageKM != 12703 || v.Inspection != ucx.Yes {
		t.Errorf("example read as %+v, want %v", v, ex)
	}
	in, err := row.Application()
	if err != nil {
		t.Fatal(err)
	}
	if in.Buyer != ex[sheet.ColBuyer] || in.ContractNumber != ex[sheet.ColContractNumber] || in.Vehicle.Seats != 5 ||
		in.Vehicle.ManufactureDate.String() != ex[sheet.ColManufactureDate] || in.Vehicle.Energy != ucx.EnergyPetrol {
		t.Errorf("application %+v, want the example's filing values", in)
	}
	var d ucx.Decision
	policy.Default().Decide(&v, &d)
	if d.Outcome != ucx.Clear {
		t.Errorf("example decided %s %+v, want clear", d.Outcome, d.Reasons)
	}
	if r.Next() {
		t.Errorf("a second data row: %+v", r.Row())
	}
}

// The template's data validation covers the dates, the yes/no columns, the
// destination and the numbers, and every heading has both languages.
func TestTemplateHasBothHeadingLanguagesAndDataValidation(t *testing.T) {
	data, err := sheet.Template()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first := f.GetSheetList()[0]
	rows, err := f.GetRows(first)
	if err != nil || len(rows) < 2 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	for i, c := range sheet.Columns() {
		if rows[0][i] != c.Label+"\n"+c.Name {
			t.Errorf("heading %d = %q, want %q above %q", i+1, rows[0][i], c.Label, c.Name)
		}
	}
	dvs, err := f.GetDataValidations(first)
	if err != nil {
		t.Fatal(err)
	}
	byCol := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		byCol[strings.TrimRight(strings.Split(dv.Sqref, ":")[0], "0123456789")] = dv
	}
	colOf := func(name string) string {
		for i, c := range sheet.Columns() {
			if c.Name == name {
				n, _ := excelize.ColumnNumberToName(i + 1)
				return n
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for _, tt := range []struct{ col, typ, has string }{
		{sheet.ColRegistrationDate, "date", ""},
		{sheet.ColApplicationDate, "date", ""},
		{sheet.ColModified, "list", "是,否"},
		{sheet.ColCCCCertificate, "list", "是,否"},
		{sheet.ColDestination, "list", "lists"},
		{sheet.ColMileage, "whole", ""},
		{sheet.ColEnergyType, "list", "battery_electric"},
	} {
		dv := byCol[colOf(tt.col)]
		if dv == nil || dv.Type != tt.typ || !strings.Contains(dv.Formula1, tt.has) {
			t.Errorf("%s: validation %+v, want %s with %q", tt.col, dv, tt.typ, tt.has)
		}
	}
}
