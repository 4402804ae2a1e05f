package policy

import (
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/ucxdev/ucx"
)

// Manufacturers' own rules (ucx.ManufacturerRule) are CEL predicates over
// one confirmation request, compiled as the policy's rules are: against a
// fixed, typed set of variables (a misspelt variable or a string compared
// with a number is refused when the rule is saved, not when it runs), with
// the estimated worst-case cost bounded by MaxRuleCost and the same bound
// enforced while running, and tried on sample requests at compile time.
// Unlike the policy's rules they are written by manufacturers, not by the
// platform, so the macros that iterate (all, exists, exists_one, map,
// filter) are not available at all: a rule reads one request and has no
// list to crawl, and `destination in ["KZ", "UZ"]` says what exists would.

// ManufacturerRuleVariables are the names a manufacturer's rule may use,
// with their CEL types, in the order docs/manufacturer-rules.md explains
// them.
var ManufacturerRuleVariables = []struct {
	Name, Type string
}{
	{"destination", "string"},
	{"exporter.id", "int"},
	{"exporter.name", "string"},
	{"exporter.standing", "string"},
	{"vehicle.vin", "string"},
	{"vehicle.brand", "string"},
	{"vehicle.model", "string"},
	{"vehicle.age_days", "int"},
	{"has_outlet_in_destination", "bool"},
}

// mfrSizes are the longest values of the string variables, for the cost
// estimate (the store's limits: names and models of 200 bytes).
var mfrSizes = map[string]uint64{
	"destination": 2, "exporter.name": 200, "exporter.standing": 32,
	"vehicle.vin": 17, "vehicle.brand": 200, "vehicle.model": 200,
}

var mfrEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts := []cel.EnvOption{cel.ClearMacros()}
	for _, v := range ManufacturerRuleVariables {
		t := map[string]*cel.Type{"string": cel.StringType, "int": cel.IntType, "bool": cel.BoolType}[v.Type]
		opts = append(opts, cel.Variable(v.Name, t))
	}
	return cel.NewEnv(opts...)
})

// mfrFields lists the fields of the variable group prefix (vehicle,
// exporter).
func mfrFields(prefix string) string {
	var out []string
	for _, v := range ManufacturerRuleVariables {
		if f, ok := strings.CutPrefix(v.Name, prefix+"."); ok {
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

func mfrVariableNames() string {
	names := make([]string, len(ManufacturerRuleVariables))
	for i, v := range ManufacturerRuleVariables {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// mfrSizeEstimator tells the cost estimator how long the string
// variables can be.
type mfrSizeEstimator struct{}

func (mfrSizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if max, ok := mfrSizes[strings.Join(n.Path(), ".")]; ok {
		return &cost.SizeEstimate{Min: 0, Max: max}
	}
	return nil
}

func (mfrSizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// ManufacturerPredicate is a compiled manufacturer's rule. It is safe for
// concurrent use.
type ManufacturerPredicate struct {
	program cel.Program
	// Cost is the estimated worst-case cost, at most MaxRuleCost.
	Cost uint64
}

// CompileManufacturerRule checks and compiles a manufacturer's rule's
// predicate. Every error is EINVALID with field "when" and says where in
// the predicate (line and column, counted from 1) and what to do.
func CompileManufacturerRule(when string) (*ManufacturerPredicate, error) {
	env, err := mfrEnv()
	if err != nil {
		return nil, ucx.Internal("policy.CompileManufacturerRule", err)
	}
	if strings.TrimSpace(when) == "" {
		return nil, whenErr("the condition is empty; write a CEL condition, e.g. destination == \"KZ\"")
	}
	if len(when) > ucx.MaxRuleWhenBytes {
		return nil, whenErr("the condition is longer than %d bytes; split it into several rules", ucx.MaxRuleWhenBytes)
	}
	ast, iss := env.Compile(when)
	if iss != nil && iss.Err() != nil {
		e := iss.Errors()[0]
		loc := e.Location
		msg := e.Message
		if name, ok := strings.CutPrefix(msg, "undeclared reference to '"); ok {
			name, _, _ = strings.Cut(name, "'")
			switch name {
			case "all", "exists", "exists_one", "map", "filter", "has":
				msg += "; the macros all, exists, exists_one, map, filter and has are not available in manufacturer rules: use `in` with a list, e.g. destination in [\"KZ\", \"UZ\"]"
			case "vehicle", "exporter":
				msg += "; " + name + " has no such field: " + name + "'s are " + mfrFields(name)
			}
		}
		return nil, whenErr("the condition does not compile at line %d, column %d: %s; the variables are %s (docs/manufacturer-rules.md)",
			loc.Line(), loc.Column()+1, oneLine(msg), mfrVariableNames())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, whenErr("the condition yields %s, not bool; write a condition, e.g. vehicle.age_days > 30", ast.OutputType())
	}
	est, err := env.EstimateCost(ast, mfrSizeEstimator{})
	if err != nil {
		return nil, whenErr("the condition's cost cannot be estimated: %s; simplify it", oneLine(err.Error()))
	}
	if est.Max > MaxRuleCost {
		return nil, whenErr("the condition may cost up to %d, over the limit of %d; simplify it (fewer regular expressions over long texts)", est.Max, MaxRuleCost)
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(MaxRuleCost))
	if err != nil {
		return nil, whenErr("the condition cannot be planned: %s; check regular expressions and constants", oneLine(err.Error()))
	}
	m := &ManufacturerPredicate{program: prg, Cost: est.Max}
	// As with the policy's rules: a predicate that type-checks can still
	// fail on real input (a division by a zero age); try it on samples
	// now, so the failure is found when the rule is saved.
	for _, s := range mfrSamples {
		if _, err := m.Match(&s.facts); err != nil {
			return nil, whenErr("the condition fails on a sample request (%s): %s; guard it, e.g. vehicle.age_days > 0 && …", s.label, oneLine(err.Error()))
		}
	}
	return m, nil
}

func whenErr(format string, args ...any) error {
	return &ucx.Error{Code: ucx.EINVALID, Field: "when", Op: "policy.CompileManufacturerRule", Message: fmt.Sprintf(format, args...)}
}

// Match evaluates the predicate on one request's facts.
func (m *ManufacturerPredicate) Match(f *ucx.RuleFacts) (bool, error) {
	out, _, err := m.program.Eval(mfrActivation{f})
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the condition yielded %s, not bool", out.Type().TypeName())
	}
	return bool(b), nil
}

// mfrActivation supplies one request's facts by name.
type mfrActivation struct{ f *ucx.RuleFacts }

// ResolveName implements interpreter.Activation.
func (a mfrActivation) ResolveName(name string) (any, bool) {
	f := a.f
	switch name {
	case "destination":
		return types.String(f.Destination), true
	case "exporter.id":
		return types.Int(f.ExporterID), true
	case "exporter.name":
		return types.String(f.ExporterName), true
	case "exporter.standing":
		return types.String(f.ExporterStanding), true
	case "vehicle.vin":
		return types.String(f.VIN), true
	case "vehicle.brand":
		return types.String(f.Brand), true
	case "vehicle.model":
		return types.String(f.Model), true
	case "vehicle.age_days":
		return types.Int(f.AgeDays), true
	case "has_outlet_in_destination":
		return types.Bool(f.HasOutletInDestination), true
	}
	return nil, false
}

// Parent implements interpreter.Activation; there is none.
func (mfrActivation) Parent() interpreter.Activation { return nil }

var mfrSamples = []struct {
	label string
	facts ucx.RuleFacts
}{
	{"all values empty or zero", ucx.RuleFacts{}},
	{"a typical request", ucx.RuleFacts{Destination: "RU", ExporterID: 7, ExporterName: "广州华运二手车出口有限公司",
		ExporterStanding: ucx.StandingNormal, VIN: "LGXCE4CB4N0000001", Brand: "BYD", Model: "Song PLUS", AgeDays: 59, HasOutletInDestination: true}},
}
