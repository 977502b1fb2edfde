//! What a scenario reports: figures (with their goal), distributions, sanity
//! checks, and the JSON shape written to `target/bench/`.

use serde::Serialize;

/// How big a run is: `tiny` in CI (seconds, proves the harness works),
/// `full` by hand (the sizes of issue 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    Tiny,
    Full,
}

impl Size {
    /// `n` at full size, `tiny` otherwise.
    pub fn pick<T>(self, tiny: T, full: T) -> T {
        match self {
            Size::Tiny => tiny,
            Size::Full => full,
        }
    }
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tiny" => Ok(Size::Tiny),
            "full" => Ok(Size::Full),
            other => Err(format!("unknown size {other:?} (tiny or full)")),
        }
    }
}

/// A distribution of one measure (nearest-rank percentiles).
#[derive(Clone, Debug, Serialize)]
pub struct Dist {
    pub n: usize,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Dist {
    /// The distribution of `values` (NaNs dropped); all zeros when empty.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Dist {
        let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        if n == 0 {
            return Dist {
                n,
                min: 0.0,
                mean: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                max: 0.0,
            };
        }
        let rank = |p: f64| v[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        Dist {
            n,
            min: v[0],
            mean: v.iter().sum::<f64>() / n as f64,
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: v[n - 1],
        }
    }
}

/// A goal of issue 6 and whether this run met it.
#[derive(Clone, Debug, Serialize)]
pub struct Goal {
    /// e.g. `≤ 2.0`.
    pub text: String,
    pub met: bool,
}

/// One figure of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
}

impl Figure {
    pub fn new(name: impl Into<String>, value: f64, unit: &str) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit: unit.to_owned(),
            goal: None,
        }
    }

    /// Goal: at most `target`.
    pub fn at_most(mut self, target: f64) -> Figure {
        self.goal = Some(Goal {
            text: format!("≤ {}", trim(target)),
            met: self.value <= target,
        });
        self
    }

    /// Goal: at least `target`.
    pub fn at_least(mut self, target: f64) -> Figure {
        self.goal = Some(Goal {
            text: format!("≥ {}", trim(target)),
            met: self.value >= target,
        });
        self
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A sanity check of the harness itself (not a timing): "every generation
/// completed", "the counts add up". The tiny test requires all of them.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
}

/// Everything one scenario found.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    /// The number for it (1–6).
    pub id: u8,
    /// Command-line name (`drain`, `polling`…).
    pub name: String,
    pub title: String,
    pub size: Size,
    /// Why it did not run (e.g. no Python client), if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Machine load (1, 5, 15 min) when it started and ended.
    pub load_before: [f64; 3],
    pub load_after: [f64; 3],
    /// Wall time of the whole scenario, seconds.
    pub wall_secs: f64,
    pub figures: Vec<Figure>,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
    /// Scenario-specific data (distributions, per-variant rows).
    pub details: serde_json::Value,
}

impl ScenarioReport {
    pub fn new(id: u8, name: &str, title: &str, size: Size) -> ScenarioReport {
        ScenarioReport {
            id,
            name: name.to_owned(),
            title: title.to_owned(),
            size,
            skipped: None,
            load_before: crate::procfs::loadavg(),
            load_after: [0.0; 3],
            wall_secs: 0.0,
            figures: Vec::new(),
            checks: Vec::new(),
            notes: Vec::new(),
            details: serde_json::Value::Null,
        }
    }

    pub fn figure(&mut self, f: Figure) {
        self.figures.push(f);
    }

    pub fn check(&mut self, what: impl Into<String>, ok: bool) {
        self.checks.push(Check {
            what: what.into(),
            ok,
        });
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d = Dist::of((1..=100).map(f64::from));
        assert_eq!((d.p50, d.p90, d.p99, d.max), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(Dist::of([3.0]).p99, 3.0);
        assert_eq!(Dist::of([]).n, 0);
    }

    #[test]
    fn goals_say_whether_they_were_met() {
        assert!(Figure::new("x", 1.0, "").at_most(2.0).goal.unwrap().met);
        assert!(!Figure::new("x", 1.0, "").at_least(2.0).goal.unwrap().met);
        assert_eq!(
            Figure::new("x", 1.0, "").at_most(0.25).goal.unwrap().text,
            "≤ 0.25"
        );
    }
}
