-- Genqueue's PostgreSQL schema, version 2: a generation's deadlines, as
-- SQLite's migrations/0006_deadlines.sql (issue #12), in whole seconds.
--
-- start_deadline_secs: how long its prediction may stay `starting` before
-- the engine cancels it (NULL: the setting's value, 15 min by default).
-- run_deadline_secs: sent as Replicate's `Cancel-After` header on create
-- (counted from the prediction's creation; NULL: none).
ALTER TABLE generations ADD COLUMN start_deadline_secs bigint CHECK (start_deadline_secs >= 0);
ALTER TABLE generations ADD COLUMN run_deadline_secs bigint CHECK (run_deadline_secs >= 0);
