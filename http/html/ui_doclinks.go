package html

import "net/url"

// uiDocLinks are the four ways to a sealed document that every page naming
// one offers: the printable view, the PDF (which carries its own bundle),
// the verification bundle to keep or send, and the public verify page.
// Digest empty means the record has no sealed document (sealing was off),
// and the partial "doclinks" then shows nothing.
type uiDocLinks struct {
	Digest                                          string
	View, PDF, Bundle, Verify                       string // URLs
	ViewText, PDFText, BundleText, VerifyText, Name string // labels
}

// Doc returns the links of the sealed document with this digest, labelled
// in the page's language.
func (b *uiBase) Doc(digest string) uiDocLinks {
	if digest == "" {
		return uiDocLinks{}
	}
	p := url.PathEscape(digest)
	return uiDocLinks{
		Digest:     digest,
		View:       "/documents/" + p + "/print",
		PDF:        "/documents/" + p + "/pdf",
		Bundle:     "/api/v1/documents/" + p + "/bundle",
		Verify:     "/verify?digest=" + url.QueryEscape(digest),
		ViewText:   b.T("doc.view"),
		PDFText:    b.T("doc.pdf"),
		BundleText: b.T("doc.bundle"),
		VerifyText: b.T("doc.verify"),
		Name:       b.T("doc.links"),
	}
}
