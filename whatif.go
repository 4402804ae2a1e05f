package ucx

import "context"

// Policy is the regulation as the services apply it: package policy's
// *Policy implements it. A nil *policy.Policy is not a Policy to pass.
type Policy interface {
	// Decide decides v into d (reusing d's storage), with the policy's
	// reasons and its PolicyRef.
	Decide(v *Vehicle, d *Decision)
	// Ref identifies the policy: id, version and SHA-256 of its document.
	Ref() PolicyRef
}

// PolicyWhatIfService re-decides a period's stored applications under
// another policy and writes nothing (sqlstore implements it). The API
// finds it on its FiguresService: the what-if belongs with the figures,
// and a figures service that cannot answer it leaves the route
// EUNAVAILABLE.
type PolicyWhatIfService interface {
	PolicyWhatIf(ctx context.Context, p *Principal, pol Policy, from, to Date, limit int) (*PolicyWhatIf, error)
}

// PolicyWhatIfLimit is how many changed cases a policy what-if lists by
// default: enough to read through and to spot a pattern, few enough that a
// what-if over a year of a million applications stays a small answer. The
// counts always cover every application.
const PolicyWhatIfLimit = 1000

// OutcomeCounts counts applications by outcome.
type OutcomeCounts struct {
	Clear          int `json:"clear"`
	LetterRequired int `json:"letter-required"`
	Blocked        int `json:"blocked"`
	Invalid        int `json:"invalid"`
}

// Add counts one application with outcome o.
func (c *OutcomeCounts) Add(o Outcome) {
	switch o {
	case Clear:
		c.Clear++
	case LetterRequired:
		c.LetterRequired++
	case Blocked:
		c.Blocked++
	default:
		c.Invalid++
	}
}

// Get returns the count of outcome o.
func (c OutcomeCounts) Get(o Outcome) int {
	switch o {
	case Clear:
		return c.Clear
	case LetterRequired:
		return c.LetterRequired
	case Blocked:
		return c.Blocked
	default:
		return c.Invalid
	}
}

// PolicyWhatIfCase is one application whose outcome another policy would
// change: the outcome stored now, the one the other policy gives, and the
// other policy's reasons, so an authority sees why.
type PolicyWhatIfCase struct {
	ApplicationID   int64    `json:"application_id"`
	VIN             string   `json:"vin"`
	ExporterID      int64    `json:"exporter_id"`
	ApplicationDate Date     `json:"application_date"`
	State           State    `json:"state"`
	Now             Outcome  `json:"now"`
	Then            Outcome  `json:"then"`
	Reasons         []Reason `json:"reasons"`
}

// PolicyWhatIf is how the applications of a period would have been decided
// under another policy: counts by outcome as stored (Now) and
// under the other policy (Then), how many change, and the first Limit of
// the changed cases in application order. Nothing stored changes.
type PolicyWhatIf struct {
	From         Date               `json:"from"`
	To           Date               `json:"to"`
	Policy       PolicyRef          `json:"policy"`
	Applications int                `json:"applications"`
	Now          OutcomeCounts      `json:"now"`
	Then         OutcomeCounts      `json:"then"`
	Changed      int                `json:"changed"`
	Limit        int                `json:"limit"`
	Cases        []PolicyWhatIfCase `json:"cases"`
	// Unreadable counts the stored applications whose outcome or data
	// this version cannot read (a value written by an older or foreign
	// writer): they are left out of the counts and named, the first Limit
	// of them, in UnreadableIDs, rather than failing the whole what-if.
	Unreadable    int     `json:"unreadable"`
	UnreadableIDs []int64 `json:"unreadable_ids,omitempty"`
}

// Truncated reports whether more cases changed than Cases lists.
func (w *PolicyWhatIf) Truncated() bool { return w.Changed > len(w.Cases) }
