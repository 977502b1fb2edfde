-- The Replicate account (username, from GET /account) each token belongs to,
-- recorded when the token is added or checked again. Tokens of one account
-- share uploaded input files: a file uploaded with one is readable with the
-- others (Replicate's Files API scopes files to the account), so the engine
-- reuses an upload across them. NULL for a token added before this column
-- (its uploads are reused for that token only until it is checked again).

ALTER TABLE tokens ADD COLUMN account TEXT;
