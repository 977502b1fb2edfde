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

-- Adds `d` (the signed deltas of one row's status and viewed flag) to
-- member `m`'s row, creating it at the member's first generation.
CREATE FUNCTION genqueue_count_member(m text, d bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO member_counters AS c
        (member, pending, processing, completed, failed, cancelled, unviewed)
    VALUES (m, d[1], d[2], d[3], d[4], d[5], d[6])
    ON CONFLICT (member) DO UPDATE SET
        pending    = c.pending    + EXCLUDED.pending,
        processing = c.processing + EXCLUDED.processing,
        completed  = c.completed  + EXCLUDED.completed,
        failed     = c.failed     + EXCLUDED.failed,
        cancelled  = c.cancelled  + EXCLUDED.cancelled,
        unviewed   = c.unviewed   + EXCLUDED.unviewed
$$;

-- What a row's change adds to its member's counters: the new status and
-- viewed flag counted in, the old ones out (NULL: no row on that side).
CREATE FUNCTION genqueue_member_delta(o_status text, o_unviewed boolean,
                                      n_status text, n_unviewed boolean)
RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        (n_status IS NOT DISTINCT FROM 'pending')::int    - (o_status IS NOT DISTINCT FROM 'pending')::int,
        (n_status IS NOT DISTINCT FROM 'processing')::int - (o_status IS NOT DISTINCT FROM 'processing')::int,
        (n_status IS NOT DISTINCT FROM 'completed')::int  - (o_status IS NOT DISTINCT FROM 'completed')::int,
        (n_status IS NOT DISTINCT FROM 'failed')::int     - (o_status IS NOT DISTINCT FROM 'failed')::int,
        (n_status IS NOT DISTINCT FROM 'cancelled')::int  - (o_status IS NOT DISTINCT FROM 'cancelled')::int,
        coalesce(n_unviewed, false)::int - coalesce(o_unviewed, false)::int]::bigint[]
$$;

-- One upsert per counted change (two only if the creator changed, which no
-- writer does today); a write that changes neither status nor viewed, none.
CREATE FUNCTION genqueue_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM genqueue_count_member(coalesce(NEW.created_by, ''),
            genqueue_member_delta(NULL, NULL, NEW.status, NOT NEW.viewed));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM genqueue_count_member(coalesce(OLD.created_by, ''),
            genqueue_member_delta(OLD.status, NOT OLD.viewed, NULL, NULL));
    ELSIF OLD.created_by IS NOT DISTINCT FROM NEW.created_by THEN
        IF OLD.status <> NEW.status OR OLD.viewed <> NEW.viewed THEN
            PERFORM genqueue_count_member(coalesce(NEW.created_by, ''),
                genqueue_member_delta(OLD.status, NOT OLD.viewed, NEW.status, NOT NEW.viewed));
        END IF;
    ELSE
        PERFORM genqueue_count_member(coalesce(OLD.created_by, ''),
            genqueue_member_delta(OLD.status, NOT OLD.viewed, NULL, NULL));
        PERFORM genqueue_count_member(coalesce(NEW.created_by, ''),
            genqueue_member_delta(NULL, NULL, NEW.status, NOT NEW.viewed));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_member_counters AFTER INSERT OR UPDATE OR DELETE ON generations
    FOR EACH ROW EXECUTE FUNCTION genqueue_count_members();
