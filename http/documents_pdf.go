package http

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/seal"
)

// handlePDF answers a sealed confirmation or licence as a PDF (docpdf)
// with its verification bundle embedded, so the file verifies itself
// offline (ucx verify file.pdf). Same access as the print view: the
// parties and the holder (readDocument).
func (s *Server) handlePDF(w http.ResponseWriter, r *http.Request) {
	if _, err := s.readDocument(r, r.PathValue("digest")); err != nil {
		s.Error(w, r, err)
		return
	}
	bu, d, err := s.bundle(r, r.PathValue("digest"))
	if err != nil {
		s.retryLater(w, err)
		s.Error(w, r, err)
		return
	}
	raw, err := json.Marshal(bu)
	if err != nil {
		s.Error(w, r, ucx.Internal("http.handlePDF", err))
		return
	}
	in := docpdf.Input{Envelope: d.Envelope, Bundle: raw, VerifyURL: s.verifyURL(r, d),
		SealNames: s.keyOrgNames(r.Context()), RevokedAt: d.RevokedAt, RevokedReason: d.RevokedReason}
	_, in.LocalQR = s.publicBase(r)
	if root, err := seal.ParsePublicKeyPEM([]byte(bu.RootPublicKey)); err == nil {
		in.RootKeyID = bundle.Fingerprint(root)
	}
	pdf, err := docpdf.Render(in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := d.Kind + "-" + strings.TrimPrefix(d.Digest, "sha256:")[:16] + ".pdf"
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeRaw(w, "application/pdf", pdf)
}
