-- Genqueue schema, version 4: one prediction belongs to one generation.
--
-- Replicate has no idempotency key, so a create whose answer was lost is
-- matched back through the token's prediction list. Two generations with the
-- same input could otherwise both claim one prediction; the store now refuses
-- that outright.
DROP INDEX generations_prediction;
CREATE UNIQUE INDEX generations_prediction ON generations (prediction_id)
    WHERE prediction_id IS NOT NULL;
