// Package demo seeds a small, believable world for `ucx serve --demo`: a
// licensing authority, a customs office, three manufacturers with their
// brands, WMIs and overseas outlets, the manufacturer register they are
// bound to (R2) with a sales subsidiary that it refuses letters, two
// exporters, users of every role with API tokens, and a few dozen
// applications in every workflow state.
//
// Passwords and tokens are generated at run time (nothing secret is in the
// repository); the generator is otherwise deterministic for a given seed.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

// Credential is one demo login: what `--demo-credentials` writes for
// scripts.
type Credential struct {
	Organisation string      `json:"organisation"`
	OrgID        int64       `json:"org_id"`
	Kind         ucx.OrgKind `json:"kind"`
	Role         ucx.Role    `json:"role"`
	Username     string      `json:"username"`
	Password     string      `json:"password"`
	Token        string      `json:"token"`
}

// World is what Seed made.
type World struct {
	Credentials  []Credential `json:"credentials"`
	Applications int          `json:"applications"`
}

// Login returns the credential of username.
func (w *World) Login(username string) (Credential, bool) {
	for _, c := range w.Credentials {
		if c.Username == username {
			return c, true
		}
	}
	return Credential{}, false
}

type orgSpec struct {
	org   ucx.Org
	users []userSpec
}

type userSpec struct {
	username, display string
	role              ucx.Role
}

func outlets(specs ...[4]string) []*ucx.Outlet {
	var out []*ucx.Outlet
	for _, s := range specs {
		out = append(out, &ucx.Outlet{Country: s[0], Provider: s[1], Address: s[2], Contact: s[3]})
	}
	return out
}

// orgs is the demo world. Names are the manufacturers' legal names as they
// appear in MIIT announcements (R2); outlets are illustrative.
func orgs(today ucx.Date) []orgSpec {
	return []orgSpec{
		{ucx.Org{Kind: ucx.KindOperator, Name: "ucx 平台运营中心", NameEN: "ucx platform operations"},
			[]userSpec{{"operator", "平台管理员", ucx.RoleAdmin}}},
		{ucx.Org{Kind: ucx.KindAuthority, Name: "广东省商务厅", NameEN: "Department of Commerce of Guangdong Province", Region: "广东"},
			[]userSpec{{"gd-licensing", "许可证科 王敏", ucx.RoleMember}, {"gd-admin", "广东商务厅管理员", ucx.RoleAdmin}}},
		// A second jurisdiction (R14): Shanghai's commission sees and
		// issues only its own exporter's applications, Guangdong's only
		// the Guangdong ones.
		{ucx.Org{Kind: ucx.KindAuthority, Name: "上海市商务委员会", NameEN: "Shanghai Municipal Commission of Commerce", Region: "上海"},
			[]userSpec{{"sh-licensing", "许可证处 刘洋", ucx.RoleMember}, {"sh-admin", "上海商务委管理员", ucx.RoleAdmin}}},
		{ucx.Org{Kind: ucx.KindCustoms, Name: "黄埔海关", NameEN: "Huangpu Customs", Region: "广东"},
			[]userSpec{{"huangpu-customs", "关员 陈立", ucx.RoleMember}}},
		{ucx.Org{Kind: ucx.KindManufacturer, Name: "比亚迪汽车工业有限公司", NameEN: "BYD Auto Industry Co., Ltd.",
			Brands: []string{"比亚迪", "BYD"}, WMIs: []string{"LGX", "LC0"},
			Outlets: outlets(
				[4]string{"RU", "BYD Auto Rus LLC", "Leningradsky pr. 39, Moscow", "+7 495 000 0101"},
				[4]string{"KZ", "BYD Almaty Service", "Al-Farabi ave. 77, Almaty", "+7 727 000 0102"},
				[4]string{"AE", "BYD Service Dubai", "Sheikh Zayed Rd, Dubai", "+971 4 000 0103"},
				[4]string{"UZ", "BYD Tashkent Service", "Amir Temur 15, Tashkent", "+998 71 000 0104"})},
			[]userSpec{{"byd-compliance", "比亚迪合规部 李娜", ucx.RoleMember}, {"byd-admin", "比亚迪管理员", ucx.RoleAdmin}, {"byd-viewer", "比亚迪审计", ucx.RoleViewer}}},
		{ucx.Org{Kind: ucx.KindManufacturer, Name: "奇瑞汽车股份有限公司", NameEN: "Chery Automobile Co., Ltd.",
			Brands: []string{"奇瑞", "Chery"}, WMIs: []string{"LVV"},
			Outlets: outlets(
				[4]string{"RU", "Chery Rus Service", "Kashirskoe sh. 61, Moscow", "+7 495 000 0201"},
				[4]string{"KZ", "Chery Astana Service", "Kabanbay Batyr 12, Astana", "+7 717 000 0202"})},
			[]userSpec{{"chery-compliance", "奇瑞合规部 赵强", ucx.RoleMember}, {"chery-admin", "奇瑞管理员", ucx.RoleAdmin}}},
		{ucx.Org{Kind: ucx.KindManufacturer, Name: "浙江吉利汽车有限公司", NameEN: "Zhejiang Geely Automobile Co., Ltd.",
			Brands: []string{"吉利", "Geely"}, WMIs: []string{"L6T", "LB3"},
			Outlets: outlets(
				[4]string{"RU", "Geely Motors Service", "Volgogradsky pr. 43, Moscow", "+7 495 000 0301"},
				[4]string{"AE", "Geely Gulf Service", "Al Quoz 3, Dubai", "+971 4 000 0302"})},
			[]userSpec{{"geely-compliance", "吉利合规部 孙悦", ucx.RoleMember}, {"geely-admin", "吉利管理员", ucx.RoleAdmin}}},
		// A sales subsidiary presenting itself as a manufacturer: the
		// register records it as what it is, and its approvals are refused
		// (R2 sharpened: the Guidelines exclude sales subsidiaries).
		{ucx.Org{Kind: ucx.KindManufacturer, Name: "比亚迪汽车销售有限公司", NameEN: "BYD Auto Sales Co., Ltd.",
			Brands:  []string{"比亚迪"},
			Outlets: outlets([4]string{"RU", "BYD Sales Rus", "Leningradsky pr. 39, Moscow", "+7 495 000 0109"})},
			[]userSpec{{"byd-sales", "比亚迪销售公司 刘洋", ucx.RoleMember}}},
		// The Guangdong exporters are registered outside Guangzhou, whose
		// own department would issue for a Guangzhou exporter (R14).
		{ucx.Org{Kind: ucx.KindExporter, Name: "东莞华运二手车出口有限公司", NameEN: "Dongguan Huayun Used Car Export Co., Ltd.",
			Region: "广东", FilingNumber: "GD-2025-0117", FilingExpires: today.AddDays(200), Standing: ucx.StandingNormal},
			[]userSpec{{"huayun-export", "华运出口部 周杰", ucx.RoleMember}, {"huayun-admin", "华运管理员", ucx.RoleAdmin}}},
		{ucx.Org{Kind: ucx.KindExporter, Name: "深圳前海速达汽车贸易有限公司", NameEN: "Shenzhen Qianhai Suda Auto Trading Co., Ltd.",
			Region: "广东", FilingNumber: "GD-2025-0342", FilingExpires: today.AddDays(45), Standing: ucx.StandingWarned},
			[]userSpec{{"suda-export", "速达出口部 吴倩", ucx.RoleMember}}},
		{ucx.Org{Kind: ucx.KindExporter, Name: "上海浦江二手车出口有限公司", NameEN: "Shanghai Pujiang Used Car Export Co., Ltd.",
			Region: "上海", FilingNumber: "SH-2025-0056", FilingExpires: today.AddDays(260), Standing: ucx.StandingNormal},
			[]userSpec{{"pujiang-export", "浦江出口部 钱程", ucx.RoleMember}}},
	}
}

// Seed creates the demo world in an empty store. seed makes the
// applications deterministic.
func Seed(ctx context.Context, db *sqlstore.DB, seed uint64) (*World, error) {
	today := ucx.DateOf(db.Now())
	w := &World{}
	principals := map[string]*ucx.Principal{}
	orgIDs := map[string]int64{}
	for _, spec := range orgs(today) {
		o := spec.org
		for i, us := range spec.users {
			u := &ucx.User{Username: us.username, DisplayName: us.display, Role: us.role}
			pw := password()
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, &o, u, pw)
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, pw)
			}
			if err != nil {
				return nil, fmt.Errorf("demo: creating %s: %w", us.username, err)
			}
			p, err := db.Authenticate(ctx, us.username, pw)
			if err != nil {
				return nil, fmt.Errorf("demo: signing in %s: %w", us.username, err)
			}
			token, _, err := db.CreateToken(ctx, p, "demo")
			if err != nil {
				return nil, fmt.Errorf("demo: token for %s: %w", us.username, err)
			}
			principals[us.username] = p
			w.Credentials = append(w.Credentials, Credential{Organisation: o.Name, OrgID: o.ID, Kind: o.Kind, Role: us.role,
				Username: us.username, Password: pw, Token: token})
		}
		orgIDs[o.Name] = o.ID
	}
	if err := seedRegister(ctx, db, principals["operator"], orgIDs); err != nil {
		return nil, err
	}
	// Every manufacturer and the authority get a custodial sealing key, so
	// the demo's confirmations and licences are sealed documents (R3, R14)
	// that verify; real organisations would register their own keys.
	if db.Sealing() {
		for _, p := range principals {
			if p.Role == ucx.RoleAdmin && (p.OrgKind == ucx.KindManufacturer || p.OrgKind == ucx.KindAuthority) {
				if _, err := db.CreateCustodialKey(ctx, p, "", time.Time{}); err != nil {
					return nil, fmt.Errorf("demo: sealing key for %s: %w", p.Username, err)
				}
			}
		}
	}
	n, err := seedApplications(ctx, db, principals, today, mrand.New(mrand.NewPCG(seed, 648)))
	if err != nil {
		return nil, err
	}
	m, err := seedShipments(ctx, db, principals, today, mrand.New(mrand.NewPCG(seed, 649)))
	if err != nil {
		return nil, err
	}
	w.Applications = n + m
	if _, err := seedHistory(ctx, db, principals, today, seed); err != nil { // a year of figures (history.go)
		return nil, err
	}
	if err := seedDeregistrations(ctx, db, principals, today); err != nil {
		return nil, err
	}
	return w, nil
}

// seedDeregistrations shows R16 at every stage for the first exporter:
// of the batch cleared today (HT-2026-B004) four vehicles are recorded
// deregistered and two are still due; of three single cars it cleared
// about a hundred days ago (written as history, since the workflow cannot
// act in the past), one was deregistered in time, one late and one not
// at all: that one is overdue, in the authority's list and the
// exporter's, and the sweep has recorded its credit event (R8).
func seedDeregistrations(ctx context.Context, db *sqlstore.DB, ps map[string]*ucx.Principal, today ucx.Date) error {
	exporter, authority := ps["huayun-export"], ps["gd-licensing"]
	cleared, _, err := db.FindDeregistrations(ctx, exporter, ucx.DeregistrationFilter{Limit: 100})
	if err != nil {
		return fmt.Errorf("demo: deregistrations: %w", err)
	}
	per := map[int64]int{} // cleared vehicles by shipment: the batch is the largest
	batch := int64(0)
	for _, v := range cleared {
		if per[v.ShipmentID]++; per[v.ShipmentID] > per[batch] {
			batch = v.ShipmentID
		}
	}
	recorded := 0
	for _, v := range cleared {
		if v.ShipmentID != batch || recorded == 4 {
			continue
		}
		ref := fmt.Sprintf("粤A注销%s%04d", today.Time().Format("20060102"), v.ApplicationID%10000)
		if _, err := db.RecordDeregistration(ctx, exporter, v.ApplicationID, ucx.DeregistrationInput{DeregisteredOn: today, Reference: ref}); err != nil {
			return fmt.Errorf("demo: deregistering %s: %w", v.VIN, err)
		}
		recorded++
	}

	filed := today.AddDays(-110)
	clearedOn := filed.AddDays(10)
	var past []sqlstore.HistoryApplication
	for i, wmi := range []string{"LGX", "L6T", "LVV"} {
		km := 120 + 40*i
		past = append(past, sqlstore.HistoryApplication{ExporterID: exporter.OrgID, AuthorityID: authority.OrgID,
			VIN: historyVIN(wmi, 900001+i), Brand: brands[wmi], Model: models[wmi][0], Destination: "KZ",
			Registered: filed.AddDays(-400), Filed: filed, MileageKM: &km, State: ucx.StateCleared,
			LicensedOn: filed.AddDays(3), ClearedOn: clearedOn})
	}
	if err := db.LoadHistory(ctx, past, 10); err != nil {
		return fmt.Errorf("demo: past clearances: %w", err)
	}
	overdue, _, err := db.FindDeregistrations(ctx, exporter, ucx.DeregistrationFilter{Overdue: true, Limit: 10})
	if err != nil || len(overdue) != 3 {
		return fmt.Errorf("demo: %d past clearances overdue (%v), want 3", len(overdue), err)
	}
	for i, on := range []ucx.Date{clearedOn.AddDays(25), today.AddDays(-5)} { // in time, late
		ref := fmt.Sprintf("粤A注销%s%04d", on.Time().Format("20060102"), i+1)
		if _, err := db.RecordDeregistration(ctx, exporter, overdue[i].ApplicationID, ucx.DeregistrationInput{DeregisteredOn: on, Reference: ref}); err != nil {
			return fmt.Errorf("demo: deregistering %s: %w", overdue[i].VIN, err)
		}
	}
	if _, err := db.AnnounceOverdue(ctx); err != nil { // what ucx serve's sweep does
		return fmt.Errorf("demo: overdue sweep: %w", err)
	}
	return nil
}

// register is the demo's manufacturer register (R2): entries as MIIT's
// 道路机动车辆生产企业公告 names the entities, with the batch they were
// read from; bind says whether the operator binds the demo organisation
// of that name to it (false: a maker not on the platform).
var register = []struct {
	entry ucx.RegisterEntryInput
	bind  bool
}{
	{ucx.RegisterEntryInput{Name: "比亚迪汽车工业有限公司", Role: ucx.RegisterVehicleManufacturer, Batch: "第361批",
		Source: "工业和信息化部公告 道路机动车辆生产企业及产品（第361批）"}, true},
	{ucx.RegisterEntryInput{Name: "奇瑞汽车股份有限公司", Role: ucx.RegisterVehicleManufacturer, Batch: "第358批",
		Source: "工业和信息化部公告 道路机动车辆生产企业及产品（第358批）"}, true},
	{ucx.RegisterEntryInput{Name: "浙江吉利汽车有限公司", Role: ucx.RegisterVehicleManufacturer, Batch: "第360批",
		Source: "工业和信息化部公告 道路机动车辆生产企业及产品（第360批）"}, true},
	{ucx.RegisterEntryInput{Name: "长城汽车股份有限公司", Role: ucx.RegisterVehicleManufacturer, Batch: "第359批",
		Source: "工业和信息化部公告 道路机动车辆生产企业及产品（第359批）"}, false},
	{ucx.RegisterEntryInput{Name: "上汽通用五菱汽车股份有限公司", Role: ucx.RegisterVehicleManufacturer, Batch: "第362批",
		Source: "工业和信息化部公告 道路机动车辆生产企业及产品（第362批）"}, false},
	{ucx.RegisterEntryInput{Name: "比亚迪汽车销售有限公司", Role: ucx.RegisterSalesSubsidiary, Batch: "—",
		Source: "比亚迪股份有限公司年度报告：全资销售子公司，不在《道路机动车辆生产企业公告》中",
		Note:   "sales subsidiary of BYD; may not issue confirmation letters (R2, the Guidelines)"}, true},
}

// seedRegister has the operator enter the register and bind the demo's
// manufacturers to their entries, the sales subsidiary included (it is
// then refused as one).
func seedRegister(ctx context.Context, db *sqlstore.DB, op *ucx.Principal, orgIDs map[string]int64) error {
	for _, r := range register {
		in := r.entry
		e, err := db.AddRegisterEntry(ctx, op, &in)
		if err != nil {
			return fmt.Errorf("demo: register entry %s: %w", in.Name, err)
		}
		if !r.bind {
			continue
		}
		if _, err := db.BindOrg(ctx, op, e.ID, orgIDs[in.Name]); err != nil {
			return fmt.Errorf("demo: binding %s: %w", in.Name, err)
		}
	}
	return nil
}

// models are the demo's cars by WMI.
var models = map[string][]string{
	"LGX": {"Seal", "Song PLUS DM-i", "Atto 3", "Han EV", "Dolphin"},
	"LVV": {"Tiggo 7 Pro", "Tiggo 8 Pro", "Arrizo 8"},
	"L6T": {"Monjaro", "Coolray", "Emgrand"},
}

var brands = map[string]string{"LGX": "BYD", "LVV": "Chery", "L6T": "Geely"}

// plan is what happens to one demo application after filing.
type plan int

const (
	planDraft plan = iota
	planSubmitted
	planApproved
	planRequestRefused
	planLicensed
	planLicenceRefused
	planCleared
	planWithdrawn
)

func seedApplications(ctx context.Context, db *sqlstore.DB, ps map[string]*ucx.Principal, today ucx.Date, r *mrand.Rand) (int, error) {
	// The first 48 are the Guangdong exporters', decided by Guangdong's
	// authority; the last 8, one at every stage, the Shanghai exporter's,
	// decided by Shanghai's (R14).
	exporters := []string{"huayun-export", "suda-export"}
	makers := map[string]string{"LGX": "byd-compliance", "LVV": "chery-compliance", "L6T": "geely-compliance"}
	wmis := []string{"LGX", "LVV", "L6T"}
	dests := []string{"RU", "KZ", "AE", "UZ", "RU", "RU", "KZ"}
	count := 0
	for i := 0; i < 56; i++ {
		wmi := wmis[i%len(wmis)]
		near := i%3 != 2 // two in three are near-new and need a letter (R1)
		age := 30 + r.IntN(140)
		if !near {
			age = 200 + r.IntN(400)
		}
		reg := today.AddDays(-age)
		mileage := 20 + r.IntN(300)
		if !near {
			mileage = 8000 + r.IntN(60000)
		}
		model := models[wmi][r.IntN(len(models[wmi]))]
		dest := dests[r.IntN(len(dests))]
		if wmi == "LVV" && dest != "RU" && dest != "KZ" {
			dest = "KZ"
		}
		if wmi == "L6T" && dest != "RU" && dest != "AE" {
			dest = "RU"
		}
		in := &ucx.ApplicationInput{
			Vehicle: ucx.VehicleDetails{
				VIN: makeVIN(wmi, r), Brand: brands[wmi], Model: model, Energy: ucx.EnergyElectric, BatteryKWh: 60.5,
				Colour: "white", Seats: 5, ManufactureDate: reg.AddDays(-20), EmissionStandard: "国六",
				RegistrationDate: reg, TransferDate: reg.AddDays(age / 2), MileageKM: &mileage,
			},
			Certificate: ucx.CertificateValues{Brand: brands[wmi], Model: model, RegistrationDate: reg, TransferDate: reg.AddDays(age / 2)},
			Destination: dest, Buyer: "OOO Avto Import " + fmt.Sprint(i%5+1), ContractNumber: fmt.Sprintf("HT-2026-%04d", i+1),
			InspectionReport: fmt.Sprintf("CMA-%06d", 100000+i),
			Submit:           i%8 != 0,
		}
		if wmi == "LVV" {
			in.Vehicle.Energy, in.Vehicle.BatteryKWh = ucx.EnergyPetrol, 0
		}
		exp, authority := ps[exporters[i%len(exporters)]], ps["gd-licensing"]
		if i >= 48 {
			exp, authority = ps["pujiang-export"], ps["sh-licensing"]
		}
		app, _, err := db.CreateApplication(ctx, exp, in, ucx.CreateOptions{})
		if err != nil {
			return count, fmt.Errorf("demo: filing application %d: %w", i, err)
		}
		count++
		p := plan(i % 8)
		if err := advance(ctx, db, ps, authority, makers[wmi], app, p); err != nil {
			return count, fmt.Errorf("demo: advancing application %d (%s): %w", i, app.Vehicle.VIN, err)
		}
	}
	return count, nil
}

// advance walks an application through the workflow according to p,
// authority being the one of the exporter's jurisdiction (R14).
func advance(ctx context.Context, db *sqlstore.DB, ps map[string]*ucx.Principal, authority *ucx.Principal, maker string, app *ucx.Application, p plan) error {
	customs, mfr := ps["huangpu-customs"], ps[maker]
	if p == planDraft || p == planSubmitted {
		return nil
	}
	if p == planWithdrawn {
		_, err := db.WithdrawApplication(ctx, ps[exporterOf(ps, app)], app.ID, app.Version)
		return err
	}
	if app.State == ucx.StateAwaitingConfirmation {
		reqs, _, err := db.FindRequests(ctx, mfr, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 500})
		if err != nil {
			return err
		}
		for _, rq := range reqs {
			if rq.ApplicationID != app.ID {
				continue
			}
			if p == planRequestRefused {
				_, err = db.RefuseRequest(ctx, mfr, rq.ID, rq.Version, "no_service_network", "本品牌在该国暂无授权服务网点")
				return err
			}
			org, err := db.FindOrgByID(ctx, mfr, rq.ManufacturerID)
			if err != nil {
				return err
			}
			var ids []int64
			for _, ot := range org.OutletsIn(app.Destination) {
				ids = append(ids, ot.ID)
			}
			if _, err = db.ApproveRequest(ctx, mfr, rq.ID, rq.Version, ids); err != nil {
				return err
			}
		}
	} else if p == planRequestRefused {
		return nil
	}
	if p == planApproved {
		return nil
	}
	cur, err := db.FindApplicationByID(ctx, authority, app.ID)
	if err != nil {
		return err
	}
	if p == planLicenceRefused {
		_, err = db.RefuseLicence(ctx, authority, cur.ID, cur.Version, "data_mismatch", "登记证书转让日期与申请不一致，请核对后重新申请")
		return err
	}
	lic, err := db.IssueLicence(ctx, authority, cur.ID, cur.Version)
	if err != nil {
		return err
	}
	if p == planCleared {
		_, err = db.RecordClearance(ctx, customs, lic.ID, "黄埔新港", fmt.Sprintf("5201%014d", lic.ID))
	}
	return err
}

// shipmentPlan is one demo shipment: its cars by WMI, where they go, and
// how far it gets: 0 a draft, 1 submitted (letters pending), 2 letters
// answered with refusals of refuse VINs of the first maker, 3 licensed,
// 4 cleared.
type shipmentPlan struct {
	contract, dest string
	cars           []string // WMIs, in filing order
	stage          int
	refuse         int
}

// seedShipments files the demo's batches (一批一证, R4) for the first
// exporter: multi-manufacturer shipments at every stage, so that each
// manufacturer has a letter of several VINs in its inbox, the authority a
// shipment under review and customs a batch licence to clear. It returns
// how many vehicles it filed.
func seedShipments(ctx context.Context, db *sqlstore.DB, ps map[string]*ucx.Principal, today ucx.Date, r *mrand.Rand) (int, error) {
	rep := func(wmi string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = wmi
		}
		return out
	}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	plans := []shipmentPlan{
		{"HT-2026-B001", "RU", join(rep("LGX", 6), rep("LVV", 4), rep("L6T", 2)), 1, 0},
		{"HT-2026-B002", "KZ", join(rep("LGX", 4), rep("LVV", 4)), 2, 1},
		{"HT-2026-B003", "RU", join(rep("LGX", 8), rep("LVV", 6), rep("L6T", 6)), 2, 2},
		{"HT-2026-B004", "RU", join(rep("LGX", 3), rep("L6T", 3)), 4, 0},
		{"HT-2026-B005", "AE", join(rep("LGX", 2), rep("L6T", 2)), 0, 0},
	}
	exporter, authority, customs := ps["huayun-export"], ps["gd-licensing"], ps["huangpu-customs"]
	answerers := map[int64]*ucx.Principal{}
	for _, name := range []string{"byd-compliance", "chery-compliance", "geely-compliance"} {
		answerers[ps[name].OrgID] = ps[name]
	}
	count := 0
	for _, sp := range plans {
		in := &ucx.ShipmentInput{Destination: sp.dest, Buyer: "TOO Avto Trade", ContractNumber: sp.contract,
			AfterSalesTerms: "制造商海外授权网点提供 12 个月或 2 万公里保修", Submit: sp.stage > 0}
		for _, wmi := range sp.cars {
			age := 40 + r.IntN(120) // near-new: a letter each (R1)
			reg := today.AddDays(-age)
			mileage := 50 + r.IntN(900)
			model := models[wmi][r.IntN(len(models[wmi]))]
			v := ucx.ApplicationInput{
				Vehicle: ucx.VehicleDetails{VIN: makeVIN(wmi, r), Brand: brands[wmi], Model: model, Energy: ucx.EnergyElectric, BatteryKWh: 60.5,
					Colour: "white", Seats: 5, ManufactureDate: reg.AddDays(-20), EmissionStandard: "国六",
					RegistrationDate: reg, TransferDate: reg.AddDays(age / 2), MileageKM: &mileage},
				Certificate:      ucx.CertificateValues{Brand: brands[wmi], Model: model, RegistrationDate: reg, TransferDate: reg.AddDays(age / 2)},
				InspectionReport: fmt.Sprintf("CMA-B%05d", r.IntN(100000)),
			}
			if wmi == "LVV" {
				v.Vehicle.Energy, v.Vehicle.BatteryKWh = ucx.EnergyPetrol, 0
			}
			in.Vehicles = append(in.Vehicles, v)
		}
		s, _, err := db.CreateShipment(ctx, exporter, in, ucx.CreateOptions{})
		if err != nil {
			return count, fmt.Errorf("demo: filing shipment %s: %w", sp.contract, err)
		}
		count += len(s.Vehicles)
		if sp.stage < 2 {
			continue
		}
		for li, l := range s.Letters {
			mfr := answerers[l.ManufacturerID]
			org, err := db.FindOrgByID(ctx, mfr, l.ManufacturerID)
			if err != nil {
				return count, err
			}
			var outlets []int64
			for _, ot := range org.OutletsIn(sp.dest) {
				outlets = append(outlets, ot.ID)
			}
			var answers []ucx.LetterAnswer
			for i, rq := range l.Requests {
				if li == 0 && i < sp.refuse {
					answers = append(answers, ucx.LetterAnswer{RequestID: rq.ID, RefusalCode: "no_service_network", RefusalText: "该车型未在目的国销售，无配件供应"})
					continue
				}
				answers = append(answers, ucx.LetterAnswer{RequestID: rq.ID, Approve: true, OutletIDs: outlets})
			}
			if sp.contract == "HT-2026-B002" && li == 1 {
				continue // the second maker has not answered yet: the shipment waits
			}
			if _, err := db.AnswerLetter(ctx, mfr, l.ID, l.Version, answers); err != nil {
				return count, fmt.Errorf("demo: answering letter %d of %s: %w", l.ID, sp.contract, err)
			}
		}
		if sp.stage < 3 {
			continue
		}
		cur, err := db.FindShipmentByID(ctx, authority, s.ID)
		if err != nil {
			return count, err
		}
		lic, err := db.IssueShipmentLicence(ctx, authority, cur.ID, cur.Version)
		if err != nil {
			return count, fmt.Errorf("demo: licensing shipment %s: %w", sp.contract, err)
		}
		if sp.stage >= 4 {
			if _, err := db.RecordClearance(ctx, customs, lic.ID, "黄埔新港", fmt.Sprintf("5201%014d", lic.ID)); err != nil {
				return count, err
			}
		}
	}
	return count, nil
}

func exporterOf(ps map[string]*ucx.Principal, app *ucx.Application) string {
	for name, p := range ps {
		if p.OrgKind == ucx.KindExporter && p.OrgID == app.ExporterID && p.Role != ucx.RoleViewer {
			return name
		}
	}
	return ""
}

// makeVIN builds a VIN with a correct check digit for wmi.
func makeVIN(wmi string, r *mrand.Rand) string {
	const chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
	b := []byte(wmi + "XXXXX0" + "T" + "X" + "000000")
	for i := 3; i < 8; i++ {
		b[i] = chars[r.IntN(len(chars))]
	}
	b[10] = "ABCDEFGH"[r.IntN(8)]
	for i := 11; i < 17; i++ {
		b[i] = byte('0' + r.IntN(10))
	}
	b[8] = '0'
	d, _ := vin.CheckDigit(string(b))
	b[8] = d
	return string(b)
}

// password makes a random 16-character password.
func password() string {
	var b [10]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
