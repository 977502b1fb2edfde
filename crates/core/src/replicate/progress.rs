//! Progress read from a prediction's logs (tqdm lines).
//!
//! Both official clients do the same: replicate-python `Prediction.Progress.parse`
//! and replicate-javascript `parseProgressFromLogs` (lib/util.js) take the last
//! log line matching `^\s*(\d+)%\s*\|.+?\|\s*(\d+)\/(\d+)`, e.g.
//! ` 76%|███████▌  | 7568/10000 [00:33<00:10, 229.00it/s]`.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// How far a prediction has come, from its last tqdm log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// 0–100 (the line's own percentage, clamped).
    pub percent: u8,
    /// Steps done (`7568` in `7568/10000`).
    pub current: u64,
    /// Steps in all (`10000` in `7568/10000`).
    pub total: u64,
}

static TQDM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d+)%\s*\|.+?\|\s*(\d+)/(\d+)").expect("tqdm pattern compiles")
});

/// The progress in the last log line that matches the official clients'
/// pattern, or `None` when no line does.
///
/// Lines are split on `\n` like the official clients, and also on `\r`:
/// tqdm redraws its bar with carriage returns, so one `\n` line can hold
/// several bars of which the last is the current one. Numbers too large for
/// `u64` make a line not match; the percentage is clamped to 100.
pub fn parse_progress(logs: &str) -> Option<Progress> {
    logs.split(['\n', '\r']).rev().find_map(|line| {
        let caps = TQDM.captures(line)?;
        let percent: u64 = caps[1].parse().ok()?;
        Some(Progress {
            percent: percent.min(100) as u8,
            current: caps[2].parse().ok()?,
            total: caps[3].parse().ok()?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(percent: u8, current: u64, total: u64) -> Option<Progress> {
        Some(Progress {
            percent,
            current,
            total,
        })
    }

    #[test]
    fn reads_the_official_clients_example() {
        // The example in replicate-javascript lib/util.js.
        let line =
            "76%|████████████████████████████         | 7568/10000 [00:33<00:10, 229.00it/s]";
        assert_eq!(parse_progress(line), p(76, 7568, 10000));
    }

    #[test]
    fn takes_the_last_matching_line() {
        let logs = "Using seed: 1234\n  0%|          | 0/28 [00:00<?, ?it/s]\n 50%|█████     | 14/28 [00:01<00:01, 9.8it/s]\n100%|██████████| 28/28 [00:02<00:00, 9.9it/s]\nsaving image\n";
        assert_eq!(parse_progress(logs), p(100, 28, 28));
    }

    #[test]
    fn reads_carriage_return_redraws() {
        let logs =
            "  4%|▎ | 1/28 [00:00<00:05]\r  7%|▋ | 2/28 [00:00<00:04]\r 11%|█ | 3/28 [00:00<00:04]";
        assert_eq!(parse_progress(logs), p(11, 3, 28));
    }

    #[test]
    fn none_without_a_bar() {
        assert_eq!(parse_progress(""), None);
        assert_eq!(parse_progress("loading weights\nstarting"), None);
        assert_eq!(parse_progress("50% done | no counter"), None);
    }

    #[test]
    fn clamps_percent_and_skips_overflowing_lines() {
        assert_eq!(parse_progress("250%|x| 5/2"), p(100, 5, 2));
        assert_eq!(
            parse_progress("10%|x| 1/10\n20%|x| 99999999999999999999999/10"),
            p(10, 1, 10)
        );
    }
}
