package http_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestLicences_ByNumberOnlyForItsParties: GET /api/v1/licences?number=N
// (what ucx licence show/download NUMBER asks) finds the licence for its
// exporter, the authorities and customs; another
// exporter and a manufacturer get an empty list, never the licence, and a
// number given in lower case or with spaces around it is the same number.
func TestLicences_ByNumberOnlyForItsParties(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		lic := w.licensed()
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
			r := w.raw(tc.user, "GET", "/api/v1/licences?number="+url.QueryEscape(tc.query), "")
			var list wire.ListResponse[*ucx.Licence]
			if r.status != 200 || json.Unmarshal(r.body, &list) != nil {
				t.Fatalf("%s: %d %s", tc.user, r.status, r.body)
			}
			if !tc.found {
				if list.Total != 0 || len(list.Items) != 0 || strings.Contains(string(r.body), lic.Number) {
					t.Errorf("%s looking up %q sees %s", tc.user, tc.query, r.body)
				}
				continue
			}
			if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != lic.ID {
				t.Errorf("%s looking up %q: %s", tc.user, tc.query, r.body)
			}
		}
		// Through the Go client, as the CLI asks.
		found, n, err := w.c("exporter.member").FindLicences(context.Background(), nil, ucx.LicenceFilter{Number: lic.Number})
		if err != nil || n != 1 || found[0].Number != lic.Number {
			t.Fatalf("client lookup: %d %v", n, err)
		}
		if found, n, err := w.c("exporter2.member").FindLicences(context.Background(), nil, ucx.LicenceFilter{Number: lic.Number}); err != nil || n != 0 || len(found) != 0 {
			t.Fatalf("another exporter's client lookup: %d %v", n, err)
		}
		// Without a token: 401.
		if r := w.raw("", "GET", "/api/v1/licences?number="+url.QueryEscape(lic.Number), ""); r.status != 401 {
			t.Fatalf("no token: %d", r.status)
		}
	})
}
