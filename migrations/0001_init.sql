-- Genqueue schema, version 1.
--
-- Conventions:
-- - ids are UUIDs as lowercase hyphenated text (v7 for generations, v4 for tokens);
-- - timestamps are UTC text with fixed millisecond precision,
--   'YYYY-MM-DDTHH:MM:SS.sssZ', so comparing and sorting the text compares the times;
-- - JSON columns hold serde_json text;
-- - booleans are 0/1 integers.
-- No table holds a token secret: secrets live in the OS keyring under the token's id.

CREATE TABLE tokens (
    id                 TEXT    NOT NULL PRIMARY KEY,
    label              TEXT    NOT NULL,
    fingerprint        TEXT    NOT NULL,               -- the secret's last 4 characters
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    disabled_reason    TEXT,
    disabled_at        TEXT,
    last_used_at       TEXT,
    request_count      INTEGER NOT NULL DEFAULT 0,
    error_count        INTEGER NOT NULL DEFAULT 0,
    rate_limited_count INTEGER NOT NULL DEFAULT 0,
    cooldown_until     TEXT,
    max_concurrency    INTEGER NOT NULL DEFAULT 1 CHECK (max_concurrency BETWEEN 1 AND 16),
    created_at         TEXT    NOT NULL
) STRICT;

CREATE TABLE generations (
    id              TEXT    NOT NULL PRIMARY KEY,
    model_name      TEXT    NOT NULL,                  -- owner/name (seed field)
    model           TEXT    NOT NULL,                  -- ModelRef as JSON {owner, name, version}
    status          TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    prompt          TEXT    NOT NULL,
    settings        TEXT    NOT NULL,                  -- JSON: input without "prompt"
    input           TEXT    NOT NULL,                  -- JSON: the full Replicate input
    output_urls     TEXT    NOT NULL DEFAULT '[]',     -- JSON array of strings
    output_files    TEXT    NOT NULL DEFAULT '[]',     -- JSON array of paths relative to the data folder
    created_at      TEXT    NOT NULL,
    started_at      TEXT,
    completed_at    TEXT,
    viewed          INTEGER NOT NULL DEFAULT 0 CHECK (viewed IN (0, 1)),
    viewed_at       TEXT,
    prediction_id   TEXT,
    token_id        TEXT    REFERENCES tokens (id) ON DELETE SET NULL,
    replicate_status TEXT,
    error           TEXT,
    error_kind      TEXT,
    progress        INTEGER CHECK (progress BETWEEN 0 AND 100),
    priority        INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT,
    wait_reason     TEXT,
    create_sent_at  TEXT,
    batch_id        TEXT,
    retried_from    TEXT,
    updated_at      TEXT    NOT NULL
) STRICT;

-- Newest first (lists, the dropdown, the history), with id as tie-break and cursor.
CREATE INDEX generations_newest ON generations (created_at DESC, id DESC);
-- The unviewed (the ⟳ N dropdown).
CREATE INDEX generations_unviewed ON generations (created_at DESC, id DESC) WHERE viewed = 0;
-- The active (pending or processing): spinner, restart, in-flight.
CREATE INDEX generations_active ON generations (status, created_at)
    WHERE status IN ('pending', 'processing');
-- Lookup by Replicate prediction id (reconcile after a lost create answer).
CREATE INDEX generations_prediction ON generations (prediction_id) WHERE prediction_id IS NOT NULL;
-- Dispatch order: pending without a token, by priority then age.
CREATE INDEX generations_dispatch ON generations (priority DESC, created_at ASC, id ASC)
    WHERE status = 'pending' AND token_id IS NULL;
-- When the engine must wake: the earliest retry time among those.
CREATE INDEX generations_next_attempt ON generations (next_attempt_at)
    WHERE status = 'pending' AND token_id IS NULL AND next_attempt_at IS NOT NULL;
-- Token slots in use: active generations holding a token.
CREATE INDEX generations_token_slots ON generations (token_id)
    WHERE token_id IS NOT NULL AND status IN ('pending', 'processing');

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- One row of counters kept exact by the triggers below, so reading them is O(1)
-- whatever the number of generations. `seq` grows by one at every insert, update
-- or delete of a generation.
CREATE TABLE counters (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    pending    INTEGER NOT NULL DEFAULT 0,
    processing INTEGER NOT NULL DEFAULT 0,
    completed  INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    unviewed   INTEGER NOT NULL DEFAULT 0,
    seq        INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO counters (id) VALUES (1);

CREATE TRIGGER generations_counters_insert AFTER INSERT ON generations
BEGIN
    UPDATE counters SET
        pending    = pending    + (NEW.status = 'pending'),
        processing = processing + (NEW.status = 'processing'),
        completed  = completed  + (NEW.status = 'completed'),
        failed     = failed     + (NEW.status = 'failed'),
        cancelled  = cancelled  + (NEW.status = 'cancelled'),
        unviewed   = unviewed   + (NEW.viewed = 0),
        seq        = seq + 1
    WHERE id = 1;
END;

CREATE TRIGGER generations_counters_update AFTER UPDATE ON generations
BEGIN
    UPDATE counters SET
        pending    = pending    - (OLD.status = 'pending')    + (NEW.status = 'pending'),
        processing = processing - (OLD.status = 'processing') + (NEW.status = 'processing'),
        completed  = completed  - (OLD.status = 'completed')  + (NEW.status = 'completed'),
        failed     = failed     - (OLD.status = 'failed')     + (NEW.status = 'failed'),
        cancelled  = cancelled  - (OLD.status = 'cancelled')  + (NEW.status = 'cancelled'),
        unviewed   = unviewed   - (OLD.viewed = 0)            + (NEW.viewed = 0),
        seq        = seq + 1
    WHERE id = 1;
END;

CREATE TRIGGER generations_counters_delete AFTER DELETE ON generations
BEGIN
    UPDATE counters SET
        pending    = pending    - (OLD.status = 'pending'),
        processing = processing - (OLD.status = 'processing'),
        completed  = completed  - (OLD.status = 'completed'),
        failed     = failed     - (OLD.status = 'failed'),
        cancelled  = cancelled  - (OLD.status = 'cancelled'),
        unviewed   = unviewed   - (OLD.viewed = 0),
        seq        = seq + 1
    WHERE id = 1;
END;
