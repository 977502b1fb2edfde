-- Genqueue's PostgreSQL schema: the counters of each member (issue #15,
-- "People"), as SQLite's migrations/0013_member_counters.sql: one row per
-- `created_by` ('' for generations queued before creators were recorded),
-- kept exact by the trigger below, so a member's `⟳ N` is one primary-key
-- lookup. Only writes that change a status, the viewed flag or the creator
-- touch it (a progress write does not), and each member has its own row,
-- so two members' engines do not wait on one row.
CREATE TABLE member_counters (
    member     text   NOT NULL PRIMARY KEY,
    pending    bigint NOT NULL DEFAULT 0,
    processing bigint NOT NULL DEFAULT 0,
    completed  bigint NOT NULL DEFAULT 0,
    failed     bigint NOT NULL DEFAULT 0,
    cancelled  bigint NOT NULL DEFAULT 0,
    unviewed   bigint NOT NULL DEFAULT 0
);

INSERT INTO member_counters
    (member, pending, processing, completed, failed, cancelled, unviewed)
SELECT coalesce(created_by, ''),
       count(*) FILTER (WHERE status = 'pending'),
       count(*) FILTER (WHERE status = 'processing'),
       count(*) FILTER (WHERE status = 'completed'),
       count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'cancelled'),
       count(*) FILTER (WHERE NOT viewed)
FROM generations GROUP BY coalesce(created_by, '');

CREATE FUNCTION genqueue_count_member(m text, status text, unviewed boolean, sign int)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO member_counters AS c
        (member, pending, processing, completed, failed, cancelled, unviewed)
    VALUES (m,
            sign * (status = 'pending')::int, sign * (status = 'processing')::int,
            sign * (status = 'completed')::int, sign * (status = 'failed')::int,
            sign * (status = 'cancelled')::int, sign * unviewed::int)
    ON CONFLICT (member) DO UPDATE SET
        pending    = c.pending    + EXCLUDED.pending,
        processing = c.processing + EXCLUDED.processing,
        completed  = c.completed  + EXCLUDED.completed,
        failed     = c.failed     + EXCLUDED.failed,
        cancelled  = c.cancelled  + EXCLUDED.cancelled,
        unviewed   = c.unviewed   + EXCLUDED.unviewed
$$;

CREATE FUNCTION genqueue_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.viewed = NEW.viewed
       AND OLD.created_by IS NOT DISTINCT FROM NEW.created_by THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM genqueue_count_member(coalesce(OLD.created_by, ''), OLD.status, NOT OLD.viewed, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM genqueue_count_member(coalesce(NEW.created_by, ''), NEW.status, NOT NEW.viewed, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_member_counters AFTER INSERT OR UPDATE OR DELETE ON generations
    FOR EACH ROW EXECUTE FUNCTION genqueue_count_members();
