//! Throughput of `GET /v1/predictions/{id}`: starts the simulator in
//! process, creates predictions, then reads them from concurrent clients over
//! loopback for a fixed time and prints requests per second.
//!
//! `cargo run --release -p replicate-sim --example bench_get [SECONDS] [CLIENTS]`
//! (defaults 5 s, 32 clients). Rate limits are raised so that the figure
//! measures the server, not the throttle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use replicate_sim::{AccountConfig, RateLimits, Sim, SimConfig};
use serde_json::json;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5.0);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let token = format!("r8_bench{}", std::process::id());
    let mut config = SimConfig::fast().account(AccountConfig::new(&token, "bench"));
    config.rate_limits = RateLimits {
        creates_per_min: u32::MAX / 2,
        create_burst: u32::MAX / 2,
        others_per_min: u32::MAX / 2,
        other_burst: u32::MAX / 2,
        ..RateLimits::default()
    };
    let sim = Sim::start(config).await.expect("sim starts");
    let base = sim.base_url();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let mut urls = Vec::new();
    for i in 0..100 {
        let body: serde_json::Value = client
            .post(format!(
                "{base}/models/black-forest-labs/flux-schnell/predictions"
            ))
            .bearer_auth(&token)
            .json(&json!({"input": {"prompt": format!("bench {i}")}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        urls.push(body["urls"]["get"].as_str().unwrap().to_string());
    }
    let urls = Arc::new(urls);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, urls, done, failed, token) = (
            client.clone(),
            urls.clone(),
            done.clone(),
            failed.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while Instant::now() < until {
                let url = &urls[i % urls.len()];
                i += clients;
                let ok = match client.get(url).bearer_auth(&token).send().await {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    println!(
        "GET /v1/predictions/{{id}}: {ok} answers in {elapsed:.2} s with {clients} clients = {:.0} req/s ({} failed)",
        ok as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
    sim.shutdown().await;
}
