//! Queue operations against replicate-sim: reading model schemas, tokens.

use genqueue_core::model::ModelRef;
use genqueue_tests::World;
use replicate_sim::SimConfig;
use replicate_sim::catalogue::SDXL_VERSION;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_models_form_lists_its_inputs_in_schema_order() {
    let w = World::new(1, SimConfig::fast()).await;
    let m = w
        .queue
        .model(&"black-forest-labs/flux-schnell".parse().unwrap())
        .await
        .unwrap();
    let form = m.input_form().unwrap();
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.first(), Some(&"prompt"));
    assert!(
        names.contains(&"aspect_ratio") && names.contains(&"num_outputs"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_version_is_read_and_an_unknown_one_is_not_found() {
    let w = World::new(1, SimConfig::fast()).await;
    let pinned: ModelRef = format!("stability-ai/sdxl:{SDXL_VERSION}").parse().unwrap();
    let m = w.queue.model(&pinned).await.unwrap();
    assert_eq!(m.latest_version.as_ref().unwrap().id, SDXL_VERSION);
    assert!(m.input_form().unwrap().field("width").is_some());
    let unknown: ModelRef = "stability-ai/sdxl:0000000000000000".parse().unwrap();
    let err = w.queue.model(&unknown).await.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_model_without_a_usable_token_says_so() {
    let w = World::new(1, SimConfig::fast()).await;
    w.queue
        .disable_token(w.token_ids[0], "Disabled by you")
        .unwrap();
    let err = w
        .queue
        .model(&"black-forest-labs/flux-schnell".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_while_reading_a_model_is_disabled() {
    let w = World::new(1, SimConfig::fast()).await;
    w.sim.revoke(&w.tokens[0]);
    let err = w
        .queue
        .model(&"black-forest-labs/flux-schnell".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized", "{err}");
    let t = w.queue.store().get_token(w.token_ids[0]).unwrap().unwrap();
    assert!(!t.active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_token_twice_and_a_malformed_one_are_refused() {
    let w = World::new(1, SimConfig::fast()).await;
    let again = format!("  {}\n", w.tokens[0]);
    let err = w.queue.add_token("again", &again).await.unwrap_err();
    assert_eq!(err.code(), "duplicate_token", "{err}");
    let err = w.queue.add_token("bad", "not a token").await.unwrap_err();
    assert!(
        !err.to_string().contains("not a token"),
        "the text is not echoed: {err}"
    );
    assert_eq!(w.queue.tokens().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_running_generations_cannot_be_removed() {
    let mut w = World::new(
        1,
        SimConfig {
            timing: replicate_sim::Timing {
                time_scale: 1.0,
                ..SimConfig::fast().timing
            },
            ..SimConfig::fast()
        },
    )
    .await;
    w.config.create_wait = None;
    w.start();
    let g = w.submit("long", serde_json::json!({}));
    w.wait_for(g.id, std::time::Duration::from_secs(30), |g| {
        g.prediction_id.is_some()
    })
    .await;
    let err = w.queue.remove_token(w.token_ids[0]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state");
    w.wait_terminal(&[g.id], std::time::Duration::from_secs(30))
        .await;
    w.queue.remove_token(w.token_ids[0]).await.unwrap();
    assert!(w.queue.tokens().unwrap().is_empty());
}
