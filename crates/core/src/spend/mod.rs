//! Spend: what each generation, token, model, day and month costs, and the
//! budgets that hold the queue before it costs too much.
//!
//! Replicate has no cost, usage or balance endpoint, so Genqueue prices
//! generations itself: [`prices`] (the shipped, dated table plus the user's
//! lines), [`cost`] (an estimate when queued, the final figure from the
//! finished prediction's `metrics`), [`money`] (USD in integer
//! micro-dollars). The store keeps one `spend` row per generation
//! (`migrations/0007_spend.sql`), which outlives the generation's deletion:
//! money spent stays spent. Budgets are checked inside the token claim
//! (`store/spend.rs`), atomically, counting what is already running.

pub mod cost;
pub mod money;
pub mod prices;
mod queue;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

pub use cost::{Cost, CostPart, Usage};
pub use money::{MoneyError, Usd};
pub use prices::{PriceLineError, PriceTable, PriceUnit, SHIPPED_PRICES};
pub use queue::{Estimate, SpendError, SpendLine, SpendReport};

use crate::model::TokenId;

/// Key of the spend settings in the store's `settings` table.
pub const SPEND_KEY: &str = "spend_settings";
/// Furthest a day boundary may be from UTC, in minutes (UTC−14 … UTC+14).
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// A limit for one token (either may be absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TokenBudget {
    pub token_id: TokenId,
    pub daily: Option<Usd>,
    pub monthly: Option<Usd>,
}

/// Budgets and the user's prices. JSON in the settings table under
/// [`SPEND_KEY`]; missing fields take their defaults (no limits, no lines, UTC days).
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
    /// Where days and months start: minutes east of UTC (the window sends
    /// the local zone's offset when budgets are saved). Default 0 (UTC).
    pub utc_offset_minutes: i32,
}

impl SpendSettings {
    /// Checks the price lines and the offset. Errors: [`SpendError::Price`]
    /// with the line and reason; [`SpendError::Offset`].
    pub fn validated(self) -> Result<SpendSettings, SpendError> {
        PriceTable::with_user_lines(&self.prices)?;
        if self.utc_offset_minutes.abs() > MAX_OFFSET_MINUTES {
            return Err(SpendError::Offset(self.utc_offset_minutes));
        }
        Ok(self)
    }

    /// The table these settings price with (the shipped one if the stored
    /// lines no longer parse, which validation prevents).
    pub fn table(&self) -> PriceTable {
        PriceTable::with_user_lines(&self.prices)
            .unwrap_or_else(|_| PriceTable::parse(SHIPPED_PRICES).expect("shipped table parses"))
    }

    fn zone(&self) -> FixedOffset {
        FixedOffset::east_opt(
            self.utc_offset_minutes
                .clamp(-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES)
                * 60,
        )
        .expect("offset within a day")
    }

    /// The day `now` falls in (in the settings' zone): its start and the next day's.
    pub fn day(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let z = self.zone();
        let d = now.with_timezone(&z).date_naive();
        let start = at_midnight(&z, d);
        (start, start + Duration::days(1))
    }

    /// The calendar month `now` falls in: its start and the next month's.
    pub fn month(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let z = self.zone();
        let d = now.with_timezone(&z).date_naive();
        let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("a month's first day");
        let next = if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
        }
        .expect("next month's first day");
        (at_midnight(&z, first), at_midnight(&z, next))
    }

    /// The label of the day `t` falls in, `YYYY-MM-DD` in the settings' zone.
    pub fn day_label(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.zone()).format("%Y-%m-%d").to_string()
    }
}

fn at_midnight(z: &FixedOffset, d: NaiveDate) -> DateTime<Utc> {
    z.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}
