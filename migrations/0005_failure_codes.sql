-- Genqueue schema, version 5: failures as a code and the cause's own words.
--
-- Until now `error` held a whole English sentence ("The model failed: CUDA
-- out of memory"). From now on `error_kind` says what failed (each shell
-- words it in the user's language, see crates/core/src/failure.rs) and
-- `error` keeps only the cause's own words (the model's error, Replicate's
-- `detail`), or NULL. Rows written before are brought to that shape where
-- their sentence is one we know; any other sentence is kept whole, as
-- `other` (shown verbatim), so nothing is lost.

-- 1. Sentences of a known shape keep their kind; every other one becomes `other`.
UPDATE generations SET error_kind = 'other'
WHERE error IS NOT NULL
  AND NOT (
       (error_kind = 'input_rejected' AND error LIKE 'Replicate rejected the input: %')
    OR (error_kind = 'model_failed' AND error LIKE 'The model failed: %')
    OR (error_kind = 'download_failed'
        AND error LIKE 'The prediction succeeded, but saving its outputs failed: %')
    OR (error_kind = 'aborted'
        AND error = 'Replicate aborted the prediction before it started (its deadline passed)')
    OR (error_kind = 'outputs_expired' AND error IN (
        'The prediction succeeded, but its outputs expired on Replicate before they could be saved',
        'This prediction can no longer be found on Replicate (expired on Replicate)'))
  );

-- 2. Keep the cause's words, drop our sentence around them.
UPDATE generations SET error = substr(error, 31)
WHERE error_kind = 'input_rejected' AND error LIKE 'Replicate rejected the input: %';

UPDATE generations SET error = NULLIF(substr(error, 19), 'the model failed without saying why')
WHERE error_kind = 'model_failed' AND error LIKE 'The model failed: %';

UPDATE generations SET error = substr(error, 58)
WHERE error_kind = 'download_failed'
  AND error LIKE 'The prediction succeeded, but saving its outputs failed: %';

-- 3. Sentences that only named the kind.
UPDATE generations SET error = NULL
WHERE error_kind IN ('aborted', 'outputs_expired');
