//! When to read a prediction's status next.
//!
//! Reads are scheduled, not periodic (shared/DESIGN.md, "Engine"): the next
//! read lands where the finish is expected — from the progress rate in the
//! logs, else from the model's recent running times — and backs off when the
//! guess was wrong. A long `starting` (a cold boot) is read slowly.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Tunables of the read schedule. The defaults were chosen with the
/// benchmarks (BENCHMARKS.md): fewest calls for a completion latency under
/// a quarter second at the median.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    /// Shortest gap between two reads of one prediction.
    pub min: Duration,
    /// Longest gap while `processing`.
    pub max: Duration,
    /// Longest gap while `starting` (cold boots last 30–120 s).
    pub starting_max: Duration,
    /// First gap when nothing is known about the model.
    pub first: Duration,
    /// Growth of the gap after each read that found it still running past the guess.
    pub growth: f64,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            min: Duration::from_millis(150),
            max: Duration::from_secs(2),
            starting_max: Duration::from_secs(15),
            first: Duration::from_millis(500),
            growth: 1.5,
        }
    }
}

/// What the schedule knows about one prediction at a read.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Replicate says `starting` (queued or booting), not yet running.
    pub starting: bool,
    /// Time since the prediction started running (or was created).
    pub elapsed: Duration,
    /// Progress rate from two tqdm readings: percent per second.
    pub percent_per_sec: Option<f64>,
    /// Last progress percent (0–100).
    pub percent: Option<u8>,
    /// Median running time of the model's recent predictions.
    pub expected: Option<Duration>,
    /// Reads so far that found it still running past the guess.
    pub misses: u32,
}

impl PollSchedule {
    /// The gap before the next read.
    pub fn next_delay(&self, o: &Observation) -> Duration {
        let backoff = |base: Duration, cap: Duration| {
            let f = self.growth.powi(o.misses.min(30) as i32);
            base.mul_f64(f).min(cap).max(self.min)
        };
        if o.starting {
            return backoff(self.first, self.starting_max);
        }
        // 1. From the progress rate: the remaining percent at the observed pace.
        if let (Some(rate), Some(pct)) = (o.percent_per_sec, o.percent) {
            if rate > 0.0 && pct < 100 {
                let remaining = Duration::from_secs_f64((100.0 - pct as f64) / rate);
                return remaining.clamp(self.min, self.max);
            }
        }
        // 2. From the model's recent running times.
        if let Some(expected) = o.expected {
            if expected > o.elapsed + self.min {
                return (expected - o.elapsed).min(self.max);
            }
            // Past the guess: read soon, then back off.
            return backoff(self.min, self.max);
        }
        // 3. Nothing known: a quick first look, then back off.
        backoff(self.first, self.max)
    }
}

/// Recent running times per model (`owner/name`), kept in memory.
#[derive(Debug, Default)]
pub struct RunTimes {
    by_model: HashMap<String, VecDeque<Duration>>,
}

/// How many recent running times count for a model's median.
const RUN_TIMES_KEPT: usize = 20;

impl RunTimes {
    /// Records one finished prediction's running time.
    pub fn record(&mut self, model: &str, d: Duration) {
        let q = self.by_model.entry(model.to_owned()).or_default();
        if q.len() == RUN_TIMES_KEPT {
            q.pop_front();
        }
        q.push_back(d);
    }

    /// The median of the model's recent running times, if any.
    pub fn median(&self, model: &str) -> Option<Duration> {
        let q = self.by_model.get(model)?;
        if q.is_empty() {
            return None;
        }
        let mut v: Vec<Duration> = q.iter().copied().collect();
        v.sort();
        Some(v[v.len() / 2])
    }
}

/// Exponential, jittered backoff: `base · 2^n`, capped, ±20 %.
pub fn jittered_backoff(base: Duration, n: u32, cap: Duration) -> Duration {
    let d = base.saturating_mul(1u32 << n.min(16)).min(cap);
    let j: f64 = rand::random_range(0.8..1.2);
    d.mul_f64(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_rate_puts_the_read_at_the_expected_finish() {
        let s = PollSchedule::default();
        let o = Observation {
            percent: Some(50),
            percent_per_sec: Some(25.0),
            ..Default::default()
        };
        assert_eq!(s.next_delay(&o), Duration::from_secs(2));
    }

    #[test]
    fn model_history_is_used_without_progress() {
        let s = PollSchedule::default();
        let o = Observation {
            expected: Some(Duration::from_millis(1800)),
            elapsed: Duration::from_millis(500),
            ..Default::default()
        };
        assert_eq!(s.next_delay(&o), Duration::from_millis(1300));
        // A long guess is still read at least every `max`.
        let o = Observation {
            expected: Some(Duration::from_secs(60)),
            ..o
        };
        assert_eq!(s.next_delay(&o), s.max);
    }

    #[test]
    fn reads_back_off_once_past_the_guess() {
        let s = PollSchedule::default();
        let mut o = Observation {
            expected: Some(Duration::from_secs(1)),
            elapsed: Duration::from_secs(2),
            ..Default::default()
        };
        let first = s.next_delay(&o);
        o.misses = 4;
        let later = s.next_delay(&o);
        assert!(later > first, "{later:?} should exceed {first:?}");
        o.misses = 100;
        assert_eq!(s.next_delay(&o), s.max);
    }

    #[test]
    fn starting_is_read_slowly_but_capped() {
        let s = PollSchedule::default();
        let o = Observation {
            starting: true,
            misses: 50,
            ..Default::default()
        };
        assert_eq!(s.next_delay(&o), s.starting_max);
    }

    #[test]
    fn median_of_recent_run_times() {
        let mut r = RunTimes::default();
        for ms in [100, 300, 200] {
            r.record("a/b", Duration::from_millis(ms));
        }
        assert_eq!(r.median("a/b"), Some(Duration::from_millis(200)));
        assert_eq!(r.median("x/y"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let cap = Duration::from_secs(60);
        let small = jittered_backoff(Duration::from_secs(1), 0, cap);
        assert!(small >= Duration::from_millis(800) && small <= Duration::from_millis(1200));
        let big = jittered_backoff(Duration::from_secs(1), 20, cap);
        assert!(big <= cap.mul_f64(1.2));
    }
}
