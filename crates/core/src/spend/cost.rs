//! What one generation costs: the estimate made when it is queued, and the
//! figure once its prediction ended, from what Replicate reported.
//!
//! `metrics` of a finished prediction (replicate/cog `docs/metrics.md`:
//! "normally includes `predict_time` and `total_time`"; official language
//! models add `input_token_count`, `output_token_count`; official image
//! models report `image_count`, e.g. `{"image_count": 1, "predict_time": 0.5579}`
//! for black-forest-labs/flux-schnell). `predict_time` is absent until the
//! prediction ran (replicate-swift PR #4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::money::Usd;
use super::prices::{PriceTable, PriceUnit};
use crate::replicate::Prediction;

/// One line of a cost: `quantity` units at `rate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostPart {
    pub unit: PriceUnit,
    /// Units × 1000 (seconds to the millisecond; images and tokens × 1000).
    pub quantity_milli: i64,
    /// Price of one unit (per million for tokens).
    pub rate: Usd,
    /// For hardware-billed models, the hardware (`gpu-l40s`).
    pub hardware: Option<String>,
    pub amount: Usd,
}

/// A cost: `total` is `None` when a price or a quantity is unknown (shown as
/// "unknown", never as $0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cost {
    pub total: Option<Usd>,
    pub parts: Vec<CostPart>,
}

impl Cost {
    fn unknown() -> Cost {
        Cost::default()
    }
    fn of(parts: Vec<CostPart>) -> Cost {
        Cost {
            total: Some(parts.iter().map(|p| p.amount).sum()),
            parts,
        }
    }
}

/// What a finished prediction reported, for its cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// `metrics.predict_time` in milliseconds; `None` if absent.
    pub predict_ms: Option<i64>,
    /// Whether it ever started (`started_at` set): one that never ran costs nothing.
    pub started: bool,
    /// `metrics.image_count`, else the number of outputs.
    pub images: i64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
}

impl Usage {
    /// Reads a terminal prediction's metrics and outputs.
    pub fn of(p: &Prediction) -> Usage {
        let m = p.raw.get("metrics").cloned().unwrap_or(Value::Null);
        let int = |k: &str| m.get(k).and_then(Value::as_i64);
        Usage {
            predict_ms: p.predict_time.map(|s| (s * 1000.0).round() as i64),
            started: p.started_at.is_some() || p.predict_time.is_some(),
            images: int("image_count").unwrap_or(p.outputs().len() as i64),
            input_tokens: int("input_token_count"),
            output_tokens: int("output_token_count"),
        }
    }
}

fn part(unit: PriceUnit, quantity_milli: i64, rate: Usd, hardware: Option<String>) -> CostPart {
    let amount = match unit {
        PriceUnit::MillionInputTokens | PriceUnit::MillionOutputTokens => {
            rate.per_million(quantity_milli / 1000)
        }
        _ => rate.per_milli(quantity_milli),
    };
    CostPart {
        unit,
        quantity_milli,
        rate,
        hardware,
        amount,
    }
}

fn input_int(input: &Value, keys: &[&str]) -> Option<i64> {
    keys.iter().find_map(|k| {
        let v = input.get(*k)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64))
    })
}

/// The parts of `model`'s cost given the quantities: `ms` of running,
/// `images`, video seconds, tokens. A needed quantity that is `None`, or a
/// model without a price, makes the cost unknown.
fn priced(
    table: &PriceTable,
    model: &str,
    ms: Option<i64>,
    images: i64,
    video_ms: Option<i64>,
    tokens: (Option<i64>, Option<i64>),
) -> Cost {
    let prices = table.model_prices(model);
    let mut parts = Vec::new();
    if prices.is_empty() {
        let Some(on) = table.runs_on(model) else {
            return Cost::unknown();
        };
        let (Some(rate), Some(ms)) = (table.price(&on.hardware, PriceUnit::Second), ms) else {
            return Cost::unknown();
        };
        return Cost::of(vec![part(
            PriceUnit::Second,
            ms,
            rate,
            Some(on.hardware.clone()),
        )]);
    }
    for (unit, rate) in prices {
        let q = match unit {
            PriceUnit::Image => Some(images * 1000),
            PriceUnit::Second => ms,
            PriceUnit::VideoSecond => video_ms,
            PriceUnit::MillionInputTokens => tokens.0.map(|t| t * 1000),
            PriceUnit::MillionOutputTokens => tokens.1.map(|t| t * 1000),
        };
        let Some(q) = q else { return Cost::unknown() };
        parts.push(part(unit, q, rate, None));
    }
    Cost::of(parts)
}

/// The estimate for one generation of `model` with `input`, before it runs.
/// `median_ms`: the model's recent median `predict_time` here, if any
/// (else the table's typical time). Images: `num_outputs` (default 1);
/// video: `duration`; output tokens: `max_tokens`/`max_new_tokens`; input
/// tokens: about one per four characters of the prompt.
pub fn estimate(table: &PriceTable, model: &str, input: &Value, median_ms: Option<i64>) -> Cost {
    let ms = median_ms.or_else(|| table.runs_on(model).and_then(|r| r.typical_ms));
    let images = input_int(input, &["num_outputs"]).unwrap_or(1).max(1);
    let video_ms = input_int(input, &["duration"]).map(|s| s * 1000);
    let prompt_chars = input
        .get("prompt")
        .and_then(Value::as_str)
        .map_or(0, |p| p.chars().count() as i64);
    let tokens = (
        Some((prompt_chars + 3) / 4),
        input_int(input, &["max_tokens", "max_new_tokens"]),
    );
    priced(table, model, ms, images, video_ms, tokens)
}

/// What a finished prediction cost: its `predict_time`, image count and
/// token counts at the table's prices. A prediction that never started
/// costs $0 (Replicate bills run time; `aborted` is not billed).
pub fn final_cost(table: &PriceTable, model: &str, input: &Value, u: &Usage) -> Cost {
    let ms = match (u.predict_ms, u.started) {
        (Some(ms), _) => Some(ms),
        (None, false) => Some(0),
        (None, true) => None,
    };
    let video_ms = if u.images > 0 || !u.started {
        input_int(input, &["duration"]).map(|s| if u.started { s * 1000 } else { 0 })
    } else {
        Some(0)
    };
    let tokens = if u.started {
        (u.input_tokens, u.output_tokens)
    } else {
        (Some(0), Some(0))
    };
    priced(table, model, ms, u.images, video_ms, tokens)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn table() -> PriceTable {
        PriceTable::with_user_lines(
            "acme/llm 0.05 per million-input-tokens\nacme/llm 0.25 per million-output-tokens",
        )
        .unwrap()
    }

    #[test]
    fn per_image_models_cost_their_outputs() {
        let t = table();
        let c = estimate(
            &t,
            "black-forest-labs/flux-schnell",
            &json!({"num_outputs": 4}),
            None,
        );
        assert_eq!(c.total, Some(Usd(12_000)));
        let u = Usage {
            predict_ms: Some(1_200),
            started: true,
            images: 3,
            ..Usage::default()
        };
        let f = final_cost(&t, "black-forest-labs/flux-schnell", &json!({}), &u);
        assert_eq!(f.total, Some(Usd(9_000)));
    }

    #[test]
    fn hardware_billed_models_cost_their_run_time() {
        let t = table();
        // No history: the table's typical 7 s on an L40S = 7 × 975.
        let c = estimate(&t, "stability-ai/sdxl", &json!({}), None);
        assert_eq!(c.total, Some(Usd(6_825)));
        assert_eq!(c.parts[0].hardware.as_deref(), Some("gpu-l40s"));
        assert_eq!(
            estimate(&t, "stability-ai/sdxl", &json!({}), Some(2_000)).total,
            Some(Usd(1_950))
        );
        let u = Usage {
            predict_ms: Some(2_500),
            started: true,
            images: 1,
            ..Usage::default()
        };
        assert_eq!(
            final_cost(&t, "stability-ai/sdxl", &json!({}), &u).total,
            Some(Usd(2_438))
        );
    }

    #[test]
    fn unknown_prices_stay_unknown_and_unstarted_runs_cost_nothing() {
        let t = table();
        assert_eq!(
            estimate(&t, "someone/new-model", &json!({}), None).total,
            None
        );
        let never = Usage::default();
        assert_eq!(
            final_cost(&t, "stability-ai/sdxl", &json!({}), &never).total,
            Some(Usd(0))
        );
        let no_metrics = Usage {
            started: true,
            ..Usage::default()
        };
        assert_eq!(
            final_cost(&t, "stability-ai/sdxl", &json!({}), &no_metrics).total,
            None
        );
    }

    #[test]
    fn token_models_cost_their_tokens() {
        let t = table();
        let u = Usage {
            predict_ms: Some(900),
            started: true,
            input_tokens: Some(2_000),
            output_tokens: Some(10_000),
            ..Usage::default()
        };
        // 2,000 × $0.05/M + 10,000 × $0.25/M = $0.0001 + $0.0025
        assert_eq!(
            final_cost(&t, "acme/llm", &json!({}), &u).total,
            Some(Usd(2_600))
        );
        assert_eq!(
            estimate(&t, "acme/llm", &json!({"prompt": "hi"}), None).total,
            None
        );
        assert_eq!(
            estimate(
                &t,
                "acme/llm",
                &json!({"prompt": "abcdefgh", "max_tokens": 1000}),
                None
            )
            .total,
            Some(Usd(250))
        );
    }
}
