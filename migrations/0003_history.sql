-- Genqueue schema, version 3: the history page, batches, priorities, run times.
--
-- Search: an external-content FTS5 index over `generations.prompt`, keyed by
-- the table's rowid and kept in step by the triggers below (the text itself is
-- stored once, in `generations`). `unicode61` folds case (Latin and Cyrillic)
-- and drops diacritics; the prefix indexes make "ligh*" cheap. The rowid of
-- `generations` is implicit (its primary key is text), and VACUUM may renumber
-- implicit rowids: after a VACUUM, rebuild the index with
-- `INSERT INTO generations_fts (generations_fts) VALUES ('rebuild')`.

CREATE VIRTUAL TABLE generations_fts USING fts5 (
    prompt,
    content = 'generations',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations
BEGIN
    INSERT INTO generations_fts (rowid, prompt) VALUES (NEW.rowid, NEW.prompt);
END;

CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations
BEGIN
    INSERT INTO generations_fts (generations_fts, rowid, prompt) VALUES ('delete', OLD.rowid, OLD.prompt);
END;

-- The engine rewrites whole rows (prompt included) at every step: only a real
-- change of the prompt touches the index.
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt ON generations
WHEN OLD.prompt IS NOT NEW.prompt
BEGIN
    INSERT INTO generations_fts (generations_fts, rowid, prompt) VALUES ('delete', OLD.rowid, OLD.prompt);
    INSERT INTO generations_fts (rowid, prompt) VALUES (NEW.rowid, NEW.prompt);
END;

-- Index what is already there.
INSERT INTO generations_fts (generations_fts) VALUES ('rebuild');

-- History filtered by status, newest first: one partial index per finished
-- status, already in page order (pending and processing use
-- `generations_active`). Partial, so that no query on pending rows (the
-- dispatcher's) is tempted away from its own index, and each row sits in at
-- most one of them.
CREATE INDEX generations_completed_newest ON generations (created_at DESC, id DESC)
    WHERE status = 'completed';
CREATE INDEX generations_failed_newest ON generations (created_at DESC, id DESC)
    WHERE status = 'failed';
CREATE INDEX generations_cancelled_newest ON generations (created_at DESC, id DESC)
    WHERE status = 'cancelled';
-- History filtered by model, newest first; also the distinct models (one seek each).
CREATE INDEX generations_model_newest ON generations (model_name, created_at DESC, id DESC);

-- A batch's generations, oldest first.
CREATE INDEX generations_batch ON generations (batch_id, created_at, id) WHERE batch_id IS NOT NULL;

-- Which generations were retried (a batch counts only the latest attempt).
CREATE INDEX generations_retried_from ON generations (retried_from) WHERE retried_from IS NOT NULL;

-- Recent running times per model (ETA): the last completed ones of a model.
CREATE INDEX generations_model_done ON generations (model_name, completed_at DESC)
    WHERE status = 'completed';
