package docpdf_test

import (
	"bytes"
	"testing"

	"github.com/ucxdev/ucx/docpdf"
)

// FuzzBundle: any input gives bytes or an error, never a panic, and never
// more than MaxBundleBytes; seeded with a real PDF.
func FuzzBundle(f *testing.F) {
	env, keyID := sealedDoc(f, confirmation(f))
	pdf, err := docpdf.Render(input(env, keyID))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pdf)
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Filespec /UF (ucx-bundle.json) /EF << /F 2 0 R >> >> endobj\n2 0 obj << /Length 3 >> stream\nabc\nendstream endobj"))
	f.Add([]byte("%PDF-"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := docpdf.Bundle(b)
		if err == nil && len(got) > docpdf.MaxBundleBytes {
			t.Fatalf("%d bytes returned", len(got))
		}
	})
}

func TestBundle_Refusals(t *testing.T) {
	env, keyID := sealedDoc(t, confirmation(t))
	in := input(env, keyID)
	pdf, err := docpdf.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"not a PDF":          []byte(`{"type":"ucx.bundle.v1"}`),
		"attachment renamed": bytes.ReplaceAll(pdf, []byte("u\x00c\x00x\x00-\x00b\x00u\x00n\x00d\x00l\x00e"), []byte("x\x00x\x00x\x00-\x00b\x00u\x00n\x00d\x00l\x00e")),
		"cut short":          pdf[:200],
	} {
		if got, err := docpdf.Bundle(b); err == nil && bytes.Equal(got, in.Bundle) {
			t.Errorf("%s: the bundle was still found", name)
		} else if err == nil {
			t.Errorf("%s: no error, %d bytes", name, len(got))
		}
	}
}

// BenchmarkRender_Licence20 renders a 20-vehicle licence (fonts cut once,
// as on a running server). Run with -cpu 1.
func BenchmarkRender_Licence20(b *testing.B) {
	env, keyID := sealedDoc(b, licence(b, 20))
	in := input(env, keyID)
	if _, err := docpdf.Render(in); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := docpdf.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
