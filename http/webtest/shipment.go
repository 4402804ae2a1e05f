package webtest

import (
	"context"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sqlstore/sqlstoretest"
)

// Maker3WMI is the WMI of the third manufacturer AddMaker3 adds, for the
// shipment of cars from three manufacturers (R4: three letters).
const Maker3WMI = "LM3"

// AddMaker3 adds a third manufacturer to the world ("maker3", with users
// maker3.admin and maker3.member, a Russian outlet and a custodial key)
// and returns its outlet id. Its users are in w.Users, w.Clients and
// w.Tokens like the others'.
func (w *World) AddMaker3() int64 {
	w.T.Helper()
	ctx := context.Background()
	o := &ucx.Org{Kind: ucx.KindManufacturer, Name: "第三汽车制造有限公司", NameEN: "Third Motor Co., Ltd.",
		Brands: []string{"Tertia"}, WMIs: []string{Maker3WMI},
		Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Tertia Rus", Address: "Prospekt Mira 3, Moscow", Contact: "+7 495 000 0303"}}}
	for i, role := range []ucx.Role{ucx.RoleAdmin, ucx.RoleMember} {
		u := &ucx.User{Username: "maker3." + string(role), Role: role}
		var err error
		if i == 0 {
			err = w.DB.Bootstrap(ctx, o, u, Password)
		} else {
			u.OrgID = o.ID
			err = w.DB.Bootstrap(ctx, nil, u, Password)
		}
		if err != nil {
			w.T.Fatalf("bootstrap %s: %v", u.Username, err)
		}
		c := client.New(w.TS.URL, "")
		p, err := c.Authenticate(ctx, u.Username, Password)
		if err != nil {
			w.T.Fatalf("login %s: %v", u.Username, err)
		}
		w.Users[u.Username], w.Clients[u.Username], w.Tokens[u.Username] = p, c, c.Token()
	}
	w.Orgs["maker3"] = o
	sqlstoretest.BindManufacturer(w.T, w.DB, o) // R2: bound to its register entry, it confirms
	if _, err := w.DB.CreateCustodialKey(ctx, w.Users["maker3.admin"], "", time.Time{}); err != nil {
		w.T.Fatalf("custodial key of maker3: %v", err)
	}
	return o.Outlets[0].ID
}

// ShipmentInput is a shipment to Russia of n cars per WMI given (in that
// order), each registered on reg, complete and consistent like Input's;
// the vehicles' own contract fields are left to the shipment's.
func (w *World) ShipmentInput(reg ucx.Date, counts map[string]int, order ...string) *ucx.ShipmentInput {
	in := &ucx.ShipmentInput{Destination: "RU", Buyer: "OOO Avto Import", ContractNumber: "HY-2026-0500",
		AfterSalesTerms: "制造商海外网点保修 12 个月"}
	for _, wmi := range order {
		for i := 0; i < counts[wmi]; i++ {
			v := w.Input(wmi, reg)
			v.Destination, v.Buyer, v.ContractNumber = "", "", ""
			in.Vehicles = append(in.Vehicles, *v)
		}
	}
	return in
}
