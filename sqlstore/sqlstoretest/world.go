package sqlstoretest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// TestNow is the store clock of every world: 10:00 in Beijing on 10 March
// 2026, after R1's regime start, so that the tests do not depend on the
// day they run.
var TestNow = time.Date(2026, 3, 10, 10, 0, 0, 0, ucx.ChinaTime)

// Today is TestNow's date. A car registered on RecentReg is 53 days old and
// needs a manufacturer letter (R1); one registered on OldReg is well past
// 180 days and does not.
var (
	Today     = ucx.DateOf(TestNow)
	RecentReg = ucx.MustDate(2026, 1, 16)
	OldReg    = ucx.MustDate(2025, 3, 1)
)

// Password is every world user's password.
const Password = "correct horse battery"

// OrgNames are the world's organisations, in the order NewWorld creates
// them; Roles are the roles each has a user of. Together they span the
// authorisation matrix.
var (
	OrgNames = []string{"operator", "authority", "customs", "exporter", "exporter2", "maker", "maker2"}
	Roles    = []ucx.Role{ucx.RoleAdmin, ucx.RoleMember, ucx.RoleViewer}
)

// MakerWMI and Maker2WMI are the two manufacturers' declared WMIs;
// UnknownWMI is declared by nobody.
const (
	MakerWMI   = "LM1"
	Maker2WMI  = "LM2"
	UnknownWMI = "LXX"
)

// World is the store-level fixture the store's, the API's and the UI's
// tests share: one organisation of every kind, two exporters and two
// manufacturers (each with declared WMIs and outlets), and a user of every
// role in each, as principals ready to call services with.
type World struct {
	DB                           *sqlstore.DB
	Orgs                         map[string]*ucx.Org       // "exporter", "maker2", …
	Users                        map[string]*ucx.Principal // "exporter.member", "maker2.viewer", …
	Operator, Authority, Customs *ucx.Org
	Exporter, Exporter2          *ucx.Org
	Maker, Maker2                *ucx.Org
	MakerRU, MakerKZ             int64 // outlet ids of maker
	// Register holds the manufacturer register entries of maker and
	// maker2, to which the operator bound them (R2: unbound, they could
	// not confirm).
	Register                            map[string]*ucx.RegisterEntry
	Maker2RU                            int64 // outlet id of maker2
	MakerWMI, Maker2WMI, UnknownWMI     string
	OperatorAdmin                       *ucx.Principal
	ExpAdmin, ExpMember, ExpViewer      *ucx.Principal
	Exp2Member                          *ucx.Principal
	MakerMember, MakerViewer, Maker2Mem *ucx.Principal
	AuthMember, AuthViewer              *ucx.Principal
	CustomsMember, CustomsViewer        *ucx.Principal
	serial                              int
}

// NewWorld builds the fixture in db, with db's clock at TestNow.
func NewWorld(t testing.TB, db *sqlstore.DB) *World {
	t.Helper()
	ctx := context.Background()
	db.Now = func() time.Time { return TestNow }
	w := &World{DB: db, Orgs: map[string]*ucx.Org{}, Users: map[string]*ucx.Principal{},
		MakerWMI: MakerWMI, Maker2WMI: Maker2WMI, UnknownWMI: UnknownWMI}
	defs := map[string]*ucx.Org{
		"operator":  {Kind: ucx.KindOperator, Name: "ucx 平台运营中心"},
		"authority": {Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"},
		"customs":   {Kind: ucx.KindCustoms, Name: "黄埔海关"},
		// Both exporters are registered in Guangdong outside Guangzhou,
		// which is its own jurisdiction (R14), so the authority above
		// sees their filings.
		"exporter": {Kind: ucx.KindExporter, Name: "东莞华运二手车出口有限公司", Region: "广东",
			FilingNumber: "GD-2025-0117", FilingExpires: Today.AddDays(200)},
		"exporter2": {Kind: ucx.KindExporter, Name: "深圳速达汽车贸易有限公司", Region: "广东",
			FilingNumber: "GD-2025-0342", FilingExpires: Today.AddDays(200)},
		"maker": {Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", NameEN: "Test Motor Co., Ltd.",
			Brands: []string{"Testa"}, WMIs: []string{MakerWMI},
			Outlets: []*ucx.Outlet{
				{Country: "RU", Provider: "Testa Rus Service", Address: "Leningradsky pr. 39, Moscow", Contact: "+7 495 000 0101"},
				{Country: "KZ", Provider: "Testa Almaty", Address: "Al-Farabi ave. 77, Almaty", Contact: "+7 727 000 0102"},
			}},
		"maker2": {Kind: ucx.KindManufacturer, Name: "另一汽车有限公司", Brands: []string{"Other"}, WMIs: []string{Maker2WMI},
			Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Other Rus", Address: "Tverskaya 1, Moscow"}}},
	}
	for _, name := range OrgNames {
		o := defs[name]
		for i, role := range Roles {
			u := &ucx.User{Username: name + "." + string(role), Role: role}
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, o, u, Password)
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, Password)
			}
			if err != nil {
				t.Fatalf("bootstrap %s: %v", u.Username, err)
			}
			w.Users[u.Username] = &ucx.Principal{UserID: u.ID, Username: u.Username, OrgID: o.ID, OrgKind: o.Kind, Role: role, Jurisdiction: o.Jurisdiction()}
		}
		w.Orgs[name] = o
	}
	w.Operator, w.Authority, w.Customs = w.Orgs["operator"], w.Orgs["authority"], w.Orgs["customs"]
	w.Exporter, w.Exporter2 = w.Orgs["exporter"], w.Orgs["exporter2"]
	w.Maker, w.Maker2 = w.Orgs["maker"], w.Orgs["maker2"]
	w.MakerRU, w.MakerKZ, w.Maker2RU = w.Maker.Outlets[0].ID, w.Maker.Outlets[1].ID, w.Maker2.Outlets[0].ID

	w.OperatorAdmin = w.Users["operator.admin"]
	w.ExpAdmin, w.ExpMember, w.ExpViewer = w.Users["exporter.admin"], w.Users["exporter.member"], w.Users["exporter.viewer"]
	w.Exp2Member = w.Users["exporter2.member"]
	w.MakerMember, w.MakerViewer, w.Maker2Mem = w.Users["maker.member"], w.Users["maker.viewer"], w.Users["maker2.member"]
	w.AuthMember, w.AuthViewer = w.Users["authority.member"], w.Users["authority.viewer"]
	w.CustomsMember, w.CustomsViewer = w.Users["customs.member"], w.Users["customs.viewer"]

	// The operator enters both manufacturers in the register and binds
	// them, as it must before they confirm (R2).
	w.Register = map[string]*ucx.RegisterEntry{}
	for _, name := range []string{"maker", "maker2"} {
		o := w.Orgs[name]
		e, err := db.AddRegisterEntry(ctx, w.OperatorAdmin, &ucx.RegisterEntryInput{Name: o.Name, Role: ucx.RegisterVehicleManufacturer,
			Source: RegisterSource, Batch: RegisterBatch})
		if err != nil {
			t.Fatalf("register entry of %s: %v", name, err)
		}
		if e, err = db.BindOrg(ctx, w.OperatorAdmin, e.ID, o.ID); err != nil {
			t.Fatalf("binding %s: %v", name, err)
		}
		w.Register[name], o.RegisterEntryID = e, e.ID
	}
	return w
}

// RegisterSource and RegisterBatch are the source and batch of the world's
// register entries.
const (
	RegisterSource = "工业和信息化部《道路机动车辆生产企业及产品公告》（测试）"
	RegisterBatch  = "第385批"
)

// BindManufacturer enters org (a manufacturer made outside NewWorld) in the
// manufacturer register as a vehicle manufacturer and binds it, as the
// system, so that it may confirm (R2).
func BindManufacturer(t testing.TB, db *sqlstore.DB, o *ucx.Org) *ucx.RegisterEntry {
	t.Helper()
	e, err := db.BootstrapRegisterEntry(context.Background(), &ucx.RegisterEntryInput{Name: o.Name, Role: ucx.RegisterVehicleManufacturer,
		Source: RegisterSource, Batch: RegisterBatch}, o.ID)
	if err != nil {
		t.Fatalf("binding %s to the register: %v", o.Name, err)
	}
	o.RegisterEntryID = e.ID
	return e
}

// VINFor returns a fresh VIN with a correct check digit under wmi.
func (w *World) VINFor(wmi string) string {
	w.serial++
	v := fmt.Sprintf("%sABCDE0S1%06d", wmi, w.serial)
	d, ok := vin.CheckDigit(v)
	if !ok {
		panic("VINFor: bad VIN " + v)
	}
	return v[:8] + string(d) + v[9:]
}

// Input is a complete, consistent application for a car of wmi registered
// on reg, going to Russia: certificate values equal, inspection held.
func (w *World) Input(wmi string, reg ucx.Date) *ucx.ApplicationInput {
	transfer := reg.AddDays(20)
	if transfer.After(Today) {
		transfer = Today
	}
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: w.VINFor(wmi), Brand: "Testa", Model: "T1 EV", Energy: ucx.EnergyElectric, BatteryKWh: 60,
			RegistrationDate: reg, TransferDate: transfer},
		Certificate:      ucx.CertificateValues{Brand: "Testa", Model: "T1 EV", RegistrationDate: reg, TransferDate: transfer},
		Destination:      "RU",
		Buyer:            "OOO Avto Import",
		ContractNumber:   "HY-2026-0042",
		InspectionReport: "CMA-2026-1234",
	}
}

// Create files in as p through the store and fails the test on error.
func (w *World) Create(t testing.TB, p *ucx.Principal, in *ucx.ApplicationInput) *ucx.Application {
	t.Helper()
	a, created, err := w.DB.CreateApplication(context.Background(), p, in, ucx.CreateOptions{})
	if err != nil || !created {
		t.Fatalf("CreateApplication: created=%v err=%v", created, err)
	}
	return a
}

// Awaiting returns a submitted application of exporter's for a car of
// maker's that waits for its letter, and the pending request, through the
// store.
func (w *World) Awaiting(t testing.TB) (*ucx.Application, *ucx.ConfirmationRequest) {
	t.Helper()
	ctx := context.Background()
	in := w.Input(w.MakerWMI, RecentReg)
	in.Submit = true
	a := w.Create(t, w.ExpMember, in)
	if a.State != ucx.StateAwaitingConfirmation {
		t.Fatalf("state = %s, want awaiting_confirmation (decision %+v)", a.State, a.Decision)
	}
	// The exporter's list is newest first: the request just made leads it.
	rs, _, err := w.DB.FindRequests(ctx, w.ExpMember, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 || rs[0].ApplicationID != a.ID {
		t.Fatalf("no pending request for application %d: %v", a.ID, rs)
	}
	r, err := w.DB.FindRequestByID(ctx, w.MakerMember, rs[0].ID)
	if err != nil {
		t.Fatalf("the manufacturer cannot read the request: %v", err)
	}
	return a, r
}

// UnderReview returns an application under review with an approved
// letter, through the store.
func (w *World) UnderReview(t testing.TB) *ucx.Application {
	t.Helper()
	ctx := context.Background()
	a, r := w.Awaiting(t)
	if _, err := w.DB.ApproveRequest(ctx, w.MakerMember, r.ID, r.Version, []int64{w.MakerRU}); err != nil {
		t.Fatalf("ApproveRequest: %v", err)
	}
	a, err := w.DB.FindApplicationByID(ctx, w.ExpMember, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != ucx.StateUnderReview {
		t.Fatalf("state after approval = %s, want under_review", a.State)
	}
	return a
}

// Licensed returns a licence issued through the store for a fresh
// application.
func (w *World) Licensed(t testing.TB) *ucx.Licence {
	t.Helper()
	a := w.UnderReview(t)
	l, err := w.DB.IssueLicence(context.Background(), w.AuthMember, a.ID, a.Version)
	if err != nil {
		t.Fatalf("IssueLicence: %v", err)
	}
	return l
}

// Cleared returns a shipment of n cars of maker's registered on OldReg (no
// letter needed, R1), filed by exporter's member, licensed by the
// authority and cleared by customs today, and its licence: the vehicles'
// deregistration falls due two months later (R16).
func (w *World) Cleared(t testing.TB, n int) (*ucx.Shipment, *ucx.Licence) {
	t.Helper()
	ctx := context.Background()
	in := &ucx.ShipmentInput{Destination: "RU", Buyer: "OOO Avto Import", ContractNumber: "HY-2026-0600", AfterSalesTerms: "12 个月保修", Submit: true}
	for range n {
		v := w.Input(w.MakerWMI, OldReg)
		v.Destination, v.Buyer, v.ContractNumber = "", "", ""
		in.Vehicles = append(in.Vehicles, *v)
	}
	s, _, err := w.DB.CreateShipment(ctx, w.ExpMember, in, ucx.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateShipment: %v", err)
	}
	l, err := w.DB.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version)
	if err != nil {
		t.Fatalf("IssueShipmentLicence: %v", err)
	}
	if l, err = w.DB.RecordClearance(ctx, w.CustomsMember, l.ID, "霍尔果斯", fmt.Sprintf("5316%014d", l.ID)); err != nil {
		t.Fatalf("RecordClearance: %v", err)
	}
	if s, err = w.DB.FindShipmentByID(ctx, w.ExpMember, s.ID); err != nil {
		t.Fatal(err)
	}
	return s, l
}
