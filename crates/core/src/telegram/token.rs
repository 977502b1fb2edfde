//! The bot token: checked when pasted, kept in the OS keyring under the
//! account [`BOT_TOKEN_ACCOUNT`] of the app's keyring service, never in the
//! store, logs, events or IPC answers. Held as a [`Secret`] (prints
//! `<redacted>`), like Replicate tokens.
//!
//! Format (core.telegram.org/bots/api#authorizing-your-bot): "The token looks
//! something like `123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`": the bot's
//! numeric id, a colon, then a key of letters, digits, `_` and `-` (35
//! characters in tokens @BotFather issues today; a range is accepted).

use crate::secrets::{Secret, SecretError, SecretStore};

/// The keyring account of the bot token (service: the app identifier).
pub const BOT_TOKEN_ACCOUNT: &str = "telegram-bot-token";

/// Length of the part after the colon that is accepted, in characters.
const KEY_LEN: std::ops::RangeInclusive<usize> = 20..=100;

/// Checks a pasted bot token: surrounding whitespace is trimmed; then digits,
/// `:`, and 20–100 of `A–Z a–z 0–9 _ -`.
///
/// Errors: [`SecretError::Malformed`] saying what is wrong (never echoing
/// the text).
pub fn parse_bot_token(raw: &str) -> Result<Secret, SecretError> {
    let s = raw.trim();
    let malformed = |why: &str| {
        Err(SecretError::Malformed(format!(
            "{why}; a bot token looks like 123456789:AAE… (the bot's number, a colon, then \
             letters and digits): copy it from @BotFather"
        )))
    };
    if s.is_empty() {
        return malformed("the bot token is empty");
    }
    let Some((id, key)) = s.split_once(':') else {
        return malformed("the bot token has no colon");
    };
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return malformed("the part before the colon must be the bot's number");
    }
    if !KEY_LEN.contains(&key.chars().count()) {
        return malformed(&format!(
            "the part after the colon is {} characters long, not {} to {}",
            key.chars().count(),
            KEY_LEN.start(),
            KEY_LEN.end()
        ));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return malformed(
            "the part after the colon has a character other than letters, digits, '_' and '-'",
        );
    }
    Ok(Secret::from_checked(s.to_owned()))
}

/// The stored bot token, if any. Blocking (a keyring call).
///
/// Errors: the keyring's ([`SecretError`]); a stored text that is not a bot
/// token is [`SecretError::Malformed`].
pub fn load(secrets: &dyn SecretStore) -> Result<Option<Secret>, SecretError> {
    match secrets.get_named(BOT_TOKEN_ACCOUNT)? {
        None => Ok(None),
        Some(s) => parse_bot_token(s.expose()).map(Some).map_err(|_| {
            SecretError::Malformed(
                "the keyring's Telegram bot token is not a bot token; paste it again in Settings"
                    .into(),
            )
        }),
    }
}

/// Checks and stores `raw` as the bot token (replacing any). Blocking.
pub fn save(secrets: &dyn SecretStore, raw: &str) -> Result<Secret, SecretError> {
    let token = parse_bot_token(raw)?;
    secrets.set_named(BOT_TOKEN_ACCOUNT, &token)?;
    Ok(token)
}

/// Forgets the bot token; forgetting a missing one is not an error. Blocking.
pub fn delete(secrets: &dyn SecretStore) -> Result<(), SecretError> {
    secrets.delete_named(BOT_TOKEN_ACCOUNT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecretStore;

    /// A token-shaped string made at run time (no literal token in the sources).
    pub(crate) fn fake_bot_token() -> String {
        let key: String = (0..35)
            .map(|i| {
                let a: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
                a[(i * 11 + 5) % a.len()]
            })
            .collect();
        format!("{}:{key}", 7_000_000_000u64 + 4242)
    }

    #[test]
    fn a_bot_token_is_trimmed_and_redacted() {
        let raw = fake_bot_token();
        let t = parse_bot_token(&format!("  {raw}\n")).unwrap();
        assert_eq!(t.expose(), raw);
        assert_eq!(format!("{t:?}"), "<redacted>");
    }

    #[test]
    fn malformed_bot_tokens_are_refused_without_echoing_them() {
        let raw = fake_bot_token();
        let (id, key) = raw.split_once(':').unwrap();
        let cases = [
            String::new(),
            key.to_owned(),
            format!("bot{id}:{key}"),
            format!("{id}:{}", &key[..10]),
            format!("{id}:{} {}", &key[..10], &key[10..]),
            format!("{id}:{}é", &key[..30]),
        ];
        for c in cases {
            let e = parse_bot_token(&c).unwrap_err();
            assert_eq!(e.code(), "secret_malformed");
            let text = e.to_string();
            assert!(text.contains("@BotFather"), "{text}");
            assert!(!text.contains(&key[..10]), "echoes the token: {text}");
        }
    }

    #[test]
    fn the_bot_token_is_kept_under_its_own_keyring_account() {
        let store = MemorySecretStore::new();
        assert_eq!(load(&store).unwrap(), None);
        let raw = fake_bot_token();
        save(&store, &raw).unwrap();
        assert_eq!(load(&store).unwrap().unwrap().expose(), raw);
        delete(&store).unwrap();
        delete(&store).unwrap();
        assert_eq!(load(&store).unwrap(), None);
        assert!(save(&store, "nope").is_err());
    }
}
