package html

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/http/wire"
)

// errVerifyEmpty is the verify form posted with neither a file nor text;
// the page answers it in the reader's language.
var errVerifyEmpty = ucx.FieldErrorf(ucx.EINVALID, "document", "paste the document's text or choose its file")

// uiVerifyMaxBytes bounds a pasted or uploaded document: a verification
// bundle (document, seals, trust list, proof, checkpoint) is a few
// kilobytes; 4 MiB leaves room for a licence with a long schedule.
const uiVerifyMaxBytes = 4 << 20

// uiVerifyPage is the public verification page, for a foreign buyer,
// importer or customs officer holding a letter or licence: in Chinese,
// English and Russian, no sign-in.
type uiVerifyPage struct {
	uiBase
	Form      *uiForm
	Available bool   // a verifier is plugged in (UI.WebVerify)
	Checked   bool   // a document was checked
	Result    string // the verifier's result, as indented JSON (behind a disclosure)
	// V is the verification when the verifier is bundle.Verify's (the
	// platform's); Verdict its one word, Checks the three checks and the
	// log in the reader's language.
	V       *bundle.Verification
	Verdict string
	Checks  []uiCheck
	// Fingerprint is this platform's root fingerprint, for the reader to
	// compare with the one printed on the document.
	Fingerprint string
	// Lookup is set when the document was named by digest or licence
	// number; Full when every fact is shown (an uploaded document, or a
	// VIN on the named one), and Downloads are then the document's view,
	// PDF and bundle, carrying the VIN for a reader who is not signed in.
	Lookup, Full bool
	Digest       string // the named document's digest, for the VIN form
	Downloads    *uiDocLinks
}

// KindText is a document kind in the reader's language.
func (pg *uiVerifyPage) KindText(kind string) string {
	if kind == "" {
		return "—"
	}
	return pg.T("verify.kind." + kind)
}

// StateText is a document's state today in the reader's language.
func (pg *uiVerifyPage) StateText(state string) string { return pg.T("verify.state." + state) }

// LetterLink is the verify page of a letter a licence relies on, with the
// reader's VIN (the letter names the same car).
func (pg *uiVerifyPage) LetterLink(sha string) string {
	u := "/verify?digest=" + url.QueryEscape("sha256:"+sha)
	if v := pg.Form.V("vin"); v != "" && pg.Full {
		u += "&vin=" + url.QueryEscape(v)
	}
	return u
}

// uiCheck is one check of a verification as the page shows it.
type uiCheck struct {
	Label, Reason, Detail string
	OK                    bool
}

// uiVerdict is implemented by a verification result that states plainly
// whether the document verifies; the page then shows a green or red
// verdict above the details.
type uiVerdict interface{ Valid() bool }

func (s *UI) newVerifyPage(r *http.Request) *uiVerifyPage {
	pg := &uiVerifyPage{uiBase: s.newBase(r, nil, "verify", "title.verify"), Form: newUIForm(), Available: s.webVerify() != nil}
	if a, err := s.trustAnchors(r.Context()); err == nil && len(a.Anchors) == 1 {
		pg.Fingerprint = a.Anchors[0].Fingerprint
	}
	return pg
}

// VerdictText is the page's one large verdict in the reader's language.
func (pg *uiVerifyPage) VerdictText() string {
	if t, ok := bundle.Texts[pg.Lang]; ok {
		return t.Verdicts[pg.Verdict]
	}
	return bundle.Texts["en"].Verdicts[pg.Verdict]
}

// setVerification lays a verification out for the page.
func (pg *uiVerifyPage) setVerification(v *bundle.Verification) {
	pg.V, pg.Verdict = v, v.Verdict
	t, ok := bundle.Texts[pg.Lang]
	if !ok {
		t = bundle.Texts["en"]
	}
	add := func(label string, c bundle.VerdictJSON) {
		ch := uiCheck{Label: label, OK: c.OK}
		if pg.Lang == "en" {
			ch.Detail = c.Detail // the verifier's details are in English
		}
		if !c.OK {
			ch.Reason = bundle.ReasonText(pg.Lang, c.Reason)
		}
		pg.Checks = append(pg.Checks, ch)
	}
	add(t.Integrity, v.Integrity)
	add(t.Issuer, v.Issuer)
	add(t.Status, v.Status)
	if v.Log != nil {
		add(t.Log, bundle.VerdictJSON{OK: v.Log.OK, Reason: v.Log.Reason, Detail: v.Log.Detail})
	}
}

// uiVerifyPage shows the verification form or, for a document named by
// its digest or licence number (/verify?digest=…, ?licence=…; a printed
// document's QR code adds &vin= of its first car), verifies the stored
// document at once with verifyStored, the API's lookup: the verdict and
// the public facts, or every fact with the downloads when the VIN is on
// the document. (?d= is the digest of older printed QR codes.)
func (s *UI) uiVerifyPage(w http.ResponseWriter, r *http.Request) {
	pg := s.newVerifyPage(r)
	q := r.URL.Query()
	digest := strings.TrimSpace(q.Get("digest"))
	if digest == "" {
		digest = strings.TrimSpace(q.Get("d"))
	}
	licence := strings.TrimSpace(q.Get("licence"))
	vin := strings.ToUpper(strings.TrimSpace(q.Get("vin")))
	if len(vin) > 64 {
		vin = vin[:64]
	}
	if len(licence) > 64 {
		licence = licence[:64]
	}
	pg.Form.Values["licence"], pg.Form.Values["vin"] = licence, vin
	if (digest == "" && licence == "") || !pg.Available {
		s.render(w, r, pg)
		return
	}
	pg.Lookup = true
	sv, err := s.verifyStored(r, digest, licence, vin)
	if err != nil {
		field := "document"
		if digest == "" {
			field = "licence"
		}
		switch code := ucx.ErrorCode(err); {
		case code == ucx.ENOTFOUND && field == "licence":
			pg.Form.Errors[field] = pg.T("verify.unknownlicence")
		case code == ucx.ENOTFOUND:
			pg.Form.Errors[field] = pg.T("verify.unknown")
		case code == ucx.EINVALID && field == "licence":
			pg.Form.Errors[field] = pg.T("verify.badlicence")
		case code == ucx.EINVALID:
			pg.Form.Errors[field] = pg.T("verify.baddigest")
		case code == ucx.EINTERNAL:
			s.uiError(w, r, nil, err)
			return
		default:
			pg.Form.Errors[field] = pg.errText(err)
		}
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
		s.render(w, r, pg)
		return
	}
	pg.Digest, pg.Full = sv.Doc.Digest, sv.Full
	if sv.Full {
		links := pg.Doc(sv.Doc.Digest)
		vq := "?vin=" + url.QueryEscape(sv.VIN)
		links.View, links.PDF, links.Bundle = links.View+vq, links.PDF+vq, links.Bundle+vq
		pg.Downloads = &links
	}
	if err := s.showVerification(pg, sv.V); err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	s.render(w, r, pg)
}

// uiVerify reads the document from the "file" upload or, when none was
// chosen, the "document" text area, and hands it to the verifier.
func (s *UI) uiVerify(w http.ResponseWriter, r *http.Request) {
	pg := s.newVerifyPage(r)
	pg.Form.Values["document"] = ""
	if !pg.Available {
		pg.status = http.StatusServiceUnavailable
		s.render(w, r, pg)
		return
	}
	doc, err := uiVerifyInput(w, r, pg.Form)
	if err != nil {
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
		switch {
		case ucx.ErrorCode(err) == ucx.ETOOLARGE:
			pg.Form.Errors["document"] = pg.T("verify.toolarge")
		case errors.Is(err, errVerifyEmpty):
			pg.Form.Errors["document"] = pg.T("verify.empty")
		default:
			pg.Form.Errors["document"] = pg.T("error.form")
		}
		s.render(w, r, pg)
		return
	}
	s.renderVerified(w, r, pg, doc)
}

// renderVerified runs the verifier on an uploaded or pasted doc (a
// bundle, an envelope or a PDF carrying its bundle) and shows its verdict
// with every fact: whoever has the document has them all.
func (s *UI) renderVerified(w http.ResponseWriter, r *http.Request, pg *uiVerifyPage, doc []byte) {
	res, err := s.webVerify()(r.Context(), doc)
	if err != nil {
		switch code := ucx.ErrorCode(err); code {
		case ucx.EINTERNAL, ucx.EUNAVAILABLE:
			s.uiError(w, r, nil, err)
		default:
			pg.Form.Errors["document"] = pg.verifyInputError(doc, err)
			pg.status = wire.ErrorStatusCode(code)
			s.render(w, r, pg)
		}
		return
	}
	pg.Full = true
	if err := s.showVerification(pg, res); err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	s.render(w, r, pg)
}

// verifyInputError is why an uploaded document could not be verified, in
// the page's language; the verifier's own words (English) on the English
// page only.
func (pg *uiVerifyPage) verifyInputError(doc []byte, err error) string {
	key := "verify.notdoc"
	switch {
	case ucx.ErrorCode(err) == ucx.ETOOLARGE:
		key = "verify.toolarge"
	case docpdf.IsPDF(doc):
		key = "verify.nobundle"
	}
	if pg.Lang == "en" {
		return pg.T(key) + " (" + ucx.ErrorMessage(err) + ")"
	}
	return pg.T(key)
}

// showVerification lays a verifier's result out on the page.
func (s *UI) showVerification(pg *uiVerifyPage, res any) error {
	pg.Checked = true
	if v, ok := res.(*bundle.Verification); ok {
		pg.setVerification(v)
	} else if v, ok := res.(uiVerdict); ok {
		pg.Verdict = bundle.VerdictNotValid
		if v.Valid() {
			pg.Verdict = bundle.VerdictValid
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return ucx.Internal("http.uiVerify", err)
	}
	pg.Result = string(b)
	return nil
}

// uiVerifyInput returns the document from a multipart form (file first,
// then the text area) or a urlencoded one (text area only).
func uiVerifyInput(w http.ResponseWriter, r *http.Request, f *uiForm) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, uiVerifyMaxBytes+64<<10)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ucx.FieldErrorf(ucx.ETOOLARGE, "document", "the document is larger than %d bytes; a ucx document or bundle is far smaller, so check it is the right file", uiVerifyMaxBytes)
		}
		return ucx.FieldErrorf(ucx.EINVALID, "document", "the form could not be read; send it again")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var doc []byte
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, tooLarge(err)
		}
		if file, _, err := r.FormFile("file"); err == nil {
			defer file.Close()
			b, err := io.ReadAll(io.LimitReader(file, uiVerifyMaxBytes+1))
			if err != nil {
				return nil, tooLarge(err)
			}
			doc = b
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, tooLarge(err)
	}
	text := r.PostFormValue("document")
	if len(text) <= 64<<10 {
		f.Values["document"] = text // shown again; a huge paste is not
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte(text)
	}
	if len(doc) > uiVerifyMaxBytes {
		return nil, tooLarge(&http.MaxBytesError{Limit: uiVerifyMaxBytes})
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, errVerifyEmpty
	}
	return doc, nil
}
