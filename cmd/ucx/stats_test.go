package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/policy"
)

// newStatsWorld is the client world served by a server that also has the
// figures (and so the policy what-if), with three applications filed and
// submitted on 2026-03-10 by the exporter: registered 53 days before (a
// letter is required), 200 and 374 days before (clear).
func newStatsWorld(t *testing.T) (*clientWorld, []*ucx.Application) {
	t.Helper()
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	s := http.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.FiguresService = w.db, w.db, w.db, w.db, w.db
	s.Policy = policy.Default()
	s.Logger = slog.New(slog.DiscardHandler)
	s.Now = w.db.Now
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL

	ctx := context.Background()
	p, err := w.db.PrincipalByToken(ctx, w.tokens["exporter"])
	if err != nil {
		t.Fatal(err)
	}
	var apps []*ucx.Application
	for _, reg := range []string{"2026-01-16", "2025-08-22", "2025-03-01"} {
		var in ucx.ApplicationInput
		if err := json.Unmarshal([]byte(w.applicationJSON(reg)), &in); err != nil {
			t.Fatal(err)
		}
		in.Submit = true
		a, _, err := w.db.CreateApplication(ctx, p, &in, ucx.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	if apps[0].Decision.Outcome != ucx.LetterRequired || apps[1].Decision.Outcome != ucx.Clear || apps[2].Decision.Outcome != ucx.Clear {
		t.Fatalf("outcomes %s %s %s", apps[0].Decision.Outcome, apps[1].Decision.Outcome, apps[2].Decision.Outcome)
	}
	return w, apps
}

// lineWith returns the first line of out whose fields start with prefix.
func lineWith(out string, prefix ...string) []string {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(prefix) && slices.Equal(f[:len(prefix)], prefix) {
			return f
		}
	}
	return nil
}

func TestStatsCmd_Figures(t *testing.T) {
	w, _ := newStatsWorld(t)
	period := []string{"--from", "2026-01-01", "--to", "2026-03-31"}

	code, out, errOut := w.ucx(t, "authority", "", append([]string{"stats"}, period...)...)
	if code != 0 {
		t.Fatalf("stats: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range ucx.FigureNames {
		if !strings.Contains(out, "("+name+")") {
			t.Errorf("stats lacks figure %s:\n%s", name, out)
		}
	}
	// 2026-03: 3 applications, 0 licences, 1 letter, 33.3% of them.
	if l := lineWith(out, "2026-03"); len(l) < 4 || l[1] != "3" || l[2] != "0" || l[3] != "1" || l[4] != "33.3%" {
		t.Errorf("by_month row %q:\n%s", l, out)
	}
	if !strings.Contains(out, "ucx figures, 2026-01-01 to 2026-03-31") {
		t.Errorf("no heading:\n%s", out)
	}

	code, out, _ = w.ucx(t, "authority.viewer", "", append([]string{"stats", "--json", "--table", "by_destination"}, period...)...)
	var figs ucx.Figures
	if code != 0 || json.Unmarshal([]byte(out), &figs) != nil || len(figs.Tables) != 1 || figs.Tables[0].Name != "by_destination" {
		t.Fatalf("stats --json --table: exit %d\n%s", code, out)
	}
	if r := figs.Tables[0].Rows; len(r) != 1 || r[0].Key != "RU" || r[0].Values[0] == nil || *r[0].Values[0] != 3 {
		t.Fatalf("by_destination rows %+v", r)
	}

	// The public figures need no token; every cell here is under 5.
	code, out, errOut = w.ucx(t, "", "", append([]string{"stats", "--public", "--table", "by_month"}, period...)...)
	if l := lineWith(out, "2026-03"); code != 0 || !strings.Contains(out, "public figures") || len(l) < 8 || l[1] != "-" || l[7] != "-" {
		t.Fatalf("stats --public: exit %d, row %q\n%s%s", code, l, out, errOut)
	}

	// Refusals: the full figures are the authority's (1); no token,
	// unknown table or a bad date are usage (2).
	if code, _, errOut = w.ucx(t, "exporter", "", append([]string{"stats"}, period...)...); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Errorf("exporter: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "", "", "stats"); code != 2 || !strings.Contains(errOut, "no API token") {
		t.Errorf("no token: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "authority", "", "stats", "--table", "by_colour"); code != 2 || !strings.Contains(errOut, "--table") {
		t.Errorf("bad table: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "authority", "", "stats", "--from", "2026-13-01"); code != 2 || !strings.Contains(errOut, "--from") {
		t.Errorf("bad date: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "authority", "", "stats", "--from", "2026-03-01", "--to", "2026-02-01"); code != 2 {
		t.Errorf("reversed period: exit %d, %q", code, errOut)
	}
}

func TestStatsCmd_WhatIf(t *testing.T) {
	w, apps := newStatsWorld(t)
	dir := t.TempDir()
	writeDoc := func(name string, edit map[string]any) string {
		var doc map[string]any
		if err := json.Unmarshal(policy.DefaultDocument(), &doc); err != nil {
			t.Fatal(err)
		}
		for k, v := range edit {
			doc[k] = v
		}
		b, _ := json.MarshalIndent(doc, "", "  ")
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p365 := writeDoc("365.json", map[string]any{"version": "365", "letter_threshold_days": 365})
	period := []string{"--from", "2026-01-01", "--to", "2026-03-31"}

	code, out, errOut := w.ucx(t, "authority", "", append([]string{"stats", "what-if", p365}, period...)...)
	if code != 0 {
		t.Fatalf("what-if: exit %d\n%s%s", code, out, errOut)
	}
	want := map[string][]string{
		"applications:":   {"applications:", "3"},
		"changed:":        {"changed:", "1"},
		"clear":           {"clear", "2", "1", "-1"},
		"letter-required": {"letter-required", "1", "2", "+1"},
	}
	for k, v := range want {
		if l := lineWith(out, k); !slices.Equal(l, v) {
			t.Errorf("line %s = %q, want %q\n%s", k, l, v, out)
		}
	}
	// The one changed case: the 200-day car, now clear, under R1's letter.
	l := lineWith(out, id64(apps[1].ID), apps[1].Vehicle.VIN)
	if len(l) < 7 || l[4] != "clear" || l[5] != "letter-required" || l[6] != "R1" {
		t.Errorf("case row %q\n%s", l, out)
	}
	if !strings.Contains(out, "1 changed in all") {
		t.Errorf("no footer:\n%s", out)
	}

	code, out, _ = w.ucx(t, "authority", "", append([]string{"stats", "what-if", p365, "--json"}, period...)...)
	var res ucx.PolicyWhatIf
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Changed != 1 || res.Applications != 3 ||
		res.Policy.Version != "365" || len(res.Cases) != 1 || res.Cases[0].ApplicationID != apps[1].ID {
		t.Fatalf("what-if --json: exit %d\n%s", code, out)
	}

	// Nothing stored changed: the stored outcomes are as filed.
	for _, a := range apps {
		got, err := w.db.FindApplicationByID(context.Background(), mustPrincipal(t, w, "authority"), a.ID)
		if err != nil || got.Decision.Outcome != a.Decision.Outcome || got.Version != a.Version {
			t.Fatalf("application %d after the what-if: %+v, %v", a.ID, got, err)
		}
	}

	// A document that does not load is refused naming its field (1); an
	// unreadable file is usage (2); only an authority may ask (1).
	bad := writeDoc("bad.json", map[string]any{"letter_threshold_days": -1})
	if code, _, errOut = w.ucx(t, "authority", "", "stats", "what-if", bad); code != 1 || !strings.Contains(errOut, "letter_threshold_days") || !strings.Contains(errOut, "bad.json") {
		t.Errorf("bad document: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "authority", "", "stats", "what-if", filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
	if code, _, errOut = w.ucx(t, "exporter", "", "stats", "what-if", p365); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Errorf("exporter: exit %d, %q", code, errOut)
	}
}
