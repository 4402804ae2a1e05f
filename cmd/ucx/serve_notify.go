package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/notify"
)

// NotifyConfig is how `ucx serve` delivers notifications: the
// deployment's SMTP server (e-mail channels work only with --smtp-host),
// whether webhooks may reach non-public addresses, and the attempts a
// delivery gets before it is dead.
type NotifyConfig struct {
	SMTP             notify.SMTPConfig
	SMTPPasswordFile string
	AllowPrivate     bool
	MaxAttempts      int
}

// addNotifyFlags declares the notification settings of `ucx serve`.
func addNotifyFlags(f *pflag.FlagSet, c *NotifyConfig, env *envParser) {
	f.StringVar(&c.SMTP.Host, "smtp-host", envOr("UCX_SMTP_HOST", ""), "SMTP server e-mail notifications are sent through, e.g. smtp.example.cn (UCX_SMTP_HOST; default: none, e-mail channels fail)")
	f.IntVar(&c.SMTP.Port, "smtp-port", env.int("UCX_SMTP_PORT", 587), "the SMTP server's port (UCX_SMTP_PORT)")
	f.StringVar(&c.SMTP.From, "smtp-from", envOr("UCX_SMTP_FROM", ""), "the sender of notification e-mails, e.g. \"ucx <notify@ucx.example.cn>\" (UCX_SMTP_FROM)")
	f.StringVar(&c.SMTP.Username, "smtp-username", envOr("UCX_SMTP_USERNAME", ""), "user name for SMTP AUTH PLAIN, only over TLS (UCX_SMTP_USERNAME; default: no authentication)")
	f.StringVar(&c.SMTPPasswordFile, "smtp-password-file", envOr("UCX_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password (UCX_SMTP_PASSWORD_FILE; else the password itself in UCX_SMTP_PASSWORD)")
	c.SMTP.Password = os.Getenv("UCX_SMTP_PASSWORD")
	f.StringVar(&c.SMTP.Security, "smtp-security", envOr("UCX_SMTP_SECURITY", notify.SMTPStartTLS), "starttls (required), tls (from the first byte, port 465) or none (a relay on this machine) (UCX_SMTP_SECURITY)")
	f.BoolVar(&c.AllowPrivate, "notify-allow-private", env.bool("UCX_NOTIFY_ALLOW_PRIVATE", false), "let webhooks and bots be posted to loopback and private addresses (UCX_NOTIFY_ALLOW_PRIVATE; default: public addresses only, against SSRF)")
	f.IntVar(&c.MaxAttempts, "notify-max-attempts", env.int("UCX_NOTIFY_MAX_ATTEMPTS", notify.DefaultMaxAttempts), "attempts a notification delivery gets, with exponential backoff, before it is dead (UCX_NOTIFY_MAX_ATTEMPTS)")
}

// bool reads a boolean variable (true/false, 1/0).
func (e *envParser) bool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, err)
		return def
	}
	return b
}

// notifySenders returns the senders the configuration allows: every
// HTTP channel, and e-mail when an SMTP server is set.
func notifySenders(c NotifyConfig) (map[ucx.ChannelKind]notify.Sender, error) {
	s := notify.Senders(notify.HTTPOptions{AllowPrivate: c.AllowPrivate})
	if c.SMTP.Host == "" {
		return s, nil
	}
	if c.SMTPPasswordFile != "" {
		pw, err := readSecretFile(c.SMTPPasswordFile)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--smtp-password-file: %w", err))
		}
		c.SMTP.Password = pw
	}
	if err := c.SMTP.Check(); err != nil {
		return nil, usageErr(err)
	}
	if c.SMTP.Username != "" && c.SMTP.Password == "" {
		return nil, usageErr(errors.New("--smtp-username needs a password: --smtp-password-file or UCX_SMTP_PASSWORD"))
	}
	s[ucx.ChannelEmail] = &notify.Email{Config: c.SMTP}
	return s, nil
}

// newNotifyWorker is the delivery worker of this configuration on the
// server's store.
func (m *Main) newNotifyWorker() (*notify.Worker, error) {
	senders, err := notifySenders(m.Config.Notify)
	if err != nil {
		return nil, err
	}
	return &notify.Worker{Queue: m.DB, Senders: senders, MaxAttempts: m.Config.Notify.MaxAttempts, Logger: m.Logger}, nil
}

// startNotify runs the delivery worker until ctx ends; Close waits for it.
func (m *Main) startNotify(ctx context.Context) error {
	w, err := m.newNotifyWorker()
	if err != nil {
		return err
	}
	m.notifyDone = make(chan struct{})
	go func() {
		defer close(m.notifyDone)
		w.Run(ctx)
	}()
	if strings.TrimSpace(m.Config.Notify.SMTP.Host) == "" {
		m.Logger.Info("no SMTP server (--smtp-host): e-mail notification channels fail until one is set")
	}
	return nil
}
