//! Settings → Team queue: the team database's address (no password), the
//! password (into the OS keyring, never back out), "Test connection", Join
//! and Leave. Join and Leave restart the queue and engine inside the app on
//! the other store (`AppState::swap`, as the demo does); the window reloads
//! what it shows on `team_info`'s answer.

use genqueue_core::error_code::ErrorCode;
use genqueue_core::secrets::{Secret, SecretError};
use genqueue_core::team::{self, ConnectionCheck, TeamDatabase, TeamSetting, password};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Backend};

/// What Settings shows of the team queue. Never the password.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TeamInfo {
    /// The database the queue is on now (`postgres://user@host:port/db`);
    /// `null`: this machine's own queue.
    pub active: Option<String>,
    /// The member name generations are recorded under while on it.
    pub member: Option<String>,
    /// The data folder's setting (what Join saved), if any.
    pub setting: Option<TeamSetting>,
    /// True when `GENQUEUE_DATABASE_URL` chose the database: Settings cannot change it.
    pub from_env: bool,
    /// Whether a password is in the keyring.
    pub password_set: bool,
    /// The member name offered when joining: the OS user name.
    pub default_member: String,
    /// This machine's name, recorded with each generation it creates.
    pub machine: String,
    /// Why the team database could not be opened when the app started (it
    /// then opened this machine's own queue).
    pub start_error: Option<String>,
}

fn secret_error(e: SecretError) -> CommandError {
    CommandError::new(e.code(), e.to_string())
}

fn join_error(e: tokio::task::JoinError) -> CommandError {
    CommandError::new(ErrorCode::Internal, e.to_string())
}

/// Runs a blocking (keyring, file) call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(join_error)?
}

async fn info(state: &AppState) -> CommandResult<TeamInfo> {
    let (active, member, from_env, start_error, data_dir) = {
        let b = state.backend().await;
        (
            b.team.as_ref().map(TeamDatabase::shown),
            b.team.as_ref().map(|t| t.member.clone()),
            b.team.as_ref().is_some_and(|t| t.from_env) || team::env_url().is_some(),
            b.team_error.clone(),
            b.data_dir.clone(),
        )
    };
    blocking(move || {
        let setting = TeamSetting::load(&data_dir).ok().flatten();
        let secrets = crate::team::app_secrets();
        Ok(TeamInfo {
            active,
            member,
            setting,
            from_env,
            password_set: password::load(secrets.as_ref())
                .map_err(secret_error)?
                .is_some(),
            default_member: team::setting::default_member(),
            machine: team::machine_name(),
            start_error,
        })
    })
    .await
}

/// The typed password, or the keyring's when none was typed.
async fn typed_or_stored(typed: Option<String>) -> CommandResult<Option<Secret>> {
    if let Some(p) = password::parse(typed.as_deref().unwrap_or("")).map_err(secret_error)? {
        return Ok(Some(p));
    }
    blocking(|| password::load(crate::team::app_secrets().as_ref()).map_err(secret_error)).await
}

fn refuse_under_env() -> CommandResult<()> {
    if team::env_url().is_some() {
        return Err(CommandError::new(
            ErrorCode::InvalidState,
            "GENQUEUE_DATABASE_URL is set, so it chooses the database: unset it and restart \
             Genqueue to choose in Settings",
        ));
    }
    Ok(())
}

/// The team queue as Settings shows it.
#[tauri::command]
pub async fn team_info(state: State<'_, AppState>) -> CommandResult<TeamInfo> {
    info(&state).await
}

/// Connects to `database_url` with `password` (or, when none is typed, the
/// keyring's), reads its schema version and says what is wrong, if anything.
/// Writes nothing. Never fails on the database's account: every problem is
/// in the answer's `outcome`.
///
/// Errors: `secret_malformed` (a password over 1024 bytes or with NUL), the keyring's codes.
#[tauri::command]
pub async fn test_team_connection(
    database_url: String,
    password: Option<String>,
) -> CommandResult<ConnectionCheck> {
    let password = typed_or_stored(password).await?;
    Ok(team::check_connection(database_url.trim(), password.as_ref()).await)
}

/// Joins the team database: checks the address and member name, tests the
/// connection, keeps the password in the keyring (a typed one replaces the
/// stored one) and the address in the data folder (`team.json`), then
/// restarts the app's queue and engine on the database (migrating it).
///
/// Errors: `invalid_input` (address with a password, no user, bad member
/// name), `store` (the connection test failed: its sentence; or opening
/// failed, and nothing was kept), `invalid_state` (`GENQUEUE_DATABASE_URL`
/// is set), the keyring's codes.
#[tauri::command]
pub async fn join_team(
    app: AppHandle,
    state: State<'_, AppState>,
    database_url: String,
    password: Option<String>,
    member: String,
) -> CommandResult<TeamInfo> {
    refuse_under_env()?;
    let setting = TeamSetting::new(&database_url, &member)
        .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let password = typed_or_stored(password).await?;
    let check = team::check_connection(&setting.database_url, password.as_ref()).await;
    if !check.ready() {
        return Err(CommandError::new(ErrorCode::Store, check.message));
    }
    let (data_dir, api_base) = {
        let b = state.backend().await;
        (b.data_dir.clone(), b.api_base.clone())
    };
    {
        let (setting, password, dir) = (setting.clone(), password.clone(), data_dir.clone());
        blocking(move || {
            password::save(crate::team::app_secrets().as_ref(), password.as_ref())
                .map_err(secret_error)?;
            setting
                .save(&dir)
                .map_err(|e| CommandError::new(ErrorCode::Io, e.to_string()))
        })
        .await?;
    }
    let db = TeamDatabase {
        url: setting.database_url.clone(),
        password,
        member: setting.member.clone(),
        from_env: false,
    };
    tracing::info!(database = %db.shown(), member = %db.member, "joining the team database");
    let dir = data_dir.clone();
    let swapped = state
        .swap(move || Backend::start(dir, api_base, crate::team::app_secrets(), None, Some(db)))
        .await;
    if let Err(e) = swapped {
        // Nothing kept: the next start opens the queue the app shows now.
        let _ = TeamSetting::remove(&data_dir);
        return Err(e);
    }
    crate::allow_outputs(&app, &data_dir);
    info(&state).await
}

/// Leaves the team database: forgets the address and the keyring's
/// password, and restarts the app's queue and engine on this machine's own
/// queue. The team's generations stay in the team database.
///
/// Errors: `invalid_state` (`GENQUEUE_DATABASE_URL` is set), `io`, the keyring's codes.
#[tauri::command]
pub async fn leave_team(app: AppHandle, state: State<'_, AppState>) -> CommandResult<TeamInfo> {
    refuse_under_env()?;
    let (data_dir, api_base) = {
        let b = state.backend().await;
        (b.data_dir.clone(), b.api_base.clone())
    };
    let dir = data_dir.clone();
    blocking(move || {
        TeamSetting::remove(&dir).map_err(|e| CommandError::new(ErrorCode::Io, e.to_string()))?;
        password::save(crate::team::app_secrets().as_ref(), None).map_err(secret_error)
    })
    .await?;
    tracing::info!("leaving the team database");
    let dir = data_dir.clone();
    state
        .swap(move || Backend::start(dir, api_base, crate::team::app_secrets(), None, None))
        .await?;
    crate::allow_outputs(&app, &data_dir);
    info(&state).await
}
