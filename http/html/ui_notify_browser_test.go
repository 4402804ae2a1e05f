package html_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowser_TheBellAndItsList: in Chromium a manufacturer's member sees
// the bell with the demo's requests unread, opens the list from it, marks
// everything read, and the bell's count is gone; in English the list reads
// English.
func TestBrowser_TheBellAndItsList(t *testing.T) {
	ctx := newBrowser(t)
	site := newDemoSite(t)
	b := &tab{t: t, ctx: ctx, site: site}
	b.login("byd-compliance")
	b.open("/requests")
	n, err := strconv.Atoi(b.text("#bell-count"))
	if err != nil || n < 1 {
		t.Fatalf("the bell shows %q, want the demo's unread requests", b.text("#bell-count"))
	}
	b.run("open the bell", chromedp.Click(css(`#bell`)), chromedp.WaitVisible(css(`#notifications`)))
	if got := b.text("#notify-counts"); !strings.Contains(got, strconv.Itoa(n)+" 条未读") {
		t.Errorf("the list says %q, want %d unread", got, n)
	}
	if got := b.text("#notifications"); !strings.Contains(got, "确认书申请") {
		t.Errorf("the list reads %q", got)
	}
	b.shot("40-manufacturer-notifications")
	b.run("mark all read", chromedp.Click(css(`#mark-all`)), chromedp.WaitNotPresent(css(`#mark-all`)))
	if badges := get(b, "count badges", chromedp.Evaluate[int](`document.querySelectorAll('#bell-count').length`)); badges != 0 {
		t.Errorf("after marking all read the bell still counts")
	}
	b.setLang("en")
	if got := b.text("#notifications"); !strings.Contains(got, "Letter requested") {
		t.Errorf("the English list reads %q", got)
	}
}
