package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sheet"
	"github.com/ucxdev/ucx/sqlstore"
)

// TestCredit_OverHTTP walks the credit routes as the parties use them: an
// authority records conduct, the exporter reads its standing and appeals,
// others are refused, the authority annuls, overrides and runs a what-if
// that writes nothing, and R6's naming is public.
func TestCredit_OverHTTP(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		exp := fmt.Sprint(w.Orgs["exporter"].ID)
		decode := func(r *webtest.Response, v any) {
			t.Helper()
			if err := json.Unmarshal(r.Body, v); err != nil {
				t.Fatalf("%s: %v", r.Body, err)
			}
		}

		// false_information weighs 6 and wrong_filing 1 (the provisional
		// list): score 7 ≥ 6 is rectification_ordered under the default
		// thresholds 3/6/10.
		var ev ucx.CreditEvent
		for _, body := range []string{
			`{"code":"false_information","occurred_on":"2026-02-01","evidence":"forged invoice"}`,
			`{"code":"wrong_filing","occurred_on":"2026-02-10","evidence":"mileage differs"}`,
		} {
			r := w.Raw("authority.member", "POST", "/api/v1/exporters/"+exp+"/credit/events", body)
			if r.Status != 201 {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
			decode(r, &ev)
		}
		var rep ucx.CreditReport
		r := w.Raw("exporter.viewer", "GET", "/api/v1/exporters/"+exp+"/credit", "")
		if r.Status != 200 {
			t.Fatalf("own report: %d %s", r.Status, r.Body)
		}
		decode(r, &rep)
		if rep.Score != 7 || rep.Standing != ucx.StandingRectification || len(rep.Contributing) != 2 || rep.RecoveryEN == "" {
			t.Errorf("report: score %d standing %s, %d events, recovery %q; want 7, rectification_ordered, 2, text", rep.Score, rep.Standing, len(rep.Contributing), rep.RecoveryEN)
		}

		// Refusals: another exporter cannot see it, a manufacturer cannot
		// record, an exporter cannot annul, a viewer cannot appeal.
		for _, c := range []struct{ who, method, path, body string }{
			{"exporter2.admin", "GET", "/api/v1/exporters/" + exp + "/credit", ""},
			{"exporter2.admin", "GET", "/api/v1/exporters/" + exp + "/credit/events", ""},
			{"maker.admin", "POST", "/api/v1/exporters/" + exp + "/credit/events", `{"code":"wrong_filing","occurred_on":"2026-02-10","evidence":"x"}`},
			{"exporter.admin", "POST", fmt.Sprintf("/api/v1/credit-events/%d/annul", ev.ID), `{"note":"we say so"}`},
			{"exporter.viewer", "POST", fmt.Sprintf("/api/v1/credit-events/%d/appeal", ev.ID), `{"note":"x"}`},
			{"exporter.admin", "POST", "/api/v1/credit/what-if", `{"thresholds":{"window_days":365,"warned":1,"rectification_ordered":2,"suspended":3,"naming_count":1}}`},
			{"exporter.admin", "GET", "/api/v1/figures", ""},
		} {
			if r := w.Raw(c.who, c.method, c.path, c.body); r.Status != 403 && r.Status != 404 {
				t.Errorf("%s %s as %s: %d %s, want 403 or 404", c.method, c.path, c.who, r.Status, r.Body)
			}
		}

		// The exporter appeals; the authority annuls the wrong filing:
		// score 6, still rectification_ordered (6 ≥ 6).
		if r := w.Raw("exporter.member", "POST", fmt.Sprintf("/api/v1/credit-events/%d/appeal", ev.ID), `{"note":"the odometer was replaced"}`); r.Status != 200 {
			t.Fatalf("appeal: %d %s", r.Status, r.Body)
		}
		if r := w.Raw("authority.member", "POST", fmt.Sprintf("/api/v1/credit-events/%d/annul", ev.ID), `{"note":"replacement documented"}`); r.Status != 200 {
			t.Fatalf("annul: %d %s", r.Status, r.Body)
		}
		decode(w.Raw("authority.viewer", "GET", "/api/v1/exporters/"+exp+"/credit", ""), &rep)
		if rep.Score != 6 || rep.Standing != ucx.StandingRectification {
			t.Errorf("after annul: score %d %s, want 6 rectification_ordered", rep.Score, rep.Standing)
		}
		var events []*ucx.CreditEvent
		decode(w.Raw("exporter.member", "GET", "/api/v1/exporters/"+exp+"/credit/events", ""), &events)
		if len(events) != 2 || events[0].AppealNote != "the odometer was replaced" || !events[0].Annulled {
			t.Errorf("events: %+v; want 2, the newest appealed and annulled", events)
		}

		// Override with a reason; the history keeps it.
		r = w.Raw("authority.member", "POST", "/api/v1/exporters/"+exp+"/credit/decisions", `{"action":"override","standing":"warned","reason":"rectified on site"}`)
		if r.Status != 200 {
			t.Fatalf("override: %d %s", r.Status, r.Body)
		}
		decode(r, &rep)
		if rep.Standing != ucx.StandingWarned || rep.Computed != ucx.StandingRectification || rep.OverrideReason != "rectified on site" {
			t.Errorf("override: %s (computed %s, reason %q)", rep.Standing, rep.Computed, rep.OverrideReason)
		}
		if r := w.Raw("authority.member", "POST", "/api/v1/exporters/"+exp+"/credit/decisions", `{"action":"confirm"}`); r.Status != 400 {
			t.Errorf("decision without a reason: %d, want 400", r.Status)
		}

		// What-if with warned at 1: exporter (score 6) would be suspended
		// at 3; nothing is written.
		before := w.Raw("authority.member", "GET", "/api/v1/exporters/"+exp+"/credit", "").Body
		var rows []*ucx.WhatIfRow
		r = w.Raw("authority.member", "POST", "/api/v1/credit/what-if", `{"thresholds":{"window_days":365,"warned":1,"rectification_ordered":2,"suspended":3,"naming_count":1},"on":"2026-03-10"}`)
		decode(r, &rows)
		found := false
		for _, row := range rows {
			if row.ExporterID == w.Orgs["exporter"].ID {
				found = true
				if row.Score != 6 || row.WouldBe != ucx.StandingSuspended || row.Current != ucx.StandingWarned || !row.Changes {
					t.Errorf("what-if row %+v; want score 6, suspended, from warned", row)
				}
			}
		}
		if !found {
			t.Errorf("what-if: no row for the exporter in %s", r.Body)
		}
		if after := w.Raw("authority.member", "GET", "/api/v1/exporters/"+exp+"/credit", "").Body; !bytes.Equal(before, after) {
			t.Errorf("what-if changed the report:\n%s\n%s", before, after)
		}

		// Naming (R6): three wrong filings in the period name exporter2;
		// no credentials needed.
		for i := range 3 {
			body := fmt.Sprintf(`{"code":"wrong_filing","occurred_on":"2026-01-0%d","evidence":"brand differs"}`, i+1)
			if r := w.Raw("authority.member", "POST", fmt.Sprintf("/api/v1/exporters/%d/credit/events", w.Orgs["exporter2"].ID), body); r.Status != 201 {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
		}
		var n ucx.Naming
		r = w.Raw("", "GET", "/api/v1/public/naming?from=2026-01-01&to=2026-03-10", "")
		if r.Status != 200 {
			t.Fatalf("naming: %d %s", r.Status, r.Body)
		}
		decode(r, &n)
		if len(n.Enterprises) != 1 || n.Enterprises[0].ExporterID != w.Orgs["exporter2"].ID || n.Enterprises[0].Count != 3 ||
			n.Enterprises[0].First.String() != "2026-01-01" || n.Enterprises[0].Last.String() != "2026-01-03" {
			t.Errorf("naming: %s; want exporter2 alone with 3 from 2026-01-01 to 2026-01-03", r.Body)
		}
		if r := w.Raw("", "GET", "/api/v1/public/naming?from=2026-03-10&to=2026-01-01", ""); r.Status != 400 {
			t.Errorf("naming with from after to: %d, want 400", r.Status)
		}
	})
}

// TestFigures_Downloads checks the figures' CSV and XLSX against a small
// hand-made history, and that the public variant suppresses small cells.
func TestFigures_Downloads(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		ctx := context.Background()
		// 6 applications to RU (two of them licensed) and 2 to KZ, all
		// filed in February 2026.
		var hist []sqlstore.HistoryApplication
		for i := range 8 {
			dest := "RU"
			if i >= 6 {
				dest = "KZ"
			}
			km := 50 + i*1000
			h := sqlstore.HistoryApplication{ExporterID: w.Orgs["exporter"].ID, ManufacturerID: w.Orgs["maker"].ID, AuthorityID: w.Orgs["authority"].ID,
				VIN: fmt.Sprintf("LM1HIST0S1%07d", i), Brand: "Testa", Model: "T", Destination: dest,
				Registered: ucx.MustDate(2025, 1, 1), Filed: ucx.MustDate(2026, 2, 1+i), MileageKM: &km, State: ucx.StateUnderReview}
			if i < 2 {
				h.State, h.LicensedOn = ucx.StateLicensed, ucx.MustDate(2026, 2, 20)
			}
			hist = append(hist, h)
		}
		if err := db.LoadHistory(ctx, hist, 3); err != nil {
			t.Fatal(err)
		}
		q := "?from=2026-02-01&to=2026-02-28"
		r := w.Raw("authority.member", "GET", "/api/v1/figures"+q+"&format=csv&table=by_destination", "")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		// applications, licensed, letter_required, letter_share, near_zero
		// (only the first, 50 km < 100), mileage_known, near_zero_share.
		want := "\ufeffkey,label,applications,licensed,letter_required,letter_share,near_zero,mileage_known,near_zero_share\n" +
			"KZ,,2,0,0,0,0,2,0\nRU,,6,2,0,0,1,6,0.1667\n"
		if string(r.Body) != want {
			t.Errorf("csv:\n%s\nwant:\n%s", r.Body, want)
		}
		// Public: cells under 5 are empty; so are shares of fewer cases.
		r = w.Raw("", "GET", "/api/v1/public/figures"+q+"&format=csv&table=by_destination", "")
		want = "\ufeffkey,label,applications,licensed,letter_required,letter_share,near_zero,mileage_known,near_zero_share\n" +
			"KZ,,,,,,,,\nRU,,6,,,,,6,\n"
		if r.Status != 200 || string(r.Body) != want {
			t.Errorf("public csv: %d\n%s\nwant:\n%s", r.Status, r.Body, want)
		}
		// Long form of everything: one line per cell.
		r = w.Raw("authority.member", "GET", "/api/v1/figures"+q+"&format=csv", "")
		if !strings.Contains(string(r.Body), "\nby_month,2026-02,,applications,8\n") {
			t.Errorf("long csv lacks by_month 2026-02 applications 8:\n%s", r.Body)
		}
		// XLSX: a sheet per figure, numbers as numbers.
		r = w.Raw("authority.member", "GET", "/api/v1/figures"+q+"&format=xlsx", "")
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("xlsx: %d %v", r.Status, err)
		}
		if got := x.GetSheetList(); len(got) != len(ucx.FigureNames) {
			t.Errorf("sheets %v, want %v", got, ucx.FigureNames)
		}
		if v, _ := x.GetCellValue("by_destination", "C3"); v != "6" {
			t.Errorf("by_destination C3 = %q, want 6 (RU applications)", v)
		}
		if r := w.Raw("authority.member", "GET", "/api/v1/figures"+q+"&format=pdf", ""); r.Status != 400 {
			t.Errorf("format=pdf: %d, want 400", r.Status)
		}
		if r := w.Raw("", "GET", "/api/v1/figures"+q, ""); r.Status != 401 {
			t.Errorf("full figures without credentials: %d, want 401", r.Status)
		}
	})
}

// TestFigures_DownloadsNeutraliseFormulas files a brand a spreadsheet would
// run (=HYPERLINK…) and checks that every figures download, the
// authority's and the public one, CSV and XLSX, carries it as text.
func TestFigures_DownloadsNeutraliseFormulas(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		const evil = `=HYPERLINK("http://evil.example","x")`
		var hist []sqlstore.HistoryApplication
		for i := range 6 {
			hist = append(hist, sqlstore.HistoryApplication{ExporterID: w.Orgs["exporter"].ID, ManufacturerID: w.Orgs["maker"].ID,
				AuthorityID: w.Orgs["authority"].ID, VIN: fmt.Sprintf("LM1EVIL0S1%07d", i), Brand: evil, Model: "@SUM(1+1)",
				Destination: "RU", Registered: ucx.MustDate(2025, 1, 1), Filed: ucx.MustDate(2026, 2, 1+i), State: ucx.StateUnderReview})
		}
		if err := db.LoadHistory(context.Background(), hist, 3); err != nil {
			t.Fatal(err)
		}
		q := "?from=2026-02-01&to=2026-02-28"
		for _, d := range []struct{ who, path string }{
			{"authority.member", "/api/v1/figures" + q + "&format=csv&table=by_brand"},
			{"authority.member", "/api/v1/figures" + q + "&format=csv"},
			{"", "/api/v1/public/figures" + q + "&format=csv&table=by_brand"},
			{"", "/api/v1/public/figures" + q + "&format=csv"},
		} {
			r := w.Raw(d.who, "GET", d.path, "")
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
			if r.Status != 200 || err != nil {
				t.Fatalf("%s: %d %v", d.path, r.Status, err)
			}
			found := false
			for _, rec := range recs {
				for _, c := range rec {
					if sheet.NeedsNeutralising(c) {
						t.Errorf("%s: cell %q would run as a formula", d.path, c)
					}
					found = found || c == "'"+evil
				}
			}
			if !found {
				t.Errorf("%s: the brand is missing, neutralised or not:\n%s", d.path, r.Body)
			}
		}
		for _, path := range []string{"/api/v1/figures" + q + "&format=xlsx", "/api/v1/public/figures" + q + "&format=xlsx"} {
			who := "authority.member"
			if strings.Contains(path, "public") {
				who = ""
			}
			r := w.Raw(who, "GET", path, "")
			x, err := excelize.OpenReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("%s: %d %v", path, r.Status, err)
			}
			rows, err := x.GetRows("by_brand")
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: by_brand rows %v, %v", path, rows, err)
			}
			found := false
			for _, row := range rows {
				for _, c := range row {
					if sheet.NeedsNeutralising(c) {
						t.Errorf("%s: cell %q would run as a formula", path, c)
					}
					found = found || c == "'"+evil
				}
			}
			if !found {
				t.Errorf("%s: the brand is missing from by_brand: %v", path, rows)
			}
		}
	})
}
