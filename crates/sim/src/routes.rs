//! The API routes (besides creation) and output file downloads.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Router, middleware};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::gate::{Caller, Truncate, gate};
use crate::prediction::Prediction;
use crate::state::Shared;
use crate::{browse, catalogue, control, create, files, images, problem};

/// The whole application.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/predictions", post(create::for_version).get(list))
        .route("/v1/predictions/{id}", get(get_prediction))
        .route("/v1/predictions/{id}/cancel", post(cancel))
        .route(
            "/v1/models/{owner}/{name}/predictions",
            post(create::for_model),
        )
        .route("/v1/models", any(browse::models))
        .route("/v1/search", get(browse::search))
        .route("/v1/collections", get(browse::collections))
        .route("/v1/collections/{slug}", get(browse::collection))
        .route("/v1/models/{owner}/{name}", get(get_model))
        .route("/v1/models/{owner}/{name}/versions/{id}", get(get_version))
        .route("/v1/account", get(account))
        .route("/files/{id}/{name}", get(download))
        .merge(files::routes())
        .merge(control::routes())
        .fallback(|| async { problem::not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

fn json_ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The prediction's JSON now, if `caller` owns it.
fn owned_json(shared: &Shared, id: &str, caller: &Caller, cancel: bool) -> Option<Value> {
    let now = shared.now();
    let mut inner = shared.lock();
    let p = inner
        .predictions
        .get_mut(id)
        .filter(|p| p.owner == caller.username)?;
    if cancel {
        p.cancel(now);
    }
    let p = inner.predictions.get(id)?;
    let view = p.view(now);
    let removed = shared.removed(&inner, &view, now);
    Some(p.to_json(&view, &shared.base, removed, None))
}

/// `GET /v1/predictions/{id}`: 404 for unknown ids and other accounts'.
async fn get_prediction(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Response {
    owned_json(&shared, &id, &caller, false)
        .map(json_ok)
        .unwrap_or_else(problem::not_found)
}

/// `POST /v1/predictions/{id}/cancel`: 200 with the prediction, canceled if
/// it had not ended.
async fn cancel(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
) -> Response {
    owned_json(&shared, &id, &caller, true)
        .map(json_ok)
        .unwrap_or_else(problem::not_found)
}

fn cursor_for(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("s={seq}"))
}

fn seq_of_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("s=")?
        .parse()
        .ok()
}

/// `GET /v1/predictions[?cursor=…]`: the account's predictions, newest first,
/// `list_page_size` a page; `next`/`previous` are full URLs or null.
async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let now = shared.now();
    let inner = shared.lock();
    let all: Vec<&Prediction> = inner.owned_newest_first(&caller.username);
    let start = match query.get("cursor") {
        None => 0,
        Some(cursor) => match seq_of_cursor(cursor) {
            Some(seq) => all.iter().position(|p| p.seq < seq).unwrap_or(all.len()),
            None => {
                return problem::problem(400, "Invalid cursor", "The cursor is not valid.", None);
            }
        },
    };
    let size = shared.config.list_page_size.max(1);
    let page = &all[start..(start + size).min(all.len())];
    let url = |cursor: Option<String>| match cursor {
        Some(c) => format!("{}/v1/predictions?cursor={c}", shared.base),
        None => format!("{}/v1/predictions", shared.base),
    };
    let next = (start + size < all.len()).then(|| url(Some(cursor_for(page[page.len() - 1].seq))));
    let previous =
        (start > 0).then(|| url(start.checked_sub(size + 1).map(|i| cursor_for(all[i].seq))));
    let results: Vec<Value> = page
        .iter()
        .map(|p| {
            let view = p.view(now);
            p.to_json(
                &view,
                &shared.base,
                shared.removed(&inner, &view, now),
                None,
            )
        })
        .collect();
    json_ok(json!({"previous": previous, "next": next, "results": results}))
}

/// `GET /v1/account`.
async fn account(Extension(caller): Extension<Caller>) -> Response {
    json_ok(json!({
        "type": "user",
        "username": caller.username,
        "name": caller.username,
        "github_url": format!("https://github.com/{}", caller.username),
    }))
}

fn version_json(model: &catalogue::Model) -> Value {
    json!({
        "id": model.version_id,
        "created_at": model.version_created_at,
        "cog_version": model.cog_version,
        "openapi_schema": model.schema,
    })
}

/// `GET /v1/models/{owner}/{name}`.
async fn get_model(
    State(shared): State<Arc<Shared>>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    let Some(model) = catalogue::find(&shared.models, &owner, &name) else {
        return problem::not_found();
    };
    json_ok(browse::model_json(&shared, model))
}

/// `GET /v1/models/{owner}/{name}/versions/{id}`.
async fn get_version(
    State(shared): State<Arc<Shared>>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Response {
    match catalogue::find(&shared.models, &owner, &name).filter(|m| m.version_id == id) {
        Some(model) => json_ok(version_json(model)),
        None => problem::not_found(),
    }
}

/// Encoded bytes of output `index`, drawn on first use and cached.
pub async fn file_bytes(
    shared: &Arc<Shared>,
    prediction: &Prediction,
    index: usize,
) -> Option<Arc<Vec<u8>>> {
    let key = (prediction.id.clone(), index);
    if let Some(bytes) = shared
        .files
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Some(bytes.clone());
    }
    let spec = prediction.image_spec(index)?;
    let bytes = Arc::new(
        tokio::task::spawn_blocking(move || images::encode(&spec))
            .await
            .ok()?,
    );
    let mut cache = shared.files.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= 64 {
        cache.clear();
    }
    cache.insert(key, bytes.clone());
    Some(bytes)
}

/// `GET /files/{id}/out-{i}.{ext}`: unauthenticated, like replicate.delivery;
/// 404 once the prediction's data has expired.
async fn download(
    State(shared): State<Arc<Shared>>,
    Path((id, name)): Path<(String, String)>,
    truncate: Option<Extension<Truncate>>,
) -> Response {
    if id == "cover" {
        return cover(&name);
    }
    let now = shared.now();
    let found = {
        let inner = shared.lock();
        inner.predictions.get(&id).and_then(|p| {
            let view = p.view(now);
            let index = p.output_names().iter().position(|n| *n == name)?;
            (view.status == "succeeded" && !shared.removed(&inner, &view, now))
                .then(|| (p.clone(), index))
        })
    };
    let Some((prediction, index)) = found else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let Some(bytes) = file_bytes(&shared, &prediction, index).await else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    shared.lock().stats.downloads_total += 1;
    let mime = prediction.outputs[index].format.mime();
    let length = bytes.len();
    let body = if truncate.is_some() {
        // Half the bytes, a pause so they reach the client with the headers,
        // then an error: hyper closes the connection mid-body.
        use futures_util::StreamExt;
        let half =
            futures_util::stream::iter([Ok::<_, std::io::Error>(bytes[..length / 2].to_vec())]);
        let cut = futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "truncated",
            ))
        });
        Body::from_stream(half.chain(cut))
    } else {
        Body::from(bytes.as_ref().clone())
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, mime)
        .header(header::CONTENT_LENGTH, length)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(body)
        .unwrap_or_else(|_| problem::not_found())
}

/// `GET /files/cover/{name}.webp`: a model's cover picture (a model's
/// `cover_image_url`), drawn from its name; 404 for other names.
fn cover(file: &str) -> Response {
    let Some(stem) = file.strip_suffix(".webp") else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let bytes = images::encode(&images::ImageSpec {
        prompt: stem.to_string(),
        seed: 0,
        index: 0,
        width: 192,
        height: 192,
        format: images::Format::Webp,
        quality: 80,
        sources: Vec::new(),
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/webp"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(seq_of_cursor(&cursor_for(42)), Some(42));
        assert_eq!(seq_of_cursor("!!"), None);
    }
}
