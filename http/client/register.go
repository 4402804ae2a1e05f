package client

import (
	"context"
	"net/url"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.RegisterService over HTTP: the manufacturer register (R2), the
// routes of http/register.go.

var _ ucx.RegisterService = (*Client)(nil)

// FindRegisterEntries lists the register's entries and the total.
func (c *Client) FindRegisterEntries(ctx context.Context, _ *ucx.Principal, f ucx.RegisterFilter) ([]*ucx.RegisterEntry, int, error) {
	var q url.Values
	if f.Retired {
		q = url.Values{"retired": {"true"}}
	}
	var out wire.ListResponse[*ucx.RegisterEntry]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/register", query: pageQuery(q, f.Offset, f.Limit), out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// FindRegisterEntryByID returns one entry.
func (c *Client) FindRegisterEntryByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "GET", path: idPath("/api/v1/register/%d", id)})
}

// AddRegisterEntry adds an entry (the operator's admin).
func (c *Client) AddRegisterEntry(ctx context.Context, _ *ucx.Principal, in *ucx.RegisterEntryInput) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "POST", path: "/api/v1/register", in: in})
}

// UpdateRegisterEntry corrects an entry at version.
func (c *Client) UpdateRegisterEntry(ctx context.Context, _ *ucx.Principal, id int64, version int, in *ucx.RegisterEntryInput) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "PUT", path: idPath("/api/v1/register/%d", id), in: wire.RegisterEntryRequest{RegisterEntryInput: *in, Version: &version}})
}

// RetireRegisterEntry retires an entry at version, saying why.
func (c *Client) RetireRegisterEntry(ctx context.Context, _ *ucx.Principal, id int64, version int, note string) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "POST", path: idPath("/api/v1/register/%d/retire", id), in: wire.RegisterRetireRequest{Note: note, Version: &version}})
}

// BindOrg binds a manufacturer organisation to an entry.
func (c *Client) BindOrg(ctx context.Context, _ *ucx.Principal, id, orgID int64) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "POST", path: idPath("/api/v1/register/%d/bind", id), in: wire.RegisterBindRequest{OrgID: orgID}})
}

// UnbindOrg removes an entry's binding, saying why.
func (c *Client) UnbindOrg(ctx context.Context, _ *ucx.Principal, id int64, note string) (*ucx.RegisterEntry, error) {
	return c.registerEntry(ctx, &call{method: "POST", path: idPath("/api/v1/register/%d/unbind", id), in: wire.RegisterUnbindRequest{Note: note}})
}

func (c *Client) registerEntry(ctx context.Context, cl *call) (*ucx.RegisterEntry, error) {
	var out ucx.RegisterEntry
	cl.out = &out
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}
