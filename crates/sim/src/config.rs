//! Start-up configuration: accounts, timings, limits, expiry, knobs.
//!
//! Every field is public and [`SimConfig::default`] gives a working server
//! (one random port on 127.0.0.1, no accounts: add some). Durations are real
//! wall-clock time unless a doc says "sim time": sim-time durations are
//! multiplied by [`Timing::time_scale`] before use.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;

/// How an account answers, set per token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Everything works.
    Ok,
    /// The token is unknown to the service: every request answers 401.
    Invalid,
    /// No credit: creates answer 402 "Insufficient credit"; reads still work.
    OutOfCredit,
    /// Low credit: creates are limited to 6 a minute with a burst of 1
    /// (Replicate's rate-limit page: "stronger rate limits" near zero credit).
    LowCredit,
}

impl std::str::FromStr for Behaviour {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "ok" => Ok(Self::Ok),
            "invalid" => Ok(Self::Invalid),
            "out_of_credit" | "nocredit" | "no_credit" => Ok(Self::OutOfCredit),
            "low_credit" | "lowcredit" => Ok(Self::LowCredit),
            other => Err(format!(
                "unknown behaviour {other:?} (ok, invalid, out-of-credit, low-credit)"
            )),
        }
    }
}

/// One API token and the account it belongs to. Several tokens may share a
/// username: they then see the same predictions (ownership is per account).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountConfig {
    /// The secret as sent after `Bearer ` or `Token `.
    pub token: String,
    /// The account's username (`GET /v1/account` → `username`).
    pub username: String,
    /// How the account answers.
    pub behaviour: Behaviour,
}

impl AccountConfig {
    /// An account that works, named `username`.
    pub fn new(token: impl Into<String>, username: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            username: username.into(),
            behaviour: Behaviour::Ok,
        }
    }

    /// Same account with another behaviour.
    pub fn with_behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }
}

/// A delay drawn per prediction, in sim time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delay {
    /// Always this long.
    Fixed(Duration),
    /// Uniform between the two bounds (inclusive).
    Uniform(Duration, Duration),
    /// Shaped like the real service: for a cold boot, 0.2–1.5 s with 15 %
    /// of cold boots at 30–120 s; for a predict time, 1–30 s skewed short.
    Realistic,
}

/// Prediction timing. The drawn delays are multiplied by `time_scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Time spent in `starting` (queue + cold boot).
    pub boot: Delay,
    /// Time spent in `processing` (becomes `metrics.predict_time`).
    pub predict: Delay,
    /// Multiplies every sim-time duration (boot, predict, `Cancel-After`,
    /// `Prefer: wait` hold). 0.01 makes a 30 s spread take 0.3 s.
    pub time_scale: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            boot: Delay::Fixed(Duration::from_millis(800)),
            predict: Delay::Uniform(Duration::from_secs(2), Duration::from_secs(5)),
            time_scale: 1.0,
        }
    }
}

/// Per-account request budgets (token buckets, real time). Defaults are the
/// published ones: 600 creates/min and 3000 other requests/min, and for
/// [`Behaviour::LowCredit`] 6 creates/min with a burst of 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimits {
    /// Creates per minute (refill rate).
    pub creates_per_min: u32,
    /// Bucket size for creates (how many may arrive at once).
    pub create_burst: u32,
    /// Other `/v1` requests per minute.
    pub others_per_min: u32,
    /// Bucket size for other requests.
    pub other_burst: u32,
    /// Creates per minute for low-credit accounts.
    pub low_credit_creates_per_min: u32,
    /// Bucket size for low-credit creates.
    pub low_credit_burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            creates_per_min: 600,
            create_burst: 600,
            others_per_min: 3000,
            other_burst: 3000,
            low_credit_creates_per_min: 6,
            low_credit_burst: 1,
        }
    }
}

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind (default 127.0.0.1).
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one (default 0).
    pub port: u16,
    /// Known tokens. Any other token answers 401.
    pub accounts: Vec<AccountConfig>,
    /// Boot and predict times, and the time scale.
    pub timing: Timing,
    /// Seeds every random draw (ids, delays, fault rates), so a run with the
    /// same requests in the same order is repeatable.
    pub seed: u64,
    /// How long outputs, inputs and logs live after a prediction ends
    /// (Replicate: one hour for API predictions). Real time.
    pub output_ttl: Duration,
    /// Rate limits per account.
    pub rate_limits: RateLimits,
    /// Faults active from the start (more can be added at run time).
    pub faults: Vec<FaultRule>,
    /// Multiplies output image width and height (1.0 = real sizes such as
    /// 1024×1024; 0.125 makes them 128×128 for fast tests). Minimum 8 px.
    pub image_scale: f64,
    /// In `Prefer: wait` answers, give finished outputs as `data:` URIs (as
    /// the real service does) instead of file URLs.
    pub inline_outputs_in_wait: bool,
    /// In `Prefer: wait` answers, report a finished prediction as
    /// `processing` (output already present), as the real service often does.
    pub wait_answers_processing: bool,
    /// Predictions per page of `GET /v1/predictions` (Replicate: 100).
    pub list_page_size: usize,
    /// Largest upload `POST /v1/files` takes, in bytes (Replicate: 100 MiB);
    /// a bigger one answers 413.
    pub file_size_cap: u64,
    /// How long an uploaded file lives (Replicate: 24 hours), sim time.
    pub file_ttl: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            accounts: Vec::new(),
            timing: Timing::default(),
            seed: 0x5eed,
            output_ttl: Duration::from_secs(3600),
            rate_limits: RateLimits::default(),
            faults: Vec::new(),
            image_scale: 1.0,
            inline_outputs_in_wait: true,
            wait_answers_processing: true,
            list_page_size: 100,
            file_size_cap: 100 * 1024 * 1024,
            file_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl SimConfig {
    /// Adds an account (builder style).
    pub fn account(mut self, account: AccountConfig) -> Self {
        self.accounts.push(account);
        self
    }

    /// Outputs only as https URLs, never inlined as `data:` URIs in a held
    /// answer (builder style): a test that downloads files.
    pub fn outputs_as_urls(mut self) -> Self {
        self.inline_outputs_in_wait = false;
        self
    }

    /// A config for tests: fixed short timings (boot 1 s, predict 2 s) at
    /// `time_scale` 0.01 (so 10 ms and 20 ms), 1/16-size images.
    pub fn fast() -> Self {
        Self {
            timing: Timing {
                boot: Delay::Fixed(Duration::from_secs(1)),
                predict: Delay::Fixed(Duration::from_secs(2)),
                time_scale: 0.01,
            },
            image_scale: 1.0 / 16.0,
            ..Self::default()
        }
    }
}

/// Parses a Replicate-style duration: `30s`, `5m`, `1h30m45s`, `250ms`, or a
/// bare number of seconds (`30` = `30s`, `1.5` = 1.5 s). This is the
/// `Cancel-After` header's grammar (Replicate OpenAPI,
/// `parameters_cancel_after_header`), plus `ms` for convenience.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0.0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += value
            * match unit {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return None,
            };
    }
    Some(Duration::from_secs_f64(total))
}

/// Parses a [`Delay`] from text: `realistic`, `2s`, or `1s..3s`.
pub fn parse_delay(text: &str) -> Option<Delay> {
    if text.eq_ignore_ascii_case("realistic") {
        return Some(Delay::Realistic);
    }
    if let Some((low, high)) = text.split_once("..") {
        let (low, high) = (parse_duration(low)?, parse_duration(high)?);
        return (low <= high).then_some(Delay::Uniform(low, high));
    }
    parse_duration(text).map(Delay::Fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_cancel_after_grammar() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m45s"), Some(Duration::from_secs(5445)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("m"), None);
    }

    #[test]
    fn delays_parse_fixed_ranges_and_realistic() {
        assert_eq!(parse_delay("realistic"), Some(Delay::Realistic));
        assert_eq!(
            parse_delay("1s..3s"),
            Some(Delay::Uniform(
                Duration::from_secs(1),
                Duration::from_secs(3)
            ))
        );
        assert_eq!(parse_delay("3s..1s"), None);
        assert_eq!(
            parse_delay("2s"),
            Some(Delay::Fixed(Duration::from_secs(2)))
        );
    }

    #[test]
    fn behaviours_parse_from_cli_words() {
        assert_eq!("low-credit".parse::<Behaviour>(), Ok(Behaviour::LowCredit));
        assert_eq!(
            "out-of-credit".parse::<Behaviour>(),
            Ok(Behaviour::OutOfCredit)
        );
        assert!("bogus".parse::<Behaviour>().is_err());
    }
}
