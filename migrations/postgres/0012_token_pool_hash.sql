-- Genqueue's PostgreSQL schema: a token's one-way identifier (issue #15,
-- "One token pool"), as SQLite's migrations/0012_token_pool_hash.sql:
-- the lowercase hex SHA-256 of a fixed prefix and the secret, never the
-- secret. A member adding a token whose hash is here joins that row (the
-- secret goes to their own keyring under its id). NULL for rows made
-- before, until an engine holding the secret fills it in.
ALTER TABLE tokens ADD COLUMN pool_hash text;
CREATE UNIQUE INDEX tokens_pool_hash ON tokens (pool_hash) WHERE pool_hash IS NOT NULL;
