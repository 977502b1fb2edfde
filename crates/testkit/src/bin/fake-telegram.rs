//! `fake-telegram`: the fake Telegram Bot API of `genqueue_testkit::fake_telegram`
//! as a process, for the window tests (`scripts/window-tests.sh`).
//!
//! `fake-telegram [--port N] --token BOT_TOKEN --chat CHAT_ID [--chat …]`
//! prints `fake-telegram listening on http://127.0.0.1:<port>` and serves
//! until killed. Tests read `GET /_fake/requests` and steer it with
//! `POST /_fake/mode` and `POST /_fake/updates`.

use genqueue_testkit::fake_telegram::FakeTelegram;

#[tokio::main]
async fn main() {
    let mut port = 0u16;
    let mut token = None;
    let mut chats: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--port" => {
                port = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--port takes a number"))
            }
            "--token" => token = Some(value()),
            "--chat" => chats.push(value()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let token = token.unwrap_or_else(|| usage("--token is required"));
    let chat_refs: Vec<&str> = chats.iter().map(String::as_str).collect();
    let fake = FakeTelegram::start_on(port, &token, &chat_refs).await;
    println!("fake-telegram listening on {}", fake.base);
    std::future::pending::<()>().await;
}

fn usage(why: &str) -> ! {
    eprintln!(
        "fake-telegram: {why}\nusage: fake-telegram [--port N] --token BOT_TOKEN --chat CHAT_ID [--chat …]"
    );
    std::process::exit(2)
}
