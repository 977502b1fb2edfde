//! Spend: what each generation, token, model, day and month costs, and the
//! budgets that hold the queue before it costs too much.
//!
//! Replicate has no cost, usage or balance endpoint, so Genqueue prices
//! generations itself: [`prices`] (the shipped, dated table plus the user's
//! lines), [`cost`] (an estimate when queued, the final figure from the
//! finished prediction's `metrics`), [`money`] (USD in integer
//! micro-dollars). The store keeps one `spend` row per generation
//! (`migrations/0008_spend.sql`), which outlives the generation's deletion:
//! money spent stays spent. Budgets are checked inside the token claim
//! (`store/spend.rs`), atomically, counting what is already running.

pub mod cost;
pub mod money;
pub mod prices;
mod queue;
pub mod zone;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use cost::{Cost, CostPart, Usage};
pub use money::{MoneyError, Usd};
pub use prices::{PriceLineError, PriceTable, PriceUnit, SHIPPED_PRICES};
pub use queue::{Estimate, SpendError, SpendLine, SpendReport};

use crate::model::TokenId;

/// Key of the spend settings in the store's `settings` table.
pub const SPEND_KEY: &str = "spend_settings";

/// A limit for one token (either may be absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TokenBudget {
    pub token_id: TokenId,
    pub daily: Option<Usd>,
    pub monthly: Option<Usd>,
}

/// Budgets and the user's prices. JSON in the settings table under
/// [`SPEND_KEY`]; missing fields take their defaults (no limits, no lines,
/// days of this computer's time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpendSettings {
    /// Most the whole pool may spend in a day; `null` = no limit.
    pub daily_limit: Option<Usd>,
    /// Most the whole pool may spend in a calendar month; `null` = no limit.
    pub monthly_limit: Option<Usd>,
    /// Optional limits per token.
    pub token_limits: Vec<TokenBudget>,
    /// The user's price lines, after the shipped table (see [`prices`]).
    pub prices: String,
    /// Where days and months start: an IANA time zone name
    /// (`Europe/Berlin`), daylight saving time included; `null` = this
    /// computer's zone (where the queue runs).
    pub time_zone: Option<String>,
}

impl SpendSettings {
    /// Checks the price lines and the time zone. Errors: [`SpendError::Price`]
    /// with the line and reason; [`SpendError::TimeZone`] for a name the
    /// time zone database does not know.
    pub fn validated(self) -> Result<SpendSettings, SpendError> {
        PriceTable::with_user_lines(&self.prices)?;
        if let Some(name) = &self.time_zone {
            zone::named(name).map_err(SpendError::TimeZone)?;
        }
        Ok(self)
    }

    /// The table these settings price with (the shipped one if the stored
    /// lines no longer parse, which validation prevents).
    pub fn table(&self) -> PriceTable {
        PriceTable::with_user_lines(&self.prices)
            .unwrap_or_else(|_| PriceTable::parse(SHIPPED_PRICES).expect("shipped table parses"))
    }

    /// The zone days are counted in: the named one, else this computer's.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        match self.time_zone.as_deref().map(zone::named) {
            Some(Ok(z)) => z,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "spend settings: counting days in this computer's zone");
                jiff::tz::TimeZone::system()
            }
            None => jiff::tz::TimeZone::system(),
        }
    }

    /// The day `now` falls in (in the settings' zone): its start and the next day's.
    pub fn day(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        zone::day(now, &self.zone())
    }

    /// The calendar month `now` falls in: its start and the next month's.
    pub fn month(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        zone::month(now, &self.zone())
    }

    /// The label of the day `t` falls in, `YYYY-MM-DD` in the settings' zone.
    pub fn day_label(&self, t: DateTime<Utc>) -> String {
        zone::day_label(t, &self.zone())
    }
}
