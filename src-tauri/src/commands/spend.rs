//! Spend commands: the report (totals per day, month, model, token), the
//! budgets and price lines, estimates before Create, and generations' costs.

use chrono::{DateTime, Utc};
use genqueue_core::model::{BatchId, GenerationId};
use genqueue_core::spend::{Estimate, SHIPPED_PRICES, SpendReport, SpendSettings};
use genqueue_core::store::{GenerationSpend, HistoryQuery, SpendTotal};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Totals of what ended in `[from, to)` (RFC 3339); both `null`: this month.
#[tauri::command]
pub async fn spend_report(
    state: State<'_, AppState>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> CommandResult<SpendReport> {
    Ok(state.queue().await.spend_report(from, to)?)
}

/// Stores budgets and price lines; answers them as stored. Errors:
/// `invalid_settings` (a malformed price line: its number and why).
#[tauri::command]
pub async fn set_spend_settings(
    state: State<'_, AppState>,
    settings: SpendSettings,
) -> CommandResult<SpendSettings> {
    Ok(state.queue().await.set_spend_settings(settings)?)
}

/// The price table shipped with the app (text, dated, with its source).
#[tauri::command]
pub async fn shipped_prices() -> CommandResult<String> {
    Ok(SHIPPED_PRICES.to_owned())
}

/// What `generations` runs of `model` with `input` would cost.
#[tauri::command]
pub async fn estimate_generation(
    state: State<'_, AppState>,
    model: String,
    input: Option<serde_json::Map<String, serde_json::Value>>,
    generations: u32,
) -> CommandResult<Estimate> {
    let input = serde_json::Value::Object(input.unwrap_or_default());
    let model = model.split(':').next().unwrap_or_default().to_owned();
    Ok(state
        .queue()
        .await
        .estimate_request(&model, &input, generations)?)
}

/// The estimate and final cost of these generations (unknown ones left out).
#[tauri::command]
pub async fn generation_spend(
    state: State<'_, AppState>,
    ids: Vec<GenerationId>,
) -> CommandResult<Vec<GenerationSpend>> {
    Ok(state.queue().await.spend_of(&ids)?)
}

/// What every generation the History filter shows cost (all its pages;
/// `before` and `limit` are ignored).
#[tauri::command]
pub async fn history_spend(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> CommandResult<SpendTotal> {
    Ok(state.queue().await.history_spend(&query)?)
}

/// What a batch cost so far and what its unfinished generations are expected to cost.
#[tauri::command]
pub async fn batch_spend(
    state: State<'_, AppState>,
    batch_id: BatchId,
) -> CommandResult<SpendTotal> {
    Ok(state.queue().await.batch_spend(batch_id)?)
}
