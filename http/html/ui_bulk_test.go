package html_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
)

// TestUI_BulkSubmitAndAnswer: the import page's "submit all drafts"
// submits what the import filed, refused from another origin; the
// manufacturer approves the ticked requests of its inbox with its outlet;
// the applications list submits ticked drafts, and another exporter's
// ticked id is not found.
func TestUI_BulkSubmitAndAnswer(t *testing.T) {
	w := webtest.UIWorld(t)
	ctx := context.Background()
	u := webtest.NewUIUser(t, w.TS.URL).Login("exporter.member")
	imp, err := w.C("exporter.member").StartImport(ctx, nil, "cars.csv", []byte(w.ImportCSV(3)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.ProcessImports(ctx); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/imports/%d", imp.ID)
	if a := u.Get(page); !strings.Contains(a.Body, `action="`+page+`/submit"`) {
		t.Fatalf("import page lacks the submit-all form: %.2000s", a.Body)
	}
	if a := u.Post(page+"/submit", url.Values{}, "Origin: https://evil.example"); a.Status != http.StatusForbidden {
		t.Fatalf("cross-origin submit-all: %d", a.Status)
	}
	a := u.Post(page+"/submit", url.Values{})
	if a.Status != 200 || !strings.Contains(a.Body, "已提交 3，已答复 0，被拒 0，未找到 0") {
		t.Fatalf("submit all: %d %.3000s", a.Status, a.Body)
	}

	w.Awaiting()
	w.Awaiting()
	m := webtest.NewUIUser(t, w.TS.URL).Login("maker.member")
	inbox := m.Get("/requests")
	if strings.Count(inbox.Body, `name="ids"`) < 2 || !strings.Contains(inbox.Body, fmt.Sprintf(`name="outlet" value="%d"`, w.MakerRU)) {
		t.Fatalf("inbox lacks the bulk form: %.3000s", inbox.Body)
	}
	form := url.Values{"answer": {"approve"}, "outlet": {fmt.Sprint(w.MakerRU)}}
	for _, part := range strings.Split(inbox.Body, `name="ids" value="`)[1:] {
		form.Add("ids", part[:strings.Index(part, `"`)])
	}
	if a := m.Post("/bulk/answer", form); a.Status != 200 || !strings.Contains(a.Body, fmt.Sprintf("已答复 %d", len(form["ids"]))) {
		t.Fatalf("bulk approve: %d %.3000s", a.Status, a.Body)
	}

	d := w.Draft()
	other := w.File("exporter2.member", w.Input(webtest.MakerWMI, webtest.RecentReg))
	if list := u.Get("/applications"); !strings.Contains(list.Body, fmt.Sprintf(`name="ids" value="%d"`, d.ID)) {
		t.Fatalf("applications list lacks the draft's checkbox")
	}
	a = u.Post("/bulk/submit", url.Values{"ids": {fmt.Sprint(d.ID), fmt.Sprint(other.ID)}})
	if a.Status != 200 || !strings.Contains(a.Body, "已提交 1，已答复 0，被拒 0，未找到 1") {
		t.Fatalf("bulk submit: %d %.3000s", a.Status, a.Body)
	}
}
