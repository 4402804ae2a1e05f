package html

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// uiInboxPage is a manufacturer's pending confirmation requests, oldest
// first (the store's order for a manufacturer), with how long each has
// waited.
type uiInboxPage struct {
	uiBase
	Items []*ucx.ConfirmationRequest
	Total int
	// Outlets and RefusalCodes are the bulk answer's choices.
	Outlets      []*ucx.Outlet
	RefusalCodes []string
}

func (s *UI) uiInbox(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	items, total, err := s.RequestService.FindRequests(r.Context(), p, ucx.RequestFilter{State: ucx.ConfirmationPending, Limit: wire.MaxLimit})
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiInboxPage{uiBase: s.newBase(r, p, "inbox", "title.inbox"), Items: items, Total: total, RefusalCodes: uiRefusalCodes()}
	if p.OrgKind == ucx.KindManufacturer {
		if mfr, err := s.findOrg(r.Context(), p, &pg.uiBase, p.OrgID); err == nil {
			pg.Outlets = mfr.Outlets
		}
	}
	s.render(w, r, pg)
}

// uiRequestPage is one confirmation request: the vehicle, its
// destination, and the manufacturer's outlets there to choose from (R3).
type uiRequestPage struct {
	uiBase
	Req          *ucx.ConfirmationRequest
	Outlets      []*ucx.Outlet
	AllOutlets   int // outlets in any country, to tell "none here" from "none at all"
	CanAnswer    bool
	RefusalCodes []string
	Form         *uiForm
	Chosen       map[int64]bool
}

func (s *UI) uiRequest(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "request")
	if !ok {
		return
	}
	s.renderRequest(w, r, p, id, nil, newUIForm(), nil)
}

func (s *UI) renderRequest(w http.ResponseWriter, r *http.Request, p *ucx.Principal, id int64, actionErr error, f *uiForm, chosen map[int64]bool) {
	ctx := r.Context()
	cr, err := s.RequestService.FindRequestByID(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiRequestPage{uiBase: s.newBase(r, p, "request", "title.request"), Req: cr, Form: f,
		RefusalCodes: uiRefusalCodes(), Chosen: chosen,
		CanAnswer: p.OrgKind == ucx.KindManufacturer && p.Role.CanAct() && cr.State == ucx.ConfirmationPending}
	pg.Title = pg.T("title.request") + " " + cr.VIN
	if mfr, err := s.findOrg(ctx, p, &pg.uiBase, cr.ManufacturerID); err == nil {
		pg.Outlets = mfr.OutletsIn(cr.Destination)
		pg.AllOutlets = len(mfr.Outlets)
	}
	pg.formError(f, actionErr)
	s.render(w, r, pg)
}

// uiRequestAction approves (with the outlets ticked) or refuses (with a
// reason code and text) a request, at the version the page showed.
func (s *UI) uiRequestAction(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "request")
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	f.Values["code"], f.Values["text"], f.Values["outlet"] = r.PostForm.Get("code"), r.PostForm.Get("text"), ""
	chosen := map[int64]bool{}
	var ids []int64
	for _, v := range r.PostForm["outlet"] {
		oid, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || oid <= 0 {
			s.renderRequest(w, r, p, id, ucx.FieldErrorf(ucx.EINVALID, "outlet", "outlet %q is not one of the listed outlets; tick one from the list", wire.Clip(v)), f, chosen)
			return
		}
		chosen[oid] = true
		ids = append(ids, oid)
	}
	version, err := uiVersion(r.PostForm)
	if err != nil {
		s.renderRequest(w, r, p, id, err, f, chosen)
		return
	}
	ctx := r.Context()
	var done string
	switch r.PathValue("action") {
	case "approve":
		done = "approved"
		if len(ids) == 0 {
			err = ucx.FieldErrorf(ucx.EINVALID, "outlet", "tick at least one overseas outlet that will serve the vehicle in its destination (R3)")
		} else {
			_, err = s.RequestService.ApproveRequest(ctx, p, id, version, ids)
		}
	case "refuse":
		done = "refused"
		in := wire.RefusalRequest{Code: f.Values["code"], Text: f.Values["text"]}
		if err = wire.ValidateRefusal(&in); err == nil {
			_, err = s.RequestService.RefuseRequest(ctx, p, id, version, in.Code, in.Text)
		}
	default:
		s.uiError(w, r, p, ucx.Errorf(ucx.ENOTFOUND, "there is no action %q; use approve or refuse", wire.Clip(r.PathValue("action"))))
		return
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		if ucx.ErrorField(err) == "outlet_ids" {
			format, args := ucx.ErrorFormat(err)
			err = &ucx.Error{Code: ucx.ErrorCode(err), Field: "outlet", Message: ucx.ErrorMessage(err), Err: err, Format: format, Args: args}
		}
		s.renderRequest(w, r, p, id, err, f, chosen)
		return
	}
	http.Redirect(w, r, "/requests?done="+done, http.StatusSeeOther)
}

// uiReviewPage is the authority's queue: applications under review, each
// with the policy's findings, so the reviewer starts from the rules'
// answer rather than from the raw data.
type uiReviewPage struct {
	uiBase
	Items []*ucx.Application
	Total int
	// Letters are the sealed confirmations of each application in the
	// queue, by application id: the documents the licence would rely on.
	Letters map[int64][]*ucx.ConfirmationRequest
	// Shipments are the batches under review (R4), each reviewed on its
	// own page; their vehicles are in Items too.
	Shipments []*ucx.Shipment
}

func (s *UI) uiReview(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if p.OrgKind != ucx.KindAuthority {
		s.uiError(w, r, p, ucx.Errorf(ucx.EFORBIDDEN, "the review queue is the licensing authority's"))
		return
	}
	items, total, err := s.ApplicationService.FindApplications(r.Context(), p, ucx.ApplicationFilter{State: ucx.StateUnderReview, Limit: wire.MaxLimit})
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiReviewPage{uiBase: s.newBase(r, p, "review", "title.review"), Items: items, Total: total, Letters: map[int64][]*ucx.ConfirmationRequest{}}
	if s.ShipmentService != nil {
		shs, _, err := s.ShipmentService.FindShipments(r.Context(), p, ucx.ShipmentFilter{State: ucx.StateUnderReview, Limit: wire.MaxLimit})
		if err != nil {
			s.uiError(w, r, p, err)
			return
		}
		pg.Shipments = shs
	}
	// One page of approved requests, matched to the queue (as the
	// application page does), so the reviewer can open each letter.
	if reqs, _, err := s.RequestService.FindRequests(r.Context(), p, ucx.RequestFilter{State: ucx.ConfirmationApproved, Limit: wire.MaxLimit}); err == nil {
		queued := map[int64]bool{}
		for _, a := range items {
			queued[a.ID] = true
		}
		for _, cr := range reqs {
			if queued[cr.ApplicationID] && cr.DocumentDigest != "" {
				pg.Letters[cr.ApplicationID] = append(pg.Letters[cr.ApplicationID], cr)
			}
		}
	}
	s.render(w, r, pg)
}

// uiExportersPage lists the exporters of the authority's jurisdiction
// (R14) with their filing (R10), standing (R8) and number of
// applications, and lets an authority change a standing.
type uiExportersPage struct {
	uiBase
	Items     []uiExporterRow
	Standings []ucx.Standing
	CanSet    bool
	Form      *uiForm
	FormOrg   int64 // the exporter whose form holds Form's values
}

type uiExporterRow struct {
	Org          *ucx.Org
	Applications int
}

func (s *UI) uiExporters(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	s.renderExporters(w, r, p, 0, nil, newUIForm())
}

func (s *UI) renderExporters(w http.ResponseWriter, r *http.Request, p *ucx.Principal, formOrg int64, actionErr error, f *uiForm) {
	if p.OrgKind != ucx.KindAuthority {
		s.uiError(w, r, p, ucx.Errorf(ucx.EFORBIDDEN, "exporters' standings are the licensing authority's to see and set"))
		return
	}
	ctx := r.Context()
	orgs, _, err := s.OrgService.FindOrgs(ctx, p, ucx.OrgFilter{Kind: ucx.KindExporter, Limit: wire.MaxLimit})
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiExportersPage{uiBase: s.newBase(r, p, "exporters", "title.exporters"), Form: f, FormOrg: formOrg,
		Standings: []ucx.Standing{ucx.StandingNormal, ucx.StandingWarned, ucx.StandingRectification, ucx.StandingSuspended},
		CanSet:    p.Role.CanAct()}
	for _, o := range orgs {
		if o.Jurisdiction() != p.Jurisdiction {
			continue // another authority's exporter (R14)
		}
		_, n, err := s.ApplicationService.FindApplications(ctx, p, ucx.ApplicationFilter{ExporterID: o.ID, Limit: 1})
		if err != nil {
			s.uiError(w, r, p, err)
			return
		}
		pg.Items = append(pg.Items, uiExporterRow{Org: o, Applications: n})
	}
	pg.formError(f, actionErr)
	s.render(w, r, pg)
}

// uiSetStanding changes an exporter's credit standing with a reason.
func (s *UI) uiSetStanding(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "organisation")
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	f.Values["standing"] = r.PostForm.Get("standing")
	f.Values["reason"] = strings.TrimSpace(r.PostForm.Get("reason"))
	st := ucx.Standing(f.Values["standing"])
	var err error
	switch {
	case !st.Valid():
		err = ucx.FieldErrorf(ucx.EINVALID, "standing", "choose a standing: normal, warned, rectification_ordered or suspended")
	case f.Values["reason"] == "":
		err = ucx.FieldErrorf(ucx.EINVALID, "reason", "give the reason for the change; the exporter is shown it (R8)")
	case len(f.Values["reason"]) > 2000:
		err = ucx.FieldErrorf(ucx.EINVALID, "reason", "the reason is longer than 2000 bytes")
	default:
		_, err = s.OrgService.SetStanding(r.Context(), p, id, st, f.Values["reason"])
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		s.renderExporters(w, r, p, id, err, f)
		return
	}
	http.Redirect(w, r, "/exporters?done=standing", http.StatusSeeOther)
}

// uiCustomsPage is the customs desk: look a licence up by VIN or number,
// record its clearance, and the clearances made with their
// deregistration deadlines (R16).
type uiCustomsPage struct {
	uiBase
	Form       *uiForm
	Searched   bool
	Found      []*ucx.Licence
	Cleared    []*ucx.Licence
	CanClear   bool
	FormLic    int64 // the licence whose clearance form holds Form's values
	ClearTotal int
}

func (s *UI) uiCustoms(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	f := newUIForm()
	f.Values["q"] = strings.TrimSpace(r.URL.Query().Get("q"))
	s.renderCustoms(w, r, p, 0, nil, f)
}

func (s *UI) renderCustoms(w http.ResponseWriter, r *http.Request, p *ucx.Principal, formLic int64, actionErr error, f *uiForm) {
	if p.OrgKind != ucx.KindCustoms {
		s.uiError(w, r, p, ucx.Errorf(ucx.EFORBIDDEN, "the customs desk is for customs officers"))
		return
	}
	ctx := r.Context()
	pg := &uiCustomsPage{uiBase: s.newBase(r, p, "customs", "title.customs"), Form: f, FormLic: formLic, CanClear: p.Role.CanAct()}
	if q := strings.ToUpper(f.V("q")); q != "" {
		pg.Searched = true
		if len(q) > 200 {
			f.Errors["q"] = pg.T("customs.q_too_long")
		} else {
			// A VIN is 17 characters; anything else is taken for a
			// licence number. Both are tried, so a short VIN typed in
			// error still finds nothing rather than failing.
			for _, lf := range []ucx.LicenceFilter{{VIN: q, Limit: 50}, {Number: q, Limit: 50}} {
				ls, _, err := s.LicenceService.FindLicences(ctx, p, lf)
				if err != nil {
					s.uiError(w, r, p, err)
					return
				}
				pg.Found = append(pg.Found, ls...)
			}
		}
	}
	all, _, err := s.LicenceService.FindLicences(ctx, p, ucx.LicenceFilter{Limit: wire.MaxLimit})
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	for _, l := range all {
		if l.ClearedAt != nil {
			pg.Cleared = append(pg.Cleared, l)
		}
	}
	pg.ClearTotal = len(pg.Cleared)
	pg.formError(f, actionErr)
	s.render(w, r, pg)
}

// uiClearance records a licence's clearance (R15): port and declaration
// number. A second clearance is refused by the service (ECONFLICT).
func (s *UI) uiClearance(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "licence")
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	for _, k := range []string{"port", "declaration_number", "q"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	var err error
	switch {
	case f.Values["port"] == "":
		err = ucx.FieldErrorf(ucx.EINVALID, "port", "the port of exit is required, e.g. 黄埔新港")
	case f.Values["declaration_number"] == "":
		err = ucx.FieldErrorf(ucx.EINVALID, "declaration_number", "the customs declaration number is required (18 digits on the declaration form)")
	case len(f.Values["port"]) > 200 || len(f.Values["declaration_number"]) > 200:
		err = ucx.Errorf(ucx.EINVALID, "the port and the declaration number are at most 200 bytes each")
	default:
		_, err = s.LicenceService.RecordClearance(r.Context(), p, id, f.Values["port"], f.Values["declaration_number"])
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		s.renderCustoms(w, r, p, id, err, f)
		return
	}
	http.Redirect(w, r, "/customs?done=cleared", http.StatusSeeOther)
}
