-- Genqueue schema, version 11: who created each generation (issue #15,
-- "People"): the member name (`created_by`: the name chosen when joining a
-- team's database, else the OS user name) and the machine (`created_on`:
-- its host name). NULL for generations queued before this version.
ALTER TABLE generations ADD COLUMN created_by TEXT;
ALTER TABLE generations ADD COLUMN created_on TEXT;
CREATE INDEX generations_created_by ON generations (created_by, created_at);
