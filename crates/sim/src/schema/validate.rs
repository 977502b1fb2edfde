//! Checks a prediction's `input` against a model's `Input` schema.
//!
//! Errors are worded like Replicate's 422 "Input validation failed" answers,
//! which come from a Go JSON-schema validator (gojsonschema): each error has
//! a `type` (`required`, `invalid_type`, `enum`, `number_gte`, `number_lte`,
//! `number_all_of`), a `field` such as `input.num_outputs`, and a
//! `description` such as `Must be less than or equal to 4`. The problem's
//! `detail` lists them as `- input.num_outputs: Must be less than or equal to 4\n`.
//! Unknown input properties are accepted (Cog ignores them).

use serde_json::{Value, json};

/// One validation error, as in `invalid_fields`.
#[derive(Clone, Debug, PartialEq)]
pub struct InvalidField {
    /// Error kind (gojsonschema's type names).
    pub kind: &'static str,
    /// Dotted path, e.g. `input.num_outputs` (`input` for a missing property).
    pub field: String,
    /// Human text, e.g. `Must be less than or equal to 4`.
    pub description: String,
}

impl InvalidField {
    /// The `invalid_fields` entry.
    pub fn to_json(&self) -> Value {
        json!({"type": self.kind, "field": self.field, "description": self.description})
    }
}

/// Formats errors the way the `detail` of a 422 does.
pub fn detail(errors: &[InvalidField]) -> String {
    errors
        .iter()
        .map(|e| format!("- {}: {}\n", e.field, e.description))
        .collect()
}

/// Validates `input` against `schema` (a whole `openapi_schema`, so that
/// `$ref`s resolve). Returns every error found, in `x-order`.
pub fn validate(schema: &Value, input: &Value) -> Vec<InvalidField> {
    let input_schema = &schema["components"]["schemas"]["Input"];
    let Some(object) = input.as_object() else {
        return vec![InvalidField {
            kind: "invalid_type",
            field: "input".into(),
            description: format!(
                "Invalid type. Expected: object, given: {}",
                type_name(input)
            ),
        }];
    };
    let mut errors = Vec::new();
    if let Some(required) = input_schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                errors.push(InvalidField {
                    kind: "required",
                    field: "input".into(),
                    description: format!("{name} is required"),
                });
            }
        }
    }
    let Some(properties) = input_schema["properties"].as_object() else {
        return errors;
    };
    let mut ordered: Vec<_> = properties.iter().collect();
    ordered.sort_by_key(|(_, p)| p["x-order"].as_u64().unwrap_or(u64::MAX));
    for (name, property) in ordered {
        if let Some(value) = object.get(name) {
            check_property(schema, name, property, value, &mut errors);
        }
    }
    errors
}

fn check_property(
    root: &Value,
    name: &str,
    property: &Value,
    value: &Value,
    errors: &mut Vec<InvalidField>,
) {
    let field = format!("input.{name}");
    if let Some(all_of) = property["allOf"].as_array() {
        let before = errors.len();
        for part in all_of {
            let resolved = resolve(root, part);
            check_simple(name, &field, resolved, value, errors);
        }
        if errors.len() > before {
            errors.push(InvalidField {
                kind: "number_all_of",
                field,
                description: "Must validate all the schemas (allOf)".into(),
            });
        }
        return;
    }
    check_simple(name, &field, property, value, errors);
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/")) {
        Some(path) => path.split('/').fold(root, |node, key| &node[key]),
        None => schema,
    }
}

fn check_simple(
    name: &str,
    field: &str,
    schema: &Value,
    value: &Value,
    errors: &mut Vec<InvalidField>,
) {
    if let Some(expected) = schema["type"].as_str()
        && !type_matches(expected, value)
    {
        errors.push(InvalidField {
            kind: "invalid_type",
            field: field.to_string(),
            description: format!(
                "Invalid type. Expected: {expected}, given: {}",
                type_name(value)
            ),
        });
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        errors.push(InvalidField {
            kind: "enum",
            field: field.to_string(),
            description: format!("{name} must be one of the following: {}", list.join(", ")),
        });
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = schema["minimum"].as_f64()
            && number < min
        {
            errors.push(InvalidField {
                kind: "number_gte",
                field: field.to_string(),
                description: format!(
                    "Must be greater than or equal to {}",
                    show_number(&schema["minimum"])
                ),
            });
        }
        if let Some(max) = schema["maximum"].as_f64()
            && number > max
        {
            errors.push(InvalidField {
                kind: "number_lte",
                field: field.to_string(),
                description: format!(
                    "Must be less than or equal to {}",
                    show_number(&schema["maximum"])
                ),
            });
        }
    }
}

fn show_number(v: &Value) -> String {
    v.to_string()
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

/// JSON type name as gojsonschema reports it (`integer` for whole numbers).
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    fn schnell() -> Value {
        catalogue::models().remove(0).schema
    }

    #[test]
    fn a_valid_input_passes() {
        let input = json!({"prompt": "a cat", "aspect_ratio": "16:9", "num_outputs": 4, "go_fast": false, "extra": 1});
        assert!(validate(&schnell(), &input).is_empty());
    }

    #[test]
    fn too_many_outputs_names_the_field_and_the_bound() {
        let errors = validate(&schnell(), &json!({"prompt": "a", "num_outputs": 5}));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            detail(&errors),
            "- input.num_outputs: Must be less than or equal to 4\n"
        );
        assert_eq!(errors[0].kind, "number_lte");
    }

    #[test]
    fn missing_prompt_wrong_type_and_bad_enum_are_all_reported() {
        let errors = validate(
            &schnell(),
            &json!({"aspect_ratio": "7:5", "num_outputs": "2", "output_quality": -1}),
        );
        let kinds: Vec<_> = errors.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "required",
                "enum",
                "number_all_of",
                "invalid_type",
                "number_gte"
            ]
        );
        assert_eq!(errors[0].description, "prompt is required");
        assert!(
            errors[1]
                .description
                .starts_with("aspect_ratio must be one of the following: \"1:1\", \"16:9\"")
        );
        assert_eq!(
            errors[3].description,
            "Invalid type. Expected: integer, given: string"
        );
    }

    #[test]
    fn fractional_number_is_not_an_integer() {
        let errors = validate(&schnell(), &json!({"prompt": "a", "num_outputs": 1.5}));
        assert_eq!(
            errors[0].description,
            "Invalid type. Expected: integer, given: number"
        );
    }

    #[test]
    fn input_must_be_an_object() {
        let errors = validate(&schnell(), &json!("a cat"));
        assert_eq!(errors[0].field, "input");
    }
}
