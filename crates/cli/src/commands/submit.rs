//! `genq submit`: check, then queue; optionally wait for the end.
//!
//! Everything is checked before anything is queued, cheapest first: the
//! model reference, the prompts (an empty one, an unreadable or empty
//! prompts file), the `--input` syntax; then the model's schema is read from
//! Replicate (`GET /models/{owner}/{name}` with a pool token), each
//! `--input` is typed from it and the whole input validated. A refusal is
//! one line on stderr and exit 3 (4 for a token problem); nothing is queued.

use std::io::Read;
use std::path::Path;

use genqueue_core::engine::engine_running;
use genqueue_core::queue::{Queue, QueueError};
use genqueue_core::replicate::{ApiErrorKind, InputForm, SchemaError};
use genqueue_core::{ModelRef, NewGeneration};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::args::SubmitArgs;
use crate::commands::wait;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// What to queue, checked: the model, the prompts, the typed inputs.
#[derive(Debug, Clone)]
pub struct Request {
    /// The model (`owner/name[:version]`).
    pub model: ModelRef,
    /// One generation (times `count`) per prompt.
    pub prompts: Vec<String>,
    /// `--input` pairs as given (typed once the schema is known).
    pub inputs: Vec<(String, String)>,
    /// Generations of each prompt.
    pub count: u32,
    /// Higher runs first.
    pub priority: i64,
}

/// Runs `genq submit`.
pub async fn run(ctx: &Context, args: SubmitArgs) -> CliResult {
    let request = Request {
        model: args
            .model
            .parse()
            .map_err(|e: genqueue_core::InvalidModelRef| CliError::invalid(e.to_string()))?,
        prompts: read_prompts(args.prompt.as_deref(), args.prompts_file.as_deref())?,
        inputs: split_inputs(&args.inputs)?,
        count: args.count,
        priority: args.priority,
    };
    let queue = ctx.open()?;
    let news = prepare(&queue, &request).await?;
    let rows = queue.submit_batch(news)?;
    let ids: Vec<Uuid> = rows.iter().map(|g| g.id).collect();
    if args.wait {
        return wait::wait_for(&queue, &ids, args.json).await;
    }
    if args.json {
        print_json(&rows)?;
    } else {
        for id in &ids {
            println_out(&id.to_string())?;
        }
        let who = if engine_running(queue.data_dir()) {
            "the running engine picks them up"
        } else {
            "no engine runs on this folder: start `genq run` or the desktop app"
        };
        eprintln!(
            "genq: queued {} generation{} of {}; {who}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            request.model
        );
    }
    Ok(Exit::Ok)
}

/// The prompts: `--prompt` (not blank), or the lines of `--prompts-file`
/// (`-` = stdin; blank lines skipped; at least one).
pub fn read_prompts(prompt: Option<&str>, file: Option<&Path>) -> CliResult<Vec<String>> {
    if let Some(p) = prompt {
        if p.trim().is_empty() {
            return Err(CliError::invalid(
                "the prompt is empty; say what the image should show",
            ));
        }
        return Ok(vec![p.to_owned()]);
    }
    let Some(path) = file else {
        return Err(CliError::invalid("give --prompt or --prompts-file"));
    };
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::invalid(format!("cannot read prompts from stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            CliError::invalid(format!(
                "cannot read the prompts file {}: {e}",
                path.display()
            ))
        })?
    };
    let prompts: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if prompts.is_empty() {
        return Err(CliError::invalid(format!(
            "the prompts file {} has no prompt (one prompt a line)",
            path.display()
        )));
    }
    Ok(prompts)
}

/// Splits `key=value` pairs; `prompt` is refused (use `--prompt`).
pub fn split_inputs(raw: &[String]) -> CliResult<Vec<(String, String)>> {
    raw.iter()
        .map(|pair| {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| CliError::invalid(format!("--input {pair:?} is not key=value")))?;
            let k = k.trim();
            if k.is_empty() {
                return Err(CliError::invalid(format!("--input {pair:?} has no key")));
            }
            if k == "prompt" {
                return Err(CliError::invalid(
                    "give the prompt with --prompt or --prompts-file, not --input prompt=…",
                ));
            }
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// Reads the model's schema, types and validates the input of every
/// generation, and returns them ready to queue (one batch when more than one).
pub async fn prepare(queue: &Queue, r: &Request) -> CliResult<Vec<NewGeneration>> {
    if !queue.tokens()?.iter().any(|t| t.active) {
        return Err(CliError::token(
            "no active token: add one with `genq tokens add` (reading the model's schema needs one)",
        ));
    }
    let model = queue.model(&r.model).await.map_err(|e| match e {
        QueueError::Api(a) if a.kind == ApiErrorKind::NotFound => CliError::invalid(format!(
            "unknown model {}: Replicate has no such model (404)",
            r.model.name_path()
        )),
        other => other.into(),
    })?;
    let form = match model.input_form() {
        Ok(form) => Some(form),
        Err(SchemaError::NoVersion) if r.model.version.is_none() => {
            return Err(CliError::invalid(format!(
                "model {} has no published version, so it cannot run",
                r.model
            )));
        }
        Err(e) => {
            eprintln!("genq: warning: input not checked before queueing: {e}");
            None
        }
    };
    // The core reads only the latest version's schema (no version endpoint):
    // for an older version, check against it only if it is that version.
    let form = match (&r.model.version, &model.latest_version) {
        (Some(v), Some(latest)) if &latest.id != v => {
            eprintln!(
                "genq: warning: version {v} is not the model's latest; input not checked before queueing"
            );
            None
        }
        _ => form,
    };
    let mut base = Map::new();
    for (k, v) in &r.inputs {
        let value = match &form {
            Some(f) => f
                .parse_value(k, v)
                .map_err(|p| CliError::invalid(format!("invalid --input {p}")))?,
            None => serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone())),
        };
        base.insert(k.clone(), value);
    }
    let total = r.prompts.len() * r.count as usize;
    let batch_id = (total > 1).then(Uuid::new_v4);
    let mut news = Vec::with_capacity(total);
    for prompt in &r.prompts {
        let input = with_prompt(prompt, &base);
        if let Some(f) = &form {
            check(f, &input)?;
        }
        for _ in 0..r.count {
            news.push(NewGeneration {
                model: r.model.clone(),
                prompt: prompt.clone(),
                input: input.clone(),
                priority: r.priority,
                batch_id,
                retried_from: None,
            });
        }
    }
    Ok(news)
}

/// `{"prompt": prompt, ...inputs}`.
fn with_prompt(prompt: &str, inputs: &Map<String, Value>) -> Value {
    let mut input = Map::new();
    input.insert("prompt".into(), Value::String(prompt.to_owned()));
    input.extend(inputs.iter().map(|(k, v)| (k.clone(), v.clone())));
    Value::Object(input)
}

/// The whole input against the form: every problem on one line.
fn check(form: &InputForm, input: &Value) -> CliResult<()> {
    form.validate(input).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        CliError::invalid(format!(
            "the input breaks the model's schema: {}",
            list.join("; ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_prompts_and_missing_files_are_refused() {
        assert_eq!(
            read_prompts(Some("  \n"), None).unwrap_err().exit,
            Exit::InvalidInput
        );
        let e = read_prompts(None, Some(Path::new("/nonexistent/prompts.txt"))).unwrap_err();
        assert_eq!(e.exit, Exit::InvalidInput);
        assert!(e.message.contains("/nonexistent/prompts.txt"), "{e}");
    }

    #[test]
    fn prompts_files_skip_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.txt");
        std::fs::write(&path, "a cat\n\n  \r\na dog\r\n").unwrap();
        assert_eq!(
            read_prompts(None, Some(&path)).unwrap(),
            vec!["a cat", "a dog"]
        );
        std::fs::write(&path, "\n \n").unwrap();
        assert!(read_prompts(None, Some(&path)).is_err());
    }

    #[test]
    fn inputs_must_be_key_value_and_not_the_prompt() {
        assert_eq!(
            split_inputs(&["a=1".into(), "b==x".into()]).unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "=x".into())]
        );
        assert!(split_inputs(&["novalue".into()]).is_err());
        assert!(split_inputs(&["prompt=x".into()]).is_err());
    }
}
