package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// corpusCase is one bundle of the adversarial corpus and the verdict each
// surface must give: offline (what ucx verify runs, pinned to the
// platform's root and log key), POST /api/v1/verify and the /verify page.
type corpusCase struct {
	name            string
	body            []byte
	offline, online string // bundle.Verdict*; "" = refused as unusable input
	reason          string // the deciding reason code offline, when one is asserted
}

// registerKey gives user's organisation a non-custodial key, as any
// manufacturer or authority admin may.
func registerKey(t *testing.T, w *world, user string) *seal.PrivateKey {
	t.Helper()
	priv, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	body := mustJSON(map[string]any{"public_key_pem": string(priv.Public().MarshalPEM()), "not_after": testNow.AddDate(1, 0, 0)})
	if r := w.raw(user, "POST", "/api/v1/keys", body); r.status != 201 {
		t.Fatalf("register a key for %s: %d %s", user, r.status, r.body)
	}
	return priv
}

// forge seals doc (edited by edit, re-canonicalised) with key as org and
// returns a bundle around it with the platform's trust list and root, and
// no log proof (a forger cannot log).
func forge(t *testing.T, genuine *bundle.Bundle, doc []byte, edit func(map[string]any), key *seal.PrivateKey, org int64) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	canon, err := seal.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	e := seal.Envelope{Document: canon}
	if err := e.Sign(key, fmt.Sprint(org), testNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	env, _ := e.Marshal()
	bu := *genuine
	bu.Envelope, bu.TransparencyLog, bu.Revocations = env, nil, []json.RawMessage{}
	b, _ := json.Marshal(&bu)
	return b
}

func marshalBundle(t testing.TB, bu *bundle.Bundle) []byte {
	b, err := json.Marshal(bu)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The adversarial corpus: forged issuers, a wrong kind, tampering, a
// foreign root, a stripped proof and a stripped revocation, duplicate
// keys. Each gets its verdict offline, from the API and on the page, in
// zh, en and ru, on both engines. None may be valid but the genuine one
// (and, online, the genuine one with its proof stripped: the platform
// holds the log and proves it itself).
func TestVerify_AdversarialCorpusOnEverySurface(t *testing.T) {
	engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db)
		integrate, logKey := withLog(t, w, 0)
		lic := w.licensed()
		d := docOf(t, w, ucx.DocLicence, lic.ID)
		conf := docOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
		makerKey := registerKey(t, w, "maker.admin")
		authKey := registerKey(t, w, "authority.admin")
		integrate()
		genuine := w.bundleOf(t, d.Digest)
		licDoc := mustDocument(t, d.Envelope)
		confDoc := mustDocument(t, conf.Envelope)
		maker, maker2, auth := w.orgs["maker"].ID, w.orgs["maker2"].ID, w.orgs["authority"].ID
		pinned := bundle.Options{Roots: []*seal.PublicKey{w.root(t)}, LogKey: logKey}

		var cases []corpusCase
		add := func(name string, body []byte, offline, online, reason string) {
			cases = append(cases, corpusCase{name, body, offline, online, reason})
		}
		add("genuine", marshalBundle(t, genuine), bundle.VerdictValid, bundle.VerdictValid, "")

		vin := lic.Schedule[0].VIN
		other := "0"
		if vin[16] == '0' {
			other = "1"
		}
		changed := strings.Replace(string(marshalBundle(t, genuine)), vin, vin[:16]+other, 1)
		add("field changed", []byte(changed), bundle.VerdictNotValid, bundle.VerdictNotValid, string(seal.ReasonTampered))

		env := string(genuine.Envelope)
		i := strings.Index(env, `"sig":"`) + len(`"sig":"`) + 5
		flip := byte('A')
		if env[i] == 'A' {
			flip = 'B'
		}
		flipped := *genuine
		flipped.Envelope = json.RawMessage(env[:i] + string(flip) + env[i+1:])
		add("signature flipped", marshalBundle(t, &flipped), bundle.VerdictNotValid, bundle.VerdictNotValid, string(seal.ReasonBadSignature))

		le, _ := seal.ParseEnvelope(genuine.Envelope)
		ce, _ := seal.ParseEnvelope(conf.Envelope)
		le.Seals = ce.Seals
		swappedEnv, _ := le.Marshal()
		swapped := *genuine
		swapped.Envelope = swappedEnv
		add("seal swapped", marshalBundle(t, &swapped), bundle.VerdictNotValid, bundle.VerdictNotValid, "")

		// A foreign root: the forger's own root, trust list and key.
		fRoot, _ := seal.GenerateKey(seal.Ed25519)
		fKey, _ := seal.GenerateKey(seal.Ed25519)
		fList := seal.TrustList{Sequence: 1, Keys: []seal.TrustedKey{seal.NewTrustedKey(fKey.Public(),
			seal.Org{ID: fmt.Sprint(auth), Kind: "authority", Name: w.orgs["authority"].Name}, testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0))}}
		fListEnv, err := fList.Seal(fRoot, testNow)
		if err != nil {
			t.Fatal(err)
		}
		fe := seal.Envelope{Document: licDoc}
		if err := fe.Sign(fKey, fmt.Sprint(auth), testNow); err != nil {
			t.Fatal(err)
		}
		feEnv, _ := fe.Marshal()
		foreign := bundle.Bundle{Type: bundle.Type, Envelope: feEnv, TrustList: fListEnv, RootPublicKey: string(fRoot.Public().MarshalPEM()),
			Revocations: []json.RawMessage{}, TransparencyLog: genuine.TransparencyLog}
		add("foreign root", marshalBundle(t, &foreign), bundle.VerdictCannotCheck, bundle.VerdictCannotCheck, string(bundle.ReasonUnknownRoot))

		// Forged issuers: the manufacturer's own valid key seals a licence
		// naming the authority, another number and destination; and a
		// confirmation naming another manufacturer.
		add("forged licence by a manufacturer", forge(t, genuine, licDoc, func(m map[string]any) {
			m["number"], m["destination"] = "UCX-2026-999999", "IR"
		}, makerKey, maker), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongIssuer))
		add("forged confirmation naming another manufacturer", forge(t, genuine, confDoc, func(m map[string]any) {
			m["manufacturer_id"], m["manufacturer"] = maker2, w.orgs["maker2"].Name
		}, makerKey, maker), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongIssuer))
		// Wrong kind: the authority seals a confirmation naming itself.
		add("confirmation by an authority", forge(t, genuine, confDoc, func(m map[string]any) {
			m["manufacturer_id"], m["manufacturer"] = auth, w.orgs["authority"].Name
		}, authKey, auth), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongKind))

		// Stripped proof: offline it cannot be checked; the platform,
		// which holds the log, proves the genuine document itself.
		stripped := *genuine
		stripped.TransparencyLog = nil
		add("proof stripped", marshalBundle(t, &stripped), bundle.VerdictCannotCheck, bundle.VerdictValid, bundle.LogReasonMissing)
		nullProof := strings.Replace(string(marshalBundle(t, genuine)), `"inclusion_proof":{`, `"inclusion_proof":null,"x":{`, 1)
		add("inclusion_proof null (with an unknown member)", []byte(nullProof), "", "", "")
		lp := *genuine.TransparencyLog
		lp.InclusionProof = nil
		nulled := *genuine
		nulled.TransparencyLog = &lp
		add("inclusion_proof null", marshalBundle(t, &nulled), bundle.VerdictCannotCheck, bundle.VerdictValid, bundle.LogReasonMissing)

		// Duplicate keys at the top and deep inside.
		g := string(marshalBundle(t, genuine))
		add("duplicate envelope", []byte(strings.Replace(g, `"envelope":`, `"envelope":`+string(swappedEnv)+`,"envelope":`, 1)), "", "", "")
		add("duplicate nested key", []byte(strings.Replace(g, `"checkpoint":`, `"checkpoint":"x","checkpoint":`, 1)), "", "", "")

		check := func(cases []corpusCase) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					v, err := bundle.Verify(c.body, pinned)
					if c.offline == "" {
						if err == nil || ucx.ErrorCode(err) != ucx.EINVALID {
							t.Fatalf("offline: %+v, %v; want EINVALID", v, err)
						}
					} else if err != nil || v.Verdict != c.offline || (c.reason != "" && v.Reason != c.reason) || v.OK != (c.offline == bundle.VerdictValid) {
						t.Fatalf("offline: %v, verdict %+v; want %s (%s)", err, v, c.offline, c.reason)
					}
					r := w.raw("", "POST", "/api/v1/verify", string(c.body))
					var av bundle.Verification
					if c.online == "" {
						if r.status != 400 {
							t.Fatalf("API: %d %s; want 400", r.status, r.body)
						}
					} else if r.status != 200 || json.Unmarshal(r.body, &av) != nil || av.Verdict != c.online || av.OK != (c.online == bundle.VerdictValid) {
						t.Fatalf("API: %d %.400s; want %s", r.status, r.body, c.online)
					}
					u := newUIUser(t, w.ts.URL)
					for _, lang := range []string{"zh", "en", "ru"} {
						a := u.post("/verify", url.Values{"document": {string(c.body)}}, "Accept-Language: "+lang)
						if c.online == "" {
							if a.status != 400 || !strings.Contains(a.body, `id="e-document"`) || strings.Contains(a.body, `id="verdict"`) {
								t.Fatalf("page (%s): %d; want 400 and the error beside the field", lang, a.status)
							}
							continue
						}
						want := `data-verdict="` + c.online + `">` + bundle.Texts[lang].Verdicts[c.online] + `<`
						if a.status != 200 || !strings.Contains(a.body, want) {
							t.Fatalf("page (%s): %d, lacks %s", lang, a.status, want)
						}
						for other, text := range bundle.Texts[lang].Verdicts {
							if other != c.online && strings.Contains(a.body, `data-verdict="`+other+`"`) {
								t.Fatalf("page (%s) shows %s (%s) as well", lang, other, text)
							}
						}
					}
				})
			}
		}
		check(cases)

		// A revoked licence with its sealed revocation stripped from the
		// bundle, and the revocation's own proof too: the later entries
		// still show the revocation leaf.
		if r := w.raw("authority.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.status != 201 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		integrate()
		rb := w.bundleOf(t, d.Digest)
		rb.Revocations = []json.RawMessage{}
		rb.TransparencyLog.Revocations = nil
		check([]corpusCase{{"revoked, revocation stripped", marshalBundle(t, rb), bundle.VerdictRevoked, bundle.VerdictRevoked, string(seal.ReasonDocumentRevoked)}})
		// And the old bundle from before the revocation: offline it knows
		// no better than its checkpoint (its limits say so); the platform
		// says revoked.
		check([]corpusCase{{"old bundle of a revoked licence", marshalBundle(t, genuine), bundle.VerdictValid, bundle.VerdictRevoked, ""}})
	})
}
