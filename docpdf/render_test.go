package docpdf_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/vin"
)

// sealedDoc seals doc (any JSON value) with a fresh key for org "7".
func sealedDoc(t testing.TB, doc any) (env []byte, keyID string) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := seal.Canonicalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	e := &seal.Envelope{Digest: seal.DigestOf(canon), Document: canon}
	if err := e.Sign(key, "7", time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, key.Public().ID()
}

// testVIN returns the n-th VIN with a correct check digit.
func testVIN(t testing.TB, n int) string {
	v := fmt.Sprintf("LGXCE4CB0S%07d", 2000000+n)
	d, ok := vin.CheckDigit(v)
	if !ok {
		t.Fatalf("bad VIN %s", v)
	}
	return v[:8] + string(d) + v[9:]
}

func licence(t testing.TB, vehicles int) map[string]any {
	var sched []map[string]any
	for i := 0; i < vehicles; i++ {
		sched = append(sched, map[string]any{"brand": "比亚迪 BYD", "model": "秦PLUS DM-i", "registration_date": "2026-01-16",
			"transfer_date": "2026-02-20", "vin": testVIN(t, i)})
	}
	return map[string]any{
		"application_id": 41, "authority": "广东省商务厅", "authority_id": 2,
		"confirmations": []map[string]any{{"id": 9, "sha256": strings.Repeat("ab", 32)}},
		"destination":   "RU", "exporter": "广州华运二手车出口有限公司", "exporter_filing_number": "GD-2025-0117", "exporter_id": 8,
		"issued_on": "2026-03-10", "number": "UCX-2026-000123", "schedule": sched, "type": "ucx.licence.v1", "valid_until": "2026-09-06",
	}
}

func confirmation(t testing.TB) map[string]any {
	return map[string]any{
		"application_id": 41, "confirmation_id": 9, "destinations": []string{"RU"}, "issued_on": "2026-03-09",
		"manufacturer": "比亚迪汽车工业有限公司", "manufacturer_id": 4, "type": "ucx.confirmation.v1",
		"vehicles": []map[string]any{{"brand": "比亚迪 BYD", "model": "秦PLUS DM-i", "registration_date": "2026-01-16", "vin": testVIN(t, 0),
			"outlets": []map[string]any{
				{"address": "Leningradsky pr. 39, Moscow", "contact": "+7 495 000 0101", "country": "RU", "provider": "BYD Auto Rus LLC"},
				{"address": "Kashirskoe sh. 61, Moscow", "contact": "", "country": "RU", "provider": "BYD Service Kashirka"}}}},
	}
}

func input(env []byte, keyID string) docpdf.Input {
	d, _ := seal.ParseEnvelope(env)
	return docpdf.Input{Envelope: env, Bundle: []byte(`{"type":"ucx.bundle.v1","envelope":` + string(env) + `}`),
		VerifyURL: "https://ucx.example.cn/verify?d=" + d.Digest.String(), RootKeyID: "ed25519:0123456789abcdef0123456789abcdef",
		SealNames: map[string]string{keyID: "广东省商务厅"}}
}

// pdfText extracts the PDF's text with poppler's pdftotext.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (Debian poppler-utils) is not installed; .ci/run installs it")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// renderPNG renders every page with pdftoppm into artifacts/pdf/<name>-N.png
// (gitignored), for people to look at, and fails if poppler cannot.
func renderPNG(t *testing.T, name string, pdf []byte) []string {
	t.Helper()
	dir := filepath.Join("..", "artifacts", "pdf")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pngs := filepath.Join(dir, name)
	os.RemoveAll(pngs)
	if err := os.MkdirAll(pngs, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "80", "-png", path, filepath.Join(pngs, "page")).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(pngs, "page-*.png"))
	return pages
}

func TestRender_LicenceAndConfirmation(t *testing.T) {
	for _, c := range []struct {
		name  string
		doc   map[string]any
		want  []string
		pages int
	}{
		{"licence", licence(t, 3), []string{"二手车出口许可证", "UCX-2026-000123", "广州华运二手车出口有限公司", "广东省商务厅",
			"GD-2025-0117", testVIN(t, 0), testVIN(t, 2), "ЛИЦЕНЗИЯ НА ЭКСПОРТ", "Россия", "10.03.2026", "2026年3月10日",
			"sha256:" + strings.Repeat("ab", 32), "ed25519:0123456789abcdef0123456789abcdef"}, 2},
		{"licence-20", licence(t, 20), []string{testVIN(t, 19), "UCX-2026-000123"}, 0},
		{"confirmation", confirmation(t), []string{"售后维修服务确认书", "AFTER-SALES SERVICE CONFIRMATION", "比亚迪汽车工业有限公司",
			testVIN(t, 0), "BYD Auto Rus LLC", "Leningradsky pr. 39, Moscow", "+7 495 000 0101", "BYD Service Kashirka", "俄罗斯"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, keyID := sealedDoc(t, c.doc)
			in := input(env, keyID)
			pdf, err := docpdf.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, pdf)
			e, _ := seal.ParseEnvelope(env)
			for _, w := range append(c.want, e.Digest.String(), keyID) {
				if !strings.Contains(strings.ReplaceAll(text, "\n", " "), w) && !strings.Contains(text, w) {
					t.Errorf("the PDF's text lacks %q", w)
				}
			}
			for _, internal := range []string{"application_id", "exporter_id", "authority_id", "manufacturer_id", "confirmation_id"} {
				if strings.Contains(text, internal) {
					t.Errorf("the PDF shows the internal field %s", internal)
				}
			}
			pages := renderPNG(t, c.name, pdf)
			if c.pages > 0 && len(pages) != c.pages {
				t.Errorf("%d pages, want %d", len(pages), c.pages)
			}
			got, err := docpdf.Bundle(pdf)
			if err != nil || !bytes.Equal(got, in.Bundle) {
				t.Fatalf("the embedded bundle does not come back: %v", err)
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}
