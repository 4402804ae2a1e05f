package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
)

func outgoing(kind ucx.ChannelKind, target, secret, lang string) *ucx.Outgoing {
	n := &ucx.Notification{ID: 9, OrgID: 4, Event: ucx.NotifyRequestReceived, At: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC),
		Entity: "confirmation_request", EntityID: 7, ApplicationID: 3,
		Facts: map[string]string{"vin": "LM1ABCDE0S1000001", "exporter": "广州华运", "brand": "Testa", "model": "T1", "destination": "RU"}}
	return &ucx.Outgoing{Delivery: &ucx.Delivery{ID: 42, Attempts: 1}, Notification: n, Tries: 1,
		Channel: &ucx.Channel{ID: 1, OrgID: 4, Kind: kind, URL: target, Secret: secret, Lang: lang, Enabled: true}}
}

// TestVerify_RoundTripAndRefusals: what Sign makes, Verify accepts within
// the replay window; a changed body, another secret, a timestamp outside
// the window either way, and a missing header are refused.
func TestVerify_RoundTripAndRefusals(t *testing.T) {
	now := time.Unix(1773100000, 0)
	body := []byte(`{"event":"request.received"}`)
	sig := Sign("s3cret", now, body)
	ts := "1773100000"
	if !strings.HasPrefix(sig, "v1=") || len(sig) != 3+64 {
		t.Fatalf("signature %q", sig)
	}
	cases := []struct {
		name           string
		secret, ts, sg string
		body           []byte
		at             time.Time
		want           error
	}{
		{"valid", "s3cret", ts, sig, body, now, nil},
		{"valid 4 min later", "s3cret", ts, sig, body, now.Add(4 * time.Minute), nil},
		{"valid among several", "s3cret", ts, "v1=00ff, " + sig, body, now, nil},
		{"body changed", "s3cret", ts, sig, []byte(`{"event":"licence.issued"}`), now, ErrBadSignature},
		{"other secret", "other", ts, sig, body, now, ErrBadSignature},
		{"replayed after 6 min", "s3cret", ts, sig, body, now.Add(6 * time.Minute), ErrStale},
		{"from 6 min ahead", "s3cret", ts, sig, body, now.Add(-6 * time.Minute), ErrStale},
		{"timestamp changed", "s3cret", "1773100001", sig, body, now, ErrBadSignature},
		{"no signature", "s3cret", ts, "", body, now, ErrNoSignature},
		{"no v1", "s3cret", ts, "v0=abc", body, now, ErrNoSignature},
		{"no timestamp", "s3cret", "", sig, body, now, ErrNoSignature},
	}
	for _, c := range cases {
		if got := Verify(c.secret, c.ts, c.sg, c.body, c.at, 0); !errors.Is(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWebhook_PostsSignedJSONTheReceiverVerifies: the body carries the
// facts and the message in the channel's languages, and the headers
// verify with the channel's secret.
func TestWebhook_PostsSignedJSONTheReceiverVerifies(t *testing.T) {
	var got WebhookBody
	var verr error
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		header = r.Header
		verr = Verify("sec", r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), b, time.Now(), 0)
		json.Unmarshal(b, &got)
	}))
	defer srv.Close()
	s := &Webhook{Client: NewHTTPClient(HTTPOptions{AllowPrivate: true})}
	status, err := s.Send(context.Background(), outgoing(ucx.ChannelWebhook, srv.URL, "sec", ucx.LangBoth))
	if err != nil || status != 200 {
		t.Fatalf("Send: %d, %v", status, err)
	}
	if verr != nil {
		t.Fatalf("the receiver's verification: %v", verr)
	}
	if header.Get(HeaderDelivery) != "42" || header.Get(HeaderEvent) != "request.received" {
		t.Errorf("headers %v", header)
	}
	if got.Delivery != 42 || got.Event != ucx.NotifyRequestReceived || got.Facts["vin"] != "LM1ABCDE0S1000001" ||
		!strings.Contains(got.Text["zh"], "确认书") || !strings.Contains(got.Text["en"], "Letter requested") {
		t.Errorf("body %+v", got)
	}
	if _, err := s.Send(context.Background(), outgoing(ucx.ChannelWebhook, srv.URL, "", ucx.LangBoth)); err == nil {
		t.Error("a webhook without a secret was sent unsigned")
	}
}

// TestBots_BodiesInTheirDocumentedShapes: WeCom and DingTalk get
// {"msgtype":"text","text":{"content":…}}, Feishu
// {"msg_type":"text","content":{"text":…}}; DingTalk signs in the query
// and Feishu in the body when a secret is set; an HTTP 200 whose body
// carries an error code is a failure.
func TestBots_BodiesInTheirDocumentedShapes(t *testing.T) {
	type seen struct {
		body  map[string]any
		query url.Values
	}
	var last seen
	answer := `{"errcode":0,"errmsg":"ok"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last = seen{query: r.URL.Query()}
		if err := json.Unmarshal(b, &last.body); err != nil {
			t.Errorf("not JSON: %s", b)
		}
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	c := NewHTTPClient(HTTPOptions{AllowPrivate: true})
	now := time.Unix(1773100000, 0)
	send := func(kind ucx.ChannelKind, secret string) error {
		_, err := (&Bot{Kind: kind, Client: c, Now: func() time.Time { return now }}).Send(context.Background(),
			outgoing(kind, srv.URL+"/send?key=abc", secret, ucx.LangZH))
		return err
	}
	if err := send(ucx.ChannelWeCom, ""); err != nil {
		t.Fatal(err)
	}
	text, _ := last.body["text"].(map[string]any)
	if last.body["msgtype"] != "text" || !strings.Contains(text["content"].(string), "LM1ABCDE0S1000001") || len(last.body) != 2 {
		t.Errorf("WeCom body %v", last.body)
	}
	if err := send(ucx.ChannelDingTalk, "SECxyz"); err != nil {
		t.Fatal(err)
	}
	text, _ = last.body["text"].(map[string]any)
	if last.body["msgtype"] != "text" || text["content"] == "" || last.query.Get("key") != "abc" ||
		last.query.Get("timestamp") != "1773100000000" || last.query.Get("sign") != DingTalkSign("SECxyz", now) {
		t.Errorf("DingTalk body %v query %v", last.body, last.query)
	}
	answer = `{"code":0,"msg":"success"}`
	if err := send(ucx.ChannelFeishu, "fsec"); err != nil {
		t.Fatal(err)
	}
	content, _ := last.body["content"].(map[string]any)
	if last.body["msg_type"] != "text" || content["text"] == "" || last.body["timestamp"] != "1773100000" || last.body["sign"] != FeishuSign("fsec", now) {
		t.Errorf("Feishu body %v", last.body)
	}
	if err := send(ucx.ChannelFeishu, ""); err != nil || last.body["sign"] != nil {
		t.Errorf("Feishu without a secret: %v, body %v", err, last.body)
	}
	answer = `{"code":19021,"msg":"sign match fail"}`
	if err := send(ucx.ChannelFeishu, "fsec"); err == nil || !strings.Contains(err.Error(), "19021") {
		t.Errorf("a Feishu refusal with HTTP 200: %v", err)
	}
	answer = `{"errcode":93000,"errmsg":"invalid webhook url"}`
	if err := send(ucx.ChannelWeCom, ""); err == nil || !strings.Contains(err.Error(), "93000") {
		t.Errorf("a WeCom refusal with HTTP 200: %v", err)
	}
	answer = `<html>proxy</html>`
	if err := send(ucx.ChannelDingTalk, ""); err == nil {
		t.Error("an answer that is not the bot's JSON was taken as delivered")
	}
}

// TestBotSigns_MatchTheDocumentedAlgorithms pins both signatures to
// values computed apart (Python's hmac, as both platforms' documentation
// shows it): Feishu keys HMAC-SHA256 by timestamp "\n" secret over
// nothing; DingTalk keys it by the secret over the millisecond timestamp
// "\n" secret; both base64.
func TestBotSigns_MatchTheDocumentedAlgorithms(t *testing.T) {
	at := time.Unix(1599360473, 0)
	if got, want := FeishuSign("demo", at), "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="; got != want {
		t.Errorf("FeishuSign = %q, want %q", got, want)
	}
	if got, want := DingTalkSign("demo", at), "eblRZvilBzXa6Ce18IeBM4pMy1rYNWKicaCg6VMwQe0="; got != want {
		t.Errorf("DingTalkSign = %q, want %q", got, want)
	}
}

// TestHTTPClient_SSRF: without AllowPrivate the client refuses loopback
// (and any non-public) addresses after resolution; redirects to another
// host are not followed; a huge answer is read only up to the cap.
func TestHTTPClient_SSRF(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, "http://example.invalid/x", http.StatusTemporaryRedirect)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 4*MaxResponseBytes)))
		default:
			w.WriteHeader(204)
		}
	}))
	defer srv.Close()
	strict := NewHTTPClient(HTTPOptions{})
	if _, _, err := post(context.Background(), strict, srv.URL, []byte("{}"), nil); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("posting to loopback without AllowPrivate: %v, want ErrPrivateAddress", err)
	}
	local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, _, err := post(context.Background(), strict, local, []byte("{}"), nil); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("posting to localhost by name: %v, want ErrPrivateAddress", err)
	}
	open := NewHTTPClient(HTTPOptions{AllowPrivate: true})
	if _, _, err := post(context.Background(), open, srv.URL+"/away", []byte("{}"), nil); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("a redirect to another host: %v", err)
	}
	status, b, err := post(context.Background(), open, srv.URL+"/big", []byte("{}"), nil)
	if err != nil || status != 200 || len(b) != MaxResponseBytes {
		t.Errorf("a big answer: %d, %d bytes, %v; want capped at %d", status, len(b), err, MaxResponseBytes)
	}
	for _, a := range []string{"10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1", "0.0.0.0", "::ffff:127.0.0.1"} {
		if PublicAddr(netip.MustParseAddr(a)) {
			t.Errorf("%s counts as public", a)
		}
	}
	for _, a := range []string{"1.1.1.1", "2400:3200::1", "47.95.0.1"} {
		if !PublicAddr(netip.MustParseAddr(a)) {
			t.Errorf("%s counts as not public", a)
		}
	}
}

// TestBackoff_GrowsWithJitterUpToTheCap.
func TestBackoff_GrowsWithJitterUpToTheCap(t *testing.T) {
	w := &Worker{BaseDelay: time.Second, MaxDelay: time.Minute}
	for tries, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 7: time.Minute, 60: time.Minute} {
		for i := 0; i < 20; i++ {
			d := w.Backoff(tries)
			if d < full/2 || d > full {
				t.Errorf("Backoff(%d) = %s, want within [%s, %s]", tries, d, full/2, full)
			}
		}
	}
	w.Rand = func() float64 { return 0 }
	if d := w.Backoff(3); d != 2*time.Second {
		t.Errorf("Backoff(3) with no jitter = %s", d)
	}
}
