//! The HTTP client for Replicate's API v1.
//!
//! Endpoints and headers as Replicate's HTTP API docs and the official
//! clients use them (replicate-python `client.py`, replicate-javascript
//! `lib/predictions.js`): `Authorization: Bearer <token>`, JSON bodies,
//! `Prefer: wait=N` and `Cancel-After` on creates.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::{Method, Url};
use serde_json::{Value, json};

use super::account::Account;
use super::error::{ApiError, ApiErrorKind};
use super::prediction::{CreatePrediction, Prediction, PredictionPage, UnexpectedBody};
use super::schema::{Model, ModelVersion};
use super::transport::{
    MAX_ERROR_BYTES, MAX_JSON_BYTES, MAX_PREDICTION_BYTES, from_reqwest, read_capped, read_prefix,
};
use crate::secrets::Secret;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Added to a create's `Prefer: wait` for the answer to travel back.
const WAIT_MARGIN: Duration = Duration::from_secs(15);
const USER_AGENT: &str = concat!("genqueue/", env!("CARGO_PKG_VERSION"));

/// A client for Replicate's HTTP API. Cheap to clone (the connection pools
/// are shared). Holds no token: every call takes the token to use, so one
/// client serves the whole token pool.
#[derive(Clone)]
pub struct ReplicateClient {
    /// API calls: a total time-out per request (streams: none).
    pub(super) api: reqwest::Client,
    /// Downloads: a time-out per read (a large file may take long in all).
    pub(super) files: reqwest::Client,
    pub(super) base: Url,
    base_str: String,
    pub(super) timeout: Duration,
    /// A create's whole time limit when set (else the wait plus [`WAIT_MARGIN`]).
    create_timeout: Option<Duration>,
    json_cap: usize,
    prediction_cap: usize,
}

impl fmt::Debug for ReplicateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicateClient")
            .field("base_url", &self.base_str)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The API client follows no redirect (Replicate's API answers none, and a
/// redirect must not carry the token anywhere). The download client follows
/// up to 5, never from https down to http; reqwest itself drops the
/// `Authorization` header when a redirect changes host or port.
fn build(read_timeout: Option<Duration>) -> Result<reqwest::Client, ApiError> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(USER_AGENT);
    match read_timeout {
        None => b = b.redirect(Policy::none()),
        Some(t) => {
            b = b.read_timeout(t).redirect(Policy::custom(|attempt| {
                let downgrade = attempt.url().scheme() == "http"
                    && attempt.previous().iter().any(|u| u.scheme() == "https");
                if downgrade || attempt.previous().len() > 5 {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }));
        }
    }
    b.build()
        .map_err(|e| ApiError::new(ApiErrorKind::Connect, format!("cannot set up HTTP: {e}")))
}

/// Percent-encodes one path segment (owner, name, prediction id).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Cancel-After` in whole seconds, rounded up: `1h`, `15m`, or `90s`
/// (the docs' examples are `1m`, `30s`).
pub fn format_cancel_after(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let secs = secs.max(1);
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

impl ReplicateClient {
    /// Replicate's API root.
    pub const DEFAULT_BASE_URL: &str = "https://api.replicate.com/v1";

    /// A client for the API at `base_url` (`http` or `https`, e.g.
    /// [`Self::DEFAULT_BASE_URL`] or a loopback simulator). Time-outs:
    /// connect 10 s; each request 30 s in all (a create with `wait`: the
    /// wait plus 15 s); each read of a download 30 s.
    ///
    /// Errors: [`ApiErrorKind::BadUrl`] for a URL that is not absolute http(s).
    pub fn new(base_url: &str) -> Result<Self, ApiError> {
        let bad = |why: &str| {
            ApiError::new(
                ApiErrorKind::BadUrl,
                format!("base URL {base_url:?}: {why}"),
            )
        };
        let base = Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(bad("expected an http(s) URL with a host"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("a base URL takes no query or fragment"));
        }
        let base_str = base.as_str().trim_end_matches('/').to_owned();
        Ok(ReplicateClient {
            api: build(None)?,
            files: build(Some(REQUEST_TIMEOUT))?,
            base,
            base_str,
            timeout: REQUEST_TIMEOUT,
            create_timeout: None,
            json_cap: MAX_JSON_BYTES,
            prediction_cap: MAX_PREDICTION_BYTES,
        })
    }

    /// Sets the per-request time-out (and the per-read time-out of
    /// downloads); tests use short ones.
    pub fn with_timeout(mut self, request: Duration) -> Self {
        self.timeout = request;
        if let Ok(files) = build(Some(request)) {
            self.files = files;
        }
        self
    }

    /// Sets a create's whole time limit, `Prefer: wait` included (default:
    /// see [`Self::create_time_limit`]). Tests whose simulator holds wait
    /// answers for a scaled-down time use a short one.
    pub fn with_create_timeout(mut self, limit: Duration) -> Self {
        self.create_timeout = Some(limit);
        self
    }

    /// The time limit of one create request sent with `Prefer: wait=wait`:
    /// the wait (at most 60 s) plus the request time-out, at most 15 s, for
    /// the answer to travel back (75 s with `wait=60`); without a wait, the
    /// request time-out (30 s). Past it the client has hung up; the engine
    /// counts from it when a create's outcome is unknown.
    pub fn create_time_limit(&self, wait: Option<u8>) -> Duration {
        if let Some(limit) = self.create_timeout {
            return limit;
        }
        match wait.filter(|w| *w > 0).map(|w| w.min(60)) {
            Some(wait) => Duration::from_secs(wait.into()) + self.timeout.min(WAIT_MARGIN),
            None => self.timeout,
        }
    }

    /// Lowers the body caps (tests).
    #[cfg(test)]
    pub(crate) fn with_body_caps(mut self, json: usize, prediction: usize) -> Self {
        self.json_cap = json;
        self.prediction_cap = prediction;
        self
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_str
    }

    pub(super) fn endpoint(&self, segments: &[&str]) -> String {
        let mut url = self.base_str.clone();
        for s in segments {
            url.push('/');
            url.push_str(&segment(s));
        }
        url
    }

    /// Creates a prediction: `POST /models/{owner}/{name}/predictions`
    /// `{input}` without a version, `POST /predictions` `{version, input}`
    /// with one. Any 2xx is success (Replicate answers 201). With `wait`,
    /// the answer may still be non-terminal even when it carries output.
    ///
    /// Errors: see [`ApiError`]; when [`ApiError::may_have_acted`], the
    /// prediction may exist (there is no idempotency key).
    pub async fn create_prediction(
        &self,
        token: &Secret,
        req: &CreatePrediction,
    ) -> Result<Prediction, ApiError> {
        let m = &req.model;
        let (url, body) = match &m.version {
            Some(v) => (
                self.endpoint(&["predictions"]),
                json!({"version": v, "input": req.input}),
            ),
            None => (
                self.endpoint(&["models", &m.owner, &m.name, "predictions"]),
                json!({"input": req.input}),
            ),
        };
        let mut headers = HeaderMap::new();
        let timeout = self.create_time_limit(req.wait);
        if let Some(wait) = req.wait.filter(|w| *w > 0).map(|w| w.min(60)) {
            let v: HeaderValue = format!("wait={wait}").parse().expect("ascii");
            headers.insert(HeaderName::from_static("prefer"), v);
        }
        if let Some(after) = req.cancel_after {
            let v = format_cancel_after(after);
            headers.insert(
                HeaderName::from_static("cancel-after"),
                v.parse().expect("ascii"),
            );
        }
        let (status, bytes) = self
            .call(
                token,
                Method::POST,
                &url,
                Some(&body),
                headers,
                timeout,
                self.prediction_cap,
                "create_prediction",
            )
            .await?;
        parse_prediction(status, &bytes)
    }

    /// `GET /predictions/{id}`. Only the creating account sees a prediction
    /// (404 for other tokens).
    pub async fn get_prediction(&self, token: &Secret, id: &str) -> Result<Prediction, ApiError> {
        let url = self.endpoint(&["predictions", id]);
        let (status, bytes) = self
            .get(token, &url, self.prediction_cap, "get_prediction")
            .await?;
        parse_prediction(status, &bytes)
    }

    /// `POST /predictions/{id}/cancel`. Replicate answers with the
    /// prediction; when the answer carries none (empty body: the generated
    /// replicate-python-beta client ignores it), the prediction is read
    /// with a `GET`.
    pub async fn cancel_prediction(
        &self,
        token: &Secret,
        id: &str,
    ) -> Result<Prediction, ApiError> {
        let url = self.endpoint(&["predictions", id, "cancel"]);
        let (status, bytes) = self
            .call(
                token,
                Method::POST,
                &url,
                None,
                HeaderMap::new(),
                self.timeout,
                self.prediction_cap,
                "cancel_prediction",
            )
            .await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return self.get_prediction(token, id).await;
        }
        parse_prediction(status, &bytes)
    }

    /// `GET /predictions` (100 a page, newest first), or the page at `page`,
    /// a `next` URL from an earlier page, followed as is. The token is sent
    /// only when `page` has the base URL's origin (scheme, host, port);
    /// another origin is [`ApiErrorKind::BadUrl`].
    pub async fn list_predictions(
        &self,
        token: &Secret,
        page: Option<&str>,
    ) -> Result<PredictionPage, ApiError> {
        let url = match page {
            None => self.endpoint(&["predictions"]),
            Some(next) => {
                let parsed = Url::parse(next).map_err(|e| {
                    ApiError::new(ApiErrorKind::BadUrl, format!("next-page URL: {e}"))
                })?;
                if parsed.origin() != self.base.origin() {
                    return Err(ApiError::new(
                        ApiErrorKind::BadUrl,
                        format!(
                            "the next-page URL is on {}, not on {}; the token is not sent there",
                            parsed.origin().ascii_serialization(),
                            self.base.origin().ascii_serialization()
                        ),
                    ));
                }
                parsed.into()
            }
        };
        let (status, bytes) = self
            .get(token, &url, self.prediction_cap, "list_predictions")
            .await?;
        PredictionPage::from_json(decode_json(status, &bytes)?).map_err(|e| decode_error(status, e))
    }

    /// `GET /account`: who the token belongs to.
    pub async fn account(&self, token: &Secret) -> Result<Account, ApiError> {
        let url = self.endpoint(&["account"]);
        self.get_json(token, &url, "account", |v| Account::from_json(v))
            .await
    }

    /// `GET /models/{owner}/{name}`, with its latest version's schema.
    pub async fn get_model(
        &self,
        token: &Secret,
        owner: &str,
        name: &str,
    ) -> Result<Model, ApiError> {
        let url = self.endpoint(&["models", owner, name]);
        self.get_json(token, &url, "get_model", |v| Model::from_json(v))
            .await
    }

    /// `GET /models/{owner}/{name}/versions/{id}`: one version of a model with
    /// its `openapi_schema` (Replicate's "Get a model version" endpoint).
    pub async fn get_version(
        &self,
        token: &Secret,
        owner: &str,
        name: &str,
        version: &str,
    ) -> Result<ModelVersion, ApiError> {
        let url = self.endpoint(&["models", owner, name, "versions", version]);
        self.get_json(token, &url, "get_version", |v| ModelVersion::from_json(v))
            .await
    }

    /// `GET url`, the whole answer read up to `cap` bytes.
    async fn get(
        &self,
        token: &Secret,
        url: &str,
        cap: usize,
        op: &'static str,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        self.call(
            token,
            Method::GET,
            url,
            None,
            HeaderMap::new(),
            self.timeout,
            cap,
            op,
        )
        .await
    }

    /// `GET url` answered with a JSON object, read by `parse`.
    pub(super) async fn get_json<T>(
        &self,
        token: &Secret,
        url: &str,
        op: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, UnexpectedBody>,
    ) -> Result<T, ApiError> {
        let (status, bytes) = self.get(token, url, self.json_cap, op).await?;
        parse(&decode_json(status, &bytes)?).map_err(|e| decode_error(status, e))
    }

    /// Sends one API request and reads the whole answer (capped). Non-2xx
    /// answers become errors; the token is stripped from any error text.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        token: &Secret,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: HeaderMap,
        timeout: Duration,
        cap: usize,
        op: &'static str,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let mut req = self
            .api
            .request(method.clone(), url)
            .headers(headers)
            .header(AUTHORIZATION, auth_value(token)?)
            .header(ACCEPT, "application/json")
            .timeout(timeout);
        if let Some(b) = body {
            req = req.json(b);
        }
        let path = url
            .strip_prefix(&self.base_str)
            .unwrap_or(url)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let started = Instant::now();
        let result = async {
            let resp = req.send().await.map_err(|e| from_reqwest(e, None))?;
            let status = resp.status().as_u16();
            if !resp.status().is_success() {
                let headers = resp.headers().clone();
                let body = read_prefix(resp, MAX_ERROR_BYTES).await;
                return Err(ApiError::from_response(status, &headers, &body, Utc::now()));
            }
            Ok((status, read_capped(resp, cap).await?))
        }
        .await
        .map_err(|e| redact(e, Some(token)));
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok((status, bytes)) => {
                tracing::debug!(op, %method, %path, status, bytes = bytes.len(), ms, "replicate answered")
            }
            Err(e) => {
                tracing::debug!(op, %method, %path, status = e.status, code = %e.code(), ms, "replicate request failed")
            }
        }
        result
    }
}

pub(super) fn auth_value(token: &Secret) -> Result<HeaderValue, ApiError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        ApiError::new(
            ApiErrorKind::Unauthorized,
            "the token contains characters an HTTP header cannot carry",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

pub(super) fn redact(e: ApiError, token: Option<&Secret>) -> ApiError {
    e.redact(token.map(Secret::expose).unwrap_or_default())
}

fn decode_error(status: u16, e: UnexpectedBody) -> ApiError {
    ApiError {
        status: Some(status),
        ..ApiError::new(ApiErrorKind::Decode, e.0)
    }
}

fn decode_json(status: u16, bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_error(
            status,
            UnexpectedBody("the answer is empty".into()),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        decode_error(
            status,
            UnexpectedBody(format!("the answer is not JSON ({e})")),
        )
    })
}

fn parse_prediction(status: u16, bytes: &[u8]) -> Result<Prediction, ApiError> {
    Prediction::from_json(decode_json(status, bytes)?).map_err(|e| decode_error(status, e))
}
