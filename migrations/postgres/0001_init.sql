-- Genqueue's PostgreSQL schema, version 1 (a team's shared queue).
--
-- The same tables, columns and meanings as SQLite's migrations 0001-0005
-- (see migrations/0001_init.sql), in PostgreSQL's own types:
-- - ids are `uuid` (v7 for generations, v4 for tokens);
-- - timestamps are `timestamptz`, written with millisecond precision (as SQLite's);
-- - JSON columns hold serde_json text, exactly as SQLite stores them;
-- - booleans are `boolean`.
-- No table holds a token secret or the database password.

CREATE TABLE tokens (
    id                 uuid        NOT NULL PRIMARY KEY,
    label              text        NOT NULL,
    fingerprint        text        NOT NULL,
    active             boolean     NOT NULL DEFAULT true,
    disabled_reason    text,
    disabled_at        timestamptz,
    last_used_at       timestamptz,
    request_count      bigint      NOT NULL DEFAULT 0,
    error_count        bigint      NOT NULL DEFAULT 0,
    rate_limited_count bigint      NOT NULL DEFAULT 0,
    cooldown_until     timestamptz,
    max_concurrency    integer     NOT NULL DEFAULT 1 CHECK (max_concurrency BETWEEN 1 AND 16),
    created_at         timestamptz NOT NULL
);

CREATE TABLE generations (
    id               uuid        NOT NULL PRIMARY KEY,
    model_name       text        NOT NULL,
    model            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    prompt           text        NOT NULL,
    settings         text        NOT NULL,
    input            text        NOT NULL,
    output_urls      text        NOT NULL DEFAULT '[]',
    output_files     text        NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    completed_at     timestamptz,
    viewed           boolean     NOT NULL DEFAULT false,
    viewed_at        timestamptz,
    prediction_id    text,
    token_id         uuid        REFERENCES tokens (id) ON DELETE SET NULL,
    replicate_status text,
    error            text,
    error_kind       text,
    progress         smallint    CHECK (progress BETWEEN 0 AND 100),
    priority         bigint      NOT NULL DEFAULT 0,
    attempts         bigint      NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz,
    wait_reason      text,
    create_sent_at   timestamptz,
    batch_id         uuid,
    retried_from     uuid,
    updated_at       timestamptz NOT NULL,
    -- History search: PostgreSQL's own full-text search over the prompt
    -- ('simple': no stemming, case folded, as FTS5's unicode61).
    prompt_search    tsvector GENERATED ALWAYS AS (to_tsvector('simple', prompt)) STORED
);

CREATE INDEX generations_newest ON generations (created_at DESC, id DESC);
CREATE INDEX generations_unviewed ON generations (created_at DESC, id DESC) WHERE NOT viewed;
CREATE INDEX generations_active ON generations (status, created_at)
    WHERE status IN ('pending', 'processing');
CREATE UNIQUE INDEX generations_prediction ON generations (prediction_id)
    WHERE prediction_id IS NOT NULL;
CREATE INDEX generations_dispatch ON generations (priority DESC, created_at ASC, id ASC)
    WHERE status = 'pending' AND token_id IS NULL;
CREATE INDEX generations_next_attempt ON generations (next_attempt_at)
    WHERE status = 'pending' AND token_id IS NULL AND next_attempt_at IS NOT NULL;
CREATE INDEX generations_token_slots ON generations (token_id)
    WHERE token_id IS NOT NULL AND status IN ('pending', 'processing');
CREATE INDEX generations_updated ON generations (updated_at);
CREATE INDEX generations_model_newest ON generations (model_name, created_at DESC, id DESC);
CREATE INDEX generations_batch ON generations (batch_id, created_at, id) WHERE batch_id IS NOT NULL;
CREATE INDEX generations_retried_from ON generations (retried_from) WHERE retried_from IS NOT NULL;
CREATE INDEX generations_model_done ON generations (model_name, completed_at DESC)
    WHERE status = 'completed';
CREATE INDEX generations_prompt_search ON generations USING gin (prompt_search);

CREATE TABLE settings (
    key   text NOT NULL PRIMARY KEY,
    value text NOT NULL
);

-- One row of counters kept exact by the trigger below (as SQLite's): reading
-- them is O(1). `seq` grows by one at every insert, update or delete of a generation.
CREATE TABLE counters (
    id         integer NOT NULL PRIMARY KEY CHECK (id = 1),
    pending    bigint  NOT NULL DEFAULT 0,
    processing bigint  NOT NULL DEFAULT 0,
    completed  bigint  NOT NULL DEFAULT 0,
    failed     bigint  NOT NULL DEFAULT 0,
    cancelled  bigint  NOT NULL DEFAULT 0,
    unviewed   bigint  NOT NULL DEFAULT 0,
    seq        bigint  NOT NULL DEFAULT 0
);

INSERT INTO counters (id) VALUES (1);

CREATE FUNCTION genqueue_count_generations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o_status text := NULL;
    o_unviewed int := 0;
    n_status text := NULL;
    n_unviewed int := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        o_status := OLD.status;
        o_unviewed := (NOT OLD.viewed)::int;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        n_status := NEW.status;
        n_unviewed := (NOT NEW.viewed)::int;
    END IF;
    UPDATE counters SET
        pending    = pending    - (o_status IS NOT DISTINCT FROM 'pending')::int
                                + (n_status IS NOT DISTINCT FROM 'pending')::int,
        processing = processing - (o_status IS NOT DISTINCT FROM 'processing')::int
                                + (n_status IS NOT DISTINCT FROM 'processing')::int,
        completed  = completed  - (o_status IS NOT DISTINCT FROM 'completed')::int
                                + (n_status IS NOT DISTINCT FROM 'completed')::int,
        failed     = failed     - (o_status IS NOT DISTINCT FROM 'failed')::int
                                + (n_status IS NOT DISTINCT FROM 'failed')::int,
        cancelled  = cancelled  - (o_status IS NOT DISTINCT FROM 'cancelled')::int
                                + (n_status IS NOT DISTINCT FROM 'cancelled')::int,
        unviewed   = unviewed - o_unviewed + n_unviewed,
        seq        = seq + 1
    WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_counters AFTER INSERT OR UPDATE OR DELETE ON generations
    FOR EACH ROW EXECUTE FUNCTION genqueue_count_generations();
