// Package client is the Go client of ucx's REST API: Client implements the
// root service interfaces over HTTP, so the CLI and the tests call the
// same methods the server's store answers. It imports the wire types
// (package http/wire) but not the server (package http), so a program that
// only talks to a ucx server links none of it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Client is the Go client of the REST API. It implements ucx.OrgService,
// the workflow's ucx.ApplicationService, ucx.RequestService and
// ucx.LicenceService, and ucx.ImportService over HTTP (wtf's
// http.DialService pattern), so the CLI and the integration tests speak the
// same vocabulary as the server's own code: the same types, the same
// methods, and the same errors — a refusal comes back as a *ucx.Error with
// the server's code, message and field, so callers switch on ucx.ErrorCode.
//
// The principal arguments of the interface methods are ignored: the server
// resolves the caller from the client's token. A Client is safe for
// concurrent use.
type Client struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// HTTPClient sends the requests; New sets one with a timeout.
	HTTPClient *http.Client
	// UserAgent names the program in the server's logs.
	UserAgent string
	// Language, when set (zh, en), is sent as Accept-Language: the server
	// then words its error messages in it (codes and fields stay the same).
	Language string

	mu    sync.RWMutex
	token string
}

// Interface checks: the client is a drop-in for the store.
var (
	_ ucx.OrgService         = (*Client)(nil)
	_ ucx.ApplicationService = (*Client)(nil)
	_ ucx.RequestService     = (*Client)(nil)
	_ ucx.LicenceService     = (*Client)(nil)
	_ ucx.ImportService      = (*Client)(nil)
)

// New returns a client of the server at baseURL that authenticates
// with token (which may be empty, to log in first).
func New(baseURL, token string) *Client {
	return &Client{
		URL:        strings.TrimRight(baseURL, "/"),
		HTTPClient: &http.Client{Timeout: 2 * time.Minute},
		UserAgent:  "ucx-client",
		token:      token,
	}
}

// SetToken changes the token later requests send.
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// Token returns the token requests send.
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// call is one API request.
type call struct {
	method string
	path   string     // below the base URL, e.g. /api/v1/orgs
	query  url.Values // optional
	in     any        // JSON body, when not nil
	// raw is a non-JSON body (an upload) with its content type.
	raw         io.Reader
	contentType string
	header      map[string]string
	token       *string // overrides the client's token
	out         any     // decoded from a 2xx JSON answer, when not nil
	// rawOut receives a 2xx body as it is (a CSV download).
	rawOut io.Writer
}

// result is what the caller may need besides the body.
type result struct {
	status int
	header http.Header
}

// do sends c and decodes the answer. Errors are always *ucx.Error: the
// server's own for a refusal, EUNAVAILABLE when the server cannot be
// reached, EINTERNAL when its answer cannot be read.
func (c *Client) do(ctx context.Context, cl *call) (result, error) {
	u := c.URL + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	contentType := cl.contentType
	if cl.in != nil {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(cl.in); err != nil {
			return result{}, &ucx.Error{Code: ucx.EINVALID, Op: "client.Client", Message: "the request cannot be encoded as JSON", Err: err}
		}
		body, contentType = &buf, "application/json"
	} else if cl.raw != nil {
		body = cl.raw
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return result{}, &ucx.Error{Code: ucx.EINVALID, Op: "client.Client", Message: fmt.Sprintf("bad server URL %q: %v", c.URL, err), Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.Language != "" {
		req.Header.Set("Accept-Language", c.Language)
	}
	token := c.Token()
	if cl.token != nil {
		token = *cl.token
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range cl.header {
		req.Header.Set(k, v)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return result{}, &ucx.Error{Code: ucx.EUNAVAILABLE, Op: "client.Client",
			Message: fmt.Sprintf("cannot reach the ucx server at %s: %v", c.URL, unwrapURLError(err)), Err: err}
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		resp.Body.Close()
	}()
	res := result{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 400 {
		return res, decodeError(resp)
	}
	switch {
	case cl.rawOut != nil:
		if _, err := io.Copy(cl.rawOut, resp.Body); err != nil {
			return res, &ucx.Error{Code: ucx.EUNAVAILABLE, Op: "client.Client", Message: "the download was interrupted: " + err.Error(), Err: err}
		}
	case cl.out != nil && resp.StatusCode != http.StatusNoContent:
		if err := json.NewDecoder(resp.Body).Decode(cl.out); err != nil {
			return res, &ucx.Error{Code: ucx.EINTERNAL, Op: "client.Client", Message: "the server's answer cannot be read", Err: err}
		}
	}
	return res, nil
}

// decodeError turns an error answer into the *ucx.Error the server meant.
// An answer without the API's error shape (a proxy's page) still gets the
// code its status stands for.
func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var er wire.ErrorResponse
	if err := json.Unmarshal(data, &er); err == nil && er.Error.Code != "" {
		return &ucx.Error{Code: er.Error.Code, Message: er.Error.Message, Field: er.Error.Field}
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200]
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &ucx.Error{Code: wire.FromErrorStatusCode(resp.StatusCode), Message: fmt.Sprintf("the server answered %d: %s", resp.StatusCode, msg)}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func idPath(format string, id int64) string {
	return fmt.Sprintf(format, id)
}

// pageQuery adds offset and limit to q when they are set.
func pageQuery(q url.Values, offset, limit int) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// Health calls GET /healthz: nil when the server and its store answer.
func (c *Client) Health(ctx context.Context) error {
	var h wire.HealthResponse
	_, err := c.do(ctx, &call{method: "GET", path: "/healthz", out: &h})
	if err != nil && ucx.ErrorCode(err) == ucx.EINTERNAL {
		return &ucx.Error{Code: ucx.EUNAVAILABLE, Message: "the server is not healthy", Err: err}
	}
	return err
}
