package client

import (
	"context"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.DeregistrationService over HTTP: the routes of
// http/deregistration.go (R16).

var _ ucx.DeregistrationService = (*Client)(nil)

// RecordDeregistration records a cleared vehicle's deregistration, once
// (R16).
func (c *Client) RecordDeregistration(ctx context.Context, _ *ucx.Principal, appID int64, in ucx.DeregistrationInput) (*ucx.VehicleDeregistration, error) {
	var v ucx.VehicleDeregistration
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/applications/%d/deregistration", appID), in: in, out: &v}); err != nil {
		return nil, err
	}
	return &v, nil
}

// FindDeregistrations lists cleared vehicles with their deadlines and
// records, and the total count.
func (c *Client) FindDeregistrations(ctx context.Context, _ *ucx.Principal, f ucx.DeregistrationFilter) ([]*ucx.VehicleDeregistration, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.Overdue {
		q.Set("overdue", "true")
	}
	if f.ShipmentID != 0 {
		q.Set("shipment_id", strconv.FormatInt(f.ShipmentID, 10))
	}
	var out wire.ListResponse[*ucx.VehicleDeregistration]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/deregistrations", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}
