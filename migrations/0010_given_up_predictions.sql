-- Genqueue schema, version 10: predictions a generation gave up.
--
-- When Replicate interrupts a prediction ("please retry") the generation is
-- queued again for a new one (`Transition::Requeue`) and its row no longer
-- names the old prediction. The old one keeps the same model and input, so
-- the reconcile of a later create whose answer was lost could take it for the
-- new one: the generation was requeued again and the new prediction ran,
-- billed, unseen. Kept here, such a prediction stays taken (`prediction_taken`).
-- No foreign key: like `spend`, a row outlives a deleted generation.
CREATE TABLE given_up_predictions (
    prediction_id TEXT NOT NULL PRIMARY KEY,
    generation_id TEXT NOT NULL,
    given_up_at   TEXT NOT NULL
) STRICT;
