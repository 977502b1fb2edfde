//! Predictions as Replicate sends them, read tolerantly.
//!
//! Shape: the "get a prediction" example in Replicate's HTTP API docs (copied
//! into replicate-python-beta `resources/predictions.py`):
//! `{id, model, version, input, logs, output, error, status, created_at,
//! data_removed, started_at, completed_at, metrics: {predict_time}, urls:
//! {get, cancel, stream, web}}`. Real bodies add fields, leave some out or
//! null, and have been seen with duplicated keys, so a body is read into a
//! [`serde_json::Value`] first (the last duplicate wins) and each field is
//! taken by hand; the whole body stays in [`Prediction::raw`].

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::output::{OutputRef, collect_outputs};
use super::progress::{Progress, parse_progress};
use super::time::parse_timestamp;
use crate::model::ModelRef;

/// What to run: sent by [`ReplicateClient::create_prediction`](super::ReplicateClient::create_prediction).
#[derive(Debug, Clone, PartialEq)]
pub struct CreatePrediction {
    /// Without a version: `POST /models/{owner}/{name}/predictions` (official
    /// models); with one: `POST /predictions` with `version`.
    pub model: ModelRef,
    /// The model's input object, sent as is.
    pub input: Value,
    /// `Prefer: wait=N`: hold the answer up to N seconds (1–60; 0 sends no
    /// header, more than 60 is sent as 60). Replicate's sync mode.
    pub wait: Option<u8>,
    /// `Cancel-After`: Replicate aborts the prediction if it has not started
    /// by then, cancels it if it is still running (changelog 2025-10-16).
    /// Sent in whole seconds, rounded up, as `1h`, `15m` or `90s`.
    pub cancel_after: Option<Duration>,
}

/// A prediction's status on the wire. Serializes as the wire string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PredictionStatus {
    /// Waiting for a worker (booting, queued).
    Starting,
    /// The model's `predict()` is running.
    Processing,
    /// Finished with output.
    Succeeded,
    /// The model raised an error (see [`Prediction::error`]), or ran past 30 minutes.
    Failed,
    /// Canceled by its creator, or by a `Cancel-After` deadline while running (one l).
    Canceled,
    /// A `Cancel-After` deadline passed before it started; not billed.
    Aborted,
    /// A status this client does not know; kept verbatim and not terminal.
    Unknown(String),
}

impl PredictionStatus {
    /// Reads a wire status; anything unknown becomes [`PredictionStatus::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "starting" => Self::Starting,
            "processing" => Self::Processing,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            "aborted" => Self::Aborted,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire string (`"canceled"`, or an unknown status as received).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Starting => "starting",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Aborted => "aborted",
            Self::Unknown(s) => s,
        }
    }

    /// Succeeded, failed, canceled or aborted: nothing more will change.
    /// An unknown status is not terminal (keep following it).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Canceled | Self::Aborted
        )
    }
}

impl fmt::Display for PredictionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PredictionStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PredictionStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// The prediction's `urls` object; each may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Urls {
    /// `GET` this to read the prediction.
    pub get: Option<String>,
    /// `POST` this to cancel it.
    pub cancel: Option<String>,
    /// Server-sent events, for models that stream.
    pub stream: Option<String>,
    /// The prediction's page on replicate.com.
    pub web: Option<String>,
}

/// One prediction, read tolerantly (see the module docs).
///
/// Serializes for the UI with the fields below, except `raw` (it repeats
/// them; read it in Rust).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Replicate's prediction id (e.g. `gm3qorzdhgbfurvjtvhg6dckhu`).
    pub id: String,
    /// `owner/name`.
    pub model: Option<String>,
    /// The version id (64 hex characters), when given.
    pub version: Option<String>,
    /// The wire status, unknown ones kept.
    pub status: PredictionStatus,
    /// The input as Replicate kept it; `null` once data is removed.
    pub input: Value,
    /// The raw output (string, list, object); `null` when missing or removed.
    pub output: Value,
    /// The model's error: the string, or an object rendered as JSON text.
    pub error: Option<String>,
    /// The model's printed output so far (tqdm bars included); `None` when null or missing.
    pub logs: Option<String>,
    /// When it was created, started running and ended (UTC); `None` when
    /// missing or not a timestamp.
    pub created_at: Option<DateTime<Utc>>,
    /// See `created_at`.
    pub started_at: Option<DateTime<Utc>>,
    /// See `created_at`.
    pub completed_at: Option<DateTime<Utc>>,
    /// Where to read, cancel, stream or view it.
    pub urls: Urls,
    /// `metrics.predict_time`: seconds the model ran (not queue time).
    pub predict_time: Option<f64>,
    /// True once Replicate deleted the input, output and logs (API
    /// predictions: after an hour).
    pub data_removed: bool,
    /// The body as received (duplicate keys resolved, last wins).
    #[serde(skip)]
    pub raw: Value,
}

/// A page of `GET /predictions`: newest first, 100 a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionPage {
    /// This page's predictions, newest first.
    pub results: Vec<Prediction>,
    /// The next page's full URL, to pass back to
    /// [`ReplicateClient::list_predictions`](super::ReplicateClient::list_predictions) as is.
    pub next: Option<String>,
}

/// Why a 2xx body is not what the endpoint returns (becomes [`ApiErrorKind::Decode`](super::ApiErrorKind::Decode)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnexpectedBody(pub String);

pub(crate) fn str_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn f64_field(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

fn bool_field(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

impl Prediction {
    /// Reads a prediction from a JSON value. Only `id` is required; every
    /// other field tolerates absence, `null` and odd types. A missing status
    /// becomes `Unknown("")`.
    pub fn from_json(raw: Value) -> Result<Prediction, UnexpectedBody> {
        let map = raw.as_object().ok_or_else(|| {
            UnexpectedBody(format!("expected a JSON object, got {}", kind_of(&raw)))
        })?;
        let id = str_field(map, "id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| UnexpectedBody("the prediction has no id".into()))?;
        let version = match map.get("version") {
            Some(Value::String(s)) => Some(s.clone()),
            // Very old answers nested the version object.
            Some(Value::Object(v)) => str_field(v, "id"),
            _ => None,
        };
        let error = match map.get("error") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let time = |key| str_field(map, key).and_then(|s| parse_timestamp(&s));
        let urls = match map.get("urls") {
            Some(Value::Object(u)) => Urls {
                get: str_field(u, "get"),
                cancel: str_field(u, "cancel"),
                stream: str_field(u, "stream"),
                web: str_field(u, "web"),
            },
            _ => Urls::default(),
        };
        let predict_time = map
            .get("metrics")
            .and_then(Value::as_object)
            .and_then(|m| f64_field(m.get("predict_time")));
        Ok(Prediction {
            id,
            model: str_field(map, "model"),
            version,
            status: PredictionStatus::parse(&str_field(map, "status").unwrap_or_default()),
            input: map.get("input").cloned().unwrap_or(Value::Null),
            output: map.get("output").cloned().unwrap_or(Value::Null),
            error,
            logs: str_field(map, "logs"),
            created_at: time("created_at"),
            started_at: time("started_at"),
            completed_at: time("completed_at"),
            urls,
            predict_time,
            data_removed: bool_field(map.get("data_removed")),
            raw,
        })
    }

    /// The files in `output`, in order (see [`OutputRef`]).
    pub fn outputs(&self) -> Vec<OutputRef> {
        collect_outputs(&self.output)
    }

    /// Progress from the last tqdm line of `logs`, if any.
    pub fn progress(&self) -> Option<Progress> {
        parse_progress(self.logs.as_deref()?)
    }
}

impl PredictionPage {
    /// Reads a list page: `{results: [...], next}`. A result that is not a
    /// prediction fails the page (an entry without an id cannot be matched).
    pub fn from_json(raw: Value) -> Result<PredictionPage, UnexpectedBody> {
        let map = raw.as_object().ok_or_else(|| {
            UnexpectedBody(format!("expected a JSON object, got {}", kind_of(&raw)))
        })?;
        let results = match map.get("results") {
            Some(Value::Array(items)) => items
                .iter()
                .cloned()
                .map(Prediction::from_json)
                .collect::<Result<Vec<_>, _>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(UnexpectedBody(format!(
                    "`results` is {}, not a list",
                    kind_of(other)
                )));
            }
        };
        let next = str_field(map, "next").filter(|s| !s.is_empty());
        Ok(PredictionPage { results, next })
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
