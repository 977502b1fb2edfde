//! The server's memory: accounts, predictions, limits, faults, counters and
//! the clock, behind one mutex (every critical section is short).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::catalogue::{self, Model};
use crate::config::{AccountConfig, Behaviour, Delay, SimConfig};
use crate::faults::FaultBook;
use crate::limits::Bucket;
use crate::prediction::{Prediction, View};
use crate::stats::Stats;

/// A known token.
#[derive(Clone, Debug)]
pub struct Account {
    pub username: String,
    pub behaviour: Behaviour,
    pub revoked: bool,
}

/// Rate-limit buckets of one account.
#[derive(Clone, Debug)]
pub struct Buckets {
    pub create: Bucket,
    pub other: Bucket,
    pub low_credit: Bucket,
}

/// Mutable state.
pub struct Inner {
    pub tokens: HashMap<String, Account>,
    pub buckets: HashMap<String, Buckets>,
    pub predictions: HashMap<String, Prediction>,
    /// Ids in creation order.
    pub order: Vec<String>,
    pub rng: StdRng,
    pub faults: FaultBook,
    pub clock_offset: Span,
    /// Predictions that ended at or before this instant have expired.
    pub expired_before: Option<DateTime<Utc>>,
    pub stats: Stats,
    pub next_seq: u64,
    /// Uploaded files by id (`files.rs`).
    pub uploads: HashMap<String, crate::files::StoredFile>,
}

/// Encoded output files by (prediction id, output index).
pub type FileCache = HashMap<(String, usize), Arc<Vec<u8>>>;

/// State shared by every request.
pub struct Shared {
    pub config: SimConfig,
    pub models: Vec<Model>,
    /// `http://host:port`.
    pub base: String,
    pub inner: Mutex<Inner>,
    pub files: Mutex<FileCache>,
}

impl Shared {
    pub fn new(config: SimConfig, base: String) -> Self {
        let mut inner = Inner {
            tokens: HashMap::new(),
            buckets: HashMap::new(),
            predictions: HashMap::new(),
            order: Vec::new(),
            rng: StdRng::seed_from_u64(config.seed),
            faults: FaultBook::default(),
            clock_offset: Span::zero(),
            expired_before: None,
            stats: Stats::default(),
            next_seq: 0,
            uploads: HashMap::new(),
        };
        for account in &config.accounts {
            inner.add_account(account.clone(), &config);
        }
        for rule in &config.faults {
            inner.faults.add(rule.clone());
        }
        Self {
            models: catalogue::models(),
            base,
            inner: Mutex::new(inner),
            files: Mutex::new(HashMap::new()),
            config,
        }
    }

    /// Locks the state (a poisoned lock is still used: the data stays valid).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sim "now": wall clock plus any `advance`.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.lock().clock_offset;
        Utc::now() + offset
    }

    /// Scales a sim-time duration to real time.
    pub fn scaled(&self, d: Duration) -> Span {
        let real = d.as_secs_f64() * self.config.timing.time_scale.max(0.0);
        Span::nanoseconds((real * 1e9) as i64)
    }

    /// Whether a prediction's data has expired at `now`.
    pub fn removed(&self, inner: &Inner, view: &View, now: DateTime<Utc>) -> bool {
        let Some(done) = view.completed_at else {
            return false;
        };
        let ttl = Span::from_std(self.config.output_ttl).unwrap_or(Span::MAX);
        done.checked_add_signed(ttl).is_some_and(|t| now >= t)
            || inner.expired_before.is_some_and(|e| done <= e)
    }

    /// A full snapshot of the counters, with live statuses computed now.
    pub fn stats(&self) -> Stats {
        let now = self.now();
        let inner = self.lock();
        let mut stats = inner.stats.clone();
        type Span = (DateTime<Utc>, Option<DateTime<Utc>>, String);
        let mut running: HashMap<&str, Vec<Span>> = HashMap::new();
        for p in inner.predictions.values() {
            let view = p.view(now);
            let (from, to) = (p.created_at, view.completed_at);
            let label = format!(
                "{} {} → {}",
                p.id,
                from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                to.map_or("running".to_owned(), |t| t
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            );
            running.entry(&p.token).or_default().push((from, to, label));
            *stats
                .live_by_status
                .entry(view.status.to_string())
                .or_default() += 1;
            if view.status == "succeeded" {
                stats
                    .predictions_by_input
                    .entry(p.input_key.clone())
                    .or_default()
                    .succeeded += 1;
            }
        }
        // From each prediction's own times, so the figure is exact whenever
        // it is asked for (statuses change on the clock, not on requests).
        for (token, spans) in running {
            let (most, busiest) = crate::stats::peak_overlap(spans);
            stats.max_running_by_token.insert(token.to_string(), most);
            stats
                .busiest_running_by_token
                .insert(token.to_string(), busiest);
        }
        stats
    }
}

impl Inner {
    pub fn add_account(&mut self, account: AccountConfig, config: &SimConfig) {
        let limits = &config.rate_limits;
        let now = Instant::now();
        self.buckets
            .entry(account.username.clone())
            .or_insert_with(|| Buckets {
                create: Bucket::new(limits.creates_per_min, limits.create_burst, now),
                other: Bucket::new(limits.others_per_min, limits.other_burst, now),
                low_credit: Bucket::new(
                    limits.low_credit_creates_per_min,
                    limits.low_credit_burst,
                    now,
                ),
            });
        self.tokens.insert(
            account.token,
            Account {
                username: account.username,
                behaviour: account.behaviour,
                revoked: false,
            },
        );
    }

    /// A uniform draw in [0, 1).
    pub fn draw(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A new prediction id: 26 characters of lowercase Crockford base32,
    /// like Replicate's (`cky59275mdrm80cpw83rcn3ej0`).
    pub fn new_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
        (0..26)
            .map(|_| ALPHABET[self.rng.random_range(0..32)] as char)
            .collect()
    }

    /// Draws a delay (sim time).
    pub fn draw_delay(&mut self, delay: &Delay, boot: bool) -> Duration {
        match delay {
            Delay::Fixed(d) => *d,
            Delay::Uniform(low, high) => {
                let (l, h) = (low.as_secs_f64(), high.as_secs_f64());
                Duration::from_secs_f64(l + (h - l) * self.draw())
            }
            Delay::Realistic if boot => {
                if self.draw() < 0.15 {
                    Duration::from_secs_f64(30.0 + 90.0 * self.draw())
                } else {
                    Duration::from_secs_f64(0.2 + 1.3 * self.draw())
                }
            }
            Delay::Realistic => {
                let u = self.draw();
                Duration::from_secs_f64(1.0 + 29.0 * u * u)
            }
        }
    }

    /// Counts a request in the stats.
    pub fn count_request(&mut self, endpoint: &str, token: Option<&str>) {
        self.stats.requests_total += 1;
        *self
            .stats
            .requests_by_endpoint
            .entry(endpoint.to_string())
            .or_default() += 1;
        let who = token
            .map(crate::stats::fingerprint)
            .unwrap_or_else(|| "none".to_string());
        *self.stats.requests_by_token.entry(who).or_default() += 1;
    }

    /// Stores a new prediction and counts it.
    pub fn insert(&mut self, prediction: Prediction) {
        self.stats.creates_total += 1;
        let entry = self
            .stats
            .predictions_by_input
            .entry(prediction.input_key.clone())
            .or_default();
        entry.created += 1;
        entry.model = prediction.model.clone();
        self.order.push(prediction.id.clone());
        self.predictions.insert(prediction.id.clone(), prediction);
    }

    /// The account's predictions, newest first.
    pub fn owned_newest_first(&self, owner: &str) -> Vec<&Prediction> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.predictions.get(id))
            .filter(|p| p.owner == owner)
            .collect()
    }
}

/// Reads a string or integer input as a seed.
pub fn seed_of(input: &Value) -> Option<u64> {
    input
        .get("seed")
        .and_then(|s| s.as_u64().or_else(|| s.as_i64().map(|v| v as u64)))
}
