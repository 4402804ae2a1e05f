package policy

import (
	"strconv"
	"strings"

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
// reasons: VIN, R1 dates and the policy's window, destination (R3), R7,
// R1's letter, R5, R9, R11, R12, mileage, then the document's CEL rules.
func (p *Policy) Decide(v *ucx.Vehicle, d *ucx.Decision) {
	d.Reset()
	d.Policy = p.ref

	p.checkVIN(v, d)
	datesOK := p.checkDates(v, d)
	dest, slot := p.checkDestination(v, d)
	p.checkLetter(v, d, datesOK)
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
	start := p.regimeStart.String()
	within := "within " + strconv.Itoa(p.threshold) + " days of the registration date (" + strconv.Itoa(p.threshold) + " included"
	if p.dayOffset == 1 {
		within += ", counting both the registration and the application day)"
	} else {
		within += ", counted as the calendar-date difference, Civil Code Art. 201)"
	}
	letter := "R1: the application is dated " + within + " and on or after " + start +
		", so a sealed After-Sales Service Confirmation (售后维修服务确认书) is needed before a licence: ask the vehicle's manufacturer, " +
		"under its exact name in MIIT's announcement (R2), for one naming this VIN, the destination and an overseas service outlet (R3); " +
		"or file on or after the letter-free date, when none is needed"
	window := "in force from " + p.from.String()
	if !p.until.IsZero() {
		window += " to " + p.until.String()
	}
	m := messages{
		vinMissing: ucx.Reason{Rule: "VIN", Code: "vin_missing", Severity: ucx.Reject, Field: "vin",
			Message: "the VIN is missing; copy its 17 characters from the registration certificate"},
		regMissing: ucx.Reason{Rule: "R1", Code: "registration_date_missing", Severity: ucx.Reject, Field: "registration_date",
			Message: "R1: the registration date (注册登记日期) is missing; enter it exactly as the registration certificate prints it"},
		appMissing: ucx.Reason{Rule: "R1", Code: "application_date_missing", Severity: ucx.Reject, Field: "application_date",
			Message: "R1: the licence application date is missing; enter the date the export-licence application is (or will be) filed"},
		appBeforeReg: ucx.Reason{Rule: "R1", Code: "application_before_registration", Severity: ucx.Reject, Field: "application_date",
			Message: "R1: the application date is earlier than the registration date, which cannot be; check both dates against the registration certificate and the application"},
		notInForce: ucx.Reason{Rule: "POLICY", Code: "policy_not_in_force", Severity: ucx.Reject, Field: "application_date",
			Message: "policy " + p.ref.ID + " " + p.ref.Version + " is " + window + " and the application date lies outside it; decide the vehicle under the policy in force on its application date, or correct the date"},
		letter: ucx.Reason{Rule: "R1", Code: "letter_required", Severity: ucx.Require, Message: letter},
		letterModified: ucx.Reason{Rule: "R1", Code: "letter_required", Severity: ucx.Require,
			Message: letter + ". This is a modified vehicle: the modifier (改装厂) may not issue the letter (R2), so ask the chassis manufacturer, " +
				"and confirm with the licensing authority that its letter is accepted (REGULATION.md open question 3)"},
		beforeRegime: ucx.Reason{Rule: "R1", Code: "letter_rule_not_yet_in_force", Severity: ucx.Note,
			Message: "R1: the application is dated " + within + " but before " + start + ", when the rule starts, so no letter is needed; filed on or after " +
				start + " and before the letter-free date, it would need one"},
		destMissing: ucx.Reason{Rule: "R3", Code: "destination_missing", Severity: ucx.Note, Field: "destination",
			Message: "R3: no destination country is given; the licence and any manufacturer letter must name it, so add its ISO 3166-1 alpha-2 code (e.g. RU, KZ, AE) before filing"},
		destDomestic: ucx.Reason{Rule: "R3", Code: "destination_domestic", Severity: ucx.Reject, Field: "destination",
			Message: "R3: the destination is CN, China itself; an export licence needs the foreign country the vehicle goes to"},
		inspectionNo: ucx.Reason{Rule: "R12", Code: "inspection_missing", Severity: ucx.Block, Field: "inspection",
			Message: "R12: no inspection report is held; have the vehicle inspected once by a CMA- or CNAS-qualified body (WM/T 8-2022 for passenger vehicles, WM/T 9-2022 for commercial vehicles and trailers) before a licence can be issued"},
		inspectionUnk: ucx.Reason{Rule: "R12", Code: "inspection_report_required", Severity: ucx.Note, Field: "inspection",
			Message: "R12: a CMA/CNAS inspection report (WM/T 8-2022 for passenger vehicles, WM/T 9-2022 for commercial vehicles and trailers) is required; declare that you hold one, or have the vehicle inspected"},
		mileageNegative: ucx.Reason{Rule: "DATA", Code: "mileage_negative", Severity: ucx.Reject, Field: "mileage_km",
			Message: "the mileage is negative; enter the odometer reading in kilometres, or leave it out"},
	}
	if p.transition {
		cut := p.cutoff.String()
		m.transitional = ucx.Reason{Rule: "R7", Code: "transitional", Severity: ucx.Note, Field: "transfer_date",
			Message: "R7: transferred for export (转让登记待出口) before " + cut + ", so this is a transitional vehicle, to be exported in an orderly way; " +
				"this policy grants no waiver (the Guidelines' time limit is not known), so every rule, R1's letter included, applies as to any vehicle"}
		if p.waiver == WaiverLetter {
			dl := p.waiverDeadline.String()
			m.waived = ucx.Reason{Rule: "R7", Code: "transitional_letter_waived", Severity: ucx.Note, Field: "transfer_date",
				Message: "R7: transferred for export before " + cut + ", so this transitional vehicle is exempt from R1's letter for applications dated up to " +
					dl + " inclusive; file by then, or a letter may be needed"}
			m.waiverExpired = ucx.Reason{Rule: "R7", Code: "transitional_waiver_expired", Severity: ucx.Note, Field: "transfer_date",
				Message: "R7: transferred for export before " + cut + ", but the transitional exemption from R1's letter ended on " + dl +
					"; R1 applies as to any vehicle"}
		}
	}
	if p.nearZeroKM >= 0 {
		m.nearZero = ucx.Reason{Rule: "R1", Code: "near_zero_mileage", Severity: ucx.Note, Field: "mileage_km",
			Message: "R1: the odometer reads " + strconv.Itoa(p.nearZeroKM) + " km or less: a near-new (\"zero-mileage\") export, the case the 180-day rule targets; " +
				"expect the registration and transfer dates to be checked closely"}
	}
	return m
}

func (p *Policy) checkVIN(v *ucx.Vehicle, d *ucx.Decision) {
	if v.VIN == "" {
		d.Add(p.msg.vinMissing)
		return
	}
	if err := vin.Validate(v.VIN); err != nil {
		d.Add(ucx.Reason{Rule: "VIN", Code: "vin_invalid", Severity: ucx.Reject, Field: "vin",
			Message: "VIN " + strconv.Quote(v.VIN) + ": " + err.Error()})
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
			Message: "R3: destination " + strconv.Quote(v.Destination) + " is not an ISO 3166-1 alpha-2 country code; use the two-letter code, e.g. RU for Russia, KZ for Kazakhstan, AE for the United Arab Emirates"})
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
// regime start and the counted days are at most the threshold.
func (p *Policy) checkLetter(v *ucx.Vehicle, d *ucx.Decision, datesOK bool) {
	waived := false
	if p.transition && !v.TransferDate.IsZero() && v.TransferDate.Before(p.cutoff) {
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
		d.Add(mismatch("brand", "brand", quoteOrNone(v.Brand), strconv.Quote(c.Brand)))
	}
	if c.Model != "" && c.Model != v.Model {
		d.Add(mismatch("model", "model", quoteOrNone(v.Model), strconv.Quote(c.Model)))
	}
	if !c.RegistrationDate.IsZero() && c.RegistrationDate != v.RegistrationDate {
		d.Add(mismatch("registration_date", "registration date (注册登记日期)", dateOrNone(v.RegistrationDate), c.RegistrationDate.String()))
	}
	if !c.TransferDate.IsZero() && c.TransferDate != v.TransferDate {
		d.Add(mismatch("transfer_date", "transfer-pending-export date (转让登记待出口日期)", dateOrNone(v.TransferDate), c.TransferDate.String()))
	}
}

func mismatch(field, what, app, cert string) ucx.Reason {
	return ucx.Reason{Rule: "R5", Code: field + "_mismatch", Severity: ucx.Block, Field: field,
		Message: "R5: the application's " + what + " is " + app + " but the registration certificate says " + cert +
			"; enter it exactly as the certificate prints it, or no licence is issued"}
}

func quoteOrNone(s string) string {
	if s == "" {
		return "empty"
	}
	return strconv.Quote(s)
}

func dateOrNone(d ucx.Date) string {
	if d.IsZero() {
		return "missing"
	}
	return d.String()
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
			Message: "R9: declare the chassis brand (底盘品牌) of this modified vehicle"}},
	EvidenceModifiedBrand: {item: EvidenceModifiedBrand,
		unknown: ucx.Reason{Rule: "R9", Code: "modified_brand_missing", Severity: ucx.Note, Field: "modification.modified_brand",
			Message: "R9: declare the brand under which the vehicle was modified (改装品牌) and its model"}},
	EvidenceGenuine: {item: EvidenceGenuine,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modification_not_genuine", Severity: ucx.Block, Field: "modification.genuine",
			Message: "R9: the modification cannot be shown to be genuine, so no licence is issued for this modified vehicle; obtain proof of a genuine modification first"},
		unknown: ucx.Reason{Rule: "R9", Code: "modification_proof_required", Severity: ucx.Note, Field: "modification.genuine",
			Message: "R9: supply proof that the modification is genuine (改装真实性证明); without it no licence is issued"}},
	EvidenceMIITCatalogue: {item: EvidenceMIITCatalogue,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modified_not_in_miit_catalogue", Severity: ucx.Block, Field: "modification.miit_catalogue",
			Message: "R9: the modified product is not listed in MIIT's vehicle product catalogue (道路机动车辆生产企业及产品公告), so no licence is issued"},
		unknown: ucx.Reason{Rule: "R9", Code: "miit_catalogue_listing_required", Severity: ucx.Note, Field: "modification.miit_catalogue",
			Message: "R9: give the modified product's listing in MIIT's vehicle product catalogue (batch and model); without it no licence is issued"}},
	EvidenceCCC: {item: EvidenceCCC,
		declaredNo: ucx.Reason{Rule: "R9", Code: "modified_no_ccc", Severity: ucx.Block, Field: "modification.ccc",
			Message: "R9: there is no valid CCC certificate for the modified vehicle, so no licence is issued"},
		unknown: ucx.Reason{Rule: "R9", Code: "ccc_certificate_required", Severity: ucx.Note, Field: "modification.ccc",
			Message: "R9: supply the modified vehicle's valid CCC certificate; without it no licence is issued"}},
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
				Message: "R11: banned case " + strconv.Quote(code) + " is not known; declare one of: " + p.banCodes})
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
