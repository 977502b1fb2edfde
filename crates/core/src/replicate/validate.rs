//! Checking an input against a model's form before sending it, and typing
//! the CLI's `--input key=value` text.
//!
//! Messages follow Replicate's 422 answers ("- input.num_outputs: Must be
//! less than or equal to 4"), as `num_outputs: must be less than or equal to 4`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use super::schema::{FieldKind, InputField, InputForm};

/// One thing wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct InputProblem {
    /// The input's name (`num_outputs`), or `input` for the whole object.
    pub field: String,
    /// What is wrong, lowercase (`must be less than or equal to 4`).
    pub message: String,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl InputProblem {
    /// `a: …; b: …`, in the order given.
    pub fn join(problems: &[InputProblem]) -> String {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        list.join("; ")
    }
}

fn problem(field: &str, message: impl Into<String>) -> InputProblem {
    InputProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl InputForm {
    /// Checks `input` (a JSON object): every key must be a field, every
    /// required field present and non-null, every value of the field's type,
    /// within its bounds and among its choices. Problems come in form order,
    /// then unknown keys.
    pub fn validate(&self, input: &Value) -> Result<(), Vec<InputProblem>> {
        let Some(map) = input.as_object() else {
            return Err(vec![problem("input", "must be a JSON object")]);
        };
        let mut problems = Vec::new();
        for field in &self.fields {
            match map.get(&field.name) {
                None | Some(Value::Null) if field.required => {
                    problems.push(problem(&field.name, "is required"));
                }
                None | Some(Value::Null) => {}
                Some(value) => {
                    if let Some(msg) = check_value(field, value) {
                        problems.push(problem(&field.name, msg));
                    }
                }
            }
        }
        for key in map.keys() {
            if self.field(key).is_none() {
                problems.push(problem(key, "is not an input of this model"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Types the text of `--input field=text` from the field's kind: a
    /// string as is; integers and numbers parsed; booleans from
    /// `true/false/yes/no/on/off/1/0`; enums matched against their choices;
    /// other kinds read as JSON (falling back to the string). The value is
    /// then checked like [`InputForm::validate`] does.
    pub fn parse_value(&self, field: &str, text: &str) -> Result<Value, InputProblem> {
        let f = self
            .field(field)
            .ok_or_else(|| problem(field, "is not an input of this model"))?;
        let t = text.trim();
        let value = match &f.kind {
            FieldKind::String { .. } => Value::String(text.to_owned()),
            FieldKind::Integer => t
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| problem(field, "must be an integer"))?,
            FieldKind::Number => {
                parse_number(t).ok_or_else(|| problem(field, "must be a number"))?
            }
            FieldKind::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Value::Bool(true),
                "false" | "no" | "off" | "0" => Value::Bool(false),
                _ => return Err(problem(field, "must be true or false")),
            },
            FieldKind::Enum { choices } => choices
                .iter()
                .find(|c| match c {
                    Value::String(s) => s == text || s == t,
                    Value::Number(_) => parse_number(t).is_some_and(|n| same_number(c, &n)),
                    Value::Bool(b) => t.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                    _ => false,
                })
                .cloned()
                .ok_or_else(|| problem(field, one_of(choices)))?,
            // `a.png,@b.png` or a JSON list: the files in order.
            FieldKind::Files => match serde_json::from_str::<Value>(t) {
                Ok(list @ Value::Array(_)) => list,
                _ => Value::Array(
                    t.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                ),
            },
            FieldKind::Other => {
                serde_json::from_str(t).unwrap_or_else(|_| Value::String(text.to_owned()))
            }
        };
        match check_value(f, &value) {
            Some(msg) => Err(problem(field, msg)),
            None => Ok(value),
        }
    }
}

fn parse_number(t: &str) -> Option<Value> {
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    let f: f64 = t.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn is_integral(v: &Value) -> bool {
    v.is_i64()
        || v.is_u64()
        || v.as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.is_finite())
}

/// What is wrong with a non-null value for `field`, if anything.
fn check_value(field: &InputField, value: &Value) -> Option<String> {
    let type_ok = match &field.kind {
        FieldKind::String { .. } => value.is_string(),
        FieldKind::Integer => is_integral(value),
        FieldKind::Number => value.is_number(),
        FieldKind::Boolean => value.is_boolean(),
        FieldKind::Enum { choices } => {
            let found = choices
                .iter()
                .any(|c| c == value || (c.is_number() && same_number(c, value)));
            if !found {
                return Some(one_of(choices));
            }
            true
        }
        FieldKind::Files => value
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string)),
        FieldKind::Other => true,
    };
    if !type_ok {
        return Some(
            match &field.kind {
                FieldKind::String { .. } => "must be a string",
                FieldKind::Integer => "must be an integer",
                FieldKind::Number => "must be a number",
                FieldKind::Files => "must be a list of files",
                _ => "must be true or false",
            }
            .to_owned(),
        );
    }
    let n = value.as_f64()?;
    if let Some(min) = field.minimum.filter(|m| n < *m) {
        return Some(format!("must be greater than or equal to {}", show(min)));
    }
    if let Some(max) = field.maximum.filter(|m| n > *m) {
        return Some(format!("must be less than or equal to {}", show(max)));
    }
    None
}

fn one_of(choices: &[Value]) -> String {
    let list: Vec<String> = choices.iter().map(Value::to_string).collect();
    format!("must be one of the following: {}", list.join(", "))
}

/// `4.0` → `4`, `0.5` → `0.5`.
fn show(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
