package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
)

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
	Available bool   // a verifier is plugged in (Server.WebVerify)
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

func (s *Server) newVerifyPage(r *http.Request) *uiVerifyPage {
	pg := &uiVerifyPage{uiBase: s.newBase(r, nil, "verify", "title.verify"), Form: newUIForm(), Available: s.WebVerify != nil}
	if a, err := s.TrustAnchors(r.Context()); err == nil && len(a.Anchors) == 1 {
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
		ch := uiCheck{Label: label, OK: c.OK, Detail: c.Detail}
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

// uiVerifyPage shows the verification form or, reached from a printed
// document's QR code (/verify?d=<digest>), verifies the stored document
// at once: its bundle (with the transparency log's proof when the server
// keeps a log) is handed to the verifier, so the holder of the paper sees
// the verdicts without pasting anything.
func (s *Server) uiVerifyPage(w http.ResponseWriter, r *http.Request) {
	pg := s.newVerifyPage(r)
	digest := strings.TrimSpace(r.URL.Query().Get("d"))
	if digest == "" || !pg.Available {
		s.render(w, r, pg)
		return
	}
	doc, err := s.verifyPageDocument(r, digest)
	if err != nil {
		switch ucx.ErrorCode(err) {
		case ucx.ENOTFOUND:
			pg.Form.Errors["document"] = pg.T("verify.unknown")
		case ucx.EINVALID:
			pg.Form.Errors["document"] = pg.T("verify.baddigest")
		default:
			pg.Form.Errors["document"] = pg.errText(err)
		}
		pg.status = ErrorStatusCode(ucx.ErrorCode(err))
		s.render(w, r, pg)
		return
	}
	s.renderVerified(w, r, pg, doc)
}

// verifyPageDocument returns what the page verifies for a digest: the
// document's bundle, or its envelope alone when the bundle cannot be
// made now (its log entry awaits the next checkpoint).
func (s *Server) verifyPageDocument(r *http.Request, digest string) ([]byte, error) {
	ds, err := s.documents()
	if err != nil {
		return nil, err
	}
	if _, err := s.keys(); err == nil {
		bu, _, err := s.bundle(r, digest)
		if err == nil {
			return json.Marshal(bu)
		}
		if code := ucx.ErrorCode(err); code == ucx.ENOTFOUND || code == ucx.EINVALID {
			return nil, err
		}
	}
	d, err := ds.FindDocument(r.Context(), digest)
	if err != nil {
		return nil, err
	}
	return d.Envelope, nil
}

// uiVerify reads the document from the "file" upload or, when none was
// chosen, the "document" text area, and hands it to the verifier.
func (s *Server) uiVerify(w http.ResponseWriter, r *http.Request) {
	pg := s.newVerifyPage(r)
	pg.Form.Values["document"] = ""
	if !pg.Available {
		pg.status = http.StatusServiceUnavailable
		s.render(w, r, pg)
		return
	}
	doc, err := uiVerifyInput(w, r, pg.Form)
	if err != nil {
		pg.formError(pg.Form, err)
		s.render(w, r, pg)
		return
	}
	s.renderVerified(w, r, pg, doc)
}

// renderVerified runs the verifier on doc and shows its verdict.
func (s *Server) renderVerified(w http.ResponseWriter, r *http.Request, pg *uiVerifyPage, doc []byte) {
	res, err := s.WebVerify(r.Context(), doc)
	if err != nil {
		switch code := ucx.ErrorCode(err); code {
		case ucx.EINTERNAL, ucx.EUNAVAILABLE:
			s.uiError(w, r, nil, err)
		default:
			pg.Form.Errors["document"] = pg.errText(err)
			pg.status = ErrorStatusCode(code)
			s.render(w, r, pg)
		}
		return
	}
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
		s.uiError(w, r, nil, ucx.Internal("http.uiVerify", err))
		return
	}
	pg.Result = string(b)
	s.render(w, r, pg)
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
		return nil, ucx.FieldErrorf(ucx.EINVALID, "document", "paste the document's text or choose its file")
	}
	return doc, nil
}
