-- 0007: closing the paths around the workflow's rules.
--
-- wmi_confirmations records the operator's confirmation that a
-- manufacturer may declare a WMI the built-in table gives to another maker
-- (R2): without one such a declaration is refused.
CREATE TABLE wmi_confirmations (
	wmi          TEXT    NOT NULL,
	org_id       BIGINT NOT NULL REFERENCES orgs(id),
	confirmed_by BIGINT REFERENCES users(id),
	confirmed_at BIGINT  NOT NULL,
	note         TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (wmi, org_id)
);

-- invitations are the one-time set-password tokens of users the operator
-- creates: the operator never chooses (and so never knows) a password of
-- another organisation's user. Only the SHA-256 of the token is kept.
CREATE TABLE invitations (
	hash       TEXT    PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users(id),
	created_by BIGINT REFERENCES users(id),
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL,
	used_at    BIGINT
);
CREATE INDEX invitations_user ON invitations(user_id);

-- Per-account sign-in throttling: consecutive failures and the time
-- before which the account refuses every sign-in, the right password
-- included, whichever client sends it.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
