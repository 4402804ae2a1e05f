package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxbundle "github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/policy"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// newSealingClientWorld is newClientWorld with document sealing on and an
// admin in the manufacturer and the authority (only admins manage keys).
// Its clock is the real one: the CLI seals at this machine's time, and the
// server refuses seals dated ahead of its own clock, so the two must
// agree. Tokens: "exporter", "maker", "maker.admin", "authority",
// "authority.admin".
func newSealingClientWorld(t *testing.T) *clientWorld {
	t.Helper()
	ctx := context.Background()
	db := openClientStore(t)
	today := ucx.DateOf(time.Now())
	w := &clientWorld{db: db, tokens: map[string]string{}}
	orgs := []struct {
		name  string
		org   *ucx.Org
		roles []ucx.Role
	}{
		{"exporter", &ucx.Org{Kind: ucx.KindExporter, Name: "华运出口有限公司", Region: "广东", FilingNumber: "GD-1", FilingExpires: today.AddDays(200)},
			[]ucx.Role{ucx.RoleMember}},
		{"maker", &ucx.Org{Kind: ucx.KindManufacturer, Name: "测试汽车股份有限公司", WMIs: []string{"LM1"},
			Outlets: []*ucx.Outlet{{Country: "RU", Provider: "Testa Rus", Address: "Moscow"}}}, []ucx.Role{ucx.RoleAdmin, ucx.RoleMember}},
		{"authority", &ucx.Org{Kind: ucx.KindAuthority, Name: "广东省商务厅", Region: "广东"}, []ucx.Role{ucx.RoleAdmin, ucx.RoleMember}},
	}
	for _, o := range orgs {
		for i, role := range o.roles {
			u := &ucx.User{Username: o.name + "." + string(role), Role: role}
			var err error
			if i == 0 {
				err = db.Bootstrap(ctx, o.org, u, clientTestPassword)
			} else {
				u.OrgID = o.org.ID
				err = db.Bootstrap(ctx, nil, u, clientTestPassword)
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := db.Authenticate(ctx, u.Username, clientTestPassword)
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := db.CreateToken(ctx, p, "test")
			if err != nil {
				t.Fatal(err)
			}
			key := o.name
			if role == ucx.RoleAdmin {
				key += ".admin"
			}
			w.tokens[key] = secret
		}
	}
	w.outlet = orgs[1].org.Outlets[0].ID
	bindMaker(t, db, orgs[1].org)
	if err := db.UseKEK(ctx, sqlstore.NewKEK()); err != nil {
		t.Fatal(err)
	}

	s := http.NewServer()
	s.OrgService, s.ApplicationService, s.RequestService, s.LicenceService, s.ImportService = db, db, db, db, db
	s.KeyService, s.DocumentService = db, db
	s.Policy = policy.Default()
	s.Logger = slog.New(slog.DiscardHandler)
	// Whatever the CLI sends, a private key is never part of it.
	h := s.Handler()
	ts := httptest.NewServer(nethttp.HandlerFunc(func(rw nethttp.ResponseWriter, r *nethttp.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("PRIVATE KEY")) {
			t.Errorf("%s %s sent a private key", r.Method, r.URL.Path)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

// awaitingRequest files and submits an application for a car registered
// 53 days ago, which needs the manufacturer's letter (R1), and returns the
// application's and its request's ids.
func (w *clientWorld) awaitingRequest(t *testing.T) (appID, reqID string) {
	t.Helper()
	today := ucx.DateOf(time.Now())
	reg, transfer := today.AddDays(-53).String(), today.AddDays(-9).String()
	app := fmt.Sprintf(`{"vehicle":{"vin":%q,"brand":"Testa","model":"T1","energy_type":"petrol",
"registration_date":%q,"transfer_date":%q},
"certificate":{"brand":"Testa","model":"T1","registration_date":%q,"transfer_date":%q},
"destination":"RU","buyer":"OOO Avto","contract_number":"HT-1","inspection_report":"CMA-1"}`, w.vin(), reg, transfer, reg, transfer)
	file := filepath.Join(t.TempDir(), "car.json")
	if err := os.WriteFile(file, []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := w.ucx(t, "exporter", "", "app", "file", file, "--submit", "--json")
	var a ucx.Application
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.State != ucx.StateAwaitingConfirmation {
		t.Fatalf("app file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = w.ucx(t, "maker", "", "request", "list", "--state", "pending", "--json")
	var inbox wire.ListResponse[*ucx.ConfirmationRequest]
	if code != 0 || json.Unmarshal([]byte(out), &inbox) != nil {
		t.Fatalf("request list: exit %d\n%s", code, out)
	}
	for _, r := range inbox.Items {
		if r.ApplicationID == a.ID {
			return strconv.FormatInt(a.ID, 10), strconv.FormatInt(r.ID, 10)
		}
	}
	t.Fatalf("no pending request for application %d", a.ID)
	return "", ""
}

// keygen makes a key pair under dir and returns the .key and .pub paths
// and the key id.
func keygen(t *testing.T, dir, name, alg string) (keyFile, pubFile, id string) {
	t.Helper()
	prefix := filepath.Join(dir, name)
	out := mustRunKey(t, "keygen", "--alg", alg, "--out", prefix)
	return prefix + ".key", prefix + ".pub", strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
}

// TestClientKeys_SealLocallyThenVerifyOffline is the non-custodial round
// trip from the command line: keygen, register the public key, approve
// with --key (the confirmation sealed here), issue with --key (the licence
// sealed here by the authority), download both bundles, and ucx verify
// them with no server at all.
func TestClientKeys_SealLocallyThenVerifyOffline(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newSealingClientWorld(t)
	dir := t.TempDir()
	makerKey, makerPub, makerID := keygen(t, dir, "maker", "ed25519")
	authKey, authPub, authID := keygen(t, dir, "authority", "sm2")

	code, out, errOut := w.ucx(t, "maker.admin", "", "key", "register", makerPub, "--not-after", "2030-12-31", "--json")
	var k ucx.Key
	if code != 0 || json.Unmarshal([]byte(out), &k) != nil || k.ID != makerID || k.Custodial {
		t.Fatalf("key register: exit %d\n%s%s", code, out, errOut)
	}
	// Through 31 December in China time, the day the admin wrote.
	if want := time.Date(2030, 12, 31, 23, 59, 59, 0, ucx.ChinaTime); !k.NotAfter.Equal(want) {
		t.Fatalf("not_after = %s, want %s", k.NotAfter, want)
	}
	code, out, errOut = w.ucx(t, "authority.admin", "", "key", "register", authPub)
	if code != 0 || !hasLine(out, "key: "+authID) || !hasLine(out, "alg: sm2-sm3") {
		t.Fatalf("authority key register: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = w.ucx(t, "maker.admin", "", "key", "list")
	if code != 0 || !strings.Contains(out, makerID) || strings.Contains(out, authID) || !strings.Contains(out, "1 in all") {
		t.Fatalf("key list shows the organisation's own keys only: exit %d\n%s", code, out)
	}

	appID, reqID := w.awaitingRequest(t)
	outlet := strconv.FormatInt(w.outlet, 10)
	// A member approves: any member may seal with a registered key.
	code, out, errOut = w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", outlet, "--key", makerKey, "--json")
	var approved struct {
		ucx.ConfirmationRequest
		Digest string `json:"document_digest"`
		KeyID  string `json:"key_id"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &approved) != nil || approved.State != ucx.ConfirmationApproved ||
		approved.KeyID != makerID || !strings.HasPrefix(approved.Digest, "sha256:") {
		t.Fatalf("approve --key: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = w.ucx(t, "authority", "", "licence", "issue", appID, "--key", authKey)
	if code != 0 || !strings.Contains(out, "number:") || !strings.Contains(out, "(key "+authID+")") {
		t.Fatalf("licence issue --key: exit %d\n%s%s", code, out, errOut)
	}
	var licDigest string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "sealed:" {
			licDigest = f[1]
		}
	}

	for _, d := range []struct{ digest, org, kind, key string }{
		{approved.Digest, "测试汽车股份有限公司", "confirmation", makerID},
		{licDigest, "广东省商务厅", "licence", authID},
	} {
		bundle := filepath.Join(dir, d.kind+".bundle.json")
		// Bundles are for the parties to the document: the exporter's token.
		code, out, errOut = w.ucx(t, "exporter", "", "document", "bundle", d.digest, "-o", bundle)
		if code != 0 {
			t.Fatalf("document bundle %s: exit %d\n%s%s", d.kind, code, out, errOut)
		}
		// Offline: the bundle is all ucx verify gets, pinned to the root
		// the platform publishes at its well-known address.
		resp, err := nethttp.Get(w.url + "/.well-known/ucx-root")
		if err != nil {
			t.Fatal(err)
		}
		anchors, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pem, err := w.db.TrustRoot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.Contains(string(anchors), strings.ReplaceAll(strings.TrimSpace(string(pem)), "\n", `\n`)) {
			t.Fatalf("well-known root: %d %s", resp.StatusCode, anchors)
		}
		anchorsFile := filepath.Join(dir, "anchors.json")
		writeKeyFile(t, anchorsFile, string(anchors))
		code, out, errOut = runVinCmd(t, "", "verify", "--json", "--lang", "en", "--anchors", anchorsFile, "--no-log", bundle)
		var j verifyJSON
		if code != exitOK || json.Unmarshal([]byte(out), &j) != nil || len(j.Seals) != 1 ||
			j.Seals[0].OrgName != d.org || j.Seals[0].KeyID != d.key || j.Digest != d.digest {
			t.Fatalf("verify %s bundle: exit %d\n%s%s", d.kind, code, out, errOut)
		}
		if !strings.Contains(readKeyFile(t, bundle), `"type":"`+ucxbundle.Type+`"`) {
			t.Fatalf("%s is not a bundle", bundle)
		}
	}
}

// TestClientKeys_SealRefusals: the server's refusal of a seal reaches the
// caller with its reason and exit 1, and nothing is approved; a private
// key is never sent as a public one.
func TestClientKeys_SealRefusals(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	w := newSealingClientWorld(t)
	dir := t.TempDir()
	key, pub, id := keygen(t, dir, "maker", "ed25519")
	strayKey, _, _ := keygen(t, dir, "stray", "ed25519")
	_, reqID := w.awaitingRequest(t)
	outlet := strconv.FormatInt(w.outlet, 10)

	// A .key file given as the public key is refused before any request.
	code, _, errOut := w.ucx(t, "maker.admin", "", "key", "register", key)
	if code != exitUsage || !strings.Contains(errOut, ".pub") {
		t.Fatalf("register a private key file: exit %d %q; want 2", code, errOut)
	}
	if keys, err := w.db.FindKeys(context.Background(), mustPrincipal(t, w, "maker.admin")); err != nil || len(keys) != 0 {
		t.Fatalf("keys after refusing a private key file: %v %v", keys, err)
	}
	// Only an admin registers keys; the server says so.
	code, _, errOut = w.ucx(t, "maker", "", "key", "register", pub)
	if code != 1 || !strings.Contains(errOut, "forbidden") || !strings.Contains(errOut, "admin") {
		t.Fatalf("a member registers a key: exit %d %q", code, errOut)
	}
	if code, out, errOut := w.ucx(t, "maker.admin", "", "key", "register", pub); code != 0 {
		t.Fatalf("key register: exit %d\n%s%s", code, out, errOut)
	}

	// A key the trust list does not know: the server's reason, exit 1.
	code, _, errOut = w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", outlet, "--key", strayKey)
	if code != 1 || !strings.Contains(errOut, "rule_violation") || !strings.Contains(errOut, string(seal.ReasonUnknownKey)) || !strings.Contains(errOut, "field envelope") {
		t.Fatalf("approve with an unregistered key: exit %d %q", code, errOut)
	}
	// A revoked key: likewise, naming the revocation.
	code, _, errOut = w.ucx(t, "maker", "", "key", "revoke", id, "--reason", "laptop lost")
	if code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a member revokes: exit %d %q", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "maker.admin", "", "key", "revoke", id); code != exitUsage || !strings.Contains(errOut, "--reason") {
		t.Fatalf("revoke without a reason: exit %d %q", code, errOut)
	}
	code, out, errOut := w.ucx(t, "maker.admin", "", "key", "revoke", id, "--reason", "laptop lost")
	if code != 0 || !strings.Contains(out, "laptop lost") {
		t.Fatalf("key revoke: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", outlet, "--key", key)
	if code != 1 || !strings.Contains(errOut, string(seal.ReasonKeyRevoked)) {
		t.Fatalf("approve with a revoked key: exit %d %q", code, errOut)
	}
	code, out, _ = w.ucx(t, "maker", "", "request", "show", reqID)
	if code != 0 || !hasLine(out, "state: pending") {
		t.Fatalf("the refused approvals left the request changed: exit %d\n%s", code, out)
	}
	// A missing key file is a usage error, found before the server is asked.
	code, _, errOut = w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", outlet, "--key", filepath.Join(dir, "none.key"))
	if code != exitUsage || !strings.Contains(errOut, "--key") {
		t.Fatalf("approve with a missing key file: exit %d %q", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "exporter", "", "document", "bundle", "sha256:"+strings.Repeat("0", 64)); code != 1 || !strings.Contains(errOut, "not_found") {
		t.Fatalf("bundle of no document: exit %d %q", code, errOut)
	}
}

func mustPrincipal(t *testing.T, w *clientWorld, user string) *ucx.Principal {
	t.Helper()
	c := client.New(w.url, w.tokens[user])
	p, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
