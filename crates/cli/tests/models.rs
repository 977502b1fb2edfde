//! `genq models`: search Replicate's public models and browse collections
//! (against replicate-sim; needs a token in the keyring, so it runs inside
//! `scripts/with-keyring.sh`).

mod common;

use common::{Env, assert_refused, keyring_tests_enabled};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn models_search_finds_a_model_by_a_word_of_its_description() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let out = env.ok(&["models", "search", "clip"]).await;
    assert!(
        out.contains("replicate-sim/bouncing-ball  1204311 runs"),
        "{out}"
    );
    assert!(
        out.contains("    Text-to-video: a short clip"),
        "the description, indented: {out}"
    );
    let json: Value =
        serde_json::from_str(&env.ok(&["models", "search", "story", "--json"]).await).unwrap();
    assert_eq!(json["models"][0]["model"], "replicate-sim/storyteller");
    let out = env.ok(&["models", "collection", "text-to-video"]).await;
    assert!(out.starts_with("Generate videos (text-to-video)"), "{out}");
    let list = env.ok(&["models", "collections"]).await;
    assert!(list.contains("language-models"), "{list}");
    let missing = env.genq(&["models", "collection", "nope"], None).await;
    assert!(!missing.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn models_search_without_words_is_refused() {
    let env = Env::start(1).await;
    let out = env.genq(&["models", "search", " "], None).await;
    assert_refused(&out, 3, "give a few words");
}
