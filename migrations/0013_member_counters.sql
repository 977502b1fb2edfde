-- Genqueue schema: the counters of each member (issue #15, "People": the
-- `⟳ N` counter, the dropdown and the notifications are the user's own).
-- One row per `created_by` ('' for generations queued before creators were
-- recorded), kept exact by the triggers below as `counters` is, so reading a
-- member's counters is one primary-key lookup whatever the queue's size.
-- Only writes that change a status, the viewed flag or the creator touch it.
CREATE TABLE member_counters (
    member     TEXT    NOT NULL PRIMARY KEY,
    pending    INTEGER NOT NULL DEFAULT 0,
    processing INTEGER NOT NULL DEFAULT 0,
    completed  INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    unviewed   INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

INSERT INTO member_counters
    (member, pending, processing, completed, failed, cancelled, unviewed)
SELECT coalesce(created_by, ''),
       sum(status = 'pending'), sum(status = 'processing'), sum(status = 'completed'),
       sum(status = 'failed'), sum(status = 'cancelled'), sum(viewed = 0)
FROM generations GROUP BY coalesce(created_by, '');

CREATE TRIGGER generations_member_counters_insert AFTER INSERT ON generations
BEGIN
    INSERT OR IGNORE INTO member_counters (member) VALUES (coalesce(NEW.created_by, ''));
    UPDATE member_counters SET
        pending    = pending    + (NEW.status = 'pending'),
        processing = processing + (NEW.status = 'processing'),
        completed  = completed  + (NEW.status = 'completed'),
        failed     = failed     + (NEW.status = 'failed'),
        cancelled  = cancelled  + (NEW.status = 'cancelled'),
        unviewed   = unviewed   + (NEW.viewed = 0)
    WHERE member = coalesce(NEW.created_by, '');
END;

-- A status or viewed change of one member's row: one update of both deltas
-- (the row exists since the generation's insert).
CREATE TRIGGER generations_member_counters_update
AFTER UPDATE OF status, viewed ON generations
WHEN (OLD.status IS NOT NEW.status OR OLD.viewed IS NOT NEW.viewed)
     AND OLD.created_by IS NEW.created_by
BEGIN
    UPDATE member_counters SET
        pending    = pending    - (OLD.status = 'pending')    + (NEW.status = 'pending'),
        processing = processing - (OLD.status = 'processing') + (NEW.status = 'processing'),
        completed  = completed  - (OLD.status = 'completed')  + (NEW.status = 'completed'),
        failed     = failed     - (OLD.status = 'failed')     + (NEW.status = 'failed'),
        cancelled  = cancelled  - (OLD.status = 'cancelled')  + (NEW.status = 'cancelled'),
        unviewed   = unviewed   - (OLD.viewed = 0)            + (NEW.viewed = 0)
    WHERE member = coalesce(NEW.created_by, '');
END;

-- The creator changed (no writer does this today): out of one row, into the other.
CREATE TRIGGER generations_member_counters_move
AFTER UPDATE OF created_by ON generations
WHEN OLD.created_by IS NOT NEW.created_by
BEGIN
    UPDATE member_counters SET
        pending    = pending    - (OLD.status = 'pending'),
        processing = processing - (OLD.status = 'processing'),
        completed  = completed  - (OLD.status = 'completed'),
        failed     = failed     - (OLD.status = 'failed'),
        cancelled  = cancelled  - (OLD.status = 'cancelled'),
        unviewed   = unviewed   - (OLD.viewed = 0)
    WHERE member = coalesce(OLD.created_by, '');
    INSERT OR IGNORE INTO member_counters (member) VALUES (coalesce(NEW.created_by, ''));
    UPDATE member_counters SET
        pending    = pending    + (NEW.status = 'pending'),
        processing = processing + (NEW.status = 'processing'),
        completed  = completed  + (NEW.status = 'completed'),
        failed     = failed     + (NEW.status = 'failed'),
        cancelled  = cancelled  + (NEW.status = 'cancelled'),
        unviewed   = unviewed   + (NEW.viewed = 0)
    WHERE member = coalesce(NEW.created_by, '');
END;

CREATE TRIGGER generations_member_counters_delete AFTER DELETE ON generations
BEGIN
    UPDATE member_counters SET
        pending    = pending    - (OLD.status = 'pending'),
        processing = processing - (OLD.status = 'processing'),
        completed  = completed  - (OLD.status = 'completed'),
        failed     = failed     - (OLD.status = 'failed'),
        cancelled  = cancelled  - (OLD.status = 'cancelled'),
        unviewed   = unviewed   - (OLD.viewed = 0)
    WHERE member = coalesce(OLD.created_by, '');
END;
