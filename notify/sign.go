package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed webhook (docs/notifications.md, "Verifying a
// webhook").
const (
	HeaderTimestamp = "X-UCX-Timestamp" // unix seconds when the request was signed
	HeaderSignature = "X-UCX-Signature" // "v1=" and the hex HMAC-SHA256 of timestamp "." body
	HeaderEvent     = "X-UCX-Event"     // the event, e.g. request.received
	HeaderDelivery  = "X-UCX-Delivery"  // the delivery's id: the same on every retry and replay, for receivers to drop repeats
)

// ReplayWindow is how far a webhook's timestamp may be from the receiver's
// clock, either way, for Verify to accept it: a captured request cannot be
// replayed later than this.
const ReplayWindow = 5 * time.Minute

// Sign is the X-UCX-Signature value of body signed at ts with secret:
// "v1=" and the hex HMAC-SHA256, keyed by the secret, of the decimal unix
// seconds, a full stop, and the body's bytes.
func Sign(secret string, ts time.Time, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("the request carries no X-UCX-Timestamp or no v1 X-UCX-Signature")
	ErrBadSignature = errors.New("the signature does not match the body and timestamp: not signed with this secret, or changed on the way")
	ErrStale        = errors.New("the timestamp is outside the replay window: an old request replayed, or a clock far off")
)

// Verify checks a webhook as its receiver should: the timestamp header is
// within window of now (ReplayWindow when window is 0) and one of the
// signature header's v1 values is the HMAC of timestamp "." body under
// secret, compared in constant time. Several v1 values may be present
// (while a secret is rotated, say); one must match.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, window time.Duration) error {
	if window <= 0 {
		window = ReplayWindow
	}
	if timestamp == "" || signature == "" {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return ErrStale
	}
	want := mac(secret, timestamp, body)
	found := false
	for _, part := range strings.Split(signature, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		found = true
		got, err := hex.DecodeString(v)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	if !found {
		return ErrNoSignature
	}
	return ErrBadSignature
}

// DingTalkSign is the sign query parameter of a DingTalk bot with a
// signing secret: the base64 HMAC-SHA256, keyed by the secret, of the
// millisecond timestamp, a line feed and the secret (URL-escaping is the
// caller's).
func DingTalkSign(secret string, ts time.Time) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.UnixMilli(), 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FeishuSign is the sign field of a Feishu (Lark) bot message with a
// signing secret: the base64 HMAC-SHA256 of nothing, keyed by the unix
// seconds, a line feed and the secret, as Feishu documents it.
func FeishuSign(secret string, ts time.Time) string {
	m := hmac.New(sha256.New, []byte(strconv.FormatInt(ts.Unix(), 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
