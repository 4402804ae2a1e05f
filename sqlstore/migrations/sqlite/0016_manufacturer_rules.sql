-- 0016: manufacturers' own rules (optional automation of the inbox).
--
-- A manufacturer's rule is a CEL predicate over a confirmation request with
-- an action: queue (pre-sort into a lane, priority and tag), refuse (with a
-- refusal code and text) or approve (with every own outlet in the
-- destination, only with a custodial key). Rules are versioned, never
-- edited in place: mfr_rules is the rule's identity with its current
-- version (and, copied from it, the position and state the inbox reads),
-- and every change (text, order, disabling, deleting) is a new row of
-- mfr_rule_versions, so the text that answered a request is kept.
CREATE TABLE mfr_rules (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	manufacturer_id INTEGER  NOT NULL REFERENCES orgs(id),
	version         INTEGER NOT NULL,
	position        INTEGER NOT NULL,
	state           TEXT    NOT NULL,
	created_at      BIGINT  NOT NULL,
	updated_at      BIGINT  NOT NULL
);
CREATE INDEX mfr_rules_org ON mfr_rules(manufacturer_id, state, position, id);

CREATE TABLE mfr_rule_versions (
	rule_id      INTEGER  NOT NULL REFERENCES mfr_rules(id),
	version      INTEGER NOT NULL,
	name         TEXT    NOT NULL,
	position     INTEGER NOT NULL,
	state        TEXT    NOT NULL,
	expr         TEXT    NOT NULL,
	action       TEXT    NOT NULL,
	lane         TEXT    NOT NULL DEFAULT '',
	priority     INTEGER NOT NULL DEFAULT 0,
	tag          TEXT    NOT NULL DEFAULT '',
	refusal_code TEXT    NOT NULL DEFAULT '',
	refusal_text TEXT    NOT NULL DEFAULT '',
	created_at   BIGINT  NOT NULL,
	created_by   INTEGER  REFERENCES users(id),
	PRIMARY KEY (rule_id, version)
);

-- A request's rules are evaluated after the transaction that made it
-- commits: the submit writes a job here in its own transaction (only when
-- the manufacturer has an enabled rule), and the serve loop's worker takes
-- each job once (DELETE … in the transaction that acts on the request),
-- across several ucx serve processes. attempts counts failures the worker
-- retries (the database unavailable); a rule's own failure is final.
CREATE TABLE request_rule_jobs (
	request_id INTEGER  PRIMARY KEY REFERENCES confirmation_requests(id),
	queued_at  BIGINT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0
);

-- What a rule did to a request: the inbox lane, priority and tag of a
-- queue rule (or of an approve rule without a custodial key, tagged
-- ready_to_seal) with the rule version that sorted it; and the rule
-- version that answered it, when the answer was automatic.
ALTER TABLE confirmation_requests ADD COLUMN lane TEXT NOT NULL DEFAULT '';
ALTER TABLE confirmation_requests ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE confirmation_requests ADD COLUMN tag TEXT NOT NULL DEFAULT '';
ALTER TABLE confirmation_requests ADD COLUMN sort_rule_id INTEGER REFERENCES mfr_rules(id);
ALTER TABLE confirmation_requests ADD COLUMN sort_rule_version INTEGER;
ALTER TABLE confirmation_requests ADD COLUMN answer_rule_id INTEGER REFERENCES mfr_rules(id);
ALTER TABLE confirmation_requests ADD COLUMN answer_rule_version INTEGER;

-- The inbox by priority within a state, oldest first.
CREATE INDEX confirmation_requests_lanes ON confirmation_requests(manufacturer_id, state, priority DESC, id);

-- The figures count automatic answers beside the time to answer: the
-- figures index gains the answering rule, so the figures still read the
-- index alone.
DROP INDEX confirmation_requests_figures;
CREATE INDEX confirmation_requests_figures ON confirmation_requests(requested_at, manufacturer_id, exporter_id, state, answered_at, answer_rule_id);
