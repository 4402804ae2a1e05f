package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sheet"
)

// Figures routes: the full market figures for authorities and a
// public variant with small cells suppressed (the service decides both).
// Each answers JSON, or with ?format=csv one table (?table=by_month) or
// every table in long form, or with ?format=xlsx a workbook with a sheet
// per table: the dashboard's download links.
func (s *Server) registerFigureRoutes() {
	s.handle("GET /api/v1/figures", s.authenticate(func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		s.serveFigures(w, r, p, false)
	}))
	s.handle("GET /api/v1/public/figures", func(w http.ResponseWriter, r *http.Request) {
		s.serveFigures(w, r, nil, true)
	})
}

// figureFilter reads the period and the optional thresholds from the
// query. The public variant never takes min_cell from the query: a reader
// must not be able to lower the suppression.
func (s *Server) figureFilter(q url.Values, public bool) (ucx.FigureFilter, error) {
	from, to, err := wire.Period(q, ucx.DateOf(s.now()))
	if err != nil {
		return ucx.FigureFilter{}, err
	}
	f := ucx.FigureFilter{From: from, To: to, Public: public}
	for _, k := range []struct {
		name string
		dst  *int
	}{{"near_zero_km", &f.Config.NearZeroKM}, {"small_below", &f.Config.SmallBelow}, {"large_from", &f.Config.LargeFrom}} {
		if *k.dst, err = wire.QueryInt(q, k.name, 0, 0, 1_000_000); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) serveFigures(w http.ResponseWriter, r *http.Request, p *ucx.Principal, public bool) {
	if s.FiguresService == nil {
		s.Error(w, r, ucx.Errorf(ucx.EUNAVAILABLE, "figures are not available on this server"))
		return
	}
	q := r.URL.Query()
	f, err := s.figureFilter(q, public)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := q.Get("format")
	table := q.Get("table")
	if format != "" && format != "json" && format != "csv" && format != "xlsx" {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "format", "format must be json, csv or xlsx"))
		return
	}
	if table != "" && !contains(ucx.FigureNames, table) {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "table", "table must be one of %v", ucx.FigureNames))
		return
	}
	figs, err := s.FiguresService.Figures(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if table != "" {
		figs.Tables = []*ucx.FigureTable{figs.Table(table)}
	}
	name := fmt.Sprintf("ucx-figures-%s-%s", f.From, f.To)
	if public {
		name = fmt.Sprintf("ucx-public-figures-%s-%s", f.From, f.To)
	}
	if table != "" {
		name += "-" + table
	}
	switch format {
	case "csv":
		b := figuresCSV(figs, table != "")
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(b)
	case "xlsx":
		b, err := figuresXLSX(figs)
		if err != nil {
			s.Error(w, r, &ucx.Error{Code: ucx.EINTERNAL, Message: "the workbook could not be written", Err: err})
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(b)
	default:
		writeJSON(w, http.StatusOK, figs)
	}
}

// cell formats one value: empty for a suppressed or undefined one, whole
// numbers without a decimal point, shares to four places.
func cell(v *float64) string {
	if v == nil {
		return ""
	}
	if *v == float64(int64(*v)) {
		return strconv.FormatInt(int64(*v), 10)
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

// figuresCSV writes one table as a wide CSV (key, label, its columns), or
// every table in long form (figure, key, label, column, value), since the
// tables' columns differ. A UTF-8 byte order mark leads, so that Excel in
// a Chinese locale reads the manufacturers' names correctly.
func figuresCSV(f *ucx.Figures, one bool) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	if one && len(f.Tables) == 1 {
		t := f.Tables[0]
		cw.Write(sheet.SafeRecord(append([]string{"key", "label"}, t.Columns...)))
		for _, row := range t.Rows {
			rec := []string{sheet.SafeCell(row.Key), sheet.SafeCell(row.Label)}
			for _, v := range row.Values {
				rec = append(rec, cell(v))
			}
			cw.Write(rec)
		}
	} else {
		cw.Write([]string{"figure", "key", "label", "column", "value"})
		for _, t := range f.Tables {
			for _, row := range t.Rows {
				for i, v := range row.Values {
					cw.Write(append(sheet.SafeRecord([]string{t.Name, row.Key, row.Label, t.Columns[i]}), cell(v)))
				}
			}
		}
	}
	cw.Flush()
	return buf.Bytes()
}

// figuresXLSX writes a workbook with one sheet per table (named by the
// table, which fits Excel's 31-character limit), numbers as numbers and
// suppressed cells empty.
func figuresXLSX(f *ucx.Figures) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	for i, t := range f.Tables {
		tab := t.Name
		if i == 0 {
			if err := x.SetSheetName("Sheet1", tab); err != nil {
				return nil, err
			}
		} else if _, err := x.NewSheet(tab); err != nil {
			return nil, err
		}
		header := append([]any{"key", "label"}, toAny(sheet.SafeRecord(append([]string(nil), t.Columns...)))...)
		if err := x.SetSheetRow(tab, "A1", &header); err != nil {
			return nil, err
		}
		for j, row := range t.Rows {
			rec := []any{sheet.SafeCell(row.Key), sheet.SafeCell(row.Label)}
			for _, v := range row.Values {
				if v == nil {
					rec = append(rec, nil)
				} else {
					rec = append(rec, *v)
				}
			}
			axis, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := x.SetSheetRow(tab, axis, &rec); err != nil {
				return nil, err
			}
		}
	}
	b, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
