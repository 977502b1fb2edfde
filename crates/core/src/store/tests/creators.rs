//! Who created each generation (issue #15, "People"): stored with the row,
//! kept through the lifecycle's full-row writes, carried in summaries, and a
//! History filter — on both stores.

use super::{new_gen, on_both, t0};
use crate::lifecycle::Transition;
use crate::model::Creator;
use crate::store::HistoryQuery;

fn by(member: &str, machine: &str) -> Creator {
    Creator {
        member: Some(member.into()),
        machine: Some(machine.into()),
    }
}

#[test]
fn each_generation_keeps_its_creator_and_the_history_filters_by_member() {
    on_both(|store| {
        let mut a = new_gen("alice's fox");
        a.creator = by("Alice", "alice-laptop");
        let mut b = new_gen("bob's owl");
        b.creator = by("Bob", "bob-desktop");
        let rows = store.insert_generations(&[a, b], t0()).unwrap();
        let old = store
            .insert_generation(&new_gen("from before"), t0())
            .unwrap();
        assert_eq!(rows[0].creator, by("Alice", "alice-laptop"));

        // A full-row write (the lifecycle's) keeps the creator.
        let t = store.insert_token("a", "aaaa", t0()).unwrap();
        store.claim_token(rows[1].id, t0()).unwrap();
        store
            .transition(rows[1].id, &Transition::CreateSent, t0())
            .unwrap();
        let _ = t;
        let read = store.get_generation(rows[1].id).unwrap().unwrap();
        assert_eq!(read.creator, by("Bob", "bob-desktop"));
        assert_eq!(
            store.get_generation(old.id).unwrap().unwrap().creator,
            Creator::default()
        );

        let everyone = store.history(&HistoryQuery::default()).unwrap();
        assert_eq!(everyone.items.len(), 3);
        let alice = everyone.items.iter().find(|s| s.id == rows[0].id).unwrap();
        assert_eq!(alice.creator.member.as_deref(), Some("Alice"));
        assert_eq!(alice.creator.machine.as_deref(), Some("alice-laptop"));

        let only = |member: &str, text: Option<&str>| {
            let q = HistoryQuery {
                created_by: Some(member.into()),
                text: text.map(str::to_owned),
                ..HistoryQuery::default()
            };
            let page = store.history(&q).unwrap();
            let total = store.history_spend(&q).unwrap();
            (
                page.items.iter().map(|s| s.id).collect::<Vec<_>>(),
                total.generations,
            )
        };
        assert_eq!(only("Bob", None), (vec![rows[1].id], 1));
        assert_eq!(only("Alice", Some("fox")), (vec![rows[0].id], 1));
        assert_eq!(only("Alice", Some("owl")), (vec![], 0));
        assert_eq!(only("Carol", None), (vec![], 0));
        // With a status filter too (SQLite reads each status's own index).
        let q = HistoryQuery {
            created_by: Some("Alice".into()),
            statuses: vec![crate::model::GenerationStatus::Pending],
            ..HistoryQuery::default()
        };
        let ids: Vec<_> = store
            .history(&q)
            .unwrap()
            .items
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, vec![rows[0].id]);
    });
}
