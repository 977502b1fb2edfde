//! A model's input form: reading the schema, validating, typing CLI values.

use serde_json::{Value, json};

use super::fixtures::FLUX_LIKE_MODEL;
use crate::replicate::*;

fn model() -> Model {
    Model::from_json(&serde_json::from_str(FLUX_LIKE_MODEL).unwrap()).unwrap()
}

fn form() -> InputForm {
    model().input_form().unwrap()
}

fn names(form: &InputForm) -> Vec<&str> {
    form.fields.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn reads_the_model() {
    let m = model();
    assert_eq!(
        (m.owner.as_str(), m.name.as_str()),
        ("black-forest-labs", "flux-schnell")
    );
    assert!(m.description.unwrap().starts_with("The fastest"));
    assert_eq!(m.latest_version.unwrap().id.len(), 64);
}

#[test]
fn fields_follow_x_order_then_name() {
    assert_eq!(
        names(&form()),
        [
            "prompt",
            "seed",
            "num_outputs",
            "aspect_ratio",
            "output_format",
            "output_quality",
            "guidance",
            "image",
            "go_fast",
            "megapixels",
            "inline_enum",
            "lora_scale",
            "extra"
        ]
    );
    assert_eq!(form().field("extra").unwrap().order, i64::MAX);
}

#[test]
fn kinds_resolve_through_ref_allof_and_anyof() {
    let f = form();
    let kind = |n: &str| f.field(n).unwrap().kind.clone();
    assert_eq!(kind("prompt"), FieldKind::String { format: None });
    assert_eq!(
        kind("image"),
        FieldKind::String {
            format: Some("uri".into())
        }
    );
    assert_eq!(kind("seed"), FieldKind::Integer);
    assert_eq!(kind("guidance"), FieldKind::Number);
    assert_eq!(kind("go_fast"), FieldKind::Boolean);
    assert_eq!(
        kind("output_format"),
        FieldKind::Enum {
            choices: vec![json!("webp"), json!("jpg"), json!("png")]
        }
    );
    assert_eq!(
        kind("inline_enum"),
        FieldKind::Enum {
            choices: vec![json!("1K"), json!("2K"), json!("4K")]
        }
    );
    assert_eq!(kind("lora_scale"), FieldKind::Number);
    assert_eq!(kind("extra"), FieldKind::Other);
    match kind("aspect_ratio") {
        FieldKind::Enum { choices } => assert_eq!(choices.len(), 11),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_property_keeps_its_own_title_default_and_bounds() {
    let f = form();
    let ar = f.field("aspect_ratio").unwrap();
    assert_eq!(ar.default, Some(json!("1:1")));
    assert_eq!(
        ar.description.as_deref(),
        Some("Aspect ratio for the generated image")
    );
    assert_eq!(
        ar.title.as_deref(),
        Some("aspect_ratio"),
        "falls back to the component's title"
    );
    let n = f.field("num_outputs").unwrap();
    assert_eq!(
        (n.minimum, n.maximum, n.default.clone()),
        (Some(1.0), Some(4.0), Some(json!(1)))
    );
    assert!(f.field("prompt").unwrap().required);
    assert!(!n.required);
    let lora = f.field("lora_scale").unwrap();
    assert_eq!((lora.minimum, lora.maximum), (Some(-1.0), Some(2.0)));
}

#[test]
fn missing_versions_and_schemas_are_errors() {
    let mut m = model();
    m.latest_version = None;
    assert_eq!(m.input_form(), Err(SchemaError::NoVersion));
    let no_version =
        Model::from_json(&json!({"owner": "a", "name": "b", "latest_version": null})).unwrap();
    assert_eq!(no_version.input_form(), Err(SchemaError::NoVersion));
    assert_eq!(
        InputForm::from_openapi(&json!({"components": {}})),
        Err(SchemaError::NoInput)
    );
    let dangling = json!({"components": {"schemas": {"Input": {"properties": {"x": {"$ref": "#/components/schemas/Nope"}}}}}});
    assert!(matches!(
        InputForm::from_openapi(&dangling),
        Err(SchemaError::Malformed(_))
    ));
    let cycle = json!({"components": {"schemas": {"Input": {"properties": {"x": {"$ref": "#/components/schemas/A"}}}, "A": {"$ref": "#/components/schemas/A"}}}});
    assert!(matches!(
        InputForm::from_openapi(&cycle),
        Err(SchemaError::Malformed(_))
    ));
    let empty = json!({"components": {"schemas": {"Input": {"type": "object"}}}});
    assert_eq!(InputForm::from_openapi(&empty).unwrap().fields.len(), 0);
}

#[test]
fn a_good_input_passes() {
    let input = json!({"prompt": "a cat", "num_outputs": 4, "aspect_ratio": "16:9", "guidance": 2, "go_fast": false, "seed": null, "extra": {"a": 1}});
    assert_eq!(form().validate(&input), Ok(()));
}

#[test]
fn problems_read_like_replicates() {
    let input = json!({"num_outputs": 5, "aspect_ratio": "2:1", "guidance": "high", "go_fast": "yes", "seed": 1.5, "output_quality": -1, "style": "noir"});
    let problems: Vec<String> = form()
        .validate(&input)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "prompt: is required",
            "seed: must be an integer",
            "num_outputs: must be less than or equal to 4",
            r#"aspect_ratio: must be one of the following: "1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21""#,
            "output_quality: must be greater than or equal to 0",
            "guidance: must be a number",
            "go_fast: must be true or false",
            "style: is not an input of this model",
        ]
    );
    assert_eq!(
        form().validate(&json!("a cat")).unwrap_err()[0].field,
        "input"
    );
}

#[test]
fn cli_values_are_typed_from_the_field() {
    let f = form();
    assert_eq!(f.parse_value("prompt", " a cat "), Ok(json!(" a cat ")));
    assert_eq!(f.parse_value("num_outputs", "3"), Ok(json!(3)));
    assert_eq!(f.parse_value("guidance", "2.5"), Ok(json!(2.5)));
    assert_eq!(f.parse_value("guidance", "3"), Ok(json!(3)));
    assert_eq!(f.parse_value("go_fast", "no"), Ok(json!(false)));
    assert_eq!(f.parse_value("aspect_ratio", "16:9"), Ok(json!("16:9")));
    assert_eq!(f.parse_value("extra", r#"{"a":1}"#), Ok(json!({"a": 1})));
    assert_eq!(
        f.parse_value("extra", "plain"),
        Ok(Value::String("plain".into()))
    );
}

#[test]
fn cli_values_that_do_not_fit_say_why() {
    let f = form();
    let msg = |field: &str, text: &str| f.parse_value(field, text).unwrap_err().to_string();
    assert_eq!(
        msg("num_outputs", "many"),
        "num_outputs: must be an integer"
    );
    assert_eq!(
        msg("num_outputs", "9"),
        "num_outputs: must be less than or equal to 4"
    );
    assert_eq!(msg("go_fast", "maybe"), "go_fast: must be true or false");
    assert_eq!(
        msg("output_format", "gif"),
        r#"output_format: must be one of the following: "webp", "jpg", "png""#
    );
    assert_eq!(msg("style", "noir"), "style: is not an input of this model");
}

#[test]
fn numeric_enums_match_numerically() {
    let schema = json!({"components": {"schemas": {"Input": {"properties": {
        "steps": {"allOf": [{"$ref": "#/components/schemas/steps"}]}}},
        "steps": {"enum": [4, 8, 16], "type": "integer"}}}});
    let f = InputForm::from_openapi(&schema).unwrap();
    assert_eq!(f.parse_value("steps", "8"), Ok(json!(8)));
    assert!(f.validate(&json!({"steps": 8.0})).is_ok());
    assert!(f.validate(&json!({"steps": 5})).is_err());
}

#[test]
fn forms_serialize_for_the_ui() {
    let v = serde_json::to_value(form()).unwrap();
    assert_eq!(v["fields"][0]["name"], json!("prompt"));
    assert_eq!(
        v["fields"][0]["kind"],
        json!({"type": "string", "format": null})
    );
    let back: InputForm = serde_json::from_value(v).unwrap();
    assert_eq!(back, form());
}
