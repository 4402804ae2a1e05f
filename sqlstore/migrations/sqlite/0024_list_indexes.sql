-- The lists' sorts by registration and filing date, for one exporter and
-- for everyone, read in index order instead of sorting every match
-- (BenchmarkListPages, issue 14: list pages under 100 ms at a million
-- applications).
CREATE INDEX applications_exporter_registered ON applications(exporter_id, registration_date, id);
CREATE INDEX applications_registered ON applications(registration_date, id);
CREATE INDEX applications_exporter_filed ON applications(exporter_id, application_date, id);
