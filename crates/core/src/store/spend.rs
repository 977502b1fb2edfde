//! The `spend` rows (`migrations/0008_spend.sql`): estimates, final figures,
//! totals, and the budget check the token claim runs inside its transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::codec::{get_json, get_opt_ts, json, to_ms, ts, uuid_text};
use super::spend_totals::{ENDED, FINAL};
use super::{Store, StoreError};
use crate::model::{GenerationId, Token, TokenId};
use crate::spend::{CostPart, SPEND_KEY, SpendSettings, Usd};
use crate::wait::{WaitCode, WaitReason};

/// Finished runs a per-second estimate learns from (the model's latest).
const RUN_SAMPLES: i64 = 20;

/// One generation's spend as stored. Money in micro-dollars; `None` = unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GenerationSpend {
    pub generation_id: GenerationId,
    pub model_name: String,
    pub estimate: Option<Usd>,
    pub estimate_parts: Vec<CostPart>,
    /// True once its prediction ended and `final` was worked out.
    pub ended: bool,
    #[serde(rename = "final")]
    #[cfg_attr(feature = "ts", ts(rename = "final"))]
    pub final_cost: Option<Usd>,
    pub final_parts: Vec<CostPart>,
    /// `metrics.predict_time` in milliseconds.
    pub predict_ms: Option<i64>,
    pub charged_at: Option<DateTime<Utc>>,
}

/// What [`Store::record_final`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalSpend {
    pub generation_id: GenerationId,
    pub model_name: String,
    pub cost: Option<Usd>,
    pub parts: Vec<CostPart>,
    pub predict_ms: Option<i64>,
    pub token_id: Option<TokenId>,
    pub charged_at: DateTime<Utc>,
}

/// Ended spend grouped by local day, model and token: what totals are made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpendGroup {
    /// `YYYY-MM-DD` in the spend settings' zone.
    pub day: String,
    pub model_name: String,
    pub token_id: Option<TokenId>,
    /// Sum of the known final figures.
    pub spent: Usd,
    /// Generations counted.
    pub generations: u64,
    /// Of those, how many have an unknown cost (not in `spent`).
    pub unknown: u64,
}

/// The running and queued estimates (pending or processing generations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActiveEstimate {
    pub estimate: Usd,
    pub generations: u64,
    pub unknown: u64,
}

impl Store {
    /// The spend settings (defaults when absent or unreadable, logged).
    pub fn spend_settings(&self) -> Result<SpendSettings, StoreError> {
        Ok(match self.setting(SPEND_KEY)? {
            None => SpendSettings::default(),
            Some(raw) => read_settings(&raw),
        })
    }

    /// Stores spend settings (validate them first).
    pub fn set_spend_settings(&self, s: &SpendSettings) -> Result<(), StoreError> {
        self.set_setting(SPEND_KEY, &json(s))
    }

    /// Records the estimates of newly queued generations (one transaction);
    /// an existing row keeps its estimate.
    pub fn record_estimates(
        &self,
        rows: &[(GenerationId, String, Option<Usd>, Vec<CostPart>)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO spend (generation_id, model_name, estimate, estimate_parts, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (generation_id) DO NOTHING",
            )?;
            let now = ts(to_ms(now));
            for (id, model, est, parts) in rows {
                stmt.execute((
                    uuid_text(*id),
                    model,
                    est.map(|u| u.micros()),
                    json(parts),
                    &now,
                ))?;
            }
            Ok(())
        })
    }

    /// Records what an ended generation cost (replacing an earlier final figure).
    pub fn record_final(&self, f: &FinalSpend) -> Result<(), StoreError> {
        self.write(|tx| record_final_in(tx, f))
    }

    /// The spend rows of these generations (missing ones are left out). One
    /// that ended without a prediction reads as ended at $0 (never billed).
    pub fn spend_of(&self, ids: &[GenerationId]) -> Result<Vec<GenerationSpend>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT s.generation_id, s.model_name, s.estimate, s.estimate_parts, \
                     {ENDED} AS ended, {FINAL} AS final, s.final_parts, s.predict_ms, s.charged_at \
                     FROM spend AS s LEFT JOIN generations AS g ON g.id = s.generation_id \
                     WHERE s.generation_id = ?1"
            ))?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let row = stmt
                    .query_row([uuid_text(*id)], |r| {
                        Ok(GenerationSpend {
                            generation_id: *id,
                            model_name: r.get("model_name")?,
                            estimate: r.get::<_, Option<i64>>("estimate")?.map(Usd),
                            estimate_parts: get_json(r, "estimate_parts")?,
                            ended: r.get::<_, Option<i64>>("ended")? == Some(1),
                            final_cost: r.get::<_, Option<i64>>("final")?.map(Usd),
                            final_parts: get_json(r, "final_parts")?,
                            predict_ms: r.get("predict_ms")?,
                            charged_at: get_opt_ts(r, "charged_at")?,
                        })
                    })
                    .optional()?;
                out.extend(row);
            }
            Ok(out)
        })
    }

    /// The median `predict_ms` of the model's latest finished runs, if any.
    pub fn median_predict_ms(&self, model: &str) -> Result<Option<i64>, StoreError> {
        self.with_conn(|conn| median_run(conn, model))
    }

    /// Ended spend with `charged_at` in `[from, to)`, grouped by day (in
    /// `s`'s zone, daylight saving time included), model and token.
    ///
    /// The range is read in pieces of one UTC offset each (a zone changes
    /// offset twice a year at most), each grouped by SQLite with its shift;
    /// a day cut by a change of offset is summed from its two pieces.
    pub fn spend_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        s: &SpendSettings,
    ) -> Result<Vec<SpendGroup>, StoreError> {
        let pieces = crate::spend::zone::offset_pieces(from, to, &s.zone());
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT strftime('%Y-%m-%d', charged_at, ?1) AS day, model_name, token_id, \
                 COALESCE(SUM(final), 0) AS spent, COUNT(*) AS n, SUM(final IS NULL) AS unknown \
                 FROM spend INDEXED BY spend_charged WHERE ended = 1 AND charged_at >= ?2 AND charged_at < ?3 \
                 GROUP BY day, model_name, token_id",
            )?;
            let mut found = Vec::new();
            for (a, b, offset) in pieces {
                let shift = format!("{offset:+} seconds");
                let rows = stmt.query_map((shift, ts(a), ts(b)), |r| {
                    let token: Option<String> = r.get("token_id")?;
                    Ok(SpendGroup {
                        day: r.get("day")?,
                        model_name: r.get("model_name")?,
                        token_id: token
                            .and_then(|t| t.parse::<uuid::Uuid>().ok())
                            .map(TokenId::from),
                        spent: Usd(r.get("spent")?),
                        generations: r.get::<_, i64>("n")? as u64,
                        unknown: r.get::<_, i64>("unknown")? as u64,
                    })
                })?;
                for g in rows {
                    found.push(g?);
                }
            }
            Ok(merge_groups(found))
        })
    }

    /// The wait reason of a pending generation held by a budget, if any.
    pub fn budget_hold(&self) -> Result<Option<WaitReason>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT wait_reason FROM generations \
                 WHERE status = 'pending' AND wait_reason LIKE '%budget%' LIMIT 8",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for raw in rows {
                let w = WaitReason::from_stored(&raw?);
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

    /// The estimates of every pending or processing generation.
    pub fn active_estimate(&self) -> Result<ActiveEstimate, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT COALESCE(SUM(s.estimate), 0), COUNT(*), SUM(s.estimate IS NULL) \
                     FROM generations g JOIN spend s ON s.generation_id = g.id \
                     WHERE g.status IN ('pending', 'processing') AND s.ended = 0",
                )?
                .query_row([], |r| {
                    Ok(ActiveEstimate {
                        estimate: Usd(r.get(0)?),
                        generations: r.get::<_, i64>(1)? as u64,
                        unknown: r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                    })
                })?)
        })
    }
}

/// Groups read piece by piece (one UTC offset each) merged by day, model
/// and token, sorted so: a day cut by a change of offset sums its pieces.
/// Both stores' `spend_groups` end here.
pub(crate) fn merge_groups(found: Vec<SpendGroup>) -> Vec<SpendGroup> {
    let mut groups: BTreeMap<(String, String, Option<TokenId>), SpendGroup> = BTreeMap::new();
    for g in found {
        let key = (g.day.clone(), g.model_name.clone(), g.token_id);
        match groups.get_mut(&key) {
            Some(e) => {
                e.spent = e.spent + g.spent;
                e.generations += g.generations;
                e.unknown += g.unknown;
            }
            None => {
                groups.insert(key, g);
            }
        }
    }
    groups.into_values().collect()
}

pub(crate) fn read_settings(raw: &str) -> SpendSettings {
    serde_json::from_str(raw).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "stored spend settings are unreadable; using no budgets");
        SpendSettings::default()
    })
}

fn median_run(conn: &Connection, model: &str) -> Result<Option<i64>, StoreError> {
    let mut v: Vec<i64> = conn
        .prepare_cached(
            "SELECT predict_ms FROM spend INDEXED BY spend_model_runs \
             WHERE model_name = ?1 AND predict_ms IS NOT NULL ORDER BY charged_at DESC LIMIT ?2",
        )?
        .query_map((model, RUN_SAMPLES), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    v.sort_unstable();
    Ok(v.get(v.len() / 2).copied())
}

/// Spent (ended, since `from`) plus the estimates of what runs now (holding
/// a token slot, not ended), for the whole pool or one token. Micro-dollars.
fn used(conn: &Connection, from: DateTime<Utc>, token: Option<TokenId>) -> Result<i64, StoreError> {
    let t = token.map(uuid_text);
    let spent: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(final), 0) FROM spend INDEXED BY spend_charged \
             WHERE ended = 1 AND charged_at >= ?1 AND (?2 IS NULL OR token_id = ?2)",
        )?
        .query_row((ts(from), &t), |r| r.get(0))?;
    let running: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(s.estimate), 0) FROM generations g INDEXED BY generations_token_slots \
             JOIN spend s ON s.generation_id = g.id \
             WHERE g.token_id IS NOT NULL AND g.status IN ('pending', 'processing') AND s.ended = 0 \
             AND (?1 IS NULL OR g.token_id = ?1)",
        )?
        .query_row([&t], |r| r.get(0))?;
    Ok(spent + running)
}

/// A budget that holds the queue: its code, when its window ends, the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hold {
    pub code: WaitCode,
    pub until: DateTime<Utc>,
    pub limit: Usd,
}

impl Hold {
    pub(crate) fn into_wait(self) -> super::ClaimOutcome {
        super::ClaimOutcome::Wait {
            reason: self.code,
            until: Some(self.until),
            detail: Some(self.limit.rounded()),
        }
    }
}

/// The wait when [`choose`](super::pool::choose) found no token: a token's
/// budget when that is what left none usable (`token_hold`), else the
/// pool's own `reason`.
pub(crate) fn no_token_wait(
    reason: WaitCode,
    until: Option<DateTime<Utc>>,
    token_hold: Option<Hold>,
) -> super::ClaimOutcome {
    match (reason, token_hold) {
        (WaitCode::NoTokens | WaitCode::AllDisabled, Some(h)) => h.into_wait(),
        (reason, _) => super::ClaimOutcome::Wait {
            reason,
            until,
            detail: None,
        },
    }
}

/// Inside the claim's transaction: whether starting generation `id` now would
/// pass the pool's daily or monthly limit (`hold`), and which `tokens` would
/// pass their own (removed from the list, with the earliest end of their
/// windows). "Pass": spent in the window + running estimates + this one's
/// estimate above the limit, or the limit already reached. An unknown
/// estimate counts as $0 until its final figure is known.
pub(crate) fn budget_check(
    conn: &Connection,
    id: GenerationId,
    tokens: &mut Vec<Token>,
    now: DateTime<Utc>,
) -> Result<(Option<Hold>, Option<Hold>), StoreError> {
    let s = match conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([SPEND_KEY], |r| r.get::<_, String>(0))
        .optional()?
    {
        Some(raw) => read_settings(&raw),
        None => return Ok((None, None)),
    };
    let this: i64 = conn
        .prepare_cached("SELECT estimate FROM spend WHERE generation_id = ?1")?
        .query_row([uuid_text(id)], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .unwrap_or(0);
    budget_decide(&s, this, tokens, now, |from, token| used(conn, from, token))
}

/// The budget rule itself, for any store: `s` the spend settings, `this`
/// the generation's estimate (micro-USD, 0 when unknown), `used(from,
/// token)` what is spent since `from` plus the running estimates (the whole
/// pool for `None`). Returns the pool's hold, or removes the tokens over
/// their own limits from `tokens` and returns the earliest of their holds.
pub(crate) fn budget_decide(
    s: &SpendSettings,
    this: i64,
    tokens: &mut Vec<Token>,
    now: DateTime<Utc>,
    mut used: impl FnMut(DateTime<Utc>, Option<TokenId>) -> Result<i64, StoreError>,
) -> Result<(Option<Hold>, Option<Hold>), StoreError> {
    let (day, next_day) = s.day(now);
    let (month, next_month) = s.month(now);
    let windows = |daily: Option<Usd>, monthly: Option<Usd>| {
        [
            daily.map(|l| (l, day, next_day, WaitCode::DailyBudget)),
            monthly.map(|l| (l, month, next_month, WaitCode::MonthlyBudget)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
    };
    let mut over = |token: Option<TokenId>, daily, monthly| -> Result<Option<Hold>, StoreError> {
        for (limit, from, until, code) in windows(daily, monthly) {
            let u = used(from, token)?;
            if u >= limit.micros() || u + this > limit.micros() {
                return Ok(Some(Hold { code, until, limit }));
            }
        }
        Ok(None)
    };
    if let Some(h) = over(None, s.daily_limit, s.monthly_limit)? {
        return Ok((Some(h), None));
    }
    let by_token: BTreeMap<TokenId, (Option<Usd>, Option<Usd>)> = s
        .token_limits
        .iter()
        .map(|b| (b.token_id, (b.daily, b.monthly)))
        .collect();
    let mut token_hold: Option<Hold> = None;
    let mut kept = Vec::with_capacity(tokens.len());
    for t in tokens.drain(..) {
        let limits = by_token.get(&t.id).copied();
        let hold = match limits {
            Some((d, m)) if t.active => over(Some(t.id), d, m)?,
            _ => None,
        };
        match hold {
            Some(h) => {
                if token_hold.as_ref().is_none_or(|e| h.until < e.until) {
                    token_hold = Some(Hold {
                        code: WaitCode::TokenBudgets,
                        ..h
                    });
                }
            }
            None => kept.push(t),
        }
    }
    *tokens = kept;
    Ok((None, token_hold))
}

/// [`Store::record_final`] inside the caller's write transaction (also used
/// by [`Store::write_step`](super::step)).
pub(super) fn record_final_in(tx: &Connection, f: &FinalSpend) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO spend (generation_id, model_name, ended, final, final_parts, predict_ms, \
         token_id, charged_at, created_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (generation_id) DO UPDATE SET ended = 1, final = excluded.final, \
         final_parts = excluded.final_parts, predict_ms = excluded.predict_ms, \
         token_id = excluded.token_id, charged_at = excluded.charged_at",
    )?
    .execute((
        uuid_text(f.generation_id),
        &f.model_name,
        f.cost.map(|u| u.micros()),
        json(&f.parts),
        f.predict_ms,
        f.token_id.map(uuid_text),
        ts(to_ms(f.charged_at)),
    ))?;
    Ok(())
}
