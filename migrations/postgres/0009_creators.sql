-- Genqueue's PostgreSQL schema: who created each generation (issue #15,
-- "People"), as SQLite's migrations/0011_creators.sql: the member name
-- chosen when joining (`created_by`) and the machine's host name
-- (`created_on`); NULL for generations queued before.
ALTER TABLE generations ADD COLUMN created_by text;
ALTER TABLE generations ADD COLUMN created_on text;
CREATE INDEX generations_created_by ON generations (created_by, created_at);
