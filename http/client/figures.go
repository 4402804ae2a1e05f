package client

import (
	"bytes"
	"context"
	"net/url"
	"strconv"

	"github.com/ucxdev/ucx"
)

// The client answers the figures as the store does, so `ucx stats` and the
// tests call the same method whichever side of the wire they are on.
var _ ucx.FiguresService = (*Client)(nil)

// figureQuery is the query of GET /api/v1/figures for f: the period and
// the thresholds that are set. MinCell is never sent: the server refuses to
// let a reader lower the public figures' suppression.
func figureQuery(f ucx.FigureFilter) url.Values {
	q := url.Values{}
	if !f.From.IsZero() {
		q.Set("from", f.From.String())
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.String())
	}
	for name, v := range map[string]int{"near_zero_km": f.Config.NearZeroKM, "small_below": f.Config.SmallBelow, "large_from": f.Config.LargeFrom} {
		if v > 0 {
			q.Set(name, strconv.Itoa(v))
		}
	}
	return q
}

// Figures calls GET /api/v1/figures, or GET /api/v1/public/figures (with
// no credentials sent) when f.Public. A zero From or To takes the server's
// default: the twelve months to today.
func (c *Client) Figures(ctx context.Context, _ *ucx.Principal, f ucx.FigureFilter) (*ucx.Figures, error) {
	cl := &call{method: "GET", path: "/api/v1/figures", query: figureQuery(f), out: new(ucx.Figures)}
	if f.Public {
		none := ""
		cl.path, cl.token = "/api/v1/public/figures", &none
	}
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return cl.out.(*ucx.Figures), nil
}

// PolicyWhatIf calls POST /api/v1/policy/what-if with doc, a policy
// document as its file holds it, as the body: sent byte for byte, so the
// answer's policy reference carries the file's own SHA-256. A zero from or
// to takes the server's default; limit 0 the server's cap.
func (c *Client) PolicyWhatIf(ctx context.Context, doc []byte, from, to ucx.Date, limit int) (*ucx.PolicyWhatIf, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.String())
	}
	if !to.IsZero() {
		q.Set("to", to.String())
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out ucx.PolicyWhatIf
	_, err := c.do(ctx, &call{method: "POST", path: "/api/v1/policy/what-if", query: q,
		raw: bytes.NewReader(doc), contentType: "application/json", out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
