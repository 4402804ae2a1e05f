package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

func bulkReport(t *testing.T, r *webtest.Response) *ucx.BulkReport {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var rep ucx.BulkReport
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

func statuses(rep *ucx.BulkReport) string {
	var s []string
	for _, r := range rep.Results {
		s = append(s, r.Status+":"+r.Code)
	}
	return strings.Join(s, " ")
}

// TestBulkSubmit_EachDraftItsOwnTransaction submits a selection of drafts:
// the exporter's drafts move on, an already submitted one and another
// exporter's are refused or not found per row, and the refusals undo none
// of the others.
func TestBulkSubmit_EachDraftItsOwnTransaction(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		d1, d2 := w.Draft(), w.Draft()
		sent, _ := w.Awaiting()
		other := w.File("exporter2.member", w.Input(webtest.MakerWMI, webtest.RecentReg))
		body := fmt.Sprintf(`{"ids":[%d,%d,%d,%d,%d,999999]}`, d1.ID, sent.ID, other.ID, d2.ID, d1.ID)
		rep := bulkReport(t, w.Raw("exporter.member", "POST", "/api/v1/bulk/submit", body))
		if got, want := statuses(rep), "submitted: refused:rule_violation not_found:not_found submitted: not_found:not_found"; got != want {
			t.Fatalf("rows %q, want %q", got, want)
		}
		if rep.Submitted != 2 || rep.Refused != 1 || rep.NotFound != 2 {
			t.Errorf("counts %+v", rep)
		}
		if rep.Results[0].State != string(ucx.StateAwaitingConfirmation) {
			t.Errorf("row 0 state %q", rep.Results[0].State)
		}
		ctx := context.Background()
		for _, id := range []int64{d1.ID, d2.ID} {
			a, err := w.C("exporter.member").FindApplicationByID(ctx, nil, id)
			if err != nil || a.State != ucx.StateAwaitingConfirmation {
				t.Errorf("application %d: %v %v", id, a, err)
			}
			ev, err := w.C("exporter.member").Timeline(ctx, nil, id)
			if err != nil || len(ev) < 2 {
				t.Errorf("application %d timeline %d events, %v", id, len(ev), err)
			}
		}
		o, err := w.C("exporter2.member").FindApplicationByID(ctx, nil, other.ID)
		if err != nil || o.State != ucx.StateDraft {
			t.Errorf("another exporter's draft was touched: %v %v", o, err)
		}
	})
}

// TestBulkSubmit_ImportDrafts submits every draft an import filed, and a
// second call finds none left; another exporter's import is not found.
func TestBulkSubmit_ImportDrafts(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		imp, err := w.C("exporter.member").StartImport(ctx, nil, "cars.csv", []byte(w.ImportCSV(3)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ProcessImports(ctx); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"import_id":%d}`, imp.ID)
		if r := w.Raw("exporter2.member", "POST", "/api/v1/bulk/submit", body); r.Status != 404 {
			t.Errorf("another exporter's import: %d %s", r.Status, r.Body)
		}
		rep := bulkReport(t, w.Raw("exporter.member", "POST", "/api/v1/bulk/submit", body))
		if rep.Submitted != 3 || len(rep.Results) != 3 || rep.More {
			t.Fatalf("first call: %+v", rep)
		}
		rep = bulkReport(t, w.Raw("exporter.member", "POST", "/api/v1/bulk/submit", body))
		if len(rep.Results) != 0 {
			t.Errorf("second call found drafts: %+v", rep)
		}
	})
}

// TestBulk_RefusedWhole: malformed or over-long lists and the wrong party
// are refused before anything is touched, naming the field.
func TestBulk_RefusedWhole(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		d := w.Draft()
		many := make([]string, ucx.MaxBulk+1)
		for i := range many {
			many[i] = fmt.Sprint(i + 1)
		}
		tests := []struct {
			name, user, path, body string
			status                 int
			field                  string
		}{
			{"over the limit", "exporter.member", "/api/v1/bulk/submit", `{"ids":[` + strings.Join(many, ",") + `]}`, 400, "ids"},
			{"none", "exporter.member", "/api/v1/bulk/submit", `{"ids":[]}`, 400, "ids"},
			{"negative id", "exporter.member", "/api/v1/bulk/submit", `{"ids":[-3]}`, 400, "ids"},
			{"both ids and import", "exporter.member", "/api/v1/bulk/submit", fmt.Sprintf(`{"ids":[%d],"import_id":1}`, d.ID), 400, "import_id"},
			{"a maker submits", "maker.member", "/api/v1/bulk/submit", fmt.Sprintf(`{"ids":[%d]}`, d.ID), 403, ""},
			{"a viewer submits", "exporter.viewer", "/api/v1/bulk/submit", fmt.Sprintf(`{"ids":[%d]}`, d.ID), 403, ""},
			{"an exporter answers", "exporter.member", "/api/v1/bulk/answer", `{"ids":[1],"answer":"refuse","code":"other"}`, 403, ""},
			{"answer word", "maker.member", "/api/v1/bulk/answer", `{"ids":[1],"answer":"maybe"}`, 400, "answer"},
			{"refusal code", "maker.member", "/api/v1/bulk/answer", `{"ids":[1],"answer":"refuse","code":"because"}`, 400, "code"},
			{"approve without outlets", "maker.member", "/api/v1/bulk/answer", `{"ids":[1],"answer":"approve"}`, 400, "outlets"},
			{"outlets not by country", "maker.member", "/api/v1/bulk/answer", `{"ids":[1],"answer":"approve","outlets":{"Russia":[1]}}`, 400, "outlets"},
			{"answers over the limit", "maker.member", "/api/v1/bulk/answer", `{"answer":"refuse","code":"other","ids":[` + strings.Join(many, ",") + `]}`, 400, "ids"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := w.Raw(tt.user, "POST", tt.path, tt.body)
				if r.Status != tt.status {
					t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
				}
				if e := r.ErrorBody(t); e.Field != tt.field {
					t.Errorf("field %q, want %q (%s)", e.Field, tt.field, e.Message)
				}
			})
		}
		a, err := w.C("exporter.member").FindApplicationByID(context.Background(), nil, d.ID)
		if err != nil || a.State != ucx.StateDraft {
			t.Errorf("a refused call touched the draft: %v %v", a, err)
		}
	})
}

// TestBulkAnswer_ApprovesByDestinationAndRefuses: a manufacturer approves a
// selection with an outlet per destination; a request with no outlet named
// for its destination, another maker's and an answered one are refused or
// not found per row; a bulk refusal records the code.
func TestBulkAnswer_ApprovesByDestinationAndRefuses(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		_, ru1 := w.Awaiting()
		_, ru2 := w.Awaiting()
		in := w.Input(webtest.MakerWMI, webtest.RecentReg)
		in.Destination, in.Submit = "KZ", true
		kzApp := w.File("exporter.member", in)
		_, ref := w.Awaiting()
		rs, _, err := w.C("maker.member").FindRequests(ctx, nil, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var kz int64
		for _, r := range rs {
			if r.ApplicationID == kzApp.ID {
				kz = r.ID
			}
		}
		if kz == 0 {
			t.Fatal("no KZ request")
		}
		body := fmt.Sprintf(`{"ids":[%d,%d,%d],"answer":"approve","outlets":{"ru":[%d]}}`, ru1.ID, kz, ru2.ID, w.MakerRU)
		if rep := bulkReport(t, w.Raw("maker2.member", "POST", "/api/v1/bulk/answer", body)); statuses(rep) != "not_found:not_found not_found:not_found not_found:not_found" {
			t.Errorf("another maker: %s", statuses(rep))
		}
		rep := bulkReport(t, w.Raw("maker.member", "POST", "/api/v1/bulk/answer", body))
		if got, want := statuses(rep), "answered: refused:invalid answered:"; got != want {
			t.Fatalf("rows %q, want %q (%+v)", got, want, rep.Results)
		}
		if rep.Results[1].Field != "outlets" || !strings.Contains(rep.Results[1].Message, "KZ") {
			t.Errorf("KZ row: %+v", rep.Results[1])
		}
		body = fmt.Sprintf(`{"ids":[%d,%d],"answer":"approve","outlets":{"KZ":[%d],"RU":[%d]}}`, ru1.ID, kz, w.MakerKZ, w.MakerRU)
		rep = bulkReport(t, w.Raw("maker.member", "POST", "/api/v1/bulk/answer", body))
		if got, want := statuses(rep), "refused:rule_violation answered:"; got != want && statuses(rep) != "refused:conflict answered:" {
			t.Errorf("second call rows %q, want %q", got, want)
		}
		body = fmt.Sprintf(`{"ids":[%d],"answer":"refuse","code":"no_service_network","text":"none there"}`, ref.ID)
		rep = bulkReport(t, w.Raw("maker.member", "POST", "/api/v1/bulk/answer", body))
		if rep.Answered != 1 || rep.Results[0].State != string(ucx.ConfirmationRefused) {
			t.Fatalf("refusal: %+v", rep)
		}
		cr, err := w.C("maker.member").FindRequestByID(ctx, nil, ref.ID)
		if err != nil || cr.RefusalCode != "no_service_network" {
			t.Errorf("refused request: %+v %v", cr, err)
		}
	})
}
