//! Downloads of output files, and where the token may go.

use std::time::Duration;

use super::fixtures::*;
use super::server::{Reply, Server, http, json};
use super::token;
use crate::replicate::*;

const TOKEN: &str = "r8_TestToken123";

fn client(server: &Server) -> ReplicateClient {
    ReplicateClient::new(&server.base())
        .unwrap()
        .with_timeout(Duration::from_millis(800))
}

#[tokio::test]
async fn download_sends_the_token_only_when_given() {
    let server = Server::start(|seen| match seen.header("authorization") {
        None if seen.target.ends_with("private.png") => json(401, UNAUTHENTICATED),
        _ => http(200, &[("content-type", "image/png")], "PNGDATA"),
    })
    .await;
    let c = client(&server);
    let url = format!("http://{}/files/out-0.png", server.addr);
    let body = c.download(&url, None).await.unwrap().bytes().await.unwrap();
    assert_eq!(&body[..], b"PNGDATA");
    let private = format!("http://{}/files/private.png", server.addr);
    let refused = c.download(&private, None).await.unwrap_err();
    assert_eq!(refused.kind, ApiErrorKind::Unauthorized);
    c.download(&private, Some(&token(TOKEN))).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[1].header("authorization"), None);
    assert_eq!(
        seen[2].header("authorization"),
        Some("Bearer r8_TestToken123")
    );
}

#[tokio::test]
async fn download_keeps_the_token_away_from_other_hosts() {
    let server = Server::start(|_| http(200, &[], "x")).await;
    let c = client(&server);
    let t = token(TOKEN);
    for url in [
        "http://replicate.delivery/x.png",
        "https://replicate.delivery.evil.example/x.png",
        "https://example.com/x.png",
        "data:image/png;base64,AAAA",
        "ftp://replicate.delivery/x",
    ] {
        let e = c.download(url, Some(&t)).await.unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::BadUrl, "{url}");
        assert!(!e.to_string().contains(TOKEN));
    }
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn download_errors_map_like_api_errors() {
    let server = Server::start(|_| http(404, &[("content-type", "text/plain")], "Not Found")).await;
    let e = client(&server)
        .download(&format!("http://{}/gone.png", server.addr), None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_deref()),
        (ApiErrorKind::NotFound, Some("Not Found"))
    );
}

#[tokio::test]
async fn a_download_redirect_to_another_host_drops_the_token() {
    let target = Server::start(|_| http(200, &[], "moved")).await;
    let to = format!("http://{}/cdn/out.png", target.addr);
    let origin = Server::start(move |_| http(302, &[("location", to.as_str())], "")).await;
    let c = client(&origin);
    let resp = c
        .download(
            &format!("http://{}/f.png", origin.addr),
            Some(&token(TOKEN)),
        )
        .await
        .unwrap();
    assert_eq!(&resp.bytes().await.unwrap()[..], b"moved");
    assert_eq!(
        origin.only().header("authorization"),
        Some("Bearer r8_TestToken123")
    );
    assert_eq!(target.only().header("authorization"), None);
}

#[tokio::test]
async fn api_calls_follow_no_redirect() {
    let elsewhere = Server::start(|_| json_ok()).await;
    let to = format!("http://{}/v1/account", elsewhere.addr);
    let api = Server::start(move |_| http(307, &[("location", to.as_str())], "")).await;
    let e = client(&api).account(&token(TOKEN)).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ApiErrorKind::OtherStatus, Some(307)));
    assert!(elsewhere.seen().is_empty());
}

fn json_ok() -> Reply {
    json(200, DOCS_ACCOUNT)
}
