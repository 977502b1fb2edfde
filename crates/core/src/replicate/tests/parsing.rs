//! Reading bodies: predictions, pages, accounts, errors.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde_json::{Value, json};

use super::fixtures::*;
use crate::replicate::*;

fn pred(body: &str) -> Prediction {
    Prediction::from_json(serde_json::from_str(body).unwrap()).unwrap()
}

#[test]
fn reads_the_docs_prediction() {
    let p = pred(DOCS_GET_PREDICTION);
    assert_eq!(p.id, "gm3qorzdhgbfurvjtvhg6dckhu");
    assert_eq!(p.model.as_deref(), Some("replicate/hello-world"));
    assert_eq!(p.version.as_deref().map(str::len), Some(64));
    assert_eq!(p.status, PredictionStatus::Succeeded);
    assert!(p.status.is_terminal());
    assert_eq!(p.input, json!({"text": "Alice"}));
    assert_eq!(p.output, json!("hello Alice"));
    assert!(p.outputs().is_empty(), "text output is not a file");
    assert_eq!(p.error, None);
    assert_eq!(p.logs.as_deref(), Some(""));
    assert_eq!(p.progress(), None);
    assert_eq!(p.predict_time, Some(0.012683));
    assert_eq!(
        p.created_at.unwrap().timestamp_micros(),
        Utc.with_ymd_and_hms(2023, 9, 8, 16, 19, 34)
            .unwrap()
            .timestamp_micros()
            + 765_994
    );
    assert!(p.started_at.is_some() && p.completed_at.is_some());
    assert_eq!(
        p.urls.get.as_deref(),
        Some("https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu")
    );
    assert_eq!(p.urls.stream, None);
    assert!(!p.data_removed);
    assert_eq!(p.raw["metrics"]["predict_time"], json!(0.012683));
}

#[test]
fn reads_the_docs_list_page() {
    let page =
        PredictionPage::from_json(serde_json::from_str(DOCS_LIST_PREDICTIONS).unwrap()).unwrap();
    assert_eq!(page.results.len(), 1);
    assert_eq!(page.next, None);
    assert_eq!(page.results[0].raw["source"], json!("api"));
}

#[test]
fn a_sync_answer_with_data_uris_is_not_final_but_has_files() {
    let p = pred(SYNC_CREATE_WITH_DATA_URIS);
    assert_eq!(p.status, PredictionStatus::Processing);
    assert!(!p.status.is_terminal());
    let outs = p.outputs();
    assert_eq!(outs.len(), 2);
    match &outs[..] {
        [
            OutputRef::Data {
                mime: a,
                bytes: png,
            },
            OutputRef::Data {
                mime: b,
                bytes: webp,
            },
        ] => {
            assert_eq!(a, "image/png");
            assert!(png.starts_with(b"\x89PNG"));
            assert_eq!(b, "image/webp");
            assert_eq!(&webp[8..12], b"WEBP");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        p.urls.web.as_deref(),
        Some("https://replicate.com/p/dapztkbwgxrg20cfgsmrz2gm38")
    );
    assert_eq!(p.created_at.unwrap().timestamp_subsec_millis(), 123);
}

#[test]
fn duplicated_keys_keep_the_last() {
    let p = pred(
        r#"{"id":"a","status":"starting","output":null,"status":"succeeded","output":["https://replicate.delivery/x.png"]}"#,
    );
    assert_eq!(p.status, PredictionStatus::Succeeded);
    assert_eq!(
        p.outputs(),
        vec![OutputRef::Url("https://replicate.delivery/x.png".into())]
    );
}

#[test]
fn missing_and_null_fields_are_tolerated() {
    let p = pred(
        r#"{"id":"a","status":"starting","logs":null,"error":null,"started_at":null,"metrics":null,"unknown_field":{"x":1}}"#,
    );
    assert_eq!(p.logs, None);
    assert_eq!(p.output, Value::Null);
    assert_eq!(p.input, Value::Null);
    assert_eq!(p.urls, Urls::default());
    assert_eq!(p.predict_time, None);
    assert_eq!(p.started_at, None);
    assert_eq!(p.model, None);
    assert!(!p.data_removed);
    let bare = pred(r#"{"id":"b"}"#);
    assert_eq!(bare.status, PredictionStatus::Unknown(String::new()));
}

#[test]
fn odd_types_do_not_break_the_read() {
    let p = pred(
        r#"{"id":"a","status":"failed","error":{"message":"CUDA out of memory","code":137},"metrics":{"predict_time":"1.5"},"created_at":"not a time","urls":"nope","data_removed":"true"}"#,
    );
    assert_eq!(p.status, PredictionStatus::Failed);
    let err = p.error.unwrap();
    assert!(err.contains("CUDA out of memory"), "{err}");
    assert_eq!(p.predict_time, Some(1.5));
    assert_eq!(p.created_at, None);
    assert_eq!(p.urls, Urls::default());
    assert!(p.data_removed);
}

#[test]
fn removed_data_reads_as_null_output() {
    let p = pred(
        r#"{"id":"a","status":"succeeded","input":{},"output":null,"logs":null,"data_removed":true}"#,
    );
    assert!(p.data_removed);
    assert!(p.outputs().is_empty());
}

#[test]
fn aborted_and_unknown_statuses_are_kept() {
    let aborted = pred(r#"{"id":"a","status":"aborted"}"#);
    assert_eq!(aborted.status, PredictionStatus::Aborted);
    assert!(aborted.status.is_terminal());
    let future = pred(r#"{"id":"a","status":"queued_for_gpu"}"#);
    assert_eq!(
        future.status,
        PredictionStatus::Unknown("queued_for_gpu".into())
    );
    assert!(!future.status.is_terminal());
    assert_eq!(future.status.as_str(), "queued_for_gpu");
    assert_eq!(
        serde_json::to_value(&future.status).unwrap(),
        json!("queued_for_gpu")
    );
    assert_eq!(
        serde_json::to_value(PredictionStatus::Canceled).unwrap(),
        json!("canceled")
    );
    let back: PredictionStatus = serde_json::from_value(json!("aborted")).unwrap();
    assert_eq!(back, PredictionStatus::Aborted);
}

#[test]
fn timestamps_in_every_shape_read() {
    for (s, nanos) in [
        ("2024-05-01T12:00:00Z", 0),
        ("2024-05-01T12:00:00.5Z", 500_000_000),
        ("2024-05-01T12:00:00.123456789Z", 123_456_789),
        ("2024-05-01T14:00:00.000001+02:00", 1_000),
    ] {
        let p = pred(&format!(
            r#"{{"id":"a","status":"starting","created_at":"{s}"}}"#
        ));
        let t = p.created_at.unwrap_or_else(|| panic!("{s}"));
        assert_eq!(
            t.timestamp(),
            Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
                .unwrap()
                .timestamp()
        );
        assert_eq!(t.timestamp_subsec_nanos(), nanos, "{s}");
    }
}

#[test]
fn progress_comes_from_logs() {
    let p = pred(
        r#"{"id":"a","status":"processing","logs":"Using seed: 1\n 25%|██▌       | 1/4 [00:00<00:01,  2.1it/s]\n 50%|█████     | 2/4 [00:00<00:00,  2.3it/s]"}"#,
    );
    assert_eq!(
        p.progress(),
        Some(Progress {
            percent: 50,
            current: 2,
            total: 4
        })
    );
}

#[test]
fn bodies_that_are_not_predictions_are_refused() {
    for body in ["[]", "{}", r#"{"id":""}"#, "null", r#""id""#] {
        assert!(
            Prediction::from_json(serde_json::from_str(body).unwrap()).is_err(),
            "{body}"
        );
    }
    assert!(PredictionPage::from_json(json!({"results": {"id": "a"}})).is_err());
    assert_eq!(
        PredictionPage::from_json(json!({})).unwrap().results.len(),
        0
    );
}

#[test]
fn prediction_serializes_for_the_ui_without_raw() {
    let v = serde_json::to_value(pred(DOCS_GET_PREDICTION)).unwrap();
    assert_eq!(v["status"], json!("succeeded"));
    assert_eq!(v["predict_time"], json!(0.012683));
    assert!(v.get("raw").is_none());
}

#[test]
fn reads_the_docs_account() {
    let a = Account::from_json(&serde_json::from_str(DOCS_ACCOUNT).unwrap()).unwrap();
    assert_eq!(a.kind, "organization");
    assert_eq!(a.username, "acme");
    assert_eq!(a.name.as_deref(), Some("Acme Corp, Inc."));
    assert_eq!(a.github_url.as_deref(), Some("https://github.com/acme"));
    let user =
        Account::from_json(&json!({"type": "user", "username": "ann", "name": null})).unwrap();
    assert_eq!((user.kind.as_str(), user.name), ("user", None));
    assert!(Account::from_json(&json!({"type": "user"})).is_err());
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in pairs {
        h.insert(*n, HeaderValue::from_str(v).unwrap());
    }
    h
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn a_problem_details_401_reads_as_a_sentence() {
    let e = ApiError::from_response(401, &HeaderMap::new(), UNAUTHENTICATED.as_bytes(), now());
    assert_eq!(e.kind, ApiErrorKind::Unauthorized);
    assert_eq!(e.title.as_deref(), Some("Unauthenticated"));
    assert_eq!(
        e.to_string(),
        "Replicate refused the token (401 Unauthorized): You did not pass a valid authentication token."
    );
    assert_eq!(e.code(), "unauthorized");
    assert!(!e.is_transient() && !e.may_have_acted());
}

#[test]
fn a_422_keeps_replicates_message() {
    let e = ApiError::from_response(422, &HeaderMap::new(), INVALID_INPUT.as_bytes(), now());
    assert_eq!(e.kind, ApiErrorKind::Invalid);
    assert!(
        e.to_string()
            .contains("input.num_outputs: Must be less than or equal to 4"),
        "{e}"
    );
}

#[test]
fn a_422_lists_each_invalid_field_on_its_own_line() {
    let body = br#"{"title":"Input validation failed","detail":"- input.num_outputs: Must be less than or equal to 4\n- input.output_format: output_format must be one of the following: \"webp\", \"png\"\n- input: prompt is required\n","status":422,"invalid_fields":[{"type":"less_than_equal","field":"input.num_outputs","description":"Must be less than or equal to 4"},{"type":"enum","field":"input.output_format","description":"output_format must be one of the following: \"webp\", \"png\""},{"type":"required","field":"input","description":"prompt is required"}]}"#;
    let e = ApiError::from_response(422, &HeaderMap::new(), body, now());
    assert_eq!(
        e.detail.as_deref(),
        Some(
            "- input.num_outputs: Must be less than or equal to 4\n\
             - input.output_format: output_format must be one of the following: \"webp\", \"png\"\n\
             - input: prompt is required"
        )
    );
    // Without `invalid_fields`, the detail is Replicate's text, folded to one line.
    let plain = ApiError::from_response(
        422,
        &HeaderMap::new(),
        br#"{"detail":"- input.seed: Invalid type\n","status":422}"#,
        now(),
    );
    assert_eq!(plain.detail.as_deref(), Some("- input.seed: Invalid type"));
}

#[test]
fn a_throttled_429_takes_the_longest_hint() {
    let body = THROTTLED_LOW_CREDIT.as_bytes();
    let e = ApiError::from_response(429, &HeaderMap::new(), body, now());
    assert_eq!(e.kind, ApiErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(5)));
    assert!(e.is_transient() && !e.may_have_acted());
    assert!(
        e.to_string().ends_with("resets in ~5s; try again in 5 s."),
        "{e}"
    );
    let with_header = ApiError::from_response(429, &headers(&[("retry-after", "12")]), body, now());
    assert_eq!(with_header.retry_after, Some(Duration::from_secs(12)));
    let only_detail = ApiError::from_response(
        429,
        &HeaderMap::new(),
        br#"{"detail":"Request was throttled. Your rate limit resets in ~17s."}"#,
        now(),
    );
    assert_eq!(only_detail.retry_after, Some(Duration::from_secs(17)));
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    assert_eq!(
        parse_retry_after("30", now()),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after(" 1.5 ", now()),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(
        parse_retry_after("Mon, 01 Jan 2024 00:01:30 GMT", now()),
        Some(Duration::from_secs(90))
    );
    assert_eq!(
        parse_retry_after("Sun, 31 Dec 2023 23:00:00 GMT", now()),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now()), None);
    assert_eq!(parse_retry_after("-3", now()), None);
    let e = ApiError::from_response(
        503,
        &headers(&[(RETRY_AFTER.as_str(), "Mon, 01 Jan 2024 00:00:10 GMT")]),
        b"",
        now(),
    );
    assert_eq!(e.retry_after, Some(Duration::from_secs(10)));
}

#[test]
fn resets_in_reads_its_units() {
    assert_eq!(
        parse_resets_in("resets in ~5s."),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        parse_resets_in("Resets in ~2 minutes"),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_resets_in("resets in 1.5 seconds"),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(
        parse_resets_in("resets in ~250ms"),
        Some(Duration::from_millis(250))
    );
    assert_eq!(parse_resets_in("resets in 7"), Some(Duration::from_secs(7)));
    assert_eq!(parse_resets_in("try later"), None);
}

#[test]
fn a_proxy_html_page_becomes_a_short_excerpt() {
    let h = headers(&[(CONTENT_TYPE.as_str(), "text/html")]);
    let e = ApiError::from_response(502, &h, PROXY_502_HTML.as_bytes(), now());
    assert_eq!(e.kind, ApiErrorKind::Server);
    let detail = e.detail.clone().unwrap();
    assert!(
        !detail.contains('<') && !detail.contains("color:red") && !detail.contains("var x"),
        "{detail}"
    );
    assert!(
        detail.contains("502 Bad Gateway") && detail.contains("cloudflare"),
        "{detail}"
    );
    assert!(e.may_have_acted() && e.is_transient());
    assert!(
        e.to_string()
            .starts_with("Replicate had a server error (502 Bad Gateway): 502 Bad Gateway"),
        "{e}"
    );
}

#[test]
fn empty_and_plain_text_error_bodies() {
    let e = ApiError::from_response(500, &HeaderMap::new(), b"", now());
    assert_eq!((e.title.clone(), e.detail.clone()), (None, None));
    assert_eq!(
        e.to_string(),
        "Replicate had a server error (500 Internal Server Error)."
    );
    let long = "x".repeat(5000);
    let e = ApiError::from_response(418, &HeaderMap::new(), long.as_bytes(), now());
    assert_eq!(e.kind, ApiErrorKind::OtherStatus);
    assert!(e.detail.unwrap().chars().count() <= 301);
    let e = ApiError::from_response(599, &HeaderMap::new(), b"{\"detail\": [\"a\", 1]}", now());
    assert_eq!(e.detail.as_deref(), Some("[\"a\",1]"));
    assert_eq!(
        e.to_string(),
        "Replicate had a server error (HTTP 599): [\"a\",1]."
    );
}

#[test]
fn status_codes_sort_into_kinds() {
    use ApiErrorKind::*;
    for (status, kind) in [
        (400, Invalid),
        (401, Unauthorized),
        (402, PaymentRequired),
        (403, Forbidden),
        (404, NotFound),
        (409, OtherStatus),
        (422, Invalid),
        (429, RateLimited),
        (500, Server),
        (503, Server),
        (301, OtherStatus),
    ] {
        assert_eq!(ApiErrorKind::from_status(status), kind, "{status}");
    }
    let timeout = ApiError::from_response(408, &HeaderMap::new(), b"", now());
    assert!(timeout.is_transient() && !timeout.may_have_acted());
}

#[test]
fn redaction_strips_an_echoed_token() {
    let e = ApiError::from_response(
        400,
        &HeaderMap::new(),
        br#"{"title":"bad r8_SECRET","detail":"got header Bearer r8_SECRET"}"#,
        now(),
    )
    .redact("r8_SECRET");
    assert!(!e.to_string().contains("r8_SECRET"), "{e}");
    assert!(!format!("{e:?}").contains("r8_SECRET"));
}
