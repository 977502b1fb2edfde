//! Bad input is refused before anything is queued: one clear line on
//! stderr, a documented non-zero exit code, and `genq ls --json` stays empty.
//!
//! The checks that need no stored token run everywhere; those that read a
//! model's schema need a token in the keyring and run inside
//! `scripts/with-keyring.sh`.

mod common;

use common::{Env, SCHNELL, assert_refused, fake_token, keyring_tests_enabled};

/// Exit codes from `genq --help`.
const INVALID_INPUT: i32 = 3;
const TOKEN: i32 = 4;

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_prompt_is_refused_and_queues_nothing() {
    let env = Env::start(1).await;
    let out = env
        .genq(&["submit", "-m", SCHNELL, "-p", "  \t "], None)
        .await;
    assert_refused(&out, INVALID_INPUT, "prompt is empty");
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_prompts_file_is_refused_and_queues_nothing() {
    let env = Env::start(1).await;
    let missing = env.data_dir().join("no-such-prompts.txt");
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "--prompts-file",
                missing.to_str().unwrap(),
            ],
            None,
        )
        .await;
    assert_refused(&out, INVALID_INPUT, "cannot read the prompts file");
    let blank = env.data_dir().join("blank.txt");
    std::fs::write(&blank, "\n   \n").unwrap();
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "--prompts-file",
                blank.to_str().unwrap(),
            ],
            None,
        )
        .await;
    assert_refused(&out, INVALID_INPUT, "has no prompt");
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_model_reference_is_refused() {
    let env = Env::start(1).await;
    let out = env
        .genq(&["submit", "-m", "flux", "-p", "a cat"], None)
        .await;
    assert_refused(&out, INVALID_INPUT, "owner/name");
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_token_is_refused_and_stores_nothing() {
    let env = Env::start(1).await;
    let out = env
        .genq(
            &["tokens", "add", "--label", "bad"],
            Some("r8_has a space\n"),
        )
        .await;
    assert_refused(&out, TOKEN, "space");
    let out = env.genq(&["tokens", "add"], Some("\n")).await;
    assert_refused(&out, TOKEN, "empty");
    assert_eq!(env.ok(&["tokens", "list", "--json"]).await.trim(), "[]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_replicate_refuses_is_not_stored() {
    let env = Env::start(1).await;
    // Well-formed, but no account of the simulator has it: GET /account answers 401.
    let out = env
        .genq(
            &["tokens", "add", "--label", "stranger"],
            Some(&fake_token()),
        )
        .await;
    assert_refused(&out, TOKEN, "401");
    assert_eq!(env.ok(&["tokens", "list", "--json"]).await.trim(), "[]");
}

#[tokio::test(flavor = "multi_thread")]
async fn submitting_without_a_token_says_to_add_one() {
    let env = Env::start(1).await;
    let out = env
        .genq(&["submit", "-m", SCHNELL, "-p", "a cat"], None)
        .await;
    assert_refused(&out, TOKEN, "genq tokens add");
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_model_is_refused_and_queues_nothing() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let out = env
        .genq(
            &["submit", "-m", "nobody/no-such-model", "-p", "a cat"],
            None,
        )
        .await;
    assert_refused(&out, INVALID_INPUT, "unknown model nobody/no-such-model");
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_that_break_the_schema_are_refused_and_queue_nothing() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let cases = [
        ("num_outputs=9", "less than or equal to 4"),
        ("num_outputs=two", "must be an integer"),
        ("aspect_ratio=7:3", "must be one of"),
        ("go_fast=maybe", "true or false"),
        ("no_such_input=1", "not an input of this model"),
        ("novalue", "key=value"),
    ];
    for (input, needle) in cases {
        let out = env
            .genq(
                &[
                    "submit", "-m", SCHNELL, "-p", "a cat", "-n", "3", "-i", input,
                ],
                None,
            )
            .await;
        assert_refused(&out, INVALID_INPUT, needle);
    }
    assert!(env.ls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_generation_ids_are_invalid_input() {
    let env = Env::start(1).await;
    let id = uuid::Uuid::new_v4().to_string();
    for args in [
        vec!["show", id.as_str()],
        vec!["cancel", id.as_str()],
        vec!["retry", id.as_str()],
    ] {
        let out = env.genq(&args, None).await;
        assert_refused(&out, INVALID_INPUT, &id);
    }
    let out = env.genq(&["show", "not-an-id"], None).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed id is a usage error"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn more_generations_than_one_submit_may_queue_are_refused() {
    use genqueue_core::submit::{MAX_BATCH, MAX_COUNT};
    let env = Env::start(1).await;
    // Over the total: checked before the schema is read, so no token is needed.
    let many = env.data_dir().join("many.txt");
    std::fs::write(&many, "a cat\n".repeat(MAX_BATCH / 2 + 1)).unwrap();
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "--prompts-file",
                many.to_str().unwrap(),
                "-n",
                "2",
            ],
            None,
        )
        .await;
    assert_refused(&out, INVALID_INPUT, &format!("the most is {MAX_BATCH}"));
    // Over the count of each prompt: the command line itself is wrong.
    let over = (MAX_COUNT + 1).to_string();
    let out = env
        .genq(&["submit", "-m", SCHNELL, "-p", "a cat", "-n", &over], None)
        .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a count over the limit is a usage error"
    );
    assert!(env.ls().await.is_empty());
}
