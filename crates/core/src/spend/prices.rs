//! The price table: what one unit of a model's or a GPU's work costs.
//!
//! Text, one price a line (the grammar is at the top of `prices.txt`, the
//! table shipped with the app, dated with its source). The user's own lines
//! (Settings, a model's page) come after the shipped ones and replace a line
//! with the same subject and unit. A malformed line is refused with its
//! number and the reason ([`PriceLineError`]); nothing is stored then.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::{MoneyError, Usd};

/// The table shipped with the app (see its header for source and date).
pub const SHIPPED_PRICES: &str = include_str!("prices.txt");

/// What a price is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceUnit {
    /// One output image (official image models: `metrics.image_count`).
    Image,
    /// One second of the prediction's run (`metrics.predict_time`).
    Second,
    /// One second of output video (the input's `duration`).
    VideoSecond,
    /// A million input tokens (`metrics.input_token_count`).
    MillionInputTokens,
    /// A million output tokens (`metrics.output_token_count`).
    MillionOutputTokens,
}

impl PriceUnit {
    fn parse(word: &str) -> Option<PriceUnit> {
        Some(match word {
            "image" | "images" | "output-image" => PriceUnit::Image,
            "second" | "sec" | "s" => PriceUnit::Second,
            "video-second" => PriceUnit::VideoSecond,
            "million-input-tokens" => PriceUnit::MillionInputTokens,
            "million-output-tokens" => PriceUnit::MillionOutputTokens,
            _ => return None,
        })
    }
    /// The word the table uses.
    pub fn word(self) -> &'static str {
        match self {
            PriceUnit::Image => "image",
            PriceUnit::Second => "second",
            PriceUnit::VideoSecond => "video-second",
            PriceUnit::MillionInputTokens => "million-input-tokens",
            PriceUnit::MillionOutputTokens => "million-output-tokens",
        }
    }
}

/// A public model that is billed by the time it runs on a named GPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunsOn {
    /// Hardware SKU as on replicate.com/pricing (`gpu-l40s`).
    pub hardware: String,
    /// Typical running time in milliseconds, from the model's page, used
    /// until our own history knows better.
    pub typical_ms: Option<i64>,
}

/// A malformed line of a price table. Display: "line 3: … (reason)".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("line {line}: {text:?}: {reason}")]
pub struct PriceLineError {
    /// 1-based line number in the text that was given.
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// A parsed price table. Look prices up with [`PriceTable::price`] and
/// [`PriceTable::runs_on`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceTable {
    prices: BTreeMap<(String, PriceUnit), Usd>,
    hardware: BTreeMap<String, RunsOn>,
    /// `# source:` of the shipped table.
    pub source: Option<String>,
    /// `# checked:` date of the shipped table.
    pub checked: Option<String>,
}

fn is_hardware(s: &str) -> bool {
    (s == "cpu" || s.starts_with("gpu-"))
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_model(s: &str) -> bool {
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    matches!(s.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

impl PriceTable {
    /// The shipped table with `user` lines after it.
    /// Errors: the first malformed line of `user` (numbered within `user`).
    pub fn with_user_lines(user: &str) -> Result<PriceTable, PriceLineError> {
        let mut t = PriceTable::parse(SHIPPED_PRICES).expect("the shipped price table parses");
        t.add_lines(user)?;
        Ok(t)
    }

    /// Parses a whole table. Errors: its first malformed line.
    pub fn parse(text: &str) -> Result<PriceTable, PriceLineError> {
        let mut t = PriceTable::default();
        t.add_lines(text)?;
        Ok(t)
    }

    /// Adds (or replaces) prices from `text`; on error nothing is added.
    pub fn add_lines(&mut self, text: &str) -> Result<(), PriceLineError> {
        let mut next = self.clone();
        for (i, raw) in text.lines().enumerate() {
            let err = |reason: String| PriceLineError {
                line: i + 1,
                text: raw.trim().to_owned(),
                reason,
            };
            let (body, comment) = raw.split_once('#').unwrap_or((raw, ""));
            let comment = comment.trim();
            if let Some(v) = comment.strip_prefix("source:") {
                next.source = Some(v.trim().to_owned());
            } else if let Some(v) = comment.strip_prefix("checked:") {
                next.checked = Some(v.trim().to_owned());
            }
            let words: Vec<&str> = body.split_whitespace().collect();
            let Some((&subject, rest)) = words.split_first() else {
                continue;
            };
            let model = is_model(subject);
            if !model && !is_hardware(subject) {
                return Err(err(format!(
                    "{subject:?} is neither a model (owner/name) nor hardware (cpu, gpu-…)"
                )));
            }
            match rest {
                ["on", hw, tail @ ..] => {
                    if !model {
                        return Err(err("only a model runs on hardware".into()));
                    }
                    if !is_hardware(hw) {
                        return Err(err(format!("{hw:?} is not hardware (cpu, gpu-…)")));
                    }
                    let typical_ms = match tail {
                        [] => None,
                        ["typical", secs] => Some(parse_seconds(secs).map_err(err)?),
                        _ => return Err(err("after the hardware, only \"typical <N>s\"".into())),
                    };
                    next.hardware.insert(
                        subject.to_owned(),
                        RunsOn {
                            hardware: (*hw).to_owned(),
                            typical_ms,
                        },
                    );
                }
                [price, "per", unit] => {
                    let usd = Usd::parse(price).map_err(|e: MoneyError| err(e.to_string()))?;
                    let unit = PriceUnit::parse(unit).ok_or_else(|| {
                        err(format!(
                            "unknown unit {unit:?} (image, second, video-second, \
                             million-input-tokens, million-output-tokens)"
                        ))
                    })?;
                    if !model && unit != PriceUnit::Second {
                        return Err(err("hardware is priced per second".into()));
                    }
                    next.prices.insert((subject.to_owned(), unit), usd);
                }
                _ => {
                    return Err(err(
                        "expected \"<price> per <unit>\" or \"on <hardware>\" after the subject"
                            .into(),
                    ));
                }
            }
        }
        *self = next;
        Ok(())
    }

    /// The price of one `unit` of `subject` (a model or hardware), if known.
    pub fn price(&self, subject: &str, unit: PriceUnit) -> Option<Usd> {
        self.prices.get(&(subject.to_owned(), unit)).copied()
    }

    /// Every price the model has, by unit.
    pub fn model_prices(&self, model: &str) -> Vec<(PriceUnit, Usd)> {
        self.prices
            .iter()
            .filter(|((s, _), _)| s == model)
            .map(|((_, u), p)| (*u, *p))
            .collect()
    }

    /// The hardware a public model is billed by, if the table says.
    pub fn runs_on(&self, model: &str) -> Option<&RunsOn> {
        self.hardware.get(model)
    }
}

fn parse_seconds(text: &str) -> Result<i64, String> {
    let n = text.strip_suffix('s').unwrap_or(text);
    let usd = Usd::parse(n).map_err(|_| format!("{text:?} is not a number of seconds like 7s"))?;
    // Same decimal reading as money: micro-units → milliseconds.
    Ok(usd.micros() / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_dated_and_sourced() {
        let t = PriceTable::parse(SHIPPED_PRICES).unwrap();
        assert_eq!(t.checked.as_deref(), Some("2026-12-02"));
        assert!(
            t.source
                .as_deref()
                .unwrap()
                .contains("replicate.com/pricing")
        );
        assert_eq!(t.price("gpu-l40s", PriceUnit::Second), Some(Usd(975)));
        assert_eq!(
            t.price("black-forest-labs/flux-schnell", PriceUnit::Image),
            Some(Usd(3_000))
        );
        let sdxl = t.runs_on("stability-ai/sdxl").unwrap();
        assert_eq!(
            (sdxl.hardware.as_str(), sdxl.typical_ms),
            ("gpu-l40s", Some(7_000))
        );
    }

    #[test]
    fn user_lines_replace_shipped_prices() {
        let t = PriceTable::with_user_lines(
            "black-forest-labs/flux-schnell $0.004 per image  # my contract\nacme/video 0.05 per video-second",
        )
        .unwrap();
        assert_eq!(
            t.price("black-forest-labs/flux-schnell", PriceUnit::Image),
            Some(Usd(4_000))
        );
        assert_eq!(
            t.price("acme/video", PriceUnit::VideoSecond),
            Some(Usd(50_000))
        );
        assert_eq!(t.price("acme/unknown", PriceUnit::Image), None);
    }

    #[test]
    fn a_malformed_line_is_refused_with_its_number_and_reason() {
        let e =
            PriceTable::with_user_lines("# mine\nacme/a 0.01 per image\nacme/b 0.0.1 per image")
                .unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.text, "acme/b 0.0.1 per image");
        assert!(e.reason.contains("not a dollar amount"), "{}", e.reason);
        let e = PriceTable::parse("acme/b 0.01 per frame").unwrap_err();
        assert!(e.reason.contains("unknown unit \"frame\""), "{}", e.reason);
        let e = PriceTable::parse("flux 0.01 per image").unwrap_err();
        assert!(e.reason.contains("neither a model"), "{}", e.reason);
        let e = PriceTable::parse("gpu-l40s 0.01 per image").unwrap_err();
        assert_eq!(e.reason, "hardware is priced per second");
        let e = PriceTable::parse("acme/a on gpu-l40s typical fast").unwrap_err();
        assert!(e.reason.contains("seconds"), "{}", e.reason);
        assert_eq!(
            e.to_string(),
            "line 1: \"acme/a on gpu-l40s typical fast\": \"fast\" is not a number of seconds like 7s"
        );
    }
}
