package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

func (s *Server) registerCheckRoutes() {
	s.handle("POST /api/v1/check", s.authenticate(s.handleCheck))
}

// handleCheck runs the policy on one vehicle and stores nothing. Incomplete
// input is not an error here: the decision says what is missing, as
// reasons, which is what a form being filled in needs.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if s.Policy == nil {
		s.Error(w, r, ucx.Errorf(ucx.EUNAVAILABLE, "this server has no policy loaded"))
		return
	}
	var in wire.CheckRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	app := ucx.ApplicationInput{Vehicle: in.Vehicle, Certificate: in.Certificate, Destination: in.Destination, InspectionReport: in.InspectionReport,
		Modification: in.Modification, BannedCases: in.BannedCases}
	app.Normalize()
	on := in.ApplicationDate
	if on.IsZero() {
		on = ucx.DateOf(s.now())
	}
	v := app.PolicyVehicle(on)
	var d ucx.Decision
	s.Policy.Decide(&v, &d)
	writeJSON(w, http.StatusOK, &d)
}
