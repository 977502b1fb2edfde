//! The one list of the commands the window calls.
//!
//! Each entry names a command of [`crate::commands`], the app values Tauri
//! injects into it (`[app, state]`), its arguments and its answer. The list
//! registers the commands with Tauri ([`handler`]) and describes them for
//! `ui/src/bindings.ts` (the `Commands` type and `COMMANDS`, written by
//! `bindings.rs`), so a command cannot be registered without its TypeScript,
//! and the fake backend of the UI tests is typed against the same list.
//!
//! An entry's types are checked against its function: a hidden wrapper calls
//! the function with exactly the listed arguments and returns the listed
//! answer, so a list that drifts from the code does not compile. Arguments
//! cross under camelCase names (Tauri's default: `batch_id` → `batchId`); an
//! `Option` argument may be left out. `as "…"` gives the TypeScript of a type
//! that ts-rs cannot name by itself.

use chrono::{DateTime, Utc};
use genqueue_core::history::{BulkAction, BulkResult};
use genqueue_core::model::BatchId;
use genqueue_core::model::{
    Counters, Generation, GenerationId, GenerationStatus, GenerationSummary, Token, TokenId,
};
use genqueue_core::presets::ModelPreset;
use genqueue_core::priority::ListOrder;
use genqueue_core::queue::Scope;
use genqueue_core::replicate::browse::{Collection, CollectionSummary, ModelSearch};
use genqueue_core::settings::Settings;
use genqueue_core::spend::{Estimate, SpendReport, SpendSettings};
use genqueue_core::store::{BatchSummary, HistoryPage, HistoryQuery, ModelRunTime, MoveTo};
use genqueue_core::store::{GenerationSpend, SpendTotal};
use genqueue_core::telegram::ChatSeen;

use crate::commands::{AppInfo, ModelForm, TeamInfo, TelegramInfo, TokenWithAccount};
use genqueue_core::team::ConnectionCheck;

/// A JSON object (a model's input).
type JsonObject = serde_json::Map<String, serde_json::Value>;

macro_rules! ipc_commands {
    ($(
        $name:ident [$($inject:ident),*] ( $($arg:ident : $ty:ty $(as $ts:literal)?),* ) -> $ret:ty;
    )*) => {
        /// Registers every command of the list with Tauri.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(crate::commands::$name),*]
        }

        /// Calls each command with exactly the listed arguments and answer:
        /// compiles only while the list matches the functions.
        #[allow(dead_code, clippy::too_many_arguments)]
        mod signatures {
            use super::*;
            use crate::error::CommandResult;
            $(
                pub async fn $name(
                    $($inject: ipc_commands!(@inject $inject),)*
                    $($arg: $ty),*
                ) -> CommandResult<$ret> {
                    crate::commands::$name($($inject,)* $($arg),*).await
                }
            )*
        }

        /// The list, with the TypeScript of each argument and answer.
        #[cfg(test)]
        pub(crate) fn declared(cfg: &ts_rs::Config) -> Vec<CommandDecl> {
            use ts_rs::TS;
            vec![$(
                CommandDecl {
                    name: stringify!($name),
                    args: vec![$(
                        ArgDecl {
                            name: camel_case(stringify!($arg)),
                            ts: ipc_commands!(@ts cfg, $ty $(, $ts)?),
                            optional: <$ty as TS>::IS_OPTION,
                        }
                    ),*],
                    result: <$ret as TS>::name(cfg),
                }
            ),*]
        }
    };
    (@inject app) => { tauri::AppHandle };
    (@inject state) => { tauri::State<'_, crate::state::AppState> };
    (@ts $cfg:ident, $ty:ty) => { <$ty as ts_rs::TS>::name($cfg) };
    (@ts $cfg:ident, $ty:ty, $ts:literal) => { String::from($ts) };
}

ipc_commands! {
    app_info[state]() -> AppInfo;
    list_generations[state](
        limit: Option<u32>,
        statuses: Option<Vec<GenerationStatus>>,
        unviewed_only: Option<bool>,
        before: Option<GenerationId>,
        order: Option<ListOrder>,
        mine: Option<bool>
    ) -> Vec<GenerationSummary>;
    get_generation[state](id: GenerationId) -> Generation;
    get_counters[state]() -> Counters;
    create_generation[state](
        model: String,
        prompt: String,
        input: Option<JsonObject> as "Record<string, unknown> | null",
        count: Option<u32>,
        prompts: Option<Vec<String>>,
        deadlines: Option<genqueue_core::model::Deadlines>
    ) -> Vec<GenerationSummary>;
    mark_viewed[state](id: GenerationId) -> GenerationSummary;
    mark_all_viewed[state]() -> usize;
    cancel_generation[state](id: GenerationId) -> Generation;
    retry_generation[state](id: GenerationId) -> GenerationSummary;
    delete_generation[state](id: GenerationId) -> ();
    pause_queue[state]() -> ();
    resume_queue[state]() -> ();
    list_tokens[state]() -> Vec<Token>;
    add_token[state](label: String, secret: String) -> TokenWithAccount;
    tokens_here[state]() -> Vec<TokenId>;
    remove_token[state](id: TokenId) -> ();
    forget_token_here[state](id: TokenId) -> Token;
    set_token_enabled[state](id: TokenId, enabled: bool) -> Token;
    revalidate_token[state](id: TokenId) -> TokenWithAccount;
    set_token_concurrency[state](id: TokenId, n: u32) -> Token;
    list_presets[]() -> Vec<ModelPreset>;
    get_model_form[state](model: String) -> ModelForm;
    search_models[state](query: String) -> ModelSearch;
    list_collections[state]() -> Vec<CollectionSummary>;
    get_collection[state](slug: String) -> Collection;
    start_demo[app, state]() -> AppInfo;
    open_output_folder[app, state](id: GenerationId) -> ();
    save_output_as[app, state](id: GenerationId, index: usize) -> Option<String>;
    list_history[state](query: HistoryQuery) -> HistoryPage;
    history_models[state]() -> Vec<String>;
    history_members[state]() -> Vec<String>;
    bulk_generations[state](ids: Vec<GenerationId>, action: BulkAction, scope: Option<Scope>) -> BulkResult;
    clear_finished[state](scope: Option<Scope>) -> usize;
    fetch_outputs[state](id: GenerationId) -> bool;
    run_time_stats[state]() -> Vec<ModelRunTime>;
    get_batch[state](batch_id: BatchId) -> BatchSummary;
    cancel_batch[state](batch_id: BatchId, scope: Option<Scope>) -> usize;
    retry_batch[state](batch_id: BatchId) -> Vec<GenerationSummary>;
    move_generation[state](id: GenerationId, to: MoveTo) -> GenerationSummary;
    reorder_pending[state](ids: Vec<GenerationId>) -> ();
    get_settings[state]() -> Settings;
    set_settings[app, state](settings: Settings) -> Settings;
    window_ready[app]() -> ();
    take_queue_events[app](first: bool) -> Vec<genqueue_core::events::Event>;
    telegram_info[app, state]() -> TelegramInfo;
    set_telegram_token[app, state](token: String) -> TelegramInfo;
    remove_telegram_token[app, state]() -> TelegramInfo;
    send_telegram_test[state]() -> String;
    find_telegram_chats[state]() -> Vec<ChatSeen>;
    dismiss_telegram_failure[app]() -> ();
    spend_report[state](from: Option<DateTime<Utc>> as "string | null", to: Option<DateTime<Utc>> as "string | null") -> SpendReport;
    set_spend_settings[state](settings: SpendSettings) -> SpendSettings;
    shipped_prices[]() -> String;
    estimate_generation[state](
        model: String,
        input: Option<JsonObject> as "Record<string, unknown> | null",
        generations: u32
    ) -> Estimate;
    generation_spend[state](ids: Vec<GenerationId>) -> Vec<GenerationSpend>;
    history_spend[state](query: HistoryQuery) -> SpendTotal;
    batch_spend[state](batch_id: BatchId) -> SpendTotal;
    team_info[state]() -> TeamInfo;
    test_team_connection[](database_url: String, password: Option<String>) -> ConnectionCheck;
    join_team[app, state](database_url: String, password: Option<String>, member: String) -> TeamInfo;
    leave_team[app, state]() -> TeamInfo;
}

/// One command as the window sees it.
#[cfg(test)]
pub(crate) struct CommandDecl {
    pub name: &'static str,
    pub args: Vec<ArgDecl>,
    /// The TypeScript of the answer (`null` for none).
    pub result: String,
}

/// One argument: its IPC name (camelCase), its TypeScript, and whether it may be left out.
#[cfg(test)]
pub(crate) struct ArgDecl {
    pub name: String,
    pub ts: String,
    pub optional: bool,
}

/// `unviewed_only` → `unviewedOnly`, as Tauri names command arguments.
#[cfg(test)]
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript of the list: a `Commands` type (each command's arguments
/// and answer) and `COMMANDS` (every name, in the list's order).
#[cfg(test)]
pub(crate) fn typescript(cfg: &ts_rs::Config) -> String {
    let decls = declared(cfg);
    let mut ts = String::from(
        "/**\n * Every command the Rust side registers (src-tauri/src/ipc.rs): its \
         arguments, named as the IPC\n * names them (an optional one may be left out), \
         and its answer. A command fails with an `ErrorPayload`.\n */\nexport type Commands = {\n",
    );
    for d in &decls {
        let args = if d.args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            let fields: Vec<String> = d
                .args
                .iter()
                .map(|a| format!("{}{}: {}", a.name, if a.optional { "?" } else { "" }, a.ts))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        };
        ts.push_str(&format!(
            "  {}: {{ args: {args}; result: {} }};\n",
            d.name, d.result
        ));
    }
    ts.push_str(
        "};\n\n/** The name of a command. */\nexport type CommandName = keyof Commands;\n\n",
    );
    ts.push_str(
        "/** Every command's name, in the order of the Rust list. */\nexport const COMMANDS = [\n",
    );
    for d in &decls {
        ts.push_str(&format!("  \"{}\",\n", d.name));
    }
    ts.push_str("] as const satisfies readonly CommandName[];\n");
    ts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_arguments_are_camel_case() {
        let decls = declared(&ts_rs::Config::new().with_large_int("number"));
        let mut names: Vec<_> = decls.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), decls.len(), "a command is listed twice");
        let batch = decls.iter().find(|d| d.name == "get_batch").unwrap();
        assert_eq!(batch.args[0].name, "batchId");
        let list = decls.iter().find(|d| d.name == "list_generations").unwrap();
        assert!(
            list.args.iter().all(|a| a.optional),
            "every list argument may be left out"
        );
        let create = decls
            .iter()
            .find(|d| d.name == "create_generation")
            .unwrap();
        assert!(!create.args[0].optional, "model is required");
        assert_eq!(create.result, "Array<GenerationSummary>");
    }
}
