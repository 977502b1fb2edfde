//! A generation's input files as the token it runs on sends them, made right
//! before the create (after the token is claimed, with that token).
//!
//! The stored input names kept files (`genqueue-input:<sha256>.<ext>`, see
//! [`crate::submit::files`]). Each becomes:
//! - a `data:` URI when it is at most [`INLINE_MAX_BYTES`] (Replicate's
//!   docs: "use a data URL when you have a small file <= 256kb");
//! - else the `urls.get` of a file uploaded with the token's account
//!   (`POST /v1/files`): files are visible only to the account that uploaded
//!   them, so a generation that moves to another token (429, disabled
//!   token, retry) uploads again there.
//!
//! Uploads are kept in the store per token and content
//! ([`crate::store::InputUpload`]) and reused while they have more than
//! [`REUSE_MARGIN`] to live (Replicate deletes them 24 h after the upload):
//! the same bytes are uploaded once per account and day, and one upload at a
//! time per token and content (twenty generations of one picture starting
//! together wait for the first one's upload).
//!
//! A failed upload: refused token or 429 → the generation goes back to the
//! queue for another token (token rules); 413 or 400/422 → it fails with
//! the reason; a dropped connection, time-out or 5xx → tried again with
//! backoff, [`UPLOAD_TRIES`] times, then it fails with the reason.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::Shared;
use super::schedule::jittered_backoff;
use super::steps::{Result, fail, release};
use super::tokens::judge;
use crate::model::{ErrorKind, Generation, TokenId};
use crate::paths::input_ref_path;
use crate::queue::Verdict;
use crate::replicate::ApiError;
use crate::secrets::Secret;
use crate::store::InputUpload;
use crate::submit::files::{INPUT_SCHEME, data_uri, mime_of};

/// Files up to this size go inline as `data:` URIs (256 KiB).
pub const INLINE_MAX_BYTES: usize = 256 * 1024;
/// An upload is reused while it has at least this long to live: the
/// prediction must still be able to read it when it starts.
pub const REUSE_MARGIN: Duration = Duration::from_secs(60 * 60);
/// Upload attempts for transient failures before the generation fails.
pub const UPLOAD_TRIES: u32 = 4;

/// A lock per (token, SHA-256 of the content).
type LockMap = HashMap<(String, String), Arc<tokio::sync::Mutex<()>>>;

/// One upload at a time per (account, content): the account's name when
/// recorded, else the token's id.
#[derive(Default)]
pub(crate) struct UploadLocks(Mutex<LockMap>);

impl UploadLocks {
    fn lock_for(&self, account: String, sha: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, m| Arc::strong_count(m) > 1);
        map.entry((account, sha.to_owned())).or_default().clone()
    }
}

/// The kept files an input names, each once, in order.
pub fn kept_files(input: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(input, &mut |s| {
        if let Some(name) = s.strip_prefix(INPUT_SCHEME) {
            out.insert(name.to_owned());
        }
    });
    out
}

fn walk(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|i| walk(i, f)),
        Value::Object(map) => map.values().for_each(|i| walk(i, f)),
        _ => {}
    }
}

fn replace(v: &mut Value, with: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(new) = s.strip_prefix(INPUT_SCHEME).and_then(|n| with.get(n)) {
                *s = new.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace(i, with)),
        Value::Object(map) => map.values_mut().for_each(|i| replace(i, with)),
        _ => {}
    }
}

/// Whether `sent` (a prediction's input as Replicate shows it) is `ours`
/// once our kept files are sent: equal, except that where ours names a kept
/// file, theirs may hold any string (the `data:` URI or upload URL it was
/// sent as on that token).
pub fn same_input(sent: &Value, ours: &Value) -> bool {
    match (sent, ours) {
        (Value::String(_), Value::String(o)) if o.starts_with(INPUT_SCHEME) => true,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_input(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| same_input(x, y)))
        }
        _ => sent == ours,
    }
}

/// The input to send for `g` on `token_id`. `None`: the generation went back
/// to the queue (the token is out) or failed (the reason is recorded).
pub(super) async fn wire_input(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
) -> Result<Option<Value>> {
    let files = kept_files(&g.input);
    if files.is_empty() {
        return Ok(Some(g.input.clone()));
    }
    let mut sent_as = HashMap::new();
    for name in files {
        let path = input_ref_path(s.queue.data_dir(), &name);
        let bytes = match path {
            Some(p) => tokio::fs::read(&p).await.map_err(|e| (p, e)),
            None => Err((name.clone().into(), std::io::ErrorKind::InvalidInput.into())),
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err((p, e)) => {
                fail(
                    s,
                    g.id,
                    ErrorKind::InputFileUnreadable,
                    Some(format!("{}: {e}", p.display())),
                )?;
                return Ok(None);
            }
        };
        let mime = mime_of(&name);
        if bytes.len() <= INLINE_MAX_BYTES {
            sent_as.insert(name, data_uri(mime, &bytes));
            continue;
        }
        match uploaded(s, g, token_id, secret, &name, &bytes).await? {
            Some(url) => sent_as.insert(name, url),
            None => return Ok(None),
        };
    }
    let mut input = g.input.clone();
    replace(&mut input, &sent_as);
    Ok(Some(input))
}

/// The upload URL of `name` for `token_id`: a valid earlier one, or a new
/// upload. `None`: the generation was released or failed.
async fn uploaded(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
    name: &str,
    bytes: &[u8],
) -> Result<Option<String>> {
    let sha = name.split('.').next().unwrap_or(name).to_owned();
    // Another token of the same account may be uploading these bytes: wait
    // for it, then reuse its upload.
    let account = match s.queue.store().token_account(token_id)? {
        Some(name) => format!("account:{name}"),
        None => format!("token:{token_id}"),
    };
    let lock = s.uploads.lock_for(account, &sha);
    let _turn = lock.lock().await;
    let margin = chrono::Duration::from_std(REUSE_MARGIN).unwrap_or_default();
    if let Some(u) = s.queue.store().input_upload(token_id, &sha)?
        && u.expires_at > s.queue.now() + margin
    {
        return Ok(Some(u.url));
    }
    let mut tries = 0;
    loop {
        tries += 1;
        let res = s
            .queue
            .client()
            .create_file(secret, bytes, name, mime_of(name))
            .await;
        let verdict = judge(s, token_id, &res)?;
        let e = match res {
            Ok(f) => {
                let now = s.queue.now();
                let lifetime = chrono::Duration::from_std(crate::replicate::files::FILE_LIFETIME)
                    .unwrap_or_default();
                let upload = InputUpload {
                    token_id,
                    sha256: sha.clone(),
                    file_id: f.id,
                    url: f.url,
                    size: bytes.len() as u64,
                    uploaded_at: now,
                    expires_at: f.expires_at.unwrap_or(now + lifetime),
                };
                s.queue.store().record_input_upload(&upload)?;
                tracing::info!(generation = %g.id, token = %token_id, bytes = bytes.len(), "input file uploaded");
                return Ok(Some(upload.url));
            }
            Err(e) => e,
        };
        let mb = bytes.len() as f64 / (1024.0 * 1024.0);
        match verdict {
            Some(Verdict::Disable { .. } | Verdict::CoolDown { .. }) => {
                release(s, g.id, None, None, true)?;
                return Ok(None);
            }
            _ if e.status == Some(413) => {
                return give_up(
                    s,
                    g,
                    ErrorKind::InputFileTooLarge,
                    format!("{name} ({mb:.1} MiB): {}", e.cause()),
                );
            }
            Some(Verdict::Rejected { detail }) => {
                return give_up(
                    s,
                    g,
                    ErrorKind::InputFileRejected,
                    format!("{name}: {detail}"),
                );
            }
            Some(Verdict::NotSent | Verdict::MaybeActed) if tries < UPLOAD_TRIES => {
                let wait = jittered_backoff(s.config.retry_base, tries, s.config.retry_cap);
                tracing::warn!(generation = %g.id, error = %e, tries, "input upload failed; trying again");
                tokio::time::sleep(wait).await;
            }
            _ => {
                return give_up(
                    s,
                    g,
                    ErrorKind::UploadFailed,
                    upload_failed(name, tries, &e),
                );
            }
        }
    }
}

/// The detail of a failed upload: the file, the tries, the last cause.
fn upload_failed(name: &str, tries: u32, e: &ApiError) -> String {
    format!("{name} (×{tries}): {}", e.cause())
}

fn give_up(
    s: &Arc<Shared>,
    g: &Generation,
    kind: ErrorKind,
    detail: String,
) -> Result<Option<String>> {
    fail(s, g.id, kind, Some(detail))?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kept_files_are_found_anywhere_in_the_input_once() {
        let input = json!({"prompt": "x", "image": "genqueue-input:a.png",
                           "images": ["genqueue-input:b.png", "https://e.com/c.png", "genqueue-input:a.png"]});
        let names: Vec<String> = kept_files(&input).into_iter().collect();
        assert_eq!(names, vec!["a.png", "b.png"]);
    }

    #[test]
    fn a_sent_input_matches_ours_whatever_our_files_were_sent_as() {
        let ours = json!({"prompt": "x", "image": "genqueue-input:a.png", "n": 1});
        let sent =
            json!({"prompt": "x", "image": "https://api.replicate.com/v1/files/abc", "n": 1});
        assert!(same_input(&sent, &ours));
        assert!(!same_input(
            &json!({"prompt": "y", "image": "z", "n": 1}),
            &ours
        ));
        assert!(!same_input(&json!({"prompt": "x", "n": 1}), &ours));
        assert!(same_input(&json!({"a": [1, 2]}), &json!({"a": [1, 2]})));
    }
}
