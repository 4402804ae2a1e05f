-- 0010: what the reader noted about an imported file, though no row was
-- wrong for it: that it was converted from GB18030 (a CSV saved by Excel
-- on a Chinese Windows) or UTF-16, and the headings that name no column.
-- One note a line; empty when there is none.
ALTER TABLE imports ADD COLUMN notes TEXT NOT NULL DEFAULT '';
