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

-- One upsert per counted change (two only if the creator changed, which no
-- writer does today); a write that changes neither status nor viewed, none.
-- All in PL/pgSQL, whose statements keep their plans between calls.
CREATE FUNCTION genqueue_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o_member text := NULL;
    o_status text := NULL;
    o_unviewed int := 0;
    n_member text := NULL;
    n_status text := NULL;
    n_unviewed int := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        o_member := coalesce(OLD.created_by, '');
        o_status := OLD.status;
        o_unviewed := (NOT OLD.viewed)::int;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        n_member := coalesce(NEW.created_by, '');
        n_status := NEW.status;
        n_unviewed := (NOT NEW.viewed)::int;
    END IF;
    IF TG_OP = 'UPDATE' AND o_member = n_member AND o_status = n_status
       AND o_unviewed = n_unviewed THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND o_member <> n_member THEN
        -- Out of the old member's row; the new one's below counts it in.
        INSERT INTO member_counters AS c
            (member, pending, processing, completed, failed, cancelled, unviewed)
        VALUES (o_member, -(o_status = 'pending')::int, -(o_status = 'processing')::int,
                -(o_status = 'completed')::int, -(o_status = 'failed')::int,
                -(o_status = 'cancelled')::int, -o_unviewed)
        ON CONFLICT (member) DO UPDATE SET
            pending    = c.pending    + EXCLUDED.pending,
            processing = c.processing + EXCLUDED.processing,
            completed  = c.completed  + EXCLUDED.completed,
            failed     = c.failed     + EXCLUDED.failed,
            cancelled  = c.cancelled  + EXCLUDED.cancelled,
            unviewed   = c.unviewed   + EXCLUDED.unviewed;
        o_status := NULL;
        o_unviewed := 0;
    END IF;
    INSERT INTO member_counters AS c
        (member, pending, processing, completed, failed, cancelled, unviewed)
    VALUES (coalesce(n_member, o_member),
            (n_status IS NOT DISTINCT FROM 'pending')::int    - (o_status IS NOT DISTINCT FROM 'pending')::int,
            (n_status IS NOT DISTINCT FROM 'processing')::int - (o_status IS NOT DISTINCT FROM 'processing')::int,
            (n_status IS NOT DISTINCT FROM 'completed')::int  - (o_status IS NOT DISTINCT FROM 'completed')::int,
            (n_status IS NOT DISTINCT FROM 'failed')::int     - (o_status IS NOT DISTINCT FROM 'failed')::int,
            (n_status IS NOT DISTINCT FROM 'cancelled')::int  - (o_status IS NOT DISTINCT FROM 'cancelled')::int,
            n_unviewed - o_unviewed)
    ON CONFLICT (member) DO UPDATE SET
        pending    = c.pending    + EXCLUDED.pending,
        processing = c.processing + EXCLUDED.processing,
        completed  = c.completed  + EXCLUDED.completed,
        failed     = c.failed     + EXCLUDED.failed,
        cancelled  = c.cancelled  + EXCLUDED.cancelled,
        unviewed   = c.unviewed   + EXCLUDED.unviewed;
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_member_counters AFTER INSERT OR UPDATE OR DELETE ON generations
    FOR EACH ROW EXECUTE FUNCTION genqueue_count_members();
