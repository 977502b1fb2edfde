//! Replicate's Files API: `POST /files` uploads a file that a prediction of
//! the same account can take as an input (its `urls.get`).
//!
//! Facts, from Replicate's HTTP API reference ("Create a file") and the
//! official clients (replicate-python `replicate/file.py`,
//! replicate-javascript `lib/files.js` and its README, replicate-go
//! `files.go`):
//! - `multipart/form-data`: part `content` (the bytes, with a `filename`
//!   and its `Content-Type` in the part's headers), optional parts
//!   `filename` (≤ 255 bytes, UTF-8), `type` (MIME type, default
//!   `application/octet-stream`) and `metadata` (JSON, default `{}`);
//! - the answer: `{id, name, content_type, size, etag, checksums {sha256,
//!   md5}, metadata, created_at, expires_at, urls {get}}`; `urls.get` is the
//!   value to pass as an input ("opaque, shouldn't be inferred");
//! - a file is visible, and readable by a model, only for the account that
//!   uploaded it; it expires 24 hours after its creation;
//! - the upload limit is 100 MiB (replicate-javascript #286, a maintainer:
//!   "an undocumented upload limit of 100MiB"); over it the API answers
//!   413 with an HTML body.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

use super::client::{ReplicateClient, auth_value, redact};
use super::error::{ApiError, ApiErrorKind};
use super::prediction::UnexpectedBody;
use super::time::parse_timestamp;
use super::transport::{MAX_ERROR_BYTES, MAX_JSON_BYTES, from_reqwest, read_capped, read_prefix};
use crate::secrets::Secret;

/// Largest file the Files API takes: 100 MiB.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// How long an uploaded file lives on Replicate (24 hours), when the answer
/// gives no `expires_at`.
pub const FILE_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// An uploaded file, as the create answer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedFile {
    /// The file's id (`cneqzikepnug6xezperrr4z55o`).
    pub id: String,
    /// `urls.get`: what a prediction input takes.
    pub url: String,
    /// Bytes, as Replicate counted them.
    pub size: Option<u64>,
    /// `checksums.sha256`, lowercase hex, when given.
    pub sha256: Option<String>,
    /// When Replicate deletes it.
    pub expires_at: Option<DateTime<Utc>>,
}

impl UploadedFile {
    /// Reads a file answer tolerantly: `id` and `urls.get` are needed.
    pub fn from_json(raw: &Value) -> Result<UploadedFile, UnexpectedBody> {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| UnexpectedBody("the file has no id".into()))?;
        let url = raw
            .pointer("/urls/get")
            .and_then(Value::as_str)
            .ok_or_else(|| UnexpectedBody("the file has no urls.get".into()))?;
        Ok(UploadedFile {
            id: id.to_owned(),
            url: url.to_owned(),
            size: raw.get("size").and_then(Value::as_u64),
            sha256: raw
                .pointer("/checksums/sha256")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase),
            expires_at: raw
                .get("expires_at")
                .and_then(Value::as_str)
                .and_then(parse_timestamp),
        })
    }
}

/// A multipart boundary that cannot occur in `bytes`.
fn boundary_for(bytes: &[u8]) -> String {
    loop {
        let b = format!("genqueue-{}", uuid::Uuid::new_v4().simple());
        if !bytes.windows(b.len()).any(|w| w == b.as_bytes()) {
            return b;
        }
    }
}

/// A header-safe file name: no quotes, backslashes or line ends, at most
/// 255 bytes (cut on a character boundary).
fn safe_filename(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\\' | '\r' | '\n') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while out.len() > 255 {
        out.pop();
    }
    if out.is_empty() { "file".into() } else { out }
}

/// The `multipart/form-data` body: `content` (the bytes), `filename`, `type`.
pub(crate) fn multipart_body(bytes: &[u8], filename: &str, mime: &str) -> (String, Vec<u8>) {
    let boundary = boundary_for(bytes);
    let name = safe_filename(filename);
    let mime = if mime.is_empty() || mime.contains(['\r', '\n']) {
        "application/octet-stream"
    } else {
        mime
    };
    let mut body = Vec::with_capacity(bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n");
    for (field, value) in [("filename", name.as_str()), ("type", mime)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

impl ReplicateClient {
    /// Uploads a file: `POST /files` (multipart, see the module doc). The
    /// time limit grows with the size (the request time-out plus a second
    /// per 256 KiB).
    ///
    /// Errors: see [`ApiError`]; a 413 ([`ApiErrorKind::OtherStatus`],
    /// status 413) means the file is over Replicate's size limit.
    pub async fn create_file(
        &self,
        token: &Secret,
        bytes: &[u8],
        filename: &str,
        mime: &str,
    ) -> Result<UploadedFile, ApiError> {
        let url = self.endpoint(&["files"]);
        let (boundary, body) = multipart_body(bytes, filename, mime);
        let timeout = self.timeout + Duration::from_secs(bytes.len() as u64 / (256 * 1024));
        let req = self
            .api
            .post(&url)
            .header(AUTHORIZATION, auth_value(token)?)
            .header(ACCEPT, "application/json")
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .timeout(timeout)
            .body(body);
        let result = async {
            let resp = req.send().await.map_err(|e| from_reqwest(e, None))?;
            let status = resp.status().as_u16();
            if !resp.status().is_success() {
                let headers = resp.headers().clone();
                let body = read_prefix(resp, MAX_ERROR_BYTES).await;
                return Err(ApiError::from_response(status, &headers, &body, Utc::now()));
            }
            let body = read_capped(resp, MAX_JSON_BYTES).await?;
            let decode = |e: String| ApiError {
                status: Some(status),
                ..ApiError::new(ApiErrorKind::Decode, e)
            };
            let value: Value = serde_json::from_slice(&body)
                .map_err(|e| decode(format!("the answer is not JSON ({e})")))?;
            UploadedFile::from_json(&value).map_err(|e| decode(e.0))
        }
        .await
        .map_err(|e| redact(e, Some(token)));
        match &result {
            Ok(f) => {
                tracing::debug!(op = "create_file", bytes = bytes.len(), file = %f.id, "replicate answered")
            }
            Err(e) => {
                tracing::debug!(op = "create_file", status = e.status, code = %e.code(), "replicate request failed")
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_a_content_part_with_name_and_type() {
        let (b, body) = multipart_body(b"\x89PNG...", "in \"put\".png", "image/png");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{b}\r\n")));
        assert!(text.contains(
            "Content-Disposition: form-data; name=\"content\"; filename=\"in _put_.png\"\r\nContent-Type: image/png\r\n\r\n\u{FFFD}PNG...\r\n"
        ));
        assert!(text.contains("name=\"type\"\r\n\r\nimage/png\r\n"));
        assert!(text.ends_with(&format!("--{b}--\r\n")));
    }

    #[test]
    fn a_file_answer_reads_like_the_javascript_readme_example() {
        let raw = serde_json::json!({
            "id": "MTQzODcyMDct0YjZkLWE1ZGYtMmRjZTViNWIwOGEyNjNhNS0",
            "name": "photo.webp", "content_type": "image/webp", "size": 96936,
            "etag": "f211779ff7502705bbf42e9874a17ab3",
            "checksums": {"sha256": "7282EB6991fa4f38d80c312dc207d938c156d714c94681623aedac846488e7d3",
                          "md5": "f211779ff7502705bbf42e9874a17ab3"},
            "metadata": {"customer_reference_id": "123"},
            "created_at": "2024-06-28T10:16:04.062Z",
            "expires_at": "2024-06-29T10:16:04.062Z",
            "urls": {"get": "https://api.replicate.com/v1/files/MTQzODcyMDct0YjZkLWE1ZGYtMmRjZTViNWIwOGEyNjNhNS0"}
        });
        let f = UploadedFile::from_json(&raw).unwrap();
        assert_eq!(f.size, Some(96936));
        assert!(
            f.url
                .ends_with("/v1/files/MTQzODcyMDct0YjZkLWE1ZGYtMmRjZTViNWIwOGEyNjNhNS0")
        );
        assert!(f.sha256.unwrap().starts_with("7282eb"));
        assert_eq!(
            f.expires_at.unwrap().to_rfc3339(),
            "2024-06-29T10:16:04.062+00:00"
        );
        assert!(UploadedFile::from_json(&serde_json::json!({"id": "x"})).is_err());
    }
}
