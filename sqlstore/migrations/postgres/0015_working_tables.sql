-- 0015: the indexes of the working tables (issue 14). See the SQLite twin
-- for why these. A nullable sort column is indexed NULLS FIRST: the lists
-- sort NULLs first ascending and last descending on both engines (SQLite's
-- own order), and PostgreSQL reads this index forwards for the one and
-- backwards for the other.
CREATE INDEX applications_state_filed ON applications(state, application_date NULLS FIRST, id);
CREATE INDEX applications_filed ON applications(application_date NULLS FIRST, id);
CREATE INDEX applications_manufacturer ON applications(manufacturer_id, id);
CREATE INDEX applications_exporter_state ON applications(exporter_id, state, id);
CREATE INDEX applications_exporter_updated ON applications(exporter_id, updated_at, id);
CREATE INDEX applications_vin_tail ON applications((substr(vin, 12)));

CREATE INDEX confirmation_requests_answered ON confirmation_requests(manufacturer_id, state, answered_at NULLS FIRST, id);
CREATE INDEX confirmation_requests_maker_all ON confirmation_requests(manufacturer_id, answered_at NULLS FIRST, id);
CREATE INDEX confirmation_requests_maker ON confirmation_requests(manufacturer_id, id);
CREATE INDEX confirmation_requests_maker_exporter ON confirmation_requests(manufacturer_id, exporter_id, id);
CREATE INDEX confirmation_requests_exporter ON confirmation_requests(exporter_id, id);

CREATE INDEX licences_issued ON licences(issued_on, id);
CREATE INDEX licences_cleared ON licences(cleared_at NULLS FIRST, id);
