package seal

import (
	"encoding/json"
	"fmt"
	"testing"
)

// Changing the value of any field of a sealed licence — every string,
// number, boolean and null, at any depth, including each vehicle of the
// schedule — and re-canonicalising it, as a forger editing the JSON would,
// fails verification: with the old digest as tampering, with a recomputed
// digest as a bad signature.
func TestEveryFieldValueChangeFailsVerification(t *testing.T) {
	w := newWorld(t)
	doc := mustMarshal(t, sampleLicence(8))
	good := seal(t, doc, w.gd, "auth-gd", t0)
	if r := w.list.Verify(good, Options{}); !r.OK() {
		t.Fatalf("the unmodified envelope fails: %+v", r)
	}
	var tree any
	if err := json.Unmarshal(doc, &tree); err != nil {
		t.Fatal(err)
	}
	paths := 0
	for _, path := range leafPaths(tree, "") {
		mutated := mutateAt(t, tree, path)
		b, err := json.Marshal(mutated)
		if err != nil {
			t.Fatal(err)
		}
		canon, err := Canonicalize(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(canon) == string(doc) {
			t.Fatalf("%s: the mutation changed nothing", path)
		}
		tampered := edit(t, good, func(e *Envelope) { e.Document = canon })
		if r := w.list.Verify(tampered, Options{}); r.OK() {
			t.Fatalf("%s changed, old digest: still verifies", path)
		}
		forged := edit(t, good, func(e *Envelope) { e.Document, e.Digest = canon, DigestOf(canon) })
		if r := w.list.Verify(forged, Options{}); r.OK() || r.Integrity.Reason != ReasonBadSignature {
			t.Fatalf("%s changed, digest recomputed: %s", path, r.Reason())
		}
		paths++
	}
	if paths < 20 {
		t.Fatalf("only %d field values mutated: the sample licence is too small for this test to mean much", paths)
	}
	t.Logf("%d field values mutated, each refused", paths)
}

// leafPaths lists the JSON-pointer-like paths of every scalar in v.
func leafPaths(v any, prefix string) []string {
	switch x := v.(type) {
	case map[string]any:
		var out []string
		for k, e := range x {
			out = append(out, leafPaths(e, prefix+"/"+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, leafPaths(e, fmt.Sprintf("%s/%d", prefix, i))...)
		}
		return out
	}
	return []string{prefix}
}

// mutateAt returns a deep copy of v with the scalar at path changed.
func mutateAt(t *testing.T, v any, path string) any {
	t.Helper()
	b, _ := json.Marshal(v)
	var c any
	json.Unmarshal(b, &c)
	var parent any
	var key string
	cur := c
	for _, seg := range splitPath(path) {
		parent, key = cur, seg
		switch x := cur.(type) {
		case map[string]any:
			cur = x[seg]
		case []any:
			var i int
			fmt.Sscan(seg, &i)
			cur = x[i]
		}
	}
	var changed any
	switch x := cur.(type) {
	case string:
		changed = x + "X"
	case float64:
		changed = x + 1
	case bool:
		changed = !x
	case nil:
		changed = "not null"
	}
	switch p := parent.(type) {
	case map[string]any:
		p[key] = changed
	case []any:
		var i int
		fmt.Sscan(key, &i)
		p[i] = changed
	}
	return c
}

func splitPath(p string) []string {
	var out []string
	start := 1
	for i := 1; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}
