package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

// SMTP security modes.
const (
	SMTPStartTLS = "starttls" // plain connection upgraded with STARTTLS, which the server must offer (port 587)
	SMTPTLS      = "tls"      // TLS from the first byte (port 465)
	SMTPNone     = "none"     // no TLS: only for a relay on the same machine or network
)

// SMTPConfig is the deployment's mail server (`ucx serve --smtp-…`).
type SMTPConfig struct {
	Host string
	Port int
	// From is the envelope sender and From header, e.g.
	// "ucx 通知 <notify@ucx.example.cn>".
	From string
	// Username and Password authenticate with PLAIN, only over TLS (or
	// to localhost), as net/smtp insists.
	Username, Password string
	// Security is starttls (the default), tls or none.
	Security string
	// RootCAs, when set, replaces the system's roots (tests; a private CA).
	RootCAs *x509.CertPool
	// Timeout bounds one message's whole exchange.
	Timeout time.Duration
	// HelloName is the name sent in EHLO (default localhost).
	HelloName string
}

// Check reports what is wrong with the settings, naming the flag.
func (c *SMTPConfig) Check() error {
	switch {
	case c.Host == "":
		return errors.New("--smtp-host is required")
	case c.Port <= 0 || c.Port > 65535:
		return errors.New("--smtp-port must be 1–65535")
	case c.From == "":
		return errors.New("--smtp-from is required")
	}
	if _, err := parseFrom(c.From); err != nil {
		return fmt.Errorf("--smtp-from: %w", err)
	}
	switch c.Security {
	case "", SMTPStartTLS, SMTPTLS, SMTPNone:
	default:
		return errors.New("--smtp-security must be starttls, tls or none")
	}
	return nil
}

func parseFrom(s string) (string, error) {
	addr, err := mailAddress(s)
	if err != nil {
		return "", errors.New("not an e-mail address")
	}
	return addr, nil
}

// Email sends a notification as a plain-text, UTF-8 e-mail to the
// channel's addresses, subject and body in the channel's languages.
type Email struct {
	Config SMTPConfig
	Now    func() time.Time
}

// Send implements Sender. The status is the server's last reply code (250
// when it took the message).
func (s *Email) Send(ctx context.Context, o *ucx.Outgoing) (int, error) {
	c := s.Config
	timeout := orDuration(c.Timeout, 30*time.Second)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	from, err := parseFrom(c.From)
	if err != nil {
		return 0, err
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	d := &net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	tlsConf := &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
	if c.Security == SMTPTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return 0, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return smtpCode(err), err
	}
	defer cl.Close()
	hello := c.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return smtpCode(err), err
	}
	if c.Security == "" || c.Security == SMTPStartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return 0, errors.New("the SMTP server does not offer STARTTLS; use --smtp-security tls or, for a relay on this machine, none")
		}
		if err := cl.StartTLS(tlsConf); err != nil {
			return smtpCode(err), err
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return smtpCode(err), err
		}
	}
	if err := cl.Mail(from); err != nil {
		return smtpCode(err), err
	}
	for _, to := range o.Channel.To {
		if err := cl.Rcpt(to); err != nil {
			return smtpCode(err), fmt.Errorf("recipient %s: %w", to, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return smtpCode(err), err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if _, err := w.Write(message(c.From, from, o, now)); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return smtpCode(err), err
	}
	cl.Quit()
	return 250, nil
}

// message is the RFC 5322 message: headers in ASCII (the subject
// RFC 2047-encoded), the body base64 UTF-8 text.
func message(fromHeader, from string, o *ucx.Outgoing, now time.Time) []byte {
	n := o.Notification
	id := make([]byte, 8)
	rand.Read(id)
	domain := from[strings.LastIndexByte(from, '@')+1:]
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", encodeAddress(fromHeader))
	h("To", strings.Join(o.Channel.To, ", "))
	h("Subject", mime.BEncoding.Encode("utf-8", ucx.NotificationSubject(n, o.Channel.Lang)))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<ucx."+strconv.FormatInt(o.Delivery.ID, 10)+"."+hex.EncodeToString(id)+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "base64")
	h("X-UCX-Event", string(n.Event))
	h("X-UCX-Delivery", strconv.FormatInt(o.Delivery.ID, 10))
	b.WriteString("\r\n")
	text := ucx.NotificationText(n, o.Channel.Lang) + "\n"
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// encodeAddress encodes a From header whose display name is not ASCII.
func encodeAddress(s string) string {
	i := strings.LastIndexByte(s, '<')
	if i <= 0 {
		return s
	}
	name := strings.TrimSpace(s[:i])
	return mime.BEncoding.Encode("utf-8", strings.Trim(name, `"`)) + " " + s[i:]
}

// smtpCode is the reply code of an SMTP error, 0 for another error.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// mailAddress is the bare address of a "Name <addr>" or "addr" string.
func mailAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}
