//! The history page: filters, cursor paging, models, running times, bulk
//! deletions; on a real SQLite file (and PostgreSQL where `on_both`). The
//! search itself: `history_search.rs`.

use crate::model::GenerationId;

use super::{assert_counters_exact, file_store, new_gen, on_both, secs, t0};
use crate::model::{GenerationStatus as S, NewGeneration};
use crate::store::{HistoryQuery, QueueStore};

pub(super) fn ids_of(page: &crate::store::HistoryPage) -> Vec<GenerationId> {
    page.items.iter().map(|g| g.id).collect()
}

pub(super) fn search(store: &dyn QueueStore, text: &str) -> Vec<GenerationId> {
    let q = HistoryQuery {
        text: Some(text.to_owned()),
        ..HistoryQuery::default()
    };
    ids_of(&store.history(&q).unwrap())
}

fn gen_on(model: &str, prompt: &str) -> NewGeneration {
    let mut n = new_gen(prompt);
    n.model = model.parse().unwrap();
    n
}

#[test]
fn filters_combine_and_the_cursor_pages_through_everything() {
    on_both(|store| {
        let mut all = Vec::new();
        for i in 0..60 {
            let model = if i % 3 == 0 { "a/one" } else { "b/two" };
            let g = store
                .insert_generation(
                    &gen_on(
                        model,
                        &format!("prompt {i} {}", if i % 2 == 0 { "even" } else { "odd" }),
                    ),
                    t0() + secs(i),
                )
                .unwrap();
            let status = match i % 4 {
                0 => S::Completed,
                1 => S::Failed,
                2 => S::Cancelled,
                _ => S::Pending,
            };
            store
                .update_generation(g.id, |g| g.status = status)
                .unwrap();
            all.push((i, model, status, g.id));
        }
        let want = |f: &dyn Fn(i64, &str, S) -> bool| -> Vec<GenerationId> {
            all.iter()
                .rev()
                .filter(|(i, m, s, _)| f(*i, m, *s))
                .map(|x| x.3)
                .collect()
        };
        // Walk a query page by page with a small limit; the pages join up exactly.
        let walk = |q: HistoryQuery| -> Vec<GenerationId> {
            let mut out = Vec::new();
            let mut q = HistoryQuery { limit: 7, ..q };
            loop {
                let page = store.history(&q).unwrap();
                assert!(page.items.len() <= 7);
                out.extend(ids_of(&page));
                match page.next_before {
                    Some(c) => q.before = Some(c),
                    None => break,
                }
            }
            out
        };
        assert_eq!(walk(HistoryQuery::default()), want(&|_, _, _| true));
        assert_eq!(
            walk(HistoryQuery {
                statuses: vec![S::Failed],
                ..HistoryQuery::default()
            }),
            want(&|_, _, s| s == S::Failed)
        );
        assert_eq!(
            walk(HistoryQuery {
                statuses: vec![S::Failed, S::Completed],
                ..HistoryQuery::default()
            }),
            want(&|_, _, s| matches!(s, S::Failed | S::Completed))
        );
        for one in S::ALL {
            assert_eq!(
                walk(HistoryQuery {
                    statuses: vec![one],
                    ..HistoryQuery::default()
                }),
                want(&|_, _, s| s == one),
                "{one}"
            );
        }
        assert_eq!(
            walk(HistoryQuery {
                statuses: vec![S::Pending, S::Failed],
                model: Some("b/two".into()),
                ..HistoryQuery::default()
            }),
            want(&|_, m, s| m == "b/two" && matches!(s, S::Pending | S::Failed))
        );
        assert_eq!(
            walk(HistoryQuery {
                model: Some("a/one".into()),
                ..HistoryQuery::default()
            }),
            want(&|_, m, _| m == "a/one")
        );
        assert_eq!(
            walk(HistoryQuery {
                model: Some("b/two".into()),
                statuses: vec![S::Pending, S::Cancelled],
                text: Some("even".into()),
                ..HistoryQuery::default()
            }),
            want(&|i, m, s| m == "b/two" && matches!(s, S::Pending | S::Cancelled) && i % 2 == 0)
        );
        assert_eq!(
            walk(HistoryQuery {
                from: Some(t0() + secs(10)),
                to: Some(t0() + secs(20)),
                ..HistoryQuery::default()
            }),
            want(&|i, _, _| (10..20).contains(&i)),
            "from is inclusive, to exclusive"
        );
        assert_eq!(
            walk(HistoryQuery {
                text: Some("odd".into()),
                statuses: vec![S::Failed],
                from: Some(t0() + secs(30)),
                ..HistoryQuery::default()
            }),
            want(&|i, _, s| i % 2 == 1 && s == S::Failed && i >= 30)
        );
        // An exact last page says there is no next one.
        let page = store
            .history(&HistoryQuery {
                limit: 60,
                ..HistoryQuery::default()
            })
            .unwrap();
        assert_eq!((page.items.len(), page.next_before), (60, None));
        assert_eq!(store.history_models().unwrap(), ["a/one", "b/two"]);
    });
}

#[test]
fn a_search_with_many_matches_pages_exactly_like_the_plain_filter() {
    let (_dir, store) = file_store();
    // Over 4,000 matches: the page is found by walking the index in chunks.
    let news: Vec<_> = (0..5000)
        .map(|i| {
            let m = if i % 5 == 0 { "a/one" } else { "b/two" };
            let extra = if i % 3 == 0 { "rare" } else { "plain" };
            gen_on(m, &format!("common {extra} {i}"))
        })
        .collect();
    let rows = store.insert_generations(&news, t0()).unwrap();
    store
        .with_conn(|c| {
            c.execute(
                "UPDATE generations SET status = CASE abs(random()) % 3 \
                 WHEN 0 THEN 'completed' WHEN 1 THEN 'failed' ELSE 'pending' END, \
                 created_at = strftime('%Y-%m-%dT%H:%M:%fZ', '2026-05-01', \
                   '+' || (abs(random()) % 100000) || ' seconds')",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows.len(), 5000);
    let walk = |q: HistoryQuery| -> Vec<GenerationId> {
        let mut out = Vec::new();
        let mut q = HistoryQuery { limit: 300, ..q };
        loop {
            let page = store.history(&q).unwrap();
            out.extend(ids_of(&page));
            match page.next_before {
                Some(c) => q.before = Some(c),
                None => break,
            }
        }
        out
    };
    // The same question without the search, filtered here by prompt.
    let reference = |q: HistoryQuery, word: &str| -> Vec<GenerationId> {
        let all = walk(HistoryQuery { text: None, ..q });
        all.into_iter()
            .filter(|id| {
                let g = store.get_generation(*id).unwrap().unwrap();
                g.prompt.split(' ').any(|w| w.starts_with(word))
            })
            .collect()
    };
    for q in [
        HistoryQuery::default(),
        HistoryQuery {
            statuses: vec![S::Failed, S::Pending],
            ..HistoryQuery::default()
        },
        HistoryQuery {
            model: Some("b/two".into()),
            ..HistoryQuery::default()
        },
    ] {
        let common = walk(HistoryQuery {
            text: Some("common".into()),
            ..q.clone()
        });
        assert_eq!(common, reference(q.clone(), "common"), "{q:?}");
        let rare = walk(HistoryQuery {
            text: Some("commo rare".into()),
            ..q.clone()
        });
        let want: Vec<GenerationId> = reference(q.clone(), "rare");
        assert_eq!(rare, want, "{q:?}");
    }
}

#[test]
fn limit_defaults_to_100_and_caps_at_500() {
    on_both(|store| {
        let news: Vec<_> = (0..600).map(|i| new_gen(&format!("p{i}"))).collect();
        store.insert_generations(&news, t0()).unwrap();
        let len = |limit| {
            store
                .history(&HistoryQuery {
                    limit,
                    ..HistoryQuery::default()
                })
                .unwrap()
                .items
                .len()
        };
        assert_eq!((len(0), len(100), len(1000)), (100, 100, 500));
    });
}

#[test]
fn run_time_stats_are_medians_of_the_latest_twenty_completed_per_model() {
    on_both(|store| {
        for i in 0..25i64 {
            let g = store
                .insert_generation(&gen_on("a/one", "x"), t0() + secs(i))
                .unwrap();
            // The 5 oldest took 100 s; the 20 latest 2..=21 s.
            let took = if i < 5 { 100 } else { i - 3 };
            store
                .update_generation(g.id, |g| {
                    g.status = S::Completed;
                    g.started_at = Some(t0() + secs(1000 + i * 100));
                    g.completed_at = Some(t0() + secs(1000 + i * 100 + took));
                })
                .unwrap();
        }
        let failed = store
            .insert_generation(&gen_on("b/two", "y"), t0())
            .unwrap();
        store
            .update_generation(failed.id, |g| g.status = S::Failed)
            .unwrap();
        let stats = store.run_time_stats().unwrap();
        assert_eq!(
            stats.len(),
            1,
            "a model with nothing completed has no figure"
        );
        assert_eq!(stats[0].model_name, "a/one");
        assert_eq!(stats[0].samples, 20);
        assert_eq!(stats[0].median_seconds, 11.5);
    });
}

#[test]
fn clear_finished_deletes_only_viewed_finished_rows_and_returns_their_files() {
    on_both(|store| {
        let mut ids = Vec::new();
        for (i, (status, viewed)) in [
            (S::Completed, true),
            (S::Completed, false),
            (S::Failed, true),
            (S::Cancelled, true),
            (S::Pending, true),
            (S::Processing, true),
        ]
        .into_iter()
        .enumerate()
        {
            let g = store
                .insert_generation(&new_gen(&format!("p{i}")), t0())
                .unwrap();
            store
                .update_generation(g.id, |g| {
                    g.status = status;
                    g.viewed = viewed;
                    g.output_files = vec![format!("outputs/{}/0.png", g.id)];
                })
                .unwrap();
            ids.push(g.id);
        }
        let mut gone: Vec<GenerationId> = store
            .delete_finished_viewed(None)
            .unwrap()
            .into_iter()
            .map(|r| {
                assert_eq!(r.output_files, [format!("outputs/{}/0.png", r.id)]);
                r.id
            })
            .collect();
        gone.sort();
        let mut want = vec![ids[0], ids[2], ids[3]];
        want.sort();
        assert_eq!(gone, want);
        assert_eq!(store.counters().unwrap().completed, 1);
        assert_counters_exact(store);
        assert!(
            search(&**store, "p0").is_empty(),
            "the search index follows"
        );
    });
}

#[test]
fn retention_deletes_finished_rows_older_than_the_cutoff() {
    on_both(|store| {
        let old = store.insert_generation(&new_gen("old"), t0()).unwrap();
        let recent = store.insert_generation(&new_gen("recent"), t0()).unwrap();
        let waiting = store.insert_generation(&new_gen("waiting"), t0()).unwrap();
        store
            .update_generation(old.id, |g| {
                g.status = S::Failed;
                g.completed_at = Some(t0() + secs(10));
            })
            .unwrap();
        store
            .update_generation(recent.id, |g| {
                g.status = S::Completed;
                g.completed_at = Some(t0() + secs(100));
            })
            .unwrap();
        let gone = store.delete_finished_before(t0() + secs(50)).unwrap();
        assert_eq!(gone.iter().map(|r| r.id).collect::<Vec<_>>(), [old.id]);
        assert!(store.get_generation(recent.id).unwrap().is_some());
        assert!(
            store.get_generation(waiting.id).unwrap().is_some(),
            "pending stays"
        );
    });
}

#[test]
fn history_pages_use_their_indexes() {
    let (_dir, store) = file_store();
    let plan = |sql: &str| -> String {
        store
            .with_conn(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?.join(" | "))
            })
            .unwrap()
    };
    let models = plan(
        "WITH RECURSIVE m(name) AS (SELECT min(model_name) FROM generations UNION ALL \
         SELECT (SELECT min(model_name) FROM generations WHERE model_name > m.name) \
         FROM m WHERE m.name IS NOT NULL) SELECT name FROM m",
    );
    assert!(models.contains("generations_model_newest"), "{models}");
    let status = plan(
        "SELECT id FROM generations INDEXED BY generations_failed_newest \
         WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT 10",
    );
    assert!(
        !status.contains("TEMP B-TREE"),
        "one status needs no sort: {status}"
    );
}

#[test]
fn history_pages_and_totals_are_read_beside_a_writer_holding_the_store() {
    let (_dir, store) = file_store();
    let first = store
        .insert_generations(&[new_gen("a lighthouse")], t0())
        .unwrap()[0]
        .id;
    assert_eq!(
        ids_of(&store.history(&HistoryQuery::default()).unwrap()),
        [first]
    );
    // The engine's connection is busy (a long write): History still answers.
    let (hold, release) = std::sync::mpsc::channel::<()>();
    let (held, is_held) = std::sync::mpsc::channel::<()>();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            store
                .with_conn(|_conn| {
                    held.send(()).unwrap();
                    release.recv().unwrap();
                    Ok(())
                })
                .unwrap();
        })
    };
    is_held.recv().unwrap();
    let (answer, answered) = std::sync::mpsc::channel();
    {
        let store = store.clone();
        std::thread::spawn(move || {
            let page = store.history(&HistoryQuery::default()).map(|p| ids_of(&p));
            let total = store
                .history_spend(&HistoryQuery::default())
                .map(|t| t.generations);
            let _ = answer.send((page, total));
        });
    }
    let got = answered.recv_timeout(std::time::Duration::from_secs(20));
    hold.send(()).unwrap();
    writer.join().unwrap();
    let (page, total) = got.expect("History waited for the writer's connection");
    assert_eq!(page.unwrap(), [first]);
    assert_eq!(total.unwrap(), 1);
    // What the writer commits later is read: the reader holds no snapshot.
    let second = store
        .insert_generations(&[new_gen("a harbour")], t0() + secs(1))
        .unwrap()[0]
        .id;
    assert_eq!(
        ids_of(&store.history(&HistoryQuery::default()).unwrap()),
        [second, first]
    );
}
