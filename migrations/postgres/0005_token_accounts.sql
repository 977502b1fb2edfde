-- Genqueue's PostgreSQL schema, version 5: the Replicate account (username,
-- from GET /account) each token belongs to, as SQLite's
-- migrations/0009_token_accounts.sql. Tokens of one account share uploaded
-- input files (Replicate's Files API scopes files to the account), so an
-- engine reuses an upload across them. NULL until the token is checked.
ALTER TABLE tokens ADD COLUMN account text;
