package html_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
	"golang.org/x/net/html"
)

// Every form control on every main page has a name for screen readers —
// a <label for=…>, a wrapping <label>, aria-label or aria-labelledby — and
// no page takes keyboard focus away (tabindex > 0 reorders, -1 on a control
// hides it from the keyboard). Pages are usable with the keyboard
// and have labels for screen readers on every form control.
func TestUI_EveryFormControlHasALabelAndIsKeyboardReachable(t *testing.T) {
	// The checker itself catches what it must.
	if got := unlabelled(t, `<form><input id="vin"><select name="s"></select><label>ok <input></label><input id="x" tabindex="3"><label for="x">x</label></form>`); len(got) != 3 {
		t.Fatalf("the checker found %d problems in a page with three: %q", len(got), got)
	}
	w := webtest.UIWorld(t)
	a, req := w.Awaiting()
	pages := []struct{ user, path string }{
		{"", "/login"},
		{"", "/verify"},
		{"", "/invite?token=ucxi_example"},
		{"exporter.member", "/"},
		{"exporter.member", "/applications"},
		{"exporter.member", "/applications/new"},
		{"exporter.member", "/applications/" + strconv.FormatInt(a.ID, 10)},
		{"exporter.member", "/imports/new"},
		{"maker.member", "/requests"},
		{"maker.member", "/requests/" + strconv.FormatInt(req.ID, 10)},
		{"authority.member", "/review"},
		{"authority.member", "/exporters"},
		{"customs.member", "/customs"},
		{"maker.member", "/notifications"},
		{"maker.admin", "/settings/notifications"},
		{"maker.admin", "/settings/notifications/deliveries"},
	}
	checked := 0
	for _, p := range pages {
		u := webtest.NewUIUser(t, w.TS.URL)
		if p.user != "" {
			u.Login(p.user)
		}
		ans := u.Get(p.path)
		if ans.Status != http.StatusOK {
			t.Errorf("%s %s: status %d", p.user, p.path, ans.Status)
			continue
		}
		for _, problem := range unlabelled(t, ans.Body) {
			t.Errorf("%s %s: %s", p.user, p.path, problem)
		}
		checked += countControls(t, ans.Body)
	}
	if checked < 20 {
		t.Fatalf("only %d form controls seen on %d pages: the check is not looking at the forms", checked, len(pages))
	}
	t.Logf("%d form controls on %d pages, each labelled", checked, len(pages))
}

type control struct {
	tag, id, typ string
	named        bool // aria-label, aria-labelledby or title
	wrapped      bool // inside a <label>
	tabindex     string
}

func parseControls(t *testing.T, page string) (controls []control, labelFor map[string]bool) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	labelFor = map[string]bool{}
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "label":
				if f := attr["for"]; f != "" {
					labelFor[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				typ := attr["type"]
				if n.Data == "input" && (typ == "hidden" || typ == "submit" || typ == "button" || typ == "reset" || typ == "image") {
					break
				}
				_, aria := attr["aria-label"]
				_, by := attr["aria-labelledby"]
				_, title := attr["title"]
				controls = append(controls, control{tag: n.Data, id: attr["id"], typ: typ,
					named: aria || by || title, wrapped: inLabel, tabindex: attr["tabindex"]})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	return controls, labelFor
}

func unlabelled(t *testing.T, page string) []string {
	controls, labelFor := parseControls(t, page)
	var out []string
	for _, c := range controls {
		if !(c.named || c.wrapped || c.id != "" && labelFor[c.id]) {
			out = append(out, "<"+c.tag+" id="+strconv.Quote(c.id)+" type="+strconv.Quote(c.typ)+"> has no label")
		}
		if n, err := strconv.Atoi(c.tabindex); err == nil && n != 0 {
			out = append(out, "<"+c.tag+" id="+strconv.Quote(c.id)+"> has tabindex "+c.tabindex)
		}
	}
	return out
}

func countControls(t *testing.T, page string) int {
	c, _ := parseControls(t, page)
	return len(c)
}
