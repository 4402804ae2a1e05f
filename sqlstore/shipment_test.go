package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// shipmentOf is a shipment to Russia of the cars of the given WMIs (one
// car per entry), registered on reg, their contract fields the
// shipment's.
func shipmentOf(w *world, reg ucx.Date, wmis ...string) *ucx.ShipmentInput {
	in := &ucx.ShipmentInput{Destination: "RU", Buyer: "OOO Avto Import", ContractNumber: "HY-2026-0500", AfterSalesTerms: "12 个月保修"}
	for _, wmi := range wmis {
		v := w.Input(wmi, reg)
		v.Destination, v.Buyer, v.ContractNumber = "", "", ""
		in.Vehicles = append(in.Vehicles, *v)
	}
	return in
}

// approveLetters approves every pending VIN of every letter of s with
// each manufacturer's Russian outlet.
func approveLetters(t *testing.T, w *world, s *ucx.Shipment) {
	t.Helper()
	ctx := context.Background()
	for _, l := range s.Letters {
		who, outlet := w.MakerMember, w.MakerRU
		if l.ManufacturerID == w.Maker2.ID {
			who, outlet = w.Maker2Mem, w.Maker2RU
		}
		var answers []ucx.LetterAnswer
		for _, r := range l.Requests {
			answers = append(answers, ucx.LetterAnswer{RequestID: r.ID, Approve: true, OutletIDs: []int64{outlet}})
		}
		if _, err := w.DB.AnswerLetter(ctx, who, l.ID, l.Version, answers); err != nil {
			t.Fatalf("answer letter %d: %v", l.ID, err)
		}
	}
}

func TestShipment_SubmitOpensOneLetterPerManufacturerAndOneLicenceListsAll(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		sealing(t, w)
		ctx := context.Background()
		if _, err := db.CreateCustodialKey(ctx, w.Users["maker2.admin"], "", testNow.AddDate(1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		in := shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI, w.Maker2WMI, w.MakerWMI)
		in.Submit = true
		s, created, err := db.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
		if err != nil || !created {
			t.Fatalf("CreateShipment: %v", err)
		}
		if s.State != ucx.StateAwaitingConfirmation || len(s.Vehicles) != 4 || len(s.Letters) != 2 {
			t.Fatalf("submitted: %s, %d vehicles, %d letters; want awaiting with 4 and 2", s.State, len(s.Vehicles), len(s.Letters))
		}
		// The manufacturer sees its own VINs only, in its one letter.
		seen, err := db.FindShipmentByID(ctx, w.Maker2Mem, s.ID)
		if err != nil || len(seen.Vehicles) != 1 || len(seen.Letters) != 1 {
			t.Fatalf("maker2 reads the shipment: %v; want its one vehicle and letter", err)
		}
		approveLetters(t, w, s)
		s, err = db.FindShipmentByID(ctx, w.AuthMember, s.ID)
		if err != nil || s.State != ucx.StateUnderReview {
			t.Fatalf("after the letters: %v, %v", s.State, err)
		}
		var digests []string
		for _, l := range s.Letters {
			if l.State != ucx.LetterAnswered || len(l.DocumentDigests) != 1 {
				t.Fatalf("letter %d: %s with %d documents; want answered, sealed once", l.ID, l.State, len(l.DocumentDigests))
			}
			for _, r := range l.Requests {
				if r.DocumentDigest != l.DocumentDigests[0] {
					t.Fatalf("request %d cites %q, want its letter's %q", r.ID, r.DocumentDigest, l.DocumentDigests[0])
				}
			}
			digests = append(digests, l.DocumentDigests[0])
		}
		// The letter names all its VINs (R3).
		var doc struct {
			LetterID int64 `json:"letter_id"`
			Vehicles []struct {
				VIN string `json:"vin"`
			} `json:"vehicles"`
		}
		for _, l := range s.Letters {
			if l.ManufacturerID == w.Maker.ID {
				if err := json.Unmarshal(l.Requests[0].Document, &doc); err != nil || doc.LetterID != l.ID || len(doc.Vehicles) != 3 {
					t.Fatalf("maker's letter names %d VINs (letter %d, err %v), want 3", len(doc.Vehicles), doc.LetterID, err)
				}
			}
		}
		lic, err := db.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version)
		if err != nil {
			t.Fatal(err)
		}
		if len(lic.Schedule) != 4 || lic.ShipmentID != s.ID || len(lic.ConfirmationIDs) != 4 {
			t.Fatalf("licence: %d vehicles, shipment %d, %d confirmations", len(lic.Schedule), lic.ShipmentID, len(lic.ConfirmationIDs))
		}
		var ld struct {
			Confirmations []struct {
				SHA256 string `json:"sha256"`
			} `json:"confirmations"`
		}
		if err := json.Unmarshal(lic.Document, &ld); err != nil || len(ld.Confirmations) != 2 {
			t.Fatalf("the licence cites %d letters (err %v), want the 2 sealed ones", len(ld.Confirmations), err)
		}
		for _, c := range ld.Confirmations {
			if !strings.Contains(strings.Join(digests, " "), c.SHA256) {
				t.Fatalf("the licence cites %s, not one of the letters %v", c.SHA256, digests)
			}
		}
		// One licence for the batch: a vehicle alone cannot get another.
		v := s.Vehicles[0]
		if _, err := db.IssueLicence(ctx, w.AuthMember, v.ID, v.Version); ucx.ErrorCode(err) == "" {
			t.Fatal("a licensed vehicle got a second licence")
		}
		cleared, err := db.RecordClearance(ctx, w.CustomsMember, lic.ID, "霍尔果斯", "D-1")
		if err != nil || cleared.DeregistrationDue.IsZero() {
			t.Fatalf("clearance: %v", err)
		}
		s, err = db.FindShipmentByID(ctx, w.ExpMember, s.ID)
		if err != nil || s.State != ucx.StateCleared || s.LicenceID != lic.ID {
			t.Fatalf("after clearance: %s, licence %d (%v)", s.State, s.LicenceID, err)
		}
		for _, a := range s.Vehicles {
			if a.State != ucx.StateCleared {
				t.Fatalf("vehicle %s is %s after the batch's clearance", a.Vehicle.VIN, a.State)
			}
		}
	})
}

// TestShipment_Refusals checks each refusal of the batch path on both
// engines: the batch limit, an impossible date, a vehicle for another
// contract, a duplicate VIN, a letter answered by another manufacturer,
// a blocked vehicle at submission, a letter for another destination, a
// vehicle without an inspection report or a modified one without
// evidence at issue, and a single vehicle of a batch licensed alone.
func TestShipment_Refusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		create := func(in *ucx.ShipmentInput) (*ucx.Shipment, error) {
			s, _, err := db.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
			return s, err
		}
		wantField := func(name string, err error, code, field string) {
			t.Helper()
			if ucx.ErrorCode(err) != code || ucx.ErrorField(err) != field {
				t.Errorf("%s: %v (code %q, field %q), want %s naming %s", name, err, ucx.ErrorCode(err), ucx.ErrorField(err), code, field)
			}
		}

		wmis := make([]string, ucx.DefaultMaxShipmentVehicles+1)
		for i := range wmis {
			wmis[i] = w.MakerWMI
		}
		_, err := create(shipmentOf(w, oldReg, wmis...))
		wantField("over the limit", err, ucx.EINVALID, "vehicles")

		bad := shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI)
		bad.Vehicles[1].Vehicle.TransferDate = recentReg.AddDays(-3)
		bad.Vehicles[1].Certificate.TransferDate = recentReg.AddDays(-3)
		_, err = create(bad)
		wantField("transfer before registration", err, ucx.EINVALID, "vehicles[1].vehicle.transfer_date")

		other := shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI)
		other.Vehicles[0].ContractNumber = "ANOTHER-1"
		_, err = create(other)
		wantField("another contract", err, ucx.EINVALID, "vehicles[0].contract_number")

		dup := shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI)
		dup.Vehicles[1].Vehicle.VIN = dup.Vehicles[0].Vehicle.VIN
		_, err = create(dup)
		wantField("duplicate VIN", err, ucx.EINVALID, "vehicles[1].vehicle.vin")

		_, err = create(&ucx.ShipmentInput{Vehicles: shipmentOf(w, oldReg, w.MakerWMI).Vehicles})
		wantField("no destination", err, ucx.EINVALID, "destination")

		if _, _, err := db.CreateShipment(ctx, w.MakerMember, shipmentOf(w, oldReg, w.MakerWMI), ucx.CreateOptions{}); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("a manufacturer files a shipment: %v, want forbidden", err)
		}

		// A blocked vehicle stops the submission, named; nothing moves.
		blocked := shipmentOf(w, recentReg, w.MakerWMI, w.Maker2WMI)
		blocked.Vehicles[1].BannedCases = []string{"seized"}
		s, err := create(blocked)
		if err != nil {
			t.Fatalf("file with a banned case: %v", err)
		}
		_, err = db.SubmitShipment(ctx, w.ExpMember, s.ID, s.Version)
		if ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(err.Error(), s.Vehicles[1].Vehicle.VIN) {
			t.Errorf("submit with a blocked vehicle: %v, want a rule violation naming %s", err, s.Vehicles[1].Vehicle.VIN)
		}
		if again, _ := db.FindShipmentByID(ctx, w.ExpMember, s.ID); again.State != ucx.StateDraft || len(again.Letters) != 0 {
			t.Errorf("after the refused submission: %s with %d letters, want an untouched draft", again.State, len(again.Letters))
		}
		// Removing it lets the rest go.
		if s, err = db.RemoveVehicle(ctx, w.ExpMember, s.ID, s.Version, s.Vehicles[1].ID); err != nil {
			t.Fatal(err)
		}
		if s, err = db.SubmitShipment(ctx, w.ExpMember, s.ID, s.Version); err != nil || len(s.Letters) != 1 {
			t.Fatalf("submit after removing the blocked vehicle: %v", err)
		}
		l := s.Letters[0]
		answer := []ucx.LetterAnswer{{RequestID: l.Requests[0].ID, Approve: true, OutletIDs: []int64{w.Maker2RU}}}
		if _, err := db.AnswerLetter(ctx, w.Maker2Mem, l.ID, l.Version, answer); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another manufacturer answers the letter: %v, want not found", err)
		}
		if _, err := db.AnswerLetter(ctx, w.MakerMember, l.ID, l.Version, []ucx.LetterAnswer{{RequestID: l.Requests[0].ID, Approve: true, OutletIDs: []int64{w.MakerKZ}}}); ucx.ErrorCode(err) != ucx.ERULE || ucx.ErrorField(err) != "answers[0].outlet_ids" {
			t.Errorf("approve with an outlet in KZ for RU: %v (field %q), want a rule violation naming answers[0].outlet_ids", err, ucx.ErrorField(err))
		}
		if _, err := db.AnswerLetter(ctx, w.MakerMember, l.ID, l.Version+1, nil); ucx.ErrorCode(err) != ucx.EINVALID {
			t.Errorf("no answers: %v, want invalid", err)
		}

		// A letter for another destination never covers the vehicle
		// (R3): here the vehicle's destination is changed under it.
		s = fileApproved(t, w, shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI))
		if err := sqlstore.Exec(ctx, db, `UPDATE applications SET destination = 'KZ', data = REPLACE(data, '"destination":"RU"', '"destination":"KZ"') WHERE id = ?`, s.Vehicles[1].ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version)
		if ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(err.Error(), "not for the destination KZ") {
			t.Errorf("licence on a letter for another destination: %v, want R3 refusal", err)
		}

		// Evidence gates at issue (R9, R12), each vehicle named.
		ev := shipmentOf(w, oldReg, w.MakerWMI, w.MakerWMI)
		ev.Vehicles[0].InspectionReport = ""
		ev.Vehicles[1].Vehicle.Modified = true
		s, err = create(ev)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = db.SubmitShipment(ctx, w.ExpMember, s.ID, s.Version); err != nil {
			t.Fatalf("submit: %v", err)
		}
		_, err = db.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(msg, s.Vehicles[0].Vehicle.VIN+": R12") || !strings.Contains(msg, s.Vehicles[1].Vehicle.VIN+": R9") {
			t.Errorf("licence without inspection report / modification evidence: %v, want R12 and R9 naming each VIN", err)
		}
		if _, err := db.IssueLicence(ctx, w.AuthMember, s.Vehicles[0].ID, s.Vehicles[0].Version); ucx.ErrorCode(err) != ucx.ERULE || !strings.Contains(err.Error(), "shipment") {
			t.Errorf("one vehicle of a batch licensed alone: %v, want a rule violation naming the shipment", err)
		}
		if _, err := db.IssueShipmentLicence(ctx, w.ExpMember, s.ID, s.Version); ucx.ErrorCode(err) != ucx.EFORBIDDEN {
			t.Errorf("an exporter issues: %v, want forbidden", err)
		}
		if _, err := db.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version-1); ucx.ErrorCode(err) != ucx.ECONFLICT {
			t.Errorf("issue on a stale version: %v, want conflict", err)
		}
		if _, err := db.FindShipmentByID(ctx, w.Exp2Member, s.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("another exporter reads the shipment: %v, want not found", err)
		}
		refused, err := db.RefuseShipmentLicence(ctx, w.AuthMember, s.ID, s.Version, "other", "检验报告缺失")
		if err != nil || refused.State != ucx.StateRefused {
			t.Errorf("refuse the shipment's licence: %v", err)
		}
	})
}

// fileApproved files and submits in, approves its letters and returns
// the shipment under review.
func fileApproved(t *testing.T, w *world, in *ucx.ShipmentInput) *ucx.Shipment {
	t.Helper()
	ctx := context.Background()
	in.Submit = true
	s, _, err := w.DB.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	approveLetters(t, w, s)
	if s, err = w.DB.FindShipmentByID(ctx, w.ExpMember, s.ID); err != nil || s.State != ucx.StateUnderReview {
		t.Fatalf("after approving: %v %v", s.State, err)
	}
	return s
}

// TestShipment_TellsEachPartyOncePerBatch checks the batch's outbox: a
// shipment of three cars to one manufacturer is one in-app "request
// received" for it, naming the three VINs, not three; the answer of the
// letter is one "request answered" for the exporter.
func TestShipment_TellsEachPartyOncePerBatch(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI, w.MakerWMI)
		in.Submit = true
		s, _, err := db.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		count := func(p *ucx.Principal, ev ucx.NotifyEvent) []*ucx.InAppItem {
			items, _, _, err := db.InApp(ctx, p, ucx.InAppFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []*ucx.InAppItem
			for _, it := range items {
				if it.Event == ev {
					out = append(out, it)
				}
			}
			return out
		}
		got := count(w.MakerMember, ucx.NotifyRequestReceived)
		if len(got) != 1 || got[0].Facts["count"] != "3" {
			t.Fatalf("maker heard %d request.received (%v), want one for the 3 VINs", len(got), got)
		}
		for _, v := range s.Vehicles {
			if !strings.Contains(got[0].Facts["vin"], v.Vehicle.VIN) {
				t.Errorf("the notification's VINs %q lack %s", got[0].Facts["vin"], v.Vehicle.VIN)
			}
		}
		approveLetters(t, w, s)
		if got := count(w.ExpMember, ucx.NotifyRequestAnswered); len(got) != 1 || got[0].Facts["count"] != "3" {
			t.Errorf("the exporter heard %d request.answered, want one for the letter", len(got))
		}
	})
}

// TestRefusal_ForWrongDataRecordsTheCreditEvent checks R6 from real
// refusals: a licence refused for data_mismatch records one automatic
// wrong_filing event against the exporter, a single car's and a
// shipment's alike (one per refusal, not per vehicle); a refusal for
// another reason records none.
func TestRefusal_ForWrongDataRecordsTheCreditEvent(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		wrong := func() int {
			t.Helper()
			evs, err := db.FindCreditEvents(ctx, w.AuthMember, w.Exporter.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range evs {
				if e.Code == ucx.CodeWrongFiling && e.Automatic {
					n++
				}
			}
			return n
		}
		a := w.UnderReview(t)
		if _, err := db.RefuseLicence(ctx, w.AuthMember, a.ID, a.Version, "other", "资料不全"); err != nil {
			t.Fatal(err)
		}
		if n := wrong(); n != 0 {
			t.Fatalf("a refusal for another reason recorded %d wrong filings", n)
		}
		a = w.UnderReview(t)
		if _, err := db.RefuseLicence(ctx, w.AuthMember, a.ID, a.Version, "data_mismatch", "品牌与登记证书不符"); err != nil {
			t.Fatal(err)
		}
		if n := wrong(); n != 1 {
			t.Fatalf("after a data_mismatch refusal: %d wrong filings, want 1", n)
		}
		s := fileApproved(t, w, shipmentOf(w, recentReg, w.MakerWMI, w.MakerWMI, w.Maker2WMI))
		if _, err := db.RefuseShipmentLicence(ctx, w.AuthMember, s.ID, s.Version, "data_mismatch", ""); err != nil {
			t.Fatal(err)
		}
		if n := wrong(); n != 2 {
			t.Fatalf("after a shipment's data_mismatch refusal: %d wrong filings, want 2 (one for the shipment)", n)
		}
	})
}
