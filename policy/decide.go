package policy

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// Decide judges vehicle v under p and writes the result into d: the
// outcome, R1's day count and letter-free date, the R7 transitional flag,
// the reasons, and p's reference. d is reset first; its Reasons backing
// array is reused, so a batch that reuses one Decision per worker makes no
// garbage on the common paths. Reason messages are prepared at Load; only
// invalid or mismatching input (which must quote the offending value)
// allocates.
//
// Decide never fails and never panics on input: whatever is wrong with v
// becomes a reason. It is safe to call from many goroutines at once.
//
// Precedence is ucx.Decision.Add's: invalid > blocked > letter-required >
// clear. The checks run in this order, which is also the order of the
// reasons: VIN, R1 dates and the policy's window, the transfer date's
// place between them (R5, R7), destination (R3), R7,
// R1's letter, R5, R9, R11, R12, mileage, then the document's CEL rules.
func (p *Policy) Decide(v *ucx.Vehicle, d *ucx.Decision) {
	d.Reset()
	d.Policy = p.ref

	p.checkVIN(v, d)
	datesOK := p.checkDates(v, d)
	transferOK := checkTransferDate(v, d)
	dest, slot := p.checkDestination(v, d)
	p.checkLetter(v, d, datesOK, transferOK)
	checkCertificate(v, d)
	p.checkModified(v, d)
	p.checkBans(v, d)
	p.checkInspection(v, d)
	p.checkMileage(v, d)
	if datesOK {
		p.evalRules(v, d, dest, slot)
	}
}

// messages are the reasons whose words depend only on the policy's
// parameters, composed once at Load so that Decide copies them instead of
// formatting them a million times.
type messages struct {
	vinMissing      ucx.Reason
	regMissing      ucx.Reason
	appMissing      ucx.Reason
	appBeforeReg    ucx.Reason
	notInForce      ucx.Reason
	letter          ucx.Reason
	letterModified  ucx.Reason
	beforeRegime    ucx.Reason
	transitional    ucx.Reason
	waived          ucx.Reason
	waiverExpired   ucx.Reason
	destMissing     ucx.Reason
	destDomestic    ucx.Reason
	inspectionNo    ucx.Reason
	inspectionUnk   ucx.Reason
	nearZero        ucx.Reason
	mileageNegative ucx.Reason
}

func (p *Policy) buildMessages() messages {
	start, startZH := p.regimeStart.String(), zhDate(p.regimeStart)
	n := strconv.Itoa(p.threshold)
	within := "within " + n + " days of the registration date (" + n + " included"
	withinZH := "申请日期距注册登记日期不超过" + n + "天（含" + n + "天，"
	if p.dayOffset == 1 {
		within += ", counting both the registration and the application day)"
		withinZH += "注册登记日和申请日均计入）"
	} else {
		within += ", counted as the calendar-date difference, Civil Code Art. 201)"
		withinZH += "按日历日期之差计算，《民法典》第二百零一条）"
	}
	letter := "R1: the application is dated " + within + " and on or after " + start +
		", so a sealed After-Sales Service Confirmation (售后维修服务确认书) is needed before a licence: ask the vehicle's manufacturer, " +
		"under its exact name in MIIT's announcement (R2), for one naming this VIN, the destination and an overseas service outlet (R3); " +
		"or file on or after the letter-free date, when none is needed"
	letterZH := "R1：" + withinZH + "，且申请日期在" + startZH + "或之后，因此须先取得加盖印章的售后维修服务确认书，方可签发出口许可证：" +
		"请向车辆生产企业（以工业和信息化部公告中的企业名称为准，R2）申请，确认书须载明本车车辆识别代号（VIN）、目的国和境外售后服务网点（R3）；" +
		"或在免确认书日期当日或之后再申请，届时无须确认书"
	window := "in force from " + p.from.String()
	windowZH := "自" + zhDate(p.from) + "起施行"
	if !p.until.IsZero() {
		window += " to " + p.until.String()
		windowZH = "适用于" + zhDate(p.from) + "至" + zhDate(p.until) + "的申请"
	}
	m := messages{
		vinMissing: ucx.Reason{Rule: "VIN", Code: "vin_missing", Severity: ucx.Reject, Field: "vin",
			Message:   "the VIN is missing; copy its 17 characters from the registration certificate",
			MessageZH: "缺少车辆识别代号（VIN）；请照机动车登记证书抄录其17位字符"},
		regMissing: ucx.Reason{Rule: "R1", Code: "registration_date_missing", Severity: ucx.Reject, Field: "registration_date",
			Message:   "R1: the registration date (注册登记日期) is missing; enter it exactly as the registration certificate prints it",
			MessageZH: "R1：缺少注册登记日期；请按机动车登记证书记载的日期准确填写"},
		appMissing: ucx.Reason{Rule: "R1", Code: "application_date_missing", Severity: ucx.Reject, Field: "application_date",
			Message:   "R1: the licence application date is missing; enter the date the export-licence application is (or will be) filed",
			MessageZH: "R1：缺少出口许可证申请日期；请填写提交（或拟提交）出口许可证申请的日期"},
		appBeforeReg: ucx.Reason{Rule: "R1", Code: "application_before_registration", Severity: ucx.Reject, Field: "application_date",
			Message:   "R1: the application date is earlier than the registration date, which cannot be; check both dates against the registration certificate and the application",
			MessageZH: "R1：申请日期早于注册登记日期，这不可能；请对照机动车登记证书和申请材料核对这两个日期"},
		notInForce: ucx.Reason{Rule: "POLICY", Code: "policy_not_in_force", Severity: ucx.Reject, Field: "application_date",
			Message:   "policy " + p.ref.ID + " " + p.ref.Version + " is " + window + " and the application date lies outside it; decide the vehicle under the policy in force on its application date, or correct the date",
			MessageZH: "政策 " + p.ref.ID + " " + p.ref.Version + " " + windowZH + "，申请日期不在其适用期内；请按申请日期当日有效的政策判定该车辆，或更正日期"},
		letter: ucx.Reason{Rule: "R1", Code: "letter_required", Severity: ucx.Require, Message: letter, MessageZH: letterZH},
		letterModified: ucx.Reason{Rule: "R1", Code: "letter_required", Severity: ucx.Require,
			Message: letter + ". This is a modified vehicle: the modifier (改装厂) may not issue the letter (R2), so ask the chassis manufacturer, " +
				"and confirm with the licensing authority that its letter is accepted (REGULATION.md open question 3)",
			MessageZH: letterZH + "。本车为改装车：改装企业（改装厂）不得出具确认书（R2），请向底盘生产企业申请，" +
				"并向发证机关确认其出具的确认书是否被接受（REGULATION.md 待决问题3）"},
		beforeRegime: ucx.Reason{Rule: "R1", Code: "letter_rule_not_yet_in_force", Severity: ucx.Note,
			Message: "R1: the application is dated " + within + " but before " + start + ", when the rule starts, so no letter is needed; filed on or after " +
				start + " and before the letter-free date, it would need one",
			MessageZH: "R1：" + withinZH + "，但申请日期早于该规则施行日" + startZH + "，因此无须售后维修服务确认书；若在" +
				startZH + "或之后、免确认书日期之前申请，则须提供"},
		destMissing: ucx.Reason{Rule: "R3", Code: "destination_missing", Severity: ucx.Note, Field: "destination",
			Message:   "R3: no destination country is given; the licence and any manufacturer letter must name it, so add its ISO 3166-1 alpha-2 code (e.g. RU, KZ, AE) before filing",
			MessageZH: "R3：未填写目的国；出口许可证和生产企业的售后维修服务确认书都须载明目的国，请在申请前填写其 ISO 3166-1 两位字母代码（如 RU、KZ、AE）"},
		destDomestic: ucx.Reason{Rule: "R3", Code: "destination_domestic", Severity: ucx.Reject, Field: "destination",
			Message:   "R3: the destination is CN, China itself; an export licence needs the foreign country the vehicle goes to",
			MessageZH: "R3：目的国为 CN，即中国本身；出口许可证须填写车辆出口前往的境外国家"},
		inspectionNo: ucx.Reason{Rule: "R12", Code: "inspection_missing", Severity: ucx.Block, Field: "inspection",
			Message:   "R12: no inspection report is held; have the vehicle inspected once by a CMA- or CNAS-qualified body (WM/T 8-2022 for passenger vehicles, WM/T 9-2022 for commercial vehicles and trailers) before a licence can be issued",
			MessageZH: "R12：未持有检验报告；须由具备 CMA 或 CNAS 资质的检验机构对车辆进行一次检验（乘用车依据 WM/T 8-2022，商用车和挂车依据 WM/T 9-2022），方可签发出口许可证"},
		inspectionUnk: ucx.Reason{Rule: "R12", Code: "inspection_report_required", Severity: ucx.Note, Field: "inspection",
			Message:   "R12: a CMA/CNAS inspection report (WM/T 8-2022 for passenger vehicles, WM/T 9-2022 for commercial vehicles and trailers) is required; declare that you hold one, or have the vehicle inspected",
			MessageZH: "R12：须具备 CMA/CNAS 资质的机构出具的检验报告（乘用车依据 WM/T 8-2022，商用车和挂车依据 WM/T 9-2022）；请声明已持有检验报告，或安排车辆检验"},
		mileageNegative: ucx.Reason{Rule: "DATA", Code: "mileage_negative", Severity: ucx.Reject, Field: "mileage_km",
			Message:   "the mileage is negative; enter the odometer reading in kilometres, or leave it out",
			MessageZH: "行驶里程为负数；请填写以公里计的里程表读数，或不填"},
	}
	if p.transition {
		cut, cutZH := p.cutoff.String(), zhDate(p.cutoff)
		m.transitional = ucx.Reason{Rule: "R7", Code: "transitional", Severity: ucx.Note, Field: "transfer_date",
			Message: "R7: transferred for export (转让登记待出口) before " + cut + ", so this is a transitional vehicle, to be exported in an orderly way; " +
				"this policy grants no waiver (the Guidelines' time limit is not known), so every rule, R1's letter included, applies as to any vehicle",
			MessageZH: "R7：已于" + cutZH + "之前办理转让登记待出口，属于过渡期车辆，应有序出口；" +
				"本政策不予豁免（《指南》规定的期限尚不明确），因此各项规则（包括 R1 的售后维修服务确认书要求）均与其他车辆一样适用"}
		if p.waiver == WaiverLetter {
			dl, dlZH := p.waiverDeadline.String(), zhDate(p.waiverDeadline)
			m.waived = ucx.Reason{Rule: "R7", Code: "transitional_letter_waived", Severity: ucx.Note, Field: "transfer_date",
				Message: "R7: transferred for export before " + cut + ", so this transitional vehicle is exempt from R1's letter for applications dated up to " +
					dl + " inclusive; file by then, or a letter may be needed",
				MessageZH: "R7：已于" + cutZH + "之前办理转让登记待出口，该过渡期车辆申请日期在" + dlZH +
					"（含）之前的，免于 R1 的售后维修服务确认书要求；请在此之前申请，否则可能须提供确认书"}
			m.waiverExpired = ucx.Reason{Rule: "R7", Code: "transitional_waiver_expired", Severity: ucx.Note, Field: "transfer_date",
				Message: "R7: transferred for export before " + cut + ", but the transitional exemption from R1's letter ended on " + dl +
					"; R1 applies as to any vehicle",
				MessageZH: "R7：已于" + cutZH + "之前办理转让登记待出口，但过渡期对 R1 售后维修服务确认书要求的豁免已于" + dlZH +
					"结束；R1 与其他车辆一样适用"}
		}
	}
	if p.nearZeroKM >= 0 {
		km := strconv.Itoa(p.nearZeroKM)
		m.nearZero = ucx.Reason{Rule: "R1", Code: "near_zero_mileage", Severity: ucx.Note, Field: "mileage_km",
			Message: "R1: the odometer reads " + km + " km or less: a near-new (\"zero-mileage\") export, the case the 180-day rule targets; " +
				"expect the registration and transfer dates to be checked closely",
			MessageZH: "R1：里程表读数不超过" + km + "公里，属于近新车（“零公里”二手车）出口，正是180天规则针对的情形；" +
				"注册登记日期和转让登记待出口日期预计会受到严格核查"}
	}
	return m
}

// zhDate writes a date as Chinese text does: 2026年1月1日.
func zhDate(d ucx.Date) string {
	y, m, day := d.Civil()
	return strconv.Itoa(y) + "年" + strconv.Itoa(m) + "月" + strconv.Itoa(day) + "日"
}

func (p *Policy) checkVIN(v *ucx.Vehicle, d *ucx.Decision) {
	if v.VIN == "" {
		d.Add(p.msg.vinMissing)
		return
	}
	if err := vin.Validate(v.VIN); err != nil {
		q := strconv.Quote(v.VIN)
		d.Add(ucx.Reason{Rule: "VIN", Code: "vin_invalid", Severity: ucx.Reject, Field: "vin",
			Message: "VIN " + q + ": " + err.Error(), MessageZH: "车辆识别代号（VIN）" + q + "：" + vinFaultZH(err)})
	}
}

// checkDates does R1's arithmetic: the day count, the letter-free date, and
// the refusals for missing or reversed dates and for an application date
// outside the policy's window. It reports whether both dates are usable.
func (p *Policy) checkDates(v *ucx.Vehicle, d *ucx.Decision) bool {
	reg, app := v.RegistrationDate, v.ApplicationDate
	if !reg.IsZero() {
		// First application date whose count exceeds the threshold:
		// A − R + offset > threshold  ⇔  A ≥ R + threshold − offset + 1.
		d.LetterFreeFrom = reg.AddDays(p.threshold - p.dayOffset + 1)
	} else {
		d.Add(p.msg.regMissing)
	}
	if app.IsZero() {
		d.Add(p.msg.appMissing)
		return false
	}
	if !p.InForce(app) {
		d.Add(p.msg.notInForce)
	}
	if reg.IsZero() {
		return false
	}
	diff := app.Sub(reg)
	if diff < 0 {
		d.Add(p.msg.appBeforeReg)
		return false
	}
	d.HasDays = true
	d.DaysSinceRegistration = diff + p.dayOffset
	return true
}

// The codes of the reasons an impossible transfer-pending-export date gets
// (checkTransferDate). The platform refuses a filing with either as
// EINVALID instead of keeping a draft that can never be submitted.
const (
	CodeTransferBeforeRegistration = "transfer_before_registration"
	CodeTransferAfterApplication   = "transfer_after_application"
)

// checkTransferDate is R5 and R7's sense check of the transfer-pending-
// export date (转让登记待出口日期): the vehicle is transferred for export
// after it was registered and before the licence is applied for, so a
// transfer date before the registration date or after the application date
// is invalid input. It reports whether the transfer date is usable, i.e.
// given and possible: R7's transition (and any waiver) is judged only on
// such a date, so that an impossible date never earns a waiver.
func checkTransferDate(v *ucx.Vehicle, d *ucx.Decision) bool {
	t := v.TransferDate
	if t.IsZero() {
		return false
	}
	ok := true
	if reg := v.RegistrationDate; !reg.IsZero() && t.Before(reg) {
		ok = false
		d.Add(ucx.Reason{Rule: "R5", Code: CodeTransferBeforeRegistration, Severity: ucx.Reject, Field: "transfer_date",
			Message: "R5: the transfer-pending-export date (转让登记待出口日期) " + t.String() + " is before the registration date " + reg.String() +
				", which cannot be: a vehicle is transferred for export after it is registered; enter both exactly as the registration certificate prints them",
			MessageZH: "R5：转让登记待出口日期" + t.String() + "早于注册登记日期" + reg.String() +
				"，这不可能：车辆须先注册登记，后办理转让登记待出口；请按机动车登记证书记载准确填写这两个日期"})
	}
	if app := v.ApplicationDate; !app.IsZero() && app.Before(t) {
		ok = false
		d.Add(ucx.Reason{Rule: "R5", Code: CodeTransferAfterApplication, Severity: ucx.Reject, Field: "transfer_date",
			Message: "R5: the transfer-pending-export date (转让登记待出口日期) " + t.String() + " is after the application date " + app.String() +
				", which cannot be: the licence is applied for once the vehicle is transferred for export (R13); enter the date the certificate's endorsement prints, or apply on or after it",
			MessageZH: "R5：转让登记待出口日期" + t.String() + "晚于申请日期" + app.String() +
				"，这不可能：车辆办理转让登记待出口后方可申请出口许可证（R13）；请按机动车登记证书上的签注日期填写，或在该日期当日或之后申请"})
	}
	return ok
}

// checkDestination checks the destination is an assigned ISO 3166-1
// alpha-2 code other than CN (R3). An empty destination is only a note:
// the batch check that tells an exporter which cars need letters is often
// run before buyers are found, and R1 does not depend on the destination;
// the application form requires it. It returns the canonical upper-case
// code and its slot, or slot −1.
func (p *Policy) checkDestination(v *ucx.Vehicle, d *ucx.Decision) (string, int) {
	if v.Destination == "" {
		d.Add(p.msg.destMissing)
		return "", -1
	}
	slot, ok := countrySlot(v.Destination)
	if !ok {
		d.Add(ucx.Reason{Rule: "R3", Code: "destination_invalid", Severity: ucx.Reject, Field: "destination",
			Message:   "R3: destination " + strconv.Quote(v.Destination) + " is not an ISO 3166-1 alpha-2 country code; use the two-letter code, e.g. RU for Russia, KZ for Kazakhstan, AE for the United Arab Emirates",
			MessageZH: "R3：目的国 " + strconv.Quote(v.Destination) + " 不是 ISO 3166-1 两位字母国家代码；请使用两位字母代码，如俄罗斯 RU、哈萨克斯坦 KZ、阿联酋 AE"})
		return v.Destination, -1
	}
	code := countries[slot]
	if code == "CN" {
		d.Add(p.msg.destDomestic)
	}
	return code, slot
}

// checkLetter applies R7 (the transitional flag and any waiver) and then
// R1: a letter is required iff the application is dated on or after the
// regime start and the counted days are at most the threshold. R7 looks
// only at a possible transfer date (transferOK, checkTransferDate): one
// before the registration or after the application makes no vehicle
// transitional and waives nothing.
func (p *Policy) checkLetter(v *ucx.Vehicle, d *ucx.Decision, datesOK, transferOK bool) {
	waived := false
	if p.transition && transferOK && v.TransferDate.Before(p.cutoff) {
		d.Transitional = true
		switch {
		case p.waiver == "":
			d.Add(p.msg.transitional)
		case !v.ApplicationDate.IsZero() && !v.ApplicationDate.After(p.waiverDeadline):
			waived = true
			d.Add(p.msg.waived)
		default:
			d.Add(p.msg.waiverExpired)
		}
	}
	if !datesOK || d.DaysSinceRegistration > p.threshold {
		return
	}
	if v.ApplicationDate.Before(p.regimeStart) {
		d.Add(p.msg.beforeRegime)
		return
	}
	if waived {
		return
	}
	d.LetterRequired = true
	if v.Modified == ucx.Yes {
		d.Add(p.msg.letterModified)
	} else {
		d.Add(p.msg.letter)
	}
}

// checkCertificate is R5: when the registration certificate's values are
// supplied, the application's brand, model, registration date and
// transfer-pending-export date must equal them exactly, or no licence is
// issued. A certificate value left empty is not compared.
func checkCertificate(v *ucx.Vehicle, d *ucx.Decision) {
	c := &v.Certificate
	if !c.Supplied() {
		return
	}
	if c.Brand != "" && c.Brand != v.Brand {
		app, appZH := quoteOrNone(v.Brand)
		d.Add(mismatch("brand", "brand", "品牌", app, appZH, strconv.Quote(c.Brand)))
	}
	if c.Model != "" && c.Model != v.Model {
		app, appZH := quoteOrNone(v.Model)
		d.Add(mismatch("model", "model", "车型", app, appZH, strconv.Quote(c.Model)))
	}
	if !c.RegistrationDate.IsZero() && c.RegistrationDate != v.RegistrationDate {
		app, appZH := dateOrNone(v.RegistrationDate)
		d.Add(mismatch("registration_date", "registration date (注册登记日期)", "注册登记日期", app, appZH, c.RegistrationDate.String()))
	}
	if !c.TransferDate.IsZero() && c.TransferDate != v.TransferDate {
		app, appZH := dateOrNone(v.TransferDate)
		d.Add(mismatch("transfer_date", "transfer-pending-export date (转让登记待出口日期)", "转让登记待出口日期", app, appZH, c.TransferDate.String()))
	}
}

// mismatch is R5's block for one value: what and whatZH name it, app and
// appZH give the application's value (appZH is "" when it is missing),
// cert the certificate's.
func mismatch(field, what, whatZH, app, appZH, cert string) ucx.Reason {
	has := "申请中的" + whatZH + "为" + appZH
	if appZH == "" {
		has = "申请中未填写" + whatZH
	}
	return ucx.Reason{Rule: "R5", Code: field + "_mismatch", Severity: ucx.Block, Field: field,
		Message: "R5: the application's " + what + " is " + app + " but the registration certificate says " + cert +
			"; enter it exactly as the certificate prints it, or no licence is issued",
		MessageZH: "R5：" + has + "，但机动车登记证书记载为" + cert + "；请按证书记载准确填写，否则不予签发出口许可证"}
}

// quoteOrNone quotes an application's text value for mismatch: in English
// an empty one is "empty", in Chinese "" (mismatch words it).
func quoteOrNone(s string) (en, zh string) {
	if s == "" {
		return "empty", ""
	}
	q := strconv.Quote(s)
	return q, q
}

// dateOrNone is quoteOrNone for dates; a missing one is "missing".
func dateOrNone(d ucx.Date) (en, zh string) {
	if d.IsZero() {
		return "missing", ""
	}
	s := d.String()
	return s, s
}

// evidenceCheck is one R9 evidence item: the reason when it is declared
// missing (declaredNo, a block) and when nothing was declared (unknown, a
// note saying what to supply). Chassis and modified brands are names, so
// they have only the unknown case.
type evidenceCheck struct {
	item       string
	declaredNo ucx.Reason
	unknown    ucx.Reason
}

var evidenceChecks = map[string]evidenceCheck{
	EvidenceChassisBrand: {item: EvidenceChassisBrand,
		unknown: ucx.Reason{Rule: "R9", Code: "modified_chassis_brand_missing", Severity: ucx.Note, Field: "modification.chassis_brand",
			Message:   "R9: declare the chassis brand (底盘品牌) of this modified vehicle",
			MessageZH: "R9：请申报该改装车的底盘品牌"}},
	EvidenceModifiedBrand: {item: EvidenceModifiedBrand,
		unknown: ucx.Reason{Rule: "R9", Code: "modified_brand_missing", Severity: ucx.Note, Field: "modification.modified_brand",
			Message:   "R9: declare the brand under which the vehicle was modified (改装品牌) and its model",
			MessageZH: "R9：请申报车辆改装后的品牌（改装品牌）及其型号"}},
	EvidenceGenuine: {item: EvidenceGenuine,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modification_not_genuine", Severity: ucx.Block, Field: "modification.genuine",
			Message:   "R9: the modification cannot be shown to be genuine, so no licence is issued for this modified vehicle; obtain proof of a genuine modification first",
			MessageZH: "R9：无法证明改装真实，因此不予为该改装车签发出口许可证；请先取得改装真实性证明"},
		unknown: ucx.Reason{Rule: "R9", Code: "modification_proof_required", Severity: ucx.Note, Field: "modification.genuine",
			Message:   "R9: supply proof that the modification is genuine (改装真实性证明); without it no licence is issued",
			MessageZH: "R9：请提供改装真实性证明；否则不予签发出口许可证"}},
	EvidenceMIITCatalogue: {item: EvidenceMIITCatalogue,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modified_not_in_miit_catalogue", Severity: ucx.Block, Field: "modification.miit_catalogue",
			Message:   "R9: the modified product is not listed in MIIT's vehicle product catalogue (道路机动车辆生产企业及产品公告), so no licence is issued",
			MessageZH: "R9：改装后的产品未列入工业和信息化部《道路机动车辆生产企业及产品公告》，因此不予签发出口许可证"},
		unknown: ucx.Reason{Rule: "R9", Code: "miit_catalogue_listing_required", Severity: ucx.Note, Field: "modification.miit_catalogue",
			Message:   "R9: give the modified product's listing in MIIT's vehicle product catalogue (batch and model); without it no licence is issued",
			MessageZH: "R9：请提供改装后的产品在工业和信息化部《道路机动车辆生产企业及产品公告》中的公告信息（批次和型号）；否则不予签发出口许可证"}},
	EvidenceCCC: {item: EvidenceCCC,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modified_no_ccc", Severity: ucx.Block, Field: "modification.ccc",
			Message:   "R9: there is no valid CCC certificate for the modified vehicle, so no licence is issued",
			MessageZH: "R9：该改装车没有有效的CCC认证证书，因此不予签发出口许可证"},
		unknown: ucx.Reason{Rule: "R9", Code: "ccc_certificate_required", Severity: ucx.Note, Field: "modification.ccc",
			Message:   "R9: supply the modified vehicle's valid CCC certificate; without it no licence is issued",
			MessageZH: "R9：请提供该改装车有效的CCC认证证书；否则不予签发出口许可证"}},
}

// checkModified is R9 for a vehicle declared modified: each evidence item
// the policy requires is blocked when declared missing and noted when not
// declared. (The letter reason says who may issue a modified vehicle's
// letter; see checkLetter.)
func (p *Policy) checkModified(v *ucx.Vehicle, d *ucx.Decision) {
	if v.Modified != ucx.Yes {
		return
	}
	m := &v.Modification
	for i := range p.evidence {
		c := &p.evidence[i]
		var f ucx.Fact
		switch c.item {
		case EvidenceChassisBrand:
			f = present(m.ChassisBrand)
		case EvidenceModifiedBrand:
			f = present(m.ModifiedBrand)
		case EvidenceGenuine:
			f = m.Genuine
		case EvidenceMIITCatalogue:
			f = m.MIITCatalogue
		case EvidenceCCC:
			f = m.CCC
		}
		switch f {
		case ucx.No:
			d.Add(c.declaredNo)
		case ucx.Unknown:
			d.Add(c.unknown)
		}
	}
}

func present(s string) ucx.Fact {
	if s == "" {
		return ucx.Unknown
	}
	return ucx.Yes
}

// banCase is a BannedCase with its block reason composed at Load.
type banCase struct {
	BannedCase
	reason ucx.Reason
}

// checkBans is R11: each declared banned case blocks the licence with its
// description; a code the policy does not define is invalid input, and the
// reason lists the codes that are.
func (p *Policy) checkBans(v *ucx.Vehicle, d *ucx.Decision) {
	for _, code := range v.Bans {
		if code == "" {
			continue
		}
		found := false
		for i := range p.bans {
			if strings.EqualFold(p.bans[i].Code, code) {
				d.Add(p.bans[i].reason)
				found = true
				break
			}
		}
		if !found {
			d.Add(ucx.Reason{Rule: "R11", Code: "banned_case_unknown", Severity: ucx.Reject, Field: "bans",
				Message:   "R11: banned case " + strconv.Quote(code) + " is not known; declare one of: " + p.banCodes,
				MessageZH: "R11：禁止出口情形 " + strconv.Quote(code) + " 未定义；请申报以下之一：" + p.banCodes})
		}
	}
}

// checkInspection is R12, when the policy requires inspection: a vehicle
// declared uninspected is blocked; one with nothing declared gets a note.
func (p *Policy) checkInspection(v *ucx.Vehicle, d *ucx.Decision) {
	if !p.inspectionRequired {
		return
	}
	switch v.Inspection {
	case ucx.No:
		d.Add(p.msg.inspectionNo)
	case ucx.Unknown:
		d.Add(p.msg.inspectionUnk)
	}
}

// checkMileage notes a near-new vehicle, for information only: the
// mileage has no legal effect (R1 counts days, not kilometres).
func (p *Policy) checkMileage(v *ucx.Vehicle, d *ucx.Decision) {
	if !v.HasMileage {
		return
	}
	if v.MileageKM < 0 {
		d.Add(p.msg.mileageNegative)
		return
	}
	if p.nearZeroKM >= 0 && v.MileageKM <= p.nearZeroKM {
		d.Add(p.msg.nearZero)
	}
}

// vinFaultZH says in Chinese what vin.Validate found wrong, as its English
// Error does: the position at fault and the fix.
func vinFaultZH(err error) string {
	var e *vin.Error
	if !errors.As(err, &e) {
		return "无效"
	}
	pos := "第" + strconv.Itoa(e.Position) + "位"
	switch e.Code {
	case vin.CodeLength:
		if e.Len == 0 {
			return "为空；请照机动车登记证书填写其17位字符"
		}
		msg := "应为17位字符，此处为" + strconv.Itoa(e.Len) + "位"
		if e.Position > 0 {
			return msg + "，" + pos + "是空格；请删除空格"
		}
		return msg + "；请照机动车登记证书重新抄录"
	case vin.CodeForbiddenLetter:
		digit := "1"
		if e.Got != 'I' {
			digit = "0"
		}
		return pos + "是字母 " + string(e.Got) + "，VIN 中不使用该字母（I、O、Q 均不使用）；很可能应为数字 " + digit
	case vin.CodeCharacter:
		if e.Position == 0 {
			break
		}
		q := strconv.QuoteRuneToASCII(e.Got)
		r := e.Got
		switch {
		case r == ' ' || r == '\u3000':
			return pos + "是空格（" + q + "）；请删除"
		case unicode.IsSpace(r):
			return pos + "是空白字符（" + q + "）；请删除"
		case r >= 'a' && r <= 'z':
			return pos + "是小写字母 " + q + "；VIN 请用大写字母"
		case r == utf8.RuneError:
			return pos + "不是有效的 UTF-8 文本；请以纯文本重新复制 VIN"
		case unicode.Is(unicode.Cyrillic, r):
			return pos + "是西里尔字母 " + string(r) + "（" + q + "）；VIN 只用拉丁字母，请切换到拉丁（英文）键盘重新输入"
		case r >= '！' && r <= '～':
			return pos + "是全角字符 " + string(r) + "（" + q + "）；请用半角（ASCII）字符输入"
		}
		if r >= utf8.RuneSelf && strconv.IsPrint(r) {
			q = string(r) + "（" + q + "）"
		}
		return pos + "是字符 " + q + "；VIN 只含字母 A–Z（不含 I、O、Q）和数字 0–9"
	case vin.CodeCheckDigit:
		return "第9位校验位为 " + string(e.Got) + "，但按其余16位计算应为 " + string(e.Expected) + "；17位字符中有录入错误，请对照机动车登记证书核对"
	}
	return "无效；VIN 只含字母 A–Z（不含 I、O、Q）和数字 0–9，共17位"
}

// IssueGates returns what stops a licence for v being issued beyond the
// blocks Decide gives: at issue R9 and R12 are gates, not notes. For a
// vehicle filed as modified, each evidence item the policy requires and
// the application does not declare blocks (R9); when the policy requires
// inspection, a vehicle with no inspection report declared blocks (R12).
// Items declared missing, and declared R11 banned cases, are Decide's
// blocks already and are not repeated. The reasons have severity Block
// and name the rule.
func (p *Policy) IssueGates(v *ucx.Vehicle) []ucx.Reason {
	var out []ucx.Reason
	if v.Modified == ucx.Yes {
		var d ucx.Decision
		p.checkModified(v, &d)
		for _, r := range d.Reasons {
			if r.Severity < ucx.Block {
				r.Severity = ucx.Block
				r.Message += " (at issue the licence is refused until it is on the application)"
				if r.MessageZH != "" {
					r.MessageZH += "（申请中补齐前不予签发出口许可证）"
				}
				out = append(out, r)
			}
		}
	}
	if p.inspectionRequired && v.Inspection == ucx.Unknown {
		out = append(out, p.msg.inspectionNo)
	}
	return out
}
