//! The history page and search at 100,000 generations, on a real SQLite file.
//!
//! `cargo run --release -p genqueue-core --example history_bench [-- ROWS]`
//!
//! Fills a fresh store in a temporary folder (prompts of 8–30 words drawn
//! from a 5,000-word vocabulary with a few very common words, 6 models, a
//! year of history, 85 % completed / 7 % failed / 3 % cancelled / 3 % pending /
//! 2 % processing), then times each kind of page 200 times and prints p50,
//! p90, p99 and max in milliseconds. It prints, it does not assert: the goal is a
//! p99 under 50 ms.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use genqueue_core::model::{GenerationStatus as S, NewGeneration};
use genqueue_core::store::{HistoryQuery, MoveTo, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const MODELS: [&str; 6] = [
    "black-forest-labs/flux-schnell",
    "black-forest-labs/flux-dev",
    "black-forest-labs/flux-1.1-pro",
    "stability-ai/sdxl",
    "bytedance/sdxl-lightning-4step",
    "recraft-ai/recraft-v3",
];
const COMMON: [&str; 6] = ["a", "the", "photo", "of", "detailed", "light"];
const RUNS: usize = 200;

fn word(rng: &mut StdRng) -> String {
    let syll = [
        "ka", "lo", "mi", "ren", "tus", "ve", "dor", "sha", "qui", "zen", "pa", "ro",
    ];
    let n = rng.random_range(2..=4);
    (0..n)
        .map(|_| syll[rng.random_range(0..syll.len())])
        .collect()
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("genqueue.db");
    let store = Store::open(&path).expect("open");
    let mut rng = StdRng::seed_from_u64(8);
    let vocab: Vec<String> = (0..5000).map(|_| word(&mut rng)).collect();
    let t0 = Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap();
    let year_ms = 365 * 24 * 3600 * 1000i64;

    let fill = Instant::now();
    let mut ids = Vec::with_capacity(rows);
    let chunk = 50;
    for c in 0..rows.div_ceil(chunk) {
        let news: Vec<NewGeneration> = (0..chunk.min(rows - c * chunk))
            .map(|_| {
                let n = rng.random_range(8..=30);
                let prompt = (0..n)
                    .map(|_| {
                        if rng.random_bool(0.3) {
                            COMMON[rng.random_range(0..COMMON.len())].to_owned()
                        } else {
                            vocab[rng.random_range(0..vocab.len())].clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                NewGeneration {
                    creator: Default::default(),
                    model: MODELS[rng.random_range(0..MODELS.len())].parse().unwrap(),
                    input: json!({ "prompt": prompt, "aspect_ratio": "1:1" }),
                    prompt,
                    priority: 0,
                    batch_id: None,
                    retried_from: None,
                    deadlines: Default::default(),
                }
            })
            .collect();
        let at = t0 + chrono::Duration::milliseconds(year_ms * c as i64 / (rows / chunk) as i64);
        for g in store.insert_generations(&news, at).expect("insert") {
            ids.push((g.id, at));
        }
    }
    for (i, (id, at)) in ids.iter().enumerate() {
        let roll = rng.random_range(0..100);
        let status = match roll {
            0..85 => S::Completed,
            85..92 => S::Failed,
            92..95 => S::Cancelled,
            95..98 => S::Pending,
            _ => S::Processing,
        };
        if status == S::Pending {
            continue;
        }
        let took = rng.random_range(2_000..30_000);
        store
            .update_generation_at(*id, *at, |g| {
                g.status = status;
                g.viewed = i % 10 != 0;
                if status != S::Pending {
                    g.started_at = Some(*at + chrono::Duration::seconds(1));
                }
                if status.is_terminal() {
                    g.completed_at = Some(*at + chrono::Duration::milliseconds(1000 + took));
                }
            })
            .expect("update");
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "filled {rows} generations in {:.1} s (database {:.0} MB, WAL not counted)",
        fill.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    let c = store.counters().unwrap();
    println!(
        "  completed {} failed {} cancelled {} pending {} processing {}\n",
        c.completed, c.failed, c.cancelled, c.pending, c.processing
    );

    let rare = vocab[17].clone();
    let prefix2 = vocab[3][..2].to_owned();
    let sample: Vec<_> = ids.iter().map(|(id, _)| *id).collect();
    let q = |f: &dyn Fn(&mut HistoryQuery)| {
        let mut q = HistoryQuery::default();
        f(&mut q);
        q
    };
    let cases: Vec<(String, HistoryQuery, bool)> = vec![
        ("first page (100)".into(), q(&|_| {}), false),
        ("deep page, random cursor".into(), q(&|_| {}), true),
        ("first page (500)".into(), q(&|q| q.limit = 500), false),
        (
            "status failed".into(),
            q(&|q| q.statuses = vec![S::Failed]),
            true,
        ),
        (
            "status failed+cancelled".into(),
            q(&|q| q.statuses = vec![S::Failed, S::Cancelled]),
            true,
        ),
        (
            "status completed+failed".into(),
            q(&|q| q.statuses = vec![S::Completed, S::Failed]),
            true,
        ),
        (
            "status pending".into(),
            q(&|q| q.statuses = vec![S::Pending]),
            false,
        ),
        (
            "model".into(),
            q(&|q| q.model = Some(MODELS[3].into())),
            true,
        ),
        (
            "model + failed".into(),
            q(&|q| {
                q.model = Some(MODELS[3].into());
                q.statuses = vec![S::Failed];
            }),
            true,
        ),
        (
            "date range (one month)".into(),
            q(&|q| {
                q.from = Some(t0 + chrono::Duration::days(100));
                q.to = Some(t0 + chrono::Duration::days(130));
            }),
            false,
        ),
        (
            format!("search rare word {rare:?}"),
            q(&|q| q.text = Some(rare.clone())),
            false,
        ),
        (
            "search common word \"photo\"".into(),
            q(&|q| q.text = Some("photo".into())),
            true,
        ),
        (
            format!("search 2-letter prefix {prefix2:?}"),
            q(&|q| q.text = Some(prefix2.clone())),
            false,
        ),
        (
            "search two words \"photo light\"".into(),
            q(&|q| q.text = Some("photo light".into())),
            false,
        ),
        (
            format!("search {rare:?} + completed"),
            q(&|q| {
                q.text = Some(rare.clone());
                q.statuses = vec![S::Completed];
            }),
            false,
        ),
        (
            "search \"photo\" + failed".into(),
            q(&|q| {
                q.text = Some("photo".into());
                q.statuses = vec![S::Failed];
            }),
            false,
        ),
        (
            "search no match \"zzzz\"".into(),
            q(&|q| q.text = Some("zzzz".into())),
            false,
        ),
        (
            "search hostile \"\\\"*-:\\\" NEAR(\"".into(),
            q(&|q| q.text = Some("\"*-:\" NEAR(".into())),
            false,
        ),
    ];
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>8} {:>6}",
        "page", "p50 ms", "p90 ms", "p99 ms", "max ms", "items"
    );
    for (name, base, random_cursor) in &cases {
        let mut items = 0;
        let d = time(|i| {
            let mut q = base.clone();
            if *random_cursor {
                q.before = Some(sample[(i * 7919) % sample.len()]);
            }
            items = store.history(&q).expect("history").items.len();
        });
        print_row(name, &d, items);
    }
    let mut n = 0;
    print_row(
        "history_models",
        &time(|_| n = store.history_models().unwrap().len()),
        n,
    );
    print_row(
        "run_time_stats",
        &time(|_| n = store.run_time_stats().unwrap().len()),
        n,
    );
    print_row(
        "dispatch order, first 100",
        &time(|_| n = store.list_dispatch_order(100, None).unwrap().len()),
        n,
    );
    let pending: Vec<_> = store
        .list_dispatch_order(1000, None)
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    print_row(
        "move up (pending, random)",
        &time(|i| {
            let id = pending[(i * 31) % pending.len()];
            n = store
                .move_pending(id, MoveTo::Up, Utc::now())
                .unwrap()
                .len();
        }),
        n,
    );
    print_row(
        "reorder 100 shown (drag in the first 100)",
        &time(|i| {
            let mut shown: Vec<_> = store
                .list_dispatch_order(100, None)
                .unwrap()
                .into_iter()
                .map(|g| g.id)
                .collect();
            let x = shown.remove(i % 100);
            shown.insert((i * 13) % 99, x);
            n = store.reorder_pending(&shown, Utc::now()).unwrap().len();
        }),
        n,
    );
}

fn time(mut f: impl FnMut(usize)) -> Vec<Duration> {
    f(0); // warm the page cache and the statement cache
    let mut d: Vec<Duration> = (0..RUNS)
        .map(|i| {
            let t = Instant::now();
            f(i + 1);
            t.elapsed()
        })
        .collect();
    d.sort();
    d
}

fn print_row(name: &str, d: &[Duration], items: usize) {
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let p = |q: f64| d[((d.len() as f64 * q) as usize).min(d.len() - 1)];
    println!(
        "{name:<44} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {items:>6}",
        ms(p(0.50)),
        ms(p(0.90)),
        ms(p(0.99)),
        ms(*d.last().unwrap())
    );
}
