package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// TestDeregistrationCmds_RecordAndListOverdue: after clearance the
// exporter records one vehicle's deregistration by VIN (once: a second
// record is a conflict), a viewer and an impossible date are refused;
// two months on, the other vehicle is overdue in the authority's list and
// the exporter's (R16).
func TestDeregistrationCmds_RecordAndListOverdue(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	var vins []string
	for i := range 2 {
		file := filepath.Join(t.TempDir(), "car.json")
		os.WriteFile(file, []byte(w.applicationJSON("2025-01-16")), 0o644) // old: no letter (R1)
		code, out, errOut := w.ucx(t, "exporter", "", "app", "file", file, "--submit", "--json")
		var app ucx.Application
		if code != 0 || json.Unmarshal([]byte(out), &app) != nil || app.State != ucx.StateUnderReview {
			t.Fatalf("app file %d: exit %d\n%s%s", i, code, out, errOut)
		}
		id := strconv.FormatInt(app.ID, 10)
		code, out, errOut = w.ucx(t, "authority", "", "licence", "issue", id, "--json")
		var lic ucx.Licence
		if code != 0 || json.Unmarshal([]byte(out), &lic) != nil {
			t.Fatalf("licence issue: exit %d\n%s%s", code, out, errOut)
		}
		if i == 0 { // not cleared yet: refused by the server
			if code, _, errOut := w.ucx(t, "exporter", "", "deregistration", "record", id, "--date", "2026-03-10", "--reference", "ZX-0"); code != 1 || !strings.Contains(errOut, "rule") {
				t.Fatalf("record before clearance: exit %d %s", code, errOut)
			}
		}
		if code, out, errOut := w.ucx(t, "customs", "", "clear", lic.Number, "--port", "Horgos", "--declaration", "D-"+id); code != 0 {
			t.Fatalf("clear: exit %d\n%s%s", code, out, errOut)
		}
		vins = append(vins, app.Vehicle.VIN)
	}

	if code, _, errOut := w.ucx(t, "exporter", "", "deregistration", "record", vins[0], "--date", "2026-03-09", "--reference", "ZX-1"); code != 1 || !strings.Contains(errOut, "deregistered_on") {
		t.Fatalf("a date before clearance: exit %d %s", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "exporter", "", "deregistration", "record", vins[0], "--date", "2026-03-10"); code != 2 {
		t.Fatalf("no reference: exit %d %s; want usage", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "exporter.viewer", "", "deregistration", "record", vins[0], "--date", "2026-03-10", "--reference", "ZX-1"); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a viewer records: exit %d %s", code, errOut)
	}
	code, out, errOut := w.ucx(t, "exporter", "", "deregistration", "record", strings.ToLower(vins[0]), "--date", "2026-03-10", "--reference", "粤A注销-1")
	if code != 0 || !hasLine(out, "state: deregistered") || !hasLine(out, "reference: 粤A注销-1") {
		t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := w.ucx(t, "exporter", "", "deregistration", "record", vins[0], "--date", "2026-03-10", "--reference", "ZX-2"); code != 1 || !strings.Contains(errOut, "conflict") {
		t.Fatalf("second record: exit %d %s", code, errOut)
	}

	later := time.Date(2026, 5, 20, 10, 0, 0, 0, ucx.ChinaTime) // past the due date, 2026-05-10
	w.db.Now = func() time.Time { return later }
	for _, who := range []string{"authority", "exporter"} {
		code, out, errOut := w.ucx(t, who, "", "deregistration", "list", "--overdue", "--json")
		var list wire.ListResponse[*ucx.VehicleDeregistration]
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || list.Total != 1 || list.Items[0].VIN != vins[1] || list.Items[0].State != ucx.DeregistrationOverdue {
			t.Fatalf("%s: deregistration list --overdue: exit %d\n%s%s", who, code, out, errOut)
		}
	}
	code, out, _ = w.ucx(t, "exporter", "", "deregistration", "list")
	if code != 0 || !strings.Contains(out, "overdue") || !strings.Contains(out, "粤A注销-1") || !strings.Contains(out, "2026-05-10") {
		t.Fatalf("deregistration list: exit %d\n%s", code, out)
	}
	if code, _, errOut := w.ucx(t, "maker", "", "deregistration", "list"); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a manufacturer lists: exit %d %s", code, errOut)
	}
}
