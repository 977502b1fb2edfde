//! Finding models on Replicate: search and collections.
//!
//! Endpoints and shapes, from Replicate's OpenAPI spec as generated into
//! replicate/replicate-python-beta (`client.search`, `collections.list`,
//! `collections.get`) and the official clients:
//! - `GET /v1/search?query=&limit=` (beta; `limit` 1–50, default 20):
//!   `{query, models: [{model: {…model…}, metadata: {generated_description,
//!   tags, score}}], collections: [{name, slug, description}], pages: [...]}`.
//!   (replicate-python, replicate-javascript and replicate-go instead send
//!   `QUERY /v1/models` with the query as a `text/plain` body and read a
//!   page of models; the search endpoint returns the same model objects plus
//!   collections, so it is the one used here.)
//! - `GET /v1/collections`: a page `{next, previous, results: [{name, slug,
//!   description}]}`; `GET /v1/collections/{slug}`: `{name, slug,
//!   description, full_description, models: [model]}`.
//! - A model object (`GET /v1/models/{owner}/{name}`): `owner`, `name`,
//!   `description`, `run_count`, `cover_image_url`, `default_example` (a
//!   prediction, or null), `is_official`, `latest_version` (`{id, …}` or null),
//!   `url`, `visibility`; every field but owner and name may be null.

use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::ReplicateClient;
use super::error::{ApiError, ApiErrorKind};
use super::prediction::{UnexpectedBody, kind_of, str_field};
use crate::secrets::Secret;

/// A model as the browser shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelCard {
    /// `owner/name`.
    pub model: String,
    pub description: Option<String>,
    /// How many predictions it ran, on Replicate's count.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub run_count: Option<u64>,
    /// An https picture for the model (its author's, or its example's output).
    pub cover_image_url: Option<String>,
    /// Official models run without a version and are always on.
    pub is_official: bool,
    /// The latest version's id (64 hex characters), to pin; `None` when
    /// the model has no published version.
    pub latest_version: Option<String>,
    /// The example prediction's input prompt, if it has one.
    pub example_prompt: Option<String>,
    /// The example prediction's `output`, as Replicate gave it (a URL, a
    /// list of URLs or of text tokens, an object…), or null.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub example_output: Value,
    /// Search tags (search results only).
    pub tags: Vec<String>,
}

/// A collection of models, without its models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CollectionSummary {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

/// A collection and its models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Collection {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub models: Vec<ModelCard>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelSearch {
    pub query: String,
    /// Best first, as Replicate ranked them.
    pub models: Vec<ModelCard>,
    pub collections: Vec<CollectionSummary>,
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, UnexpectedBody> {
    v.as_object()
        .ok_or_else(|| UnexpectedBody(format!("expected {what} object, got {}", kind_of(v))))
}

fn list<'a>(map: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    map.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

impl ModelCard {
    /// Reads a model object tolerantly (only `owner` and `name` are needed).
    pub fn from_json(raw: &Value) -> Result<ModelCard, UnexpectedBody> {
        let map = object(raw, "a model")?;
        let owner =
            str_field(map, "owner").ok_or_else(|| UnexpectedBody("a model has no owner".into()))?;
        let name =
            str_field(map, "name").ok_or_else(|| UnexpectedBody("a model has no name".into()))?;
        let example = map.get("default_example").and_then(Value::as_object);
        Ok(ModelCard {
            model: format!("{owner}/{name}"),
            description: str_field(map, "description").filter(|d| !d.trim().is_empty()),
            run_count: map.get("run_count").and_then(Value::as_u64),
            cover_image_url: str_field(map, "cover_image_url")
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            is_official: map
                .get("is_official")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            latest_version: map
                .get("latest_version")
                .and_then(Value::as_object)
                .and_then(|v| str_field(v, "id")),
            example_prompt: example
                .and_then(|e| e.get("input"))
                .and_then(Value::as_object)
                .and_then(|i| str_field(i, "prompt")),
            example_output: example
                .and_then(|e| e.get("output"))
                .cloned()
                .unwrap_or(Value::Null),
            tags: Vec::new(),
        })
    }
}

impl ModelSearch {
    /// Reads a `GET /search` answer; a model entry that cannot be read is skipped.
    pub fn from_json(raw: &Value) -> Result<ModelSearch, UnexpectedBody> {
        let map = object(raw, "a search answer")?;
        let models = list(map, "models")
            .iter()
            .filter_map(|entry| {
                let m = entry.get("model")?;
                let mut card = ModelCard::from_json(m).ok()?;
                card.tags = entry
                    .pointer("/metadata/tags")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                Some(card)
            })
            .collect();
        Ok(ModelSearch {
            query: str_field(map, "query").unwrap_or_default(),
            models,
            collections: list(map, "collections")
                .iter()
                .filter_map(|c| CollectionSummary::from_json(c).ok())
                .collect(),
        })
    }
}

impl CollectionSummary {
    /// Reads `{name, slug, description}`.
    pub fn from_json(raw: &Value) -> Result<CollectionSummary, UnexpectedBody> {
        let map = object(raw, "a collection")?;
        Ok(CollectionSummary {
            slug: str_field(map, "slug")
                .ok_or_else(|| UnexpectedBody("a collection has no slug".into()))?,
            name: str_field(map, "name").unwrap_or_default(),
            description: str_field(map, "description"),
        })
    }
}

impl Collection {
    /// Reads `{name, slug, description, models}`; unreadable models are skipped.
    pub fn from_json(raw: &Value) -> Result<Collection, UnexpectedBody> {
        let summary = CollectionSummary::from_json(raw)?;
        let map = object(raw, "a collection")?;
        Ok(Collection {
            slug: summary.slug,
            name: summary.name,
            description: summary.description,
            models: list(map, "models")
                .iter()
                .filter_map(|m| ModelCard::from_json(m).ok())
                .collect(),
        })
    }
}

/// Most results a search asks for (the endpoint's maximum).
pub const SEARCH_LIMIT_MAX: u8 = 50;

impl ReplicateClient {
    /// `GET /search?query=&limit=`: public models (and collections) matching
    /// `query`, best first; `limit` is clamped to 1–50.
    pub async fn search_models(
        &self,
        token: &Secret,
        query: &str,
        limit: u8,
    ) -> Result<ModelSearch, ApiError> {
        let mut url = Url::parse(&self.endpoint(&["search"]))
            .map_err(|e| ApiError::new(ApiErrorKind::BadUrl, e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("limit", &limit.clamp(1, SEARCH_LIMIT_MAX).to_string());
        self.get_json(token, url.as_str(), "search", ModelSearch::from_json)
            .await
    }

    /// `GET /collections`: the first page of collections.
    pub async fn list_collections(
        &self,
        token: &Secret,
    ) -> Result<Vec<CollectionSummary>, ApiError> {
        let url = self.endpoint(&["collections"]);
        self.get_json(token, &url, "list_collections", |v| {
            let map = object(v, "a page")?;
            Ok(list(map, "results")
                .iter()
                .filter_map(|c| CollectionSummary::from_json(c).ok())
                .collect())
        })
        .await
    }

    /// `GET /collections/{slug}`: a collection with its models (404: `not_found`).
    pub async fn get_collection(&self, token: &Secret, slug: &str) -> Result<Collection, ApiError> {
        let url = self.endpoint(&["collections", slug]);
        self.get_json(token, &url, "get_collection", Collection::from_json)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_answers_read_models_with_tags_and_collections() {
        let raw = json!({
            "query": "video",
            "models": [
                {"model": {"owner": "acme", "name": "clip", "description": "Makes clips", "run_count": 12,
                           "cover_image_url": "https://replicate.delivery/c.webp", "is_official": true,
                           "latest_version": {"id": "abc"}, "default_example": {"input": {"prompt": "a ball"}, "output": "https://replicate.delivery/o.mp4"}},
                 "metadata": {"tags": ["video"], "score": 0.9, "generated_description": "…"}},
                {"model": {"name": "no-owner"}, "metadata": {}},
                {"model": {"owner": "x", "name": "y", "latest_version": null, "run_count": null, "default_example": null}}
            ],
            "collections": [{"name": "Generate videos", "slug": "text-to-video", "description": "d", "models": ["acme/clip"]}],
            "pages": [],
            "unknown": 1
        });
        let s = ModelSearch::from_json(&raw).unwrap();
        assert_eq!(s.models.len(), 2);
        let m = &s.models[0];
        assert_eq!(m.model, "acme/clip");
        assert_eq!(
            (m.run_count, m.is_official, m.latest_version.as_deref()),
            (Some(12), true, Some("abc"))
        );
        assert_eq!(m.example_prompt.as_deref(), Some("a ball"));
        assert_eq!(m.example_output, json!("https://replicate.delivery/o.mp4"));
        assert_eq!(m.tags, ["video"]);
        assert_eq!(s.models[1].latest_version, None);
        assert_eq!(s.collections[0].slug, "text-to-video");
    }

    #[test]
    fn a_collection_reads_its_models() {
        let c = Collection::from_json(&json!({"name": "N", "slug": "s", "description": null,
            "models": [{"owner": "a", "name": "b"}, 3]}))
        .unwrap();
        assert_eq!(c.models.len(), 1);
        assert!(Collection::from_json(&json!({"name": "N"})).is_err());
    }
}
