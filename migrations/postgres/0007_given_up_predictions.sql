-- Genqueue's PostgreSQL schema, version 7: predictions a generation gave up
-- (Replicate interrupted them and the generation was queued again), as
-- SQLite's migrations/0010_given_up_predictions.sql: such a prediction stays
-- taken, so that reconciling a later lost create never adopts it (it has the
-- same model and input). No foreign key: a row outlives a deleted generation.
CREATE TABLE given_up_predictions (
    prediction_id text        NOT NULL PRIMARY KEY,
    generation_id uuid        NOT NULL,
    given_up_at   timestamptz NOT NULL
);
