-- 0023: deregistration records (R16).
--
-- A cleared vehicle (an application in state cleared) must be deregistered
-- within two months of clearance (licences.deregistration_due). Its
-- exporter records the deregistration once (deregistrations, never
-- updated); the overdue sweep marks each vehicle it finds overdue once
-- (deregistration_overdue), with the credit event that being overdue is
-- (R8, negative-list item deregistration_overdue).
CREATE TABLE deregistrations (
	application_id  BIGINT PRIMARY KEY REFERENCES applications(id),
	licence_id      BIGINT  NOT NULL REFERENCES licences(id),
	exporter_id     BIGINT  NOT NULL REFERENCES orgs(id),
	deregistered_on BIGINT  NOT NULL,
	reference       TEXT    NOT NULL,
	recorded_by     BIGINT  NOT NULL REFERENCES users(id),
	recorded_at     BIGINT  NOT NULL
);
CREATE INDEX deregistrations_licence ON deregistrations(licence_id);

-- One row per vehicle the sweep found overdue; credit_event_id is NULL for
-- the vehicles already announced overdue before this migration, when no
-- deregistration could be recorded on the platform (no credit event for
-- them: the exporter had no way to record it).
CREATE TABLE deregistration_overdue (
	application_id  BIGINT PRIMARY KEY REFERENCES applications(id),
	licence_id      BIGINT  NOT NULL REFERENCES licences(id),
	credit_event_id BIGINT  REFERENCES credit_events(id),
	found_at        BIGINT  NOT NULL
);
CREATE INDEX deregistration_overdue_licence ON deregistration_overdue(licence_id);

-- Cleared vehicles by exporter and by licence, for the lists.
CREATE INDEX applications_cleared ON applications(exporter_id, id) WHERE state = 'cleared';

INSERT INTO negative_items (code, description_zh, description_en, weight, source, provisional, updated_at) VALUES
	('deregistration_overdue', '出口通关后两个月内未办理注销登记', 'vehicle not deregistered within two months of export customs clearance (R16)', 1,
	 'Announcement 6 [A10] (R16); provisional', 1, 0)
ON CONFLICT (code) DO NOTHING;

INSERT INTO deregistration_overdue (application_id, licence_id, credit_event_id, found_at)
SELECT a.id, l.id, NULL, o.announced_at
FROM notify_overdue o JOIN licences l ON l.id = o.licence_id
JOIN applications a ON a.state = 'cleared' AND (a.id = l.application_id OR a.shipment_id = l.shipment_id)
WHERE true
ON CONFLICT (application_id) DO NOTHING;
