package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// HTTP limits of every post to a receiver.
const (
	DefaultHTTPTimeout = 10 * time.Second
	// MaxResponseBytes is how much of a receiver's answer is read: enough
	// for a bot's {"errcode":…}, and the log keeps less.
	MaxResponseBytes = 64 << 10
	maxRedirects     = 3
)

// HTTPOptions configures the client that posts to receivers.
type HTTPOptions struct {
	// Timeout bounds a whole attempt: connecting, sending, the answer.
	Timeout time.Duration
	// AllowPrivate lets the client connect to loopback, private,
	// link-local and other non-public addresses. Off by default: an
	// organisation's admin chooses the URL, and must not make the
	// platform post into the network it runs in (SSRF). Tests and
	// single-machine deployments with a local receiver turn it on.
	AllowPrivate bool
}

// ErrPrivateAddress is a connection refused because the address is not
// public (HTTPOptions.AllowPrivate).
var ErrPrivateAddress = errors.New("the URL's host resolves to a loopback, private or otherwise non-public address, which notifications are not sent to")

// NewHTTPClient returns the client receivers are posted with: no proxy
// from the environment, a timeout on every attempt, addresses checked
// after resolution (so a name that resolves to a private address is
// refused, whatever the URL said), redirects followed only to the same
// host and scheme, at most three.
func NewHTTPClient(o HTTPOptions) *http.Client {
	timeout := orDuration(o.Timeout, DefaultHTTPTimeout)
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !o.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !PublicAddr(ip) {
				return ErrPrivateAddress
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
				return fmt.Errorf("a redirect to another host or scheme (%s) is not followed", req.URL.Redacted())
			}
			return nil
		},
	}
}

// PublicAddr reports whether ip is an address notifications may be sent
// to: not loopback, private (RFC 1918, fc00::/7), link-local,
// unspecified, multicast, shared (100.64.0.0/10) or reserved.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

// post sends body to target as JSON with headers and returns the status
// and the first MaxResponseBytes of the answer.
func post(ctx context.Context, c *http.Client, target string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("the URL cannot be used: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "ucx-notify/1")
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL itself may carry a bot's token: keep it out of the log
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBytes)) // let the connection be reused if the rest is short
	return resp.StatusCode, b, nil
}

// snippet is the start of a receiver's answer for the log.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.TrimSpace(string(b))
}

func statusError(status int, b []byte) error {
	s := "HTTP " + strconv.Itoa(status)
	if t := snippet(b); t != "" {
		s += ": " + t
	}
	return errors.New(s)
}

// WebhookBody is what a signed webhook posts: the notification with its
// message in the channel's languages. Receivers drop repeats by Delivery
// (also the X-UCX-Delivery header).
type WebhookBody struct {
	Delivery       int64             `json:"delivery"`
	Notification   int64             `json:"notification"`
	Event          ucx.NotifyEvent   `json:"event"`
	OccurredAt     time.Time         `json:"occurred_at"`
	OrganisationID int64             `json:"organisation_id"`
	ApplicationID  int64             `json:"application_id,omitempty"`
	Entity         string            `json:"entity"`
	EntityID       int64             `json:"entity_id"`
	Facts          map[string]string `json:"facts"`
	Text           map[string]string `json:"text"`
}

// texts is the message in the channel's languages, by language.
func texts(n *ucx.Notification, lang string) map[string]string {
	out := map[string]string{}
	if lang != ucx.LangEN {
		out[ucx.LangZH] = ucx.NotificationText(n, ucx.LangZH)
	}
	if lang != ucx.LangZH {
		out[ucx.LangEN] = ucx.NotificationText(n, ucx.LangEN)
	}
	return out
}

// Webhook posts signed JSON (WebhookBody) to a channel's URL: HMAC-SHA256
// of timestamp "." body under the channel's secret in X-UCX-Signature
// (Sign), with X-UCX-Timestamp, X-UCX-Event and X-UCX-Delivery. Any 2xx
// answer is delivered.
type Webhook struct {
	Client *http.Client
	Now    func() time.Time
}

// Send implements Sender.
func (s *Webhook) Send(ctx context.Context, o *ucx.Outgoing) (int, error) {
	n := o.Notification
	body, err := json.Marshal(WebhookBody{Delivery: o.Delivery.ID, Notification: n.ID, Event: n.Event, OccurredAt: n.At, OrganisationID: n.OrgID,
		ApplicationID: n.ApplicationID, Entity: n.Entity, EntityID: n.EntityID, Facts: n.Facts, Text: texts(n, o.Channel.Lang)})
	if err != nil {
		return 0, err
	}
	if o.Channel.Secret == "" {
		return 0, errors.New("the webhook has no signing secret; rotate it to make one")
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, Sign(o.Channel.Secret, now, body))
	h.Set(HeaderEvent, string(n.Event))
	h.Set(HeaderDelivery, strconv.FormatInt(o.Delivery.ID, 10))
	status, answer, err := post(ctx, s.Client, o.Channel.URL, body, h)
	if err != nil {
		return status, err
	}
	if status < 200 || status > 299 {
		return status, statusError(status, answer)
	}
	return status, nil
}

// Bot posts a text message to a group bot in the shape its platform
// documents, and reads the platform's answer, which reports a refusal
// (a wrong key, a bad signature, a rate limit) with HTTP 200 and an error
// code in the body:
//
//   - 企业微信 (WeCom): {"msgtype":"text","text":{"content":…}}; answer {"errcode":0}.
//   - 钉钉 (DingTalk): the same body; with a signing secret, timestamp (ms)
//     and sign (DingTalkSign) in the query; answer {"errcode":0}.
//   - 飞书 (Feishu/Lark): {"msg_type":"text","content":{"text":…}}; with a
//     signing secret, "timestamp" (s) and "sign" (FeishuSign) in the body;
//     answer {"code":0} (older bots: {"StatusCode":0}).
type Bot struct {
	Kind   ucx.ChannelKind
	Client *http.Client
	Now    func() time.Time
}

// BotBody is the JSON a bot of kind receives with text, signed at now
// with secret where the kind signs in the body (Feishu).
func BotBody(kind ucx.ChannelKind, text, secret string, now time.Time) ([]byte, error) {
	switch kind {
	case ucx.ChannelWeCom, ucx.ChannelDingTalk:
		return json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	case ucx.ChannelFeishu:
		m := map[string]any{"msg_type": "text", "content": map[string]string{"text": text}}
		if secret != "" {
			m["timestamp"], m["sign"] = strconv.FormatInt(now.Unix(), 10), FeishuSign(secret, now)
		}
		return json.Marshal(m)
	}
	return nil, fmt.Errorf("%s is not a bot", kind)
}

// Send implements Sender.
func (s *Bot) Send(ctx context.Context, o *ucx.Outgoing) (int, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	text := ucx.NotificationText(o.Notification, o.Channel.Lang)
	body, err := BotBody(s.Kind, text, o.Channel.Secret, now)
	if err != nil {
		return 0, err
	}
	target := o.Channel.URL
	if s.Kind == ucx.ChannelDingTalk && o.Channel.Secret != "" {
		u, err := url.Parse(target)
		if err != nil {
			return 0, errors.New("the URL cannot be used")
		}
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(now.UnixMilli(), 10))
		q.Set("sign", DingTalkSign(o.Channel.Secret, now))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	status, answer, err := post(ctx, s.Client, target, body, nil)
	if err != nil {
		return status, err
	}
	if status < 200 || status > 299 {
		return status, statusError(status, answer)
	}
	var r struct {
		ErrCode    *int   `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
	}
	if err := json.Unmarshal(answer, &r); err != nil {
		return status, fmt.Errorf("the bot's answer is not its JSON: %s", snippet(answer))
	}
	switch {
	case r.ErrCode != nil && *r.ErrCode != 0:
		return status, fmt.Errorf("the bot refused: errcode %d %s", *r.ErrCode, r.ErrMsg)
	case r.Code != nil && *r.Code != 0:
		return status, fmt.Errorf("the bot refused: code %d %s", *r.Code, r.Msg)
	case r.StatusCode != nil && *r.StatusCode != 0:
		return status, fmt.Errorf("the bot refused: StatusCode %d", *r.StatusCode)
	case r.ErrCode == nil && r.Code == nil && r.StatusCode == nil:
		return status, fmt.Errorf("the bot's answer has no result code: %s", snippet(answer))
	}
	return status, nil
}

// Senders returns the senders of every HTTP channel sharing one client.
func Senders(o HTTPOptions) map[ucx.ChannelKind]Sender {
	c := NewHTTPClient(o)
	return map[ucx.ChannelKind]Sender{
		ucx.ChannelWebhook:  &Webhook{Client: c},
		ucx.ChannelWeCom:    &Bot{Kind: ucx.ChannelWeCom, Client: c},
		ucx.ChannelDingTalk: &Bot{Kind: ucx.ChannelDingTalk, Client: c},
		ucx.ChannelFeishu:   &Bot{Kind: ucx.ChannelFeishu, Client: c},
	}
}
