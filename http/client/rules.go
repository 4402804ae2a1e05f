package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.RuleService over HTTP: the routes of http/rules.go.

var _ ucx.RuleService = (*Client)(nil)

// FindRules lists the manufacturer's rules in the order they are tried.
func (c *Client) FindRules(ctx context.Context, _ *ucx.Principal, f ucx.RuleFilter) ([]*ucx.ManufacturerRule, error) {
	var q url.Values
	if f.Deleted {
		q = url.Values{"deleted": {"true"}}
	}
	var out wire.RuleList
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/rules", query: q, out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// FindRuleByID returns a rule with every version.
func (c *Client) FindRuleByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.ManufacturerRule, error) {
	return c.rule(ctx, &call{method: "GET", path: idPath("/api/v1/rules/%d", id)})
}

// CreateRule adds a rule.
func (c *Client) CreateRule(ctx context.Context, _ *ucx.Principal, in *ucx.ManufacturerRuleInput) (*ucx.ManufacturerRule, error) {
	return c.rule(ctx, &call{method: "POST", path: "/api/v1/rules", in: in})
}

// UpdateRule makes a new version of a rule.
func (c *Client) UpdateRule(ctx context.Context, _ *ucx.Principal, id int64, version int, in *ucx.ManufacturerRuleInput) (*ucx.ManufacturerRule, error) {
	return c.rule(ctx, &call{method: "PUT", path: idPath("/api/v1/rules/%d", id), in: wire.RuleRequest{ManufacturerRuleInput: *in, Version: &version}})
}

// SetRuleState enables, disables or deletes a rule.
func (c *Client) SetRuleState(ctx context.Context, _ *ucx.Principal, id int64, version int, s ucx.RuleState) (*ucx.ManufacturerRule, error) {
	switch s {
	case ucx.RuleEnabled:
		return c.rule(ctx, &call{method: "POST", path: idPath("/api/v1/rules/%d/enable", id), in: wire.RuleStateRequest{Version: &version}})
	case ucx.RuleDisabled:
		return c.rule(ctx, &call{method: "POST", path: idPath("/api/v1/rules/%d/disable", id), in: wire.RuleStateRequest{Version: &version}})
	case ucx.RuleDeleted:
		return c.rule(ctx, &call{method: "DELETE", path: idPath("/api/v1/rules/%d", id), header: map[string]string{"If-Match": `"` + strconv.Itoa(version) + `"`}})
	}
	return nil, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be enabled, disabled or deleted")
}

// TestRule runs the dry run.
func (c *Client) TestRule(ctx context.Context, _ *ucx.Principal, t *ucx.RuleTest) (*ucx.RuleTestResult, error) {
	var out ucx.RuleTestResult
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/rule-tests", in: t, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) rule(ctx context.Context, cl *call) (*ucx.ManufacturerRule, error) {
	var out ucx.ManufacturerRule
	cl.out = &out
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}
