-- Spend: one row per generation with what it was expected to cost and what
-- it cost, in micro-dollars (USD × 1,000,000, integers: sums are exact).
-- No foreign key: the row outlives a deleted generation (money spent stays
-- spent in the totals); `token_id` and `model_name` are copied for the same reason.
CREATE TABLE spend (
    generation_id TEXT    NOT NULL PRIMARY KEY,
    model_name    TEXT    NOT NULL,
    estimate      INTEGER,            -- micro-USD when queued; NULL = unknown price
    estimate_parts TEXT   NOT NULL DEFAULT '[]',   -- JSON [CostPart]
    ended         INTEGER NOT NULL DEFAULT 0 CHECK (ended IN (0, 1)),
    final         INTEGER,            -- micro-USD once ended; NULL = unknown (or not ended)
    final_parts   TEXT    NOT NULL DEFAULT '[]',   -- JSON [CostPart]
    predict_ms    INTEGER,            -- metrics.predict_time in milliseconds
    token_id      TEXT,               -- the token that ran it
    charged_at    TEXT,               -- when it ended: the day and month it counts in
    created_at    TEXT    NOT NULL
) STRICT;

-- Totals and budgets read the ended rows by time.
CREATE INDEX spend_charged ON spend (charged_at) WHERE ended = 1;
-- Estimates of per-second models learn from the model's recent run times.
CREATE INDEX spend_model_runs ON spend (model_name, charged_at) WHERE predict_ms IS NOT NULL;
