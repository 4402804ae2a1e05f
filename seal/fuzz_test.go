package seal

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// Canonicalize and CheckCanonical agree, the output is canonical and
// stable, and it means what the input meant.
func FuzzCanonicalize(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/jcs/input/*.json")
	for _, in := range inputs {
		f.Add(readFile(f, in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		checked := CheckCanonical(in)
		if err != nil {
			if checked == nil {
				t.Fatalf("CheckCanonical accepts what Canonicalize rejects (%v)", err)
			}
			return
		}
		if err := CheckCanonical(out); err != nil {
			t.Fatalf("the output is not canonical: %v\n%q", err, out)
		}
		if (checked == nil) != bytes.Equal(in, out) {
			t.Fatalf("CheckCanonical(in) = %v, but in == Canonicalize(in) is %v", checked, bytes.Equal(in, out))
		}
		if again, err := Canonicalize(out); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("canonicalising the output changes it: %q, %v", again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil {
			if err := json.Unmarshal(out, &b); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("the output means something else: %v\n%#v\n%#v", err, a, b)
			}
		}
	})
}

// Verify never panics; what ParseEnvelope accepts has exactly one spelling;
// and nothing but the golden envelope itself verifies against the golden
// trust list.
func FuzzVerify(f *testing.F) {
	g := loadGolden(f)
	list, err := ParseTrustList(g.list, g.root)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(g.licence)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := list.Verify(in, Options{RequireOrgs: []string{"mfr-byd"}})
		env, err := ParseEnvelope(in)
		if err != nil {
			if r.Integrity.Reason != ReasonMalformed || !errors.Is(err, ReasonMalformed) {
				t.Fatalf("ParseEnvelope: %v; Verify: %+v", err, r)
			}
			return
		}
		out, err := env.Marshal()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("Marshal(ParseEnvelope(in)) = %q, %v", out, err)
		}
		if r.OK() && !bytes.Equal(r.Document, mustMarshal(t, sampleLicence(9))) {
			t.Fatalf("a document the golden keys never sealed verifies: %s", r.Document)
		}
	})
}

// ParseTrustList never panics, fails only with its two reasons, and
// accepts only the list the root sealed.
func FuzzParseTrustList(f *testing.F) {
	g := loadGolden(f)
	want, err := ParseTrustList(g.list, g.root)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(g.list)
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := ParseTrustList(in, g.root)
		if err != nil {
			if r := ReasonOf(err); r != ReasonMalformed && r != ReasonUntrustedList {
				t.Fatalf("error %v has reason %q", err, r)
			}
			return
		}
		if l.Sequence != want.Sequence || len(l.Keys) != len(want.Keys) {
			t.Fatalf("accepted a list the root did not seal: %+v", l)
		}
		l.Verify(g.licence, Options{})
	})
}
