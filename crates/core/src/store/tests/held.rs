//! One token pool (issue #15), on both stores: a claim chooses only among
//! the tokens whose secret the claiming engine holds, and says so when it
//! holds none; a token's pool hash finds its row, once per secret.

use std::collections::HashSet;

use super::on_both;
use super::pool::{claimed, pending, waited};
use super::t0;
use crate::wait::WaitCode;

#[test]
fn a_claim_chooses_only_among_the_tokens_held() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", t0()).unwrap();
        let b = store.insert_token("b", "bbbb", t0()).unwrap();
        // After b's first claim, `a` is the pool's first choice (never
        // used): held, only `b` is chosen.
        store.set_max_concurrency(b.id, 4).unwrap();
        let only_b: HashSet<_> = [b.id].into();
        for _ in 0..2 {
            let g = pending(&**store);
            let out = store.claim_token_among(g, t0(), Some(&only_b)).unwrap();
            assert_eq!(claimed(out).id, b.id);
        }
        // Held: none of the active ones; `a` stays untouched.
        let g = pending(&**store);
        let none = HashSet::new();
        assert_eq!(
            waited(store.claim_token_among(g, t0(), Some(&none)).unwrap()),
            (WaitCode::NoSecretHere, None)
        );
        let only_a: HashSet<_> = [a.id].into();
        store.disable_token(a.id, "401", t0()).unwrap();
        assert_eq!(
            waited(store.claim_token_among(g, t0(), Some(&only_a)).unwrap()),
            (WaitCode::NoSecretHere, None),
            "b is usable but not held here"
        );
        assert_eq!(store.get_token(a.id).unwrap().unwrap().last_used_at, None);
        // No active token at all: that is said first, whatever is held.
        store.disable_token(b.id, "401", t0()).unwrap();
        assert_eq!(
            waited(store.claim_token_among(g, t0(), Some(&none)).unwrap()),
            (WaitCode::AllDisabled, None)
        );
        // `None`: every token, as before.
        store.enable_token(a.id, t0()).unwrap();
        assert_eq!(
            claimed(store.claim_token_among(g, t0(), None).unwrap()).id,
            a.id
        );
    });
}

#[test]
fn a_pool_hash_names_one_row() {
    on_both(|store| {
        let (h1, h2) = ("1".repeat(64), "2".repeat(64));
        let a = store.insert_token("a", "aaaa", t0()).unwrap();
        let b = store.insert_token("b", "bbbb", t0()).unwrap();
        let mut without = store.tokens_without_pool_hash().unwrap();
        without.sort();
        let mut both = vec![a.id, b.id];
        both.sort();
        assert_eq!(without, both);
        assert!(store.set_token_pool_hash(a.id, &h1).unwrap());
        assert!(
            store.set_token_pool_hash(a.id, &h1).unwrap(),
            "again: same row"
        );
        assert!(
            !store.set_token_pool_hash(b.id, &h1).unwrap(),
            "the same secret cannot name a second row"
        );
        assert!(
            !store.set_token_pool_hash(a.id, &h2).unwrap(),
            "a recorded hash stays"
        );
        assert_eq!(store.token_by_pool_hash(&h1).unwrap().unwrap().id, a.id);
        assert!(store.token_by_pool_hash(&h2).unwrap().is_none());
        assert_eq!(store.tokens_without_pool_hash().unwrap(), vec![b.id]);
        assert!(store.set_token_pool_hash(b.id, &h2).unwrap());
        assert!(store.tokens_without_pool_hash().unwrap().is_empty());
        // Removing the row frees its hash.
        store.remove_token(a.id).unwrap();
        assert!(store.token_by_pool_hash(&h1).unwrap().is_none());
    });
}
