package bundle

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ucxdev/ucx"
)

// Facts are a sealed document's contents as a buyer or customs officer
// reads them: numbers, names, the destination, each vehicle, dates, the
// letters a licence relies on. No internal record ids but the issuer's,
// which the issuer check needs.
type Facts struct {
	Type         string    `json:"type"`
	Kind         string    `json:"kind"` // ucx.DocConfirmation, DocLicence, DocRevocation; "" for an unknown type
	Number       string    `json:"number,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
	IssuerID     int64     `json:"issuer_id,omitempty"`
	Exporter     string    `json:"exporter,omitempty"`
	ExporterFile string    `json:"exporter_filing_number,omitempty"`
	Authority    string    `json:"authority,omitempty"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	Destinations []string  `json:"destinations,omitempty"`
	IssuedOn     string    `json:"issued_on,omitempty"`
	ValidUntil   string    `json:"valid_until,omitempty"`
	Vehicles     []Vehicle `json:"vehicles,omitempty"`
	Letters      []string  `json:"letters,omitempty"` // SHA-256 of each confirmation a licence relies on
	Revokes      string    `json:"revokes,omitempty"`
	RevokesKind  string    `json:"revokes_kind,omitempty"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
	// VehicleCount is how many vehicles the document names: public even
	// where the VINs are not (Public).
	VehicleCount int `json:"vehicle_count"`
	// Cleared is the platform's word on a licence (customs recorded its
	// clearance), set only where the platform's records are at hand.
	Cleared *bool `json:"cleared,omitempty"`
	// State is the platform's word on what the document is good for today
	// (ucx.LicenceState: valid, cleared, expired, revoked,
	// letter_revoked), set only where the platform's records are at hand.
	State string `json:"state,omitempty"`
}

// DocumentFacts reads the facts of a document's canonical bytes (the
// document an envelope seals), whatever its type: the one reading of a
// document's contents behind ucx verify, POST and GET /api/v1/verify and
// the /verify page. It fails only when the bytes are not a JSON object.
func DocumentFacts(doc []byte) (*Facts, error) {
	f, _, err := readFacts(doc)
	if f == nil {
		return nil, err
	}
	return f, nil
}

// HasVIN reports whether vin (any case, surrounding spaces ignored) is
// one of the document's vehicles: the holder's capability, since whoever
// holds the car or the paper knows a VIN on it.
func (f *Facts) HasVIN(vin string) bool {
	vin = strings.ToUpper(strings.TrimSpace(vin))
	if f == nil || vin == "" {
		return false
	}
	for _, v := range f.Vehicles {
		if strings.ToUpper(v.VIN) == vin {
			return true
		}
	}
	return false
}

// FirstVIN is the first vehicle's VIN, "" for a document naming none.
func (f *Facts) FirstVIN() string {
	if f == nil || len(f.Vehicles) == 0 {
		return ""
	}
	return f.Vehicles[0].VIN
}

// Public returns the facts anyone may learn of a document named by its
// digest or licence number: its type and number, the public bodies that
// issued it, destination, dates, how many vehicles, the platform's state.
// Not the exporter, the VINs nor the letters it relies on, so that walking
// the public log's digests does not reveal exporters' shipments.
func (f *Facts) Public() *Facts {
	if f == nil {
		return nil
	}
	return &Facts{Type: f.Type, Kind: f.Kind, Number: f.Number, Issuer: f.Issuer, IssuerID: f.IssuerID,
		Authority: f.Authority, Manufacturer: f.Manufacturer, Destinations: f.Destinations,
		IssuedOn: f.IssuedOn, ValidUntil: f.ValidUntil, VehicleCount: f.VehicleCount,
		Revokes: f.Revokes, RevokesKind: f.RevokesKind, Cleared: f.Cleared, State: f.State}
}

// Vehicle is one car a document names.
type Vehicle struct {
	VIN              string `json:"vin"`
	Brand            string `json:"brand,omitempty"`
	Model            string `json:"model,omitempty"`
	RegistrationDate string `json:"registration_date,omitempty"`
	TransferDate     string `json:"transfer_date,omitempty"`
}

// rawDoc is the union of the members the platform's document types have.
type rawDoc struct {
	Type           string    `json:"type"`
	Number         string    `json:"number"`
	Authority      string    `json:"authority"`
	AuthorityID    int64     `json:"authority_id"`
	Manufacturer   string    `json:"manufacturer"`
	ManufacturerID int64     `json:"manufacturer_id"`
	Exporter       string    `json:"exporter"`
	ExporterFiling string    `json:"exporter_filing_number"`
	Destination    string    `json:"destination"`
	Destinations   []string  `json:"destinations"`
	IssuedOn       string    `json:"issued_on"`
	ValidUntil     string    `json:"valid_until"`
	Schedule       []Vehicle `json:"schedule"`
	Vehicles       []Vehicle `json:"vehicles"`
	Confirmations  []struct {
		SHA256 string `json:"sha256"`
	} `json:"confirmations"`
	Document       string `json:"document"`
	DocumentKind   string `json:"document_kind"`
	Organisation   string `json:"organisation"`
	OrganisationID int64  `json:"organisation_id"`
	Reason         string `json:"reason"`
	RevokedOn      string `json:"revoked_on"`
}

// readFacts reads a document's facts and the rule of who issues it. The
// error says why the type is not one the platform issues; the facts are
// then what could be read.
func readFacts(doc []byte) (*Facts, issuerRule, error) {
	var d rawDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, issuerRule{}, fmt.Errorf("the document's members cannot be read: %v", err)
	}
	f := &Facts{Type: d.Type, Number: d.Number, Exporter: d.Exporter, ExporterFile: d.ExporterFiling, Authority: d.Authority,
		Manufacturer: d.Manufacturer, IssuedOn: d.IssuedOn, ValidUntil: d.ValidUntil}
	f.Destinations = d.Destinations
	if d.Destination != "" {
		f.Destinations = []string{d.Destination}
	}
	f.Vehicles = append(d.Schedule, d.Vehicles...)
	f.VehicleCount = len(f.Vehicles)
	for _, c := range d.Confirmations {
		f.Letters = append(f.Letters, c.SHA256)
	}
	rule, ok := issuerRules[d.Type]
	switch d.Type {
	case "ucx.confirmation.v1":
		f.Kind, f.Issuer, f.IssuerID = ucx.DocConfirmation, d.Manufacturer, d.ManufacturerID
	case "ucx.licence.v1":
		f.Kind, f.Issuer, f.IssuerID = ucx.DocLicence, d.Authority, d.AuthorityID
	case "ucx.revocation.v1":
		f.Kind, f.Issuer, f.IssuerID = ucx.DocRevocation, d.Organisation, d.OrganisationID
		f.Revokes, f.RevokesKind, f.RevokeReason, f.IssuedOn = d.Document, d.DocumentKind, d.Reason, d.RevokedOn
	}
	if !ok {
		return f, rule, fmt.Errorf("the document's type %q is none the platform issues, so who may issue it is not known", d.Type)
	}
	if f.IssuerID <= 0 {
		return f, rule, fmt.Errorf("the %s names no issuing organisation (%s)", f.Kind, rule.idField)
	}
	return f, rule, nil
}
