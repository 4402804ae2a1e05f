package http_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestEvidenceAndDates_RefusedThroughTheAPI: impossible dates are a 400
// naming vehicle.transfer_date (R5, R7); at issue R9, R11 and R12 are gates
// (a refusal naming the rule), on both engines, through the REST API.
func TestEvidenceAndDates_RefusedThroughTheAPI(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		exp, auth := w.C("exporter.member"), w.C("authority.member")
		yes, no := true, false

		t.Run("impossible transfer dates are invalid input", func(t *testing.T) {
			for name, edit := range map[string]func(in *ucx.ApplicationInput){
				"before the registration": func(in *ucx.ApplicationInput) { in.Vehicle.TransferDate = in.Vehicle.RegistrationDate.AddDays(-1) },
				"after today":             func(in *ucx.ApplicationInput) { in.Vehicle.TransferDate = ucx.DateOf(db.Now()).AddDays(3) },
			} {
				in := w.Input(webtest.MakerWMI, webtest.OldReg)
				edit(in)
				_, _, err := exp.CreateApplication(ctx, nil, in, ucx.CreateOptions{})
				if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "vehicle.transfer_date" || !strings.HasPrefix(ucx.ErrorMessage(err), "R5: ") {
					t.Errorf("%s: %v (field %q), want invalid on vehicle.transfer_date naming R5", name, err, ucx.ErrorField(err))
				}
			}
		})

		tests := []struct {
			name       string
			edit       func(in *ucx.ApplicationInput)
			submitWant string // a word of the submission's refusal; "" when submitted
			issueWant  string // a word of the issue's refusal; "" when issued
		}{
			{"modified with its evidence", func(in *ucx.ApplicationInput) {
				in.Vehicle.Modified = true
				in.Modification = &ucx.ModificationEvidence{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: &yes, MIITCatalogue: &yes, CCC: &yes}
			}, "", ""},
			{"modified without evidence", func(in *ucx.ApplicationInput) { in.Vehicle.Modified = true }, "", "R9"},
			{"modification not genuine", func(in *ucx.ApplicationInput) {
				in.Vehicle.Modified = true
				in.Modification = &ucx.ModificationEvidence{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", Genuine: &no, MIITCatalogue: &yes, CCC: &yes}
			}, "R9", ""},
			{"declared banned case", func(in *ucx.ApplicationInput) { in.BannedCases = []string{"seized"} }, "R11", ""},
			{"no inspection report", func(in *ucx.ApplicationInput) { in.InspectionReport = "" }, "", "R12"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := w.Input(webtest.MakerWMI, webtest.OldReg)
				tt.edit(in)
				a := w.File("exporter.member", in)
				if got := a.Modification; in.Modification != nil && (got == nil || got.ChassisBrand != in.Modification.ChassisBrand) {
					t.Fatalf("the application does not carry its R9 evidence: %+v", got)
				}
				a, err := exp.SubmitApplication(ctx, nil, a.ID, a.Version)
				if tt.submitWant != "" {
					if ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(ucx.ErrorMessage(err), tt.submitWant) {
						t.Errorf("submit: %v, want a refusal naming %s", err, tt.submitWant)
					}
					return
				}
				if err != nil {
					t.Fatalf("submit: %v", err)
				}
				_, err = auth.IssueLicence(ctx, nil, a.ID, a.Version)
				switch {
				case tt.issueWant == "" && err != nil:
					t.Errorf("issue: %v, want a licence", err)
				case tt.issueWant != "" && (ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(ucx.ErrorMessage(err), tt.issueWant+": ")):
					t.Errorf("issue: %v, want a refusal naming %s", err, tt.issueWant)
				}
			})
		}
	})
}

// TestCheckAPI_JudgesEvidenceAndDates: POST /api/v1/check reads the R9
// evidence and R11 banned cases as an application does, and gives an
// impossible transfer date the same invalid verdict (R5).
func TestCheckAPI_JudgesEvidenceAndDates(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		base := w.Input(webtest.MakerWMI, webtest.OldReg)
		tests := []struct {
			name, extra, transfer, outcome, code string
		}{
			{"banned case", `,"banned_cases":["seized"]`, base.Vehicle.TransferDate.String(), "blocked", "banned_seized"},
			{"CCC declared missing", `,"modification":{"ccc":false}`, base.Vehicle.TransferDate.String(), "blocked", "modified_no_ccc"},
			{"transfer before registration", "", webtest.OldReg.AddDays(-1).String(), "invalid", "transfer_before_registration"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				modified := strings.Contains(tt.extra, "modification")
				body := `{"vehicle":{"vin":"` + base.Vehicle.VIN + `","brand":"Testa","model":"T1 EV","modified":` + map[bool]string{true: "true", false: "false"}[modified] +
					`,"registration_date":"` + webtest.OldReg.String() + `","transfer_date":"` + tt.transfer + `"},"destination":"RU","inspection_report":"CMA-1"` + tt.extra + `}`
				r := w.Raw("exporter.member", "POST", "/api/v1/check", body)
				var d struct {
					Outcome string `json:"outcome"`
					Reasons []struct {
						Code string `json:"code"`
					} `json:"reasons"`
				}
				if r.Status != 200 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				if err := json.Unmarshal(r.Body, &d); err != nil {
					t.Fatal(err)
				}
				found := false
				for _, x := range d.Reasons {
					found = found || x.Code == tt.code
				}
				if d.Outcome != tt.outcome || !found {
					t.Errorf("outcome %s reasons %+v, want %s with %s", d.Outcome, d.Reasons, tt.outcome, tt.code)
				}
			})
		}
	})
}
