package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestIssueLicence_NumbersSchedulesAndCitesTheConfirmation(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.UnderReview(t)
		l, err := db.IssueLicence(ctx, w.AuthMember, a.ID, a.Version)
		if err != nil {
			t.Fatal(err)
		}
		if l.Number != fmt.Sprintf("UCX-2026-%06d", a.ID) || l.ExporterID != w.Exporter.ID || l.AuthorityID != w.Authority.ID ||
			l.IssuedOn != today || l.ValidUntil != db.Policy.LicenceValidUntil(today) || len(l.ConfirmationIDs) != 1 {
			t.Fatalf("licence = %+v", l)
		}
		s := l.Schedule
		if len(s) != 1 || s[0].VIN != a.Vehicle.VIN || s[0].RegistrationDate != recentReg || s[0].TransferDate != a.Vehicle.TransferDate {
			t.Errorf("schedule = %+v; want the vehicle with both dates (R5)", s)
		}
		wantCanonical(t, l.Document)
		var doc struct {
			Number        string
			Confirmations []struct {
				ID     int64
				SHA256 string
			}
		}
		if err := json.Unmarshal(l.Document, &doc); err != nil || doc.Number != l.Number || len(doc.Confirmations) != 1 || len(doc.Confirmations[0].SHA256) != 64 {
			t.Errorf("document %s does not carry the number and the confirmation's digest", l.Document)
		}
		got, err := db.FindLicenceByID(ctx, w.ExpViewer, l.ID)
		if err != nil || got.Number != l.Number || string(got.Document) != string(l.Document) {
			t.Fatalf("stored licence = %+v, %v", got, err)
		}
		app, _ := db.FindApplicationByID(ctx, w.ExpMember, a.ID)
		if app.State != ucx.StateLicensed {
			t.Errorf("application = %s, want licensed", app.State)
		}
		if ls, total, err := db.FindLicences(ctx, w.CustomsMember, ucx.LicenceFilter{VIN: strings.ToLower(a.Vehicle.VIN)}); err != nil || total != 1 || ls[0].ID != l.ID {
			t.Errorf("customs looking up by VIN: %v (%d), %v", ls, total, err)
		}
		if _, total, err := db.FindLicences(ctx, w.CustomsMember, ucx.LicenceFilter{Number: l.Number}); err != nil || total != 1 {
			t.Errorf("customs looking up by number: %d found, %v", total, err)
		}
		if _, total, err := db.FindLicences(ctx, w.Exp2Member, ucx.LicenceFilter{}); err != nil || total != 0 {
			t.Errorf("another exporter sees %d licences, %v", total, err)
		}
	})
}

func TestIssueLicence_RefusedWithTheReason(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		noLetter := func(t *testing.T) *ucx.Application {
			// A car needing a letter under review without one: only a
			// broken workflow gets here, which is exactly what the check
			// is for.
			a, _ := w.Awaiting(t)
			if err := sqlstore.Exec(ctx, db, "UPDATE applications SET state = 'under_review' WHERE id = ?", a.ID); err != nil {
				t.Fatal(err)
			}
			return a
		}
		reviewNoCertificate := func(t *testing.T) *ucx.Application {
			in := w.Input(w.MakerWMI, oldReg)
			in.Certificate = ucx.CertificateValues{}
			in.Submit = true
			return w.Create(t, w.ExpMember, in)
		}
		setFiling := func(expires any) func(t *testing.T) *ucx.Application {
			return func(t *testing.T) *ucx.Application {
				if err := sqlstore.Exec(ctx, db, "UPDATE orgs SET filing_expires = ? WHERE id = ?", expires, w.Exporter.ID); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					sqlstore.Exec(ctx, db, "UPDATE orgs SET filing_expires = ? WHERE id = ?", today.AddDays(200).Days(), w.Exporter.ID)
				})
				return w.UnderReview(t)
			}
		}
		setStanding := func(s ucx.Standing) func(t *testing.T) *ucx.Application {
			return func(t *testing.T) *ucx.Application {
				if _, err := db.SetStanding(ctx, w.AuthMember, w.Exporter.ID, s, "test"); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.SetStanding(ctx, w.AuthMember, w.Exporter.ID, ucx.StandingNormal, "test over") })
				return w.UnderReview(t)
			}
		}
		tests := []struct {
			name  string
			setup func(t *testing.T) *ucx.Application
			want  string // a word of the reason; "" means issued
		}{
			{"letter missing (R1)", noLetter, "R1"},
			{"certificate values missing (R5)", reviewNoCertificate, "R5"},
			{"filing lapsed yesterday (R10)", setFiling(today.AddDays(-1).Days()), "expired on " + today.AddDays(-1).String()},
			{"filing expires today: still valid", setFiling(today.Days()), ""},
			{"no filing (R10)", setFiling(nil), "R10"},
			{"suspended (R8)", setStanding(ucx.StandingSuspended), "suspended"},
			{"rectification ordered (R8)", setStanding(ucx.StandingRectification), "corrective measures"},
			{"warned: issued", setStanding(ucx.StandingWarned), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := tt.setup(t)
				licences := count(t, db, "licences")
				l, err := db.IssueLicence(ctx, w.AuthMember, a.ID, a.Version)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("IssueLicence: %v; want a licence", err)
					}
					if l.ValidUntil.Before(l.IssuedOn) {
						t.Errorf("licence %+v", l)
					}
					return
				}
				wantCode(t, err, ucx.ERULE)
				if !strings.Contains(ucx.ErrorMessage(err), tt.want) {
					t.Errorf("message %q does not mention %q", ucx.ErrorMessage(err), tt.want)
				}
				if n := count(t, db, "licences"); n != licences {
					t.Errorf("a refused issue wrote a licence")
				}
			})
		}
	})
}

func TestIssueAndRefuseLicence_WorkflowRefusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.UnderReview(t)
		_, err := db.IssueLicence(ctx, w.AuthMember, a.ID, a.Version-1)
		wantCode(t, err, ucx.ECONFLICT)
		_, err = db.IssueLicence(ctx, w.AuthViewer, a.ID, a.Version)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.IssueLicence(ctx, w.CustomsMember, a.ID, a.Version)
		wantCode(t, err, ucx.EFORBIDDEN)
		draft := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
		_, err = db.IssueLicence(ctx, w.AuthMember, draft.ID, draft.Version)
		wantCode(t, err, ucx.ENOTFOUND) // drafts are not filed: the authority does not see them
		awaiting, _ := w.Awaiting(t)
		_, err = db.IssueLicence(ctx, w.AuthMember, awaiting.ID, awaiting.Version)
		wantCode(t, err, ucx.ERULE)

		_, err = db.RefuseLicence(ctx, w.AuthMember, a.ID, a.Version, "nonsense", "")
		wantField(t, err, "code")
		_, err = db.RefuseLicence(ctx, w.AuthMember, a.ID, a.Version, "other", "")
		wantField(t, err, "text")
		got, err := db.RefuseLicence(ctx, w.AuthMember, a.ID, a.Version, "exporter_standing", "filing under review")
		if err != nil || got.State != ucx.StateRefused || got.Version != a.Version+1 {
			t.Fatalf("RefuseLicence = %+v, %v", got, err)
		}
		_, err = db.IssueLicence(ctx, w.AuthMember, a.ID, got.Version)
		wantCode(t, err, ucx.ERULE)
		evs, _ := db.Timeline(ctx, w.MakerMember, a.ID)
		if last := evs[len(evs)-1]; last.Action != "application.refused" || !strings.Contains(last.Note, "exporter_standing: filing under review") {
			t.Errorf("last event = %+v", last)
		}
	})
}

func TestRecordClearance_OnceWithTheDeregistrationDeadline(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		l := w.Licensed(t)
		for _, tc := range []struct {
			p                 *ucx.Principal
			port, declaration string
			code              string
		}{
			{w.CustomsViewer, "Horgos", "D-1", ucx.EFORBIDDEN},
			{w.AuthMember, "Horgos", "D-1", ucx.EFORBIDDEN},
			{w.CustomsMember, " ", "D-1", ucx.EINVALID},
			{w.CustomsMember, "Horgos", "", ucx.EINVALID},
		} {
			_, err := db.RecordClearance(ctx, tc.p, l.ID, tc.port, tc.declaration)
			wantCode(t, err, tc.code)
		}
		_, err := db.RecordClearance(ctx, w.CustomsMember, 9999, "Horgos", "D-1")
		wantCode(t, err, ucx.ENOTFOUND)

		got, err := db.RecordClearance(ctx, w.CustomsMember, l.ID, "Horgos", "531620260000123456")
		if err != nil {
			t.Fatal(err)
		}
		if got.ClearedAt == nil || !got.ClearedAt.Equal(testNow) || got.ClearedBy != w.Customs.ID || got.Port != "Horgos" ||
			got.DeregistrationDue != ucx.MustDate(2026, 5, 10) {
			t.Fatalf("cleared = %+v; want cleared now by customs, deregistration due 2026-05-10 (R16)", got)
		}
		app, _ := db.FindApplicationByID(ctx, w.ExpMember, l.ApplicationID)
		if app.State != ucx.StateCleared {
			t.Errorf("application = %s, want cleared", app.State)
		}
		_, err = db.RecordClearance(ctx, w.Users["customs.admin"], l.ID, "Manzhouli", "D-2")
		wantCode(t, err, ucx.ECONFLICT)
		if !strings.Contains(ucx.ErrorMessage(err), "already cleared on 2026-03-10 at Horgos") {
			t.Errorf("message = %q", ucx.ErrorMessage(err))
		}
		if again, _ := db.FindLicenceByID(ctx, w.CustomsMember, l.ID); again.Port != "Horgos" {
			t.Errorf("the second clearance changed the licence: %+v", again)
		}
	})
}

func TestRecordClearance_DeregistrationDueClampsToTheMonthEnd(t *testing.T) {
	tests := []struct {
		cleared string
		due     ucx.Date
	}{
		{"2026-03-10", ucx.MustDate(2026, 5, 10)},
		{"2026-12-31", ucx.MustDate(2027, 2, 28)},
		{"2027-12-31", ucx.MustDate(2028, 2, 29)},
		{"2026-08-31", ucx.MustDate(2026, 10, 31)},
		{"2026-07-31", ucx.MustDate(2026, 9, 30)},
		{"2026-11-15", ucx.MustDate(2027, 1, 15)},
	}
	for _, tt := range tests {
		t.Run(tt.cleared, func(t *testing.T) {
			d, err := ucx.ParseDate(tt.cleared)
			if err != nil {
				t.Fatal(err)
			}
			if got := sqlstore.AddMonths(d, 2); got != tt.due {
				t.Errorf("cleared %s: due %s, want %s", tt.cleared, got, tt.due)
			}
		})
	}
}

func TestRecordClearance_ExpiredLicenceIsRefused(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		db.LicenceValidityDays = 1
		l := w.Licensed(t)
		if l.ValidUntil != today.AddDays(1) {
			t.Fatalf("valid until %s, want %s (DB.LicenceValidityDays)", l.ValidUntil, today.AddDays(1))
		}
		clock := db.Now
		db.Now = func() time.Time { return clock().AddDate(0, 0, 2) }
		_, err := db.RecordClearance(context.Background(), w.CustomsMember, l.ID, "Horgos", "D-1")
		wantCode(t, err, ucx.ERULE)
	})
}

func TestConcurrentClearances_ExactlyOneWins(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for round := range 5 {
			l := w.Licensed(t)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = db.RecordClearance(ctx, w.CustomsMember, l.ID, "Port", fmt.Sprintf("D-%d", i))
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch ucx.ErrorCode(err) {
				case "":
					won++
				case ucx.ECONFLICT:
				default:
					t.Errorf("round %d: unexpected %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d clearances won (%v); want exactly one", round, won, errs)
			}
		}
		if n := count(t, db, "events WHERE action = 'licence.clear'"); n != 5 {
			t.Errorf("%d clearance events for 5 licences, want 5", n)
		}
	})
}

// TestIssueLicence_EvidenceGates: at issue R9, R11 and R12 are gates. A
// modified vehicle without its evidence, one with a declared banned case
// and one with no inspection report are refused, each naming the rule;
// the same vehicles with the evidence are issued. Evidence declared
// missing, or a banned case, already stops the submission (the policy's
// block); evidence merely not declared passes it with a note and stops
// the issue.
func TestIssueLicence_EvidenceGates(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		yes, no := true, false
		complete := &ucx.ModificationEvidence{ChassisBrand: "Foton", ModifiedBrand: "Zhongtong", ModifiedModel: "LCK5040",
			Genuine: &yes, MIITCatalogue: &yes, CCC: &yes}
		tests := []struct {
			name       string
			edit       func(in *ucx.ApplicationInput)
			submitWant string // a word of the submission's refusal; "" when it is submitted
			issueWant  string // a word of the issue's refusal; "" when issued
		}{
			{"modified with complete evidence: issued", func(in *ucx.ApplicationInput) {
				in.Vehicle.Modified, in.Modification = true, complete
			}, "", ""},
			{"modified, no evidence declared (R9)", func(in *ucx.ApplicationInput) { in.Vehicle.Modified = true }, "", "R9: supply proof that the modification is genuine"},
			{"modified, CCC not declared (R9)", func(in *ucx.ApplicationInput) {
				m := *complete
				m.CCC = nil
				in.Vehicle.Modified, in.Modification = true, &m
			}, "", "R9: supply the modified vehicle's valid CCC certificate"},
			{"modified, CCC declared missing (R9)", func(in *ucx.ApplicationInput) {
				m := *complete
				m.CCC = &no
				in.Vehicle.Modified, in.Modification = true, &m
			}, "R9: there is no valid CCC certificate", "R9: there is no valid CCC certificate"},
			{"declared banned case (R11)", func(in *ucx.ApplicationInput) { in.BannedCases = []string{"encumbered"} }, "R11", "R11"},
			{"no inspection report (R12)", func(in *ucx.ApplicationInput) { in.InspectionReport = "" }, "", "R12"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := w.Input(w.MakerWMI, oldReg)
				tt.edit(in)
				draft := w.Create(t, w.ExpMember, in)
				a, err := db.SubmitApplication(ctx, w.ExpMember, draft.ID, draft.Version)
				if tt.submitWant != "" {
					wantCode(t, err, ucx.ERULE)
					if !strings.Contains(ucx.ErrorMessage(err), tt.submitWant) {
						t.Errorf("submission refused with %q, want it to say %q", ucx.ErrorMessage(err), tt.submitWant)
					}
					// Force it under review, as a changed policy or a broken
					// workflow could: the issue must check again.
					if err := sqlstore.Exec(ctx, db, "UPDATE applications SET state = 'under_review', application_date = ? WHERE id = ?", today.Days(), draft.ID); err != nil {
						t.Fatal(err)
					}
					a = draft
				} else if err != nil {
					t.Fatalf("SubmitApplication: %v", err)
				} else if a.State != ucx.StateUnderReview {
					t.Fatalf("submitted to %s, want under_review", a.State)
				}
				licences := count(t, db, "licences")
				_, err = db.IssueLicence(ctx, w.AuthMember, a.ID, a.Version)
				if tt.issueWant == "" {
					if err != nil {
						t.Fatalf("IssueLicence: %v; want a licence", err)
					}
					return
				}
				wantCode(t, err, ucx.ERULE)
				if !strings.Contains(ucx.ErrorMessage(err), tt.issueWant) {
					t.Errorf("issue refused with %q, want it to say %q", ucx.ErrorMessage(err), tt.issueWant)
				}
				if n := count(t, db, "licences"); n != licences {
					t.Error("a refused issue wrote a licence")
				}
			})
		}
	})
}
