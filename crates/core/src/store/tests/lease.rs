//! Leases (`store/lease.rs`): on PostgreSQL one engine at a time holds a
//! generation's lease, another takes it over only once it has expired (the
//! fence grows), the former holder learns it lost it; on SQLite (one engine
//! per folder) the lease is always granted.

use std::sync::{Arc, Barrier};

use super::backends::pg_url;
use super::{file_store, new_gen, secs, t0};
use crate::store::{Lease, PgStore, QueueStore};

#[test]
fn a_lease_is_one_engines_until_it_expires_then_taken_over_with_a_higher_fence() {
    let Some(url) = pg_url() else { return };
    let (a, b) = (PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap());
    let (ea, eb) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let g = a.insert_generations(&[new_gen("p")], t0()).unwrap()[0].id;
    let until = t0() + secs(30);
    let Lease::Taken { fence } = a.take_lease(g, ea, until, t0()).unwrap() else {
        panic!("a free lease is taken")
    };
    assert_eq!(
        a.take_lease(g, ea, until + secs(5), t0() + secs(5))
            .unwrap(),
        Lease::Taken { fence },
        "renewed by its holder: same fence"
    );
    assert_eq!(
        b.take_lease(g, eb, t0() + secs(40), t0() + secs(10))
            .unwrap(),
        Lease::Held {
            until: until + secs(5)
        }
    );
    assert!(
        a.renew_leases(ea, &[g], t0() + secs(60))
            .unwrap()
            .is_empty()
    );
    // A sleeps past its lease: B takes it over, A finds it lost.
    let Lease::Taken { fence: after } = b
        .take_lease(g, eb, t0() + secs(100), t0() + secs(61))
        .unwrap()
    else {
        panic!("an expired lease is taken over")
    };
    assert_eq!(after, fence + 1);
    assert_eq!(a.renew_leases(ea, &[g], t0() + secs(120)).unwrap(), [g]);
    // A's late release does not free B's lease; B's own does.
    a.release_lease(g, ea).unwrap();
    assert!(matches!(
        a.take_lease(g, ea, t0() + secs(90), t0() + secs(62))
            .unwrap(),
        Lease::Held { .. }
    ));
    b.release_lease(g, eb).unwrap();
    assert_eq!(
        a.take_lease(g, ea, t0() + secs(90), t0() + secs(62))
            .unwrap(),
        Lease::Taken { fence: after + 1 }
    );
}

#[test]
fn engines_taking_one_lease_at_once_get_it_once() {
    let Some(url) = pg_url() else { return };
    let setup = PgStore::open(&url).unwrap();
    let g = setup.insert_generations(&[new_gen("p")], t0()).unwrap()[0].id;
    let engines = 6;
    let barrier = Arc::new(Barrier::new(engines));
    let handles: Vec<_> = (0..engines)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let store = PgStore::open(&url).unwrap();
                barrier.wait();
                store
                    .take_lease(g, uuid::Uuid::new_v4(), t0() + secs(30), t0())
                    .unwrap()
            })
        })
        .collect();
    let taken = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|l| matches!(l, Lease::Taken { .. }))
        .count();
    assert_eq!(taken, 1);
}

#[test]
fn on_sqlite_the_folders_one_engine_always_holds_the_lease() {
    let (_dir, store) = file_store();
    let g = store.insert_generation(&new_gen("p"), t0()).unwrap().id;
    let other = uuid::Uuid::new_v4();
    let q: &dyn QueueStore = &store;
    assert!(matches!(
        q.take_lease(g, other, t0() + secs(30), t0()).unwrap(),
        Lease::Taken { .. }
    ));
    assert!(q.renew_leases(other, &[g], t0()).unwrap().is_empty());
}
