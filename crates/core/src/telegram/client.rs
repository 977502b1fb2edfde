//! [`BotApi`]: the Bot API methods Genqueue calls, over `reqwest`.
//!
//! Each request goes to `<base>/bot<token>/<method>`; the URL therefore
//! holds the token, so it is never logged and is dropped from transport
//! errors ([`TelegramError::transport`]). Texts go as JSON; files as
//! `multipart/form-data` with the file in the method's field (`photo`,
//! `document`) or, for `sendMediaGroup`, in parts named by the `media`
//! array's `attach://<name>` (core.telegram.org/bots/api#sending-files,
//! #sendmediagroup, #inputmediaphoto).

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::TelegramError;
use crate::secrets::Secret;

/// Time allowed for one call, uploads included.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A file to upload: its name as Telegram shows it, and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Upload({:?}, {} bytes)",
            self.file_name,
            self.bytes.len()
        )
    }
}

/// A chat that wrote to the bot lately (from `getUpdates`), for "Find my chat".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatSeen {
    /// The chat id, as `sendMessage` takes it (may be negative for groups).
    pub id: String,
    /// `private`, `group`, `supergroup` or `channel`.
    pub kind: String,
    /// A title (groups, channels) or a person's name and `@username`.
    pub name: String,
}

/// A client of one bot on one Bot API server.
#[derive(Clone)]
pub struct BotApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotApi")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

/// The Bot API's envelope (core.telegram.org/bots/api#making-requests).
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<Value>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

/// `chat_id` as JSON: a number when it is one, else the `@channel` string.
fn chat_json(chat_id: &str) -> Value {
    chat_id
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(chat_id))
}

impl BotApi {
    /// A client of the bot `token` on `base` (`https://api.telegram.org`, or a
    /// proxy's or a test server's URL; a trailing `/` is dropped).
    ///
    /// Errors: [`TelegramError::BadBaseUrl`].
    pub fn new(base: &str, token: Secret) -> Result<BotApi, TelegramError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        let ok = reqwest::Url::parse(&base)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false);
        if !ok {
            return Err(TelegramError::BadBaseUrl(base));
        }
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("genqueue/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(TelegramError::transport)?;
        Ok(BotApi { http, base, token })
    }

    fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{}", self.base, self.token.expose(), method)
    }

    /// Sends a prepared request and reads the envelope.
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, TelegramError> {
        let answer = request.send().await.map_err(TelegramError::transport)?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.map_err(TelegramError::transport)?;
        let envelope: Option<Envelope> = serde_json::from_slice(&body).ok();
        match envelope {
            Some(Envelope {
                ok: true, result, ..
            }) if (200..300).contains(&status) => {
                serde_json::from_value(result.unwrap_or(Value::Null)).map_err(|e| {
                    TelegramError::BadAnswer(format!("{method}: unexpected result: {e}"))
                })
            }
            Some(env) => Err(TelegramError::from_answer(
                if (200..300).contains(&status) {
                    // ok: false under 200 (not seen, but not ours to trust).
                    500
                } else {
                    status
                },
                env.description,
                env.parameters.and_then(|p| p.retry_after),
            )),
            None if (200..300).contains(&status) => Err(TelegramError::BadAnswer(format!(
                "{method}: the answer is not the Bot API's JSON"
            ))),
            None => Err(TelegramError::from_answer(status, None, None)),
        }
    }

    /// `getMe`: the bot's `@username` (checks the token).
    pub async fn get_me(&self) -> Result<String, TelegramError> {
        #[derive(Deserialize)]
        struct User {
            username: Option<String>,
            first_name: String,
        }
        let me: User = self
            .call("getMe", self.http.post(self.url("getMe")))
            .await?;
        Ok(me
            .username
            .map(|u| format!("@{u}"))
            .unwrap_or(me.first_name))
    }

    /// `sendMessage` with plain `text` (1–4096 characters).
    pub async fn send_message(&self, chat_id: &str, text: &str) -> Result<(), TelegramError> {
        let body = json!({ "chat_id": chat_json(chat_id), "text": text });
        self.call::<Value>(
            "sendMessage",
            self.http.post(self.url("sendMessage")).json(&body),
        )
        .await
        .map(drop)
    }

    fn part(upload: Upload) -> Part {
        let mime = mime_of(&upload.file_name);
        let part = Part::bytes(upload.bytes).file_name(upload.file_name);
        part.mime_str(mime).expect("a static MIME type parses")
    }

    fn form(chat_id: &str, caption: &str) -> Form {
        let form = Form::new().text("chat_id", chat_id.to_owned());
        if caption.is_empty() {
            form
        } else {
            form.text("caption", caption.to_owned())
        }
    }

    /// `sendPhoto`: one photo (≤ 10 MB) with a caption (≤ 1024 characters).
    pub async fn send_photo(
        &self,
        chat_id: &str,
        photo: Upload,
        caption: &str,
    ) -> Result<(), TelegramError> {
        let form = Self::form(chat_id, caption).part("photo", Self::part(photo));
        self.call::<Value>(
            "sendPhoto",
            self.http.post(self.url("sendPhoto")).multipart(form),
        )
        .await
        .map(drop)
    }

    /// `sendDocument`: any file (≤ 50 MB), sent as a file (videos too, so
    /// Telegram keeps the bytes as they are).
    pub async fn send_document(
        &self,
        chat_id: &str,
        document: Upload,
        caption: &str,
    ) -> Result<(), TelegramError> {
        let form = Self::form(chat_id, caption).part("document", Self::part(document));
        self.call::<Value>(
            "sendDocument",
            self.http.post(self.url("sendDocument")).multipart(form),
        )
        .await
        .map(drop)
    }

    /// `sendMediaGroup`: 2–10 photos as one album, the caption on the first
    /// (Telegram shows it under the album). Parts are named `photo0`…
    pub async fn send_media_group(
        &self,
        chat_id: &str,
        photos: Vec<Upload>,
        caption: &str,
    ) -> Result<(), TelegramError> {
        if !super::MEDIA_GROUP.contains(&photos.len()) {
            return Err(TelegramError::File(format!(
                "an album holds 2 to 10 photos, not {}",
                photos.len()
            )));
        }
        let media: Vec<Value> = (0..photos.len())
            .map(|i| {
                let mut m = json!({ "type": "photo", "media": format!("attach://photo{i}") });
                if i == 0 && !caption.is_empty() {
                    m["caption"] = Value::from(caption);
                }
                m
            })
            .collect();
        let mut form = Form::new()
            .text("chat_id", chat_id.to_owned())
            .text("media", Value::from(media).to_string());
        for (i, p) in photos.into_iter().enumerate() {
            form = form.part(format!("photo{i}"), Self::part(p));
        }
        self.call::<Value>(
            "sendMediaGroup",
            self.http.post(self.url("sendMediaGroup")).multipart(form),
        )
        .await
        .map(drop)
    }

    /// `getUpdates` (short polling, without confirming any update): the
    /// chats seen in the bot's recent updates, newest first, each once.
    /// Fails with 409 while the bot has a webhook (Telegram's rule).
    pub async fn recent_chats(&self) -> Result<Vec<ChatSeen>, TelegramError> {
        let updates: Vec<Value> = self
            .call(
                "getUpdates",
                self.http
                    .post(self.url("getUpdates"))
                    .json(&json!({ "limit": 100, "timeout": 0 })),
            )
            .await?;
        let mut seen: Vec<ChatSeen> = Vec::new();
        for u in updates.iter().rev() {
            let chat = [
                "message",
                "edited_message",
                "channel_post",
                "my_chat_member",
            ]
            .iter()
            .find_map(|k| u.get(*k).and_then(|m| m.get("chat")));
            let Some(chat) = chat else { continue };
            let Some(id) = chat.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let id = id.to_string();
            if seen.iter().any(|c| c.id == id) {
                continue;
            }
            let s = |k: &str| chat.get(k).and_then(Value::as_str).map(str::to_owned);
            let name = match (s("title"), s("first_name"), s("username")) {
                (Some(t), _, _) => t,
                (None, Some(f), Some(u)) => {
                    let last = s("last_name").map(|l| format!(" {l}")).unwrap_or_default();
                    format!("{f}{last} (@{u})")
                }
                (None, Some(f), None) => f,
                (None, None, Some(u)) => format!("@{u}"),
                (None, None, None) => id.clone(),
            };
            seen.push(ChatSeen {
                id,
                kind: s("type").unwrap_or_default(),
                name,
            });
        }
        Ok(seen)
    }
}

/// The MIME type of an output file, by its extension (the engine names
/// files, so the extension is ours).
fn mime_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_go_as_numbers_and_channel_names_as_strings() {
        assert_eq!(chat_json("-1001234567890"), json!(-1001234567890i64));
        assert_eq!(chat_json("@my_channel"), json!("@my_channel"));
    }

    #[test]
    fn a_base_that_is_not_http_is_refused_and_debug_hides_the_token() {
        let t = super::super::parse_bot_token(&format!("1234:{}", "a".repeat(35))).unwrap();
        assert!(matches!(
            BotApi::new("ftp://x", t.clone()),
            Err(TelegramError::BadBaseUrl(_))
        ));
        let api = BotApi::new("http://127.0.0.1:9/", t).unwrap();
        let d = format!("{api:?}");
        assert!(!d.contains("aaaa"), "{d}");
        assert!(d.contains("http://127.0.0.1:9\""), "{d}");
    }
}
