//! Errors from Replicate's API, sorted by what the caller should do.
//!
//! Replicate answers errors as problem details (RFC 7807): `{type, title,
//! status, detail, instance}`, any of them possibly missing (replicate-python
//! `exceptions.py`, `ReplicateError.from_response`). A proxy in front may
//! answer HTML instead. A 429 says when the limit resets, e.g.
//! `{"detail":"Request was throttled. … Your rate limit resets in ~5s.",
//! "status":429,"retry_after":5}` (quoted in nodetool-ai/nodetool#5196).

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// What went wrong, as the engine branches on it (shared/DESIGN.md, "Token pool").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiErrorKind {
    /// 401: the token is wrong or revoked.
    Unauthorized,
    /// 403: the token may not do this.
    Forbidden,
    /// 402: no credit, or billing not set up.
    PaymentRequired,
    /// 404: no such thing, or it belongs to another account.
    NotFound,
    /// 400 or 422: the request (usually the input) was rejected.
    Invalid,
    /// 429: too many requests; see [`ApiError::retry_after`].
    RateLimited,
    /// 5xx.
    Server,
    /// Any other non-2xx status.
    OtherStatus,
    /// No answer in time. The request may have been acted on.
    Timeout,
    /// The request never reached the server (DNS, refused, TLS, connect time-out).
    Connect,
    /// The connection broke mid-way: the server may have acted.
    Transport,
    /// A 2xx whose body is not what the endpoint returns.
    Decode,
    /// A body over the size cap (a 2xx: the server did act).
    TooLarge,
    /// A URL we will not use (malformed, wrong scheme, or another origin for the token).
    BadUrl,
}

impl ApiErrorKind {
    /// The kind for an HTTP status that is not a success.
    pub fn from_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthorized,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            400 | 422 => Self::Invalid,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::OtherStatus,
        }
    }
}

/// An error from a Replicate request. `Display` is a sentence for people
/// ("Replicate refused the token (401 Unauthorized): Invalid token."); it
/// never carries the token: the client strips it from any text the server
/// echoes back.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// What went wrong, for the engine to branch on.
    pub kind: ApiErrorKind,
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// Problem details `title`.
    pub title: Option<String>,
    /// Problem details `detail`; for a non-JSON body, a short excerpt of its
    /// text; for a transport failure, its cause.
    pub detail: Option<String>,
    /// When to try again: the longest of the `Retry-After` header (seconds or
    /// an HTTP date), the body's `retry_after` (seconds) and the detail's
    /// "resets in ~Ns".
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// An error without an HTTP answer (time-out, connect, transport, bad URL…).
    pub fn new(kind: ApiErrorKind, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        ApiError {
            kind,
            status: None,
            title: None,
            detail: (!detail.is_empty()).then_some(detail),
            retry_after: None,
        }
    }

    /// Reads an error answer: its status, problem details (or an excerpt of
    /// an HTML or text body) and retry hints. `now` resolves a `Retry-After`
    /// HTTP date.
    pub fn from_response(
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Self {
        let (title, detail, body_retry) = read_error_body(headers, body);
        let header_retry = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now));
        let detail_retry = detail.as_deref().and_then(parse_resets_in);
        let retry_after = [header_retry, body_retry, detail_retry]
            .into_iter()
            .flatten()
            .max();
        ApiError {
            kind: ApiErrorKind::from_status(status),
            status: Some(status),
            title,
            detail,
            retry_after,
        }
    }

    /// True when the server may have acted on the request although no usable
    /// answer came back (time-out, broken connection, 5xx, an unreadable or
    /// oversized 2xx): after a create, the prediction may exist, so reconcile
    /// through the list before creating again (shared/DESIGN.md).
    pub fn may_have_acted(&self) -> bool {
        match self.kind {
            ApiErrorKind::Timeout
            | ApiErrorKind::Transport
            | ApiErrorKind::Server
            | ApiErrorKind::Decode => true,
            ApiErrorKind::TooLarge => self.status.is_some_and(|s| (200..300).contains(&s)),
            _ => false,
        }
    }

    /// True when the same request may succeed later: 429, 5xx, 408,
    /// time-outs, connect and transport failures, an unreadable 2xx.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::RateLimited
                | ApiErrorKind::Server
                | ApiErrorKind::Timeout
                | ApiErrorKind::Connect
                | ApiErrorKind::Transport
                | ApiErrorKind::Decode
        ) || self.status == Some(408)
    }

    /// The server's own words: `detail`, else `title`.
    pub fn message(&self) -> Option<&str> {
        self.detail.as_deref().or(self.title.as_deref())
    }

    /// Replaces `secret`, and anything shaped like a Replicate token
    /// ([`crate::redact::redact`]), in the texts: a server or proxy may echo
    /// request headers back.
    pub(crate) fn redact(mut self, secret: &str) -> Self {
        for text in [&mut self.title, &mut self.detail].into_iter().flatten() {
            if !secret.is_empty() && text.contains(secret) {
                *text = text.replace(secret, "<redacted>");
            }
            if let std::borrow::Cow::Owned(masked) = crate::redact::redact(text) {
                *text = masked;
            }
        }
        self
    }

    /// The cause in its own words, without our sentence around it:
    /// `401 Unauthorized: Invalid token`, or the transport error's text. What a
    /// failure stores as its detail (see [`crate::failure`]).
    pub fn cause(&self) -> String {
        let status = self.status.map(|status| {
            match StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
            {
                Some(r) => format!("{status} {r}"),
                None => format!("HTTP {status}"),
            }
        });
        let message = self
            .message()
            .map(|m| m.trim_end_matches(['.', ' ', '\n']).to_owned());
        match (status, message) {
            (Some(s), Some(m)) => format!("{s}: {m}"),
            (Some(s), None) => s,
            (None, Some(m)) => m,
            (None, None) => format!("{:?}", self.kind).to_lowercase(),
        }
    }

    fn lead(&self) -> &'static str {
        match self.kind {
            ApiErrorKind::Unauthorized => "Replicate refused the token",
            ApiErrorKind::Forbidden => "Replicate does not allow this token to do that",
            ApiErrorKind::PaymentRequired => {
                "Replicate wants payment first (no credit left, or billing not set up)"
            }
            ApiErrorKind::NotFound => {
                "Replicate found nothing there (it may not exist, or belong to another account)"
            }
            ApiErrorKind::Invalid => "Replicate rejected the request",
            ApiErrorKind::RateLimited => "Replicate is rate-limiting this token",
            ApiErrorKind::Server => "Replicate had a server error",
            ApiErrorKind::OtherStatus => "Replicate answered with an unexpected status",
            ApiErrorKind::Timeout => "Replicate did not answer in time",
            ApiErrorKind::Connect => "Could not connect to Replicate",
            ApiErrorKind::Transport => {
                "The connection to Replicate broke before the answer arrived"
            }
            ApiErrorKind::Decode => "Replicate's answer could not be read",
            ApiErrorKind::TooLarge => "Replicate's answer was too large",
            ApiErrorKind::BadUrl => "Refused to use that URL",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lead())?;
        if let Some(status) = self.status {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason());
            match reason {
                Some(r) => write!(f, " ({status} {r})")?,
                None => write!(f, " (HTTP {status})")?,
            }
        }
        if let Some(msg) = self.message() {
            write!(f, ": {}", msg.trim_end_matches(['.', ' ', '\n']))?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, "; try again in {} s", wait.as_secs_f64().ceil() as u64)?;
        }
        f.write_str(".")
    }
}

impl std::error::Error for ApiError {}

/// Longest text kept from an error body.
const EXCERPT_CHARS: usize = 300;

fn read_error_body(
    headers: &HeaderMap,
    body: &[u8],
) -> (Option<String>, Option<String>, Option<Duration>) {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return (None, None, None);
    }
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) {
        let text_of = |key: &str| match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(other) => Some(other.to_string()),
        };
        // A 422's `invalid_fields` name the input fields at fault; they become
        // the detail, one `- input.<name>: <description>` a line (the shape of
        // Replicate's own `detail`, whose newlines the excerpt would fold).
        let detail = invalid_fields_lines(map.get("invalid_fields"))
            .or_else(|| text_of("detail"))
            .or_else(|| text_of("error"))
            .or_else(|| text_of("message"));
        let retry = match map.get("retry_after") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .and_then(seconds);
        let detail = detail.map(|d| match map.get("invalid_fields") {
            Some(Value::Array(a)) if !a.is_empty() => d,
            _ => excerpt(&d, 2000),
        });
        return (text_of("title"), detail, retry);
    }
    let is_html = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<');
    let detail = if is_html {
        html_excerpt(trimmed)
    } else {
        Some(excerpt(trimmed, EXCERPT_CHARS))
    };
    (None, detail.filter(|d| !d.is_empty()), None)
}

/// Most `invalid_fields` entries kept in a detail.
const MAX_INVALID_FIELDS: usize = 50;

/// `invalid_fields` (a 422 from create: `[{"type", "field", "description"}]`,
/// e.g. `{"type":"less_than_equal","field":"input.num_outputs","description":
/// "Must be less than or equal to 4"}`; a missing required input is
/// `{"field":"input","description":"prompt is required"}`) as the lines
/// `- input.num_outputs: Must be less than or equal to 4`, joined by `\n`.
/// The window reads these lines back onto its form fields
/// (`ui/src/lib/schemaValues.ts`, `rejectedFields`). `None` when absent or empty.
fn invalid_fields_lines(value: Option<&Value>) -> Option<String> {
    let Some(Value::Array(items)) = value else {
        return None;
    };
    let one_line = |v: &Value| excerpt(v.as_str().unwrap_or_default(), 300);
    let lines: Vec<String> = items
        .iter()
        .take(MAX_INVALID_FIELDS)
        .filter_map(|item| {
            let field = one_line(item.get("field")?);
            let description = item.get("description").map(one_line).unwrap_or_default();
            match (field.is_empty(), description.is_empty()) {
                (true, true) => None,
                (false, true) => Some(format!("- {field}")),
                (true, false) => Some(format!("- {description}")),
                (false, false) => Some(format!("- {field}: {description}")),
            }
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn seconds(s: f64) -> Option<Duration> {
    (0.0..1e9).contains(&s).then(|| Duration::from_secs_f64(s))
}

fn excerpt(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        let cut: String = collapsed.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

static TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<title[^>]*>(.*?)</title>").expect("regex"));
static DROP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style|head)\b[^>]*>.*?</(script|style|head)\s*>|<!--.*?-->")
        .expect("regex")
});
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("regex"));

/// A proxy's HTML page as a short line: its `<title>` and its visible text.
fn html_excerpt(html: &str) -> Option<String> {
    let title = TITLE
        .captures(html)
        .map(|c| decode_entities(&TAG.replace_all(&c[1], " ")))
        .map(|t| excerpt(&t, 120))
        .filter(|t| !t.is_empty());
    let body = DROP.replace_all(html, " ");
    let text = excerpt(
        &decode_entities(&TAG.replace_all(&body, " ")),
        EXCERPT_CHARS,
    );
    match (title, text.is_empty()) {
        (Some(t), true) => Some(t),
        (Some(t), false) if text.starts_with(&t) => Some(text),
        (Some(t), false) => Some(excerpt(&format!("{t} — {text}"), EXCERPT_CHARS)),
        (None, false) => Some(text),
        (None, true) => None,
    }
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in
/// the past means now (zero).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return seconds(secs);
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

static RESETS_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)resets?\s+in\s+~?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?\b")
        .expect("regex")
});

/// "…Your rate limit resets in ~5s." → 5 s (units s, m, h, ms; none means seconds).
pub fn parse_resets_in(detail: &str) -> Option<Duration> {
    let caps = RESETS_IN.captures(detail)?;
    let n: f64 = caps[1].parse().ok()?;
    let unit = caps.get(2).map(|m| m.as_str().to_ascii_lowercase());
    let factor = match unit.as_deref() {
        Some(u) if u.starts_with("ms") || u.starts_with("milli") => 0.001,
        Some(u) if u.starts_with('m') => 60.0,
        Some(u) if u.starts_with('h') => 3600.0,
        _ => 1.0,
    };
    seconds(n * factor)
}
