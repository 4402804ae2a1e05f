package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/vin"
)

func TestMain(m *testing.M) {
	// Test hook: hashing at the production cost would make the fixture
	// (a dozen users per test, twice per engine) take seconds.
	sqlstore.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// testNow is the store clock in every workflow test: 10:00 in Beijing on
// 10 March 2026, after R1's regime start.
var testNow = time.Date(2026, 3, 10, 10, 0, 0, 0, ucx.ChinaTime)

// Dates around testNow: a car registered on recentReg is 53 days old and
// needs a letter (R1); one registered on oldReg is well past 180 days.
var (
	today     = ucx.DateOf(testNow)
	recentReg = ucx.MustDate(2026, 1, 16)
	oldReg    = ucx.MustDate(2025, 3, 1)
)

const testPassword = "correct horse battery"

// world is the shared fixture: one organisation of every kind, two
// exporters and two manufacturers (each with declared WMIs and outlets), and
// users of every role in each, as principals ready to call services with.
type world struct {
	db                     *sqlstore.DB
	operator, authority    *ucx.Org
	customs                *ucx.Org
	exporter, exporter2    *ucx.Org
	maker, maker2          *ucx.Org
	users                  map[string]*ucx.Principal // "exporter.member", "maker2.viewer", …
	makerRU, makerKZ       int64                     // outlet ids of maker
	maker2RU               int64
	serial                 int
	makerWMI, maker2WMI    string
	unknownWMI             string
	operatorAdmin          *ucx.Principal
	expAdmin, expMember    *ucx.Principal
	expViewer, exp2Member  *ucx.Principal
	makerMember, maker2Mem *ucx.Principal
	makerViewer            *ucx.Principal
	authMember, authViewer *ucx.Principal
	customsMember          *ucx.Principal
	customsViewer          *ucx.Principal
}

// newWorld builds the fixture in db, with the clock at testNow.
func newWorld(t testing.TB, db *sqlstore.DB) *world {
	t.Helper()
	ctx := context.Background()
	db.Now = func() time.Time { return testNow }
	w := &world{db: db, users: map[string]*ucx.Principal{}, makerWMI: "LM1", maker2WMI: "LM2", unknownWMI: "LXX"}
	mk := func(name string, o *ucx.Org) *ucx.Org {
		t.Helper()
		first := true
		for _, role := range []ucx.Role{ucx.RoleAdmin, ucx.RoleMember, ucx.RoleViewer} {
			u := &ucx.User{Username: name + "." + string(role), Role: role}
			var err error
			if first {
				err = db.Bootstrap(ctx, o, u, testPassword)
				first = false
			} else {
				u.OrgID = o.ID
				err = db.Bootstrap(ctx, nil, u, testPassword)
			}
			if err != nil {
				t.Fatalf("bootstrap %s: %v", u.Username, err)
			}
			w.users[u.Username] = &ucx.Principal{UserID: u.ID, Username: u.Username, OrgID: o.ID, OrgKind: o.Kind, Role: role}
		}
		return o
	}
	w.operator = mk("operator", &ucx.Org{Kind: ucx.KindOperator, Name: "ucx 平台运营中心"})
	w.authority = mk("authority", &ucx.Org{Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"})
	w.customs = mk("customs", &ucx.Org{Kind: ucx.KindCustoms, Name: "黄埔海关"})
	w.exporter = mk("exporter", &ucx.Org{Kind: ucx.KindExporter, Name: "广州华运二手车出口有限公司",
		FilingNumber: "GD-2025-0117", FilingExpires: today.AddDays(200)})
	w.exporter2 = mk("exporter2", &ucx.Org{Kind: ucx.KindExporter, Name: "深圳速达汽车贸易有限公司",
		FilingNumber: "GD-2025-0342", FilingExpires: today.AddDays(30)})
	w.maker = mk("maker", &ucx.Org{Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", NameEN: "Test Motor Co., Ltd.",
		Brands: []string{"Testa"}, WMIs: []string{w.makerWMI},
		Outlets: []*ucx.Outlet{
			{Country: "RU", Provider: "Testa Rus Service", Address: "Leningradsky pr. 39, Moscow", Contact: "+7 495 000 0101"},
			{Country: "KZ", Provider: "Testa Almaty", Address: "Al-Farabi ave. 77, Almaty", Contact: "+7 727 000 0102"},
		}})
	w.maker2 = mk("maker2", &ucx.Org{Kind: ucx.KindManufacturer, Name: "另一汽车有限公司", Brands: []string{"Other"}, WMIs: []string{w.maker2WMI},
		Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Other Rus", Address: "Tverskaya 1, Moscow"}}})
	w.makerRU, w.makerKZ, w.maker2RU = w.maker.Outlets[0].ID, w.maker.Outlets[1].ID, w.maker2.Outlets[0].ID

	w.operatorAdmin = w.users["operator.admin"]
	w.expAdmin, w.expMember, w.expViewer = w.users["exporter.admin"], w.users["exporter.member"], w.users["exporter.viewer"]
	w.exp2Member = w.users["exporter2.member"]
	w.makerMember, w.makerViewer, w.maker2Mem = w.users["maker.member"], w.users["maker.viewer"], w.users["maker2.member"]
	w.authMember, w.authViewer = w.users["authority.member"], w.users["authority.viewer"]
	w.customsMember, w.customsViewer = w.users["customs.member"], w.users["customs.viewer"]
	return w
}

// vinFor returns a fresh VIN with a correct check digit under wmi.
func (w *world) vinFor(wmi string) string {
	w.serial++
	v := fmt.Sprintf("%sABCDE0S1%06d", wmi, w.serial)
	d, ok := vin.CheckDigit(v)
	if !ok {
		panic("vinFor: bad VIN " + v)
	}
	return v[:8] + string(d) + v[9:]
}

// input is a complete, consistent application for a car of wmi registered
// on reg, going to Russia: certificate values equal, inspection held.
func (w *world) input(wmi string, reg ucx.Date) *ucx.ApplicationInput {
	transfer := reg.AddDays(20)
	if transfer.After(today) {
		transfer = today
	}
	return &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: w.vinFor(wmi), Brand: "Testa", Model: "T1 EV", Energy: ucx.EnergyElectric, BatteryKWh: 60,
			RegistrationDate: reg, TransferDate: transfer},
		Certificate:      ucx.CertificateValues{Brand: "Testa", Model: "T1 EV", RegistrationDate: reg, TransferDate: transfer},
		Destination:      "RU",
		Buyer:            "OOO Avto Import",
		ContractNumber:   "HY-2026-0042",
		InspectionReport: "CMA-2026-1234",
	}
}

// create files in as p and fails the test on error.
func (w *world) create(t testing.TB, p *ucx.Principal, in *ucx.ApplicationInput) *ucx.Application {
	t.Helper()
	a, created, err := w.db.CreateApplication(context.Background(), p, in, ucx.CreateOptions{})
	if err != nil || !created {
		t.Fatalf("CreateApplication: created=%v err=%v", created, err)
	}
	return a
}

// awaiting returns a submitted application of maker's that waits for its
// letter, and the pending request.
func (w *world) awaiting(t testing.TB) (*ucx.Application, *ucx.ConfirmationRequest) {
	t.Helper()
	ctx := context.Background()
	in := w.input(w.makerWMI, recentReg)
	in.Submit = true
	a := w.create(t, w.expMember, in)
	if a.State != ucx.StateAwaitingConfirmation {
		t.Fatalf("state = %s, want awaiting_confirmation (decision %+v)", a.State, a.Decision)
	}
	// The exporter's list is newest first: the request just made leads it.
	rs, _, err := w.db.FindRequests(ctx, w.expMember, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 || rs[0].ApplicationID != a.ID {
		t.Fatalf("no pending request for application %d: %v", a.ID, rs)
	}
	r, err := w.db.FindRequestByID(ctx, w.makerMember, rs[0].ID)
	if err != nil {
		t.Fatalf("the manufacturer cannot read the request: %v", err)
	}
	return a, r
}

// underReview returns an application under review with an approved letter.
func (w *world) underReview(t testing.TB) *ucx.Application {
	t.Helper()
	ctx := context.Background()
	a, r := w.awaiting(t)
	if _, err := w.db.ApproveRequest(ctx, w.makerMember, r.ID, r.Version, []int64{w.makerRU}); err != nil {
		t.Fatalf("ApproveRequest: %v", err)
	}
	a, err := w.db.FindApplicationByID(ctx, w.expMember, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != ucx.StateUnderReview {
		t.Fatalf("state after approval = %s, want under_review", a.State)
	}
	return a
}

// licensed returns a licence issued for a fresh application.
func (w *world) licensed(t testing.TB) *ucx.Licence {
	t.Helper()
	a := w.underReview(t)
	l, err := w.db.IssueLicence(context.Background(), w.authMember, a.ID, a.Version)
	if err != nil {
		t.Fatalf("IssueLicence: %v", err)
	}
	return l
}

// wantCode fails the test unless err carries the ucx error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := ucx.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// wantField fails the test unless err is EINVALID naming field.
func wantField(t testing.TB, err error, field string) {
	t.Helper()
	wantCode(t, err, ucx.EINVALID)
	var e *ucx.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Fatalf("error %v names field %q, want %q", err, ucx.ErrorField(err), field)
	}
}

// count returns the number of rows of table, to prove nothing was written.
func count(t testing.TB, db *sqlstore.DB, table string) int {
	t.Helper()
	n, err := sqlstore.CountRows(context.Background(), db, table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
