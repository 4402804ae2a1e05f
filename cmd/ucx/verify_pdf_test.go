package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// writePDF writes a PDF carrying bundle as its ucx-bundle.json attachment,
// as GET /documents/{digest}/pdf does.
func writePDF(t *testing.T, path string, bundle []byte) {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	f.SetAttachments([]fpdf.Attachment{{Content: bundle, Filename: "ucx-bundle.json"}})
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ucx verify x.pdf verifies the bundle the PDF carries: valid for a
// genuine one, not valid when the embedded bundle was tampered with, and
// unusable input for a PDF without one.
func TestVerifyCmd_PDF(t *testing.T) {
	w := newSealWorld(t, "ed25519")
	t.Setenv(anchorsEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	genuine := []byte(readKeyFile(t, writeBundle(t, w, "bundle.json")))
	pinned := []string{"verify", "--lang", "en", "--no-log", "--root-pub", w.path("root.pub")}

	writePDF(t, w.path("genuine.pdf"), genuine)
	if code, out, _ := runVinCmd(t, "", append(pinned, w.path("genuine.pdf"))...); code != exitOK || !strings.HasPrefix(out, "Valid") {
		t.Fatalf("genuine PDF: exit %d\n%s", code, out)
	}
	tampered := bytes.Replace(genuine, []byte("Acme"), []byte("Acmf"), 1)
	if bytes.Equal(tampered, genuine) {
		tampered = bytes.Replace(genuine, []byte(`"brand":"`), []byte(`"brand":"X`), 1)
	}
	if bytes.Equal(tampered, genuine) {
		t.Fatalf("the test found nothing to tamper with in %s", genuine)
	}
	writePDF(t, w.path("tampered.pdf"), tampered)
	if code, out, _ := runVinCmd(t, "", append(pinned, w.path("tampered.pdf"))...); code != exitFound || strings.HasPrefix(out, "Valid") {
		t.Fatalf("PDF with a tampered bundle: exit %d\n%s", code, out)
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	var b bytes.Buffer
	f.Output(&b)
	os.WriteFile(w.path("plain.pdf"), b.Bytes(), 0o644)
	if code, _, errOut := runVinCmd(t, "", append(pinned, w.path("plain.pdf"))...); code != exitUsage || !strings.Contains(errOut, "ucx-bundle.json") {
		t.Fatalf("PDF without a bundle: exit %d\n%s", code, errOut)
	}
}
