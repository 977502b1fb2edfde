-- Genqueue's PostgreSQL schema, version 4: spend, as SQLite's
-- migrations/0008_spend.sql. One row per generation with what it was
-- expected to cost and what it cost, in micro-dollars (USD × 1,000,000,
-- integers: sums are exact). No foreign key: the row outlives a deleted
-- generation (money spent stays spent); `token_id` and `model_name` are
-- copied for the same reason.
CREATE TABLE spend (
    generation_id  uuid        NOT NULL PRIMARY KEY,
    model_name     text        NOT NULL,
    estimate       bigint,                          -- micro-USD when queued; NULL = unknown price
    estimate_parts text        NOT NULL DEFAULT '[]', -- JSON [CostPart]
    ended          boolean     NOT NULL DEFAULT false,
    final          bigint,                          -- micro-USD once ended; NULL = unknown (or not ended)
    final_parts    text        NOT NULL DEFAULT '[]', -- JSON [CostPart]
    predict_ms     bigint,                          -- metrics.predict_time in milliseconds
    token_id       uuid,                            -- the token that ran it
    charged_at     timestamptz,                     -- when it ended: the day and month it counts in
    created_at     timestamptz NOT NULL
);

-- Totals and budgets read the ended rows by time.
CREATE INDEX spend_charged ON spend (charged_at) WHERE ended;
-- Estimates of per-second models learn from the model's recent run times.
CREATE INDEX spend_model_runs ON spend (model_name, charged_at DESC) WHERE predict_ms IS NOT NULL;
