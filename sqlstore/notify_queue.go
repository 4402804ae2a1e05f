package sqlstore

// The outbox as the delivery worker sees it (ucx.DeliveryQueue): claiming
// due deliveries under a lease, recording each attempt, and the sweep that
// announces overdue deregistrations (R16).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

var _ ucx.DeliveryQueue = (*DB)(nil)

// maxErrorText bounds a delivery's stored error text.
const maxErrorText = 500

// ClaimDeliveries takes up to max due deliveries for worker: pending ones
// whose time has come, and claimed ones whose lease lapsed (their worker
// died). A claim marks each delivering under a fresh token until now +
// lease and counts the attempt, in one statement, so that two workers never
// hold one delivery: on PostgreSQL the candidates are locked with FOR
// UPDATE SKIP LOCKED, so concurrent workers take different rows without
// waiting for each other; SQLite has one writer at a time, whose
// transaction both finds and marks them.
func (db *DB) ClaimDeliveries(ctx context.Context, worker string, max int, lease time.Duration) ([]*ucx.Outgoing, error) {
	const op = "sqlstore.ClaimDeliveries"
	if max <= 0 {
		max = 1
	}
	tok := make([]byte, 12)
	rand.Read(tok)
	token := hex.EncodeToString(tok)
	var out []*ucx.Outgoing
	err := db.Update(ctx, op, func(tx *Tx) error {
		out = nil
		now := micros(tx.now)
		pick := "SELECT id FROM notify_deliveries WHERE state IN ('pending', 'delivering') AND next_at <= ? ORDER BY next_at, id LIMIT ?"
		if db.engine == Postgres {
			pick += " FOR UPDATE SKIP LOCKED"
		}
		claimed, err := tx.Query(ctx, `UPDATE notify_deliveries SET state = 'delivering', lease_token = ?, next_at = ?, attempts = attempts + 1, tries = tries + 1
			WHERE id IN (`+pick+`) RETURNING id`, token, micros(tx.now.Add(lease)), now, max)
		if err != nil {
			return err
		}
		var ids []any
		for claimed.Next() {
			var id int64
			if err := claimed.Scan(&id); err != nil {
				claimed.Close()
				return err
			}
			ids = append(ids, id)
		}
		claimed.Close()
		if err := claimed.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+`, d.tries, c.url, c.email_to, c.secret, c.lang, c.name, `+notificationColumns+`
			FROM notify_deliveries d JOIN notify_channels c ON c.id = d.channel_id JOIN notifications n ON n.id = d.notification_id
			WHERE d.id IN (`+placeholders(len(ids))+`) ORDER BY d.id`, ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o := &ucx.Outgoing{Token: token, Channel: &ucx.Channel{}}
			var dr deliveryRow
			var nr notificationRow
			var to, secret string
			dest := append(dr.dest(), &o.Tries, &o.Channel.URL, &to, &secret, &o.Channel.Lang, &o.Channel.Name)
			if err := rows.Scan(append(dest, nr.dest()...)...); err != nil {
				return err
			}
			d := dr.delivery()
			n, err := nr.notification()
			if err != nil {
				return err
			}
			o.Delivery, o.Notification = d, n
			o.Channel.ID, o.Channel.OrgID, o.Channel.Kind, o.Channel.Enabled = d.ChannelID, d.OrgID, d.Kind, true
			o.Channel.To = splitTo(to)
			if o.Channel.Secret, err = db.openSecret(secret, d.OrgID); err != nil {
				o.Channel.Secret, o.Problem = "", err.Error()
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, err
}

// FinishDelivery records one attempt of a claimed delivery and its next
// state: delivered, pending again at r.RetryAt, or dead when the attempt
// failed and no retry is due. Only the claim's holder may: a worker whose
// lease lapsed, and whose delivery another worker claimed since, gets
// ECONFLICT and records nothing.
func (db *DB) FinishDelivery(ctx context.Context, o *ucx.Outgoing, r ucx.DeliveryResult) error {
	const op = "sqlstore.FinishDelivery"
	errText := r.Error
	if len(errText) > maxErrorText {
		errText = strings.ToValidUTF8(errText[:maxErrorText], "")
	}
	errText = cleanText(errText)
	return db.Update(ctx, op, func(tx *Tx) error {
		state, next, done := ucx.DeliveryDelivered, sql.NullInt64{}, sql.NullInt64{Int64: micros(tx.now), Valid: true}
		if !r.OK {
			done = sql.NullInt64{}
			if r.RetryAt.IsZero() {
				state = ucx.DeliveryDead
			} else {
				state, next = ucx.DeliveryPending, sql.NullInt64{Int64: micros(r.RetryAt), Valid: true}
			}
		}
		res, err := tx.Exec(ctx, `UPDATE notify_deliveries SET state = ?, next_at = ?, delivered_at = ?, last_status = ?, last_error = ?, lease_token = ''
			WHERE id = ? AND lease_token = ? AND state = 'delivering'`, state, next, done, r.Status, errText, o.Delivery.ID, o.Token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return ucx.Errorf(ucx.ECONFLICT, "delivery %d was claimed by another worker after this one's lease lapsed", o.Delivery.ID)
		}
		_, err = tx.Exec(ctx, `INSERT INTO notify_attempts (delivery_id, attempt, at, ok, status, error, duration_us, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			o.Delivery.ID, o.Delivery.Attempts, micros(tx.now), boolInt(r.OK), r.Status, errText, r.Duration.Microseconds(), cleanText(r.Worker))
		return err
	})
}

// cleanText keeps what the store's text rule allows of a receiver's or a
// network library's words: printable text on one line.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "?")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// overdueBatch is how many overdue vehicles one sweep finds at most; the
// next sweep takes the rest.
const overdueBatch = 200

// AnnounceOverdue finds, once per vehicle, every cleared vehicle whose
// deregistration was due before today (R16: two months after clearance)
// with no deregistration recorded, and announces its licence once: for
// each licence, in one transaction, every such vehicle is marked overdue
// with the credit event that is (R8, item deregistration_overdue;
// markOverdue), and the licence gets an audit event
// licence.deregistration_overdue by the platform itself, whose
// announcement tells the exporter and the issuing authority. A licence all
// of whose vehicles were deregistered in time is not overdue. Several
// servers may sweep at once: vehicles are claimed in
// deregistration_overdue and licences in notify_overdue before their
// events are written, so only one writes each. It returns how many
// licences it announced.
func (db *DB) AnnounceOverdue(ctx context.Context) (int, error) {
	const op = "sqlstore.AnnounceOverdue"
	var found []overdueVehicle
	err := db.View(ctx, op, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.id, l.id, a.exporter_id, a.vin, l.number, l.declaration_number, l.deregistration_due, l.cleared_at
			FROM licences l JOIN applications a ON a.state = 'cleared' AND (l.shipment_id = a.shipment_id OR l.application_id = a.id)
			WHERE l.deregistration_due IS NOT NULL AND l.deregistration_due < ? AND l.cleared_at IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM deregistrations d WHERE d.application_id = a.id)
			AND NOT EXISTS (SELECT 1 FROM deregistration_overdue o WHERE o.application_id = a.id)
			ORDER BY l.deregistration_due, l.id, a.id LIMIT ?`,
			tx.today().Days(), overdueBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o overdueVehicle
			var due, cleared int64
			if err := rows.Scan(&o.app, &o.licence, &o.exporter, &o.vin, &o.number, &o.decl, &due, &cleared); err != nil {
				return err
			}
			o.due, o.cleared = ucx.DateFromDays(int(due)), ucx.DateOf(fromMicros(cleared))
			found = append(found, o)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for i := 0; i < len(found); {
		j := i
		for j < len(found) && found[j].licence == found[i].licence {
			j++
		}
		vehicles := found[i:j]
		i = j
		err := db.Update(ctx, op, func(tx *Tx) error {
			var vins []string
			for _, o := range vehicles {
				first, err := tx.markOverdue(ctx, o)
				if err != nil {
					return err
				}
				if first {
					vins = append(vins, o.vin)
				}
			}
			if len(vins) == 0 {
				return nil
			}
			l := vehicles[0]
			res, err := tx.Exec(ctx, "INSERT INTO notify_overdue (licence_id, announced_at) VALUES (?, ?) ON CONFLICT (licence_id) DO NOTHING", l.licence, micros(tx.now))
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil || k == 0 {
				return err
			}
			var appID int64
			if err := tx.QueryRow(ctx, "SELECT application_id FROM licences WHERE id = ?", l.licence).Scan(&appID); err != nil {
				return err
			}
			n++
			return tx.event(ctx, nil, actLicenceOverdue, entityLicence, l.licence, appID, "cleared", "deregistration_overdue",
				"注销登记应于 "+l.due.String()+" 前办理（R16），未记录："+strings.Join(vins, ", "))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Secrets at rest: under the KEK when the server has one.
const (
	secretPlain  = "p:"
	secretSealed = "k1:"
)

func secretAAD(orgID int64) string { return "notify-channel/" + itoa(orgID) }

// sealSecret is how a channel's secret is stored: encrypted under the
// key-encryption key when the server was started with one, else as it is.
func (db *DB) sealSecret(secret string, orgID int64) string {
	if secret == "" {
		return ""
	}
	if db.seals == nil {
		return secretPlain + secret
	}
	return secretSealed + base64.StdEncoding.EncodeToString(db.seals.encrypt([]byte(secret), secretAAD(orgID)))
}

func (db *DB) openSecret(stored string, orgID int64) (string, error) {
	switch {
	case stored == "":
		return "", nil
	case strings.HasPrefix(stored, secretPlain):
		return stored[len(secretPlain):], nil
	case strings.HasPrefix(stored, secretSealed):
		if db.seals == nil {
			return "", errors.New("the channel's secret is encrypted under the key-encryption key, and this server was started without it")
		}
		ct, err := base64.StdEncoding.DecodeString(stored[len(secretSealed):])
		if err != nil {
			return "", err
		}
		b, err := db.seals.decrypt(ct, secretAAD(orgID))
		if err != nil {
			return "", errors.New("the channel's secret does not open with this server's key-encryption key")
		}
		return string(b), nil
	}
	return "", errors.New("the channel's secret is stored in an unknown form")
}

// The columns of a delivery (d) and a notification (n), and their scans.
const (
	deliveryColumns     = "d.id, d.notification_id, d.channel_id, d.org_id, d.kind, d.state, d.attempts, d.next_at, d.delivered_at, d.last_status, d.last_error, d.created_at, n.event"
	notificationColumns = "n.id, n.org_id, n.event, n.audit_event_id, n.application_id, n.entity, n.entity_id, n.facts, n.created_at"
)

// deliveryRow and notificationRow scan those columns.
type deliveryRow struct {
	d          ucx.Delivery
	next, done sql.NullInt64
	created    int64
	kind       string
	event      string
}

func (r *deliveryRow) dest() []any {
	d := &r.d
	return []any{&d.ID, &d.NotificationID, &d.ChannelID, &d.OrgID, &r.kind, &d.State, &d.Attempts, &r.next, &r.done, &d.LastStatus, &d.LastError, &r.created, &r.event}
}

func (r *deliveryRow) delivery() *ucx.Delivery {
	d := r.d
	d.Kind, d.Event = ucx.ChannelKind(r.kind), ucx.NotifyEvent(r.event)
	d.NextAt, d.DeliveredAt, d.CreatedAt = optTime(r.next), optTime(r.done), fromMicros(r.created)
	if d.State != ucx.DeliveryPending {
		d.NextAt = nil
	}
	return &d
}

type notificationRow struct {
	n       ucx.Notification
	event   string
	app     sql.NullInt64
	facts   string
	created int64
}

func (r *notificationRow) dest() []any {
	n := &r.n
	return []any{&n.ID, &n.OrgID, &r.event, &n.AuditEventID, &r.app, &n.Entity, &n.EntityID, &r.facts, &r.created}
}

func (r *notificationRow) notification() (*ucx.Notification, error) {
	n := r.n
	n.Event, n.ApplicationID, n.At = ucx.NotifyEvent(r.event), r.app.Int64, fromMicros(r.created)
	if err := json.Unmarshal([]byte(r.facts), &n.Facts); err != nil {
		return nil, err
	}
	return &n, nil
}

func splitTo(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
