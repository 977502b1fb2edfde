//! What a create makes once its request is checked: the output files (how
//! many, their size and format, from the model's sizing and the input; an
//! edit model's from its input images) and the prediction itself ([`Made`]).

use crate::catalogue::{FLUX_ASPECT_RATIOS, Model, Sizing};
use crate::catalogue_media::{VIDEO_WITH_AUDIO_KEYS, story_tokens};
use crate::edit;
use crate::faults::FaultKind;
use crate::images::Format;
use crate::prediction::{Ending, OutputFile, OutputShape, Prediction};
use crate::state::{Shared, seed_of};
use crate::stats::canonical_json;
use chrono::Duration as Span;
use rand::Rng;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The files of a new prediction, and its failure when one is already known.
pub(crate) fn outputs_of(
    shared: &Shared,
    model: &Model,
    input: &Value,
    sources: &[Arc<image::RgbImage>],
) -> (Vec<OutputFile>, Option<String>) {
    let get = |field: &str| {
        model
            .input_or_default(input, field)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let count = get("num_outputs").as_u64().unwrap_or(1).clamp(1, 4) as usize;
    if model.sizing == Sizing::Edit && !sources.is_empty() {
        let (width, height) = edit::size_of(sources);
        let format = get("output_format")
            .as_str()
            .and_then(Format::from_input)
            .unwrap_or(Format::Png);
        let file = OutputFile {
            width,
            height,
            format,
            quality: 90,
        };
        return (vec![file], None);
    }
    // The media models: a WAV's `width` is its length in seconds (images::encode).
    let video = OutputFile {
        width: 160,
        height: 120,
        format: Format::Webm,
        quality: 0,
    };
    let audio = |seconds: u64| OutputFile {
        width: seconds.clamp(1, u64::from(crate::media::MAX_WAV_SECONDS)) as u32,
        height: 1,
        format: Format::Wav,
        quality: 0,
    };
    let (width, height, format, failure) = match model.sizing {
        Sizing::Video => return (vec![video], None),
        Sizing::Audio => return (vec![audio(get("duration").as_u64().unwrap_or(3))], None),
        Sizing::Text => return (Vec::new(), None),
        Sizing::VideoWithAudio => return (vec![video, audio(4)], None),
        Sizing::Flux => {
            let ratio = get("aspect_ratio");
            let (_, w, h) = FLUX_ASPECT_RATIOS
                .iter()
                .find(|(k, _, _)| Some(*k) == ratio.as_str())
                .copied()
                .unwrap_or(FLUX_ASPECT_RATIOS[0]);
            let (w, h) = if get("megapixels").as_str() == Some("0.25") {
                (w / 2, h / 2)
            } else {
                (w, h)
            };
            let format = get("output_format")
                .as_str()
                .and_then(Format::from_input)
                .unwrap_or(Format::Webp);
            (i64::from(w), i64::from(h), format, None)
        }
        Sizing::Edit => {
            let format = get("output_format")
                .as_str()
                .and_then(Format::from_input)
                .unwrap_or(Format::Png);
            (1024, 1024, format, None)
        }
        Sizing::Sdxl => {
            let (w, h) = (
                get("width").as_i64().unwrap_or(1024),
                get("height").as_i64().unwrap_or(1024),
            );
            let failure = if w <= 0 || h <= 0 {
                Some(format!(
                    "ValueError: width and height must be positive, got {w}x{h}"
                ))
            } else if w * h > 2048 * 2048 {
                Some(format!(
                    "CUDA out of memory. Tried to allocate {:.2} GiB (GPU 0; 39.39 GiB total capacity)",
                    (w * h) as f64 * 40.0 / 1e9
                ))
            } else {
                None
            };
            (w, h, Format::Png, failure)
        }
    };
    let scale = shared.config.image_scale.max(0.0);
    let size = |v: i64| ((v.clamp(1, 4096) as f64 * scale).round() as u32).max(8);
    let quality = get("output_quality").as_u64().unwrap_or(80).min(100) as u8;
    let file = OutputFile {
        width: size(width),
        height: size(height),
        format,
        quality,
    };
    (vec![file; count], failure)
}

/// What a create makes, checked and ready: the prediction is made by
/// [`Made::insert`], at once or (a late create) later.
pub(crate) struct Made {
    pub(crate) model: Model,
    pub(crate) version: String,
    pub(crate) input: Value,
    pub(crate) outputs: Vec<OutputFile>,
    pub(crate) size_failure: Option<String>,
    pub(crate) cancel_after: Option<Duration>,
    pub(crate) faults: Vec<FaultKind>,
    pub(crate) sources: Vec<Arc<image::RgbImage>>,
}

impl Made {
    /// Makes the prediction now (its `created_at`) for `owner`, created with
    /// the token named `token` ([`crate::stats::fingerprint`]); its id.
    pub(crate) fn insert(self, shared: &Shared, owner: &str, token: &str) -> String {
        let Made {
            model,
            version,
            input,
            outputs,
            size_failure,
            cancel_after,
            faults,
            sources,
        } = self;
        let model = &model;
        let now = shared.now();
        let mut inner = shared.lock();
        let timing = shared.config.timing.clone();
        let boot = shared.scaled(inner.draw_delay(&timing.boot, true));
        let run = shared.scaled(inner.draw_delay(&timing.predict, false));
        let seed = seed_of(&input).unwrap_or_else(|| inner.rng.random_range(0..65536));
        let mut ending = Ending::Succeed;
        let mut stuck = false;
        if let Some(message) = size_failure {
            ending = Ending::Fail {
                after: 0.05,
                message,
            };
        }
        for fault in faults {
            match fault {
                FaultKind::FailPrediction { message } => {
                    ending = Ending::Fail {
                        after: 0.2 + 0.6 * inner.draw(),
                        message,
                    }
                }
                FaultKind::InterruptPrediction => ending = Ending::Interrupted,
                FaultKind::StuckStarting => stuck = true,
                _ => {}
            }
        }
        let id = inner.new_id();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let get = |f: &str| {
            model
                .input_or_default(&input, f)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let shape = match model.sizing {
            Sizing::Flux | Sizing::Sdxl => OutputShape::List,
            // As the model's schema says: one file (`Path`) or a list.
            Sizing::Edit if model.schema["components"]["schemas"]["Output"]["type"] == "string" => {
                OutputShape::Single
            }
            Sizing::Edit => OutputShape::List,
            Sizing::Video | Sizing::Audio => OutputShape::Single,
            Sizing::VideoWithAudio => OutputShape::Named(VIDEO_WITH_AUDIO_KEYS.to_vec()),
            Sizing::Text => OutputShape::Text(story_tokens(
                get("prompt").as_str().unwrap_or_default(),
                get("max_tokens").as_u64().unwrap_or(128) as usize,
            )),
        };
        // A language model's steps are its tokens: the output grows one a step.
        let steps = match &shape {
            OutputShape::Text(tokens) => tokens.len() as u32,
            _ => get("num_inference_steps")
                .as_u64()
                .unwrap_or(4)
                .clamp(1, 500) as u32,
        };
        let prediction = Prediction {
            id: id.clone(),
            seq,
            owner: owner.to_string(),
            token: token.to_string(),
            model: model.full_name(),
            version,
            input_key: canonical_json(&input),
            prompt: get("prompt").as_str().unwrap_or_default().to_string(),
            steps,
            shape,
            input,
            seed,
            outputs,
            created_at: now,
            boot: (!stuck).then_some(boot),
            run: run.max(Span::milliseconds(1)),
            ending,
            deadline: cancel_after.map(|d| now + shared.scaled(d)),
            canceled_at: None,
            sources,
            per_image: model.official,
        };
        inner.insert(prediction);
        id
    }
}
