package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Shipment routes: the batch workflow (一批一证, R4). An exporter files a
// batch of vehicles, each decided by the policy on its own; submitting
// opens one letter per manufacturer naming all of its VINs (R3, R4); the
// manufacturer answers every VIN of its letter at once; the authority
// issues one licence whose schedule lists every live vehicle (R5, R14).
// The handlers only parse and answer: who may do what is decided by
// ucx.ShipmentService with the caller's principal.
func (s *Server) registerShipmentRoutes() {
	s.handle("POST /api/v1/shipments", s.authenticate(s.handleCreateShipment))
	s.handle("GET /api/v1/shipments", s.authenticate(s.handleShipmentIndex))
	s.handle("GET /api/v1/shipments/{id}", s.authenticate(s.handleShipmentView))
	s.handle("POST /api/v1/shipments/{id}/vehicles", s.authenticate(s.handleAddVehicle))
	s.handle("DELETE /api/v1/shipments/{id}/vehicles/{app}", s.authenticate(s.handleRemoveVehicle))
	s.handle("POST /api/v1/shipments/{id}/submit", s.authenticate(s.handleShipmentAction(actionSubmit)))
	s.handle("POST /api/v1/shipments/{id}/withdraw", s.authenticate(s.handleShipmentAction(actionWithdraw)))
	s.handle("POST /api/v1/shipments/{id}/licence", s.authenticate(s.handleIssueShipmentLicence))
	s.handle("GET /api/v1/shipments/{id}/licence/to-seal", s.authenticate(s.handleShipmentLicenceToSeal))
	s.handle("POST /api/v1/shipments/{id}/refuse", s.authenticate(s.handleRefuseShipment))

	s.handle("GET /api/v1/letters", s.authenticate(s.handleLetterIndex))
	s.handle("GET /api/v1/letters/{id}", s.authenticate(s.handleLetterView))
	s.handle("POST /api/v1/letters/{id}/answer", s.authenticate(s.handleAnswerLetter))
	s.handle("POST /api/v1/letters/{id}/to-seal", s.authenticate(s.handleLetterToSeal))
}

// shipments returns the shipment service, or EUNAVAILABLE when the server
// was built without one.
func (s *Server) shipments() (ucx.ShipmentService, error) {
	if s.ShipmentService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "shipments are not available on this server")
	}
	return s.ShipmentService, nil
}

// writeShipment answers a shipment with its version as the ETag.
func writeShipment(w http.ResponseWriter, status int, sh *ucx.Shipment) {
	w.Header().Set("ETag", etag(sh.Version))
	writeJSON(w, status, sh)
}

// handleCreateShipment files a shipment. With an Idempotency-Key a retry
// gets the first answer's shipment with 200, never a second filing.
func (s *Server) handleCreateShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	key := r.Header.Get(wire.IdempotencyHeader)
	if err := validIdempotencyKey(key); err != nil {
		s.Error(w, r, err)
		return
	}
	var in ucx.ShipmentInput
	data, err := readBody(w, r, s.maxBody())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		s.Error(w, r, ucx.Errorf(ucx.EINVALID, "a JSON body is required"))
		return
	}
	if err := decodeStrict(data, &in); err != nil {
		s.Error(w, r, indexVehicleError(data, err))
		return
	}
	if len(in.Vehicles) == 0 {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "vehicles", "a shipment lists at least one vehicle"))
		return
	}
	sh, created, err := svc.CreateShipment(r.Context(), p, &in, ucx.CreateOptions{IdempotencyKey: key})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.metrics.transition(actionFile)
		if sh.State != ucx.StateDraft {
			s.metrics.transition(actionSubmit)
		}
	}
	w.Header().Set("Location", "/api/v1/shipments/"+strconv.FormatInt(sh.ID, 10))
	writeShipment(w, status, sh)
}

// indexVehicleError names the vehicle a body error is in: encoding/json
// and locateField give a path through an array without the index
// ("vehicles.vehicle.vin"), which does not tell an exporter which of 20
// rows to fix. The first vehicle that does not decode on its own is the
// one; its own error's field is then prefixed with vehicles[i].
func indexVehicleError(data []byte, err error) error {
	var ue *ucx.Error
	if !errors.As(err, &ue) || !strings.HasPrefix(ue.Field, "vehicles.") {
		return err
	}
	var raw struct {
		Vehicles []json.RawMessage `json:"vehicles"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return err
	}
	for i, v := range raw.Vehicles {
		var in ucx.ApplicationInput
		verr := decodeStrict(v, &in)
		var ve *ucx.Error
		if verr != nil && errors.As(verr, &ve) && ve.Field != "" {
			prefix := "vehicles[" + strconv.Itoa(i) + "]"
			return &ucx.Error{Code: ve.Code, Field: prefix + "." + ve.Field, Message: prefix + ": " + ve.Message, Err: err}
		}
	}
	return err
}

func (s *Server) handleShipmentIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f, err := wire.ShipmentFilter(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := svc.FindShipments(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Shipment]{Items: nonNil(list), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleShipmentView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	sh, err := svc.FindShipmentByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeShipment(w, http.StatusOK, sh)
}

// handleAddVehicle adds a vehicle to a draft shipment, within the
// policy's limit.
func (s *Server) handleAddVehicle(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	var in wire.AddVehicleRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sh, err := svc.AddVehicle(r.Context(), p, id, version, &in.Vehicle)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeShipment(w, http.StatusOK, sh)
}

// handleRemoveVehicle takes a vehicle out of a shipment: deleted from a
// draft, withdrawn once submitted (the exporter drops a refused VIN, R4).
// The version is If-Match's or the optional body's.
func (s *Server) handleRemoveVehicle(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, version, ok := s.shipmentVersioned(w, r)
	if !ok {
		return
	}
	appID, err := wire.PathID(r, "app")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sh, err := svc.RemoveVehicle(r.Context(), p, id, version, appID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionWithdraw)
	writeShipment(w, http.StatusOK, sh)
}

// shipmentVersioned reads the service, the {id} and the version of an
// action whose body, if any, is {"version": N}.
func (s *Server) shipmentVersioned(w http.ResponseWriter, r *http.Request) (ucx.ShipmentService, int64, int, bool) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return nil, 0, 0, false
	}
	id, version, err := s.versionedAction(w, r)
	if err != nil {
		s.Error(w, r, err)
		return nil, 0, 0, false
	}
	return svc, id, version, true
}

// handleShipmentAction submits or withdraws a whole shipment.
func (s *Server) handleShipmentAction(action string) func(http.ResponseWriter, *http.Request, *ucx.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		svc, id, version, ok := s.shipmentVersioned(w, r)
		if !ok {
			return
		}
		fn := svc.SubmitShipment
		if action == actionWithdraw {
			fn = svc.WithdrawShipment
		}
		sh, err := fn(r.Context(), p, id, version)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		s.metrics.transition(action)
		writeShipment(w, http.StatusOK, sh)
	}
}

// handleIssueShipmentLicence issues one licence for the shipment's live
// vehicles (R4, R5, R14); the body may carry it sealed offline (the
// document of GET …/licence/to-seal sealed with ucx seal).
func (s *Server) handleIssueShipmentLicence(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, version, env, err := s.issueLicenceBody(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var lic *ucx.Licence
	if env != nil {
		lic, err = svc.IssueShipmentLicenceSealed(r.Context(), p, id, version, env)
	} else {
		lic, err = svc.IssueShipmentLicence(r.Context(), p, id, version)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionIssue)
	w.Header().Set("Location", "/api/v1/licences/"+strconv.FormatInt(lic.ID, 10))
	writeJSON(w, http.StatusCreated, lic)
}

// handleShipmentLicenceToSeal answers the canonical licence document that
// issuing today would seal, for an authority sealing offline; the bytes
// are sent as they are, never re-encoded.
func (s *Server) handleShipmentLicenceToSeal(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	doc, err := svc.ShipmentLicenceToSeal(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/json", doc)
}

// handleRefuseShipment refuses the licence for every live vehicle.
func (s *Server) handleRefuseShipment(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, version, in, err := s.readRefusal(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sh, err := svc.RefuseShipmentLicence(r.Context(), p, id, version, in.Code, in.Text)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionRefuseLicence)
	writeShipment(w, http.StatusOK, sh)
}

// handleLetterIndex is a manufacturer's inbox of letters (or, for the
// others, the letters they may see).
func (s *Server) handleLetterIndex(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, err := s.shipments()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f, err := wire.LetterFilter(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := svc.FindLetters(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Letter]{Items: nonNil(list), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleLetterView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	l, err := svc.FindLetterByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(l.Version))
	writeJSON(w, http.StatusOK, l)
}

// handleAnswerLetter answers VINs of a letter in one transaction (R3):
// sealed with the custodial key, or with the envelope the manufacturer
// sealed offline.
func (s *Server) handleAnswerLetter(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	var in wire.LetterAnswerRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := wire.ValidateLetterAnswers(in.Answers); err != nil {
		s.Error(w, r, err)
		return
	}
	var l *ucx.Letter
	if env := envelopeBytes(in.Envelope); env != nil {
		l, err = svc.AnswerLetterSealed(r.Context(), p, id, version, in.Answers, env)
	} else {
		l, err = svc.AnswerLetter(r.Context(), p, id, version, in.Answers)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, a := range in.Answers {
		if a.Approve {
			s.metrics.transition(actionApprove)
		} else {
			s.metrics.transition(actionRefuseRequest)
		}
	}
	w.Header().Set("ETag", etag(l.Version))
	writeJSON(w, http.StatusOK, l)
}

// handleLetterToSeal answers the canonical confirmation the answers given
// would seal today, for a manufacturer sealing offline.
func (s *Server) handleLetterToSeal(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	svc, id, ok := serviceAndID(s, w, r, s.shipments)
	if !ok {
		return
	}
	var in wire.LetterToSealRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := wire.ValidateLetterAnswers(in.Answers); err != nil {
		s.Error(w, r, err)
		return
	}
	doc, err := svc.LetterToSeal(r.Context(), p, id, in.Answers)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRaw(w, "application/json", doc)
}
