package html

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/vin"
)

// uiDashboardPage is an exporter's overview: applications by state and the
// cars whose letter requirement (R1) ends soon, so stock can be held back
// a few days instead of waiting weeks for a letter.
type uiDashboardPage struct {
	uiBase
	Counts    []uiStateCount
	Total     int
	WeekEnd   ucx.Date
	MonthEnd  ucx.Date
	ThisWeek  []*ucx.Application
	ThisMonth []*ucx.Application
}

type uiStateCount struct {
	State ucx.State
	Count int
}

// uiDashboard counts the exporter's applications by state (one count
// query each) and finds the live ones still needing a letter whose
// letter_free_from falls by the end of this week or month.
func (s *UI) uiDashboard(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	pg := &uiDashboardPage{uiBase: s.newBase(r, p, "dashboard", "title.dashboard")}
	ctx := r.Context()
	for _, st := range ucx.States {
		_, n, err := s.ApplicationService.FindApplications(ctx, p, ucx.ApplicationFilter{State: st, Limit: 1})
		if err != nil {
			s.uiError(w, r, p, err)
			return
		}
		pg.Counts = append(pg.Counts, uiStateCount{st, n})
		pg.Total += n
	}
	today := pg.Today
	// Weeks start on Monday in China (GB/T 7408).
	wd := int(today.Time().Weekday()+6) % 7
	pg.WeekEnd = today.AddDays(6 - wd)
	y, m, _ := today.Civil()
	var first ucx.Date // the first day of next month
	if m == 12 {
		first, _ = ucx.NewDate(y+1, 1, 1)
	} else {
		first, _ = ucx.NewDate(y, m+1, 1)
	}
	pg.MonthEnd = first.AddDays(-1)
	// Only cars not yet past the letter stage can still benefit.
	for _, st := range []ucx.State{ucx.StateDraft, ucx.StateSubmitted, ucx.StateAwaitingConfirmation} {
		apps, _, err := s.ApplicationService.FindApplications(ctx, p, ucx.ApplicationFilter{State: st, Limit: wire.MaxLimit})
		if err != nil {
			s.uiError(w, r, p, err)
			return
		}
		for _, a := range apps {
			d := a.Decision
			if !d.LetterRequired || d.LetterFreeFrom.IsZero() || d.LetterFreeFrom.Before(today) {
				continue
			}
			switch {
			case !d.LetterFreeFrom.After(pg.WeekEnd):
				pg.ThisWeek = append(pg.ThisWeek, a)
			case !d.LetterFreeFrom.After(pg.MonthEnd):
				pg.ThisMonth = append(pg.ThisMonth, a)
			}
		}
	}
	s.render(w, r, pg)
}

// uiApplicationsPage is the searchable, filterable list of applications
// the caller may see.
type uiApplicationsPage struct {
	uiBase
	Form         *uiForm
	Items        []*ucx.Application
	Total        int
	Offset       int
	Limit        int
	States       []ucx.State
	Outcomes     []string
	PrevURL      string
	NextURL      string
	ShowExporter bool
	// Capped is true when more than uiCountCap applications match.
	Capped bool
}

// uiCountCap is how far a list counts its matches.
const uiCountCap = 10000

// CountCap is uiCountCap, for the page's "more than" line.
func (pg *uiApplicationsPage) CountCap() int { return uiCountCap }

func (s *UI) uiApplications(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	pg := &uiApplicationsPage{uiBase: s.newBase(r, p, "applications", "title.applications"), Form: newUIForm(),
		States: ucx.States, Outcomes: []string{"clear", "letter-required", "blocked", "invalid"},
		ShowExporter: p.OrgKind != ucx.KindExporter}
	q := r.URL.Query()
	for _, k := range []string{"q", "state", "outcome", "destination", "vin"} {
		pg.Form.Values[k] = q.Get(k)
	}
	if q.Get("limit") == "" {
		q.Set("limit", "50")
	}
	f, err := wire.ApplicationFilter(q)
	if err != nil {
		// A bad filter is shown beside its control, with an empty list.
		pg.fieldError(pg.Form, err)
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	// The list counts its matches up to uiCountCap only: past it the page
	// says "more than 10,000" rather than counting a million rows on every
	// page (BenchmarkListPages).
	f.CountUpTo = uiCountCap
	items, total, err := s.ApplicationService.FindApplications(r.Context(), p, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg.Items, pg.Total, pg.Offset, pg.Limit = items, total, f.Offset, f.Limit
	pg.Capped = total > uiCountCap
	page := func(off int) string {
		q.Set("offset", strconv.Itoa(off))
		return "/applications?" + q.Encode()
	}
	if f.Offset > 0 {
		pg.PrevURL = page(max(0, f.Offset-f.Limit))
	}
	if f.Offset+len(items) < total {
		pg.NextURL = page(f.Offset + f.Limit)
	}
	s.render(w, r, pg)
}

// uiNewApplicationPage is the filing form. The policy's answer appears
// beside it as the exporter types (assets/ucx.js calls POST /api/v1/check);
// without script the answer comes with the filed application.
type uiNewApplicationPage struct {
	uiBase
	Form         *uiForm
	Energies     []ucx.EnergyType
	Destinations []string
}

// uiDestinations are offered first in the destination list: the main
// markets (Russia and Central Asia, the Gulf). Any ISO code may be typed.
var uiDestinations = []string{"RU", "KZ", "UZ", "KG", "TJ", "AE", "SA", "GE", "AZ", "MN", "BY", "AM"}

func (s *UI) newApplicationPage(r *http.Request, p *ucx.Principal, f *uiForm) *uiNewApplicationPage {
	return &uiNewApplicationPage{uiBase: s.newBase(r, p, "new_application", "title.new_application"), Form: f,
		Energies:     []ucx.EnergyType{ucx.EnergyPetrol, ucx.EnergyDiesel, ucx.EnergyHybrid, ucx.EnergyPlugIn, ucx.EnergyElectric},
		Destinations: uiDestinations}
}

func (s *UI) uiNewApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	f := newUIForm()
	f.Values["cert_same"] = "on"
	f.Values["energy_type"] = string(ucx.EnergyPetrol)
	s.render(w, r, s.newApplicationPage(r, p, f))
}

// uiApplicationFields are the filing form's controls, in the order their
// errors are looked for.
var uiApplicationFields = []string{"vin", "brand", "model", "energy_type", "battery_kwh", "mileage_km",
	"registration_date", "transfer_date", "modified", "cert_same", "cert_brand", "cert_model",
	"cert_registration_date", "cert_transfer_date", "cert_owner", "destination", "buyer", "contract_number", "inspection_report"}

// uiCreateApplication files the form through CreateApplication. Values
// that cannot even be read (a date, a number) are refused here, beside
// their field; everything else is the service's to judge, and its error is
// put beside the field it names. Either way the form comes back as typed.
func (s *UI) uiCreateApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if !s.uiParseForm(w, r, p, s.maxBody()) {
		return
	}
	f := newUIForm()
	for _, k := range uiApplicationFields {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	pg := s.newApplicationPage(r, p, f)
	in, _ := pg.readApplication(f)
	in.Submit = r.PostForm.Get("action") == "submit"
	if pg.showProblems(f, in); f.HasErrors() || pg.Error != "" {
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	app, _, err := s.ApplicationService.CreateApplication(r.Context(), p, in, ucx.CreateOptions{})
	if err != nil {
		switch ucx.ErrorCode(err) {
		case ucx.EINVALID, ucx.ERULE, ucx.ECONFLICT, ucx.EFORBIDDEN:
			pg.formError(f, err)
			s.render(w, r, pg)
		default:
			s.uiError(w, r, p, err)
		}
		return
	}
	done := "filed"
	if in.Submit {
		done = "submitted"
	}
	http.Redirect(w, r, "/applications/"+strconv.FormatInt(app.ID, 10)+"?done="+done, http.StatusSeeOther)
}

// readApplication builds the service's input from the form. Dates accept
// every form ucx.ParseDate does (2026-01-31, 2026/01/31, 2026年1月31日).
func (b *uiBase) readApplication(f *uiForm) (*ucx.ApplicationInput, bool) {
	v := f.Values
	in := &ucx.ApplicationInput{
		Vehicle: ucx.VehicleDetails{VIN: v["vin"], Brand: v["brand"], Model: v["model"],
			Energy: ucx.EnergyType(v["energy_type"]), Modified: v["modified"] != ""},
		Destination: v["destination"], Buyer: v["buyer"], ContractNumber: v["contract_number"],
		InspectionReport: v["inspection_report"],
	}
	date := func(name string, dst *ucx.Date) {
		if v[name] == "" {
			return
		}
		d, err := ucx.ParseDate(v[name])
		if err != nil {
			f.Errors[name] = b.T("form.bad_date", v[name])
			return
		}
		*dst = d
	}
	date("registration_date", &in.Vehicle.RegistrationDate)
	date("transfer_date", &in.Vehicle.TransferDate)
	if s := v["battery_kwh"]; s != "" {
		x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
		if err != nil {
			f.Errors["battery_kwh"] = b.T("form.bad_number", s)
		}
		in.Vehicle.BatteryKWh = x
	}
	if s := v["mileage_km"]; s != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), " ", ""))
		if err != nil {
			f.Errors["mileage_km"] = b.T("form.bad_integer", s)
		}
		in.Vehicle.MileageKM = &n
	}
	if v["cert_same"] != "" {
		in.Certificate = ucx.CertificateValues{Brand: in.Vehicle.Brand, Model: in.Vehicle.Model,
			RegistrationDate: in.Vehicle.RegistrationDate, TransferDate: in.Vehicle.TransferDate}
	} else {
		in.Certificate.Brand, in.Certificate.Model = v["cert_brand"], v["cert_model"]
		date("cert_registration_date", &in.Certificate.RegistrationDate)
		date("cert_transfer_date", &in.Certificate.TransferDate)
	}
	in.Certificate.Owner = v["cert_owner"] // R10: the exporter itself, as the certificate prints it
	in.Normalize()
	return in, !f.HasErrors()
}

// formError shows err on the page as fieldError does and answers with the
// status its code maps to; a nil err leaves the page as it is.
func (b *uiBase) formError(f *uiForm, err error) {
	if err == nil {
		return
	}
	b.fieldError(f, err)
	b.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
}

// fieldError puts a service error beside the form control it names
// ("vehicle.vin" is the vin control, "certificate.brand" cert_brand); an
// error naming no control of the form goes at the top of the page.
func (b *uiBase) fieldError(f *uiForm, err error) {
	field := uiFormKey(ucx.ErrorField(err))
	if _, ok := f.Values[field]; ok && field != "" {
		f.Errors[field] = b.errText(err)
		return
	}
	b.Error = b.errText(err)
}

// uiFormKey is the form control a service error's field names
// ("vehicle.vin" is vin, "certificate.brand" cert_brand).
func uiFormKey(field string) string {
	switch {
	case strings.HasPrefix(field, "vehicle."):
		return strings.TrimPrefix(field, "vehicle.")
	case strings.HasPrefix(field, "certificate."):
		return "cert_" + strings.TrimPrefix(field, "certificate.")
	}
	return field
}

// showProblems puts every shape error of in beside its field at once —
// the same checks the service runs (ucx.ApplicationInput.Problems and the
// VIN's check digit), which would name only the first — leaving a field
// that already shows an error (an unreadable date) as it is.
func (b *uiBase) showProblems(f *uiForm, in *ucx.ApplicationInput) {
	errs := in.Problems()
	if v := vin.Normalize(in.Vehicle.VIN); v != "" {
		var ve *vin.Error
		if err := vin.Validate(v); errors.As(err, &ve) {
			errs = append(errs, ve.AsUCX("vehicle.vin"))
		}
	}
	for _, e := range errs {
		if _, shown := f.Errors[uiFormKey(e.Field)]; !shown {
			b.fieldError(f, e)
		}
	}
}

// uiApplicationPage shows one application: its data, the policy's
// findings, its documents (confirmation requests, licence), its timeline
// and the next step the caller may take.
type uiApplicationPage struct {
	uiBase
	App      *ucx.Application
	Timeline []*ucx.Event
	Requests []*ucx.ConfirmationRequest
	Licence  *ucx.Licence
	Exporter *ucx.Org
	// What the caller may do next; the service checks again.
	CanSubmit, CanWithdraw, CanIssue, CanClear bool
	RefusalCodes                               []string
	Form                                       *uiForm
	// Shipments says the batch pages are served, so the vehicle's
	// shipment is linked (ui_shipment.go).
	Shipments bool
}

// uiPathID reads the record id in a page's path; anything else names no
// record, so the page is ENOTFOUND, saying what was looked for.
func (s *UI) uiPathID(w http.ResponseWriter, r *http.Request, p *ucx.Principal, what string) (int64, bool) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.ENOTFOUND, "there is no %s %s", what, wire.Clip(r.PathValue("id"))))
		return 0, false
	}
	return id, true
}

// uiParseForm reads a posted form of at most limit bytes; a form that
// cannot be read, or a value that is not text (checkFormText: not UTF-8, a
// NUL or another control character), is an error page naming the field,
// and false.
func (s *UI) uiParseForm(w http.ResponseWriter, r *http.Request, p *ucx.Principal, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		s.uiError(w, r, p, ucx.Errorf(ucx.EINVALID, "the form could not be read; send it again"))
		return false
	}
	if err := wire.CheckFormText(r.PostForm); err != nil {
		s.uiError(w, r, p, err)
		return false
	}
	return true
}

func (s *UI) uiApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "application")
	if !ok {
		return
	}
	s.renderApplication(w, r, p, id, nil, newUIForm())
}

// renderApplication renders the application page, with actionErr (a
// refused action) shown at the top or beside its field.
func (s *UI) renderApplication(w http.ResponseWriter, r *http.Request, p *ucx.Principal, id int64, actionErr error, f *uiForm) {
	ctx := r.Context()
	app, err := s.ApplicationService.FindApplicationByID(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiApplicationPage{uiBase: s.newBase(r, p, "application", "title.application"), App: app, Form: f,
		RefusalCodes: uiRefusalCodes(), Shipments: s.ShipmentService != nil}
	pg.Title = pg.T("title.application") + " " + app.Vehicle.VIN
	if pg.Timeline, err = s.ApplicationService.Timeline(ctx, p, id); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	// The documents: the confirmation requests and the licence of this
	// application, from the same lists the API serves, within one page
	// of the store's ceiling.
	if reqs, _, err := s.RequestService.FindRequests(ctx, p, ucx.RequestFilter{Limit: wire.MaxLimit}); err == nil {
		for _, cr := range reqs {
			if cr.ApplicationID == id {
				pg.Requests = append(pg.Requests, cr)
			}
		}
	}
	if lics, _, err := s.LicenceService.FindLicences(ctx, p, ucx.LicenceFilter{VIN: app.Vehicle.VIN, Limit: wire.MaxLimit}); err == nil {
		for _, l := range lics {
			if l.ApplicationID == id {
				pg.Licence = l
			}
		}
	}
	if o, err := s.findOrg(ctx, p, &pg.uiBase, app.ExporterID); err == nil {
		pg.Exporter = o
	}
	act := p.Role.CanAct()
	st := app.State
	switch p.OrgKind {
	case ucx.KindExporter:
		pg.CanSubmit = act && st == ucx.StateDraft
		pg.CanWithdraw = act && (st == ucx.StateDraft || st == ucx.StateSubmitted || st == ucx.StateAwaitingConfirmation || st == ucx.StateUnderReview)
	case ucx.KindAuthority:
		pg.CanIssue = act && st == ucx.StateUnderReview
	case ucx.KindCustoms:
		pg.CanClear = act && st == ucx.StateLicensed && pg.Licence != nil && pg.Licence.State == ucx.LicenceValid
	}
	pg.formError(f, actionErr)
	s.render(w, r, pg)
}

// uiApplicationAction runs one workflow step on an application: submit or
// withdraw (the exporter), issue or refuse the licence (the authority),
// each with the version the page showed, so a change made meanwhile by
// someone else is refused (ECONFLICT) rather than overwritten.
func (s *UI) uiApplicationAction(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "application")
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 64<<10) {
		return
	}
	f := newUIForm()
	f.Values["code"], f.Values["text"] = r.PostForm.Get("code"), r.PostForm.Get("text")
	version, err := uiVersion(r.PostForm)
	if err != nil {
		s.renderApplication(w, r, p, id, err, f)
		return
	}
	ctx := r.Context()
	var done string
	switch r.PathValue("action") {
	case "submit":
		done = "submitted"
		_, err = s.ApplicationService.SubmitApplication(ctx, p, id, version)
	case "withdraw":
		done = "withdrawn"
		_, err = s.ApplicationService.WithdrawApplication(ctx, p, id, version)
	case "licence":
		done = "issued"
		_, err = s.LicenceService.IssueLicence(ctx, p, id, version)
	case "refuse":
		done = "licence_refused"
		in := wire.RefusalRequest{Code: f.Values["code"], Text: f.Values["text"]}
		if err = wire.ValidateRefusal(&in); err == nil {
			_, err = s.LicenceService.RefuseLicence(ctx, p, id, version, in.Code, in.Text)
		}
	default:
		s.uiError(w, r, p, ucx.Errorf(ucx.ENOTFOUND, "there is no action %q; use submit, withdraw, licence or refuse", wire.Clip(r.PathValue("action"))))
		return
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		s.renderApplication(w, r, p, id, err, f)
		return
	}
	http.Redirect(w, r, "/applications/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}

// uiVersion reads the hidden version field every action form carries.
func uiVersion(form url.Values) (int, error) {
	v, err := strconv.Atoi(form.Get("version"))
	if err != nil || v < 1 {
		return 0, ucx.FieldErrorf(ucx.EINVALID, "version", "the form lacks the record's version; reload the page and try again")
	}
	return v, nil
}

// uiRefusalCodes lists ucx.RefusalCodes in a stable order for the select.
func uiRefusalCodes() []string {
	return []string{"no_service_network", "not_our_vehicle", "data_mismatch", "missing_confirmation", "exporter_standing", "banned_vehicle", "other"}
}

// uiImportNewPage is the bulk upload form.
type uiImportNewPage struct {
	uiBase
	Form *uiForm
}

func (s *UI) uiImportNew(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	s.render(w, r, &uiImportNewPage{uiBase: s.newBase(r, p, "import_new", "title.import_new"), Form: newUIForm()})
}

// uiStartImport hands the uploaded file to the import service, as POST
// /api/v1/imports does (the same reader, the same limit), and shows its
// progress page.
func (s *UI) uiStartImport(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	name, data, err := s.readUpload(w, r)
	if err == nil {
		var imp *ucx.Import
		if imp, err = s.ImportService.StartImport(r.Context(), p, name, data); err == nil {
			http.Redirect(w, r, "/imports/"+strconv.FormatInt(imp.ID, 10), http.StatusSeeOther)
			return
		}
	}
	switch ucx.ErrorCode(err) {
	case ucx.EINVALID, ucx.ETOOLARGE:
		pg := &uiImportNewPage{uiBase: s.newBase(r, p, "import_new", "title.import_new"), Form: newUIForm()}
		pg.Form.Errors["file"] = pg.errText(err)
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
		s.render(w, r, pg)
	default:
		s.uiError(w, r, p, err)
	}
}

// uiImportPage is one import's progress and, once done, its rows.
type uiImportPage struct {
	uiBase
	Import  *ucx.Import
	Rows    []*ucx.ImportRow
	Running bool
}

func (s *UI) uiImport(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, ok := s.uiPathID(w, r, p, "import")
	if !ok {
		return
	}
	imp, err := s.ImportService.FindImportByID(r.Context(), p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiImportPage{uiBase: s.newBase(r, p, "import", "title.import"), Import: imp,
		Running: imp.State == ucx.ImportQueued || imp.State == ucx.ImportRunning}
	if imp.State == ucx.ImportDone {
		// The first rows on the page; all of them are in rows.csv.
		if pg.Rows, err = s.ImportService.ImportRows(r.Context(), p, id, 0, 200); err != nil {
			s.uiError(w, r, p, err)
			return
		}
	}
	s.render(w, r, pg)
}
