package policy

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

// TestTransferDateMustLieBetweenRegistrationAndApplication is R5/R7's sense
// check: the transfer-pending-export date lies on or after the registration
// date and on or before the application date, or the input is invalid,
// naming transfer_date and quoting both dates.
func TestTransferDateMustLieBetweenRegistrationAndApplication(t *testing.T) {
	tests := []struct {
		name               string
		reg, transfer, app string
		code               string // "" when the dates make sense
		quoted             []string
	}{
		{"between", "2025-06-01", "2026-01-10", "2026-02-01", "", nil},
		{"on the registration day", "2025-06-01", "2025-06-01", "2026-02-01", "", nil},
		{"on the application day", "2025-06-01", "2026-02-01", "2026-02-01", "", nil},
		{"before the registration", "2025-06-01", "2025-05-31", "2026-02-01", CodeTransferBeforeRegistration, []string{"2025-05-31", "2025-06-01"}},
		{"after the application", "2025-06-01", "2026-02-02", "2026-02-01", CodeTransferAfterApplication, []string{"2026-02-02", "2026-02-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car(tt.reg, tt.app)
			v.TransferDate = date(tt.transfer)
			d := decide(Default(), v)
			r, found := reason(d, tt.code)
			if tt.code == "" {
				if d.Outcome == ucx.Invalid {
					t.Fatalf("outcome invalid for sensible dates; reasons %v", codes(d))
				}
				return
			}
			if d.Outcome != ucx.Invalid || !found {
				t.Fatalf("outcome %s reasons %v, want invalid with %s", d.Outcome, codes(d), tt.code)
			}
			if r.Rule != "R5" || r.Severity != ucx.Reject || r.Field != "transfer_date" || r.MessageZH == "" {
				t.Errorf("reason %+v, want an R5 reject on transfer_date with a Chinese message", r)
			}
			for _, q := range append(tt.quoted, "enter") {
				if !strings.Contains(r.Message, q) {
					t.Errorf("message %q lacks %q", r.Message, q)
				}
			}
		})
	}
}

// TestImpossibleTransferDateEarnsNoWaiver: R7's transition and its waiver
// are judged only on a possible transfer date, so a transfer "before the
// cut-off" that is also before the registration (or after the
// application) makes no vehicle transitional and waives no letter.
func TestImpossibleTransferDateEarnsNoWaiver(t *testing.T) {
	waiver := mustLoadFile(t, "waiver.json")
	tests := []struct {
		name               string
		reg, transfer, app string
	}{
		{"transfer before the registration", "2026-01-10", "2025-12-20", "2026-02-01"},
		{"transfer after the application", "2025-12-01", "2025-12-20", "2025-12-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car(tt.reg, tt.app)
			v.TransferDate = date(tt.transfer)
			d := decide(waiver, v)
			if d.Outcome != ucx.Invalid {
				t.Errorf("outcome %s, want invalid", d.Outcome)
			}
			if d.Transitional {
				t.Error("an impossible transfer date made the vehicle transitional")
			}
			for _, r := range d.Reasons {
				if r.Rule == "R7" {
					t.Errorf("R7 reason %s on an impossible transfer date", r.Code)
				}
			}
		})
	}
	// The same vehicle with a possible date is waived: the test can fail.
	v := car("2025-12-01", "2026-02-01")
	v.TransferDate = date("2025-12-20")
	if d := decide(waiver, v); !d.Transitional || d.LetterRequired {
		t.Errorf("control: transitional %v letter %v, want a waived transitional vehicle", d.Transitional, d.LetterRequired)
	}
}

// TestIssueGates_EvidenceNotDeclaredBlocksAtIssue: what Decide only notes
// (R9 evidence and R12's report not declared) IssueGates blocks; what
// Decide blocks already it does not repeat.
func TestIssueGates_EvidenceNotDeclaredBlocksAtIssue(t *testing.T) {
	complete := ucx.Modification{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: ucx.Yes, MIITCatalogue: ucx.Yes, CCC: ucx.Yes}
	tests := []struct {
		name string
		edit func(v *ucx.Vehicle)
		want []string
	}{
		{"inspected, not modified", func(v *ucx.Vehicle) {}, nil},
		{"modified with its evidence", func(v *ucx.Vehicle) { v.Modified, v.Modification = ucx.Yes, complete }, nil},
		{"modified, CCC not declared", func(v *ucx.Vehicle) {
			v.Modified, v.Modification = ucx.Yes, complete
			v.Modification.CCC = ucx.Unknown
		}, []string{"ccc_certificate_required"}},
		{"modified, CCC declared missing: Decide's block", func(v *ucx.Vehicle) {
			v.Modified, v.Modification = ucx.Yes, complete
			v.Modification.CCC = ucx.No
		}, nil},
		{"no inspection report declared", func(v *ucx.Vehicle) { v.Inspection = ucx.Unknown }, []string{"inspection_missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := car("2025-06-01", "2026-02-01")
			tt.edit(v)
			got := Default().IssueGates(v)
			var cs []string
			for _, r := range got {
				cs = append(cs, r.Code)
				if r.Severity != ucx.Block || !strings.HasPrefix(r.Message, r.Rule+": ") {
					t.Errorf("gate %+v: want a block naming its rule", r)
				}
			}
			if strings.Join(cs, ",") != strings.Join(tt.want, ",") {
				t.Errorf("gates %v, want %v", cs, tt.want)
			}
		})
	}
}
