package html

// Oversight pages: the authorities' market dashboard and its
// public twin, credit standings and events (R8), R6's public naming.
//
// Charts are drawn by Apache ECharts 6.1.0 (npm "echarts",
// dist/echarts.min.js, Apache-2.0; assets/vendor/README.txt), embedded
// and served from /assets like everything else, so the dashboard works
// with no internet. The page carries each chart's data as a JSON block
// (not script: the CSP allows no inline script) that assets/figures.js
// reads; every chart has its table beside it, which is also what a reader
// without script or a screen reader gets, and CSV/XLSX links to the API.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// uiFiguresPage is the dashboard: the authorities' (full) or the public
// one (small cells suppressed, no exporter named).
type uiFiguresPage struct {
	uiBase
	Public    bool
	From, To  ucx.Date
	Figures   *ucx.Figures
	Charts    []*uiChart
	ECharts   string // fingerprinted script URLs
	FiguresJS string
	APIBase   string // /api/v1/figures or /api/v1/public/figures
	Query     string // from=…&to=…, for the download links
	// The whole links to the figures of the period shown, built here:
	// a query put into an href by the template is escaped as one value
	// (from%3d…%26to%3d…), which the API reads as no period at all.
	AllXLSX, AllCSV, PublicURL string
}

// uiChart is one chart with its table and downloads.
type uiChart struct {
	ID    string
	Title string
	Note  string
	Table *ucx.FigureTable
	// Columns are the table's column headings, translated.
	Columns []string
	Rows    []uiChartRow
	CSV     string
	XLSX    string
	Data    uiChartData
}

// uiChartRow is one table row as shown: its label and formatted cells.
type uiChartRow struct {
	Label string
	Cells []string
}

// uiChartData is what assets/figures.js draws: categories along x and
// series of values (null where suppressed), percentages as 0–100.
type uiChartData struct {
	Kind       string          `json:"kind"` // bar or line
	Categories []string        `json:"categories"`
	Series     []uiChartSeries `json:"series"`
	Stack      bool            `json:"stack,omitempty"`
}

type uiChartSeries struct {
	Name   string     `json:"name"`
	Values []*float64 `json:"values"`
	Axis   int        `json:"axis,omitempty"` // 1: the right-hand axis
	Kind   string     `json:"kind,omitempty"` // overrides the chart's kind
}

// uiChartSpec says which of a figure's columns a chart draws.
type uiChartSpec struct {
	id, table string
	kind      string
	columns   []string
	right     []string // columns on the right-hand axis, as lines
	percent   bool
	stack     bool
	skipAll   bool // leave out the "all" row
}

var uiChartSpecs = []uiChartSpec{
	{id: "by_month", table: "by_month", kind: "bar", columns: []string{"applications", "licences"}},
	{id: "shares_by_month", table: "by_month", kind: "line", columns: []string{"letter_share", "near_zero_share"}, percent: true},
	{id: "by_destination", table: "by_destination", kind: "bar", columns: []string{"applications", "licensed"}},
	{id: "by_brand", table: "by_brand", kind: "bar", columns: []string{"applications", "licensed"}},
	{id: "by_manufacturer", table: "by_manufacturer", kind: "bar", columns: []string{"applications", "licensed", "letter_required"}},
	{id: "registration_to_application", table: "registration_to_application", kind: "line", columns: []string{"median_days", "p90_days"}, skipAll: true},
	{id: "letters_by_manufacturer", table: "letters_by_manufacturer", kind: "bar", columns: []string{"approved", "refused", "pending"}, right: []string{"median_hours"}, stack: true},
	{id: "by_exporter_size", table: "by_exporter_size", kind: "bar", columns: []string{"approval_rate"}, right: []string{"median_hours", "p90_hours"}, percent: true},
}

// uiOversight is the authorities' dashboard.
func (s *UI) uiOversight(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	s.renderFigures(w, r, p, false)
}

// uiPublicFigures is the public dashboard; it needs no sign-in.
func (s *UI) uiPublicFigures(w http.ResponseWriter, r *http.Request) {
	s.renderFigures(w, r, s.optionalPrincipal(r), true)
}

// optionalPrincipal is the signed-in user of a public page, or nil: a
// public page shows the navigation to whoever has a session.
func (s *UI) optionalPrincipal(r *http.Request) *ucx.Principal {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || s.Sessions == nil {
		return nil
	}
	p, err := s.Sessions.PrincipalBySession(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return p
}

func (s *UI) renderFigures(w http.ResponseWriter, r *http.Request, p *ucx.Principal, public bool) {
	title := "title.oversight"
	if public {
		title = "title.public_figures"
	}
	pg := &uiFiguresPage{uiBase: s.newBase(r, p, "figures", title), Public: public,
		ECharts: s.web.assetURL("/assets/vendor/echarts.min.js"), FiguresJS: s.web.assetURL("/assets/figures.js")}
	if s.FiguresService == nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EUNAVAILABLE, "figures are not available on this server"))
		return
	}
	from, to, err := wire.Period(r.URL.Query(), ucx.DateOf(s.now()))
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	figs, err := s.FiguresService.Figures(r.Context(), p, ucx.FigureFilter{From: from, To: to, Public: public})
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg.From, pg.To, pg.Figures = from, to, figs
	pg.APIBase = "/api/v1/figures"
	if public {
		pg.APIBase = "/api/v1/public/figures"
	}
	q := url.Values{"from": {from.String()}, "to": {to.String()}}
	pg.Query = q.Encode()
	pg.AllXLSX = pg.APIBase + "?" + pg.Query + "&format=xlsx"
	pg.AllCSV = pg.APIBase + "?" + pg.Query + "&format=csv"
	pg.PublicURL = "/figures?" + pg.Query
	for _, spec := range uiChartSpecs {
		t := figs.Table(spec.table)
		if t == nil {
			continue
		}
		pg.Charts = append(pg.Charts, pg.chart(spec, t))
	}
	s.render(w, r, pg)
}

// chart builds one chart's data and table from a figure.
func (pg *uiFiguresPage) chart(spec uiChartSpec, t *ucx.FigureTable) *uiChart {
	c := &uiChart{ID: spec.id, Title: pg.T("fig." + spec.id), Note: pg.T("fignote." + spec.id), Table: t,
		CSV:  fmt.Sprintf("%s?%s&format=csv&table=%s", pg.APIBase, pg.Query, t.Name),
		XLSX: fmt.Sprintf("%s?%s&format=xlsx", pg.APIBase, pg.Query),
		Data: uiChartData{Kind: spec.kind, Stack: spec.stack, Categories: []string{}}}
	for _, col := range t.Columns {
		c.Columns = append(c.Columns, pg.T("figcol."+col))
	}
	index := map[string]int{}
	for i, col := range t.Columns {
		index[col] = i
	}
	var rows []ucx.FigureRow
	for _, row := range t.Rows {
		if spec.skipAll && row.Key == "all" {
			continue
		}
		rows = append(rows, row)
	}
	for _, row := range t.Rows {
		cells := make([]string, len(row.Values))
		for i, v := range row.Values {
			cells[i] = pg.cell(t.Columns[i], v)
		}
		c.Rows = append(c.Rows, uiChartRow{Label: pg.rowLabel(t.Name, row), Cells: cells})
	}
	for _, row := range rows {
		c.Data.Categories = append(c.Data.Categories, pg.rowLabel(t.Name, row))
	}
	add := func(col string, axis int, kind string) {
		i, ok := index[col]
		if !ok {
			return
		}
		se := uiChartSeries{Name: pg.T("figcol." + col), Axis: axis, Kind: kind, Values: []*float64{}}
		for _, row := range rows {
			v := row.Values[i]
			if v != nil && strings.HasSuffix(col, "_share") || v != nil && col == "approval_rate" {
				pct := *v * 100
				v = &pct
			}
			se.Values = append(se.Values, v)
		}
		c.Data.Series = append(c.Data.Series, se)
	}
	for _, col := range spec.columns {
		add(col, 0, "")
	}
	for _, col := range spec.right {
		add(col, 1, "line")
	}
	return c
}

// rowLabel names a row for readers: a country by name, a size in words,
// a manufacturer by its name, a month as it is.
func (pg *uiFiguresPage) rowLabel(table string, row ucx.FigureRow) string {
	switch {
	case table == "by_destination":
		return pg.Country(row.Key)
	case table == "by_exporter_size":
		return pg.T("size."+row.Key) + " (" + row.Label + ")"
	case row.Key == "all":
		return pg.T("fig.all")
	case row.Label == "unknown":
		return pg.T("fig.unknown")
	case row.Label != "":
		return row.Label
	}
	return row.Key
}

// cell formats a value: a dash where suppressed or undefined, shares as
// percentages with one decimal, counts and days as whole numbers.
func (pg *uiFiguresPage) cell(col string, v *float64) string {
	if v == nil {
		return "—"
	}
	if strings.HasSuffix(col, "_share") || col == "approval_rate" {
		return fmt.Sprintf("%.1f%%", *v*100)
	}
	return pg.Num(int(*v))
}

// uiCreditListPage is the authority's list of exporters with their score
// and standing under the configured thresholds, and the negative list.
type uiCreditListPage struct {
	uiBase
	Rows  []*ucx.WhatIfRow
	Items []*ucx.NegativeItem
}

// uiCredit sends an exporter to its own record and shows an authority
// every exporter's standing; to others the records do not exist.
func (s *UI) uiCredit(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if s.CreditService == nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EUNAVAILABLE, "credit records are not available on this server"))
		return
	}
	if p.Is(ucx.KindExporter) {
		http.Redirect(w, r, fmt.Sprintf("/credit/%d", p.OrgID), http.StatusSeeOther)
		return
	}
	pg := &uiCreditListPage{uiBase: s.newBase(r, p, "credit_list", "title.credit_list")}
	// A what-if under the thresholds in force is the cheapest way to list
	// every exporter with its score; it writes nothing.
	rep, err := s.thresholdsInForce(r, p)
	if err == nil {
		pg.Rows, err = s.CreditService.WhatIf(r.Context(), p, rep, ucx.Date{})
	}
	if err == nil {
		pg.Items, err = s.CreditService.NegativeList(r.Context(), p)
	}
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, pg)
}

// thresholdsInForce returns the store's standing thresholds, which
// ucx.CreditService exposes only inside a credit report: it reads the
// first exporter's report (the defaults when there is no exporter, and
// so nothing to list). The list is then a what-if under them.
func (s *UI) thresholdsInForce(r *http.Request, p *ucx.Principal) (ucx.StandingThresholds, error) {
	if !p.Is(ucx.KindAuthority) {
		return ucx.StandingThresholds{}, ucx.Errorf(ucx.EFORBIDDEN, "the list of credit records is for licensing authorities")
	}
	// Any exporter's report carries the thresholds; without one the
	// defaults apply (there is nothing to list either).
	orgs, _, err := s.OrgService.FindOrgs(r.Context(), p, ucx.OrgFilter{Kind: ucx.KindExporter, Limit: 1})
	if err != nil || len(orgs) == 0 {
		return ucx.DefaultStandingThresholds, err
	}
	rep, err := s.CreditService.CreditStanding(r.Context(), p, orgs[0].ID)
	if err != nil {
		return ucx.StandingThresholds{}, err
	}
	return rep.Thresholds, nil
}

// uiCreditPage is one exporter's credit record: standing, score, what it
// must do to recover, the events, the history, and the forms its reader
// may use (the exporter appeals; an authority records, annuls, decides).
type uiCreditPage struct {
	uiBase
	Report       *ucx.CreditReport
	Events       []*ucx.CreditEvent
	Items        []*ucx.NegativeItem
	Recovery     string
	IsAuthority  bool
	IsExporter   bool
	CanAct       bool
	Form         *uiForm
	Standings    []ucx.Standing
	ItemsByCode  map[string]*ucx.NegativeItem
	ExporterName string
}

// ItemText is a negative-list item's description in the page's language.
func (pg *uiCreditPage) ItemText(code string) string {
	if n := pg.ItemsByCode[code]; n != nil {
		if pg.Lang == "zh" {
			return n.DescriptionZH
		}
		return n.DescriptionEN
	}
	return code
}

func (s *UI) uiCreditRecord(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "credit record")
	if !ok {
		return
	}
	s.renderCredit(w, r, p, id, nil, newUIForm())
}

func (s *UI) renderCredit(w http.ResponseWriter, r *http.Request, p *ucx.Principal, id int64, formErr error, f *uiForm) {
	if s.CreditService == nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EUNAVAILABLE, "credit records are not available on this server"))
		return
	}
	ctx := r.Context()
	rep, err := s.CreditService.CreditStanding(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	events, err := s.CreditService.FindCreditEvents(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	items, err := s.CreditService.NegativeList(ctx, p)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiCreditPage{uiBase: s.newBase(r, p, "credit", "title.credit"), Report: rep, Events: events, Items: items,
		IsAuthority: p.Is(ucx.KindAuthority), IsExporter: p.Is(ucx.KindExporter), CanAct: p.Role.CanAct(), Form: f,
		Standings:   []ucx.Standing{ucx.StandingNormal, ucx.StandingWarned, ucx.StandingRectification, ucx.StandingSuspended},
		ItemsByCode: map[string]*ucx.NegativeItem{}}
	for _, n := range items {
		pg.ItemsByCode[n.Code] = n
	}
	pg.Recovery = rep.RecoveryEN
	if pg.Lang == "zh" {
		pg.Recovery = rep.RecoveryZH
	}
	pg.formError(f, formErr)
	s.render(w, r, pg)
}

// uiCreditPost handles the credit record's forms: record an event,
// decide the standing, appeal or annul an event. A refusal or a bad field
// shows the page again with the error beside its control.
func (s *UI) uiCreditPost(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "credit record")
	if !ok {
		return
	}
	if s.CreditService == nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EUNAVAILABLE, "credit records are not available on this server"))
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	for _, k := range []string{"code", "occurred_on", "evidence", "action", "standing", "reason", "note", "event_id"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	ctx := r.Context()
	var err error
	switch action := r.PathValue("action"); action {
	case "events":
		e := &ucx.CreditEvent{ExporterID: id, Code: f.V("code"), Evidence: f.V("evidence")}
		if e.OccurredOn, err = ucx.ParseDate(f.V("occurred_on")); err != nil {
			err = ucx.FieldErrorf(ucx.EINVALID, "occurred_on", "the date of the conduct, as YYYY-MM-DD")
		} else {
			err = s.CreditService.RecordCreditEvent(ctx, p, e)
		}
	case "decision":
		_, err = s.CreditService.DecideStanding(ctx, p, id, ucx.StandingDecision{Action: f.V("action"), Standing: ucx.Standing(f.V("standing")), Reason: f.V("reason")})
	case "appeal", "annul":
		var eid int64
		if _, serr := fmt.Sscan(f.V("event_id"), &eid); serr != nil || eid <= 0 {
			err = ucx.FieldErrorf(ucx.EINVALID, "event_id", "the event is missing")
		} else {
			_, err = s.CreditService.AppealCreditEvent(ctx, p, eid, f.V("note"), action == "annul")
		}
	default:
		s.uiError(w, r, p, ucx.Errorf(ucx.ENOTFOUND, "there is no action %s", wire.Clip(action)))
		return
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		s.renderCredit(w, r, p, id, err, f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/credit/%d?done=credit", id), http.StatusSeeOther)
}

// uiNamingPage is R6's public naming for a period.
type uiNamingPage struct {
	uiBase
	Naming *ucx.Naming
}

func (s *UI) uiNaming(w http.ResponseWriter, r *http.Request) {
	p := s.optionalPrincipal(r)
	if s.CreditService == nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EUNAVAILABLE, "credit records are not available on this server"))
		return
	}
	from, to, err := wire.Period(r.URL.Query(), ucx.DateOf(s.now()))
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	n, err := s.CreditService.Naming(r.Context(), from, to)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, &uiNamingPage{uiBase: s.newBase(r, p, "credit_naming", "title.naming"), Naming: n})
}

// DecisionActions are the standing decisions an authority may take.
func (pg *uiCreditPage) DecisionActions() []string { return []string{"confirm", "override", "clear"} }
