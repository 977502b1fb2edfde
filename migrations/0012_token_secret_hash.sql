-- Genqueue schema, version 12: a token's one-way identifier (issue #15,
-- "One token pool"): `secret_hash` is the lowercase hex SHA-256 of a fixed
-- prefix and the secret (`Secret::pool_hash`), never the secret. The store
-- has no secrets, so rows made before this version keep NULL until an
-- engine that holds the secret in its keyring fills it in
-- (`Queue::fill_secret_hashes`). Unique: one row per Replicate token.
ALTER TABLE tokens ADD COLUMN secret_hash TEXT;
CREATE UNIQUE INDEX tokens_secret_hash ON tokens (secret_hash) WHERE secret_hash IS NOT NULL;
