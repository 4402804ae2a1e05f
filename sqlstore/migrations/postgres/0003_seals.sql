-- 0003: sealed documents. The platform's root key (encrypted under the
-- key-encryption key the server is started with), the organisations'
-- sealing keys, every trust list the root has sealed, and every sealed
-- document (confirmations R2–R4, licences R14, revocations), stored as the
-- envelope bytes a verifier checks.

-- One row: the root key that seals trust lists. Its private key is
-- AES-256-GCM ciphertext under the KEK, never plaintext.
CREATE TABLE trust_root (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	key_id         TEXT    NOT NULL,
	public_key_pem TEXT    NOT NULL,
	private_key    BYTEA   NOT NULL,
	created_at     BIGINT  NOT NULL
);

-- Sealing keys. private_key is set only for custodial keys, and then is
-- AES-256-GCM ciphertext under the KEK bound to the key id.
CREATE TABLE keys (
	id             TEXT    PRIMARY KEY,
	org_id         BIGINT  NOT NULL REFERENCES orgs(id),
	alg            TEXT    NOT NULL,
	public_key_pem TEXT    NOT NULL,
	not_before     BIGINT  NOT NULL,
	not_after      BIGINT  NOT NULL,
	revoked_at     BIGINT,
	revoked_reason TEXT    NOT NULL DEFAULT '',
	private_key    BYTEA,
	created_at     BIGINT  NOT NULL
);
CREATE INDEX keys_org ON keys(org_id, created_at);

-- Every trust list ever sealed, so an old bundle's list can be found; the
-- highest sequence is the current one.
CREATE TABLE trust_lists (
	sequence  BIGINT PRIMARY KEY,
	envelope  BYTEA  NOT NULL,
	issued_at BIGINT NOT NULL
);

-- Sealed documents by the hex SHA-256 of their canonical document. A
-- revocation is itself a document (kind revocation) naming the one it
-- revokes; the revoked one carries revoked_at for quick answers.
CREATE TABLE documents (
	digest         TEXT    PRIMARY KEY,
	kind           TEXT    NOT NULL,
	entity_id      BIGINT  NOT NULL,
	org_id         BIGINT  NOT NULL REFERENCES orgs(id),
	envelope       BYTEA   NOT NULL,
	revokes        TEXT    REFERENCES documents(digest),
	created_at     BIGINT  NOT NULL,
	revoked_at     BIGINT,
	revoked_reason TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX documents_entity ON documents(kind, entity_id);
CREATE UNIQUE INDEX documents_revokes ON documents(revokes);
