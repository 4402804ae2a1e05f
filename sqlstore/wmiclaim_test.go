package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestSetWMIs_AnotherMakersWMIWaitsForTheOperator (R2): a manufacturer's
// admin declaring a WMI that the built-in table gives to another maker
// (LRW, Tesla Shanghai) or that another manufacturer declared gets a
// pending claim, not the cars: their VINs keep routing where they did
// until the operator confirms; the operator lists, confirms and refuses
// (with a note); every step is in the claimant's audit trail.
func TestSetWMIs_AnotherMakersWMIWaitsForTheOperator(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		tesla := &ucx.Org{Kind: ucx.KindManufacturer, Name: "特斯拉（上海）有限公司", NameEN: "Tesla (Shanghai) Co., Ltd.", Brands: []string{"Tesla"}}
		if err := db.Bootstrap(ctx, tesla, nil, ""); err != nil {
			t.Fatal(err)
		}
		makerAdmin, maker2Admin := w.Users["maker.admin"], w.Users["maker2.admin"]
		routes := func(wmi string) int64 {
			t.Helper()
			return w.Create(t, w.ExpMember, w.Input(wmi, oldReg)).ManufacturerID
		}
		if got := routes("LRW"); got != tesla.ID {
			t.Fatalf("LRW routes to %d before any claim, want Tesla %d", got, tesla.ID)
		}

		o, err := db.SetWMIs(ctx, makerAdmin, w.Maker.ID, []string{"LM1", "LRW"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(o.WMIs, ",") != "LM1" || strings.Join(o.PendingWMIs, ",") != "LRW" {
			t.Fatalf("after claiming LRW: wmis %v pending %v, want LM1 and pending LRW", o.WMIs, o.PendingWMIs)
		}
		if got := routes("LRW"); got != tesla.ID {
			t.Fatalf("LRW routes to %d while the claim is pending, want still Tesla %d", got, tesla.ID)
		}
		o, err = db.SetWMIs(ctx, maker2Admin, w.Maker2.ID, []string{w.Maker2WMI, "LM1"})
		if err != nil || strings.Join(o.PendingWMIs, ",") != "LM1" {
			t.Fatalf("maker2 claiming maker's LM1: %+v %v", o, err)
		}
		if got := routes("LM1"); got != w.Maker.ID {
			t.Fatalf("LM1 routes to %d after maker2's claim, want still maker %d", got, w.Maker.ID)
		}

		_, err = db.WMIClaims(ctx, w.MakerMember)
		wantCode(t, err, ucx.EFORBIDDEN)
		claims, err := db.WMIClaims(ctx, w.Users["operator.member"])
		if err != nil || len(claims) != 2 {
			t.Fatalf("claims: %+v %v, want 2", claims, err)
		}
		lrw, lm1 := claims[0], claims[1]
		if lrw.WMI != "LRW" || lrw.OrgID != w.Maker.ID || !strings.Contains(lrw.Holder, "Tesla") || lm1.WMI != "LM1" || lm1.Holder != w.Maker.Name {
			t.Fatalf("claims %+v %+v", lrw, lm1)
		}
		_, err = db.DecideWMIClaim(ctx, w.Users["operator.member"], lrw.ID, true, "")
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.DecideWMIClaim(ctx, makerAdmin, lrw.ID, true, "")
		wantCode(t, err, ucx.EFORBIDDEN)
		_, err = db.DecideWMIClaim(ctx, w.OperatorAdmin, lm1.ID, false, " ")
		wantField(t, err, "note")
		_, err = db.DecideWMIClaim(ctx, w.OperatorAdmin, 424242, true, "")
		wantCode(t, err, ucx.ENOTFOUND)

		c, err := db.DecideWMIClaim(ctx, w.OperatorAdmin, lrw.ID, true, "contract manufacturing agreement seen")
		if err != nil || c.State != "confirmed" {
			t.Fatalf("confirm: %+v %v", c, err)
		}
		if got := routes("LRW"); got != w.Maker.ID {
			t.Fatalf("LRW routes to %d after the confirmation, want maker %d", got, w.Maker.ID)
		}
		c, err = db.DecideWMIClaim(ctx, w.OperatorAdmin, lm1.ID, false, "LM1 is the other maker's")
		if err != nil || c.State != "refused" {
			t.Fatalf("refuse: %+v %v", c, err)
		}
		if got := routes("LM1"); got != w.Maker.ID {
			t.Fatalf("LM1 routes to %d after the refusal, want maker %d", got, w.Maker.ID)
		}
		if o, _ := db.FindOrgByID(ctx, maker2Admin, w.Maker2.ID); len(o.PendingWMIs) != 0 {
			t.Errorf("maker2's pending after the refusal: %v", o.PendingWMIs)
		}
		if cs, _ := db.WMIClaims(ctx, w.OperatorAdmin); len(cs) != 0 {
			t.Errorf("claims left after both decisions: %+v", cs)
		}
		// Confirmed once, declared again without a new claim.
		if o, err := db.SetWMIs(ctx, makerAdmin, w.Maker.ID, []string{"LRW", "LM1"}); err != nil || len(o.PendingWMIs) != 0 || len(o.WMIs) != 2 {
			t.Fatalf("re-declaring a confirmed WMI: %+v %v", o, err)
		}

		for _, tt := range []struct {
			p       *ucx.Principal
			org     int64
			actions []string
		}{
			{makerAdmin, w.Maker.ID, []string{"wmi.claim", "wmi.confirm"}},
			{maker2Admin, w.Maker2.ID, []string{"wmi.claim", "wmi.refuse"}},
		} {
			evs, _, err := db.OrgEvents(ctx, tt.p, tt.org, ucx.EventFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tt.actions {
				found := false
				for _, e := range evs {
					found = found || e.Action == a
				}
				if !found {
					t.Errorf("org %d's audit trail lacks %s", tt.org, a)
				}
			}
		}
	})
}
