package sqlstore

// Notifications as people see them (ucx.NotificationService): the in-app
// list and its read marks, for every member of an organisation; the
// channels and the delivery log, for its admins only.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"

	"github.com/ucxdev/ucx"
)

var _ ucx.NotificationService = (*DB)(nil)

// Audit actions of the notification settings: each in the organisation's
// trail (entity org), since a channel decides where the organisation's
// business is sent.
const (
	actChannelCreate  = "notify.channel_create"
	actChannelUpdate  = "notify.channel_update"
	actChannelDelete  = "notify.channel_delete"
	actDeliveryReplay = "notify.replay"
)

// maxReadIDs is how many items one MarkRead call may name.
const maxReadIDs = 1000

// mustNotifyAdmin lets only orgID's own admins at its settings and log:
// another organisation's are ENOTFOUND (whether it has any does not
// leak), a member or viewer of the organisation EFORBIDDEN.
func mustNotifyAdmin(p *ucx.Principal, orgID int64) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if p.OrgID != orgID {
		return ucx.Errorf(ucx.ENOTFOUND, "organisation %d has no notification settings you can see", orgID)
	}
	if p.Role != ucx.RoleAdmin {
		return ucx.Errorf(ucx.EFORBIDDEN, "only the organisation's admins choose its notification channels and read their delivery log")
	}
	return nil
}

const channelColumns = "id, org_id, kind, name, url, email_to, secret, lang, events, enabled, version, created_at"

func scanChannel(sc interface{ Scan(...any) error }) (*ucx.Channel, string, error) {
	var c ucx.Channel
	var kind, to, secret, events string
	var enabled int
	var created int64
	if err := sc.Scan(&c.ID, &c.OrgID, &kind, &c.Name, &c.URL, &to, &secret, &c.Lang, &events, &enabled, &c.Version, &created); err != nil {
		return nil, "", err
	}
	c.Kind, c.To, c.Enabled, c.HasSecret, c.CreatedAt = ucx.ChannelKind(kind), splitTo(to), enabled == 1, secret != "", fromMicros(created)
	c.Events = []ucx.NotifyEvent{}
	for _, e := range strings.Fields(events) {
		c.Events = append(c.Events, ucx.NotifyEvent(e))
	}
	return &c, secret, nil
}

func (tx *Tx) channel(ctx context.Context, orgID, id int64) (*ucx.Channel, string, error) {
	c, secret, err := scanChannel(tx.QueryRow(ctx, "SELECT "+channelColumns+" FROM notify_channels WHERE id = ? AND org_id = ? AND deleted_at IS NULL", id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ucx.Errorf(ucx.ENOTFOUND, "no channel %d", id)
	}
	return c, secret, err
}

// Channels lists an organisation's channels, oldest first, to its admins.
func (db *DB) Channels(ctx context.Context, p *ucx.Principal, orgID int64) ([]*ucx.Channel, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.Channels", func(tx *Tx) ([]*ucx.Channel, error) {
		rows, err := tx.Query(ctx, "SELECT "+channelColumns+" FROM notify_channels WHERE org_id = ? AND deleted_at IS NULL ORDER BY id", orgID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []*ucx.Channel{}
		for rows.Next() {
			c, _, err := scanChannel(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	})
}

// newWebhookSecret makes a webhook's signing secret: 32 random bytes.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

// applyChannel puts in's fields on c, making or taking the secret, and
// checks the result; it returns the secret to store ("" none) and whether
// it changed.
func applyChannel(c *ucx.Channel, in *ucx.ChannelInput, secret string, creating bool) (string, bool, error) {
	if in.Kind != "" && in.Kind != c.Kind {
		return "", false, ucx.FieldErrorf(ucx.EINVALID, "kind", "a channel's kind cannot change; add a new channel")
	}
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.URL != nil {
		c.URL = strings.TrimSpace(*in.URL)
	}
	if in.To != nil {
		c.To = nil
		for _, a := range in.To {
			if a = strings.TrimSpace(a); a != "" {
				c.To = append(c.To, a)
			}
		}
	}
	if in.Lang != "" {
		c.Lang = in.Lang
	}
	if in.Events != nil {
		c.Events = in.Events
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	changed := false
	switch c.Kind {
	case ucx.ChannelWebhook:
		if in.Secret != nil {
			return "", false, ucx.FieldErrorf(ucx.EINVALID, "secret", "a webhook's secret is made by the platform; ask for a new one with rotate_secret")
		}
		if creating || in.RotateSecret {
			secret, changed = newWebhookSecret(), true
			c.Secret = secret
		}
	case ucx.ChannelDingTalk, ucx.ChannelFeishu:
		if in.RotateSecret {
			return "", false, ucx.FieldErrorf(ucx.EINVALID, "rotate_secret", "a bot's signing secret is made by the bot: copy it from the bot's settings into secret")
		}
		if in.Secret != nil {
			secret, changed = strings.TrimSpace(*in.Secret), true
			if len(secret) > 200 {
				return "", false, ucx.FieldErrorf(ucx.EINVALID, "secret", "the secret is at most 200 bytes")
			}
		}
	default:
		if in.Secret != nil || in.RotateSecret {
			return "", false, ucx.FieldErrorf(ucx.EINVALID, "secret", "a %s channel has no secret", c.Kind)
		}
	}
	return secret, changed, nil
}

// channelNote describes a channel for the audit trail: kind, name and
// where it sends (the host only: a bot's URL carries its access token).
func channelNote(c *ucx.Channel) string {
	s := string(c.Kind)
	if c.Name != "" {
		s += " " + c.Name
	}
	if u, err := url.Parse(c.URL); err == nil && u.Host != "" {
		s += " → " + u.Host
	}
	if len(c.To) > 0 {
		s += " → " + strings.Join(c.To, ",")
	}
	return s + "; events: " + joinEvents(c.Events)
}

// CreateChannel adds a channel to the caller's organisation. A new
// channel is enabled and subscribed to every event the organisation hears
// unless in says otherwise; a webhook's secret is in the answer, once.
// EINVALID names the field; ECONFLICT for a second in-app channel.
func (db *DB) CreateChannel(ctx context.Context, p *ucx.Principal, orgID int64, in *ucx.ChannelInput) (*ucx.Channel, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, err
	}
	if in == nil {
		in = &ucx.ChannelInput{}
	}
	c := &ucx.Channel{OrgID: orgID, Kind: in.Kind, Lang: ucx.LangBoth, Events: ucx.EventsFor(p.OrgKind), Enabled: true, Version: 1}
	if !c.Kind.Valid() {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "kind", "the kind must be one of webhook, email, wecom, dingtalk, feishu, inapp")
	}
	secret, _, err := applyChannel(c, in, "", true)
	if err != nil {
		return nil, err
	}
	if err := ucx.CheckChannel(c, p.OrgKind); err != nil {
		return nil, err
	}
	err = db.Update(ctx, "sqlstore.CreateChannel", func(tx *Tx) error {
		if c.Kind == ucx.ChannelInApp {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM notify_channels WHERE org_id = ? AND kind = 'inapp' AND deleted_at IS NULL", orgID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ucx.Errorf(ucx.ECONFLICT, "the organisation has its in-app channel already; change it instead")
			}
		}
		var err error
		c.CreatedAt = tx.now
		c.ID, err = tx.InsertID(ctx, `INSERT INTO notify_channels (org_id, kind, name, url, email_to, secret, lang, events, enabled, version, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, orgID, string(c.Kind), c.Name, c.URL, strings.Join(c.To, ","), db.sealSecret(secret, orgID),
			c.Lang, joinEvents(c.Events), boolInt(c.Enabled), micros(tx.now))
		if err != nil {
			return err
		}
		return tx.event(ctx, p, actChannelCreate, entityOrg, orgID, 0, "", "channel "+itoa(c.ID), channelNote(c))
	})
	if err != nil {
		return nil, err
	}
	c.HasSecret = secret != ""
	return c, nil
}

// UpdateChannel changes a channel at the version its admin saw. Disabling
// it cancels its pending deliveries. A rotated webhook secret is in the
// answer, once.
func (db *DB) UpdateChannel(ctx context.Context, p *ucx.Principal, orgID, id int64, version int, in *ucx.ChannelInput) (*ucx.Channel, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, err
	}
	if in == nil {
		in = &ucx.ChannelInput{}
	}
	var c *ucx.Channel
	err := db.Update(ctx, "sqlstore.UpdateChannel", func(tx *Tx) error {
		var stored string
		var err error
		if c, stored, err = tx.channel(ctx, orgID, id); err != nil {
			return err
		}
		if version != 0 && version != c.Version {
			return ucx.Errorf(ucx.ECONFLICT, "channel %d was changed meanwhile (version %d, you saw %d); reload and try again", id, c.Version, version)
		}
		secret, changed, err := applyChannel(c, in, "", false)
		if err != nil {
			return err
		}
		if err := ucx.CheckChannel(c, p.OrgKind); err != nil {
			return err
		}
		if changed {
			stored = db.sealSecret(secret, orgID)
		}
		res, err := tx.Exec(ctx, `UPDATE notify_channels SET name = ?, url = ?, email_to = ?, secret = ?, lang = ?, events = ?, enabled = ?, version = version + 1
			WHERE id = ? AND version = ?`, c.Name, c.URL, strings.Join(c.To, ","), stored, c.Lang, joinEvents(c.Events), boolInt(c.Enabled), id, c.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return ucx.Errorf(ucx.ECONFLICT, "channel %d was changed meanwhile; reload and try again", id)
		}
		c.Version++
		c.HasSecret = stored != ""
		if !c.Enabled {
			if err := tx.cancelDeliveries(ctx, id, "the channel was disabled"); err != nil {
				return err
			}
		}
		return tx.event(ctx, p, actChannelUpdate, entityOrg, orgID, 0, "", "channel "+itoa(id), channelNote(c))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteChannel removes a channel (kept for its delivery log) and cancels
// its pending deliveries.
func (db *DB) DeleteChannel(ctx context.Context, p *ucx.Principal, orgID, id int64) error {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return err
	}
	return db.Update(ctx, "sqlstore.DeleteChannel", func(tx *Tx) error {
		c, _, err := tx.channel(ctx, orgID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE notify_channels SET deleted_at = ?, enabled = 0, version = version + 1 WHERE id = ?", micros(tx.now), id); err != nil {
			return err
		}
		if err := tx.cancelDeliveries(ctx, id, "the channel was deleted"); err != nil {
			return err
		}
		return tx.event(ctx, p, actChannelDelete, entityOrg, orgID, 0, "channel "+itoa(id), "deleted", channelNote(c))
	})
}

// cancelDeliveries cancels a channel's deliveries not yet made. One a
// worker holds stays its worker's (FinishDelivery records how it went).
func (tx *Tx) cancelDeliveries(ctx context.Context, channelID int64, why string) error {
	_, err := tx.Exec(ctx, "UPDATE notify_deliveries SET state = ?, next_at = NULL, last_error = ? WHERE channel_id = ? AND state = ?",
		ucx.DeliveryCancelled, why, channelID, ucx.DeliveryPending)
	return err
}

// Deliveries lists an organisation's delivery log (every channel but the
// in-app one, whose deliveries are made by being written), newest first.
func (db *DB) Deliveries(ctx context.Context, p *ucx.Principal, orgID int64, f ucx.DeliveryFilter) ([]*ucx.Delivery, int, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	conds := []string{"d.org_id = ?", "d.kind <> 'inapp'"}
	args := []any{orgID}
	if f.State != "" {
		switch f.State {
		case ucx.DeliveryPending, ucx.DeliveryDelivering, ucx.DeliveryDelivered, ucx.DeliveryDead, ucx.DeliveryCancelled:
		default:
			return nil, 0, ucx.FieldErrorf(ucx.EINVALID, "state", "the state must be pending, delivering, delivered, dead or cancelled")
		}
		conds, args = append(conds, "d.state = ?"), append(args, f.State)
	}
	if f.ChannelID != 0 {
		conds, args = append(conds, "d.channel_id = ?"), append(args, f.ChannelID)
	}
	var out []*ucx.Delivery
	var total int
	err = db.View(ctx, "sqlstore.Deliveries", func(tx *Tx) error {
		from := " FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id" + where(conds)
		if err := tx.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+deliveryColumns+from+" ORDER BY d.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*ucx.Delivery{}
		for rows.Next() {
			var dr deliveryRow
			if err := rows.Scan(dr.dest()...); err != nil {
				return err
			}
			out = append(out, dr.delivery())
		}
		return rows.Err()
	})
	return out, total, err
}

// Delivery returns one delivery of the organisation with its notification
// and every attempt, oldest first.
func (db *DB) Delivery(ctx context.Context, p *ucx.Principal, orgID, id int64) (*ucx.Delivery, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.Delivery", func(tx *Tx) (*ucx.Delivery, error) { return tx.delivery(ctx, orgID, id) })
}

func (tx *Tx) delivery(ctx context.Context, orgID, id int64) (*ucx.Delivery, error) {
	var dr deliveryRow
	var nr notificationRow
	err := tx.QueryRow(ctx, "SELECT "+deliveryColumns+", "+notificationColumns+` FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE d.id = ? AND d.org_id = ?`, id, orgID).Scan(append(dr.dest(), nr.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ucx.Errorf(ucx.ENOTFOUND, "no delivery %d", id)
	}
	if err != nil {
		return nil, err
	}
	d := dr.delivery()
	if d.Notification, err = nr.notification(); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, "SELECT attempt, at, ok, status, error, duration_us, worker FROM notify_attempts WHERE delivery_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.Log = []*ucx.DeliveryAttempt{}
	for rows.Next() {
		var a ucx.DeliveryAttempt
		var at, us int64
		var ok int
		if err := rows.Scan(&a.Attempt, &at, &ok, &a.Status, &a.Error, &us, &a.Worker); err != nil {
			return nil, err
		}
		a.At, a.OK, a.DurationMS = fromMicros(at), ok == 1, float64(us)/1000
		d.Log = append(d.Log, &a)
	}
	return d, rows.Err()
}

// ReplayDelivery makes a delivered, dead or cancelled delivery pending and
// due now, with a fresh count of tries (the log keeps the earlier ones):
// the admin's way of sending again what a receiver lost or refused. Its
// channel must still be there and enabled. ERULE for an in-app delivery
// and for one still pending or being delivered.
func (db *DB) ReplayDelivery(ctx context.Context, p *ucx.Principal, orgID, id int64) (*ucx.Delivery, error) {
	if err := mustNotifyAdmin(p, orgID); err != nil {
		return nil, err
	}
	var d *ucx.Delivery
	err := db.Update(ctx, "sqlstore.ReplayDelivery", func(tx *Tx) error {
		var err error
		if d, err = tx.delivery(ctx, orgID, id); err != nil {
			return err
		}
		switch {
		case d.Kind == ucx.ChannelInApp:
			return ucx.Errorf(ucx.ERULE, "an in-app notification is delivered by being written; there is nothing to replay")
		case d.State == ucx.DeliveryPending || d.State == ucx.DeliveryDelivering:
			return ucx.Errorf(ucx.ERULE, "delivery %d is %s already", id, d.State)
		}
		c, _, err := tx.channel(ctx, orgID, d.ChannelID)
		if err != nil {
			return ucx.Errorf(ucx.ERULE, "the channel of delivery %d was deleted; add a channel and its new notifications go there", id)
		}
		if !c.Enabled {
			return ucx.Errorf(ucx.ERULE, "channel %d is disabled; enable it first", c.ID)
		}
		before := d.State
		if _, err := tx.Exec(ctx, "UPDATE notify_deliveries SET state = ?, next_at = ?, tries = 0, lease_token = '' WHERE id = ? AND state = ?",
			ucx.DeliveryPending, micros(tx.now), id, before); err != nil {
			return err
		}
		now := tx.now
		d.State, d.NextAt = ucx.DeliveryPending, &now
		return tx.event(ctx, p, actDeliveryReplay, entityOrg, orgID, 0, before, ucx.DeliveryPending, "delivery "+itoa(id)+" ("+string(d.Event)+" by "+string(d.Kind)+")")
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// inAppReader checks that p may read its organisation's in-app list: any
// signed-in member of it.
func inAppReader(p *ucx.Principal) error {
	return signedIn(p)
}

// readCond is true for an in-app delivery d the user (two arguments) has
// read: one by one, or up to the mark.
const readCond = `(d.id <= COALESCE((SELECT m.upto FROM notify_read_marks m WHERE m.user_id = ?), 0)
	OR EXISTS (SELECT 1 FROM notify_reads r WHERE r.delivery_id = d.id AND r.user_id = ?))`

// maxUnread is where the unread count stops counting (the bell shows
// 999+ then).
const maxUnread = 1000

// InApp lists the caller's organisation's in-app notifications, newest
// first, with the total, and how many the caller has not read.
func (db *DB) InApp(ctx context.Context, p *ucx.Principal, f ucx.InAppFilter) ([]*ucx.InAppItem, int, int, error) {
	if err := inAppReader(p); err != nil {
		return nil, 0, 0, err
	}
	offset, limit, err := page(f.Offset, f.Limit)
	if err != nil {
		return nil, 0, 0, err
	}
	var out []*ucx.InAppItem
	var total, unread int
	err = db.View(ctx, "sqlstore.InApp", func(tx *Tx) error {
		if unread, err = tx.unread(ctx, p); err != nil {
			return err
		}
		cond := "d.org_id = ? AND d.kind = 'inapp'"
		args := []any{p.OrgID}
		if f.Unread {
			cond += " AND NOT " + readCond
			args = append(args, p.UserID, p.UserID)
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM notify_deliveries d WHERE "+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT d.id, CASE WHEN "+readCond+" THEN 1 ELSE 0 END, "+notificationColumns+
			" FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE "+cond+" ORDER BY d.id DESC LIMIT ? OFFSET ?",
			append(append([]any{p.UserID, p.UserID}, args...), limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*ucx.InAppItem{}
		for rows.Next() {
			var it ucx.InAppItem
			var read int
			var nr notificationRow
			if err := rows.Scan(append([]any{&it.ID, &read}, nr.dest()...)...); err != nil {
				return err
			}
			n, err := nr.notification()
			if err != nil {
				return err
			}
			it.Read, it.Notification = read == 1, *n
			out = append(out, &it)
		}
		return rows.Err()
	})
	return out, total, unread, err
}

// UnreadCount is how many in-app notifications of the caller's
// organisation the caller has not read, up to maxUnread.
func (db *DB) UnreadCount(ctx context.Context, p *ucx.Principal) (int, error) {
	if err := inAppReader(p); err != nil {
		return 0, err
	}
	return viewValue(ctx, db, "sqlstore.UnreadCount", func(tx *Tx) (int, error) { return tx.unread(ctx, p) })
}

func (tx *Tx) unread(ctx context.Context, p *ucx.Principal) (int, error) {
	var mark int64
	err := tx.QueryRow(ctx, "SELECT upto FROM notify_read_marks WHERE user_id = ?", p.UserID).Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notify_deliveries d WHERE d.org_id = ? AND d.kind = 'inapp' AND d.id > ?
		AND NOT EXISTS (SELECT 1 FROM notify_reads r WHERE r.delivery_id = d.id AND r.user_id = ?) LIMIT ?) u`, p.OrgID, mark, p.UserID, maxUnread).Scan(&n)
	return n, err
}

// MarkRead marks in-app notifications read for the caller alone (each
// member has their own bell): the ids given, or everything up to now when
// all is set. Another organisation's ids are skipped. It returns how many
// were unread. Being the reader's own state, it writes no audit event.
func (db *DB) MarkRead(ctx context.Context, p *ucx.Principal, ids []int64, all bool) (int, error) {
	if err := inAppReader(p); err != nil {
		return 0, err
	}
	if !all && len(ids) == 0 {
		return 0, ucx.FieldErrorf(ucx.EINVALID, "ids", "name the notifications to mark read, or mark all")
	}
	if len(ids) > maxReadIDs {
		return 0, ucx.FieldErrorf(ucx.EINVALID, "ids", "at most %d ids at once", maxReadIDs)
	}
	var n int
	err := db.Update(ctx, "sqlstore.MarkRead", func(tx *Tx) error {
		var err error
		if n, err = tx.unread(ctx, p); err != nil {
			return err
		}
		if all {
			var top sql.NullInt64
			if err := tx.QueryRow(ctx, "SELECT MAX(id) FROM notify_deliveries WHERE org_id = ? AND kind = 'inapp'", p.OrgID).Scan(&top); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notify_read_marks (user_id, upto) VALUES (?, ?)
				ON CONFLICT (user_id) DO UPDATE SET upto = excluded.upto`, p.UserID, top.Int64); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "DELETE FROM notify_reads WHERE user_id = ? AND delivery_id <= ?", p.UserID, top.Int64)
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO notify_reads (delivery_id, user_id, read_at)
				SELECT d.id, ?, ? FROM notify_deliveries d WHERE d.id = ? AND d.org_id = ? AND d.kind = 'inapp'
				ON CONFLICT (delivery_id, user_id) DO NOTHING`, p.UserID, micros(tx.now), id, p.OrgID); err != nil {
				return err
			}
		}
		after, err := tx.unread(ctx, p)
		n -= after
		return err
	})
	return n, err
}
