//! `/_sim/...`: inspection and run-time controls (no authentication).
//!
//! - `GET /_sim/stats` → [`crate::Stats`] as JSON.
//! - `GET /_sim/faults` → the rules in force; `POST /_sim/faults` with one
//!   [`crate::FaultRule`] or a list adds them; `DELETE /_sim/faults` clears.
//! - `POST /_sim/accounts` with an [`crate::AccountConfig`] adds a token.
//! - `POST /_sim/revoke` `{"token": "..."}` revokes a token.
//! - `POST /_sim/behaviour` `{"token": "...", "behaviour": "low_credit"}`.
//! - `POST /_sim/expire` expires every finished prediction's data now.
//! - `POST /_sim/advance` `{"seconds": 3600}` moves the sim clock forward.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{AccountConfig, Behaviour};
use crate::faults::FaultRule;
use crate::state::Shared;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/_sim/stats",
            get(|State(s): State<Arc<Shared>>| async move { Json(s.stats()) }),
        )
        .route(
            "/_sim/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sim/accounts", post(add_account))
        .route("/_sim/revoke", post(revoke))
        .route("/_sim/behaviour", post(set_behaviour))
        .route(
            "/_sim/expire",
            post(|State(s): State<Arc<Shared>>| async move {
                expire_now(&s);
                Json(json!({"ok": true}))
            }),
        )
        .route("/_sim/advance", post(advance))
}

fn bad(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.lock().faults.rules()).into_response()
}

async fn add_faults(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let rules: Result<Vec<FaultRule>, _> = match body {
        Value::Array(_) => serde_json::from_value(body),
        other => serde_json::from_value(other).map(|r| vec![r]),
    };
    match rules {
        Ok(rules) => {
            let mut inner = shared.lock();
            let added = rules.len();
            rules.into_iter().for_each(|r| inner.faults.add(r));
            Json(json!({"added": added})).into_response()
        }
        Err(e) => bad(format!("not a fault rule: {e}")),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.lock().faults.clear();
    Json(json!({"ok": true})).into_response()
}

async fn add_account(
    State(shared): State<Arc<Shared>>,
    Json(account): Json<AccountConfig>,
) -> Response {
    let config = shared.config.clone();
    shared.lock().add_account(account, &config);
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
    behaviour: Option<Behaviour>,
}

/// Marks a token revoked; false if unknown.
pub fn revoke_token(shared: &Shared, token: &str) -> bool {
    shared
        .lock()
        .tokens
        .get_mut(token)
        .map(|a| a.revoked = true)
        .is_some()
}

/// Changes a token's behaviour; false if unknown.
pub fn set_token_behaviour(shared: &Shared, token: &str, behaviour: Behaviour) -> bool {
    shared
        .lock()
        .tokens
        .get_mut(token)
        .map(|a| a.behaviour = behaviour)
        .is_some()
}

/// Expires the data of every prediction that has ended.
pub fn expire_now(shared: &Shared) {
    let now = shared.now();
    shared.lock().expired_before = Some(now);
}

/// Moves the sim clock forward.
pub fn advance_clock(shared: &Shared, by: Duration) {
    let span = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
    shared.lock().clock_offset += span;
}

async fn revoke(State(shared): State<Arc<Shared>>, Json(body): Json<TokenBody>) -> Response {
    if revoke_token(&shared, &body.token) {
        Json(json!({"ok": true})).into_response()
    } else {
        bad("unknown token".into())
    }
}

async fn set_behaviour(State(shared): State<Arc<Shared>>, Json(body): Json<TokenBody>) -> Response {
    let Some(behaviour) = body.behaviour else {
        return bad("behaviour is required".into());
    };
    if set_token_behaviour(&shared, &body.token, behaviour) {
        Json(json!({"ok": true})).into_response()
    } else {
        bad("unknown token".into())
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: f64,
}

async fn advance(State(shared): State<Arc<Shared>>, Json(body): Json<AdvanceBody>) -> Response {
    if !(body.seconds >= 0.0 && body.seconds.is_finite()) {
        return bad("seconds must be a non-negative number".into());
    }
    advance_clock(&shared, Duration::from_secs_f64(body.seconds));
    Json(json!({"ok": true})).into_response()
}
