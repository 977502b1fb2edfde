-- Genqueue PostgreSQL schema: history search finds what SQLite's FTS5 finds.
--
-- `prompt_search` was PostgreSQL's own `to_tsvector('simple', prompt)`: its
-- parser splits words differently from FTS5's `unicode61` and does not fold
-- diacritics, and it lowers by the database's locale. It is now written by
-- the store from FTS5's own tokens (`store/fts_tokens.rs`) as a tsvector with
-- positions; rows written before are filled in by the store when it opens.

ALTER TABLE generations DROP COLUMN prompt_search;
ALTER TABLE generations ADD COLUMN prompt_search tsvector;
CREATE INDEX generations_prompt_search ON generations USING gin (prompt_search);
