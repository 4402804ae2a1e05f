-- 0015: the indexes of the working tables (issue 14): every party's queue
-- and list sorts and filters a million applications by keyset (ucx
-- list.go), each page a seek on one of these indexes rather than a scan,
-- and the "more" link a seek past the last row's (sort value, id).
--
-- applications has a unique index and four others already; filings write
-- every index, so only what the tables offer is added: the authority's
-- review queue (state, oldest filed first), filed-date ranges and order,
-- the manufacturer filter, an exporter's list by state and by last
-- change, and the end of the VIN (positions 12-17, the serial people
-- read off a car), which the search box takes 6-16 VIN characters for.
-- A destination or outcome filter reads the id order and drops the rows
-- that do not match: both are common enough that a page fills fast.
CREATE INDEX applications_state_filed ON applications(state, application_date, id);
CREATE INDEX applications_filed ON applications(application_date, id);
CREATE INDEX applications_manufacturer ON applications(manufacturer_id, id);
CREATE INDEX applications_exporter_state ON applications(exporter_id, state, id);
CREATE INDEX applications_exporter_updated ON applications(exporter_id, updated_at, id);
CREATE INDEX applications_vin_tail ON applications(substr(vin, 12));

-- A manufacturer's history (answered, newest answer first), its requests
-- from one exporter (who asks, and what it asked before), all of its
-- requests in any state (by answer and in arrival order), and an
-- exporter's requests.
CREATE INDEX confirmation_requests_answered ON confirmation_requests(manufacturer_id, state, answered_at, id);
CREATE INDEX confirmation_requests_maker_all ON confirmation_requests(manufacturer_id, answered_at, id);
CREATE INDEX confirmation_requests_maker ON confirmation_requests(manufacturer_id, id);
CREATE INDEX confirmation_requests_maker_exporter ON confirmation_requests(manufacturer_id, exporter_id, id);
CREATE INDEX confirmation_requests_exporter ON confirmation_requests(exporter_id, id);

-- Licences by issue date and by clearance (the customs desk's list).
CREATE INDEX licences_issued ON licences(issued_on, id);
CREATE INDEX licences_cleared ON licences(cleared_at, id);
