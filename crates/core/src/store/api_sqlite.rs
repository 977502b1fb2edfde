//! [`QueueStore`] on SQLite: each operation is [`Store`]'s own method of the
//! same name (the SQL lives beside it, by job, in the store's modules).

use chrono::{DateTime, Utc};

use super::{ActiveEstimate, FinalSpend, GenerationSpend, SpendGroup, SpendTotal};
use super::{
    BatchSummary, ClaimOutcome, DeletedRow, HistoryPage, HistoryQuery, InputUpload, ListQuery,
    ModelRunTime, MoveTo, RequestOutcome, StepWrites, StepWritten, Store, StoreError,
};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{
    BatchId, Counters, Generation, GenerationId, GenerationSummary, NewGeneration, Token, TokenId,
};
use crate::spend::{CostPart, SpendSettings, Usd};
use crate::wait::WaitReason;

use super::api::QueueStore;
impl QueueStore for Store {
    fn insert_generations(
        &self,
        new: &[NewGeneration],
        now: DateTime<Utc>,
    ) -> Result<Vec<Generation>, StoreError> {
        Store::insert_generations(self, new, now)
    }
    fn get_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError> {
        Store::get_generation(self, id)
    }
    fn list_generations(&self, q: &ListQuery) -> Result<Vec<GenerationSummary>, StoreError> {
        Store::list_generations(self, q)
    }
    fn counters(&self) -> Result<Counters, StoreError> {
        Store::counters(self)
    }
    fn member_counters(&self, member: &str) -> Result<Counters, StoreError> {
        Store::member_counters(self, member)
    }
    fn members(&self) -> Result<Vec<String>, StoreError> {
        Store::members(self)
    }
    fn transition(
        &self,
        id: GenerationId,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Result<Transitioned, StoreError> {
        Store::transition(self, id, t, now)
    }
    fn write_step(
        &self,
        id: GenerationId,
        t: &Transition,
        w: &StepWrites,
        now: DateTime<Utc>,
    ) -> Result<StepWritten, StoreError> {
        Store::write_step(self, id, t, w, now)
    }
    fn mark_viewed(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<Option<Generation>, StoreError> {
        Store::mark_viewed(self, id, now)
    }
    fn mark_all_viewed(
        &self,
        now: DateTime<Utc>,
        created_by: Option<&str>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        Store::mark_all_viewed(self, now, created_by)
    }
    fn delete_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError> {
        Store::delete_generation(self, id)
    }
    fn next_dispatchable(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Generation>, StoreError> {
        Store::next_dispatchable(self, now, limit)
    }
    fn earliest_next_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Store::earliest_next_attempt(self)
    }
    fn claim_token_among(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        held: Option<&std::collections::HashSet<TokenId>>,
    ) -> Result<ClaimOutcome, StoreError> {
        Store::claim_token_among(self, id, now, held)
    }
    fn token_by_pool_hash(&self, hash: &str) -> Result<Option<Token>, StoreError> {
        Store::token_by_pool_hash(self, hash)
    }
    fn set_token_pool_hash(&self, id: TokenId, hash: &str) -> Result<bool, StoreError> {
        Store::set_token_pool_hash(self, id, hash)
    }
    fn tokens_without_pool_hash(&self) -> Result<Vec<TokenId>, StoreError> {
        Store::tokens_without_pool_hash(self)
    }
    fn in_flight(&self) -> Result<Vec<Generation>, StoreError> {
        Store::in_flight(self)
    }
    fn orphaned_processing(&self) -> Result<Vec<Generation>, StoreError> {
        Store::orphaned_processing(self)
    }
    fn generation_by_prediction(
        &self,
        prediction_id: &str,
    ) -> Result<Option<Generation>, StoreError> {
        Store::generation_by_prediction(self, prediction_id)
    }
    fn prediction_taken(&self, prediction_id: &str) -> Result<bool, StoreError> {
        Store::prediction_taken(self, prediction_id)
    }
    fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Result<Vec<GenerationSummary>, StoreError> {
        Store::list_dispatch_order(self, limit, before)
    }
    fn move_pending(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        Store::move_pending(self, id, to, now)
    }
    fn reorder_pending(
        &self,
        ids: &[GenerationId],
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        Store::reorder_pending(self, ids, now)
    }
    fn batch_summary(&self, batch_id: BatchId) -> Result<BatchSummary, StoreError> {
        Store::batch_summary(self, batch_id)
    }
    fn insert_token(
        &self,
        label: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        Store::insert_token(self, label, fingerprint, now)
    }
    fn get_token(&self, id: TokenId) -> Result<Option<Token>, StoreError> {
        Store::get_token(self, id)
    }
    fn list_tokens(&self) -> Result<Vec<Token>, StoreError> {
        Store::list_tokens(self)
    }
    fn record_request(
        &self,
        id: TokenId,
        outcome: RequestOutcome,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        Store::record_request(self, id, outcome, now)
    }
    fn set_cooldown(&self, id: TokenId, until: DateTime<Utc>) -> Result<Token, StoreError> {
        Store::set_cooldown(self, id, until)
    }
    fn disable_token(
        &self,
        id: TokenId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        Store::disable_token(self, id, reason, now)
    }
    fn enable_token(&self, id: TokenId, _now: DateTime<Utc>) -> Result<Token, StoreError> {
        Store::enable_token(self, id, _now)
    }
    fn rename_token(&self, id: TokenId, label: &str) -> Result<Token, StoreError> {
        Store::rename_token(self, id, label)
    }
    fn set_max_concurrency(&self, id: TokenId, n: u32) -> Result<Token, StoreError> {
        Store::set_max_concurrency(self, id, n)
    }
    fn remove_token(&self, id: TokenId) -> Result<bool, StoreError> {
        Store::remove_token(self, id)
    }
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Store::setting(self, key)
    }
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        Store::set_setting(self, key, value)
    }
    fn history(&self, q: &HistoryQuery) -> Result<HistoryPage, StoreError> {
        Store::history(self, q)
    }
    fn history_models(&self) -> Result<Vec<String>, StoreError> {
        Store::history_models(self)
    }
    fn run_time_stats(&self) -> Result<Vec<ModelRunTime>, StoreError> {
        Store::run_time_stats(self)
    }
    fn delete_finished_viewed(
        &self,
        created_by: Option<&str>,
    ) -> Result<Vec<DeletedRow>, StoreError> {
        Store::delete_finished_viewed(self, created_by)
    }
    fn delete_finished_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<DeletedRow>, StoreError> {
        Store::delete_finished_before(self, cutoff)
    }
    fn data_version(&self) -> Result<i64, StoreError> {
        Store::data_version(self)
    }
    fn recently_changed(&self, since: DateTime<Utc>) -> Result<Vec<Generation>, StoreError> {
        Store::recently_changed(self, since)
    }
    fn input_upload(
        &self,
        token_id: TokenId,
        sha256: &str,
    ) -> Result<Option<InputUpload>, StoreError> {
        Store::input_upload(self, token_id, sha256)
    }
    fn record_input_upload(&self, upload: &InputUpload) -> Result<(), StoreError> {
        Store::record_input_upload(self, upload)
    }
    fn kept_input_names(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        Store::kept_input_names(self)
    }
    fn set_token_account(&self, id: TokenId, account: &str) -> Result<(), StoreError> {
        Store::set_token_account(self, id, account)
    }
    fn token_account(&self, id: TokenId) -> Result<Option<String>, StoreError> {
        Store::token_account(self, id)
    }
    fn spend_settings(&self) -> Result<SpendSettings, StoreError> {
        Store::spend_settings(self)
    }
    fn set_spend_settings(&self, s: &SpendSettings) -> Result<(), StoreError> {
        Store::set_spend_settings(self, s)
    }
    fn record_estimates(
        &self,
        rows: &[(GenerationId, String, Option<Usd>, Vec<CostPart>)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Store::record_estimates(self, rows, now)
    }
    fn record_final(&self, f: &FinalSpend) -> Result<(), StoreError> {
        Store::record_final(self, f)
    }
    fn spend_of(&self, ids: &[GenerationId]) -> Result<Vec<GenerationSpend>, StoreError> {
        Store::spend_of(self, ids)
    }
    fn median_predict_ms(&self, model: &str) -> Result<Option<i64>, StoreError> {
        Store::median_predict_ms(self, model)
    }
    fn spend_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        s: &SpendSettings,
    ) -> Result<Vec<SpendGroup>, StoreError> {
        Store::spend_groups(self, from, to, s)
    }
    fn active_estimate(&self) -> Result<ActiveEstimate, StoreError> {
        Store::active_estimate(self)
    }
    fn budget_hold(&self) -> Result<Option<WaitReason>, StoreError> {
        Store::budget_hold(self)
    }
    fn history_spend(&self, q: &HistoryQuery) -> Result<SpendTotal, StoreError> {
        Store::history_spend(self, q)
    }
    fn batch_spend(&self, batch_id: BatchId) -> Result<SpendTotal, StoreError> {
        Store::batch_spend(self, batch_id)
    }
}
