//! `GET /v1/files/{stream id}`: a prediction's `urls.stream`, server-sent
//! events, as Replicate serves file streams (image models).
//!
//! Read from Replicate's "Streaming" docs and the official clients
//! (replicate-javascript `lib/stream.js`, replicate-go `stream.go` and
//! `internal/sse`, replicate-python `stream.py`): `Content-Type:
//! text/event-stream`; the server opens with a `: hi` comment; events
//! `logs` (what the model printed), `output` (one per file: an URL, or a
//! `data:` URI), `error` (`{"detail": …}`) and `done` (`{}`, or
//! `{"reason": "canceled"}` / `{"reason": "error"}`), each with an `id`
//! (`<created, unix seconds>:<n>`); `Last-Event-ID` resumes after event
//! `n`. No token is needed (the JavaScript and Go clients send none): the
//! URL is the permission. Several lines printed at once travel as one
//! event with several `data:` lines.
//!
//! The events are a pure function of the prediction's state, so a resumed
//! stream sends exactly what the first one had not sent yet. Faults (see
//! [`crate::faults::FaultKind`]): the connection drops after N events, the
//! stream ends without `done`, every write is split into pieces of a few
//! bytes; the generic ones (a 5xx, a slow first byte, a dropped
//! connection) apply with `endpoint=stream`.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;

use crate::faults::FaultKind;
use crate::gate::StreamFaults;
use crate::prediction::{OutputShape, Prediction, View};
use crate::problem;
use crate::state::Shared;

/// What starts a stream's id (Replicate's stream URLs read
/// `…/v1/files/bcwr-…`); the sim's uploaded files never start so.
pub const STREAM_ID_PREFIX: &str = "bcwr-";

/// The stream id of a prediction (opaque to clients; `bcwr-` like Replicate's).
pub fn stream_id(prediction_id: &str) -> String {
    format!("{STREAM_ID_PREFIX}{prediction_id}")
}

/// The events of `p` at `view`, in order: `(name, data lines)`.
pub fn events(p: &Prediction, view: &View, base: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let logs = p.logs(view);
    let mut lines = logs.lines();
    // The first two lines are printed at once: one event, two `data:` lines.
    let head: Vec<&str> = lines.by_ref().take(2).collect();
    if !head.is_empty() {
        out.push(("logs", head.join("\n")));
    }
    let rest: Vec<&str> = lines.collect();
    // A traceback is printed at once too.
    let (bars, tail) = match rest.iter().position(|l| l.starts_with("Traceback")) {
        Some(i) => rest.split_at(i),
        None => (&rest[..], &[][..]),
    };
    // A language model streams its tokens as `output` events while it runs
    // (Replicate's streaming models; the same tokens the status read shows
    // growing): after the log line of step k come the tokens step k made, so
    // the events only ever grow at the end and `Last-Event-ID` resumes right.
    let tokens = match &p.shape {
        OutputShape::Text(tokens) => Some(tokens),
        _ => None,
    };
    let visible = |k: u32| {
        tokens.map_or(0, |t| {
            (t.len() * k as usize / p.steps.max(1) as usize).min(t.len())
        })
    };
    let mut sent = 0;
    for (k, line) in bars.iter().enumerate() {
        out.push(("logs", (*line).to_owned()));
        let k = k as u32;
        if let Some(t) = tokens.filter(|_| k <= view.steps_done) {
            let upto = visible(k);
            out.extend(
                t[sent.min(upto)..upto]
                    .iter()
                    .map(|tok| ("output", tok.clone())),
            );
            sent = sent.max(upto);
        }
    }
    if let (Some(t), "succeeded") = (tokens, view.status) {
        out.extend(t[sent..].iter().map(|tok| ("output", tok.clone())));
    }
    if !tail.is_empty() {
        out.push(("logs", tail.join("\n")));
    }
    if !view.is_terminal() {
        return out;
    }
    match view.status {
        "succeeded" => {
            for name in p.output_names() {
                out.push(("output", format!("{base}/files/{}/{name}", p.id)));
            }
            out.push(("done", "{}".to_owned()));
        }
        "failed" => {
            let detail = view.error.clone().unwrap_or_default();
            out.push(("error", json!({ "detail": detail }).to_string()));
            out.push(("done", json!({"reason": "error"}).to_string()));
        }
        _ => out.push(("done", json!({"reason": "canceled"}).to_string())),
    }
    out
}

/// One event on the wire: `event`, `id`, one `data:` line per line, a blank line.
fn frame(created: i64, index: usize, name: &str, data: &str) -> String {
    let mut s = format!("event: {name}\nid: {created}:{index}\n");
    for line in data.split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

/// The index after `Last-Event-ID` (`<created>:<n>` → `n + 1`), 0 without one.
fn resume_from(headers: &HeaderMap) -> usize {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit_once(':'))
        .and_then(|(_, n)| n.trim().parse::<usize>().ok())
        .map_or(0, |n| n + 1)
}

/// Counts a stream as open while it lives.
struct Open(Arc<Shared>);

impl Open {
    fn new(shared: &Arc<Shared>) -> Self {
        let mut inner = shared.lock();
        inner.stats.streams_open += 1;
        inner.stats.streams_open_max = inner.stats.streams_open_max.max(inner.stats.streams_open);
        drop(inner);
        Open(shared.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.lock().stats.streams_open -= 1;
    }
}

struct Cursor {
    _open: Open,
    shared: Arc<Shared>,
    id: String,
    next: usize,
    opened: bool,
    finished: bool,
    /// Events sent on this connection.
    sent: u32,
    drop_after: Option<u32>,
    end_early: Option<u32>,
}

enum Step {
    Bytes(String),
    Drop,
    End,
}

impl Cursor {
    /// The next bytes to send, waiting for the prediction to change.
    async fn step(&mut self) -> Step {
        if !self.opened {
            self.opened = true;
            return Step::Bytes(": hi\n\n".to_owned());
        }
        loop {
            if self.finished {
                return Step::End;
            }
            let (pending, terminal, next_change, wake) = {
                let now = self.shared.now();
                let inner = self.shared.lock();
                let Some(p) = inner.predictions.get(&self.id) else {
                    return Step::End;
                };
                let view = p.view(now);
                let all = events(p, &view, &self.shared.base);
                let created = p.created_at.timestamp();
                let pending: Vec<String> = all
                    .iter()
                    .enumerate()
                    .skip(self.next)
                    .map(|(i, (name, data))| frame(created, i, name, data))
                    .collect();
                let wake = p.next_step_after(now);
                (pending, view.is_terminal(), p.next_change_after(now), wake)
            };
            if let Some(frame) = pending.into_iter().next() {
                if self.drop_after.is_some_and(|n| self.sent >= n) {
                    return Step::Drop;
                }
                if self.end_early.is_some_and(|n| self.sent >= n) {
                    return Step::End;
                }
                let is_done = frame.starts_with("event: done\n");
                if is_done && self.end_early == Some(u32::MAX) {
                    return Step::End;
                }
                self.next += 1;
                self.sent += 1;
                self.finished = is_done;
                return Step::Bytes(frame);
            }
            if terminal {
                return Step::End;
            }
            // Sleep until the next printed line or change; at most 250 ms,
            // so a cancel from another request is seen soon.
            let now = self.shared.now();
            let step = [wake, next_change]
                .into_iter()
                .flatten()
                .min()
                .and_then(|t| (t - now).to_std().ok())
                .unwrap_or(Duration::from_millis(250))
                .clamp(Duration::from_millis(1), Duration::from_millis(250));
            tokio::time::sleep(step).await;
        }
    }
}

/// `GET /v1/files/{stream id}`.
pub async fn stream(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    Extension(faults): Extension<StreamFaults>,
    headers: HeaderMap,
) -> Response {
    let Some(id) = sid.strip_prefix(STREAM_ID_PREFIX).map(str::to_owned) else {
        return problem::not_found();
    };
    {
        let mut inner = shared.lock();
        if !inner.predictions.contains_key(&id) {
            return problem::not_found();
        }
        *inner
            .stats
            .streams_by_prediction
            .entry(id.clone())
            .or_default() += 1;
        if headers.contains_key("last-event-id") {
            inner.stats.streams_resumed_total += 1;
        }
    }
    let mut split = false;
    let mut cursor = Cursor {
        _open: Open::new(&shared),
        shared: shared.clone(),
        id,
        next: resume_from(&headers),
        opened: false,
        finished: false,
        sent: 0,
        drop_after: None,
        end_early: None,
    };
    for kind in faults.0 {
        match kind {
            FaultKind::StreamDrop { after } => cursor.drop_after = Some(after),
            FaultKind::StreamEnd { after } => cursor.end_early = Some(after.unwrap_or(u32::MAX)),
            FaultKind::StreamSplit => split = true,
            _ => {}
        }
    }
    let events = futures_util::stream::unfold(cursor, |mut c| async move {
        match c.step().await {
            Step::Bytes(s) => Some((Ok(s), c)),
            Step::End => None,
            Step::Drop => {
                // An error mid-body: hyper closes the connection.
                c.finished = true;
                tokio::time::sleep(Duration::from_millis(20)).await;
                let e = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped");
                Some((Err(e), c))
            }
        }
    });
    let body = if split {
        // Every write cut into pieces of 1–7 bytes, each flushed apart.
        let pieces = events.flat_map(|r| {
            let parts: Vec<Result<Vec<u8>, std::io::Error>> = match r {
                Ok(s) => s
                    .into_bytes()
                    .chunks(5)
                    .enumerate()
                    .flat_map(|(i, c)| {
                        let (a, b) = c.split_at((i % 3).min(c.len()));
                        [a.to_vec(), b.to_vec()]
                    })
                    .filter(|c| !c.is_empty())
                    .map(Ok)
                    .collect(),
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(parts)
        });
        let paced = pieces.then(|piece| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            piece
        });
        Body::from_stream(paced)
    } else {
        Body::from_stream(events.map(|r| r.map(String::into_bytes)))
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
