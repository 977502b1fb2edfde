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
        time_zone: Some("Europe/Moscow".into()),
        ..SpendSettings::default()
    };
    // 22:30 UTC on 31 May is 01:30 on 1 June in Moscow (UTC+3).
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
    let utc = SpendSettings {
        time_zone: Some("UTC".into()),
        ..SpendSettings::default()
    };
    assert_eq!(
        utc.month(dec).1,
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
    );
}

#[test]
fn malformed_price_lines_and_unknown_time_zones_are_refused() {
    let bad = SpendSettings {
        prices: "acme/a 0.01 per image\nacme/b cheap per image".into(),
        ..SpendSettings::default()
    };
    let e = bad.validated().unwrap_err();
    assert_eq!(
        e.to_string(),
        "price table line 2: \"acme/b cheap per image\": \"cheap\" is not a dollar amount (write it like 0.003 or $5)"
    );
    let nowhere = SpendSettings {
        time_zone: Some("Europe/Atlantis".into()),
        ..SpendSettings::default()
    };
    assert!(
        nowhere
            .validated()
            .unwrap_err()
            .to_string()
            .starts_with("unknown time zone \"Europe/Atlantis\"")
    );
}

/// A generation queued with `estimate` (`None`: unknown price) in `batch`.
fn queued_as(
    store: &Backend,
    prompt: &str,
    estimate: Option<i64>,
    batch: Option<crate::model::BatchId>,
) -> GenerationId {
    let mut n = new_gen(prompt);
    n.batch_id = batch;
    let g = store.insert_generation(&n, at(9, 0)).unwrap();
    store
        .record_estimates(
            &[(g.id, g.model_name.clone(), estimate.map(Usd), vec![])],
            at(9, 0),
        )
        .unwrap();
    g.id
}

fn ended_as(store: &Backend, id: GenerationId, cost: Option<i64>, status: S) {
    store
        .record_final(&FinalSpend {
            generation_id: id,
            model_name: "black-forest-labs/flux-schnell".into(),
            cost: cost.map(Usd),
            parts: vec![],
            predict_ms: None,
            token_id: None,
            charged_at: at(10, 0),
        })
        .unwrap();
    store.update_generation(id, |g| g.status = status).unwrap();
}

#[test]
fn a_history_filter_totals_every_matching_generation_and_counts_unknown_prices_apart() {
    on_both(|store| {
        use crate::store::{HistoryQuery, SpendTotal};
        let batch = crate::model::BatchId::new();
        let a = queued_as(store, "red fox", Some(6_000), Some(batch));
        let b = queued_as(store, "red barn", None, Some(batch));
        let _c = queued_as(store, "blue fox", Some(3_000), None);
        let _d = queued_as(store, "blue sky", None, None);
        ended_as(store, a, Some(6_000), S::Completed);
        ended_as(store, b, None, S::Completed);
        // Queued before costs were kept: no spend row at all.
        store
            .insert_generation(&new_gen("old fox"), at(8, 0))
            .unwrap();
        // Failed before it ran: ended, $0.
        let f = queued_as(store, "lost fox", Some(3_000), None);
        ended_as(store, f, Some(0), S::Failed);
        // Cancelled while queued: no prediction, never billed, though its row
        // still holds the estimate.
        let dropped = queued_as(store, "dropped fox", Some(3_000), None);
        store
            .update_generation(dropped, |g| g.status = S::Cancelled)
            .unwrap();
        let row = &store.spend_of(&[dropped]).unwrap()[0];
        assert!(row.ended);
        assert_eq!(row.final_cost, Some(Usd(0)));

        let all = store.history_spend(&HistoryQuery::default()).unwrap();
        assert_eq!(
            all,
            SpendTotal {
                generations: 7,
                spent: Usd(6_000),
                estimated: Usd(3_000),
                unknown: 3,
            }
        );
        // Every page of the filter, whatever `limit` says.
        let foxes = store
            .history_spend(&HistoryQuery {
                text: Some("fox".into()),
                limit: 1,
                ..HistoryQuery::default()
            })
            .unwrap();
        assert_eq!(
            (
                foxes.generations,
                foxes.spent,
                foxes.estimated,
                foxes.unknown
            ),
            (5, Usd(6_000), Usd(3_000), 1)
        );
        let completed = store
            .history_spend(&HistoryQuery {
                statuses: vec![S::Completed],
                ..HistoryQuery::default()
            })
            .unwrap();
        assert_eq!(
            (completed.generations, completed.spent, completed.unknown),
            (2, Usd(6_000), 1)
        );
        let none = store
            .history_spend(&HistoryQuery {
                model: Some("acme/nothing".into()),
                ..HistoryQuery::default()
            })
            .unwrap();
        assert_eq!(none, SpendTotal::default());

        let b_total = store.batch_spend(batch).unwrap();
        assert_eq!(
            (b_total.generations, b_total.spent, b_total.unknown),
            (2, Usd(6_000), 1)
        );
    });
}

#[test]
fn totals_per_day_follow_the_zone_across_the_night_its_clocks_go_back() {
    on_both(|store| {
        let s = SpendSettings {
            time_zone: Some("Europe/Berlin".into()),
            ..SpendSettings::default()
        };
        let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 10, d, h, m, 0).unwrap();
        // 25 October 2026 in Berlin lasts 25 hours: 24 Oct 22:00 UTC to 25 Oct 23:00 UTC.
        for (cost, when) in [
            (1_000, utc(24, 21, 30)), // 23:30 CEST on the 24th
            (2_000, utc(24, 22, 30)), // 00:30 CEST on the 25th
            (4_000, utc(25, 22, 30)), // 23:30 CET on the 25th
            (8_000, utc(25, 23, 30)), // 00:30 CET on the 26th
        ] {
            let id = queued(store, cost);
            ended(store, id, cost, when);
        }
        let (from, to) = s.month(utc(15, 12, 0));
        let days: Vec<(String, i64, u64)> = store
            .spend_groups(from, to, &s)
            .unwrap()
            .into_iter()
            .map(|g| (g.day, g.spent.micros(), g.generations))
            .collect();
        assert_eq!(
            days,
            vec![
                ("2026-10-24".to_owned(), 1_000, 1),
                ("2026-10-25".to_owned(), 6_000, 2),
                ("2026-10-26".to_owned(), 8_000, 1),
            ]
        );
    });
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
            time_zone: Some("Europe/Moscow".into()),
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
