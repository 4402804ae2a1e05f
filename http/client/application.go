package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.ApplicationService over HTTP: the routes of http/application.go.

// CreateApplication files an application; created is false when the
// server returned an earlier filing with the same idempotency key.
func (c *Client) CreateApplication(ctx context.Context, _ *ucx.Principal, in *ucx.ApplicationInput, opts ucx.CreateOptions) (*ucx.Application, bool, error) {
	var app ucx.Application
	cl := &call{method: "POST", path: "/api/v1/applications", in: in, out: &app}
	if opts.IdempotencyKey != "" {
		cl.header = map[string]string{wire.IdempotencyHeader: opts.IdempotencyKey}
	}
	res, err := c.do(ctx, cl)
	if err != nil {
		return nil, false, err
	}
	return &app, res.status == http.StatusCreated, nil
}

// FindApplicationByID returns one application.
func (c *Client) FindApplicationByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Application, error) {
	var app ucx.Application
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/applications/%d", id), out: &app}); err != nil {
		return nil, err
	}
	return &app, nil
}

// FindApplications lists applications matching f and the total count.
func (c *Client) FindApplications(ctx context.Context, _ *ucx.Principal, f ucx.ApplicationFilter) ([]*ucx.Application, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("state", string(f.State))
	set("vin", f.VIN)
	set("destination", f.Destination)
	set("outcome", f.Outcome)
	set("q", f.Query)
	if f.ExporterID != 0 {
		q.Set("exporter_id", strconv.FormatInt(f.ExporterID, 10))
	}
	var out wire.ListResponse[*ucx.Application]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/applications", query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// SubmitApplication submits a draft made against version.
func (c *Client) SubmitApplication(ctx context.Context, _ *ucx.Principal, id int64, version int) (*ucx.Application, error) {
	return c.applicationAction(ctx, idPath("/api/v1/applications/%d/submit", id), version)
}

// WithdrawApplication withdraws an application made against version.
func (c *Client) WithdrawApplication(ctx context.Context, _ *ucx.Principal, id int64, version int) (*ucx.Application, error) {
	return c.applicationAction(ctx, idPath("/api/v1/applications/%d/withdraw", id), version)
}

func (c *Client) applicationAction(ctx context.Context, path string, version int) (*ucx.Application, error) {
	var app ucx.Application
	if _, err := c.do(ctx, &call{method: "POST", path: path, in: wire.VersionRequest{Version: &version}, out: &app}); err != nil {
		return nil, err
	}
	return &app, nil
}

// Timeline lists an application's events, oldest first.
func (c *Client) Timeline(ctx context.Context, _ *ucx.Principal, id int64) ([]*ucx.Event, error) {
	var out wire.ListResponse[*ucx.Event]
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/applications/%d/timeline", id), out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// IssueLicence issues the licence for an application under review.
func (c *Client) IssueLicence(ctx context.Context, _ *ucx.Principal, appID int64, version int) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/applications/%d/licence", appID),
		in: wire.VersionRequest{Version: &version}, out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}

// RefuseLicence refuses the licence for an application under review.
func (c *Client) RefuseLicence(ctx context.Context, _ *ucx.Principal, appID int64, version int, code, text string) (*ucx.Application, error) {
	var app ucx.Application
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/applications/%d/refuse", appID),
		in: wire.RefusalRequest{Version: &version, Code: code, Text: text}, out: &app}); err != nil {
		return nil, err
	}
	return &app, nil
}
