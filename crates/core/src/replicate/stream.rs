//! A prediction's `urls.stream`: server-sent events while it runs.
//!
//! Facts (Replicate's "Streaming" docs, the official clients'
//! replicate-javascript `lib/stream.js`, replicate-go `stream.go` and
//! `internal/sse`, replicate-python `stream.py`):
//! - Predictions carry `urls.stream`, for image models too: file streams
//!   live under `https://stream.replicate.com/v1/files/…`.
//! - Events: `output` (for file streams one file per event: an https URL or
//!   a `data:` URI), `logs`, `error` (the prediction failed), `done` (data
//!   `{}`, or a reason such as `{"reason": "canceled"}`).
//! - The server opens with a comment (`: hi`), may end without `done`, and
//!   is resumed with `Last-Event-ID` (replicate-go reconnects with it).
//! - The JavaScript and Go clients send no `Authorization` header: the URL
//!   is itself the permission to read, a capability. It is never logged
//!   here, never put in an error text, and the token is never sent to it.
//!
//! The stream is a hint: a prediction's status read stays the truth.

use std::collections::VecDeque;
use std::fmt;

use chrono::Utc;
use reqwest::Url;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderName};

use super::client::ReplicateClient;
use super::error::{ApiError, ApiErrorKind};
use super::sse::{SseError, SseEvent, SseParser};
use super::transport::{MAX_ERROR_BYTES, from_reqwest, read_prefix};

/// One event of a prediction's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// `output`: for a file stream, one output file (an https URL or a
    /// `data:` URI); for a language model, a piece of text.
    Output(String),
    /// `logs`: what the model printed since the last `logs` event (tqdm
    /// bars included).
    Logs(String),
    /// `error`: the prediction failed (data: JSON such as `{"detail": …}`, or text).
    Error(String),
    /// `done`: the prediction ended (data `{}`, or `{"reason": …}`).
    Done(String),
    /// Any other event name, kept as sent.
    Other {
        /// The event name.
        event: String,
        /// Its data.
        data: String,
    },
}

impl StreamEvent {
    fn from_sse(e: SseEvent) -> Self {
        match e.event.as_str() {
            "output" => Self::Output(e.data),
            "logs" => Self::Logs(e.data),
            "error" => Self::Error(e.data),
            "done" => Self::Done(e.data),
            _ => Self::Other {
                event: e.event,
                data: e.data,
            },
        }
    }

    /// `done` or `error`: the stream says the prediction is over.
    pub fn ends(&self) -> bool {
        matches!(self, Self::Done(_) | Self::Error(_))
    }
}

/// An open stream. Its `Debug` shows no URL (the URL is a capability).
pub struct PredictionStream {
    resp: reqwest::Response,
    parser: SseParser,
    ready: VecDeque<StreamEvent>,
}

impl fmt::Debug for PredictionStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PredictionStream")
            .field("status", &self.resp.status().as_u16())
            .field("last_event_id", &self.parser.last_event_id())
            .finish_non_exhaustive()
    }
}

impl PredictionStream {
    /// The next event; `Ok(None)` when the server ended the stream (with or
    /// without `done`: an event cut off by the end is dropped). A broken
    /// connection is [`ApiErrorKind::Transport`] (or `Timeout`): resume with
    /// [`Self::last_event_id`].
    pub async fn next_event(&mut self) -> Result<Option<StreamEvent>, ApiError> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            let chunk = self
                .resp
                .chunk()
                .await
                .map_err(|e| from_reqwest(e, Some(self.resp.status().as_u16())))?;
            let Some(chunk) = chunk else {
                return Ok(None);
            };
            let events = self.parser.push(&chunk).map_err(|e| match e {
                SseError::TooLarge(_) => ApiError::new(ApiErrorKind::TooLarge, e.to_string()),
            })?;
            self.ready
                .extend(events.into_iter().map(StreamEvent::from_sse));
        }
    }

    /// The last event id received (or resumed from): send it back as
    /// `Last-Event-ID` to go on after the last event seen.
    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_event_id()
    }
}

impl ReplicateClient {
    /// Opens a prediction's `urls.stream` (`GET`, `Accept:
    /// text/event-stream`, `Cache-Control: no-store`), resuming after
    /// `last_event_id` when given. No token is sent, and the request has no
    /// overall time limit (connect: 10 s); the caller bounds the wait.
    ///
    /// Errors: [`ApiErrorKind::BadUrl`] for a URL that is neither https nor
    /// on the API's own origin (a loopback simulator); a non-2xx answer as
    /// [`ApiError::from_response`]; [`ApiErrorKind::Decode`] when the answer
    /// is not `text/event-stream` (replicate-python checks it too). No error
    /// text holds the URL.
    pub async fn open_stream(
        &self,
        url: &str,
        last_event_id: Option<&str>,
    ) -> Result<PredictionStream, ApiError> {
        let parsed = Url::parse(url)
            .map_err(|e| ApiError::new(ApiErrorKind::BadUrl, format!("stream URL: {e}")))?;
        if parsed.scheme() != "https" && parsed.origin() != self.base.origin() {
            return Err(ApiError::new(
                ApiErrorKind::BadUrl,
                "the stream URL is neither https nor on the API's origin; it is not opened",
            ));
        }
        let mut req = self
            .api
            .get(parsed)
            .header(ACCEPT, "text/event-stream")
            .header(CACHE_CONTROL, "no-store");
        if let Some(id) = last_event_id {
            req = req.header(HeaderName::from_static("last-event-id"), id);
        }
        let resp = req.send().await.map_err(|e| from_reqwest(e, None))?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            let headers = resp.headers().clone();
            let body = read_prefix(resp, MAX_ERROR_BYTES).await;
            return Err(ApiError::from_response(status, &headers, &body, Utc::now()));
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        if !mime.eq_ignore_ascii_case("text/event-stream") {
            return Err(ApiError {
                status: Some(status),
                ..ApiError::new(
                    ApiErrorKind::Decode,
                    format!("the stream answered {mime:?}, not text/event-stream"),
                )
            });
        }
        Ok(PredictionStream {
            resp,
            parser: SseParser::resuming(last_event_id.map(str::to_owned)),
            ready: VecDeque::new(),
        })
    }
}
