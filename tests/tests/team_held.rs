//! One token pool (issue #15): a token is known by its secret's one-way
//! hash; a member adding a token already in the team's pool joins its row
//! (the secret goes to their own keyring, the row stays one), and an engine
//! claims only with tokens whose secret its machine holds — a token it lacks
//! is never sent, failed or disabled by it.
//!
//! Two "machines" are two queues on one database, each with its own data
//! folder and its own keyring (a `MemorySecretStore` each). The PostgreSQL
//! tests need `scripts/with-postgres.sh` (see `postgres.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::Engine;
use genqueue_core::model::{GenerationStatus, TokenId};
use genqueue_core::queue::{Queue, QueueError};
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{MemorySecretStore, SecretStore};
use genqueue_core::store::{PgStore, QueueStore};
use genqueue_core::wait::WaitCode;
use genqueue_testkit::{fresh_database, psql, test_engine_config};
use genqueue_tests::{World, fake_token};
use replicate_sim::{SimConfig, fingerprint};

/// A machine: a queue on `store` with data folder `dir` and keyring `keyring`.
fn machine(
    store: &Arc<PgStore>,
    dir: &std::path::Path,
    sim: &str,
    keyring: &Arc<MemorySecretStore>,
) -> Queue {
    let client = ReplicateClient::new(sim)
        .unwrap()
        .with_timeout(Duration::from_secs(3))
        .with_create_timeout(Duration::from_secs(3));
    Queue::on_store(dir.to_owned(), store.clone(), client, keyring.clone())
}

/// Requests the sim received with `token` (any endpoint).
fn requests_with(w: &World, token: &str) -> u64 {
    let fp = fingerprint(token);
    w.sim
        .stats()
        .requests_by_token
        .get(&fp)
        .copied()
        .unwrap_or(0)
}

/// Two machines on the team database `url`, the sim knowing token `t1`'s
/// account: A is the world's queue (its folder, keyring `ka`), B a queue
/// with a folder, a keyring (`kb`) and connections of its own, as on
/// another machine. Neither holds a token yet.
struct TwoMachines {
    w: World,
    store: Arc<PgStore>,
    ka: Arc<MemorySecretStore>,
    kb: Arc<MemorySecretStore>,
    b_dir: tempfile::TempDir,
    b: Queue,
}

async fn two_machines(url: &str, t1: &str, sim: SimConfig) -> TwoMachines {
    let mut w = World::builder(sim, Vec::new())
        .other_accounts(&[t1.to_owned()])
        .build()
        .await
        .unwrap();
    let store = Arc::new(PgStore::open(url).unwrap());
    let sim = w.sim.base_url();
    let (ka, kb) = (
        Arc::new(MemorySecretStore::new()),
        Arc::new(MemorySecretStore::new()),
    );
    let b_dir = tempfile::tempdir().unwrap();
    w.queue = machine(&store, w.dir.path(), &sim, &ka);
    let b = machine(
        &Arc::new(PgStore::open(url).unwrap()),
        b_dir.path(),
        &sim,
        &kb,
    );
    TwoMachines {
        w,
        store,
        ka,
        kb,
        b_dir,
        b,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_adding_a_token_already_in_the_pool_joins_its_row_and_both_hold_it() {
    let Some(url) = fresh_database("genqueue_join") else {
        return;
    };
    let t1 = fake_token();
    let TwoMachines {
        w,
        store,
        kb,
        b,
        b_dir: _b_dir,
        ..
    } = two_machines(&url, &t1, SimConfig::fast()).await;
    let a = w.queue.clone();

    let added = a.add_or_join_token("team", &t1).await.unwrap();
    assert!(!added.joined);
    let joined = b
        .add_or_join_token("mine", &format!(" {t1}\n"))
        .await
        .unwrap();
    assert!(joined.joined, "B's add joined A's row");
    assert_eq!(joined.token.id, added.token.id);
    assert_eq!(joined.token.label, "team", "the team's row keeps its label");
    assert_eq!(joined.account.username, "other0");
    let rows = store.list_tokens().unwrap();
    assert_eq!(rows.len(), 1, "one row for one Replicate token: {rows:?}");
    assert_eq!(kb.get(added.token.id).unwrap().expose(), t1);
    assert!(a.tokens_here().await.unwrap().contains(&added.token.id));
    assert!(b.tokens_here().await.unwrap().contains(&added.token.id));

    // Held on both machines now: adding it again is a duplicate on each.
    for q in [&a, &b] {
        let e = q.add_token("again", &t1).await.unwrap_err();
        assert!(
            matches!(e, QueueError::DuplicateToken(ref l) if l == "team"),
            "{e}"
        );
    }
    assert_eq!(store.list_tokens().unwrap().len(), 1);

    // The row identifies the token by a hash: 64 hex digits, no part of the secret.
    let stored = psql(&url, "SELECT pool_hash, fingerprint FROM tokens");
    assert_eq!(stored.len(), 1);
    let (hash, hint) = (&stored[0][0], &stored[0][1]);
    assert_eq!(hash.len(), 64, "{hash}");
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!hash.contains(&t1[3..11]) && !hash.contains(&t1[t1.len() - 4..]));
    assert_eq!(
        hint,
        &t1[t1.len() - 4..],
        "the display hint stays the last 4"
    );
    let dump = psql(&url, "SELECT row_to_json(t)::text FROM tokens t");
    assert!(!dump[0][0].contains(&t1), "no secret in the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_claims_only_with_tokens_whose_secret_its_machine_holds() {
    let Some(url) = fresh_database("genqueue_held") else {
        return;
    };
    let (t1, t2) = (fake_token(), fake_token());
    let mut w = World::builder(SimConfig::fast(), Vec::new())
        .other_accounts(&[t1.clone(), t2.clone()])
        .build()
        .await
        .unwrap();
    let store = Arc::new(PgStore::open(&url).unwrap());
    let sim = w.sim.base_url();
    let (ka, kb) = (
        Arc::new(MemorySecretStore::new()),
        Arc::new(MemorySecretStore::new()),
    );
    let b_dir = tempfile::tempdir().unwrap();
    w.queue = machine(&store, w.dir.path(), &sim, &ka);
    // B's own connections, as on another machine (it hears A's writes by NOTIFY).
    let b = machine(
        &Arc::new(PgStore::open(&url).unwrap()),
        b_dir.path(),
        &sim,
        &kb,
    );

    // B adds T2; A holds no secret of the pool.
    let t2_id = b.add_token("bee's", &t2).await.unwrap().0.id;
    let t2_requests = requests_with(&w, &t2);
    w.start_with(test_engine_config()).unwrap();
    let first = w.submit("a lighthouse in fog", serde_json::json!({})).id;
    let start = Instant::now();
    loop {
        let g = store.get_generation(first).unwrap().unwrap();
        if g.wait_reason.as_ref().map(|r| r.code) == Some(WaitCode::NoSecretHere) {
            assert_eq!(g.status, GenerationStatus::Pending);
            assert_eq!(g.token_id, None);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "A says why it waits: {g:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A adds T1: its queue runs on T1 alone, never on B's T2.
    let t1_id = w.queue.add_token("ay's", &t1).await.unwrap().0.id;
    let mut ids = vec![first];
    ids.extend(w.submit_seeded("alone", 6));
    let rows = w.wait_terminal(&ids, Duration::from_secs(30)).await;
    for g in &rows {
        assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
        assert_eq!(g.token_id, Some(t1_id), "{g:?}");
    }
    assert_eq!(
        requests_with(&w, &t2),
        t2_requests,
        "A sent nothing with T2"
    );
    let t2_row = store.get_token(t2_id).unwrap().unwrap();
    assert!(
        t2_row.active && t2_row.disabled_reason.is_none(),
        "{t2_row:?}"
    );
    assert_eq!(t2_row.request_count, 0);
    assert_eq!(t2_row.last_used_at, None, "A never even claimed with T2");

    // B joins T1 and runs too: B may use both, A still only T1.
    assert!(b.add_or_join_token("", &t1).await.unwrap().joined);
    let b_engine = Engine::start(b.clone(), test_engine_config()).unwrap();
    let both = w.submit_seeded("both", 16);
    let rows = w.wait_terminal(&both, Duration::from_secs(60)).await;
    let mut finished_by_a = 0;
    for g in &rows {
        assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
        let file = &g.output_files[0];
        let in_a = w.dir.path().join(file).exists();
        assert!(in_a || b_dir.path().join(file).exists(), "{g:?}");
        if in_a {
            finished_by_a += 1;
            assert_eq!(g.token_id, Some(t1_id), "A ran {} on T2", g.id);
        }
    }
    let on_t2 = rows.iter().filter(|g| g.token_id == Some(t2_id)).count();
    eprintln!(
        "A finished {finished_by_a} of {}; {on_t2} ran on T2",
        rows.len()
    );
    // Which engine takes a freed slot is a race (the one whose task just
    // ended takes the next generation at once): A may run none of these,
    // and A's claims alone on T1 were checked above. B runs on T2.
    assert!(on_t2 > 0, "B ran some on T2");
    assert_eq!(store.list_tokens().unwrap().len(), 2);
    assert!(store.get_token(t2_id).unwrap().unwrap().active);
    let held_by_a: Vec<TokenId> = w.queue.tokens_here().await.unwrap().into_iter().collect();
    assert_eq!(held_by_a, vec![t1_id]);
    b_engine.shutdown().await;
    w.stop().await;
}

#[tokio::test]
async fn on_one_machine_a_token_added_twice_is_refused_even_from_a_row_older_than_the_hash() {
    let (t1, t2) = (fake_token(), fake_token());
    let keyring = Arc::new(MemorySecretStore::new());
    let w = World::builder(SimConfig::fast(), vec![t1.clone()])
        .other_accounts(std::slice::from_ref(&t2))
        .secrets(keyring.clone())
        .build()
        .await
        .unwrap();
    let e = w.queue.add_token("again", &t1).await.unwrap_err();
    assert!(matches!(e, QueueError::DuplicateToken(_)), "{e}");
    // A row made before schema 12 (no hash) whose secret this keyring holds.
    let store = w.queue.store();
    let old = store
        .insert_token("old", &t2[t2.len() - 4..], w.queue.now())
        .unwrap();
    let secret = genqueue_core::secrets::Secret::parse(&t2).unwrap();
    keyring.set(old.id, &secret).unwrap();
    assert_eq!(store.tokens_without_pool_hash().unwrap(), vec![old.id]);
    let e = w.queue.add_token("again", &t2).await.unwrap_err();
    assert!(
        matches!(e, QueueError::DuplicateToken(ref l) if l == "old"),
        "{e}"
    );
    assert!(store.tokens_without_pool_hash().unwrap().is_empty());
    assert_eq!(store.list_tokens().unwrap().len(), 2);
    // One machine holds every token it added.
    assert_eq!(w.queue.tokens_here().await.unwrap().len(), 2);
}

/// A member who forgets a team token on their machine deletes only their
/// keyring's copy of its secret: the row stays in the pool with its
/// figures, another member still holds and uses it, this machine no longer
/// counts it as its own and its engine claims nothing with it. On a
/// machine's own queue, forgetting is refused (remove the token instead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_a_team_token_here_keeps_it_in_the_pool_for_the_others() {
    let Some(url) = fresh_database("genqueue_forget") else {
        return;
    };
    let t1 = fake_token();
    let TwoMachines {
        mut w,
        store,
        ka,
        kb,
        b_dir,
        b,
    } = two_machines(&url, &t1, SimConfig::fast()).await;
    let a = w.queue.clone();
    let id = a.add_or_join_token("team", &t1).await.unwrap().token.id;
    b.add_or_join_token("team", &t1).await.unwrap();
    assert!(a.tokens_here().await.unwrap().contains(&id), "A held it");

    let mut events = a.events().subscribe();
    let forgotten = a.forget_token_here(id).await.unwrap();
    assert_eq!(forgotten.id, id);
    assert!(
        matches!(events.try_recv(), Ok(genqueue_core::events::Event::TokenChanged(t)) if t.id == id),
        "the window hears of it"
    );
    assert!(ka.get(id).is_err(), "the secret left A's keyring");
    assert_eq!(kb.get(id).unwrap().expose(), t1, "B's copy stays");
    assert_eq!(store.list_tokens().unwrap().len(), 1, "the row stays");
    assert!(!a.tokens_here().await.unwrap().contains(&id));
    assert!(b.tokens_here().await.unwrap().contains(&id));

    // A's engine claims nothing with it: the generation waits for a member
    // who holds it, and B's engine runs it.
    // A still submits (the window's Create, `genq submit`): the input is
    // queued unchecked, as no token here can read the model's schema.
    let before = requests_with(&w, &t1);
    let submitted = a
        .submit_request(&genqueue_core::submit::SubmitRequest {
            model: "black-forest-labs/flux-schnell".parse().unwrap(),
            prompts: genqueue_core::submit::Prompts::One("a fox forgotten here".into()),
            input: genqueue_core::submit::SubmitInput::Values(Default::default()),
            count: 1,
            priority: 0,
            deadlines: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(
        submitted.unchecked,
        Some(genqueue_core::replicate::SchemaError::NoTokenHere)
    );
    w.start_with(test_engine_config()).unwrap();
    let g = submitted.generations[0].id;
    let start = Instant::now();
    loop {
        let row = store.get_generation(g).unwrap().unwrap();
        if row.wait_reason.as_ref().map(|r| r.code) == Some(WaitCode::NoSecretHere) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "A waits for a member who holds the token: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(requests_with(&w, &t1), before, "A sent nothing with it");
    let b_engine = Engine::start(b.clone(), test_engine_config()).unwrap();
    let rows = w.wait_terminal(&[g], Duration::from_secs(30)).await;
    assert_eq!(
        rows[0].status,
        GenerationStatus::Completed,
        "B ran it: {:?}",
        rows[0]
    );
    assert!(b_dir.path().join(&rows[0].output_files[0]).exists());
    b_engine.shutdown().await;
    w.stop().await;

    // On a machine's own queue (its SQLite file) the token is only this
    // machine's: refused.
    if genqueue_testkit::sqlite_only("a machine's own queue is its SQLite file") {
        return;
    }
    let own = World::new(1, SimConfig::fast()).await;
    let mine = own.queue.tokens().unwrap().remove(0);
    let e = own.queue.forget_token_here(mine.id).await.unwrap_err();
    assert!(matches!(e, QueueError::NotShared), "{e}");
    assert!(own.queue.tokens().unwrap().iter().any(|t| t.id == mine.id));
}

/// A member cancels a running generation whose token's secret is only on
/// another machine: the cancel is recorded at once, and the engine that
/// follows the prediction (it holds the secret) stops it on Replicate, so
/// it is not billed to the end. Before, the cancel failed with the
/// keyring's "no secret stored" error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_from_a_machine_without_the_secret_is_carried_to_replicate_by_the_engine_that_holds_it()
 {
    let Some(url) = fresh_database("genqueue_cancel_elsewhere") else {
        return;
    };
    let t1 = fake_token();
    // Boot 3 s, predict 6 s: long enough to be cancelled while it runs.
    let mut sim = SimConfig::fast();
    sim.timing.time_scale = 3.0;
    let TwoMachines {
        mut w,
        b,
        b_dir: _b_dir,
        ..
    } = two_machines(&url, &t1, sim).await;
    b.add_or_join_token("team", &t1).await.unwrap();
    let b_engine = Engine::start(b.clone(), test_engine_config()).unwrap();
    let id = w
        .submit("a kingfisher, cancelled", serde_json::json!({}))
        .id;
    let start = Instant::now();
    while w.queue.get(id).unwrap().status != GenerationStatus::Processing {
        assert!(start.elapsed() < Duration::from_secs(10), "B started it");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cancelled = w
        .queue
        .cancel(id)
        .await
        .expect("A cancels without the secret");
    assert_eq!(cancelled.status, GenerationStatus::Cancelled);
    let start = Instant::now();
    loop {
        let live = w.sim.stats().live_by_status;
        if live.get("canceled") == Some(&1) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "B cancels it on Replicate: {live:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b_engine.shutdown().await;
    w.stop().await;
}
