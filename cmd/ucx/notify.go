package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sqlstore"
)

// newNotifyCmd is `ucx notify`: the in-app list, an organisation's
// channels and delivery log (its admins'), and, for operators, one pass
// of the delivery worker on the database.
func newNotifyCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "notifications: the in-app list, channels, the delivery log and its replay",
		Long: `Every member of an organisation reads its in-app notifications (list, read).
Its admins choose how the organisation hears of what happens — signed
webhooks, e-mail, WeCom/DingTalk/Feishu group bots, the in-app bell — and of
which events (channels, channel-add, channel-set, channel-rm), and read and
replay the delivery log (deliveries, delivery, replay). docs/notifications.md
describes the events, who hears each, and how to verify a webhook.

work runs the delivery worker once on the database (as every ucx serve does
continuously), for operators.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}
	org := func(ctx context.Context, c interface {
		Me(context.Context) (*ucx.Principal, error)
	}, id int64) (int64, error) {
		if id != 0 {
			return id, nil
		}
		me, err := c.Me(ctx)
		if err != nil {
			return 0, err
		}
		return me.OrgID, nil
	}

	var unread bool
	var limit int
	list := &cobra.Command{
		Use:   "list [--unread]",
		Short: "your organisation's in-app notifications, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			items, total, n, err := c.InApp(cmd.Context(), nil, ucx.InAppFilter{Unread: unread, Limit: limit})
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), map[string]any{"items": items, "total": total, "unread": n})
			}
			t := newTable(cmd.OutOrStdout(), "ID", "", "AT", "EVENT", "MESSAGE")
			for _, it := range items {
				mark := "•"
				if it.Read {
					mark = ""
				}
				t.row(id64(it.ID), mark, it.At.In(ucx.ChinaTime).Format("2006-01-02 15:04"), string(it.Event), ucx.NotificationText(&it.Notification, cliLang()))
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d of %d shown, %d unread\n", len(items), total, n)
			return nil
		},
	}
	list.Flags().BoolVar(&unread, "unread", false, "only those you have not read")
	list.Flags().IntVar(&limit, "limit", 50, "how many")

	var all bool
	read := &cobra.Command{
		Use:   "read ID… | --all",
		Short: "mark in-app notifications read (for you)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			if len(ids) == 0 && !all {
				return usageErr(fmt.Errorf("name the notifications, or --all"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			n, err := c.MarkRead(cmd.Context(), nil, ids, all)
			if err != nil {
				return clientErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d marked read\n", n)
			return nil
		},
	}
	read.Flags().BoolVar(&all, "all", false, "mark everything read")

	var orgID int64
	channels := &cobra.Command{
		Use:   "channels [--org ID]",
		Short: "your organisation's notification channels (admins)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			o, err := org(cmd.Context(), c, orgID)
			if err != nil {
				return clientErr(err)
			}
			cs, err := c.Channels(cmd.Context(), nil, o)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), cs)
			}
			t := newTable(cmd.OutOrStdout(), "ID", "KIND", "ON", "LANG", "TO", "EVENTS")
			for _, ch := range cs {
				to := ch.URL
				if len(ch.To) > 0 {
					to = strings.Join(ch.To, ",")
				}
				on := "yes"
				if !ch.Enabled {
					on = "no"
				}
				t.row(id64(ch.ID), string(ch.Kind), on, ch.Lang, redactURL(to), joinNotifyEvents(ch.Events))
			}
			return t.flush()
		},
	}
	channels.Flags().Int64Var(&orgID, "org", 0, "the organisation (default: your own)")

	var in ucx.ChannelInput
	var kind, name, target, to, secret, events string
	add := &cobra.Command{
		Use:   "channel-add --kind webhook|email|wecom|dingtalk|feishu|inapp [--url U | --to A,B] [--events E,…] [--lang zh|en|both]",
		Short: "add a notification channel; a webhook's signing secret is printed once",
		Example: `  ucx notify channel-add --kind webhook --url https://erp.example.cn/ucx/hook --events request.received
  ucx notify channel-add --kind dingtalk --url 'https://oapi.dingtalk.com/robot/send?access_token=…' --secret SEC… --lang zh
  ucx notify channel-add --kind email --to ops@example.cn,boss@example.cn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			in.Kind = ucx.ChannelKind(kind)
			setChannelFlags(cmd, &in, name, target, to, secret, events)
			o, err := org(cmd.Context(), c, orgID)
			if err != nil {
				return clientErr(err)
			}
			ch, err := c.CreateChannel(cmd.Context(), nil, o, &in)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), ch)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "channel %d (%s) added for %s\n", ch.ID, ch.Kind, joinNotifyEvents(ch.Events))
			if ch.Secret != "" {
				fmt.Fprintf(out, "signing secret (shown only now; keep it where your receiver verifies X-UCX-Signature):\n  %s\n", ch.Secret)
			}
			return nil
		},
	}
	af := add.Flags()
	af.StringVar(&kind, "kind", "", "webhook, email, wecom, dingtalk, feishu or inapp")
	for _, fs := range []*cobra.Command{add} {
		channelFlags(fs, &name, &target, &to, &secret, &events, &in)
	}
	af.Int64Var(&orgID, "org", 0, "the organisation (default: your own)")

	var enable, disable bool
	set := &cobra.Command{
		Use:   "channel-set ID [--events E,…] [--lang …] [--url U] [--to A,B] [--enable|--disable] [--rotate-secret]",
		Short: "change a channel (a rotated webhook secret is printed once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageErr(fmt.Errorf("%q is not a channel id", args[0]))
			}
			if enable && disable {
				return usageErr(fmt.Errorf("--enable or --disable, not both"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			setChannelFlags(cmd, &in, name, target, to, secret, events)
			if enable || disable {
				in.Enabled = &enable
			}
			o, err := org(cmd.Context(), c, 0)
			if err != nil {
				return clientErr(err)
			}
			ch, err := c.UpdateChannel(cmd.Context(), nil, o, id, 0, &in)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), ch)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "channel %d (%s) is version %d: enabled %v, %s\n", ch.ID, ch.Kind, ch.Version, ch.Enabled, joinNotifyEvents(ch.Events))
			if ch.Secret != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "new signing secret (shown only now):\n  %s\n", ch.Secret)
			}
			return nil
		},
	}
	channelFlags(set, &name, &target, &to, &secret, &events, &in)
	set.Flags().BoolVar(&enable, "enable", false, "send on it again")
	set.Flags().BoolVar(&disable, "disable", false, "stop sending on it (its pending deliveries are cancelled)")

	rm := &cobra.Command{
		Use:   "channel-rm ID",
		Short: "delete a channel (its pending deliveries are cancelled; the log is kept)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteChannel(cmd.Context(), nil, 0, ids[0]); err != nil {
				return clientErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "channel %d deleted\n", ids[0])
			return nil
		},
	}

	var state string
	var channel int64
	deliveries := &cobra.Command{
		Use:   "deliveries [--state dead] [--channel ID]",
		Short: "the delivery log, newest first (admins)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			o, err := org(cmd.Context(), c, orgID)
			if err != nil {
				return clientErr(err)
			}
			ds, total, err := c.Deliveries(cmd.Context(), nil, o, ucx.DeliveryFilter{State: state, ChannelID: channel, Limit: limit})
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), map[string]any{"items": ds, "total": total})
			}
			t := newTable(cmd.OutOrStdout(), "ID", "CHANNEL", "KIND", "EVENT", "STATE", "ATTEMPTS", "LAST")
			for _, d := range ds {
				last := d.LastError
				if last == "" && d.LastStatus != 0 {
					last = strconv.Itoa(d.LastStatus)
				}
				t.row(id64(d.ID), id64(d.ChannelID), string(d.Kind), string(d.Event), d.State, strconv.Itoa(d.Attempts), last)
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d of %d shown\n", len(ds), total)
			return nil
		},
	}
	deliveries.Flags().StringVar(&state, "state", "", "pending, delivering, delivered, dead or cancelled")
	deliveries.Flags().Int64Var(&channel, "channel", 0, "only this channel's")
	deliveries.Flags().IntVar(&limit, "limit", 50, "how many")
	deliveries.Flags().Int64Var(&orgID, "org", 0, "the organisation (default: your own)")

	delivery := &cobra.Command{
		Use:   "delivery ID",
		Short: "one delivery with every attempt: status, error, duration",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			d, err := c.Delivery(cmd.Context(), nil, 0, ids[0])
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), d)
			}
			out := cmd.OutOrStdout()
			fields(out, "delivery", id64(d.ID), "channel", id64(d.ChannelID)+" ("+string(d.Kind)+")", "event", string(d.Event), "state", d.State,
				"attempts", strconv.Itoa(d.Attempts))
			if d.Notification != nil {
				fmt.Fprintln(out, ucx.NotificationText(d.Notification, cliLang()))
			}
			t := newTable(out, "#", "AT", "OK", "STATUS", "MS", "WORKER", "ERROR")
			for _, a := range d.Log {
				ok := "no"
				if a.OK {
					ok = "yes"
				}
				t.row(strconv.Itoa(a.Attempt), a.At.In(ucx.ChinaTime).Format("2006-01-02 15:04:05"), ok, strconv.Itoa(a.Status),
					strconv.FormatFloat(a.DurationMS, 'f', 1, 64), a.Worker, a.Error)
			}
			return t.flush()
		},
	}

	replay := &cobra.Command{
		Use:   "replay ID…",
		Short: "send delivered, dead or cancelled deliveries again",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			failed := false
			for _, id := range ids {
				d, err := c.ReplayDelivery(cmd.Context(), nil, 0, id)
				if err != nil {
					if ucx.ErrorCode(err) == ucx.EUNAVAILABLE || ucx.ErrorCode(err) == ucx.EINTERNAL {
						return clientErr(err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "delivery %d: %s\n", id, ucx.ErrorMessage(err))
					failed = true
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "delivery %d: %s, due now\n", d.ID, d.State)
			}
			if failed {
				return &exitError{code: exitFound}
			}
			return nil
		},
	}

	cmd.AddCommand(list, read, channels, add, set, rm, deliveries, delivery, replay, newNotifyWorkCmd())
	return cmd
}

// channelFlags declares the flags channel-add and channel-set share.
func channelFlags(cmd *cobra.Command, name, target, to, secret, events *string, in *ucx.ChannelInput) {
	fl := cmd.Flags()
	fl.StringVar(name, "name", "", "a name to recognise it by")
	fl.StringVar(target, "url", "", "the webhook's or bot's URL (https://…)")
	fl.StringVar(to, "to", "", "e-mail addresses, comma-separated")
	fl.StringVar(secret, "secret", "", "a DingTalk or Feishu bot's signing secret")
	fl.StringVar(events, "events", "", "events, comma-separated (default: every event your organisation hears)")
	fl.StringVar(&in.Lang, "lang", "", "message language: zh, en or both (default both)")
	fl.BoolVar(&in.RotateSecret, "rotate-secret", false, "make a new webhook signing secret")
}

// setChannelFlags puts the flags given on in.
func setChannelFlags(cmd *cobra.Command, in *ucx.ChannelInput, name, target, to, secret, events string) {
	fl := cmd.Flags()
	if fl.Changed("name") {
		in.Name = &name
	}
	if fl.Changed("url") {
		in.URL = &target
	}
	if fl.Changed("to") {
		in.To = splitList(to)
	}
	if fl.Changed("secret") {
		in.Secret = &secret
	}
	if fl.Changed("events") {
		in.Events = []ucx.NotifyEvent{}
		for _, e := range splitList(events) {
			in.Events = append(in.Events, ucx.NotifyEvent(e))
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func parseIDs(args []string) ([]int64, error) {
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id < 1 {
			return nil, usageErr(fmt.Errorf("%q is not an id", a))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func joinNotifyEvents(es []ucx.NotifyEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

// redactURL hides a URL's query (a bot's access token) in tables.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i] + "?…"
	}
	return s
}

// cliLang is the language of messages printed: LANG starting zh prints
// Chinese, anything else English.
func cliLang() string {
	if l := os.Getenv("LANG"); strings.HasPrefix(l, "zh") {
		return ucx.LangZH
	}
	return ucx.LangEN
}

// newNotifyWorkCmd is `ucx notify work`: the delivery worker on the
// database, for operators (a stuck queue, a server that cannot run one).
func newNotifyWorkCmd() *cobra.Command {
	var m Main
	var once bool
	var env envParser
	cmd := &cobra.Command{
		Use:   "work [--once] --db DSN",
		Short: "deliver due notifications from the database (every ucx serve does this all the time)",
		Long: `work takes due deliveries from the outbox, as the worker of every ucx serve
does, and sends them; with --once it stops when nothing is due and prints how
many attempts it made. Several may run beside the servers: each delivery is
claimed by one worker at a time. It needs the servers' --kek-file (or
UCX_KEK) to open channel secrets stored under it, and their SMTP settings to
send e-mail.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := env.err(); err != nil {
				return usageErr(err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			m.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			db, err := sqlstore.Open(ctx, m.Config.DB)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			defer db.Close()
			m.DB = db
			if err := db.CheckSchema(ctx); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if err := m.openSealing(ctx); err != nil {
				return err
			}
			w, err := m.newNotifyWorker()
			if err != nil {
				return err
			}
			if !once {
				w.Run(ctx)
				return nil
			}
			start := time.Now()
			n, err := w.RunOnce(ctx)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d delivery attempts in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "stop when nothing is due")
	f.StringVar(&m.Config.DB, "db", envOr("UCX_DB", "ucx.db"), "SQLite file or postgres:// URL (UCX_DB)")
	f.StringVar(&m.Config.KEKFile, "kek-file", "", "the servers' key-encryption key file (else UCX_KEK)")
	addNotifyFlags(f, &m.Config.Notify, &env)
	return cmd
}
