package html_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx/http/webtest"
)

// TestUI_Deregistration: the exporter's cleared shipment page shows each
// vehicle's deregistration state with a form (R16); a future date is
// shown beside the vehicle's form, kept as typed; a good record shows the
// vehicle deregistered; a viewer sees no form; two months on the other
// vehicle is in the authority's overdue list and the exporter's, not in
// another exporter's; customs has no such page.
func TestUI_Deregistration(t *testing.T) {
	w := webtest.UIWorld(t)
	s, l := w.Cleared(t, 2)
	page := "/shipments/" + itoa(s.ID)
	first, second := s.Vehicles[0], s.Vehicles[1]
	exp := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")

	got := exp.Get(page)
	if got.Status != 200 || !strings.Contains(got.Body, `id="h-dereg"`) || !strings.Contains(got.Body, "待注销") ||
		!strings.Contains(got.Body, `id="dereg-record-`+itoa(first.ID)+`"`) || !strings.Contains(got.Body, "2026年5月10日") || l.DeregistrationDue.String() != "2026-05-10" {
		t.Fatalf("shipment page: %d %.600s", got.Status, got.Body)
	}
	viewer := webtest.NewUIUser(t, w.TS.URL).Login("exporter.viewer")
	if got := viewer.Get(page); got.Status != 200 || !strings.Contains(got.Body, `id="h-dereg"`) || strings.Contains(got.Body, `id="dereg-record-`) {
		t.Fatalf("a viewer's page: %d, form shown %v", got.Status, strings.Contains(got.Body, `id="dereg-record-`))
	}

	key := "_" + itoa(first.ID)
	form := func(date, ref string) url.Values {
		return url.Values{"app": {itoa(first.ID)}, "deregistered_on" + key: {date}, "reference" + key: {ref}}
	}
	future := webtest.Today.AddDays(3).String()
	got = exp.Post(page+"/deregistration", form(future, "粤A注销-7"))
	if got.Status != 400 || !strings.Contains(got.Body, `id="dereg-error-`+itoa(first.ID)+`"`) || !strings.Contains(got.Body, `value="粤A注销-7"`) {
		t.Fatalf("a future date: %d %.600s", got.Status, got.Body)
	}
	if got := webtest.NewUIUser(t, w.TS.URL).Login("exporter2.member").Post(page+"/deregistration", form(webtest.Today.String(), "X")); got.Status != 404 {
		t.Fatalf("another exporter records: %d", got.Status)
	}
	got = exp.Post(page+"/deregistration", form(webtest.Today.String(), "粤A注销-7"))
	if got.Status != 303 || !strings.Contains(got.Header.Get("Location"), "done=deregistered") {
		t.Fatalf("record: %d %s", got.Status, got.Header.Get("Location"))
	}
	if got := exp.Get(page); !strings.Contains(got.Body, "已注销") || !strings.Contains(got.Body, "粤A注销-7") || strings.Contains(got.Body, `id="dereg-record-`+itoa(first.ID)+`"`) {
		t.Fatalf("after the record: %.600s", got.Body)
	}

	later := webtest.TestNow.Add(70 * 24 * time.Hour)
	w.DB.Now = func() time.Time { return later }
	auth := webtest.NewUIUser(t, w.TS.URL).Login("authority.member")
	exp = webtest.NewUIUser(t, w.TS.URL).Login("exporter.member") // the earlier session has expired
	for _, u := range []*webtest.UIUser{auth, exp} {
		got := u.Get("/deregistrations")
		if got.Status != 200 || !strings.Contains(got.Body, second.Vehicle.VIN) || strings.Contains(got.Body, first.Vehicle.VIN) || !strings.Contains(got.Body, "逾期未注销") {
			t.Fatalf("overdue list: %d %.800s", got.Status, got.Body)
		}
	}
	if got := auth.Get("/deregistrations?all=1"); got.Status != 200 || !strings.Contains(got.Body, first.Vehicle.VIN) {
		t.Fatalf("every cleared vehicle: %d", got.Status)
	}
	if got := webtest.NewUIUser(t, w.TS.URL).Login("exporter2.member").Get("/deregistrations"); got.Status != 200 || strings.Contains(got.Body, second.Vehicle.VIN) {
		t.Fatalf("another exporter's list: %d, shows the VIN %v", got.Status, strings.Contains(got.Body, second.Vehicle.VIN))
	}
	if got := webtest.NewUIUser(t, w.TS.URL).Login("customs.member").Get("/deregistrations"); got.Status != 403 {
		t.Fatalf("customs: %d", got.Status)
	}
}
