-- 0008: witnesses' cosignatures of the transparency log's checkpoints
-- (C2SP tlog-cosignature). Each row is one witness's signature line on the
-- checkpoint of that size, checked against the witness's key before it is
-- stored; the log serves a checkpoint with the lines of its size appended,
-- which is how bundles carry them. A witness's newer cosignature of the
-- same checkpoint replaces its older one.
CREATE TABLE log_cosignatures (
    size       BIGINT NOT NULL,
    witness    TEXT NOT NULL,
    line       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (size, witness)
);
