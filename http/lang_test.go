package http_test

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestError_MessageInTheLanguageTheClientAsksFor: an error's message is in
// Chinese when Accept-Language puts Chinese first (the web UI's live check
// asks so on a Chinese page), in English otherwise; the code and the field
// are the same in both, so scripts never depend on the words.
func TestError_MessageInTheLanguageTheClientAsksFor(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	w := webtest.NewWorld(t, db)
	body := `{"vehicle":{"vin":"LGXCE4CB8S0000017","brand":"BYD","model":"Han","registration_date":"2026-02-30","transfer_date":"2026-03-01"},"destination":"RU"}`
	for _, c := range []struct {
		accept, want, contentLang string
	}{
		{"", "there is no calendar day 2026-02-30; check the month and day", ""},
		{"en-GB,en;q=0.9", "there is no calendar day 2026-02-30; check the month and day", ""},
		{"zh-CN,zh;q=0.9,en;q=0.8", "没有 2026-02-30 这一天；请检查月份和日期", "zh"},
		{"ru-RU,zh;q=0.5", "there is no calendar day 2026-02-30; check the month and day", ""}, // Russian is the verify page's alone
	} {
		var h []string
		if c.accept != "" {
			h = append(h, "Accept-Language: "+c.accept)
		}
		r := w.Raw("exporter.member", "POST", "/api/v1/check", body, h...)
		e := r.ErrorBody(t)
		if r.Status != 400 || e.Code != "invalid" || e.Field != "vehicle.registration_date" || e.Message != c.want {
			t.Errorf("Accept-Language %q: %d %+v; want 400 invalid vehicle.registration_date %q", c.accept, r.Status, e, c.want)
		}
		if got := r.Header.Get("Content-Language"); got != c.contentLang {
			t.Errorf("Accept-Language %q: Content-Language %q, want %q", c.accept, got, c.contentLang)
		}
		if strings.Contains(e.Message, "%!") {
			t.Errorf("message badly formatted: %q", e.Message)
		}
	}
}
