-- 0002: the transparency log (package tlog; sqlstore/tlog.go explains the design).

-- log_state holds the next leaf index. Appending a leaf takes it with
-- UPDATE … RETURNING inside the document's own transaction, so indices are
-- handed out in commit order, gap-free: a rolled-back document rolls its
-- index back too.
CREATE TABLE log_state (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	next_index BIGINT  NOT NULL
);
INSERT INTO log_state (id, next_index) VALUES (1, 0);

-- log_leaves: every entry ever appended, with its RFC 6962 leaf hash.
CREATE TABLE log_leaves (
	idx        INTEGER PRIMARY KEY, -- the rowid: leaf lookups are proofs' hot path
	hash       BLOB    NOT NULL,
	entry      BLOB    NOT NULL,
	created_at BIGINT  NOT NULL
);
CREATE INDEX log_leaves_hash ON log_leaves(hash);

-- log_tree is the integrated tree: its size and root. Its one row is the
-- integrator's lock.
CREATE TABLE log_tree (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	size BIGINT  NOT NULL,
	root BLOB    NOT NULL
);
INSERT INTO log_tree (id, size, root) VALUES (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- log_nodes: the hash of every complete subtree above the leaves (level ≥ 1;
-- leaf hashes are in log_leaves), written once when it becomes complete, so
-- that a proof is one query for about log2(n) rows and never a rehash. The
-- key packs the node's coordinates, id = level * 2^56 + index, so that a
-- proof's nodes are one IN list on the primary key (SQLite's rowid).
CREATE TABLE log_nodes (
	id   INTEGER PRIMARY KEY,
	hash BLOB    NOT NULL
);

-- log_checkpoints: every signed checkpoint (C2SP tlog-checkpoint note).
CREATE TABLE log_checkpoints (
	size       BIGINT  PRIMARY KEY,
	root       BLOB    NOT NULL,
	note       BLOB    NOT NULL,
	created_at BIGINT  NOT NULL
);
