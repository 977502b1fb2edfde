//! Token rows and their counters.

use super::{file_store, new_gen, on_both, secs, t0};
use crate::model::GenerationStatus as S;
use crate::store::{RequestOutcome, StoreError};

#[test]
fn insert_list_get_rename_and_remove() {
    on_both(|store| {
        let a = store.insert_token("  Personal  ", "wxyz", t0()).unwrap();
        assert_eq!(a.id.uuid().get_version_num(), 4);
        assert_eq!(a.label, "Personal");
        assert_eq!(a.fingerprint, "wxyz");
        assert!(a.active);
        assert_eq!((a.max_concurrency, a.in_flight, a.request_count), (1, 0, 0));
        assert_eq!(a.created_at, t0());
        let b = store.insert_token("Work", "abcd", t0() + secs(1)).unwrap();
        assert_eq!(store.list_tokens().unwrap(), [a.clone(), b.clone()]);
        assert_eq!(store.get_token(b.id).unwrap(), Some(b.clone()));
        assert_eq!(store.rename_token(a.id, "Home").unwrap().label, "Home");
        assert!(matches!(
            store.rename_token(a.id, "   "),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.insert_token("", "abcd", t0()),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.rename_token(crate::model::TokenId::new(), "x"),
            Err(StoreError::NotFound { what: "token", .. })
        ));
        assert!(store.remove_token(a.id).unwrap());
        assert!(!store.remove_token(a.id).unwrap());
        assert_eq!(store.list_tokens().unwrap(), [b]);
    });
}

#[test]
fn no_column_anywhere_could_hold_a_secret() {
    let (_dir, store) = file_store();
    let columns: Vec<String> = store
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table'",
            )?;
            let rows = s.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(columns.contains(&"tokens.fingerprint".to_owned()));
    for col in &columns {
        for word in ["secret", "password", "api_key", "token_value", "bearer"] {
            assert!(!col.contains(word), "{col}");
        }
    }
}

#[test]
fn max_concurrency_is_one_to_sixteen() {
    on_both(|store| {
        let t = store.insert_token("t", "abcd", t0()).unwrap();
        assert_eq!(
            store.set_max_concurrency(t.id, 3).unwrap().max_concurrency,
            3
        );
        assert_eq!(
            store.set_max_concurrency(t.id, 16).unwrap().max_concurrency,
            16
        );
        for bad in [0, 17] {
            let err = store.set_max_concurrency(t.id, bad).unwrap_err();
            assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        }
        assert_eq!(store.get_token(t.id).unwrap().unwrap().max_concurrency, 16);
    });
}

#[test]
fn disable_and_enable_keep_the_reason_until_enabled() {
    on_both(|store| {
        let t = store.insert_token("t", "abcd", t0()).unwrap();
        store.set_cooldown(t.id, t0() + secs(60)).unwrap();
        let off = store
            .disable_token(
                t.id,
                "Replicate refused this token (401): Unauthenticated",
                t0() + secs(1),
            )
            .unwrap();
        assert!(!off.active);
        assert_eq!(off.disabled_at, Some(t0() + secs(1)));
        assert!(off.disabled_reason.as_deref().unwrap().contains("401"));
        let on = store.enable_token(t.id, t0() + secs(2)).unwrap();
        assert!(on.active);
        assert_eq!(
            (on.disabled_reason, on.disabled_at, on.cooldown_until),
            (None, None, None)
        );
    });
}

#[test]
fn record_request_counts_errors_and_rate_limits() {
    on_both(|store| {
        let t = store.insert_token("t", "abcd", t0()).unwrap();
        store
            .record_request(t.id, RequestOutcome::Ok, t0() + secs(5))
            .unwrap();
        store
            .record_request(t.id, RequestOutcome::Error, t0() + secs(3))
            .unwrap();
        let t = store
            .record_request(t.id, RequestOutcome::RateLimited, t0() + secs(4))
            .unwrap();
        assert_eq!(
            (t.request_count, t.error_count, t.rate_limited_count),
            (3, 2, 1)
        );
        assert_eq!(
            t.last_used_at,
            Some(t0() + secs(5)),
            "last_used_at never goes back"
        );
        let err = store
            .record_request(crate::model::TokenId::new(), RequestOutcome::Ok, t0())
            .unwrap_err();
        assert_eq!(err.code(), "not_found");
    });
}

#[test]
fn a_later_cooldown_is_never_shortened() {
    on_both(|store| {
        let t = store.insert_token("t", "abcd", t0()).unwrap();
        assert_eq!(
            store
                .set_cooldown(t.id, t0() + secs(30))
                .unwrap()
                .cooldown_until,
            Some(t0() + secs(30))
        );
        assert_eq!(
            store
                .set_cooldown(t.id, t0() + secs(10))
                .unwrap()
                .cooldown_until,
            Some(t0() + secs(30))
        );
        assert_eq!(
            store
                .set_cooldown(t.id, t0() + secs(90))
                .unwrap()
                .cooldown_until,
            Some(t0() + secs(90))
        );
    });
}

#[test]
fn removing_a_token_clears_it_from_generations() {
    on_both(|store| {
        let t = store.insert_token("t", "abcd", t0()).unwrap();
        let g = store.insert_generation(&new_gen("a"), t0()).unwrap();
        store
            .update_generation(g.id, |g| {
                g.status = S::Processing;
                g.token_id = Some(t.id);
            })
            .unwrap();
        assert_eq!(store.get_token(t.id).unwrap().unwrap().in_flight, 1);
        assert!(store.remove_token(t.id).unwrap());
        let g = store.get_generation(g.id).unwrap().unwrap();
        assert_eq!((g.status, g.token_id), (S::Processing, None));
        super::assert_counters_exact(store);
    });
}
