//! The history search: FTS5 on SQLite (hostile text included), and the same
//! results from PostgreSQL's index of FTS5's own tokens (issue 15).

use super::history::search;
use super::{file_store, new_gen, on_both, secs, t0};
use crate::model::GenerationStatus as S;
use crate::store::history::fts_query;
use crate::store::{HistoryQuery, QueueStore};

#[test]
fn bundled_sqlite_has_fts5() {
    let (_dir, store) = file_store();
    let has: bool = store
        .with_conn(|c| {
            Ok(
                c.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert!(has, "rusqlite's bundled SQLite must be built with FTS5");
}

#[test]
fn search_finds_words_and_word_starts_case_and_accent_insensitively_newest_first() {
    on_both(|store| {
        let store = &**store;
        let add = |p: &str, at: i64| {
            store
                .insert_generations(&[new_gen(p)], t0() + secs(at))
                .unwrap()
                .remove(0)
        };
        let a = add("A Lighthouse at dusk", 0);
        let b = add("red fox in the snow", 1);
        let c = add("lighthouse, café, fox", 2);
        let d = add("Маяк на закате", 3);
        assert_eq!(search(store, "lighthouse"), [c.id, a.id]);
        assert_eq!(search(store, "LIGH"), [c.id, a.id], "a word start matches");
        assert_eq!(
            search(store, "fox lighthouse"),
            [c.id],
            "every word must match"
        );
        assert_eq!(search(store, "cafe"), [c.id], "accents are folded");
        assert_eq!(search(store, "CAFÉ"), [c.id], "in the query too");
        assert_eq!(search(store, "маяк"), [d.id], "Cyrillic folds case too");
        assert_eq!(search(store, "snow"), [b.id]);
        assert!(search(store, "zebra").is_empty());
        assert_eq!(search(store, "   ").len(), 4, "blank text is no filter");
    });
}

/// One history, searched on both stores: every query finds the same prompts
/// in the same order (issue 15: PostgreSQL indexes FTS5's own tokens).
#[test]
fn postgresql_finds_what_fts5_finds_for_the_same_history() {
    let Some(pg) = super::backends::pg_store() else {
        return;
    };
    let (_dir, sqlite) = file_store();
    let prompts = [
        "Café au lait on a rainy morning",
        "cafe racer motorcycle, chrome",
        "Ångström-scale crystal lattice",
        "naïve painting of a fox; naive style",
        "ice-cream cone with sprinkles",
        "cream ice sculpture",
        "Ёлка в снегу, ночь",
        "елка и ёжик",
        "Маяк на закате",
        "Straße in München, Łódź tram",
        "ſtrange long s and Æsir runes",
        "1.5x zoom, 4k, f/1.8, 35mm",
        "don't stop — it's fine",
        "ΈΛΛΑΔΑ ελλάδα Ελλάδα",
        "emoji 💥 only 🐈‍⬛ cat",
        "under_score and hyphen-ated and slash/word",
        "日本語のプロンプト 東京",
        "x\ty control char",
    ];
    for (i, p) in prompts.iter().enumerate() {
        let at = t0() + secs(i as i64);
        sqlite.insert_generations(&[new_gen(p)], at).unwrap();
        pg.insert_generations(&[new_gen(p)], at).unwrap();
    }
    let prompts_found = |store: &dyn QueueStore, text: &str| -> Vec<String> {
        let q = HistoryQuery {
            text: Some(text.to_owned()),
            ..HistoryQuery::default()
        };
        let page = store.history(&q).unwrap();
        page.items
            .iter()
            .map(|g| g.prompt_excerpt.clone())
            .collect()
    };
    let queries = [
        "cafe",
        "CAFÉ",
        "caf",
        "angstrom",
        "ångström",
        "naive",
        "ice-cream",
        "ice-cre",
        "cream ice",
        "ice",
        "ёлка",
        "елка",
        "ЁЖ",
        "strasse",
        "straße",
        "lodz",
        "łódź",
        "strange",
        "ſtrange",
        "æsir",
        "aesir",
        "1.5x",
        "5x",
        "35",
        "don't",
        "dont",
        "it",
        "ελλαδα",
        "ελλάδα",
        "έλλ",
        "💥",
        "cat 💥",
        "under_score",
        "hyphen-ated",
        "ated",
        "slash/word",
        "東京",
        "日本語",
        "control",
        "\"quoted\"",
        "NOT",
        "-minus",
        "",
        "x y",
        "ice cream",
        "e",
        "z",
    ];
    let mut hits = 0;
    for text in queries {
        let on_sqlite = prompts_found(&sqlite, text);
        let on_pg = prompts_found(&pg, text);
        assert_eq!(on_pg, on_sqlite, "search {text:?}");
        hits += on_sqlite.len();
    }
    assert!(hits > queries.len(), "the queries find rows ({hits} hits)");
}

#[test]
fn hostile_text_is_searched_as_plain_words() {
    on_both(|store| {
        let hostile = [
            r#"a "quoted" word"#,
            "star* power",
            "-minus NOT this",
            "col:on prompt:x",
            "NEAR(a b) AND OR",
            "(unbalanced",
            "^caret {brace} [bracket]",
            r#"back\slash ' single"#,
            "",
        ];
        for (i, p) in hostile.iter().enumerate() {
            if !p.is_empty() {
                store
                    .insert_generation(&new_gen(p), t0() + secs(i as i64))
                    .unwrap();
            }
        }
        let plain = store
            .insert_generation(&new_gen("an ordinary prompt"), t0() + secs(100))
            .unwrap();
        // Not one of these may be an FTS5 syntax error.
        for text in hostile.iter().chain(&[
            "\"", "\"\"", "*", "-", ":", "\"*\"", "a\"b", "AND", "OR NOT", "prompt:", "💥",
            "NEAR(", "x\u{0}y",
        ]) {
            let q = HistoryQuery {
                text: Some((*text).to_owned()),
                ..HistoryQuery::default()
            };
            store
                .history(&q)
                .unwrap_or_else(|e| panic!("search {text:?} failed: {e}"));
        }
        assert_eq!(search(&**store, r#""quoted""#).len(), 1);
        assert_eq!(search(&**store, "star*").len(), 1);
        assert_eq!(
            search(&**store, "-minus").len(),
            1,
            "a leading - is not NOT"
        );
        assert_eq!(search(&**store, "NOT").len(), 1, "keywords are words");
        assert_eq!(search(&**store, "prompt:x").len(), 1, "no column filter");
        assert_eq!(
            search(&**store, "prompt").len(),
            2,
            "prompt:x and ordinary prompt"
        );
        assert_eq!(search(&**store, "(unbalanced").len(), 1);
        assert_eq!(search(&**store, "ordinary")[0], plain.id);
        assert_eq!(
            search(&**store, "*").len(),
            hostile.len(),
            "punctuation only is no filter"
        );
    });
}

#[test]
fn fts_query_quotes_every_word() {
    assert_eq!(fts_query("a b").as_deref(), Some(r#""a"* "b"*"#));
    assert_eq!(
        fts_query(r#"say "hi""#).as_deref(),
        Some(r#""say"* """hi"""*"#)
    );
    assert_eq!(fts_query("- * :"), None);
    assert_eq!(fts_query(""), None);
}

#[test]
fn search_follows_prompt_changes_and_deletes() {
    let (_dir, store) = file_store();
    let g = store
        .insert_generation(&new_gen("old words"), t0())
        .unwrap();
    store
        .update_generation(g.id, |g| g.prompt = "new words".into())
        .unwrap();
    assert!(search(&store, "old").is_empty());
    assert_eq!(search(&store, "new"), [g.id]);
    // An update that leaves the prompt alone keeps it findable.
    store
        .update_generation(g.id, |g| g.status = S::Processing)
        .unwrap();
    assert_eq!(search(&store, "words"), [g.id]);
    store.delete_generation(g.id).unwrap();
    assert!(search(&store, "words").is_empty());
    let integrity: String = store
        .with_conn(|c| {
            c.execute(
                "INSERT INTO generations_fts (generations_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )?;
            Ok("ok".to_owned())
        })
        .unwrap();
    assert_eq!(integrity, "ok");
}
