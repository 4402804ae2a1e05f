package sqlstore

// Manufacturers' own rules (ucx.RuleService; mfrrule.go in the root
// package): their versions, the evaluation of a new request's rules, and
// the dry run.
//
// When rules run. A request's rules are evaluated after the transaction
// that made the request commits, by a worker the serve loop runs
// (RunRequestRules), not inside that transaction. The submit writes a job
// (queueRequestRules, one call where requests are inserted) in its own
// transaction, so no request is ever missed or evaluated twice; the worker
// takes each job once, in the transaction that acts on the request. Inside
// the submit would be wrong for three reasons:
//
//   - an automatic approval seals the letter with the manufacturer's
//     custodial key and appends a transparency-log leaf, which takes the
//     log's one counter row (log_state) until commit. Filings run in
//     group transactions of up to 128 (group.go) that must do only SQL;
//     sealing there would stall every filing behind a signature and hold
//     the log's lock for the whole group;
//   - the answer is the manufacturer's act, not the exporter's: its audit
//     events name the manufacturer (and no user) as the actor, which a
//     separate transaction of the manufacturer's gives naturally;
//   - a shipment's letter (issue 11) is answered item by item and sealed
//     when its last item is answered; answering the first item while the
//     submit is still inserting the others would seal a letter of one.
//     After the commit every item of the letter exists.
//
// The cost is a delay of at most a poll (a second) before a rule acts.
// A failing rule never blocks the request: the failure is logged and
// recorded in the manufacturer's audit trail (request.rule_failed), the
// job is dropped, and the request stays in the inbox for a person.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/policy"
)

var _ ucx.RuleService = (*DB)(nil)

// Audit actions and entity of the rules.
const (
	actRuleCreate        = "rule.create"
	actRuleUpdate        = "rule.update"
	actRuleState         = "rule.set_state"
	actRequestSort       = "request.sort"
	actRequestRuleFailed = "request.rule_failed"
	entityRule           = "mfr_rule"
)

const (
	// rulePoll is how often RunRequestRules looks for new requests.
	rulePoll = time.Second
	// ruleJobBatch is how many jobs one look takes.
	ruleJobBatch = 100
	// ruleJobAttempts is how often a job failing for a transient reason
	// (the database unavailable, a conflict) is tried before it is
	// dropped as failed.
	ruleJobAttempts = 5
)

const ruleColumns = `r.id, r.manufacturer_id, r.created_at, v.version, v.state, v.name, v.position, v.expr, v.action,
	v.lane, v.priority, v.tag, v.refusal_code, v.refusal_text, v.created_at, v.created_by`

const ruleFrom = " FROM mfr_rules r JOIN mfr_rule_versions v ON v.rule_id = r.id"

func scanRule(sc interface{ Scan(...any) error }) (*ucx.ManufacturerRule, error) {
	var r ucx.ManufacturerRule
	var created, at int64
	var state, action string
	var by sql.NullInt64
	if err := sc.Scan(&r.ID, &r.ManufacturerID, &created, &r.Version, &state, &r.Name, &r.Position, &r.When, &action,
		&r.Lane, &r.Priority, &r.Tag, &r.RefusalCode, &r.RefusalText, &at, &by); err != nil {
		return nil, err
	}
	r.State, r.Action = ucx.RuleState(state), ucx.RuleAction(action)
	r.CreatedAt, r.VersionAt, r.VersionBy = fromMicros(created), fromMicros(at), by.Int64
	return &r, nil
}

// mayReadRules lets a manufacturer's users, of any role, read its rules:
// they explain how its inbox is sorted.
func mayReadRules(p *ucx.Principal) error {
	if err := signedIn(p); err != nil {
		return err
	}
	if !p.Is(ucx.KindManufacturer) {
		return ucx.Errorf(ucx.EFORBIDDEN, "only a manufacturer has rules for its inbox of confirmation requests (R2)")
	}
	return nil
}

// mayChangeRules lets only a manufacturer's admins change or try its
// rules: a rule answers for the manufacturer.
func mayChangeRules(p *ucx.Principal) error {
	if err := mayReadRules(p); err != nil {
		return err
	}
	if p.Role != ucx.RoleAdmin {
		return ucx.Errorf(ucx.EFORBIDDEN, "only your organisation's admins write, change and try its rules, since a rule answers for the manufacturer")
	}
	return nil
}

func errNoRule(id int64) error { return ucx.Errorf(ucx.ENOTFOUND, "rule %d not found", id) }

// ruleBy names a rule version in audit notes, so that every automatic act
// says which rule, as it was, made it.
func ruleBy(r *ucx.ManufacturerRule) string {
	return fmt.Sprintf("rule %d %q v%d (automatic)", r.ID, r.Name, r.Version)
}

// checkedRule normalises and checks a rule, predicate included.
func checkedRule(in *ucx.ManufacturerRuleInput) (ucx.ManufacturerRuleInput, error) {
	x := *in
	x.Normalize()
	if err := x.Validate(); err != nil {
		return x, err
	}
	_, err := predicate(x.When)
	return x, err
}

// predicates caches compiled predicates by their text: a version's text
// never changes, and compiling costs far more than evaluating.
var (
	predicates    sync.Map // string → *policy.ManufacturerPredicate
	predicateSize atomic.Int64
)

func predicate(when string) (*policy.ManufacturerPredicate, error) {
	if m, ok := predicates.Load(when); ok {
		return m.(*policy.ManufacturerPredicate), nil
	}
	m, err := policy.CompileManufacturerRule(when)
	if err != nil {
		return nil, err
	}
	if predicateSize.Add(1) > 10000 {
		predicates.Clear()
		predicateSize.Store(0)
	}
	predicates.Store(when, m)
	return m, nil
}

// writeVersion stores version v of rule id in state s.
func (tx *Tx) writeVersion(ctx context.Context, p *ucx.Principal, id int64, v int, s ucx.RuleState, x *ucx.ManufacturerRuleInput) error {
	_, err := tx.Exec(ctx, `INSERT INTO mfr_rule_versions (rule_id, version, name, position, state, expr, action, lane, priority, tag,
		refusal_code, refusal_text, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, v, x.Name, x.Position, string(s), x.When, string(x.Action), x.Lane, x.Priority, x.Tag,
		x.RefusalCode, x.RefusalText, micros(tx.now), nullID(p.UserID))
	return err
}

// CreateRule adds a rule to the end of the caller's manufacturer's rules
// (or at in.Position), enabled, as version 1.
func (db *DB) CreateRule(ctx context.Context, p *ucx.Principal, in *ucx.ManufacturerRuleInput) (*ucx.ManufacturerRule, error) {
	const op = "sqlstore.CreateRule"
	if err := mayChangeRules(p); err != nil {
		return nil, err
	}
	x, err := checkedRule(in)
	if err != nil {
		return nil, err
	}
	var out *ucx.ManufacturerRule
	err = db.Update(ctx, op, func(tx *Tx) error {
		var n, last int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(position), 0) FROM mfr_rules WHERE manufacturer_id = ? AND state <> ?",
			p.OrgID, string(ucx.RuleDeleted)).Scan(&n, &last); err != nil {
			return err
		}
		if n >= ucx.MaxRulesPerManufacturer {
			return ucx.Errorf(ucx.ERULE, "a manufacturer may have at most %d rules; delete some first", ucx.MaxRulesPerManufacturer)
		}
		if x.Position == 0 {
			x.Position = last + 10
		}
		id, err := tx.InsertID(ctx, "INSERT INTO mfr_rules (manufacturer_id, version, position, state, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?)",
			p.OrgID, x.Position, string(ucx.RuleEnabled), micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		if err := tx.writeVersion(ctx, p, id, 1, ucx.RuleEnabled, &x); err != nil {
			return err
		}
		out = &ucx.ManufacturerRule{ID: id, ManufacturerID: p.OrgID, Version: 1, State: ucx.RuleEnabled, ManufacturerRuleInput: x,
			CreatedAt: tx.now, VersionAt: tx.now, VersionBy: p.UserID}
		return tx.event(ctx, p, actRuleCreate, entityRule, id, 0, "", string(ucx.RuleEnabled), ruleVersionNote(out))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ruleVersionNote is the audit note of a rule's version: the whole rule,
// so that the trail alone tells what the rule said.
func ruleVersionNote(r *ucx.ManufacturerRule) string {
	s := fmt.Sprintf("v%d %q position %d: when %s → %s", r.Version, r.Name, r.Position, r.When, r.Action)
	switch r.Action {
	case ucx.RuleRefuse:
		s += " " + refusalNote(r.RefusalCode, r.RefusalText)
	default:
		s += fmt.Sprintf(" lane %q priority %d tag %q", r.Lane, r.Priority, r.Tag)
	}
	if len(s) > maxNoteBytes {
		s = truncateUTF8(s, maxNoteBytes)
	}
	return s
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8Start(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 {
		s = s[:len(s)-1] // the cut rune's first byte
	}
	return s
}

func utf8Start(b byte) bool { return b < 0x80 || b >= 0xC0 }

// ruleAt loads the current version of the caller's manufacturer's rule id;
// another manufacturer's is ENOTFOUND.
func (tx *Tx) ruleAt(ctx context.Context, p *ucx.Principal, id int64) (*ucx.ManufacturerRule, error) {
	r, err := scanRule(tx.QueryRow(ctx, "SELECT "+ruleColumns+ruleFrom+" WHERE r.id = ? AND r.manufacturer_id = ? AND v.version = r.version", id, p.OrgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRule(id)
	}
	return r, err
}

// UpdateRule makes a new version of the rule with in's content, at the
// version the caller saw. Position 0 keeps the rule's place.
func (db *DB) UpdateRule(ctx context.Context, p *ucx.Principal, id int64, version int, in *ucx.ManufacturerRuleInput) (*ucx.ManufacturerRule, error) {
	if err := mayChangeRules(p); err != nil {
		return nil, err
	}
	x, err := checkedRule(in)
	if err != nil {
		return nil, err
	}
	return db.newVersion(ctx, "sqlstore.UpdateRule", p, id, version, func(cur *ucx.ManufacturerRule) (ucx.ManufacturerRuleInput, ucx.RuleState, bool) {
		if x.Position == 0 {
			x.Position = cur.Position
		}
		return x, cur.State, x != cur.ManufacturerRuleInput
	})
}

// SetRuleState enables, disables or deletes the rule, as a new version.
// Asking for the state it has changes nothing.
func (db *DB) SetRuleState(ctx context.Context, p *ucx.Principal, id int64, version int, s ucx.RuleState) (*ucx.ManufacturerRule, error) {
	if err := mayChangeRules(p); err != nil {
		return nil, err
	}
	if !s.Valid() {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "state", "state must be enabled, disabled or deleted")
	}
	return db.newVersion(ctx, "sqlstore.SetRuleState", p, id, version, func(cur *ucx.ManufacturerRule) (ucx.ManufacturerRuleInput, ucx.RuleState, bool) {
		return cur.ManufacturerRuleInput, s, s != cur.State
	})
}

// newVersion writes the version change makes of the current one, unless
// change says nothing changed.
func (db *DB) newVersion(ctx context.Context, op string, p *ucx.Principal, id int64, version int,
	change func(cur *ucx.ManufacturerRule) (ucx.ManufacturerRuleInput, ucx.RuleState, bool)) (*ucx.ManufacturerRule, error) {
	var out *ucx.ManufacturerRule
	err := db.Update(ctx, op, func(tx *Tx) error {
		cur, err := tx.ruleAt(ctx, p, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return ucx.Errorf(ucx.ECONFLICT, "the rule changed since you read it (version %d); reload", cur.Version)
		}
		if cur.State == ucx.RuleDeleted {
			return ucx.Errorf(ucx.ERULE, "rule %d is deleted; it is kept to explain past answers and cannot change again", id)
		}
		x, s, changed := change(cur)
		if !changed {
			out = cur
			return nil
		}
		res, err := tx.Exec(ctx, "UPDATE mfr_rules SET version = version + 1, position = ?, state = ?, updated_at = ? WHERE id = ? AND version = ?",
			x.Position, string(s), micros(tx.now), id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = ucx.Errorf(ucx.ECONFLICT, "the rule changed since you read it; reload")
			}
			return err
		}
		if err := tx.writeVersion(ctx, p, id, version+1, s, &x); err != nil {
			return err
		}
		out = &ucx.ManufacturerRule{ID: id, ManufacturerID: p.OrgID, Version: version + 1, State: s, ManufacturerRuleInput: x,
			CreatedAt: cur.CreatedAt, VersionAt: tx.now, VersionBy: p.UserID}
		action := actRuleUpdate
		if s != cur.State {
			action = actRuleState
		}
		return tx.event(ctx, p, action, entityRule, id, 0, string(cur.State), string(s), ruleVersionNote(out))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindRules lists the caller's manufacturer's rules in the order they are
// tried, each as its current version.
func (db *DB) FindRules(ctx context.Context, p *ucx.Principal, f ucx.RuleFilter) ([]*ucx.ManufacturerRule, error) {
	if err := mayReadRules(p); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.FindRules", func(tx *Tx) ([]*ucx.ManufacturerRule, error) {
		q := "SELECT " + ruleColumns + ruleFrom + " WHERE r.manufacturer_id = ? AND v.version = r.version"
		args := []any{p.OrgID}
		if !f.Deleted {
			q, args = q+" AND r.state <> ?", append(args, string(ucx.RuleDeleted))
		}
		return queryAll(ctx, tx, scanRule, q+" ORDER BY r.position, r.id", args...)
	})
}

// FindRuleByID returns the current version of one of the caller's
// manufacturer's rules with every version, oldest first.
func (db *DB) FindRuleByID(ctx context.Context, p *ucx.Principal, id int64) (*ucx.ManufacturerRule, error) {
	if err := mayReadRules(p); err != nil {
		return nil, err
	}
	return viewValue(ctx, db, "sqlstore.FindRuleByID", func(tx *Tx) (*ucx.ManufacturerRule, error) {
		r, err := tx.ruleAt(ctx, p, id)
		if err != nil {
			return nil, err
		}
		r.History, err = queryAll(ctx, tx, scanRule, "SELECT "+ruleColumns+ruleFrom+" WHERE r.id = ? ORDER BY v.version", id)
		return r, err
	})
}

// enabledRules are a manufacturer's enabled rules in the order they are
// tried, as their current versions.
func (tx *Tx) enabledRules(ctx context.Context, mfr int64) ([]*ucx.ManufacturerRule, error) {
	return queryAll(ctx, tx, scanRule, "SELECT "+ruleColumns+ruleFrom+" WHERE r.manufacturer_id = ? AND r.state = ? AND v.version = r.version ORDER BY r.position, r.id",
		mfr, string(ucx.RuleEnabled))
}

// queueRequestRules asks for the rules of the request's manufacturer to
// be evaluated once the transaction that made the request commits (see
// the top of this file). It is called in that transaction, wherever a
// confirmation request is inserted; a manufacturer without an enabled
// rule gets no job.
func (tx *Tx) queueRequestRules(ctx context.Context, requestID, manufacturerID int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO request_rule_jobs (request_id, queued_at) SELECT CAST(? AS BIGINT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM mfr_rules WHERE manufacturer_id = ? AND state = ?)`,
		requestID, micros(tx.now), manufacturerID, string(ucx.RuleEnabled))
	return err
}

// RunRequestRules evaluates new requests' rules until ctx is cancelled,
// looking for them every second. `ucx serve` runs it in the background;
// with several processes sharing one PostgreSQL each request's rules still
// act once (ProcessRequestRules).
func (db *DB) RunRequestRules(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(rulePoll)
	defer t.Stop()
	for {
		if n, err := db.ProcessRequestRules(ctx, log); err != nil && ctx.Err() == nil {
			log.Error("evaluating manufacturers' rules failed", "err", err, "requests", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ProcessRequestRules evaluates the rules of every request waiting for
// them and returns how many it took. Each job is taken by deleting it in
// the transaction that acts on its request, so of several workers exactly
// one acts (on PostgreSQL the others' DELETE waits for that commit and
// then finds nothing). A rule that fails is logged to log (nil: not
// logged) and recorded in the manufacturer's audit trail; the request
// stays in the inbox. The error is only the store's own.
func (db *DB) ProcessRequestRules(ctx context.Context, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := 0
	for {
		ids, err := viewValue(ctx, db, "sqlstore.ProcessRequestRules", func(tx *Tx) ([]int64, error) {
			return queryAll(ctx, tx, scanID, "SELECT request_id FROM request_rule_jobs ORDER BY request_id LIMIT ?", ruleJobBatch)
		})
		if err != nil {
			return n, err
		}
		// A job the store fails on stays for the next look; the others
		// are not kept waiting behind it.
		var first error
		for _, id := range ids {
			if err := db.runRuleJob(ctx, id, log); err != nil {
				if ctx.Err() != nil {
					return n, err
				}
				first = cmp.Or(first, err)
				continue
			}
			n++
		}
		if first != nil || len(ids) < ruleJobBatch {
			return n, first
		}
	}
}

// ruleFailure is a rule that could not act on a request: its predicate
// failed, or its action was refused (an approve rule where the
// manufacturer has no outlet in the destination, say).
type ruleFailure struct {
	mfr  int64
	rule *ucx.ManufacturerRule
	err  error
}

func (f *ruleFailure) Error() string { return ruleBy(f.rule) + ": " + f.err.Error() }
func (f *ruleFailure) Unwrap() error { return f.err }

// final reports whether trying again cannot help: the rule's own failure
// (its predicate, or an action the workflow refuses), not the store's.
func (f *ruleFailure) final() bool {
	var e *ucx.Error
	if !errors.As(f.err, &e) {
		return true // CEL's evaluation errors
	}
	switch e.Code {
	case ucx.EINVALID, ucx.ERULE, ucx.ENOTFOUND, ucx.EFORBIDDEN, ucx.EUNREGISTERED: // R2: until the operator binds it
		return true
	}
	return false
}

// runRuleJob takes the job of request id and acts on it (applyRules). A
// rule's failure drops the job with an audit event; a transient one keeps
// it for the next look, up to ruleJobAttempts.
func (db *DB) runRuleJob(ctx context.Context, id int64, log *slog.Logger) error {
	const op = "sqlstore.ProcessRequestRules"
	err := db.Update(ctx, op, func(tx *Tx) error { return tx.applyRules(ctx, id) })
	if err == nil || ctx.Err() != nil {
		return cmp.Or(ctx.Err(), err)
	}
	var f *ruleFailure
	if !errors.As(err, &f) {
		return err // the store itself: the job stays
	}
	return db.Update(ctx, op, func(tx *Tx) error {
		var attempts int
		err := tx.QueryRow(ctx, "SELECT attempts FROM request_rule_jobs WHERE request_id = ?", id).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another worker finished it
		}
		if err != nil {
			return err
		}
		if !f.final() && attempts+1 < ruleJobAttempts {
			log.Warn("a manufacturer's rule could not act yet; trying again", "request", id, "rule", f.rule.ID, "version", f.rule.Version, "err", f.err)
			_, err := tx.Exec(ctx, "UPDATE request_rule_jobs SET attempts = attempts + 1 WHERE request_id = ?", id)
			return err
		}
		log.Warn("a manufacturer's rule failed; the request stays in the inbox", "request", id, "rule", f.rule.ID, "version", f.rule.Version, "err", f.err)
		if _, err := tx.Exec(ctx, "DELETE FROM request_rule_jobs WHERE request_id = ?", id); err != nil {
			return err
		}
		note := truncateUTF8(ruleBy(f.rule)+" failed, so the request stays in the inbox: "+oneLineText(ucx.ErrorMessage(f.err), f.err), maxNoteBytes)
		return tx.event(ctx, ruleActor(f.mfr), actRequestRuleFailed, entityRequest, id, 0, "", "", note)
	})
}

// oneLineText is the failure's message for a note: a ucx error's message,
// else the cause's text (CEL's evaluation errors are not ucx errors and
// say nothing secret), on one line.
func oneLineText(msg string, err error) string {
	var e *ucx.Error
	if !errors.As(err, &e) {
		msg = err.Error()
	}
	return strings.Join(strings.Fields(msg), " ")
}

// ruleActor is the principal an automatic act is recorded under: the
// manufacturer, with no user, since its rule acted.
func ruleActor(mfr int64) *ucx.Principal {
	return &ucx.Principal{OrgID: mfr, OrgKind: ucx.KindManufacturer, Role: ucx.RoleMember}
}

// applyRules takes request id's job and, if the request is still pending,
// lets the first of its manufacturer's enabled rules that matches act.
func (tx *Tx) applyRules(ctx context.Context, id int64) error {
	res, err := tx.Exec(ctx, "DELETE FROM request_rule_jobs WHERE request_id = ?", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return err // another worker took it
	}
	r, err := scanRequest(tx.QueryRow(ctx, "SELECT "+requestColumns+requestFrom+" WHERE r.id = ?", id))
	if err != nil {
		return err
	}
	if r.State != ucx.ConfirmationPending {
		return nil // answered, or withdrawn, before the rules ran
	}
	rules, err := tx.enabledRules(ctx, r.ManufacturerID)
	if err != nil || len(rules) == 0 {
		return err
	}
	facts, err := tx.ruleFacts(ctx, r)
	if err != nil {
		return err
	}
	for _, rule := range rules {
		m, err := predicate(rule.When)
		if err == nil {
			var ok bool
			if ok, err = m.Match(facts); err == nil && !ok {
				continue
			}
		}
		if err == nil {
			err = tx.act(ctx, r, rule)
		}
		if err != nil {
			return &ruleFailure{mfr: r.ManufacturerID, rule: rule, err: err}
		}
		return nil
	}
	return nil
}

// ruleFacts reads what the rules know about request r.
func (tx *Tx) ruleFacts(ctx context.Context, r *ucx.ConfirmationRequest) (*ucx.RuleFacts, error) {
	f := &ucx.RuleFacts{Destination: r.Destination, ExporterID: r.ExporterID, VIN: r.VIN, Brand: r.Brand, Model: r.Model}
	var appDay sql.NullInt64
	var standing string
	var outlets int
	err := tx.QueryRow(ctx, `SELECT a.application_date, o.name, o.standing,
		(SELECT COUNT(*) FROM outlets ot WHERE ot.org_id = ? AND ot.country = a.destination)
		FROM applications a JOIN orgs o ON o.id = a.exporter_id WHERE a.id = ?`, r.ManufacturerID, r.ApplicationID).
		Scan(&appDay, &f.ExporterName, &standing, &outlets)
	if err != nil {
		return nil, err
	}
	f.ExporterStanding, f.HasOutletInDestination = ucx.Standing(standing), outlets > 0
	if f.ExporterStanding == "" {
		f.ExporterStanding = ucx.StandingNormal
	}
	if appDay.Valid {
		f.AgeDays = ucx.DateFromDays(int(appDay.Int64)).Sub(r.RegistrationDate)
	}
	return f, nil
}

// act carries out rule's action on the pending request r, as the
// manufacturer, in the caller's transaction.
func (tx *Tx) act(ctx context.Context, r *ucx.ConfirmationRequest, rule *ucx.ManufacturerRule) error {
	p, by := ruleActor(r.ManufacturerID), ruleBy(rule)
	switch rule.Action {
	case ucx.RuleQueue:
		return tx.sortRequest(ctx, p, r, rule, rule.Tag, by)
	case ucx.RuleRefuse:
		code, text, err := checkRefusal(rule.RefusalCode, rule.RefusalText)
		if err != nil {
			return err
		}
		if err := tx.refuse(ctx, p, r, code, text, by); err != nil {
			return err
		}
		return tx.answeredBy(ctx, r, rule)
	case ucx.RuleApprove:
		outlets, sealed, err := tx.approvable(ctx, r)
		if err != nil {
			return err
		}
		if len(outlets) == 0 {
			return ucx.Errorf(ucx.ERULE, "the manufacturer has no outlet in %s, so the request cannot be approved (R3); add an outlet there, or put a rule refusing no_service_network before this one", r.Destination)
		}
		if !sealed {
			return tx.sortRequest(ctx, p, r, rule, ucx.TagReadyToSeal, by+": would approve, but there is no custodial key to seal with, so it waits ready to seal")
		}
		if err := tx.approve(ctx, p, r, outlets, nil, by); err != nil {
			return err
		}
		return tx.answeredBy(ctx, r, rule)
	}
	return ucx.Errorf(ucx.EINVALID, "unknown action %q", rule.Action)
}

// approvable returns the ids of the manufacturer's outlets in r's
// destination (R3: an automatic approval names them all) and whether it
// can seal now with a custodial key. With sealing off there is no key to
// seal with, so no automatic approval either: an automatic letter must
// bear the manufacturer's seal.
func (tx *Tx) approvable(ctx context.Context, r *ucx.ConfirmationRequest) ([]int64, bool, error) {
	mfr, err := tx.orgByID(ctx, r.ManufacturerID)
	if err != nil {
		return nil, false, err
	}
	var ids []int64
	for _, ot := range mfr.OutletsIn(r.Destination) {
		ids = append(ids, ot.ID)
	}
	if tx.db.seals == nil {
		return ids, false, nil
	}
	if _, err := tx.custodialKey(ctx, r.ManufacturerID); err != nil {
		if ucx.ErrorCode(err) == ucx.ERULE {
			return ids, false, nil
		}
		return nil, false, err
	}
	return ids, true, nil
}

// sortRequest puts r into the rule's lane and priority with tag. Sorting
// changes nothing an answer depends on, so the request's version stays:
// a person who read it before the rule ran can still answer it.
func (tx *Tx) sortRequest(ctx context.Context, p *ucx.Principal, r *ucx.ConfirmationRequest, rule *ucx.ManufacturerRule, tag, by string) error {
	if _, err := tx.Exec(ctx, `UPDATE confirmation_requests SET lane = ?, priority = ?, tag = ?, sort_rule_id = ?, sort_rule_version = ?
		WHERE id = ? AND state = ?`, rule.Lane, rule.Priority, tag, rule.ID, rule.Version, r.ID, string(ucx.ConfirmationPending)); err != nil {
		return err
	}
	r.Lane, r.Priority, r.Tag = rule.Lane, rule.Priority, tag
	r.SortedByRule = &ucx.RuleRef{ID: rule.ID, Version: rule.Version, Name: rule.Name}
	note := fmt.Sprintf("%s: lane %q, priority %d, tag %q", by, rule.Lane, rule.Priority, tag)
	return tx.event(ctx, p, actRequestSort, entityRequest, r.ID, 0, string(r.State), string(r.State), truncateUTF8(note, maxNoteBytes))
}

// answeredBy records that rule answered r.
func (tx *Tx) answeredBy(ctx context.Context, r *ucx.ConfirmationRequest, rule *ucx.ManufacturerRule) error {
	_, err := tx.Exec(ctx, "UPDATE confirmation_requests SET answer_rule_id = ?, answer_rule_version = ? WHERE id = ?", rule.ID, rule.Version, r.ID)
	r.AnsweredByRule = &ucx.RuleRef{ID: rule.ID, Version: rule.Version, Name: rule.Name}
	return err
}

// TestRule tries a rule on the caller's manufacturer's last requests and
// says what it would do with each, judged on today's facts, and which
// enabled rule would act on it first now. Nothing is written.
func (db *DB) TestRule(ctx context.Context, p *ucx.Principal, t *ucx.RuleTest) (*ucx.RuleTestResult, error) {
	if err := mayChangeRules(p); err != nil {
		return nil, err
	}
	last := t.Last
	switch {
	case last == 0:
		last = 20
	case last < 0 || last > ucx.MaxRuleTestRequests:
		return nil, ucx.FieldErrorf(ucx.EINVALID, "last", "last must be between 1 and %d", ucx.MaxRuleTestRequests)
	}
	var in ucx.ManufacturerRuleInput
	if t.RuleID == 0 {
		given := t.ManufacturerRuleInput
		if strings.TrimSpace(given.Name) == "" {
			given.Name = "dry run" // a rule tried before it is named
		}
		x, err := checkedRule(&given)
		if err != nil {
			return nil, err
		}
		in = x
	}
	return viewValue(ctx, db, "sqlstore.TestRule", func(tx *Tx) (*ucx.RuleTestResult, error) {
		if t.RuleID != 0 {
			r, err := tx.ruleAt(ctx, p, t.RuleID)
			if err != nil {
				return nil, err
			}
			in = r.ManufacturerRuleInput
		}
		m, err := predicate(in.When)
		if err != nil {
			return nil, err
		}
		rules, err := tx.enabledRules(ctx, p.OrgID)
		if err != nil {
			return nil, err
		}
		reqs, err := queryAll(ctx, tx, scanRequest, "SELECT "+requestColumns+requestFrom+" WHERE r.manufacturer_id = ? ORDER BY r.id DESC LIMIT ?", p.OrgID, last)
		if err != nil {
			return nil, err
		}
		out := &ucx.RuleTestResult{Tested: len(reqs), Rows: []ucx.RuleTestRow{}}
		for _, r := range reqs {
			f, err := tx.ruleFacts(ctx, r)
			if err != nil {
				return nil, err
			}
			row := ucx.RuleTestRow{RequestID: r.ID, VIN: r.VIN, Destination: r.Destination, ExporterID: r.ExporterID,
				ExporterName: f.ExporterName, State: r.State}
			ok, err := m.Match(f)
			switch {
			case err != nil:
				row.Error = oneLineText(err.Error(), err)
				out.Failed++
			case ok:
				row.Matched = true
				out.Matched++
				if row.Outcome, err = tx.outcome(ctx, r, in.Action); err != nil {
					return nil, err
				}
			}
			for _, rule := range rules {
				pm, err := predicate(rule.When)
				if err != nil {
					continue
				}
				if ok, err := pm.Match(f); err == nil && ok {
					row.Acting = &ucx.RuleRef{ID: rule.ID, Version: rule.Version, Name: rule.Name}
					break
				}
			}
			out.Rows = append(out.Rows, row)
		}
		return out, nil
	})
}

// outcome words what action a would do with r now.
func (tx *Tx) outcome(ctx context.Context, r *ucx.ConfirmationRequest, a ucx.RuleAction) (string, error) {
	if a != ucx.RuleApprove {
		return string(a), nil
	}
	outlets, sealed, err := tx.approvable(ctx, r)
	switch {
	case err != nil:
		return "", err
	case len(outlets) == 0:
		return "no_outlet", nil
	case !sealed:
		return ucx.TagReadyToSeal, nil
	}
	return string(ucx.RuleApprove), nil
}
