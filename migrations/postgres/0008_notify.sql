-- Every write of generations or tokens tells the engines listening on the
-- database (`LISTEN genqueue_changes`, one connection per store: see
-- crates/core/src/store/pg/listen.rs), in the writer's own transaction: a
-- notification is delivered at its commit, and never for a rolled-back write.
--
-- One notification per statement (a bulk insert of a batch is one), its
-- payload JSON, at most about 4 KB (PostgreSQL refuses 8000 bytes or more):
--   o    the writer's `application_name` (each store sets its own, so that
--        it can skip its own writes, already announced where they were made);
--   k    "g" (generations) or "t" (tokens);
--   ids  the changed (or deleted) rows' ids, or null for more than 100 rows
--        (the listener then reads what changed recently instead);
--   s    the counters' `seq` after the write.

CREATE FUNCTION genqueue_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
    n integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(id::text), count(*) INTO ids, n FROM (SELECT id FROM old_rows LIMIT 101) x;
    ELSE
        SELECT array_agg(id::text), count(*) INTO ids, n FROM (SELECT id FROM new_rows LIMIT 101) x;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('genqueue_changes', json_build_object(
        'o', current_setting('application_name'),
        'k', CASE TG_TABLE_NAME WHEN 'generations' THEN 'g' ELSE 't' END,
        'ids', CASE WHEN n > 100 THEN NULL ELSE to_json(ids) END,
        's', (SELECT seq FROM counters WHERE id = 1))::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_notify_insert AFTER INSERT ON generations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
CREATE TRIGGER generations_notify_update AFTER UPDATE ON generations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
CREATE TRIGGER generations_notify_delete AFTER DELETE ON generations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
CREATE TRIGGER tokens_notify_insert AFTER INSERT ON tokens
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
CREATE TRIGGER tokens_notify_update AFTER UPDATE ON tokens
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
CREATE TRIGGER tokens_notify_delete AFTER DELETE ON tokens
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION genqueue_notify_changes();
