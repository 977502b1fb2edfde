//! Reading answers: size caps and transport failures as [`ApiError`]s.

use std::error::Error as _;

use reqwest::Response;
use reqwest::header::CONTENT_LENGTH;

use super::error::{ApiError, ApiErrorKind};

/// Cap on a JSON answer we buffer (account, model, list pages, errors are far smaller).
pub const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;
/// Cap on a prediction answer: with `Prefer: wait`, output files come
/// inlined as base64 `data:` URIs, so a create answer can carry several
/// images.
pub const MAX_PREDICTION_BYTES: usize = 64 * 1024 * 1024;
/// What we keep of an error body (the rest is not read).
pub const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Reads a whole body up to `cap` bytes. A `Content-Length` over the cap
/// fails at once with [`ApiErrorKind::TooLarge`], without reading; a body
/// that grows past the cap fails as soon as it does.
pub async fn read_capped(mut resp: Response, cap: usize) -> Result<Vec<u8>, ApiError> {
    let status = resp.status().as_u16();
    let too_large = |got: String| ApiError {
        status: Some(status),
        ..ApiError::new(
            ApiErrorKind::TooLarge,
            format!("{got}, over the {} limit", human_bytes(cap as u64)),
        )
    };
    if let Some(len) = declared_length(&resp)
        && len > cap as u64
    {
        return Err(too_large(format!("it announced {}", human_bytes(len))));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| from_reqwest(e, Some(status)))?
    {
        if body.len() + chunk.len() > cap {
            return Err(too_large("it kept coming".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads up to `cap` bytes of an error body and stops there; a failure while
/// reading keeps what arrived (the status already says what happened).
pub async fn read_prefix(mut resp: Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    body
}

fn declared_length(resp: &Response) -> Option<u64> {
    resp.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Sorts a reqwest failure: connect (never reached the server) before
/// time-out, then everything else (including a body cut off mid-way, which
/// reqwest reports as a decode error) as a broken transport. The text is the
/// error chain without the URL.
pub fn from_reqwest(err: reqwest::Error, status: Option<u16>) -> ApiError {
    let kind = if err.is_builder() {
        ApiErrorKind::BadUrl
    } else if err.is_connect() {
        ApiErrorKind::Connect
    } else if err.is_timeout() || chain_has_timeout(&err) {
        ApiErrorKind::Timeout
    } else {
        ApiErrorKind::Transport
    };
    let err = err.without_url();
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    // reqwest and hyper wrap the cause in generic layers; keep the cause.
    let generic = |c: &String| {
        c.starts_with("error sending request")
            || c.starts_with("client error (")
            || c.starts_with("error decoding response body")
            || c.starts_with("request or response body error")
    };
    let mut parts: Vec<String> = chain.iter().filter(|c| !generic(c)).cloned().collect();
    parts.dedup_by(|b, a| a.contains(b.as_str()));
    let text = if parts.is_empty() {
        chain.join(": ")
    } else {
        parts.join(": ")
    };
    ApiError {
        status,
        ..ApiError::new(kind, text)
    }
}

fn chain_has_timeout(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        source = cause.source();
    }
    false
}

pub fn human_bytes(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}
