//! Uploads shared by the tokens of one Replicate account, and the kept
//! input files a generation still names, on both stores.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use super::{new_gen, on_both};
use crate::model::TokenId;
use crate::store::InputUpload;

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 14, h, 0, 0).unwrap()
}

fn upload(token_id: TokenId, file_id: &str, when: DateTime<Utc>) -> InputUpload {
    InputUpload {
        token_id,
        sha256: "cd".repeat(32),
        file_id: file_id.into(),
        url: format!("https://api.replicate.com/v1/files/{file_id}"),
        size: 1_000,
        uploaded_at: when,
        expires_at: when + Duration::hours(24),
    }
}

#[test]
fn an_upload_is_reused_by_another_token_of_the_same_account_only() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", at(9)).unwrap();
        let b = store.insert_token("b", "bbbb", at(9)).unwrap();
        let other = store.insert_token("c", "cccc", at(9)).unwrap();
        let sha = "cd".repeat(32);
        store
            .record_input_upload(&upload(a.id, "f1", at(9)))
            .unwrap();
        // Accounts not known yet: per token only.
        assert_eq!(store.token_account(b.id).unwrap(), None);
        assert_eq!(store.input_upload(b.id, &sha).unwrap(), None);
        store.set_token_account(a.id, "acme").unwrap();
        store.set_token_account(b.id, "acme").unwrap();
        store.set_token_account(other.id, "someone-else").unwrap();
        assert_eq!(store.token_account(b.id).unwrap().as_deref(), Some("acme"));
        assert_eq!(
            store.input_upload(b.id, &sha).unwrap(),
            Some(upload(a.id, "f1", at(9))),
            "b reads what a uploaded: one account"
        );
        assert_eq!(store.input_upload(other.id, &sha).unwrap(), None);
        // Of two uploads readable, the one that lives longest.
        store
            .record_input_upload(&upload(b.id, "f2", at(11)))
            .unwrap();
        assert_eq!(
            store.input_upload(a.id, &sha).unwrap().map(|u| u.file_id),
            Some("f2".to_owned())
        );
    });
}

#[test]
fn kept_input_names_are_those_some_generation_still_names() {
    on_both(|store| {
        let mut n = new_gen("edit");
        n.input = json!({
            "prompt": "edit",
            "image": "genqueue-input:0a1b.png",
            "refs": ["genqueue-input:2c3d.webp", "https://example.com/x.png"]
        });
        store.insert_generation(&n, at(9)).unwrap();
        store.insert_generation(&new_gen("plain"), at(9)).unwrap();
        let mut names: Vec<String> = store.kept_input_names().unwrap().into_iter().collect();
        names.sort();
        assert_eq!(names, ["0a1b.png", "2c3d.webp"]);
    });
}
