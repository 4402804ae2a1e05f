package sqlstore

// The notification outbox: the audit event writer (tx.event) hands every
// audit event to announce, which turns the actions that others need to hear
// of into notifications, one per organisation that hears them, and one
// delivery per channel of that organisation subscribed to the event, in the
// transaction of the change. A change that rolls back takes its
// notifications with it; a change that commits has them. The delivery
// worker (notify.Worker, through notify_queue.go) sends them afterwards.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
)

// actLicenceOverdue is the audit action the delivery worker's sweep writes
// when a cleared licence's deregistration (R16) is overdue: the event that
// no person causes, written once per licence (notify_queue.go).
const actLicenceOverdue = "licence.deregistration_overdue"

// audit is one audit event as announce reads it.
type audit struct {
	id             int64
	action, entity string
	entityID       int64
	appID          int64
	before, after  string
	note           string
}

// announcement is one event to tell some organisations, with its facts.
type announcement struct {
	event ucx.NotifyEvent
	orgs  []int64
	facts map[string]string
	// keepActor tells the acting organisation too: a revoked key or
	// document concerns its other admins even though one of them did it.
	keepActor bool
}

// announcer turns one audit event into its announcements.
type announcer func(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error)

// announcers maps each audit action that others hear of to its announcer.
// Every other action is silent: silentActions lists them, and a test checks
// that every action the store writes is in one map or the other, so a new
// action cannot be forgotten.
var announcers = map[string]announcer{
	actRequestCreate:  announceRequest(ucx.NotifyRequestReceived, "manufacturer"),
	actRequestApprove: announceRequest(ucx.NotifyRequestAnswered, "exporter"),
	actRequestRefuse:  announceRequest(ucx.NotifyRequestAnswered, "exporter"),
	actRequestVoid:    announceRequest(ucx.NotifyRequestWithdrawn, "manufacturer"),
	actAppSubmit:      announceSubmitted,
	actAppConfirmed:   announceConfirmed,
	actAppRefused:     announceAppRefused,
	actLicenceIssue:   announceLicence(ucx.NotifyLicenceIssued, false),
	actLicenceClear:   announceLicence(ucx.NotifyClearanceRecorded, true),
	actLicenceOverdue: announceLicence(ucx.NotifyDeregistrationOverdue, true),
	actCreditRecord:   announceCredit,
	actCreditAnnul:    announceCredit,
	actCreditStanding: announceStanding,
	actOrgStanding:    announceStanding,
	actKeyRevoke:      announceKeyRevoked,
	actDocRevoke:      announceDocRevoked,
}

// silentActions are the audit actions nobody else is told of, each for a
// reason: the actor's own organisation did it and reads it in its trail
// (filing, users, tokens, outlets, keys made, imports), it is restated by an
// announced action of the same change (application.licensed is
// licence.issue, application.cleared is licence.clear, credit.override
// changes the standing announced as credit.standing), or it is the
// platform's business with one organisation, told in its audit trail (WMI
// claims). org.create is not announced but gives the new organisation its
// in-app channel.
var silentActions = map[string]string{
	actOrgCreate:       "the new organisation gets its in-app channel (inAppChannel)",
	actOrgWMIs:         "the manufacturer's own act",
	actOrgRegion:       "the operator's act, in the organisation's audit trail; the filings follow the new jurisdiction at once",
	actOutletAdd:       "the manufacturer's own act",
	actWMIClaim:        "the operator decides it; the claimant's trail has it",
	actWMIConfirm:      "in the claimant's audit trail",
	actWMIRefuse:       "in the claimant's audit trail",
	actWMIMoved:        "in the former holder's audit trail",
	actRegisterAdd:     "the operator's own register (R2), in its audit trail",
	actRegisterUpdate:  "the operator's own register (R2), in its audit trail",
	actRegisterRetire:  "the operator's own register (R2); an unbinding it causes is register.unbind",
	actRegisterBind:    "in the bound manufacturer's audit trail",
	actRegisterUnbind:  "in the unbound manufacturer's audit trail; its next approval says what to do",
	actUserCreate:      "in the organisation's audit trail",
	actUserLocked:      "in the organisation's audit trail",
	actUserInvite:      "in the organisation's audit trail",
	actUserSetPassword: "the user's own act",
	actTokenCreate:     "the user's own act",
	actTokenRevoke:     "the user's own act",
	actSessionCreate:   "the user's own act",
	actAppCreate:       "the exporter's own draft",
	actAppWithdraw:     "restated by request.void to the manufacturer asked",
	actAppLicensed:     "restated by licence.issue",
	actAppCleared:      "restated by licence.clear",
	actAppDeregistered: "the exporter's own record (R16); the authority reads it in its deregistration list, where the vehicle is no longer overdue",
	actImportStart:     "the exporter's own act",
	actImportFinish:    "the exporter's own import; its page shows the end",
	actNegativePut:     "the authority's own list",
	actCreditAppeal:    "the exporter's own act; the record shows it",
	actCreditConfirm:   "the standing did not change",
	actCreditOverride:  "restated by credit.standing when the standing changes",
	actCreditClear:     "restated by credit.standing when the standing changes",
	actKeyRegister:     "the organisation's own act",
	actKeyCustodial:    "the organisation's own act",
	actChannelCreate:   "the admin's own act, in the audit trail",
	actChannelUpdate:   "the admin's own act, in the audit trail",
	actChannelDelete:   "the admin's own act, in the audit trail",
	actDeliveryReplay:  "the admin's own act, in the audit trail",
	// Manufacturers' own rules (mfrrules.go): a rule's automatic answer is
	// request.approve or request.refuse, announced as any answer.
	actRuleCreate:        "the admin's own act, in the audit trail",
	actRuleUpdate:        "the admin's own act, in the audit trail",
	actRuleState:         "the admin's own act, in the audit trail",
	actRequestSort:       "the manufacturer's own rule sorting its own inbox; the request was announced as received",
	actRequestRuleFailed: "the manufacturer's own rule; in its audit trail and its log, the request stays in the inbox as announced",
}

// announce writes the notifications of one audit event (see the file's
// comment). It costs nothing for a silent action.
func (tx *Tx) announce(ctx context.Context, p *ucx.Principal, a *audit) error {
	if a.action == actOrgCreate {
		return tx.inAppChannel(ctx, a.entityID)
	}
	fn, ok := announcers[a.action]
	if !ok {
		return nil
	}
	list, err := fn(ctx, tx, p, a)
	if err != nil {
		return err
	}
	for _, an := range list {
		if err := tx.writeAnnouncement(ctx, p, a, an); err != nil {
			return err
		}
	}
	return nil
}

// writeAnnouncement stores one announcement: per organisation that hears
// it (the actor's own left out unless keepActor) and has a channel
// subscribed, the notification and a delivery per such channel. In-app
// deliveries are delivered by being written; the others are due now.
func (tx *Tx) writeAnnouncement(ctx context.Context, p *ucx.Principal, a *audit, an announcement) error {
	orgs := uniqueIDs(an.orgs)
	if p != nil && !an.keepActor {
		orgs = removeID(orgs, p.OrgID)
	}
	if len(orgs) == 0 {
		return nil
	}
	args := make([]any, len(orgs))
	for i, o := range orgs {
		args[i] = o
	}
	rows, err := tx.Query(ctx, "SELECT id, org_id, kind, events FROM notify_channels WHERE org_id IN ("+placeholders(len(orgs))+") AND enabled = 1 AND deleted_at IS NULL ORDER BY org_id, id", args...)
	if err != nil {
		return err
	}
	type ch struct {
		id, org int64
		kind    string
	}
	var subs []ch
	for rows.Next() {
		var c ch
		var events string
		if err := rows.Scan(&c.id, &c.org, &c.kind, &events); err != nil {
			rows.Close()
			return err
		}
		if hasWord(events, string(an.event)) {
			subs = append(subs, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(subs) == 0 {
		return nil
	}
	facts, err := json.Marshal(an.facts)
	if err != nil {
		return err
	}
	now := micros(tx.now)
	var nid, lastOrg int64
	for _, c := range subs {
		if c.org != lastOrg {
			lastOrg = c.org
			if nid, err = tx.InsertID(ctx, `INSERT INTO notifications (org_id, event, audit_event_id, application_id, entity, entity_id, facts, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.org, string(an.event), a.id, nullID(a.appID), a.entity, a.entityID, string(facts), now); err != nil {
				return err
			}
		}
		if c.kind == string(ucx.ChannelInApp) {
			_, err = tx.Exec(ctx, `INSERT INTO notify_deliveries (notification_id, channel_id, org_id, kind, state, delivered_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, nid, c.id, c.org, c.kind, ucx.DeliveryDelivered, now, now)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO notify_deliveries (notification_id, channel_id, org_id, kind, state, next_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, nid, c.id, c.org, c.kind, ucx.DeliveryPending, now, now)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// inAppChannel gives a new organisation its in-app channel, subscribed to
// every event its kind hears, in the transaction that creates it, so that
// its people see the bell from their first sign-in; its admins may narrow
// or disable it.
func (tx *Tx) inAppChannel(ctx context.Context, orgID int64) error {
	var kind string
	if err := tx.QueryRow(ctx, "SELECT kind FROM orgs WHERE id = ?", orgID).Scan(&kind); err != nil {
		return err
	}
	events := ucx.EventsFor(ucx.OrgKind(kind))
	if len(events) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, "INSERT INTO notify_channels (org_id, kind, lang, events, created_at) VALUES (?, ?, ?, ?, ?)",
		orgID, string(ucx.ChannelInApp), ucx.LangBoth, joinEvents(events), micros(tx.now))
	return err
}

// appFacts are the facts every message about an application says: the
// car, its destination, the exporter; and the exporter's and the
// manufacturer's ids, to choose who hears.
type appFacts struct {
	facts                  map[string]string
	exporter, manufacturer int64
}

func (tx *Tx) appFacts(ctx context.Context, appID int64) (*appFacts, error) {
	f := &appFacts{facts: map[string]string{}}
	if appID == 0 {
		return f, nil
	}
	var vin, brand, model, dest, exporter string
	var mfr sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT a.vin, a.brand, a.model, a.destination, a.exporter_id, o.name, a.manufacturer_id
		FROM applications a JOIN orgs o ON o.id = a.exporter_id WHERE a.id = ?`, appID).Scan(&vin, &brand, &model, &dest, &f.exporter, &exporter, &mfr)
	if err != nil {
		return nil, err
	}
	f.manufacturer = mfr.Int64
	f.facts["application"] = itoa(appID)
	f.facts["vin"], f.facts["brand"], f.facts["model"], f.facts["destination"], f.facts["exporter"] = vin, brand, model, dest, exporter
	return f, nil
}

// announceRequest announces a confirmation request's creation, answer or
// voiding to the manufacturer asked or the exporter asking (R1, R2).
func announceRequest(e ucx.NotifyEvent, to string) announcer {
	return func(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
		f, err := tx.appFacts(ctx, a.appID)
		if err != nil {
			return nil, err
		}
		var mfr, exp int64
		var mname, code, text string
		if err := tx.QueryRow(ctx, `SELECT r.manufacturer_id, r.exporter_id, o.name, r.refusal_code, r.refusal_text
			FROM confirmation_requests r JOIN orgs o ON o.id = r.manufacturer_id WHERE r.id = ?`, a.entityID).Scan(&mfr, &exp, &mname, &code, &text); err != nil {
			return nil, err
		}
		f.facts["request"], f.facts["manufacturer"] = itoa(a.entityID), mname
		if a.action == actRequestRefuse {
			f.facts["variant"], f.facts["code"], f.facts["note"] = "refused", code, text
		}
		org := mfr
		if to == "exporter" {
			org = exp
		}
		return []announcement{{event: e, orgs: []int64{org}, facts: f.facts}}, nil
	}
}

// authorities are the organisations that review the applications of
// exporter: the licensing authorities of its jurisdiction, the only ones
// that see them (R14, jurisdictionScope). None when it has no
// jurisdiction.
func (tx *Tx) authorities(ctx context.Context, exporter int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT o.id FROM orgs o JOIN orgs e ON e.jurisdiction = o.jurisdiction
		WHERE e.id = ? AND o.kind = ? AND o.jurisdiction <> '' ORDER BY o.id`, exporter, string(ucx.KindAuthority))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// announceSubmitted tells the authorities of an application that went
// straight to review (no letter needed, R1).
func announceSubmitted(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	if a.after != string(ucx.StateUnderReview) {
		return nil, nil // awaiting its letter: request.create tells the manufacturer
	}
	return tx.reviewAnnouncement(ctx, a, nil)
}

func (tx *Tx) reviewAnnouncement(ctx context.Context, a *audit, f *appFacts) ([]announcement, error) {
	if f == nil {
		var err error
		if f, err = tx.appFacts(ctx, a.appID); err != nil {
			return nil, err
		}
	}
	auth, err := tx.authorities(ctx, f.exporter)
	if err != nil {
		return nil, err
	}
	return []announcement{{event: ucx.NotifyApplicationReview, orgs: auth, facts: f.facts}}, nil
}

// announceConfirmed tells the exporter that its letters are complete and
// the authorities that the application awaits their review.
func announceConfirmed(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	f, err := tx.appFacts(ctx, a.appID)
	if err != nil {
		return nil, err
	}
	out := []announcement{{event: ucx.NotifyApplicationDecided, orgs: []int64{f.exporter}, facts: f.facts}}
	if a.after == string(ucx.StateUnderReview) {
		rev, err := tx.reviewAnnouncement(ctx, a, f)
		if err != nil {
			return nil, err
		}
		out = append(out, rev...)
	}
	return out, nil
}

// announceAppRefused tells the exporter of a refusal: the authority's is
// licence.refused, a manufacturer's (its letter refused) application.decided.
func announceAppRefused(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	f, err := tx.appFacts(ctx, a.appID)
	if err != nil {
		return nil, err
	}
	note := a.note
	e := ucx.NotifyApplicationDecided
	if p.Is(ucx.KindAuthority) {
		e = ucx.NotifyLicenceRefused
		note = strings.TrimPrefix(note, "authority: ")
	} else {
		f.facts["variant"] = "refused"
		note = strings.TrimPrefix(note, "manufacturer: ")
	}
	f.facts["note"] = note
	return []announcement{{event: e, orgs: []int64{f.exporter}, facts: f.facts}}, nil
}

// announceLicence announces a licence's issue to its exporter, and its
// clearance (R15) and overdue deregistration (R16) to the exporter and to
// the authority that issued it (withAuthority).
func announceLicence(e ucx.NotifyEvent, withAuthority bool) announcer {
	return func(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
		f, err := tx.appFacts(ctx, a.appID)
		if err != nil {
			return nil, err
		}
		var number, port, decl string
		var exp, auth, valid int64
		var due sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT number, exporter_id, authority_id, valid_until, port, declaration_number, deregistration_due
			FROM licences WHERE id = ?`, a.entityID).Scan(&number, &exp, &auth, &valid, &port, &decl, &due); err != nil {
			return nil, err
		}
		f.facts["licence"], f.facts["valid_until"] = number, ucx.DateFromDays(int(valid)).String()
		if port != "" {
			f.facts["port"], f.facts["declaration"] = port, decl
		}
		if due.Valid {
			f.facts["due"] = ucx.DateFromDays(int(due.Int64)).String()
		}
		orgs := []int64{exp}
		if withAuthority {
			orgs = append(orgs, auth)
		}
		return []announcement{{event: e, orgs: orgs, facts: f.facts}}, nil
	}
}

// announceCredit tells an exporter of a credit event recorded or annulled
// against it (R8); the audit event is about the exporter (entity org).
func announceCredit(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	f, err := tx.appFacts(ctx, a.appID)
	if err != nil {
		return nil, err
	}
	f.facts["code"], f.facts["note"] = a.after, a.note
	if a.action == actCreditAnnul {
		f.facts["variant"], f.facts["code"] = "annulled", a.before
	}
	return []announcement{{event: ucx.NotifyCreditRecorded, orgs: []int64{a.entityID}, facts: f.facts}}, nil
}

// announceStanding tells an exporter that its standing changed (R8).
func announceStanding(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	if a.before == a.after {
		return nil, nil
	}
	var kind string
	if err := tx.QueryRow(ctx, "SELECT kind FROM orgs WHERE id = ?", a.entityID).Scan(&kind); err != nil {
		return nil, err
	}
	if ucx.OrgKind(kind) != ucx.KindExporter {
		return nil, nil
	}
	before := a.before
	if before == "" {
		before = string(ucx.StandingNormal)
	}
	facts := map[string]string{"before": before, "after": a.after, "note": a.note}
	return []announcement{{event: ucx.NotifyStandingChanged, orgs: []int64{a.entityID}, facts: facts}}, nil
}

// announceKeyRevoked tells the key's organisation (its other admins
// included) that one of its sealing keys was revoked. The audit note is
// "KEYID: reason".
func announceKeyRevoked(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	if p == nil {
		return nil, nil
	}
	key, reason, _ := strings.Cut(a.note, ": ")
	facts := map[string]string{"key": key, "note": reason}
	return []announcement{{event: ucx.NotifyKeyRevoked, orgs: []int64{p.OrgID}, facts: facts, keepActor: true}}, nil
}

// announceDocRevoked tells every organisation the revoked document names
// (its log leaf: the issuer, the exporter, the makers of its letters), the
// issuer's other people included. The audit note is "sha256:HEX: reason".
func announceDocRevoked(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) ([]announcement, error) {
	digest, reason, _ := strings.Cut(a.note, ": ")
	orgs, err := tx.leafOrgs(ctx, strings.TrimPrefix(digest, "sha256:"))
	if err != nil {
		return nil, err
	}
	var appID sql.NullInt64
	// The document's application, for the message: a confirmation's
	// request or a licence names it.
	err = tx.QueryRow(ctx, `SELECT COALESCE((SELECT application_id FROM confirmation_requests WHERE id = d.entity_id AND d.kind = ?),
		(SELECT application_id FROM licences WHERE id = d.entity_id AND d.kind = ?)) FROM documents d WHERE d.digest = ?`,
		string(ucx.DocConfirmation), string(ucx.DocLicence), strings.TrimPrefix(digest, "sha256:")).Scan(&appID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	f, err := tx.appFacts(ctx, appID.Int64)
	if err != nil {
		return nil, err
	}
	f.facts["digest"], f.facts["note"] = digest, reason
	if p != nil {
		orgs = append(orgs, p.OrgID)
	}
	return []announcement{{event: ucx.NotifyDocumentRevoked, orgs: orgs, facts: f.facts, keepActor: true}}, nil
}

// uniqueIDs returns the non-zero ids of ids, sorted, each once.
func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	n := 0
	for i, id := range out {
		if i == 0 || id != out[n-1] {
			out[n] = id
			n++
		}
	}
	return out[:n]
}

func removeID(ids []int64, id int64) []int64 {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// hasWord reports whether the space-separated list s holds w.
func hasWord(s, w string) bool {
	for _, x := range strings.Fields(s) {
		if x == w {
			return true
		}
	}
	return false
}

// joinEvents writes events as stored: space-separated.
func joinEvents(es []ucx.NotifyEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, " ")
}

// announceBatch gathers the announcements of a batch operation (a
// shipment filed, a letter answered, a batch licensed: one change of many
// vehicles, R4) so that each party hears of it once per kind of event
// instead of once per vehicle: announcements of the same event to the
// same organisations are merged into one, whose vin fact lists every VIN
// and count says how many. They are written by flush, in the same
// transaction, so the outbox still holds exactly what committed.
type announceBatch struct {
	groups []*announceGroup
	byKey  map[string]*announceGroup
}

type announceGroup struct {
	first *audit
	an    announcement
	vins  []string
	n     int
}

// add computes the announcements of audit event a now, with the facts of
// the moment, and files them into their groups.
func (b *announceBatch) add(ctx context.Context, tx *Tx, p *ucx.Principal, a *audit) error {
	if a.action == actOrgCreate {
		return tx.inAppChannel(ctx, a.entityID)
	}
	fn, ok := announcers[a.action]
	if !ok {
		return nil
	}
	list, err := fn(ctx, tx, p, a)
	if err != nil {
		return err
	}
	for _, an := range list {
		orgs := uniqueIDs(an.orgs)
		slices.Sort(orgs)
		key := string(an.event) + "|" + fmt.Sprint(orgs, an.keepActor)
		g := b.byKey[key]
		if g == nil {
			g = &announceGroup{first: a, an: an}
			b.byKey[key] = g
			b.groups = append(b.groups, g)
		}
		g.n++
		if v := an.facts["vin"]; v != "" && !slices.Contains(g.vins, v) {
			g.vins = append(g.vins, v)
		}
	}
	return nil
}

// coalesce runs fn with the announcements of its events gathered
// (announceBatch) and writes them when fn succeeded.
func (tx *Tx) coalesce(ctx context.Context, p *ucx.Principal, fn func() error) error {
	b := &announceBatch{byKey: map[string]*announceGroup{}}
	tx.batch = b
	err := fn()
	tx.batch = nil
	if err != nil {
		return err
	}
	for _, g := range b.groups {
		an := g.an
		if g.n > 1 {
			facts := maps.Clone(an.facts)
			facts["count"] = strconv.Itoa(g.n)
			if len(g.vins) > 0 {
				facts["vin"] = strings.Join(g.vins, ", ")
			}
			an.facts = facts
		}
		if err := tx.writeAnnouncement(ctx, p, g.first, an); err != nil {
			return err
		}
	}
	return nil
}
