//! Why a pending generation waits, stored as a code, the time the wait ends
//! (if known) and the words of whoever caused it (Replicate, the keyring) —
//! never as a sentence: each shell renders it in the user's language and
//! time zone (the window through its catalogues, `genq` with
//! [`WaitReason::english`] in the local zone).

use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// What a generation waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WaitCode {
    /// No token is configured: the user must add one.
    NoTokens,
    /// Every token is disabled: the user must fix or enable one.
    AllDisabled,
    /// The pool has usable tokens, but none has its secret in this
    /// machine's keyring (a team's pool: each member adds the tokens to
    /// their own keyring); the user adds one on the Tokens page.
    NoSecretHere,
    /// Every usable token runs as many generations as it may; a slot frees
    /// when one of them ends (no known time).
    AllBusy,
    /// Every usable token with a free slot cools down after a 429; the wait
    /// ends at the earliest cooldown end.
    CoolingDown,
    /// Replicate could not be reached (nothing was sent); `detail`: why.
    Unreachable,
    /// A create's outcome is unknown: its prediction is looked for in the
    /// token's list before anything is created again.
    CheckingCreate,
    /// A create surely made nothing after an error answer (`detail`); it is
    /// sent again at `until`.
    CreateFailed,
    /// The app stopped while a create was on its way and it surely made
    /// nothing; it is sent again at `until`.
    CreateInterrupted,
    /// The token's secret cannot be read from the system keyring (locked,
    /// unreachable); `detail`: the keyring's words.
    KeyringUnavailable,
    /// Replicate interrupted the prediction (its own hiccup, `detail`); it
    /// runs again at `until`.
    Interrupted,
    /// An unexpected error inside the app (`detail`); retried at `until`.
    InternalError,
    /// Starting it would pass the pool's daily budget (`detail`: the limit,
    /// `$5.00`); held until the next day (`until`) or a higher limit.
    DailyBudget,
    /// The same for the monthly budget; held until the next month.
    MonthlyBudget,
    /// Every token that could take it has reached its own budget (`detail`:
    /// the limit); held until the earliest of their windows ends.
    TokenBudgets,
    /// A reason stored as text by an older version (`detail`).
    Other,
}

/// Why a pending generation waits: what the store keeps and events carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitReason {
    pub code: WaitCode,
    /// When the wait ends or the next look happens, if known (UTC).
    pub until: Option<DateTime<Utc>>,
    /// The cause in its own words (Replicate's error, the keyring's), untranslated.
    pub detail: Option<String>,
}

impl WaitReason {
    pub fn new(code: WaitCode) -> Self {
        WaitReason {
            code,
            until: None,
            detail: None,
        }
    }
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.until = Some(at);
        self
    }
    pub fn detail(mut self, detail: impl fmt::Display) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
    pub fn until_opt(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.until = at;
        self
    }

    /// The reason in English, its time in `tz` (`genq`, logs): "Cannot reach
    /// Replicate (connection refused); next try at 21:00:05".
    pub fn english<Tz: TimeZone>(&self, tz: &Tz) -> String
    where
        Tz::Offset: fmt::Display,
    {
        let d = self.detail.as_deref().unwrap_or("unknown cause");
        let base = match self.code {
            WaitCode::NoTokens => {
                "No Replicate token is set up; add one in Settings to start".to_owned()
            }
            WaitCode::AllDisabled => {
                "Every token is disabled; check them in Settings and enable one to continue".into()
            }
            WaitCode::NoSecretHere => {
                "No token of the pool has its secret on this machine; add it in Tokens to run here"
                    .into()
            }
            WaitCode::AllBusy => {
                "Every token is running as many generations as it may; waiting for one to finish"
                    .into()
            }
            WaitCode::CoolingDown => {
                "Every token is cooling down after Replicate's rate limit".into()
            }
            WaitCode::Unreachable => format!("Cannot reach Replicate ({d})"),
            WaitCode::CheckingCreate => match &self.detail {
                Some(d) => format!("Checking whether Replicate received the request ({d})"),
                None => "Checking whether Replicate received the request".into(),
            },
            WaitCode::CreateFailed => format!("Replicate answered with an error ({d})"),
            WaitCode::CreateInterrupted => "The app stopped while sending it".into(),
            WaitCode::KeyringUnavailable => {
                format!("Cannot read the token from the system keyring ({d})")
            }
            WaitCode::Interrupted => format!("Replicate interrupted the prediction ({d})"),
            WaitCode::InternalError => format!("Retrying after an internal error: {d}"),
            WaitCode::DailyBudget => format!("Daily budget {d} reached"),
            WaitCode::MonthlyBudget => format!("Monthly budget {d} reached"),
            WaitCode::TokenBudgets => format!("Every usable token has reached its budget ({d})"),
            WaitCode::Other => d.to_owned(),
        };
        let next = match self.code {
            WaitCode::CheckingCreate => "next look at",
            _ => "next try at",
        };
        match self.until {
            Some(t) if !matches!(self.code, WaitCode::Other) => {
                format!("{base}; {next} {}", t.with_timezone(tz).format("%H:%M:%S"))
            }
            _ => base,
        }
    }

    /// Reads the stored text: JSON, or a sentence an older version stored.
    pub fn from_stored(text: &str) -> WaitReason {
        serde_json::from_str(text).unwrap_or_else(|_| WaitReason::new(WaitCode::Other).detail(text))
    }

    /// The text the store keeps (JSON).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("a wait reason serialises")
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone};

    use super::*;

    #[test]
    fn a_wait_reads_in_the_zone_it_is_shown_in() {
        let until = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 5).unwrap();
        let w = WaitReason::new(WaitCode::Unreachable)
            .detail("connection refused")
            .until(until);
        assert_eq!(
            w.english(&Utc),
            "Cannot reach Replicate (connection refused); next try at 12:00:05"
        );
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        assert_eq!(
            w.english(&tokyo),
            "Cannot reach Replicate (connection refused); next try at 21:00:05"
        );
    }

    #[test]
    fn stored_as_json_and_old_sentences_still_read() {
        let w = WaitReason::new(WaitCode::CoolingDown)
            .until(Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap());
        assert_eq!(WaitReason::from_stored(&w.to_stored()), w);
        let old = WaitReason::from_stored("Every token is cooling down; next try at 14:02:10");
        assert_eq!(old.code, WaitCode::Other);
        assert_eq!(
            old.english(&Utc),
            "Every token is cooling down; next try at 14:02:10"
        );
        assert_eq!(
            serde_json::to_value(&w).unwrap()["code"],
            serde_json::json!("cooling_down")
        );
    }
}
