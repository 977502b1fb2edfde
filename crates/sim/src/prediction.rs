//! A prediction's life, computed from its timestamps: status, logs and the
//! JSON body the API returns.
//!
//! Nothing runs in the background: a prediction stores when it was created,
//! how long it boots and runs (already scaled to real time), and any cancel
//! or deadline; its state at an instant is a pure function of that instant.

use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::images::{Format, ImageSpec};

/// The platform error of an interrupted prediction (seen on Replicate:
/// fails without a start time, metrics or logs).
pub const INTERRUPTED: &str = "Prediction interrupted; please retry (code: PA)";

/// How a prediction ends if nothing cancels it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ending {
    /// Succeeds at start + run.
    Succeed,
    /// Fails with this model error after this fraction of the run.
    Fail { after: f64, message: String },
    /// Fails with [`INTERRUPTED`] when it would have started.
    Interrupted,
}

/// How the output JSON holds the files (Cog's `Output` schema of the model).
#[derive(Clone, Debug, PartialEq)]
pub enum OutputShape {
    /// A list of file URLs (image models: `List[Path]`).
    List,
    /// One file URL as a string (`Path`).
    Single,
    /// An object with one key a file, in file order.
    Named(Vec<&'static str>),
    /// A list of text tokens and no file (`ConcatenateIterator[str]`); while
    /// processing, the tokens so far, as Replicate shows a streaming model's
    /// output growing.
    Text(Vec<String>),
}

impl OutputShape {
    /// The `output` value for these file URLs.
    pub fn wrap(&self, urls: Vec<String>) -> Value {
        match self {
            Self::List => json!(urls),
            Self::Single => urls.into_iter().next().map_or(Value::Null, Value::String),
            Self::Named(keys) => Value::Object(
                keys.iter()
                    .map(|k| k.to_string())
                    .zip(urls.into_iter().map(Value::String))
                    .collect(),
            ),
            Self::Text(tokens) => json!(tokens),
        }
    }
}

/// One output file to be (lazily) drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputFile {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub quality: u8,
}

/// A stored prediction.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub id: String,
    pub seq: u64,
    pub owner: String,
    /// The public name of the token that created it ([`crate::stats::fingerprint`]).
    pub token: String,
    pub model: String,
    pub version: String,
    pub input: Value,
    pub input_key: String,
    pub prompt: String,
    pub seed: u64,
    pub steps: u32,
    pub outputs: Vec<OutputFile>,
    /// How `output` holds them.
    pub shape: OutputShape,
    pub created_at: DateTime<Utc>,
    /// Time in `starting`; None = stuck for ever.
    pub boot: Option<Span>,
    /// Time in `processing` for a full run.
    pub run: Span,
    pub ending: Ending,
    pub deadline: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    /// Decoded input images of an edit model (outputs are computed from them).
    pub sources: Vec<std::sync::Arc<image::RgbImage>>,
    /// An official model billed per output image: its finished predictions
    /// report `metrics.image_count`, as Replicate's do (a real
    /// black-forest-labs/flux-schnell body: `"metrics": {"image_count": 1,
    /// "predict_time": 0.5579}`); other models report time only.
    pub per_image: bool,
}

impl Prediction {
    /// The next instant after `now` at which this prediction's status may
    /// change on its own: when it starts, ends (succeeds or fails), or its
    /// `Cancel-After` deadline passes. `None` when nothing is scheduled (it
    /// is stuck, or already over).
    pub fn next_change_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut times = Vec::with_capacity(3);
        if let Some(boot) = self.boot {
            let start = self.created_at + boot;
            times.push(start);
            match &self.ending {
                Ending::Succeed => times.push(start + self.run),
                Ending::Fail { after, .. } => {
                    let ns = (self.run.num_nanoseconds().unwrap_or(0) as f64 * after) as i64;
                    times.push(start + Span::nanoseconds(ns));
                }
                Ending::Interrupted => {}
            }
        }
        times.extend(self.deadline);
        if self.canceled_at.is_some() {
            return None;
        }
        times.into_iter().filter(|t| *t > now).min()
    }
}

/// The state of a prediction at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub status: &'static str,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Steps done (0..=steps) while processing or at the end.
    pub steps_done: u32,
    pub error: Option<String>,
}

impl View {
    /// `succeeded`, `failed`, `canceled` or `aborted`.
    pub fn is_terminal(&self) -> bool {
        self.completed_at.is_some()
    }
}

impl Prediction {
    fn start(&self) -> Option<DateTime<Utc>> {
        match self.ending {
            Ending::Interrupted => None,
            _ => self.boot.map(|b| self.created_at + b),
        }
    }

    fn natural_end(&self) -> Option<(DateTime<Utc>, &'static str, Option<String>)> {
        match &self.ending {
            Ending::Interrupted => self
                .boot
                .map(|b| (self.created_at + b, "failed", Some(INTERRUPTED.to_string()))),
            Ending::Succeed => self.start().map(|s| (s + self.run, "succeeded", None)),
            Ending::Fail { after, message } => {
                let ran = Span::nanoseconds(
                    (self.run.num_nanoseconds().unwrap_or(0) as f64 * after) as i64,
                );
                self.start()
                    .map(|s| (s + ran, "failed", Some(message.clone())))
            }
        }
    }

    /// The state at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> View {
        let start = self.start();
        let mut end = self.natural_end();
        if let Some(d) = self.deadline {
            let status = if start.is_none_or(|s| d < s) {
                "aborted"
            } else {
                "canceled"
            };
            if end.as_ref().is_none_or(|(e, _, _)| d < *e) {
                end = Some((d, status, None));
            }
        }
        if let Some(c) = self.canceled_at
            && end.as_ref().is_none_or(|(e, _, _)| c < *e)
        {
            end = Some((c, "canceled", None));
        }
        let steps_at = |t: DateTime<Utc>| -> u32 {
            let Some(s) = start else { return 0 };
            let run = self.run.num_nanoseconds().unwrap_or(1).max(1) as f64;
            let done = (t - s).num_nanoseconds().unwrap_or(0).max(0) as f64 / run;
            ((done * f64::from(self.steps)).floor() as u32).min(self.steps)
        };
        if let Some((at, status, error)) = end.filter(|(at, _, _)| now >= *at) {
            let started_at = start.filter(|s| *s <= at);
            let steps_done = if status == "succeeded" {
                self.steps
            } else {
                steps_at(at)
            };
            return View {
                status,
                started_at,
                completed_at: Some(at),
                steps_done,
                error,
            };
        }
        match start {
            Some(s) if now >= s => View {
                status: "processing",
                started_at: Some(s),
                completed_at: None,
                steps_done: steps_at(now),
                error: None,
            },
            _ => View {
                status: "starting",
                started_at: None,
                completed_at: None,
                steps_done: 0,
                error: None,
            },
        }
    }

    /// The next instant after `now` at which another progress line is
    /// printed (its start while `starting`); `None` once every step is done
    /// or it will not start.
    pub fn next_step_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = self.start()?;
        if now < start {
            return Some(start);
        }
        let run = self.run.num_nanoseconds()?.max(1) as i128;
        let steps = i128::from(self.steps.max(1));
        let elapsed = i128::from((now - start).num_nanoseconds()?);
        let next = elapsed * steps / run + 1;
        (next <= steps).then(|| start + Span::nanoseconds((run * next / steps + 1) as i64))
    }

    /// Cancels if not yet terminal at `now`; returns whether it did.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> bool {
        if self.view(now).is_terminal() {
            return false;
        }
        self.canceled_at = Some(now);
        true
    }

    /// Logs at a given view: a seed line, then tqdm progress lines, then a
    /// closing line. Empty while starting.
    pub fn logs(&self, view: &View) -> String {
        let Some(started) = view.started_at else {
            return String::new();
        };
        let mut out = format!(
            "Using seed: {}\nPrediction started at {}\n",
            self.seed,
            stamp(started, 6)
        );
        let per_step =
            self.run.num_nanoseconds().unwrap_or(0) as f64 / 1e9 / f64::from(self.steps.max(1));
        for i in 0..=view.steps_done {
            out.push_str(&tqdm_line(i, self.steps, per_step));
            out.push('\n');
        }
        match (view.status, &view.error) {
            ("succeeded", _) => {
                let n = self.outputs.len();
                out.push_str(&format!("Total safe images: {n} out of {n}\n"));
            }
            ("failed", Some(message)) => {
                out.push_str("Traceback (most recent call last):\n  File \"predict.py\", line 203, in predict\n");
                out.push_str(&format!("Exception: {message}\n"));
            }
            _ => {}
        }
        out
    }

    /// Output file names (`out-0.webp`, …).
    pub fn output_names(&self) -> Vec<String> {
        self.outputs
            .iter()
            .enumerate()
            .map(|(i, o)| format!("out-{i}.{}", o.format.extension()))
            .collect()
    }

    /// What to draw for output `index`.
    pub fn image_spec(&self, index: usize) -> Option<ImageSpec> {
        let o = self.outputs.get(index)?;
        Some(ImageSpec {
            prompt: self.prompt.clone(),
            seed: self.seed,
            index: index as u32,
            width: o.width,
            height: o.height,
            format: o.format,
            quality: o.quality,
            sources: self.sources.clone(),
        })
    }

    /// The API body. `base` is `http://host:port`; `removed` says the data
    /// has expired; `inline` replaces file URLs with `data:` URIs and keeps
    /// the status `processing` if `report_processing`.
    pub fn to_json(
        &self,
        view: &View,
        base: &str,
        removed: bool,
        inline: Option<(Vec<String>, bool)>,
    ) -> Value {
        let get = format!("{base}/v1/predictions/{}", self.id);
        let mut body = json!({
            "id": self.id,
            "model": self.model,
            "version": self.version,
            "input": if removed { json!({}) } else { self.input.clone() },
            "logs": if removed { Value::Null } else { Value::String(self.logs(view)) },
            "output": Value::Null,
            "data_removed": removed,
            "error": view.error,
            "status": view.status,
            "source": "api",
            "created_at": stamp(self.created_at, 6),
            "urls": {
                "get": get,
                "cancel": format!("{get}/cancel"),
                "stream": format!("{base}/v1/files/{}", crate::stream::stream_id(&self.id)),
                "web": format!("{base}/p/{}", self.id),
            },
        });
        if let Some(s) = view.started_at {
            body["started_at"] = json!(stamp(s, 6));
        }
        if let Some(d) = self.deadline {
            body["deadline"] = json!(stamp(d, 6));
        }
        let succeeded = view.status == "succeeded";
        if succeeded && !removed {
            body["output"] = match &inline {
                Some((uris, _)) => self.shape.wrap(uris.clone()),
                None => self.shape.wrap(
                    self.output_names()
                        .iter()
                        .map(|n| format!("{base}/files/{}/{n}", self.id))
                        .collect::<Vec<_>>(),
                ),
            };
        } else if let (OutputShape::Text(tokens), "processing", false) =
            (&self.shape, view.status, removed)
        {
            let n = tokens.len() * view.steps_done as usize / self.steps.max(1) as usize;
            body["output"] = json!(tokens[..n.min(tokens.len())]);
        }
        if let Some(c) = view.completed_at {
            body["completed_at"] = json!(stamp(c, 9));
            let mut metrics = json!({"total_time": secs(c - self.created_at)});
            if let Some(s) = view.started_at {
                metrics["predict_time"] = json!(secs(c - s));
            }
            if self.per_image && succeeded {
                metrics["image_count"] = json!(self.outputs.len());
            }
            body["metrics"] = metrics;
        }
        if let Some((_, true)) = inline.filter(|_| succeeded) {
            body["status"] = json!("processing");
            if let Some(map) = body.as_object_mut() {
                map.remove("completed_at");
                map.remove("metrics");
            }
        }
        body
    }
}

fn secs(span: Span) -> f64 {
    (span.num_microseconds().unwrap_or(0) as f64 / 1e6 * 1e6).round() / 1e6
}

/// RFC 3339 UTC with `digits` fractional digits (6 or 9), `Z` suffix.
pub fn stamp(t: DateTime<Utc>, digits: u8) -> String {
    let format = if digits >= 9 {
        SecondsFormat::Nanos
    } else {
        SecondsFormat::Micros
    };
    t.to_rfc3339_opts(format, true)
}

/// One tqdm line, e.g. ` 45%|████▌     | 9/20 [00:02<00:03,  3.10it/s]`.
pub fn tqdm_line(done: u32, total: u32, secs_per_step: f64) -> String {
    let total = total.max(1);
    let fraction = f64::from(done) / f64::from(total);
    let eighths = (fraction * 80.0).round() as usize;
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let mut bar = "█".repeat(eighths / 8);
    if eighths / 8 < 10 {
        bar.push_str(partial[eighths % 8]);
    }
    let filled = bar.chars().count();
    bar.push_str(&" ".repeat(10 - filled));
    let pct = (fraction * 100.0).floor() as u32;
    if done == 0 {
        return format!("{pct:>3}%|{bar}| {done}/{total} [00:00<?, ?it/s]");
    }
    let elapsed = secs_per_step * f64::from(done);
    let remaining = secs_per_step * f64::from(total - done);
    let rate = if secs_per_step > 0.0 {
        if secs_per_step <= 1.0 {
            format!("{:5.2}it/s", 1.0 / secs_per_step)
        } else {
            format!("{secs_per_step:5.2}s/it")
        }
    } else {
        "  inf it/s".to_string()
    };
    format!(
        "{pct:>3}%|{bar}| {done}/{total} [{}<{}, {rate}]",
        clock(elapsed),
        clock(remaining)
    )
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction() -> Prediction {
        Prediction {
            id: "p1".into(),
            seq: 0,
            owner: "alice".into(),
            token: "…0001".into(),
            model: "m/n".into(),
            version: "hidden".into(),
            input: json!({"prompt": "x"}),
            input_key: String::new(),
            prompt: "x".into(),
            seed: 1,
            steps: 4,
            outputs: vec![OutputFile {
                width: 8,
                height: 8,
                format: Format::Png,
                quality: 80,
            }],
            shape: OutputShape::List,
            created_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            boot: Some(Span::seconds(1)),
            run: Span::seconds(4),
            ending: Ending::Succeed,
            deadline: None,
            canceled_at: None,
            sources: Vec::new(),
            per_image: true,
        }
    }

    fn at(p: &Prediction, secs: f64) -> View {
        p.view(p.created_at + Span::milliseconds((secs * 1000.0) as i64))
    }

    #[test]
    fn lifecycle_moves_from_starting_to_succeeded() {
        let p = prediction();
        assert_eq!(at(&p, 0.5).status, "starting");
        let mid = at(&p, 3.0);
        assert_eq!((mid.status, mid.steps_done), ("processing", 2));
        assert_eq!(at(&p, 5.0).status, "succeeded");
    }

    #[test]
    fn deadline_aborts_before_start_and_cancels_after() {
        let mut p = prediction();
        p.deadline = Some(p.created_at + Span::milliseconds(500));
        assert_eq!(at(&p, 0.6).status, "aborted");
        assert_eq!(at(&p, 0.6).started_at, None);
        p.deadline = Some(p.created_at + Span::seconds(2));
        assert_eq!(at(&p, 2.5).status, "canceled");
    }

    #[test]
    fn the_next_change_is_the_start_then_the_end_then_nothing() {
        let mut p = prediction();
        let t = |secs: i64| p.created_at + Span::seconds(secs);
        assert_eq!(p.next_change_after(t(0)), Some(t(1)));
        assert_eq!(p.next_change_after(t(2)), Some(t(5)));
        assert_eq!(p.next_change_after(t(6)), None);
        p.deadline = Some(t(3));
        assert_eq!(p.next_change_after(t(2)), Some(t(3)));
        p.boot = None;
        p.deadline = None;
        assert_eq!(p.next_change_after(t(0)), None, "stuck in starting");
    }

    #[test]
    fn cancel_after_the_end_changes_nothing() {
        let mut p = prediction();
        assert!(!p.cancel(p.created_at + Span::seconds(9)));
        assert!(p.cancel(p.created_at + Span::seconds(2)));
        assert_eq!(at(&p, 9.0).status, "canceled");
    }

    #[test]
    fn interrupted_fails_without_start() {
        let mut p = prediction();
        p.ending = Ending::Interrupted;
        let v = at(&p, 2.0);
        assert_eq!(
            (v.status, v.started_at, v.error.as_deref()),
            ("failed", None, Some(INTERRUPTED))
        );
        assert_eq!(p.logs(&v), "");
    }

    #[test]
    fn tqdm_lines_match_the_official_progress_regex_shape() {
        assert_eq!(
            tqdm_line(9, 20, 0.3225),
            " 45%|████▌     | 9/20 [00:03<00:04,  3.10it/s]"
        );
        assert_eq!(
            tqdm_line(0, 4, 0.5),
            "  0%|          | 0/4 [00:00<?, ?it/s]"
        );
        assert_eq!(
            tqdm_line(4, 4, 0.5),
            "100%|██████████| 4/4 [00:02<00:00,  2.00it/s]"
        );
    }

    #[test]
    fn wait_answers_can_say_processing_with_output() {
        let p = prediction();
        let v = at(&p, 9.0);
        let body = p.to_json(
            &v,
            "http://h",
            false,
            Some((vec!["data:image/png;base64,AA".into()], true)),
        );
        assert_eq!(body["status"], "processing");
        assert_eq!(body["output"][0], "data:image/png;base64,AA");
        assert!(body.get("completed_at").is_none());
    }

    #[test]
    fn finished_predictions_report_metrics_as_replicate_does() {
        let mut p = prediction();
        let done = p.to_json(&at(&p, 9.0), "http://h", false, None);
        // Official per-image model: image_count beside predict_time (4 s run) and total_time.
        assert_eq!(done["metrics"]["image_count"], json!(1));
        assert_eq!(done["metrics"]["predict_time"], json!(4.0));
        assert_eq!(done["metrics"]["total_time"], json!(5.0));
        assert!(
            p.to_json(&at(&p, 3.0), "http://h", false, None)
                .get("metrics")
                .is_none()
        );
        p.per_image = false;
        let timed = p.to_json(&at(&p, 9.0), "http://h", false, None);
        assert!(timed["metrics"].get("image_count").is_none(), "{timed}");
        p.ending = Ending::Interrupted;
        let failed = p.to_json(&at(&p, 9.0), "http://h", false, None);
        assert!(failed["metrics"].get("image_count").is_none());
    }
}
