//! Saving a prediction's outputs into `<data dir>/outputs/<generation id>/`.
//!
//! Each file is streamed to a hidden temporary file (`.<n>.part`), capped in
//! size, checked against its `Content-Length`, then renamed to `<n>.<ext>`
//! where the extension comes from the content's magic bytes — never from the
//! URL — and `<n>-<key>.<ext>` for a file under an object key of the output
//! (`{"video": url}` → `0-video.webm`). Text in the output is saved beside
//! them as `text.txt` or `output.json` ([`OutputText`]). A kill at any moment
//! leaves either no file or a whole one (plus a `.part`, removed at the next
//! attempt).

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::replicate::output_text::file_stem_of_key;
use crate::replicate::{ApiError, ApiErrorKind, OutputRef, OutputText, ReplicateClient};
use crate::secrets::Secret;

/// Why an output could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The file is gone on Replicate (404/410): outputs expire after an hour.
    #[error("the output file has expired on Replicate")]
    Expired,
    /// The server or the network failed; worth another try.
    #[error("downloading an output failed: {0}")]
    Transient(String),
    /// Bigger than the size cap.
    #[error("an output is larger than the {0} MB limit")]
    TooLarge(u64),
    /// Fewer bytes than announced: the connection was cut.
    #[error("an output download was cut short ({got} of {expected} bytes)")]
    Truncated { got: u64, expected: u64 },
    /// The server sent an empty file.
    #[error("an output arrived empty (0 bytes)")]
    Empty,
    /// Writing the file failed (disk full, permissions…).
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Any other refusal.
    #[error("an output could not be downloaded: {0}")]
    Refused(String),
}

impl DownloadError {
    /// Another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Transient(_) | Self::Truncated { .. } | Self::Empty
        )
    }
}

use super::sniff::SNIFF_LEN;
pub use super::sniff::sniff_extension;

/// Files smaller than this (1 MiB) download without progress readings:
/// they take a blink, and a batch of pictures would flood the events.
pub const PROGRESS_FROM: u64 = 1 << 20;

/// Without a `Content-Length`, a reading every this many bytes (1 MiB).
const PROGRESS_STEP_UNKNOWN: u64 = 1 << 20;

/// Told how a download goes: `(output index, bytes received, total if known)`.
pub type OnProgress<'a> = &'a (dyn Fn(usize, u64, Option<u64>) + Send + Sync);

/// When to report: every 1 % of a known size, every MiB of an unknown one,
/// only past [`PROGRESS_FROM`] bytes (or from the start when the size says so).
struct ProgressSteps {
    total: Option<u64>,
    step: u64,
    next: u64,
}

impl ProgressSteps {
    fn new(total: Option<u64>) -> Self {
        let step = total.map_or(PROGRESS_STEP_UNKNOWN, |t| (t / 100).max(1));
        let next = match total {
            Some(t) if t >= PROGRESS_FROM => 0,
            Some(_) => u64::MAX,
            None => PROGRESS_FROM,
        };
        ProgressSteps { total, step, next }
    }

    /// True when `got` bytes deserve a reading; moves the next mark past it.
    fn due(&mut self, got: u64) -> bool {
        if got < self.next {
            return false;
        }
        self.next = (got / self.step + 1) * self.step;
        if let Some(t) = self.total {
            // The last reading is the whole file.
            self.next = self.next.min(t);
            if got >= t {
                self.next = u64::MAX;
            }
        }
        true
    }
}

/// Removes leftover `.part` files of an interrupted earlier attempt.
pub async fn clean_partials(dir: &Path) {
    let dir = dir.to_path_buf();
    let _ = tokio::task::spawn_blocking(move || remove_partials(&dir)).await;
}

fn remove_partials(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().ends_with(".part") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Runs blocking file work on tokio's blocking pool; a task that panicked
/// reads as a write error of `what`.
async fn blocking<T: Send + 'static>(
    what: &Path,
    f: impl FnOnce() -> Result<T, DownloadError> + Send + 'static,
) -> Result<T, DownloadError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DownloadError::Write {
            path: what.display().to_string(),
            source: std::io::Error::other(e),
        })?
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// The file name of output `i` with extension `ext`: `<i>.<ext>`, or
/// `<i>-<key>.<ext>` when it sat under an object key.
pub fn output_file_name(i: usize, key: Option<&str>, ext: &str) -> String {
    match key.and_then(file_stem_of_key) {
        Some(stem) => format!("{i}-{stem}.{ext}"),
        None => format!("{i}.{ext}"),
    }
}

/// Saves every output in order; returns the file names (`0.png`,
/// `1-audio.wav`, …) inside `dir`. `keys[i]` is output `i`'s object key
/// (see [`crate::replicate::named_outputs`]); missing entries count as none.
/// `saved[i]` is output `i`'s file name once it is fetched from its URL (by
/// this call, or by an earlier attempt, and then not fetched again); outputs
/// inlined as `data:` URIs are written in one go and not recorded there.
///
/// `token` is sent only when a plain request was refused (401/403) by a
/// Replicate host, never to another host.
pub async fn save_outputs(
    client: &ReplicateClient,
    outputs: &[OutputRef],
    keys: &[Option<String>],
    dir: &Path,
    saved: &mut [Option<String>],
    token: &Secret,
    max_bytes: u64,
    progress: OnProgress<'_>,
) -> Result<Vec<String>, DownloadError> {
    let key_of = |i: usize| keys.get(i).cloned().flatten();
    // Outputs inlined as `data:` URIs (the common case with `Prefer: wait`):
    // the folder, the clean-up and every file in one blocking task, rather
    // than several thread-pool hops per file (issue 12: drain).
    if outputs.iter().all(|o| matches!(o, OutputRef::Data { .. })) {
        let dir = dir.to_path_buf();
        let files: Vec<(Vec<u8>, Option<String>)> = outputs
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                OutputRef::Data { bytes, .. } => (bytes.clone(), key_of(i)),
                OutputRef::Url(_) => unreachable!("checked above"),
            })
            .collect();
        return blocking(&dir.clone(), move || {
            prepare_dir(&dir)?;
            files
                .iter()
                .enumerate()
                .map(|(i, (bytes, key))| write_inline(&dir, i, bytes, key.as_deref(), max_bytes))
                .collect()
        })
        .await;
    }
    let owned = dir.to_path_buf();
    blocking(dir, move || prepare_dir(&owned)).await?;
    let mut names = Vec::with_capacity(outputs.len());
    for (i, out) in outputs.iter().enumerate() {
        if let Some(name) = saved.get(i).cloned().flatten() {
            names.push(name);
            continue;
        }
        let key = key_of(i);
        let name = match out {
            OutputRef::Data { bytes, .. } => {
                let (dir, bytes) = (dir.to_path_buf(), bytes.clone());
                blocking(&dir.clone(), move || {
                    write_inline(&dir, i, &bytes, key.as_deref(), max_bytes)
                })
                .await?
            }
            OutputRef::Url(url) => {
                let part = dir.join(format!(".{i}.part"));
                let report = |got: u64, total: Option<u64>| progress(i, got, total);
                let ext = fetch_to(client, url, token, &part, max_bytes, &report).await?;
                let name = output_file_name(i, key.as_deref(), ext);
                let dest: PathBuf = dir.join(&name);
                tokio::fs::rename(&part, &dest)
                    .await
                    .map_err(write_err(&dest))?;
                name
            }
        };
        if let Some(slot) = saved.get_mut(i) {
            *slot = Some(name.clone());
        }
        names.push(name);
    }
    Ok(names)
}

/// Creates the output folder and removes leftover `.part` files of an
/// interrupted earlier attempt (blocking).
fn prepare_dir(dir: &Path) -> Result<(), DownloadError> {
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    remove_partials(dir);
    Ok(())
}

/// Writes inline output `i` (already decoded) through its `.part` file and
/// names it by its bytes' type; returns the file name (blocking: small files
/// from `data:` URIs).
fn write_inline(
    dir: &Path,
    i: usize,
    bytes: &[u8],
    key: Option<&str>,
    max_bytes: u64,
) -> Result<String, DownloadError> {
    if bytes.is_empty() {
        return Err(DownloadError::Empty);
    }
    if bytes.len() as u64 > max_bytes {
        return Err(DownloadError::TooLarge(max_bytes / 1_000_000));
    }
    let part = dir.join(format!(".{i}.part"));
    std::fs::write(&part, bytes).map_err(write_err(&part))?;
    let ext = sniff_extension(&bytes[..bytes.len().min(SNIFF_LEN)]);
    let name = output_file_name(i, key, ext);
    let dest = dir.join(&name);
    std::fs::rename(&part, &dest).map_err(write_err(&dest))?;
    Ok(name)
}

/// Writes the output's text into `dir` (through a `.part` file, like the
/// other outputs); returns its file name (`text.txt` or `output.json`).
pub async fn save_text(dir: &Path, text: &OutputText) -> Result<String, DownloadError> {
    let name = text.file_name().to_owned();
    let (owned, bytes) = (dir.to_path_buf(), text.as_str().as_bytes().to_vec());
    blocking(dir, move || {
        std::fs::create_dir_all(&owned).map_err(write_err(&owned))?;
        let part = owned.join(format!(".{name}.part"));
        std::fs::write(&part, bytes).map_err(write_err(&part))?;
        let dest = owned.join(&name);
        std::fs::rename(&part, &dest).map_err(write_err(&dest))?;
        Ok(name)
    })
    .await
}

fn is_replicate_host(url: &str, client: &ReplicateClient) -> bool {
    let host = |u: &str| {
        reqwest::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    match host(url) {
        Some(h) => {
            h == "replicate.delivery"
                || h.ends_with(".replicate.delivery")
                || h.ends_with(".replicate.com")
                || Some(&h) == host(client.base_url()).as_ref()
        }
        None => false,
    }
}

async fn fetch_to(
    client: &ReplicateClient,
    url: &str,
    token: &Secret,
    part: &Path,
    max_bytes: u64,
    progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
) -> Result<&'static str, DownloadError> {
    let resp = match client.download(url, None).await {
        Err(e)
            if matches!(e.kind, ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden)
                && is_replicate_host(url, client) =>
        {
            client.download(url, Some(token)).await
        }
        r => r,
    }
    .map_err(map_api)?;
    let expected = resp.content_length();
    if expected.is_some_and(|n| n > max_bytes) {
        return Err(DownloadError::TooLarge(max_bytes / 1_000_000));
    }
    let mut file = tokio::fs::File::create(part)
        .await
        .map_err(write_err(part))?;
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
    let mut got: u64 = 0;
    let mut steps = ProgressSteps::new(expected);
    if steps.due(0) {
        progress(0, expected);
    }
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| DownloadError::Transient(e.to_string()))?;
        got += chunk.len() as u64;
        if got > max_bytes {
            drop(file);
            let _ = tokio::fs::remove_file(part).await;
            return Err(DownloadError::TooLarge(max_bytes / 1_000_000));
        }
        if head.len() < SNIFF_LEN {
            head.extend_from_slice(&chunk[..chunk.len().min(SNIFF_LEN - head.len())]);
        }
        file.write_all(&chunk).await.map_err(write_err(part))?;
        if steps.due(got) {
            progress(got, expected);
        }
    }
    file.flush().await.map_err(write_err(part))?;
    file.sync_all().await.map_err(write_err(part))?;
    if let Some(expected) = expected {
        if got != expected {
            return Err(DownloadError::Truncated { got, expected });
        }
    }
    if got == 0 {
        return Err(DownloadError::Empty);
    }
    Ok(sniff_extension(&head))
}

fn map_api(e: ApiError) -> DownloadError {
    match e.kind {
        ApiErrorKind::NotFound => DownloadError::Expired,
        ApiErrorKind::OtherStatus if e.status == Some(410) => DownloadError::Expired,
        _ if e.is_transient() => DownloadError::Transient(e.to_string()),
        _ => DownloadError::Refused(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readings a download of `total` bytes gives, chunk by chunk.
    fn readings(total: Option<u64>, chunks: &[u64]) -> Vec<u64> {
        let mut steps = ProgressSteps::new(total);
        let mut got = 0;
        let mut out = Vec::new();
        if steps.due(0) {
            out.push(0);
        }
        for c in chunks {
            got += c;
            if steps.due(got) {
                out.push(got);
            }
        }
        out
    }

    #[test]
    fn a_large_download_reports_each_percent_and_ends_on_its_size() {
        let total = 10 * PROGRESS_FROM;
        let r = readings(Some(total), &vec![16 * 1024; 640]);
        assert_eq!(r.first(), Some(&0));
        assert_eq!(r.last(), Some(&total), "the last reading is the whole file");
        assert!(
            (95..=102).contains(&r.len()),
            "about one a percent: {}",
            r.len()
        );
        assert!(r.windows(2).all(|w| w[0] < w[1]), "growing");
    }

    #[test]
    fn small_downloads_report_nothing_and_unknown_sizes_report_each_mib() {
        assert!(readings(Some(PROGRESS_FROM - 1), &[PROGRESS_FROM - 1]).is_empty());
        let r = readings(None, &vec![256 * 1024; 12]);
        assert_eq!(r, vec![PROGRESS_FROM, 2 * PROGRESS_FROM, 3 * PROGRESS_FROM]);
        assert!(readings(None, &[1000]).is_empty());
    }

    #[test]
    fn files_under_an_object_key_are_named_by_it() {
        assert_eq!(output_file_name(0, None, "png"), "0.png");
        assert_eq!(output_file_name(1, Some("audio"), "wav"), "1-audio.wav");
        assert_eq!(output_file_name(2, Some("../x y"), "mp4"), "2-x_y.mp4");
        assert_eq!(output_file_name(3, Some("/"), "bin"), "3.bin");
    }
}
