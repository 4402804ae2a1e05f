package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

func TestCreateOrg_StoresWMIsOutletsAndDefaults(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		m := &ucx.Org{Kind: ucx.KindManufacturer, Name: " 长城汽车股份有限公司 ", Brands: []string{"Haval", " Haval", "Great Wall"},
			WMIs: []string{"lgw", "LL9ABC"}, Outlets: []*ucx.Outlet{{Country: "ru", Provider: "GWM Rus", Address: "Tula"}}}
		if err := db.CreateOrg(ctx, w.OperatorAdmin, m); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindOrgByID(ctx, w.ExpViewer, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "长城汽车股份有限公司" || strings.Join(got.WMIs, ",") != "LGW,LL9ABC" || strings.Join(got.Brands, ",") != "Haval,Great Wall" ||
			len(got.Outlets) != 1 || got.Outlets[0].Country != "RU" || got.Outlets[0].OrgID != m.ID {
			t.Fatalf("stored org = %+v", got)
		}
		e := &ucx.Org{Kind: ucx.KindExporter, Name: "新出口公司", Region: "上海", FilingNumber: "SH-1", FilingExpires: today.AddDays(9)}
		if err := db.CreateOrg(ctx, w.OperatorAdmin, e); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindOrgByID(ctx, w.AuthMember, e.ID); got.Standing != ucx.StandingNormal || got.FilingExpires != today.AddDays(9) {
			t.Errorf("exporter = %+v; want standing normal and the filing expiry kept", got)
		}
	})
}

func TestCreateOrg_Refusals(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		tests := []struct {
			name  string
			p     *ucx.Principal
			o     ucx.Org
			code  string
			field string
		}{
			{"operator member", w.Users["operator.member"], ucx.Org{Kind: ucx.KindExporter, Name: "A"}, ucx.EFORBIDDEN, ""},
			{"authority admin", w.Users["authority.admin"], ucx.Org{Kind: ucx.KindExporter, Name: "A"}, ucx.EFORBIDDEN, ""},
			{"no principal", nil, ucx.Org{Kind: ucx.KindExporter, Name: "A"}, ucx.EUNAUTHORIZED, ""},
			{"no name", w.OperatorAdmin, ucx.Org{Kind: ucx.KindExporter, Name: " "}, ucx.EINVALID, "name"},
			{"bad kind", w.OperatorAdmin, ucx.Org{Kind: "broker", Name: "A"}, ucx.EINVALID, "kind"},
			{"name taken", w.OperatorAdmin, ucx.Org{Kind: ucx.KindExporter, Name: w.Exporter.Name, Region: "广东"}, ucx.ECONFLICT, "name"},
			{"WMI taken", w.OperatorAdmin, ucx.Org{Kind: ucx.KindManufacturer, Name: "B", WMIs: []string{w.MakerWMI}}, ucx.ECONFLICT, "wmis"},
			{"WMI with I", w.OperatorAdmin, ucx.Org{Kind: ucx.KindManufacturer, Name: "B", WMIs: []string{"LI1"}}, ucx.EINVALID, "wmis"},
			{"small maker WMI too short", w.OperatorAdmin, ucx.Org{Kind: ucx.KindManufacturer, Name: "B", WMIs: []string{"LL9"}}, ucx.EINVALID, "wmis"},
			{"WMIs on an exporter", w.OperatorAdmin, ucx.Org{Kind: ucx.KindExporter, Name: "B", Region: "广东", WMIs: []string{"LZZ"}}, ucx.EINVALID, "wmis"},
			{"filing on a manufacturer", w.OperatorAdmin, ucx.Org{Kind: ucx.KindManufacturer, Name: "B", FilingNumber: "X"}, ucx.EINVALID, "filing_number"},
			{"bad standing", w.OperatorAdmin, ucx.Org{Kind: ucx.KindExporter, Name: "B", Region: "广东", Standing: "great"}, ucx.EINVALID, "standing"},
			{"outlet without address", w.OperatorAdmin, ucx.Org{Kind: ucx.KindManufacturer, Name: "B",
				Outlets: []*ucx.Outlet{{Country: "RU", Provider: "P"}}}, ucx.EINVALID, "address"},
		}
		orgs, wmis := count(t, db, "orgs"), count(t, db, "org_wmis")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o := tt.o
				err := db.CreateOrg(ctx, tt.p, &o)
				wantCode(t, err, tt.code)
				if tt.field != "" && ucx.ErrorField(err) != tt.field {
					t.Errorf("field = %q, want %q", ucx.ErrorField(err), tt.field)
				}
			})
		}
		if o, x := count(t, db, "orgs"), count(t, db, "org_wmis"); o != orgs || x != wmis {
			t.Errorf("refusals wrote rows: %d orgs, %d WMIs; want %d, %d", o, x, orgs, wmis)
		}
	})
}

func TestFindOrgs_ByKindByNameWithDetails(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		orgs, total, err := db.FindOrgs(ctx, w.ExpMember, ucx.OrgFilter{Kind: ucx.KindManufacturer})
		if err != nil || total != 2 || len(orgs) != 2 {
			t.Fatalf("manufacturers = %d of %d, %v; want 2", len(orgs), total, err)
		}
		for _, o := range orgs {
			if len(o.WMIs) != 1 || len(o.Outlets) == 0 {
				t.Errorf("%s listed without its WMIs or outlets: %+v", o.Name, o)
			}
		}
		all, total, err := db.FindOrgs(ctx, w.CustomsViewer, ucx.OrgFilter{Limit: 3})
		if err != nil || total != 7 || len(all) != 3 {
			t.Fatalf("page of orgs = %d of %d, %v; want 3 of 7", len(all), total, err)
		}
		if _, _, err := db.FindOrgs(ctx, nil, ucx.OrgFilter{}); ucx.ErrorCode(err) != ucx.EUNAUTHORIZED {
			t.Errorf("no principal: %v, want EUNAUTHORIZED", err)
		}
		if _, err := db.FindOrgByID(ctx, w.ExpMember, 9999); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Errorf("unknown org: %v, want ENOTFOUND", err)
		}
	})
}

func TestSetStanding(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		o, err := db.SetStanding(ctx, w.AuthMember, w.Exporter.ID, ucx.StandingWarned, "约谈: repeated data errors (R6)")
		if err != nil || o.Standing != ucx.StandingWarned {
			t.Fatalf("SetStanding = %+v, %v", o, err)
		}
		var found bool
		evs := lastEvents(t, db, 1)
		if e := evs[0]; e.Action == "org.set_standing" && e.Before == "normal" && e.After == "warned" && strings.Contains(e.Note, "约谈") &&
			e.ActorUserID == w.AuthMember.UserID && e.ActorOrgID == w.Authority.ID {
			found = true
		}
		if !found {
			t.Errorf("last event = %+v; want the standing change with its reason and actor", evs[0])
		}
		tests := []struct {
			name   string
			p      *ucx.Principal
			org    int64
			s      ucx.Standing
			reason string
			code   string
		}{
			{"viewer", w.AuthViewer, w.Exporter.ID, ucx.StandingSuspended, "r", ucx.EFORBIDDEN},
			{"customs", w.CustomsMember, w.Exporter.ID, ucx.StandingSuspended, "r", ucx.EFORBIDDEN},
			{"the exporter itself", w.ExpAdmin, w.Exporter.ID, ucx.StandingNormal, "r", ucx.EFORBIDDEN},
			{"a manufacturer target", w.AuthMember, w.Maker.ID, ucx.StandingSuspended, "r", ucx.ERULE},
			{"unknown org", w.AuthMember, 9999, ucx.StandingSuspended, "r", ucx.ENOTFOUND},
			{"no reason", w.AuthMember, w.Exporter.ID, ucx.StandingSuspended, " ", ucx.EINVALID},
			{"bad standing", w.AuthMember, w.Exporter.ID, "banned", "r", ucx.EINVALID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.SetStanding(ctx, tt.p, tt.org, tt.s, tt.reason)
				wantCode(t, err, tt.code)
			})
		}
		if o, _ := db.FindOrgByID(ctx, w.ExpMember, w.Exporter.ID); o.Standing != ucx.StandingWarned {
			t.Errorf("standing after refusals = %s, want warned", o.Standing)
		}
	})
}

func TestOutletsAndWMIs_OnlyTheManufacturersAdmin(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		makerAdmin := w.Users["maker.admin"]
		ot := &ucx.Outlet{Country: "uz", Provider: "Testa Tashkent", Address: "Amir Temur 15"}
		if err := db.AddOutlet(ctx, makerAdmin, ot); err != nil || ot.ID == 0 || ot.OrgID != w.Maker.ID {
			t.Fatalf("AddOutlet = %+v, %v", ot, err)
		}
		for _, tc := range []struct {
			p    *ucx.Principal
			ot   ucx.Outlet
			code string
		}{
			{w.MakerViewer, ucx.Outlet{Country: "RU", Provider: "P", Address: "A"}, ucx.EFORBIDDEN},
			{w.ExpAdmin, ucx.Outlet{Country: "RU", Provider: "P", Address: "A"}, ucx.EFORBIDDEN},
			{w.MakerMember, ucx.Outlet{Country: "RU", Provider: "P", Address: "A"}, ucx.EFORBIDDEN},
			{makerAdmin, ucx.Outlet{OrgID: w.Maker2.ID, Country: "RU", Provider: "P", Address: "A"}, ucx.EFORBIDDEN},
			{makerAdmin, ucx.Outlet{Country: "SU", Provider: "P", Address: "A"}, ucx.EINVALID},
			{w.OperatorAdmin, ucx.Outlet{OrgID: w.Exporter.ID, Country: "RU", Provider: "P", Address: "A"}, ucx.ERULE},
		} {
			ot := tc.ot
			wantCode(t, db.AddOutlet(ctx, tc.p, &ot), tc.code)
		}

		_, err := db.SetWMIs(ctx, w.MakerMember, w.Maker.ID, []string{"LM1", "LM3"})
		wantCode(t, err, ucx.EFORBIDDEN)
		o, err := db.SetWMIs(ctx, makerAdmin, w.Maker.ID, []string{"lm1", "LM3"})
		if err != nil || strings.Join(o.WMIs, ",") != "LM1,LM3" || len(o.PendingWMIs) != 0 {
			t.Fatalf("SetWMIs = %+v, %v", o, err)
		}
		_, err = db.SetWMIs(ctx, w.AuthMember, w.Maker.ID, []string{"LM9ABC"})
		wantCode(t, err, ucx.EFORBIDDEN)
		// LM3 now routes to the maker.
		if a := w.Create(t, w.ExpMember, w.Input("LM3", oldReg)); a.ManufacturerID != w.Maker.ID {
			t.Errorf("a VIN under the newly declared WMI routes to %d, want %d", a.ManufacturerID, w.Maker.ID)
		}
	})
}

// lastEvents returns the n newest audit events, newest first, read through
// the timeline-independent test hook.
func lastEvents(t testing.TB, db *sqlstore.DB, n int) []*ucx.Event {
	t.Helper()
	evs, err := sqlstore.LastEvents(context.Background(), db, n)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestFindOrgs_StandingOnlyForTheExporterAndAuthorities: a competitor,
// customs or a manufacturer the exporter never asked reading an exporter
// sees no standing (R8); the exporter itself, an authority and a
// manufacturer it asked for a letter (who asks) do, by id and in lists.
func TestFindOrgs_StandingOnlyForTheExporterAndAuthorities(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		if _, err := db.SetStanding(ctx, w.AuthMember, w.Exporter.ID, ucx.StandingRectification, "整改: repeated errors (R6)"); err != nil {
			t.Fatal(err)
		}
		w.Awaiting(t) // the exporter asks maker for a letter; maker2 is never asked
		for _, tc := range []struct {
			name string
			p    *ucx.Principal
			want ucx.Standing
		}{
			{"the exporter itself", w.ExpViewer, ucx.StandingRectification},
			{"an authority", w.AuthViewer, ucx.StandingRectification},
			{"a competitor", w.Exp2Member, ""},
			{"a manufacturer it asked for a letter", w.MakerViewer, ucx.StandingRectification},
			{"a manufacturer it never asked", w.Maker2Mem, ""},
			{"customs", w.CustomsMember, ""},
		} {
			o, err := db.FindOrgByID(ctx, tc.p, w.Exporter.ID)
			if err != nil || o.Standing != tc.want {
				t.Errorf("%s by id: standing %q, %v; want %q", tc.name, o.Standing, err, tc.want)
			}
			orgs, _, err := db.FindOrgs(ctx, tc.p, ucx.OrgFilter{Kind: ucx.KindExporter})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range orgs {
				if o.ID == w.Exporter.ID && o.Standing != tc.want {
					t.Errorf("%s in the list: standing %q, want %q", tc.name, o.Standing, tc.want)
				}
			}
		}
	})
}
