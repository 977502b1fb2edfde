//! The client against a scripted loopback server: what it sends, how it
//! reads answers and failures.

use std::time::{Duration, Instant};

use serde_json::json;

use super::fixtures::*;
use super::server::{Reply, Server, http, http_bytes, json};
use super::token;
use crate::model::ModelRef;
use crate::replicate::*;

const TOKEN: &str = "r8_TestToken123";

fn client(server: &Server) -> ReplicateClient {
    ReplicateClient::new(&server.base())
        .unwrap()
        .with_timeout(Duration::from_millis(800))
}

fn create(model: &str, wait: Option<u8>, cancel_after: Option<Duration>) -> CreatePrediction {
    CreatePrediction {
        model: model.parse::<ModelRef>().unwrap(),
        input: json!({"prompt": "a cat", "num_outputs": 1}),
        wait,
        cancel_after,
    }
}

#[tokio::test]
async fn create_for_an_official_model_sends_auth_wait_deadline_and_json() {
    let server = Server::start(|_| json(201, SYNC_CREATE_WITH_DATA_URIS)).await;
    let req = create(
        "black-forest-labs/flux-schnell",
        Some(5),
        Some(Duration::from_secs(90)),
    );
    let p = client(&server)
        .create_prediction(&token(TOKEN), &req)
        .await
        .unwrap();
    assert_eq!(p.id, "dapztkbwgxrg20cfgsmrz2gm38");
    let seen = server.only();
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.target,
        "/v1/models/black-forest-labs/flux-schnell/predictions"
    );
    assert_eq!(seen.header("authorization"), Some("Bearer r8_TestToken123"));
    assert_eq!(seen.header("prefer"), Some("wait=5"));
    assert_eq!(seen.header("cancel-after"), Some("90s"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert_eq!(
        seen.json(),
        json!({"input": {"prompt": "a cat", "num_outputs": 1}})
    );
}

#[tokio::test]
async fn create_for_a_version_posts_the_version() {
    let server = Server::start(|_| json(200, DOCS_GET_PREDICTION)).await;
    let req = create("replicate/hello-world:5c7d5dc6dd8b", None, None);
    client(&server)
        .create_prediction(&token(TOKEN), &req)
        .await
        .unwrap();
    let seen = server.only();
    assert_eq!(seen.target, "/v1/predictions");
    assert_eq!(seen.json()["version"], json!("5c7d5dc6dd8b"));
    assert_eq!(seen.header("prefer"), None);
    assert_eq!(seen.header("cancel-after"), None);
}

#[tokio::test]
async fn wait_is_clamped_to_sixty_and_zero_sends_none() {
    let server = Server::start(|_| json(201, DOCS_GET_PREDICTION)).await;
    let c = client(&server);
    c.create_prediction(
        &token(TOKEN),
        &create("a/b", Some(200), Some(Duration::from_secs(120))),
    )
    .await
    .unwrap();
    c.create_prediction(
        &token(TOKEN),
        &create("a/b", Some(0), Some(Duration::from_millis(1500))),
    )
    .await
    .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].header("prefer"), Some("wait=60"));
    assert_eq!(seen[0].header("cancel-after"), Some("2m"));
    assert_eq!(seen[1].header("prefer"), None);
    assert_eq!(seen[1].header("cancel-after"), Some("2s"));
    assert_eq!(format_cancel_after(Duration::from_secs(3600)), "1h");
}

#[tokio::test]
async fn a_create_with_wait_gets_the_wait_on_top_of_its_timeout() {
    let slow = || {
        Reply::Slow(
            Duration::from_millis(1200),
            super::server::http_bytes(201, &[], DOCS_GET_PREDICTION.as_bytes()),
        )
    };
    let server = Server::start(move |_| slow()).await;
    let c = client(&server);
    let waited = c
        .create_prediction(&token(TOKEN), &create("a/b", Some(1), None))
        .await;
    assert!(waited.is_ok(), "{waited:?}");
    let err = c.get_prediction(&token(TOKEN), "x").await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Timeout);
    assert!(err.may_have_acted() && err.is_transient());
}

#[tokio::test]
async fn a_create_times_out_at_its_announced_time_limit() {
    let base = ReplicateClient::new("http://127.0.0.1:9/v1").unwrap();
    assert_eq!(base.create_time_limit(Some(60)), Duration::from_secs(75));
    assert_eq!(base.create_time_limit(Some(90)), Duration::from_secs(75));
    assert_eq!(base.create_time_limit(None), Duration::from_secs(30));
    assert_eq!(base.create_time_limit(Some(0)), Duration::from_secs(30));
    let server = Server::start(|_| {
        Reply::Slow(
            Duration::from_millis(1500),
            super::server::http_bytes(201, &[], DOCS_GET_PREDICTION.as_bytes()),
        )
    })
    .await;
    let c = client(&server).with_create_timeout(Duration::from_millis(300));
    assert_eq!(c.create_time_limit(Some(60)), Duration::from_millis(300));
    let started = Instant::now();
    let err = c
        .create_prediction(&token(TOKEN), &create("a/b", Some(60), None))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_millis(1200));
}

#[tokio::test]
async fn get_cancel_account_and_model_use_their_paths() {
    let server = Server::start(|seen| match seen.target.as_str() {
        "/v1/account" => json(200, DOCS_ACCOUNT),
        "/v1/models/black-forest-labs/flux-schnell" => json(200, FLUX_LIKE_MODEL),
        _ => json(200, DOCS_GET_PREDICTION),
    })
    .await;
    let c = client(&server);
    let t = token(TOKEN);
    assert_eq!(
        c.get_prediction(&t, "gm3q").await.unwrap().status,
        PredictionStatus::Succeeded
    );
    c.cancel_prediction(&t, "gm3q").await.unwrap();
    assert_eq!(c.account(&t).await.unwrap().username, "acme");
    let m = c
        .get_model(&t, "black-forest-labs", "flux-schnell")
        .await
        .unwrap();
    assert_eq!(m.input_form().unwrap().fields[0].name, "prompt");
    c.get_prediction(&t, "we ird/id").await.unwrap();
    let seen: Vec<(String, String)> = server
        .seen()
        .into_iter()
        .map(|s| (s.method, s.target))
        .collect();
    let expect = [
        ("GET", "/v1/predictions/gm3q"),
        ("POST", "/v1/predictions/gm3q/cancel"),
        ("GET", "/v1/account"),
        ("GET", "/v1/models/black-forest-labs/flux-schnell"),
        ("GET", "/v1/predictions/we%20ird%2Fid"),
    ];
    assert_eq!(seen, expect.map(|(m, p)| (m.to_owned(), p.to_owned())));
}

#[tokio::test]
async fn an_empty_cancel_answer_is_followed_by_a_get() {
    let server = Server::start(|seen| match seen.method.as_str() {
        "POST" => http(200, &[], ""),
        _ => json(200, r#"{"id":"p1","status":"canceled"}"#),
    })
    .await;
    let p = client(&server)
        .cancel_prediction(&token(TOKEN), "p1")
        .await
        .unwrap();
    assert_eq!(p.status, PredictionStatus::Canceled);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn statuses_map_to_kinds_with_their_details() {
    use ApiErrorKind as K;
    let server = Server::start(|seen| {
        let status: u16 = seen.target.rsplit('/').next().unwrap().parse().unwrap();
        json(
            status,
            &format!(r#"{{"title":"t{status}","detail":"d{status}","status":{status}}}"#),
        )
    })
    .await;
    let c = client(&server);
    for (status, kind) in [
        (400, K::Invalid),
        (401, K::Unauthorized),
        (402, K::PaymentRequired),
        (403, K::Forbidden),
        (404, K::NotFound),
        (409, K::OtherStatus),
        (422, K::Invalid),
        (429, K::RateLimited),
        (500, K::Server),
        (503, K::Server),
    ] {
        let e = c
            .get_prediction(&token(TOKEN), &status.to_string())
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.status), (kind, Some(status)));
        assert_eq!(e.detail.as_deref(), Some(format!("d{status}").as_str()));
    }
}

#[tokio::test]
async fn a_429_carries_its_retry_hint() {
    let server = Server::start(|_| {
        http(
            429,
            &[
                ("content-type", "application/problem+json"),
                ("retry-after", "8"),
            ],
            THROTTLED_LOW_CREDIT,
        )
    })
    .await;
    let e = client(&server)
        .create_prediction(&token(TOKEN), &create("a/b", None, None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(8)));
    assert!(!e.may_have_acted());
}

#[tokio::test]
async fn a_proxy_html_error_is_summarised() {
    let server =
        Server::start(|_| http(502, &[("content-type", "text/html")], PROXY_502_HTML)).await;
    let e = client(&server)
        .get_prediction(&token(TOKEN), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Server);
    assert!(!e.to_string().contains('<'), "{e}");
}

#[tokio::test]
async fn a_2xx_with_garbage_is_a_decode_error() {
    for body in [
        "<html>oops</html>",
        "",
        "{\"no_id\":true}",
        "{\"id\": \"trunc",
    ] {
        let server = Server::start(move |_| http(201, &[], body)).await;
        let e = client(&server)
            .create_prediction(&token(TOKEN), &create("a/b", None, None))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.status),
            (ApiErrorKind::Decode, Some(201)),
            "{body:?}"
        );
        assert!(e.may_have_acted(), "a create answered 2xx may exist");
    }
}

#[tokio::test]
async fn a_dropped_connection_is_transport_and_may_have_acted() {
    let server = Server::start(|_| Reply::Drop).await;
    let e = client(&server)
        .create_prediction(&token(TOKEN), &create("a/b", None, None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Transport, "{e}");
    assert!(e.may_have_acted() && e.is_transient());
    assert_eq!(server.seen().len(), 1, "the request did reach the server");
}

#[tokio::test]
async fn a_body_cut_short_is_transport() {
    let server = Server::start(|_| {
        let mut bytes = http_bytes(200, &[], DOCS_GET_PREDICTION.as_bytes());
        bytes.truncate(bytes.len() - 40);
        Reply::Raw(bytes)
    })
    .await;
    let e = client(&server)
        .get_prediction(&token(TOKEN), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Transport, "{e}");
}

#[tokio::test]
async fn a_refused_connection_is_connect_and_did_not_act() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let c = ReplicateClient::new(&base)
        .unwrap()
        .with_timeout(Duration::from_millis(800));
    let e = c
        .create_prediction(&token(TOKEN), &create("a/b", None, None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Connect, "{e}");
    assert!(!e.may_have_acted() && e.is_transient());
    assert!(!e.to_string().contains(TOKEN));
}

#[tokio::test]
async fn an_announced_oversized_body_is_refused_without_reading() {
    let server = Server::start(|_| {
        Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999999999\r\n\r\n{".to_vec())
    })
    .await;
    let started = Instant::now();
    let e = client(&server).account(&token(TOKEN)).await.unwrap_err();
    assert_eq!(
        (e.kind, e.status),
        (ApiErrorKind::TooLarge, Some(200)),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "did not wait for the body"
    );
}

#[tokio::test]
async fn a_body_growing_past_the_cap_is_refused() {
    let big = format!(
        r#"{{"id":"a","status":"succeeded","logs":"{}"}}"#,
        "x".repeat(4096)
    );
    let server = Server::start(move |_| {
        // No Content-Length: the body runs until the connection closes.
        let mut bytes = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
        bytes.extend_from_slice(big.as_bytes());
        Reply::Raw(bytes)
    })
    .await;
    let c = client(&server).with_body_caps(1024, 2048);
    let e = c.get_prediction(&token(TOKEN), "a").await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::TooLarge);
    assert!(e.may_have_acted(), "an oversized 2xx was acted on");
    let e = c.account(&token(TOKEN)).await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::TooLarge);
}

#[tokio::test]
async fn list_follows_next_as_given_on_the_same_origin() {
    let server = Server::start(|seen| {
        if seen.target == "/v1/predictions" {
            let next = format!("http://{}/v1/predictions?cursor=cD0yMDIz", seen.header("host").unwrap());
            json(200, &format!(r#"{{"next":"{next}","previous":null,"results":[{{"id":"new","status":"processing"}}]}}"#))
        } else {
            json(200, DOCS_LIST_PREDICTIONS)
        }
    })
    .await;
    let c = client(&server);
    let first = c.list_predictions(&token(TOKEN), None).await.unwrap();
    assert_eq!(first.results[0].id, "new");
    let second = c
        .list_predictions(&token(TOKEN), first.next.as_deref())
        .await
        .unwrap();
    assert_eq!(second.next, None);
    let seen = server.seen();
    assert_eq!(seen[1].target, "/v1/predictions?cursor=cD0yMDIz");
    assert_eq!(
        seen[1].header("authorization"),
        Some("Bearer r8_TestToken123")
    );
}

#[tokio::test]
async fn a_next_url_elsewhere_is_not_followed() {
    let server = Server::start(|_| json(200, DOCS_LIST_PREDICTIONS)).await;
    let c = client(&server);
    for next in [
        "https://evil.example/v1/predictions?cursor=x",
        "http://localhost:1/v1/predictions",
        "not a url",
    ] {
        let e = c
            .list_predictions(&token(TOKEN), Some(next))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::BadUrl, "{next}");
    }
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn an_echoed_token_never_reaches_the_error_text() {
    let server = Server::start(|seen| {
        let auth = seen.header("authorization").unwrap_or_default().to_owned();
        json(
            400,
            &format!(r#"{{"title":"Bad header {auth}","detail":"we got {auth}"}}"#),
        )
    })
    .await;
    let c = client(&server);
    let e = c.get_prediction(&token(TOKEN), "x").await.unwrap_err();
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
    let e = c
        .download(&format!("http://{}/f", server.addr), Some(&token(TOKEN)))
        .await
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains(TOKEN));
    assert!(!format!("{c:?}").contains(TOKEN));
}

#[test]
fn base_urls_are_checked() {
    for bad in [
        "",
        "api.replicate.com/v1",
        "ftp://x/v1",
        "https://",
        "https://x/v1?a=b",
        "mailto:a@b",
    ] {
        let e = ReplicateClient::new(bad).unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::BadUrl, "{bad:?}");
    }
    let c = ReplicateClient::new("https://api.replicate.com/v1/").unwrap();
    assert_eq!(c.base_url(), ReplicateClient::DEFAULT_BASE_URL);
}
