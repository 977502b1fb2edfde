//! Telegram: the relay follows a queue run against replicate-sim and sends
//! to the fake Bot API on loopback (genqueue_testkit::fake_telegram), which
//! records what arrives: the photos' bytes, the captions, the order.

use std::time::{Duration, Instant};

use genqueue_core::model::GenerationStatus;
use genqueue_core::settings::TelegramSettings;
use genqueue_core::telegram::{BotApi, Relay, RelayConfig, parse_bot_token, token};
use genqueue_testkit::fake_telegram::{FakeTelegram, Mode, Recorded};
use genqueue_tests::World;
use replicate_sim::SimConfig;
use replicate_sim::faults::{FaultKind, FaultRule, Trigger};
use serde_json::json;

const CHAT: &str = "424242";
const LONG: Duration = Duration::from_secs(60);

/// A bot token made at run time: the bot's number, a colon, 35 letters and digits.
fn fake_bot_token() -> String {
    let key = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{}:AA{key}x",
        600_000_000 + (uuid::Uuid::new_v4().as_u128() % 1000) as u64
    )
}

fn relay_config() -> RelayConfig {
    RelayConfig {
        outbox_capacity: 100,
        retry_base: Duration::from_millis(100),
        retry_cap: Duration::from_millis(400),
    }
}

/// A world whose settings send everything to CHAT through `fake`, with the
/// bot token in the world's secret store.
async fn telegram_world(fake: &FakeTelegram, bot_token: &str, chat: &str) -> World {
    let w = World::new(1, SimConfig::fast()).await;
    let mut s = w.queue.settings().unwrap();
    s.telegram = TelegramSettings {
        chat_id: Some(chat.to_owned()),
        api_base: Some(fake.base.clone()),
        ..TelegramSettings::default()
    };
    w.queue.set_settings(s).unwrap();
    let secrets = w.queue.secrets();
    let t = bot_token.to_owned();
    tokio::task::spawn_blocking(move || token::save(secrets.as_ref(), &t))
        .await
        .unwrap()
        .unwrap();
    w
}

async fn until_delivered(fake: &FakeTelegram, n: usize, what: &str) -> Vec<Recorded> {
    let t0 = Instant::now();
    loop {
        let sent: Vec<Recorded> = fake
            .requests()
            .into_iter()
            .filter(|r| r.status == 200)
            .collect();
        if sent.len() >= n {
            return sent;
        }
        assert!(
            t0.elapsed() < LONG,
            "{what}: {} of {n} delivered; requests: {:?}",
            sent.len(),
            fake.requests()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn file_bytes(w: &World, stored: &str) -> Vec<u8> {
    std::fs::read(w.dir.path().join(stored)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_generation_reaches_the_chat_as_its_photo_with_the_prompt() {
    let bot = fake_bot_token();
    let fake = FakeTelegram::start(&bot, &[CHAT]).await;
    let mut w = telegram_world(&fake, &bot, CHAT).await;
    let _relay = Relay::start(w.queue.clone(), relay_config());
    w.start();
    let g = w.submit("a lighthouse at dusk, oil painting", json!({}));
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed);
    // The photo, then the summary of the run.
    let sent = until_delivered(&fake, 2, "photo and summary").await;
    assert_eq!(sent[0].method, "sendPhoto");
    assert!(sent[0].token_ok);
    assert_eq!(sent[0].fields["chat_id"], CHAT);
    let caption = &sent[0].fields["caption"];
    assert!(
        caption.contains("a lighthouse at dusk, oil painting"),
        "{caption}"
    );
    assert!(
        caption.contains("black-forest-labs/flux-schnell"),
        "{caption}"
    );
    assert_eq!(sent[0].files.len(), 1);
    let photo = &sent[0].files[0];
    assert_eq!(photo.field, "photo");
    assert_eq!(
        photo.bytes,
        file_bytes(&w, &g.output_files[0]),
        "the saved file's very bytes"
    );
    assert_eq!(sent[1].method, "sendMessage");
    assert!(
        sent[1].fields["text"].contains("Queue finished: 1 image ready"),
        "{:?}",
        sent[1].fields
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_outputs_go_as_one_album_in_order_and_a_failure_with_its_reason() {
    let bot = fake_bot_token();
    let fake = FakeTelegram::start(&bot, &[CHAT]).await;
    let mut w = telegram_world(&fake, &bot, CHAT).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::FailPrediction {
            message: "CUDA out of memory".into(),
        },
        Trigger::Nth(2),
    )]);
    let _relay = Relay::start(w.queue.clone(), relay_config());
    w.start();
    let a = w.submit("three foxes", json!({ "num_outputs": 3 }));
    let a = w.wait_terminal(&[a.id], LONG).await.remove(0);
    let b = w.submit("this one fails", json!({}));
    let b = w.wait_terminal(&[b.id], LONG).await.remove(0);
    assert_eq!(a.status, GenerationStatus::Completed);
    assert_eq!(b.status, GenerationStatus::Failed);
    let sent = until_delivered(&fake, 3, "album, failure, summary").await;
    let album = sent
        .iter()
        .find(|r| r.method == "sendMediaGroup")
        .expect("an album");
    let media: serde_json::Value = serde_json::from_str(&album.fields["media"]).unwrap();
    let media = media.as_array().unwrap();
    assert_eq!(media.len(), 3);
    assert!(
        media[0]["caption"]
            .as_str()
            .unwrap()
            .contains("three foxes")
    );
    for (i, (m, stored)) in media.iter().zip(&a.output_files).enumerate() {
        assert_eq!(m["type"], "photo");
        let name = m["media"]
            .as_str()
            .unwrap()
            .strip_prefix("attach://")
            .unwrap();
        let part = album
            .files
            .iter()
            .find(|f| f.field == name)
            .expect("the attached part");
        assert_eq!(part.bytes, file_bytes(&w, stored), "photo {i} in order");
    }
    let failure = sent
        .iter()
        .find(|r| {
            r.fields
                .get("text")
                .is_some_and(|t| t.contains("Generation failed"))
        })
        .expect("the failure");
    assert!(
        failure.fields["text"].contains("The model failed: CUDA out of memory"),
        "{:?}",
        failure.fields
    );
    assert!(failure.fields["text"].contains("this one fails"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_outage_during_a_run_loses_nothing_and_never_touches_the_queue() {
    let bot = fake_bot_token();
    let mut fake = FakeTelegram::start(&bot, &[CHAT]).await;
    let mut w = telegram_world(&fake, &bot, CHAT).await;
    let relay = Relay::start(w.queue.clone(), relay_config());
    let mut status = relay.status();
    fake.stop().await; // connections refused from now on
    w.start();
    let ids = w.submit_seeded("outage", 4);
    let done = w.wait_terminal(&ids, LONG).await;
    assert!(
        done.iter().all(|g| g.status == GenerationStatus::Completed),
        "{done:?}"
    );
    assert!(done.iter().all(|g| g.error.is_none()));
    // Waiting, retrying, nothing lost. The relay may retry its first
    // message before the last endings' events reach it: wait for all five.
    let t0 = Instant::now();
    while {
        let s = status.borrow();
        s.retrying.is_none() || s.pending < 5
    } {
        assert!(
            t0.elapsed() < LONG,
            "the relay never retried with everything waiting: {:?}",
            *status.borrow()
        );
        tokio::time::timeout(Duration::from_secs(5), status.changed())
            .await
            .ok();
    }
    assert_eq!(status.borrow().pending, 5, "4 photos and the summary wait");
    assert!(
        status.borrow().last_failure.is_none(),
        "an outage is not a refusal"
    );
    // A proxy answering 502 while Telegram is away: still waiting.
    fake.resume().await;
    fake.set_mode(Mode::Down);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(fake.requests().iter().any(|r| r.status == 502));
    assert_eq!(fake.delivered("sendPhoto").len(), 0);
    fake.set_mode(Mode::Ok);
    let sent = until_delivered(&fake, 5, "everything after the outage").await;
    let photos: Vec<&Recorded> = sent.iter().filter(|r| r.method == "sendPhoto").collect();
    assert_eq!(photos.len(), 4, "each completion once");
    for (g, photo) in done.iter().zip(&photos) {
        assert_eq!(photo.files[0].bytes, file_bytes(&w, &g.output_files[0]));
    }
    assert_eq!(sent[4].method, "sendMessage", "the summary last");
    assert!(sent[4].fields["text"].contains("4 images ready"));
    let t0 = Instant::now();
    while status.borrow().pending != 0 || status.borrow().retrying.is_some() {
        assert!(t0.elapsed() < LONG);
        tokio::time::timeout(Duration::from_secs(5), status.changed())
            .await
            .ok();
    }
    assert_eq!(status.borrow().sent, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_is_waited_out_for_the_seconds_telegram_gives() {
    let bot = fake_bot_token();
    let fake = FakeTelegram::start(&bot, &[CHAT]).await;
    let mut w = telegram_world(&fake, &bot, CHAT).await;
    fake.set_mode(Mode::RateLimited {
        retry_after: 2,
        times: 1,
    });
    let _relay = Relay::start(w.queue.clone(), relay_config());
    w.start();
    let g = w.submit("slowly", json!({}));
    w.wait_terminal(&[g.id], LONG).await;
    until_delivered(&fake, 1, "the photo after the 429").await;
    let all = fake.requests();
    assert_eq!(all[0].status, 429);
    let retried = all.iter().find(|r| r.status == 200).unwrap();
    assert_eq!(retried.method, all[0].method, "the same request again");
    assert!(
        retried.at_ms - all[0].at_ms >= 2000,
        "retried after {} ms, before retry_after (2 s)",
        retried.at_ms - all[0].at_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_dropped_and_reported_once_without_the_token() {
    let bot = fake_bot_token();
    let fake = FakeTelegram::start(&bot, &[CHAT]).await;
    let mut w = telegram_world(&fake, &bot, "777").await; // a chat the bot cannot write to
    let relay = Relay::start(w.queue.clone(), relay_config());
    let mut status = relay.status();
    w.start();
    let g = w.submit("nobody will see this", json!({}));
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(
        g.status,
        GenerationStatus::Completed,
        "Telegram's refusal never fails a generation"
    );
    let t0 = Instant::now();
    while status.borrow().last_failure.is_none() {
        assert!(t0.elapsed() < LONG, "no failure reported");
        tokio::time::timeout(Duration::from_secs(5), status.changed())
            .await
            .ok();
    }
    let failure = status.borrow().last_failure.clone().unwrap();
    assert!(
        failure.message.contains("chat not found"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("check the chat id"),
        "{}",
        failure.message
    );
    assert!(!failure.message.contains(bot.split_once(':').unwrap().1));
    relay.dismiss_failure();
    assert!(status.borrow_and_update().last_failure.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_my_chat_lists_who_wrote_to_the_bot_and_a_wrong_token_is_refused() {
    let bot = fake_bot_token();
    let fake = FakeTelegram::start(&bot, &[CHAT]).await;
    fake.add_update(
        json!({ "id": 424242, "type": "private", "first_name": "Ada", "username": "ada" }),
    );
    fake.add_update(json!({ "id": -100123, "type": "group", "title": "Renders" }));
    let api = BotApi::new(&fake.base, parse_bot_token(&bot).unwrap()).unwrap();
    assert_eq!(api.get_me().await.unwrap(), "@genqueue_test_bot");
    let chats = api.recent_chats().await.unwrap();
    let names: Vec<(&str, &str)> = chats
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("-100123", "Renders"), ("424242", "Ada (@ada)")]
    );
    api.send_message(CHAT, "hello").await.unwrap();
    assert_eq!(fake.delivered("sendMessage")[0].fields["text"], "hello");
    let wrong = BotApi::new(&fake.base, parse_bot_token(&fake_bot_token()).unwrap()).unwrap();
    let e = wrong.send_message(CHAT, "hello").await.unwrap_err();
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("401"), "{e}");
}
