package ucx

import (
	"slices"
	"testing"
)

// Every move the workflow allows, who takes it, and nothing more: the
// table is compared with this list both ways.
func TestWorkflow_AllowsExactlyTheseTransitions(t *testing.T) {
	allowed := []struct {
		step     Step
		from, to State
		kind     OrgKind
	}{
		{StepFile, "", StateDraft, KindExporter},
		{StepSubmit, StateDraft, StateUnderReview, KindExporter},
		{StepSubmitForLetter, StateDraft, StateAwaitingConfirmation, KindExporter},
		{StepWithdraw, StateDraft, StateWithdrawn, KindExporter},
		{StepWithdraw, StateSubmitted, StateWithdrawn, KindExporter},
		{StepWithdraw, StateAwaitingConfirmation, StateWithdrawn, KindExporter},
		{StepWithdraw, StateUnderReview, StateWithdrawn, KindExporter},
		{StepConfirm, StateAwaitingConfirmation, StateUnderReview, KindManufacturer},
		{StepRefuseConfirmation, StateAwaitingConfirmation, StateRefused, KindManufacturer},
		{StepIssueLicence, StateUnderReview, StateLicensed, KindAuthority},
		{StepRefuseLicence, StateUnderReview, StateRefused, KindAuthority},
		{StepClear, StateLicensed, StateCleared, KindCustoms},
	}
	for _, a := range allowed {
		tr, err := Next(a.step, a.from)
		if err != nil || tr.To != a.to || tr.Kind != a.kind || tr.Who == "" || tr.Requires == "" {
			t.Errorf("Next(%s, %q) = %+v, %v; want → %s by %s, with who and requirements", a.step, a.from, tr, err, a.to, a.kind)
		}
		if !Allowed(a.step, a.from) {
			t.Errorf("Allowed(%s, %q) = false", a.step, a.from)
		}
		if k, who := a.step.Actor(); k != a.kind || who != tr.Who {
			t.Errorf("%s.Actor() = %s, %q; want %s, %q", a.step, k, who, a.kind, tr.Who)
		}
	}
	if len(Workflow) != len(allowed) {
		t.Errorf("Workflow has %d rows, want the %d above", len(Workflow), len(allowed))
	}
	for _, tr := range Workflow {
		if tr.From != "" && !tr.From.Valid() || !tr.To.Valid() {
			t.Errorf("%s: %q → %q names an unknown state", tr.Step, tr.From, tr.To)
		}
	}
}

// A step from a state it does not leave is ERULE in the step's own words,
// naming the state: these are the messages the API answers with.
func TestWorkflow_RefusesOtherStatesInTheStepsWords(t *testing.T) {
	for _, c := range []struct {
		step Step
		from State
		want string
	}{
		{StepSubmit, StateUnderReview, "only a draft can be submitted; this application is under_review"},
		{StepSubmitForLetter, StateWithdrawn, "only a draft can be submitted; this application is withdrawn"},
		{StepWithdraw, StateLicensed, "an application that is licensed cannot be withdrawn; only one without a licence can"},
		{StepWithdraw, StateCleared, "an application that is cleared cannot be withdrawn; only one without a licence can"},
		{StepWithdraw, StateRefused, "an application that is refused cannot be withdrawn; only one without a licence can"},
		{StepIssueLicence, StateAwaitingConfirmation, "only an application under review can be decided; this one is awaiting_confirmation"},
		{StepRefuseLicence, StateDraft, "only an application under review can be decided; this one is draft"},
		{StepConfirm, StateUnderReview, "only an application awaiting its manufacturer's confirmation can be confirmed or refused; this one is under_review"},
		{StepRefuseConfirmation, StateDraft, "only an application awaiting its manufacturer's confirmation can be confirmed or refused; this one is draft"},
		{StepClear, StateCleared, "only a licensed application can be cleared; this one is cleared"},
		{StepClear, StateUnderReview, "only a licensed application can be cleared; this one is under_review"},
		{StepFile, StateDraft, "an application is filed once; this one exists already"},
		{Step("ship"), StateLicensed, `"ship" is not a step of the workflow`},
	} {
		tr, err := Next(c.step, c.from)
		if ErrorCode(err) != ERULE || ErrorMessage(err) != c.want || tr != (Transition{}) {
			t.Errorf("Next(%s, %s) = %+v, %v; want ERULE %q", c.step, c.from, tr, err, c.want)
		}
		if Allowed(c.step, c.from) {
			t.Errorf("Allowed(%s, %s) = true", c.step, c.from)
		}
	}
}

// Terminal states are those no step leaves; deregistration is a date on
// the cleared application (R16), not a state.
func TestState_TerminalFollowsTheTable(t *testing.T) {
	var terminal []State
	for _, s := range States {
		if s.Terminal() {
			terminal = append(terminal, s)
		}
	}
	if want := []State{StateRefused, StateWithdrawn, StateCleared}; !slices.Equal(terminal, want) {
		t.Errorf("terminal states %v, want %v", terminal, want)
	}
	if State("deregistration_due").Valid() {
		t.Error("deregistration_due is a state; it is the licence's deregistration due date")
	}
}
