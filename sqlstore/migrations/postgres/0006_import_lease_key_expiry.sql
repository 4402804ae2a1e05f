-- 0006: crash-safe imports and expiring idempotency keys.
--
-- heartbeat_at is when the worker running an import last showed it was
-- alive (at its claim and with every batch it files). A running import
-- whose heartbeat is older than the lease belongs to a dead process, and
-- another worker reclaims it and carries on after its last filed row.
-- Imports left running by a process older than this migration get their
-- creation time, so they too are reclaimed rather than stuck for ever.
ALTER TABLE imports ADD COLUMN heartbeat_at BIGINT;
UPDATE imports SET heartbeat_at = created_at WHERE state = 'running';

-- Idempotency keys are kept for a day; the background worker deletes the
-- older ones oldest first, which this index finds without a scan.
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
