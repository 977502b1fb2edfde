//! The store's one interface: what the queue and the engine ask of a store,
//! named by what the operations mean. [`Store`] (SQLite, the embedded
//! default) implements it; a server database shared by a team's engines is
//! a second implementation, and the engine does not know which one it
//! talks to: [`crate::queue::Queue::store`] hands out `&dyn QueueStore`.
//!
//! Shaped for a server database too: each write is one atomic operation
//! (a claim, a transition, a token's cooldown), never a read-modify-write
//! spread over calls; times are passed in (`now`); nothing here is SQL.

use chrono::{DateTime, Utc};

use super::{ActiveEstimate, FinalSpend, GenerationSpend, Lease, SpendGroup, SpendTotal};
use super::{
    BatchSummary, ClaimOutcome, DeletedRow, HistoryPage, HistoryQuery, InputUpload, ListQuery,
    ModelRunTime, MoveTo, RequestOutcome, StepWrites, StepWritten, StoreError,
};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{
    BatchId, Counters, Generation, GenerationId, GenerationSummary, NewGeneration, Token, TokenId,
};
use crate::settings::Settings;
use crate::spend::{CostPart, SpendSettings, Usd};
use crate::wait::WaitReason;

/// What the queue and the engine need of a store. See the module doc.
pub trait QueueStore: Send + Sync {
    // ---- Generations: queueing, reading, the lifecycle -------------------------

    /// Queues several generations in one transaction (a batch): all or none.
    /// Ids grow in the order given, so with equal `created_at` the last is the newest.
    fn insert_generations(
        &self,
        new: &[NewGeneration],
        now: DateTime<Utc>,
    ) -> Result<Vec<Generation>, StoreError>;

    /// One generation, or `None` if there is no such id.
    fn get_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError>;

    /// A page of summaries, newest first (see [`ListQuery`]).
    fn list_generations(&self, q: &ListQuery) -> Result<Vec<GenerationSummary>, StoreError>;

    /// The queue's counters (active, unviewed, per status, `seq`), read from
    /// the trigger-maintained `counters` row: O(1) whatever the queue's size.
    fn counters(&self) -> Result<Counters, StoreError>;

    /// The counters of the generations `member` (`creator.member`) created,
    /// with the queue's `seq`; zeros for a member with none. O(1), read from
    /// the trigger-maintained per-member row (issue #15: the `⟳ N` of a
    /// team's database is the user's own).
    fn member_counters(&self, member: &str) -> Result<Counters, StoreError>;

    /// The members (`creator.member`) who have a generation here, sorted:
    /// the History's filter for one member. O(members), not a scan.
    fn members(&self) -> Result<Vec<String>, StoreError>;

    /// Applies `t` to generation `id` at `now`, if its state allows it, and
    /// returns the row as stored. Nothing is written when the state refuses
    /// the transition or it changes nothing (`applied`/`ended` then say so).
    ///
    /// Errors: [`StoreError::NotFound`] if there is no such id; the store's own.
    fn transition(
        &self,
        id: GenerationId,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Result<Transitioned, StoreError>;

    /// One engine step's writes in one transaction, all or nothing: counts
    /// `w.request` on its token (as [`QueueStore::record_request`]), records
    /// `w.spend` (as [`QueueStore::record_final`], whether or not `t`
    /// applies), then applies `t` to `id` (as [`QueueStore::transition`]).
    ///
    /// A token removed meanwhile is not counted (`token` is `None`); the rest
    /// is written. Errors: [`StoreError::NotFound`] (no such generation:
    /// nothing written); the store's own.
    fn write_step(
        &self,
        id: GenerationId,
        t: &Transition,
        w: &StepWrites,
        now: DateTime<Utc>,
    ) -> Result<StepWritten, StoreError>;

    /// Marks a generation viewed (`viewed_at = now`) and returns it; idempotent
    /// (an already viewed row keeps its first `viewed_at` and is not written).
    /// `None` if there is no such id.
    fn mark_viewed(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<Option<Generation>, StoreError>;

    /// Marks every unviewed generation viewed (only those `created_by`
    /// created, when given); returns the ids that changed.
    fn mark_all_viewed(
        &self,
        now: DateTime<Utc>,
        created_by: Option<&str>,
    ) -> Result<Vec<GenerationId>, StoreError>;

    /// Deletes a generation and returns the deleted row (the caller removes its
    /// files under `outputs/<id>/`); `None` if there was no such id.
    fn delete_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError>;

    // ---- Dispatch: the token pool's claims and the work in flight --------------

    /// Up to `limit` generations ready to dispatch: pending, holding no token,
    /// and `next_attempt_at` unset or not after `now`; highest priority first,
    /// then oldest (`created_at`, then id).
    fn next_dispatchable(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Generation>, StoreError>;

    /// The earliest `next_attempt_at` among pending generations holding no
    /// token (it may be in the past): when the engine should wake to dispatch.
    fn earliest_next_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Gives the pending generation `id` a token slot, in one write transaction
    /// (`BEGIN IMMEDIATE`): picks with [`choose`], sets the generation's
    /// `token_id` (and `updated_at = now`) and the token's `last_used_at = now`.
    /// A generation that already holds a token gets that token back.
    ///
    /// Errors: [`StoreError::NotFound`] (no such generation),
    /// [`StoreError::NotPending`] (it holds no token and is not pending).
    fn claim_token(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        self.claim_token_among(id, now, None)
    }

    /// [`QueueStore::claim_token`] choosing only among the tokens in `held`
    /// (those whose secret the claiming engine holds; `None`: all). When the
    /// pool has active tokens but none of them in `held`, the wait is
    /// [`WaitCode::NoSecretHere`](crate::wait::WaitCode::NoSecretHere)
    /// (`pool::keep_held`, the one rule for both stores).
    fn claim_token_among(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        held: Option<&std::collections::HashSet<TokenId>>,
    ) -> Result<ClaimOutcome, StoreError>;

    /// The next dispatchable generation ([`QueueStore::next_dispatchable`]'s
    /// first) given a slot among the tokens in `held`
    /// ([`QueueStore::claim_token_among`]), with the token claimed. `None`:
    /// none is ready, or the next one waits (the dispatcher's pass records
    /// why). What a task that just ended calls to take the next generation
    /// (engine/chain.rs).
    ///
    /// On a store shared by engines the two are one step that skips the
    /// generations another engine is claiming at that moment instead of
    /// waiting for them or taking them too: engines draining one queue
    /// take different generations (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    fn claim_next(
        &self,
        now: DateTime<Utc>,
        held: Option<&std::collections::HashSet<TokenId>>,
    ) -> Result<Option<(GenerationId, Token)>, StoreError> {
        let Some(g) = self.next_dispatchable(now, 1)?.into_iter().next() else {
            return Ok(None);
        };
        Ok(match self.claim_token_among(g.id, now, held)? {
            ClaimOutcome::Claimed(token) => Some((g.id, token)),
            ClaimOutcome::Wait { .. } => None,
        })
    }

    /// What a restart must resume or reconcile, oldest first: every active
    /// generation holding a token — processing, or pending with a create
    /// claimed or sent whose answer was not stored (see `create_sent_at`).
    ///
    /// Reads through the token-slots index, so it costs the number of slots
    /// in use, not the number of pending generations (the engine calls it at
    /// every dispatch pass). A processing generation whose token was removed
    /// has no owner to follow it with and is not listed.
    fn in_flight(&self) -> Result<Vec<Generation>, StoreError>;

    /// Processing generations without a token: their token row was removed
    /// (before removal was refused while in flight), so no account can follow
    /// their prediction any more.
    fn orphaned_processing(&self) -> Result<Vec<Generation>, StoreError>;

    /// The generation that holds Replicate prediction `prediction_id`, if any.
    fn generation_by_prediction(
        &self,
        prediction_id: &str,
    ) -> Result<Option<Generation>, StoreError>;

    /// Whether a generation holds prediction `prediction_id` or held it and
    /// gave it up (interrupted, queued again): such a prediction is never
    /// adopted for another create.
    fn prediction_taken(&self, prediction_id: &str) -> Result<bool, StoreError>;

    /// Pending generations in the order they will run, at most `limit`
    /// (capped at [`MAX_LIST_LIMIT`](super::generations::MAX_LIST_LIMIT)):
    /// first those holding a token (their create is under way), oldest first,
    /// then the rest in dispatch order. `before` is a cursor: the id of the
    /// last item of the previous page (a pending one without a token).
    fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Result<Vec<GenerationSummary>, StoreError>;

    /// Moves one pending generation in the dispatch order (see [`MoveTo`]);
    /// returns the ids whose row changed. Errors as [`Store::reorder_pending`].
    fn move_pending(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError>;

    /// Gives the listed pending generations priorities so that they run
    /// exactly in the given order, at the place of the earliest of them in
    /// the current order (see the module doc); returns the ids whose priority
    /// changed (the listed ones and any raised ahead of them).
    ///
    /// Duplicates count once; listed generations already holding a token
    /// (their create is under way) are left as they are.
    /// Errors: [`StoreError::NotFound`], [`StoreError::NotPending`] (nothing changes).
    fn reorder_pending(
        &self,
        ids: &[GenerationId],
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError>;

    /// The batch `batch_id`: counts by status and its generations, oldest
    /// first, each by its latest attempt. Errors: [`StoreError::NotFound`]
    /// when no generation carries this batch id.
    fn batch_summary(&self, batch_id: BatchId) -> Result<BatchSummary, StoreError>;

    // ---- Tokens (never their secrets) ------------------------------------------

    /// Adds a token row: a new UUID v4 id, active, `max_concurrency` 1. The
    /// caller stores the secret in the keyring under the returned id.
    ///
    /// `label` is trimmed; errors: [`StoreError::Invalid`] if it is empty,
    /// longer than [`MAX_LABEL_CHARS`] or holds control characters.
    fn insert_token(
        &self,
        label: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError>;

    /// The token whose pool hash ([`Secret::pool_hash`](crate::secrets::Secret::pool_hash))
    /// is `hash`, if any: a member adding a token already in the pool joins it.
    fn token_by_pool_hash(&self, hash: &str) -> Result<Option<Token>, StoreError>;

    /// Records token `id`'s pool hash. `false`, and nothing written, when
    /// another token already has it (the same secret in a second row) or
    /// there is no such token. A hash already recorded for `id` stays.
    fn set_token_pool_hash(&self, id: TokenId, hash: &str) -> Result<bool, StoreError>;

    /// Tokens whose pool hash is not recorded yet (rows made before schema
    /// 12): an engine holding the secret fills it in.
    fn tokens_without_pool_hash(&self) -> Result<Vec<TokenId>, StoreError>;

    /// One token, or `None`.
    fn get_token(&self, id: TokenId) -> Result<Option<Token>, StoreError>;

    /// Every token, oldest first, each with `in_flight` computed.
    fn list_tokens(&self) -> Result<Vec<Token>, StoreError>;

    /// Counts one request sent with the token: `request_count += 1`, plus
    /// `error_count` for [`RequestOutcome::Error`] and both `error_count` and
    /// `rate_limited_count` for [`RequestOutcome::RateLimited`] (a 429 is an
    /// error too). `last_used_at` moves to `now` if that is later.
    fn record_request(
        &self,
        id: TokenId,
        outcome: RequestOutcome,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError>;

    /// No claim of this token before `until` (a 429's announced reset). A later
    /// cooldown already set is kept: two 429s never shorten each other.
    /// [`Store::enable_token`] clears it.
    fn set_cooldown(&self, id: TokenId, until: DateTime<Utc>) -> Result<Token, StoreError>;

    /// Disables a token with a reason shown to the user ("Replicate refused this
    /// token (401): …"); the pool skips it until [`Store::enable_token`].
    /// Generations already running on it keep it (their prediction belongs to it).
    fn disable_token(
        &self,
        id: TokenId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError>;

    /// Makes a token usable again: active, with no disabled reason, time or cooldown.
    fn enable_token(&self, id: TokenId, _now: DateTime<Utc>) -> Result<Token, StoreError>;

    /// Renames a token (label rules as in [`Store::insert_token`]).
    fn rename_token(&self, id: TokenId, label: &str) -> Result<Token, StoreError>;

    /// How many generations the token may run at once, in [`CONCURRENCY_RANGE`]
    /// (1..=16); [`StoreError::Invalid`] otherwise. Lowering it below the
    /// current `in_flight` only stops new claims until enough finish.
    fn set_max_concurrency(&self, id: TokenId, n: u32) -> Result<Token, StoreError>;

    /// Removes a token row; `true` if it existed. Generations that held it keep
    /// their status and lose their `token_id` (`ON DELETE SET NULL`). The caller
    /// deletes the secret from the keyring.
    fn remove_token(&self, id: TokenId) -> Result<bool, StoreError>;

    // ---- Settings --------------------------------------------------------------

    /// The value stored under `key` in the settings table (e.g. `"paused"`), if any.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores `value` under `key`, replacing any previous value.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// The settings, with defaults for anything missing. A stored value that
    /// is not a JSON object of the right shape reads as the defaults (logged).
    fn settings(&self) -> Result<Settings, StoreError> {
        Ok(crate::settings::read_stored(
            self.setting(crate::settings::SETTINGS_KEY)?,
        ))
    }

    /// Stores the settings as given (validate them first with [`Settings::validated`]).
    fn set_settings(&self, s: &Settings) -> Result<(), StoreError> {
        self.set_setting(crate::settings::SETTINGS_KEY, &crate::settings::stored(s))
    }

    // ---- History ---------------------------------------------------------------

    /// One page of the history (see [`HistoryQuery`]); fast at any size.
    ///
    /// How each page is read (SQLite's planner has no statistics to choose with):
    /// - no search: one or more statuses read each status's own newest-first
    ///   index range (at most a page each), merged; a model, its index range;
    ///   otherwise the newest-first index;
    /// - a search matching few prompts (under 4,000): those rows by rowid,
    ///   filtered and sorted;
    /// - a search matching many: the same index ranges as without a search,
    ///   walked in growing chunks (rowid, time and id only, from the index);
    ///   each chunk keeps the rows FTS5 matches within the chunk's rowid
    ///   range, until a page is full. Many matches fill a page in a chunk or two.
    fn history(&self, q: &HistoryQuery) -> Result<HistoryPage, StoreError>;

    /// The distinct `model_name` values (`owner/name`), sorted; one index
    /// seek per model, not a scan.
    fn history_models(&self) -> Result<Vec<String>, StoreError>;

    /// Per model, the median running time (`completed_at - started_at`) of its
    /// last [`RUN_TIME_SAMPLES`] completed generations (by `completed_at`).
    /// Models without a measurable completed generation are left out.
    fn run_time_stats(&self) -> Result<Vec<ModelRunTime>, StoreError>;

    /// Deletes every finished (completed, failed, cancelled) generation that
    /// has been viewed (only those `created_by` created, when given), in one
    /// transaction; returns what was deleted so the caller removes the files.
    fn delete_finished_viewed(
        &self,
        created_by: Option<&str>,
    ) -> Result<Vec<DeletedRow>, StoreError>;

    /// Deletes every finished generation that finished (`completed_at`, else
    /// `created_at`) before `cutoff`, viewed or not: the retention setting.
    fn delete_finished_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<DeletedRow>, StoreError>;

    // ---- Changes made by other processes ---------------------------------------

    /// SQLite's `PRAGMA data_version`: it changes when another connection
    /// (another process) commits to the file, not for this store's own
    /// writes. A cheap local read, polled by the engine.
    fn data_version(&self) -> Result<i64, StoreError>;

    /// Generations changed at or after `since` (by `updated_at`), newest
    /// change first, at most [`RECENT_LIMIT`].
    fn recently_changed(&self, since: DateTime<Utc>) -> Result<Vec<Generation>, StoreError>;

    // ---- Input files uploaded to Replicate -------------------------------------

    /// The recorded upload of the bytes with SHA-256 `sha256` (lowercase hex)
    /// readable with `token_id` (made with it, or with another token of the
    /// same account), expired or not; `None` if there is none.
    fn input_upload(
        &self,
        token_id: TokenId,
        sha256: &str,
    ) -> Result<Option<InputUpload>, StoreError>;

    /// Records an upload, replacing an earlier one of the same token and content.
    fn record_input_upload(&self, upload: &InputUpload) -> Result<(), StoreError>;
    /// The kept input file names some generation's input still references
    /// (`genqueue-input:<name>`); the sweep deletes the others.
    fn kept_input_names(&self) -> Result<std::collections::HashSet<String>, StoreError>;
    /// Records the Replicate account (username from `GET /account`) of a token.
    fn set_token_account(&self, id: TokenId, account: &str) -> Result<(), StoreError>;
    /// The recorded Replicate account of a token, if any.
    fn token_account(&self, id: TokenId) -> Result<Option<String>, StoreError>;

    // ---- Outputs shared with the team (PostgreSQL; store/pg/outputs.rs) --------

    /// Whether saved outputs are also kept in the store, for the other
    /// machines on it (a team's PostgreSQL database). Default (SQLite, one
    /// machine): no.
    fn shares_outputs(&self) -> bool {
        false
    }

    /// Keeps the saved file `file` in the store as generation `id`'s output
    /// `stored` (its `output_files` entry, relative to a data folder),
    /// replacing an earlier copy; whole or not at all. Streamed: memory does
    /// not grow with the file. With `fence`, refused
    /// ([`StoreError::LeaseLost`]) unless that lease still holds, as a step
    /// write is. Default: nothing to do.
    fn share_output_file(
        &self,
        _id: GenerationId,
        _stored: &str,
        _file: &std::path::Path,
        _fence: Option<super::Fence>,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes generation `id`'s shared output `stored` to `dest` (through a
    /// `.part` file, streamed); `false` when the store has no such file.
    /// Default: none.
    fn fetch_output_file(
        &self,
        _id: GenerationId,
        _stored: &str,
        _dest: &std::path::Path,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }
    // ---- Spend (spend/, store/spend.rs) ----------------------------------------

    /// The budgets and the user's price lines (defaults when absent).
    fn spend_settings(&self) -> Result<SpendSettings, StoreError>;
    /// Stores spend settings (validated by the caller).
    fn set_spend_settings(&self, s: &SpendSettings) -> Result<(), StoreError>;
    /// Records queued generations' estimates (an existing row keeps its own).
    fn record_estimates(
        &self,
        rows: &[(GenerationId, String, Option<Usd>, Vec<CostPart>)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records what an ended generation cost.
    fn record_final(&self, f: &FinalSpend) -> Result<(), StoreError>;
    /// The spend rows of these generations (missing ones left out).
    fn spend_of(&self, ids: &[GenerationId]) -> Result<Vec<GenerationSpend>, StoreError>;
    /// The model's median `predict_time` (ms) over its latest finished runs.
    fn median_predict_ms(&self, model: &str) -> Result<Option<i64>, StoreError>;
    /// Ended spend in `[from, to)` grouped by day (in `s`'s zone), model, token.
    fn spend_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        s: &SpendSettings,
    ) -> Result<Vec<SpendGroup>, StoreError>;
    /// The estimates of every pending or processing generation.
    fn active_estimate(&self) -> Result<ActiveEstimate, StoreError>;
    /// A pending generation's budget wait reason, if a budget holds the queue.
    fn budget_hold(&self) -> Result<Option<WaitReason>, StoreError>;
    /// What the History filter's generations cost (all pages; store/spend_totals.rs).
    fn history_spend(&self, q: &HistoryQuery) -> Result<SpendTotal, StoreError>;
    /// What a batch cost, retried attempts included.
    fn batch_spend(&self, batch_id: BatchId) -> Result<SpendTotal, StoreError>;

    // ---- Leases: one engine drives a generation (store/lease.rs) ----------------

    /// Whether several engines (folders, machines) may run on this store
    /// at once: a team's PostgreSQL database. False for SQLite, the one
    /// folder's own store.
    fn shared_by_engines(&self) -> bool {
        false
    }

    /// Takes (or renews) engine `engine`'s lease on generation `id` until
    /// `until`, unless another engine holds one that has not expired at
    /// `now`. The default (SQLite: one engine per folder) always grants it.
    /// Errors: the store's own (a missing generation is [`Lease::Taken`]:
    /// the engine finds it gone when it reads it).
    fn take_lease(
        &self,
        _id: GenerationId,
        _engine: uuid::Uuid,
        _until: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        Ok(Lease::Taken { fence: 0 })
    }

    /// Extends `engine`'s leases on `ids` to `until`; returns those of `ids`
    /// it no longer holds (taken over after they expired). Default: none lost.
    fn renew_leases(
        &self,
        _engine: uuid::Uuid,
        _ids: &[GenerationId],
        _until: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        Ok(Vec::new())
    }

    /// Lets go of `engine`'s lease on `id` (it stopped driving it), if it
    /// still holds it. Default: nothing to do.
    fn release_lease(&self, _id: GenerationId, _engine: uuid::Uuid) -> Result<(), StoreError> {
        Ok(())
    }

    /// News of other engines' writes, pushed as they commit (PostgreSQL's
    /// `LISTEN/NOTIFY`), and of the connection lost and back. `None` (the
    /// default, SQLite): nothing is pushed; poll [`QueueStore::data_version`].
    fn news(&self) -> Option<tokio::sync::broadcast::Receiver<super::StoreNews>> {
        None
    }
}
