// Package policy holds the regulation (REGULATION.md R1–R17) as versioned
// data and decides, for one vehicle on one application, what the exporter
// needs: clear, letter-required, blocked or invalid, each with reasons.
//
// A policy is a JSON document (docs/policy.md describes its format). A rule
// change — a new 180-day threshold, a new regime start, the R7 transition
// deadline once it is known, a destination advisory — is a new document,
// not new code. The core rules (R1, R5, R7, R9, R11, R12, VIN, dates,
// destination) are native Go parameterised by the document, because they
// run a million times a batch; destination advisories and any extra rule a
// policy adds are CEL predicates, type-checked and cost-checked when the
// document is loaded, so that a broken rule is refused at Load and never
// surprises a batch at run time.
//
// A *Policy is immutable after Load: Decide may be called from any number
// of goroutines at once.
package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
)

//go:embed default.json
var defaultDocument []byte

// defaultPolicy is loaded once: the embedded document is a constant of the
// build, and every caller shares the same immutable *Policy.
var defaultPolicy = func() *Policy {
	p, err := Load(defaultDocument)
	if err != nil {
		// The embedded document is part of the build and is tested; a
		// failure here is a programming error, never bad user input.
		panic("policy: embedded default.json does not load: " + err.Error())
	}
	return p
}()

// Default returns the embedded default policy: Notice 648 as REGULATION.md
// reads it (R1 from 2026-01-01 with 180 days, 180 included; R7 cut-off
// 2026-01-01 with no waiver, since the Guidelines' deadline is unknown).
func Default() *Policy { return defaultPolicy }

// DefaultDocument returns a copy of the embedded default policy document,
// the starting point for writing a new version.
func DefaultDocument() []byte { return bytes.Clone(defaultDocument) }

// Day-count conventions for R1. The regulation's own arithmetic is not
// published (R1 [?]), so the convention is part of the policy document.
const (
	// DayCountCalendar counts the plain calendar-date difference A − R:
	// Civil Code Art. 201 excludes the first day. It is the default.
	DayCountCalendar = "calendar"
	// DayCountInclusive counts both the registration and the application
	// day, A − R + 1, in case the licensing system turns out to do so.
	DayCountInclusive = "inclusive"
)

// Transition waiver scopes (R7). Only the letter can be waived: the other
// rules protect the licence's data, not the 180-day intent.
const (
	WaiverLetter = "letter"
)

// Evidence items R9 may require of a modified vehicle, in the order the
// document lists them.
const (
	EvidenceChassisBrand  = "chassis_brand"
	EvidenceModifiedBrand = "modified_brand"
	EvidenceGenuine       = "genuine"
	EvidenceMIITCatalogue = "miit_catalogue"
	EvidenceCCC           = "ccc"
)

// BannedCase is one entry of R11's list of vehicles that may not be
// exported, as the policy document defines it. Exporters declare cases by
// Code; the descriptions are shown in reasons and user interfaces.
type BannedCase struct {
	Code    string `json:"code"`
	English string `json:"en"`
	Chinese string `json:"zh"`
}

// Policy is one loaded, compiled, immutable policy document.
type Policy struct {
	ref   ucx.PolicyRef
	title string

	from, until ucx.Date // effective window; until is zero when open-ended

	// R1
	regimeStart ucx.Date
	threshold   int
	dayCount    string
	dayOffset   int // 0 for calendar, 1 for inclusive

	// R7
	transition     bool
	cutoff         ucx.Date
	waiver         string
	waiverDeadline ucx.Date

	// R9, R11, R12, mileage
	evidence           []evidenceCheck
	inspectionRequired bool
	bans               []banCase
	banCodes           string // "a, b, c", for the unknown-code message
	nearZeroKM         int    // -1 when the note is off

	// R4, R15: the batch and its licence
	maxVehicles    int
	validityMonths int
	withinYear     bool

	// CEL rules: all of them in document order, those without a
	// destination list, and per destination slot the ordered list that
	// applies there (nil when only the global ones do).
	rules  []*rule
	global []*rule
	byDest *[numCountrySlots][]*rule

	msg messages
}

// document is the JSON form of a policy. Dates are strings so that a bad
// one is reported with the field's name.
type document struct {
	ID                 string         `json:"id"`
	Version            string         `json:"version"`
	Title              string         `json:"title"`
	Description        string         `json:"description"`
	EffectiveFrom      string         `json:"effective_from"`
	EffectiveUntil     string         `json:"effective_until"`
	RegimeStart        string         `json:"regime_start"`
	ThresholdDays      *int           `json:"letter_threshold_days"`
	DayCount           string         `json:"day_count"`
	Transition         *transitionDoc `json:"transition"`
	ModifiedEvidence   []string       `json:"modified_evidence"`
	InspectionRequired bool           `json:"inspection_required"`
	BannedCases        []BannedCase   `json:"banned_cases"`
	NearZeroMileageKM  *int           `json:"near_zero_mileage_km"`
	MaxVehicles        *int           `json:"max_vehicles"`
	ValidityMonths     *int           `json:"licence_validity_months"`
	WithinYear         *bool          `json:"licence_within_year"`
	Rules              []ruleDoc      `json:"rules"`
}

type transitionDoc struct {
	Cutoff string     `json:"cutoff"`
	Waiver *waiverDoc `json:"waiver"`
}

type waiverDoc struct {
	Scope    string `json:"scope"`
	Deadline string `json:"deadline"`
}

var (
	reCode    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	reRuleID  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	reRegRule = regexp.MustCompile(`^R([1-9]|1[0-7])$`)
)

// maxDocSize bounds a policy document: a page of parameters and rules, not
// data. It keeps a mistaken upload from being parsed at length.
const maxDocSize = 1 << 20

// LoadFile reads and loads a policy document (see Load). A file that
// cannot be read is EINVALID naming the path.
func LoadFile(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &ucx.Error{Code: ucx.EINVALID, Field: "policy", Op: "policy.LoadFile",
			Message: "cannot read the policy file " + strconv.Quote(path) + "; check the path and its permissions", Err: err}
	}
	// Load's errors do not repeat the path: the caller knows it, and
	// prefixes it once (ucx check writes "--policy FILE: …").
	return Load(b)
}

// Load parses, checks and compiles a policy document. Everything that can
// be wrong with a document is found here — a missing parameter, an
// impossible date, an unknown field, a CEL rule that does not compile,
// does not yield a bool, names an unknown variable, may cost too much or
// fails on a plain vehicle — and refused with an EINVALID *ucx.Error whose
// Field names the place (e.g. "rules[2].when") and whose message names the
// rule id and the fix. A policy that loads never fails at Decide.
func Load(data []byte) (*Policy, error) {
	if len(data) > maxDocSize {
		return nil, &ucx.Error{Code: ucx.ETOOLARGE, Op: "policy.Load",
			Message: fmt.Sprintf("policy document is %d bytes; the limit is %d — a policy is a page of parameters and rules, not data", len(data), maxDocSize)}
	}
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, loadErr("", "the document holds more than one JSON value; a policy file is exactly one JSON object")
	}
	sum := sha256.Sum256(data)
	p := &Policy{
		ref:   ucx.PolicyRef{ID: doc.ID, Version: doc.Version, SHA256: hex.EncodeToString(sum[:])},
		title: doc.Title,
	}
	if err := p.compile(&doc); err != nil {
		return nil, err
	}
	return p, nil
}

// compile checks doc's parameters and builds p from them.
func (p *Policy) compile(doc *document) error {
	if strings.TrimSpace(doc.ID) == "" {
		return loadErr("id", "id is missing; name the policy, e.g. \"cn-648\"")
	}
	if strings.TrimSpace(doc.Version) == "" {
		return loadErr("version", "version is missing; give every edition of the policy its own version, e.g. \"2026.1\"")
	}
	var err error
	if p.from, err = requiredDate(doc.EffectiveFrom, "effective_from"); err != nil {
		return err
	}
	if p.until, err = optionalDate(doc.EffectiveUntil, "effective_until"); err != nil {
		return err
	}
	if !p.until.IsZero() && p.until.Before(p.from) {
		return loadErr("effective_until", "effective_until %s is before effective_from %s; the window must run forwards", p.until, p.from)
	}

	// R1
	if p.regimeStart, err = requiredDate(doc.RegimeStart, "regime_start"); err != nil {
		return err
	}
	if doc.ThresholdDays == nil {
		return loadErr("letter_threshold_days", "letter_threshold_days is missing; R1 sets it to 180")
	}
	if t := *doc.ThresholdDays; t < 0 || t > 3660 {
		return loadErr("letter_threshold_days", "letter_threshold_days is %d; give a number of days between 0 and 3660 (R1 sets 180)", t)
	}
	p.threshold = *doc.ThresholdDays
	switch doc.DayCount {
	case "", DayCountCalendar:
		p.dayCount, p.dayOffset = DayCountCalendar, 0
	case DayCountInclusive:
		p.dayCount, p.dayOffset = DayCountInclusive, 1
	default:
		return loadErr("day_count", "day_count %q is not known; use %q (A − R, Civil Code Art. 201, the default) or %q (A − R + 1)", doc.DayCount, DayCountCalendar, DayCountInclusive)
	}

	// R7
	if t := doc.Transition; t != nil {
		p.transition = true
		if p.cutoff, err = requiredDate(t.Cutoff, "transition.cutoff"); err != nil {
			return err
		}
		if w := t.Waiver; w != nil {
			if w.Scope != WaiverLetter {
				return loadErr("transition.waiver.scope", "waiver scope %q is not known; the only scope is %q (R7 can exempt transitional vehicles from R1's letter), or leave the waiver out", w.Scope, WaiverLetter)
			}
			if p.waiverDeadline, err = requiredDate(w.Deadline, "transition.waiver.deadline"); err != nil {
				return err
			}
			p.waiver = w.Scope
		}
	}

	// R9
	seen := map[string]bool{}
	for i, e := range doc.ModifiedEvidence {
		field := fmt.Sprintf("modified_evidence[%d]", i)
		c, ok := evidenceChecks[e]
		if !ok {
			return loadErr(field, "evidence %q is not known; use any of %s, %s, %s, %s, %s (R9)", e,
				EvidenceChassisBrand, EvidenceModifiedBrand, EvidenceGenuine, EvidenceMIITCatalogue, EvidenceCCC)
		}
		if seen[e] {
			return loadErr(field, "evidence %q is listed twice; list each once", e)
		}
		seen[e] = true
		p.evidence = append(p.evidence, c)
	}
	p.inspectionRequired = doc.InspectionRequired

	// R11
	var codes []string
	clear(seen)
	for i, b := range doc.BannedCases {
		field := fmt.Sprintf("banned_cases[%d]", i)
		if !reCode.MatchString(b.Code) {
			return loadErr(field+".code", "banned case code %q must be lower-case letters, digits and _ and start with a letter, e.g. \"seized\"", b.Code)
		}
		if seen[b.Code] {
			return loadErr(field+".code", "banned case code %q is defined twice; give each case its own code", b.Code)
		}
		seen[b.Code] = true
		if strings.TrimSpace(b.English) == "" || strings.TrimSpace(b.Chinese) == "" {
			return loadErr(field, "banned case %q needs both descriptions, \"en\" and \"zh\": exporters read them in either language", b.Code)
		}
		codes = append(codes, b.Code)
		p.bans = append(p.bans, banCase{BannedCase: b, reason: ucx.Reason{
			Rule: "R11", Code: "banned_" + b.Code, Severity: ucx.Block, Field: "bans",
			Message:   "R11: declared banned case " + b.Code + " — " + b.English + " (" + b.Chinese + "); such a vehicle may not be exported, so no licence is issued until the case is resolved",
			MessageZH: "R11：已申报禁止出口情形 " + b.Code + "——" + b.Chinese + "；此类车辆不得出口，该情形消除前不予签发出口许可证",
		}})
	}
	p.banCodes = strings.Join(codes, ", ")

	p.nearZeroKM = -1
	if n := doc.NearZeroMileageKM; n != nil {
		if *n < 0 {
			return loadErr("near_zero_mileage_km", "near_zero_mileage_km is %d; give a distance of 0 km or more, or leave it out to turn the note off", *n)
		}
		p.nearZeroKM = *n
	}

	p.maxVehicles = ucx.DefaultMaxShipmentVehicles
	if n := doc.MaxVehicles; n != nil {
		if *n < 1 || *n > 10000 {
			return loadErr("max_vehicles", "max_vehicles is %d; give the number of vehicles one licence may hold, 1 to 10000 (reported: 20)", *n)
		}
		p.maxVehicles = *n
	}
	p.validityMonths = ucx.DefaultLicenceValidityMonths
	if n := doc.ValidityMonths; n != nil {
		if *n < 1 || *n > 120 {
			return loadErr("licence_validity_months", "licence_validity_months is %d; give the licence's validity in months, 1 to 120 (reported: 6)", *n)
		}
		p.validityMonths = *n
	}
	p.withinYear = ucx.DefaultLicenceWithinYear
	if b := doc.WithinYear; b != nil {
		p.withinYear = *b
	}

	p.msg = p.buildMessages()
	return p.compileRules(doc.Rules)
}

// MaxVehicles is the most vehicles one shipment, and so one licence, may
// hold (一批一证, R4): the document's max_vehicles, or
// ucx.DefaultMaxShipmentVehicles.
func (p *Policy) MaxVehicles() int { return p.maxVehicles }

// LicenceValidityMonths is how many months a licence is valid from its
// issue (R15): the document's licence_validity_months, or
// ucx.DefaultLicenceValidityMonths.
func (p *Policy) LicenceValidityMonths() int { return p.validityMonths }

// LicenceWithinYear reports whether a licence's validity ends at the
// latest on 31 December of the year it was issued in (R15): the
// document's licence_within_year, or ucx.DefaultLicenceWithinYear.
func (p *Policy) LicenceWithinYear() bool { return p.withinYear }

// Ref identifies the policy: its id, version and the SHA-256 of the exact
// document bytes. Every decision carries it, so an audit can reproduce the
// decision under the very rules that made it.
func (p *Policy) Ref() ucx.PolicyRef { return p.ref }

// Title is the document's human title (may be empty).
func (p *Policy) Title() string { return p.title }

// EffectiveFrom is the first application date the policy governs.
func (p *Policy) EffectiveFrom() ucx.Date { return p.from }

// EffectiveUntil is the last application date the policy governs, or the
// zero Date when the policy has no end yet.
func (p *Policy) EffectiveUntil() ucx.Date { return p.until }

// InForce reports whether the policy governs applications dated d.
func (p *Policy) InForce(d ucx.Date) bool {
	return !d.Before(p.from) && (p.until.IsZero() || !d.After(p.until))
}

// RegimeStart is the first application date on which R1's letter rule
// applies (2026-01-01 under Notice 648).
func (p *Policy) RegimeStart() ucx.Date { return p.regimeStart }

// ThresholdDays is R1's threshold: a letter is required when the counted
// days are at most this many (180, 180 included).
func (p *Policy) ThresholdDays() int { return p.threshold }

// DayCount is R1's day-count convention, DayCountCalendar or
// DayCountInclusive.
func (p *Policy) DayCount() string { return p.dayCount }

// BannedCases returns R11's banned cases, in document order, for forms and
// help texts. The slice is a copy.
func (p *Policy) BannedCases() []BannedCase {
	out := make([]BannedCase, len(p.bans))
	for i, b := range p.bans {
		out[i] = b.BannedCase
	}
	return out
}

// Select returns, among policies, the one in force on the application date
// on; when several are, the one that took effect last (a newer edition
// supersedes an older one without the older needing an end date). It
// returns ENOTFOUND when none is in force.
func Select(policies []*Policy, on ucx.Date) (*Policy, error) {
	var best *Policy
	for _, p := range policies {
		if p != nil && p.InForce(on) && (best == nil || p.from.After(best.from)) {
			best = p
		}
	}
	if best == nil {
		return nil, &ucx.Error{Code: ucx.ENOTFOUND, Field: "application_date", Op: "policy.Select",
			Message: "no policy is in force on " + on.String() + "; load the policy edition that covers that application date"}
	}
	return best, nil
}

func loadErr(field, format string, args ...any) error {
	return &ucx.Error{Code: ucx.EINVALID, Field: field, Op: "policy.Load", Message: "policy: " + fmt.Sprintf(format, args...)}
}

func requiredDate(s, field string) (ucx.Date, error) {
	if strings.TrimSpace(s) == "" {
		return ucx.Date{}, loadErr(field, "%s is missing; write it as YYYY-MM-DD", field)
	}
	return optionalDate(s, field)
}

func optionalDate(s, field string) (ucx.Date, error) {
	if strings.TrimSpace(s) == "" {
		return ucx.Date{}, nil
	}
	d, err := ucx.ParseDate(s)
	if err != nil {
		return ucx.Date{}, loadErr(field, "%s: %s", field, ucx.ErrorMessage(err))
	}
	return d, nil
}

// jsonError turns a decoding error into a message with the line and column
// and the fix, instead of encoding/json's byte offsets.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return loadErr("", "not valid JSON at line %d, column %d: %s; a policy file is one JSON object (no comments, no trailing commas)", line, col, syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return loadErr(typ.Field, "%s at line %d, column %d must be a JSON %s, not a %s; see docs/policy.md", typ.Field, line, col, jsonType(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.EOF):
		return loadErr("", "the document is empty; a policy file is one JSON object")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return loadErr(f, "field %q is not part of the policy format; correct its spelling or remove it (docs/policy.md lists the fields; notes for people go in \"description\")", f)
	}
	return loadErr("", "cannot read the document: %s", strings.TrimPrefix(msg, "json: "))
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "uint", "float64":
		return "number"
	case "struct", "map", "ptr":
		return "object"
	case "slice", "array":
		return "array"
	}
	return kind
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// LicenceValidUntil is the last day a licence issued on day on is valid
// (R15): LicenceValidityMonths calendar months from its issue, the last
// of them ending the day before the issue day's date (issued 15 March,
// six months: valid to 14 September; a missing date is clamped to the
// month's end), and, with LicenceWithinYear, never past 31 December of
// the year of issue — the reported rule that a licence does not cross the
// calendar year.
func (p *Policy) LicenceValidUntil(on ucx.Date) ucx.Date {
	y, m, d := on.Civil()
	m += p.validityMonths
	y, m = y+(m-1)/12, (m-1)%12+1
	end, ok := ucx.NewDate(y, m, d)
	for day := d; !ok && day > 28; day-- {
		// The issue day does not exist in the last month (31 August + 6
		// months): the period ends with that month.
		if end, ok = ucx.NewDate(y, m, day-1); ok {
			end = end.AddDays(1)
		}
	}
	until := end.AddDays(-1)
	if p.withinYear {
		y0, _, _ := on.Civil()
		if last, _ := ucx.NewDate(y0, 12, 31); until.After(last) {
			until = last
		}
	}
	return until
}
