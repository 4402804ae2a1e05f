package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// principalKeys are every organisation kind × role of the fixture, plus a
// member of the second exporter and of the second manufacturer, whose
// access to the first ones' records is the point of the matrix.
var principalKeys = []string{
	"operator.admin", "operator.member", "operator.viewer",
	"authority.admin", "authority.member", "authority.viewer",
	"customs.admin", "customs.member", "customs.viewer",
	"exporter.admin", "exporter.member", "exporter.viewer", "exporter2.member",
	"maker.admin", "maker.member", "maker.viewer", "maker2.member",
}

// keys expands "exporter.*" to the org's three roles, "exporter.act" to its
// admin and member, and "*.admin" to every org's admin.
func keys(patterns ...string) map[string]bool {
	out := map[string]bool{}
	for _, pat := range patterns {
		for _, k := range principalKeys {
			org, role, _ := strings.Cut(k, ".")
			porg, prole, _ := strings.Cut(pat, ".")
			if (porg == "*" || porg == org) && (prole == "*" || prole == role || prole == "act" && role != "viewer") {
				out[k] = true
			}
		}
	}
	return out
}

// TestAuthorisationMatrix calls every service method as every principal
// on a fresh record of the first exporter (and its manufacturer) and
// checks the answer: success, ENOTFOUND for a record the caller may not
// know of, and EFORBIDDEN for everything else its kind or role may not do.
func TestAuthorisationMatrix(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		readers := keys("exporter.*", "maker.*", "authority.*", "customs.*")
		hidden := keys("exporter2.*", "maker2.*")
		everyoneButOperator := keys("exporter.*", "exporter2.*", "maker.*", "maker2.*", "authority.*", "customs.*")
		tests := []struct {
			method   string
			call     func(t *testing.T, p *ucx.Principal, key string) error
			ok       map[string]bool
			notFound map[string]bool
		}{
			{"CreateApplication", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.CreateApplication(ctx, p, w.Input(w.MakerWMI, oldReg), ucx.CreateOptions{})
				return err
			}, keys("exporter.act", "exporter2.act"), nil},
			{"FindApplicationByID", func(t *testing.T, p *ucx.Principal, _ string) error {
				a, _ := w.Awaiting(t)
				_, err := db.FindApplicationByID(ctx, p, a.ID)
				return err
			}, readers, hidden},
			{"FindApplicationByID/draft", func(t *testing.T, p *ucx.Principal, _ string) error {
				a := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
				_, err := db.FindApplicationByID(ctx, p, a.ID)
				return err
			}, keys("exporter.*"), keys("exporter2.*", "maker.*", "maker2.*", "authority.*", "customs.*")},
			{"FindApplications", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.FindApplications(ctx, p, ucx.ApplicationFilter{})
				return err
			}, everyoneButOperator, nil},
			{"Timeline", func(t *testing.T, p *ucx.Principal, _ string) error {
				a, _ := w.Awaiting(t)
				_, err := db.Timeline(ctx, p, a.ID)
				return err
			}, readers, hidden},
			{"SubmitApplication", func(t *testing.T, p *ucx.Principal, _ string) error {
				a := w.Create(t, w.ExpMember, w.Input(w.MakerWMI, oldReg))
				_, err := db.SubmitApplication(ctx, p, a.ID, a.Version)
				return err
			}, keys("exporter.act"), keys("exporter2.act")},
			{"WithdrawApplication", func(t *testing.T, p *ucx.Principal, _ string) error {
				a, _ := w.Awaiting(t)
				_, err := db.WithdrawApplication(ctx, p, a.ID, a.Version)
				return err
			}, keys("exporter.act"), keys("exporter2.act")},
			{"FindRequests", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.FindRequests(ctx, p, ucx.RequestFilter{})
				return err
			}, everyoneButOperator, nil},
			{"FindRequestByID", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, r := w.Awaiting(t)
				_, err := db.FindRequestByID(ctx, p, r.ID)
				return err
			}, readers, hidden},
			{"ApproveRequest", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, r := w.Awaiting(t)
				_, err := db.ApproveRequest(ctx, p, r.ID, r.Version, []int64{w.MakerRU})
				return err
			}, keys("maker.act"), keys("maker2.act")},
			{"RefuseRequest", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, r := w.Awaiting(t)
				_, err := db.RefuseRequest(ctx, p, r.ID, r.Version, "no_service_network", "")
				return err
			}, keys("maker.act"), keys("maker2.act")},
			{"IssueLicence", func(t *testing.T, p *ucx.Principal, _ string) error {
				a := w.UnderReview(t)
				_, err := db.IssueLicence(ctx, p, a.ID, a.Version)
				return err
			}, keys("authority.act"), nil},
			{"RefuseLicence", func(t *testing.T, p *ucx.Principal, _ string) error {
				a := w.UnderReview(t)
				_, err := db.RefuseLicence(ctx, p, a.ID, a.Version, "data_mismatch", "")
				return err
			}, keys("authority.act"), nil},
			{"FindLicenceByID", func(t *testing.T, p *ucx.Principal, _ string) error {
				l := w.Licensed(t)
				_, err := db.FindLicenceByID(ctx, p, l.ID)
				return err
			}, readers, hidden},
			{"FindLicences", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.FindLicences(ctx, p, ucx.LicenceFilter{})
				return err
			}, everyoneButOperator, nil},
			{"RecordClearance", func(t *testing.T, p *ucx.Principal, _ string) error {
				l := w.Licensed(t)
				_, err := db.RecordClearance(ctx, p, l.ID, "Horgos", "D-1")
				return err
			}, keys("customs.act"), nil},
			{"CreateOrg", func(t *testing.T, p *ucx.Principal, key string) error {
				return db.CreateOrg(ctx, p, &ucx.Org{Kind: ucx.KindExporter, Name: "org by " + key, Region: "广东"})
			}, keys("operator.admin"), nil},
			{"FindOrgByID", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, err := db.FindOrgByID(ctx, p, w.Maker.ID)
				return err
			}, keys("*.*"), nil},
			{"FindOrgs", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.FindOrgs(ctx, p, ucx.OrgFilter{})
				return err
			}, keys("*.*"), nil},
			{"SetStanding", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, err := db.SetStanding(ctx, p, w.Exporter2.ID, ucx.StandingNormal, "annual review")
				return err
			}, keys("authority.act"), nil},
			{"AddOutlet", func(t *testing.T, p *ucx.Principal, _ string) error {
				return db.AddOutlet(ctx, p, &ucx.Outlet{OrgID: w.Maker.ID, Country: "KG", Provider: "Bishkek Service", Address: "Chui 1"})
			}, keys("maker.admin", "operator.admin"), nil},
			{"SetWMIs", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, err := db.SetWMIs(ctx, p, w.Maker.ID, []string{w.MakerWMI})
				return err
			}, keys("maker.admin", "operator.admin"), nil},
			{"WMIClaims", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, err := db.WMIClaims(ctx, p)
				return err
			}, keys("operator.*"), nil},
			{"DecideWMIClaim", func(t *testing.T, p *ucx.Principal, _ string) error {
				o, err := db.SetWMIs(ctx, w.Users["maker.admin"], w.Maker.ID, []string{w.MakerWMI, "LRW"})
				if err != nil || len(o.PendingWMIs) != 1 {
					t.Fatalf("claiming LRW: %+v %v", o, err)
				}
				cs, err := db.WMIClaims(ctx, w.OperatorAdmin)
				if err != nil || len(cs) != 1 {
					t.Fatalf("claims: %v %v", cs, err)
				}
				_, err = db.DecideWMIClaim(ctx, p, cs[0].ID, false, "not Tesla")
				if err != nil { // withdraw the claim for the next caller
					db.SetWMIs(ctx, w.Users["maker.admin"], w.Maker.ID, []string{w.MakerWMI})
				}
				return err
			}, keys("operator.admin"), nil},
			{"CreateUser", func(t *testing.T, p *ucx.Principal, key string) error {
				return db.CreateUser(ctx, p, &ucx.User{Username: "u." + key, Role: ucx.RoleViewer}, testPassword)
			}, keys("*.admin"), nil},
			{"CreateUser/another org with a password", func(t *testing.T, p *ucx.Principal, key string) error {
				return db.CreateUser(ctx, p, &ucx.User{OrgID: w.Exporter.ID, Username: "pw." + key, Role: ucx.RoleAdmin}, testPassword)
			}, keys("exporter.admin"), nil},
			{"InviteUser", func(t *testing.T, p *ucx.Principal, key string) error {
				_, err := db.InviteUser(ctx, p, &ucx.User{OrgID: w.Exporter.ID, Username: "inv." + key, Role: ucx.RoleAdmin})
				return err
			}, keys("exporter.admin", "operator.admin"), nil},
			{"OrgEvents", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.OrgEvents(ctx, p, w.Exporter.ID, ucx.EventFilter{})
				return err
			}, keys("exporter.admin"), nil},
			{"CreateToken", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, _, err := db.CreateToken(ctx, p, "matrix")
				return err
			}, keys("*.*"), nil},
			{"StartImport", func(t *testing.T, p *ucx.Principal, _ string) error {
				_, err := db.StartImport(ctx, p, "cars.csv", []byte(importHeader+importLine(w.VINFor(w.MakerWMI), oldReg, "")))
				return err
			}, keys("exporter.act", "exporter2.act"), nil},
		}
		for _, tt := range tests {
			t.Run(tt.method, func(t *testing.T) {
				for _, key := range principalKeys {
					want := ucx.EFORBIDDEN
					switch {
					case tt.ok[key]:
						want = ""
					case tt.notFound[key]:
						want = ucx.ENOTFOUND
					}
					err := tt.call(t, w.Users[key], key)
					if got := ucx.ErrorCode(err); got != want {
						t.Errorf("%s as %s: %v (code %q), want code %q", tt.method, key, err, got, want)
					}
				}
				if err := tt.call(t, nil, "nobody"); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
					t.Errorf("%s without a principal: %v, want EUNAUTHORIZED", tt.method, err)
				}
			})
		}
	})
}
