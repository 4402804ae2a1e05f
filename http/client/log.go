package client

import (
	"context"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/tlog"
)

// The client side of the transparency log's routes (http/log.go). They need no
// token; a Client made with an empty one reads the log as any stranger can.

// limitWriter collects at most max bytes and fails past that, so a hostile
// server cannot make a monitor buffer an endless "checkpoint".
type limitWriter struct {
	b   []byte
	max int
}

var errTooLong = errors.New("answer too long")

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > w.max {
		return 0, errTooLong
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

func (c *Client) getText(ctx context.Context, path string) ([]byte, error) {
	w := &limitWriter{max: tlog.MaxNoteSize}
	_, err := c.do(ctx, &call{method: "GET", path: path, rawOut: w})
	if err != nil && errors.Is(err, errTooLong) {
		return nil, ucx.Errorf(ucx.ETOOLARGE, "the server's answer to %s is over %d bytes", path, tlog.MaxNoteSize)
	}
	return w.b, err
}

// LogKey calls GET /api/v1/log/key: the log's note verifier key.
func (c *Client) LogKey(ctx context.Context) (string, error) {
	b, err := c.getText(ctx, "/api/v1/log/key")
	return strings.TrimSpace(string(b)), err
}

// LogCheckpoint calls GET /api/v1/log/checkpoint and returns the latest
// signed checkpoint as it was served. It is not verified here: open it with
// tlog.OpenCheckpoint and the pinned verifier key.
func (c *Client) LogCheckpoint(ctx context.Context) ([]byte, error) {
	return c.getText(ctx, "/api/v1/log/checkpoint")
}

func sizeQuery(q url.Values, name string, n int64) {
	if n >= 0 {
		q.Set(name, strconv.FormatInt(n, 10))
	}
}

// LogInclusionProof calls GET /api/v1/log/proof/inclusion for leaf index
// in the tree of size leaves; a negative size asks for the latest
// checkpoint, which the answer then carries.
func (c *Client) LogInclusionProof(ctx context.Context, index, size int64) (*wire.LogInclusion, error) {
	q := url.Values{"index": {strconv.FormatInt(index, 10)}}
	sizeQuery(q, "size", size)
	var p wire.LogInclusion
	_, err := c.do(ctx, &call{method: "GET", path: "/api/v1/log/proof/inclusion", query: q, out: &p})
	return &p, err
}

// LogInclusionProofByHash is LogInclusionProof for the leaf with leafHash.
func (c *Client) LogInclusionProofByHash(ctx context.Context, leafHash []byte, size int64) (*wire.LogInclusion, error) {
	q := url.Values{"hash": {hex.EncodeToString(leafHash)}}
	sizeQuery(q, "size", size)
	var p wire.LogInclusion
	_, err := c.do(ctx, &call{method: "GET", path: "/api/v1/log/proof/inclusion", query: q, out: &p})
	return &p, err
}

// LogConsistencyProof calls GET /api/v1/log/proof/consistency from the
// tree of from leaves to that of to; a negative to asks for the latest
// checkpoint, which the answer then carries.
func (c *Client) LogConsistencyProof(ctx context.Context, from, to int64) (*wire.LogConsistency, error) {
	q := url.Values{"from": {strconv.FormatInt(from, 10)}}
	sizeQuery(q, "to", to)
	var p wire.LogConsistency
	_, err := c.do(ctx, &call{method: "GET", path: "/api/v1/log/proof/consistency", query: q, out: &p})
	return &p, err
}

// LogEntries calls GET /api/v1/log/entries for indices [start, end): at
// most MaxLogEntries, and only those a checkpoint covers.
func (c *Client) LogEntries(ctx context.Context, start, end int64) ([]tlog.Entry, error) {
	q := url.Values{"start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)}}
	var out wire.LogEntries
	_, err := c.do(ctx, &call{method: "GET", path: "/api/v1/log/entries", query: q, out: &out})
	return out.Entries, err
}
