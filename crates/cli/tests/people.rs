//! `genq` on a team's database touches only one's own generations unless
//! `--everyone` is given (issue #15, "People"): `genq cancel --batch`,
//! `genq clear-finished`, `genq mark-viewed --all`; `genq ls --by` lists one
//! member's. Under `GENQUEUE_DATABASE_URL` the member is the OS user name.
//!
//! Needs the test cluster of `scripts/with-postgres.sh` (without it the test
//! says it was skipped; under CI it fails). No keyring, no engine: pending
//! generations are cancelled without Replicate.

mod common;

use common::Env;
use genqueue_core::model::{BatchId, Creator, GenerationStatus, NewGeneration};
use genqueue_core::store::{PgStore, QueueStore};
use genqueue_testkit::{fresh_database, seeded};

#[tokio::test(flavor = "multi_thread")]
async fn genq_touches_only_the_users_own_generations_unless_everyone_is_given() {
    let Some(url) = fresh_database("genqueue_cli_people") else {
        return;
    };
    let me = genqueue_core::team::setting::default_member();
    let other = format!("{me}-colleague");
    let store = PgStore::open(&url).unwrap();
    let batch = BatchId::new();
    let by = |member: &str, n: NewGeneration| NewGeneration {
        batch_id: Some(batch),
        creator: Creator {
            member: Some(member.to_owned()),
            machine: Some("elsewhere".into()),
        },
        ..n
    };
    let mut news: Vec<NewGeneration> = seeded("mine", 2).into_iter().map(|n| by(&me, n)).collect();
    news.push(by(&other, seeded("theirs", 1).remove(0)));
    let rows = store.insert_generations(&news, chrono::Utc::now()).unwrap();
    let status = |i: usize| store.get_generation(rows[i].id).unwrap().unwrap().status;

    let mut env = Env::start(0).await;
    env.database_url = Some(url.clone());
    let mine = env.ok(&["ls", "--by", &me, "--json"]).await;
    let mine: Vec<serde_json::Value> = serde_json::from_str(&mine).unwrap();
    assert_eq!(mine.len(), 2, "genq ls --by lists one member's");

    let b = batch.to_string();
    let out = env.ok(&["cancel", "--batch", &b]).await;
    assert_eq!(out.trim(), format!("cancelled 2 generations of batch {b}"));
    assert_eq!(
        status(2),
        GenerationStatus::Pending,
        "the colleague's is left"
    );
    let out = env.ok(&["cancel", "--batch", &b, "--everyone"]).await;
    assert_eq!(out.trim(), format!("cancelled 1 generations of batch {b}"));
    assert_eq!(status(2), GenerationStatus::Cancelled);

    let out = env.ok(&["mark-viewed", "--all"]).await;
    assert_eq!(out.trim(), "marked 2 generations viewed");
    assert!(!store.get_generation(rows[2].id).unwrap().unwrap().viewed);
    env.ok(&["mark-viewed", "--all", "--everyone"]).await;

    let out = env.ok(&["clear-finished"]).await;
    assert_eq!(out.trim(), "deleted 2 finished generations");
    assert!(store.get_generation(rows[2].id).unwrap().is_some());
    let out = env.ok(&["clear-finished", "--everyone"]).await;
    assert_eq!(out.trim(), "deleted 1 finished generations");
    assert_eq!(store.counters().unwrap().cancelled, 0);

    // --everyone without --batch is a usage error, said plainly.
    let out = env.genq(&["cancel", "--everyone"], None).await;
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out.stderr));
}
