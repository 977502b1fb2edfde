//! Money as Replicate bills it: US dollars, held as whole micro-dollars
//! (USD × 1,000,000) in an `i64`, so sums are exact (no `f64` sums). Every
//! price on replicate.com/pricing has at most six decimals
//! ($0.000975/sec for an L40S), so a price fits a micro-dollar exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Micro-dollars in one dollar.
pub const MICROS_PER_USD: i64 = 1_000_000;

/// An amount in US dollars, as whole micro-dollars. JSON: the integer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Usd(pub i64);

/// Why a dollar amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not a dollar amount (write it like 0.003 or $5)")]
    NotANumber(String),
    #[error("{0:?} has more than 6 decimals (Replicate prices to the micro-dollar)")]
    TooPrecise(String),
    #[error("{0:?} is negative")]
    Negative(String),
    #[error("{0:?} is too large")]
    TooLarge(String),
}

impl Usd {
    pub const ZERO: Usd = Usd(0);

    /// Whole micro-dollars.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Reads `0.003`, `$0.003`, `5`, `$5.00` exactly (decimal text, no float).
    /// Errors: not a number, more than six decimals, negative, over $1e12.
    pub fn parse(text: &str) -> Result<Usd, MoneyError> {
        let t = text.trim();
        let t = t.strip_prefix('$').unwrap_or(t).trim();
        if t.starts_with('-') {
            return Err(MoneyError::Negative(text.into()));
        }
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(MoneyError::NotANumber(text.into()));
        }
        let frac_trimmed = frac.trim_end_matches('0');
        if frac_trimmed.len() > 6 {
            return Err(MoneyError::TooPrecise(text.into()));
        }
        if whole.len() > 12 {
            return Err(MoneyError::TooLarge(text.into()));
        }
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().unwrap_or(0)
        };
        let f: i64 = format!("{frac_trimmed:0<6}").parse().unwrap_or(0);
        Ok(Usd(w * MICROS_PER_USD + f))
    }

    /// `count × self`, exact.
    pub fn times(self, count: i64) -> Usd {
        Usd(self.0.saturating_mul(count))
    }

    /// `self × thousandths / 1000`, rounded half up to the micro-dollar:
    /// a per-second rate times milliseconds.
    pub fn per_milli(self, thousandths: i64) -> Usd {
        Usd(div_round(
            i128::from(self.0) * i128::from(thousandths),
            1000,
        ))
    }

    /// `self × count / 1,000,000`, rounded half up: a price per million
    /// (tokens) times a count.
    pub fn per_million(self, count: i64) -> Usd {
        Usd(div_round(i128::from(self.0) * i128::from(count), 1_000_000))
    }

    /// The amount as Replicate shows prices: at least two decimals, more
    /// when needed (`$5.00`, `$0.12`, `$0.003`, `$0.000975`).
    pub fn dollars(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = a / 1_000_000;
        let frac = format!("{:06}", a % 1_000_000);
        let frac = frac.trim_end_matches('0');
        let frac = format!("{frac:0<2}");
        format!("{sign}${whole}.{frac}")
    }

    /// Rounded to the cent for totals a person reads (`$0.12`); amounts under
    /// a cent but above zero keep their figures (`$0.003`).
    pub fn rounded(self) -> String {
        if self.0 != 0 && self.0.abs() < 10_000 {
            return self.dollars();
        }
        let cents = div_round(i128::from(self.0), 10_000);
        let sign = if cents < 0 { "-" } else { "" };
        let c = cents.unsigned_abs();
        format!("{sign}${}.{:02}", c / 100, c % 100)
    }
}

impl std::ops::Add for Usd {
    type Output = Usd;
    fn add(self, o: Usd) -> Usd {
        Usd(self.0.saturating_add(o.0))
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dollars())
    }
}

/// `n / d` rounded half away from zero, clamped to `i64`.
fn div_round(n: i128, d: i128) -> i64 {
    let q = if n >= 0 {
        (n + d / 2) / d
    } else {
        (n - d / 2) / d
    };
    q.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_exactly_to_the_micro_dollar() {
        assert_eq!(Usd::parse("0.000975").unwrap(), Usd(975));
        assert_eq!(Usd::parse("$0.003").unwrap(), Usd(3_000));
        assert_eq!(Usd::parse("$5").unwrap(), Usd(5_000_000));
        assert_eq!(Usd::parse(" 12.50 ").unwrap(), Usd(12_500_000));
        assert_eq!(Usd::parse(".5").unwrap(), Usd(500_000));
        assert_eq!(
            Usd::parse("0.0000001"),
            Err(MoneyError::TooPrecise("0.0000001".into()))
        );
        assert!(matches!(Usd::parse("-1"), Err(MoneyError::Negative(_))));
        assert!(matches!(Usd::parse("abc"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(
            Usd::parse("1.2.3"),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(Usd::parse(""), Err(MoneyError::NotANumber(_))));
    }

    #[test]
    fn amounts_print_as_replicate_prices() {
        assert_eq!(Usd(5_000_000).dollars(), "$5.00");
        assert_eq!(Usd(120_000).dollars(), "$0.12");
        assert_eq!(Usd(3_000).dollars(), "$0.003");
        assert_eq!(Usd(975).dollars(), "$0.000975");
        assert_eq!(Usd(123_456).rounded(), "$0.12");
        assert_eq!(Usd(3_000).rounded(), "$0.003");
        assert_eq!(Usd(0).rounded(), "$0.00");
    }

    #[test]
    fn rates_times_time_round_half_up_to_the_micro_dollar() {
        // 2.5005 s on an L40S at $0.000975/s = $0.0024379875 → 2,438 micro-dollars.
        assert_eq!(Usd(975).per_milli(2_500), Usd(2_438));
        assert_eq!(Usd(975).per_milli(1_000), Usd(975));
        // $0.05 per million tokens × 1,000 tokens = $0.00005 = 50 micro-dollars.
        assert_eq!(Usd(50_000).per_million(1_000), Usd(50));
        assert_eq!(Usd(3_000).times(40), Usd(120_000));
    }
}
