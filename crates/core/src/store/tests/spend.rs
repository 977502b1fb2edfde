//! Budgets inside the claim, on both stores: the pool's daily limit
//! counts what ended today and what runs now; a token's own limit takes only
//! that token out; days and months follow the settings' zone.

use chrono::{DateTime, TimeZone, Utc};

use super::backends::Backend;
use super::{new_gen, on_both};
use crate::model::{GenerationId, GenerationStatus as S};
use crate::spend::{CostPart, PriceUnit, SpendSettings, TokenBudget, Usd};
use crate::store::{ClaimOutcome, FinalSpend, InputUpload};
use crate::wait::{WaitCode, WaitReason};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 14, h, m, 0).unwrap()
}

fn queued(store: &Backend, estimate: i64) -> GenerationId {
    let g = store.insert_generation(&new_gen("p"), at(9, 0)).unwrap();
    store
        .record_estimates(
            &[(g.id, g.model_name.clone(), Some(Usd(estimate)), vec![])],
            at(9, 0),
        )
        .unwrap();
    g.id
}

fn ended(store: &Backend, id: GenerationId, cost: i64, when: DateTime<Utc>) {
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
    on_both(|store| {
        let t = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
        store.set_max_concurrency(t.id, 4).unwrap();
        store
            .set_spend_settings(&SpendSettings {
                daily_limit: Some(Usd(10_000)),
                ..SpendSettings::default()
            })
            .unwrap();
        let yesterday = queued(store, 3_000);
        store.claim_token(yesterday, at(9, 0)).unwrap();
        ended(
            store,
            yesterday,
            50_000,
            at(9, 0) - chrono::Duration::days(1),
        );
        let a = queued(store, 3_000);
        let b = queued(store, 3_000);
        let c = queued(store, 3_000);
        let d = queued(store, 3_000);
        // Yesterday's $0.05 does not count today.
        assert!(store.claim_token(a, at(10, 0)).unwrap().token().is_some());
        ended(store, a, 3_000, at(10, 1));
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
        ended(store, b, 3_000, at(10, 5));
        ended(store, c, 3_000, at(10, 6));
        assert!(store.claim_token(d, tomorrow).unwrap().token().is_some());
    });
}

#[test]
fn a_token_over_its_own_limit_leaves_the_others_working() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
        let b = store.insert_token("b", "bbbb", at(9, 1)).unwrap();
        let g1 = queued(store, 3_000);
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
        ended(store, g1, 3_000, at(10, 1));
        // a has $0.003 of $0.005: another $0.003 would pass; b takes it.
        let g2 = queued(store, 3_000);
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
        let g3 = queued(store, 3_000);
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
    });
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

#[test]
fn totals_group_ended_spend_by_local_day_model_and_token() {
    on_both(|store| {
        let t = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
        let part = CostPart {
            unit: PriceUnit::Image,
            quantity_milli: 1000,
            rate: Usd(3_000),
            hardware: None,
            amount: Usd(3_000),
        };
        let ids: Vec<GenerationId> = (0..4).map(|_| queued(store, 3_000)).collect();
        // An estimate recorded again keeps the first.
        store
            .record_estimates(
                &[(ids[0], "x".into(), Some(Usd(9)), vec![part.clone()])],
                at(9, 1),
            )
            .unwrap();
        let fin = |id, model: &str, cost: Option<i64>, ms, when| FinalSpend {
            generation_id: id,
            model_name: model.into(),
            cost: cost.map(Usd),
            parts: vec![part.clone()],
            predict_ms: Some(ms),
            token_id: Some(t.id),
            charged_at: when,
        };
        let m = "black-forest-labs/flux-schnell";
        // 20:30 and 21:30 UTC on 14 May: the second is 15 May in UTC+3.
        store
            .record_final(&fin(ids[0], m, Some(3_000), 900, at(20, 30)))
            .unwrap();
        store
            .record_final(&fin(ids[1], m, Some(4_000), 1_100, at(21, 30)))
            .unwrap();
        store
            .record_final(&fin(ids[2], m, None, 2_000, at(21, 40)))
            .unwrap();
        let s = SpendSettings {
            utc_offset_minutes: 180,
            ..SpendSettings::default()
        };
        let groups = store.spend_groups(at(0, 0), at(23, 59), &s).unwrap();
        let seen: Vec<(String, i64, u64, u64)> = groups
            .iter()
            .map(|g| (g.day.clone(), g.spent.micros(), g.generations, g.unknown))
            .collect();
        assert_eq!(
            seen,
            [
                ("2026-05-14".to_owned(), 3_000, 1, 0),
                ("2026-05-15".to_owned(), 4_000, 2, 1)
            ]
        );
        assert!(
            groups
                .iter()
                .all(|g| g.token_id == Some(t.id) && g.model_name == m)
        );
        // Rows in the order asked, a missing one left out.
        let rows = store
            .spend_of(&[ids[1], GenerationId::new(), ids[0]])
            .unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.generation_id, r.estimate, r.ended, r.final_cost))
            .collect();
        assert_eq!(
            got,
            [
                (ids[1], Some(Usd(3_000)), true, Some(Usd(4_000))),
                (ids[0], Some(Usd(3_000)), true, Some(Usd(3_000)))
            ]
        );
        assert_eq!(rows[0].final_parts, std::slice::from_ref(&part));
        assert_eq!(rows[0].charged_at, Some(at(21, 30)));
        assert_eq!(store.median_predict_ms(m).unwrap(), Some(1_100));
        assert_eq!(store.median_predict_ms("acme/none").unwrap(), None);
        // Active: the pending ones whose spend has not ended (ids[3] only).
        let a = store.active_estimate().unwrap();
        assert_eq!((a.estimate, a.generations, a.unknown), (Usd(3_000), 1, 0));
        // A budget's wait reason on a pending generation is found.
        assert_eq!(store.budget_hold().unwrap(), None);
        let mut w = WaitReason::new(WaitCode::DailyBudget);
        w.detail = Some("$5.00".into());
        store
            .update_generation(ids[3], |g| g.wait_reason = Some(w.clone()))
            .unwrap();
        assert_eq!(store.budget_hold().unwrap(), Some(w));
    });
}

#[test]
fn an_input_upload_is_kept_per_token_and_content_and_replaced() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", at(9, 0)).unwrap();
        let b = store.insert_token("b", "bbbb", at(9, 0)).unwrap();
        let up = |token_id, file_id: &str, when: DateTime<Utc>| InputUpload {
            token_id,
            sha256: "ab".repeat(32),
            file_id: file_id.into(),
            url: format!("https://api.replicate.com/v1/files/{file_id}"),
            size: 5_000_000_000,
            uploaded_at: when,
            expires_at: when + chrono::Duration::hours(24),
        };
        store
            .record_input_upload(&up(a.id, "f1", at(9, 0)))
            .unwrap();
        let sha = "ab".repeat(32);
        assert_eq!(
            store.input_upload(a.id, &sha).unwrap(),
            Some(up(a.id, "f1", at(9, 0)))
        );
        assert_eq!(store.input_upload(b.id, &sha).unwrap(), None, "per token");
        store
            .record_input_upload(&up(a.id, "f2", at(10, 0)))
            .unwrap();
        assert_eq!(
            store.input_upload(a.id, &sha).unwrap(),
            Some(up(a.id, "f2", at(10, 0)))
        );
        // Removing the token forgets its uploads.
        assert!(store.remove_token(a.id).unwrap());
        assert_eq!(store.input_upload(a.id, &sha).unwrap(), None);
    });
}
