package client

import (
	"context"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// SubmitApplications calls POST /api/v1/bulk/submit with the
// drafts' ids: a row per id, each submitted in its own transaction.
func (c *Client) SubmitApplications(ctx context.Context, ids []int64) (*ucx.BulkReport, error) {
	return c.bulk(ctx, "/api/v1/bulk/submit", wire.BulkSubmitRequest{IDs: ids})
}

// SubmitImportDrafts calls POST /api/v1/bulk/submit with an
// import: its drafts are submitted, at most ucx.MaxBulk per call (the
// report's More says when drafts remain).
func (c *Client) SubmitImportDrafts(ctx context.Context, importID int64) (*ucx.BulkReport, error) {
	return c.bulk(ctx, "/api/v1/bulk/submit", wire.BulkSubmitRequest{ImportID: importID})
}

// AnswerRequests calls POST /api/v1/bulk/answer: one answer to each
// of the pending requests ids.
func (c *Client) AnswerRequests(ctx context.Context, ids []int64, a ucx.BulkAnswer) (*ucx.BulkReport, error) {
	in := wire.BulkAnswerRequest{IDs: ids, Answer: "refuse", Code: a.Code, Text: a.Text}
	if a.Approve {
		in = wire.BulkAnswerRequest{IDs: ids, Answer: "approve", Outlets: a.Outlets}
	}
	return c.bulk(ctx, "/api/v1/bulk/answer", in)
}

func (c *Client) bulk(ctx context.Context, path string, in any) (*ucx.BulkReport, error) {
	var rep ucx.BulkReport
	if _, err := c.do(ctx, &call{method: "POST", path: path, in: in, out: &rep}); err != nil {
		return nil, err
	}
	return &rep, nil
}
