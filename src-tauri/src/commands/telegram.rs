//! Settings → Telegram: the bot token (into the OS keyring, never back
//! out), "Send a test message", "Find my chat", the relay's status. The
//! chat id, what to send and the Bot API base URL are ordinary settings
//! (`set_settings`).

use genqueue_core::error_code::ErrorCode;
use genqueue_core::queue::Queue;
use genqueue_core::telegram::relay::{chat_of, configured_bot};
use genqueue_core::telegram::{ChatSeen, TelegramError, TelegramStatus, message, token};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;
use crate::telegram::TelegramRelay;

/// What Settings shows of Telegram. Never the token.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TelegramInfo {
    /// Whether a bot token is in the keyring.
    pub token_set: bool,
    pub status: TelegramStatus,
}

fn telegram_error(e: TelegramError) -> CommandError {
    CommandError::new(ErrorCode::Telegram, e.to_string())
}

fn secret_error(e: genqueue_core::secrets::SecretError) -> CommandError {
    CommandError::new(e.code(), e.to_string())
}

async fn token_set(queue: &Queue) -> CommandResult<bool> {
    let secrets = queue.secrets();
    tokio::task::spawn_blocking(move || token::load(secrets.as_ref()))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
        .map(|t| t.is_some())
        .map_err(secret_error)
}

async fn info(app: &AppHandle, queue: &Queue) -> CommandResult<TelegramInfo> {
    Ok(TelegramInfo {
        token_set: token_set(queue).await?,
        status: app.state::<TelegramRelay>().status().await,
    })
}

/// Whether a bot token is set, and how sending goes.
#[tauri::command]
pub async fn telegram_info(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<TelegramInfo> {
    info(&app, &state.queue().await).await
}

/// Checks the pasted bot token's shape and keeps it in the keyring.
///
/// Errors: `secret_malformed` (not `123456:ABC…`), the keyring's codes.
#[tauri::command]
pub async fn set_telegram_token(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
) -> CommandResult<TelegramInfo> {
    let queue = state.queue().await;
    let secrets = queue.secrets();
    tokio::task::spawn_blocking(move || token::save(secrets.as_ref(), &token))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(secret_error)?;
    info(&app, &queue).await
}

/// Forgets the bot token (nothing is sent any more).
#[tauri::command]
pub async fn remove_telegram_token(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<TelegramInfo> {
    let queue = state.queue().await;
    let secrets = queue.secrets();
    tokio::task::spawn_blocking(move || token::delete(secrets.as_ref()))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(secret_error)?;
    info(&app, &queue).await
}

/// Sends the test message to the chat of the settings; answers the bot's
/// `@username`.
///
/// Errors: `telegram` (no token or chat, Telegram's refusal with what to
/// do, Telegram unreachable).
#[tauri::command]
pub async fn send_telegram_test(state: State<'_, AppState>) -> CommandResult<String> {
    let queue = state.queue().await;
    let (bot, tg) = configured_bot(&queue).await.map_err(telegram_error)?;
    let chat = chat_of(&tg).map_err(telegram_error)?;
    let name = bot.get_me().await.map_err(telegram_error)?;
    let ru = message::russian(queue.settings()?.language);
    bot.send_message(&chat, &message::test_message(ru))
        .await
        .map_err(telegram_error)?;
    Ok(name)
}

/// "Find my chat": the chats that wrote to the bot lately, newest first.
///
/// Errors: `telegram` (no token, refused, unreachable, a webhook is set).
#[tauri::command]
pub async fn find_telegram_chats(state: State<'_, AppState>) -> CommandResult<Vec<ChatSeen>> {
    let queue = state.queue().await;
    let (bot, _) = configured_bot(&queue).await.map_err(telegram_error)?;
    bot.recent_chats().await.map_err(telegram_error)
}

/// Forgets the failure Settings has shown.
#[tauri::command]
pub async fn dismiss_telegram_failure(app: AppHandle) -> CommandResult<()> {
    app.state::<TelegramRelay>().dismiss_failure().await;
    Ok(())
}
