package policy

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/ucxdev/ucx"
)

// MaxRuleCost is the largest estimated CEL cost a rule may have. CEL's
// estimator gives a worst case from the expression and the sizes of its
// inputs (sizeEstimator); a predicate over one vehicle needs a few dozen units,
// so 10,000 leaves room for long lists of brands or models while refusing
// nested comprehensions that would make a batch crawl.
const MaxRuleCost = 10000

// ruleDoc is the JSON form of a data-driven rule.
type ruleDoc struct {
	ID           string   `json:"id"`
	Cites        string   `json:"cites"`
	Severity     string   `json:"severity"`
	Code         string   `json:"code"`
	Field        string   `json:"field"`
	Message      string   `json:"message"`
	MessageZH    string   `json:"message_zh"`
	Destinations []string `json:"destinations"`
	When         string   `json:"when"`
	Description  string   `json:"description"`
}

// rule is a compiled data-driven rule. cel.Program is safe for concurrent
// use, so rules are shared by every Decide.
type rule struct {
	id      string
	reason  ucx.Reason
	failed  string // prefix of the reason given if evaluation fails
	failZH  string // and of its Chinese message
	program cel.Program
}

// Variables are the names a rule's `when` predicate may use, with their CEL
// types; docs/policy.md explains each. Dates are CEL timestamps at midnight
// China Standard Time, so `application_date >= timestamp("2026-07-01T00:00:00+08:00")`
// compares civil dates; the day counts are ints.
var variables = []struct {
	name string
	typ  *cel.Type
	size uint64 // largest length estimated for strings, for the cost check
}{
	{"vin", cel.StringType, 17},
	{"wmi", cel.StringType, 3},
	{"brand", cel.StringType, 128},
	{"model", cel.StringType, 128},
	{"destination", cel.StringType, 2},
	{"registration_date", cel.TimestampType, 0},
	{"application_date", cel.TimestampType, 0},
	{"transfer_date", cel.TimestampType, 0},
	{"has_transfer_date", cel.BoolType, 0},
	{"days_since_registration", cel.IntType, 0},
	{"age_days", cel.IntType, 0},
	{"modified", cel.BoolType, 0},
	{"mileage_km", cel.IntType, 0},
	{"has_mileage", cel.BoolType, 0},
	{"letter_required", cel.BoolType, 0},
	{"transitional", cel.BoolType, 0},
}

// ruleEnv is the one CEL environment every policy compiles against. It is
// built once: creating an environment is costly and it is safe to share.
var ruleEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts := make([]cel.EnvOption, 0, len(variables))
	for _, v := range variables {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	return cel.NewEnv(opts...)
})

func variableNames() string {
	names := make([]string, len(variables))
	for i, v := range variables {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

// sizeEstimator tells CEL's cost estimator how long the string variables
// can be; without it every string is assumed unbounded and any string
// function would be refused.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if p := n.Path(); len(p) == 1 {
		for _, v := range variables {
			if v.name == p[0] && v.size > 0 {
				return &cost.SizeEstimate{Min: 0, Max: v.size}
			}
		}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// compileRules checks and compiles the document's rules and indexes them by
// destination. Everything that can go wrong with a rule is caught here.
func (p *Policy) compileRules(docs []ruleDoc) error {
	if len(docs) == 0 {
		return nil
	}
	env, err := ruleEnv()
	if err != nil {
		return ucx.Internal("policy.Load", err)
	}
	ids := map[string]bool{}
	destOf := make([][]int, len(docs)) // slots each rule is limited to
	for i := range docs {
		r, slots, err := compileRule(env, &docs[i], i)
		if err != nil {
			return err
		}
		if ids[r.id] {
			return loadErr(fmt.Sprintf("rules[%d].id", i), "rule id %q is used twice; give each rule its own id", r.id)
		}
		ids[r.id] = true
		p.rules = append(p.rules, r)
		destOf[i] = slots
		if slots == nil {
			p.global = append(p.global, r)
		}
	}
	// Per destination, the rules that apply there in document order: the
	// global ones and those naming it. A destination named by no rule
	// keeps nil and uses p.global; a vehicle bound elsewhere skips every
	// destination-limited rule without evaluating it.
	named := map[int]bool{}
	for _, slots := range destOf {
		for _, s := range slots {
			named[s] = true
		}
	}
	if len(named) > 0 {
		p.byDest = new([numCountrySlots][]*rule)
		for s := range named {
			for i, r := range p.rules {
				if destOf[i] == nil || slices.Contains(destOf[i], s) {
					p.byDest[s] = append(p.byDest[s], r)
				}
			}
		}
	}
	return nil
}

func compileRule(env *cel.Env, rd *ruleDoc, i int) (*rule, []int, error) {
	at := fmt.Sprintf("rules[%d]", i)
	if !reRuleID.MatchString(rd.ID) {
		return nil, nil, loadErr(at+".id", "%s: id %q must be 1–64 letters, digits, '.', '_' or '-'; every rule needs one, e.g. \"ru-era-glonass\"", at, rd.ID)
	}
	name := fmt.Sprintf("rule %q (%s)", rd.ID, at)
	if !reRegRule.MatchString(rd.Cites) {
		return nil, nil, loadErr(at+".cites", "%s: cites %q is not a regulation rule id; cite the REGULATION.md rule it implements, R1 to R17 (destination import rules are R12's entry standards)", name, rd.Cites)
	}
	var sev ucx.Severity
	if err := sev.UnmarshalText([]byte(rd.Severity)); err != nil {
		return nil, nil, loadErr(at+".severity", "%s: severity %q is not known; use note, require, block or reject", name, rd.Severity)
	}
	if !reCode.MatchString(rd.Code) {
		return nil, nil, loadErr(at+".code", "%s: code %q must be lower-case letters, digits and _ and start with a letter, e.g. \"ru_era_glonass\"", name, rd.Code)
	}
	if strings.TrimSpace(rd.Message) == "" {
		return nil, nil, loadErr(at+".message", "%s: message is missing; say in plain words what the exporter must do", name)
	}
	if rd.MessageZH != "" && strings.TrimSpace(rd.MessageZH) == "" {
		return nil, nil, loadErr(at+".message_zh", "%s: message_zh is blank; give the message in Simplified Chinese, or leave message_zh out to show the English one", name)
	}
	var slots []int
	for j, dst := range rd.Destinations {
		s, ok := countrySlot(dst)
		if !ok || dst != countries[s] {
			return nil, nil, loadErr(fmt.Sprintf("%s.destinations[%d]", at, j), "%s: destination %q is not an upper-case ISO 3166-1 alpha-2 code; write e.g. \"RU\"", name, dst)
		}
		slots = append(slots, s)
	}
	if rd.Destinations != nil && len(slots) == 0 {
		return nil, nil, loadErr(at+".destinations", "%s: destinations is an empty list, so the rule could never apply; list the countries, or leave destinations out to apply it everywhere", name)
	}
	if strings.TrimSpace(rd.When) == "" {
		return nil, nil, loadErr(at+".when", "%s: when is missing; write a CEL condition, or \"true\" to always apply", name)
	}
	ast, iss := env.Compile(rd.When)
	if iss != nil && iss.Err() != nil {
		return nil, nil, loadErr(at+".when", "%s: when does not compile: %s; the variables are %s (docs/policy.md)",
			name, oneLine(iss.Err().Error()), variableNames())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, nil, loadErr(at+".when", "%s: when yields %s, not bool; write a condition, e.g. \"age_days > 1461\"", name, ast.OutputType())
	}
	est, err := env.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, nil, loadErr(at+".when", "%s: when's cost cannot be estimated: %v; simplify it", name, err)
	}
	if est.Max > MaxRuleCost {
		return nil, nil, loadErr(at+".when", "%s: when may cost up to %d, over the limit of %d; simplify it (avoid nested comprehensions and long regular expressions)", name, est.Max, MaxRuleCost)
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, nil, loadErr(at+".when", "%s: when cannot be planned: %s; check regular expressions and constants", name, oneLine(err.Error()))
	}
	r := &rule{
		id:      rd.ID,
		reason:  ucx.Reason{Rule: rd.Cites, Code: rd.Code, Severity: sev, Field: rd.Field, Message: rd.Message, MessageZH: rd.MessageZH},
		failed:  rd.Cites + ": policy rule " + rd.ID + " could not be evaluated for this vehicle, so it cannot be judged; report this to the platform operator: ",
		failZH:  rd.Cites + "：政策规则 " + rd.ID + " 无法对该车辆求值，因此无法判定；请将此问题报告平台运营方：",
		program: prg,
	}
	// A predicate can type-check and still fail on real input (a division
	// by a zero mileage, an out-of-range timestamp): try it on sample
	// vehicles now, so that the failure is the policy author's, at Load.
	for _, s := range samples {
		a := s.values
		if _, err := r.eval(&a); err != nil {
			return nil, nil, loadErr(at+".when", "%s: when fails on a sample vehicle (%s): %s; guard the expression, e.g. \"mileage_km > 0 && …\"", name, s.label, oneLine(err.Error()))
		}
	}
	return r, slots, nil
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.Join(strings.Fields(s), " ")
}

// activation supplies one vehicle's values to the CEL programs by name,
// without building a map per vehicle. Values are converted only when a
// predicate reads them.
type activation struct {
	v            *ucx.Vehicle
	dest         string
	days, age    int
	letter, tran bool
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	v := a.v
	switch name {
	case "vin":
		return types.String(v.VIN), true
	case "wmi":
		if len(v.VIN) >= 3 {
			return types.String(v.VIN[:3]), true
		}
		return types.String(v.VIN), true
	case "brand":
		return types.String(v.Brand), true
	case "model":
		return types.String(v.Model), true
	case "destination":
		return types.String(a.dest), true
	case "registration_date":
		return timestamp(v.RegistrationDate), true
	case "application_date":
		return timestamp(v.ApplicationDate), true
	case "transfer_date":
		return timestamp(v.TransferDate), true
	case "has_transfer_date":
		return types.Bool(!v.TransferDate.IsZero()), true
	case "days_since_registration":
		return types.Int(a.days), true
	case "age_days":
		return types.Int(a.age), true
	case "modified":
		return types.Bool(v.Modified == ucx.Yes), true
	case "mileage_km":
		return types.Int(v.MileageKM), true
	case "has_mileage":
		return types.Bool(v.HasMileage), true
	case "letter_required":
		return types.Bool(a.letter), true
	case "transitional":
		return types.Bool(a.tran), true
	}
	return nil, false
}

// Parent implements interpreter.Activation; there is none.
func (a *activation) Parent() interpreter.Activation { return nil }

// epoch is a missing date's timestamp: 1970-01-01 China time, so that a
// predicate reading transfer_date without checking has_transfer_date sees
// a date long past rather than failing.
var epoch = types.Timestamp{Time: time.Date(1970, 1, 1, 0, 0, 0, 0, ucx.ChinaTime)}

func timestamp(d ucx.Date) types.Timestamp {
	if d.IsZero() {
		return epoch
	}
	return types.Timestamp{Time: d.Time()}
}

// eval runs the rule's predicate.
func (r *rule) eval(a *activation) (bool, error) {
	out, _, err := r.program.Eval(a)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("predicate yielded %s, not bool", out.Type().TypeName())
	}
	return bool(b), nil
}

// activations recycles activations: handing one to CEL makes it escape, and
// a pool keeps Decide from allocating one per vehicle.
var activations = sync.Pool{New: func() any { return new(activation) }}

// evalRules runs the CEL rules that apply to the vehicle's destination and
// adds the reason of each that fires. Only called when both R1 dates are
// usable, so every date variable is meaningful.
func (p *Policy) evalRules(v *ucx.Vehicle, d *ucx.Decision, dest string, slot int) {
	rules := p.global
	if slot >= 0 && p.byDest != nil && p.byDest[slot] != nil {
		rules = p.byDest[slot]
	}
	if len(rules) == 0 {
		return
	}
	a := activations.Get().(*activation)
	*a = activation{v: v, dest: dest, days: d.DaysSinceRegistration,
		age: v.ApplicationDate.Sub(v.RegistrationDate), letter: d.LetterRequired, tran: d.Transitional}
	for _, r := range rules {
		fired, err := r.eval(a)
		switch {
		case err != nil:
			e := err.Error()
			d.Add(ucx.Reason{Rule: r.reason.Rule, Code: "policy_rule_failed", Severity: ucx.Reject, Message: r.failed + e, MessageZH: r.failZH + e})
		case fired:
			d.Add(r.reason)
		}
	}
	*a = activation{}
	activations.Put(a)
}

// samples are the vehicles every predicate is tried on at Load: the empty
// one (every string empty, every number zero, dates missing) and a typical
// one, which between them find most predicates that fail on real input.
var samples = func() []struct {
	label  string
	values activation
} {
	empty := &ucx.Vehicle{}
	typical := &ucx.Vehicle{
		VIN: "LGXCE4CB4N0000001", Brand: "BYD", Model: "Song PLUS", Destination: "RU",
		RegistrationDate: ucx.MustDate(2026, 1, 1), ApplicationDate: ucx.MustDate(2026, 3, 1),
		TransferDate: ucx.MustDate(2026, 2, 1), Modified: ucx.Yes, MileageKM: 12, HasMileage: true,
	}
	return []struct {
		label  string
		values activation
	}{
		{"all values empty or zero", activation{v: empty}},
		{"a typical vehicle", activation{v: typical, dest: "RU", days: 59, age: 59, letter: true}},
	}
}()
