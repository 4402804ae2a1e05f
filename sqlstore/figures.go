package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/ucxdev/ucx"
)

var _ ucx.FiguresService = (*DB)(nil)

// Figures computes the market figures for a period: what the
// rule changes (near-new exports, zero-mileage cars, days from
// registration to application, R1) and how manufacturers use their gate
// (letters requested, answered and refused, by manufacturer and by
// exporter size). Every query reads application_facts, the narrow summary
// the triggers of migration 0004 keep, or the figures index of
// confirmation_requests, never the wide applications rows, so each stays
// under half a second at a million applications (BenchmarkFigures).
//
// Percentiles are nearest-rank over whole days (registration to
// application) or whole hours (time to answer a letter request).
func (db *DB) Figures(ctx context.Context, p *ucx.Principal, f ucx.FigureFilter) (*ucx.Figures, error) {
	if !f.Public {
		if err := signedIn(p); err != nil {
			return nil, err
		}
		if !p.Is(ucx.KindAuthority) {
			return nil, ucx.Errorf(ucx.EFORBIDDEN, "the full figures are for licensing authorities; the public figures are at /api/v1/public/figures")
		}
	}
	if f.From.IsZero() || f.To.IsZero() || f.To.Before(f.From) {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "from", "give a period with from ≤ to, as YYYY-MM-DD")
	}
	if f.To.Sub(f.From) > 3700 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "to", "the period is at most ten years")
	}
	if err := f.Config.Validate(); err != nil {
		return nil, err
	}
	cfg := db.oversight().Figures
	if f.Config.NearZeroKM > 0 {
		cfg.NearZeroKM = f.Config.NearZeroKM
	}
	if f.Config.SmallBelow > 0 {
		cfg.SmallBelow = f.Config.SmallBelow
	}
	if f.Config.LargeFrom > 0 {
		cfg.LargeFrom = f.Config.LargeFrom
	}
	if f.Config.MinCell > 0 {
		cfg.MinCell = f.Config.MinCell
	}
	if cfg.LargeFrom < cfg.SmallBelow {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "large_from", "large_from must be at least small_below")
	}
	fc := &figureCtx{from: f.From.Days(), to: f.To.Days(), cfg: cfg, public: f.Public}
	out := &ucx.Figures{From: f.From, To: f.To, Public: f.Public, Config: cfg}
	err := db.View(ctx, "sqlstore.Figures", func(tx *Tx) error {
		for _, fig := range []func(context.Context, *Tx) (*ucx.FigureTable, error){
			fc.byMonth, fc.byDestination, fc.byBrand, fc.byManufacturer, fc.regDays, fc.letters, fc.bySize,
		} {
			t, err := fig(ctx, tx)
			if err != nil {
				return err
			}
			out.Tables = append(out.Tables, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type figureCtx struct {
	from, to int
	cfg      ucx.FigureConfig
	public   bool
}

// count returns a count cell, suppressed in public figures below MinCell.
func (fc *figureCtx) count(n int) *float64 {
	if fc.public && n < fc.cfg.MinCell {
		return nil
	}
	v := float64(n)
	return &v
}

// share returns num/den, undefined for den 0 and suppressed in public
// figures when either side is below MinCell (a small numerator would be
// recoverable from the share).
func (fc *figureCtx) share(num, den int) *float64 {
	if den == 0 || fc.public && (num < fc.cfg.MinCell || den < fc.cfg.MinCell) {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// stat returns a percentile over n cases, suppressed when n < MinCell in
// public figures.
func (fc *figureCtx) stat(h histogram, q float64) *float64 {
	n := h.n()
	if n == 0 || fc.public && n < fc.cfg.MinCell {
		return nil
	}
	v := float64(h.percentile(q))
	return &v
}

// histogram counts cases by an integer value (days, hours).
type histogram map[int]int

func (h histogram) n() int {
	t := 0
	for _, c := range h {
		t += c
	}
	return t
}

// percentile is the nearest-rank percentile: the smallest value with at
// least ⌈q·n⌉ cases at or below it.
func (h histogram) percentile(q float64) int {
	keys := make([]int, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	n := h.n()
	rank := int(q*float64(n) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	seen := 0
	for _, k := range keys {
		seen += h[k]
		if seen >= rank {
			return k
		}
	}
	return keys[len(keys)-1]
}

func monthKey(m int) string { return fmt.Sprintf("%04d-%02d", m/100, m%100) }

var volumeColumns = []string{"applications", "licensed", "letter_required", "letter_share", "near_zero", "mileage_known", "near_zero_share"}

// volumeRow is what every volume figure counts for one key.
type volumeRow struct {
	key, label                        string
	apps, licensed, letter, nz, known int
}

func (fc *figureCtx) volumeValues(r *volumeRow) []*float64 {
	return []*float64{fc.count(r.apps), fc.count(r.licensed), fc.count(r.letter), fc.share(r.letter, r.apps),
		fc.count(r.nz), fc.count(r.known), fc.share(r.nz, r.known)}
}

// volumes runs one grouped count over application_facts.
func (fc *figureCtx) volumes(ctx context.Context, tx *Tx, keyExpr string) ([]*volumeRow, error) {
	rows, err := tx.Query(ctx, `SELECT `+keyExpr+`, COUNT(*), COUNT(licence_day), CAST(SUM(letter) AS BIGINT),
		CAST(SUM(CASE WHEN mileage < ? THEN 1 ELSE 0 END) AS BIGINT), COUNT(mileage)
		FROM application_facts WHERE app_day >= ? AND app_day <= ? GROUP BY `+keyExpr+` ORDER BY `+keyExpr,
		fc.cfg.NearZeroKM, fc.from, fc.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*volumeRow
	for rows.Next() {
		var r volumeRow
		if err := rows.Scan(&r.key, &r.apps, &r.licensed, &r.letter, &r.nz, &r.known); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (fc *figureCtx) volumeTable(name, title string, rs []*volumeRow) *ucx.FigureTable {
	t := &ucx.FigureTable{Name: name, Title: title, Columns: volumeColumns, Rows: []ucx.FigureRow{}}
	for _, r := range rs {
		t.Rows = append(t.Rows, ucx.FigureRow{Key: r.key, Label: r.label, Values: fc.volumeValues(r)})
	}
	return t
}

// byMonth counts applications by the month they were filed, and licences
// by the month they were issued (a licence of a January application issued
// in February counts in February's licences).
func (fc *figureCtx) byMonth(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	rs, err := fc.volumes(ctx, tx, "month")
	if err != nil {
		return nil, err
	}
	byKey := map[string]*volumeRow{}
	for _, r := range rs {
		m, _ := strconv.Atoi(r.key)
		r.key = monthKey(m)
		r.licensed = 0
		byKey[r.key] = r
	}
	rows, err := tx.Query(ctx, `SELECT licence_month, COUNT(*) FROM application_facts
		WHERE licence_day >= ? AND licence_day <= ? GROUP BY licence_month`, fc.from, fc.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m, n int
		if err := rows.Scan(&m, &n); err != nil {
			return nil, err
		}
		r := byKey[monthKey(m)]
		if r == nil {
			r = &volumeRow{key: monthKey(m)}
			byKey[r.key] = r
			rs = append(rs, r)
		}
		r.licensed = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].key < rs[j].key })
	t := fc.volumeTable("by_month", "Applications and licences by month", rs)
	t.Columns = append([]string{}, volumeColumns...)
	t.Columns[1] = "licences"
	return t, nil
}

func (fc *figureCtx) byDestination(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	rs, err := fc.volumes(ctx, tx, "destination")
	if err != nil {
		return nil, err
	}
	return fc.volumeTable("by_destination", "Applications by destination", rs), nil
}

func (fc *figureCtx) byBrand(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	rs, err := fc.volumes(ctx, tx, "brand")
	if err != nil {
		return nil, err
	}
	return fc.volumeTable("by_brand", "Applications by brand", rs), nil
}

// orgNames returns the names of the organisations ids.
func (tx *Tx) orgNames(ctx context.Context) (map[int64]string, error) {
	rows, err := tx.Query(ctx, "SELECT id, name FROM orgs WHERE kind = ?", string(ucx.KindManufacturer))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// byManufacturer counts by the manufacturer the VIN routes to; key 0 is a
// VIN ucx could not route.
func (fc *figureCtx) byManufacturer(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	rs, err := fc.volumes(ctx, tx, "manufacturer_id")
	if err != nil {
		return nil, err
	}
	names, err := tx.orgNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		id, _ := strconv.ParseInt(r.key, 10, 64)
		r.label = names[id]
		if id == 0 {
			r.label = "unknown"
		}
	}
	return fc.volumeTable("by_manufacturer", "Applications by manufacturer", rs), nil
}

// regDays: days from registration to application (R1's 180-day line), by
// month and over the whole period (key "all", last).
func (fc *figureCtx) regDays(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	rows, err := tx.Query(ctx, `SELECT month, reg_days, COUNT(*) FROM application_facts
		WHERE app_day >= ? AND app_day <= ? GROUP BY month, reg_days`, fc.from, fc.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	all := histogram{}
	byMonth := map[int]histogram{}
	for rows.Next() {
		var m, d, n int
		if err := rows.Scan(&m, &d, &n); err != nil {
			return nil, err
		}
		if byMonth[m] == nil {
			byMonth[m] = histogram{}
		}
		byMonth[m][d] += n
		all[d] += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := &ucx.FigureTable{Name: "registration_to_application", Title: "Days from registration to application",
		Columns: []string{"applications", "median_days", "p90_days"}, Rows: []ucx.FigureRow{}}
	months := make([]int, 0, len(byMonth))
	for m := range byMonth {
		months = append(months, m)
	}
	sort.Ints(months)
	row := func(key string, h histogram) ucx.FigureRow {
		return ucx.FigureRow{Key: key, Values: []*float64{fc.count(h.n()), fc.stat(h, 0.5), fc.stat(h, 0.9)}}
	}
	for _, m := range months {
		t.Rows = append(t.Rows, row(monthKey(m), byMonth[m]))
	}
	t.Rows = append(t.Rows, row("all", all))
	return t, nil
}

var letterColumns = []string{"requested", "approved", "refused", "pending", "approval_rate", "median_hours", "p90_hours"}

// letterRow accumulates letter requests for one key.
type letterRow struct {
	key                                string
	requested, approved, refused, pend int
	exporters                          int
	hours                              histogram
}

func (fc *figureCtx) letterValues(r *letterRow) []*float64 {
	return []*float64{fc.count(r.requested), fc.count(r.approved), fc.count(r.refused), fc.count(r.pend),
		fc.share(r.approved, r.approved+r.refused), fc.stat(r.hours, 0.5), fc.stat(r.hours, 0.9)}
}

// letterGroups reads (key, state, hours-to-answer, count) rows of
// confirmation requests into letterRows. Hours are whole hours from the
// request to its answer, -1 when unanswered; a void request (its
// application withdrawn) counts as requested only.
func letterGroups(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) (map[string]*letterRow, error) {
	out := map[string]*letterRow{}
	for rows.Next() {
		var key, state string
		var h, n int
		if err := rows.Scan(&key, &state, &h, &n); err != nil {
			return nil, err
		}
		r := out[key]
		if r == nil {
			r = &letterRow{key: key, hours: histogram{}}
			out[key] = r
		}
		r.requested += n
		switch ucx.ConfirmationState(state) {
		case ucx.ConfirmationApproved:
			r.approved += n
		case ucx.ConfirmationRefused:
			r.refused += n
		case ucx.ConfirmationPending:
			r.pend += n
		}
		if h >= 0 && (state == string(ucx.ConfirmationApproved) || state == string(ucx.ConfirmationRefused)) {
			r.hours[h] += n
		}
	}
	return out, rows.Err()
}

const answerHours = "CASE WHEN cr.answered_at IS NULL THEN -1 ELSE (cr.answered_at - cr.requested_at) / 3600000000 END"

// span is the period as request times: from the first day's midnight to
// the day after the last, China time.
func (fc *figureCtx) span() (int64, int64) {
	return micros(ucx.DateFromDays(fc.from).Time()), micros(ucx.DateFromDays(fc.to + 1).Time())
}

// letters: letter requests by manufacturer (R2), requested in the period.
func (fc *figureCtx) letters(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	from, to := fc.span()
	rows, err := tx.Query(ctx, `SELECT CAST(cr.manufacturer_id AS TEXT), cr.state, `+answerHours+`, COUNT(*)
		FROM confirmation_requests cr WHERE cr.requested_at >= ? AND cr.requested_at < ?
		GROUP BY cr.manufacturer_id, cr.state, `+answerHours, from, to)
	if err != nil {
		return nil, err
	}
	groups, err := letterGroups(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	names, err := tx.orgNames(ctx)
	if err != nil {
		return nil, err
	}
	t := &ucx.FigureTable{Name: "letters_by_manufacturer", Title: "Letter requests by manufacturer", Columns: letterColumns, Rows: []ucx.FigureRow{}}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.ParseInt(keys[i], 10, 64)
		b, _ := strconv.ParseInt(keys[j], 10, 64)
		return a < b
	})
	for _, k := range keys {
		id, _ := strconv.ParseInt(k, 10, 64)
		t.Rows = append(t.Rows, ucx.FigureRow{Key: k, Label: names[id], Values: fc.letterValues(groups[k])})
	}
	return t, nil
}

// Exporter sizes, smallest first.
var sizes = []string{"small", "medium", "large"}

// bySize: the gatekeeping question. Exporters are sized by the
// applications they filed in the year (365 days) to the period's end;
// their letter requests of the period are counted by size.
func (fc *figureCtx) bySize(ctx context.Context, tx *Tx) (*ucx.FigureTable, error) {
	from, to := fc.span()
	sizeExpr := "CASE WHEN COALESCE(v.n, 0) < ? THEN 'small' WHEN v.n >= ? THEN 'large' ELSE 'medium' END"
	vol := "WITH v AS (SELECT exporter_id, COUNT(*) AS n FROM application_facts WHERE app_day > ? AND app_day <= ? GROUP BY exporter_id) "
	rows, err := tx.Query(ctx, vol+`SELECT `+sizeExpr+`, cr.state, `+answerHours+`, COUNT(*)
		FROM confirmation_requests cr LEFT JOIN v ON v.exporter_id = cr.exporter_id
		WHERE cr.requested_at >= ? AND cr.requested_at < ?
		GROUP BY 1, 2, 3`, fc.to-365, fc.to, fc.cfg.SmallBelow, fc.cfg.LargeFrom, from, to)
	if err != nil {
		return nil, err
	}
	groups, err := letterGroups(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, vol+`SELECT `+sizeExpr+`, COUNT(*) FROM v GROUP BY 1`, fc.to-365, fc.to, fc.cfg.SmallBelow, fc.cfg.LargeFrom)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var size string
		var n int
		if err := rows.Scan(&size, &n); err != nil {
			return nil, err
		}
		if groups[size] == nil {
			groups[size] = &letterRow{key: size, hours: histogram{}}
		}
		groups[size].exporters = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := &ucx.FigureTable{Name: "by_exporter_size", Title: "Letters by exporter size (yearly volume)",
		Columns: append([]string{"exporters"}, letterColumns...), Rows: []ucx.FigureRow{}}
	for _, s := range sizes {
		r := groups[s]
		if r == nil {
			r = &letterRow{key: s, hours: histogram{}}
		}
		label := map[string]string{
			"small":  fmt.Sprintf("< %d a year", fc.cfg.SmallBelow),
			"medium": fmt.Sprintf("%d–%d a year", fc.cfg.SmallBelow, fc.cfg.LargeFrom-1),
			"large":  fmt.Sprintf("≥ %d a year", fc.cfg.LargeFrom),
		}[s]
		t.Rows = append(t.Rows, ucx.FigureRow{Key: s, Label: label, Values: append([]*float64{fc.count(r.exporters)}, fc.letterValues(r)...)})
	}
	return t, nil
}
