package bundle_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/bundle/bundletest"
	"github.com/ucxdev/ucx/seal"
)

// full is the log shape of a bundle as the platform serves it: entries
// before and after the document, all carried, cosigned by both witnesses.
var full = bundletest.Log{Before: 5, After: 3, Cosigners: 2}

// encode marshals a bundle the test edited.
func encode(t *testing.T, bu *bundle.Bundle) []byte {
	t.Helper()
	b, err := json.Marshal(bu)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerify_EachVerdictAndReason builds one bundle per way a document can
// fail (or pass) and checks the verdict and the reason that decided it,
// and the check it is reported under.
func TestVerify_EachVerdictAndReason(t *testing.T) {
	w := bundletest.New(t, 3)
	genuine := w.Licence(t, 2)
	pinned := func(min int) bundle.Options {
		o := w.Options(t, min)
		o.Witnesses = o.Witnesses[:2] // the third witness never cosigns here
		return o
	}
	other := bundletest.New(t, 0)

	tests := []struct {
		name    string
		bundle  func() []byte
		opts    func() bundle.Options
		verdict string
		reason  string
		check   string // integrity, issuer, status or log: where the reason shows
	}{
		{"genuine with log and two witnesses", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { return pinned(2) }, bundle.VerdictValid, "", ""},
		{"genuine, document last in the log (no later entries)", func() []byte {
			return w.Bundle(t, genuine, bundletest.Log{Before: 4, Cosigners: 2})
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictValid, "", ""},
		{"genuine without the log, given up explicitly", func() []byte { return w.Bundle(t, genuine, bundletest.Log{None: true}) },
			func() bundle.Options { return bundle.Options{Roots: pinned(0).Roots, NoLog: true} }, bundle.VerdictValid, "", ""},
		{"a VIN changed after sealing", func() []byte {
			return bytes.Replace(w.Bundle(t, genuine, full), []byte(bundletest.FirstVIN), []byte("LGXC16DF6R0000009"), 1)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonTampered), "integrity"},
		{"the seal's signature flipped", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			var e map[string]any
			json.Unmarshal(bu.Envelope, &e)
			s := e["seals"].([]any)[0].(map[string]any)
			sig := s["sig"].(string)
			s["sig"] = flipBase64(sig)
			bu.Envelope, _ = json.Marshal(e)
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonBadSignature), "integrity"},
		{"the bundle's own root, not pinned", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { o := pinned(2); o.Roots = nil; return o }, bundle.VerdictCannotCheck, string(bundle.ReasonUnknownRoot), "issuer"},
		{"a foreign root pinned only", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { o := pinned(2); o.Roots = []*seal.PublicKey{other.Root.Public()}; return o },
			bundle.VerdictCannotCheck, string(bundle.ReasonUnknownRoot), "issuer"},
		{"a trust list another root sealed", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TrustList = other.TrustList
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonUntrustedList), "issuer"},
		{"sealed by a key not on the trust list", func() []byte {
			return w.Bundle(t, w.Seal(t, w.LicenceDoc(t, 2, nil), other.Authority, bundletest.AuthorityID), full)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonUnknownKey), "issuer"},
		{"sealed by another authority than the one it names", func() []byte {
			return w.Bundle(t, w.Seal(t, w.LicenceDoc(t, 2, nil), w.OtherAuthority, bundletest.OtherAuthorityID), full)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(bundle.ReasonWrongIssuer), "issuer"},
		{"a manufacturer naming itself the licence's authority", func() []byte {
			doc := w.LicenceDoc(t, 2, func(d map[string]any) { d["authority_id"] = bundletest.MakerID })
			return w.Bundle(t, w.Seal(t, doc, w.Maker, bundletest.MakerID), full)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(bundle.ReasonWrongKind), "issuer"},
		{"a document type the platform does not issue", func() []byte {
			doc := w.LicenceDoc(t, 2, func(d map[string]any) { d["type"] = "ucx.permit.v1" })
			return w.Bundle(t, w.Seal(t, doc, w.Authority, bundletest.AuthorityID), full)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(bundle.ReasonUnknownType), "issuer"},
		{"an organisation required that did not seal", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { o := pinned(2); o.RequireOrgs = []string{"9"}; return o }, bundle.VerdictNotValid, string(seal.ReasonMissingSeal), "issuer"},
		{"sealed after the key expired", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TrustList = w.SealTrustList(t, func(keys []seal.TrustedKey) { keys[0].NotAfter = w.Now.Add(-time.Hour) })
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonKeyExpired), "issuer"},
		{"sealed after the key was revoked", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TrustList = w.SealTrustList(t, func(keys []seal.TrustedKey) {
				keys[0].RevokedAt, keys[0].RevokedReason = w.Now.Add(-time.Hour), "lost"
			})
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, string(seal.ReasonKeyRevoked), "status"},
		{"revoked by its issuer's sealed record", func() []byte {
			return w.Bundle(t, genuine, full, w.Revocation(t, genuine, w.Authority, bundletest.AuthorityID))
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictRevoked, string(seal.ReasonDocumentRevoked), "status"},
		{"a revocation record sealed by someone else is ignored", func() []byte {
			return w.Bundle(t, genuine, full, w.Revocation(t, genuine, w.OtherAuthority, bundletest.OtherAuthorityID))
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictValid, "", ""},
		{"revoked in the log, the record stripped from the bundle", func() []byte {
			return w.Bundle(t, genuine, bundletest.Log{Before: 5, After: 3, RevokedInLog: true, Cosigners: 2})
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictRevoked, string(seal.ReasonDocumentRevoked), "status"},
		{"the log proof stripped, log key pinned", func() []byte { return w.Bundle(t, genuine, bundletest.Log{None: true}) },
			func() bundle.Options { return pinned(0) }, bundle.VerdictCannotCheck, bundle.LogReasonMissing, "log"},
		{"inclusion_proof null, log key pinned", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TransparencyLog.InclusionProof = nil
			return encode(t, bu)
		}, func() bundle.Options { return pinned(0) }, bundle.VerdictCannotCheck, bundle.LogReasonMissing, "log"},
		{"no log key pinned and no --no-log", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { return bundle.Options{Roots: pinned(0).Roots} }, bundle.VerdictCannotCheck, bundle.LogReasonUntrusted, "log"},
		{"a checkpoint of another log", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TransparencyLog.Checkpoint = other.Checkpoint(t, [][]byte{bu.TransparencyLog.InclusionProof.Entry}, 0)
			return encode(t, bu)
		}, func() bundle.Options { return pinned(0) }, bundle.VerdictNotValid, bundle.LogReasonUntrusted, "log"},
		{"an audit path hash altered", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TransparencyLog.InclusionProof.Hashes[0][0] ^= 1
			return encode(t, bu)
		}, func() bundle.Options { return pinned(0) }, bundle.VerdictNotValid, bundle.LogReasonBadProof, "log"},
		{"the log proof of another document", func() []byte {
			bu := w.BundleOf(t, w.Licence(t, 3), full)
			bu.Envelope = genuine
			return encode(t, bu)
		}, func() bundle.Options { return pinned(0) }, bundle.VerdictNotValid, bundle.LogReasonEntryMismatch, "log"},
		{"two witnesses cosigned, three required", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { return w.Options(t, 3) }, bundle.VerdictCannotCheck, bundle.LogReasonWitnesses, "log"},
		{"cosigned by witnesses the verifier does not trust", func() []byte { return w.Bundle(t, genuine, full) },
			func() bundle.Options { o := w.Options(t, 1); o.Witnesses = o.Witnesses[2:]; return o },
			bundle.VerdictCannotCheck, bundle.LogReasonWitnesses, "log"},
		{"no cosignature, one witness required", func() []byte { return w.Bundle(t, genuine, bundletest.Log{Before: 5, After: 3}) },
			func() bundle.Options { return pinned(1) }, bundle.VerdictCannotCheck, bundle.LogReasonWitnesses, "log"},
		{"a cosignature altered", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			lines := strings.Split(bu.TransparencyLog.Checkpoint, "\n")
			last := lines[len(lines)-2] // "— witness2… <base64>"
			i := strings.LastIndexByte(last, ' ')
			lines[len(lines)-2] = last[:i+1] + flipBase64(last[i+1:])
			bu.TransparencyLog.Checkpoint = strings.Join(lines, "\n")
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictCannotCheck, bundle.LogReasonWitnesses, "log"},
		{"later entries left out", func() []byte {
			return w.Bundle(t, genuine, bundletest.Log{Before: 5, After: 3, OmitLater: true, Cosigners: 2})
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictCannotCheck, string(bundle.ReasonStatusUnproven), "log"},
		{"a revocation among the later entries dropped", func() []byte {
			bu := w.BundleOf(t, genuine, bundletest.Log{Before: 5, After: 3, RevokedInLog: true, Cosigners: 2})
			bu.TransparencyLog.Later = bu.TransparencyLog.Later[:2]
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, bundle.LogReasonBadProof, "log"},
		{"a later entry replaced", func() []byte {
			bu := w.BundleOf(t, genuine, bundletest.Log{Before: 5, After: 3, RevokedInLog: true, Cosigners: 2})
			bu.TransparencyLog.Later[2] = bu.TransparencyLog.Later[1]
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, bundle.LogReasonBadProof, "log"},
		{"a later entry added", func() []byte {
			bu := w.BundleOf(t, genuine, full)
			bu.TransparencyLog.Later = append(bu.TransparencyLog.Later, bu.TransparencyLog.Later[0])
			return encode(t, bu)
		}, func() bundle.Options { return pinned(2) }, bundle.VerdictNotValid, bundle.LogReasonBadProof, "log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := bundle.Verify(tc.bundle(), tc.opts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Verdict != tc.verdict || v.Reason != tc.reason || v.OK != (tc.verdict == bundle.VerdictValid) {
				t.Fatalf("verdict %s (%s) valid=%v, want %s (%s)\nintegrity %+v\nissuer %+v\nstatus %+v\nlog %+v",
					v.Verdict, v.Reason, v.OK, tc.verdict, tc.reason, v.Integrity, v.Issuer, v.Status, v.Log)
			}
			var got string
			switch tc.check {
			case "integrity":
				got = v.Integrity.Reason
			case "issuer":
				got = v.Issuer.Reason
			case "status":
				got = v.Status.Reason
			case "log":
				if v.Log == nil {
					t.Fatal("no log verdict")
				}
				got = v.Log.Reason
			}
			if got != tc.reason {
				t.Errorf("the %s check says %q, want %q", tc.check, got, tc.reason)
			}
			for _, lang := range []string{"zh", "en", "ru"} {
				if tc.reason != "" && bundle.ReasonText(lang, tc.reason) == tc.reason {
					t.Errorf("reason %s has no wording in %s", tc.reason, lang)
				}
			}
		})
	}
}

// flipBase64 changes one bit of the bytes a base64 string encodes.
func flipBase64(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestVerify_FactsAndLimitsOfAValidLicence: a valid verdict carries the
// licence's facts and says what offline verification could not prove.
func TestVerify_FactsAndLimitsOfAValidLicence(t *testing.T) {
	w := bundletest.New(t, 2)
	v, err := bundle.Verify(w.Bundle(t, w.Licence(t, 2), full), w.Options(t, 2))
	if err != nil || !v.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
	f := v.Facts
	if f.Number != bundletest.Number || f.Issuer != "广东省商务厅" || f.IssuerID != bundletest.AuthorityID || len(f.Vehicles) != 2 ||
		f.Vehicles[0].VIN != bundletest.FirstVIN || len(f.Destinations) != 1 || f.Destinations[0] != "KZ" || len(f.Letters) != 1 {
		t.Errorf("facts: %+v", f)
	}
	if v.IssuedBy == nil || v.IssuedBy.ID != "7" || v.Root == nil || !v.Root.Pinned || v.Root.Fingerprint != bundle.Fingerprint(w.Root.Public()) {
		t.Errorf("issued by %+v, root %+v", v.IssuedBy, v.Root)
	}
	if v.Log == nil || !v.Log.OK || v.Log.Index != 5 || v.Log.TreeSize != 9 {
		t.Errorf("log verdict: %+v", v.Log)
	}
	if len(v.Limits) != 1 || !strings.Contains(v.Limits[0], "after the checkpoint of 9 entries") {
		t.Errorf("limits: %q", v.Limits)
	}
}

// TestVerify_LaterEntriesNeedNotBeDocuments: a later entry that is not a
// document leaf (any bytes the log holds) still counts in the tree and
// revokes nothing.
func TestVerify_LaterEntriesNeedNotBeDocuments(t *testing.T) {
	w := bundletest.New(t, 0)
	bu := w.BundleOf(t, w.Licence(t, 1), bundletest.Log{Before: 2})
	entries := [][]byte{[]byte(`{"x":1}`), []byte(`{"x":2}`), bu.TransparencyLog.InclusionProof.Entry, []byte("not json at all")}
	bu.TransparencyLog.Checkpoint = w.Checkpoint(t, entries, 0)
	bu.TransparencyLog.InclusionProof = w.Inclusion(t, entries, 2)
	bu.TransparencyLog.Later = entries[3:]
	v, err := bundle.Verify(encode(t, bu), w.Options(t, 0))
	if err != nil || !v.OK {
		t.Fatalf("verify: %v verdict %s (%s) log %+v", err, v.Verdict, v.Reason, v.Log)
	}
	if !strings.Contains(v.Log.Detail, "none of the 1 entries after it") {
		t.Errorf("log detail: %s", v.Log.Detail)
	}
}
