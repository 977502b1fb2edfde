//! `urls.stream` over real HTTP: a file stream of server-sent events, served
//! without a token, resumable with `Last-Event-ID`, and its faults.

mod common;

use common::Env;
use replicate_sim::{FaultKind, FaultRule, SimConfig, Trigger};
use serde_json::{Value, json};

/// The raw body of a stream (read to its end or to a broken connection),
/// and whether it broke.
async fn read_all(env: &Env, url: &str, last_event_id: Option<&str>) -> (String, bool) {
    let mut req = env.client.get(url).header("Accept", "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id);
    }
    let mut resp = req.send().await.expect("stream answers");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => body.extend_from_slice(&c),
            Ok(None) => return (String::from_utf8(body).unwrap(), false),
            Err(_) => return (String::from_utf8(body).unwrap(), true),
        }
    }
}

/// `(event, id, data)` of each event block (comments skipped).
fn events(body: &str) -> Vec<(String, String, String)> {
    body.split("\n\n")
        .filter(|b| !b.is_empty() && !b.starts_with(':'))
        .map(|block| {
            let (mut event, mut id, mut data) = (String::new(), String::new(), Vec::new());
            for line in block.lines() {
                let (k, v) = line.split_once(": ").unwrap_or((line, ""));
                match k {
                    "event" => event = v.to_owned(),
                    "id" => id = v.to_owned(),
                    "data" => data.push(v.to_owned()),
                    other => panic!("unexpected line {other:?}"),
                }
            }
            (event, id, data.join("\n"))
        })
        .collect()
}

async fn created(env: &Env) -> Value {
    env.create_ok(
        &env.alice,
        json!({"prompt": "a lighthouse", "num_outputs": 2}),
    )
    .await
}

#[tokio::test]
async fn a_file_stream_sends_logs_outputs_and_done_without_a_token() {
    let env = Env::start().await;
    let p = created(&env).await;
    let url = p["urls"]["stream"].as_str().unwrap().to_owned();
    assert!(url.contains("/v1/files/"), "{url}");
    let (body, broke) = read_all(&env, &url, None).await;
    assert!(!broke);
    assert!(body.starts_with(": hi\n\n"), "{body}");
    let ev = events(&body);
    let names: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names.first(), Some(&"logs"));
    assert_eq!(&names[names.len() - 3..], ["output", "output", "done"]);
    assert_eq!(ev.last().unwrap().2, "{}");
    // Two lines printed at once travel as one event with two `data:` lines.
    assert!(ev[0].2.starts_with("Using seed: ") && ev[0].2.contains("\nPrediction started at "));
    assert!(ev.iter().any(|e| e.2.contains("100%|")), "tqdm lines");
    // Outputs are the files the prediction lists; ids count up.
    let done = env.finish(&env.alice, p["id"].as_str().unwrap()).await;
    let outputs: Vec<&str> = ev
        .iter()
        .filter(|e| e.0 == "output")
        .map(|e| e.2.as_str())
        .collect();
    assert_eq!(json!(outputs), done["output"]);
    for (i, e) in ev.iter().enumerate() {
        assert!(e.1.ends_with(&format!(":{i}")), "id {} of event {i}", e.1);
    }
    let stats = env.sim.stats();
    assert_eq!(stats.requests_to("GET /v1/files/{id}"), 1);
    assert_eq!(stats.streams_by_prediction[p["id"].as_str().unwrap()], 1);
}

#[tokio::test]
async fn last_event_id_resumes_after_that_event() {
    let env = Env::start().await;
    let p = created(&env).await;
    let url = p["urls"]["stream"].as_str().unwrap().to_owned();
    let (whole, _) = read_all(&env, &url, None).await;
    let all = events(&whole);
    let (again, _) = read_all(&env, &url, Some(&all[2].1)).await;
    assert!(again.starts_with(": hi\n\n"));
    assert_eq!(events(&again), all[3..].to_vec());
    assert_eq!(env.sim.stats().streams_resumed_total, 1);
}

#[tokio::test]
async fn a_failed_prediction_streams_an_error_then_done() {
    let env = Env::start().await;
    env.sim.add_faults([FaultRule::new(
        FaultKind::FailPrediction {
            message: "CUDA out of memory".into(),
        },
        Trigger::Always,
    )]);
    let p = created(&env).await;
    let (body, _) = read_all(&env, p["urls"]["stream"].as_str().unwrap(), None).await;
    let ev = events(&body);
    let tail: Vec<(&str, Value)> = ev[ev.len() - 2..]
        .iter()
        .map(|e| (e.0.as_str(), serde_json::from_str(&e.2).unwrap()))
        .collect();
    assert_eq!(
        tail,
        [
            ("error", json!({"detail": "CUDA out of memory"})),
            ("done", json!({"reason": "error"}))
        ]
    );
}

#[tokio::test]
async fn stream_faults_drop_end_early_and_split() {
    let env = Env::start().await;
    env.sim.add_faults([
        FaultRule::new(FaultKind::StreamDrop { after: 2 }, Trigger::Nth(1)),
        FaultRule::new(FaultKind::StreamEnd { after: None }, Trigger::Nth(2)),
        FaultRule::new(FaultKind::StreamSplit, Trigger::Nth(3)),
    ]);
    let p = created(&env).await;
    let url = p["urls"]["stream"].as_str().unwrap().to_owned();
    env.finish(&env.alice, p["id"].as_str().unwrap()).await;
    let (dropped, broke) = read_all(&env, &url, None).await;
    assert!(broke, "the first connection breaks");
    assert_eq!(events(&dropped).len(), 2);
    let (ended, broke) = read_all(&env, &url, None).await;
    assert!(!broke);
    let ended = events(&ended);
    assert_ne!(ended.last().unwrap().0, "done", "ends without done");
    let (split, _) = read_all(&env, &url, None).await;
    assert_eq!(
        events(&split).len(),
        ended.len() + 1,
        "same events, done included"
    );
}

#[tokio::test]
async fn an_unknown_stream_is_404_and_a_gone_fault_too() {
    let env = Env::with(SimConfig::fast()).await;
    let resp = env
        .client
        .get(env.url("/files/bcwr-nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    env.sim
        .add_faults([FaultRule::new(FaultKind::StreamGone, Trigger::Always)]);
    let p = created(&env).await;
    let resp = env
        .client
        .get(p["urls"]["stream"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
