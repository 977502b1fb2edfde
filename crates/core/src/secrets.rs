//! Token secrets: the [`Secret`] type and where secrets live ([`SecretStore`]).
//!
//! A secret lives only in the OS keyring (service [`KEYRING_SERVICE`], account =
//! the token's id): never in SQLite, logs, events, IPC answers or error
//! messages. [`Secret`] prints as `<redacted>` and cannot be serialized.
//!
//! Keyring calls are blocking (D-Bus on Linux, Security.framework on macOS,
//! the Credential Manager on Windows): callers on an async runtime wrap them
//! in `tokio::task::spawn_blocking`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::model::TokenId;

/// The keyring service name: the app identifier.
pub const KEYRING_SERVICE: &str = crate::paths::APP_IDENTIFIER;

/// What [`Secret::pool_hash`] puts before the secret, so the value is
/// Genqueue's own and matches no other SHA-256 of the bare token.
pub const POOL_HASH_DOMAIN: &str = "genqueue token pool v1\n";

/// Shortest and longest secret accepted, in characters.
pub const SECRET_LEN: std::ops::RangeInclusive<usize> = 8..=256;

/// A Replicate API token's secret. `Debug` and `Display` print `<redacted>`;
/// only [`Secret::expose`] gives the text (for the `Authorization` header).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Checks a pasted token. Surrounding whitespace and newlines are trimmed;
    /// then it must be 8 to 256 ASCII characters among `A–Z a–z 0–9 _ - .`.
    ///
    /// Errors: [`SecretError::Malformed`] saying what is wrong and where
    /// (a position, never the characters).
    pub fn parse(raw: &str) -> Result<Secret, SecretError> {
        let s = raw.trim();
        let malformed = |why: String| Err(SecretError::Malformed(why));
        if s.is_empty() {
            return malformed(
                "the token is empty; paste the token from replicate.com/account/api-tokens".into(),
            );
        }
        for (i, c) in s.chars().enumerate() {
            let at = i + 1;
            if !c.is_ascii() {
                return malformed(format!(
                    "the token has a non-ASCII character at position {at}; copy it again from Replicate"
                ));
            }
            if c.is_ascii_control() {
                return malformed(format!(
                    "the token has a control character at position {at}; copy it again from Replicate"
                ));
            }
            if c.is_ascii_whitespace() {
                return malformed(format!(
                    "the token has a space inside (position {at}); paste the token alone"
                ));
            }
            if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
                return malformed(format!(
                    "the token has a character other than letters, digits, '_', '-' and '.' at position {at}"
                ));
            }
        }
        let len = s.len();
        if !SECRET_LEN.contains(&len) {
            return malformed(format!(
                "the token is {len} characters long; Replicate tokens are {} to {} characters",
                SECRET_LEN.start(),
                SECRET_LEN.end()
            ));
        }
        Ok(Secret(s.to_owned()))
    }

    /// A secret checked by another rule (the Telegram bot token,
    /// `crate::telegram::parse_bot_token`), or read back from the keyring.
    pub(crate) fn from_checked(text: String) -> Secret {
        Secret(text)
    }

    /// The secret text. Use it only to build a request header (or a Bot API URL).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last 4 characters, a display hint for the user to tell tokens
    /// apart (as Stripe and GitHub show them). It does not identify the
    /// token in the store: [`Secret::pool_hash`] does.
    pub fn fingerprint(&self) -> String {
        let skip = self.0.chars().count().saturating_sub(4);
        self.0.chars().skip(skip).collect()
    }

    /// The token's one-way identifier in the pool (issue #15, "One token
    /// pool"): lowercase hex SHA-256 of [`POOL_HASH_DOMAIN`] followed by the
    /// secret, 64 characters. Two machines that hold the same secret compute
    /// the same value, so a member adding a token already in a team's pool
    /// joins its row instead of making a second one. It cannot be turned back
    /// into the secret (a Replicate token carries far more entropy than any
    /// search could cover), yet it is still derived from a secret: it is kept
    /// in the store's `tokens.pool_hash` only, never in logs, events or IPC.
    pub fn pool_hash(&self) -> String {
        let mut text = String::with_capacity(POOL_HASH_DOMAIN.len() + self.0.len());
        text.push_str(POOL_HASH_DOMAIN);
        text.push_str(&self.0);
        crate::submit::files::sha256_hex(text.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What can go wrong with a secret or the keyring. Messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// No keyring is reachable (Linux: no D-Bus session or no Secret Service provider).
    #[error(
        "no keyring is available to keep token secrets ({0}); on Linux, install and start a \
         Secret Service provider such as gnome-keyring (package `gnome-keyring`) or KeePassXC \
         with Secret Service enabled, inside your desktop session"
    )]
    Unavailable(String),
    /// The keyring exists but is locked (or the unlock prompt was dismissed).
    #[error("the keyring is locked ({0}); unlock your login keyring and try again")]
    Locked(String),
    /// No secret is stored for this token.
    #[error(
        "no secret is stored in this machine's keyring for token {0}; paste the token again \
         (Tokens → Add a token, or `genq tokens add`) to keep it here"
    )]
    NotFound(TokenId),
    /// The text is not a usable token (parsing), or the stored one is not text.
    #[error("{0}")]
    Malformed(String),
    /// Any other keyring failure.
    #[error("the keyring failed: {0}")]
    Other(String),
}

/// Where token secrets live, keyed by token id. Implementations block.
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the secret of token `id`.
    fn set(&self, id: TokenId, secret: &Secret) -> Result<(), SecretError>;
    /// The secret of token `id`; [`SecretError::NotFound`] if none.
    fn get(&self, id: TokenId) -> Result<Secret, SecretError>;
    /// Deletes the secret of token `id`; deleting a missing one is not an error.
    fn delete(&self, id: TokenId) -> Result<(), SecretError>;

    /// Stores (or replaces) a secret that belongs to no token, under its own
    /// account name (the Telegram bot token: `telegram-bot-token`). The text
    /// is kept as given; its owner checks it when reading it back.
    fn set_named(&self, account: &str, secret: &Secret) -> Result<(), SecretError> {
        let _ = (account, secret);
        Err(SecretError::Unavailable(
            "this secret store keeps only token secrets".into(),
        ))
    }
    /// The secret stored under `account`, if any.
    fn get_named(&self, account: &str) -> Result<Option<Secret>, SecretError> {
        let _ = account;
        Ok(None)
    }
    /// Deletes the secret under `account`; deleting a missing one is not an error.
    fn delete_named(&self, account: &str) -> Result<(), SecretError> {
        let _ = account;
        Ok(())
    }
}

/// The OS keyring via the `keyring` crate (Secret Service on Linux, Keychain on
/// macOS, Credential Manager on Windows). Entry: service = `service`, account =
/// the token id (hyphenated UUID).
#[derive(Debug, Clone)]
pub struct KeyringSecretStore {
    service: String,
}

impl KeyringSecretStore {
    /// A store under `service`: [`KEYRING_SERVICE`] in the app, another name in tests.
    pub fn new(service: &str) -> Self {
        KeyringSecretStore {
            service: service.to_owned(),
        }
    }

    fn entry(&self, id: TokenId) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &id.0.hyphenated().to_string())
            .map_err(|e| from_keyring(e, id))
    }
}

impl SecretStore for KeyringSecretStore {
    fn set(&self, id: TokenId, secret: &Secret) -> Result<(), SecretError> {
        self.entry(id)?
            .set_password(secret.expose())
            .map_err(|e| from_keyring(e, id))
    }

    fn get(&self, id: TokenId) -> Result<Secret, SecretError> {
        let text = self
            .entry(id)?
            .get_password()
            .map_err(|e| from_keyring(e, id))?;
        Secret::parse(&text).map_err(|_| {
            SecretError::Malformed(format!(
                "the keyring entry of token {id} is not a valid token; paste the token again (Tokens → Add a token) to replace it"
            ))
        })
    }

    fn delete(&self, id: TokenId) -> Result<(), SecretError> {
        match self.entry(id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(from_keyring(e, id)),
        }
    }

    fn set_named(&self, account: &str, secret: &Secret) -> Result<(), SecretError> {
        self.named_entry(account)?
            .set_password(secret.expose())
            .map_err(|e| named_error(e, account))
    }

    fn get_named(&self, account: &str) -> Result<Option<Secret>, SecretError> {
        match self.named_entry(account)?.get_password() {
            Ok(text) => Ok(Some(Secret(text))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(named_error(e, account)),
        }
    }

    fn delete_named(&self, account: &str) -> Result<(), SecretError> {
        match self.named_entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(named_error(e, account)),
        }
    }
}

impl KeyringSecretStore {
    fn named_entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account).map_err(|e| named_error(e, account))
    }
}

/// Maps a keyring error on a named entry (no token id to name).
fn named_error(err: keyring::Error, account: &str) -> SecretError {
    match err {
        keyring::Error::BadEncoding(_) => SecretError::Malformed(format!(
            "the keyring entry {account} is not text; set it again"
        )),
        keyring::Error::Ambiguous(found) => SecretError::Other(format!(
            "{} keyring entries are named {account}; remove the extra ones in your keyring manager",
            found.len()
        )),
        other => from_keyring(other, TokenId(uuid::Uuid::nil())),
    }
}

/// D-Bus error names meaning "no bus" or "no Secret Service on the bus".
const UNAVAILABLE_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NotSupported",
    "org.freedesktop.DBus.Error.NoNetwork",
    "org.freedesktop.DBus.Error.BadAddress",
    "org.freedesktop.DBus.Error.Spawn",
];

/// Maps a keyring error to a [`SecretError`]. Never carries secret bytes
/// (`BadEncoding`'s payload is dropped).
fn from_keyring(err: keyring::Error, id: TokenId) -> SecretError {
    use keyring::Error as K;
    match err {
        K::NoEntry => SecretError::NotFound(id),
        K::BadEncoding(_) => SecretError::Malformed(format!(
            "the keyring entry of token {id} is not text; paste the token again (Tokens → Add a token) to replace it"
        )),
        K::NoStorageAccess(inner) => match classify_platform(inner.as_ref()) {
            Some(e) => e,
            None => SecretError::Locked(inner.to_string()),
        },
        K::PlatformFailure(inner) => match classify_platform(inner.as_ref()) {
            Some(e) => e,
            None => SecretError::Other(inner.to_string()),
        },
        K::Ambiguous(found) => SecretError::Other(format!(
            "{} keyring entries match token {id}; remove the extra ones in your keyring manager",
            found.len()
        )),
        other => SecretError::Other(other.to_string()),
    }
}

/// Linux: reads the Secret Service error under keyring's wrapper.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn classify_platform(
    inner: &(dyn std::error::Error + Send + Sync + 'static),
) -> Option<SecretError> {
    use dbus_secret_service::Error as S;
    let e = inner.downcast_ref::<S>()?;
    let text = e.to_string();
    Some(match e {
        S::Locked | S::Prompt => SecretError::Locked(text),
        S::NoResult => SecretError::Unavailable(format!(
            "{text}: there is no default keyring (collection) to store into"
        )),
        S::Unavailable => SecretError::Unavailable(text),
        S::Dbus(d)
            if d.name()
                .is_some_and(|n| UNAVAILABLE_DBUS_ERRORS.iter().any(|u| n.starts_with(u))) =>
        {
            SecretError::Unavailable(text)
        }
        _ => SecretError::Other(text),
    })
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn classify_platform(
    _inner: &(dyn std::error::Error + Send + Sync + 'static),
) -> Option<SecretError> {
    let _ = UNAVAILABLE_DBUS_ERRORS;
    None
}

/// Secrets in memory, for unit tests only: nothing persists.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<TokenId, Secret>>,
    named: Mutex<HashMap<String, Secret>>,
}

impl MemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemorySecretStore {
    fn set(&self, id: TokenId, secret: &Secret) -> Result<(), SecretError> {
        let mut map = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(id, secret.clone());
        Ok(())
    }

    fn get(&self, id: TokenId) -> Result<Secret, SecretError> {
        let map = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id).cloned().ok_or(SecretError::NotFound(id))
    }

    fn delete(&self, id: TokenId) -> Result<(), SecretError> {
        let mut map = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&id);
        Ok(())
    }

    fn set_named(&self, account: &str, secret: &Secret) -> Result<(), SecretError> {
        let mut map = self.named.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(account.to_owned(), secret.clone());
        Ok(())
    }

    fn get_named(&self, account: &str) -> Result<Option<Secret>, SecretError> {
        let map = self.named.lock().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(account).cloned())
    }

    fn delete_named(&self, account: &str) -> Result<(), SecretError> {
        let mut map = self.named.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token-shaped string made at run time (no literal token in the sources).
    fn fake_token(n: usize) -> String {
        let alphabet: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
        let body: String = (0..n)
            .map(|i| alphabet[(i * 7 + 3) % alphabet.len()])
            .collect();
        format!("r{}_{body}", 8)
    }

    #[test]
    fn parse_trims_whitespace_and_newlines() {
        let raw = fake_token(30);
        let s = Secret::parse(&format!("  {raw}\r\n")).unwrap();
        assert_eq!(s.expose(), raw);
        assert_eq!(s.fingerprint(), raw[raw.len() - 4..]);
    }

    #[test]
    fn the_pool_hash_is_the_same_for_the_same_secret_and_holds_no_part_of_it() {
        let raw = fake_token(37);
        let a = Secret::parse(&raw).unwrap().pool_hash();
        assert_eq!(Secret::parse(&format!(" {raw}\n")).unwrap().pool_hash(), a);
        assert_eq!(a.len(), 64);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let other = Secret::parse(&fake_token(36)).unwrap().pool_hash();
        assert_ne!(a, other);
        // Not the bare SHA-256 of the token (the domain prefix).
        assert_ne!(a, crate::submit::files::sha256_hex(raw.as_bytes()));
        for part in [&raw[..8], &raw[raw.len() - 4..]] {
            assert!(!a.contains(part));
        }
    }

    #[test]
    fn parse_rejects_bad_tokens_without_echoing_them() {
        let raw = fake_token(30);
        let cases = [
            (String::new(), "empty"),
            ("   \n".to_owned(), "empty"),
            (format!("{} {}", &raw[..10], &raw[10..]), "space inside"),
            (
                format!("{}\u{7}{}", &raw[..10], &raw[10..]),
                "control character",
            ),
            (format!("{}é{}", &raw[..10], &raw[10..]), "non-ASCII"),
            (
                format!("{}!{}", &raw[..10], &raw[10..]),
                "other than letters",
            ),
            ("abc".to_owned(), "3 characters long"),
            ("a".repeat(257), "257 characters long"),
        ];
        for (input, want) in cases {
            let err = Secret::parse(&input).unwrap_err();
            assert_eq!(err.code(), "secret_malformed");
            let text = err.to_string();
            assert!(text.contains(want), "{input:?}: {text}");
            assert!(
                !text.contains(&raw[..10]),
                "message echoes the token: {text}"
            );
        }
        assert!(Secret::parse(&"a".repeat(8)).is_ok());
        assert!(Secret::parse(&"a".repeat(256)).is_ok());
        assert!(Secret::parse("abc_DEF-12.3").is_ok());
    }

    #[test]
    fn debug_and_display_are_redacted() {
        let raw = fake_token(30);
        let s = Secret::parse(&raw).unwrap();
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
    }

    #[test]
    fn memory_store_sets_gets_replaces_and_deletes() {
        let store = MemorySecretStore::new();
        let id = TokenId::new();
        assert_eq!(store.get(id), Err(SecretError::NotFound(id)));
        let a = Secret::parse(&fake_token(30)).unwrap();
        let b = Secret::parse(&fake_token(31)).unwrap();
        store.set(id, &a).unwrap();
        assert_eq!(store.get(id).unwrap(), a);
        store.set(id, &b).unwrap();
        assert_eq!(store.get(id).unwrap(), b);
        store.delete(id).unwrap();
        store.delete(id).unwrap();
        assert_eq!(store.get(id).unwrap_err().code(), "secret_not_found");
    }

    #[test]
    fn keyring_errors_map_to_stable_codes() {
        let id = TokenId::new();
        assert_eq!(
            from_keyring(keyring::Error::NoEntry, id),
            SecretError::NotFound(id)
        );
        let e = from_keyring(keyring::Error::BadEncoding(b"secret-bytes".to_vec()), id);
        assert_eq!(e.code(), "secret_malformed");
        assert!(!e.to_string().contains("secret-bytes"));
        let e = from_keyring(keyring::Error::NoStorageAccess("locked".into()), id);
        assert_eq!(e.code(), "keyring_locked");
        assert!(e.to_string().contains("unlock your login keyring"));
        let e = from_keyring(keyring::Error::PlatformFailure("boom".into()), id);
        assert_eq!(e.code(), "keyring_error");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn secret_service_errors_map_to_unavailable_and_locked() {
        let id = TokenId::new();
        let wrap = |e: dbus_secret_service::Error| keyring::Error::PlatformFailure(Box::new(e));
        let e = from_keyring(wrap(dbus_secret_service::Error::Unavailable), id);
        assert_eq!(e.code(), "keyring_unavailable");
        assert!(e.to_string().contains("gnome-keyring"));
        let no_server = dbus::Error::new_custom("org.freedesktop.DBus.Error.NoServer", "no bus");
        let e = from_keyring(wrap(dbus_secret_service::Error::Dbus(no_server)), id);
        assert_eq!(e.code(), "keyring_unavailable");
        let locked = keyring::Error::NoStorageAccess(Box::new(dbus_secret_service::Error::Locked));
        assert_eq!(from_keyring(locked, id).code(), "keyring_locked");
    }
}
