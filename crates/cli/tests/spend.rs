//! `genq spend`: budgets set from the command line, a malformed price file
//! refused with its line and reason (nothing stored), the report as JSON.

mod common;

use common::{Env, assert_refused};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn budgets_are_set_and_a_bad_price_line_is_refused_with_its_number() {
    let env = Env::start(1).await;
    let out = env
        .genq(
            &["spend", "--daily-limit", "$5", "--monthly-limit", "50.5"],
            None,
        )
        .await;
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("today $0.00 of $5.00"), "{text}");
    assert!(text.contains("this month $0.00 of $50.50"), "{text}");

    let file = env.data_dir().join("prices.txt");
    std::fs::write(&file, "acme/a 0.02 per image\nacme/b 0.02 per frame\n").unwrap();
    let out = env
        .genq(&["spend", "--prices", file.to_str().unwrap()], None)
        .await;
    assert_refused(
        &out,
        1,
        "price table line 2: \"acme/b 0.02 per frame\": unknown unit \"frame\"",
    );

    let out = env.genq(&["spend", "--json"], None).await;
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["settings"]["daily_limit"], 5_000_000, "{r}");
    assert_eq!(r["settings"]["monthly_limit"], 50_500_000);
    assert_eq!(
        r["settings"]["prices"], "",
        "the refused file stored nothing"
    );
    assert_eq!(r["total"]["spent"], 0);
    assert_eq!(r["prices_checked"], "2026-12-02");

    let out = env.genq(&["spend", "--daily-limit", "none"], None).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("today $0.00 of no limit"));

    let out = env.genq(&["spend", "--time-zone", "Mars/Base"], None).await;
    assert_refused(&out, 1, "unknown time zone \"Mars/Base\"");
    // A day in Berlin the clocks go forward: 23 hours, from midnight CET to midnight CEST.
    let out = env
        .genq(
            &[
                "spend",
                "--time-zone",
                "Europe/Berlin",
                "--from",
                "2026-03-29",
                "--to",
                "2026-03-29",
                "--json",
            ],
            None,
        )
        .await;
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["time_zone"], "Europe/Berlin", "{r}");
    assert_eq!(r["settings"]["time_zone"], "Europe/Berlin");
    assert_eq!(r["from"], "2026-03-28T23:00:00Z");
    assert_eq!(r["to"], "2026-03-29T22:00:00Z");
}
