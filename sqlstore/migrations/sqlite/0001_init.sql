-- 0001: organisations, users, the export workflow and its audit trail.
-- Times are unix microseconds (BIGINT), civil dates are day numbers since
-- 1970-01-01 (INTEGER): the same columns on both engines, exact to compare.

CREATE TABLE orgs (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	kind           TEXT    NOT NULL,
	name           TEXT    NOT NULL UNIQUE,
	name_en        TEXT    NOT NULL DEFAULT '',
	region         TEXT    NOT NULL DEFAULT '',
	brands         TEXT    NOT NULL DEFAULT '[]',
	filing_number  TEXT    NOT NULL DEFAULT '',
	filing_expires INTEGER,
	standing       TEXT    NOT NULL DEFAULT '',
	created_at     BIGINT  NOT NULL
);

CREATE TABLE org_wmis (
	wmi    TEXT    PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id)
);

CREATE TABLE outlets (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id   INTEGER NOT NULL REFERENCES orgs(id),
	country  TEXT    NOT NULL,
	provider TEXT    NOT NULL,
	address  TEXT    NOT NULL,
	contact  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outlets_org ON outlets(org_id, country);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id        INTEGER NOT NULL REFERENCES orgs(id),
	username      TEXT    NOT NULL UNIQUE,
	display_name  TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	created_at    BIGINT  NOT NULL
);

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	name       TEXT    NOT NULL,
	prefix     TEXT    NOT NULL,
	hash       TEXT    NOT NULL UNIQUE,
	created_at BIGINT  NOT NULL,
	revoked_at BIGINT
);

CREATE TABLE sessions (
	hash       TEXT    PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL
);

-- Bulk imports (before applications, which name the import that filed them).
CREATE TABLE imports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	exporter_id INTEGER NOT NULL REFERENCES orgs(id),
	user_id     INTEGER NOT NULL REFERENCES users(id),
	filename    TEXT    NOT NULL,
	state       TEXT    NOT NULL,
	total       INTEGER NOT NULL DEFAULT 0,
	processed   INTEGER NOT NULL DEFAULT 0,
	filed       INTEGER NOT NULL DEFAULT 0,
	rejected    INTEGER NOT NULL DEFAULT 0,
	error       TEXT    NOT NULL DEFAULT '',
	created_at  BIGINT  NOT NULL,
	finished_at BIGINT
);

CREATE TABLE applications (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	exporter_id       INTEGER NOT NULL REFERENCES orgs(id),
	manufacturer_id   INTEGER REFERENCES orgs(id),
	vin               TEXT    NOT NULL,
	brand             TEXT    NOT NULL,
	model             TEXT    NOT NULL,
	destination       TEXT    NOT NULL,
	-- search is VIN, brand, model, buyer and contract number, lower-cased
	-- by ucx (Unicode-aware, which SQLite's LOWER is not), for the list
	-- filter's "contains" query.
	search            TEXT    NOT NULL DEFAULT '',
	state             TEXT    NOT NULL,
	version           INTEGER NOT NULL,
	application_date  INTEGER,
	registration_date INTEGER NOT NULL,
	outcome           TEXT    NOT NULL,
	letter_required   INTEGER NOT NULL,
	data              TEXT    NOT NULL,
	decision          TEXT    NOT NULL,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL,
	-- The import and data row that filed it, if one did: the row's result
	-- is the application itself, so import_rows keeps only the rows that
	-- need words of their own (see ImportRows).
	import_id         INTEGER REFERENCES imports(id),
	import_row        INTEGER
);
-- One live application per car: a withdrawn or refused one may be refiled.
CREATE UNIQUE INDEX applications_live_vin ON applications(vin) WHERE state NOT IN ('withdrawn', 'refused');
CREATE INDEX applications_exporter ON applications(exporter_id, id);
CREATE INDEX applications_state ON applications(state, id);
CREATE INDEX applications_vin ON applications(vin);
CREATE INDEX applications_import ON applications(import_id, import_row) WHERE import_id IS NOT NULL;

CREATE TABLE confirmation_requests (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	application_id    INTEGER NOT NULL REFERENCES applications(id),
	manufacturer_id   INTEGER NOT NULL REFERENCES orgs(id),
	exporter_id       INTEGER NOT NULL REFERENCES orgs(id),
	state             TEXT    NOT NULL,
	version           INTEGER NOT NULL,
	outlet_ids        TEXT    NOT NULL DEFAULT '[]',
	refusal_code      TEXT    NOT NULL DEFAULT '',
	refusal_text      TEXT    NOT NULL DEFAULT '',
	requested_at      BIGINT  NOT NULL,
	answered_at       BIGINT,
	document          BLOB
);
CREATE INDEX confirmation_requests_inbox ON confirmation_requests(manufacturer_id, state, id);
CREATE INDEX confirmation_requests_app ON confirmation_requests(application_id);

CREATE TABLE licences (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	number             TEXT    NOT NULL UNIQUE,
	application_id     INTEGER NOT NULL UNIQUE REFERENCES applications(id),
	exporter_id        INTEGER NOT NULL REFERENCES orgs(id),
	authority_id       INTEGER NOT NULL REFERENCES orgs(id),
	destination        TEXT    NOT NULL,
	schedule           TEXT    NOT NULL,
	confirmation_ids   TEXT    NOT NULL DEFAULT '[]',
	issued_on          INTEGER NOT NULL,
	valid_until        INTEGER NOT NULL,
	cleared_at         BIGINT,
	cleared_by         INTEGER REFERENCES orgs(id),
	port               TEXT    NOT NULL DEFAULT '',
	declaration_number TEXT    NOT NULL DEFAULT '',
	deregistration_due INTEGER,
	document           BLOB,
	created_at         BIGINT  NOT NULL
);
CREATE INDEX licences_exporter ON licences(exporter_id, id);

-- No AUTOINCREMENT: events are never deleted, so a plain rowid never
-- reuses an id, and it spares every audited change a write to
-- sqlite_sequence.
CREATE TABLE events (
	id             INTEGER PRIMARY KEY,
	at             BIGINT  NOT NULL,
	actor_user_id  INTEGER,
	actor_org_id   INTEGER,
	action         TEXT    NOT NULL,
	entity         TEXT    NOT NULL,
	entity_id      INTEGER NOT NULL,
	application_id INTEGER,
	before         TEXT    NOT NULL DEFAULT '',
	after          TEXT    NOT NULL DEFAULT '',
	note           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_application ON events(application_id, id);

CREATE TABLE idempotency_keys (
	org_id     INTEGER NOT NULL,
	key        TEXT    NOT NULL,
	request    TEXT    NOT NULL,
	entity_id  INTEGER NOT NULL,
	created_at BIGINT  NOT NULL,
	PRIMARY KEY (org_id, key)
);

-- The uploaded file, apart from imports: the progress counters are updated
-- every batch, and SQLite rewrites a whole row on UPDATE, blob included.
CREATE TABLE import_files (
	import_id INTEGER PRIMARY KEY REFERENCES imports(id),
	data      BLOB    NOT NULL
);

-- WITHOUT ROWID: rows are written and read by (import, row), so the primary
-- key is the table and no second b-tree is kept.
-- The result of each data row that did not simply file an application: a
-- rejected row, or a filed one with a note (filed but not submitted). A
-- row that filed an application is that application (its import_id and
-- import_row), so a filed car costs one row, not two.
CREATE TABLE import_rows (
	import_id      INTEGER NOT NULL REFERENCES imports(id),
	row            INTEGER NOT NULL,
	vin            TEXT    NOT NULL,
	status         TEXT    NOT NULL,
	application_id INTEGER,
	outcome        TEXT    NOT NULL DEFAULT '',
	reasons        TEXT    NOT NULL DEFAULT '[]',
	PRIMARY KEY (import_id, row)
) WITHOUT ROWID;
