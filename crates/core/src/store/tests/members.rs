//! Each member's counters and the list of members (issue #15, "People"):
//! kept by triggers through inserts, status and viewed changes and deletes,
//! equal to a recount of the member's rows; "clear finished" and "mark all
//! viewed" limited to one member — on both stores.

use super::backends::Backend;
use super::{new_gen, on_both, t0};
use crate::model::{Counters, Creator, GenerationStatus as S};
use crate::store::ListQuery;

fn by(member: &str) -> Creator {
    Creator {
        member: Some(member.into()),
        machine: Some(format!("{member}-laptop")),
    }
}

/// The member's counters recounted from their rows (as the window would
/// count its list), `seq` left 0.
fn recount(store: &Backend, member: &str) -> Counters {
    let rows = store
        .list_generations(&ListQuery {
            limit: 500,
            created_by: Some(member.into()),
            ..ListQuery::default()
        })
        .unwrap();
    let n = |s: S| rows.iter().filter(|g| g.status == s).count() as u64;
    Counters {
        active: n(S::Pending) + n(S::Processing),
        unviewed: rows.iter().filter(|g| !g.viewed).count() as u64,
        pending: n(S::Pending),
        processing: n(S::Processing),
        completed: n(S::Completed),
        failed: n(S::Failed),
        cancelled: n(S::Cancelled),
        seq: 0,
    }
}

#[track_caller]
fn assert_member_counters_exact(store: &Backend) {
    let seq = store.counters().unwrap().seq;
    for m in ["Ada", "Bob", "Carol"] {
        let kept = store.member_counters(m).unwrap();
        assert_eq!(kept.seq, seq, "{m}'s counters carry the queue's seq");
        assert_eq!(Counters { seq: 0, ..kept }, recount(store, m), "{m}");
    }
}

#[test]
fn each_members_counters_follow_their_rows_and_no_one_elses() {
    on_both(|store| {
        let mut ids = Vec::new();
        for (i, member) in ["Ada", "Bob", "Ada", "Ada", "Bob"].iter().enumerate() {
            let mut g = new_gen(&format!("{member} {i}"));
            g.creator = by(member);
            ids.push(store.insert_generation(&g, t0()).unwrap().id);
        }
        // One from before creators were recorded: nobody's.
        let old = store.insert_generation(&new_gen("old"), t0()).unwrap();
        assert_member_counters_exact(store);
        let ada = store.member_counters("Ada").unwrap();
        assert_eq!((ada.pending, ada.active, ada.unviewed), (3, 3, 3));
        assert_eq!(store.member_counters("Carol").unwrap().active, 0);

        let steps: [(usize, S, bool); 6] = [
            (0, S::Processing, false),
            (0, S::Completed, false),
            (1, S::Failed, true),
            (2, S::Cancelled, true),
            (4, S::Completed, false),
            (0, S::Completed, true),
        ];
        for (i, status, viewed) in steps {
            store
                .update_generation(ids[i], |g| {
                    g.status = status;
                    g.viewed = viewed;
                })
                .unwrap();
            assert_member_counters_exact(store);
        }
        // A write that changes neither status nor viewed counts nothing twice.
        store
            .update_generation(ids[3], |g| g.progress = Some(40))
            .unwrap();
        assert_member_counters_exact(store);
        store.mark_viewed(old.id, t0()).unwrap();
        store.delete_generation(ids[1]).unwrap();
        assert_member_counters_exact(store);
        let ada = store.member_counters("Ada").unwrap();
        assert_eq!(
            (ada.completed, ada.cancelled, ada.pending, ada.unviewed),
            (1, 1, 1, 1)
        );
        let bob = store.member_counters("Bob").unwrap();
        assert_eq!((bob.completed, bob.failed, bob.unviewed), (1, 0, 1));
        // The whole queue's counters are still everyone's.
        assert_eq!(store.counters().unwrap().completed, 2);
        assert_eq!(store.members().unwrap(), ["Ada", "Bob"]);

        // Bob's last generation goes: he is no longer listed.
        store.delete_generation(ids[4]).unwrap();
        assert_eq!(store.members().unwrap(), ["Ada"]);
        assert_member_counters_exact(store);
    });
}

#[test]
fn clear_finished_and_mark_all_viewed_touch_only_the_members_generations() {
    on_both(|store| {
        let mut ids = Vec::new();
        for member in ["Ada", "Bob", "Ada", "Bob"] {
            let mut g = new_gen(member);
            g.creator = by(member);
            let g = store.insert_generation(&g, t0()).unwrap();
            store
                .update_generation(g.id, |g| g.status = S::Completed)
                .unwrap();
            ids.push(g.id);
        }
        let mut changed = store.mark_all_viewed(t0(), Some("Ada")).unwrap();
        changed.sort();
        let mut want = vec![ids[0], ids[2]];
        want.sort();
        assert_eq!(changed, want);
        assert_eq!(store.member_counters("Bob").unwrap().unviewed, 2);
        assert_eq!(store.member_counters("Ada").unwrap().unviewed, 0);

        // Bob's unviewed generations are not finished-and-viewed: nothing of his goes.
        let gone = store.delete_finished_viewed(Some("Bob")).unwrap();
        assert!(gone.is_empty());
        store.mark_all_viewed(t0(), Some("Bob")).unwrap();
        let mut gone: Vec<_> = store
            .delete_finished_viewed(Some("Ada"))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        gone.sort();
        assert_eq!(gone, want);
        assert_eq!(store.member_counters("Bob").unwrap().completed, 2);
        // Everyone's: the rest.
        assert_eq!(store.delete_finished_viewed(None).unwrap().len(), 2);
        assert_eq!(store.counters().unwrap().completed, 0);
        assert_member_counters_exact(store);
    });
}

#[test]
fn the_dropdown_list_can_be_one_members_unviewed() {
    on_both(|store| {
        for (i, member) in ["Ada", "Bob", "Ada"].iter().enumerate() {
            let mut g = new_gen(&format!("{member} {i}"));
            g.creator = by(member);
            store
                .insert_generation(&g, t0() + chrono::Duration::seconds(i as i64))
                .unwrap();
        }
        let page = store
            .list_generations(&ListQuery {
                limit: 5,
                unviewed_only: true,
                created_by: Some("Ada".into()),
                ..ListQuery::default()
            })
            .unwrap();
        let prompts: Vec<_> = page.iter().map(|g| g.prompt_excerpt.as_str()).collect();
        assert_eq!(prompts, ["Ada 2", "Ada 0"]);
    });
}
