package html

import (
	"net/http"
	"strconv"

	"github.com/ucxdev/ucx"
)

// uiBulkPage shows a bulk action's result, a row per record, and links
// back to the page it was started from.
type uiBulkPage struct {
	uiBase
	Report *ucx.BulkReport
	Back   string // the page to return to
	Link   string // the record page prefix: "/applications/" or "/requests/"
}

// uiFormIDs reads the ticked ids of a bulk form; a malformed one is
// EINVALID naming ids (ucx.BulkIDs checks the count).
func uiFormIDs(vals []string) ([]int64, error) {
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "ids", "the ticked ids must be positive record ids")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// uiImportSubmit submits the drafts an import filed (ucx.SubmitImportDrafts,
// the API's code).
func (s *UI) uiImportSubmit(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "import")
	if !ok {
		return
	}
	rep, err := ucx.SubmitImportDrafts(r.Context(), s.ImportService, s.ApplicationService, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, &uiBulkPage{uiBase: s.newBase(r, p, "bulk", "title.bulk"), Report: rep,
		Back: "/imports/" + strconv.FormatInt(id, 10), Link: "/applications/"})
}

// uiBulkSubmit submits the drafts ticked on the applications list.
func (s *UI) uiBulkSubmit(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if !s.uiParseForm(w, r, p, 1<<20) {
		return
	}
	ids, err := uiFormIDs(r.PostForm["ids"])
	var rep *ucx.BulkReport
	if err == nil {
		rep, err = ucx.SubmitApplications(r.Context(), s.ApplicationService, p, ids)
	}
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, &uiBulkPage{uiBase: s.newBase(r, p, "bulk", "title.bulk"), Report: rep, Back: "/applications", Link: "/applications/"})
}

// uiBulkAnswer approves (each request with the ticked outlets of its
// destination, R3) or refuses the requests ticked in the inbox.
func (s *UI) uiBulkAnswer(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if !s.uiParseForm(w, r, p, 1<<20) {
		return
	}
	ids, err := uiFormIDs(r.PostForm["ids"])
	a := ucx.BulkAnswer{Approve: r.PostForm.Get("answer") == "approve", Code: r.PostForm.Get("code"), Text: r.PostForm.Get("text")}
	if err == nil && a.Approve {
		a.Outlets = map[string][]int64{}
		var mine []*ucx.Outlet
		b := s.newBase(r, p, "bulk", "title.bulk")
		if mfr, ferr := s.findOrg(r.Context(), p, &b, p.OrgID); ferr == nil {
			mine = mfr.Outlets
		}
		for _, v := range r.PostForm["outlet"] {
			for _, o := range mine {
				if strconv.FormatInt(o.ID, 10) == v {
					a.Outlets[o.Country] = append(a.Outlets[o.Country], o.ID)
				}
			}
		}
	}
	var rep *ucx.BulkReport
	if err == nil {
		rep, err = ucx.AnswerRequests(r.Context(), s.RequestService, p, ids, a)
	}
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, &uiBulkPage{uiBase: s.newBase(r, p, "bulk", "title.bulk"), Report: rep, Back: "/requests", Link: "/requests/"})
}
