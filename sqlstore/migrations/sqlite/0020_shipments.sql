-- 0020: shipments and letters (一批一证, R4).
--
-- A shipment is one licence application for a batch: one exporter, one
-- destination, one export contract and 1..N vehicles, each vehicle still
-- an application row (applications.shipment_id). A letter is the request
-- to one manufacturer for all of its VINs in a shipment, one
-- confirmation_requests row per VIN (confirmation_requests.letter_id). A
-- licence is issued per shipment (licences.shipment_id).
CREATE TABLE shipments (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	exporter_id       INTEGER NOT NULL REFERENCES orgs(id),
	destination       TEXT    NOT NULL,
	buyer             TEXT    NOT NULL DEFAULT '',
	contract_number   TEXT    NOT NULL DEFAULT '',
	after_sales_terms TEXT    NOT NULL DEFAULT '',
	state             TEXT    NOT NULL,
	version           INTEGER NOT NULL,
	application_date  INTEGER,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL
);
CREATE INDEX shipments_exporter ON shipments(exporter_id, id);
CREATE INDEX shipments_exporter_state ON shipments(exporter_id, state, id);
CREATE INDEX shipments_state ON shipments(state, id);

ALTER TABLE applications ADD COLUMN shipment_id INTEGER REFERENCES shipments(id);
CREATE INDEX applications_shipment ON applications(shipment_id, id);

CREATE TABLE letters (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	shipment_id     INTEGER NOT NULL REFERENCES shipments(id),
	manufacturer_id INTEGER NOT NULL REFERENCES orgs(id),
	exporter_id     INTEGER NOT NULL REFERENCES orgs(id),
	destination     TEXT    NOT NULL,
	state           TEXT    NOT NULL,
	version         INTEGER NOT NULL,
	requested_at    BIGINT  NOT NULL,
	answered_at     BIGINT
);
CREATE INDEX letters_inbox ON letters(manufacturer_id, state, id);
CREATE INDEX letters_shipment ON letters(shipment_id, id);
CREATE INDEX letters_exporter ON letters(exporter_id, id);

ALTER TABLE confirmation_requests ADD COLUMN letter_id INTEGER REFERENCES letters(id);
CREATE INDEX confirmation_requests_letter ON confirmation_requests(letter_id, id);
-- A letter's answer is sealed once for all the VINs it approved: the
-- sealed document is stored under the first of those requests, and each of
-- the others names it in sealed_with (NULL: the request's own).
ALTER TABLE confirmation_requests ADD COLUMN sealed_with INTEGER REFERENCES confirmation_requests(id);

ALTER TABLE licences ADD COLUMN shipment_id INTEGER REFERENCES shipments(id);
CREATE UNIQUE INDEX licences_shipment ON licences(shipment_id) WHERE shipment_id IS NOT NULL;

-- Existing data stay valid as batches of one: a shipment per application
-- (same id), a letter per confirmation request (same id).
INSERT INTO shipments (id, exporter_id, destination, buyer, contract_number, after_sales_terms, state, version,
	application_date, created_at, updated_at)
SELECT id, exporter_id, destination, COALESCE(json_extract(data, '$.buyer'), ''),
	COALESCE(json_extract(data, '$.contract_number'), ''), '', state, 1, application_date, created_at, updated_at
FROM applications;
UPDATE applications SET shipment_id = id;

INSERT INTO letters (id, shipment_id, manufacturer_id, exporter_id, destination, state, version, requested_at, answered_at)
SELECT r.id, r.application_id, r.manufacturer_id, r.exporter_id, a.destination,
	CASE r.state WHEN 'pending' THEN 'pending' WHEN 'void' THEN 'void' ELSE 'answered' END,
	1, r.requested_at, r.answered_at
FROM confirmation_requests r JOIN applications a ON a.id = r.application_id;
UPDATE confirmation_requests SET letter_id = id;

UPDATE licences SET shipment_id = application_id;
