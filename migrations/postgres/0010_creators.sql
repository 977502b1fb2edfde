-- Genqueue's PostgreSQL schema: who created each generation (issue #15,
-- "People"), as SQLite's migrations/0011_creators.sql: the member name
-- chosen when joining (`created_by`) and the machine's host name
-- (`created_on`); NULL for generations queued before.
-- (File number 0010 is this change's reserved number; 0008 and 0009 are
-- other changes' and come before it in `MIGRATIONS`.)
ALTER TABLE generations ADD COLUMN created_by text;
ALTER TABLE generations ADD COLUMN created_on text;
CREATE INDEX generations_created_by ON generations (created_by, created_at);
