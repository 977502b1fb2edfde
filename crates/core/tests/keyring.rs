//! KeyringSecretStore against a real Secret Service (gnome-keyring in a private
//! D-Bus session).
//!
//! The tests that need the keyring run only when `GENQUEUE_KEYRING_TESTS=1`,
//! which `scripts/with-keyring.sh` sets after starting and unlocking
//! gnome-keyring:
//!
//! ```sh
//! scripts/with-keyring.sh cargo test -p genqueue-core --test keyring
//! ```
//!
//! The "no Secret Service" test runs everywhere: it re-runs this binary in a
//! child process whose `DBUS_SESSION_BUS_ADDRESS` points nowhere.

use std::process::Command;

use genqueue_core::secrets::{KeyringSecretStore, Secret, SecretError, SecretStore};
use uuid::Uuid;

/// Keyring service for tests, apart from the app's own entries.
const TEST_SERVICE: &str = "app.genqueue.desktop.tests";

/// The keyring tests share one keyring, and one of them locks it for a moment:
/// they take turns.
static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    KEYRING.lock().unwrap_or_else(|p| p.into_inner())
}

fn keyring_tests_enabled() -> bool {
    let on = std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped: run inside scripts/with-keyring.sh (GENQUEUE_KEYRING_TESTS=1)");
    }
    on
}

/// A token-shaped secret made at run time (no literal token in the sources).
fn fake_secret() -> Secret {
    let body: String = Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(30)
        .collect();
    Secret::parse(&format!("r{}_{body}", 8)).unwrap()
}

/// Looks the entry up from outside, with libsecret's `secret-tool`, as another
/// program would (keyring 3 stores `service` and `username` attributes).
/// `None` if secret-tool is not installed; `Some(None)` if there is no entry.
fn secret_tool_lookup(id: genqueue_core::model::TokenId) -> Option<Option<String>> {
    let out = match Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            TEST_SERVICE,
            "username",
            &id.to_string(),
        ])
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("secret-tool not installed (package libsecret-tools): outside check skipped");
            return None;
        }
        Err(e) => panic!("secret-tool: {e}"),
    };
    Some(
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()),
    )
}

#[test]
fn secret_round_trips_through_the_real_keyring() {
    if !keyring_tests_enabled() {
        return;
    }
    let _turn = take_turn();
    let store = KeyringSecretStore::new(TEST_SERVICE);
    let id = genqueue_core::model::TokenId::new();
    let first = fake_secret();
    store.set(id, &first).unwrap();
    assert_eq!(store.get(id).unwrap(), first);
    if let Some(seen) = secret_tool_lookup(id) {
        assert_eq!(
            seen.as_deref(),
            Some(first.expose()),
            "secret-tool sees the same entry"
        );
    }

    let second = fake_secret();
    store.set(id, &second).unwrap();
    assert_eq!(store.get(id).unwrap(), second, "set replaces");

    // A new store value (as after a restart) reads the same entry.
    assert_eq!(
        KeyringSecretStore::new(TEST_SERVICE).get(id).unwrap(),
        second
    );

    store.delete(id).unwrap();
    assert_eq!(store.get(id), Err(SecretError::NotFound(id)));
    store.delete(id).unwrap(); // deleting again is fine
    if let Some(seen) = secret_tool_lookup(id) {
        assert_eq!(seen, None, "the entry is gone for other programs too");
    }
}

#[test]
fn each_token_has_its_own_entry() {
    if !keyring_tests_enabled() {
        return;
    }
    let _turn = take_turn();
    let store = KeyringSecretStore::new(TEST_SERVICE);
    let (a, b) = (
        genqueue_core::model::TokenId::new(),
        genqueue_core::model::TokenId::new(),
    );
    let (sa, sb) = (fake_secret(), fake_secret());
    store.set(a, &sa).unwrap();
    store.set(b, &sb).unwrap();
    assert_eq!(store.get(a).unwrap(), sa);
    assert_eq!(store.get(b).unwrap(), sb);
    store.delete(a).unwrap();
    assert_eq!(store.get(b).unwrap(), sb);
    assert_eq!(store.get(a).unwrap_err().code(), "secret_not_found");
    store.delete(b).unwrap();
}

/// Child side of [`no_secret_service_is_reported_as_unavailable`]: does
/// nothing unless the parent set `GENQUEUE_KEYRING_CHILD`.
#[test]
fn child_without_secret_service() {
    if std::env::var_os("GENQUEUE_KEYRING_CHILD").is_none() {
        return;
    }
    let store = KeyringSecretStore::new(TEST_SERVICE);
    let err = store
        .set(genqueue_core::model::TokenId::new(), &fake_secret())
        .unwrap_err();
    println!("CODE={}", err.code());
    println!("MESSAGE={err}");
}

#[test]
fn no_secret_service_is_reported_as_unavailable() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_without_secret_service",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GENQUEUE_KEYRING_CHILD", "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus-here").display()),
        )
        .env_remove("GENQUEUE_KEYRING_TESTS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("CODE=keyring_unavailable"), "{stdout}");
    let message = stdout.lines().find(|l| l.starts_with("MESSAGE=")).unwrap();
    assert!(message.contains("gnome-keyring"), "{message}");
    assert!(message.contains("install and start"), "{message}");
}

/// Locks gnome-keyring's login collection through the Secret Service API.
fn lock_login_collection() {
    let status = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Unlocks it again without a prompt, through gnome-keyring's own
/// `UnlockWithMasterPassword` (the password `scripts/with-keyring.sh` set).
fn unlock_login_collection() {
    use dbus::Path;
    use dbus::arg::Variant;
    use dbus::blocking::Connection;
    let conn = Connection::new_session().unwrap();
    let timeout = std::time::Duration::from_secs(10);
    let service = conn.with_proxy(
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        timeout,
    );
    let (_, session): (Variant<String>, Path) = service
        .method_call(
            "org.freedesktop.Secret.Service",
            "OpenSession",
            ("plain", Variant(String::new())),
        )
        .unwrap();
    let secret = (
        session,
        Vec::<u8>::new(),
        b"genqueue-test-keyring".to_vec(),
        "text/plain",
    );
    let login = Path::from("/org/freedesktop/secrets/collection/login");
    let () = service
        .method_call(
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            "UnlockWithMasterPassword",
            (login, secret),
        )
        .unwrap();
}

#[test]
fn a_locked_keyring_says_to_unlock_it() {
    if !keyring_tests_enabled() {
        return;
    }
    let _turn = take_turn();
    // With a display, gnome-keyring would show an unlock prompt and wait for a person.
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        eprintln!("skipped: a display is set, the unlock prompt would wait for a person");
        return;
    }
    let store = KeyringSecretStore::new(TEST_SERVICE);
    let id = genqueue_core::model::TokenId::new();
    store.set(id, &fake_secret()).unwrap();
    lock_login_collection();
    let result = store.get(id);
    unlock_login_collection(); // before asserting: other tests share the keyring
    let err = result.unwrap_err();
    assert_eq!(err.code(), "keyring_locked", "{err}");
    assert!(
        err.to_string().contains("unlock your login keyring"),
        "{err}"
    );
    store.get(id).unwrap();
    store.delete(id).unwrap();
}
