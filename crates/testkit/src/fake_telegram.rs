//! A fake Telegram Bot API on loopback: it answers the methods Genqueue
//! calls as the Bot API documents them (core.telegram.org/bots/api) and
//! records every request — method, fields, uploaded files with their bytes
//! — so tests can assert what the app sent. It can answer 429 with
//! `parameters.retry_after`, answer 502 like a proxy whose upstream is down,
//! or stop listening altogether and come back on the same port.
//!
//! Routes: `/bot<token>/<method>` (GET or POST; fields from the query, a
//! JSON body, a urlencoded form or `multipart/form-data`; method names are
//! case-insensitive, as the Bot API's are), and for tests
//! `GET /_fake/requests`, `POST /_fake/mode` (`{"mode": "ok" | "down" |
//! "rate_limited", "retry_after": s, "times": n}`), `POST /_fake/updates`
//! (`{"chat": {...}}`: a message from that chat, for "Find my chat") and
//! `POST /_fake/reset`.
//!
//! Written from the documentation, not from our client: it shares no code
//! with `genqueue_core::telegram`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A file part of a recorded request.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedFile {
    /// The multipart field name (`photo`, `document`, `photo0`…).
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    /// The bytes as received (base64 in JSON).
    #[serde(serialize_with = "as_base64")]
    pub bytes: Vec<u8>,
}

fn as_base64<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
}

/// One request as received, and the status it was answered with.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// The method as written in the URL (`sendPhoto`).
    pub method: String,
    /// Whether the URL's token was the bot's.
    pub token_ok: bool,
    /// Text fields (JSON values other than strings as JSON text).
    pub fields: BTreeMap<String, String>,
    pub files: Vec<RecordedFile>,
    /// The HTTP status answered.
    pub status: u16,
    /// Milliseconds since the fake started.
    pub at_ms: u64,
}

/// How the fake answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// As Telegram would.
    Ok,
    /// 502 with an HTML page, as a proxy whose upstream is down.
    Down,
    /// 429 with `retry_after` for the next `times` requests, then `Ok`.
    RateLimited { retry_after: u64, times: u32 },
}

struct FakeState {
    token: String,
    chats: Vec<String>,
    mode: Mode,
    requests: Vec<Recorded>,
    updates: Vec<Value>,
    started: Instant,
    next_id: i64,
}

type Shared = Arc<Mutex<FakeState>>;

/// A running fake Bot API.
pub struct FakeTelegram {
    /// `http://127.0.0.1:<port>`: the Bot API base URL to configure.
    pub base: String,
    addr: SocketAddr,
    state: Shared,
    server: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl FakeTelegram {
    /// Starts on a free loopback port for the bot `token`, which may write
    /// to the chats `chats` (ids as text, e.g. `"424242"`).
    pub async fn start(token: &str, chats: &[&str]) -> FakeTelegram {
        Self::start_on(0, token, chats).await
    }

    /// Starts on `port` (0: any free one).
    pub async fn start_on(port: u16, token: &str, chats: &[&str]) -> FakeTelegram {
        let state = Arc::new(Mutex::new(FakeState {
            token: token.to_owned(),
            chats: chats.iter().map(|c| (*c).to_owned()).collect(),
            mode: Mode::Ok,
            requests: Vec::new(),
            updates: Vec::new(),
            started: Instant::now(),
            next_id: 1,
        }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the fake Telegram");
        let addr = listener.local_addr().expect("local addr");
        let mut fake = FakeTelegram {
            base: format!("http://{addr}"),
            addr,
            state,
            server: None,
        };
        fake.serve(listener);
        fake
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/_fake/requests", get(list_requests))
            .route("/_fake/mode", post(set_mode))
            .route("/_fake/updates", post(add_update))
            .route("/_fake/reset", post(reset))
            .route("/{bot}/{method}", any(bot_method))
            .with_state(self.state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        self.server = Some((tx, task));
    }

    /// Stops listening (connections are refused) until [`FakeTelegram::resume`].
    pub async fn stop(&mut self) {
        if let Some((tx, task)) = self.server.take() {
            let _ = tx.send(());
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }

    /// Listens again on the same port, with the same records.
    pub async fn resume(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("bind the fake Telegram again");
        self.serve(listener);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests of `method` (case-insensitive) answered 200.
    pub fn delivered(&self, method: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 200 && r.method.eq_ignore_ascii_case(method))
            .collect()
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    /// A message from `chat` (a Bot API Chat object) appears in `getUpdates`.
    pub fn add_update(&self, chat: Value) {
        push_update(&mut self.state.lock().unwrap(), chat);
    }
}

fn push_update(s: &mut FakeState, chat: Value) {
    let id = s.next_id;
    s.next_id += 1;
    s.updates.push(json!({
        "update_id": 100_000 + id,
        "message": { "message_id": id, "date": unix_now(), "chat": chat, "text": "/start" }
    }));
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn list_requests(State(s): State<Shared>) -> Response {
    axum::Json(s.lock().unwrap().requests.clone()).into_response()
}

async fn set_mode(State(s): State<Shared>, axum::Json(mode): axum::Json<Mode>) -> StatusCode {
    s.lock().unwrap().mode = mode;
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewUpdate {
    chat: Value,
}

async fn add_update(State(s): State<Shared>, axum::Json(u): axum::Json<NewUpdate>) -> StatusCode {
    push_update(&mut s.lock().unwrap(), u.chat);
    StatusCode::NO_CONTENT
}

async fn reset(State(s): State<Shared>) -> StatusCode {
    let mut s = s.lock().unwrap();
    s.requests.clear();
    s.mode = Mode::Ok;
    StatusCode::NO_CONTENT
}

fn api_error(status: u16, description: &str) -> (u16, Value) {
    (
        status,
        json!({ "ok": false, "error_code": status, "description": description }),
    )
}

/// Reads every field and file of a request, whatever its encoding.
async fn read_fields(
    req: Request,
) -> Result<(BTreeMap<String, String>, Vec<RecordedFile>), String> {
    let mut fields = BTreeMap::new();
    let mut files = Vec::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in url_pairs(q) {
            fields.insert(k, v);
        }
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| e.to_string())?;
        while let Some(field) = mp.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
            if file_name.is_some() {
                files.push(RecordedFile {
                    field: name,
                    file_name,
                    content_type,
                    bytes,
                });
            } else {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    } else {
        let body = axum::body::to_bytes(req.into_body(), 64 * 1024 * 1024)
            .await
            .map_err(|e| e.to_string())?;
        if ctype.starts_with("application/json") {
            let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            for (k, v) in v.as_object().cloned().unwrap_or_default() {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                fields.insert(k, text);
            }
        } else if ctype.starts_with("application/x-www-form-urlencoded") {
            for (k, v) in url_pairs(&String::from_utf8_lossy(&body)) {
                fields.insert(k, v);
            }
        }
    }
    Ok((fields, files))
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn message_json(id: i64, chat: &str) -> Value {
    let chat_id: Value = chat
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(chat));
    json!({ "message_id": id, "date": unix_now(), "chat": { "id": chat_id, "type": "private" } })
}

/// The answer to a Bot API method, as Telegram documents it.
fn answer(
    s: &mut FakeState,
    method: &str,
    fields: &BTreeMap<String, String>,
    files: &[RecordedFile],
) -> (u16, Value) {
    let utf16 = |t: &str| t.encode_utf16().count();
    let m = method.to_ascii_lowercase();
    if m == "getme" {
        return (
            200,
            json!({ "ok": true, "result": {
                "id": 4242, "is_bot": true, "first_name": "Genqueue test bot", "username": "genqueue_test_bot"
            }}),
        );
    }
    if m == "getupdates" {
        return (200, json!({ "ok": true, "result": s.updates.clone() }));
    }
    if ![
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "sendvideo",
    ]
    .contains(&m.as_str())
    {
        return api_error(404, "Not Found");
    }
    let Some(chat) = fields.get("chat_id").cloned() else {
        return api_error(400, "Bad Request: chat_id is empty");
    };
    if !s.chats.contains(&chat) {
        return api_error(400, "Bad Request: chat not found");
    }
    if let Some(c) = fields.get("caption") {
        if utf16(c) > 1024 {
            return api_error(400, "Bad Request: message caption is too long");
        }
    }
    let has_file = |name: &str| files.iter().any(|f| f.field == name && !f.bytes.is_empty());
    match m.as_str() {
        "sendmessage" => {
            let text = fields.get("text").map(String::as_str).unwrap_or("");
            if text.trim().is_empty() {
                return api_error(400, "Bad Request: message text is empty");
            }
            if utf16(text) > 4096 {
                return api_error(400, "Bad Request: message is too long");
            }
        }
        "sendphoto" | "senddocument" | "sendvideo" => {
            let field = &m[4..];
            if !has_file(field) && !fields.contains_key(field) {
                return api_error(
                    400,
                    &format!("Bad Request: there is no {field} in the request"),
                );
            }
        }
        _ => {
            let media: Vec<Value> = match fields.get("media").map(|t| serde_json::from_str(t)) {
                Some(Ok(Value::Array(a))) => a,
                _ => return api_error(400, "Bad Request: can't parse media JSON object"),
            };
            if !(2..=10).contains(&media.len()) {
                return api_error(400, "Bad Request: media must include 2-10 items");
            }
            for item in &media {
                let r = item.get("media").and_then(Value::as_str).unwrap_or("");
                match r.strip_prefix("attach://") {
                    Some(name) if has_file(name) => {}
                    _ => {
                        return api_error(
                            400,
                            "Bad Request: wrong file identifier/HTTP URL specified",
                        );
                    }
                }
                if item
                    .get("caption")
                    .and_then(Value::as_str)
                    .is_some_and(|c| utf16(c) > 1024)
                {
                    return api_error(400, "Bad Request: message caption is too long");
                }
            }
            let first = s.next_id;
            s.next_id += media.len() as i64;
            let msgs: Vec<Value> = (0..media.len())
                .map(|i| message_json(first + i as i64, &chat))
                .collect();
            return (200, json!({ "ok": true, "result": msgs }));
        }
    }
    let id = s.next_id;
    s.next_id += 1;
    (
        200,
        json!({ "ok": true, "result": message_json(id, &chat) }),
    )
}

async fn bot_method(
    State(s): State<Shared>,
    axum::extract::Path((bot, method)): axum::extract::Path<(String, String)>,
    req: Request,
) -> Response {
    let Some(token) = bot.strip_prefix("bot").map(str::to_owned) else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let read = read_fields(req).await;
    let mut st = s.lock().unwrap();
    let at_ms = st.started.elapsed().as_millis() as u64;
    let token_ok = token == st.token;
    let (fields, files) = read.clone().unwrap_or_default();
    let (status, body, html) = match (st.mode, read) {
        (Mode::Down, _) => (502, Value::Null, true),
        (Mode::RateLimited { retry_after, times }, _) if times > 0 => {
            st.mode = if times > 1 {
                Mode::RateLimited {
                    retry_after,
                    times: times - 1,
                }
            } else {
                Mode::Ok
            };
            let body = json!({ "ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": { "retry_after": retry_after } });
            (429, body, false)
        }
        (_, Err(e)) => {
            let (st_, b) = api_error(400, &format!("Bad Request: {e}"));
            (st_, b, false)
        }
        _ if !token_ok => {
            let (st_, b) = api_error(401, "Unauthorized");
            (st_, b, false)
        }
        _ => {
            let (st_, b) = answer(&mut st, &method, &fields, &files);
            (st_, b, false)
        }
    };
    st.requests.push(Recorded {
        method,
        token_ok,
        fields,
        files,
        status,
        at_ms,
    });
    drop(st);
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if html {
        return (
            code,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response();
    }
    (code, axum::Json(body)).into_response()
}
