//! A model and the input form its latest version describes.
//!
//! `GET /models/{owner}/{name}` answers `{url, owner, name, description,
//! visibility, …, latest_version: {id, created_at, cog_version,
//! openapi_schema}}`; `latest_version` may be null. The form is
//! `latest_version.openapi_schema.components.schemas.Input` (Replicate's
//! HTTP API docs, "Get a model"): `{type: object, required: [...],
//! properties: {name: {type, title, description, default, minimum, maximum,
//! x-order, format}}}`. Cog writes an enum as `allOf: [{"$ref":
//! "#/components/schemas/<name>"}]` pointing at `{enum: [...], type}`; some
//! models inline the enum inside `allOf`, and optional fields may be
//! `anyOf: [{…}, {type: null}]`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::prediction::{UnexpectedBody, kind_of, str_field};

/// A model, from `GET /models/{owner}/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    /// The owning account (`black-forest-labs`).
    pub owner: String,
    /// The model's name (`flux-schnell`).
    pub name: String,
    /// One line about the model, if any.
    pub description: Option<String>,
    /// `None` when the model has no published version.
    pub latest_version: Option<ModelVersion>,
}

/// A model version: its id and its OpenAPI schema (kept whole).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelVersion {
    /// 64 hex characters.
    pub id: String,
    /// The version's OpenAPI document; the form is in `components.schemas.Input`.
    pub openapi_schema: Value,
}

/// Why a model has no input form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// `latest_version` is null.
    #[error("the model has no published version, so its inputs are unknown")]
    NoVersion,
    /// No `components.schemas.Input`.
    #[error("the model's schema describes no input (components.schemas.Input is missing)")]
    NoInput,
    /// A `$ref` that points nowhere or loops, or `properties` that is not an object.
    #[error("the model's input schema is malformed: {0}")]
    Malformed(String),
    /// Not read: on a team's database, no token of the pool has its secret
    /// on this machine (a member who submits while others' engines run).
    #[error(
        "not read: no token of the team's pool has its secret on this machine; \
         Replicate checks the input when a member's engine sends it"
    )]
    NoTokenHere,
}

/// The inputs a model takes, in the order its form shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InputForm {
    /// Sorted by `x-order`, then name; fields without `x-order` come last.
    pub fields: Vec<InputField>,
}

/// One input of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InputField {
    /// The input key sent to Replicate (`num_outputs`).
    pub name: String,
    /// A label (`Num Outputs`), if the schema gives one.
    pub title: Option<String>,
    /// Help text, if any.
    pub description: Option<String>,
    /// What values it takes.
    pub kind: FieldKind,
    /// The value the model uses when the input is left out.
    #[cfg_attr(feature = "ts", ts(type = "unknown | null"))]
    pub default: Option<Value>,
    /// Inclusive bounds for numbers (`minimum`, `maximum`).
    pub minimum: Option<f64>,
    /// See `minimum`.
    pub maximum: Option<f64>,
    /// Listed in the schema's `required`.
    pub required: bool,
    /// `x-order`; `i64::MAX` when the schema gives none.
    pub order: i64,
}

/// The type of an input, resolved through `$ref`, `allOf` and `anyOf`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FieldKind {
    /// `format` is e.g. `uri` for file inputs.
    String {
        /// The JSON schema `format`, if any.
        format: Option<String>,
    },
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of `choices` (strings or numbers).
    Enum {
        /// The allowed values, in schema order.
        #[cfg_attr(feature = "ts", ts(type = "unknown[]"))]
        choices: Vec<Value>,
    },
    /// Files: an array of `format: uri` strings (`image_input` of an edit
    /// model), sent in order.
    Files,
    /// Lists, objects, anything else: sent as given.
    Other,
}

impl ModelVersion {
    /// Reads a version answer (`{"id", "openapi_schema", …}`) tolerantly.
    pub fn from_json(raw: &Value) -> Result<ModelVersion, UnexpectedBody> {
        let map = raw.as_object().ok_or_else(|| {
            UnexpectedBody(format!("expected a version object, got {}", kind_of(raw)))
        })?;
        Ok(ModelVersion {
            id: str_field(map, "id")
                .ok_or_else(|| UnexpectedBody("the version has no id".into()))?,
            openapi_schema: map.get("openapi_schema").cloned().unwrap_or(Value::Null),
        })
    }
}

impl Model {
    /// Reads a model answer tolerantly (only `owner` and `name` are needed;
    /// a `latest_version` without an id counts as none).
    pub fn from_json(raw: &Value) -> Result<Model, UnexpectedBody> {
        let map = raw.as_object().ok_or_else(|| {
            UnexpectedBody(format!("expected a model object, got {}", kind_of(raw)))
        })?;
        let owner = str_field(map, "owner")
            .ok_or_else(|| UnexpectedBody("the model has no owner".into()))?;
        let name =
            str_field(map, "name").ok_or_else(|| UnexpectedBody("the model has no name".into()))?;
        let latest_version = map
            .get("latest_version")
            .and_then(Value::as_object)
            .and_then(|v| {
                Some(ModelVersion {
                    id: str_field(v, "id")?,
                    openapi_schema: v.get("openapi_schema").cloned().unwrap_or(Value::Null),
                })
            });
        Ok(Model {
            owner,
            name,
            description: str_field(map, "description"),
            latest_version,
        })
    }

    /// The input form of the latest version.
    pub fn input_form(&self) -> Result<InputForm, SchemaError> {
        let version = self.latest_version.as_ref().ok_or(SchemaError::NoVersion)?;
        InputForm::from_openapi(&version.openapi_schema)
    }
}

/// How deep `$ref`/`allOf` chains are followed (guards against cycles).
const MAX_DEPTH: usize = 16;

impl InputForm {
    /// Reads `components.schemas.Input` of a version's OpenAPI schema.
    pub fn from_openapi(schema: &Value) -> Result<InputForm, SchemaError> {
        let input = schema
            .pointer("/components/schemas/Input")
            .ok_or(SchemaError::NoInput)?;
        let input = flatten(schema, input, 0)?;
        let required: HashSet<&str> = input
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let props = match input.get("properties") {
            None | Some(Value::Null) => return Ok(InputForm { fields: Vec::new() }),
            Some(Value::Object(p)) => p,
            Some(other) => {
                return Err(SchemaError::Malformed(format!(
                    "`properties` is {}",
                    kind_of(other)
                )));
            }
        };
        let mut fields = Vec::with_capacity(props.len());
        for (name, prop) in props {
            let p = flatten(schema, prop, 0)?;
            let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
            fields.push(InputField {
                name: name.clone(),
                title: text("title"),
                description: text("description"),
                kind: field_kind(&p),
                default: p.get("default").cloned(),
                minimum: p.get("minimum").and_then(Value::as_f64),
                maximum: p.get("maximum").and_then(Value::as_f64),
                required: required.contains(name.as_str()),
                order: p.get("x-order").and_then(as_i64).unwrap_or(i64::MAX),
            });
        }
        fields.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.name.cmp(&b.name)));
        Ok(InputForm { fields })
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&InputField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Merges a property schema with what its `$ref`, `allOf` and (first
/// non-null) `anyOf`/`oneOf` point to; the property's own keys win.
fn flatten(root: &Value, prop: &Value, depth: usize) -> Result<Map<String, Value>, SchemaError> {
    if depth > MAX_DEPTH {
        return Err(SchemaError::Malformed(
            "`$ref` chain too deep (a cycle?)".into(),
        ));
    }
    let Some(own) = prop.as_object() else {
        return Ok(Map::new());
    };
    let mut merged = Map::new();
    if let Some(reference) = own.get("$ref").and_then(Value::as_str) {
        let target = resolve_ref(root, reference)?;
        merged.extend(flatten(root, target, depth + 1)?);
    }
    if let Some(Value::Array(parts)) = own.get("allOf") {
        for part in parts {
            merged.extend(flatten(root, part, depth + 1)?);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(variants)) = own.get(key) {
            let chosen = variants
                .iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"));
            if let Some(v) = chosen {
                merged.extend(flatten(root, v, depth + 1)?);
            }
        }
    }
    for (k, v) in own {
        if !matches!(k.as_str(), "$ref" | "allOf" | "anyOf" | "oneOf") {
            merged.insert(k.clone(), v.clone());
        }
    }
    Ok(merged)
}

/// Follows a local JSON pointer (`#/components/schemas/X`).
fn resolve_ref<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, SchemaError> {
    let pointer = reference.strip_prefix('#').ok_or_else(|| {
        SchemaError::Malformed(format!(
            "only local `$ref`s are supported, not {reference:?}"
        ))
    })?;
    root.pointer(pointer)
        .ok_or_else(|| SchemaError::Malformed(format!("`$ref` {reference:?} points nowhere")))
}

fn field_kind(p: &Map<String, Value>) -> FieldKind {
    if let Some(Value::Array(choices)) = p.get("enum") {
        return FieldKind::Enum {
            choices: choices.iter().filter(|c| !c.is_null()).cloned().collect(),
        };
    }
    let ty = match p.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        Some("string") => FieldKind::String {
            format: p.get("format").and_then(Value::as_str).map(str::to_owned),
        },
        Some("integer") => FieldKind::Integer,
        Some("number") => FieldKind::Number,
        Some("boolean") => FieldKind::Boolean,
        Some("array")
            if p.get("items")
                .and_then(|i| i.get("format"))
                .and_then(Value::as_str)
                == Some("uri") =>
        {
            FieldKind::Files
        }
        _ => FieldKind::Other,
    }
}
