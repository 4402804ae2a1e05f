-- 0009: WMI claims waiting for the operator, and indexes for an
-- organisation's audit trail.
--
-- wmi_claims holds a manufacturer's declaration of a WMI that the built-in
-- table or another organisation's declaration gives to another maker
-- (R2). It does not route requests: those VINs keep going where they went
-- until the operator confirms the claim (the WMI then moves to org_wmis and
-- the confirmation is recorded in wmi_confirmations) or refuses it (the
-- row goes; the audit event stays). holder names the maker the WMI was
-- given to when it was claimed.
CREATE TABLE wmi_claims (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	wmi        TEXT    NOT NULL,
	org_id     INTEGER  NOT NULL REFERENCES orgs(id),
	holder     TEXT    NOT NULL DEFAULT '',
	claimed_by INTEGER  REFERENCES users(id),
	claimed_at BIGINT  NOT NULL,
	UNIQUE (wmi, org_id)
);

-- An organisation's audit trail: what its users did, and what was done to
-- it and its users (by the operator, or by the sign-in throttle); the
-- events about an entity are indexed since 0004.
CREATE INDEX events_actor_org ON events(actor_org_id, id);
