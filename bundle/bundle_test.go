package bundle_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/bundle/bundletest"
)

// TestParse_Strictness: a bundle is read strictly, so that no two readers
// can see two documents in it: duplicate member names at any depth,
// unknown members, trailing data, the wrong type or a missing envelope are
// refused as EINVALID (ucx verify's exit 2), and Verify refuses the same.
func TestParse_Strictness(t *testing.T) {
	w := bundletest.New(t, 1)
	env := w.Licence(t, 1)
	good := string(w.Bundle(t, env, bundletest.Log{Before: 1, After: 1, Cosigners: 1}))
	other := string(w.Licence(t, 2))
	tests := []struct {
		name, body string
		field      string // the field the error names, if any
		message    string // a part of the message
	}{
		{"two envelope members", strings.Replace(good, `"envelope":`, `"envelope":`+other+`,"envelope":`, 1), "", "strict JSON"},
		{"a duplicate inside the envelope's document", strings.Replace(good, `"destination":"KZ"`, `"destination":"KZ","destination":"RU"`, 1), "", "strict JSON"},
		{"a duplicate inside the log proof", strings.Replace(good, `"checkpoint":`, `"checkpoint":"x","checkpoint":`, 1), "", "strict JSON"},
		{"an unknown member", strings.Replace(good, `"type":"ucx.bundle/v1"`, `"type":"ucx.bundle/v1","note":"hi"`, 1), "note", "unknown member"},
		{"an unknown member in the log proof", strings.Replace(good, `"checkpoint":`, `"extra":1,"checkpoint":`, 1), "extra", "unknown member"},
		{"trailing data", good + ` {"type":"ucx.bundle/v1"}`, "", "after the JSON value"},
		{"trailing garbage", good + "x", "", "strict JSON"},
		{"another type", strings.Replace(good, `"type":"ucx.bundle/v1"`, `"type":"ucx.bundle/v2"`, 1), "type", "has type"},
		{"no envelope", `{"type":"ucx.bundle/v1","trust_list":{}}`, "", "lacks its envelope"},
		{"a member of the wrong type", strings.Replace(good, `"revocations":[]`, `"revocations":{}`, 1), "revocations", "wrong type"},
		{"cut short", good[:len(good)/2], "", "strict JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body == good {
				t.Fatal("the edit changed nothing")
			}
			_, perr := bundle.Parse([]byte(tc.body))
			v, err := bundle.Verify([]byte(tc.body), w.Options(t, 1))
			if err == nil {
				t.Fatalf("Verify gave a verdict (%s, %s); want the input refused", v.Verdict, v.Reason)
			}
			if ucx.ErrorCode(err) != ucx.EINVALID || !strings.Contains(ucx.ErrorMessage(err), tc.message) {
				t.Fatalf("Verify: %v, want EINVALID saying %q", err, tc.message)
			}
			if ucx.ErrorCode(perr) != ucx.EINVALID {
				t.Fatalf("Parse: %v, want EINVALID", perr)
			}
			var ue *ucx.Error
			if tc.field != "" && (!errors.As(err, &ue) || ue.Field != tc.field) {
				t.Errorf("the error names field %q, want %q", ue.Field, tc.field)
			}
		})
	}
	if bu, err := bundle.Parse([]byte(good)); err != nil || !bytes.Equal(bu.Envelope, env) {
		t.Fatalf("the genuine bundle: %v", err)
	}
	if _, err := bundle.Parse([]byte(" \n" + good + "\n")); err != nil {
		t.Fatalf("the genuine bundle with white space around it: %v", err)
	}
}
