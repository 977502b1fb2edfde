//! Saving a prediction's outputs into `<data dir>/outputs/<generation id>/`.
//!
//! Each file is streamed to a hidden temporary file (`.<n>.part`), capped in
//! size, checked against its `Content-Length`, then renamed to `<n>.<ext>`
//! where the extension comes from the content's magic bytes — never from the
//! URL. A kill at any moment leaves either no file or a whole one (plus a
//! `.part`, removed at the next attempt).

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::replicate::{ApiError, ApiErrorKind, OutputRef, ReplicateClient};
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

/// Image formats recognised from their first bytes, with the extension used.
pub fn sniff_extension(head: &[u8]) -> &'static str {
    match head {
        [0x89, b'P', b'N', b'G', ..] => "png",
        [0xFF, 0xD8, 0xFF, ..] => "jpg",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "webp",
        [b'G', b'I', b'F', b'8', ..] => "gif",
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'a',
            b'v',
            b'i',
            b'f',
            ..,
        ] => "avif",
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => "mp4",
        _ => "bin",
    }
}

/// Removes leftover `.part` files of an interrupted earlier attempt.
pub async fn clean_partials(dir: &Path) {
    let Ok(mut rd) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(e)) = rd.next_entry().await {
        let name = e.file_name();
        if name.to_string_lossy().ends_with(".part") {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// Saves every output in order; returns the file names (`0.png`, …) inside `dir`.
///
/// `token` is sent only when a plain request was refused (401/403) by a
/// Replicate host, never to another host.
pub async fn save_outputs(
    client: &ReplicateClient,
    outputs: &[OutputRef],
    dir: &Path,
    token: &Secret,
    max_bytes: u64,
) -> Result<Vec<String>, DownloadError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(write_err(dir))?;
    clean_partials(dir).await;
    let mut names = Vec::with_capacity(outputs.len());
    for (i, out) in outputs.iter().enumerate() {
        let part = dir.join(format!(".{i}.part"));
        let ext = match out {
            OutputRef::Data { bytes, .. } => {
                if bytes.is_empty() {
                    return Err(DownloadError::Empty);
                }
                if bytes.len() as u64 > max_bytes {
                    return Err(DownloadError::TooLarge(max_bytes / 1_000_000));
                }
                tokio::fs::write(&part, bytes)
                    .await
                    .map_err(write_err(&part))?;
                sniff_extension(bytes)
            }
            OutputRef::Url(url) => fetch_to(client, url, token, &part, max_bytes).await?,
        };
        let name = format!("{i}.{ext}");
        let dest: PathBuf = dir.join(&name);
        tokio::fs::rename(&part, &dest)
            .await
            .map_err(write_err(&dest))?;
        names.push(name);
    }
    Ok(names)
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
    let mut head: Vec<u8> = Vec::with_capacity(16);
    let mut got: u64 = 0;
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| DownloadError::Transient(e.to_string()))?;
        got += chunk.len() as u64;
        if got > max_bytes {
            drop(file);
            let _ = tokio::fs::remove_file(part).await;
            return Err(DownloadError::TooLarge(max_bytes / 1_000_000));
        }
        if head.len() < 16 {
            head.extend_from_slice(&chunk[..chunk.len().min(16 - head.len())]);
        }
        file.write_all(&chunk).await.map_err(write_err(part))?;
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

    #[test]
    fn extensions_come_from_magic_bytes() {
        assert_eq!(sniff_extension(b"\x89PNG\r\n\x1a\n...."), "png");
        assert_eq!(sniff_extension(&[0xFF, 0xD8, 0xFF, 0xE0]), "jpg");
        assert_eq!(sniff_extension(b"RIFF\x10\0\0\0WEBPVP8 "), "webp");
        assert_eq!(sniff_extension(b"<html>"), "bin");
    }
}
