//! Finding models: search, the list of public models, and collections.
//!
//! Shapes from Replicate's OpenAPI spec as generated into
//! replicate/replicate-python-beta (`client.search`, `models.search`,
//! `collections.list/get`) and the official clients
//! (replicate-python `models.search`, replicate-javascript `models.search`,
//! replicate-go `SearchModels`):
//! - `GET /v1/search?query=&limit=` (beta; `limit` 1–50, default 20):
//!   `{query, models: [{model, metadata: {generated_description, tags,
//!   score}}], collections: [{name, slug, description, models?}], pages: [{href, name}]}`.
//! - `QUERY /v1/models` with the query as a `text/plain` body, and
//!   `GET /v1/models`: a page `{next, previous, results: [model]}`.
//! - `GET /v1/collections`: a page of `{name, slug, description}`;
//!   `GET /v1/collections/{slug}`: `{name, slug, description,
//!   full_description, models: [model]}`.
//!
//! Matching is the simulator's own: every word of the query (case-folded)
//! must appear in the owner, name, description or tags; higher scores for
//! words in the name.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalogue::{self, Model, Sizing};
use crate::catalogue_media::{VIDEO_WITH_AUDIO_KEYS, story_tokens};
use crate::problem;
use crate::state::Shared;

/// Collections: slug, name, description, the models in it.
const COLLECTIONS: &[(&str, &str, &str, &[&str])] = &[
    (
        "text-to-image",
        "Generate images",
        "Models that generate images from text prompts",
        &[
            "black-forest-labs/flux-schnell",
            "black-forest-labs/flux-dev",
            "stability-ai/sdxl",
        ],
    ),
    (
        "text-to-video",
        "Generate videos",
        "Models that create and edit videos",
        &[
            "replicate-sim/bouncing-ball",
            "replicate-sim/video-with-audio",
        ],
    ),
    (
        "ai-music-generation",
        "Generate music",
        "Models that generate music and sound",
        &["replicate-sim/tone", "replicate-sim/video-with-audio"],
    ),
    (
        "language-models",
        "Language models",
        "Models that understand and generate text",
        &["replicate-sim/storyteller"],
    ),
];

fn tags(model: &Model) -> Vec<&'static str> {
    match model.sizing {
        Sizing::Flux | Sizing::Sdxl => vec!["text-to-image", "image"],
        Sizing::Edit => vec!["image-editing", "image"],
        Sizing::Video => vec!["text-to-video", "video"],
        Sizing::Audio => vec!["text-to-audio", "audio", "music"],
        Sizing::Text => vec!["language-model", "text", "chat"],
        Sizing::VideoWithAudio => vec!["text-to-video", "video", "audio"],
    }
}

/// A model as `GET /v1/models/{owner}/{name}` answers it.
pub fn model_json(shared: &Shared, model: &Model) -> Value {
    let cover = format!("{}/files/cover/{}.webp", shared.base, model.name);
    json!({
        "url": format!("https://replicate.com/{}/{}", model.owner, model.name),
        "owner": model.owner,
        "name": model.name,
        "description": model.description,
        "visibility": "public",
        "github_url": null,
        "paper_url": null,
        "license_url": null,
        "run_count": model.run_count,
        "cover_image_url": cover,
        "default_example": default_example(model, &cover),
        "is_official": model.official,
        "latest_version": {
            "id": model.version_id,
            "created_at": model.version_created_at,
            "cog_version": model.cog_version,
            "openapi_schema": model.schema,
        },
    })
}

/// An example prediction of the model (its output: the cover picture for
/// file models, the story for the language model).
fn default_example(model: &Model, cover: &str) -> Value {
    let prompt = match model.sizing {
        Sizing::Text => "a lighthouse keeper",
        _ => "a red ball bouncing on a wooden floor",
    };
    let output = match model.sizing {
        Sizing::Text => json!(story_tokens(prompt, 1024)),
        Sizing::Video | Sizing::Audio => json!(cover),
        Sizing::VideoWithAudio => {
            json!({ VIDEO_WITH_AUDIO_KEYS[0]: cover, VIDEO_WITH_AUDIO_KEYS[1]: cover })
        }
        Sizing::Flux | Sizing::Sdxl => json!([cover]),
        Sizing::Edit => json!(cover),
    };
    json!({
        "id": format!("example-{}", model.name),
        "model": model.full_name(),
        "version": model.version_id,
        "input": {"prompt": prompt},
        "output": output,
        "status": "succeeded",
        "error": null,
        "logs": "",
    })
}

/// The catalogue's models that match every word of `query`, best first, with scores.
fn matches<'a>(models: &'a [Model], query: &str) -> Vec<(&'a Model, f64)> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut found: Vec<(&Model, f64)> = models
        .iter()
        .filter_map(|m| {
            let name = m.full_name().to_lowercase();
            let text = format!(
                "{name} {} {}",
                m.description.to_lowercase(),
                tags(m).join(" ")
            );
            if words.is_empty() || !words.iter().all(|w| text.contains(w.as_str())) {
                return None;
            }
            let in_name = words.iter().filter(|w| name.contains(w.as_str())).count();
            Some((m, 0.5 + 0.5 * in_name as f64 / words.len() as f64))
        })
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.run_count.cmp(&a.0.run_count)));
    found
}

fn json_ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn page(results: Vec<Value>) -> Value {
    json!({"next": null, "previous": null, "results": results})
}

/// `GET /v1/search?query=&limit=`.
pub async fn search(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = params
        .get("query")
        .map(String::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    if query.is_empty() {
        return problem::problem(400, "Bad Request", "query is required", None);
    }
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 50);
    let models: Vec<Value> = matches(&shared.models, &query)
        .into_iter()
        .take(limit)
        .map(|(m, score)| {
            json!({
                "model": model_json(&shared, m),
                "metadata": {
                    "generated_description": format!("{} ({})", m.description, tags(m).join(", ")),
                    "tags": tags(m),
                    "score": score,
                }
            })
        })
        .collect();
    let q = query.to_lowercase();
    let collections: Vec<Value> = COLLECTIONS
        .iter()
        .filter(|(slug, name, desc, _)| {
            q.split_whitespace().all(|w| {
                slug.contains(w) || name.to_lowercase().contains(w) || desc.to_lowercase().contains(w)
            })
        })
        .map(|(slug, name, desc, models)| json!({"name": name, "slug": slug, "description": desc, "models": models}))
        .collect();
    json_ok(json!({"query": query, "models": models, "collections": collections, "pages": []}))
}

/// `GET /v1/models` (every model, one page) and `QUERY /v1/models` (search,
/// the query as the body); other methods 405.
pub async fn models(State(shared): State<Arc<Shared>>, method: Method, body: String) -> Response {
    match method.as_str() {
        "GET" => json_ok(page(
            shared
                .models
                .iter()
                .map(|m| model_json(&shared, m))
                .collect(),
        )),
        "QUERY" => {
            let found = matches(&shared.models, body.trim());
            json_ok(page(
                found
                    .into_iter()
                    .map(|(m, _)| model_json(&shared, m))
                    .collect(),
            ))
        }
        _ => problem::problem(405, "Method Not Allowed", "Use GET or QUERY", None),
    }
}

/// `GET /v1/collections`.
pub async fn collections() -> Response {
    json_ok(page(
        COLLECTIONS
            .iter()
            .map(|(slug, name, desc, _)| json!({"name": name, "slug": slug, "description": desc}))
            .collect(),
    ))
}

/// `GET /v1/collections/{slug}`: 404 for an unknown slug.
pub async fn collection(State(shared): State<Arc<Shared>>, Path(slug): Path<String>) -> Response {
    let Some((slug, name, desc, names)) = COLLECTIONS.iter().find(|c| c.0 == slug) else {
        return problem::not_found();
    };
    let models: Vec<Value> = names
        .iter()
        .filter_map(|n| {
            let (owner, name) = n.split_once('/')?;
            catalogue::find(&shared.models, owner, name).map(|m| model_json(&shared, m))
        })
        .collect();
    json_ok(json!({
        "name": name, "slug": slug, "description": desc,
        "full_description": format!("{desc}. Simulated by replicate-sim."),
        "models": models,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_needs_every_word_and_finds_by_description() {
        let models = catalogue::models();
        let names = |q: &str| -> Vec<String> {
            matches(&models, q)
                .iter()
                .map(|(m, _)| m.full_name())
                .collect()
        };
        assert_eq!(names("bouncing"), ["replicate-sim/bouncing-ball"]);
        assert!(names("video").contains(&"replicate-sim/video-with-audio".to_string()));
        assert_eq!(names("story token"), ["replicate-sim/storyteller"]);
        assert!(names("nothing-like-this").is_empty());
    }
}
