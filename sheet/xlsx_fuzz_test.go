package sheet

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzReadXLSX feeds arbitrary bytes to the reader as XLSX, seeded with a
// real workbook, and checks the same promises as FuzzReadCSV: no panic, a
// user-facing invalid error for a file that is not a readable workbook,
// and well-formed rows otherwise. An uploaded spreadsheet is the least
// trusted input ucx reads (a zip of XML written by any program).
func FuzzReadXLSX(f *testing.F) {
	wb := excelize.NewFile()
	wb.SetSheetRow("Sheet1", "A1", &[]any{"vin", "registration_date", "destination"})
	wb.SetSheetRow("Sheet1", "A2", &[]any{"LS5CTU6X5SD089346", "2026-01-31", "RU"})
	wb.SetSheetRow("Sheet1", "A3", &[]any{"bad", 45678, "kz"})
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAnyInput(t, data, XLSX)
	})
}
