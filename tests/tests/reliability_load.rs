//! Load: with thousands of generations queued and the queue draining over 5
//! tokens, how long list (the dropdown's 50), counters (the `⟳ N`) and
//! create (one submit) take — p50 / p99 / max, printed, not asserted
//! (shared/DESIGN.md: speed is measured by figures, not timed tests).
//!
//! CI size: 2,000 queued, 200 samples each (at most 20 s); full size
//! (`GENQUEUE_RELIABILITY_FULL=1`): 10,000 queued, 1,000 samples each (at most 180 s).

use std::time::{Duration, Instant};

use genqueue_core::store::ListQuery;
use genqueue_tests::{World, flux, sized};
use replicate_sim::SimConfig;
use serde_json::json;

fn figures(name: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_counters_and_create_latency_while_a_big_queue_drains() {
    let queued = sized(2_000, 10_000);
    let samples = sized(200, 1_000);
    let mut w = World::new(5, SimConfig::fast()).await;
    for id in &w.token_ids {
        w.queue.set_token_concurrency(*id, 4).unwrap();
    }
    let t0 = Instant::now();
    for chunk in (0..queued).collect::<Vec<_>>().chunks(1000) {
        let news = chunk
            .iter()
            .map(|i| flux(&format!("load {i}"), json!({ "seed": i })))
            .collect();
        w.queue.submit_batch(news).unwrap();
    }
    let queued_in = t0.elapsed();
    w.start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (mut list, mut counters, mut create) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    let done_before = w.queue.counters().unwrap().completed;
    // Bounded in time too: a loaded machine gives fewer samples, not a stuck suite.
    let budget = Duration::from_secs(if genqueue_tests::reliability_full() {
        180
    } else {
        20
    });
    for i in 0..samples {
        if started.elapsed() > budget {
            break;
        }
        let t = Instant::now();
        let page = w.queue.list(&ListQuery::default()).unwrap();
        list.push(t.elapsed());
        assert_eq!(page.len(), 50);
        let t = Instant::now();
        let c = w.queue.counters().unwrap();
        counters.push(t.elapsed());
        assert!(c.pending + c.processing + c.completed + c.failed >= queued as u64);
        let t = Instant::now();
        w.queue
            .submit(flux(
                &format!("during the drain {i}"),
                json!({ "seed": 1_000_000 + i }),
            ))
            .unwrap();
        create.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let measured = started.elapsed();
    let c = w.queue.counters().unwrap();
    let drained = c.completed - done_before;
    eprintln!(
        "load: {queued} queued in {:.2} s; while draining ({drained} completed in {:.1} s, {:.0}/s, {} still active):\n  {}\n  {}\n  {}",
        queued_in.as_secs_f64(),
        measured.as_secs_f64(),
        drained as f64 / measured.as_secs_f64(),
        c.active,
        figures("list (50 newest)", list),
        figures("counters", counters),
        figures("create (submit one)", create),
    );
    assert!(drained > 0, "the queue drained while measured");
    w.stop().await;
}
