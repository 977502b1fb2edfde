//! What the simulator has seen: `GET /_sim/stats` and `SimHandle::stats()`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Counts for one distinct input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputStats {
    /// `owner/name` of the model of the latest prediction with this input.
    pub model: String,
    /// Predictions created with this input.
    pub created: u64,
    /// Of those, how many are `succeeded` now.
    pub succeeded: u64,
}

/// A snapshot of the counters. JSON shape (all maps sorted by key):
///
/// ```json
/// {"requests_total": 12,
///  "requests_by_endpoint": {"GET /v1/predictions/{id}": 9, "POST /v1/models/{owner}/{name}/predictions": 3},
///  "requests_by_token": {"…9f2c": 12},
///  "creates_total": 3, "throttled_total": 0, "downloads_total": 2,
///  "predictions_by_input": {"{\"prompt\":\"a cat\"}": {"model": "black-forest-labs/flux-schnell", "created": 1, "succeeded": 1}},
///  "live_by_status": {"processing": 1, "succeeded": 2},
///  "faults_injected": {"drop_after_action": 1}}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Every request seen (API, files, not `/_sim`).
    pub requests_total: u64,
    /// Requests per route pattern, e.g. `GET /v1/predictions/{id}`.
    pub requests_by_endpoint: BTreeMap<String, u64>,
    /// Requests per token fingerprint ([`fingerprint`]); `none` without a token.
    pub requests_by_token: BTreeMap<String, u64>,
    /// Predictions created.
    pub creates_total: u64,
    /// 429 answers (rate limits and injected storms).
    pub throttled_total: u64,
    /// Output files served whole or in part.
    pub downloads_total: u64,
    /// Per canonical input JSON ([`canonical_json`] of the `input` object).
    pub predictions_by_input: BTreeMap<String, InputStats>,
    /// Predictions per current status.
    pub live_by_status: BTreeMap<String, u64>,
    /// Faults fired per kind label.
    pub faults_injected: BTreeMap<String, u64>,
    /// Stream connections (`urls.stream`) per prediction id: a stream
    /// carries no token, so its requests count under `none` in
    /// `requests_by_token`; this says whose prediction they followed.
    #[serde(default)]
    pub streams_by_prediction: BTreeMap<String, u64>,
    /// Stream connections that sent `Last-Event-ID` (resumes).
    #[serde(default)]
    pub streams_resumed_total: u64,
    /// Streams open now.
    #[serde(default)]
    pub streams_open: u64,
    /// The most streams open at once so far.
    #[serde(default)]
    pub streams_open_max: u64,
    /// Files uploaded (`POST /v1/files`) per account.
    #[serde(default)]
    pub uploads_by_account: BTreeMap<String, u64>,
    /// Uploaded files taken as a prediction input, per account of the
    /// prediction (always the file's own: another account's is refused).
    #[serde(default)]
    pub file_inputs_by_account: BTreeMap<String, u64>,
    /// Creates refused because an input named another account's file.
    #[serde(default)]
    pub foreign_file_inputs: u64,
    /// Per token fingerprint, the most of its predictions running at once
    /// so far (created and not yet terminal: `starting` or `processing`),
    /// on the simulator's clock. Replicate exposes no such figure (its
    /// limits are rates per account); it is a test statistic, for checking
    /// that a client keeps a token's own cap on concurrent predictions.
    #[serde(default)]
    pub max_running_by_token: BTreeMap<String, u64>,
    /// Per token fingerprint, the predictions running at the first moment
    /// [`Stats::max_running_by_token`] was reached, each as
    /// `"<id> <created_at> → <completed_at or running>"`: what a test prints
    /// when a cap was exceeded.
    #[serde(default)]
    pub busiest_running_by_token: BTreeMap<String, Vec<String>>,
}

impl Stats {
    /// Counts for `input` (zeros if never seen).
    pub fn for_input(&self, input: &Value) -> InputStats {
        self.predictions_by_input
            .get(&canonical_json(input))
            .cloned()
            .unwrap_or_default()
    }

    /// Requests to one route pattern.
    pub fn requests_to(&self, endpoint: &str) -> u64 {
        self.requests_by_endpoint
            .get(endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Predictions currently in `status`.
    pub fn live(&self, status: &str) -> u64 {
        self.live_by_status.get(status).copied().unwrap_or(0)
    }
}

/// The most intervals `[from, to)` open at one instant (one ending as
/// another starts do not overlap); `to: None` is still open.
pub fn max_overlap<T: Ord + Copy>(intervals: impl IntoIterator<Item = (T, Option<T>)>) -> u64 {
    peak_overlap(intervals.into_iter().map(|(from, to)| (from, to, ()))).0
}

/// [`max_overlap`], with the labels of the intervals open at the first
/// instant the most were.
pub fn peak_overlap<T: Ord + Copy, L: Clone>(
    intervals: impl IntoIterator<Item = (T, Option<T>, L)>,
) -> (u64, Vec<L>) {
    // (time, -1 end / +1 start, which): ends sort before starts at the same time.
    let mut labels = Vec::new();
    let mut edges: Vec<(T, i8, usize)> = Vec::new();
    for (i, (from, to, label)) in intervals.into_iter().enumerate() {
        labels.push(label);
        edges.push((from, 1, i));
        if let Some(to) = to {
            edges.push((to, -1, i));
        }
    }
    edges.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut open = std::collections::BTreeSet::new();
    let (mut most, mut at_most) = (0usize, Vec::new());
    for (_, d, i) in edges {
        if d > 0 {
            open.insert(i);
        } else {
            open.remove(&i);
        }
        if open.len() > most {
            most = open.len();
            at_most = open.iter().map(|&i| labels[i].clone()).collect();
        }
    }
    (most as u64, at_most)
}

/// JSON with object keys sorted at every level and no spaces, so equal
/// inputs give equal strings whatever their key order.
pub fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String((*k).clone()),
                        canonical_json(&map[*k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(canonical_json)
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

/// A token's public name: `…` and its last 4 characters (fewer for short
/// tokens, so that at most half of a token is ever shown).
pub fn fingerprint(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let shown = 4.min(chars.len() / 2);
    format!(
        "…{}",
        chars[chars.len() - shown..].iter().collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_ignores_key_order() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": "s"}});
        let b = json!({"a": {"x": "s", "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": "x"})),
            r#"{"a":"x","b":1}"#
        );
    }

    #[test]
    fn the_most_overlapping_intervals_are_counted_and_back_to_back_ones_do_not_overlap() {
        assert_eq!(max_overlap::<u32>([]), 0);
        assert_eq!(max_overlap([(0, Some(10)), (10, Some(20)), (20, None)]), 1);
        assert_eq!(
            max_overlap([
                (0, Some(10)),
                (2, Some(5)),
                (4, Some(12)),
                (11, None),
                (5, Some(6))
            ]),
            3
        );
        assert_eq!(max_overlap([(0, None), (1, None)]), 2);
        // The labels open at the first peak.
        assert_eq!(
            peak_overlap([
                (0, Some(5), "a"),
                (2, Some(8), "b"),
                (6, Some(9), "c"),
                (7, None, "d")
            ]),
            (3, vec!["b", "c", "d"])
        );
    }

    #[test]
    fn fingerprints_never_show_the_whole_token() {
        assert_eq!(fingerprint("abcdefghij"), "…ghij");
        assert_eq!(fingerprint("abc"), "…c");
        assert_eq!(fingerprint(""), "…");
    }
}
