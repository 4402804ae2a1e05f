package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ucxdev/ucx"
)

// smtpServer is an SMTP server started by the test (go-smtp), which
// keeps each message it takes and who sent it.
type smtpServer struct {
	mu       sync.Mutex
	messages []received
	user     string
	addr     string
	pool     *x509.CertPool
}

type received struct {
	from string
	to   []string
	data []byte
	auth string
	tls  bool
}

type smtpSession struct {
	s    *smtpServer
	conn *smtp.Conn
	msg  received
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "ucx" || password != "smtp-pass" {
			return errors.New("bad credentials")
		}
		ss.msg.auth = username
		return nil
	}), nil
}
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.msg.auth == "" {
		return &smtp.SMTPError{Code: 530, Message: "authenticate first"}
	}
	ss.msg.from = from
	return nil
}
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@refused.example") {
		return &smtp.SMTPError{Code: 550, Message: "no such user"}
	}
	ss.msg.to = append(ss.msg.to, to)
	return nil
}
func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.msg.data = b
	_, ss.msg.tls = ss.conn.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.messages = append(ss.s.messages, ss.msg)
	ss.s.mu.Unlock()
	return nil
}
func (ss *smtpSession) Reset()        { ss.msg = received{auth: ss.msg.auth} }
func (ss *smtpSession) Logout() error { return nil }

// startSMTP starts the server on a loopback port, with STARTTLS under a
// certificate of its own when tlsOn, requiring AUTH PLAIN when user is set.
func startSMTP(t *testing.T, tlsOn bool, user string) *smtpServer {
	s := &smtpServer{user: user}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.AllowInsecureAuth = !tlsOn
	if tlsOn {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.pool = pool
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestEmail_DeliveredToTheTestSMTPServer: a notification is sent as a
// UTF-8 e-mail, over STARTTLS with AUTH PLAIN and over a plain local
// relay; the server receives it from the configured sender for the
// channel's addresses, subject and body in the channel's languages; a
// refused recipient and a server without STARTTLS fail with the reply
// code or the reason.
func TestEmail_DeliveredToTheTestSMTPServer(t *testing.T) {
	for _, c := range []struct {
		name     string
		tls      bool
		user     string
		security string
	}{
		{"starttls with auth", true, "ucx", SMTPStartTLS},
		{"local relay", false, "", SMTPNone},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startSMTP(t, c.tls, c.user)
			host, port, _ := net.SplitHostPort(srv.addr)
			p, _ := strconv.Atoi(port)
			cfg := SMTPConfig{Host: host, Port: p, From: "ucx 通知 <notify@ucx.example.cn>", Security: c.security, RootCAs: srv.pool, Timeout: 5 * time.Second}
			if c.user != "" {
				cfg.Username, cfg.Password = "ucx", "smtp-pass"
			}
			if err := cfg.Check(); err != nil {
				t.Fatal(err)
			}
			o := outgoing(ucx.ChannelEmail, "", "", ucx.LangBoth)
			o.Channel.To = []string{"ops@maker.example.cn", "boss@maker.example.cn"}
			status, err := (&Email{Config: cfg}).Send(context.Background(), o)
			if err != nil || status != 250 {
				t.Fatalf("Send: %d, %v", status, err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.messages) != 1 {
				t.Fatalf("the server received %d messages", len(srv.messages))
			}
			m := srv.messages[0]
			if m.from != "notify@ucx.example.cn" || strings.Join(m.to, ",") != "ops@maker.example.cn,boss@maker.example.cn" || m.tls != c.tls || m.auth != c.user {
				t.Errorf("envelope from %q to %v, tls %v, auth %q", m.from, m.to, m.tls, m.auth)
			}
			msg, err := mail.ReadMessage(strings.NewReader(string(m.data)))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil || !strings.Contains(subject, "确认书申请") || !strings.Contains(subject, "Letter requested") {
				t.Errorf("subject %q (%v)", subject, err)
			}
			body, _ := io.ReadAll(msg.Body)
			text := decodeBase64Lines(t, string(body))
			if !strings.Contains(text, "LM1ABCDE0S1000001") || !strings.Contains(text, "广州华运") || !strings.Contains(text, "after-sales service confirmation") {
				t.Errorf("body %q", text)
			}
			if msg.Header.Get("X-UCX-Delivery") != "42" || !strings.Contains(msg.Header.Get("Content-Type"), "utf-8") {
				t.Errorf("headers %v", msg.Header)
			}
			from, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("From"))
			if !strings.Contains(from, "ucx 通知") {
				t.Errorf("From %q", from)
			}
		})
	}
	t.Run("refusals", func(t *testing.T) {
		srv := startSMTP(t, false, "")
		host, port, _ := net.SplitHostPort(srv.addr)
		p, _ := strconv.Atoi(port)
		o := outgoing(ucx.ChannelEmail, "", "", ucx.LangZH)
		o.Channel.To = []string{"nobody@refused.example"}
		status, err := (&Email{Config: SMTPConfig{Host: host, Port: p, From: "notify@ucx.example.cn", Security: SMTPNone}}).Send(context.Background(), o)
		if err == nil || status != 550 {
			t.Errorf("a refused recipient: %d, %v; want 550", status, err)
		}
		o.Channel.To = []string{"ops@maker.example.cn"}
		_, err = (&Email{Config: SMTPConfig{Host: host, Port: p, From: "notify@ucx.example.cn", Security: SMTPStartTLS}}).Send(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("STARTTLS required of a server without it: %v", err)
		}
		if len(srv.messages) != 0 {
			t.Errorf("messages taken: %d", len(srv.messages))
		}
	})
	for _, bad := range []SMTPConfig{{}, {Host: "h", Port: 0, From: "a@b.cn"}, {Host: "h", Port: 25, From: "not an address"}, {Host: "h", Port: 25, From: "a@b.cn", Security: "ssl"}} {
		if bad.Check() == nil {
			t.Errorf("%+v passes Check", bad)
		}
	}
}

func decodeBase64Lines(t *testing.T, s string) string {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	return string(out)
}
