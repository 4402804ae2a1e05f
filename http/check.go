package http

import (
	"context"
	"net/http"

	"github.com/ucxdev/ucx"
)

func (s *Server) registerCheckRoutes() {
	s.handle("POST /api/v1/check", s.authenticate(s.handleCheck))
}

// CheckRequest is one vehicle to judge without filing anything: the web
// UI's live answer while an exporter types, or a script's what-if. The
// application date defaults to today in China time (R1).
type CheckRequest struct {
	Vehicle          ucx.VehicleDetails    `json:"vehicle"`
	Certificate      ucx.CertificateValues `json:"certificate"`
	Destination      string                `json:"destination"`
	InspectionReport string                `json:"inspection_report,omitempty"`
	ApplicationDate  ucx.Date              `json:"application_date,omitempty"`
}

// handleCheck runs the policy on one vehicle and stores nothing. Incomplete
// input is not an error here: the decision says what is missing, as
// reasons, which is what a form being filled in needs.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if s.Policy == nil {
		s.Error(w, r, ucx.Errorf(ucx.EUNAVAILABLE, "this server has no policy loaded"))
		return
	}
	var in CheckRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	app := ucx.ApplicationInput{Vehicle: in.Vehicle, Certificate: in.Certificate, Destination: in.Destination, InspectionReport: in.InspectionReport}
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

// Check runs the server's policy on one vehicle without filing it.
func (c *Client) Check(ctx context.Context, in *CheckRequest) (*ucx.Decision, error) {
	var d ucx.Decision
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/check", in: in, out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}
