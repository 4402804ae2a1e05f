package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestNotifyAPI_OwnAdminsOnly: an organisation's channels and deliveries
// are its admins' (201, 200); its members get 403; another organisation's
// admin gets 404 for the list and for each channel and delivery by id,
// which stay unchanged; the webhook's secret is in the creating answer
// only; field errors name the field.
func TestNotifyAPI_OwnAdminsOnly(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		maker := fmt.Sprint(w.Orgs["maker"].ID)
		r := w.Raw("maker.admin", "POST", "/api/v1/orgs/"+maker+"/channels", `{"kind":"webhook","url":"https://erp.example.cn/hook","events":["request.received"]}`)
		if r.Status != 201 || !strings.Contains(string(r.Body), `"secret":"whsec_`) || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var ch struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}
		json.Unmarshal(r.Body, &ch)
		w.Awaiting()
		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		r = w.Raw("maker.admin", "GET", "/api/v1/orgs/"+maker+"/deliveries", "")
		if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil || len(list.Items) != 1 {
			t.Fatalf("deliveries: %d %s", r.Status, r.Body)
		}
		delivery := fmt.Sprint(list.Items[0].ID)
		channel := fmt.Sprint(ch.ID)
		for _, c := range []struct {
			who, method, path, body string
			want                    int
		}{
			{"maker.member", "GET", "/api/v1/orgs/" + maker + "/channels", "", 403},
			{"maker.viewer", "GET", "/api/v1/orgs/" + maker + "/deliveries", "", 403},
			{"maker.member", "POST", "/api/v1/deliveries/" + delivery + "/replay", "", 403},
			{"maker2.admin", "GET", "/api/v1/orgs/" + maker + "/channels", "", 404},
			{"maker2.admin", "GET", "/api/v1/orgs/" + maker + "/deliveries", "", 404},
			{"maker2.admin", "POST", "/api/v1/orgs/" + maker + "/channels", `{"kind":"inapp"}`, 404},
			{"maker2.admin", "GET", "/api/v1/deliveries/" + delivery, "", 404},
			{"maker2.admin", "POST", "/api/v1/deliveries/" + delivery + "/replay", "", 404},
			{"maker2.admin", "PATCH", "/api/v1/channels/" + channel, `{"lang":"en","version":1}`, 404},
			{"maker2.admin", "DELETE", "/api/v1/channels/" + channel, "", 404},
			{"exporter.admin", "GET", "/api/v1/deliveries/" + delivery, "", 404},
			{"maker.admin", "PATCH", "/api/v1/channels/" + channel, `{"lang":"fr","version":1}`, 400},
			{"maker.admin", "PATCH", "/api/v1/channels/" + channel, `{"lang":"en"}`, 400},
			{"maker.admin", "PATCH", "/api/v1/channels/" + channel, `{"lang":"en","version":7}`, 409},
			{"maker.admin", "POST", "/api/v1/orgs/" + maker + "/channels", `{"kind":"wecom","url":"javascript:alert(1)"}`, 400},
			{"maker.admin", "POST", "/api/v1/deliveries/" + delivery + "/replay", "", 422},
			{"maker.admin", "GET", "/api/v1/notifications?unread=maybe", "", 400},
		} {
			r := w.Raw(c.who, c.method, c.path, c.body)
			if r.Status != c.want {
				t.Errorf("%s %s as %s: %d %s, want %d", c.method, c.path, c.who, r.Status, r.Body, c.want)
			}
		}
		r = w.Raw("maker.admin", "GET", "/api/v1/orgs/"+maker+"/channels", "")
		if r.Status != 200 || strings.Contains(string(r.Body), "whsec_") || !strings.Contains(string(r.Body), `"lang":"both"`) {
			t.Fatalf("channels after the refusals: %d %s", r.Status, r.Body)
		}
		r = w.Raw("maker.member", "GET", "/api/v1/notifications", "")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"unread":1`) || !strings.Contains(string(r.Body), "确认书申请") {
			t.Fatalf("in-app: %d %s", r.Status, r.Body)
		}
	})
}
