package ucx

import (
	"context"
	"time"
)

// NegativeItem is one item of the negative list of dishonest conduct that
// credit supervision works against (R8). The real list is not public yet
// (REGULATION.md, open question 6), so the items are data the platform
// operator edits, and the ones ucx ships are marked Provisional.
type NegativeItem struct {
	Code          string `json:"code"`
	DescriptionZH string `json:"description_zh"`
	DescriptionEN string `json:"description_en"`
	// Weight is what one event of this item adds to an exporter's score.
	Weight int `json:"weight"`
	// Source says where the item comes from (a regulation, a guideline).
	Source      string    `json:"source"`
	Provisional bool      `json:"provisional"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Negative-list codes that ucx itself refers to.
const (
	// CodeWrongFiling is a filing whose data do not match the registration
	// certificate (R5). ucx records it itself when a licence is refused
	// for data_mismatch; enough of them in a period make a repeated wrong
	// filer, whom R6 names.
	CodeWrongFiling = "wrong_filing"
)

// Validate checks an item before it is stored.
func (n *NegativeItem) Validate() error {
	switch {
	case n.Code == "" || len(n.Code) > 64:
		return FieldErrorf(EINVALID, "code", "the code is required, at most 64 bytes")
	case n.DescriptionZH == "" || n.DescriptionEN == "":
		return FieldErrorf(EINVALID, "description_zh", "both descriptions, Chinese and English, are required")
	case len(n.DescriptionZH) > 500 || len(n.DescriptionEN) > 500 || len(n.Source) > 500:
		return FieldErrorf(EINVALID, "description_en", "descriptions and source are at most 500 bytes")
	case n.Weight < 0 || n.Weight > 100:
		return FieldErrorf(EINVALID, "weight", "the weight must be between 0 and 100")
	}
	for _, c := range n.Code {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return FieldErrorf(EINVALID, "code", "the code is lower-case letters, digits and underscores")
		}
	}
	return nil
}

// CreditEvent is one recorded instance of negative-list conduct by an
// exporter (R8). An authority records it with its evidence; ucx records
// wrong filings it sees itself (RecordedBy is 0 and Automatic is set).
type CreditEvent struct {
	ID         int64  `json:"id"`
	ExporterID int64  `json:"exporter_id"`
	Code       string `json:"code"`
	// Weight is the item's weight when the event was recorded: editing
	// the list later does not rewrite the past.
	Weight        int    `json:"weight"`
	OccurredOn    Date   `json:"occurred_on"`
	Evidence      string `json:"evidence"`
	RecordedBy    int64  `json:"recorded_by,omitempty"`
	Automatic     bool   `json:"automatic"`
	ApplicationID int64  `json:"application_id,omitempty"`
	// LicenceID names an issued licence the event found wrong; the
	// licence's issuing authority then counts in R6's naming.
	LicenceID   int64     `json:"licence_id,omitempty"`
	AppealNote  string    `json:"appeal_note,omitempty"`
	Annulled    bool      `json:"annulled"`
	AnnulReason string    `json:"annul_reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// StandingThresholds turn credit events into a standing (R8): the sum of
// the weights of an exporter's events (not annulled) that occurred within
// the last WindowDays days is its score, and a score at or above a
// threshold gives that standing. No source gives the scoring (REGULATION.md,
// open question 6), so it is configuration.
type StandingThresholds struct {
	WindowDays    int `json:"window_days"`
	Warned        int `json:"warned"`
	Rectification int `json:"rectification_ordered"`
	Suspended     int `json:"suspended"`
	// NamingCount is how many wrong filings in a period make an exporter
	// a repeated wrong filer whom R6 names ("多次" is not defined).
	NamingCount int `json:"naming_count"`
}

// DefaultStandingThresholds are ucx's provisional thresholds.
var DefaultStandingThresholds = StandingThresholds{WindowDays: 365, Warned: 3, Rectification: 6, Suspended: 10, NamingCount: 3}

// Validate checks that the thresholds rise with the standing's severity.
func (t StandingThresholds) Validate() error {
	switch {
	case t.WindowDays < 1 || t.WindowDays > 3660:
		return FieldErrorf(EINVALID, "window_days", "the window must be between 1 and 3660 days")
	case t.Warned < 1 || t.Rectification < t.Warned || t.Suspended < t.Rectification:
		return FieldErrorf(EINVALID, "warned", "thresholds must satisfy 1 ≤ warned ≤ rectification_ordered ≤ suspended")
	case t.NamingCount < 1:
		return FieldErrorf(EINVALID, "naming_count", "the naming count must be at least 1")
	}
	return nil
}

// StandingFor returns the standing a score gives.
func (t StandingThresholds) StandingFor(score int) Standing {
	switch {
	case score >= t.Suspended:
		return StandingSuspended
	case score >= t.Rectification:
		return StandingRectification
	case score >= t.Warned:
		return StandingWarned
	}
	return StandingNormal
}

// Threshold returns the score at which s begins (0 for normal).
func (t StandingThresholds) Threshold(s Standing) int {
	switch s {
	case StandingWarned:
		return t.Warned
	case StandingRectification:
		return t.Rectification
	case StandingSuspended:
		return t.Suspended
	}
	return 0
}

// CreditReport is an exporter's standing as the exporter and the
// authorities see it: the effective standing (which gates licences), the
// one the events imply, the events that count, and what to do to recover.
type CreditReport struct {
	ExporterID int64              `json:"exporter_id"`
	Name       string             `json:"name"`
	Standing   Standing           `json:"standing"`
	Computed   Standing           `json:"computed"`
	Score      int                `json:"score"`
	Thresholds StandingThresholds `json:"thresholds"`
	// Override is the standing an authority set, when it set one; it
	// holds until an authority lifts it.
	Override       Standing   `json:"override,omitempty"`
	OverrideReason string     `json:"override_reason,omitempty"`
	ConfirmedAt    *time.Time `json:"confirmed_at,omitempty"`
	// Contributing are the events within the window, newest first.
	Contributing []*CreditEvent `json:"contributing"`
	// RecoversOn is the day the score falls below the current computed
	// standing's threshold if nothing new is recorded; zero for normal.
	RecoversOn Date   `json:"recovers_on,omitempty"`
	RecoveryZH string `json:"recovery_zh"`
	RecoveryEN string `json:"recovery_en"`
	// History is the exporter's standing changes (audit events), oldest first.
	History []*Event `json:"history"`
}

// StandingDecision is an authority's act on an exporter's standing (R8):
// confirm the computed standing, override it with another, or clear an
// override so the standing follows the events again. A reason is required.
type StandingDecision struct {
	Action   string   `json:"action"` // confirm, override or clear
	Standing Standing `json:"standing,omitempty"`
	Reason   string   `json:"reason" text:"multiline"`
}

// WhatIfRow is one exporter's standing now and under other thresholds.
type WhatIfRow struct {
	ExporterID int64    `json:"exporter_id"`
	Name       string   `json:"name"`
	Score      int      `json:"score"`
	Current    Standing `json:"current"`
	WouldBe    Standing `json:"would_be"`
	Changes    bool     `json:"changes"`
}

// NamedEnterprise is an exporter that crossed the repeated-wrong-filing
// threshold in a period (R6).
type NamedEnterprise struct {
	ExporterID int64  `json:"exporter_id"`
	Name       string `json:"name"`
	Count      int    `json:"count"`
	First      Date   `json:"first"`
	Last       Date   `json:"last"`
}

// NamedAgency is an issuing authority some of whose licences were later
// found wrong (R6 "and the issuing agencies involved"). What ucx can know:
// a credit event recorded against an exporter that names a licence already
// issued, i.e. an authority found, after issue, that the licence carried
// wrong data. Count is such licences, First and Last the findings' dates.
type NamedAgency struct {
	AuthorityID int64  `json:"authority_id"`
	Name        string `json:"name"`
	Count       int    `json:"count"`
	First       Date   `json:"first"`
	Last        Date   `json:"last"`
}

// Naming is R6's public list for a period.
type Naming struct {
	From        Date               `json:"from"`
	To          Date               `json:"to"`
	Threshold   int                `json:"threshold"`
	Enterprises []*NamedEnterprise `json:"enterprises"`
	Agencies    []*NamedAgency     `json:"agencies"`
}

// CreditService keeps the negative list, credit events and standings (R6,
// R8). Methods return EFORBIDDEN, ENOTFOUND, EINVALID naming the field and
// ERULE, like the other services.
type CreditService interface {
	// NegativeList returns the list; anyone signed in may read it.
	NegativeList(ctx context.Context, p *Principal) ([]*NegativeItem, error)
	// PutNegativeItem creates or replaces an item; only the operator may.
	// Items it writes are no longer provisional unless it says so.
	PutNegativeItem(ctx context.Context, p *Principal, n *NegativeItem) error
	// RecordCreditEvent records an event against an exporter; only an
	// authority may. The standing is recomputed in the same transaction.
	RecordCreditEvent(ctx context.Context, p *Principal, e *CreditEvent) error
	// FindCreditEvents lists an exporter's events, newest first: the
	// exporter itself and authorities may read them.
	FindCreditEvents(ctx context.Context, p *Principal, exporterID int64) ([]*CreditEvent, error)
	// AppealCreditEvent adds the exporter's appeal note (the exporter) or
	// annuls the event with a reason (an authority), recomputing the
	// standing.
	AppealCreditEvent(ctx context.Context, p *Principal, id int64, note string, annul bool) (*CreditEvent, error)
	// CreditStanding reports an exporter's standing with its events and
	// recovery text, to the exporter itself and to authorities.
	CreditStanding(ctx context.Context, p *Principal, exporterID int64) (*CreditReport, error)
	// DecideStanding confirms, overrides or clears (authority only).
	DecideStanding(ctx context.Context, p *Principal, exporterID int64, d StandingDecision) (*CreditReport, error)
	// WhatIf computes every exporter's standing under other thresholds on
	// a day, writing nothing (authority only).
	WhatIf(ctx context.Context, p *Principal, t StandingThresholds, on Date) ([]*WhatIfRow, error)
	// Naming is R6's public list for a period; it needs no principal.
	Naming(ctx context.Context, from, to Date) (*Naming, error)
}

// FigureConfig configures the market figures.
type FigureConfig struct {
	// NearZeroKM: an odometer under it is a (near-)zero-mileage car, the
	// "zero-kilometre used car" the rule aims at (REGULATION.md §4).
	NearZeroKM int `json:"near_zero_km"`
	// An exporter filing fewer than SmallBelow applications in the year
	// to the period's end is small, at least LargeFrom large, else medium:
	// the gatekeeping question (do manufacturers shut out small exporters?)
	// is answered by size.
	SmallBelow int `json:"small_below"`
	LargeFrom  int `json:"large_from"`
	// MinCell: in public figures a count below it is suppressed (null), and
	// so is any rate or time computed from fewer cases.
	MinCell int `json:"min_cell"`
}

// DefaultFigureConfig: 100 km; small under 120 a year (10 a month), large
// from 1,200 (100 a month); cells under 5 suppressed.
var DefaultFigureConfig = FigureConfig{NearZeroKM: 100, SmallBelow: 120, LargeFrom: 1200, MinCell: 5}

// WithDefaults fills zero fields from DefaultFigureConfig.
func (c FigureConfig) WithDefaults() FigureConfig {
	d := DefaultFigureConfig
	if c.NearZeroKM > 0 {
		d.NearZeroKM = c.NearZeroKM
	}
	if c.SmallBelow > 0 {
		d.SmallBelow = c.SmallBelow
	}
	if c.LargeFrom > 0 {
		d.LargeFrom = c.LargeFrom
	}
	if c.MinCell > 0 {
		d.MinCell = c.MinCell
	}
	return d
}

// Validate checks the configuration (zero fields mean the default).
func (c FigureConfig) Validate() error {
	switch {
	case c.NearZeroKM < 0 || c.NearZeroKM > 100000:
		return FieldErrorf(EINVALID, "near_zero_km", "the near-zero threshold must be between 1 and 100000 km")
	case c.SmallBelow < 0 || c.LargeFrom < 0 || c.MinCell < 0:
		return FieldErrorf(EINVALID, "small_below", "thresholds cannot be negative")
	case c.SmallBelow > 0 && c.LargeFrom > 0 && c.LargeFrom < c.SmallBelow:
		return FieldErrorf(EINVALID, "large_from", "large_from must be at least small_below")
	}
	return nil
}

// FigureFilter selects the period of the figures: applications filed (and
// letters requested) from From to To inclusive. Config overrides the
// store's configuration field by field. Public asks for the public
// figures, with small cells suppressed.
type FigureFilter struct {
	From   Date
	To     Date
	Config FigureConfig
	Public bool
}

// FigureRow is one row of a figure: its key (a month as YYYY-MM, a
// country, a brand, a manufacturer id, a size) with a label, and one value
// per column. A null value is suppressed (public figures) or undefined (a
// rate of nothing).
type FigureRow struct {
	Key    string     `json:"key"`
	Label  string     `json:"label,omitempty"`
	Values []*float64 `json:"values"`
}

// FigureTable is one figure as a table: charts draw it, the page shows it
// and CSV downloads it, all from the same rows.
type FigureTable struct {
	Name    string      `json:"name"`
	Title   string      `json:"title"`
	Columns []string    `json:"columns"`
	Rows    []FigureRow `json:"rows"`
}

// Figures is the market dashboard for a period (R1, R8).
type Figures struct {
	From   Date           `json:"from"`
	To     Date           `json:"to"`
	Public bool           `json:"public"`
	Config FigureConfig   `json:"config"`
	Tables []*FigureTable `json:"tables"`
}

// Table returns the figure named name, or nil.
func (f *Figures) Table(name string) *FigureTable {
	for _, t := range f.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// FigureNames are the figures, in the order Figures lists them.
var FigureNames = []string{"by_month", "by_destination", "by_brand", "by_manufacturer",
	"registration_to_application", "letters_by_manufacturer", "by_exporter_size"}

// FiguresService computes the market figures.
type FiguresService interface {
	// Figures computes every figure for the period. The full figures are
	// for authorities (EFORBIDDEN for others); f.Public gives anyone,
	// signed in or not (p may be nil), the public figures, with no
	// exporter named and small cells suppressed. Returns EINVALID for a
	// bad period.
	Figures(ctx context.Context, p *Principal, f FigureFilter) (*Figures, error)
}
