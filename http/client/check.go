package client

import (
	"context"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Check runs the server's policy on one vehicle without filing it.
func (c *Client) Check(ctx context.Context, in *wire.CheckRequest) (*ucx.Decision, error) {
	var d ucx.Decision
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/check", in: in, out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}
