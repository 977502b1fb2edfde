-- Genqueue schema, version 6: a generation's deadlines (issue #12).
--
-- start_deadline_secs: how long its prediction may stay `starting` before
-- the engine cancels it (NULL: the setting's value, 15 min by default).
-- run_deadline_secs: sent as Replicate's `Cancel-After` header on create
-- (counted from the prediction's creation; NULL: none).
ALTER TABLE generations ADD COLUMN start_deadline_secs INTEGER;
ALTER TABLE generations ADD COLUMN run_deadline_secs INTEGER;
