//! Downloading output files, and where the token may go.

use std::time::Instant;

use chrono::Utc;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION};

use super::client::{ReplicateClient, auth_value, redact};
use super::error::{ApiError, ApiErrorKind};
use super::transport::{MAX_ERROR_BYTES, from_reqwest, read_prefix};
use crate::secrets::Secret;

/// `replicate.delivery`, `replicate.com` or a subdomain of either.
fn is_replicate_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    ["replicate.delivery", "replicate.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

impl ReplicateClient {
    /// `GET url` (an output file), answered for the caller to stream.
    /// Sends `token` only if given, and only to the base URL's origin or an
    /// https Replicate host (`replicate.delivery`, `replicate.com` and their
    /// subdomains); reqwest drops it on a redirect to another host. Each
    /// read has the request time-out; the whole download has none.
    ///
    /// Errors: non-2xx as [`ApiError::from_response`]; [`ApiErrorKind::BadUrl`]
    /// for a non-http(s) URL or a token bound elsewhere.
    pub async fn download(
        &self,
        url: &str,
        token: Option<&Secret>,
    ) -> Result<reqwest::Response, ApiError> {
        let parsed = Url::parse(url)
            .map_err(|e| ApiError::new(ApiErrorKind::BadUrl, format!("output URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::new(
                ApiErrorKind::BadUrl,
                format!("cannot download a {}: URL", parsed.scheme()),
            ));
        }
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let mut req = self.files.get(parsed.clone()).header(ACCEPT, "*/*");
        if let Some(token) = token {
            let trusted = parsed.origin() == self.base.origin()
                || (parsed.scheme() == "https" && is_replicate_host(&host));
            if !trusted {
                return Err(ApiError::new(
                    ApiErrorKind::BadUrl,
                    format!("{host} is not a Replicate host; the token is not sent there"),
                ));
            }
            req = req.header(AUTHORIZATION, auth_value(token)?);
        }
        let started = Instant::now();
        let resp = req
            .send()
            .await
            .map_err(|e| redact(from_reqwest(e, None), token))?;
        let status = resp.status().as_u16();
        tracing::debug!(op = "download", %host, status, with_token = token.is_some(), ms = started.elapsed().as_millis() as u64, "replicate answered");
        if resp.status().is_success() {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = read_prefix(resp, MAX_ERROR_BYTES).await;
        Err(redact(
            ApiError::from_response(status, &headers, &body, Utc::now()),
            token,
        ))
    }
}
