//! Outputs every member of a team can read: the engine that finishes a
//! generation keeps its saved files in the database (`output_files` and
//! `output_chunks`, PG migration 0011), and a machine that needs one it
//! has not got fetches it into its own data folder (`Queue::fetch_missing_outputs`).
//! Both ways are streamed a chunk at a time: memory does not grow with the file.

use std::path::{Path, PathBuf};

use deadpool_postgres::GenericClient;
use futures_util::{TryStreamExt, pin_mut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{PgStore, pg_err, pool_err};
use crate::model::GenerationId;
use crate::store::StoreError;
use crate::store::codec::to_ms;

/// Bytes per stored chunk: small enough for one round trip, large enough
/// that a 100 MB video is 100 rows.
const CHUNK: usize = 1 << 20;

fn file_err<'a>(
    doing: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |e| {
        if e.raw_os_error() == Some(28) {
            // ENOSPC: say it as the store's other writes do.
            StoreError::DiskFull {
                path: path.to_path_buf(),
            }
        } else {
            StoreError::OutputFile {
                doing,
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
    }
}

impl PgStore {
    pub(super) fn share_output_file_pg(
        &self,
        id: GenerationId,
        stored: &str,
        file: &Path,
        fence: Option<crate::store::Fence>,
    ) -> Result<(), StoreError> {
        let (gid, stored, file) = (uuid::Uuid::from(id), stored.to_owned(), file.to_path_buf());
        self.run(move |pool| async move {
            let mut f = tokio::fs::File::open(&file)
                .await
                .map_err(file_err("read", &file))?;
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            if let Some(f) = fence {
                super::step::fence_check(&tx, id, f).await?;
            }
            for table in ["output_chunks", "output_files"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE generation_id = $1 AND stored = $2"),
                    &[&gid, &stored],
                )
                .await
                .map_err(pg_err)?;
            }
            let insert = tx
                .prepare(
                    "INSERT INTO output_chunks (generation_id, stored, seq, data) \
                     VALUES ($1, $2, $3, $4)",
                )
                .await
                .map_err(pg_err)?;
            let (mut seq, mut size) = (0i32, 0i64);
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = read_full(&mut f, &mut buf)
                    .await
                    .map_err(file_err("read", &file))?;
                if n == 0 {
                    break;
                }
                tx.execute(&insert, &[&gid, &stored, &seq, &&buf[..n]])
                    .await
                    .map_err(pg_err)?;
                seq += 1;
                size += n as i64;
            }
            tx.execute(
                "INSERT INTO output_files (generation_id, stored, size, chunks, shared_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&gid, &stored, &size, &seq, &to_ms(chrono::Utc::now())],
            )
            .await
            .map_err(pg_err)?;
            tx.commit().await.map_err(pg_err)
        })
    }

    pub(super) fn fetch_output_file_pg(
        &self,
        id: GenerationId,
        stored: &str,
        dest: &Path,
    ) -> Result<bool, StoreError> {
        let (gid, stored, dest) = (uuid::Uuid::from(id), stored.to_owned(), dest.to_path_buf());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let Some(row) = c
                .query_opt(
                    "SELECT size, chunks FROM output_files WHERE generation_id = $1 AND stored = $2",
                    &[&gid, &stored],
                )
                .await
                .map_err(pg_err)?
            else {
                return Ok(false);
            };
            let (size, chunks): (i64, i32) = (row.get(0), row.get(1));
            let part = part_path(&dest);
            if let Some(dir) = dest.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(file_err("write", dir))?;
            }
            let written = copy_chunks(&c, gid, &stored, &part).await;
            let (got, seen) = match written {
                Ok(x) => x,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(e);
                }
            };
            if got != size || seen != chunks {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(StoreError::Data {
                    path: dest.clone(),
                    reason: format!(
                        "the team database holds {got} bytes in {seen} chunks of this output, \
                         not the {size} bytes in {chunks} chunks it recorded"
                    ),
                });
            }
            tokio::fs::rename(&part, &dest)
                .await
                .map_err(file_err("write", &dest))?;
            Ok(true)
        })
    }
}

/// `<dest>.part` beside `dest` (hidden while it is written).
fn part_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.part"))
}

/// Streams the chunks into `part`; the bytes and chunks written.
async fn copy_chunks(
    c: &impl GenericClient,
    gid: uuid::Uuid,
    stored: &str,
    part: &Path,
) -> Result<(i64, i32), StoreError> {
    let mut out = tokio::fs::File::create(part)
        .await
        .map_err(file_err("write", part))?;
    let stmt = c
        .prepare(
            "SELECT data FROM output_chunks WHERE generation_id = $1 AND stored = $2 ORDER BY seq",
        )
        .await
        .map_err(pg_err)?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&gid, &stored];
    let rows = c.query_raw(&stmt, params).await.map_err(pg_err)?;
    pin_mut!(rows);
    let (mut got, mut seen) = (0i64, 0i32);
    while let Some(row) = rows.try_next().await.map_err(pg_err)? {
        let data: &[u8] = row.get(0);
        out.write_all(data).await.map_err(file_err("write", part))?;
        got += data.len() as i64;
        seen += 1;
    }
    out.sync_all().await.map_err(file_err("write", part))?;
    Ok((got, seen))
}

/// Fills `buf` from `f` unless the file ends first; the bytes read.
async fn read_full(f: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let got = f.read(&mut buf[n..]).await?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(n)
}
