//! A broken server: garbage, an empty body, a 10 GB `Content-Length`, a
//! redirect loop, on the API or on the file host. Each gives a clear error
//! fast, the engine lives, and nothing is saved half.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::{CreatePrediction, ReplicateClient};
use genqueue_core::secrets::{MemorySecretStore, Secret, SecretStore};
use genqueue_core::store::Store;
use genqueue_tests::proxy::{Options, Proxy};
use genqueue_tests::{World, assert_human, flux};
use replicate_sim::{AccountConfig, Sim, SimConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LONG: Duration = Duration::from_secs(60);

// ---- a broken server ------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Broken {
    /// Bytes that are not HTTP at all.
    NotHttp,
    /// A 200 whose body is not JSON (nor an image).
    GarbageBody,
    /// A 200 with an empty body.
    EmptyBody,
    /// A 200 announcing 10 GB, sending a little, then holding.
    TenGigabytes,
    /// A 302 to itself, for ever.
    RedirectLoop,
}

/// A raw TCP server answering every request the `Broken` way.
async fn broken_server(mode: Broken) -> String {
    let listener = tokio::net::TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let answer: Vec<u8> = match mode {
                    Broken::NotHttp => b"\x00\xff\xfe garbage \x07\x1b[2J not http\r\n\r\n".to_vec(),
                    Broken::GarbageBody => {
                        let body = b"\x89\x00<html>{{{ not json \xff\xfe";
                        let mut a = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        a.extend_from_slice(body);
                        a
                    }
                    Broken::EmptyBody => {
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n".to_vec()
                    }
                    Broken::TenGigabytes => {
                        let _ = sock
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{\"id\": \"")
                            .await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    Broken::RedirectLoop => b"HTTP/1.1 302 Found\r\nLocation: /v1/loop\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                let _ = sock.write_all(&answer).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_garbage_gives_clear_errors_fast_and_stores_nothing() {
    let token = genqueue_tests::fake_token();
    for mode in [
        Broken::NotHttp,
        Broken::GarbageBody,
        Broken::EmptyBody,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
    ] {
        let origin = broken_server(mode).await;
        let client = ReplicateClient::new(&format!("{origin}/v1"))
            .unwrap()
            .with_timeout(Duration::from_secs(3));
        let secret = Secret::parse(&token).unwrap();
        let t0 = Instant::now();
        let account = client.account(&secret).await.unwrap_err();
        let create = client
            .create_prediction(
                &secret,
                &CreatePrediction {
                    model: "black-forest-labs/flux-schnell".parse().unwrap(),
                    input: json!({"prompt": "x"}),
                    wait: None,
                    cancel_after: None,
                },
            )
            .await
            .unwrap_err();
        let get = client.get_prediction(&secret, "abc").await.unwrap_err();
        let list = client.list_predictions(&secret, None).await.unwrap_err();
        let took = t0.elapsed();
        eprintln!(
            "{mode:?} ({took:?}): account: {account} | create: {create} [{}] | get: {get} | list: {list}",
            create.code()
        );
        assert!(took < Duration::from_secs(15), "{mode:?} took {took:?}");
        for e in [&account, &create, &get, &list] {
            assert_human(
                &format!("{mode:?}"),
                &e.to_string(),
                std::slice::from_ref(&token),
            );
        }
        // Adding a token against it: refused, nothing stored.
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(
            dir.path(),
            &format!("{origin}/v1"),
            Arc::new(MemorySecretStore::new()),
        )
        .unwrap();
        let e = queue.add_token("t", &token).await.unwrap_err();
        assert_human("add_token", &e.to_string(), std::slice::from_ref(&token));
        assert!(
            queue.tokens().unwrap().is_empty(),
            "{mode:?}: no token stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_on_a_garbage_server_waits_or_fails_clearly_and_the_engine_lives() {
    let token = genqueue_tests::fake_token();
    for mode in [
        Broken::NotHttp,
        Broken::EmptyBody,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
    ] {
        let origin = broken_server(mode).await;
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemorySecretStore::new());
        let queue = Queue::from_parts(
            dir.path().to_owned(),
            Store::open(&dir.path().join("genqueue.db")).unwrap(),
            ReplicateClient::new(&format!("{origin}/v1"))
                .unwrap()
                .with_timeout(Duration::from_secs(2)),
            secrets.clone(),
        );
        let t = queue
            .store()
            .insert_token("t", &token[token.len() - 4..], chrono::Utc::now())
            .unwrap();
        secrets.set(t.id, &Secret::parse(&token).unwrap()).unwrap();
        let engine = genqueue_core::engine::Engine::start(
            queue.clone(),
            genqueue_tests::test_engine_config(),
        )
        .unwrap();
        let g = queue.submit(flux("garbage", json!({}))).unwrap();
        let t0 = Instant::now();
        let g = loop {
            let g = queue.get(g.id).unwrap();
            if g.status.is_terminal()
                || (g.wait_reason.is_some() && t0.elapsed() > Duration::from_secs(2))
            {
                break g;
            }
            assert!(t0.elapsed() < LONG, "{mode:?}: {g:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let why = g
            .failure_english()
            .or(g.wait_reason.as_ref().map(|w| w.english(&chrono::Utc)))
            .unwrap();
        eprintln!("{mode:?}: {} — {why}", g.status);
        assert_human(&format!("{mode:?}"), &why, std::slice::from_ref(&token));
        assert_ne!(g.status, GenerationStatus::Completed);
        // The engine still answers: a cancel goes through.
        if g.status.is_active() {
            let c = tokio::time::timeout(Duration::from_secs(20), queue.cancel(g.id)).await;
            let c = c.expect("cancel answers").expect("cancel works");
            assert_eq!(c.status, GenerationStatus::Cancelled);
        }
        tokio::time::timeout(Duration::from_secs(10), engine.shutdown())
            .await
            .expect("the engine stops");
    }
}

/// Output downloads from a broken file host (the API is the real sim; the
/// file URLs point at the broken server).
/// A World on one token whose predictions' output files are served by a
/// `mode` server (the API goes through a proxy that sends file URLs there);
/// keep the proxy alive with the World.
async fn world_downloading_from(mode: Broken) -> (World, String, Proxy) {
    let broken = broken_server(mode).await;
    let token = genqueue_tests::fake_token();
    let sim = Sim::start(
        SimConfig::fast()
            .outputs_as_urls()
            .account(AccountConfig::new(&token, "user0")),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        &format!("http://{}", sim.addr()),
        Options {
            files_origin: Some(Arc::new(move |_| Some(broken.clone()))),
            ..Options::default()
        },
        Default::default(),
    )
    .await;
    let api = format!("{}/v1", proxy.origin());
    let w = World::from_sim(
        sim,
        vec![token.clone()],
        &api,
        Duration::from_secs(2),
        Arc::new(MemorySecretStore::new()),
    )
    .await;
    (w, token, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_from_a_broken_host_fail_clearly_and_save_nothing_half() {
    for mode in [
        Broken::NotHttp,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
        Broken::GarbageBody,
    ] {
        let (mut w, token, _proxy) = world_downloading_from(mode).await;
        w.start();
        let g = w.submit("broken host", json!({}));
        let g = &w.wait_terminal(&[g.id], LONG).await[0];
        eprintln!(
            "download from {mode:?}: {} {:?} {:?}",
            g.status, g.error_kind, g.error
        );
        match mode {
            // Any bytes may be an output (a model may return text).
            Broken::GarbageBody => assert_eq!(g.status, GenerationStatus::Completed),
            _ => {
                assert_eq!(g.status, GenerationStatus::Failed);
                assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
                assert_human(
                    &format!("{mode:?}"),
                    &g.failure_english().unwrap(),
                    std::slice::from_ref(&token),
                );
            }
        }
        let leftovers: Vec<_> = genqueue_tests::files_under(&w.dir.path().join("outputs"))
            .into_iter()
            .filter(|f| f.to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // The engine lives: it can still be stopped cleanly.
        w.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_output_download_is_not_a_completed_generation() {
    let (mut w, _token, _proxy) = world_downloading_from(Broken::EmptyBody).await;
    w.start();
    let g = w.submit("empty file", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed, "{g:?}");
    assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
}
