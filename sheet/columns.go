package sheet

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Column describes one column the platform reads from an exporter's file:
// its canonical name (what the API and the results call it), its Chinese
// heading as the template writes it, and the other headings exporters'
// own sheets use for it, in Chinese and in English. Headings are matched
// as canon normalises them, so case, surrounding spaces, full-width forms
// and a byte-order mark do not matter.
type Column struct {
	Name    string   // canonical name, e.g. registration_date
	Label   string   // the Chinese heading, e.g. 注册登记日期
	Aliases []string // further headings that mean this column
	Filing  bool     // read by the bulk import only (the application's fields), not by the policy
	// Rules names the rules of REGULATION.md the column feeds, for the
	// documentation; empty for a filing column.
	Rules string
}

// columns is the one table of headings. The order is the documentation's
// and the template's.
var columns = []Column{
	{Name: ColVIN, Label: "车架号", Rules: "all", Aliases: []string{"VIN码", "VIN号", "车架号码", "车辆识别代号", "车辆识别代码", "车辆识别号", "识别代号", "vin_code", "vin_number", "chassis_number", "frame_number"}},
	{Name: ColRegistrationDate, Label: "注册登记日期", Rules: "R1", Aliases: []string{"初次登记日期", "首次登记日期", "初登日期", "注册日期", "登记日期", "first_registration_date", "initial_registration_date", "registration", "reg_date"}},
	{Name: ColApplicationDate, Label: "申请日期", Rules: "R1", Aliases: []string{"申报日期", "出口申请日期", "许可证申请日期", "application", "apply_date"}},
	{Name: ColDestination, Label: "目的国", Rules: "R3", Aliases: []string{"目的地", "目的国家", "出口国家", "出口目的国", "运抵国", "destination_country", "country"}},
	{Name: ColBrand, Label: "品牌", Rules: "R5", Aliases: []string{"车辆品牌", "申请品牌", "make"}},
	{Name: ColModel, Label: "车型", Rules: "R5", Aliases: []string{"型号", "车辆型号", "申请车型", "vehicle_model"}},
	{Name: ColTransferDate, Label: "转移登记日期", Rules: "R5, R7", Aliases: []string{"过户日期", "转让登记日期", "转让登记待出口日期", "转移日期", "transfer", "transfer_registration_date"}},
	{Name: ColModified, Label: "是否改装", Rules: "R9", Aliases: []string{"改装", "改装车", "is_modified"}},
	{Name: ColMileage, Label: "行驶里程", Aliases: []string{"里程", "里程数", "表显里程", "公里数", "行驶里程公里", "mileage", "odometer", "odometer_km", "km"}},
	{Name: ColCertBrand, Label: "证书品牌", Rules: "R5", Aliases: []string{"登记证书品牌", "行驶证品牌", "certificate_brand"}},
	{Name: ColCertModel, Label: "证书车型", Rules: "R5", Aliases: []string{"证书型号", "登记证书车型", "登记证书型号", "行驶证车型", "certificate_model"}},
	{Name: ColCertRegistrationDate, Label: "证书注册登记日期", Rules: "R5", Aliases: []string{"证书注册日期", "登记证书注册登记日期", "登记证书注册日期", "certificate_registration_date"}},
	{Name: ColCertTransferDate, Label: "证书转移登记日期", Rules: "R5", Aliases: []string{"证书过户日期", "登记证书转移登记日期", "登记证书过户日期", "certificate_transfer_date"}},
	{Name: ColChassisBrand, Label: "底盘品牌", Rules: "R9", Aliases: []string{"底盘", "chassis"}},
	{Name: ColModifiedBrand, Label: "改装品牌", Rules: "R9", Aliases: []string{"改装后品牌", "改装厂品牌"}},
	{Name: ColModificationGenuine, Label: "改装真实性证明", Rules: "R9", Aliases: []string{"改装证明", "改装真实", "genuine_modification"}},
	{Name: ColMIITCatalogue, Label: "列入工信部目录", Rules: "R9", Aliases: []string{"工信部目录", "公告目录", "miit"}},
	{Name: ColCCCCertificate, Label: "CCC证书", Rules: "R9", Aliases: []string{"3C证书", "CCC认证", "ccc", "ccc_cert"}},
	{Name: ColInspectionReport, Label: "检测报告", Rules: "R12", Aliases: []string{"检验报告", "检验检测报告", "inspection"}},
	{Name: ColBannedCases, Label: "禁止情形", Rules: "R11", Aliases: []string{"禁止出口情形", "禁止出口情况", "bans", "banned"}},
	{Name: ColCertOwner, Label: "机动车所有人", Rules: "R10", Filing: true, Aliases: []string{"所有人", "车辆所有人", "证书所有人", "登记证书所有人", "owner", "certificate_owner"}},
	{Name: ColBuyer, Label: "买方", Filing: true, Aliases: []string{"境外买方", "购买方", "收货人", "purchaser", "consignee"}},
	{Name: ColContractNumber, Label: "合同号", Filing: true, Aliases: []string{"合同编号", "合同号码", "contract", ColContractNo}},
	{Name: ColEnergyType, Label: "能源类型", Filing: true, Aliases: []string{"能源种类", "燃料类型", "燃料种类", "energy", "fuel_type"}},
	{Name: ColBatteryKWh, Label: "电池容量", Filing: true, Aliases: []string{"动力电池容量", "电池容量kwh", "battery", "battery_capacity"}},
	{Name: ColAnnouncementCode, Label: "公告型号", Filing: true, Aliases: []string{"车辆公告型号", "announcement_code"}},
	{Name: ColEngineOrMotor, Label: "发动机/电动机号", Filing: true, Aliases: []string{"发动机号", "电动机号", "发动机号码", "电机号", "engine_number", "motor_number", "engine"}},
	{Name: ColColour, Label: "颜色", Filing: true, Aliases: []string{"车身颜色", "color"}},
	{Name: ColSeats, Label: "座位数", Filing: true, Aliases: []string{"座位", "核定载客", "核定载客人数", "seat_count"}},
	{Name: ColManufactureDate, Label: "出厂日期", Filing: true, Aliases: []string{"生产日期", "制造日期", "production_date", "date_of_manufacture"}},
	{Name: ColEmissionStandard, Label: "排放标准", Filing: true, Aliases: []string{"排放", "emission", "emissions"}},
	{Name: ColSubmit, Label: "是否提交", Filing: true, Aliases: []string{"提交", "直接提交", "submit_now"}},
	{Name: ColBatch, Label: "批次", Rules: "R4", Filing: true, Aliases: []string{"批次号", "批号", "shipment", "batch_no"}},
}

// Columns returns the table of every column the platform reads, with its
// headings, in documentation order: the policy's columns (KnownColumns)
// first, then the bulk filing's.
func Columns() []Column {
	out := slices.Clone(columns)
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}

// headings maps every normalised heading (canonical names, labels,
// aliases) to its canonical column name.
var headings = func() map[string]string {
	m := make(map[string]string, len(columns)*10)
	add := func(h, name string) {
		c := canon(h)
		if prev, dup := m[c]; dup && prev != name {
			panic("sheet: heading " + h + " names both " + prev + " and " + name)
		}
		m[c] = name
	}
	for _, c := range columns {
		add(c.Name, c.Name)
		add(c.Label, c.Name)
		for _, a := range c.Aliases {
			add(a, c.Name)
		}
	}
	return m
}()

// columnName resolves a heading to its canonical column name. A heading
// that names no column of the table is returned normalised (canon), and
// known is false. Besides the headings of the table, a heading that joins
// two of them for the same column, as the template's "车架号 vin" does or
// "车架号(VIN)" and "行驶里程（公里）", is recognised: it is split at
// brackets, slashes and line breaks and where Chinese text meets Latin, and
// the parts that are headings must all name the same column.
func columnName(h string) (name string, known bool) {
	c := canon(h)
	if n, ok := headings[c]; ok {
		return n, true
	}
	if c == "" {
		return "", false
	}
	found := ""
	for _, part := range headingParts(h) {
		n, ok := headings[canon(part)]
		if !ok {
			continue
		}
		if found != "" && found != n {
			return c, false
		}
		found = n
	}
	if found != "" {
		return found, true
	}
	return c, false
}

// headingParts splits a heading at brackets, slashes, bars, line breaks
// and at spaces between Han and non-Han text.
func headingParts(h string) []string {
	h = width.Fold.String(h)
	parts := strings.FieldsFunc(h, func(r rune) bool {
		switch r {
		case '(', ')', '[', ']', '【', '】', '/', '|', '\n', '\r', '\t', '、', ':', '：':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		// Split "车架号 VIN" into its Chinese and its Latin words.
		var group []string
		groupHan := false
		for _, w := range strings.Fields(p) {
			han := strings.IndexFunc(w, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
			if len(group) > 0 && han != groupHan {
				out = append(out, strings.Join(group, " "))
				group = group[:0]
			}
			group, groupHan = append(group, w), han
		}
		if len(group) > 0 {
			out = append(out, strings.Join(group, " "))
		}
	}
	return out
}

// acceptedNames lists the canonical names, for a message about a heading
// the reader does not know.
func acceptedNames() string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
