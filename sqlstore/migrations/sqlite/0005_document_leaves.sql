-- 0005: every sealed document and revocation is a leaf of the transparency
-- log (0002), appended in the same transaction as the document. log_index
-- is that leaf's index, so a verification bundle can prove the document's
-- inclusion without searching the log. It is NULL only for documents
-- stored before this migration, which were never logged.
ALTER TABLE documents ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX documents_log_index ON documents(log_index);
