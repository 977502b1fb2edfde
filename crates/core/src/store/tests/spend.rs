//! Budgets inside the claim, on a real store file: the pool's daily limit
//! counts what ended today and what runs now; a token's own limit takes only
//! that token out; days and months follow the settings' zone.

use chrono::{DateTime, TimeZone, Utc};

use super::{file_store, new_gen};
use crate::model::{GenerationId, GenerationStatus as S};
use crate::spend::{SpendSettings, TokenBudget, Usd};
use crate::store::{ClaimOutcome, FinalSpend, Store};
use crate::wait::WaitCode;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 14, h, m, 0).unwrap()
}

fn queued(store: &Store, estimate: i64) -> GenerationId {
    let g = store.insert_generation(&new_gen("p"), at(9, 0)).unwrap();
    store
        .record_estimates(
            &[(g.id, g.model_name.clone(), Some(Usd(estimate)), vec![])],
            at(9, 0),
        )
        .unwrap();
    g.id
}

fn ended(store: &Store, id: GenerationId, cost: i64, when: DateTime<Utc>) {
    store
        .record_final(&FinalSpend {
            generation_id: id,
            model_name: "black-forest-labs/flux-schnell".into(),
            cost: Some(Usd(cost)),
            parts: vec![],
            predict_ms: Some(1000),
            token_id: store.get_generation(id).unwrap().unwrap().token_id,
            charged_at: when,
        })
        .unwrap();
    store
        .update_generation(id, |g| g.status = S::Completed)
        .unwrap();
}

fn wait_of(o: ClaimOutcome) -> (WaitCode, Option<DateTime<Utc>>, Option<String>) {
    match o {
        ClaimOutcome::Wait {
            reason,
            until,
            detail,
        } => (reason, until, detail),
        other => panic!("expected a wait, got {other:?}"),
    }
}

#[test]
fn a_daily_limit_counts_what_ended_today_and_what_runs_now() {
    let (_dir, store) = file_store();
    let t = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
    store.set_max_concurrency(t.id, 4).unwrap();
    store
        .set_spend_settings(&SpendSettings {
            daily_limit: Some(Usd(10_000)),
            ..SpendSettings::default()
        })
        .unwrap();
    let yesterday = queued(&store, 3_000);
    store.claim_token(yesterday, at(9, 0)).unwrap();
    ended(
        &store,
        yesterday,
        50_000,
        at(9, 0) - chrono::Duration::days(1),
    );
    let a = queued(&store, 3_000);
    let b = queued(&store, 3_000);
    let c = queued(&store, 3_000);
    let d = queued(&store, 3_000);
    // Yesterday's $0.05 does not count today.
    assert!(store.claim_token(a, at(10, 0)).unwrap().token().is_some());
    ended(&store, a, 3_000, at(10, 1));
    assert!(store.claim_token(b, at(10, 2)).unwrap().token().is_some());
    // b runs (estimate $0.003) and a spent $0.003: c makes $0.009 ≤ $0.01.
    assert!(store.claim_token(c, at(10, 3)).unwrap().token().is_some());
    // d would make $0.012: held until tomorrow, the limit in its words.
    let (code, until, detail) = wait_of(store.claim_token(d, at(10, 4)).unwrap());
    assert_eq!(code, WaitCode::DailyBudget);
    assert_eq!(
        until,
        Some(Utc.with_ymd_and_hms(2026, 5, 15, 0, 0, 0).unwrap())
    );
    assert_eq!(detail.as_deref(), Some("$0.01"));
    // The next day it goes.
    let tomorrow = Utc.with_ymd_and_hms(2026, 5, 15, 0, 0, 1).unwrap();
    ended(&store, b, 3_000, at(10, 5));
    ended(&store, c, 3_000, at(10, 6));
    assert!(store.claim_token(d, tomorrow).unwrap().token().is_some());
}

#[test]
fn a_token_over_its_own_limit_leaves_the_others_working() {
    let (_dir, store) = file_store();
    let a = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
    let b = store.insert_token("b", "bbbb", at(9, 1)).unwrap();
    let g1 = queued(&store, 3_000);
    let first = store
        .claim_token(g1, at(10, 0))
        .unwrap()
        .token()
        .unwrap()
        .id;
    // Whichever token took it gets a monthly limit of $0.005; the other has none.
    let b = if first == a.id { b } else { a };
    store
        .set_spend_settings(&SpendSettings {
            token_limits: vec![TokenBudget {
                token_id: first,
                daily: None,
                monthly: Some(Usd(5_000)),
            }],
            ..SpendSettings::default()
        })
        .unwrap();
    ended(&store, g1, 3_000, at(10, 1));
    // a has $0.003 of $0.005: another $0.003 would pass; b takes it.
    let g2 = queued(&store, 3_000);
    assert_eq!(
        store
            .claim_token(g2, at(10, 2))
            .unwrap()
            .token()
            .unwrap()
            .id,
        b.id
    );
    // b busy (one slot), a over: every usable token is over its budget.
    let g3 = queued(&store, 3_000);
    let (code, until, detail) = wait_of(store.claim_token(g3, at(10, 3)).unwrap());
    assert_eq!(
        code,
        WaitCode::AllBusy,
        "b frees a slot later: {detail:?} {until:?}"
    );
    store.disable_token(b.id, "off", at(10, 4)).unwrap();
    let (code, until, _) = wait_of(store.claim_token(g3, at(10, 5)).unwrap());
    assert_eq!(code, WaitCode::TokenBudgets);
    assert_eq!(
        until,
        Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
    );
}

#[test]
fn days_and_months_start_at_local_midnight() {
    let s = SpendSettings {
        utc_offset_minutes: 180,
        ..SpendSettings::default()
    };
    // 22:30 UTC on 31 May is 01:30 on 1 June in UTC+3.
    let now = Utc.with_ymd_and_hms(2026, 5, 31, 22, 30, 0).unwrap();
    assert_eq!(
        s.day(now).0,
        Utc.with_ymd_and_hms(2026, 5, 31, 21, 0, 0).unwrap()
    );
    assert_eq!(
        s.month(now).0,
        Utc.with_ymd_and_hms(2026, 5, 31, 21, 0, 0).unwrap()
    );
    assert_eq!(
        s.month(now).1,
        Utc.with_ymd_and_hms(2026, 6, 30, 21, 0, 0).unwrap()
    );
    assert_eq!(s.day_label(now), "2026-06-01");
    let dec = Utc.with_ymd_and_hms(2026, 12, 15, 0, 0, 0).unwrap();
    assert_eq!(
        SpendSettings::default().month(dec).1,
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
    );
}

#[test]
fn malformed_price_lines_and_offsets_are_refused() {
    let bad = SpendSettings {
        prices: "acme/a 0.01 per image\nacme/b cheap per image".into(),
        ..SpendSettings::default()
    };
    let e = bad.validated().unwrap_err();
    assert_eq!(
        e.to_string(),
        "price table line 2: \"acme/b cheap per image\": \"cheap\" is not a dollar amount (write it like 0.003 or $5)"
    );
    let far = SpendSettings {
        utc_offset_minutes: 15 * 60,
        ..SpendSettings::default()
    };
    assert!(far.validated().is_err());
}
