package ucx

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// notifyTexts are each event's message, Chinese and English, with {fact}
// placeholders filled from Notification.Facts. A fact's "variant" picks a
// second form ("request.answered.refused"). A test checks that every event
// has both languages.
var notifyTexts = map[string][2]string{
	"request.received": {"确认书申请：{exporter} 请求为车辆 {vin}（{brand} {model}，目的国 {destination}）出具售后维修服务确认书（R1）。",
		"Letter requested: {exporter} asks for the after-sales service confirmation of {vin} ({brand} {model}, to {destination}) (R1)."},
	"request.answered": {"确认书已出具：{manufacturer} 已批准车辆 {vin} 的确认书申请（申请 #{application}）。",
		"Letter approved: {manufacturer} approved the confirmation of {vin} (application #{application})."},
	"request.answered.refused": {"确认书被拒绝：{manufacturer} 拒绝了车辆 {vin} 的确认书申请（申请 #{application}，{code}：{note}）。",
		"Letter refused: {manufacturer} refused the confirmation of {vin} (application #{application}, {code}: {note})."},
	"request.withdrawn": {"确认书申请已撤回：{exporter} 撤回了车辆 {vin} 的申请，无需再答复。",
		"Request withdrawn: {exporter} withdrew the application for {vin}; no answer is needed."},
	"application.review": {"待审核：{exporter} 的申请 #{application}（{vin}，目的国 {destination}）等待许可证审核。",
		"To review: application #{application} of {exporter} ({vin}, to {destination}) awaits the licence review."},
	"application.decided": {"确认书齐全：申请 #{application}（{vin}）已转入许可证审核。",
		"Letters complete: application #{application} ({vin}) is now under the licence review."},
	"application.decided.refused": {"申请被拒绝：制造商拒绝出具确认书，申请 #{application}（{vin}）被拒绝（{note}）。",
		"Application refused: the manufacturer refused the letter, so application #{application} ({vin}) is refused ({note})."},
	"licence.issued": {"许可证已签发：{licence}（申请 #{application}，{vin}，目的国 {destination}），有效期至 {valid_until}。",
		"Licence issued: {licence} (application #{application}, {vin}, to {destination}), valid until {valid_until}."},
	"licence.refused": {"许可证被拒绝：申请 #{application}（{vin}）：{note}。",
		"Licence refused: application #{application} ({vin}): {note}."},
	"clearance.recorded": {"已通关：许可证 {licence}（{vin}）已在 {port} 通关（报关单 {declaration}）；请于 {due} 前办理注销登记（R16）。",
		"Cleared: licence {licence} ({vin}) cleared customs at {port} (declaration {declaration}); deregister the vehicle by {due} (R16)."},
	"deregistration.overdue": {"注销逾期：许可证 {licence}（{vin}）通关后应于 {due} 前办理注销登记，至今未见记录（R16）。",
		"Deregistration overdue: licence {licence} ({vin}) was to be deregistered by {due} after clearance, and is not recorded as done (R16)."},
	"credit.recorded": {"信用记录：已记录信用事项 {code}（{note}）（R8）。",
		"Credit record: credit event {code} was recorded ({note}) (R8)."},
	"credit.recorded.annulled": {"信用记录已撤销：信用事项 {code} 已撤销（{note}）（R8）。",
		"Credit record annulled: credit event {code} was annulled ({note}) (R8)."},
	"standing.changed": {"信用状态变更：{before} → {after}（{note}）（R8）。",
		"Standing changed: {before} → {after} ({note}) (R8)."},
	"key.revoked": {"签章密钥已吊销：{key}（{note}）。此后用它加盖的签章验证不通过。",
		"Sealing key revoked: {key} ({note}). Seals made with it from now on fail verification."},
	"document.revoked": {"文件已吊销：{digest}（{note}）。",
		"Document revoked: {digest} ({note})."},
}

// NotificationText is the message of n in lang (zh, en or both: Chinese,
// then English), one line per language.
func NotificationText(n *Notification, lang string) string {
	switch lang {
	case LangZH:
		return notificationLine(n, 0)
	case LangEN:
		return notificationLine(n, 1)
	}
	return notificationLine(n, 0) + "\n" + notificationLine(n, 1)
}

// NotificationSubject is a short title for e-mail subjects: the event's
// words before the colon, in lang.
func NotificationSubject(n *Notification, lang string) string {
	title := func(i int) string {
		s := notificationLine(n, i)
		if j := strings.IndexAny(s, "：:"); j > 0 {
			s = s[:j]
		}
		return s
	}
	switch lang {
	case LangZH:
		return "[ucx] " + title(0)
	case LangEN:
		return "[ucx] " + title(1)
	}
	return "[ucx] " + title(0) + " / " + title(1)
}

func notificationLine(n *Notification, i int) string {
	key := string(n.Event)
	if v := n.Facts["variant"]; v != "" {
		if _, ok := notifyTexts[key+"."+v]; ok {
			key += "." + v
		}
	}
	t, ok := notifyTexts[key]
	if !ok {
		return string(n.Event)
	}
	s := t[i]
	var b strings.Builder
	for {
		j := strings.IndexByte(s, '{')
		if j < 0 {
			b.WriteString(s)
			break
		}
		k := strings.IndexByte(s[j:], '}')
		if k < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:j])
		v := n.Facts[s[j+1:j+k]]
		if v == "" {
			v = "—"
		}
		b.WriteString(v)
		s = s[j+k+1:]
	}
	return b.String()
}

// Limits of a channel's settings.
const (
	MaxChannelURL  = 2000
	MaxChannelName = 200
	MaxChannelTo   = 10
)

// CheckChannel checks a channel of an organisation of kind k before it is
// stored, naming the field at fault: a known kind; for the kinds that post
// over HTTP an absolute http or https URL with a host and no user name or
// password in it (the platform posts to it, so nothing else: docs/notifications.md,
// "SSRF"); for e-mail one to MaxChannelTo addresses; a known language; and
// events the organisation can hear.
func CheckChannel(c *Channel, k OrgKind) error {
	if !c.Kind.Valid() {
		return FieldErrorf(EINVALID, "kind", "the kind must be one of webhook, email, wecom, dingtalk, feishu, inapp")
	}
	if len(c.Name) > MaxChannelName {
		return FieldErrorf(EINVALID, "name", "the name is at most %d bytes", MaxChannelName)
	}
	switch c.Kind {
	case ChannelWebhook, ChannelWeCom, ChannelDingTalk, ChannelFeishu:
		if err := CheckWebhookURL(c.URL); err != nil {
			return err
		}
		if len(c.To) > 0 {
			return FieldErrorf(EINVALID, "to", "only an e-mail channel has addresses")
		}
	case ChannelEmail:
		if c.URL != "" {
			return FieldErrorf(EINVALID, "url", "an e-mail channel has addresses (to), not a URL")
		}
		if len(c.To) == 0 || len(c.To) > MaxChannelTo {
			return FieldErrorf(EINVALID, "to", "give 1 to %d e-mail addresses", MaxChannelTo)
		}
		for i, a := range c.To {
			addr, err := mail.ParseAddress(a)
			if err != nil || addr.Address != a || strings.ContainsAny(a, "\r\n") {
				return FieldErrorf(EINVALID, fmt.Sprintf("to[%d]", i), "%q is not an e-mail address (name@example.cn)", a)
			}
		}
	case ChannelInApp:
		if c.URL != "" || len(c.To) > 0 {
			return FieldErrorf(EINVALID, "url", "the in-app channel has neither URL nor addresses")
		}
	}
	switch c.Lang {
	case LangZH, LangEN, LangBoth:
	default:
		return FieldErrorf(EINVALID, "lang", "the language must be zh, en or both")
	}
	allowed := EventsFor(k)
	for i, e := range c.Events {
		ok := false
		for _, a := range allowed {
			ok = ok || a == e
		}
		if !ok {
			return FieldErrorf(EINVALID, fmt.Sprintf("events[%d]", i), "an organisation of kind %s does not hear %q; it hears %s", k, e, joinEvents(allowed))
		}
	}
	return nil
}

func joinEvents(es []NotifyEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

// CheckWebhookURL checks a URL the platform is to post notifications to:
// absolute, http or https, with a host, without user information or a
// fragment, at most MaxChannelURL bytes. Where it may point (no private
// addresses) is checked again when connecting, by the sender.
func CheckWebhookURL(raw string) error {
	if raw == "" {
		return FieldErrorf(EINVALID, "url", "the URL is required (https://…)")
	}
	if len(raw) > MaxChannelURL {
		return FieldErrorf(EINVALID, "url", "the URL is at most %d bytes", MaxChannelURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return FieldErrorf(EINVALID, "url", "the URL cannot be read: give an absolute https:// URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return FieldErrorf(EINVALID, "url", "the URL must start with https:// (or http://)")
	case u.Host == "" || u.Hostname() == "":
		return FieldErrorf(EINVALID, "url", "the URL must name a host")
	case u.User != nil:
		return FieldErrorf(EINVALID, "url", "the URL must not carry a user name or password")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return FieldErrorf(EINVALID, "url", "the URL must not have a #fragment")
	}
	return nil
}
