//! The Files API (`/v1/files`) and file inputs of predictions.
//!
//! As Replicate's HTTP API reference and its official clients describe it
//! (replicate-python `file.py`, replicate-javascript `lib/files.js` and
//! README, replicate-go `files.go`):
//! - `POST /v1/files`, `multipart/form-data`: part `content` (required; its
//!   own `filename` and `Content-Type`), parts `filename`, `type` (default
//!   `application/octet-stream`) and `metadata` (JSON, default `{}`);
//!   answers 201 with `{id, name, content_type, size, etag, checksums
//!   {sha256, md5}, metadata, created_at, expires_at, urls {get}}`;
//! - `GET /v1/files` (newest first, `{next, previous, results}`),
//!   `GET /v1/files/{id}`, `DELETE /v1/files/{id}` (204; 404 afterwards);
//! - a file belongs to the account that uploaded it: other accounts get
//!   404; it expires 24 hours after its creation ([`SimConfig::file_ttl`]);
//! - over 100 MiB ([`SimConfig::file_size_cap`]) the answer is a 413 whose
//!   body is an HTML page (replicate-javascript #286 quotes
//!   "failed with status 413 Request Entity Too Large: <html>...").
//!
//! File inputs: a prediction input may hold a `data:` URI, the `urls.get`
//! of an uploaded file, or any other URL. A file of another account (or
//! deleted, or expired) is refused at create with a 422 naming the field.
//! Not verified against the real service (no public source says how it
//! refuses one); the docs only say a file's content is available to a model
//! "only when passed as a prediction or training input by the user or
//! organization who created the file".

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::Engine as _;
use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::Digest;

use crate::gate::Caller;
use crate::problem::{self, problem};
use crate::state::Shared;

/// One uploaded file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub content_type: String,
    pub metadata: Value,
    pub bytes: Arc<Vec<u8>>,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub seq: u64,
}

impl StoredFile {
    fn to_json(&self, base: &str) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "content_type": self.content_type,
            "size": self.bytes.len(),
            "etag": &self.sha256[..32],
            "checksums": {"sha256": self.sha256},
            "metadata": self.metadata,
            "created_at": self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "expires_at": self.expires_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "urls": {"get": format!("{base}/v1/files/{}", self.id)},
        })
    }
}

/// The Files API routes (uploads have no body limit but the size cap).
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v1/files",
            post(create).get(list).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/v1/files/{id}",
            get(get_file_or_stream).delete(delete_file),
        )
}

/// `GET /v1/files/{id}`: a prediction's stream (`bcwr-…`, the id of a
/// `urls.stream`, which needs no token) or an uploaded file's record.
async fn get_file_or_stream(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    use axum::handler::Handler;
    if id.starts_with(crate::stream::STREAM_ID_PREFIX) {
        crate::stream::stream.call(request, shared).await
    } else {
        get_file.call(request, shared).await
    }
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The 413 a proxy in front of the API answers, as an HTML page.
fn too_large() -> Response {
    let html = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub body: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn param(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Splits a multipart body (RFC 7578). `None` when it is not well formed.
pub fn parse_multipart<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        at += 2; // CRLF after the delimiter
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = std::str::from_utf8(&body[at..head_end]).ok()?;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), head_end + 4)?;
        let (mut name, mut filename, mut content_type) = (None, None, None);
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_string());
            }
        }
        parts.push(Part {
            name: name?,
            filename,
            content_type,
            body: &body[head_end + 4..next],
        });
        at = next + 2 + delimiter.len();
    }
}

/// `POST /v1/files`.
async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() as u64 > shared.config.file_size_cap {
        return too_large();
    }
    let bad = |detail: &str| problem(400, "Invalid request body", detail, None);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
        .then(|| param(content_type, "boundary"))
        .flatten()
    else {
        return bad("The request body must be multipart/form-data.");
    };
    let Some(parts) = parse_multipart(&body, &boundary) else {
        return bad("The multipart body is malformed.");
    };
    let text = |n: &str| {
        parts
            .iter()
            .find(|p| p.name == n)
            .and_then(|p| std::str::from_utf8(p.body).ok())
            .map(str::to_string)
    };
    let Some(content) = parts.iter().find(|p| p.name == "content") else {
        return bad("content is required.");
    };
    let name = text("filename")
        .or_else(|| content.filename.clone())
        .unwrap_or_else(|| "file".into());
    if name.len() > 255 {
        return bad("filename must be at most 255 bytes.");
    }
    let mime = text("type")
        .or_else(|| content.content_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    let metadata = match text("metadata") {
        None => json!({}),
        Some(m) => match serde_json::from_str::<Value>(&m) {
            Ok(v) => v,
            Err(_) => return bad("metadata must be valid JSON."),
        },
    };
    let now = shared.now();
    let ttl = Span::from_std(shared.config.file_ttl).unwrap_or(Span::MAX);
    let file = {
        let mut inner = shared.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let file = StoredFile {
            id: inner.new_id(),
            owner: caller.username.clone(),
            name,
            content_type: mime,
            metadata,
            sha256: hex(&sha2::Sha256::digest(content.body)),
            bytes: Arc::new(content.body.to_vec()),
            created_at: now,
            expires_at: now
                .checked_add_signed(ttl)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            seq,
        };
        inner.uploads.insert(file.id.clone(), file.clone());
        *inner
            .stats
            .uploads_by_account
            .entry(caller.username.clone())
            .or_default() += 1;
        file
    };
    json_answer(StatusCode::CREATED, file.to_json(&shared.base))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The caller's live file `id`.
fn owned(shared: &Shared, id: &str, caller: &Caller) -> Option<StoredFile> {
    let now = shared.now();
    shared
        .lock()
        .uploads
        .get(id)
        .filter(|f| f.owner == caller.username && f.expires_at > now)
        .cloned()
}

async fn get_file(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Response {
    match owned(&shared, &id, &caller) {
        Some(f) => json_answer(StatusCode::OK, f.to_json(&shared.base)),
        None => problem::not_found(),
    }
}

async fn delete_file(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Response {
    if owned(&shared, &id, &caller).is_none() {
        return problem::not_found();
    }
    shared.lock().uploads.remove(&id);
    StatusCode::NO_CONTENT.into_response()
}

async fn list(State(shared): State<Arc<Shared>>, Extension(caller): Extension<Caller>) -> Response {
    let now = shared.now();
    let mut files: Vec<StoredFile> = shared
        .lock()
        .uploads
        .values()
        .filter(|f| f.owner == caller.username && f.expires_at > now)
        .cloned()
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.seq));
    let results: Vec<Value> = files.iter().map(|f| f.to_json(&shared.base)).collect();
    json_answer(
        StatusCode::OK,
        json!({"next": null, "previous": null, "results": results}),
    )
}

/// What a file input holds, once read.
#[derive(Clone, Debug, PartialEq)]
pub enum InputFile {
    /// Bytes (a `data:` URI, or an uploaded file of the caller's).
    Bytes(Arc<Vec<u8>>),
    /// A URL elsewhere, not fetched.
    Elsewhere,
}

/// Reads one input string as a file: `None` when it is not one (plain text).
/// `Err(description)` for a file the caller may not use.
pub fn read_input(
    shared: &Shared,
    owner: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Option<Result<InputFile, String>> {
    if let Some(rest) = value.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',')?;
        let bytes = if meta.ends_with(";base64") {
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .ok()?
        } else {
            data.as_bytes().to_vec()
        };
        return Some(Ok(InputFile::Bytes(Arc::new(bytes))));
    }
    let ours = format!("{}/v1/files/", shared.base);
    if let Some(id) = value.strip_prefix(&ours) {
        let mut inner = shared.lock();
        let found = inner.uploads.get(id).cloned();
        let result = match found {
            Some(f) if f.owner == owner && f.expires_at > now => {
                Ok(InputFile::Bytes(f.bytes.clone()))
            }
            Some(f) if f.owner != owner => {
                inner.stats.foreign_file_inputs += 1;
                Err(format!(
                    "File {id} was not found or you do not have permission to use it"
                ))
            }
            _ => Err(format!("File {id} was not found or has expired")),
        };
        if result.is_ok() {
            *inner
                .stats
                .file_inputs_by_account
                .entry(owner.to_string())
                .or_default() += 1;
        }
        return Some(result);
    }
    (value.starts_with("https://") || value.starts_with("http://"))
        .then_some(Ok(InputFile::Elsewhere))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_splits_into_its_parts() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XX\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/png\r\n--XX--\r\n";
        let parts = parse_multipart(body, "XX").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "content");
        assert_eq!(parts[0].filename.as_deref(), Some("a.png"));
        assert_eq!(parts[0].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[0].body, b"\x89PNG");
        assert_eq!(parts[1].body, b"image/png");
        assert!(parse_multipart(b"garbage", "XX").is_none());
    }
}
