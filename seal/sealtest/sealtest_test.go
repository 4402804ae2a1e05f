package sealtest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...) }

func TestCanonical(t *testing.T) {
	type ordered struct {
		Alpha string `json:"alpha"`
		Beta  []int  `json:"beta"`
	}
	type unordered struct {
		Beta  []int  `json:"beta"`
		Alpha string `json:"alpha"`
	}
	r := &recorder{TB: t}
	Canonical(r, ordered{Alpha: "a<b", Beta: []int{1, 2}})
	if r.failed != "" {
		t.Errorf("an ordered struct fails: %s", r.failed)
	}
	Canonical(r, unordered{Alpha: "a", Beta: []int{1}})
	if !strings.Contains(r.failed, "declare the struct fields in the order of their JSON names") {
		t.Errorf("an unordered struct: failure = %q", r.failed)
	}
}
