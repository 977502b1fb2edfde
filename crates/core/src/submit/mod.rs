//! Queueing generations: the one way in for every shell.
//!
//! A shell translates what it received (the window's create form, `genq
//! submit`'s arguments) into a [`SubmitRequest`] and calls
//! [`Queue::submit_request`], which owns every rule of a submit, checked
//! cheapest first, nothing queued on a refusal:
//!
//! 1. the prompts: split into lines when asked, trimmed, none empty;
//! 2. the limits: [`MAX_COUNT`] of each prompt, [`MAX_BATCH`] in all;
//! 3. the model's input form, from the [`forms`] cache or Replicate;
//! 4. the input: typed from the form (for `key=value` text), optional inputs
//!    left unset (`null`) dropped, file inputs kept in the data folder
//!    ([`files`]), the prompt put in, every generation's input validated
//!    against the form;
//! 5. the batch: one batch id (UUID v7) shared by the generations when more
//!    than one is queued, none for a single one.
//!
//! [`Queue::submit`] and [`Queue::submit_batch`] queue generations already
//! built (a retry, tests).

pub mod files;
pub mod forms;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::deadlines::{DeadlineKind, check};
use crate::events::Event;
use crate::model::{BatchId, Deadlines, Generation, ModelRef, NewGeneration};
use crate::queue::{BATCH_EVENTS, Queue, QueueError};
use crate::replicate::{InputForm, SchemaError};

pub use forms::ModelForm;

/// Most generations of each prompt one submit may queue (the window's
/// "number of images", `genq submit -n`).
pub const MAX_COUNT: u32 = 50;
/// Most generations one submit may queue in all (prompts × count).
pub const MAX_BATCH: usize = 1000;

/// What a shell asks to queue, as received: nothing checked yet.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitRequest {
    /// `owner/name`, or `owner/name:version` to pin a version.
    pub model: ModelRef,
    pub prompts: Prompts,
    /// The model's other inputs (a `prompt` key in them is replaced).
    pub input: SubmitInput,
    /// Generations of each prompt, 1 to [`MAX_COUNT`].
    pub count: u32,
    /// Higher runs first; ties run oldest first. Default 0.
    pub priority: i64,
    /// Each generation's deadlines (`Default`: the settings' time to start,
    /// no run deadline); checked against [`crate::deadlines`]'s ranges.
    pub deadlines: Deadlines,
}

/// The prompts of a submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompts {
    /// One prompt, kept whole even when it spans lines (the window's prompt
    /// box, `--prompt`); trimmed.
    One(String),
    /// Texts of one prompt a line (the window's several-prompts box,
    /// `--prompts-file`): split at line ends (`\n`, `\r\n`), each line
    /// trimmed, blank lines dropped.
    Lines(Vec<String>),
}

/// The model's other inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitInput {
    /// Values already typed (the window's settings form).
    Values(Map<String, Value>),
    /// `key=value` texts, typed from the model's form by
    /// [`InputForm::parse_value`] (`genq submit -i`). Without a usable form,
    /// read as JSON, else kept as a string.
    Text(Vec<(String, String)>),
}

impl Default for SubmitInput {
    fn default() -> Self {
        SubmitInput::Values(Map::new())
    }
}

/// What a submit queued.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The new rows, prompt by prompt, `count` of each.
    pub generations: Vec<Generation>,
    /// Why the input was queued unchecked: the model's schema gives no
    /// usable form (no `Input`, malformed). `None` when it was checked.
    pub unchecked: Option<SchemaError>,
}

impl Prompts {
    /// The prompts to queue, trimmed. Error: `EmptyPrompt` when none is left.
    pub fn split(&self) -> Result<Vec<String>, QueueError> {
        let prompts: Vec<String> = match self {
            Prompts::One(p) => vec![p.trim().to_owned()],
            Prompts::Lines(texts) => texts
                .iter()
                .flat_map(|t| t.lines())
                .map(|l| l.trim().to_owned())
                .collect(),
        };
        let prompts: Vec<String> = prompts.into_iter().filter(|p| !p.is_empty()).collect();
        if prompts.is_empty() {
            return Err(QueueError::EmptyPrompt);
        }
        Ok(prompts)
    }
}

/// How many generations `prompts` prompts of `count` each make, within
/// [`MAX_COUNT`] and [`MAX_BATCH`]. Errors: `InvalidCount`, `TooMany`.
pub fn check_limits(prompts: usize, count: u32) -> Result<usize, QueueError> {
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(QueueError::InvalidCount {
            count,
            max: MAX_COUNT,
        });
    }
    let total = prompts.saturating_mul(count as usize);
    if total > MAX_BATCH {
        return Err(QueueError::TooMany {
            total,
            limit: MAX_BATCH,
        });
    }
    Ok(total)
}

/// Checks each deadline that is set against its range
/// ([`crate::deadlines`]). Error: `InvalidDeadline`.
pub fn check_deadlines(d: &Deadlines) -> Result<(), QueueError> {
    let secs = |s: u32| std::time::Duration::from_secs(s.into());
    if let Some(s) = d.start_deadline_secs {
        check(DeadlineKind::Start, secs(s))?;
    }
    if let Some(s) = d.run_deadline_secs {
        check(DeadlineKind::Run, secs(s))?;
    }
    Ok(())
}

/// The batch id of `total` generations queued together: a new UUID v7 when
/// more than one, else none.
pub fn batch_id_for(total: usize) -> Option<BatchId> {
    (total > 1).then(BatchId::new)
}

/// The input without the prompt, typed from `form` when there is one.
/// Error: `InvalidInput` with every value that does not parse.
fn typed_input(
    input: &SubmitInput,
    form: Option<&InputForm>,
) -> Result<Map<String, Value>, QueueError> {
    match input {
        SubmitInput::Values(map) => Ok(map.clone()),
        SubmitInput::Text(pairs) => {
            let mut map = Map::new();
            let mut problems = Vec::new();
            for (k, text) in pairs {
                let value = match form {
                    Some(f) => match f.parse_value(k, text) {
                        Ok(v) => v,
                        Err(p) => {
                            problems.push(p);
                            continue;
                        }
                    },
                    None => {
                        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
                    }
                };
                map.insert(k.clone(), value);
            }
            if problems.is_empty() {
                Ok(map)
            } else {
                Err(QueueError::InvalidInput(problems))
            }
        }
    }
}

/// `input` with `prompt` put in.
fn with_prompt(input: &Map<String, Value>, prompt: &str) -> Value {
    let mut input = input.clone();
    input.insert("prompt".into(), Value::String(prompt.to_owned()));
    Value::Object(input)
}

impl Queue {
    /// Checks a submit and queues its generations in one transaction (see
    /// the module doc for the rules and their order).
    ///
    /// Errors, nothing queued: `empty_prompt`; `invalid_count` (a count
    /// outside 1..=[`MAX_COUNT`], more than [`MAX_BATCH`] in all); those of
    /// [`Queue::model_form`] except a schema without a usable form, which
    /// queues unchecked (see [`Submitted::unchecked`]) unless the model has
    /// no published version (`schema`: it cannot run); `invalid_input` with
    /// every problem of the input.
    pub async fn submit_request(&self, r: &SubmitRequest) -> Result<Submitted, QueueError> {
        let prompts = r.prompts.split()?;
        let total = check_limits(prompts.len(), r.count)?;
        check_deadlines(&r.deadlines)?;
        let (form, unchecked) = match self.model_form(&r.model).await {
            Ok(f) => (Some(f.form), None),
            Err(QueueError::Schema(SchemaError::NoVersion)) => {
                return Err(QueueError::Schema(SchemaError::NoVersion));
            }
            Err(QueueError::Schema(e)) => (None, Some(e)),
            // On a team's database a member may submit without holding any
            // of the pool's tokens: an engine that holds one sends it, and
            // Replicate's 422 then names a field it refuses.
            Err(QueueError::NoToken) if self.pool_held_elsewhere()? => {
                (None, Some(SchemaError::NoTokenHere))
            }
            Err(e) => return Err(e),
        };
        let mut base = typed_input(&r.input, form.as_ref())?;
        if let Some(f) = &form {
            files::drop_unset(f, &mut base);
            files::keep_input_files(self.data_dir(), f, &mut base)
                .map_err(QueueError::InvalidInput)?;
        }
        let batch_id = batch_id_for(total);
        let mut news = Vec::with_capacity(total);
        for prompt in prompts {
            let input = with_prompt(&base, &prompt);
            if let Some(f) = &form {
                f.validate(&input).map_err(QueueError::InvalidInput)?;
            }
            for _ in 0..r.count {
                news.push(NewGeneration {
                    creator: Default::default(),
                    model: r.model.clone(),
                    prompt: prompt.clone(),
                    input: input.clone(),
                    priority: r.priority,
                    batch_id,
                    retried_from: None,
                    deadlines: r.deadlines,
                });
            }
        }
        Ok(Submitted {
            generations: self.submit_batch(news)?,
            unchecked,
        })
    }

    /// Queues one generation and announces it. Errors: empty prompt, store.
    pub fn submit(&self, new: NewGeneration) -> Result<Generation, QueueError> {
        Ok(self.submit_batch(vec![new])?.remove(0))
    }

    /// Queues generations already built in one transaction and announces
    /// them. Errors: `empty_prompt` when a prompt is blank; store.
    /// Each is recorded as created by the queue's [`Queue::creator`] unless
    /// it names its own.
    pub fn submit_batch(
        &self,
        mut news: Vec<NewGeneration>,
    ) -> Result<Vec<Generation>, QueueError> {
        if news.iter().any(|n| n.prompt.trim().is_empty()) {
            return Err(QueueError::EmptyPrompt);
        }
        for n in &mut news {
            if n.creator == crate::model::Creator::default() {
                n.creator = self.creator().clone();
            }
        }
        let rows = self.store().insert_generations(&news, self.now())?;
        self.record_estimates(&rows)?;
        // A big batch would overrun the event channel: the newest ones are
        // what a window shows; the counters carry the rest.
        let skip = rows.len().saturating_sub(BATCH_EVENTS);
        for g in &rows[skip..] {
            self.events()
                .send(Event::GenerationChanged(Box::new(g.summary())));
        }
        self.announce_counters()?;
        Ok(rows)
    }
}
