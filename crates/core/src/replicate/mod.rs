//! Our client for Replicate's HTTP API v1.
//!
//! - [`client`]: [`ReplicateClient`], one per app, shared by every token.
//! - [`prediction`]: predictions read tolerantly, their statuses and outputs.
//! - [`error`]: [`ApiError`], sorted by what the engine should do.
//! - [`schema`] and [`validate`]: a model's input form, and checking input against it.
//! - [`progress`]: tqdm progress from logs; [`time`]: tolerant timestamps.
//! - [`stream`]: a prediction's `urls.stream` (server-sent events, read by [`sse`]).
//!
//! Wire facts come from Replicate's HTTP API docs and its official clients
//! (replicate-python, replicate-javascript); each item says which.
//! replicate-sim is written independently and shares nothing with this module.

pub mod account;
pub mod browse;
pub mod client;
mod download;
pub mod error;
pub mod files;
pub mod output;
pub mod output_text;
pub mod prediction;
pub mod progress;
pub mod schema;
pub mod sse;
pub mod stream;
pub mod time;
mod transport;
pub mod validate;

#[cfg(test)]
mod tests;

pub use account::Account;
pub use client::{ReplicateClient, format_cancel_after};
pub use error::{ApiError, ApiErrorKind, parse_resets_in, parse_retry_after};
pub use files::{MAX_FILE_BYTES, UploadedFile};
pub use output::{OutputRef, decode_data_uri};
pub use output_text::{OutputText, named_outputs, output_text};
pub use prediction::{
    CreatePrediction, Prediction, PredictionPage, PredictionStatus, UnexpectedBody, Urls,
};
pub use progress::{Progress, parse_progress};
pub use schema::{FieldKind, InputField, InputForm, Model, ModelVersion, SchemaError};
pub use stream::{PredictionStream, StreamEvent};
pub use time::parse_timestamp;
pub use transport::{MAX_ERROR_BYTES, MAX_JSON_BYTES, MAX_PREDICTION_BYTES};
pub use validate::InputProblem;
