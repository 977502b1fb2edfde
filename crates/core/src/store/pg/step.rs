//! The lifecycle's write path on PostgreSQL: one [`Transition`] with the row
//! locked (`SELECT … FOR UPDATE`), and one engine step's writes (the
//! request counted on its token, the ended prediction's cost, the
//! transition) in one transaction, as SQLite's `store/step.rs`. What a
//! transition does to the row is decided by the rule both stores share
//! ([`planned`]). A step made under a lease is fenced: refused, with
//! nothing written, once another engine took the lease over ([`fence_check`]).

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::reads::{load, load_token};
use super::rows::{self, Param, refs};
use super::{PgStore, pg_err, pool_err};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{GenerationId, Token, TokenId};
use crate::store::codec::{json, to_ms};
use crate::store::given_up::given_up;
use crate::store::transitions::{Planned, planned, written};
use crate::store::{Fence, FinalSpend, RequestOutcome, StepWrites, StepWritten, StoreError};

type Res<T> = Result<T, StoreError>;

/// Applies `t` to generation `id` inside the caller's transaction, the row
/// locked. Errors: [`StoreError::NotFound`]; the driver's.
pub(crate) async fn transition_in(
    tx: &impl GenericClient,
    id: GenerationId,
    t: &Transition,
    now: DateTime<Utc>,
) -> Res<Transitioned> {
    let before = load(tx, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("generation", id))?;
    let g = match planned(&before, t, now) {
        Planned::Unchanged(done) => return Ok(done),
        Planned::Write(g) => g,
    };
    tx.execute(&rows::update_sql(), &refs(&rows::update_values(&g)))
        .await
        .map_err(pg_err)?;
    if let Some(old) = given_up(&before, &g) {
        tx.execute(
            "INSERT INTO given_up_predictions (prediction_id, generation_id, given_up_at) \
             VALUES ($1, $2, $3) ON CONFLICT (prediction_id) DO NOTHING",
            &[&old, &uuid::Uuid::from(id), &to_ms(now)],
        )
        .await
        .map_err(pg_err)?;
    }
    let row = load(tx, id, false)
        .await?
        .ok_or_else(|| StoreError::not_found("generation", id))?;
    Ok(written(&before, row))
}

/// Counts one request on token `id` inside the caller's transaction; `None`
/// when there is no such token (nothing written).
pub(crate) async fn record_request_in(
    tx: &impl GenericClient,
    id: TokenId,
    outcome: RequestOutcome,
    now: DateTime<Utc>,
) -> Res<Option<Token>> {
    let (errors, limited) = outcome.counts();
    let n = tx
        .execute(
            "UPDATE tokens SET request_count = request_count + 1, \
             error_count = error_count + $2, rate_limited_count = rate_limited_count + $3, \
             last_used_at = greatest(last_used_at, $4) WHERE id = $1",
            &[&uuid::Uuid::from(id), &errors, &limited, &to_ms(now)],
        )
        .await
        .map_err(pg_err)?;
    if n == 0 {
        return Ok(None);
    }
    load_token(tx, id).await
}

/// Records what an ended generation cost inside the caller's transaction
/// (replacing an earlier final figure).
pub(crate) async fn record_final_in(tx: &impl GenericClient, f: &FinalSpend) -> Res<()> {
    let params: Vec<Param> = vec![
        Box::new(uuid::Uuid::from(f.generation_id)),
        Box::new(f.model_name.clone()),
        Box::new(f.cost.map(|u| u.micros())),
        Box::new(json(&f.parts)),
        Box::new(f.predict_ms),
        Box::new(f.token_id.map(uuid::Uuid::from)),
        Box::new(to_ms(f.charged_at)),
    ];
    tx.execute(
        "INSERT INTO spend (generation_id, model_name, ended, final, final_parts, \
         predict_ms, token_id, charged_at, created_at) \
         VALUES ($1, $2, true, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (generation_id) DO UPDATE SET ended = true, final = excluded.final, \
         final_parts = excluded.final_parts, predict_ms = excluded.predict_ms, \
         token_id = excluded.token_id, charged_at = excluded.charged_at",
        &refs(&params),
    )
    .await
    .map_err(pg_err)?;
    Ok(())
}

/// Refuses a write made under `f` unless generation `id`'s lease is still
/// `f.engine`'s with fence `f.fence`, inside the caller's transaction. The
/// lease row is locked `FOR SHARE` until the transaction ends, so a
/// take-over (which updates the row) waits for this write or is seen by it:
/// never a write after a take-over committed.
///
/// Errors: [`StoreError::LeaseLost`]; [`StoreError::NotFound`] when the
/// generation itself is gone (its lease went with it).
pub(super) async fn fence_check(tx: &impl GenericClient, id: GenerationId, f: Fence) -> Res<()> {
    let gid = uuid::Uuid::from(id);
    let held = tx
        .query_opt(
            "SELECT 1 FROM leases WHERE generation_id = $1 AND owner = $2 AND fence = $3 \
             FOR SHARE",
            &[&gid, &f.engine, &f.fence],
        )
        .await
        .map_err(pg_err)?
        .is_some();
    if held {
        return Ok(());
    }
    if load(tx, id, false).await?.is_none() {
        return Err(StoreError::not_found("generation", id));
    }
    Err(StoreError::LeaseLost { id: gid })
}

impl PgStore {
    /// See [`crate::store::QueueStore::transition`].
    pub(super) fn transition_pg(
        &self,
        id: GenerationId,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Res<Transitioned> {
        let t = t.clone();
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let done = transition_in(&tx, id, &t, now).await?;
            if done.changed {
                tx.commit().await.map_err(pg_err)?;
            }
            Ok(done)
        })
    }

    /// See [`crate::store::QueueStore::record_request`].
    pub(super) fn record_request_pg(
        &self,
        id: TokenId,
        outcome: RequestOutcome,
        now: DateTime<Utc>,
    ) -> Res<Token> {
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let t = record_request_in(&tx, id, outcome, now).await?;
            tx.commit().await.map_err(pg_err)?;
            t.ok_or_else(|| StoreError::not_found("token", id))
        })
    }

    /// See [`crate::store::QueueStore::record_final`].
    pub(super) fn record_final_pg(&self, f: &FinalSpend) -> Res<()> {
        let f = f.clone();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            record_final_in(&c, &f).await
        })
    }

    /// See [`crate::store::QueueStore::write_step`]: one transaction, all or
    /// nothing; a token removed meanwhile is not counted.
    pub(super) fn write_step_pg(
        &self,
        id: GenerationId,
        t: &Transition,
        w: &StepWrites,
        now: DateTime<Utc>,
    ) -> Res<StepWritten> {
        let (t, w) = (t.clone(), w.clone());
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            if let Some(f) = w.fence {
                // Dropped uncommitted on refusal: nothing of the step is kept.
                fence_check(&tx, id, f).await?;
            }
            let token = match w.request {
                Some((token, outcome)) => record_request_in(&tx, token, outcome, now).await?,
                None => None,
            };
            if let Some(f) = &w.spend {
                record_final_in(&tx, f).await?;
            }
            let transition = transition_in(&tx, id, &t, now).await?;
            tx.commit().await.map_err(pg_err)?;
            Ok(StepWritten { transition, token })
        })
    }
}
