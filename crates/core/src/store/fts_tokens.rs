//! The words of a prompt as the history search sees them: SQLite's FTS5
//! `unicode61` tokenizer with `remove_diacritics 2`, the one the SQLite
//! store indexes prompts with (`migrations/0003_history.sql`).
//!
//! The PostgreSQL store indexes and searches these very tokens (a
//! `tsvector` written from them, a `tsquery` built from them), so a search
//! finds the same rows on both stores (issue 15): PostgreSQL's own parser and
//! `unaccent` split and fold differently (FTS5 folds `ё` to itself and `ſ` to
//! `s`, keeps `ǡ`; PostgreSQL lowers by the database's locale).
//!
//! The tokenizer is FTS5's own, run on a private in-memory SQLite database
//! (bundled SQLite, so the same code on every machine): a prompt is inserted
//! in a transaction that is rolled back, its tokens read through `fts5vocab`.

use std::sync::{Mutex, OnceLock};

use rusqlite::Connection;

/// The FTS5 `tokenize` option of `generations_fts` (migration 0003).
pub(crate) const FTS5_TOKENIZE: &str = "unicode61 remove_diacritics 2";

/// PostgreSQL keeps word positions up to this (larger ones are stored as it).
const PG_MAX_POSITION: usize = 16_383;

fn tokenizer() -> &'static Mutex<Connection> {
    static CONN: OnceLock<Mutex<Connection>> = OnceLock::new();
    CONN.get_or_init(|| {
        let conn = Connection::open_in_memory().expect("an in-memory SQLite database opens");
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE words USING fts5 (text, tokenize = '{FTS5_TOKENIZE}');
             CREATE VIRTUAL TABLE words_seen USING fts5vocab (words, 'instance');"
        ))
        .expect("bundled SQLite has FTS5");
        Mutex::new(conn)
    })
}

/// `text`'s tokens in order, case and diacritics folded as FTS5 folds them
/// (`"Café au LAIT"` → `["cafe", "au", "lait"]`).
pub fn tokens(text: &str) -> Vec<String> {
    if !text.chars().any(char::is_alphanumeric) {
        return Vec::new();
    }
    let conn = tokenizer().lock().unwrap_or_else(|p| p.into_inner());
    let read = || -> rusqlite::Result<Vec<String>> {
        conn.execute_batch("BEGIN")?;
        conn.prepare_cached("INSERT INTO words (rowid, text) VALUES (1, ?1)")?
            .execute([text])?;
        let mut stmt = conn.prepare_cached("SELECT term FROM words_seen ORDER BY offset")?;
        let found = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>();
        conn.execute_batch("ROLLBACK")?;
        found
    };
    read().unwrap_or_else(|_| {
        let _ = conn.execute_batch("ROLLBACK");
        Vec::new()
    })
}

/// A lexeme quoted for PostgreSQL's `tsvector`/`tsquery` input syntax.
fn quoted(lexeme: &str) -> String {
    format!("'{}'", lexeme.replace('\\', "\\\\").replace('\'', "''"))
}

/// `prompt`'s tokens as PostgreSQL `tsvector` text with positions
/// (`'cafe':1 'au':2 'lait':3`), read by `::tsvector` without any parsing
/// or folding of PostgreSQL's own. Empty text for a prompt without words.
pub fn pg_tsvector(prompt: &str) -> String {
    tokens(prompt)
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}:{}", quoted(t), (i + 1).min(PG_MAX_POSITION)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a person typed, as the PostgreSQL `tsquery` that matches what the
/// SQLite store's FTS5 query ([`super::history::fts_query`]) matches: each
/// whitespace-separated chunk is a phrase of its tokens in order whose last
/// token may be the start of a word (`"ice-cre"` → `'ice' <-> 'cre':*`),
/// and every chunk must match. `None` when no word remains (no filter).
pub fn pg_tsquery(text: &str) -> Option<String> {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let phrases: Vec<String> = text
        .split_whitespace()
        .filter_map(|chunk| {
            let words = tokens(chunk);
            let (last, rest) = words.split_last()?;
            let mut parts: Vec<String> = rest.iter().map(|w| quoted(w)).collect();
            parts.push(format!("{}:*", quoted(last)));
            Some(format!("({})", parts.join(" <-> ")))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_case_and_latin_diacritics_as_fts5_does() {
        assert_eq!(tokens("Café au LAIT"), ["cafe", "au", "lait"]);
        assert_eq!(tokens("Маяк, ёлка"), ["маяк", "ёлка"]);
        assert_eq!(tokens("ice-cream 1.5x"), ["ice", "cream", "1", "5x"]);
        assert!(tokens(" -- 💥 ").is_empty());
    }

    #[test]
    fn the_tokenizer_is_the_one_the_sqlite_store_indexes_with() {
        let migration = include_str!("../../../../migrations/0003_history.sql");
        assert!(migration.contains(&format!("tokenize = '{FTS5_TOKENIZE}'")));
    }

    #[test]
    fn pg_text_is_quoted_lexemes_with_positions() {
        assert_eq!(
            pg_tsvector("A café, a CAFÉ"),
            "'a':1 'cafe':2 'a':3 'cafe':4"
        );
        assert_eq!(pg_tsvector("!!"), "");
        assert_eq!(
            pg_tsquery("Ice-Cre  maяк").as_deref(),
            Some("('ice' <-> 'cre':*) & ('maяк':*)")
        );
        assert_eq!(
            pg_tsquery("a'b & c:*|!(").as_deref(),
            Some("('a' <-> 'b':*) & ('c':*)")
        );
        assert_eq!(pg_tsquery(" -- ' \u{0} ").as_deref(), None);
    }
}
