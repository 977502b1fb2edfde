-- Input files uploaded to Replicate's Files API, per token and content.
--
-- A file uploaded with a token is visible only to that token's account and
-- lives 24 hours (Replicate's docs); the engine reuses an upload while it
-- has time left, so the same bytes are not uploaded twice for one account.
-- The kept copy itself is in the data folder: inputs/<sha256>.<ext>.

CREATE TABLE input_uploads (
    token_id    TEXT    NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    sha256      TEXT    NOT NULL,               -- lowercase hex of the bytes
    file_id     TEXT    NOT NULL,               -- Replicate's file id
    url         TEXT    NOT NULL,               -- urls.get, what an input takes
    size        INTEGER NOT NULL CHECK (size >= 0),
    uploaded_at TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    PRIMARY KEY (token_id, sha256)
) STRICT;
