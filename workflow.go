package ucx

import "fmt"

// Step is one move of the export workflow: an action of an organisation
// that changes where an application stands.
type Step string

// The workflow's steps, in the order they come. Each has its rows in
// Workflow.
const (
	// StepFile creates a draft (R10: 谁出口谁申领, whoever exports applies).
	StepFile Step = "file"
	// StepSubmit files a draft with the authority when no letter is
	// needed (R1).
	StepSubmit Step = "submit"
	// StepSubmitForLetter files a draft that needs the manufacturer's
	// confirmation (R1): a request goes to the manufacturer's inbox.
	StepSubmitForLetter Step = "submit_for_letter"
	// StepWithdraw ends an application before a licence is issued.
	StepWithdraw Step = "withdraw"
	// StepConfirm is the manufacturer approving the confirmation (R2, R3).
	StepConfirm Step = "confirm"
	// StepRefuseConfirmation is the manufacturer refusing it.
	StepRefuseConfirmation Step = "refuse_confirmation"
	// StepIssueLicence is the authority issuing the licence (R14).
	StepIssueLicence Step = "issue_licence"
	// StepRefuseLicence is the authority refusing it (R14).
	StepRefuseLicence Step = "refuse_licence"
	// StepClear is customs recording the export clearance (R15).
	StepClear Step = "clear"
)

// Transition is one row of the workflow's table: step takes an
// application from state From to state To, taken by the members and admins
// (Role.CanAct) of an organisation of kind Kind, never by its viewers.
type Transition struct {
	Step Step
	// From is the state the step leaves; empty for StepFile, which
	// creates the application.
	From State
	To   State
	Kind OrgKind
	// Who completes "only <an organisation of kind Kind> may …": what the
	// step is, in the refusal any other organisation gets (EFORBIDDEN).
	Who string
	// Requires is what the step needs besides the state, with the rules:
	// the store checks it, this says it.
	Requires string
}

const (
	whoWithdraws = "withdraw applications, their own (R10)"
	whoAnswers   = "answer confirmation requests, for their own vehicles (R2)"
	withdrawNote = "the exporter's own application, before a licence is issued; a pending confirmation request is voided, and the VIN is free for a new filing"
)

// Workflow is the export workflow, one row per step and state it leaves
// (DESIGN.md "The flow"):
//
//	(file) → draft ──(submit)──────────────────────────► under_review ──(issue_licence)──► licensed ──(clear)──► cleared
//	           └──(submit_for_letter, R1)──► awaiting_confirmation ──(confirm)──┘     └──(refuse_licence)──► refused
//	                                                   └──(refuse_confirmation)──► refused
//	draft, submitted, awaiting_confirmation, under_review ──(withdraw)──► withdrawn
//
// No step enters submitted today (submitting goes straight to review or to
// the manufacturer); it is withdrawable should one. Clearance sets the
// licence's deregistration due date, two months later (R16,
// Licence.DeregistrationDue): a date the cleared application carries, not
// a state of its own. The store (sqlstore) consults this table for who
// may take a step and from which state; any other state is ERULE with the
// step's refusal (Next).
var Workflow = []Transition{
	{Step: StepFile, From: "", To: StateDraft, Kind: KindExporter,
		Who:      "file export-licence applications, and only for itself (R10: 谁出口谁申领, whoever exports applies)",
		Requires: "valid input naming a VIN with no live application; the policy decides it for today (R1)"},
	{Step: StepSubmit, From: StateDraft, To: StateUnderReview, Kind: KindExporter,
		Who:      "submit applications, their own (R10)",
		Requires: "the policy's decision for today is neither invalid nor blocked, and no letter is required (R1)"},
	{Step: StepSubmitForLetter, From: StateDraft, To: StateAwaitingConfirmation, Kind: KindExporter,
		Who:      "submit applications, their own (R10)",
		Requires: "the policy's decision for today is neither invalid nor blocked and requires a letter (R1), and the VIN routes to a manufacturer on the platform (R2), to whose inbox a request goes"},
	{Step: StepWithdraw, From: StateDraft, To: StateWithdrawn, Kind: KindExporter, Who: whoWithdraws, Requires: withdrawNote},
	{Step: StepWithdraw, From: StateSubmitted, To: StateWithdrawn, Kind: KindExporter, Who: whoWithdraws, Requires: withdrawNote},
	{Step: StepWithdraw, From: StateAwaitingConfirmation, To: StateWithdrawn, Kind: KindExporter, Who: whoWithdraws, Requires: withdrawNote},
	{Step: StepWithdraw, From: StateUnderReview, To: StateWithdrawn, Kind: KindExporter, Who: whoWithdraws, Requires: withdrawNote},
	{Step: StepConfirm, From: StateAwaitingConfirmation, To: StateUnderReview, Kind: KindManufacturer, Who: whoAnswers,
		Requires: "the request is pending and for the manufacturer's own vehicle (R2); at least one of its own outlets in the destination is chosen (R3); the confirmation is sealed by the manufacturer (R3)"},
	{Step: StepRefuseConfirmation, From: StateAwaitingConfirmation, To: StateRefused, Kind: KindManufacturer, Who: whoAnswers,
		Requires: "the request is pending and for the manufacturer's own vehicle (R2); a refusal code, with a text for other"},
	{Step: StepIssueLicence, From: StateUnderReview, To: StateLicensed, Kind: KindAuthority,
		Who:      "issue export licences (R14)",
		Requires: "an approved, unrevoked confirmation when R1 requires one (R1, R4); data equal to the registration certificate's (R5); the exporter's filing in force (R10) and its standing neither suspended nor under rectification (R8); the licence is sealed by the authority (R14)"},
	{Step: StepRefuseLicence, From: StateUnderReview, To: StateRefused, Kind: KindAuthority,
		Who:      "refuse export licences (R14)",
		Requires: "a refusal code, with a text for other"},
	{Step: StepClear, From: StateLicensed, To: StateCleared, Kind: KindCustoms,
		Who:      "record customs clearance (R15)",
		Requires: "the licence is valid today, not revoked and not relying on a revoked confirmation (R4), and not cleared before: a licence is used once (R15); the port and declaration number; the deregistration is due two months later (R16)"},
}

// Transitions returns the rows of step s, in table order; none for an
// unknown step.
func (s Step) Transitions() []Transition {
	var out []Transition
	for _, t := range Workflow {
		if t.Step == s {
			out = append(out, t)
		}
	}
	return out
}

// Actor returns the organisation kind whose members and admins take step
// s and what the step is for the refusal of anyone else (Transition.Who).
// Every row of a step has the same; an unknown step has none.
func (s Step) Actor() (OrgKind, string) {
	for _, t := range Workflow {
		if t.Step == s {
			return t.Kind, t.Who
		}
	}
	return "", ""
}

// Next returns the transition step s takes from state from. When the
// workflow has none, it returns ERULE saying, in the step's own words,
// which states the step is for.
func Next(s Step, from State) (Transition, error) {
	for _, t := range Workflow {
		if t.Step == s && t.From == from {
			return t, nil
		}
	}
	return Transition{}, Errorf(ERULE, "%s", s.refusal(from))
}

// Allowed reports whether step s may leave state from.
func Allowed(s Step, from State) bool {
	_, err := Next(s, from)
	return err == nil
}

// refusal is the step's answer for an application in state st that the
// step does not leave.
func (s Step) refusal(st State) string {
	switch s {
	case StepSubmit, StepSubmitForLetter:
		return fmt.Sprintf("only a draft can be submitted; this application is %s", st)
	case StepWithdraw:
		return fmt.Sprintf("an application that is %s cannot be withdrawn; only one without a licence can", st)
	case StepIssueLicence, StepRefuseLicence:
		return fmt.Sprintf("only an application under review can be decided; this one is %s", st)
	case StepConfirm, StepRefuseConfirmation:
		return fmt.Sprintf("only an application awaiting its manufacturer's confirmation can be confirmed or refused; this one is %s", st)
	case StepClear:
		return fmt.Sprintf("only a licensed application can be cleared; this one is %s", st)
	case StepFile:
		return "an application is filed once; this one exists already"
	}
	return fmt.Sprintf("%q is not a step of the workflow", string(s))
}
