-- Genqueue's PostgreSQL schema, version 3: input files uploaded to
-- Replicate's Files API, per token and content, as SQLite's
-- migrations/0007_inputs.sql.
--
-- A file uploaded with a token is visible only to that token's account and
-- lives 24 hours (Replicate's docs); an engine reuses an upload while it has
-- time left. Every engine holding the token's secret may reuse it.
CREATE TABLE input_uploads (
    token_id    uuid        NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    sha256      text        NOT NULL,               -- lowercase hex of the bytes
    file_id     text        NOT NULL,               -- Replicate's file id
    url         text        NOT NULL,               -- urls.get, what an input takes
    size        bigint      NOT NULL CHECK (size >= 0),
    uploaded_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (token_id, sha256)
);
