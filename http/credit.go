package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Credit routes (R6, R8). The handlers only parse and answer: who may read
// or change what is decided by ucx.CreditService with the caller's
// principal (an exporter sees only its own record; only an authority
// records, annuls and decides; only the platform operator edits the list).
func (s *Server) registerCreditRoutes() {
	s.handle("GET /api/v1/negative-list", s.authenticate(s.handleNegativeList))
	s.handle("PUT /api/v1/negative-list/{code}", s.authenticate(s.handlePutNegativeItem))
	s.handle("GET /api/v1/exporters/{id}/credit", s.authenticate(s.handleCreditReport))
	s.handle("GET /api/v1/exporters/{id}/credit/events", s.authenticate(s.handleCreditEvents))
	s.handle("POST /api/v1/exporters/{id}/credit/events", s.authenticate(s.handleRecordCreditEvent))
	s.handle("POST /api/v1/exporters/{id}/credit/decisions", s.authenticate(s.handleDecideStanding))
	s.handle("POST /api/v1/credit-events/{id}/appeal", s.authenticate(s.handleCreditEventNote(false)))
	s.handle("POST /api/v1/credit-events/{id}/annul", s.authenticate(s.handleCreditEventNote(true)))
	s.handle("POST /api/v1/credit/what-if", s.authenticate(s.handleWhatIf))
	// R6 makes naming public (通报): no credentials.
	s.handle("GET /api/v1/public/naming", s.handleNaming)
}

// credit returns the credit service, or EUNAVAILABLE when the server was
// built without one (a handler must never dereference a nil service).
func (s *Server) credit() (ucx.CreditService, error) {
	if s.CreditService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "credit records are not available on this server")
	}
	return s.CreditService, nil
}

// serviceAndID returns an optional service (get answers EUNAVAILABLE when
// the server was built without it) and the id in the path; when either
// fails it answers the error and returns false. Every "/{id}" route of such
// a service starts with it.
func serviceAndID[T any](s *Server, w http.ResponseWriter, r *http.Request, get func() (T, error)) (T, int64, bool) {
	svc, err := get()
	if err != nil {
		s.Error(w, r, err)
		return svc, 0, false
	}
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return svc, 0, false
	}
	return svc, id, true
}

// NegativeItemRequest is the body of PUT /api/v1/negative-list/{code}.
type NegativeItemRequest struct {
	DescriptionZH string `json:"description_zh" text:"multiline"`
	DescriptionEN string `json:"description_en" text:"multiline"`
	Weight        int    `json:"weight"`
	Source        string `json:"source"`
	Provisional   bool   `json:"provisional"`
}

// CreditEventRequest is the body of POST …/credit/events.
type CreditEventRequest struct {
	Code       string   `json:"code"`
	OccurredOn ucx.Date `json:"occurred_on"`
	Evidence   string   `json:"evidence" text:"multiline"`
	// ApplicationID and LicenceID optionally name the filing or the issued
	// licence the conduct concerns; a licence makes its issuer count in
	// R6's naming of agencies.
	ApplicationID int64 `json:"application_id,omitempty"`
	LicenceID     int64 `json:"licence_id,omitempty"`
}

// CreditNoteRequest is the body of an appeal (note) or an annulment
// (reason).
type CreditNoteRequest struct {
	Note string `json:"note" text:"multiline"`
}

// WhatIfRequest is the body of POST /api/v1/credit/what-if: other
// thresholds, and the day to compute on (today when absent).
type WhatIfRequest struct {
	Thresholds ucx.StandingThresholds `json:"thresholds"`
	On         ucx.Date               `json:"on,omitempty"`
}

func (s *Server) handleNegativeList(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, err := s.credit()
	if err == nil {
		var items []*ucx.NegativeItem
		if items, err = cs.NegativeList(r.Context(), p); err == nil {
			if items == nil {
				items = []*ucx.NegativeItem{}
			}
			writeJSON(w, http.StatusOK, items)
			return
		}
	}
	s.Error(w, r, err)
}

func (s *Server) handlePutNegativeItem(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, err := s.credit()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in NegativeItemRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	n := &ucx.NegativeItem{Code: r.PathValue("code"), DescriptionZH: in.DescriptionZH, DescriptionEN: in.DescriptionEN,
		Weight: in.Weight, Source: in.Source, Provisional: in.Provisional}
	if err := cs.PutNegativeItem(r.Context(), p, n); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleCreditReport(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, id, ok := serviceAndID(s, w, r, s.credit)
	if !ok {
		return
	}
	rep, err := cs.CreditStanding(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleCreditEvents(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, id, ok := serviceAndID(s, w, r, s.credit)
	if !ok {
		return
	}
	es, err := cs.FindCreditEvents(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if es == nil {
		es = []*ucx.CreditEvent{}
	}
	writeJSON(w, http.StatusOK, es)
}

func (s *Server) handleRecordCreditEvent(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, id, ok := serviceAndID(s, w, r, s.credit)
	if !ok {
		return
	}
	var in CreditEventRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	e := &ucx.CreditEvent{ExporterID: id, Code: in.Code, OccurredOn: in.OccurredOn, Evidence: in.Evidence,
		ApplicationID: in.ApplicationID, LicenceID: in.LicenceID}
	if err := cs.RecordCreditEvent(r.Context(), p, e); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) handleDecideStanding(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, id, ok := serviceAndID(s, w, r, s.credit)
	if !ok {
		return
	}
	var d ucx.StandingDecision
	if err := s.decodeJSON(w, r, &d, false); err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := cs.DecideStanding(r.Context(), p, id, d)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleCreditEventNote is the exporter's appeal note (annul false) or an
// authority's annulment with its reason (annul true).
func (s *Server) handleCreditEventNote(annul bool) func(http.ResponseWriter, *http.Request, *ucx.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
		cs, id, ok := serviceAndID(s, w, r, s.credit)
		if !ok {
			return
		}
		var in CreditNoteRequest
		if err := s.decodeJSON(w, r, &in, false); err != nil {
			s.Error(w, r, err)
			return
		}
		e, err := cs.AppealCreditEvent(r.Context(), p, id, in.Note, annul)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, e)
	}
}

func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	cs, err := s.credit()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in WhatIfRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	rows, err := cs.WhatIf(r.Context(), p, in.Thresholds, in.On)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

// handleNaming is R6's public list. The period defaults to the year to
// today, the same default as the figures.
func (s *Server) handleNaming(w http.ResponseWriter, r *http.Request) {
	cs, err := s.credit()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	from, to, err := wire.Period(r.URL.Query(), ucx.DateOf(s.now()))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := cs.Naming(r.Context(), from, to)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
