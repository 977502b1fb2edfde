//! Shared harness for the scenario tests in `tests/tests/`: the engine of
//! genqueue-core against replicate-sim on loopback, a real SQLite file in a
//! temporary folder, and the real Secret Service when the suite runs inside
//! `scripts/with-keyring.sh` (else an in-memory store, said on stderr).

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::{Engine, EngineConfig, PollSchedule};
use genqueue_core::model::{Generation, GenerationId, GenerationStatus, NewGeneration, TokenId};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{KeyringSecretStore, MemorySecretStore, SecretStore};
use genqueue_core::store::Store;
use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle};
use serde_json::json;

/// A fake token, made at run time: `r8_` and 37 random letters and digits.
pub fn fake_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    format!("r8_{}", &s[..37])
}

/// The secret store of the suite: the real keyring inside
/// `scripts/with-keyring.sh` (a service name of its own per test), else memory.
pub fn secret_store() -> Arc<dyn SecretStore> {
    if std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() == Ok("1") {
        Arc::new(KeyringSecretStore::new(&format!(
            "genqueue-test-{}",
            uuid::Uuid::new_v4()
        )))
    } else {
        eprintln!(
            "note: GENQUEUE_KEYRING_TESTS is not set; secrets are kept in memory (run through scripts/with-keyring.sh for the real keyring)"
        );
        Arc::new(MemorySecretStore::new())
    }
}

/// An engine configuration scaled for tests: short backoffs, grace and
/// landing margin (the clients of [`World`] give creates a short time limit
/// too, so a create's unknown outcome settles in about 3 s).
pub fn test_engine_config() -> EngineConfig {
    EngineConfig {
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(500),
        reconcile_grace: Duration::from_millis(100),
        create_landing_margin: Duration::from_millis(300),
        schedule: PollSchedule {
            min: Duration::from_millis(20),
            max: Duration::from_millis(300),
            starting_max: Duration::from_millis(300),
            first: Duration::from_millis(30),
            growth: 1.5,
        },
        ..EngineConfig::default()
    }
}

/// One scenario's world.
pub struct World {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub queue: Queue,
    pub engine: Option<Engine>,
    /// The fake token strings, in the order of `token_ids`.
    pub tokens: Vec<String>,
    pub token_ids: Vec<TokenId>,
    pub config: EngineConfig,
}

impl World {
    /// A sim with `n` ok accounts, each token added to the pool through
    /// `Queue::add_token` (validated by the sim), no engine yet.
    pub async fn new(n: usize, sim: SimConfig) -> World {
        let tokens: Vec<String> = (0..n).map(|_| fake_token()).collect();
        let mut sim = sim;
        for (i, t) in tokens.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("user{i}")));
        }
        let sim = Sim::start(sim).await.expect("sim starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("genqueue.db")).expect("store opens");
        let client = ReplicateClient::new(&sim.base_url())
            .expect("client")
            .with_timeout(Duration::from_secs(3))
            .with_create_timeout(Duration::from_secs(3));
        let queue = Queue::from_parts(dir.path().to_owned(), store, client, secret_store());
        let mut token_ids = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let (tok, account) = queue
                .add_token(&format!("token {i}"), t)
                .await
                .expect("token accepted");
            assert_eq!(account.username, format!("user{i}"));
            token_ids.push(tok.id);
        }
        World {
            sim,
            dir,
            queue,
            engine: None,
            tokens,
            token_ids,
            config: test_engine_config(),
        }
    }

    /// Starts the engine with `self.config`.
    pub fn start(&mut self) {
        self.engine =
            Some(Engine::start(self.queue.clone(), self.config.clone()).expect("engine starts"));
    }

    /// Stops the engine (as a clean shutdown).
    pub async fn stop(&mut self) {
        if let Some(e) = self.engine.take() {
            e.shutdown().await;
        }
    }

    /// Queues one FLUX Schnell generation of `prompt` with `extra` inputs.
    pub fn submit(&self, prompt: &str, extra: serde_json::Value) -> Generation {
        self.queue.submit(flux(prompt, extra)).expect("queued")
    }

    /// Waits until every listed generation is terminal, or panics after `limit`.
    pub async fn wait_terminal(&self, ids: &[GenerationId], limit: Duration) -> Vec<Generation> {
        let start = Instant::now();
        loop {
            let rows: Vec<Generation> = ids
                .iter()
                .map(|id| self.queue.get(*id).expect("row"))
                .collect();
            if rows.iter().all(|g| g.status.is_terminal()) {
                return rows;
            }
            if start.elapsed() > limit {
                let open: Vec<String> = rows
                    .iter()
                    .filter(|g| g.status.is_active())
                    .take(5)
                    .map(|g| {
                        format!(
                            "{} {} {:?} {:?}",
                            g.id, g.status, g.replicate_status, g.wait_reason
                        )
                    })
                    .collect();
                panic!(
                    "not terminal after {limit:?}: {} still active, e.g. {open:?}",
                    rows.iter().filter(|g| g.status.is_active()).count()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `f` holds for the generation, or panics after `limit`.
    pub async fn wait_for(
        &self,
        id: GenerationId,
        limit: Duration,
        f: impl Fn(&Generation) -> bool,
    ) -> Generation {
        let start = Instant::now();
        loop {
            let g = self.queue.get(id).expect("row");
            if f(&g) {
                return g;
            }
            assert!(
                start.elapsed() < limit,
                "condition not met after {limit:?}: {g:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A FLUX Schnell generation with the prompt and extra inputs.
pub fn flux(prompt: &str, extra: serde_json::Value) -> NewGeneration {
    let mut input = json!({ "prompt": prompt });
    if let (Some(m), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    NewGeneration {
        model: "black-forest-labs/flux-schnell".parse().expect("model ref"),
        prompt: prompt.to_owned(),
        input,
        priority: 0,
        batch_id: None,
        retried_from: None,
    }
}

/// Checks that a completed generation's files exist, are whole images of a
/// known format, and number `n`.
pub fn assert_files(world: &World, g: &Generation, n: usize) {
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    assert_eq!(g.output_files.len(), n, "files of {}", g.id);
    for rel in &g.output_files {
        let path = world.dir.path().join(rel);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ext = genqueue_core::engine::sniff_extension(&bytes);
        assert!(
            ["png", "jpg", "webp"].contains(&ext),
            "{} is not an image",
            path.display()
        );
        assert!(rel.ends_with(ext), "{rel} named after its content ({ext})");
    }
    let dir = world.queue.output_dir(g.id);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left in {}",
        dir.display()
    );
}

// ---- The reliability suite's helpers (tests/tests/reliability_*.rs) ------

/// Whether the reliability suite runs at full size (`scripts/reliability.sh`
/// sets `GENQUEUE_RELIABILITY_FULL=1`); else the CI size.
pub fn reliability_full() -> bool {
    std::env::var("GENQUEUE_RELIABILITY_FULL").as_deref() == Ok("1")
}

/// `ci` at the CI size, `full` with `GENQUEUE_RELIABILITY_FULL=1`.
pub fn sized(ci: usize, full: usize) -> usize {
    if reliability_full() { full } else { ci }
}

/// Whether the tests that need the real keyring run (inside
/// `scripts/with-keyring.sh`); says on stderr when they are skipped.
pub fn keyring_tests_enabled(what: &str) -> bool {
    let on = std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped {what}: run inside scripts/with-keyring.sh (GENQUEUE_KEYRING_TESTS=1)");
    }
    on
}

/// The `genq` binary: `$GENQ_BIN`, else `genq` in the target folder of this
/// test executable (`cargo test --workspace` builds it; alone, run
/// `cargo build -p genq` first — `scripts/reliability.sh` does).
pub fn genq_bin() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("GENQ_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let bin = profile_dir.join(format!("genq{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p genq` (cargo test --workspace builds it)",
        bin.display()
    );
    // A binary older than the sources would test yesterday's engine (and
    // may not know today's schema): refuse it.
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let newest = ["crates/core/src", "crates/cli/src", "migrations"]
        .iter()
        .flat_map(|d| files_under(&root.join(d)))
        .filter_map(|f| std::fs::metadata(&f).and_then(|m| m.modified()).ok())
        .max();
    if let (Some(built), Some(newest)) = (built, newest) {
        assert!(
            built >= newest,
            "{} is older than the sources of genq: rebuild it with `cargo build -p genq` \
             (cargo test --workspace and scripts/reliability.sh do)",
            bin.display()
        );
    }
    bin
}

/// A fake token that the log redactor (`r8_…`) does not recognise, so a
/// search for it proves the code never wrote it, not that a mask hid it.
pub fn unmasked_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    format!("gqT{}", &s[..37])
}

/// Decodes a whole image (PNG, JPEG or WebP); `(width, height)` or why not.
pub fn decode_image(bytes: &[u8]) -> Result<(u32, u32), String> {
    image::load_from_memory(bytes)
        .map(|i| (i.width(), i.height()))
        .map_err(|e| e.to_string())
}

/// Every file under `dir`, recursively (none if it does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_under(&p));
        } else {
            found.push(p);
        }
    }
    found
}

/// How many times `needle` occurs in `haystack`.
pub fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || haystack.len() < needle.len() {
        return 0;
    }
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Checks every completed generation's files (decoded whole, as many as
/// the row lists) and that no `.part` file is left anywhere under
/// `data_dir/outputs`. Returns a description of each problem.
pub fn check_outputs(data_dir: &std::path::Path, rows: &[Generation]) -> Vec<String> {
    let mut problems = Vec::new();
    for g in rows
        .iter()
        .filter(|g| g.status == GenerationStatus::Completed)
    {
        if g.output_files.is_empty() {
            problems.push(format!("{} completed without files", g.id));
        }
        for rel in &g.output_files {
            let path = data_dir.join(rel);
            match std::fs::read(&path) {
                Err(e) => problems.push(format!("{}: {e}", path.display())),
                Ok(bytes) => {
                    if let Err(e) = decode_image(&bytes) {
                        problems.push(format!(
                            "{} ({} bytes) does not decode: {e}",
                            path.display(),
                            bytes.len()
                        ));
                    }
                }
            }
        }
    }
    for f in files_under(&data_dir.join(genqueue_core::queue::OUTPUTS_DIR)) {
        if f.to_string_lossy().ends_with(".part") {
            problems.push(format!("temporary file left: {}", f.display()));
        }
    }
    problems
}

/// A message a person can read: a sentence, not a Rust debug dump, no
/// secret. Panics with the message otherwise.
pub fn assert_human(what: &str, msg: &str, secrets: &[String]) {
    assert!(!msg.trim().is_empty(), "{what}: empty message");
    assert!(msg.len() < 1000, "{what}: {} characters: {msg}", msg.len());
    for junk in [
        "{ kind",
        "Error {",
        "ApiError",
        "StoreError",
        "reqwest::",
        "hyper::",
        "Some(",
        "None,",
    ] {
        assert!(
            !msg.contains(junk),
            "{what}: debug text {junk:?} in {msg:?}"
        );
    }
    for s in secrets {
        assert!(!msg.contains(s.as_str()), "{what}: a token in {msg:?}");
    }
}

impl World {
    /// A world on a sim started by the caller: `tokens` are added through
    /// `Queue::add_token` against `api_base` (the sim's, or a proxy's in
    /// front of it), with the given client time-out and secret store.
    pub async fn from_sim(
        sim: SimHandle,
        tokens: Vec<String>,
        api_base: &str,
        client_timeout: Duration,
        secrets: Arc<dyn SecretStore>,
    ) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("genqueue.db")).expect("store opens");
        let client = ReplicateClient::new(api_base)
            .expect("client")
            .with_timeout(client_timeout)
            .with_create_timeout(client_timeout);
        let queue = Queue::from_parts(dir.path().to_owned(), store, client, secrets);
        let mut token_ids = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let (tok, _) = queue
                .add_token(&format!("token {i}"), t)
                .await
                .expect("token accepted");
            token_ids.push(tok.id);
        }
        World {
            sim,
            dir,
            queue,
            engine: None,
            tokens,
            token_ids,
            config: test_engine_config(),
        }
    }

    /// Every generation, newest first (through the store, page by page).
    pub fn all_generations(&self) -> Vec<Generation> {
        all_generations(&self.queue)
    }
}

/// Every generation of `queue`, newest first, page by page.
pub fn all_generations(queue: &Queue) -> Vec<Generation> {
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = queue
            .list(&genqueue_core::store::ListQuery {
                limit: genqueue_core::store::generations::MAX_LIST_LIMIT,
                before,
                ..Default::default()
            })
            .expect("list");
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        rows.extend(page.iter().map(|g| queue.get(g.id).expect("row")));
    }
    rows
}

/// A recording HTTP proxy in front of replicate-sim, on loopback: it logs
/// every request (origin, method, path, `Authorization`), forwards it to the
/// sim, and rewrites the sim's origin in JSON answers to its own, so that
/// every later request (next pages, output files) comes through it too.
/// Output file URLs can be moved to another origin per prediction, and file
/// requests can be refused without a token or redirected elsewhere with one.
pub mod proxy {
    use std::net::{IpAddr, SocketAddr};
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
    use axum::response::Response;

    /// One request seen by a proxy.
    #[derive(Clone, Debug)]
    pub struct Seen {
        /// `http://host:port` of the proxy that saw it.
        pub origin: String,
        pub method: String,
        /// Path and query.
        pub path: String,
        /// The `Authorization` header, if any.
        pub authorization: Option<String>,
    }

    /// Where output files of a prediction are served: `None` keeps them on
    /// the proxy itself; `Some(origin)` moves them to that origin.
    pub type FilesOrigin = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

    /// How a proxy behaves.
    #[derive(Clone)]
    pub struct Options {
        /// Answer 401 to a `/files/…` request without `Authorization`
        /// (a host that wants the token, as Replicate may).
        pub refuse_plain_files: bool,
        /// Per prediction id: answer a `/files/…` request that carries
        /// `Authorization` with a 302 to this origin (same path).
        pub redirect_authorized_files_to: Option<FilesOrigin>,
        /// Per prediction id, where its output files are said to be.
        pub files_origin: Option<FilesOrigin>,
    }

    impl Default for Options {
        fn default() -> Self {
            Options {
                refuse_plain_files: false,
                redirect_authorized_files_to: None,
                files_origin: None,
            }
        }
    }

    struct ProxyState {
        origin: String,
        target: String,
        options: Options,
        log: Arc<Mutex<Vec<Seen>>>,
        client: reqwest::Client,
    }

    /// A running proxy (stops when dropped with its runtime).
    pub struct Proxy {
        pub addr: SocketAddr,
        pub log: Arc<Mutex<Vec<Seen>>>,
    }

    impl Proxy {
        /// Starts a proxy on `ip` (any free port) forwarding to `target`
        /// (`http://127.0.0.1:PORT`, no path), logging into `log`.
        pub async fn start(
            ip: IpAddr,
            target: &str,
            options: Options,
            log: Arc<Mutex<Vec<Seen>>>,
        ) -> Proxy {
            let listener = tokio::net::TcpListener::bind((ip, 0))
                .await
                .expect("proxy binds");
            let addr = listener.local_addr().unwrap();
            let state = Arc::new(ProxyState {
                origin: format!("http://{addr}"),
                target: target.trim_end_matches('/').to_owned(),
                options,
                log: log.clone(),
                client: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap(),
            });
            let app = Router::new().fallback(handle).with_state(state);
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Proxy { addr, log }
        }

        /// `http://host:port`.
        pub fn origin(&self) -> String {
            format!("http://{}", self.addr)
        }

        /// Everything seen so far (by every proxy sharing the log).
        pub fn seen(&self) -> Vec<Seen> {
            self.log.lock().unwrap().clone()
        }
    }

    fn problem(status: StatusCode, detail: &str) -> Response {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/problem+json")
            .body(Body::from(
                serde_json::json!({"title": status.canonical_reason(), "detail": detail, "status": status.as_u16()})
                    .to_string(),
            ))
            .unwrap()
    }

    async fn handle(State(p): State<Arc<ProxyState>>, req: Request) -> Response {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 64 << 20)
            .await
            .unwrap_or_default();
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let path = parts
            .uri
            .path_and_query()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        p.log.lock().unwrap().push(Seen {
            origin: p.origin.clone(),
            method: parts.method.to_string(),
            path: path.clone(),
            authorization: authorization.clone(),
        });
        if path.starts_with("/files/") {
            if authorization.is_none() && p.options.refuse_plain_files {
                return problem(
                    StatusCode::UNAUTHORIZED,
                    "Authentication credentials were not provided.",
                );
            }
            let id = path
                .trim_start_matches("/files/")
                .split('/')
                .next()
                .unwrap_or_default();
            let redirect = match (&authorization, &p.options.redirect_authorized_files_to) {
                (Some(_), Some(choose)) => choose(id),
                _ => None,
            };
            if let Some(to) = redirect {
                return Response::builder()
                    .status(StatusCode::FOUND)
                    .header(header::LOCATION, format!("{to}{path}"))
                    .body(Body::empty())
                    .unwrap();
            }
        }
        let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
        let mut out = p.client.request(method, format!("{}{path}", p.target));
        for (name, value) in &parts.headers {
            if name != header::HOST && name != header::CONTENT_LENGTH {
                out = out.header(name.as_str(), value.as_bytes());
            }
        }
        let answer = match out.body(bytes.to_vec()).send().await {
            Ok(a) => a,
            Err(e) => return problem(StatusCode::BAD_GATEWAY, &format!("proxy: {e}")),
        };
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        let mut headers = HeaderMap::new();
        for (name, value) in answer.headers() {
            if matches!(name.as_str(), "content-type" | "retry-after" | "location") {
                headers.insert(
                    axum::http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                    HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                );
            }
        }
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("json"));
        let body = answer.bytes().await.unwrap_or_default();
        let body = if is_json {
            Body::from(rewrite(&p, &String::from_utf8_lossy(&body)))
        } else {
            Body::from(body)
        };
        let mut resp = Response::builder().status(status).body(body).unwrap();
        *resp.headers_mut() = headers;
        resp
    }

    /// The sim's origin becomes the proxy's; file URLs move per prediction.
    fn rewrite(p: &ProxyState, text: &str) -> String {
        let text = text.replace(&p.target, &p.origin);
        let Some(choose) = &p.options.files_origin else {
            return text;
        };
        let prefix = format!("{}/files/", p.origin);
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&prefix) {
            out.push_str(&rest[..at]);
            let after = &rest[at + prefix.len()..];
            let id = after.split('/').next().unwrap_or_default();
            match choose(id) {
                Some(origin) => out.push_str(&format!("{origin}/files/")),
                None => out.push_str(&prefix),
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }
}
