//! `genq migrate --to postgres://…`: a machine's own queue (its data
//! folder's SQLite file) moved into a team's database (issue 15). Rows keep
//! their ids, so the keyring's token secrets and the output folders still
//! match them; a row already there is left alone (`ON CONFLICT DO NOTHING`),
//! so a migration that was stopped half-way is finished by running it again.
//!
//! Tables: tokens (with their account), generations (a page at a time, each
//! page one transaction, with their search index), spend, uploads, given-up
//! predictions and settings (the team's own value wins; the engine's
//! running mark stays local). The saved files go to the database as the
//! finishing engine would share them.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use super::rows::{self, Param, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::Generation;
use crate::store::codec::ts;
use crate::store::generation_rows::load_many;
use crate::store::{Store, StoreError};

/// Generations per page (one PostgreSQL transaction each).
const PAGE: i64 = 500;

/// How a column is carried from SQLite's text/integers to PostgreSQL's types.
#[derive(Clone, Copy)]
enum Kind {
    Uuid,
    Text,
    Int,
    Int32,
    Bool,
    Time,
}

use Kind::*;

/// A table copied column by column (same names in both schemas).
struct Table {
    name: &'static str,
    key: &'static str,
    columns: &'static [(&'static str, Kind)],
}

const TOKENS: Table = Table {
    name: "tokens",
    key: "id",
    columns: &[
        ("id", Uuid),
        ("label", Text),
        ("fingerprint", Text),
        ("active", Bool),
        ("disabled_reason", Text),
        ("disabled_at", Time),
        ("last_used_at", Time),
        ("request_count", Int),
        ("error_count", Int),
        ("rate_limited_count", Int),
        ("cooldown_until", Time),
        ("max_concurrency", Int32),
        ("created_at", Time),
        ("account", Text),
    ],
};

const AFTER_GENERATIONS: [Table; 4] = [
    Table {
        name: "spend",
        key: "generation_id",
        columns: &[
            ("generation_id", Uuid),
            ("model_name", Text),
            ("estimate", Int),
            ("estimate_parts", Text),
            ("ended", Bool),
            ("final", Int),
            ("final_parts", Text),
            ("predict_ms", Int),
            ("token_id", Uuid),
            ("charged_at", Time),
            ("created_at", Time),
        ],
    },
    Table {
        name: "input_uploads",
        key: "token_id, sha256",
        columns: &[
            ("token_id", Uuid),
            ("sha256", Text),
            ("file_id", Text),
            ("url", Text),
            ("size", Int),
            ("uploaded_at", Time),
            ("expires_at", Time),
        ],
    },
    Table {
        name: "given_up_predictions",
        key: "prediction_id",
        columns: &[
            ("prediction_id", Text),
            ("generation_id", Uuid),
            ("given_up_at", Time),
        ],
    },
    Table {
        name: "settings",
        key: "key",
        columns: &[("key", Text), ("value", Text)],
    },
];

/// What a migration moved (rows already in the team database are not counted).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub tokens: u64,
    pub generations: u64,
    /// Rows of spend, uploads, given-up predictions and settings.
    pub other_rows: u64,
    /// Saved files shared, and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Output files the data folder no longer has (deleted by hand).
    pub files_missing: u64,
}

/// Settings that belong to one machine's engine, never copied.
const LOCAL_SETTINGS: &[&str] = &[crate::engine::RUNNING_KEY];

fn param(v: Value, kind: Kind, column: &str) -> Result<Param, StoreError> {
    let bad = |what: &str| StoreError::Invalid(format!("column {column}: {what}"));
    Ok(match (kind, v) {
        (Uuid, Value::Null) => Box::new(None::<uuid::Uuid>),
        (Uuid, Value::Text(t)) => Box::new(Some(
            uuid::Uuid::parse_str(&t).map_err(|_| bad("not a UUID"))?,
        )),
        (Text, Value::Null) => Box::new(None::<String>),
        (Text, Value::Text(t)) => Box::new(Some(t)),
        (Int, Value::Null) => Box::new(None::<i64>),
        (Int, Value::Integer(i)) => Box::new(Some(i)),
        (Int32, Value::Integer(i)) => Box::new(i32::try_from(i).map_err(|_| bad("out of range"))?),
        (Bool, Value::Integer(i)) => Box::new(i != 0),
        (Time, Value::Null) => Box::new(None::<DateTime<Utc>>),
        (Time, Value::Text(t)) => Box::new(Some(
            DateTime::parse_from_rfc3339(&t)
                .map_err(|_| bad("not a time"))?
                .with_timezone(&Utc),
        )),
        _ => return Err(bad("unexpected type")),
    })
}

/// Every row of `t` in `local`, as PostgreSQL parameters.
fn read_table(local: &Store, t: &Table) -> Result<Vec<Vec<Param>>, StoreError> {
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    let sql = format!("SELECT {} FROM {}", names.join(", "), t.name);
    local.with_conn(|conn| {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            if t.name == "settings" {
                let key: String = r.get(0)?;
                if LOCAL_SETTINGS.contains(&key.as_str()) {
                    continue;
                }
            }
            let mut ps = Vec::with_capacity(t.columns.len());
            for (i, (name, kind)) in t.columns.iter().enumerate() {
                ps.push(param(r.get::<_, Value>(i)?, *kind, name)?);
            }
            out.push(ps);
        }
        Ok(out)
    })
}

fn insert_sql(t: &Table) -> String {
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING",
        t.name,
        names.join(", "),
        marks.join(", "),
        t.key
    )
}

impl PgStore {
    /// Copies `t`'s rows; the rows written.
    fn import_table(&self, t: &'static Table, rows: Vec<Vec<Param>>) -> Result<u64, StoreError> {
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let stmt = tx.prepare(&insert_sql(t)).await.map_err(pg_err)?;
            let args: Vec<Vec<_>> = rows.iter().map(|r| refs(r)).collect();
            let written =
                futures_util::future::try_join_all(args.iter().map(|a| tx.execute(&stmt, a)))
                    .await
                    .map_err(pg_err)?;
            tx.commit().await.map_err(pg_err)?;
            Ok(written.iter().sum())
        })
    }

    /// Writes a page of generations (and their search index); the new ones.
    fn import_generations(&self, page: Vec<Generation>) -> Result<Vec<Generation>, StoreError> {
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let sql = format!("{} ON CONFLICT (id) DO NOTHING", rows::insert_sql());
            let stmt = tx.prepare(&sql).await.map_err(pg_err)?;
            // Sent together: the driver pipelines them on the one connection.
            let params: Vec<Vec<Param>> = page.iter().map(rows::insert_values).collect();
            let args: Vec<Vec<_>> = params.iter().map(|p| refs(p)).collect();
            let written =
                futures_util::future::try_join_all(args.iter().map(|a| tx.execute(&stmt, a)))
                    .await
                    .map_err(pg_err)?;
            let new: Vec<Generation> = page
                .into_iter()
                .zip(written)
                .filter_map(|(g, n)| (n == 1).then_some(g))
                .collect();
            tx.commit().await.map_err(pg_err)?;
            Ok(new)
        })
    }

    /// Moves the queue of `local` (the SQLite store of `data_dir`) into this
    /// database; see the module doc. `progress` hears each step
    /// (`"generations 500/1204"`). Generations still processing are refused
    /// by the caller ([`crate::queue::Queue`] has no engine here).
    pub fn import_from(
        &self,
        local: &Store,
        data_dir: &std::path::Path,
        progress: &mut dyn FnMut(&str),
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport {
            tokens: self.import_table(&TOKENS, read_table(local, &TOKENS)?)?,
            ..ImportReport::default()
        };
        progress(&format!("tokens: {} moved", report.tokens));
        let total: i64 = local.with_conn(|c| {
            Ok(c.query_row("SELECT count(*) FROM generations", [], |r| r.get(0))?)
        })?;
        let mut after: Option<(String, String)> = None;
        let mut seen = 0i64;
        loop {
            let page = local.with_conn(|conn| match &after {
                None => load_many(conn, "ORDER BY created_at, id LIMIT ?1", [PAGE]),
                Some((at, id)) => load_many(
                    conn,
                    "WHERE (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
                    rusqlite::params![at, id, PAGE],
                ),
            })?;
            let Some(last) = page.last() else { break };
            after = Some((ts(last.created_at), last.id.to_string()));
            seen += page.len() as i64;
            for g in self.import_generations(page)? {
                report.generations += 1;
                for stored in &g.output_files {
                    for file in [stored.clone(), crate::paths::poster_path(stored)] {
                        let path = crate::paths::resolve_output_path(data_dir, &file);
                        match std::fs::metadata(&path) {
                            Ok(m) => {
                                self.share_output_file_pg(g.id, &file, &path, None)?;
                                report.files += 1;
                                report.bytes += m.len();
                            }
                            Err(_) if file != *stored => {} // no poster: not a video
                            Err(_) => report.files_missing += 1,
                        }
                    }
                }
            }
            progress(&format!("generations {seen}/{total}"));
        }
        for t in &AFTER_GENERATIONS {
            report.other_rows += self.import_table(t, read_table(local, t)?)?;
        }
        progress(&format!(
            "spend, uploads and settings: {} rows moved",
            report.other_rows
        ));
        Ok(report)
    }
}
