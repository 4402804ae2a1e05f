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
	"github.com/ucxdev/ucx/http/webtest"
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
func registerKey(t *testing.T, w *webtest.World, user string) *seal.PrivateKey {
	t.Helper()
	priv, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	body := webtest.MustJSON(map[string]any{"public_key_pem": string(priv.Public().MarshalPEM()), "not_after": webtest.TestNow.AddDate(1, 0, 0)})
	if r := w.Raw(user, "POST", "/api/v1/keys", body); r.Status != 201 {
		t.Fatalf("register a key for %s: %d %s", user, r.Status, r.Body)
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
	if err := e.Sign(key, fmt.Sprint(org), webtest.TestNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	env, _ := e.Marshal()
	bu := *genuine
	bu.Envelope, bu.TransparencyLog, bu.Revocations = env, nil, []json.RawMessage{}
	b, _ := json.Marshal(&bu)
	return b
}

// The adversarial corpus: forged issuers, a wrong kind, tampering, a
// foreign root, a stripped proof and a stripped revocation, duplicate
// keys. Each gets its verdict offline, from the API and on the page, in
// zh, en and ru, on both engines. None may be valid but the genuine one
// (and, online, the genuine one with its proof stripped: the platform
// holds the log and proves it itself).
func TestVerify_AdversarialCorpusOnEverySurface(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		integrate, logKey := webtest.WithLog(t, w, 0)
		lic := w.Licensed()
		d := webtest.DocOf(t, w, ucx.DocLicence, lic.ID)
		conf := webtest.DocOf(t, w, ucx.DocConfirmation, lic.ConfirmationIDs[0])
		makerKey := registerKey(t, w, "maker.admin")
		authKey := registerKey(t, w, "authority.admin")
		integrate()
		genuine := w.BundleOf(t, d.Digest)
		licDoc := webtest.MustDocument(t, d.Envelope)
		confDoc := webtest.MustDocument(t, conf.Envelope)
		maker, maker2, auth := w.Orgs["maker"].ID, w.Orgs["maker2"].ID, w.Orgs["authority"].ID
		pinned := bundle.Options{Roots: []*seal.PublicKey{w.Root(t)}, LogKey: logKey}

		var cases []corpusCase
		add := func(name string, body []byte, offline, online, reason string) {
			cases = append(cases, corpusCase{name, body, offline, online, reason})
		}
		add("genuine", webtest.MarshalBundle(t, genuine), bundle.VerdictValid, bundle.VerdictValid, "")

		vin := lic.Schedule[0].VIN
		other := "0"
		if vin[16] == '0' {
			other = "1"
		}
		changed := strings.Replace(string(webtest.MarshalBundle(t, genuine)), vin, vin[:16]+other, 1)
		add("field changed", []byte(changed), bundle.VerdictNotValid, bundle.VerdictNotValid, string(seal.ReasonTampered))

		env := string(genuine.Envelope)
		i := strings.Index(env, `"sig":"`) + len(`"sig":"`) + 5
		flip := byte('A')
		if env[i] == 'A' {
			flip = 'B'
		}
		flipped := *genuine
		flipped.Envelope = json.RawMessage(env[:i] + string(flip) + env[i+1:])
		add("signature flipped", webtest.MarshalBundle(t, &flipped), bundle.VerdictNotValid, bundle.VerdictNotValid, string(seal.ReasonBadSignature))

		le, _ := seal.ParseEnvelope(genuine.Envelope)
		ce, _ := seal.ParseEnvelope(conf.Envelope)
		le.Seals = ce.Seals
		swappedEnv, _ := le.Marshal()
		swapped := *genuine
		swapped.Envelope = swappedEnv
		add("seal swapped", webtest.MarshalBundle(t, &swapped), bundle.VerdictNotValid, bundle.VerdictNotValid, "")

		// A foreign root: the forger's own root, trust list and key.
		fRoot, _ := seal.GenerateKey(seal.Ed25519)
		fKey, _ := seal.GenerateKey(seal.Ed25519)
		fList := seal.TrustList{Sequence: 1, Keys: []seal.TrustedKey{seal.NewTrustedKey(fKey.Public(),
			seal.Org{ID: fmt.Sprint(auth), Kind: "authority", Name: w.Orgs["authority"].Name}, webtest.TestNow.AddDate(-1, 0, 0), webtest.TestNow.AddDate(1, 0, 0))}}
		fListEnv, err := fList.Seal(fRoot, webtest.TestNow)
		if err != nil {
			t.Fatal(err)
		}
		fe := seal.Envelope{Document: licDoc}
		if err := fe.Sign(fKey, fmt.Sprint(auth), webtest.TestNow); err != nil {
			t.Fatal(err)
		}
		feEnv, _ := fe.Marshal()
		foreign := bundle.Bundle{Type: bundle.Type, Envelope: feEnv, TrustList: fListEnv, RootPublicKey: string(fRoot.Public().MarshalPEM()),
			Revocations: []json.RawMessage{}, TransparencyLog: genuine.TransparencyLog}
		add("foreign root", webtest.MarshalBundle(t, &foreign), bundle.VerdictCannotCheck, bundle.VerdictCannotCheck, string(bundle.ReasonUnknownRoot))

		// Forged issuers: the manufacturer's own valid key seals a licence
		// naming the authority, another number and destination; and a
		// confirmation naming another manufacturer.
		add("forged licence by a manufacturer", forge(t, genuine, licDoc, func(m map[string]any) {
			m["number"], m["destination"] = "UCX-2026-999999", "IR"
		}, makerKey, maker), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongIssuer))
		add("forged confirmation naming another manufacturer", forge(t, genuine, confDoc, func(m map[string]any) {
			m["manufacturer_id"], m["manufacturer"] = maker2, w.Orgs["maker2"].Name
		}, makerKey, maker), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongIssuer))
		// Wrong kind: the authority seals a confirmation naming itself.
		add("confirmation by an authority", forge(t, genuine, confDoc, func(m map[string]any) {
			m["manufacturer_id"], m["manufacturer"] = auth, w.Orgs["authority"].Name
		}, authKey, auth), bundle.VerdictNotValid, bundle.VerdictNotValid, string(bundle.ReasonWrongKind))

		// Stripped proof: offline it cannot be checked; the platform,
		// which holds the log, proves the genuine document itself.
		stripped := *genuine
		stripped.TransparencyLog = nil
		add("proof stripped", webtest.MarshalBundle(t, &stripped), bundle.VerdictCannotCheck, bundle.VerdictValid, bundle.LogReasonMissing)
		nullProof := strings.Replace(string(webtest.MarshalBundle(t, genuine)), `"inclusion_proof":{`, `"inclusion_proof":null,"x":{`, 1)
		add("inclusion_proof null (with an unknown member)", []byte(nullProof), "", "", "")
		lp := *genuine.TransparencyLog
		lp.InclusionProof = nil
		nulled := *genuine
		nulled.TransparencyLog = &lp
		add("inclusion_proof null", webtest.MarshalBundle(t, &nulled), bundle.VerdictCannotCheck, bundle.VerdictValid, bundle.LogReasonMissing)

		// Duplicate keys at the top and deep inside.
		g := string(webtest.MarshalBundle(t, genuine))
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
					r := w.Raw("", "POST", "/api/v1/verify", string(c.body))
					var av bundle.Verification
					if c.online == "" {
						if r.Status != 400 {
							t.Fatalf("API: %d %s; want 400", r.Status, r.Body)
						}
					} else if r.Status != 200 || json.Unmarshal(r.Body, &av) != nil || av.Verdict != c.online || av.OK != (c.online == bundle.VerdictValid) {
						t.Fatalf("API: %d %.400s; want %s", r.Status, r.Body, c.online)
					}
					u := webtest.NewUIUser(t, w.TS.URL)
					for _, lang := range []string{"zh", "en", "ru"} {
						a := u.Post("/verify", url.Values{"document": {string(c.body)}}, "Accept-Language: "+lang)
						if c.online == "" {
							if a.Status != 400 || !strings.Contains(a.Body, `id="e-document"`) || strings.Contains(a.Body, `id="verdict"`) {
								t.Fatalf("page (%s): %d; want 400 and the error beside the field", lang, a.Status)
							}
							continue
						}
						want := `data-verdict="` + c.online + `">` + bundle.Texts[lang].Verdicts[c.online] + `<`
						if a.Status != 200 || !strings.Contains(a.Body, want) {
							t.Fatalf("page (%s): %d, lacks %s", lang, a.Status, want)
						}
						for other, text := range bundle.Texts[lang].Verdicts {
							if other != c.online && strings.Contains(a.Body, `data-verdict="`+other+`"`) {
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
		if r := w.Raw("authority.member", "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.Status != 201 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		integrate()
		rb := w.BundleOf(t, d.Digest)
		rb.Revocations = []json.RawMessage{}
		rb.TransparencyLog.Revocations = nil
		check([]corpusCase{{"revoked, revocation stripped", webtest.MarshalBundle(t, rb), bundle.VerdictRevoked, bundle.VerdictRevoked, string(seal.ReasonDocumentRevoked)}})
		// And the old bundle from before the revocation: offline it knows
		// no better than its checkpoint (its limits say so); the platform
		// says revoked.
		check([]corpusCase{{"old bundle of a revoked licence", webtest.MarshalBundle(t, genuine), bundle.VerdictValid, bundle.VerdictRevoked, ""}})
	})
}
