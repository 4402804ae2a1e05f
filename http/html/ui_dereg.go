package html

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Deregistration pages (R16): the exporter's shipment page shows each
// cleared vehicle's deregistration deadline and state with a form to
// record it (shipment.html, uiShipmentDereg); the deregistrations page
// lists the caller's overdue vehicles (all cleared ones with ?all=1): for
// an authority those of the licences it issued, for an exporter its own.
// Both call ucx.DeregistrationService with the signed-in user's
// principal, as the API does.

// registerDeregistrations mounts the deregistration pages.
func (s *UI) registerDeregistrations(h func(pattern string, h http.HandlerFunc)) {
	h("GET /deregistrations", s.uiAuth(s.uiDeregistrations))
	h("POST /shipments/{id}/deregistration", s.uiAuth(s.uiRecordDeregistration))
}

// deregistrations returns the service, or EUNAVAILABLE.
func (s *UI) deregistrations() (ucx.DeregistrationService, error) {
	if s.DeregistrationService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "deregistration records are not available on this server")
	}
	return s.DeregistrationService, nil
}

// uiDeregistrationsPage is the overdue list (or every cleared vehicle).
type uiDeregistrationsPage struct {
	uiBase
	Items        []*ucx.VehicleDeregistration
	Total        int
	All          bool
	ShowExporter bool
}

func (s *UI) uiDeregistrations(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.deregistrations()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	q := r.URL.Query()
	f := ucx.DeregistrationFilter{Limit: wire.MaxLimit}
	all := q.Get("all") == "1"
	f.Overdue = !all
	if f.Offset, err = wire.QueryInt(q, "offset", 0, 0, 1<<31-1); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	items, total, err := svc.FindDeregistrations(r.Context(), p, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiDeregistrationsPage{uiBase: s.newBase(r, p, "deregistrations", "title.deregistrations"), Items: items, Total: total,
		All: all, ShowExporter: p.OrgKind != ucx.KindExporter}
	s.render(w, r, pg)
}

// uiShipmentDereg is the shipment page's deregistration section: its
// cleared vehicles, and whether the caller may record.
type uiShipmentDereg struct {
	Items     []*ucx.VehicleDeregistration
	CanRecord bool
	// App and Error: the vehicle whose form was refused, and why.
	App   int64
	Error string
}

// FormError is the error beside vehicle app's form.
func (d *uiShipmentDereg) FormError(app int64) string {
	if d.App == app {
		return d.Error
	}
	return ""
}

// shipmentDereg reads shipment id's cleared vehicles for its page; nil
// when there are none or the caller has no part in them.
func (s *UI) shipmentDereg(r *http.Request, p *ucx.Principal, sh *ucx.Shipment) *uiShipmentDereg {
	if s.DeregistrationService == nil || (p.OrgKind != ucx.KindExporter && p.OrgKind != ucx.KindAuthority) {
		return nil
	}
	cleared := false
	for _, a := range sh.Vehicles {
		cleared = cleared || a.State == ucx.StateCleared
	}
	if !cleared {
		return nil
	}
	items, _, err := s.DeregistrationService.FindDeregistrations(r.Context(), p, ucx.DeregistrationFilter{ShipmentID: sh.ID, Limit: wire.MaxLimit})
	if err != nil || len(items) == 0 {
		return nil
	}
	return &uiShipmentDereg{Items: items, CanRecord: p.OrgKind == ucx.KindExporter && p.Role.CanAct()}
}

// uiRecordDeregistration records one vehicle's deregistration from the
// shipment page's form (fields app, deregistered_on_<app>,
// reference_<app>), and shows the page again: with a flash, or with the
// error beside the vehicle's form.
func (s *UI) uiRecordDeregistration(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := uiServiceAndID(s, w, r, p, s.shipments)
	if !ok {
		return
	}
	dsvc, err := s.deregistrations()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	app, perr := strconv.ParseInt(r.PostForm.Get("app"), 10, 64)
	if perr != nil || app <= 0 {
		s.renderShipment(w, r, p, svc, id, ucx.FieldErrorf(ucx.EINVALID, "app", "the form names no vehicle; reload the page"), f)
		return
	}
	suffix := "_" + strconv.FormatInt(app, 10)
	f.Values["dereg_app"] = strconv.FormatInt(app, 10)
	for _, k := range []string{"deregistered_on", "reference"} {
		f.Values[k+suffix] = strings.TrimSpace(r.PostForm.Get(k + suffix))
	}
	in := ucx.DeregistrationInput{Reference: f.V("reference" + suffix)}
	if v := f.V("deregistered_on" + suffix); v != "" {
		if in.DeregisteredOn, err = ucx.ParseDate(v); err != nil {
			s.renderShipment(w, r, p, svc, id, err, f)
			return
		}
	}
	if _, err := dsvc.RecordDeregistration(r.Context(), p, app, in); err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE {
			s.uiError(w, r, p, err)
			return
		}
		s.renderShipment(w, r, p, svc, id, err, f)
		return
	}
	http.Redirect(w, r, "/shipments/"+strconv.FormatInt(id, 10)+"?done=deregistered#h-dereg", http.StatusSeeOther)
}
