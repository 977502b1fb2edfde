//! Spend on PostgreSQL (`migrations/postgres/0004_spend.sql`): the same rows
//! and answers as SQLite's `store/spend.rs`, and the budget check the claim
//! runs inside its transaction with the one rule both stores share
//! ([`budget_decide`]).
//!
//! Budgets across engines: two engines claiming at once must not both fit
//! under the same limit, so a claim that checks budgets first takes a
//! transaction-level advisory lock ([`BUDGET_LOCK`]): budget checks run one
//! at a time, as SQLite's `BEGIN IMMEDIATE` makes them. Without budgets no
//! lock is taken.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::rows::{get, get_json};
use super::{PgStore, pg_err, pool_err};
use crate::model::{GenerationId, Token, TokenId};
use crate::spend::{CostPart, SPEND_KEY, SpendSettings, Usd};
use crate::store::codec::{json, to_ms};
use crate::store::spend::{Hold, budget_decide, merge_groups, read_settings};
use crate::store::spend_totals::{ENDED, FINAL};
use crate::store::{ActiveEstimate, GenerationSpend, SpendGroup, StoreError};
use crate::wait::{WaitCode, WaitReason};

type Res<T> = Result<T, StoreError>;

/// Finished runs a per-second estimate learns from (as SQLite's).
const RUN_SAMPLES: i64 = 20;

/// The advisory lock that serialises budget checks ("genqueue" + 1; the
/// migrations hold "genqueue").
const BUDGET_LOCK: i64 = 7452728853394163046;

/// Spent (ended, `charged_at >= from`) per token (`None`: rows without one).
async fn spent_by_token(
    c: &impl GenericClient,
    from: DateTime<Utc>,
) -> Res<HashMap<Option<uuid::Uuid>, i64>> {
    let rows = c
        .query(
            "SELECT token_id, coalesce(sum(final), 0)::bigint FROM spend \
             WHERE ended AND charged_at >= $1 GROUP BY token_id",
            &[&from],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The estimates of what runs now (holding a slot, not ended), per token.
async fn running_by_token(c: &impl GenericClient) -> Res<HashMap<Option<uuid::Uuid>, i64>> {
    let rows = c
        .query(
            "SELECT g.token_id, coalesce(sum(s.estimate), 0)::bigint FROM generations g \
             JOIN spend s ON s.generation_id = g.id \
             WHERE g.token_id IS NOT NULL AND g.status IN ('pending', 'processing') \
             AND NOT s.ended GROUP BY g.token_id",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Inside the claim's transaction: the budgets' holds for generation `id`
/// (see SQLite's `budget_check`; the rule is [`budget_decide`]).
pub(crate) async fn budget_check(
    tx: &impl GenericClient,
    id: GenerationId,
    tokens: &mut Vec<Token>,
    now: DateTime<Utc>,
) -> Res<(Option<Hold>, Option<Hold>)> {
    let raw: Option<String> = tx
        .query_opt("SELECT value FROM settings WHERE key = $1", &[&SPEND_KEY])
        .await
        .map_err(pg_err)?
        .map(|r| r.get(0));
    let Some(raw) = raw else {
        return Ok((None, None));
    };
    let s = read_settings(&raw);
    if s.daily_limit.is_none() && s.monthly_limit.is_none() && s.token_limits.is_empty() {
        return Ok((None, None));
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BUDGET_LOCK])
        .await
        .map_err(pg_err)?;
    let this: i64 = tx
        .query_opt(
            "SELECT estimate FROM spend WHERE generation_id = $1",
            &[&uuid::Uuid::from(id)],
        )
        .await
        .map_err(pg_err)?
        .and_then(|r| r.get::<_, Option<i64>>(0))
        .unwrap_or(0);
    // The rule asks for two windows only (today, this month): read each once.
    let (day, _) = s.day(now);
    let (month, _) = s.month(now);
    let spent_day = spent_by_token(tx, day).await?;
    let spent_month = spent_by_token(tx, month).await?;
    let running = running_by_token(tx).await?;
    budget_decide(&s, this, tokens, now, |from, token| {
        let spent = if from == day {
            &spent_day
        } else if from == month {
            &spent_month
        } else {
            return Err(StoreError::Invalid(format!(
                "a budget window starting at {from} was not read"
            )));
        };
        Ok(match token {
            None => spent.values().sum::<i64>() + running.values().sum::<i64>(),
            Some(t) => {
                let key = Some(uuid::Uuid::from(t));
                spent.get(&key).copied().unwrap_or(0) + running.get(&key).copied().unwrap_or(0)
            }
        })
    })
}

impl PgStore {
    pub(super) fn spend_settings_pg(&self) -> Res<SpendSettings> {
        Ok(match crate::store::QueueStore::setting(self, SPEND_KEY)? {
            None => SpendSettings::default(),
            Some(raw) => read_settings(&raw),
        })
    }

    pub(super) fn record_estimates_pg(
        &self,
        rows: &[(GenerationId, String, Option<Usd>, Vec<CostPart>)],
        now: DateTime<Utc>,
    ) -> Res<()> {
        let now = to_ms(now);
        let rows: Vec<(uuid::Uuid, String, Option<i64>, String)> = rows
            .iter()
            .map(|(id, model, est, parts)| {
                (
                    (*id).into(),
                    model.clone(),
                    est.map(|u| u.micros()),
                    json(parts),
                )
            })
            .collect();
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let stmt = tx
                .prepare(
                    "INSERT INTO spend (generation_id, model_name, estimate, estimate_parts, \
                     created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (generation_id) DO NOTHING",
                )
                .await
                .map_err(pg_err)?;
            for (id, model, est, parts) in &rows {
                tx.execute(&stmt, &[id, model, est, parts, &now])
                    .await
                    .map_err(pg_err)?;
            }
            tx.commit().await.map_err(pg_err)
        })
    }

    pub(super) fn spend_of_pg(&self, ids: &[GenerationId]) -> Res<Vec<GenerationSpend>> {
        let ids: Vec<uuid::Uuid> = ids.iter().map(|&i| i.into()).collect();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    &format!(
                        "SELECT s.generation_id, s.model_name, s.estimate, s.estimate_parts, \
                         {ENDED} AS ended, {FINAL} AS final, s.final_parts, s.predict_ms, \
                         s.charged_at FROM spend AS s \
                         LEFT JOIN generations AS g ON g.id = s.generation_id \
                         WHERE s.generation_id = ANY($1)"
                    ),
                    &[&ids],
                )
                .await
                .map_err(pg_err)?;
            let mut by_id = HashMap::new();
            for r in &found {
                let s = GenerationSpend {
                    generation_id: get::<uuid::Uuid>(r, "generation_id")?.into(),
                    model_name: get(r, "model_name")?,
                    estimate: get::<Option<i64>>(r, "estimate")?.map(Usd),
                    estimate_parts: get_json(r, "estimate_parts")?,
                    ended: get::<Option<bool>>(r, "ended")? == Some(true),
                    final_cost: get::<Option<i64>>(r, "final")?.map(Usd),
                    final_parts: get_json(r, "final_parts")?,
                    predict_ms: get(r, "predict_ms")?,
                    charged_at: get(r, "charged_at")?,
                };
                by_id.insert(s.generation_id, s);
            }
            // In the order asked, missing ones left out (as SQLite's).
            Ok(ids
                .iter()
                .filter_map(|&i| by_id.get(&GenerationId::from(i)).cloned())
                .collect())
        })
    }

    pub(super) fn median_predict_ms_pg(&self, model: &str) -> Res<Option<i64>> {
        let model = model.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let mut v: Vec<i64> = c
                .query(
                    "SELECT predict_ms FROM spend WHERE model_name = $1 AND predict_ms IS NOT NULL \
                     ORDER BY charged_at DESC NULLS LAST LIMIT $2",
                    &[&model, &RUN_SAMPLES],
                )
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            v.sort_unstable();
            Ok(v.get(v.len() / 2).copied())
        })
    }

    pub(super) fn spend_groups_pg(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        s: &SpendSettings,
    ) -> Res<Vec<SpendGroup>> {
        let pieces = crate::spend::zone::offset_pieces(from, to, &s.zone());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let stmt = c
                .prepare(
                    "SELECT to_char((charged_at AT TIME ZONE 'UTC') + make_interval(secs => $1), \
                     'YYYY-MM-DD') AS day, model_name, token_id, \
                     coalesce(sum(final), 0)::bigint AS spent, count(*) AS n, \
                     count(*) FILTER (WHERE final IS NULL) AS unknown \
                     FROM spend WHERE ended AND charged_at >= $2 AND charged_at < $3 \
                     GROUP BY 1, model_name, token_id",
                )
                .await
                .map_err(pg_err)?;
            let mut found = Vec::new();
            // One piece per UTC offset of the zone, as SQLite's (see there).
            for (a, b, offset) in pieces {
                let shift = f64::from(offset);
                for r in c.query(&stmt, &[&shift, &a, &b]).await.map_err(pg_err)? {
                    found.push(SpendGroup {
                        day: get(&r, "day")?,
                        model_name: get(&r, "model_name")?,
                        token_id: get::<Option<uuid::Uuid>>(&r, "token_id")?.map(TokenId::from),
                        spent: Usd(get(&r, "spent")?),
                        generations: get::<i64>(&r, "n")? as u64,
                        unknown: get::<i64>(&r, "unknown")? as u64,
                    });
                }
            }
            Ok(merge_groups(found))
        })
    }

    pub(super) fn budget_hold_pg(&self) -> Res<Option<WaitReason>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    "SELECT wait_reason FROM generations \
                     WHERE status = 'pending' AND wait_reason LIKE '%budget%' LIMIT 8",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            for r in &found {
                let w = WaitReason::from_stored(&r.get::<_, String>(0));
                if matches!(
                    w.code,
                    WaitCode::DailyBudget | WaitCode::MonthlyBudget | WaitCode::TokenBudgets
                ) {
                    return Ok(Some(w));
                }
            }
            Ok(None)
        })
    }

    pub(super) fn active_estimate_pg(&self) -> Res<ActiveEstimate> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(
                    "SELECT coalesce(sum(s.estimate), 0)::bigint, count(*), \
                     count(*) FILTER (WHERE s.estimate IS NULL) \
                     FROM generations g JOIN spend s ON s.generation_id = g.id \
                     WHERE g.status IN ('pending', 'processing') AND NOT s.ended",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            Ok(ActiveEstimate {
                estimate: Usd(r.get(0)),
                generations: r.get::<_, i64>(1) as u64,
                unknown: r.get::<_, i64>(2) as u64,
            })
        })
    }
}
