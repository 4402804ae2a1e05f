package http

import (
	"context"
	"net/http"
	"net/url"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/http/html"
	"github.com/ucxdev/ucx/seal"
)

// verifyURL is the public verification URL of a document, what its QR
// code encodes: the web UI's /verify page under publicBase, with the
// digest and the first VIN on the document (the holder's capability, so
// that whoever scans the paper sees every fact and may download it), in
// Russian, the buyer's language.
func (s *Server) verifyURL(r *http.Request, d *ucx.Document) string {
	base, _ := s.publicBase(r)
	u := base + "/verify?digest=" + url.QueryEscape(d.Digest)
	if env, err := seal.ParseEnvelope(d.Envelope); err == nil {
		if f, err := bundle.DocumentFacts(env.Document); err == nil && f.FirstVIN() != "" {
			u += "&vin=" + url.QueryEscape(f.FirstVIN())
		}
	}
	return u + "&lang=ru"
}

// handlePrint is the printable view of a sealed document (html.PrintView):
// its fields with Chinese and English labels, its seals, its digest and a
// QR code of its public verification URL. For the parties and the holder
// (readDocument).
func (s *Server) handlePrint(w http.ResponseWriter, r *http.Request) {
	d, err := s.readDocument(r, r.PathValue("digest"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in := html.PrintInput{Envelope: d.Envelope, Kind: d.Kind, Digest: d.Digest, VerifyURL: s.verifyURL(r, d),
		SealNames: s.keyOrgNames(r.Context()), RevokedAt: d.RevokedAt, RevokedReason: d.RevokedReason}
	_, in.LocalQR = s.publicBase(r)
	if root := s.trustRoot(r.Context()); root != nil {
		in.RootFingerprint = bundle.Fingerprint(root)
	}
	page, err := html.PrintView(in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", html.PrintCSP)
	w.Write(page)
}

// keyOrgNames maps key ids to their organisations' legal names from the
// current trust list, checked against the root; empty when unavailable,
// as the names only label the print.
func (s *Server) keyOrgNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	root := s.trustRoot(ctx)
	if root == nil {
		return names
	}
	list, err := s.KeyService.TrustList(ctx)
	if err != nil {
		return names
	}
	l, err := seal.ParseTrustList(list, root)
	if err != nil {
		return names
	}
	for _, k := range l.Keys {
		names[k.KeyID] = k.Org.Name
	}
	return names
}

// trustRoot is the platform's root public key, nil when unavailable.
func (s *Server) trustRoot(ctx context.Context) *seal.PublicKey {
	if s.KeyService == nil {
		return nil
	}
	rootPEM, err := s.KeyService.TrustRoot(ctx)
	if err != nil {
		return nil
	}
	root, err := seal.ParsePublicKeyPEM(rootPEM)
	if err != nil {
		return nil
	}
	return root
}
