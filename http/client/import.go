package client

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// ucx.ImportService over HTTP: the routes of http/import.go.

// StartImport uploads a CSV or XLSX file of applications and returns the
// queued import.
func (c *Client) StartImport(ctx context.Context, _ *ucx.Principal, filename string, data []byte) (*ucx.Import, error) {
	ct := wire.ContentTypeCSV
	if strings.HasSuffix(strings.ToLower(filename), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		ct = wire.ContentTypeXLSX
	}
	q := url.Values{}
	if filename != "" {
		q.Set("filename", path.Base(strings.ReplaceAll(filename, `\`, "/")))
	}
	var imp ucx.Import
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/imports", query: q,
		raw: bytes.NewReader(data), contentType: ct, out: &imp}); err != nil {
		return nil, err
	}
	return &imp, nil
}

// FindImportByID returns an import with its progress.
func (c *Client) FindImportByID(ctx context.Context, _ *ucx.Principal, id int64) (*ucx.Import, error) {
	var imp ucx.Import
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/imports/%d", id), out: &imp}); err != nil {
		return nil, err
	}
	return &imp, nil
}

// ImportRows returns a page of per-row results, in row order.
func (c *Client) ImportRows(ctx context.Context, _ *ucx.Principal, id int64, offset, limit int) ([]*ucx.ImportRow, error) {
	var out wire.ListResponse[*ucx.ImportRow]
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/imports/%d/rows", id),
		query: pageQuery(nil, offset, limit), out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// DownloadImportRows writes every row's result as CSV to w.
func (c *Client) DownloadImportRows(ctx context.Context, id int64, w io.Writer) error {
	_, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/imports/%d/rows.csv", id), rawOut: w})
	return err
}
