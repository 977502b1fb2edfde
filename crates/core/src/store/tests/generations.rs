//! Generation rows: insert, read, list, view, delete, update, dispatch, counters.

use serde_json::json;

use crate::model::GenerationId;

use super::{assert_counters_exact, file_store, new_gen, on_both, secs, t0};
use crate::model::{ErrorKind, GenerationStatus as S, PROMPT_EXCERPT_CHARS};
use crate::store::{ListQuery, StoreError};

#[test]
fn insert_makes_a_pending_row_with_settings_minus_prompt() {
    on_both(|store| {
        let now = t0() + chrono::Duration::nanoseconds(123_456_789);
        let g = store.insert_generation(&new_gen("a red fox"), now).unwrap();
        assert_eq!(g.id.uuid().get_version_num(), 7);
        assert_eq!(g.status, S::Pending);
        assert_eq!(g.model_name, "black-forest-labs/flux-schnell");
        assert_eq!(
            g.settings,
            json!({ "aspect_ratio": "1:1", "num_outputs": 1 })
        );
        assert_eq!(g.input["prompt"], "a red fox");
        assert_eq!(
            g.created_at,
            t0() + secs(0) + chrono::Duration::milliseconds(123)
        );
        assert_eq!(g.updated_at, g.created_at);
        assert!(!g.viewed && g.token_id.is_none() && g.attempts == 0);
        assert_eq!(store.get_generation(g.id).unwrap(), Some(g));
        assert_eq!(store.get_generation(GenerationId::new()).unwrap(), None);
    });
}

#[test]
fn input_that_is_not_an_object_is_refused() {
    on_both(|store| {
        let mut bad = new_gen("x");
        bad.input = json!("just a string");
        let err = store.insert_generation(&bad, t0()).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    });
}

#[test]
fn a_batch_is_inserted_whole_or_not_at_all() {
    on_both(|store| {
        let batch = crate::ids::BatchId::new();
        let news: Vec<_> = (0..5)
            .map(|i| {
                let mut n = new_gen(&format!("p{i}"));
                n.batch_id = Some(batch);
                n
            })
            .collect();
        let rows = store.insert_generations(&news, t0()).unwrap();
        assert_eq!(rows.len(), 5);
        assert!(rows.windows(2).all(|w| w[0].id < w[1].id));
        assert!(rows.iter().all(|g| g.batch_id == Some(batch)));
        let mut with_bad = news.clone();
        with_bad[3].input = json!(null);
        assert!(store.insert_generations(&with_bad, t0()).is_err());
        assert_eq!(store.counters().unwrap().pending, 5);
    });
}

#[test]
fn list_is_newest_first_with_limit_filters_and_cursor() {
    on_both(|store| {
        let mut ids = Vec::new();
        for i in 0..10 {
            ids.push(
                store
                    .insert_generation(&new_gen(&format!("p{i}")), t0() + secs(i))
                    .unwrap()
                    .id,
            );
        }
        // Two generations in the same millisecond: the id breaks the tie.
        let same = store
            .insert_generations(&[new_gen("s0"), new_gen("s1")], t0() + secs(20))
            .unwrap();
        let all = store.list_generations(&ListQuery::default()).unwrap();
        let got: Vec<GenerationId> = all.iter().map(|s| s.id).collect();
        let mut want: Vec<GenerationId> = ids.iter().rev().copied().collect();
        want.insert(0, same[0].id);
        want.insert(0, same[1].id);
        assert_eq!(got, want);

        let page = |before, limit| {
            let q = ListQuery {
                limit,
                before,
                ..ListQuery::default()
            };
            store
                .list_generations(&q)
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(page(None, 3), want[..3]);
        assert_eq!(page(Some(want[2]), 3), want[3..6]);
        assert_eq!(page(Some(want[10]), 50), want[11..]);
        assert!(page(None, 0).is_empty());

        store
            .update_generation(ids[5], |g| g.status = S::Completed)
            .unwrap();
        store.mark_viewed(ids[7], t0()).unwrap();
        let done = ListQuery {
            statuses: vec![S::Completed],
            ..ListQuery::default()
        };
        assert_eq!(
            store
                .list_generations(&done)
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>(),
            [ids[5]]
        );
        let unviewed = ListQuery {
            unviewed_only: true,
            ..ListQuery::default()
        };
        let got = store.list_generations(&unviewed).unwrap();
        assert_eq!(got.len(), 11);
        assert!(got.iter().all(|s| s.id != ids[7]));
        let two = ListQuery {
            statuses: vec![S::Completed, S::Pending],
            limit: 100,
            ..ListQuery::default()
        };
        assert_eq!(store.list_generations(&two).unwrap().len(), 12);
    });
}

#[test]
fn a_deleted_cursor_pages_by_its_uuid_time() {
    on_both(|store| {
        // Real clock here: the cursor's UUID v7 time must match created_at.
        let now = chrono::Utc::now();
        let a = store.insert_generation(&new_gen("a"), now).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = store
            .insert_generation(&new_gen("b"), now + secs(1))
            .unwrap();
        let c = store
            .insert_generation(&new_gen("c"), now + secs(2))
            .unwrap();
        store.delete_generation(b.id).unwrap();
        let q = ListQuery {
            before: Some(b.id),
            ..ListQuery::default()
        };
        let got: Vec<GenerationId> = store
            .list_generations(&q)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(got, [a.id]);
        let _ = c;
    });
}

#[test]
fn summary_carries_a_prompt_excerpt_of_whole_characters() {
    on_both(|store| {
        let prompt = "é🦊".repeat(150);
        let g = store.insert_generation(&new_gen(&prompt), t0()).unwrap();
        let listed = store
            .list_generations(&ListQuery::default())
            .unwrap()
            .remove(0);
        assert_eq!(listed.prompt_excerpt.chars().count(), PROMPT_EXCERPT_CHARS);
        assert_eq!(listed, g.summary());
    });
}

#[test]
fn mark_viewed_is_idempotent_and_mark_all_returns_what_changed() {
    on_both(|store| {
        let a = store.insert_generation(&new_gen("a"), t0()).unwrap();
        let b = store.insert_generation(&new_gen("b"), t0()).unwrap();
        let c = store.insert_generation(&new_gen("c"), t0()).unwrap();
        let seen = store.mark_viewed(a.id, t0() + secs(5)).unwrap().unwrap();
        assert!(seen.viewed);
        assert_eq!(seen.viewed_at, Some(t0() + secs(5)));
        let seq = store.counters().unwrap().seq;
        let again = store.mark_viewed(a.id, t0() + secs(9)).unwrap().unwrap();
        assert_eq!(again.viewed_at, Some(t0() + secs(5)));
        assert_eq!(
            store.counters().unwrap().seq,
            seq,
            "a no-op must not bump seq"
        );
        assert_eq!(store.mark_viewed(GenerationId::new(), t0()).unwrap(), None);
        assert_eq!(store.counters().unwrap().unviewed, 2);
        let mut changed = store.mark_all_viewed(t0() + secs(10), None).unwrap();
        changed.sort();
        let mut want = vec![b.id, c.id];
        want.sort();
        assert_eq!(changed, want);
        assert!(store.mark_all_viewed(t0(), None).unwrap().is_empty());
        assert_eq!(store.counters().unwrap().unviewed, 0);
        assert_counters_exact(store);
    });
}

#[test]
fn delete_returns_the_row_once() {
    on_both(|store| {
        let g = store.insert_generation(&new_gen("a"), t0()).unwrap();
        assert_eq!(store.delete_generation(g.id).unwrap(), Some(g.clone()));
        assert_eq!(store.delete_generation(g.id).unwrap(), None);
        assert_eq!(store.get_generation(g.id).unwrap(), None);
        assert_counters_exact(store);
    });
}

#[test]
fn update_writes_every_mutable_field_in_one_transaction() {
    let (_dir, store) = file_store();
    let g = store.insert_generation(&new_gen("a"), t0()).unwrap();
    let token = store.insert_token("main", "wxyz", t0()).unwrap();
    let at = t0() + secs(30);
    let updated = store
        .update_generation_at(g.id, at, |g| {
            g.id = GenerationId::new(); // ignored
            g.created_at = at; // ignored
            g.status = S::Failed;
            g.output_urls = vec!["https://replicate.delivery/x/out-0.webp".into()];
            g.output_files = vec!["outputs/x/0.webp".into()];
            g.started_at = Some(t0() + secs(1));
            g.completed_at = Some(t0() + secs(2));
            g.prediction_id = Some("q1w2e3".into());
            g.token_id = Some(token.id);
            g.replicate_status = Some("aborted".into());
            g.error = None;
            g.error_kind = Some(ErrorKind::Aborted);
            g.progress = Some(42);
            g.priority = 7;
            g.attempts = 3;
            g.next_attempt_at = Some(t0() + secs(60));
            g.wait_reason = Some(crate::wait::WaitReason::new(crate::wait::WaitCode::AllBusy));
            g.create_sent_at = Some(t0() + secs(1));
            g.retried_from = Some(GenerationId::new());
        })
        .unwrap();
    assert_eq!(updated.id, g.id);
    assert_eq!(updated.created_at, g.created_at);
    assert_eq!(updated.updated_at, at);
    assert_eq!(updated.error_kind, Some(ErrorKind::Aborted));
    assert_eq!(updated.progress, Some(42));
    assert_eq!(store.get_generation(g.id).unwrap(), Some(updated.clone()));
    assert_counters_exact(&store);

    let seq = store.counters().unwrap().seq;
    let same = store
        .update_generation_at(g.id, at + secs(5), |_| {})
        .unwrap();
    assert_eq!(same, updated);
    assert_eq!(store.counters().unwrap().seq, seq);

    let err = store
        .update_generation(GenerationId::new(), |g| g.attempts += 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "generation",
                ..
            }
        ),
        "{err:?}"
    );
    let err = store
        .update_generation(g.id, |g| g.progress = Some(101))
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.get_generation(g.id).unwrap(), Some(updated));
}

#[test]
fn dispatch_order_is_priority_then_age_and_respects_next_attempt() {
    on_both(|store| {
        let old = store.insert_generation(&new_gen("old"), t0()).unwrap();
        let mut hi = new_gen("urgent");
        hi.priority = 5;
        let urgent = store.insert_generation(&hi, t0() + secs(10)).unwrap();
        let young = store
            .insert_generation(&new_gen("young"), t0() + secs(5))
            .unwrap();
        let later = store
            .insert_generation(&new_gen("later"), t0() + secs(1))
            .unwrap();
        store
            .update_generation(later.id, |g| g.next_attempt_at = Some(t0() + secs(100)))
            .unwrap();
        let claimed = store
            .insert_generation(&new_gen("claimed"), t0() + secs(2))
            .unwrap();
        let token = store.insert_token("t", "abcd", t0()).unwrap();
        store
            .update_generation(claimed.id, |g| g.token_id = Some(token.id))
            .unwrap();
        let done = store
            .insert_generation(&new_gen("done"), t0() + secs(3))
            .unwrap();
        store
            .update_generation(done.id, |g| g.status = S::Completed)
            .unwrap();

        let ids = |now, n| {
            store
                .next_dispatchable(now, n)
                .unwrap()
                .iter()
                .map(|g| g.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(t0() + secs(50), 10), [urgent.id, old.id, young.id]);
        assert_eq!(ids(t0() + secs(50), 2), [urgent.id, old.id]);
        assert_eq!(
            ids(t0() + secs(100), 10),
            [urgent.id, old.id, later.id, young.id]
        );
        assert_eq!(
            store.earliest_next_attempt().unwrap(),
            Some(t0() + secs(100))
        );
        store
            .update_generation(later.id, |g| g.next_attempt_at = None)
            .unwrap();
        assert_eq!(store.earliest_next_attempt().unwrap(), None);
    });
}

#[test]
fn in_flight_is_every_active_generation_holding_a_token() {
    on_both(|store| {
        let token = store.insert_token("t", "abcd", t0()).unwrap();
        let rows = store
            .insert_generations(
                &[
                    new_gen("a"),
                    new_gen("b"),
                    new_gen("c"),
                    new_gen("d"),
                    new_gen("e"),
                ],
                t0(),
            )
            .unwrap();
        store
            .update_generation(rows[0].id, |g| {
                g.status = S::Processing;
                g.token_id = Some(token.id);
            })
            .unwrap();
        // Processing, but its token was removed: no owner can follow it.
        store
            .update_generation(rows[4].id, |g| g.status = S::Processing)
            .unwrap();
        store
            .update_generation(rows[1].id, |g| {
                g.token_id = Some(token.id);
                g.create_sent_at = Some(t0());
            })
            .unwrap();
        store
            .update_generation(rows[3].id, |g| {
                g.status = S::Completed;
                g.token_id = Some(token.id);
            })
            .unwrap();
        let ids: Vec<GenerationId> = store.in_flight().unwrap().iter().map(|g| g.id).collect();
        assert_eq!(ids, [rows[0].id, rows[1].id]);
    });
}

#[test]
fn counters_stay_exact_through_inserts_updates_deletes_and_views() {
    on_both(|store| {
        let rows = store
            .insert_generations(
                &(0..40)
                    .map(|i| new_gen(&format!("p{i}")))
                    .collect::<Vec<_>>(),
                t0(),
            )
            .unwrap();
        assert_counters_exact(store);
        let mut seq = store.counters().unwrap().seq;
        assert_eq!(seq, 40);
        for (i, g) in rows.iter().enumerate() {
            let status = crate::model::GenerationStatus::ALL[i % 5];
            store
                .update_generation(g.id, |g| g.status = status)
                .unwrap();
            seq += u64::from(i % 5 != 0);
            if i % 3 == 0 {
                store.mark_viewed(g.id, t0()).unwrap();
                seq += 1;
            }
            if i % 7 == 0 {
                store.delete_generation(g.id).unwrap();
                seq += 1;
            }
            assert_counters_exact(store);
        }
        let c = store.counters().unwrap();
        assert_eq!(c.seq, seq);
        assert_eq!(c.active, c.pending + c.processing);
        assert_eq!(
            c.pending + c.processing + c.completed + c.failed + c.cancelled,
            40 - 6
        );
    });
}

fn bulk_insert(store: &crate::store::Store, n: usize) {
    let news: Vec<_> = (0..n)
        .map(|i| new_gen(&format!("prompt number {i}")))
        .collect();
    store.insert_generations(&news, t0()).unwrap();
}

#[test]
fn counters_read_in_constant_time_at_20k_rows() {
    let (_dir, store) = file_store();
    bulk_insert(&store, 20_000);
    let plan: Vec<String> = store
        .with_conn(|c| {
            let mut s = c.prepare(
                "EXPLAIN QUERY PLAN SELECT pending, processing, completed, failed, cancelled, \
                 unviewed, seq FROM counters WHERE id = 1",
            )?;
            let rows = s.query_map([], |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(plan.iter().all(|p| !p.contains("generations")), "{plan:?}");
    let c = store.counters().unwrap();
    assert_eq!((c.pending, c.unviewed, c.seq), (20_000, 20_000, 20_000));
    assert_counters_exact(&store);
}

#[test]
#[ignore = "slow: 100,000 rows; run with --ignored"]
fn counters_stay_exact_at_100k_rows() {
    let (_dir, store) = file_store();
    bulk_insert(&store, 100_000);
    store.mark_all_viewed(t0(), None).unwrap();
    assert_counters_exact(&store);
    assert_eq!(store.counters().unwrap().unviewed, 0);
}

#[test]
fn hot_queries_use_their_indexes() {
    let (_dir, store) = file_store();
    let plan = |sql: &str| -> String {
        store
            .with_conn(|c| {
                let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = s.query_map([], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?.join("; "))
            })
            .unwrap()
    };
    let cases = [
        (
            "SELECT id FROM generations ORDER BY created_at DESC, id DESC LIMIT 50",
            "generations_newest",
        ),
        (
            "SELECT id FROM generations WHERE (created_at, id) < ('a', 'b') \
             ORDER BY created_at DESC, id DESC LIMIT 50",
            "generations_newest",
        ),
        (
            "SELECT id FROM generations WHERE viewed = 0 ORDER BY created_at DESC, id DESC LIMIT 50",
            "generations_unviewed",
        ),
        (
            "SELECT id FROM generations INDEXED BY generations_dispatch \
             WHERE status = 'pending' AND token_id IS NULL \
             AND (next_attempt_at IS NULL OR next_attempt_at <= 'x') \
             ORDER BY priority DESC, created_at ASC, id ASC LIMIT 5",
            "generations_dispatch",
        ),
        (
            "SELECT min(next_attempt_at) FROM generations WHERE status = 'pending' \
             AND token_id IS NULL AND next_attempt_at IS NOT NULL",
            "generations_next_attempt",
        ),
        (
            "SELECT id FROM generations WHERE status IN ('pending', 'processing') \
             AND (status = 'processing' OR token_id IS NOT NULL)",
            "generations_active",
        ),
        (
            "SELECT id FROM generations WHERE prediction_id = 'p'",
            "generations_prediction",
        ),
        (
            crate::store::tokens::TOKEN_SELECT,
            "generations_token_slots",
        ),
    ];
    for (sql, index) in cases {
        let p = plan(sql);
        assert!(p.contains(index), "{sql}\n  → {p}");
    }
}

#[test]
fn the_readers_column_positions_are_the_columns_sqlite_reports_for_the_select_lists() {
    use crate::store::generation_rows::{G, GENERATION_COLUMNS, S as Sum, SUMMARY_COLUMNS};
    let store = crate::store::Store::open_in_memory().unwrap();
    let summary = SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string());
    let (all, short) = store
        .with_conn(|conn| {
            let names = |cols: &str| -> Result<Vec<String>, StoreError> {
                let stmt = conn.prepare(&format!("SELECT {cols} FROM generations"))?;
                Ok(stmt.column_names().into_iter().map(str::to_owned).collect())
            };
            Ok((names(GENERATION_COLUMNS)?, names(&summary)?))
        })
        .unwrap();
    assert_eq!(all.len(), 32);
    assert_eq!(all, G::NAMES);
    assert_eq!(all[G::run_deadline_secs as usize], "run_deadline_secs");
    assert_eq!(short, Sum::NAMES);
    assert_eq!(short[Sum::prompt_excerpt as usize], "prompt_excerpt");
}
