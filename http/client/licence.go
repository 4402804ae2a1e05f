package client

import (
	"context"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.LicenceService over HTTP: the routes of http/licence.go.

// FindLicenceByID returns one licence.
func (c *Client) FindLicenceByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/licences/%d", id), out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}

// FindLicences lists licences by number or VIN, and the total count.
func (c *Client) FindLicences(ctx context.Context, _ *ucx.Principal, f ucx.LicenceFilter) ([]*ucx.Licence, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.Number != "" {
		q.Set("number", f.Number)
	}
	if f.VIN != "" {
		q.Set("vin", f.VIN)
	}
	var out wire.ListResponse[*ucx.Licence]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/licences", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// RecordClearance records customs clearance of a licence, once (R15).
func (c *Client) RecordClearance(ctx context.Context, _ *ucx.Principal, licenceID int64, port, declaration string) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/licences/%d/clearance", licenceID),
		in: wire.ClearanceRequest{Port: port, DeclarationNumber: declaration}, out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}
