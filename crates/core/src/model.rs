//! The domain types shared by the store, the engine and every shell.
//!
//! Names follow the seed (generation, pending, processing, completed, failed,
//! cancelled, viewed) and Replicate (prediction, model, version, input,
//! output, token). Timestamps are UTC; ids are UUIDs (v7 for generations, so
//! they sort by creation time).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::wait::{WaitCode, WaitReason};

pub use crate::ids::{BatchId, GenerationId, TokenId};

/// Local lifecycle of a generation (shared/DESIGN.md, "Generation lifecycle").
///
/// | local        | Replicate                 |
/// |--------------|---------------------------|
/// | `pending`    | no prediction yet         |
/// | `processing` | `starting`, `processing`  |
/// | `completed`  | `succeeded`, files saved  |
/// | `failed`     | `failed`, `aborted`, …    |
/// | `cancelled`  | `canceled`                |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum GenerationStatus {
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
}

impl GenerationStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [GenerationStatus; 5] = [
        Self::Pending,
        Self::Processing,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The lowercase name stored in SQLite and sent over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Pending or processing: the `⟳` spins while any generation is active.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Processing)
    }

    /// Completed, failed or cancelled: nothing more will happen to it.
    pub fn is_terminal(self) -> bool {
        !self.is_active()
    }
}

impl fmt::Display for GenerationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a status name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown generation status {0:?} (expected pending, processing, completed, failed or cancelled)"
)]
pub struct UnknownStatus(pub String);

impl FromStr for GenerationStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

pub use crate::failure::ErrorKind;

/// A Replicate model reference: `owner/name` with an optional version id.
///
/// Without a version the create goes to `POST /models/{owner}/{name}/predictions`
/// (official models); with one, to `POST /predictions` with `version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelRef {
    pub owner: String,
    pub name: String,
    pub version: Option<String>,
}

/// Error for a model reference that is not `owner/name[:version]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid model {0:?}: expected owner/name or owner/name:version")]
pub struct InvalidModelRef(pub String);

impl ModelRef {
    /// `owner/name`, without the version: the seed's `model_name`.
    pub fn name_path(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}/{}:{}", self.owner, self.name, v),
            None => write!(f, "{}/{}", self.owner, self.name),
        }
    }
}

impl FromStr for ModelRef {
    type Err = InvalidModelRef;
    /// Parses `owner/name` or `owner/name:version`. Owner and name take
    /// letters, digits, `-`, `_` and `.`; the version, letters and digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidModelRef(s.to_owned());
        let s_trim = s.trim();
        let (path, version) = match s_trim.split_once(':') {
            Some((p, v)) => (p, Some(v)),
            None => (s_trim, None),
        };
        let (owner, name) = path.split_once('/').ok_or_else(bad)?;
        let ok_part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !ok_part(owner) || !ok_part(name) {
            return Err(bad());
        }
        if let Some(v) = version {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
        }
        Ok(ModelRef {
            owner: owner.to_owned(),
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
    }
}

/// What a caller supplies to queue one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGeneration {
    pub model: ModelRef,
    /// The prompt, exactly as typed (also present in `input.prompt`).
    pub prompt: String,
    /// The full Replicate input object, prompt included, sent as is.
    pub input: serde_json::Value,
    /// Higher runs first; ties run oldest first. Default 0.
    pub priority: i64,
    pub batch_id: Option<BatchId>,
    pub retried_from: Option<GenerationId>,
    /// Its deadlines ([`crate::deadlines`]); `Default`: the settings' time to
    /// start, no run deadline.
    #[serde(default)]
    pub deadlines: Deadlines,
    /// Who queues it; left empty, the queue fills in its own
    /// ([`crate::queue::Queue::creator`]).
    #[serde(default)]
    pub creator: Creator,
}

/// Who created a generation (issue #15, "People"): the member name (chosen
/// when joining a team's database, else the OS user name) and the machine
/// (its host name). Both `None` on generations queued before they were
/// recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Creator {
    pub member: Option<String>,
    pub machine: Option<String>,
}

/// A generation's deadlines, in whole seconds ([`crate::deadlines`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deadlines {
    /// Longest time its prediction may stay `starting`; `None`: the setting
    /// `start_deadline_minutes` when the engine looks.
    pub start_deadline_secs: Option<u32>,
    /// Replicate's `Cancel-After`, counted from the prediction's creation;
    /// `None`: none.
    pub run_deadline_secs: Option<u32>,
}

/// One generation as stored: the seed's fields plus what the engine needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Generation {
    pub id: GenerationId,
    /// `owner/name` (seed field).
    pub model_name: String,
    pub model: ModelRef,
    pub status: GenerationStatus,
    pub prompt: String,
    /// The input without the prompt (seed field `settings`).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub settings: serde_json::Value,
    /// The full input sent to Replicate.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub input: serde_json::Value,
    /// Output URLs as Replicate gave them (seed field); data URIs are not kept here.
    pub output_urls: Vec<String>,
    /// Saved files, relative to the data folder (`outputs/<id>/0.png`, …).
    pub output_files: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub viewed: bool,
    pub viewed_at: Option<DateTime<Utc>>,
    /// Replicate's prediction id, once the create answered.
    pub prediction_id: Option<String>,
    /// The token that owns the prediction (or the create in flight).
    pub token_id: Option<TokenId>,
    /// Replicate's own status string, kept verbatim (`starting`, `aborted`, or a future one).
    pub replicate_status: Option<String>,
    /// Why it failed, in the cause's own words (the model's error, Replicate's
    /// `detail`); what failed is `error_kind`, which each shell says in its language.
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    /// 0–100 from the last tqdm line of the logs; `None` when unknown.
    pub progress: Option<u8>,
    pub priority: i64,
    /// Create attempts made so far.
    pub attempts: u32,
    /// Earliest time the engine may act on it again (backoff, cooldown).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why a pending generation is waiting: a code, when it ends, the cause's own words.
    pub wait_reason: Option<WaitReason>,
    /// A create was sent on `token_id` at this time and its answer is not stored yet:
    /// on restart, reconcile through the token's prediction list before creating again.
    pub create_sent_at: Option<DateTime<Utc>>,
    pub batch_id: Option<BatchId>,
    pub retried_from: Option<GenerationId>,
    pub updated_at: DateTime<Utc>,
    /// Its deadlines (see [`Deadlines`]).
    pub deadlines: Deadlines,
    /// Who created it, on which machine.
    #[serde(default)]
    pub creator: Creator,
}

/// Number of characters of the prompt kept in a [`GenerationSummary`].
pub const PROMPT_EXCERPT_CHARS: usize = 200;

/// What lists and events carry: everything the queue UI shows, without the
/// full input. Items of the seed's `list_generations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GenerationSummary {
    pub id: GenerationId,
    pub model_name: String,
    pub status: GenerationStatus,
    pub created_at: DateTime<Utc>,
    pub output_urls: Vec<String>,
    pub output_files: Vec<String>,
    /// The first [`PROMPT_EXCERPT_CHARS`] characters of the prompt.
    pub prompt_excerpt: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub viewed: bool,
    pub progress: Option<u8>,
    pub replicate_status: Option<String>,
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub wait_reason: Option<WaitReason>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub priority: i64,
    pub batch_id: Option<BatchId>,
    pub retried_from: Option<GenerationId>,
    /// Who created it, on which machine.
    #[serde(default)]
    pub creator: Creator,
}

impl Generation {
    /// Why it failed, in English (`genq`, logs); `None` unless it failed.
    pub fn failure_english(&self) -> Option<String> {
        (self.status == GenerationStatus::Failed || self.error.is_some()).then(|| {
            self.error_kind
                .unwrap_or(ErrorKind::Other)
                .english(self.error.as_deref())
        })
    }

    /// The list/event view of this generation.
    pub fn summary(&self) -> GenerationSummary {
        GenerationSummary {
            id: self.id,
            model_name: self.model_name.clone(),
            status: self.status,
            created_at: self.created_at,
            output_urls: self.output_urls.clone(),
            output_files: self.output_files.clone(),
            prompt_excerpt: self.prompt.chars().take(PROMPT_EXCERPT_CHARS).collect(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            viewed: self.viewed,
            progress: self.progress,
            replicate_status: self.replicate_status.clone(),
            error: self.error.clone(),
            error_kind: self.error_kind,
            wait_reason: self.wait_reason.clone(),
            next_attempt_at: self.next_attempt_at,
            priority: self.priority,
            batch_id: self.batch_id,
            retried_from: self.retried_from,
            creator: self.creator.clone(),
        }
    }
}

/// The queue's counters. `active` = pending + processing; `unviewed` is the `⟳ N`.
/// `seq` grows by one at every change, so a listener can drop stale copies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Counters {
    pub active: u64,
    pub unviewed: u64,
    pub pending: u64,
    pub processing: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub seq: u64,
}

/// A Replicate API token as the store knows it. The secret is never here:
/// it lives in the OS keyring under the token's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Token {
    pub id: TokenId,
    pub label: String,
    /// The secret's last 4 characters, for the user to tell tokens apart.
    pub fingerprint: String,
    /// False when the user or the engine disabled it.
    pub active: bool,
    /// Why it is disabled ("Replicate refused this token (401): …").
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Requests sent with this token (every endpoint).
    pub request_count: u64,
    /// Requests that ended in an error (HTTP ≥ 400 other than 404, or a transport error).
    pub error_count: u64,
    /// 429 answers received.
    pub rate_limited_count: u64,
    /// No request before this time (a 429's announced reset).
    pub cooldown_until: Option<DateTime<Utc>>,
    /// Generations this token may run at once (default 1).
    pub max_concurrency: u32,
    /// Generations holding one of its slots now (computed, not stored).
    pub in_flight: u32,
    pub created_at: DateTime<Utc>,
}
