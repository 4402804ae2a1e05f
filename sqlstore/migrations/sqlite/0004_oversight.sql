-- 0004: oversight. The negative list and credit records (R8), the standing
-- they imply, and application_facts, the narrow summary of every filed
-- application that the figures read (a dashboard query over a million
-- applications must not touch the wide applications rows).

-- The negative list (R8). Its real items are not public (REGULATION.md,
-- open question 6): the rows seeded below are provisional, marked so, and
-- the platform operator edits them through the API.
CREATE TABLE negative_items (
	code           TEXT    PRIMARY KEY,
	description_zh TEXT    NOT NULL,
	description_en TEXT    NOT NULL,
	weight         INTEGER NOT NULL,
	source         TEXT    NOT NULL DEFAULT '',
	provisional    INTEGER NOT NULL DEFAULT 1,
	updated_at     BIGINT  NOT NULL
);
INSERT INTO negative_items (code, description_zh, description_en, weight, source, provisional, updated_at) VALUES
	('false_information', '提供虚假信息或材料', 'false information or documents', 6, 'Notice 648 (R8, dishonest conduct); provisional', 1, 0),
	('wrong_filing', '申报数据与机动车登记证书不一致', 'filed data do not match the registration certificate (R5)', 1, 'Notice 648 (R5); provisional', 1, 0),
	('repeated_wrong_filing', '多次申报不合规数据', 'repeated non-compliant filings (R6)', 3, 'Notice 648 (R6); provisional', 1, 0),
	('no_parts_or_repair_info', '未按要求提供维修技术信息或零配件', 'failure to provide spare parts or repair know-how', 4, 'Notice 648 guidance (R8); provisional', 1, 0),
	('quality_assurance_failure', '未履行质量保证义务', 'failure of quality-assurance duties', 4, 'Notice 648 guidance (R8); provisional', 1, 0);

-- Credit events against an exporter. weight is copied from the list when
-- recorded, so editing the list later does not rewrite the past. recorded_by
-- is the authority, or NULL when ucx saw the fact itself (a licence refused
-- for an R5 mismatch).
CREATE TABLE credit_events (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	exporter_id    INTEGER NOT NULL REFERENCES orgs(id),
	code           TEXT    NOT NULL REFERENCES negative_items(code),
	weight         INTEGER NOT NULL,
	occurred_on    INTEGER NOT NULL,
	evidence       TEXT    NOT NULL DEFAULT '',
	recorded_by    INTEGER REFERENCES orgs(id),
	application_id INTEGER REFERENCES applications(id),
	licence_id     INTEGER REFERENCES licences(id),
	appeal_note    TEXT    NOT NULL DEFAULT '',
	annulled       INTEGER NOT NULL DEFAULT 0,
	annul_reason   TEXT    NOT NULL DEFAULT '',
	created_at     BIGINT  NOT NULL
);
CREATE INDEX credit_events_exporter ON credit_events(exporter_id, occurred_on);
CREATE INDEX credit_events_code ON credit_events(code, occurred_on);
CREATE INDEX credit_events_licence ON credit_events(licence_id);

-- The standing the events imply, and an authority's override (R8). The
-- effective standing stays in orgs.standing, which licences read;
-- effective records what ucx last wrote there, so a change made through
-- SetStanding is noticed and kept as an override.
CREATE TABLE credit_standings (
	exporter_id     INTEGER PRIMARY KEY REFERENCES orgs(id),
	computed        TEXT    NOT NULL,
	score           INTEGER NOT NULL,
	effective       TEXT    NOT NULL,
	override        TEXT    NOT NULL DEFAULT '',
	override_reason TEXT    NOT NULL DEFAULT '',
	override_by     INTEGER REFERENCES orgs(id),
	confirmed_at    BIGINT,
	updated_at      BIGINT  NOT NULL
);

-- An exporter's standing history is its audit events.
CREATE INDEX events_entity ON events(entity, entity_id, id);

-- application_facts: one narrow row per filed application, kept by
-- triggers in the same transaction as the change (so nothing in the
-- workflow code has to remember it). Days are day numbers; month is
-- YYYYMM; reg_days is application day minus registration day (R1).
CREATE TABLE application_facts (
	app_id          INTEGER PRIMARY KEY,
	exporter_id     INTEGER NOT NULL,
	manufacturer_id INTEGER NOT NULL DEFAULT 0,
	brand           TEXT    NOT NULL,
	destination     TEXT    NOT NULL,
	app_day         INTEGER NOT NULL,
	month           INTEGER NOT NULL,
	reg_days        INTEGER NOT NULL,
	letter          INTEGER NOT NULL,
	mileage         INTEGER,
	state           TEXT    NOT NULL,
	licence_day     INTEGER,
	licence_month   INTEGER
);
-- One covering index per grouping, led by the group key so that each
-- figure streams through one index in order.
CREATE INDEX facts_day ON application_facts(app_day, exporter_id);
-- The exporters' yearly volumes (figures by exporter size) group by exporter
-- in index order, with no temporary B-tree.
CREATE INDEX facts_exporter ON application_facts(exporter_id, app_day);
CREATE INDEX facts_month ON application_facts(month, app_day, letter, mileage, licence_day, reg_days);
CREATE INDEX facts_licence ON application_facts(licence_month, licence_day);
CREATE INDEX facts_destination ON application_facts(destination, app_day, letter, mileage, licence_day);
CREATE INDEX facts_brand ON application_facts(brand, app_day, letter, mileage, licence_day);
CREATE INDEX facts_manufacturer ON application_facts(manufacturer_id, app_day, letter, mileage, licence_day);
CREATE INDEX facts_regdays ON application_facts(month, reg_days, app_day);

CREATE TRIGGER application_facts_insert AFTER INSERT ON applications
WHEN NEW.application_date IS NOT NULL
BEGIN
	INSERT OR REPLACE INTO application_facts (app_id, exporter_id, manufacturer_id, brand, destination, app_day, month, reg_days, letter, mileage, state)
	VALUES (NEW.id, NEW.exporter_id, COALESCE(NEW.manufacturer_id, 0), NEW.brand, NEW.destination, NEW.application_date,
		CAST(strftime('%Y%m', NEW.application_date * 86400, 'unixepoch') AS INTEGER), NEW.application_date - NEW.registration_date,
		NEW.letter_required, json_extract(NEW.data, '$.vehicle.mileage_km'), NEW.state);
END;

CREATE TRIGGER application_facts_update AFTER UPDATE OF state, application_date, manufacturer_id, letter_required ON applications
WHEN NEW.application_date IS NOT NULL
BEGIN
	INSERT INTO application_facts (app_id, exporter_id, manufacturer_id, brand, destination, app_day, month, reg_days, letter, mileage, state)
	VALUES (NEW.id, NEW.exporter_id, COALESCE(NEW.manufacturer_id, 0), NEW.brand, NEW.destination, NEW.application_date,
		CAST(strftime('%Y%m', NEW.application_date * 86400, 'unixepoch') AS INTEGER), NEW.application_date - NEW.registration_date,
		NEW.letter_required, json_extract(NEW.data, '$.vehicle.mileage_km'), NEW.state)
	ON CONFLICT (app_id) DO UPDATE SET state = excluded.state, manufacturer_id = excluded.manufacturer_id,
		app_day = excluded.app_day, month = excluded.month, reg_days = excluded.reg_days, letter = excluded.letter;
END;

CREATE TRIGGER application_facts_licence AFTER INSERT ON licences
BEGIN
	UPDATE application_facts SET licence_day = NEW.issued_on,
		licence_month = CAST(strftime('%Y%m', NEW.issued_on * 86400, 'unixepoch') AS INTEGER)
	WHERE app_id = NEW.application_id;
END;

-- The figures of letters read confirmation requests by time.
CREATE INDEX confirmation_requests_figures ON confirmation_requests(requested_at, manufacturer_id, exporter_id, state, answered_at);
