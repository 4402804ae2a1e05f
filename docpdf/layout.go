package docpdf

import (
	"fmt"
	"strings"
	"time"
)

// countries names the usual destinations in the three languages of the
// documents; any other code is shown as it is.
var countries = map[string][3]string{ // zh, en, ru
	"RU": {"俄罗斯", "Russia", "Россия"}, "KZ": {"哈萨克斯坦", "Kazakhstan", "Казахстан"},
	"UZ": {"乌兹别克斯坦", "Uzbekistan", "Узбекистан"}, "KG": {"吉尔吉斯斯坦", "Kyrgyzstan", "Киргизия"},
	"TJ": {"塔吉克斯坦", "Tajikistan", "Таджикистан"}, "AE": {"阿联酋", "United Arab Emirates", "ОАЭ"},
	"SA": {"沙特阿拉伯", "Saudi Arabia", "Саудовская Аравия"}, "GE": {"格鲁吉亚", "Georgia", "Грузия"},
	"AZ": {"阿塞拜疆", "Azerbaijan", "Азербайджан"}, "MN": {"蒙古", "Mongolia", "Монголия"},
	"BY": {"白俄罗斯", "Belarus", "Беларусь"}, "AM": {"亚美尼亚", "Armenia", "Армения"},
}

func countryZhEn(code string) string {
	if n, ok := countries[code]; ok {
		return n[0] + " " + n[1] + " (" + code + ")"
	}
	return code
}

func countryRuEn(code string) string {
	if n, ok := countries[code]; ok {
		return n[2] + " / " + n[1] + " (" + code + ")"
	}
	return code
}

var monthsEN = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// dateZhEn writes 2026-03-10 as "2026年3月10日 / 10 Mar 2026".
func dateZhEn(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日 / %d %s %d", t.Year(), t.Month(), t.Day(), t.Day(), monthsEN[t.Month()-1], t.Year())
}

// dateRu writes 2026-03-10 as "10.03.2026".
func dateRu(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

// staticTexts are the labels, so that the font cut has their characters.
var staticTexts = []string{
	"二手车出口许可证", "USED VEHICLE EXPORT LICENCE", "许可证号 Licence No.", "出口企业 Exporter",
	"出口企业备案号 Exporter filing No.", "发证机关 Issuing authority", "目的国 Country of destination",
	"签发日期 Date of issue", "有效期至 Valid until", "附表：出口车辆清单 Schedule: vehicles for export",
	"序号 No.", "车辆识别代号 VIN", "品牌 Brand", "型号 Model", "注册登记日期 Registered", "转让登记日期 Transferred",
	"所依据的售后维修服务确认书 After-sales service confirmations relied on", licenceStatementZh, licenceStatementEn,
	"发证机关电子印章 Seal of the issuing authority", "生产企业电子印章 Seal of the manufacturer",
	"扫码核验 Scan to verify", "在线核验 Verify online:", "离线核验 Offline / Офлайн: ucx verify <file>.pdf",
	"文件摘要 Document digest (SHA-256):", "根密钥指纹 Root key fingerprint / Отпечаток корневого ключа:",
	"注意：本二维码指向本机地址（未设置公网地址 --public-url）。Note: the QR code points at a local address; the operator has set no public address.",
	"售后维修服务确认书", "AFTER-SALES SERVICE CONFIRMATION", "生产企业 Manufacturer", "出具日期 Date of issue",
	confirmationStatementZh, confirmationStatementEn, "海外售后服务网点 Overseas service outlets", "服务商 Provider",
	"地址 Address", "国家 Country", "联系方式 Contact", "电子印章", "密钥 Key", "机构 Organisation",
	"已撤销 REVOKED ОТОЗВАНО", "ucx · 电子签章文件 Electronically sealed document", "文件摘要 Digest", "第 页 Page of",
	"车辆 Vehicles", "年月日", "第 页 · Page of", "—",
	ruTitle, ruSub, ruNumber, ruExporter, ruFiling, ruAuthority, ruDestination, ruIssued, ruValid, ruVehicles,
	ruBrand, ruModel, ruRegistered, ruHow, ruStep1, ruStep2, ruStep3, ruStep4, ruSeal,
	"Проверка подлинности / Verify", "Отсканируйте QR-код или откройте / Scan or open:", "№",
}

const (
	licenceStatementZh = "兹准予上列车辆出口至上列目的国。本许可证为电子签章文件；其核验包（ucx-bundle.json）作为附件嵌入本 PDF，可离线核验。"
	licenceStatementEn = "The vehicles listed are licensed for export to the country of destination stated. This licence is an electronically sealed document; its verification bundle (ucx-bundle.json) is attached to this PDF and can be checked offline."

	confirmationStatementZh = "本企业确认：下列车辆在上列目的国由所列海外售后服务网点提供售后维修服务。"
	confirmationStatementEn = "We confirm that the vehicles below receive after-sales service in the country of destination stated, from the overseas service outlets listed for each."

	ruTitle       = "ЛИЦЕНЗИЯ НА ЭКСПОРТ ПОДЕРЖАННЫХ ТРАНСПОРТНЫХ СРЕДСТВ"
	ruSub         = "Used vehicle export licence · для покупателя и таможни / for the buyer and customs"
	ruNumber      = "Номер лицензии / Licence No."
	ruExporter    = "Экспортёр / Exporter"
	ruFiling      = "Рег. номер экспортёра / Exporter filing No."
	ruAuthority   = "Кем выдана / Issuing authority"
	ruDestination = "Страна назначения / Destination"
	ruIssued      = "Дата выдачи / Date of issue"
	ruValid       = "Действительна до / Valid until"
	ruVehicles    = "Транспортные средства / Vehicles"
	ruBrand       = "Марка / Brand"
	ruModel       = "Модель / Model"
	ruRegistered  = "Дата регистрации / Registered"
	ruHow         = "Как проверить подлинность / How to check that this licence is genuine"
	ruStep1       = "1. Отсканируйте QR-код или откройте адрес ниже: страница покажет вердикт и сведения лицензии. / Scan the QR code or open the address below: the page shows the verdict and the licence's facts."
	ruStep2       = "2. Офлайн: команда «ucx verify <файл>.pdf» проверяет вложенный в этот PDF пакет проверки. / Offline: ucx verify <file>.pdf checks the verification bundle attached to this PDF."
	ruStep3       = "3. Сравните отпечаток корневого ключа ниже с опубликованным платформой. / Compare the root key fingerprint below with the one the platform publishes."
	ruStep4       = "4. Сверьте номер, VIN и названия на этой странице с результатом проверки: вердикт относится к подписанному документу. / Compare the number, VINs and names on this page with the result: the verdict is about the sealed document."
	ruSeal        = "Печать органа, выдавшего лицензию / Seal of the issuing authority"
)

// licence lays out the licence: the official part in Chinese with
// English, then the buyer's page in Russian with English.
func (r *renderer) licence(d *licenceDoc) {
	r.newPage("二手车出口许可证 Used vehicle export licence · " + d.Number)
	r.title("二手车出口许可证", "USED VEHICLE EXPORT LICENCE", "许可证号 Licence No.", d.Number)
	r.facts([][2]string{
		{"出口企业 Exporter", d.Exporter},
		{"出口企业备案号 Exporter filing No.", d.ExporterFiling},
		{"发证机关 Issuing authority", d.Authority},
		{"目的国 Country of destination", countryZhEn(d.Destination)},
		{"签发日期 Date of issue", dateZhEn(d.IssuedOn)},
		{"有效期至 Valid until", dateZhEn(d.ValidUntil)},
	})
	r.section(fmt.Sprintf("附表：出口车辆清单 Schedule: vehicles for export (%d)", len(d.Schedule)))
	rows := make([][]string, len(d.Schedule))
	for i, v := range d.Schedule {
		rows[i] = []string{fmt.Sprint(i + 1), v.VIN, v.Brand, v.Model, v.RegistrationDate, dash(v.TransferDate)}
	}
	r.table([]string{"序号 No.", "车辆识别代号 VIN", "品牌 Brand", "型号 Model", "注册登记日期 Registered", "转让登记日期 Transferred"},
		[]float64{14, 50, 28, 36, 25, 23}, rows, 8.5)
	if len(d.Confirmations) > 0 {
		r.section("所依据的售后维修服务确认书 After-sales service confirmations relied on")
		for _, c := range d.Confirmations {
			r.paragraph("sha256:"+strings.TrimPrefix(c.SHA256, "sha256:"), 7.5, false, black)
		}
		r.y += 2
	}
	r.paragraph(licenceStatementZh, 8.5, false, black)
	r.paragraph(licenceStatementEn, 8, false, grey)
	r.y += 2
	r.sealAndVerify("发证机关电子印章 Seal of the issuing authority", "zh")

	// The buyer's page.
	r.newPage("Лицензия / Licence · " + d.Number)
	r.title(ruTitle, ruSub, ruNumber, d.Number)
	r.facts([][2]string{
		{ruExporter, d.Exporter},
		{ruFiling, d.ExporterFiling},
		{ruAuthority, d.Authority},
		{ruDestination, countryRuEn(d.Destination)},
		{ruIssued, dateRu(d.IssuedOn)},
		{ruValid, dateRu(d.ValidUntil)},
	})
	r.section(fmt.Sprintf("%s (%d)", ruVehicles, len(d.Schedule)))
	rows = make([][]string, len(d.Schedule))
	for i, v := range d.Schedule {
		rows[i] = []string{fmt.Sprint(i + 1), v.VIN, v.Brand, v.Model, dateRu(v.RegistrationDate)}
	}
	r.table([]string{"№", "VIN", ruBrand, ruModel, ruRegistered}, []float64{12, 54, 36, 46, 28}, rows, 8.5)
	r.section(ruHow)
	for _, s := range []string{ruStep1, ruStep2, ruStep3, ruStep4} {
		r.paragraph(s, 7.5, false, black)
		r.y += 0.5
	}
	r.sealAndVerify(ruSeal, "ru")
}

// confirmation lays out the After-Sales Service Confirmation, in Chinese
// with English: the vehicles, then each vehicle's outlets (R3).
func (r *renderer) confirmation(d *confirmationDoc) {
	r.newPage("售后维修服务确认书 After-sales service confirmation")
	r.title("售后维修服务确认书", "AFTER-SALES SERVICE CONFIRMATION", "", "")
	dest := make([]string, len(d.Destinations))
	for i, c := range d.Destinations {
		dest[i] = countryZhEn(c)
	}
	r.facts([][2]string{
		{"生产企业 Manufacturer", d.Manufacturer},
		{"目的国 Country of destination", strings.Join(dest, "; ")},
		{"出具日期 Date of issue", dateZhEn(d.IssuedOn)},
	})
	r.paragraph(confirmationStatementZh, 9, false, black)
	r.paragraph(confirmationStatementEn, 8, false, grey)
	r.y += 2
	r.section(fmt.Sprintf("车辆 Vehicles (%d)", len(d.Vehicles)))
	rows := make([][]string, len(d.Vehicles))
	for i, v := range d.Vehicles {
		rows[i] = []string{fmt.Sprint(i + 1), v.VIN, v.Brand, v.Model, v.RegistrationDate}
	}
	r.table([]string{"序号 No.", "车辆识别代号 VIN", "品牌 Brand", "型号 Model", "注册登记日期 Registered"},
		[]float64{14, 56, 36, 40, 30}, rows, 8.5)
	for _, v := range d.Vehicles {
		r.section("海外售后服务网点 Overseas service outlets · VIN " + v.VIN)
		orows := make([][]string, len(v.Outlets))
		for i, o := range v.Outlets {
			orows[i] = []string{o.Provider, o.Address, countryZhEn(o.Country), dash(o.Contact)}
		}
		r.table([]string{"服务商 Provider", "地址 Address", "国家 Country", "联系方式 Contact"}, []float64{44, 62, 36, 34}, orows, 8.5)
	}
	r.sealAndVerify("生产企业电子印章 Seal of the manufacturer", "zh")
}

func dash(s string) string {
	if s == "" || s == "0001-01-01" {
		return "—"
	}
	return s
}
