package ucx

import (
	"context"
	"time"
)

// NotifyEvent names something that happened which an organisation may be
// told about. Each is announced from the audit event of the change that made
// it happen, in that change's transaction (the store's outbox), so nothing is
// announced that did not happen and nothing that happened goes unannounced;
// docs/notifications.md has the table of events, the audit actions behind
// them and who hears each.
type NotifyEvent string

// The events. Who hears each follows the regulation's division of work: the
// manufacturer is asked for its letter (R1, R2), the exporter hears the
// answers and decisions on its applications (R3, R5, R10), the authorities
// hear what waits for their review and what happens to the licences they
// issued (R14–R16), and an exporter hears what is recorded about its credit
// (R8).
const (
	NotifyRequestReceived       NotifyEvent = "request.received"       // a manufacturer is asked for a letter (R1, R2)
	NotifyRequestAnswered       NotifyEvent = "request.answered"       // the manufacturer approved or refused (R2, R3)
	NotifyRequestWithdrawn      NotifyEvent = "request.withdrawn"      // the exporter withdrew: the request is void
	NotifyApplicationReview     NotifyEvent = "application.review"     // an application awaits the authority's review
	NotifyApplicationDecided    NotifyEvent = "application.decided"    // letters complete (under review) or refused by the manufacturer
	NotifyLicenceIssued         NotifyEvent = "licence.issued"         // the authority issued the licence (R4, R5, R14)
	NotifyLicenceRefused        NotifyEvent = "licence.refused"        // the authority refused it
	NotifyClearanceRecorded     NotifyEvent = "clearance.recorded"     // customs cleared the licence (R15); deregistration is due (R16)
	NotifyDeregistrationOverdue NotifyEvent = "deregistration.overdue" // two months after clearance and no deregistration (R16)
	NotifyCreditRecorded        NotifyEvent = "credit.recorded"        // a credit event recorded or annulled (R8)
	NotifyStandingChanged       NotifyEvent = "standing.changed"       // the exporter's standing changed (R8)
	NotifyKeyRevoked            NotifyEvent = "key.revoked"            // one of the organisation's sealing keys was revoked
	NotifyDocumentRevoked       NotifyEvent = "document.revoked"       // a sealed document naming the organisation was revoked
)

// NotifyEvents lists every event, in the order the settings show them.
var NotifyEvents = []NotifyEvent{
	NotifyRequestReceived, NotifyRequestAnswered, NotifyRequestWithdrawn,
	NotifyApplicationReview, NotifyApplicationDecided,
	NotifyLicenceIssued, NotifyLicenceRefused, NotifyClearanceRecorded, NotifyDeregistrationOverdue,
	NotifyCreditRecorded, NotifyStandingChanged, NotifyKeyRevoked, NotifyDocumentRevoked,
}

// Valid reports whether e is a known event.
func (e NotifyEvent) Valid() bool {
	for _, x := range NotifyEvents {
		if x == e {
			return true
		}
	}
	return false
}

// EventsFor lists the events an organisation of kind k can hear: what a
// new channel subscribes to, and all a channel of such an organisation may
// subscribe to.
func EventsFor(k OrgKind) []NotifyEvent {
	switch k {
	case KindExporter:
		return []NotifyEvent{NotifyRequestAnswered, NotifyApplicationDecided, NotifyLicenceIssued, NotifyLicenceRefused,
			NotifyClearanceRecorded, NotifyDeregistrationOverdue, NotifyCreditRecorded, NotifyStandingChanged, NotifyDocumentRevoked}
	case KindManufacturer:
		return []NotifyEvent{NotifyRequestReceived, NotifyRequestWithdrawn, NotifyKeyRevoked, NotifyDocumentRevoked}
	case KindAuthority:
		return []NotifyEvent{NotifyApplicationReview, NotifyClearanceRecorded, NotifyDeregistrationOverdue, NotifyKeyRevoked, NotifyDocumentRevoked}
	case KindCustoms:
		return []NotifyEvent{NotifyDocumentRevoked}
	}
	return nil
}

// ChannelKind is how notifications reach an organisation.
type ChannelKind string

// The channels.
const (
	ChannelWebhook  ChannelKind = "webhook"  // a signed JSON POST (docs/notifications.md)
	ChannelEmail    ChannelKind = "email"    // e-mail over the deployment's SMTP server
	ChannelWeCom    ChannelKind = "wecom"    // a 企业微信 group bot
	ChannelDingTalk ChannelKind = "dingtalk" // a 钉钉 group bot
	ChannelFeishu   ChannelKind = "feishu"   // a 飞书 (Lark) group bot
	ChannelInApp    ChannelKind = "inapp"    // the bell in the web UI
)

// ChannelKinds lists every channel kind.
var ChannelKinds = []ChannelKind{ChannelWebhook, ChannelEmail, ChannelWeCom, ChannelDingTalk, ChannelFeishu, ChannelInApp}

// Valid reports whether k is a known channel kind.
func (k ChannelKind) Valid() bool {
	for _, x := range ChannelKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Message languages of a channel: Chinese, English, or both (Chinese first).
const (
	LangZH   = "zh"
	LangEN   = "en"
	LangBoth = "both"
)

// Channel is one of an organisation's ways of being told. Its admins choose
// the channels and, per channel, the events. A webhook's signing secret is
// made by the platform and shown once, in Secret, when the channel is
// created (or its secret rotated); a bot's signing secret is given by its
// admin. Neither is ever shown again: HasSecret says there is one.
type Channel struct {
	ID        int64         `json:"id"`
	OrgID     int64         `json:"org_id"`
	Kind      ChannelKind   `json:"kind"`
	Name      string        `json:"name,omitempty"`
	URL       string        `json:"url,omitempty"`
	To        []string      `json:"to,omitempty"`
	Lang      string        `json:"lang"`
	Events    []NotifyEvent `json:"events"`
	Enabled   bool          `json:"enabled"`
	HasSecret bool          `json:"has_secret"`
	Secret    string        `json:"secret,omitempty"`
	Version   int           `json:"version"`
	CreatedAt time.Time     `json:"created_at"`
}

// Subscribed reports whether the channel is to carry e.
func (c *Channel) Subscribed(e NotifyEvent) bool {
	if !c.Enabled {
		return false
	}
	for _, x := range c.Events {
		if x == e {
			return true
		}
	}
	return false
}

// ChannelInput creates or changes a channel. On a change, nil and empty
// fields keep what is stored.
type ChannelInput struct {
	Kind    ChannelKind   `json:"kind,omitempty"`
	Name    *string       `json:"name,omitempty"`
	URL     *string       `json:"url,omitempty"`
	To      []string      `json:"to,omitempty"`
	Lang    string        `json:"lang,omitempty"`
	Events  []NotifyEvent `json:"events,omitempty"`
	Enabled *bool         `json:"enabled,omitempty"`
	// Secret is a bot's signing secret (DingTalk, Feishu), given by the
	// bot's settings; a webhook's is made by the platform.
	Secret *string `json:"secret,omitempty"`
	// RotateSecret makes a new webhook secret, shown once in the answer.
	RotateSecret bool `json:"rotate_secret,omitempty"`
}

// Notification is one event told to one organisation: the outbox row
// written in the transaction of the change. Facts are what the message
// says (VIN, licence number, the answer …), taken in that transaction.
type Notification struct {
	ID            int64             `json:"id"`
	OrgID         int64             `json:"org_id"`
	Event         NotifyEvent       `json:"event"`
	At            time.Time         `json:"at"`
	AuditEventID  int64             `json:"audit_event_id"`
	ApplicationID int64             `json:"application_id,omitempty"`
	Entity        string            `json:"entity"`
	EntityID      int64             `json:"entity_id"`
	Facts         map[string]string `json:"facts"`
}

// Delivery states: pending (due at NextAt), delivering (claimed by a
// worker under a lease), delivered, dead (every attempt failed; replay
// makes it pending again) and cancelled (its channel was disabled or
// deleted first).
const (
	DeliveryPending    = "pending"
	DeliveryDelivering = "delivering"
	DeliveryDelivered  = "delivered"
	DeliveryDead       = "dead"
	DeliveryCancelled  = "cancelled"
)

// Delivery is one notification on one channel, with its log.
type Delivery struct {
	ID             int64              `json:"id"`
	NotificationID int64              `json:"notification_id"`
	ChannelID      int64              `json:"channel_id"`
	OrgID          int64              `json:"org_id"`
	Kind           ChannelKind        `json:"kind"`
	Event          NotifyEvent        `json:"event"`
	State          string             `json:"state"`
	Attempts       int                `json:"attempts"`
	NextAt         *time.Time         `json:"next_at,omitempty"`
	DeliveredAt    *time.Time         `json:"delivered_at,omitempty"`
	LastStatus     int                `json:"last_status,omitempty"`
	LastError      string             `json:"last_error,omitempty"`
	CreatedAt      time.Time          `json:"created_at"`
	Notification   *Notification      `json:"notification,omitempty"`
	Log            []*DeliveryAttempt `json:"log,omitempty"`
}

// DeliveryAttempt is one try of a delivery: its number, when, whether the
// receiver took it, the receiver's status (HTTP status, SMTP reply code)
// and error, and how long it took.
type DeliveryAttempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	OK         bool      `json:"ok"`
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
	Worker     string    `json:"worker,omitempty"`
}

// DeliveryFilter pages an organisation's delivery log, newest first.
type DeliveryFilter struct {
	State     string
	ChannelID int64
	Offset    int
	Limit     int
}

// InAppItem is a notification in the web UI's list (the in-app channel),
// with whether the reader has read it.
type InAppItem struct {
	ID           int64 `json:"id"` // the in-app delivery's id
	Read         bool  `json:"read"`
	Notification `json:"notification"`
}

// InAppFilter pages the in-app list, newest first.
type InAppFilter struct {
	Unread bool
	Offset int
	Limit  int
}

// NotificationService is what an organisation's people and admins do with
// notifications. Every member reads the organisation's in-app list and
// marks items read for themselves; only its admins choose channels and
// events and read and replay the delivery log (another organisation's
// channel or delivery is ENOTFOUND, a non-admin EFORBIDDEN).
type NotificationService interface {
	// InApp lists the caller's organisation's in-app notifications, the
	// total and how many the caller has not read.
	InApp(ctx context.Context, p *Principal, f InAppFilter) (items []*InAppItem, total, unread int, err error)
	// UnreadCount is how many of them the caller has not read (the bell).
	UnreadCount(ctx context.Context, p *Principal) (int, error)
	// MarkRead marks the given items read for the caller, or all when ids
	// is empty and all is true, and returns how many changed.
	MarkRead(ctx context.Context, p *Principal, ids []int64, all bool) (int, error)

	// Channels lists an organisation's channels.
	Channels(ctx context.Context, p *Principal, orgID int64) ([]*Channel, error)
	// CreateChannel adds a channel. EINVALID names the field.
	CreateChannel(ctx context.Context, p *Principal, orgID int64, in *ChannelInput) (*Channel, error)
	// UpdateChannel changes a channel at version (ECONFLICT when stale).
	UpdateChannel(ctx context.Context, p *Principal, orgID, id int64, version int, in *ChannelInput) (*Channel, error)
	// DeleteChannel removes a channel; its pending deliveries are cancelled.
	DeleteChannel(ctx context.Context, p *Principal, orgID, id int64) error
	// Deliveries lists the delivery log, newest first, and its length.
	Deliveries(ctx context.Context, p *Principal, orgID int64, f DeliveryFilter) ([]*Delivery, int, error)
	// Delivery returns one delivery with its notification and attempts.
	Delivery(ctx context.Context, p *Principal, orgID, id int64) (*Delivery, error)
	// ReplayDelivery makes a delivered, dead or cancelled delivery pending
	// again, due now; ERULE for an in-app one or one still pending.
	ReplayDelivery(ctx context.Context, p *Principal, orgID, id int64) (*Delivery, error)
}

// Outgoing is a delivery a worker has claimed: the channel with its secret,
// the notification, and the claim's token, which FinishDelivery checks so
// that a worker whose lease lapsed cannot record over the worker that took
// the delivery over.
type Outgoing struct {
	Delivery     *Delivery
	Channel      *Channel // with Secret filled in
	Notification *Notification
	Token        string
	Tries        int // attempts since the last replay, this one included
	// Problem, when set, is why the delivery cannot be made as stored
	// (its secret does not open with this server's key): the attempt
	// fails with it.
	Problem string
}

// DeliveryResult is how one attempt went. A failed attempt with a zero
// RetryAt is the last: the delivery goes to the dead letters.
type DeliveryResult struct {
	OK       bool
	Status   int
	Error    string
	Duration time.Duration
	RetryAt  time.Time
	Worker   string
}

// DeliveryQueue is the outbox as the delivery worker sees it. Claims are
// exclusive across processes sharing the store (a lease with a token), so
// each delivery is attempted by one worker at a time.
type DeliveryQueue interface {
	// ClaimDeliveries takes up to max due deliveries for worker, for lease.
	ClaimDeliveries(ctx context.Context, worker string, max int, lease time.Duration) ([]*Outgoing, error)
	// FinishDelivery records the attempt and the delivery's next state.
	// ECONFLICT when the claim was lost (the lease lapsed and another
	// worker took it).
	FinishDelivery(ctx context.Context, o *Outgoing, r DeliveryResult) error
	// AnnounceOverdue finds every cleared vehicle whose deregistration
	// (R16) is overdue with no record, once, recording its credit event
	// (R8), and announces each of their licences once; it returns how
	// many licences it announced.
	AnnounceOverdue(ctx context.Context) (int, error)
}
