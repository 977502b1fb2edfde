//! `genq spend`: what the queue cost (per day, month, model and token), and
//! the daily/monthly budgets.

use chrono::{NaiveDate, TimeZone, Utc};
use genqueue_core::spend::{SpendReport, SpendSettings, Usd};

use crate::args::SpendArgs;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// A limit as typed: `5`, `$5.00`, or `none` to remove it.
fn limit(text: &str) -> CliResult<Option<Usd>> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Usd::parse(text)
        .map(Some)
        .map_err(|e| CliError::invalid(format!("budget: {e}")))
}

fn day(text: &str, s: &SpendSettings) -> CliResult<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CliError::invalid(format!("{text:?} is not a date like 2026-05-01")))?;
    // The day as the spend settings count days (their zone): the local day
    // around its noon (UTC noon is within 14 hours of every zone's noon).
    let noon = Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).expect("noon"));
    let start = s.day(noon).0;
    Ok(if s.day_label(noon) == text {
        start
    } else if s.day_label(noon).as_str() < text {
        s.day(noon).1
    } else {
        s.day(start - chrono::Duration::seconds(1)).0
    })
}

/// Runs `genq spend`: sets budgets if asked, then prints the report
/// (`--json`: a SpendReport; money in integer micro-dollars, USD).
pub fn run(ctx: &Context, args: SpendArgs) -> CliResult {
    let queue = ctx.open()?;
    let mut s = queue.spend_settings()?;
    if args.daily_limit.is_some()
        || args.monthly_limit.is_some()
        || args.prices.is_some()
        || args.time_zone.is_some()
    {
        if let Some(z) = &args.time_zone {
            s.time_zone = (!z.eq_ignore_ascii_case("local")).then(|| z.clone());
        }
        if let Some(d) = &args.daily_limit {
            s.daily_limit = limit(d)?;
        }
        if let Some(m) = &args.monthly_limit {
            s.monthly_limit = limit(m)?;
        }
        if let Some(path) = &args.prices {
            s.prices = std::fs::read_to_string(path)
                .map_err(|e| CliError::invalid(format!("cannot read {}: {e}", path.display())))?;
        }
        s = queue.set_spend_settings(s)?;
    }
    let from = args.from.as_deref().map(|t| day(t, &s)).transpose()?;
    let to = match args.to.as_deref() {
        // The end of that local day (23 or 25 hours on a day the clocks change).
        Some(t) => Some(s.day(day(t, &s)?).1),
        None => None,
    };
    let r = queue.spend_report(from, to)?;
    if args.json {
        print_json(&r)?;
    } else {
        println_out(&text(&r))?;
    }
    Ok(Exit::Ok)
}

fn unknown(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("  (+{n} of unknown cost)")
    }
}

/// The report as text: budgets, then a table per grouping.
pub fn text(r: &SpendReport) -> String {
    let mut out = Vec::new();
    let limit = |l: Option<Usd>| l.map_or_else(|| "no limit".to_owned(), |u| u.rounded());
    out.push(format!(
        "today {} of {}   this month {} of {}   running/queued about {}{}",
        r.today.rounded(),
        limit(r.settings.daily_limit),
        r.this_month.rounded(),
        limit(r.settings.monthly_limit),
        r.active.estimate.rounded(),
        unknown(r.active.unknown),
    ));
    out.push(format!(
        "{} to {} ({}): {} for {} generation(s){}",
        r.settings.day_label(r.from),
        r.settings.day_label(r.to - chrono::Duration::seconds(1)),
        r.time_zone.as_deref().unwrap_or("local time"),
        r.total.spent.rounded(),
        r.total.generations,
        unknown(r.total.unknown)
    ));
    let section = |title: &str, lines: &[genqueue_core::spend::SpendLine]| {
        let mut s = vec![format!("\n{title}")];
        if lines.is_empty() {
            s.push("  nothing spent".into());
        }
        for l in lines {
            let name = l.label.clone().unwrap_or_else(|| l.key.clone());
            s.push(format!(
                "  {name:<40} {:>10}  {:>5} gen{}",
                l.spent.rounded(),
                l.generations,
                unknown(l.unknown)
            ));
        }
        s.join("\n")
    };
    out.push(section("by day", &r.by_day));
    out.push(section("by model", &r.by_model));
    out.push(section("by token", &r.by_token));
    if let (Some(src), Some(date)) = (&r.prices_source, &r.prices_checked) {
        out.push(format!(
            "\nprices in USD from {src}, checked {date}; estimates, not Replicate's bill"
        ));
    }
    out.join("\n")
}
