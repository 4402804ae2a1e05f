package sqlstore_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// jurisdictionOrg creates an organisation with one member and returns it
// with the member's principal, as the store resolves it at sign-in (the
// jurisdiction included).
func jurisdictionOrg(t *testing.T, db *sqlstore.DB, o *ucx.Org, username string) (*ucx.Org, *ucx.Principal) {
	t.Helper()
	ctx := context.Background()
	u := &ucx.User{Username: username, Role: ucx.RoleMember}
	if err := db.Bootstrap(ctx, o, u, testPassword); err != nil {
		t.Fatalf("bootstrap %s: %v", o.Name, err)
	}
	p, err := db.Authenticate(ctx, username, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return o, p
}

func jurisdictionExporter(t *testing.T, db *sqlstore.DB, name, region string, central bool, username string) (*ucx.Org, *ucx.Principal) {
	t.Helper()
	return jurisdictionOrg(t, db, &ucx.Org{Kind: ucx.KindExporter, Name: name, Region: region, Central: central,
		FilingNumber: "J-" + username, FilingExpires: today.AddDays(200)}, username)
}

// filedBy files and submits a car needing no letter for exporter p: it
// goes straight to review (R1).
func filedBy(t *testing.T, w *world, p *ucx.Principal) *ucx.Application {
	t.Helper()
	in := w.Input(w.MakerWMI, oldReg)
	in.Submit = true
	a := w.Create(t, p, in)
	if a.State != ucx.StateUnderReview {
		t.Fatalf("state %s, want under_review", a.State)
	}
	return a
}

// seesApplication reports whether authority p finds a by id and in its
// list and queue.
func seesApplication(t *testing.T, db *sqlstore.DB, p *ucx.Principal, a *ucx.Application) bool {
	t.Helper()
	ctx := context.Background()
	_, err := db.FindApplicationByID(ctx, p, a.ID)
	if err != nil && ucx.ErrorCode(err) != ucx.ENOTFOUND {
		t.Fatalf("find %d as %s: %v", a.ID, p.Username, err)
	}
	byID := err == nil
	list, _, err := db.FindApplications(ctx, p, ucx.ApplicationFilter{State: ucx.StateUnderReview, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	inList := false
	for _, x := range list {
		inList = inList || x.ID == a.ID
	}
	if byID != inList {
		t.Fatalf("%s: by id %v, in the queue %v: the two paths disagree", p.Username, byID, inList)
	}
	return byID
}

// R14: an authority sees and decides only the applications of exporters
// registered in its jurisdiction; another's are not found, by id, in
// lists, as a shipment, a licence or a request, and issuing or refusing
// one is refused with nothing written.
func TestJurisdiction_AuthoritySeesAndIssuesOnlyItsOwn(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		if w.AuthMember.Jurisdiction != "广东" {
			t.Fatalf("the Guangdong authority's principal has jurisdiction %q", w.AuthMember.Jurisdiction)
		}
		_, sh := jurisdictionOrg(t, db, &ucx.Org{Kind: ucx.KindAuthority, Name: "上海市商务委员会", Region: "上海市"}, "sh.member")
		_, shExp := jurisdictionExporter(t, db, "上海浦江二手车出口有限公司", "Shanghai", false, "pujiang.member")
		if sh.Jurisdiction != "上海" || shExp.Jurisdiction != "上海" {
			t.Fatalf("jurisdictions %q, %q; want 上海 from 上海市 and Shanghai", sh.Jurisdiction, shExp.Jurisdiction)
		}

		foreign := filedBy(t, w, shExp)
		own := filedBy(t, w, w.ExpMember)
		if seesApplication(t, db, w.AuthMember, foreign) {
			t.Fatal("Guangdong's authority sees a Shanghai exporter's application")
		}
		if !seesApplication(t, db, w.AuthMember, own) || !seesApplication(t, db, sh, foreign) {
			t.Fatal("an authority does not see its own jurisdiction's application")
		}
		if seesApplication(t, db, sh, own) {
			t.Fatal("Shanghai's authority sees a Guangdong exporter's application")
		}

		_, err := db.IssueLicence(ctx, w.AuthMember, foreign.ID, foreign.Version)
		wantCode(t, err, ucx.ENOTFOUND)
		if !strings.Contains(ucx.ErrorMessage(err), "R14") || !strings.Contains(ucx.ErrorMessage(err), "广东") {
			t.Fatalf("issue of a foreign application: %v; want a message citing R14 and the jurisdiction", err)
		}
		_, err = db.RefuseLicence(ctx, w.AuthMember, foreign.ID, foreign.Version, "data_mismatch", "不符")
		wantCode(t, err, ucx.ENOTFOUND)
		if n := count(t, db, "licences"); n != 0 {
			t.Fatalf("%d licences after the refusals", n)
		}
		if a, err := db.FindApplicationByID(ctx, shExp, foreign.ID); err != nil || a.State != ucx.StateUnderReview || a.Version != foreign.Version {
			t.Fatalf("the foreign application after the refusals: %+v, %v; want unchanged", a, err)
		}

		lic, err := db.IssueLicence(ctx, sh, foreign.ID, foreign.Version)
		if err != nil {
			t.Fatalf("Shanghai issuing its own: %v", err)
		}
		if _, err := db.FindLicenceByID(ctx, w.AuthMember, lic.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("Guangdong reads Shanghai's licence: %v", err)
		}
		if ls, _, err := db.FindLicences(ctx, w.AuthMember, ucx.LicenceFilter{}); err != nil || len(ls) != 0 {
			t.Fatalf("Guangdong's licences: %d, %v; want none", len(ls), err)
		}
		// Customs clears wherever the exporter declares (R15).
		if _, err := db.FindLicenceByID(ctx, w.CustomsMember, lic.ID); err != nil {
			t.Fatalf("customs reads the licence: %v", err)
		}

		// A shipment of the Shanghai exporter, and its letter's requests.
		in := shipmentOf(w, oldReg, w.MakerWMI, w.MakerWMI)
		in.Vehicles = append(in.Vehicles, *w.Input(w.MakerWMI, recentReg))
		in.Vehicles[2].Destination, in.Vehicles[2].Buyer, in.Vehicles[2].ContractNumber = "", "", ""
		in.Submit = true
		s, _, err := db.CreateShipment(ctx, shExp, in, ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindShipmentByID(ctx, w.AuthMember, s.ID); ucx.ErrorCode(err) != ucx.ENOTFOUND {
			t.Fatalf("Guangdong reads Shanghai's shipment: %v", err)
		}
		ss, _, err := db.FindShipments(ctx, w.AuthMember, ucx.ShipmentFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ss {
			if x.ExporterID != w.Exporter.ID {
				t.Fatalf("Guangdong lists shipment %d of exporter %d", x.ID, x.ExporterID)
			}
		}
		if rs, _, err := db.FindRequests(ctx, w.AuthMember, ucx.RequestFilter{Limit: 500}); err != nil || len(rs) != 0 {
			t.Fatalf("Guangdong's confirmation requests: %d, %v; want none of Shanghai's", len(rs), err)
		}
		if rs, _, err := db.FindRequests(ctx, sh, ucx.RequestFilter{Limit: 500}); err != nil || len(rs) != 1 {
			t.Fatalf("Shanghai's confirmation requests: %d, %v; want its exporter's one", len(rs), err)
		}
		s, err = db.FindShipmentByID(ctx, shExp, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.IssueShipmentLicence(ctx, w.AuthMember, s.ID, s.Version)
		wantCode(t, err, ucx.ENOTFOUND)
		_, err = db.RefuseShipmentLicence(ctx, w.AuthMember, s.ID, s.Version, "data_mismatch", "不符")
		wantCode(t, err, ucx.ENOTFOUND)
		if _, err := db.FindShipmentByID(ctx, sh, s.ID); err != nil {
			t.Fatalf("Shanghai reads its exporter's shipment: %v", err)
		}
	})
}

// R14's cities and the Bureau: an exporter registered in Guangzhou is
// Guangzhou's department's, not Guangdong's, and the reverse; a central
// enterprise based in Beijing is the Bureau's, not Beijing's.
func TestJurisdiction_CitiesAndTheBureau(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		_, gz := jurisdictionOrg(t, db, &ucx.Org{Kind: ucx.KindAuthority, Name: "广州市商务局", Region: "广州"}, "gz.member")
		_, gzExp := jurisdictionExporter(t, db, "广州华运二手车出口有限公司", "广州市", false, "gzexp.member")
		_, bj := jurisdictionOrg(t, db, &ucx.Org{Kind: ucx.KindAuthority, Name: "北京市商务局", Region: "北京"}, "bj.member")
		_, bureau := jurisdictionOrg(t, db, &ucx.Org{Kind: ucx.KindAuthority, Name: "商务部配额许可证事务局", Region: "许可证局"}, "bureau.member")
		_, central := jurisdictionExporter(t, db, "中国某某汽车贸易集团有限公司", "北京", true, "central.member")
		_, bjExp := jurisdictionExporter(t, db, "北京某某二手车出口有限公司", "北京", false, "bjexp.member")
		if central.Jurisdiction != ucx.Bureau || bjExp.Jurisdiction != "北京" || gzExp.Jurisdiction != "广州" {
			t.Fatalf("jurisdictions: central %q, Beijing %q, Guangzhou %q", central.Jurisdiction, bjExp.Jurisdiction, gzExp.Jurisdiction)
		}

		city, province := filedBy(t, w, gzExp), filedBy(t, w, w.ExpMember)
		for _, c := range []struct {
			who  *ucx.Principal
			app  *ucx.Application
			sees bool
		}{
			{gz, city, true}, {w.AuthMember, city, false}, {gz, province, false}, {w.AuthMember, province, true},
		} {
			if got := seesApplication(t, db, c.who, c.app); got != c.sees {
				t.Errorf("%s sees application of exporter %d: %v, want %v", c.who.Username, c.app.ExporterID, got, c.sees)
			}
		}
		soe, local := filedBy(t, w, central), filedBy(t, w, bjExp)
		for _, c := range []struct {
			who  *ucx.Principal
			app  *ucx.Application
			sees bool
		}{
			{bureau, soe, true}, {bj, soe, false}, {bureau, local, false}, {bj, local, true},
		} {
			if got := seesApplication(t, db, c.who, c.app); got != c.sees {
				t.Errorf("%s sees application of exporter %d: %v, want %v", c.who.Username, c.app.ExporterID, got, c.sees)
			}
		}
		if _, err := db.IssueLicence(context.Background(), bureau, soe.ID, soe.Version); err != nil {
			t.Fatalf("the Bureau issuing for a central enterprise: %v", err)
		}
	})
}

// R14 at creation: an authority's region must be a jurisdiction and an
// exporter's a province or city, normalised to the canonical name; a
// central enterprise is an exporter based in Beijing. Nothing is written
// for a refusal.
func TestJurisdiction_ValidatedAtCreation(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		before := count(t, db, "orgs")
		for _, c := range []struct {
			name  string
			org   ucx.Org
			field string
		}{
			{"authority without region", ucx.Org{Kind: ucx.KindAuthority, Name: "某商务厅"}, "region"},
			{"unknown region", ucx.Org{Kind: ucx.KindAuthority, Name: "某商务厅", Region: "火星"}, "region"},
			{"a city not among the 8", ucx.Org{Kind: ucx.KindAuthority, Name: "深圳市商务局", Region: "深圳"}, "region"},
			{"exporter without region", ucx.Org{Kind: ucx.KindExporter, Name: "某出口公司"}, "region"},
			{"exporter under the Bureau by region", ucx.Org{Kind: ucx.KindExporter, Name: "某出口公司", Region: "许可证局"}, "region"},
			{"central outside Beijing", ucx.Org{Kind: ucx.KindExporter, Name: "某出口公司", Region: "上海", Central: true}, "central"},
			{"central authority", ucx.Org{Kind: ucx.KindAuthority, Name: "某商务厅", Region: "北京", Central: true}, "central"},
		} {
			o := c.org
			wantField(t, db.CreateOrg(ctx, w.OperatorAdmin, &o), c.field)
		}
		if n := count(t, db, "orgs"); n != before {
			t.Fatalf("refusals wrote %d organisations", n-before)
		}
		o := &ucx.Org{Kind: ucx.KindAuthority, Name: "四川省商务厅", Region: " Sichuan "}
		if err := db.CreateOrg(ctx, w.OperatorAdmin, o); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindOrgByID(ctx, w.OperatorAdmin, o.ID)
		if err != nil || got.Region != "四川" || got.Jurisdiction() != "四川" {
			t.Fatalf("stored region %q (%v), want 四川", got.Region, err)
		}
		// Customs and manufacturers keep a free-text region.
		if err := db.CreateOrg(ctx, w.OperatorAdmin, &ucx.Org{Kind: ucx.KindCustoms, Name: "满洲里海关", Region: "满洲里"}); err != nil {
			t.Fatal(err)
		}
	})
}

// An authority created before jurisdictions (no jurisdiction) is not a
// nationwide one: every workflow read is refused with what to do, until
// the operator sets its region (R14); then it sees its own.
func TestJurisdiction_LegacyAuthorityIsRefusedUntilSet(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := filedBy(t, w, w.ExpMember)
		if err := sqlstore.Exec(ctx, db, "UPDATE orgs SET region = '', jurisdiction = '' WHERE id = ?", w.Authority.ID); err != nil {
			t.Fatal(err)
		}
		p, err := db.Authenticate(ctx, "authority.member", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = db.FindApplications(ctx, p, ucx.ApplicationFilter{})
		wantCode(t, err, ucx.EFORBIDDEN)
		if m := ucx.ErrorMessage(err); !strings.Contains(m, "jurisdiction") || !strings.Contains(m, "region") || !strings.Contains(m, "R14") {
			t.Fatalf("legacy authority's refusal: %q; want it to say to set the region (R14)", m)
		}
		_, err = db.IssueLicence(ctx, p, a.ID, a.Version)
		wantCode(t, err, ucx.EFORBIDDEN)
		_, _, err = db.FindShipments(ctx, p, ucx.ShipmentFilter{})
		wantCode(t, err, ucx.EFORBIDDEN)

		for _, c := range []struct {
			name  string
			p     *ucx.Principal
			code  string
			field string
		}{
			{"the authority itself", w.Users["authority.admin"], ucx.EFORBIDDEN, ""},
			{"an operator member", w.Users["operator.member"], ucx.EFORBIDDEN, ""},
		} {
			_, err := db.SetRegion(ctx, c.p, w.Authority.ID, "广东", false, "设置辖区")
			wantCode(t, err, c.code)
		}
		_, err = db.SetRegion(ctx, w.OperatorAdmin, w.Authority.ID, "广东", false, "")
		wantField(t, err, "reason")
		_, err = db.SetRegion(ctx, w.OperatorAdmin, w.Authority.ID, "火星", false, "设置辖区")
		wantField(t, err, "region")
		_, err = db.SetRegion(ctx, w.OperatorAdmin, w.Maker.ID, "广东", false, "设置辖区")
		wantCode(t, err, ucx.ERULE)

		o, err := db.SetRegion(ctx, w.OperatorAdmin, w.Authority.ID, "广东省", false, "升级后设置辖区")
		if err != nil || o.Region != "广东" {
			t.Fatalf("set region: %+v, %v", o, err)
		}
		if p, err = db.Authenticate(ctx, "authority.member", testPassword); err != nil {
			t.Fatal(err)
		}
		if !seesApplication(t, db, p, a) {
			t.Fatal("the authority does not see its exporter's application once its jurisdiction is set")
		}
		es, _, err := db.OrgEvents(ctx, w.Users["authority.admin"], w.Authority.ID, ucx.EventFilter{})
		if err != nil || len(es) == 0 || es[0].Action != "org.set_region" || es[0].After != "广东" {
			t.Fatalf("audit trail: %v, %v; want org.set_region to 广东 first", es, err)
		}
	})
}

// The migration maps every jurisdiction's names in an existing region to
// its canonical name, and only those (R14): no region is guessed.
func TestJurisdiction_MigrationKnowsEveryName(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b, err := os.ReadFile("migrations/" + engine + "/0021_jurisdictions.sql")
		if err != nil {
			t.Fatal(err)
		}
		sql := string(b)
		for _, j := range ucx.Jurisdictions {
			for _, name := range []string{j.Name, j.FullName, strings.ToLower(strings.ReplaceAll(j.EN, "'", "''"))} {
				if !strings.Contains(sql, "'"+name+"'") {
					t.Errorf("%s migration does not map %q to %s", engine, name, j.Name)
				}
			}
		}
	}
}
