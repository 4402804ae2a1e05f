package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	nethttp "net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// TestLicenceCmds_ShowAndDownloadByNumber: a party to a licence finds it by
// the number printed on it (or its id), sees its document's digest, and
// downloads the bundle, the PDF or the envelope, each of which verifies
// offline; another exporter is told there is no such licence; a wrong
// format is a usage error.
func TestLicenceCmds_ShowAndDownloadByNumber(t *testing.T) {
	t.Setenv("UCX_TOKEN", "")
	t.Setenv(anchorsEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	w := newSealingClientWorld(t)
	dir := t.TempDir()
	makerKey, makerPub, _ := keygen(t, dir, "maker", "ed25519")
	authKey, authPub, _ := keygen(t, dir, "authority", "ed25519")
	for user, pub := range map[string]string{"maker.admin": makerPub, "authority.admin": authPub} {
		if code, out, errOut := w.ucx(t, user, "", "key", "register", pub); code != 0 {
			t.Fatalf("key register: exit %d\n%s%s", code, out, errOut)
		}
	}
	appID, reqID := w.awaitingRequest(t)
	if code, out, errOut := w.ucx(t, "maker", "", "request", "approve", reqID, "--outlet", id64(w.outlet), "--key", makerKey); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := w.ucx(t, "authority", "", "licence", "issue", appID, "--key", authKey, "--json")
	var lic ucx.Licence
	if code != 0 || json.Unmarshal([]byte(out), &lic) != nil || lic.Number == "" || !strings.HasPrefix(lic.DocumentDigest, "sha256:") {
		t.Fatalf("issue: exit %d\n%s%s", code, out, errOut)
	}

	// show, by number and by id, text and JSON.
	for _, arg := range []string{lic.Number, strings.ToLower(lic.Number), id64(lic.ID)} {
		code, out, errOut := w.ucx(t, "exporter", "", "licence", "show", arg)
		if code != 0 || !hasLine(out, "number: "+lic.Number) || !hasLine(out, "document: "+lic.DocumentDigest) {
			t.Fatalf("licence show %s: exit %d\n%s%s", arg, code, out, errOut)
		}
	}
	code, out, _ = w.ucx(t, "authority", "", "licence", "show", lic.Number, "--json")
	var shown map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown["document_digest"] != lic.DocumentDigest {
		t.Fatalf("licence show --json: exit %d\n%s", code, out)
	}

	// Another exporter: no such licence, by number or by id.
	other := w.extraExporter(t, "另一出口公司")
	for _, arg := range []string{lic.Number, id64(lic.ID)} {
		code, out, errOut := runClientCLI(t, "", "licence", "download", arg, "-o", filepath.Join(dir, "x"), "--server", w.url, "--token", other)
		if code != exitFound || !strings.Contains(errOut, "not_found") || strings.Contains(out+errOut, lic.DocumentDigest) {
			t.Fatalf("another exporter downloads %s: exit %d\n%s%s", arg, code, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Fatal("a refused download wrote a file")
	}
	if code, _, errOut := w.ucx(t, "exporter", "", "licence", "show", "UCX-1999-000001"); code != exitFound || !strings.Contains(errOut, "no licence numbered UCX-1999-000001") {
		t.Fatalf("an unknown number: exit %d %s", code, errOut)
	}
	if code, _, errOut := w.ucx(t, "exporter", "", "licence", "download", lic.Number, "--format", "docx"); code != exitUsage || !strings.Contains(errOut, "bundle, pdf or json") {
		t.Fatalf("--format docx: exit %d %s", code, errOut)
	}

	// download: each format, verified offline against the anchors the
	// platform publishes.
	anchors := filepath.Join(dir, "anchors.json")
	writeKeyFile(t, anchors, fetch(t, w.url+"/.well-known/ucx-root"))
	t.Chdir(dir)
	code, _, errOut = w.ucx(t, "exporter", "", "licence", "download", lic.Number)
	bundleFile := lic.Number + ".bundle.json"
	if code != 0 || !strings.Contains(errOut, "saved "+bundleFile) || !strings.Contains(errOut, lic.DocumentDigest) {
		t.Fatalf("download (bundle, default name): exit %d %s", code, errOut)
	}
	if code, out, errOut := w.ucx(t, "exporter", "", "licence", "download", lic.Number, "--format", "pdf", "-o", "licence.pdf"); code != 0 {
		t.Fatalf("download pdf: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := w.ucx(t, "authority", "", "licence", "download", id64(lic.ID), "--format", "json", "-o", "envelope.json"); code != 0 {
		t.Fatalf("download json: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{bundleFile, "licence.pdf"} {
		code, out, errOut := runVinCmd(t, "", "verify", "--json", "--anchors", anchors, "--no-log", f)
		var j verifyJSON
		if code != exitOK || json.Unmarshal([]byte(out), &j) != nil || j.Digest != lic.DocumentDigest || j.Facts == nil || j.Facts.Number != lic.Number {
			t.Fatalf("verify %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
	if b, _ := os.ReadFile("licence.pdf"); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("licence.pdf is not a PDF: %.20q", b)
	}
	env, err := os.ReadFile("envelope.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := seal.ParseEnvelope(bytes.TrimSpace(env))
	if err != nil || seal.DigestOf(e.Document).String() != lic.DocumentDigest {
		t.Fatalf("envelope.json: %v", err)
	}
}

// fetch GETs url and returns the body, failing the test unless it is 200.
func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := nethttp.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// extraExporter adds an exporter with one member to the world's store and
// returns the member's API token.
func (w *clientWorld) extraExporter(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	o := &ucx.Org{Kind: ucx.KindExporter, Name: name, Region: "广东", FilingNumber: "GD-9", FilingExpires: ucx.DateOf(time.Now()).AddDays(100)}
	u := &ucx.User{Username: "extra.exporter", Role: ucx.RoleMember}
	if err := w.db.Bootstrap(ctx, o, u, clientTestPassword); err != nil {
		t.Fatal(err)
	}
	p, err := w.db.Authenticate(ctx, u.Username, clientTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := w.db.CreateToken(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
