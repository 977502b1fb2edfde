//! What a prediction's `output` holds besides files: text, JSON, and the
//! names that objects give their files.
//!
//! Shapes seen on Replicate (its "Output" docs, the official clients'
//! `run()` and the models' OpenAPI `Output` schemas):
//! - a string: a file URL (image, video and audio models) or text (a
//!   caption, a transcript);
//! - a list of strings: file URLs, or the tokens of a language model, which
//!   the clients join with `""` (replicate-javascript's README: `output.join("")`;
//!   replicate-python's `run` of a model whose `Output` schema is
//!   `x-cog-array-type: iterator` + `x-cog-array-display: concatenate`);
//! - an object: named files (`{"video": url, "audio": url}`) and/or values
//!   (`{"text": "...", "segments": [...]}`), at any depth;
//! - numbers, booleans, null.

use serde_json::Value;

use super::output::{OutputRef, file_ref, is_file_string};

/// The part of an output that is not a file, as it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputText {
    /// A string, or a list of strings joined with `""` (a language model's
    /// tokens): saved as `text.txt`.
    Plain(String),
    /// Anything else that holds a value besides files (objects with text,
    /// numbers, mixed lists): the whole output, pretty-printed, saved as
    /// `output.json` (file URLs stay in it as they were).
    Json(String),
}

impl OutputText {
    /// The file name it is saved under.
    pub fn file_name(&self) -> &'static str {
        match self {
            Self::Plain(_) => "text.txt",
            Self::Json(_) => "output.json",
        }
    }

    /// The text to write.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Plain(s) | Self::Json(s) => s,
        }
    }
}

/// The text in `output`, if it holds anything besides files (see
/// [`OutputText`]): `None` for null, a file, lists and objects of files only.
pub fn output_text(output: &Value) -> Option<OutputText> {
    match output {
        Value::Null => None,
        Value::String(s) if is_file_string(s) => None,
        Value::String(s) => Some(OutputText::Plain(s.clone())),
        Value::Array(items) if !items.is_empty() && items.iter().all(is_text_string) => Some(
            OutputText::Plain(items.iter().filter_map(Value::as_str).collect::<String>()),
        ),
        other if has_value(other) => Some(OutputText::Json(
            serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
        )),
        _ => None,
    }
}

fn is_text_string(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !is_file_string(s))
}

/// Whether `v` holds a leaf that is not a file and not null.
fn has_value(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !is_file_string(s),
        Value::Array(items) => items.iter().any(has_value),
        Value::Object(map) => map.values().any(has_value),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// The keys of [`named_outputs`], in order.
pub fn output_keys(output: &Value) -> Vec<Option<String>> {
    named_outputs(output).into_iter().map(|(k, _)| k).collect()
}

fn walk_named(value: &Value, key: Option<&str>, found: &mut Vec<(Option<String>, OutputRef)>) {
    match value {
        Value::String(s) => {
            if let Some(file) = file_ref(s) {
                found.push((key.map(str::to_owned), file));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk_named(v, key, found)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| walk_named(v, Some(k.as_str()), found)),
        _ => {}
    }
}

/// A key made safe for a file name: ASCII letters, digits, `-` and `_`
/// (others become `_`), at most 40 characters; `None` when nothing is left.
pub fn file_stem_of_key(key: &str) -> Option<String> {
    let stem: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let stem = stem.trim_matches('_').to_owned();
    (!stem.is_empty()).then_some(stem)
}

/// The files of `output` (the same, in the same order, as
/// [`collect_outputs`](super::output::collect_outputs)), each with the name
/// of the object key it sits under, nearest first (`{"video": url}` →
/// `video`; a list under a key gives its items that key), or `None` at the
/// top level and in top-level lists.
pub fn named_outputs(output: &Value) -> Vec<(Option<String>, OutputRef)> {
    let mut found = Vec::new();
    walk_named(output, None, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_language_models_tokens_are_joined_into_one_text() {
        let out = json!(["Once", " upon", " a", " time", "\n"]);
        assert_eq!(
            output_text(&out),
            Some(OutputText::Plain("Once upon a time\n".into()))
        );
        assert_eq!(output_text(&out).unwrap().file_name(), "text.txt");
    }

    #[test]
    fn a_plain_string_is_text_and_a_url_string_is_a_file() {
        assert_eq!(
            output_text(&json!("a cat on a mat")),
            Some(OutputText::Plain("a cat on a mat".into()))
        );
        assert_eq!(
            output_text(&json!("https://replicate.delivery/x/out.mp4")),
            None
        );
        assert_eq!(
            output_text(&json!(["https://replicate.delivery/x/0.png"])),
            None
        );
        assert_eq!(output_text(&Value::Null), None);
    }

    #[test]
    fn objects_of_files_only_have_no_text_but_objects_with_values_are_json() {
        let files = json!({"video": "https://replicate.delivery/v.mp4", "audio": ["https://replicate.delivery/a.wav"]});
        assert_eq!(output_text(&files), None);
        let mixed =
            json!({"video": "https://replicate.delivery/v.mp4", "caption": "a ball", "fps": 10});
        match output_text(&mixed) {
            Some(OutputText::Json(text)) => {
                let back: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(back, mixed);
            }
            other => panic!("expected JSON, got {other:?}"),
        }
        assert_eq!(
            output_text(&json!(0.93)),
            Some(OutputText::Json("0.93".into()))
        );
    }

    #[test]
    fn files_get_the_key_they_sit_under() {
        let out = json!({
            "audio": "https://replicate.delivery/x/a.wav",
            "frames": ["https://replicate.delivery/x/0.png", "https://replicate.delivery/x/1.png"],
            "meta": {"mask": "data:image/png;base64,iVBORw0KGgo="},
            "caption": "hello"
        });
        let named = named_outputs(&out);
        let keys: Vec<_> = named.iter().map(|(k, _)| k.as_deref()).collect();
        assert_eq!(
            keys,
            [Some("audio"), Some("frames"), Some("frames"), Some("mask")]
        );
        assert_eq!(
            output_keys(&json!(["https://a.b/0.png", "https://a.b/1.png"])),
            [None, None]
        );
    }

    #[test]
    fn keys_become_safe_file_stems() {
        assert_eq!(file_stem_of_key("video"), Some("video".into()));
        assert_eq!(file_stem_of_key("../etc/passwd"), Some("etc_passwd".into()));
        assert_eq!(file_stem_of_key("///"), None);
        assert_eq!(file_stem_of_key(&"x".repeat(90)).unwrap().len(), 40);
    }
}
