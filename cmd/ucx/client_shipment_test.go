package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/sheet"
)

// TestLetterAnswers_FromFlags checks how `ucx letter answer`'s flags
// become answers, by the letter's VINs, and what is refused before
// anything is sent.
func TestLetterAnswers_FromFlags(t *testing.T) {
	l := &ucx.Letter{ID: 7, Requests: []*ucx.ConfirmationRequest{
		{ID: 11, VIN: "VIN1", State: ucx.ConfirmationPending},
		{ID: 12, VIN: "VIN2", State: ucx.ConfirmationPending},
		{ID: 13, VIN: "VIN3", State: ucx.ConfirmationApproved},
		{ID: 14, VIN: "VIN4", State: ucx.ConfirmationPending},
	}}
	cases := []struct {
		name    string
		approve []string
		refuse  []string
		want    string // answers as id:a or id:code:text, or the error's words
		err     bool
	}{
		{"approve some", []string{"vin1", "VIN2"}, nil, "11:a 12:a", false},
		{"all but the refused", []string{"all"}, []string{"VIN2:no_service_network:无网点"}, "12:no_service_network:无网点 11:a 14:a", false},
		{"refuse only", nil, []string{"VIN4:other:see mail", "VIN1:data_mismatch"}, "14:other:see mail 11:data_mismatch:", false},
		{"not in the letter", []string{"VIN9"}, nil, "not a VIN of letter 7", true},
		{"twice", []string{"VIN1"}, []string{"VIN1:other"}, "answered twice", true},
		{"unknown code", nil, []string{"VIN1:lazy"}, "is not one of", true},
		{"no code", nil, []string{"VIN1"}, "VIN:code", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := letterAnswers(l, c.approve, []int64{5}, c.refuse)
			if c.err {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err %v, want one saying %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, a := range got {
				if a.Approve {
					if len(a.OutletIDs) != 1 || a.OutletIDs[0] != 5 {
						t.Fatalf("approval %d names outlets %v, want [5]", a.RequestID, a.OutletIDs)
					}
					parts = append(parts, strconv.FormatInt(a.RequestID, 10)+":a")
					continue
				}
				parts = append(parts, strconv.FormatInt(a.RequestID, 10)+":"+a.RefusalCode+":"+a.RefusalText)
			}
			if s := strings.Join(parts, " "); s != c.want {
				t.Fatalf("answers %q, want %q", s, c.want)
			}
		})
	}
}

// TestShipmentFromSheet takes the shipment's contract from the flags or
// the rows, clears it on the vehicles, and refuses rows that disagree.
func TestShipmentFromSheet(t *testing.T) {
	w := &clientWorld{}
	row := func(contract string) string {
		return w.vin() + ",Testa,T1,2026-01-16,2026-03-01,RU,OOO Avto," + contract + ",CMA-1\n"
	}
	header := "vin,brand,model,registration_date,transfer_date,destination,buyer,contract_number,inspection_report,cert_brand,cert_model,cert_registration_date,cert_transfer_date\n"
	in, err := shipmentFromSheet("b.csv", []byte(header+row("HT-1")+row("HT-1")+row("")), sheet.CSV, &ucx.ShipmentInput{AfterSalesTerms: "12 个月"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Destination != "RU" || in.Buyer != "OOO Avto" || in.ContractNumber != "HT-1" || in.AfterSalesTerms != "12 个月" || len(in.Vehicles) != 3 {
		t.Fatalf("shipment %+v", in)
	}
	for i, v := range in.Vehicles {
		if v.Destination != "" || v.Buyer != "" || v.ContractNumber != "" || v.Vehicle.VIN == "" || v.InspectionReport != "CMA-1" {
			t.Fatalf("vehicle %d keeps the shipment's fields or lost its own: %+v", i, v)
		}
	}
	_, err = shipmentFromSheet("b.csv", []byte(header+row("HT-1")+row("HT-2")), sheet.CSV, &ucx.ShipmentInput{})
	if err == nil || !strings.Contains(err.Error(), "row 2") || !strings.Contains(err.Error(), "HT-2") {
		t.Fatalf("rows of two contracts: %v, want a usage error naming row 2", err)
	}
	_, err = shipmentFromSheet("b.csv", []byte(header+row("HT-1")), sheet.CSV, &ucx.ShipmentInput{ContractNumber: "HT-9"})
	if err == nil || !strings.Contains(err.Error(), "HT-9") {
		t.Fatalf("a row against the flag's contract: %v, want a usage error", err)
	}
	if _, err = shipmentFromSheet("b.csv", []byte(header), sheet.CSV, &ucx.ShipmentInput{}); err == nil {
		t.Fatal("a sheet with no rows was accepted")
	}
}

// TestPrintShipmentVehicles_AlignsChinese checks that the table per
// vehicle pads by display width, so a Chinese brand does not push its row
// out of line, and shows each VIN's letter and answer.
func TestPrintShipmentVehicles_AlignsChinese(t *testing.T) {
	sh := &ucx.Shipment{ID: 1, Vehicles: []*ucx.Application{
		{ID: 21, State: ucx.StateUnderReview, ApplicationInput: ucx.ApplicationInput{Vehicle: ucx.VehicleDetails{VIN: "LM1ABCDE0S1000001", Brand: "比亚迪", Model: "秦PLUS"}}},
		{ID: 22, State: ucx.StateRefused, ApplicationInput: ucx.ApplicationInput{Vehicle: ucx.VehicleDetails{VIN: "LM1ABCDE0S1000002", Brand: "Testa", Model: "T1"}}},
	}, Letters: []*ucx.Letter{{ID: 9, State: ucx.LetterAnswered, Requests: []*ucx.ConfirmationRequest{
		{ApplicationID: 21, State: ucx.ConfirmationApproved},
		{ApplicationID: 22, State: ucx.ConfirmationRefused, RefusalCode: "no_service_network"},
	}}}}
	var b bytes.Buffer
	if err := printShipmentVehicles(&b, sh); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	col := func(line, word string) int { return displayWidth(line[:strings.Index(line, word)]) }
	if a, b2, c := col(lines[0], "STATE"), col(lines[1], "under_review"), col(lines[2], "refused"); a != b2 || a != c {
		t.Fatalf("STATE column at %d, %d, %d:\n%s", a, b2, c, b.String())
	}
	if !strings.Contains(lines[2], "refused (no_service_network)") || !strings.Contains(lines[1], "9") {
		t.Fatalf("the letter's answers are not shown:\n%s", b.String())
	}
}

// TestClientCmds_ShipmentFromTheCommandLine drives the batch from the
// shell once the store implements it: file 3 cars from a sheet, submit,
// the manufacturer refuses one VIN and approves the rest in one answer,
// a viewer and the exporter cannot answer, the authority issues one
// licence of 2 cars, customs clears it.
func TestClientCmds_ShipmentFromTheCommandLine(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	if _, ok := any(w.db).(ucx.ShipmentService); !ok {
		t.Skip("the store does not implement ucx.ShipmentService yet")
	}
	header := "vin,brand,model,registration_date,transfer_date,destination,buyer,contract_number,inspection_report,cert_brand,cert_model,cert_registration_date,cert_transfer_date\n"
	var rows strings.Builder
	rows.WriteString(header)
	var vins []string
	for i := 0; i < 3; i++ {
		v := w.vin()
		vins = append(vins, v)
		rows.WriteString(v + ",Testa,T1,2026-01-16,2026-03-01,RU,OOO Avto,HT-7,CMA-1,Testa,T1,2026-01-16,2026-03-01\n")
	}
	file := filepath.Join(t.TempDir(), "batch.csv")
	os.WriteFile(file, []byte(rows.String()), 0o644)
	code, out, errOut := w.ucx(t, "exporter", "", "shipment", "file", file, "--after-sales", "12 个月", "--json")
	var sh ucx.Shipment
	if code != 0 || json.Unmarshal([]byte(out), &sh) != nil || len(sh.Vehicles) != 3 {
		t.Fatalf("shipment file: exit %d\n%s%s", code, out, errOut)
	}
	id := strconv.FormatInt(sh.ID, 10)
	if code, out, errOut = w.ucx(t, "exporter", "", "shipment", "submit", id); code != 0 || !strings.Contains(out, "awaiting_confirmation") {
		t.Fatalf("shipment submit: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = w.ucx(t, "maker", "", "letter", "list", "--json")
	var letters struct{ Items []*ucx.Letter }
	if code != 0 || json.Unmarshal([]byte(out), &letters) != nil || len(letters.Items) != 1 {
		t.Fatalf("letter list: exit %d\n%s", code, out)
	}
	lid := strconv.FormatInt(letters.Items[0].ID, 10)
	if code, out, _ = w.ucx(t, "maker", "", "letter", "show", lid); code != 0 || !strings.Contains(out, vins[2]) || !strings.Contains(out, "pending") {
		t.Fatalf("letter show: exit %d\n%s", code, out)
	}
	outlet := strconv.FormatInt(w.outlet, 10)
	answer := []string{"letter", "answer", lid, "--approve", "all", "--outlets", outlet, "--refuse", vins[1] + ":no_service_network:无网点"}
	for _, who := range []string{"maker.viewer", "exporter"} {
		if code, _, errOut = w.ucx(t, who, "", answer...); code != 1 {
			t.Fatalf("%s answers: exit %d %q, want 1", who, code, errOut)
		}
	}
	if code, out, errOut = w.ucx(t, "maker", "", answer...); code != 0 || !strings.Contains(out, "answered") {
		t.Fatalf("letter answer: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = w.ucx(t, "exporter", "", "shipment", "show", id)
	if code != 0 || !strings.Contains(out, "refused (no_service_network)") || !strings.Contains(out, "under_review") {
		t.Fatalf("shipment show: exit %d\n%s", code, out)
	}
	code, out, errOut = w.ucx(t, "authority", "", "shipment", "issue", id, "--json")
	var lic ucx.Licence
	if code != 0 || json.Unmarshal([]byte(out), &lic) != nil || len(lic.Schedule) != 2 {
		t.Fatalf("shipment issue: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = w.ucx(t, "customs", "", "clear", lic.Number, "--port", "Horgos", "--declaration", "D-7"); code != 0 {
		t.Fatalf("clear: exit %d\n%s%s", code, out, errOut)
	}
}

// cliFakeShipments is a ucx.ShipmentService of one shipment (two VINs,
// one letter) that records what the commands ask; it tests the commands,
// not the workflow (TestClientCmds_ShipmentFromTheCommandLine runs them
// against the store). Methods the commands must not call panic.
type cliFakeShipments struct {
	ucx.ShipmentService
	ship    *ucx.Shipment
	created *ucx.ShipmentInput
	answers []ucx.LetterAnswer
	removed [3]int64 // id, version, app
}

func newCLIFake() *cliFakeShipments {
	app := func(id int64, vin, brand string) *ucx.Application {
		return &ucx.Application{ID: id, ShipmentID: 77, State: ucx.StateAwaitingConfirmation, Version: 2,
			ApplicationInput: ucx.ApplicationInput{Vehicle: ucx.VehicleDetails{VIN: vin, Brand: brand, Model: "T1"}},
			Decision:         ucx.Decision{Outcome: ucx.LetterRequired}}
	}
	l := &ucx.Letter{ID: 5, ShipmentID: 77, Destination: "RU", State: ucx.LetterPending, Version: 4, Requests: []*ucx.ConfirmationRequest{
		{ID: 51, ApplicationID: 71, VIN: "LM1ABCDE1S1000001", State: ucx.ConfirmationPending},
		{ID: 52, ApplicationID: 72, VIN: "LM1ABCDE3S1000002", State: ucx.ConfirmationPending}}}
	return &cliFakeShipments{ship: &ucx.Shipment{ID: 77, Destination: "RU", ContractNumber: "HT-77", State: ucx.StateAwaitingConfirmation, Version: 3,
		Vehicles: []*ucx.Application{app(71, "LM1ABCDE1S1000001", "比亚迪"), app(72, "LM1ABCDE3S1000002", "Testa")}, Letters: []*ucx.Letter{l}}}
}

func (f *cliFakeShipments) FindShipmentByID(_ context.Context, _ *ucx.Principal, id int64) (*ucx.Shipment, error) {
	if id != 77 {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no shipment %d", id)
	}
	return f.ship, nil
}

func (f *cliFakeShipments) FindLetterByID(_ context.Context, _ *ucx.Principal, id int64) (*ucx.Letter, error) {
	if id != 5 {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no letter %d", id)
	}
	return f.ship.Letters[0], nil
}

func (f *cliFakeShipments) AnswerLetterSealed(_ context.Context, _ *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer, env []byte) (*ucx.Letter, error) {
	if version != 4 || env != nil {
		return nil, ucx.Errorf(ucx.ECONFLICT, "version %d, envelope %d bytes", version, len(env))
	}
	f.answers = answers
	return f.ship.Letters[0], nil
}

func (f *cliFakeShipments) AnswerLetter(ctx context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer) (*ucx.Letter, error) {
	return f.AnswerLetterSealed(ctx, p, id, version, answers, nil)
}

func (f *cliFakeShipments) RemoveVehicle(_ context.Context, _ *ucx.Principal, id int64, version int, app int64) (*ucx.Shipment, error) {
	f.removed = [3]int64{id, int64(version), app}
	return f.ship, nil
}

func (f *cliFakeShipments) CreateShipment(_ context.Context, _ *ucx.Principal, in *ucx.ShipmentInput, _ ucx.CreateOptions) (*ucx.Shipment, bool, error) {
	f.created = in
	return f.ship, true, nil
}

// TestShipmentCmds_OverAFake runs the commands against a server whose
// shipment service records the calls: what reaches the API is what the
// flags say.
func TestShipmentCmds_OverAFake(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	fake := newCLIFake()
	s := http.NewServer()
	s.OrgService, s.ShipmentService = w.db, fake
	s.Logger = slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL

	code, out, errOut := w.ucx(t, "maker", "", "letter", "answer", "5", "--approve", "all", "--outlets", "9", "--refuse", "lm1abcde3s1000002:other:见邮件")
	if code != 0 || len(fake.answers) != 2 {
		t.Fatalf("letter answer: exit %d, %d answers\n%s%s", code, len(fake.answers), out, errOut)
	}
	if a := fake.answers[0]; a.RequestID != 52 || a.Approve || a.RefusalCode != "other" || a.RefusalText != "见邮件" {
		t.Errorf("the refusal sent: %+v", a)
	}
	if a := fake.answers[1]; a.RequestID != 51 || !a.Approve || len(a.OutletIDs) != 1 || a.OutletIDs[0] != 9 {
		t.Errorf("the approval sent: %+v", a)
	}
	if code, _, errOut = w.ucx(t, "maker", "", "letter", "answer", "5", "--approve", "LM1NOTINIT"+"0000000", "--outlets", "9"); code != 2 || !strings.Contains(errOut, "not a VIN of letter 5") {
		t.Errorf("a VIN not in the letter: exit %d %q, want 2", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "maker", "", "letter", "answer", "5", "--approve", "all"); code != 2 || !strings.Contains(errOut, "--outlets") {
		t.Errorf("approving without outlets: exit %d %q, want 2", code, errOut)
	}

	code, out, errOut = w.ucx(t, "exporter", "", "shipment", "drop", "77", "LM1ABCDE3S1000002")
	if code != 0 || fake.removed != [3]int64{77, 3, 72} {
		t.Fatalf("shipment drop: exit %d, removed %v; want shipment 77 at version 3, vehicle 72\n%s%s", code, fake.removed, out, errOut)
	}
	if code, _, errOut = w.ucx(t, "exporter", "", "shipment", "drop", "77", "LM1ABCDE0S1999999"); code != 1 || !strings.Contains(errOut, "no vehicle") {
		t.Errorf("dropping a VIN not in the shipment: exit %d %q, want 1", code, errOut)
	}
	code, out, _ = w.ucx(t, "exporter", "", "shipment", "show", "77")
	if code != 0 || !strings.Contains(out, "比亚迪") || !strings.Contains(out, "letter-required") || !strings.Contains(out, "HT-77") || !strings.Contains(out, "0/2") {
		t.Errorf("shipment show: exit %d\n%s", code, out)
	}

	file := filepath.Join(t.TempDir(), "batch.json")
	os.WriteFile(file, []byte(`{"destination":"RU","contract_number":"HT-8","vehicles":[{"vehicle":{"vin":"LM1ABCDE1S1000001"}}]}`), 0o644)
	if code, out, errOut = w.ucx(t, "exporter", "", "shipment", "file", file, "--submit"); code != 0 || fake.created == nil || !fake.created.Submit || fake.created.ContractNumber != "HT-8" {
		t.Fatalf("shipment file: exit %d, sent %+v\n%s%s", code, fake.created, out, errOut)
	}
	os.WriteFile(file, []byte(`{"destination":"RU","vehicels":[]}`), 0o644)
	if code, _, errOut = w.ucx(t, "exporter", "", "shipment", "file", file); code != 2 || !strings.Contains(errOut, "vehicels") {
		t.Errorf("a misspelt field: exit %d %q, want 2 naming it", code, errOut)
	}
}
