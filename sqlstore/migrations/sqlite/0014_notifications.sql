-- 0014: notifications. The outbox (notifications and notify_deliveries) is
-- written in the transaction of the change it announces, by the audit
-- event writer, so that nothing is announced that did not happen and
-- nothing that happened is left unannounced; a worker in every `ucx serve`
-- delivers it (notify.Worker).

-- An organisation's ways of being told; its admins choose them and, per
-- channel, the events (space-separated). secret is a webhook's signing
-- secret or a bot's, "k1:" and ciphertext under the KEK when the server
-- has one, else "p:" and the secret. A deleted channel is kept for its log.
CREATE TABLE notify_channels (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id     INTEGER NOT NULL REFERENCES orgs(id),
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL DEFAULT '',
	url        TEXT    NOT NULL DEFAULT '',
	email_to   TEXT    NOT NULL DEFAULT '',
	secret     TEXT    NOT NULL DEFAULT '',
	lang       TEXT    NOT NULL DEFAULT 'both',
	events     TEXT    NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL DEFAULT 1,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT  NOT NULL,
	deleted_at BIGINT
);
CREATE INDEX notify_channels_org ON notify_channels(org_id) WHERE deleted_at IS NULL;
-- One in-app channel per organisation.
CREATE UNIQUE INDEX notify_channels_inapp ON notify_channels(org_id) WHERE kind = 'inapp' AND deleted_at IS NULL;

-- One event told to one organisation, with the facts its message says.
CREATE TABLE notifications (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id         INTEGER NOT NULL REFERENCES orgs(id),
	event          TEXT    NOT NULL,
	audit_event_id BIGINT  NOT NULL,
	application_id BIGINT,
	entity         TEXT    NOT NULL,
	entity_id      BIGINT  NOT NULL,
	facts          TEXT    NOT NULL,
	created_at     BIGINT  NOT NULL,
	UNIQUE (audit_event_id, org_id, event)
);

-- One notification on one channel. Due work is state pending or
-- delivering with next_at in the past: a claim sets delivering and moves
-- next_at to the end of its lease, so a dead worker's claim lapses by
-- itself. lease_token is the claim's; only its holder records the result.
-- attempts counts every try, tries those since the last replay.
CREATE TABLE notify_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	notification_id INTEGER NOT NULL REFERENCES notifications(id),
	channel_id      INTEGER NOT NULL REFERENCES notify_channels(id),
	org_id          INTEGER NOT NULL,
	kind            TEXT    NOT NULL,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	tries           INTEGER NOT NULL DEFAULT 0,
	next_at         BIGINT,
	lease_token     TEXT    NOT NULL DEFAULT '',
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	delivered_at    BIGINT,
	created_at      BIGINT  NOT NULL,
	UNIQUE (notification_id, channel_id)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(next_at) WHERE state IN ('pending', 'delivering');
CREATE INDEX notify_deliveries_org ON notify_deliveries(org_id, id);
CREATE INDEX notify_deliveries_inapp ON notify_deliveries(org_id, id) WHERE kind = 'inapp';

-- The delivery log: every attempt, what the receiver answered, how long.
CREATE TABLE notify_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	delivery_id INTEGER NOT NULL REFERENCES notify_deliveries(id),
	attempt     INTEGER NOT NULL,
	at          BIGINT  NOT NULL,
	ok          INTEGER NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	error       TEXT    NOT NULL DEFAULT '',
	duration_us BIGINT  NOT NULL,
	worker      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notify_attempts_delivery ON notify_attempts(delivery_id, id);

-- In-app items a user has read, one by one, and up to which id a user
-- marked everything read.
CREATE TABLE notify_reads (
	delivery_id INTEGER NOT NULL,
	user_id     INTEGER NOT NULL,
	read_at     BIGINT  NOT NULL,
	PRIMARY KEY (delivery_id, user_id)
);
CREATE TABLE notify_read_marks (
	user_id INTEGER PRIMARY KEY,
	upto    BIGINT  NOT NULL
);

-- Licences whose overdue deregistration (R16) was announced: once each,
-- whichever server's worker finds it first.
CREATE TABLE notify_overdue (
	licence_id   INTEGER PRIMARY KEY,
	announced_at BIGINT  NOT NULL
);
CREATE INDEX licences_deregistration_due ON licences(deregistration_due) WHERE deregistration_due IS NOT NULL;

-- Every organisation there is hears in the web UI (the bell) of every
-- event it can hear, until its admins choose otherwise; organisations
-- created from now on get the same channel in their creation's
-- transaction (sqlstore, announce).
INSERT INTO notify_channels (org_id, kind, name, lang, events, created_at)
SELECT id, 'inapp', '', 'both',
	CASE kind
		WHEN 'exporter' THEN 'request.answered application.decided licence.issued licence.refused clearance.recorded deregistration.overdue credit.recorded standing.changed document.revoked'
		WHEN 'manufacturer' THEN 'request.received request.withdrawn key.revoked document.revoked'
		WHEN 'authority' THEN 'application.review clearance.recorded deregistration.overdue key.revoked document.revoked'
		WHEN 'customs' THEN 'document.revoked'
		ELSE '' END,
	created_at
FROM orgs WHERE kind <> 'operator';
