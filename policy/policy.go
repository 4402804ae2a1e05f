// Package policy holds the regulation (REGULATION.md R1–R17) as versioned
// data and decides, for one vehicle on one application, what the exporter
// needs: clear, letter-required, blocked or invalid, each with reasons.
package policy

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"os"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

//go:embed default.json
var defaultPolicy []byte

// Policy is one loaded, compiled policy document.
type Policy struct {
	ref         ucx.PolicyRef
	threshold   int
	regimeStart ucx.Date
}

type document struct {
	ID          string   `json:"id"`
	Version     string   `json:"version"`
	Threshold   int      `json:"letter_threshold_days"`
	RegimeStart ucx.Date `json:"regime_start"`
}

// Default returns the embedded default policy.
func Default() *Policy {
	p, err := Load(defaultPolicy)
	if err != nil {
		panic("policy: embedded default policy does not load: " + err.Error())
	}
	return p
}

// LoadFile loads a policy document from a file.
func LoadFile(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(b)
}

// Load parses and compiles a policy document.
func Load(b []byte) (*Policy, error) {
	var doc document
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &Policy{
		ref:         ucx.PolicyRef{ID: doc.ID, Version: doc.Version, SHA256: hex.EncodeToString(sum[:])},
		threshold:   doc.Threshold,
		regimeStart: doc.RegimeStart,
	}, nil
}

// Ref identifies the policy.
func (p *Policy) Ref() ucx.PolicyRef { return p.ref }

// Decide fills d with the decision for v.
func (p *Policy) Decide(v *ucx.Vehicle, d *ucx.Decision) {
	d.Reset()
	d.Policy = p.ref
	if err := vin.Validate(v.VIN); err != nil {
		d.Add(ucx.Reason{Rule: "VIN", Code: "vin_invalid", Severity: ucx.Reject, Field: "vin", Message: err.Error()})
	}
	if v.RegistrationDate.IsZero() || v.ApplicationDate.IsZero() {
		return
	}
	d.HasDays = true
	d.DaysSinceRegistration = v.ApplicationDate.Sub(v.RegistrationDate)
	d.LetterFreeFrom = v.RegistrationDate.AddDays(p.threshold + 1)
	if !v.ApplicationDate.Before(p.regimeStart) && d.DaysSinceRegistration <= p.threshold {
		d.LetterRequired = true
		d.Add(ucx.Reason{Rule: "R1", Code: "letter_required", Severity: ucx.Require, Message: "registered 180 days or less before the application: a sealed After-Sales Service Confirmation from the manufacturer is needed"})
	}
}
