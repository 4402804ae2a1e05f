package http_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestLicences_ByNumberOnlyForItsParties: GET /api/v1/licences?number=N
// (what ucx licence show/download NUMBER asks) finds the licence for its
// exporter, the authorities and customs; another
// exporter and a manufacturer get an empty list, never the licence, and a
// number given in lower case or with spaces around it is the same number.
func TestLicences_ByNumberOnlyForItsParties(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		lic := w.Licensed()
		for _, tc := range []struct {
			user  string
			query string
			found bool
		}{
			{"exporter.member", lic.Number, true},
			{"exporter.viewer", lic.Number, true},
			{"authority.member", lic.Number, true},
			{"customs.member", lic.Number, true},
			{"customs.member", "  " + strings.ToLower(lic.Number) + " ", true},
			{"exporter2.member", lic.Number, false},
			{"exporter2.admin", lic.Number, false},
			{"maker2.member", lic.Number, false},
			{"customs.member", lic.Number + "9", false},
		} {
			r := w.Raw(tc.user, "GET", "/api/v1/licences?number="+url.QueryEscape(tc.query), "")
			var list wire.ListResponse[*ucx.Licence]
			if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil {
				t.Fatalf("%s: %d %s", tc.user, r.Status, r.Body)
			}
			if !tc.found {
				if list.Total != 0 || len(list.Items) != 0 || strings.Contains(string(r.Body), lic.Number) {
					t.Errorf("%s looking up %q sees %s", tc.user, tc.query, r.Body)
				}
				continue
			}
			if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != lic.ID {
				t.Errorf("%s looking up %q: %s", tc.user, tc.query, r.Body)
			}
		}
		// Through the Go client, as the CLI asks.
		found, n, err := w.C("exporter.member").FindLicences(context.Background(), nil, ucx.LicenceFilter{Number: lic.Number})
		if err != nil || n != 1 || found[0].Number != lic.Number {
			t.Fatalf("client lookup: %d %v", n, err)
		}
		if found, n, err := w.C("exporter2.member").FindLicences(context.Background(), nil, ucx.LicenceFilter{Number: lic.Number}); err != nil || n != 0 || len(found) != 0 {
			t.Fatalf("another exporter's client lookup: %d %v", n, err)
		}
		// Without a token: 401.
		if r := w.Raw("", "GET", "/api/v1/licences?number="+url.QueryEscape(lic.Number), ""); r.Status != 401 {
			t.Fatalf("no token: %d", r.Status)
		}
	})
}
