package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.ShipmentService over HTTP: the routes of http/shipment.go, the batch
// workflow (一批一证, R4).

// The client runs the batch workflow as the store does.
var _ ucx.ShipmentService = (*Client)(nil)

// CreateShipment files a shipment; created is false when the server
// returned an earlier filing with the same idempotency key.
func (c *Client) CreateShipment(ctx context.Context, _ *ucx.Principal, in *ucx.ShipmentInput, opts ucx.CreateOptions) (*ucx.Shipment, bool, error) {
	var sh ucx.Shipment
	cl := &call{method: "POST", path: "/api/v1/shipments", in: in, out: &sh}
	if opts.IdempotencyKey != "" {
		cl.header = map[string]string{wire.IdempotencyHeader: opts.IdempotencyKey}
	}
	res, err := c.do(ctx, cl)
	if err != nil {
		return nil, false, err
	}
	return &sh, res.status == http.StatusCreated, nil
}

// FindShipmentByID returns one shipment with its vehicles and letters.
func (c *Client) FindShipmentByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Shipment, error) {
	var sh ucx.Shipment
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/shipments/%d", id), out: &sh}); err != nil {
		return nil, err
	}
	return &sh, nil
}

// FindShipments lists shipments matching f and the total count.
func (c *Client) FindShipments(ctx context.Context, _ *ucx.Principal, f ucx.ShipmentFilter) ([]*ucx.Shipment, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	if f.Destination != "" {
		q.Set("destination", f.Destination)
	}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	if f.ExporterID != 0 {
		q.Set("exporter_id", strconv.FormatInt(f.ExporterID, 10))
	}
	var out wire.ListResponse[*ucx.Shipment]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/shipments", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// AddVehicle adds a vehicle to a draft shipment made against version.
func (c *Client) AddVehicle(ctx context.Context, _ *ucx.Principal, id int64, version int, in *ucx.ApplicationInput) (*ucx.Shipment, error) {
	var sh ucx.Shipment
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/shipments/%d/vehicles", id),
		in: wire.AddVehicleRequest{Version: &version, Vehicle: *in}, out: &sh}); err != nil {
		return nil, err
	}
	return &sh, nil
}

// RemoveVehicle takes vehicle appID out of shipment id (version as last
// read): deleted from a draft, withdrawn once submitted.
func (c *Client) RemoveVehicle(ctx context.Context, _ *ucx.Principal, id int64, version int, appID int64) (*ucx.Shipment, error) {
	var sh ucx.Shipment
	path := idPath("/api/v1/shipments/%d/vehicles/", id) + strconv.FormatInt(appID, 10)
	if _, err := c.do(ctx, &call{method: "DELETE", path: path, in: wire.VersionRequest{Version: &version}, out: &sh}); err != nil {
		return nil, err
	}
	return &sh, nil
}

// SubmitShipment submits a draft shipment made against version.
func (c *Client) SubmitShipment(ctx context.Context, _ *ucx.Principal, id int64, version int) (*ucx.Shipment, error) {
	return c.shipmentAction(ctx, idPath("/api/v1/shipments/%d/submit", id), version)
}

// WithdrawShipment withdraws every live vehicle of a shipment.
func (c *Client) WithdrawShipment(ctx context.Context, _ *ucx.Principal, id int64, version int) (*ucx.Shipment, error) {
	return c.shipmentAction(ctx, idPath("/api/v1/shipments/%d/withdraw", id), version)
}

func (c *Client) shipmentAction(ctx context.Context, path string, version int) (*ucx.Shipment, error) {
	var sh ucx.Shipment
	if _, err := c.do(ctx, &call{method: "POST", path: path, in: wire.VersionRequest{Version: &version}, out: &sh}); err != nil {
		return nil, err
	}
	return &sh, nil
}

// FindLetters lists the letters matching f and the total count.
func (c *Client) FindLetters(ctx context.Context, _ *ucx.Principal, f ucx.LetterFilter) ([]*ucx.Letter, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	if f.ShipmentID != 0 {
		q.Set("shipment_id", strconv.FormatInt(f.ShipmentID, 10))
	}
	if f.ExporterID != 0 {
		q.Set("exporter_id", strconv.FormatInt(f.ExporterID, 10))
	}
	var out wire.ListResponse[*ucx.Letter]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/letters", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// FindLetterByID returns one letter with its requests, one per VIN.
func (c *Client) FindLetterByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Letter, error) {
	var l ucx.Letter
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/letters/%d", id), out: &l}); err != nil {
		return nil, err
	}
	return &l, nil
}

// AnswerLetter answers VINs of a letter made against version, sealed with
// the manufacturer's custodial key.
func (c *Client) AnswerLetter(ctx context.Context, p *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer) (*ucx.Letter, error) {
	return c.AnswerLetterSealed(ctx, p, id, version, answers, nil)
}

// LetterToSeal calls POST /api/v1/letters/{id}/to-seal: the canonical
// confirmation the answers would seal today, byte for byte.
func (c *Client) LetterToSeal(ctx context.Context, _ *ucx.Principal, id int64, answers []ucx.LetterAnswer) ([]byte, error) {
	w := &limitWriter{max: maxDocumentAnswer}
	_, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/letters/%d/to-seal", id),
		in: wire.LetterToSealRequest{Answers: answers}, rawOut: w})
	if err != nil && errors.Is(err, errTooLong) {
		return nil, ucx.Errorf(ucx.ETOOLARGE, "the server's confirmation is over %d MiB", maxDocumentAnswer>>20)
	}
	return w.b, err
}

// AnswerLetterSealed answers with an envelope sealed offline (the
// document of LetterToSeal for the same answers); a nil envelope leaves
// the sealing to the custodial key.
func (c *Client) AnswerLetterSealed(ctx context.Context, _ *ucx.Principal, id int64, version int, answers []ucx.LetterAnswer, envelope []byte) (*ucx.Letter, error) {
	var l ucx.Letter
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/letters/%d/answer", id),
		in: wire.LetterAnswerRequest{Version: &version, Answers: answers, Envelope: envelope}, out: &l}); err != nil {
		return nil, err
	}
	return &l, nil
}

// IssueShipmentLicence issues the one licence of a shipment under review.
func (c *Client) IssueShipmentLicence(ctx context.Context, p *ucx.Principal, id int64, version int) (*ucx.Licence, error) {
	return c.IssueShipmentLicenceSealed(ctx, p, id, version, nil)
}

// ShipmentLicenceToSeal calls GET /api/v1/shipments/{id}/licence/to-seal:
// the canonical licence issuing today would seal.
func (c *Client) ShipmentLicenceToSeal(ctx context.Context, _ *ucx.Principal, id int64) ([]byte, error) {
	b, _, err := c.getBounded(ctx, idPath("/api/v1/shipments/%d/licence/to-seal", id), nil)
	return b, err
}

// IssueShipmentLicenceSealed issues a shipment's licence with an envelope
// sealed offline; nil leaves the sealing to the custodial key.
func (c *Client) IssueShipmentLicenceSealed(ctx context.Context, _ *ucx.Principal, id int64, version int, envelope []byte) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/shipments/%d/licence", id),
		in: wire.IssueLicenceRequest{Version: &version, Envelope: envelope}, out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}

// RefuseShipmentLicence refuses the licence for every live vehicle.
func (c *Client) RefuseShipmentLicence(ctx context.Context, _ *ucx.Principal, id int64, version int, code, text string) (*ucx.Shipment, error) {
	var sh ucx.Shipment
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/shipments/%d/refuse", id),
		in: wire.RefusalRequest{Version: &version, Code: code, Text: text}, out: &sh}); err != nil {
		return nil, err
	}
	return &sh, nil
}
