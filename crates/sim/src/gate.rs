//! The middleware every request passes: counting, fault injection,
//! authentication and rate limits, in that order.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;

use crate::config::Behaviour;
use crate::faults::{Endpoint, FaultKind};
use crate::limits::retry_after_secs;
use crate::problem;
use crate::server::ConnControl;
use crate::state::{Inner, Shared};

/// The authenticated caller, for handlers.
#[derive(Clone, Debug)]
pub struct Caller {
    pub username: String,
    pub behaviour: Behaviour,
    /// The token's public name ([`crate::stats::fingerprint`]).
    pub token: String,
}

/// Prediction-level faults that fired on a create.
#[derive(Clone, Debug, Default)]
pub struct PredictionFaults(pub Vec<FaultKind>);

/// Stream faults that fired on a stream request.
#[derive(Clone, Debug, Default)]
pub struct StreamFaults(pub Vec<FaultKind>);

/// Set on a download whose body must be cut short.
#[derive(Clone, Copy, Debug)]
pub struct Truncate;

/// The route pattern (stats key) and fault endpoint of a request.
pub fn classify(method: &Method, path: &str) -> (String, Option<Endpoint>) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (label, endpoint) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "predictions"]) => ("POST /v1/predictions", Some(Endpoint::Create)),
        ("GET", ["v1", "predictions"]) => ("GET /v1/predictions", Some(Endpoint::List)),
        ("GET", ["v1", "predictions", _]) => ("GET /v1/predictions/{id}", Some(Endpoint::Get)),
        ("POST", ["v1", "predictions", _, "cancel"]) => {
            ("POST /v1/predictions/{id}/cancel", Some(Endpoint::Cancel))
        }
        ("POST", ["v1", "models", _, _, "predictions"]) => (
            "POST /v1/models/{owner}/{name}/predictions",
            Some(Endpoint::Create),
        ),
        ("GET", ["v1", "models", _, _]) => ("GET /v1/models/{owner}/{name}", Some(Endpoint::Model)),
        ("GET", ["v1", "models", _, _, "versions", _]) => (
            "GET /v1/models/{owner}/{name}/versions/{id}",
            Some(Endpoint::Model),
        ),
        ("GET", ["v1", "account"]) => ("GET /v1/account", Some(Endpoint::Account)),
        ("POST", ["v1", "files"]) => ("POST /v1/files", Some(Endpoint::Upload)),
        ("GET", ["v1", "files"]) => ("GET /v1/files", None),
        ("GET", ["v1", "files", id]) if id.starts_with(crate::stream::STREAM_ID_PREFIX) => {
            ("GET /v1/files/{id}", Some(Endpoint::Stream))
        }
        ("GET", ["v1", "files", _]) => ("GET /v1/files/{id}", None),
        ("DELETE", ["v1", "files", _]) => ("DELETE /v1/files/{id}", None),
        ("GET", ["files", _, _]) => ("GET /files/{id}/{name}", Some(Endpoint::Files)),
        (m, ["v1", ..]) => return (format!("{m} /v1/other"), None),
        (m, _) => return (format!("{m} other"), None),
    };
    (label.to_string(), endpoint)
}

/// The token of `Authorization: Bearer T` or `Authorization: Token T`.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| token.to_string())
        .filter(|t| !t.is_empty())
}

fn fire(inner: &mut Inner, token: Option<&str>, endpoint: Option<Endpoint>) -> Vec<FaultKind> {
    let Inner {
        faults, rng, stats, ..
    } = inner;
    let fired = faults.fire(token, endpoint, || rng.random::<f64>());
    for kind in &fired {
        *stats
            .faults_injected
            .entry(kind.label().to_string())
            .or_default() += 1;
    }
    fired
}

/// The middleware.
pub async fn gate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(request).await;
    }
    let (label, endpoint) = classify(request.method(), &path);
    let token = token_of(request.headers());
    let control = request.extensions().get::<ConnControl>().cloned();
    let fired = {
        let mut inner = shared.lock();
        inner.count_request(&label, token.as_deref());
        fire(&mut inner, token.as_deref(), endpoint)
    };
    let mut drop_after = false;
    // A late create dropped at once: handled apart, acted on later.
    let late = fired
        .iter()
        .any(|k| matches!(k, FaultKind::LateCreate { .. }));
    let mut drop_now = false;
    let mut answer_delay = None;
    let mut prediction_faults = PredictionFaults::default();
    let mut stream_faults = StreamFaults::default();
    for kind in fired {
        match kind {
            FaultKind::Slow { delay } => tokio::time::sleep(delay).await,
            FaultKind::SlowAnswer { delay } => answer_delay = Some(delay),
            FaultKind::DropBeforeAction if late => drop_now = true,
            FaultKind::RevokeToken => {
                if let Some(t) = &token
                    && let Some(account) = shared.lock().tokens.get_mut(t)
                {
                    account.revoked = true;
                }
            }
            FaultKind::DropBeforeAction => {
                if let Some(control) = &control {
                    return control.drop_connection().await;
                }
            }
            FaultKind::ServerErrorJson { status } => return problem::server_error_json(status),
            FaultKind::ServerErrorHtml { status } => return problem::server_error_html(status),
            FaultKind::RateLimitStorm => {
                shared.lock().stats.throttled_total += 1;
                return problem::throttled(1, false);
            }
            FaultKind::DropAfterAction => drop_after = true,
            FaultKind::TruncateDownload => {
                request.extensions_mut().insert(Truncate);
            }
            other @ (FaultKind::FailPrediction { .. }
            | FaultKind::InterruptPrediction
            | FaultKind::StuckStarting
            | FaultKind::LateCreate { .. }) => prediction_faults.0.push(other),
            FaultKind::StreamGone => return problem::not_found(),
            other @ (FaultKind::StreamDrop { .. }
            | FaultKind::StreamEnd { .. }
            | FaultKind::StreamSplit) => stream_faults.0.push(other),
        }
    }
    // A stream URL needs no token (the official JavaScript and Go clients
    // send none): the URL is the permission.
    if path.starts_with("/v1") && endpoint != Some(Endpoint::Stream) {
        let Some(token) = token else {
            return problem::no_token();
        };
        let checked = {
            let mut inner = shared.lock();
            match inner.tokens.get(&token).cloned() {
                Some(account) if !account.revoked && account.behaviour != Behaviour::Invalid => {
                    let low = endpoint == Some(Endpoint::Create)
                        && account.behaviour == Behaviour::LowCredit;
                    let now = Instant::now();
                    let buckets = inner
                        .buckets
                        .get_mut(&account.username)
                        .expect("every account has buckets");
                    let taken = match (endpoint, low) {
                        (Some(Endpoint::Create), true) => buckets.low_credit.take(now),
                        (Some(Endpoint::Create), false) => buckets.create.take(now),
                        _ => buckets.other.take(now),
                    };
                    match taken {
                        Ok(()) => Ok(Caller {
                            username: account.username,
                            behaviour: account.behaviour,
                            token: crate::stats::fingerprint(&token),
                        }),
                        Err(wait) => {
                            inner.stats.throttled_total += 1;
                            Err(problem::throttled(retry_after_secs(wait), low))
                        }
                    }
                }
                _ => Err(problem::bad_token()),
            }
        };
        match checked {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
            }
            Err(response) => return response,
        }
    }
    request.extensions_mut().insert(prediction_faults);
    request.extensions_mut().insert(stream_faults);
    if let (true, Some(control)) = (drop_now, &control) {
        // Accepted: the handler goes on without the connection.
        tokio::spawn(next.run(request));
        return control.drop_connection().await;
    }
    let response = next.run(request).await;
    if let Some(delay) = answer_delay {
        tokio::time::sleep(delay).await;
    }
    match (drop_after, control) {
        (true, Some(control)) => control.drop_connection().await,
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn both_auth_schemes_are_accepted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(token_of(&headers).as_deref(), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Token abc"));
        assert_eq!(token_of(&headers).as_deref(), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(token_of(&headers), None);
    }

    #[test]
    fn routes_are_classified_by_pattern() {
        assert_eq!(
            classify(&Method::GET, "/v1/predictions/abc").0,
            "GET /v1/predictions/{id}"
        );
        assert_eq!(
            classify(&Method::POST, "/v1/models/a/b/predictions").1,
            Some(Endpoint::Create)
        );
        assert_eq!(
            classify(&Method::GET, "/files/x/out-0.png").1,
            Some(Endpoint::Files)
        );
        assert_eq!(classify(&Method::DELETE, "/v1/x").0, "DELETE /v1/other");
    }
}
