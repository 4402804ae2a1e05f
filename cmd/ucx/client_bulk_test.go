package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestBulkCmds_SubmitManyAndAnswerMany: ucx app submit with several ids
// prints a line per application and exits 1 when one was refused; ucx
// request answer approves them with an outlet per destination.
func TestBulkCmds_SubmitManyAndAnswerMany(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newClientWorld(t)
	var ids []string
	for range 2 {
		code, out, errOut := w.ucx(t, "exporter", w.applicationJSON("2026-01-16"), "app", "file", "-", "--json")
		if code != 0 {
			t.Fatalf("file: %d %s %s", code, out, errOut)
		}
		i := strings.Index(out, `"id": `)
		ids = append(ids, strings.TrimRight(strings.Fields(out[i+6:])[0], ","))
	}
	code, out, errOut := w.ucx(t, "exporter", w.applicationJSON("2026-01-16"), "app", "file", "-")
	if code != 0 {
		t.Fatalf("file: %d %s %s", code, out, errOut)
	}
	one := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(out, "filed application "))[0], ":")
	if code, out, errOut = w.ucx(t, "exporter", "", "app", "submit", one, "--version", "1"); code != 0 || !strings.Contains(out, "application "+one+": awaiting_confirmation (version 2)") {
		t.Fatalf("one id at its version: %d %s %s", code, out, errOut)
	}
	code, out, errOut = w.ucx(t, "exporter", "", append([]string{"app", "submit"}, ids...)...)
	if code != 0 || strings.Count(out, "submitted") < 2 || !strings.Contains(out, "2 submitted, 0 answered, 0 refused, 0 not found") {
		t.Fatalf("bulk submit: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = w.ucx(t, "exporter", "", "app", "submit", ids[0], "424242")
	if code != 1 || !strings.Contains(out, "rule_violation") || !strings.Contains(out, "not_found") {
		t.Fatalf("submitting again: %d\n%s", code, out)
	}
	code, out, _ = w.ucx(t, "maker", "", "request", "list", "--json")
	if code != 0 {
		t.Fatalf("request list: %d %s", code, out)
	}
	var reqIDs []string
	for _, part := range strings.Split(out, `"application_id"`)[0:] {
		if i := strings.LastIndex(part, `"id": `); i >= 0 {
			reqIDs = append(reqIDs, strings.TrimRight(strings.Fields(part[i+6:])[0], ","))
		}
	}
	if len(reqIDs) < 2 {
		t.Fatalf("requests: %v\n%s", reqIDs, out)
	}
	args := append([]string{"request", "answer", "--approve", "--outlet", fmt.Sprintf("ru=%d", w.outlet)}, reqIDs[:2]...)
	code, out, errOut = w.ucx(t, "maker", "", args...)
	if code != 0 || !strings.Contains(out, "0 submitted, 2 answered") {
		t.Fatalf("bulk answer: %d\n%s%s", code, out, errOut)
	}
	if code, _, _ = w.ucx(t, "maker", "", "request", "answer", "1"); code != 2 {
		t.Errorf("answer with neither --approve nor --refuse: exit %d, want 2", code)
	}
}
