package ucx

// Outcome is what the policy concludes about one vehicle on one application.
// The values are ordered by precedence (R1–R12): when several rules fire, the
// greatest outcome wins — invalid over blocked over letter-required over clear.
type Outcome uint8

// The outcomes, in increasing precedence.
const (
	Clear          Outcome = iota // no manufacturer letter needed; nothing forbids a licence
	LetterRequired                // a sealed After-Sales Service Confirmation is needed (R1)
	Blocked                       // a rule forbids the licence as the data stand
	Invalid                       // the input itself is wrong and cannot be judged
)

var outcomeNames = [...]string{"clear", "letter-required", "blocked", "invalid"}

// String returns the outcome's stable name, as used in files and the API.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// ParseOutcome reads an outcome's name.
func ParseOutcome(s string) (Outcome, bool) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), true
		}
	}
	return 0, false
}

// MarshalText encodes the outcome by name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText decodes an outcome by name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, ok := ParseOutcome(string(b))
	if !ok {
		return Errorf(EINVALID, "unknown outcome %q; use clear, letter-required, blocked or invalid", b)
	}
	*o = v
	return nil
}

// Severity says how a reason bears on the outcome.
type Severity uint8

// Severities, in increasing weight.
const (
	Note    Severity = iota // advice or a reminder; does not change the outcome
	Require                 // something must be obtained (a letter) before a licence
	Block                   // forbids the licence as the data stand
	Reject                  // the input is invalid
)

var severityNames = [...]string{"note", "require", "block", "reject"}

// String returns the severity's stable name.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// MarshalText encodes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity by name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return Errorf(EINVALID, "unknown severity %q; use note, require, block or reject", b)
}

// Reason explains one finding of the policy: the rule it comes from (R1…R17,
// or a policy rule id), a stable code for programs, and a plain-words message
// that tells the exporter what to do, in English and, in MessageZH, in
// Simplified Chinese. MessageZH may be empty (a reason from outside the
// policy, a decision stored before it existed, a policy rule without a
// Chinese message); show Message then.
type Reason struct {
	Rule      string   `json:"rule"`
	Code      string   `json:"code"`
	Severity  Severity `json:"severity"`
	Field     string   `json:"field,omitempty"`
	Message   string   `json:"message"`
	MessageZH string   `json:"message_zh,omitempty"`
}

// Text returns the reason's message in the language lang ("zh" for
// Simplified Chinese; anything else is English), falling back to the
// English message when there is no Chinese one.
func (r Reason) Text(lang string) string {
	if lang == "zh" && r.MessageZH != "" {
		return r.MessageZH
	}
	return r.Message
}

// PolicyRef identifies the exact policy a decision was made under, so that a
// decision can be reproduced and audited after the rules change.
type PolicyRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"` // hex SHA-256 of the policy document's bytes
}

// Decision is the policy's answer for one vehicle.
type Decision struct {
	Outcome Outcome `json:"outcome"`
	// DaysSinceRegistration is the application date minus the registration
	// date in calendar days (R1); valid only when HasDays.
	DaysSinceRegistration int  `json:"days_since_registration"`
	HasDays               bool `json:"-"`
	// LetterRequired is whether R1 demands a manufacturer letter, apart from
	// any block. A blocked car may still need a letter once unblocked.
	LetterRequired bool `json:"letter_required"`
	// LetterFreeFrom is the first application date on which R1 no longer
	// asks for a letter: registration date + threshold + 1. Exporters plan
	// their stock by it.
	LetterFreeFrom Date `json:"letter_free_from"`
	// Transitional marks a vehicle transferred for export before the regime
	// started (R7).
	Transitional bool      `json:"transitional"`
	Reasons      []Reason  `json:"reasons"`
	Policy       PolicyRef `json:"policy"`
}

// Add records a reason and raises the outcome to match its severity.
func (d *Decision) Add(r Reason) {
	d.Reasons = append(d.Reasons, r)
	var o Outcome
	switch r.Severity {
	case Require:
		o = LetterRequired
	case Block:
		o = Blocked
	case Reject:
		o = Invalid
	default:
		return
	}
	if o > d.Outcome {
		d.Outcome = o
	}
}

// Reset clears d for reuse, keeping the reasons' backing array so a batch
// loop makes no garbage.
func (d *Decision) Reset() {
	r := d.Reasons[:0]
	*d = Decision{Reasons: r}
}
