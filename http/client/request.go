package client

import (
	"context"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.RequestService over HTTP: the routes of http/request.go.

// FindRequests lists confirmation requests and the total count.
func (c *Client) FindRequests(ctx context.Context, _ *ucx.Principal, f ucx.RequestFilter) ([]*ucx.ConfirmationRequest, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	if f.Lane != "" {
		q.Set("lane", f.Lane)
	}
	if f.Tag != "" {
		q.Set("tag", f.Tag)
	}
	var out wire.ListResponse[*ucx.ConfirmationRequest]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/requests", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// FindRequestByID returns one confirmation request.
func (c *Client) FindRequestByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.ConfirmationRequest, error) {
	var cr ucx.ConfirmationRequest
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/requests/%d", id), out: &cr}); err != nil {
		return nil, err
	}
	return &cr, nil
}

// ApproveRequest approves a request with the chosen outlets.
func (c *Client) ApproveRequest(ctx context.Context, _ *ucx.Principal, id int64, version int, outletIDs []int64) (*ucx.ConfirmationRequest, error) {
	var cr ucx.ConfirmationRequest
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/requests/%d/approve", id),
		in: wire.ApprovalRequest{Version: &version, OutletIDs: outletIDs}, out: &cr}); err != nil {
		return nil, err
	}
	return &cr, nil
}

// RefuseRequest refuses a request with a code and an explanation.
func (c *Client) RefuseRequest(ctx context.Context, _ *ucx.Principal, id int64, version int, code, text string) (*ucx.ConfirmationRequest, error) {
	var cr ucx.ConfirmationRequest
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/requests/%d/refuse", id),
		in: wire.RefusalRequest{Version: &version, Code: code, Text: text}, out: &cr}); err != nil {
		return nil, err
	}
	return &cr, nil
}
