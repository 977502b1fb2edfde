//! `Queue::submit_request` against replicate-sim on loopback, with a real
//! SQLite file and secrets in memory.

use std::sync::Arc;
use std::time::Duration;

use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle};
use serde_json::{Map, json};

use super::*;
use crate::replicate::ReplicateClient;
use crate::secrets::MemorySecretStore;
use crate::store::Store;

const SCHNELL: &str = "black-forest-labs/flux-schnell";
const MODEL_GET: &str = "GET /v1/models/{owner}/{name}";

/// A fake token made at run time: `r8_` and 37 random letters and digits.
fn fake_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    format!("r8_{}", &s[..37])
}

struct World {
    sim: SimHandle,
    _dir: tempfile::TempDir,
    queue: Queue,
}

/// A sim with one account, a queue on a temporary folder with its token.
async fn world() -> World {
    let token = fake_token();
    let sim = Sim::start(SimConfig::fast().account(AccountConfig::new(&token, "ada")))
        .await
        .expect("sim starts");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("genqueue.db")).unwrap();
    let client = ReplicateClient::new(&sim.base_url())
        .unwrap()
        .with_timeout(Duration::from_secs(3));
    let queue = Queue::from_parts(
        dir.path().to_owned(),
        store,
        client,
        Arc::new(MemorySecretStore::new()),
    );
    queue
        .add_token("main", &token)
        .await
        .expect("token accepted");
    World {
        sim,
        _dir: dir,
        queue,
    }
}

fn request(prompts: Prompts, count: u32) -> SubmitRequest {
    SubmitRequest {
        model: SCHNELL.parse().unwrap(),
        prompts,
        input: SubmitInput::default(),
        count,
        priority: 0,
        deadlines: Default::default(),
    }
}

fn lines(text: &str) -> Prompts {
    Prompts::Lines(vec![text.to_owned()])
}

fn queued(w: &World) -> usize {
    w.queue.counters().unwrap().pending as usize
}

#[test]
fn prompts_are_split_into_trimmed_lines_and_blank_ones_dropped() {
    assert_eq!(
        lines("a cat\n\n  \r\n  a dog \r\n").split().unwrap(),
        ["a cat", "a dog"]
    );
    assert_eq!(
        Prompts::Lines(vec!["a\nb".into(), "c".into()])
            .split()
            .unwrap(),
        ["a", "b", "c"]
    );
    // One prompt stays whole across lines.
    assert_eq!(
        Prompts::One("  a cat\nin the snow ".into())
            .split()
            .unwrap(),
        ["a cat\nin the snow"]
    );
}

#[test]
fn blank_prompts_are_refused() {
    for p in [
        Prompts::One(" \t\n".into()),
        Prompts::Lines(vec![]),
        lines("\n  \r\n"),
    ] {
        assert!(matches!(p.split(), Err(QueueError::EmptyPrompt)), "{p:?}");
    }
}

#[test]
fn limits_hold_at_their_edges() {
    assert_eq!(check_limits(1, 1).unwrap(), 1);
    assert_eq!(check_limits(1, MAX_COUNT).unwrap(), MAX_COUNT as usize);
    assert_eq!(check_limits(MAX_BATCH, 1).unwrap(), MAX_BATCH);
    assert_eq!(check_limits(MAX_BATCH / 20, 20).unwrap(), MAX_BATCH);
    let e = check_limits(1, MAX_COUNT + 1).unwrap_err();
    assert!(
        matches!(e, QueueError::InvalidCount { count, max } if count == MAX_COUNT + 1 && max == MAX_COUNT)
    );
    assert_eq!(e.code(), "invalid_count");
    assert!(matches!(
        check_limits(1, 0),
        Err(QueueError::InvalidCount { .. })
    ));
    let e = check_limits(MAX_BATCH + 1, 1).unwrap_err();
    assert!(
        matches!(e, QueueError::TooMany { total, limit } if total == MAX_BATCH + 1 && limit == MAX_BATCH)
    );
    assert!(e.to_string().contains(&MAX_BATCH.to_string()), "{e}");
    assert!(matches!(
        check_limits(MAX_BATCH / 20 + 1, 20),
        Err(QueueError::TooMany { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_generation_has_no_batch_and_several_share_a_v7_batch_id() {
    let w = world().await;
    let one = w
        .queue
        .submit_request(&request(Prompts::One("a lighthouse".into()), 1))
        .await
        .unwrap();
    assert_eq!(one.generations.len(), 1);
    assert_eq!(one.generations[0].batch_id, None);
    assert!(one.unchecked.is_none());

    let many = w
        .queue
        .submit_request(&request(lines("a cat\na dog"), 3))
        .await
        .unwrap();
    let prompts: Vec<&str> = many.generations.iter().map(|g| g.prompt.as_str()).collect();
    assert_eq!(
        prompts,
        ["a cat", "a cat", "a cat", "a dog", "a dog", "a dog"]
    );
    let batch = many.generations[0].batch_id.expect("a batch id");
    assert_eq!(batch.uuid().get_version_num(), 7);
    assert!(many.generations.iter().all(|g| g.batch_id == Some(batch)));
    assert_eq!(many.generations[3].input["prompt"], "a dog");

    // One prompt of count 2 is a batch too.
    let two = w
        .queue
        .submit_request(&request(Prompts::One("a fox".into()), 2))
        .await
        .unwrap();
    assert!(two.generations[0].batch_id.is_some());
    assert_ne!(two.generations[0].batch_id, Some(batch));
    assert_eq!(queued(&w), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_queue_nothing() {
    let w = world().await;
    let blank = w.queue.submit_request(&request(lines(" \n "), 1)).await;
    assert_eq!(blank.unwrap_err().code(), "empty_prompt");
    let over = w
        .queue
        .submit_request(&request(Prompts::One("a cat".into()), MAX_COUNT + 1))
        .await;
    assert_eq!(over.unwrap_err().code(), "invalid_count");
    let too_many = "a cat\n".repeat(MAX_BATCH / 10 + 1);
    let e = w
        .queue
        .submit_request(&request(lines(&too_many), 10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            QueueError::TooMany {
                limit: MAX_BATCH,
                ..
            }
        ),
        "{e}"
    );
    // The limits are checked before the schema is read.
    assert_eq!(w.sim.stats().requests_to(MODEL_GET), 0);

    let mut bad = request(Prompts::One("a cat".into()), 2);
    bad.input = SubmitInput::Values(Map::from_iter([
        ("num_outputs".to_owned(), json!(9)),
        ("no_such_input".to_owned(), json!(1)),
    ]));
    let e = w.queue.submit_request(&bad).await.unwrap_err();
    let QueueError::InvalidInput(problems) = &e else {
        panic!("{e}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["num_outputs", "no_such_input"]);
    assert!(e.to_string().contains("less than or equal to 4"), "{e}");
    assert_eq!(queued(&w), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_batch_is_queued_whole() {
    let w = world().await;
    let prompts = (0..MAX_BATCH / MAX_COUNT as usize)
        .map(|i| format!("prompt {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let s = w
        .queue
        .submit_request(&request(lines(&prompts), MAX_COUNT))
        .await
        .unwrap();
    assert_eq!(s.generations.len(), MAX_BATCH);
    assert_eq!(queued(&w), MAX_BATCH);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_inputs_are_typed_from_the_form() {
    let w = world().await;
    let mut r = request(Prompts::One("a cat".into()), 1);
    r.input = SubmitInput::Text(vec![
        ("num_outputs".into(), "2".into()),
        ("go_fast".into(), "no".into()),
        ("aspect_ratio".into(), "16:9".into()),
    ]);
    let g = &w.queue.submit_request(&r).await.unwrap().generations[0];
    assert_eq!(
        g.input,
        json!({"prompt": "a cat", "num_outputs": 2, "go_fast": false, "aspect_ratio": "16:9"})
    );
    r.input = SubmitInput::Text(vec![
        ("num_outputs".into(), "two".into()),
        ("aspect_ratio".into(), "7:3".into()),
    ]);
    let e = w.queue.submit_request(&r).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let msg = e.to_string();
    assert!(msg.contains("num_outputs: must be an integer"), "{msg}");
    assert!(msg.contains("aspect_ratio: must be one of"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_submit_of_the_same_model_reads_no_schema() {
    let w = world().await;
    w.queue
        .submit_request(&request(Prompts::One("a cat".into()), 1))
        .await
        .unwrap();
    assert_eq!(w.sim.stats().requests_to(MODEL_GET), 1);
    w.queue
        .submit_request(&request(lines("a dog\na fox"), 2))
        .await
        .unwrap();
    let form = w.queue.model_form(&SCHNELL.parse().unwrap()).await.unwrap();
    assert_eq!(form.model, SCHNELL);
    assert!(form.form.field("num_outputs").is_some());
    let stats = w.sim.stats();
    assert_eq!(stats.requests_to(MODEL_GET), 1, "{stats:?}");
    assert_eq!(queued(&w), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_version_has_its_own_form() {
    let w = world().await;
    let latest = w
        .queue
        .model_form(&"stability-ai/sdxl".parse().unwrap())
        .await;
    latest.unwrap();
    let pinned: ModelRef = format!(
        "stability-ai/sdxl:{}",
        replicate_sim::catalogue::SDXL_VERSION
    )
    .parse()
    .unwrap();
    w.queue.model_form(&pinned).await.unwrap();
    w.queue.model_form(&pinned).await.unwrap();
    let stats = w.sim.stats();
    assert_eq!(stats.requests_to(MODEL_GET), 2, "{stats:?}");
    assert_eq!(
        stats.requests_to("GET /v1/models/{owner}/{name}/versions/{id}"),
        1,
        "{stats:?}"
    );
    // A failed read is not kept: an unknown version is asked again.
    let unknown: ModelRef = "stability-ai/sdxl:00000000".parse().unwrap();
    for _ in 0..2 {
        let e = w.queue.model_form(&unknown).await.unwrap_err();
        assert_eq!(e.code(), "not_found", "{e}");
    }
    assert_eq!(w.sim.stats().requests_to(MODEL_GET), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_usable_form_the_input_is_queued_unchecked_unless_the_model_cannot_run() {
    let w = world().await;
    let model: ModelRef = SCHNELL.parse().unwrap();
    w.queue.forms().put(&model, Err(SchemaError::NoInput));
    let mut r = request(Prompts::One("a cat".into()), 1);
    r.input = SubmitInput::Text(vec![
        ("num_outputs".into(), "9".into()),
        ("style".into(), "noir".into()),
    ]);
    let s = w.queue.submit_request(&r).await.unwrap();
    assert_eq!(s.unchecked, Some(SchemaError::NoInput));
    assert_eq!(
        s.generations[0].input,
        json!({"prompt": "a cat", "num_outputs": 9, "style": "noir"})
    );

    w.queue.forms().put(&model, Err(SchemaError::NoVersion));
    let e = w.queue.submit_request(&r).await.unwrap_err();
    assert!(
        matches!(e, QueueError::Schema(SchemaError::NoVersion)),
        "{e}"
    );
    assert_eq!(queued(&w), 1);
    assert_eq!(w.sim.stats().requests_to(MODEL_GET), 0);
}

#[tokio::test]
async fn every_submit_and_retry_records_who_created_it_on_which_machine() {
    let w = world().await;
    // By default: the OS user name on this machine's host name.
    let local = w
        .queue
        .submit_request(&request(Prompts::One("mine by default".into()), 1))
        .await
        .unwrap();
    let me = crate::team::this_creator(None);
    assert!(me.member.as_deref().is_some_and(|m| !m.is_empty()));
    assert_eq!(local.generations[0].creator, me);

    // A queue on a team's database records the member name chosen when joining.
    let store = Store::open(&w._dir.path().join("team.db")).unwrap();
    let team = Queue::from_parts(
        w._dir.path().to_owned(),
        store,
        w.queue.client().clone(),
        w.queue.secrets(),
    )
    .with_creator(crate::team::this_creator(Some("Ada L.")));
    let g = team
        .submit(crate::model::NewGeneration {
            creator: Default::default(),
            model: SCHNELL.parse().unwrap(),
            prompt: "a team fox".into(),
            input: json!({"prompt": "a team fox"}),
            priority: 0,
            batch_id: None,
            retried_from: None,
            deadlines: Default::default(),
        })
        .unwrap();
    let stored = team.get(g.id).unwrap();
    assert_eq!(stored.creator.member.as_deref(), Some("Ada L."));
    assert_eq!(stored.creator.machine, me.machine);
    // A retry is created by whoever retries it.
    team.cancel(g.id).await.unwrap();
    let again = team.retry(g.id).unwrap();
    assert_eq!(again.creator.member.as_deref(), Some("Ada L."));
}
