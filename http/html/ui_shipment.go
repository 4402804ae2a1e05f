package html

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// The batch workflow's pages (一批一证, R4): an exporter's shipments, the
// filing form with several vehicle rows, a shipment's page (each vehicle's
// outcome and state, each letter's state, drop, submit; for the authority
// the review with issue and refuse), and a manufacturer's letters, each
// answered for every VIN at once (R3). Every page calls
// ucx.ShipmentService with the signed-in user's principal, as the API
// does.

func init() {
	uiFuncs["list"] = func(xs ...string) []string { return xs }
	uiFuncs["hasSuffix"] = strings.HasSuffix
}

// registerShipments mounts the shipment and letter pages.
func (s *UI) registerShipments(h func(pattern string, h http.HandlerFunc)) {
	h("GET /shipments", s.uiAuth(s.uiShipments))
	h("GET /shipments/new", s.uiAuth(s.uiNewShipment))
	h("POST /shipments", s.uiAuth(s.uiCreateShipment))
	h("GET /shipments/{id}", s.uiAuth(s.uiShipment))
	h("POST /shipments/{id}/{action}", s.uiAuth(s.uiShipmentAction))
	h("GET /letters", s.uiAuth(s.uiLetters))
	h("GET /letters/{id}", s.uiAuth(s.uiLetter))
	h("POST /letters/{id}/answer", s.uiAuth(s.uiAnswerLetter))
}

// shipments returns the shipment service, or EUNAVAILABLE.
func (s *UI) shipments() (ucx.ShipmentService, error) {
	if s.ShipmentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "shipments are not available on this server")
	}
	return s.ShipmentService, nil
}

// uiShipmentsPage lists the shipments the caller may see.
type uiShipmentsPage struct {
	uiBase
	Items        []*ucx.Shipment
	Total        int
	ShowExporter bool
	CanFile      bool
	Exporters    map[int64]string
}

func (s *UI) uiShipments(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	f, err := wire.ShipmentFilter(r.URL.Query())
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	items, total, err := svc.FindShipments(r.Context(), p, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiShipmentsPage{uiBase: s.newBase(r, p, "shipments", "title.shipments"), Items: items, Total: total,
		ShowExporter: p.OrgKind != ucx.KindExporter, CanFile: p.OrgKind == ucx.KindExporter && p.Role.CanAct(),
		Exporters: map[int64]string{}}
	if pg.ShowExporter {
		for _, sh := range items {
			if _, ok := pg.Exporters[sh.ExporterID]; !ok {
				pg.Exporters[sh.ExporterID] = s.orgName(r, p, &pg.uiBase, sh.ExporterID)
			}
		}
	}
	s.render(w, r, pg)
}

// orgName is organisation id's name in the page's language, or its id
// when the caller may not read it.
func (s *UI) orgName(r *http.Request, p *ucx.Principal, b *uiBase, id int64) string {
	if s.OrgService != nil {
		if o, err := s.findOrg(r.Context(), p, b, id); err == nil {
			if b.Lang != "zh" && o.NameEN != "" {
				return o.NameEN
			}
			return o.Name
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

// uiShipmentRows is how many vehicle rows the new-shipment form shows at
// first; "add rows" adds uiShipmentRows more, up to the policy's limit.
const uiShipmentRows = 5

// uiShipmentVehicleFields are a vehicle row's controls: name_<row>.
var uiShipmentVehicleFields = []string{"vin", "brand", "model", "registration_date", "transfer_date", "inspection_report"}

// uiNewShipmentPage is the filing form: the contract's fields once and a
// row per vehicle. Bulk import stays the way for more rows than one types.
type uiNewShipmentPage struct {
	uiBase
	Form         *uiForm
	Rows         []int
	Max          int
	Destinations []string
}

// RowField is the control of field name in vehicle row i.
func (pg *uiNewShipmentPage) RowField(name string, i int) uiField {
	key := name + "_" + strconv.Itoa(i)
	return uiField{Name: key, Label: pg.T("field." + name), Type: "text", Value: pg.Form.V(key), Error: pg.Form.E(key)}
}

func (s *UI) newShipmentPage(r *http.Request, p *ucx.Principal, f *uiForm, rows int) *uiNewShipmentPage {
	pg := &uiNewShipmentPage{uiBase: s.newBase(r, p, "new_shipment", "title.new_shipment"), Form: f,
		Max: ucx.DefaultMaxShipmentVehicles, Destinations: uiDestinations}
	rows = min(max(rows, 1), pg.Max)
	for i := 0; i < rows; i++ {
		pg.Rows = append(pg.Rows, i)
	}
	return pg
}

func (s *UI) uiNewShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if _, err := s.shipments(); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	f := newUIForm()
	f.Values["destination"] = "RU"
	s.render(w, r, s.newShipmentPage(r, p, f, uiShipmentRows))
}

// uiCreateShipment files the form through CreateShipment (action draft or
// submit), or shows it again with more rows (action add_rows). Blank rows
// are skipped; a service error naming vehicles[i] is put beside the
// control of the row it came from.
func (s *UI) uiCreateShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	if !s.uiParseForm(w, r, p, s.maxBody()) {
		return
	}
	rows, _ := strconv.Atoi(r.PostForm.Get("rows"))
	rows = min(max(rows, 1), ucx.DefaultMaxShipmentVehicles)
	f := newUIForm()
	for _, k := range []string{"destination", "buyer", "contract_number", "after_sales_terms"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	for i := 0; i < rows; i++ {
		for _, k := range uiShipmentVehicleFields {
			key := k + "_" + strconv.Itoa(i)
			f.Values[key] = strings.TrimSpace(r.PostForm.Get(key))
		}
	}
	action := r.PostForm.Get("action")
	if action == "add_rows" {
		s.render(w, r, s.newShipmentPage(r, p, f, rows+uiShipmentRows))
		return
	}
	pg := s.newShipmentPage(r, p, f, rows)
	in := &ucx.ShipmentInput{Destination: f.V("destination"), Buyer: f.V("buyer"), ContractNumber: f.V("contract_number"),
		AfterSalesTerms: f.V("after_sales_terms"), Submit: action == "submit"}
	var rowOf []int // the form row of each vehicle filed
	for i := 0; i < rows; i++ {
		v := func(k string) string { return f.V(k + "_" + strconv.Itoa(i)) }
		blank := true
		for _, k := range uiShipmentVehicleFields {
			if v(k) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		vf := newUIForm()
		for _, k := range uiShipmentVehicleFields {
			vf.Values[k] = v(k)
		}
		vf.Values["cert_same"] = "on"
		vin, ok := pg.readApplication(vf)
		for k, e := range vf.Errors {
			f.Errors[k+"_"+strconv.Itoa(i)] = e
		}
		if !ok {
			continue
		}
		vin.Destination, vin.Buyer, vin.ContractNumber = "", "", ""
		in.Vehicles = append(in.Vehicles, *vin)
		rowOf = append(rowOf, i)
	}
	if len(in.Vehicles) == 0 && !f.HasErrors() {
		f.Errors["vin_0"] = pg.T("shipment.no_vehicles")
	}
	if f.HasErrors() {
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	sh, _, err := svc.CreateShipment(r.Context(), p, in, ucx.CreateOptions{})
	if err != nil {
		switch ucx.ErrorCode(err) {
		case ucx.EINVALID, ucx.ERULE, ucx.ECONFLICT, ucx.EFORBIDDEN:
			pg.shipmentFieldError(f, err, rowOf)
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
	http.Redirect(w, r, "/shipments/"+strconv.FormatInt(sh.ID, 10)+"?done="+done, http.StatusSeeOther)
}

// uiVehicleIndex reads "vehicles[3].vehicle.vin" as 3 and "vehicle.vin".
var uiVehicleIndex = regexp.MustCompile(`^vehicles\[(\d+)\]\.?(.*)$`)

// shipmentFieldError puts a service error beside its control: a vehicle's
// field beside its row's control, the contract's beside its own, anything
// else at the top of the page; and answers with the error's status.
func (pg *uiNewShipmentPage) shipmentFieldError(f *uiForm, err error, rowOf []int) {
	pg.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
	field := ucx.ErrorField(err)
	if m := uiVehicleIndex.FindStringSubmatch(field); m != nil {
		if i, _ := strconv.Atoi(m[1]); i < len(rowOf) {
			name := m[2]
			switch {
			case strings.HasPrefix(name, "vehicle."):
				name = strings.TrimPrefix(name, "vehicle.")
			case strings.HasPrefix(name, "certificate."):
				name = strings.TrimPrefix(name, "certificate.")
			}
			key := name + "_" + strconv.Itoa(rowOf[i])
			if _, ok := f.Values[key]; !ok {
				key = "vin_" + strconv.Itoa(rowOf[i])
			}
			f.Errors[key] = pg.errText(err)
			return
		}
	}
	if _, ok := f.Values[field]; ok && field != "" {
		f.Errors[field] = pg.errText(err)
		return
	}
	pg.Error = pg.errText(err)
}

// uiShipmentVehicle is one row of a shipment's page: the vehicle, its
// letter and its VIN's request there.
type uiShipmentVehicle struct {
	App     *ucx.Application
	Letter  *ucx.Letter
	Request *ucx.ConfirmationRequest
	CanDrop bool
}

// uiShipmentLetter is one letter of a shipment's page.
type uiShipmentLetter struct {
	Letter       *ucx.Letter
	Manufacturer string
	Answered     int
	CanOpen      bool
}

// uiShipmentPage is one shipment: for the exporter its vehicles with drop
// buttons and submit, for the authority the review with issue and refuse.
type uiShipmentPage struct {
	uiBase
	Ship         *ucx.Shipment
	Exporter     string
	Vehicles     []uiShipmentVehicle
	Letters      []uiShipmentLetter
	Live         int
	Licence      *ucx.Licence
	CanSubmit    bool
	CanWithdraw  bool
	CanIssue     bool
	RefusalCodes []string
	Form         *uiForm
	// Dereg is the deregistration section of a cleared shipment (R16,
	// ui_dereg.go); nil when there is none.
	Dereg *uiShipmentDereg
}

func (s *UI) uiShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := uiServiceAndID(s, w, r, p, s.shipments)
	if !ok {
		return
	}
	s.renderShipment(w, r, p, svc, id, nil, newUIForm())
}

func (s *UI) renderShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal, svc ucx.ShipmentService, id int64, actionErr error, f *uiForm) {
	ctx := r.Context()
	sh, err := svc.FindShipmentByID(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiShipmentPage{uiBase: s.newBase(r, p, "shipment", "title.shipment"), Ship: sh, Form: f,
		RefusalCodes: uiRefusalCodes(), Live: len(sh.Live())}
	pg.Title = pg.T("title.shipment") + " " + sh.ContractNumber
	pg.Exporter = s.orgName(r, p, &pg.uiBase, sh.ExporterID)
	act := p.Role.CanAct()
	st := sh.State
	exporter := p.OrgKind == ucx.KindExporter && act
	beforeLicence := st == ucx.StateDraft || st == ucx.StateSubmitted || st == ucx.StateAwaitingConfirmation || st == ucx.StateUnderReview
	pg.CanSubmit = exporter && st == ucx.StateDraft
	pg.CanWithdraw = exporter && beforeLicence && st != ucx.StateDraft
	pg.CanIssue = p.OrgKind == ucx.KindAuthority && act && st == ucx.StateUnderReview
	for _, l := range sh.Letters {
		sl := uiShipmentLetter{Letter: l, Manufacturer: s.orgName(r, p, &pg.uiBase, l.ManufacturerID),
			CanOpen: p.OrgKind == ucx.KindAuthority || (p.OrgKind == ucx.KindManufacturer && p.OrgID == l.ManufacturerID)}
		for _, cr := range l.Requests {
			if cr.State != ucx.ConfirmationPending {
				sl.Answered++
			}
		}
		pg.Letters = append(pg.Letters, sl)
	}
	for _, a := range sh.Vehicles {
		v := uiShipmentVehicle{App: a}
		for _, l := range sh.Letters {
			for _, cr := range l.Requests {
				if cr.ApplicationID == a.ID {
					v.Letter, v.Request = l, cr
				}
			}
		}
		live := a.State != ucx.StateWithdrawn && a.State != ucx.StateRefused && a.State != ucx.StateLicensed && a.State != ucx.StateCleared
		v.CanDrop = exporter && beforeLicence && live
		pg.Vehicles = append(pg.Vehicles, v)
	}
	if sh.LicenceID != 0 && s.LicenceService != nil {
		if l, err := s.LicenceService.FindLicenceByID(ctx, p, sh.LicenceID); err == nil {
			pg.Licence = l
		}
	}
	pg.Dereg = s.shipmentDereg(r, p, sh)
	if app, _ := strconv.ParseInt(f.V("dereg_app"), 10, 64); app != 0 && actionErr != nil && pg.Dereg != nil {
		// A refused deregistration form: the error beside the vehicle's form.
		pg.Dereg.App, pg.Dereg.Error = app, pg.errText(actionErr)
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(actionErr))
	} else {
		pg.formError(f, actionErr)
	}
	s.render(w, r, pg)
}

// uiShipmentAction runs one step at the version the page showed: submit,
// withdraw or drop (the exporter), licence or refuse (the authority).
func (s *UI) uiShipmentAction(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := uiServiceAndID(s, w, r, p, s.shipments)
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
		s.renderShipment(w, r, p, svc, id, err, f)
		return
	}
	ctx := r.Context()
	var done string
	switch r.PathValue("action") {
	case "submit":
		done = "submitted"
		_, err = svc.SubmitShipment(ctx, p, id, version)
	case "withdraw":
		done = "withdrawn"
		_, err = svc.WithdrawShipment(ctx, p, id, version)
	case "drop":
		done = "dropped"
		app, perr := strconv.ParseInt(r.PostForm.Get("app"), 10, 64)
		if perr != nil || app <= 0 {
			err = ucx.FieldErrorf(ucx.EINVALID, "app", "the form names no vehicle to drop; reload the page")
		} else {
			_, err = svc.RemoveVehicle(ctx, p, id, version, app)
		}
	case "licence":
		done = "issued"
		_, err = svc.IssueShipmentLicence(ctx, p, id, version)
	case "refuse":
		done = "licence_refused"
		in := wire.RefusalRequest{Code: f.Values["code"], Text: f.Values["text"]}
		if err = wire.ValidateRefusal(&in); err == nil {
			_, err = svc.RefuseShipmentLicence(ctx, p, id, version, in.Code, in.Text)
		}
	default:
		s.uiError(w, r, p, ucx.Errorf(ucx.ENOTFOUND, "there is no action %q; use submit, withdraw, drop, licence or refuse", wire.Clip(r.PathValue("action"))))
		return
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		s.renderShipment(w, r, p, svc, id, err, f)
		return
	}
	http.Redirect(w, r, "/shipments/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}

// uiLettersPage is a manufacturer's letters: per letter its exporter,
// destination, VIN count and state.
type uiLettersPage struct {
	uiBase
	Items     []*ucx.Letter
	Total     int
	Exporters map[int64]string
}

func (s *UI) uiLetters(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	f, err := wire.LetterFilter(r.URL.Query())
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	items, total, err := svc.FindLetters(r.Context(), p, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiLettersPage{uiBase: s.newBase(r, p, "letters", "title.letters"), Items: items, Total: total, Exporters: map[int64]string{}}
	for _, l := range items {
		if _, ok := pg.Exporters[l.ExporterID]; !ok {
			pg.Exporters[l.ExporterID] = s.orgName(r, p, &pg.uiBase, l.ExporterID)
		}
	}
	s.render(w, r, pg)
}

// uiLetterPage is one letter: a row per VIN, answered all at once (R3):
// each pending VIN approved or refused with a code, the outlets in the
// destination chosen once for every approval.
type uiLetterPage struct {
	uiBase
	Letter       *ucx.Letter
	Exporter     string
	Manufacturer string
	Outlets      []*ucx.Outlet
	Pending      int
	CanAnswer    bool
	RefusalCodes []string
	Form         *uiForm
	Chosen       map[int64]bool
}

// Decision is the choice of VIN request id's select as posted: approve
// (the default) or refuse:<code>.
func (pg *uiLetterPage) Decision(id int64) string {
	if v := pg.Form.V("answer_" + strconv.FormatInt(id, 10)); v != "" {
		return v
	}
	return "approve"
}

// RowError is the error beside VIN request id's row.
func (pg *uiLetterPage) RowError(id int64) string {
	return pg.Form.E("answer_" + strconv.FormatInt(id, 10))
}

func (s *UI) uiLetter(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := uiServiceAndID(s, w, r, p, s.shipments)
	if !ok {
		return
	}
	s.renderLetter(w, r, p, svc, id, nil, newUIForm(), nil)
}

// renderLetter renders the letter page with actionErr beside the row of
// the answer it names: rowOf[i] is the request id of answers[i].
func (s *UI) renderLetter(w http.ResponseWriter, r *http.Request, p *ucx.Principal, svc ucx.ShipmentService, id int64, actionErr error, f *uiForm, chosen map[int64]bool, rowOf ...int64) {
	ctx := r.Context()
	l, err := svc.FindLetterByID(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiLetterPage{uiBase: s.newBase(r, p, "letter", "title.letter"), Letter: l, Form: f, Chosen: chosen,
		RefusalCodes: uiRefusalCodes()}
	pg.Title = pg.T("title.letter") + " #" + strconv.FormatInt(l.ID, 10)
	pg.Exporter = s.orgName(r, p, &pg.uiBase, l.ExporterID)
	pg.Manufacturer = s.orgName(r, p, &pg.uiBase, l.ManufacturerID)
	for _, cr := range l.Requests {
		if cr.State == ucx.ConfirmationPending {
			pg.Pending++
		}
	}
	pg.CanAnswer = p.OrgKind == ucx.KindManufacturer && p.OrgID == l.ManufacturerID && p.Role.CanAct() && pg.Pending > 0
	if s.OrgService != nil {
		if mfr, err := s.findOrg(ctx, p, &pg.uiBase, l.ManufacturerID); err == nil {
			pg.Outlets = mfr.OutletsIn(l.Destination)
		}
	}
	if pg.Chosen == nil && len(pg.Outlets) == 1 {
		pg.Chosen = map[int64]bool{pg.Outlets[0].ID: true} // the only choice, ticked
	}
	if actionErr != nil {
		field := ucx.ErrorField(actionErr)
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(actionErr))
		m := uiAnswerIndex.FindStringSubmatch(field)
		switch {
		case strings.HasSuffix(field, "outlet_ids"), field == "outlet":
			f.Errors["outlet"] = pg.errText(actionErr)
		case m != nil && rowOf != nil:
			// answers[i] is the row of request rowOf[i].
			if i, _ := strconv.Atoi(m[1]); i < len(rowOf) {
				f.Errors["answer_"+strconv.FormatInt(rowOf[i], 10)] = pg.errText(actionErr)
			} else {
				pg.Error = pg.errText(actionErr)
			}
		default:
			pg.Error = pg.errText(actionErr)
		}
	}
	s.render(w, r, pg)
}

// uiAnswerIndex reads "answers[2].refusal_code" as 2.
var uiAnswerIndex = regexp.MustCompile(`^answers\[(\d+)\]`)

// uiAnswerLetter answers every pending VIN of the letter in one step: each
// row's select says approve or refuse:<code> (with the row's text), the
// ticked outlets serve every approved VIN (R3).
func (s *UI) uiAnswerLetter(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := uiServiceAndID(s, w, r, p, s.shipments)
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 256<<10) {
		return
	}
	ctx := r.Context()
	l, err := svc.FindLetterByID(ctx, p, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	f := newUIForm()
	chosen := map[int64]bool{}
	var outlets []int64
	for _, v := range r.PostForm["outlet"] {
		oid, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || oid <= 0 {
			s.renderLetter(w, r, p, svc, id, ucx.FieldErrorf(ucx.EINVALID, "outlet", "outlet %q is not one of the listed outlets; tick one from the list", wire.Clip(v)), f, chosen)
			return
		}
		chosen[oid] = true
		outlets = append(outlets, oid)
	}
	var answers []ucx.LetterAnswer
	approving := false
	for _, cr := range l.Requests {
		if cr.State != ucx.ConfirmationPending {
			continue
		}
		key := "answer_" + strconv.FormatInt(cr.ID, 10)
		choice := strings.TrimSpace(r.PostForm.Get(key))
		text := strings.TrimSpace(r.PostForm.Get("text_" + strconv.FormatInt(cr.ID, 10)))
		f.Values[key], f.Values["text_"+strconv.FormatInt(cr.ID, 10)] = choice, text
		switch {
		case choice == "" || choice == "skip":
			continue // left for later: a partial answer is normal
		case choice == "approve":
			approving = true
			answers = append(answers, ucx.LetterAnswer{RequestID: cr.ID, Approve: true, OutletIDs: outlets})
		case strings.HasPrefix(choice, "refuse:"):
			code := strings.TrimPrefix(choice, "refuse:")
			if _, ok := ucx.RefusalCodes[code]; !ok {
				f.Errors[key] = "refusal code " + wire.Clip(code) + " is not one of the listed reasons"
				continue
			}
			answers = append(answers, ucx.LetterAnswer{RequestID: cr.ID, RefusalCode: code, RefusalText: text})
		default:
			f.Errors[key] = "choose approve or a refusal reason"
		}
	}
	version, err := uiVersion(r.PostForm)
	switch {
	case err != nil:
	case f.HasErrors():
		err = ucx.Errorf(ucx.EINVALID, "some VINs' answers could not be read; see the rows marked")
	case approving && len(outlets) == 0:
		err = ucx.FieldErrorf(ucx.EINVALID, "outlet", "tick at least one overseas outlet that will serve the approved vehicles in the destination (R3)")
	case len(answers) == 0:
		err = ucx.FieldErrorf(ucx.EINVALID, "answers", "answer at least one VIN")
	default:
		if err = wire.ValidateLetterAnswers(answers); err == nil {
			_, err = svc.AnswerLetter(ctx, p, id, version, answers)
		}
	}
	if err != nil {
		if code := ucx.ErrorCode(err); code == ucx.EINTERNAL || code == ucx.EUNAVAILABLE || code == ucx.ENOTFOUND {
			s.uiError(w, r, p, err)
			return
		}
		rowOf := make([]int64, len(answers))
		for i, a := range answers {
			rowOf[i] = a.RequestID
		}
		s.renderLetter(w, r, p, svc, id, err, f, chosen, rowOf...)
		return
	}
	http.Redirect(w, r, "/letters/"+strconv.FormatInt(id, 10)+"?done=answered", http.StatusSeeOther)
}
