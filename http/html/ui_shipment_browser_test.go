package html_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestBrowser_ShipmentPagesOverTheFake drives the batch pages in Chromium
// in Chinese over the recording fake (ui_shipment_test.go): the exporter
// adds rows to the new-shipment form, the manufacturer answers both VINs
// of its letter with one submit (one approved with the outlet, one
// refused with a reason), the authority sees the issue button. It checks
// the pages work in a real browser and takes their screenshots; the real
// path is TestBrowser_ShipmentPath.
func TestBrowser_ShipmentPagesOverTheFake(t *testing.T) {
	ctx := newBrowser(t)
	_, fs, base := fakeShipmentSite(t)
	b := &tab{t: t, ctx: ctx, site: &demoSite{url: base, pass: webtest.Password}}

	b.login("exporter.member")
	b.open("/shipments/new")
	b.run("add rows", chromedp.WaitVisible(css(`#f-vin_4`)), chromedp.SendKeys(css(`#f-vin_0`), "LM1TYPED"),
		chromedp.Click(css(`#add-rows`)), chromedp.WaitVisible(css(`#f-vin_9`)))
	if got := get(b, "typed VIN", chromedp.Value(css(`#f-vin_0`))); got != "LM1TYPED" {
		t.Errorf("after adding rows the first VIN reads %q", got)
	}
	b.shot("60-exporter-new-shipment")
	b.open("/shipments/77")
	if got := b.text("#ship-vehicles"); !strings.Contains(got, fs.ship.Vehicles[1].Vehicle.VIN) || !strings.Contains(got, "#5 · 待处理") {
		t.Errorf("the shipment's vehicles read %q", got)
	}
	b.shot("61-exporter-shipment")
	b.logout()

	b.login("maker.member")
	b.open("/letters")
	b.shot("62-manufacturer-letters")
	b.run("open the letter", chromedp.Click(css(`#letters a[href="/letters/5"]`)), chromedp.WaitVisible(css(`#answer-52`)))
	b.run("refuse one VIN", chromedp.SetValue(css(`#answer-52`), "refuse:not_our_vehicle"), chromedp.SendKeys(css(`#text-52`), "非本厂车辆"))
	b.shot("63-manufacturer-letter")
	b.run("answer the letter", chromedp.Click(css(`#answer-letter`)), chromedp.WaitVisible(css(`p.flash`)))
	if len(fs.answers) != 2 || !fs.answers[0].Approve || len(fs.answers[0].OutletIDs) != 1 || fs.answers[1].RefusalCode != "not_our_vehicle" || fs.answers[1].RefusalText != "非本厂车辆" {
		t.Fatalf("the letter page sent %+v", fs.answers)
	}
	b.logout()
}

// TestBrowser_ShipmentPath walks issue 11's path in Chromium, in Chinese,
// over the real server and store: a shipment of 20 cars from 3
// manufacturers filed through the API, 3 letters; one manufacturer
// refuses two VINs on its letter page, the others approve theirs; the
// authority reviews the shipment (each letter's state, a link to read
// it) and issues one licence of 18 vehicles; customs clears it on its
// desk. Screenshots of each page are in artifacts/screenshots.
func TestBrowser_ShipmentPath(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	if _, ok := any(db).(ucx.ShipmentService); !ok {
		t.Skip("the store does not implement ucx.ShipmentService yet")
	}
	ctx := newBrowser(t)
	w := webtest.NewWorld(t, db)
	w.AddMaker3()
	b := &tab{t: t, ctx: ctx, site: &demoSite{url: w.TS.URL, pass: webtest.Password}}
	in := w.ShipmentInput(webtest.RecentReg, map[string]int{webtest.MakerWMI: 8, webtest.Maker2WMI: 6, webtest.Maker3WMI: 6},
		webtest.MakerWMI, webtest.Maker2WMI, webtest.Maker3WMI)
	in.Submit = true
	sh, _, err := w.C("exporter.member").CreateShipment(context.Background(), nil, in, ucx.CreateOptions{})
	if err != nil {
		t.Fatalf("file the shipment: %v", err)
	}
	if len(sh.Letters) != 3 {
		t.Fatalf("the shipment has %d letters, want 3", len(sh.Letters))
	}
	shipPath := "/shipments/" + strconv.FormatInt(sh.ID, 10)
	refused := []string{in.Vehicles[0].Vehicle.VIN, in.Vehicles[1].Vehicle.VIN}

	b.login("exporter.member")
	b.open(shipPath)
	if got := b.text("#ship-state"); got != "待确认书" {
		t.Errorf("the filed shipment is %q, want 待确认书", got)
	}
	if got := b.text("#ship-letters tbody"); strings.Count(got, "待答复") != 3 {
		t.Errorf("the letters read %q, want 3 pending", got)
	}
	b.shot("70-exporter-shipment-submitted")
	b.logout()

	// Each manufacturer answers its letter on its letter page, in one go.
	for _, maker := range []string{"maker", "maker2", "maker3"} {
		b.login(maker + ".member")
		b.open("/letters")
		if got := b.text("#letters tbody"); !strings.Contains(got, w.Exporter.Name) || !strings.Contains(got, "俄罗斯") {
			t.Errorf("%s's letters read %q", maker, got)
		}
		if maker == "maker" {
			b.shot("71-manufacturer-letters")
		}
		b.run(maker+" opens its letter", chromedp.Click(css(`#letters tbody a`)), chromedp.WaitVisible(css(`#answer-letter`)))
		if maker == "maker" {
			for _, v := range refused {
				id := get(b, "request of "+v, chromedp.Evaluate[string](`(() => { for (const tr of document.querySelectorAll('#letter-vins tbody tr')) { if (tr.cells[0].textContent.trim() === '`+v+`') return tr.id.slice(4); } return ''; })()`))
				if id == "" {
					t.Fatalf("VIN %s is not on maker's letter page", v)
				}
				b.run("refuse "+v, chromedp.SetValue(css(`#answer-`+id), "refuse:no_service_network"), chromedp.SendKeys(css(`#text-`+id), "该车型不在俄罗斯销售"))
			}
			b.shot("72-manufacturer-letter-answering")
		}
		b.run(maker+" answers", chromedp.Click(css(`#answer-letter`)), chromedp.WaitVisible(css(`p.flash`)))
		if got := b.text("#letter-state"); got != "已答复" {
			t.Errorf("%s's letter after the answer is %q, want 已答复", maker, got)
		}
		if maker == "maker" {
			b.shot("73-manufacturer-letter-answered")
		}
		b.logout()
	}

	// The authority reviews the shipment and issues one licence.
	b.login("authority.member")
	b.open("/review")
	b.run("open the shipment from the queue", chromedp.Click(css(`#review-shipments a`)), chromedp.WaitVisible(css(`#issue-licence`)))
	if got := b.text("#ship-exporter"); got != w.Exporter.Name {
		t.Errorf("the review names the exporter %q", got)
	}
	if got := b.text("#ship-letters tbody"); strings.Count(got, "已答复") != 3 || strings.Count(got, "查看确认函") != 3 {
		t.Errorf("the review's letters read %q, want 3 answered, each to read", got)
	}
	if got := b.text("#ship-live"); !strings.Contains(got, "18 / 20") {
		t.Errorf("the review counts %q, want 18 of 20 live", got)
	}
	b.shot("74-authority-shipment-review")
	b.run("issue", chromedp.Click(css(`#issue-licence`)), chromedp.WaitVisible(css(`#licence-number`)))
	if got := b.text("p.flash"); !strings.Contains(got, "许可证已签发") {
		t.Errorf("after issuing the page says %q", got)
	}
	if got := b.text("#licence"); !strings.Contains(got, "附表 18 辆") {
		t.Errorf("the licence reads %q, want a schedule of 18", got)
	}
	number := b.text("#licence-number")
	b.shot("75-authority-shipment-licensed")
	b.logout()

	// Customs finds it by number and clears the whole batch once.
	b.login("customs.member")
	b.open("/customs")
	b.run("look up and clear",
		chromedp.WaitVisible(css(`#f-q`)),
		chromedp.SendKeys(css(`#f-q`), number),
		chromedp.Click(css(`form[role=search] button`)),
		chromedp.WaitVisible(css(`.clear-form`)),
	)
	found := b.text("main article.card")
	if n := strings.Count(found, in.Vehicles[0].Vehicle.VIN[:3]); n != 6 || strings.Contains(found, refused[0]) || !strings.Contains(found, in.Vehicles[19].Vehicle.VIN) {
		t.Errorf("the desk's licence lists %d of maker's VINs (want the 6 approved), refused %v, last VIN %v:\n%s", n, strings.Contains(found, refused[0]), strings.Contains(found, in.Vehicles[19].Vehicle.VIN), found)
	}
	b.shot("76-customs-shipment-licence")
	b.run("clear",
		chromedp.SendKeys(css(`.clear-form input[name=port]`), "霍尔果斯"),
		chromedp.SendKeys(css(`.clear-form input[name=declaration_number]`), "520120260012345"),
		chromedp.Click(css(`.clear-form button`)),
		chromedp.WaitVisible(css(`.flash`)),
	)
	b.logout()

	lic, _, err := w.C("exporter.member").FindLicences(context.Background(), nil, ucx.LicenceFilter{Number: number})
	if err != nil || len(lic) != 1 || len(lic[0].Schedule) != 18 || lic[0].ClearedAt == nil {
		t.Fatalf("the licence after the walk: %v, err %v; want 18 vehicles, cleared", lic, err)
	}
	b.login("exporter.member")
	b.open(shipPath)
	if got := b.text("#ship-state"); got != "已放行" {
		t.Errorf("the shipment at the end is %q, want 已放行", got)
	}
	b.shot("77-exporter-shipment-cleared")
}
