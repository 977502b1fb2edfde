-- Genqueue schema, version 12: a token's one-way identifier (issue #15,
-- "One token pool"): `pool_hash` is the lowercase hex SHA-256 of a fixed
-- prefix and the secret (`Secret::pool_hash`), never the secret. The store
-- has no secrets, so rows made before this version keep NULL until an
-- engine that holds the secret in its keyring fills it in
-- (`Queue::fill_pool_hashes`). Unique: one row per Replicate token.
ALTER TABLE tokens ADD COLUMN pool_hash TEXT;
CREATE UNIQUE INDEX tokens_pool_hash ON tokens (pool_hash) WHERE pool_hash IS NOT NULL;
