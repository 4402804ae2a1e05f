package sheet

import (
	"strconv"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/xuri/excelize/v2"
)

// The template's sheets: the vehicles (first, as the reader wants it), the
// lists the drop-downs draw from (hidden), and how to fill it in.
const (
	templateSheet = "车辆 Vehicles"
	listsSheet    = "lists"
	helpSheet     = "说明 Help"
	templateRows  = 10000 // rows the data validation covers
)

// TemplateExample is the template's example row, by column name. The
// vehicle was registered long enough before its application for R1 to ask
// no letter, and every value is readable, so `ucx check` decides it clear.
var TemplateExample = map[string]string{
	ColVIN:                  "LS5CTU6X5SD089346",
	ColRegistrationDate:     "2025-02-06",
	ColApplicationDate:      "2026-01-05",
	ColDestination:          "KZ",
	ColBrand:                "长安",
	ColModel:                "CS75 PLUS",
	ColTransferDate:         "2025-12-22",
	ColModified:             "否",
	ColMileage:              "12703",
	ColCertBrand:            "长安",
	ColCertModel:            "CS75 PLUS",
	ColCertRegistrationDate: "2025-02-06",
	ColCertTransferDate:     "2025-12-22",
	ColInspectionReport:     "是",
	ColBuyer:                "TOO Almaty Motors",
	ColContractNumber:       "HT-2026-001",
	ColEnergyType:           string(ucx.EnergyPetrol),
	ColAnnouncementCode:     "SC6469BB6",
	ColEngineOrMotor:        "JL473ZQ5-2501234",
	ColColour:               "白色",
	ColSeats:                "5",
	ColManufactureDate:      "2024-12-10",
	ColEmissionStandard:     "国六b",
	ColSubmit:               "否",
}

// Template returns an XLSX workbook for exporters to fill in: one column
// for each of Columns, headed by its Chinese heading above its canonical
// name in the same cell ("车架号" and "vin" on two lines, which the reader
// recognises as one column), an example row (TemplateExample), and Excel
// data validation: dates on the date columns, 是/否 on the yes/no columns,
// the ISO 3166-1 codes on destination (R3), the energy types, whole
// numbers for mileage and seats. A second, visible sheet says how to fill
// it in; the lists the drop-downs use are on a hidden one.
func Template() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	})
	if err != nil {
		return nil, err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: strptr("yyyy-mm-dd")})
	if err != nil {
		return nil, err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // @: a VIN or code stays text
	if err != nil {
		return nil, err
	}

	// The lists the drop-downs draw from.
	if _, err := f.NewSheet(listsSheet); err != nil {
		return nil, err
	}
	countries := countryCodes()
	for i, c := range countries {
		if err := f.SetCellStr(listsSheet, "A"+strconv.Itoa(i+1), c); err != nil {
			return nil, err
		}
	}
	if err := f.SetSheetVisible(listsSheet, false); err != nil {
		return nil, err
	}

	cols := Columns()
	for i, c := range cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetCellStr(templateSheet, col+"1", c.Label+"\n"+c.Name); err != nil {
			return nil, err
		}
		width := 14.0
		if c.Name == ColVIN {
			width = 22
		}
		if err := f.SetColWidth(templateSheet, col, col, width); err != nil {
			return nil, err
		}
		area := col + "2:" + col + strconv.Itoa(templateRows+1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = area
		kind := columnKind(c.Name)
		switch kind {
		case kindDate:
			err = dv.SetRange(32874, 2958465, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween) // 1990-01-01 … 9999-12-31
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请填写日期，如 2026-01-31 / a date, e.g. 2026-01-31")
		case kindYesNo:
			err = dv.SetDropList([]string{"是", "否"})
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请选择 是 或 否，或留空 / choose 是 (yes) or 否 (no), or leave it empty")
		case kindCountry:
			dv.SetSqrefDropList("'" + listsSheet + "'!$A$1:$A$" + strconv.Itoa(len(countries)))
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请填写两位国家代码，如 KZ、RU、AE / an ISO 3166-1 alpha-2 code, e.g. KZ, RU, AE")
		case kindEnergy:
			err = dv.SetDropList([]string{string(ucx.EnergyPetrol), string(ucx.EnergyDiesel), string(ucx.EnergyHybrid), string(ucx.EnergyPlugIn), string(ucx.EnergyElectric)})
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请从列表中选择 / choose one of the list")
		case kindWhole:
			err = dv.SetRange(0, maxMileage, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请填写整数，不带单位 / a whole number without units")
		case kindDecimal:
			err = dv.SetRange(0, 10000, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请填写数字，如 60.5 / a number, e.g. 60.5")
		}
		if err != nil {
			return nil, err
		}
		if kind != kindText {
			if err := f.AddDataValidation(templateSheet, dv); err != nil {
				return nil, err
			}
		}
		// The example row.
		v := TemplateExample[c.Name]
		cell := col + "2"
		switch {
		case v == "":
		case kind == kindDate:
			d, _ := ucx.ParseDate(v)
			y, m, day := d.Civil()
			if err := f.SetCellValue(templateSheet, cell, time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)); err != nil {
				return nil, err
			}
		case kind == kindWhole || kind == kindDecimal:
			n, _ := strconv.ParseFloat(v, 64)
			if err := f.SetCellValue(templateSheet, cell, n); err != nil {
				return nil, err
			}
		default:
			if err := f.SetCellStr(templateSheet, cell, v); err != nil {
				return nil, err
			}
		}
		style := textStyle
		if kind == kindDate {
			style = dateStyle
		} else if kind == kindWhole || kind == kindDecimal {
			style = 0
		}
		if style != 0 {
			if err := f.SetColStyle(templateSheet, col, style); err != nil {
				return nil, err
			}
		}
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	if err := f.SetCellStyle(templateSheet, "A1", last+"1", head); err != nil {
		return nil, err
	}
	if err := f.SetRowHeight(templateSheet, 1, 34); err != nil {
		return nil, err
	}
	if err := f.SetPanes(templateSheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return nil, err
	}

	if _, err := f.NewSheet(helpSheet); err != nil {
		return nil, err
	}
	help := []string{
		"每行一辆车；第 2 行是示例，导入前请删除。One vehicle a row; row 2 is an example: delete it before importing.",
		"表头可以用中文或英文（车架号、VIN码、vin 都可以），列的顺序不限，只有车架号（vin）必填。Headings may be Chinese or English, in any order; only vin is required.",
		"日期写成 2026-01-31；是/否列填 是 或 否，未申报则留空。Dates as 2026-01-31; yes/no columns 是 or 否, empty when not declared.",
		"目的国填两位国家代码（KZ、RU、AE…）。Destination as a two-letter country code.",
		"是否提交填 是 则导入后直接提交，否则保存为草稿。是否提交 (submit) 是 submits at once, otherwise a draft is kept.",
		"另存为 CSV 时请选 CSV UTF-8；普通 CSV（GBK）也能读取。When saving as CSV choose CSV UTF-8; a plain (GBK) CSV is read too.",
	}
	for i, line := range help {
		if err := f.SetCellStr(helpSheet, "A"+strconv.Itoa(i+1), line); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(helpSheet, "A", "A", 120); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func strptr(s string) *string { return &s }

// Kinds of value, for the template's validation and example cells.
const (
	kindText = iota
	kindDate
	kindYesNo
	kindCountry
	kindEnergy
	kindWhole
	kindDecimal
)

func columnKind(name string) int {
	switch name {
	case ColRegistrationDate, ColApplicationDate, ColTransferDate, ColCertRegistrationDate, ColCertTransferDate, ColManufactureDate:
		return kindDate
	case ColModified, ColModificationGenuine, ColMIITCatalogue, ColCCCCertificate, ColSubmit:
		return kindYesNo
	case ColDestination:
		return kindCountry
	case ColEnergyType:
		return kindEnergy
	case ColMileage, ColSeats:
		return kindWhole
	case ColBatteryKWh:
		return kindDecimal
	}
	return kindText // inspection_report holds a report's reference or yes/no
}

// countryCodes lists the assigned ISO 3166-1 alpha-2 codes (R3).
func countryCodes() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if c := string([]rune{a, b}); ucx.ValidCountry(c) {
				out = append(out, c)
			}
		}
	}
	return out
}
