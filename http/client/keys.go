package client

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// The client side of sealing (http/keys.go, http/documents.go). Non-custodial
// sealing is a round trip: fetch the canonical document the platform
// would store (ConfirmationToSeal, LicenceToSeal), seal it on the caller's
// machine with the seal package, and send the envelope back
// (ApproveRequestSealed, IssueLicenceSealed). None of these methods takes
// a private key: only public keys and sealed envelopes ever travel.

// The client manages keys as the store does.
var _ ucx.KeyService = (*Client)(nil)

// maxDocumentAnswer bounds a document, trust list or bundle read from the
// server. Real ones are kilobytes (a bundle with log proofs a few tens);
// the bound stops a wrong or hostile server from filling memory.
const maxDocumentAnswer = 16 << 20

// getBounded GETs path (with query) and returns the body as served, at
// most maxDocumentAnswer bytes. The bytes are never re-encoded: a document
// to seal must be sealed exactly as the platform built it.
func (c *Client) getBounded(ctx context.Context, path string, query url.Values) ([]byte, result, error) {
	w := &limitWriter{max: maxDocumentAnswer}
	res, err := c.do(ctx, &call{method: "GET", path: path, query: query, rawOut: w})
	if err != nil && errors.Is(err, errTooLong) {
		return nil, res, ucx.Errorf(ucx.ETOOLARGE, "the server's answer to %s is over %d MiB", path, maxDocumentAnswer>>20)
	}
	return w.b, res, err
}

// RegisterKey calls POST /api/v1/keys with a public key made by ucx
// keygen, valid until notAfter. Only the public half is sent.
func (c *Client) RegisterKey(ctx context.Context, _ *ucx.Principal, publicKeyPEM string, notAfter time.Time) (*ucx.Key, error) {
	var k ucx.Key
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/keys",
		in: wire.KeyRequest{PublicKeyPEM: publicKeyPEM, NotAfter: notAfter}, out: &k}); err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateCustodialKey calls POST /api/v1/keys with custodial true: the
// platform generates the key and keeps it; the answer is the public
// record only.
func (c *Client) CreateCustodialKey(ctx context.Context, _ *ucx.Principal, alg string, notAfter time.Time) (*ucx.Key, error) {
	var k ucx.Key
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/keys",
		in: wire.KeyRequest{Custodial: true, Alg: alg, NotAfter: notAfter}, out: &k}); err != nil {
		return nil, err
	}
	return &k, nil
}

// RevokeKey calls POST /api/v1/keys/{id}/revoke. Seals the key makes
// from then on are refused; earlier ones stay valid.
func (c *Client) RevokeKey(ctx context.Context, _ *ucx.Principal, id, reason string) (*ucx.Key, error) {
	var k ucx.Key
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/keys/" + url.PathEscape(id) + "/revoke",
		in: wire.RevokeRequest{Reason: reason}, out: &k}); err != nil {
		return nil, err
	}
	return &k, nil
}

// FindKeys calls GET /api/v1/keys: the caller's organisation's keys,
// revoked ones included.
func (c *Client) FindKeys(ctx context.Context, _ *ucx.Principal) ([]*ucx.Key, error) {
	var out wire.ListResponse[*ucx.Key]
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/keys", out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// TrustList calls GET /api/v1/trust-list: the root-sealed trust list
// envelope as served.
func (c *Client) TrustList(ctx context.Context) ([]byte, error) {
	b, _, err := c.getBounded(ctx, "/api/v1/trust-list", nil)
	return b, err
}

// TrustRoot calls GET /api/v1/trust-root: the root public key, PKIX PEM.
// A careful verifier compares it with one obtained out of band.
func (c *Client) TrustRoot(ctx context.Context) ([]byte, error) {
	b, _, err := c.getBounded(ctx, "/api/v1/trust-root", nil)
	return b, err
}

// ConfirmationToSeal calls GET /api/v1/requests/{id}/document with the
// outlets the approval will name: the canonical confirmation to seal. The
// approval must then name the same outlets, or the server will find the
// sealed document is not the one it would build.
func (c *Client) ConfirmationToSeal(ctx context.Context, _ *ucx.Principal, id int64, outletIDs []int64) ([]byte, error) {
	q := url.Values{}
	for _, o := range outletIDs {
		q.Add("outlet", strconv.FormatInt(o, 10))
	}
	b, _, err := c.getBounded(ctx, idPath("/api/v1/requests/%d/document", id), q)
	return b, err
}

// LicenceToSeal calls GET /api/v1/applications/{id}/licence-document: the
// canonical licence that issuing today would produce.
func (c *Client) LicenceToSeal(ctx context.Context, _ *ucx.Principal, appID int64) ([]byte, error) {
	b, _, err := c.getBounded(ctx, idPath("/api/v1/applications/%d/licence-document", appID), nil)
	return b, err
}

// ApproveRequestSealed approves a request with an envelope sealed
// offline; a nil envelope leaves the sealing to the organisation's
// custodial key, as ApproveRequest does.
func (c *Client) ApproveRequestSealed(ctx context.Context, _ *ucx.Principal, id int64, version int, outletIDs []int64, envelope []byte) (*ucx.ConfirmationRequest, error) {
	var cr ucx.ConfirmationRequest
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/requests/%d/approve", id),
		in: wire.ApprovalRequest{Version: &version, OutletIDs: outletIDs, Envelope: envelope}, out: &cr}); err != nil {
		return nil, err
	}
	return &cr, nil
}

// IssueLicenceSealed issues a licence with an envelope sealed offline; a
// nil envelope leaves the sealing to the authority's custodial key.
func (c *Client) IssueLicenceSealed(ctx context.Context, _ *ucx.Principal, appID int64, version int, envelope []byte) (*ucx.Licence, error) {
	var lic ucx.Licence
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/applications/%d/licence", appID),
		in: wire.IssueLicenceRequest{Version: &version, Envelope: envelope}, out: &lic}); err != nil {
		return nil, err
	}
	return &lic, nil
}

// Document calls GET /api/v1/documents/{digest}: the sealed envelope,
// byte for byte, and its kind. Public: no token is needed.
func (c *Client) Document(ctx context.Context, digest string) (envelope []byte, kind string, err error) {
	b, res, err := c.getBounded(ctx, "/api/v1/documents/"+url.PathEscape(digest), nil)
	if err != nil {
		return nil, "", err
	}
	return b, res.header.Get("X-Ucx-Document-Kind"), nil
}

// PDF calls GET /documents/{digest}/pdf and returns the document's PDF as
// served, with its verification bundle embedded (ucx verify FILE.pdf checks
// it offline). Public: no token is needed.
func (c *Client) PDF(ctx context.Context, digest string) ([]byte, error) {
	b, _, err := c.getBounded(ctx, "/documents/"+url.PathEscape(digest)+"/pdf", nil)
	return b, err
}

// bundleRetries is how many times Bundle asks again when the server says
// the document's log entry is not yet in a checkpoint (503 with
// Retry-After): checkpoints come every half second, so a few tries cover a
// document issued a moment ago, while a server that is down still fails
// fast.
const bundleRetries = 3

// Bundle calls GET /api/v1/documents/{digest}/bundle and returns the
// verification bundle as served (document, trust list, root key,
// revocations and log proofs), to be saved and checked offline with ucx
// verify. It is not verified here. Public: no token is needed.
func (c *Client) Bundle(ctx context.Context, digest string) ([]byte, error) {
	path := "/api/v1/documents/" + url.PathEscape(digest) + "/bundle"
	for try := 0; ; try++ {
		b, res, err := c.getBounded(ctx, path, nil)
		retry := retryAfter(res)
		if err == nil || ucx.ErrorCode(err) != ucx.EUNAVAILABLE || retry <= 0 || try == bundleRetries {
			return b, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retry):
		}
	}
}

// retryAfter reads a 503's Retry-After in seconds, capped at five so a
// server cannot park the client; 0 when there is none.
func retryAfter(res result) time.Duration {
	if res.status != 503 || res.header == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(res.header.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(min(n, 5)) * time.Second
}
