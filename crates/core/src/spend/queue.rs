//! The queue's spend operations: settings, estimates (per generation when
//! queued, for a whole request before Create), final figures when a
//! prediction ends, and the totals the Spend page and `genq spend` show.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SpendSettings;
use super::cost::{self, Cost, Usage};
use super::money::Usd;
use super::prices::PriceLineError;
use crate::events::Event;
use crate::ids::BatchId;
use crate::model::{Generation, GenerationId, TokenId};
use crate::queue::{Queue, QueueError};
use crate::replicate::Prediction;
use crate::store::{
    ActiveEstimate, FinalSpend, GenerationSpend, HistoryQuery, SpendGroup, SpendTotal,
};
use crate::wait::WaitReason;

/// Why spend settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpendError {
    #[error("price table {0}")]
    Price(#[from] PriceLineError),
    /// The name is not in the time zone database (`Europe/Berlin` is).
    #[error("{0}")]
    TimeZone(String),
}

/// An estimate for a request before it is queued: "about $0.12 for 40 images".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Estimate {
    /// One generation's estimate (its parts say the unit and rate).
    pub each: Cost,
    /// How many generations the request makes.
    pub generations: u32,
    /// Output images in all (`num_outputs` × generations).
    pub images: u32,
    /// `each × generations`; `None` when the price is unknown.
    pub total: Option<Usd>,
}

/// One line of a total: a key (day, month, model or token) and its sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpendLine {
    /// `YYYY-MM-DD`, `YYYY-MM`, `owner/name`, or the token's id.
    pub key: String,
    /// A token's label ("removed token" when it is gone); `null` otherwise.
    pub label: Option<String>,
    pub spent: Usd,
    pub generations: u64,
    /// Generations of unknown cost (not in `spent`).
    pub unknown: u64,
}

/// Totals over `[from, to)`: per day, month, model and token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpendReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub total: SpendLine,
    pub by_day: Vec<SpendLine>,
    pub by_month: Vec<SpendLine>,
    pub by_model: Vec<SpendLine>,
    pub by_token: Vec<SpendLine>,
    /// Spent today and this month (whatever the range), for the budgets.
    pub today: Usd,
    pub this_month: Usd,
    /// Estimates of what is pending or processing now.
    pub active: ActiveEstimate,
    /// The budget that holds the queue now, if one does (a waiting generation's reason).
    pub held: Option<WaitReason>,
    /// Generations pending now (held ones among them).
    pub waiting: u64,
    pub settings: SpendSettings,
    /// The IANA name of the zone days are counted in (`Europe/Berlin`);
    /// `null` when this computer's zone has no name.
    pub time_zone: Option<String>,
    /// The shipped table's source and date.
    pub prices_source: Option<String>,
    pub prices_checked: Option<String>,
}

fn add(lines: &mut BTreeMap<String, SpendLine>, key: &str, g: &SpendGroup) {
    let l = lines.entry(key.to_owned()).or_insert_with(|| SpendLine {
        key: key.to_owned(),
        label: None,
        spent: Usd::ZERO,
        generations: 0,
        unknown: 0,
    });
    l.spent = l.spent + g.spent;
    l.generations += g.generations;
    l.unknown += g.unknown;
}

impl Queue {
    /// The budgets and the user's price lines.
    pub fn spend_settings(&self) -> Result<SpendSettings, QueueError> {
        Ok(self.store().spend_settings()?)
    }

    /// Checks and stores spend settings, then wakes the dispatcher (a raised
    /// limit resumes a held queue at once). Errors: a malformed price line
    /// (its number and why), an offset beyond ±14 h; nothing is stored then.
    pub fn set_spend_settings(&self, s: SpendSettings) -> Result<SpendSettings, QueueError> {
        let s = s.validated()?;
        self.store().set_spend_settings(&s)?;
        self.events().send(Event::SpendChanged);
        Ok(s)
    }

    /// One generation's estimate of `model` with `input`, from the current
    /// prices and the model's recent run times.
    pub fn estimate_one(&self, model: &str, input: &Value) -> Result<Cost, QueueError> {
        let table = self.spend_settings()?.table();
        let median = self.store().median_predict_ms(model)?;
        Ok(cost::estimate(&table, model, input, median))
    }

    /// The estimate of a whole request before Create: `generations` runs of
    /// `model` with `input` (its `num_outputs` images each).
    pub fn estimate_request(
        &self,
        model: &str,
        input: &Value,
        generations: u32,
    ) -> Result<Estimate, QueueError> {
        let each = self.estimate_one(model, input)?;
        let per = input
            .get("num_outputs")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1) as u32;
        Ok(Estimate {
            total: each.total.map(|t| t.times(i64::from(generations))),
            each,
            generations,
            images: per.saturating_mul(generations),
        })
    }

    /// Stores the estimates of freshly queued generations (one per model
    /// and input shape is computed; a batch shares it).
    pub(crate) fn record_estimates(&self, rows: &[Generation]) -> Result<(), QueueError> {
        let table = self.spend_settings()?.table();
        let mut medians: BTreeMap<String, Option<i64>> = BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for g in rows {
            let median = match medians.get(&g.model_name) {
                Some(m) => *m,
                None => {
                    let m = self.store().median_predict_ms(&g.model_name)?;
                    medians.insert(g.model_name.clone(), m);
                    m
                }
            };
            let c = cost::estimate(&table, &g.model_name, &g.input, median);
            out.push((g.id, g.model_name.clone(), c.total, c.parts));
        }
        self.store().record_estimates(&out, self.now())?;
        Ok(())
    }

    /// What a generation's ended prediction cost (`metrics`, outputs), to
    /// record with its ending ([`crate::store::StepWrites::spend`]).
    pub(crate) fn final_spend(
        &self,
        g: &Generation,
        p: &Prediction,
        token_id: Option<TokenId>,
    ) -> Result<FinalSpend, QueueError> {
        let table = self.spend_settings()?.table();
        let usage = Usage::of(p);
        let c = cost::final_cost(&table, &g.model_name, &g.input, &usage);
        Ok(FinalSpend {
            generation_id: g.id,
            model_name: g.model_name.clone(),
            cost: c.total,
            parts: c.parts,
            predict_ms: usage.predict_ms,
            token_id,
            charged_at: p.completed_at.unwrap_or_else(|| self.now()),
        })
    }

    /// The spend rows of these generations (estimate and final).
    pub fn spend_of(&self, ids: &[GenerationId]) -> Result<Vec<GenerationSpend>, QueueError> {
        Ok(self.store().spend_of(ids)?)
    }

    /// What every generation the History filter `q` shows cost (all pages).
    pub fn history_spend(&self, q: &HistoryQuery) -> Result<SpendTotal, QueueError> {
        Ok(self.store().history_spend(q)?)
    }

    /// What the batch cost so far (retried attempts included) and what its
    /// unfinished generations are expected to cost.
    pub fn batch_spend(&self, batch_id: BatchId) -> Result<SpendTotal, QueueError> {
        Ok(self.store().batch_spend(batch_id)?)
    }

    /// Totals of what ended in `[from, to)`; `None` bounds: the current month.
    pub fn spend_report(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<SpendReport, QueueError> {
        let s = self.spend_settings()?;
        let now = self.now();
        let (month_start, month_end) = s.month(now);
        let (day_start, _) = s.day(now);
        let from = from.unwrap_or(month_start);
        let to = to.unwrap_or(month_end);
        let groups = self.store().spend_groups(from, to, &s)?;
        let (mut days, mut months, mut models, mut tokens) = Default::default();
        let (mut today, mut this_month) = (Usd::ZERO, Usd::ZERO);
        let today_label = s.day_label(now);
        let month_label = &today_label[..7];
        let mut total = BTreeMap::new();
        for g in &groups {
            add(&mut days, &g.day, g);
            add(&mut months, &g.day[..7], g);
            add(&mut models, &g.model_name, g);
            let tk = g.token_id.map_or_else(String::new, |t| t.to_string());
            add(&mut tokens, &tk, g);
            add(&mut total, "total", g);
            if g.day == today_label {
                today = today + g.spent;
            }
            if &g.day[..7] == month_label {
                this_month = this_month + g.spent;
            }
        }
        if from > month_start || to < month_end || from > day_start {
            // The range does not cover today or this month: read them apart.
            let cur = self.store().spend_groups(month_start, month_end, &s)?;
            today = cur
                .iter()
                .filter(|g| g.day == today_label)
                .map(|g| g.spent)
                .sum();
            this_month = cur.iter().map(|g| g.spent).sum();
        }
        let labels: BTreeMap<String, String> = self
            .store()
            .list_tokens()?
            .into_iter()
            .map(|t| (t.id.to_string(), t.label))
            .collect();
        let mut by_token: Vec<SpendLine> = tokens.into_values().collect();
        for l in &mut by_token {
            l.label = Some(
                labels
                    .get(&l.key)
                    .cloned()
                    .unwrap_or_else(|| "removed token".into()),
            );
        }
        let mut by_model: Vec<SpendLine> = models.into_values().collect();
        by_model.sort_by(|a, b| b.spent.cmp(&a.spent).then(a.key.cmp(&b.key)));
        by_token.sort_by(|a, b| b.spent.cmp(&a.spent).then(a.key.cmp(&b.key)));
        let table = s.table();
        Ok(SpendReport {
            from,
            to,
            total: total.remove("total").unwrap_or(SpendLine {
                key: "total".into(),
                label: None,
                spent: Usd::ZERO,
                generations: 0,
                unknown: 0,
            }),
            by_day: days.into_values().collect(),
            by_month: months.into_values().collect(),
            by_model,
            by_token,
            today,
            this_month,
            active: self.store().active_estimate()?,
            held: self.store().budget_hold()?,
            waiting: self.store().counters()?.pending,
            prices_source: table.source.clone(),
            prices_checked: table.checked.clone(),
            time_zone: super::zone::name_of(&s.zone()),
            settings: s,
        })
    }
}
