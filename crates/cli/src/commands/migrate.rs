//! `genq migrate --to postgres://…`: this data folder's queue moved into a
//! team's database (issue 15; the copy itself is `PgStore::import_from`).
//!
//! - The folder's engine lock is held throughout: no app or `genq run` may
//!   drive the local queue while it moves (exit 5 otherwise).
//! - A generation still processing (a prediction this machine follows) is
//!   refused: let it end first (`genq run`), so nothing is followed twice.
//! - Pending generations move and leave the local queue (so the local
//!   engine can never create them too); finished ones are copied and stay
//!   in the local history.

use genqueue_core::model::GenerationStatus;
use genqueue_core::paths::DB_FILE;
use genqueue_core::store::generations::MAX_LIST_LIMIT;
use genqueue_core::store::{ListQuery, PgStore, QueueStore, Store};

use crate::args::DatabaseUrl;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::println_out;

pub fn run(ctx: &Context, to: &DatabaseUrl) -> CliResult {
    let db = ctx.data_dir.join(DB_FILE);
    if !db.exists() {
        return Err(CliError::invalid(format!(
            "there is no local queue to move: {} does not exist",
            db.display()
        )));
    }
    let _lock = genqueue_core::engine::lock_data_folder(&ctx.data_dir)?;
    let local = Store::open(&db)?;
    let processing = local.counters()?.processing;
    if processing > 0 {
        return Err(CliError::new(
            Exit::InvalidInput,
            format!(
                "{processing} generation(s) are still processing on this machine: let them end \
                 (`genq run`) or cancel them, then migrate"
            ),
        ));
    }
    let team = PgStore::open(&to.0)?;
    eprintln!("moving {} into {}", db.display(), team.shown());
    let report = team.import_from(&local, &ctx.data_dir, &mut |step| eprintln!("  {step}"))?;
    // The pending ones now wait in the team's queue: not here as well. Only
    // rows the team database has are removed (a `genq submit` during the
    // move stays here, to move next time).
    let mut moved_pending = 0usize;
    let mut before = None;
    loop {
        let page = local.list_generations(&ListQuery {
            statuses: vec![GenerationStatus::Pending],
            limit: MAX_LIST_LIMIT,
            before,
            ..ListQuery::default()
        })?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for g in &page {
            if team.get_generation(g.id)?.is_some() {
                local.delete_generation(g.id)?;
                moved_pending += 1;
            }
        }
    }
    println_out(&format!(
        "moved {} generation(s) ({} pending, now in the team queue only), {} token(s), {} \
         file(s) ({:.1} MB){}, {} other row(s) into {}",
        report.generations,
        moved_pending,
        report.tokens,
        report.files,
        report.bytes as f64 / 1e6,
        if report.files_missing > 0 {
            format!(
                ", {} file(s) missing from the data folder",
                report.files_missing
            )
        } else {
            String::new()
        },
        report.other_rows,
        team.shown()
    ))?;
    println_out(&format!(
        "use it: export GENQUEUE_DATABASE_URL='{}' (with its password), or genq --database-url",
        team.shown()
    ))?;
    Ok(Exit::Ok)
}
