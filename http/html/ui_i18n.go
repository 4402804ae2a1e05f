package html

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/i18n"
)

// uiMessages is the web UI's catalogue: locales/<lang>.json, embedded in
// the binary and loaded through golang.org/x/text/message/catalog by
// package i18n. Keys are stable names; values are fmt formats or CLDR
// plural choices. Tests check that zh and en have every key and ru every
// key of the public pages (uiPublicPrefixes); docs/i18n.md says how to add
// one.
var uiMessages = i18n.MustLoad(uiLocaleFS, "locales")

//go:embed locales/*.json
var uiLocaleFS embed.FS

// uiPublicPrefixes are the key prefixes of the pages anyone reads without
// signing in that also speak Russian (the verification page and its
// layout, for buyers and customs officers abroad): the Russian catalogue
// must have every such key.
var uiPublicPrefixes = []string{"layout.", "title.verify", "nav.verify", "verify.", "country.", "error.", "field.document"}

// uiCatalog is one language the pages speak.
type uiCatalog struct {
	lang string // the catalogue's file name
	tag  string // BCP 47, for lang= and Content-Language
	name string // the language's own name, for the switch
}

var uiCatalogs = map[string]*uiCatalog{
	"zh": {lang: "zh", tag: "zh-CN", name: "中文"},
	"en": {lang: "en", tag: "en", name: "English"},
	"ru": {lang: "ru", tag: "ru", name: "Русский"},
}

// T translates key into the page's language, formatting args into it. A
// key missing from the language falls back to English, then to Chinese,
// then shows the key itself (the tests keep that from happening).
func (b *uiBase) T(key string, args ...any) string {
	return uiMessages.Sprintf(b.Lang, key, args...)
}

// Jurisdiction names an R14 jurisdiction (its canonical name, as in
// ucx.Org.Jurisdiction) as readers of the language do: 广东省, Guangdong.
// An unknown one is shown as given; none is a dash.
func (b *uiBase) Jurisdiction(name string) string {
	j, ok := ucx.LookupJurisdiction(name)
	switch {
	case name == "":
		return "—"
	case !ok:
		return name
	case b.Lang == "zh":
		return j.FullName
	}
	return j.EN
}

// OwnJurisdiction is the signed-in authority's jurisdiction, named as
// Jurisdiction does, "" for other kinds: the review queue and the
// exporters page say whose filings they hold (R14).
func (b *uiBase) OwnJurisdiction() string {
	if b.User == nil || b.User.OrgKind != ucx.KindAuthority {
		return ""
	}
	return b.Jurisdiction(b.User.Jurisdiction)
}

// has reports whether the page's language has key.
func (b *uiBase) has(key string) bool { return uiMessages.Has(b.Lang, key) }

// LangTag is the page's BCP 47 language tag.
func (b *uiBase) LangTag() string { return b.loc.tag }

var uiMonthsEN = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Date formats a date as readers of the language write it: 2026年3月10日,
// 10 Mar 2026, 10.03.2026. The zero date is a dash.
func (b *uiBase) Date(d ucx.Date) string {
	if d.IsZero() {
		return "—"
	}
	y, m, day := d.Civil()
	switch b.Lang {
	case "zh":
		return fmt.Sprintf("%d年%d月%d日", y, m, day)
	case "ru":
		return fmt.Sprintf("%02d.%02d.%d", day, m, y)
	}
	return fmt.Sprintf("%d %s %d", day, uiMonthsEN[m-1], y)
}

// Time formats an instant in China time (the regime's clock, R1), to the
// minute.
func (b *uiBase) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(ucx.ChinaTime)
	return b.Date(ucx.DateOf(t)) + " " + t.Format("15:04")
}

// Num formats an integer with the language's digit grouping: 12,345 in
// Chinese and English, 12 345 (narrow no-break space) in Russian.
func (b *uiBase) Num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if b.Lang == "ru" {
		sep = "\u202f"
	}
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteString(sep)
		}
		out.WriteRune(c)
	}
	return out.String()
}

// Waited says how long ago t was, in days and hours (or minutes under an
// hour): the time a confirmation request has waited.
func (b *uiBase) Waited(t time.Time) string {
	d := b.Now.Sub(t)
	if d < 0 {
		d = 0
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return b.T("dur.dh", days, hours)
	case hours > 0:
		return b.T("dur.hm", hours, mins)
	}
	return b.T("dur.m", mins)
}

// DaysUntil says how many days from today d is: "in 3 days", "today",
// "2 days ago".
func (b *uiBase) DaysUntil(d ucx.Date) string {
	if d.IsZero() {
		return "—"
	}
	n := d.Sub(b.Today)
	switch {
	case n == 0:
		return b.T("days.today")
	case n > 0:
		return b.T("days.in", n)
	}
	return b.T("days.ago", -n)
}

// State names a workflow state.
func (b *uiBase) State(s ucx.State) string { return b.T("state." + string(s)) }

// StateText names a state given as text (an event's before and after),
// showing unknown values as they are.
func (b *uiBase) StateText(s string) string {
	for _, prefix := range []string{"state.", "cstate.", "after."} {
		if b.has(prefix + s) {
			return b.T(prefix + s)
		}
	}
	return s
}

// Outcome names a policy outcome by its stable name.
func (b *uiBase) Outcome(o string) string { return b.T("outcome." + o) }

// uiReasons is a decision's reasons with the page's language, for the
// "reasons" template, which shows each in that language (ucx.Reason.Text:
// Chinese on a Chinese page when the reason has it, English otherwise).
type uiReasons struct {
	Lang string
	List []ucx.Reason
}

// Reasons pairs a decision's reasons with the page's language.
func (b *uiBase) Reasons(rs []ucx.Reason) uiReasons {
	return uiReasons{Lang: b.Lang, List: rs}
}

// Energy names an energy type.
func (b *uiBase) Energy(e ucx.EnergyType) string {
	if e == "" {
		return "—"
	}
	return b.T("energy." + string(e))
}

// Standing names an exporter's credit standing (R8).
func (b *uiBase) Standing(s ucx.Standing) string {
	if s == "" {
		s = ucx.StandingNormal
	}
	return b.T("standing." + string(s))
}

// Refusal names a refusal code.
func (b *uiBase) Refusal(code string) string {
	if b.has("refusal." + code) {
		return b.T("refusal." + code)
	}
	return code
}

// Action names a timeline event's action, or shows it as recorded.
func (b *uiBase) Action(a string) string {
	if b.has("action." + a) {
		return b.T("action." + a)
	}
	return a
}

// Country shows an ISO code with the country's name when the catalogue
// knows it (the usual destinations), e.g. "俄罗斯 (RU)".
func (b *uiBase) Country(code string) string {
	if b.has("country." + code) {
		return b.T("country."+code) + " (" + code + ")"
	}
	return code
}

// uiLetterList is a dashboard list of cars with their page's helpers.
type uiLetterList struct {
	B     *uiBase
	Items []*ucx.Application
}

// LetterList pairs items with the page, for the "letterlist" template.
func (b *uiBase) LetterList(items []*ucx.Application) uiLetterList {
	return uiLetterList{B: b, Items: items}
}

// NextStep says in words what happens next to the application and who
// must act.
func (pg *uiApplicationPage) NextStep() string {
	a := pg.App
	switch a.State {
	case ucx.StateDraft:
		return pg.T("next.draft")
	case ucx.StateSubmitted:
		return pg.T("next.submitted")
	case ucx.StateAwaitingConfirmation:
		return pg.T("next.awaiting")
	case ucx.StateUnderReview:
		return pg.T("next.under_review")
	case ucx.StateLicensed:
		return pg.T("next.licensed")
	case ucx.StateCleared:
		if pg.Licence != nil && !pg.Licence.DeregistrationDue.IsZero() {
			return pg.T("next.cleared", pg.Date(pg.Licence.DeregistrationDue))
		}
		return pg.T("next.cleared", "—")
	case ucx.StateRefused:
		return pg.T("next.refused")
	case ucx.StateWithdrawn:
		return pg.T("next.withdrawn")
	}
	return ""
}

func init() {
	uiFuncs["deref"] = func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	uiFuncs["derefTime"] = func(p *time.Time) time.Time {
		if p == nil {
			return time.Time{}
		}
		return *p
	}
}
