package html_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx/http/webtest"
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
