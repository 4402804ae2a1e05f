package http_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestDocuments_PrintIsAnOfficialDocumentWithoutInternalIDs: the print
// view of a licence and of its confirmation lays out the facts a reader
// needs — the number, the names, each VIN, the dates, the destination,
// the outlets, the digest, the root's fingerprint and each seal's key id —
// and none of the platform's internal record ids (application, request,
// organisation ids), labelled or bare.
func TestDocuments_PrintIsAnOfficialDocumentWithoutInternalIDs(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	lic := w.Licensed()
	root, err := seal.ParsePublicKeyPEM(w.Raw("", "GET", "/api/v1/trust-root", "").Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind string
		id   int64
		want []string
	}{
		{ucx.DocLicence, lic.ID, []string{"二手车出口许可证 Used-car export licence", "许可证号 Licence number", lic.Number,
			w.Orgs["exporter"].Name, w.Orgs["exporter"].FilingNumber, w.Orgs["authority"].Name, lic.Schedule[0].VIN,
			lic.Destination, lic.IssuedOn.String(), lic.ValidUntil.String(), "所依据的确认书 Confirmations relied on"}},
		{ucx.DocConfirmation, lic.ConfirmationIDs[0], []string{"售后维修服务确认书 After-Sales Service Confirmation",
			w.Orgs["maker"].Name, lic.Schedule[0].VIN, lic.Destination, "海外售后服务网点 Overseas service outlets", "Testa Rus Service"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			d := webtest.DocOf(t, w, tc.kind, tc.id)
			r := w.Raw("customs.viewer", "GET", "/documents/"+d.Digest+"/print", "")
			page := string(r.Body)
			if r.Status != 200 {
				t.Fatalf("print: %d %s", r.Status, page)
			}
			env, err := seal.ParseEnvelope(d.Envelope)
			if err != nil {
				t.Fatal(err)
			}
			want := append(tc.want, d.Digest, bundle.Fingerprint(root), env.Seals[0].KeyID)
			for _, s := range want {
				if !strings.Contains(page, s) {
					t.Errorf("the print lacks %q", s)
				}
			}
			// No internal id, labelled or in a cell of its own.
			for _, s := range []string{"_id", "编号 Id", "Application", "申请编号", "确认书编号", "机构编号", "企业编号", "Organisation id"} {
				if strings.Contains(page, s) {
					t.Errorf("the print shows %q", s)
				}
			}
			ids := map[string]int64{"application": lic.ApplicationID, "licence": lic.ID, "request": lic.ConfirmationIDs[0],
				"exporter": w.Orgs["exporter"].ID, "authority": w.Orgs["authority"].ID, "maker": w.Orgs["maker"].ID}
			for name, id := range ids {
				for _, pat := range []string{`>\s*%d\s*<`, `\(%d\)`} {
					if regexp.MustCompile(fmt.Sprintf(pat, id)).MatchString(stripVehicleNumbers(page)) {
						t.Errorf("the print shows the %s id %d (%s)", name, id, pat)
					}
				}
			}
		})
	}
}

// stripVehicleNumbers drops the vehicle tables' row numbers (1, 2, …), the
// one bare number an official schedule has.
func stripVehicleNumbers(page string) string {
	return regexp.MustCompile(`<tr><td>\d+</td><td class="mono">`).ReplaceAllString(page, `<tr><td class="mono">`)
}
