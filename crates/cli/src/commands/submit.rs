//! `genq submit`: check, then queue; optionally wait for the end.
//!
//! The command line is translated into a core [`SubmitRequest`] and queued
//! with [`Queue::submit_request`], which owns the rules (see
//! `genqueue_core::submit`): prompts, limits, the model's schema read from
//! Replicate with a pool token, each `--input` typed from it and the whole
//! input validated, the batch id. Here: reading the prompts file, the
//! `key=value` syntax, and the refusals in the CLI's words. A refusal is
//! one line on stderr and exit 3 (4 for a token problem); nothing is queued.

use std::io::Read;
use std::path::Path;

use genqueue_core::Generation;
use genqueue_core::engine::engine_running;
use genqueue_core::queue::{Queue, QueueError};
use genqueue_core::replicate::{ApiErrorKind, SchemaError};
use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};

use crate::args::SubmitArgs;
use crate::commands::wait;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// Runs `genq submit`.
pub async fn run(ctx: &Context, args: SubmitArgs) -> CliResult {
    let request = SubmitRequest {
        model: args
            .model
            .parse()
            .map_err(|e: genqueue_core::InvalidModelRef| CliError::invalid(e.to_string()))?,
        prompts: read_prompts(args.prompt.as_deref(), args.prompts_file.as_deref())?,
        input: SubmitInput::Text(split_inputs(&args.inputs)?),
        count: args.count,
        priority: args.priority,
        deadlines: genqueue_core::model::Deadlines {
            start_deadline_secs: args.start_deadline,
            run_deadline_secs: args.run_deadline,
        },
    };
    let queue = ctx.open()?;
    let rows = submit(&queue, &request, args.prompts_file.as_deref()).await?;
    let ids: Vec<genqueue_core::model::GenerationId> = rows.iter().map(|g| g.id).collect();
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
        } else if queue.store().shared_by_engines() {
            "in the team's database: any member's engine (`genq run`, the desktop app) runs them"
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

/// The prompts: `--prompt` as given, or the text of `--prompts-file` (`-` =
/// stdin; one prompt a line). Blank ones are refused by the core.
pub fn read_prompts(prompt: Option<&str>, file: Option<&Path>) -> CliResult<Prompts> {
    if let Some(p) = prompt {
        return Ok(Prompts::One(p.to_owned()));
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
    Ok(Prompts::Lines(vec![text]))
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

/// Queues `r` (read from `prompts_file` when given) and returns the rows;
/// a refusal in the CLI's words. Warns on stderr when the model's schema
/// gives no usable form, so the input is queued unchecked.
pub async fn submit(
    queue: &Queue,
    r: &SubmitRequest,
    prompts_file: Option<&Path>,
) -> CliResult<Vec<Generation>> {
    let submitted = queue
        .submit_request(r)
        .await
        .map_err(|e| refusal(e, r, prompts_file))?;
    if let Some(why) = &submitted.unchecked {
        eprintln!("genq: warning: input not checked before queueing: {why}");
    }
    Ok(submitted.generations)
}

/// A refused submit as the CLI says it; other errors by their exit code.
fn refusal(e: QueueError, r: &SubmitRequest, prompts_file: Option<&Path>) -> CliError {
    match e {
        QueueError::EmptyPrompt => match prompts_file {
            Some(path) => CliError::invalid(format!(
                "the prompts file {} has no prompt (one prompt a line)",
                path.display()
            )),
            None => CliError::invalid("the prompt is empty; say what the image should show"),
        },
        QueueError::NoToken => CliError::token(
            "no active token: add one with `genq tokens add` (reading the model's schema needs one)",
        ),
        QueueError::Api(a) if a.kind == ApiErrorKind::NotFound => CliError::invalid(format!(
            "unknown model {}: Replicate has no such model (404)",
            r.model.name_path()
        )),
        QueueError::Schema(SchemaError::NoVersion) => CliError::invalid(format!(
            "model {} has no published version, so it cannot run",
            r.model
        )),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_prompts_files_are_refused() {
        let e = read_prompts(None, Some(Path::new("/nonexistent/prompts.txt"))).unwrap_err();
        assert_eq!(e.exit, Exit::InvalidInput);
        assert!(e.message.contains("/nonexistent/prompts.txt"), "{e}");
    }

    #[test]
    fn a_prompts_file_is_one_prompt_a_line_and_the_prompt_stays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.txt");
        std::fs::write(&path, "a cat\n\n  \r\na dog\r\n").unwrap();
        let prompts = read_prompts(None, Some(&path)).unwrap();
        assert_eq!(prompts.split().unwrap(), vec!["a cat", "a dog"]);
        let one = read_prompts(Some("a cat\nin snow"), None).unwrap();
        assert_eq!(one.split().unwrap(), vec!["a cat\nin snow"]);
    }

    #[test]
    fn an_empty_prompt_is_refused_in_words_naming_its_source() {
        let r = SubmitRequest {
            model: "a/b".parse().unwrap(),
            prompts: Prompts::One(" ".into()),
            input: SubmitInput::default(),
            count: 1,
            priority: 0,
            deadlines: Default::default(),
        };
        let e = refusal(QueueError::EmptyPrompt, &r, None);
        assert_eq!(e.exit, Exit::InvalidInput);
        assert!(e.message.contains("prompt is empty"), "{e}");
        let e = refusal(QueueError::EmptyPrompt, &r, Some(Path::new("p.txt")));
        assert!(e.message.contains("p.txt has no prompt"), "{e}");
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
