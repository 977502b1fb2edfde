//! How much the queue says, and that it still says everything (issue #12,
//! "Drain and pacing"): marking thousands viewed is announced like a batch,
//! and request counters are announced coalesced per token, the last state
//! always included.

use std::time::Duration;

use genqueue_core::events::Event;
use genqueue_core::queue::BATCH_EVENTS;
use genqueue_tests::World;
use replicate_sim::SimConfig;
use tokio::sync::broadcast::error::TryRecvError;

fn drain_events(rx: &mut tokio::sync::broadcast::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(e) => out.push(e),
            Err(TryRecvError::Lagged(n)) => panic!("the listener lagged by {n} events"),
            Err(_) => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_a_thousand_viewed_announces_the_newest_rows_and_the_counters() {
    let w = World::new(1, SimConfig::fast()).await;
    // Queued only (no engine): 1,000 unviewed rows.
    let ids = w.submit_seeded("unviewed", 1000);
    let mut rx = w.queue.events().subscribe();
    assert_eq!(
        w.queue
            .mark_all_viewed(genqueue_core::queue::Scope::Mine)
            .unwrap(),
        1000
    );
    let events = drain_events(&mut rx);
    let changed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::GenerationChanged(g) => Some(g),
            _ => None,
        })
        .collect();
    assert_eq!(changed.len(), BATCH_EVENTS, "capped like a batch");
    assert!(changed.iter().all(|g| g.viewed));
    // The newest ones: the last BATCH_EVENTS queued.
    let newest: std::collections::HashSet<_> = ids[ids.len() - BATCH_EVENTS..].iter().collect();
    assert!(changed.iter().all(|g| newest.contains(&g.id)));
    let Some(Event::CountersChanged(c)) = events.last() else {
        panic!("the counters come last: {:?}", events.last());
    };
    assert_eq!(c.unviewed, 0);
    assert_eq!(w.queue.counters().unwrap().unviewed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_counters_are_announced_coalesced_and_the_last_state_arrives() {
    let mut w = World::new(1, SimConfig::fast()).await;
    let mut rx = w.queue.events().subscribe();
    w.start();
    let ids = w.submit_seeded("counted", 40);
    w.wait_terminal(&ids, Duration::from_secs(60)).await;
    // The trailing event of the last window.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let token = w.queue.tokens().unwrap().remove(0);
    let announced: Vec<_> = drain_events(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            Event::TokenChanged(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(
        token.request_count >= 80,
        "a create and a read each at least: {}",
        token.request_count
    );
    assert!(
        (announced.len() as u64) < token.request_count / 2,
        "{} events for {} requests",
        announced.len(),
        token.request_count
    );
    let last = announced.last().expect("some token event");
    assert_eq!(
        last.request_count, token.request_count,
        "the last event carries the final count"
    );
    w.stop().await;
}
