package html_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
)

// TestBrowser_ImportThenSubmitAllDrafts: an exporter uploads a file and
// submits every draft it filed with the import page's one button, and the
// results page lists each application submitted.
func TestBrowser_ImportThenSubmitAllDrafts(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	b.login("huayun-export")
	csv := webtest.ImportHeader
	for i := 0; i < 4; i++ {
		csv += strings.Replace(webtest.ImportLine(browserVIN(t), ucx.DateOf(time.Now()).AddDays(-400)), "Testa,T1 EV", "BYD,Han EV", 2)
	}
	file := filepath.Join(t.TempDir(), "stock.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/imports/new")
	b.run("upload",
		chromedp.WaitVisible(css(`#f-file`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{file}),
		chromedp.Click(css(`#import-form button`)),
		chromedp.WaitVisible(css(`#import-rows`)),
	)
	b.run("submit all drafts",
		chromedp.Click(css(`#submit-all button`)),
		chromedp.WaitVisible(css(`#bulk-counts`)),
	)
	if got := b.text("#bulk-counts"); !strings.HasPrefix(got, "已提交 4，") {
		t.Errorf("counts %q, want 4 submitted", got)
	}
	if n := strings.Count(b.text("#bulk-results tbody"), "已提交"); n != 4 {
		t.Errorf("%d rows submitted, want 4", n)
	}
	b.shot("30-exporter-submit-all-drafts")
}
