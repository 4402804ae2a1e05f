package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
)

// TestCheckAndPlatformAgree feeds the rows of testdata/vehicles.csv
// through `ucx check` and through the platform's filing (the bulk import
// of the same file), both judging on the platform's today, and asserts
// the same outcome per row: one policy, offline and at filing. A row the
// import rejects counts as invalid.
func TestCheckAndPlatformAgree(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	ctx := context.Background()
	today := ucx.DateOf(w.db.Now())

	// Drop the application_date column: both sides then judge on today.
	f, err := os.Open(filepath.Join("..", "..", "testdata", "vehicles.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "application_date")
	if col < 0 {
		t.Fatal("testdata/vehicles.csv has no application_date column")
	}
	src := filepath.Join(t.TempDir(), "vehicles.csv")
	out, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(out)
	for _, r := range recs {
		cw.Write(slices.Delete(slices.Clone(r), col, col+1))
	}
	cw.Flush()
	out.Close()

	code, stdout, stderr := runCLI(t, nil, "check", "--as-of", today.String(), "--format", "jsonl", src)
	if code != 0 {
		t.Fatalf("ucx check: exit %d: %s", code, stderr)
	}
	offline := map[int]string{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			Row     int    `json:"row"`
			Outcome string `json:"outcome"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		offline[r.Row] = r.Outcome
	}
	if len(offline) != len(recs)-1 {
		t.Fatalf("ucx check judged %d rows of %d", len(offline), len(recs)-1)
	}

	p, err := w.db.Authenticate(ctx, "exporter.member", clientTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	im, err := w.db.StartImport(ctx, p, "vehicles.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); im.State != ucx.ImportDone; time.Sleep(20 * time.Millisecond) {
		if im, err = w.db.FindImportByID(ctx, p, im.ID); err != nil || im.State == ucx.ImportFailed || time.Now().After(deadline) {
			t.Fatalf("import: %+v, %v", im, err)
		}
	}
	rows, err := w.db.ImportRows(ctx, p, im.ID, 0, 0)
	if err != nil || len(rows) != len(offline) {
		t.Fatalf("import rows: %d, %v; want %d", len(rows), err, len(offline))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		platform := r.Outcome
		if r.Status == "rejected" {
			platform = ucx.Invalid.String()
		}
		seen[platform] = true
		if platform != offline[r.Row] {
			t.Errorf("row %d (%s): ucx check says %s, the platform's filing %s (%s; reasons %+v)", r.Row, r.VIN, offline[r.Row], platform, r.Status, r.Reasons)
		}
	}
	// The sample must exercise more than one outcome for the test to mean
	// anything.
	if len(seen) < 3 {
		t.Errorf("only outcomes %v; the sample should give at least three", seen)
	}
}
