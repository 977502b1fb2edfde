-- Genqueue PostgreSQL schema: outputs every member can read (issue 15).
--
-- The engine that finishes a generation keeps its saved files here, so a
-- machine that did not run it (or slept while another did) shows them: it
-- fetches a file into its own data folder the first time it needs it.
-- A file is a row in `output_files` (written last, in the same transaction
-- as its chunks: a file is there whole or not at all) and its bytes in
-- chunks of at most 1 MiB, read and written one at a time. Both go with
-- their generation (retention, deletion).

CREATE TABLE output_files (
    generation_id uuid   NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    -- The generation's `output_files` entry (relative to a data folder).
    stored        text   NOT NULL,
    size          bigint NOT NULL,
    chunks        integer NOT NULL,
    shared_at     timestamptz NOT NULL,
    PRIMARY KEY (generation_id, stored)
);

CREATE TABLE output_chunks (
    generation_id uuid    NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    stored        text    NOT NULL,
    seq           integer NOT NULL,
    data          bytea   NOT NULL,
    PRIMARY KEY (generation_id, stored, seq)
);
