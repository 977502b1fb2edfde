//! The commands the window calls. Each is a thin translation onto
//! `genqueue_core::queue::Queue`; errors cross as `{code, message}`. They are
//! registered, and declared to TypeScript, by the one list in [`crate::ipc`].
//!
//! The seed's two endpoints are `list_generations` (`limit`, default 50) and
//! `get_generation`, with the seed's JSON shapes, extended, never renamed.
//!
//! - [`history`]: the history page, bulk actions, "Clear finished", running times;
//! - [`outputs`]: fetching a listed generation's files from the team database;
//! - [`batches`]: a batch's progress, cancel and retry;
//! - [`priority`]: moving pending generations, drag-and-drop reorder;
//! - [`settings`]: reading and applying the settings;
//! - [`team`]: Settings → Team queue (test connection, join, leave);
//! - [`telegram`]: Settings → Telegram (bot token, test message, find my chat, status).

pub mod batches;
pub mod browse;
pub mod history;
pub mod outputs;
pub mod priority;
pub mod settings;
pub mod spend;
pub mod team;
pub mod telegram;

// One flat namespace of commands for the list in `crate::ipc`.
pub use batches::*;
pub use browse::*;
pub use history::*;
pub use outputs::*;
pub use priority::*;
pub use settings::*;
pub use spend::*;
pub use team::*;
pub use telegram::*;

use genqueue_core::error_code::ErrorCode;
use genqueue_core::model::{
    Counters, Generation, GenerationId, GenerationStatus, GenerationSummary, ModelRef, Token,
    TokenId,
};
use genqueue_core::presets::{ModelPreset, PRESETS};
use genqueue_core::priority::ListOrder;
use genqueue_core::replicate::Account;
use genqueue_core::store::ListQuery;
use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// What the window needs to know about the app.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    /// The data folder; `output_files` are relative to it.
    pub data_dir: String,
    /// True while the offline demo runs (replicate-sim inside the app).
    pub demo: bool,
    pub api_base: String,
    pub paused: bool,
    /// False when another process (`genq run`) drives this folder.
    pub engine_running: bool,
    /// On a team's database, the member whose generations are the user's
    /// own (the counter and the dropdown count only these); `null` on the
    /// folder's own queue, where every generation is one's own.
    pub own_member: Option<String>,
}

pub(crate) async fn app_info_of(state: &AppState) -> CommandResult<AppInfo> {
    let b = state.backend().await;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: b.data_dir.display().to_string(),
        demo: b.demo.is_some(),
        api_base: b.api_base.clone(),
        paused: b.queue.is_paused()?,
        engine_running: b.engine.is_some(),
        own_member: b.queue.own_member().map(str::to_owned),
    })
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    app_info_of(&state).await
}

/// The seed's list: newest first, `limit` items (default 50, at most 500).
///
/// `order: "dispatch"` lists pending generations in the order they will run
/// instead (those whose create is under way first); `statuses` and
/// `unviewed_only` do not apply then, and `before` is the last id shown.
///
/// `mine: true` (the `⟳ N` dropdown): on a team's database only the user's
/// own generations (`AppInfo.own_member`); the same as without elsewhere.
#[tauri::command]
pub async fn list_generations(
    state: State<'_, AppState>,
    limit: Option<u32>,
    statuses: Option<Vec<GenerationStatus>>,
    unviewed_only: Option<bool>,
    before: Option<GenerationId>,
    order: Option<ListOrder>,
    mine: Option<bool>,
) -> CommandResult<Vec<GenerationSummary>> {
    let limit = limit.unwrap_or(50).clamp(1, 500) as usize;
    let queue = state.queue().await;
    if order == Some(ListOrder::Dispatch) {
        return Ok(queue.list_dispatch_order(limit, before)?);
    }
    let q = ListQuery {
        limit,
        statuses: statuses.unwrap_or_default(),
        unviewed_only: unviewed_only.unwrap_or(false),
        created_by: queue
            .own_member()
            .filter(|_| mine == Some(true))
            .map(str::to_owned),
        before,
    };
    Ok(queue.list(&q)?)
}

/// The seed's detail: adds `prompt`, `settings` and everything else.
#[tauri::command]
pub async fn get_generation(
    state: State<'_, AppState>,
    id: GenerationId,
) -> CommandResult<Generation> {
    let queue = state.queue().await;
    let g = queue.get(id)?;
    // On a team database: the files another machine saved, fetched into
    // this data folder before the page shows them (SQLite: nothing to do).
    if queue.store().shares_outputs() {
        let (q, shown) = (queue.clone(), g.clone());
        tauri::async_runtime::spawn_blocking(move || q.fetch_missing_outputs(&shown))
            .await
            .map_err(|e| genqueue_core::store::StoreError::OutputFile {
                doing: "fetch",
                path: queue.data_dir().to_path_buf(),
                reason: e.to_string(),
            })??;
    }
    Ok(g)
}

#[tauri::command]
pub async fn get_counters(state: State<'_, AppState>) -> CommandResult<Counters> {
    Ok(state.queue().await.own_counters()?)
}

/// Queues `count` generations (default 1, at most `MAX_COUNT`) of one prompt
/// on one model; or, with `prompts`, `count` generations of each prompt
/// (`prompt` is then ignored; each item may hold several lines, one prompt a
/// line, blank lines dropped; at most `MAX_BATCH` generations in all). When
/// more than one generation is queued they share one `batch_id` (see
/// `get_batch`). The rules are `genqueue_core::submit`'s.
///
/// `input` holds the model's other inputs; the prompt is put into it. It is
/// checked against the model's schema first, so a bad value is refused
/// here, not after a round trip.
///
/// Answers the new generations' summaries; the window's lists learn of them
/// from their `generation_changed` events, as of any other change.
///
/// `deadlines`: each generation's time-to-start and run deadlines in
/// seconds (`genqueue_core::deadlines`); absent: the setting's time to
/// start, no run deadline.
///
/// Errors: `invalid_model`, `empty_prompt`, `invalid_count`, `invalid_input`
/// (a deadline out of range too).
#[tauri::command]
pub async fn create_generation(
    state: State<'_, AppState>,
    model: String,
    prompt: String,
    input: Option<serde_json::Map<String, serde_json::Value>>,
    count: Option<u32>,
    prompts: Option<Vec<String>>,
    deadlines: Option<genqueue_core::model::Deadlines>,
) -> CommandResult<Vec<GenerationSummary>> {
    let request = SubmitRequest {
        model: model.parse::<ModelRef>()?,
        prompts: match prompts {
            Some(list) => Prompts::Lines(list),
            None => Prompts::One(prompt),
        },
        input: SubmitInput::Values(input.unwrap_or_default()),
        count: count.unwrap_or(1),
        priority: 0,
        deadlines: deadlines.unwrap_or_default(),
    };
    let submitted = state.queue().await.submit_request(&request).await?;
    if let Some(why) = &submitted.unchecked {
        tracing::warn!(model = %request.model, "input queued unchecked: {why}");
    }
    Ok(submitted
        .generations
        .iter()
        .map(Generation::summary)
        .collect())
}

#[tauri::command]
pub async fn mark_viewed(
    state: State<'_, AppState>,
    id: GenerationId,
) -> CommandResult<GenerationSummary> {
    Ok(state.queue().await.mark_viewed(id)?.summary())
}

#[tauri::command]
pub async fn mark_all_viewed(state: State<'_, AppState>) -> CommandResult<usize> {
    Ok(state
        .queue()
        .await
        .mark_all_viewed(genqueue_core::queue::Scope::Mine)?)
}

#[tauri::command]
pub async fn cancel_generation(
    state: State<'_, AppState>,
    id: GenerationId,
) -> CommandResult<Generation> {
    Ok(state.queue().await.cancel(id).await?)
}

/// Queues a new generation like a failed or cancelled one; answers its summary.
#[tauri::command]
pub async fn retry_generation(
    state: State<'_, AppState>,
    id: GenerationId,
) -> CommandResult<GenerationSummary> {
    Ok(state.queue().await.retry(id)?.summary())
}

#[tauri::command]
pub async fn delete_generation(state: State<'_, AppState>, id: GenerationId) -> CommandResult<()> {
    Ok(state.queue().await.delete(id)?)
}

#[tauri::command]
pub async fn pause_queue(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.queue().await.pause()?)
}

#[tauri::command]
pub async fn resume_queue(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.queue().await.resume()?)
}

#[tauri::command]
pub async fn list_tokens(state: State<'_, AppState>) -> CommandResult<Vec<Token>> {
    Ok(state.queue().await.tokens()?)
}

/// A token with the Replicate account it belongs to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TokenWithAccount {
    pub token: Token,
    pub account: Account,
    /// Adding it joined a token already in the team's pool (no new row):
    /// it is now usable from this machine too. False otherwise.
    pub joined: bool,
}

/// Adds a token after Replicate accepted it, or joins the team's row of the
/// same token (`Queue::add_or_join_token`). The secret is never returned.
#[tauri::command]
pub async fn add_token(
    state: State<'_, AppState>,
    label: String,
    secret: String,
) -> CommandResult<TokenWithAccount> {
    let added = state
        .queue()
        .await
        .add_or_join_token(&label, &secret)
        .await?;
    Ok(TokenWithAccount {
        token: added.token,
        account: added.account,
        joined: added.joined,
    })
}

/// The ids of the pool's tokens whose secret this machine's keyring holds
/// (on a team's database the others are other members'; the Tokens page
/// marks them "not on this machine").
#[tauri::command]
pub async fn tokens_here(state: State<'_, AppState>) -> CommandResult<Vec<TokenId>> {
    Ok(state
        .queue()
        .await
        .tokens_here()
        .await?
        .into_iter()
        .collect())
}

#[tauri::command]
pub async fn remove_token(state: State<'_, AppState>, id: TokenId) -> CommandResult<()> {
    Ok(state.queue().await.remove_token(id).await?)
}

/// On a team's database: deletes the token's secret from this machine's
/// keyring only, keeping it in the team's pool (`Queue::forget_token_here`).
#[tauri::command]
pub async fn forget_token_here(state: State<'_, AppState>, id: TokenId) -> CommandResult<Token> {
    Ok(state.queue().await.forget_token_here(id).await?)
}

#[tauri::command]
pub async fn set_token_enabled(
    state: State<'_, AppState>,
    id: TokenId,
    enabled: bool,
) -> CommandResult<Token> {
    let q = state.queue().await;
    Ok(if enabled {
        q.enable_token(id)?
    } else {
        q.disable_token(id, "Disabled by you")?
    })
}

/// How many generations a token may run at once (1 to 16, the store's
/// rule); returns the token. Errors: `invalid_input` when `n` is out of
/// range; `not_found` for an unknown id.
#[tauri::command]
pub async fn set_token_concurrency(
    state: State<'_, AppState>,
    id: TokenId,
    n: u32,
) -> CommandResult<Token> {
    Ok(state.queue().await.set_token_concurrency(id, n)?)
}

#[tauri::command]
pub async fn revalidate_token(
    state: State<'_, AppState>,
    id: TokenId,
) -> CommandResult<TokenWithAccount> {
    let (token, account) = state.queue().await.revalidate_token(id).await?;
    Ok(TokenWithAccount {
        token,
        account,
        joined: false,
    })
}

#[tauri::command]
pub async fn list_presets() -> CommandResult<Vec<ModelPreset>> {
    Ok(PRESETS.to_vec())
}

pub use genqueue_core::submit::ModelForm;

/// Reads a model's input schema from Replicate (once per model and version
/// for the queue's life: `Queue::model_form`).
#[tauri::command]
pub async fn get_model_form(state: State<'_, AppState>, model: String) -> CommandResult<ModelForm> {
    let model: ModelRef = model.parse()?;
    Ok(state.queue().await.model_form(&model).await?)
}

/// Starts the offline demo: replicate-sim inside the app, demo tokens, a
/// separate data folder. Returns the new app info (`demo: true`).
#[tauri::command]
pub async fn start_demo(app: AppHandle, state: State<'_, AppState>) -> CommandResult<AppInfo> {
    crate::demo::start(&app, &state).await?;
    app_info_of(&state).await
}

/// Opens a generation's output folder in the file manager.
#[tauri::command]
pub async fn open_output_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    id: GenerationId,
) -> CommandResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let q = state.queue().await;
    let dir = q.files_dir(&q.get(id)?);
    if !dir.exists() {
        return Err(CommandError::new(
            ErrorCode::NotFound,
            "This generation has no saved files yet.",
        ));
    }
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::Io, format!("Cannot open the folder: {e}")))
}

/// Asks where to save output `index` of a generation and copies it there.
/// Returns the chosen path, or `null` when the user cancelled.
#[tauri::command]
pub async fn save_output_as(
    app: AppHandle,
    state: State<'_, AppState>,
    id: GenerationId,
    index: usize,
) -> CommandResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let q = state.queue().await;
    let g = q.get(id)?;
    let rel = g.output_files.get(index).ok_or_else(|| {
        CommandError::new(ErrorCode::NotFound, "This generation has no such file.")
    })?;
    let src = q.data_dir().join(rel);
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suggested = format!("genqueue-{}-{name}", &id.to_string()[..8]);
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(&suggested)
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    let Some(dest) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let dest = dest.into_path().map_err(|e| {
        CommandError::new(ErrorCode::Io, format!("That place cannot be written: {e}"))
    })?;
    tokio::fs::copy(&src, &dest).await.map_err(|e| {
        CommandError::new(
            ErrorCode::Io,
            format!("Cannot save to {}: {e}", dest.display()),
        )
    })?;
    Ok(Some(dest.display().to_string()))
}

/// The page painted its first frame: the window, created hidden, is shown
/// now (see `crate::window`). Called once by `ui/src/mount.tsx`.
#[tauri::command]
pub async fn window_ready(app: AppHandle) -> CommandResult<()> {
    crate::window::page_ready(&app);
    Ok(())
}

/// The queue events waiting for the window, oldest first; `first` on a
/// page's first call (see `crate::window_events`). Never fails.
#[tauri::command]
pub async fn take_queue_events(
    app: AppHandle,
    first: bool,
) -> CommandResult<Vec<genqueue_core::events::Event>> {
    use tauri::Manager;
    Ok(app
        .try_state::<crate::window_events::WindowEvents>()
        .map(|w| w.take(first))
        .unwrap_or_default())
}
