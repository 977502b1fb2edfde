//! Dispatch order: moves and drag-and-drop reorder are exact and persist;
//! batches count latest attempts.

use crate::model::GenerationId;

use super::backends::Backend;
use super::{new_gen, on_both, secs, t0};
use crate::model::GenerationStatus as S;
use crate::store::{MoveTo, Store, StoreError};

/// `n` pending generations, one second apart: dispatch order = insertion order.
fn queue_of(store: &Backend, n: usize) -> Vec<GenerationId> {
    (0..n)
        .map(|i| {
            store
                .insert_generations(&[new_gen(&format!("g{i}"))], t0() + secs(i as i64))
                .unwrap()[0]
                .id
        })
        .collect()
}

/// Every dispatchable id, in the order the engine would take them.
fn dispatch(store: &Backend) -> Vec<GenerationId> {
    store
        .next_dispatchable(t0() + secs(1_000_000), 1000)
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
}

fn listed(store: &Backend) -> Vec<GenerationId> {
    store
        .list_dispatch_order(1000, None)
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
}

#[test]
fn moves_are_exact_even_when_every_priority_ties() {
    on_both(|store| {
        let ids = queue_of(store, 6);
        let mut want = ids.clone();
        let mv = |id, to| store.move_pending(id, to, t0()).unwrap();

        mv(ids[3], MoveTo::Up);
        want.swap(2, 3);
        assert_eq!(dispatch(store), want);

        mv(ids[0], MoveTo::Down);
        want.swap(0, 1);
        assert_eq!(dispatch(store), want);

        mv(ids[5], MoveTo::Top);
        want.retain(|&i| i != ids[5]);
        want.insert(0, ids[5]);
        assert_eq!(dispatch(store), want);

        // The first cannot go up, the last cannot go down: nothing changes.
        assert!(mv(want[0], MoveTo::Up).is_empty());
        assert!(mv(*want.last().unwrap(), MoveTo::Down).is_empty());
        assert!(mv(want[0], MoveTo::Top).is_empty());
        assert_eq!(dispatch(store), want);

        // Many moves in a row stay exact.
        for round in 0..30 {
            let i = (round * 7) % 6;
            let to = [MoveTo::Up, MoveTo::Down, MoveTo::Top][round % 3];
            mv(want[i], to);
            match to {
                MoveTo::Up if i > 0 => want.swap(i - 1, i),
                MoveTo::Down if i < 5 => want.swap(i, i + 1),
                MoveTo::Top => {
                    let x = want.remove(i);
                    want.insert(0, x);
                }
                _ => {}
            }
            assert_eq!(dispatch(store), want, "round {round}");
        }
        assert_eq!(listed(store), want, "list_dispatch_order agrees");
    });
}

#[test]
fn next_goes_first_and_drops_its_retry_delay() {
    on_both(|store| {
        let ids = queue_of(store, 3);
        store
            .update_generation(ids[2], |g| {
                g.next_attempt_at = Some(t0() + secs(3600));
                g.wait_reason = Some(crate::wait::WaitReason::new(
                    crate::wait::WaitCode::Unreachable,
                ));
            })
            .unwrap();
        store.move_pending(ids[2], MoveTo::Next, t0()).unwrap();
        let ready: Vec<GenerationId> = store
            .next_dispatchable(t0() + secs(10), 10)
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(ready, [ids[2], ids[0], ids[1]]);
        let g = store.get_generation(ids[2]).unwrap().unwrap();
        assert_eq!((g.next_attempt_at, g.wait_reason), (None, None));
    });
}

/// Drags in a queue of 8 (two with priorities already): the whole list
/// reversed, a window in the middle, scattered ids; checks each order and
/// returns the last.
fn drags_give_exactly_the_dragged_order(store: &Backend) -> Vec<GenerationId> {
    let ids = queue_of(store, 8);
    // Some have priorities already.
    store.update_generation(ids[6], |g| g.priority = 5).unwrap();
    store
        .update_generation(ids[7], |g| g.priority = -2)
        .unwrap();
    let before = dispatch(store);
    assert_eq!(before[0], ids[6]);
    assert_eq!(*before.last().unwrap(), ids[7]);

    // The whole list, reversed.
    let reversed: Vec<GenerationId> = before.iter().rev().copied().collect();
    store.reorder_pending(&reversed, t0()).unwrap();
    assert_eq!(dispatch(store), reversed);

    // A window in the middle: it stays in place, in the new order.
    let cur = dispatch(store);
    let window = vec![cur[5], cur[2], cur[4], cur[3]];
    store.reorder_pending(&window, t0()).unwrap();
    let mut want = cur[..2].to_vec();
    want.extend(&window);
    want.extend(&cur[6..]);
    assert_eq!(dispatch(store), want);

    // Scattered ids go where the earliest of them was; the others keep their order.
    let cur = dispatch(store);
    store.reorder_pending(&[cur[6], cur[1]], t0()).unwrap();
    let want: Vec<GenerationId> = [
        cur[0], cur[6], cur[1], cur[2], cur[3], cur[4], cur[5], cur[7],
    ]
    .into();
    assert_eq!(dispatch(store), want);
    want
}

#[test]
fn reorder_gives_exactly_the_dragged_order_and_new_work_goes_last() {
    on_both(|store| {
        drags_give_exactly_the_dragged_order(store);
        let late = store
            .insert_generation(&new_gen("late"), t0() + secs(100))
            .unwrap();
        assert_eq!(*dispatch(store).last().unwrap(), late.id);
    });
}

#[test]
fn a_dragged_order_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    let want = drags_give_exactly_the_dragged_order(&Backend::Sqlite(Store::open(&path).unwrap()));
    let store = Backend::Sqlite(Store::open(&path).unwrap());
    assert_eq!(dispatch(&store), want, "the order is in the file");
}

#[test]
fn only_pending_generations_move() {
    on_both(|store| {
        let ids = queue_of(store, 3);
        store
            .update_generation(ids[1], |g| g.status = S::Completed)
            .unwrap();
        let err = store.move_pending(ids[1], MoveTo::Top, t0()).unwrap_err();
        assert!(matches!(err, StoreError::NotPending { .. }), "{err:?}");
        let err = store.reorder_pending(&[ids[2], ids[1]], t0()).unwrap_err();
        assert!(matches!(err, StoreError::NotPending { .. }), "{err:?}");
        assert_eq!(dispatch(store), [ids[0], ids[2]], "nothing changed");
        let err = store
            .move_pending(GenerationId::new(), MoveTo::Up, t0())
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    });
}

#[test]
fn dispatch_listing_puts_claimed_first_and_pages_by_cursor() {
    on_both(|store| {
        let ids = queue_of(store, 10);
        let token = store.insert_token("t", "abcd", t0()).unwrap();
        store
            .update_generation(ids[4], |g| g.token_id = Some(token.id))
            .unwrap();
        store.move_pending(ids[9], MoveTo::Top, t0()).unwrap();
        let all = listed(store);
        let mut want = vec![ids[4], ids[9]];
        want.extend(ids.iter().filter(|&&i| i != ids[4] && i != ids[9]));
        assert_eq!(all, want);
        let first = store.list_dispatch_order(4, None).unwrap();
        let rest = store.list_dispatch_order(100, Some(first[3].id)).unwrap();
        let paged: Vec<GenerationId> = first.iter().chain(&rest).map(|g| g.id).collect();
        assert_eq!(paged, want);
    });
}

#[test]
fn reorder_at_depth_in_a_long_queue_is_exact() {
    on_both(|store| {
        let ids = queue_of(store, 400);
        // Drag the 300th to just before the 100th: send the window 100..=300 in its new order.
        let mut window: Vec<GenerationId> = ids[100..=300].to_vec();
        let x = window.pop().unwrap();
        window.insert(0, x);
        store.reorder_pending(&window, t0()).unwrap();
        let mut want = ids[..100].to_vec();
        want.extend(&window);
        want.extend(&ids[301..]);
        assert_eq!(dispatch(store), want);
    });
}

#[test]
fn a_batch_counts_its_latest_attempts() {
    on_both(|store| {
        let batch = crate::ids::BatchId::new();
        let news: Vec<_> = (0..4)
            .map(|i| {
                let mut n = new_gen(&format!("b{i}"));
                n.batch_id = Some(batch);
                n
            })
            .collect();
        let rows = store.insert_generations(&news, t0()).unwrap();
        store
            .update_generation(rows[0].id, |g| g.status = S::Completed)
            .unwrap();
        store
            .update_generation(rows[1].id, |g| g.status = S::Failed)
            .unwrap();
        store
            .update_generation(rows[2].id, |g| g.status = S::Cancelled)
            .unwrap();
        let b = store.batch_summary(batch).unwrap();
        assert_eq!(
            (b.total, b.completed, b.failed, b.cancelled, b.active),
            (4, 1, 1, 1, 1)
        );
        // Retrying the failed one replaces it in the batch.
        let mut retry = new_gen("b1");
        retry.batch_id = Some(batch);
        retry.retried_from = Some(rows[1].id);
        let r = store.insert_generation(&retry, t0() + secs(5)).unwrap();
        let b = store.batch_summary(batch).unwrap();
        assert_eq!(
            (b.total, b.completed, b.failed, b.cancelled, b.active),
            (4, 1, 0, 1, 2)
        );
        let order: Vec<GenerationId> = b.generations.iter().map(|g| g.id).collect();
        assert_eq!(
            order,
            [rows[0].id, rows[2].id, rows[3].id, r.id],
            "oldest first"
        );
        assert!(matches!(
            store.batch_summary(crate::ids::BatchId::new()),
            Err(StoreError::NotFound { .. })
        ));
    });
}
