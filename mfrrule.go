package ucx

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Manufacturers' own rules: optional automation of the inbox (issue 14,
// item 3). A manufacturer may write rules as CEL predicates over a
// confirmation request (destination, exporter, vehicle, outlets) that
// pre-sort its inbox or answer automatically. Rules are ordered and the
// first that matches acts. An automatic answer is the manufacturer's
// answer (R2), made by its own rule, and is recorded with the rule's
// version; an automatic approval bears the manufacturer's seal (R3), so it
// is made only with a custodial key, and without one the request is
// queued "ready to seal" instead. docs/manufacturer-rules.md has examples.

// RuleAction is what a manufacturer's rule does to a request it matches.
type RuleAction string

// The three actions.
const (
	// RuleQueue pre-sorts the request into an inbox lane, priority and tag
	// for a person to answer.
	RuleQueue RuleAction = "queue"
	// RuleRefuse refuses the request with a code from RefusalCodes and a
	// text (R2: the manufacturer's refusal, with the reason).
	RuleRefuse RuleAction = "refuse"
	// RuleApprove approves the request with every outlet of the
	// manufacturer in the destination (R3), sealed with its custodial key;
	// without one it queues the request tagged TagReadyToSeal.
	RuleApprove RuleAction = "approve"
)

// Valid reports whether a is one of the three actions.
func (a RuleAction) Valid() bool { return a == RuleQueue || a == RuleRefuse || a == RuleApprove }

// RuleState says whether a rule acts. A disabled rule is kept and shown
// but skipped; a deleted one is kept (its versions explain past answers)
// and no longer listed by default.
type RuleState string

// Rule states.
const (
	RuleEnabled  RuleState = "enabled"
	RuleDisabled RuleState = "disabled"
	RuleDeleted  RuleState = "deleted"
)

// Valid reports whether s is a known rule state.
func (s RuleState) Valid() bool { return s == RuleEnabled || s == RuleDisabled || s == RuleDeleted }

// TagReadyToSeal is the tag an approve rule gives a request when the
// manufacturer has no custodial key: the rule would approve it, and a
// person seals the letter offline (ucx seal) and approves it.
const TagReadyToSeal = "ready_to_seal"

// Limits of a rule's fields.
const (
	MaxRuleNameBytes = 100
	MaxRuleWhenBytes = 2000
	MaxRuleLaneBytes = 64
	MaxRulePriority  = 100
	// MaxRulesPerManufacturer bounds the rules evaluated for one request.
	MaxRulesPerManufacturer = 200
	// MaxRuleTestRequests is the most recent requests a dry run reads.
	MaxRuleTestRequests = 500
)

// ManufacturerRuleInput is what a manufacturer's admin writes: a name, the
// CEL predicate When (variables in policy.ManufacturerRuleVariables,
// docs/manufacturer-rules.md), the action and its parameters, and the
// rule's place in the order.
type ManufacturerRuleInput struct {
	Name string `json:"name"`
	// When is the CEL predicate; it must yield bool, type-check against
	// the variables and stay under the cost limit (policy.MaxRuleCost).
	When   string     `json:"when" text:"multiline"`
	Action RuleAction `json:"action"`
	// Position orders the rules, smallest first (ties by id); 0 puts a
	// new rule last and keeps an existing rule's place.
	Position int `json:"position,omitempty"`
	// Lane, Priority and Tag pre-sort the inbox: a queue rule sets them,
	// and so does an approve rule that queues a request ready to seal.
	// The inbox lists higher priorities first.
	Lane     string `json:"lane,omitempty"`
	Priority int    `json:"priority,omitempty"`
	Tag      string `json:"tag,omitempty"`
	// RefusalCode (one of RefusalCodes) and RefusalText are a refuse
	// rule's answer; the text is required with the code "other".
	RefusalCode string `json:"refusal_code,omitempty"`
	RefusalText string `json:"refusal_text,omitempty" text:"multiline"`
}

// Normalize trims the one-line fields.
func (in *ManufacturerRuleInput) Normalize() {
	in.Name, in.Lane, in.Tag = trimSpace(in.Name), trimSpace(in.Lane), trimSpace(in.Tag)
	in.RefusalCode, in.RefusalText = trimSpace(in.RefusalCode), trimSpace(in.RefusalText)
	in.Action = RuleAction(trimSpace(string(in.Action)))
	in.When = strings.TrimSpace(in.When)
}

// Validate checks everything but the predicate, which the policy package
// compiles (policy.CompileManufacturerRule): the name, the action and that
// each parameter belongs to it, so a refusal code on an approve rule is an
// error rather than silently ignored.
func (in *ManufacturerRuleInput) Validate() error {
	switch {
	case in.Name == "":
		return FieldErrorf(EINVALID, "name", "give the rule a name, e.g. \"no outlet in destination\"")
	case len(in.Name) > MaxRuleNameBytes:
		return FieldErrorf(EINVALID, "name", "the name is longer than %d bytes", MaxRuleNameBytes)
	case in.When == "":
		return FieldErrorf(EINVALID, "when", "write the rule's condition in CEL, e.g. destination == \"KZ\" && !has_outlet_in_destination")
	case len(in.When) > MaxRuleWhenBytes:
		return FieldErrorf(EINVALID, "when", "the condition is longer than %d bytes; split it into several rules", MaxRuleWhenBytes)
	case !in.Action.Valid():
		return FieldErrorf(EINVALID, "action", "action must be queue, refuse or approve")
	case in.Position < 0 || in.Position > 1_000_000:
		return FieldErrorf(EINVALID, "position", "position must be between 1 and 1000000 (0: last, or unchanged)")
	case len(in.Lane) > MaxRuleLaneBytes:
		return FieldErrorf(EINVALID, "lane", "the lane is longer than %d bytes", MaxRuleLaneBytes)
	case len(in.Tag) > MaxRuleLaneBytes:
		return FieldErrorf(EINVALID, "tag", "the tag is longer than %d bytes", MaxRuleLaneBytes)
	case in.Priority < -MaxRulePriority || in.Priority > MaxRulePriority:
		return FieldErrorf(EINVALID, "priority", "priority must be between %d and %d", -MaxRulePriority, MaxRulePriority)
	}
	for _, f := range []struct{ name, val string }{{"name", in.Name}, {"lane", in.Lane}, {"tag", in.Tag}, {"refusal_code", in.RefusalCode}} {
		if err := CheckText(f.name, f.val, OneLine); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, val string }{{"when", in.When}, {"refusal_text", in.RefusalText}} {
		if err := CheckText(f.name, f.val, MultiLine); err != nil {
			return err
		}
	}
	if in.Action == RuleRefuse {
		if _, ok := RefusalCodes[in.RefusalCode]; !ok {
			return FieldErrorf(EINVALID, "refusal_code", "a refuse rule needs a refusal code: one of %s", refusalCodeNames())
		}
		if in.RefusalCode == "other" && in.RefusalText == "" {
			return FieldErrorf(EINVALID, "refusal_text", "explain the refusal in refusal_text when the code is other")
		}
		if len(in.RefusalText) > 1000 {
			return FieldErrorf(EINVALID, "refusal_text", "the refusal text is longer than 1000 bytes")
		}
		if in.Lane != "" || in.Tag != "" || in.Priority != 0 {
			return FieldErrorf(EINVALID, "lane", "a refuse rule answers the request, so it has no lane, tag or priority; use a queue rule to sort")
		}
		return nil
	}
	if in.RefusalCode != "" || in.RefusalText != "" {
		return FieldErrorf(EINVALID, "refusal_code", "only a refuse rule has a refusal code and text")
	}
	return nil
}

func refusalCodeNames() string {
	out := make([]string, 0, len(RefusalCodes))
	for c := range RefusalCodes {
		out = append(out, c)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// ManufacturerRule is one version of a manufacturer's rule. Versions are
// never edited: every change (text, order, state) is a new version, so the
// rule that answered a request can be read as it was then.
type ManufacturerRule struct {
	ID             int64 `json:"id"`
	ManufacturerID int64 `json:"manufacturer_id"`
	// Version counts the rule's changes from 1; it is also the
	// optimistic-concurrency version of a change (If-Match).
	Version int       `json:"version"`
	State   RuleState `json:"state"`
	ManufacturerRuleInput
	// CreatedAt is when the rule was first made; VersionAt and VersionBy
	// when and by whom (a user id) this version was made.
	CreatedAt time.Time `json:"created_at"`
	VersionAt time.Time `json:"version_at"`
	VersionBy int64     `json:"version_by,omitempty"`
	// History lists every version, oldest first (FindRuleByID only).
	History []*ManufacturerRule `json:"history,omitempty"`
}

// RuleRef names the rule version that sorted or answered a request.
type RuleRef struct {
	ID      int64  `json:"id"`
	Version int    `json:"version"`
	Name    string `json:"name"`
}

// RuleFacts are the values a manufacturer's rule reads about a request:
// the CEL variables destination, exporter.id, exporter.name,
// exporter.standing, vehicle.vin, vehicle.brand, vehicle.model,
// vehicle.age_days and has_outlet_in_destination.
type RuleFacts struct {
	Destination      string
	ExporterID       int64
	ExporterName     string
	ExporterStanding Standing // the effective credit standing (R8)
	VIN              string
	Brand            string
	Model            string
	// AgeDays is the days from registration to the application date (R1).
	AgeDays int
	// HasOutletInDestination says whether the manufacturer has an
	// overseas outlet in the destination (R3).
	HasOutletInDestination bool
}

// RuleFilter selects a manufacturer's rules.
type RuleFilter struct {
	// Deleted includes deleted rules.
	Deleted bool
}

// RuleTest is a dry run: a rule (given, or the current version of RuleID)
// tried on the manufacturer's Last requests, newest first, of any state.
// Nothing is written.
type RuleTest struct {
	RuleID int64 `json:"rule_id,omitempty"`
	ManufacturerRuleInput
	Last int `json:"last,omitempty"`
}

// RuleTestRow is what the rule would do with one request, judged on
// today's facts (the exporter's standing now, the outlets now).
type RuleTestRow struct {
	RequestID    int64             `json:"request_id"`
	VIN          string            `json:"vin"`
	Destination  string            `json:"destination"`
	ExporterID   int64             `json:"exporter_id"`
	ExporterName string            `json:"exporter_name"`
	State        ConfirmationState `json:"state"`
	Matched      bool              `json:"matched"`
	// Outcome is what the rule would do where it matched: queue, refuse,
	// approve, or ready_to_seal (an approve rule without a custodial key,
	// or without an outlet in the destination: no_outlet).
	Outcome string `json:"outcome,omitempty"`
	Error   string `json:"error,omitempty"`
	// Acting is the enabled rule that would act on the request first now,
	// if any: whether the tested rule would be reached at its position.
	Acting *RuleRef `json:"acting,omitempty"`
}

// RuleTestResult is the dry run's answer.
type RuleTestResult struct {
	Tested  int           `json:"tested"`
	Matched int           `json:"matched"`
	Failed  int           `json:"failed"`
	Rows    []RuleTestRow `json:"rows"`
}

// RuleService manages a manufacturer's rules. Only a manufacturer's own
// users see its rules (another manufacturer's are ENOTFOUND); only its
// admins change them or try them (EFORBIDDEN for members and viewers);
// other kinds of organisation get EFORBIDDEN. A predicate that does not
// compile is EINVALID naming the field when and the position in it.
type RuleService interface {
	FindRules(ctx context.Context, p *Principal, f RuleFilter) ([]*ManufacturerRule, error)
	// FindRuleByID returns the current version with its History.
	FindRuleByID(ctx context.Context, p *Principal, id int64) (*ManufacturerRule, error)
	CreateRule(ctx context.Context, p *Principal, in *ManufacturerRuleInput) (*ManufacturerRule, error)
	// UpdateRule makes a new version with in's text and action at the
	// version the caller saw (ECONFLICT when stale).
	UpdateRule(ctx context.Context, p *Principal, id int64, version int, in *ManufacturerRuleInput) (*ManufacturerRule, error)
	// SetRuleState enables, disables or deletes the rule, as a new
	// version; a deleted rule cannot change again (ERULE).
	SetRuleState(ctx context.Context, p *Principal, id int64, version int, s RuleState) (*ManufacturerRule, error)
	TestRule(ctx context.Context, p *Principal, t *RuleTest) (*RuleTestResult, error)
}
