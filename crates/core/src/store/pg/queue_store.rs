//! [`QueueStore`] on PostgreSQL: each method means what SQLite's does (see
//! the trait's docs); writes that read first lock their rows
//! (`SELECT … FOR UPDATE`) in one transaction.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::reads::{load, load_token, load_tokens};
use super::rows::{self, refs};
use super::{PgStore, pg_err, pool_err};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{
    BatchId, Counters, Generation, GenerationId, GenerationSummary, NewGeneration, Token, TokenId,
};
use crate::spend::{CostPart, SPEND_KEY, SpendSettings, Usd};
use crate::store::codec::{json, to_ms};
use crate::store::generation_rows::{GENERATION_COLUMNS, new_row};
use crate::store::tokens::{CONCURRENCY_RANGE, clean_label};
use crate::store::watch::RECENT_LIMIT;
use crate::store::{
    ActiveEstimate, BatchSummary, ClaimOutcome, DeletedRow, FinalSpend, GenerationSpend,
    HistoryPage, HistoryQuery, InputUpload, Lease, ListQuery, ModelRunTime, MoveTo, QueueStore,
    RequestOutcome, SpendGroup, SpendTotal, StepWrites, StepWritten, StoreError,
};
use crate::wait::WaitReason;

type Res<T> = Result<T, StoreError>;

impl QueueStore for PgStore {
    fn insert_generations(
        &self,
        new: &[NewGeneration],
        now: DateTime<Utc>,
    ) -> Res<Vec<Generation>> {
        let rows = new
            .iter()
            .map(|n| new_row(n, now))
            .collect::<Result<Vec<_>, _>>()?;
        let written = rows.clone();
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let stmt = tx.prepare(&rows::insert_sql()).await.map_err(pg_err)?;
            for g in &written {
                tx.execute(&stmt, &refs(&rows::insert_values(g)))
                    .await
                    .map_err(pg_err)?;
            }
            tx.commit().await.map_err(pg_err)
        })?;
        Ok(rows)
    }

    fn get_generation(&self, id: GenerationId) -> Res<Option<Generation>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            load(&c, id, false).await
        })
    }

    fn list_generations(&self, q: &ListQuery) -> Res<Vec<GenerationSummary>> {
        self.list_page(q)
    }

    fn counters(&self) -> Res<Counters> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(
                    "SELECT pending, processing, completed, failed, cancelled, unviewed, seq \
                     FROM counters WHERE id = 1",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            Ok(super::members::counters_of(&r))
        })
    }

    fn member_counters(&self, member: &str) -> Res<Counters> {
        self.member_counters_pg(member)
    }

    fn members(&self) -> Res<Vec<String>> {
        self.members_pg()
    }

    fn transition(
        &self,
        id: GenerationId,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Res<Transitioned> {
        self.transition_pg(id, t, now)
    }

    fn write_step(
        &self,
        id: GenerationId,
        t: &Transition,
        w: &StepWrites,
        now: DateTime<Utc>,
    ) -> Res<StepWritten> {
        self.write_step_pg(id, t, w, now)
    }

    fn mark_viewed(&self, id: GenerationId, now: DateTime<Utc>) -> Res<Option<Generation>> {
        let now = to_ms(now);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let uid = uuid::Uuid::from(id);
            c.execute(
                "UPDATE generations SET viewed = true, viewed_at = $2, updated_at = $2 \
                 WHERE id = $1 AND NOT viewed",
                &[&uid, &now],
            )
            .await
            .map_err(pg_err)?;
            load(&c, id, false).await
        })
    }

    fn mark_all_viewed(
        &self,
        now: DateTime<Utc>,
        created_by: Option<&str>,
    ) -> Res<Vec<GenerationId>> {
        let now = to_ms(now);
        let member = created_by.map(str::to_owned);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    "UPDATE generations SET viewed = true, viewed_at = $1, updated_at = $1 \
                     WHERE NOT viewed AND ($2::text IS NULL OR created_by = $2::text) \
                     RETURNING id",
                    &[&now, &member],
                )
                .await
                .map_err(pg_err)?;
            Ok(found
                .iter()
                .map(|r| GenerationId::from(r.get::<_, uuid::Uuid>(0)))
                .collect())
        })
    }

    fn delete_generation(&self, id: GenerationId) -> Res<Option<Generation>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let sql =
                format!("DELETE FROM generations WHERE id = $1 RETURNING {GENERATION_COLUMNS}");
            let uid = uuid::Uuid::from(id);
            c.query_opt(&sql, &[&uid])
                .await
                .map_err(pg_err)?
                .map(|r| rows::generation(&r))
                .transpose()
        })
    }

    fn next_dispatchable(&self, now: DateTime<Utc>, limit: usize) -> Res<Vec<Generation>> {
        self.generations(
            "WHERE status = 'pending' AND token_id IS NULL \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             ORDER BY priority DESC, created_at ASC, id ASC LIMIT $2",
            vec![
                Box::new(to_ms(now)),
                Box::new(i64::try_from(limit).unwrap_or(i64::MAX)),
            ],
        )
    }

    fn earliest_next_attempt(&self) -> Res<Option<DateTime<Utc>>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(
                    "SELECT min(next_attempt_at) FROM generations \
                     WHERE status = 'pending' AND token_id IS NULL AND next_attempt_at IS NOT NULL",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            r.try_get(0).map_err(pg_err)
        })
    }

    fn claim_token_among(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        held: Option<&std::collections::HashSet<TokenId>>,
    ) -> Res<ClaimOutcome> {
        let claimed = self.claim_pg(Some(id), now, held)?;
        Ok(claimed.expect("a named generation is claimed or refused").1)
    }

    fn claim_next(
        &self,
        now: DateTime<Utc>,
        held: Option<&std::collections::HashSet<TokenId>>,
    ) -> Res<Option<(GenerationId, Token)>> {
        Ok(match self.claim_pg(None, now, held)? {
            Some((id, ClaimOutcome::Claimed(token))) => Some((id, token)),
            _ => None,
        })
    }

    fn in_flight(&self) -> Res<Vec<Generation>> {
        self.generations(
            "WHERE token_id IS NOT NULL AND status IN ('pending', 'processing') \
             ORDER BY created_at ASC, id ASC",
            vec![],
        )
    }

    fn orphaned_processing(&self) -> Res<Vec<Generation>> {
        self.generations("WHERE status = 'processing' AND token_id IS NULL", vec![])
    }

    fn generation_by_prediction(&self, prediction_id: &str) -> Res<Option<Generation>> {
        Ok(self
            .generations(
                "WHERE prediction_id = $1 LIMIT 1",
                vec![Box::new(prediction_id.to_owned())],
            )?
            .into_iter()
            .next())
    }

    fn prediction_taken(&self, prediction_id: &str) -> Res<bool> {
        let id = prediction_id.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query_opt(
                    "SELECT 1 FROM generations WHERE prediction_id = $1 \
                     UNION ALL SELECT 1 FROM given_up_predictions WHERE prediction_id = $1 \
                     LIMIT 1",
                    &[&id],
                )
                .await
                .map_err(pg_err)?;
            Ok(found.is_some())
        })
    }

    fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Res<Vec<GenerationSummary>> {
        self.dispatch_order(limit, before)
    }

    fn move_pending(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Res<Vec<GenerationId>> {
        self.move_pg(id, to, now)
    }

    fn reorder_pending(&self, ids: &[GenerationId], now: DateTime<Utc>) -> Res<Vec<GenerationId>> {
        self.reorder_pg(ids, now)
    }

    fn batch_summary(&self, batch_id: BatchId) -> Res<BatchSummary> {
        self.batch(batch_id)
    }

    fn insert_token(&self, label: &str, fingerprint: &str, now: DateTime<Utc>) -> Res<Token> {
        let label = clean_label(label)?;
        let fingerprint = fingerprint.to_owned();
        let id = TokenId::new();
        let now = to_ms(now);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let uid = uuid::Uuid::from(id);
            c.execute(
                "INSERT INTO tokens (id, label, fingerprint, created_at) VALUES ($1, $2, $3, $4)",
                &[&uid, &label, &fingerprint, &now],
            )
            .await
            .map_err(pg_err)?;
            load_token(&c, id)
                .await?
                .ok_or_else(|| StoreError::not_found("token", id))
        })
    }

    fn token_by_pool_hash(&self, hash: &str) -> Res<Option<Token>> {
        self.token_by_pool_hash_pg(hash)
    }

    fn set_token_pool_hash(&self, id: TokenId, hash: &str) -> Res<bool> {
        self.set_token_pool_hash_pg(id, hash)
    }

    fn tokens_without_pool_hash(&self) -> Res<Vec<TokenId>> {
        self.tokens_without_pool_hash_pg()
    }

    fn get_token(&self, id: TokenId) -> Res<Option<Token>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            load_token(&c, id).await
        })
    }

    fn list_tokens(&self) -> Res<Vec<Token>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            load_tokens(&c).await
        })
    }

    fn record_request(
        &self,
        id: TokenId,
        outcome: RequestOutcome,
        now: DateTime<Utc>,
    ) -> Res<Token> {
        self.record_request_pg(id, outcome, now)
    }

    fn set_cooldown(&self, id: TokenId, until: DateTime<Utc>) -> Res<Token> {
        self.update_token(
            id,
            "UPDATE tokens SET cooldown_until = greatest(cooldown_until, $2) WHERE id = $1",
            vec![Box::new(to_ms(until))],
        )
    }

    fn disable_token(&self, id: TokenId, reason: &str, now: DateTime<Utc>) -> Res<Token> {
        self.update_token(
            id,
            "UPDATE tokens SET active = false, disabled_reason = $2, disabled_at = $3 WHERE id = $1",
            vec![Box::new(reason.to_owned()), Box::new(to_ms(now))],
        )
    }

    fn enable_token(&self, id: TokenId, _now: DateTime<Utc>) -> Res<Token> {
        self.update_token(
            id,
            "UPDATE tokens SET active = true, disabled_reason = NULL, disabled_at = NULL, \
             cooldown_until = NULL WHERE id = $1",
            vec![],
        )
    }

    fn rename_token(&self, id: TokenId, label: &str) -> Res<Token> {
        let label = clean_label(label)?;
        self.update_token(
            id,
            "UPDATE tokens SET label = $2 WHERE id = $1",
            vec![Box::new(label)],
        )
    }

    fn set_max_concurrency(&self, id: TokenId, n: u32) -> Res<Token> {
        if !CONCURRENCY_RANGE.contains(&n) {
            return Err(StoreError::Invalid(format!(
                "a token runs 1 to 16 generations at once, not {n}"
            )));
        }
        self.update_token(
            id,
            "UPDATE tokens SET max_concurrency = $2 WHERE id = $1",
            vec![Box::new(n as i32)],
        )
    }

    fn remove_token(&self, id: TokenId) -> Res<bool> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let uid = uuid::Uuid::from(id);
            let n = c
                .execute("DELETE FROM tokens WHERE id = $1", &[&uid])
                .await
                .map_err(pg_err)?;
            Ok(n > 0)
        })
    }

    fn setting(&self, key: &str) -> Res<Option<String>> {
        let key = key.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])
                .await
                .map_err(pg_err)?;
            Ok(r.map(|r| r.get(0)))
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> Res<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    fn history(&self, q: &HistoryQuery) -> Res<HistoryPage> {
        self.history_page(q)
    }

    fn history_models(&self) -> Res<Vec<String>> {
        self.models()
    }

    fn run_time_stats(&self) -> Res<Vec<ModelRunTime>> {
        self.run_times()
    }

    fn delete_finished_viewed(&self, created_by: Option<&str>) -> Res<Vec<DeletedRow>> {
        self.delete_returning(
            "DELETE FROM generations \
             WHERE status IN ('completed', 'failed', 'cancelled') AND viewed \
             AND ($1::text IS NULL OR created_by = $1::text) \
             RETURNING id, output_files",
            vec![Box::new(created_by.map(str::to_owned))],
        )
    }

    fn delete_finished_before(&self, cutoff: DateTime<Utc>) -> Res<Vec<DeletedRow>> {
        self.delete_returning(
            "DELETE FROM generations \
             WHERE status IN ('completed', 'failed', 'cancelled') \
             AND coalesce(completed_at, created_at) < $1 \
             RETURNING id, output_files",
            vec![Box::new(to_ms(cutoff))],
        )
    }

    /// The counters' `seq`: it changes at every write of a generation, by any
    /// engine (this store's own writes too, unlike SQLite's `data_version`).
    fn data_version(&self) -> Res<i64> {
        Ok(self.counters()?.seq as i64)
    }

    fn recently_changed(&self, since: DateTime<Utc>) -> Res<Vec<Generation>> {
        self.generations(
            "WHERE updated_at >= $1 ORDER BY updated_at DESC LIMIT $2",
            vec![Box::new(to_ms(since)), Box::new(RECENT_LIMIT as i64)],
        )
    }

    fn input_upload(&self, token_id: TokenId, sha256: &str) -> Res<Option<InputUpload>> {
        self.input_upload_pg(token_id, sha256)
    }

    fn record_input_upload(&self, upload: &InputUpload) -> Res<()> {
        self.record_input_upload_pg(upload)
    }

    fn kept_input_names(&self) -> Res<std::collections::HashSet<String>> {
        self.kept_input_names_pg()
    }

    fn set_token_account(&self, id: TokenId, account: &str) -> Res<()> {
        self.set_token_account_pg(id, account)
    }

    fn token_account(&self, id: TokenId) -> Res<Option<String>> {
        self.token_account_pg(id)
    }

    fn shares_outputs(&self) -> bool {
        true
    }

    fn share_output_file(
        &self,
        id: GenerationId,
        stored: &str,
        file: &std::path::Path,
        fence: Option<crate::store::Fence>,
    ) -> Res<()> {
        self.share_output_file_pg(id, stored, file, fence)
    }

    fn fetch_output_file(
        &self,
        id: GenerationId,
        stored: &str,
        dest: &std::path::Path,
    ) -> Res<bool> {
        self.fetch_output_file_pg(id, stored, dest)
    }

    fn spend_settings(&self) -> Res<SpendSettings> {
        self.spend_settings_pg()
    }

    fn set_spend_settings(&self, s: &SpendSettings) -> Res<()> {
        self.set_setting(SPEND_KEY, &json(s))
    }

    fn record_estimates(
        &self,
        rows: &[(GenerationId, String, Option<Usd>, Vec<CostPart>)],
        now: DateTime<Utc>,
    ) -> Res<()> {
        self.record_estimates_pg(rows, now)
    }

    fn record_final(&self, f: &FinalSpend) -> Res<()> {
        self.record_final_pg(f)
    }

    fn spend_of(&self, ids: &[GenerationId]) -> Res<Vec<GenerationSpend>> {
        self.spend_of_pg(ids)
    }

    fn median_predict_ms(&self, model: &str) -> Res<Option<i64>> {
        self.median_predict_ms_pg(model)
    }

    fn spend_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        s: &SpendSettings,
    ) -> Res<Vec<SpendGroup>> {
        self.spend_groups_pg(from, to, s)
    }

    fn active_estimate(&self) -> Res<ActiveEstimate> {
        self.active_estimate_pg()
    }

    fn budget_hold(&self) -> Res<Option<WaitReason>> {
        self.budget_hold_pg()
    }

    fn history_spend(&self, q: &HistoryQuery) -> Res<SpendTotal> {
        self.history_spend_pg(q)
    }

    fn batch_spend(&self, batch_id: BatchId) -> Res<SpendTotal> {
        self.batch_spend_pg(batch_id)
    }

    fn shared_by_engines(&self) -> bool {
        true
    }

    fn take_lease(
        &self,
        id: GenerationId,
        engine: uuid::Uuid,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Res<Lease> {
        self.take_lease_pg(id, engine, until, now)
    }

    fn renew_leases(
        &self,
        engine: uuid::Uuid,
        ids: &[GenerationId],
        until: DateTime<Utc>,
    ) -> Res<Vec<GenerationId>> {
        self.renew_leases_pg(engine, ids, until)
    }

    fn release_lease(&self, id: GenerationId, engine: uuid::Uuid) -> Res<()> {
        self.release_lease_pg(id, engine)
    }

    fn news(&self) -> Option<tokio::sync::broadcast::Receiver<crate::store::StoreNews>> {
        Some(self.subscribe_news())
    }
}
