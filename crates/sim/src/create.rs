//! `POST /v1/models/{owner}/{name}/predictions` and `POST /v1/predictions`.
//!
//! Body checks follow Replicate: unknown top-level fields are refused
//! (changelog 2024-05-01, "additional_property_not_allowed"), `input` is
//! required, `version` may be `owner/name` (official models only),
//! `owner/name:version_id` or a bare version id (OpenAPI,
//! `schemas_version_prediction_request`). Headers: `Prefer: wait[=N]`
//! (N in 1..=60) and `Cancel-After` (at least 5 s).

#![allow(clippy::result_large_err)] // Err is the ready HTTP answer.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::catalogue::{self, Model};
use crate::config::{Behaviour, parse_duration};
use crate::faults::FaultKind;
use crate::gate::{Caller, PredictionFaults};
use crate::outputs::{Made, outputs_of};
use crate::problem::{self, problem};
use crate::schema::validate::{self, InvalidField};
use crate::state::Shared;
use crate::{edit, files};

fn invalid(errors: &[InvalidField]) -> Response {
    let fields: Vec<Value> = errors.iter().map(InvalidField::to_json).collect();
    problem(
        422,
        "Input validation failed",
        &validate::detail(errors),
        Some(json!({"invalid_fields": fields})),
    )
}

fn invalid_version() -> Response {
    problem(
        422,
        "Invalid version or not permitted",
        "The specified version does not exist (or perhaps you don't have permission to use it?)",
        None,
    )
}

fn parse_body(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        problem(
            400,
            "Invalid request body",
            &format!("The request body is not valid JSON: {e}"),
            None,
        )
    })?;
    let Value::Object(map) = value else {
        let error = InvalidField {
            kind: "invalid_type",
            field: "(root)".into(),
            description: "Invalid type. Expected: object".into(),
        };
        return Err(invalid(&[error]));
    };
    let mut errors = Vec::new();
    for name in allowed
        .iter()
        .filter(|n| matches!(**n, "input" | "version"))
    {
        if !map.contains_key(*name) {
            errors.push(InvalidField {
                kind: "required",
                field: "(root)".into(),
                description: format!("{name} is required"),
            });
        }
    }
    for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
        errors.push(InvalidField {
            kind: "additional_property_not_allowed",
            field: "(root)".into(),
            description: format!("Additional property {key} is not allowed"),
        });
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(invalid(&errors))
    }
}

const MODEL_FIELDS: &[&str] = &["input", "stream", "webhook", "webhook_events_filter"];
const VERSION_FIELDS: &[&str] = &[
    "version",
    "input",
    "stream",
    "webhook",
    "webhook_events_filter",
    "webhook_completed",
];

/// `POST /v1/models/{owner}/{name}/predictions`.
pub async fn for_model(
    State(shared): State<Arc<Shared>>,
    Path((owner, name)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    Extension(faults): Extension<PredictionFaults>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(model) = catalogue::find(&shared.models, &owner, &name).cloned() else {
        return problem::not_found();
    };
    let mut map = match parse_body(&body, MODEL_FIELDS) {
        Ok(map) => map,
        Err(response) => return response,
    };
    let version = if model.official {
        "hidden".to_string()
    } else {
        model.version_id.to_string()
    };
    let input = map.remove("input").unwrap_or(Value::Null);
    create(
        &shared, &caller, &model, version, input, &headers, &faults.0,
    )
    .await
}

/// `POST /v1/predictions` with `version`.
pub async fn for_version(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Extension(faults): Extension<PredictionFaults>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut map = match parse_body(&body, VERSION_FIELDS) {
        Ok(map) => map,
        Err(response) => return response,
    };
    let Some(version) = map
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return invalid_version();
    };
    let resolved = match version.split_once(':') {
        Some((full, id)) => full
            .split_once('/')
            .and_then(|(o, n)| catalogue::find(&shared.models, o, n))
            .filter(|m| m.version_id == id)
            .map(|m| (m.clone(), id.to_string())),
        None => match version.split_once('/') {
            Some((o, n)) => catalogue::find(&shared.models, o, n)
                .filter(|m| m.official)
                .map(|m| (m.clone(), "hidden".into())),
            None => catalogue::find_version(&shared.models, &version)
                .map(|m| (m.clone(), version.clone())),
        },
    };
    let Some((model, shown)) = resolved else {
        return invalid_version();
    };
    let input = map.remove("input").unwrap_or(Value::Null);
    create(&shared, &caller, &model, shown, input, &headers, &faults.0).await
}

/// `Prefer: wait` → hold seconds (sim time); `Ok(None)` without the header.
fn parse_prefer(headers: &HeaderMap) -> Result<Option<u64>, Response> {
    let Some(value) = headers.get("prefer") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let bad = || {
        problem(
            422,
            "Invalid Prefer header",
            "Prefer must match ^wait(=([1-9]|[1-9][0-9]|60))?$",
            None,
        )
    };
    match text.strip_prefix("wait") {
        Some("") => Ok(Some(60)),
        Some(rest) => match rest.strip_prefix('=').and_then(|n| n.parse::<u64>().ok()) {
            Some(n) if (1..=60).contains(&n) && !rest[1..].starts_with('0') => Ok(Some(n)),
            _ => Err(bad()),
        },
        None => Err(bad()),
    }
}

fn parse_cancel_after(headers: &HeaderMap) -> Result<Option<Duration>, Response> {
    let Some(value) = headers.get("cancel-after") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    match parse_duration(text) {
        Some(d) if d >= Duration::from_secs(5) => Ok(Some(d)),
        Some(_) => Err(problem(
            422,
            "Invalid Cancel-After header",
            "The minimum allowed duration is 5 seconds.",
            None,
        )),
        None => Err(problem(
            422,
            "Invalid Cancel-After header",
            &format!("Cannot parse {text:?} as a duration such as 30s, 5m or 1h30m."),
            None,
        )),
    }
}

/// An edit model's input images (bytes, layout order) and the prediction's
/// failure when one cannot be read.
type InputFiles = (Vec<Arc<Vec<u8>>>, Option<String>);

/// The files a create's input names: each string (or list item) is read as
/// a file ([`files::read_input`]). Answers 422 for a file the caller may not
/// use; else the bytes of the edit models' image inputs, in layout order,
/// and a failure for the prediction when one cannot be read.
fn input_files(shared: &Shared, owner: &str, input: &Value) -> Result<InputFiles, Response> {
    let now = shared.now();
    let mut errors = Vec::new();
    let mut images = Vec::new();
    let mut failure = None;
    let Some(map) = input.as_object() else {
        return Ok((images, failure));
    };
    let mut names: Vec<&String> = map.keys().collect();
    names.sort_by_key(|n| {
        edit::IMAGE_FIELDS
            .iter()
            .position(|f| f == n)
            .unwrap_or(usize::MAX)
    });
    for name in names {
        let values: Vec<&str> = match &map[name] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for value in values {
            match files::read_input(shared, owner, value, now) {
                None => {}
                Some(Err(description)) => errors.push(InvalidField {
                    kind: "invalid_file",
                    field: format!("input.{name}"),
                    description,
                }),
                Some(Ok(file)) if edit::IMAGE_FIELDS.contains(&name.as_str()) => match file {
                    files::InputFile::Bytes(b) => images.push(b),
                    files::InputFile::Elsewhere => {
                        failure = Some(format!(
                            "Failed to download {name}: {value} (the simulator reaches no network)"
                        ))
                    }
                },
                Some(Ok(_)) => {}
            }
        }
    }
    if errors.is_empty() {
        Ok((images, failure))
    } else {
        Err(invalid(&errors))
    }
}

async fn create(
    shared: &Arc<Shared>,
    caller: &Caller,
    model: &Model,
    version: String,
    input: Value,
    headers: &HeaderMap,
    faults: &[FaultKind],
) -> Response {
    if caller.behaviour == Behaviour::OutOfCredit {
        return problem::no_credit();
    }
    let errors = validate::validate(&model.schema, &input);
    if !errors.is_empty() {
        return invalid(&errors);
    }
    let wait = match parse_prefer(headers) {
        Ok(wait) => wait,
        Err(response) => return response,
    };
    let cancel_after = match parse_cancel_after(headers) {
        Ok(d) => d,
        Err(response) => return response,
    };
    let (images, mut file_failure) = match input_files(shared, &caller.username, &input) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let sources = match edit::decode(&images) {
        Ok(s) => s,
        Err(e) => {
            file_failure.get_or_insert(e);
            Vec::new()
        }
    };
    let (outputs, size_failure) = outputs_of(shared, model, &input, &sources);
    let size_failure = file_failure.or(size_failure);
    let late = faults.iter().find_map(|f| match f {
        FaultKind::LateCreate { delay } => Some(*delay),
        _ => None,
    });
    let made = Made {
        model: model.clone(),
        version,
        input,
        outputs,
        size_failure,
        cancel_after,
        faults: faults.to_vec(),
        sources,
    };
    let id = match late {
        None => made.insert(shared, &caller.username, &caller.token),
        Some(delay) => {
            // Accepted now, acted on later, whether or not the client still waits.
            let (tx, rx) = tokio::sync::oneshot::channel();
            let (shared, owner) = (shared.clone(), caller.username.clone());
            let token = caller.token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(made.insert(&shared, &owner, &token));
            });
            match rx.await {
                Ok(id) => id,
                Err(_) => return problem::server_error_json(500),
            }
        }
    };
    let Some(hold) = wait else {
        return respond(shared, &id, StatusCode::CREATED, false).await;
    };
    let until = tokio::time::Instant::now()
        + shared
            .scaled(Duration::from_secs(hold))
            .to_std()
            .unwrap_or_default();
    loop {
        let (terminal, next_change) = {
            let now = shared.now();
            let inner = shared.lock();
            match inner.predictions.get(&id) {
                None => (true, None),
                Some(p) => (p.view(now).is_terminal(), p.next_change_after(now)),
            }
        };
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if terminal || left.is_zero() {
            let status = if terminal {
                StatusCode::CREATED
            } else {
                StatusCode::ACCEPTED
            };
            return respond(shared, &id, status, true).await;
        }
        // Sleep until the prediction's next scheduled change (its start, its
        // end, a deadline) rather than in fixed steps, so the answer leaves as
        // soon as it ends; at most 250 ms at a time, so that a cancel from
        // another request is seen soon.
        let step = next_change
            .and_then(|t| (t - shared.now()).to_std().ok())
            .unwrap_or(Duration::from_millis(20))
            .clamp(Duration::from_millis(1), Duration::from_millis(250));
        tokio::time::sleep(left.min(step)).await;
    }
}

/// The create answer, with outputs inlined as `data:` URIs in wait mode.
async fn respond(shared: &Arc<Shared>, id: &str, status: StatusCode, waited: bool) -> Response {
    let now = shared.now();
    let (prediction, view, removed) = {
        let inner = shared.lock();
        let Some(p) = inner.predictions.get(id).cloned() else {
            return problem::not_found();
        };
        let view = p.view(now);
        let removed = shared.removed(&inner, &view, now);
        (p, view, removed)
    };
    let mut inline = None;
    if waited && shared.config.inline_outputs_in_wait && view.status == "succeeded" && !removed {
        let mut uris = Vec::new();
        for (index, file) in prediction.outputs.iter().enumerate() {
            let Some(bytes) = crate::routes::file_bytes(shared, &prediction, index).await else {
                continue;
            };
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes.as_slice());
            uris.push(format!("data:{};base64,{encoded}", file.format.mime()));
        }
        inline = Some((uris, shared.config.wait_answers_processing));
    }
    let body = prediction.to_json(&view, &shared.base, removed, inline);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn prefer(value: &str) -> Result<Option<u64>, u16> {
        let mut headers = HeaderMap::new();
        headers.insert("prefer", HeaderValue::from_str(value).unwrap());
        parse_prefer(&headers).map_err(|r| r.status().as_u16())
    }

    #[test]
    fn prefer_wait_follows_the_openapi_pattern() {
        assert_eq!(prefer("wait"), Ok(Some(60)));
        assert_eq!(prefer("wait=5"), Ok(Some(5)));
        assert_eq!(prefer("wait=60"), Ok(Some(60)));
        assert_eq!(prefer("wait=61"), Err(422));
        assert_eq!(prefer("wait=05"), Err(422));
        assert_eq!(prefer("respond-async"), Err(422));
    }

    #[test]
    fn top_level_typos_are_refused() {
        let response = parse_body(br#"{"inptu": {}}"#, MODEL_FIELDS).unwrap_err();
        assert_eq!(response.status(), 422);
        assert!(parse_body(br#"{"input": {}}"#, MODEL_FIELDS).is_ok());
        assert_eq!(parse_body(b"{", MODEL_FIELDS).unwrap_err().status(), 400);
    }
}
