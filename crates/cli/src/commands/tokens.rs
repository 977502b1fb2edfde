//! `genq tokens add|list|check|enable|disable|rm|forget`: the token pool.
//!
//! A secret is read from stdin (piped) or a hidden prompt (a terminal), never
//! from the argument list, where `ps` and shell history would see it.

use std::io::{IsTerminal, Read};

use genqueue_core::Token;
use genqueue_core::queue::Queue;
use genqueue_core::secrets::Secret;
use serde_json::json;

use crate::args::TokensCommand;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{local_time, print_json, println_out};

/// Runs a `tokens` subcommand.
pub async fn run(ctx: &Context, cmd: TokensCommand) -> CliResult {
    match cmd {
        TokensCommand::Add {
            label,
            concurrency,
            json,
        } => add(ctx, label.as_deref().unwrap_or(""), concurrency, json).await,
        TokensCommand::List { json } => list(ctx, json).await,
        TokensCommand::Check { token } => {
            let queue = ctx.open()?;
            let t = resolve(&queue, &token)?;
            let (t, account) = queue.revalidate_token(t.id).await?;
            println_out(&format!(
                "token \"{}\" (…{}) works: Replicate account {}",
                t.label, t.fingerprint, account.username
            ))?;
            Ok(Exit::Ok)
        }
        TokensCommand::Enable { token } => {
            let queue = ctx.open()?;
            let t = queue.enable_token(resolve(&queue, &token)?.id)?;
            println_out(&format!("enabled token \"{}\"", t.label))?;
            Ok(Exit::Ok)
        }
        TokensCommand::Disable { token, reason } => {
            let queue = ctx.open()?;
            let t = queue.disable_token(resolve(&queue, &token)?.id, &reason)?;
            println_out(&format!("disabled token \"{}\"", t.label))?;
            Ok(Exit::Ok)
        }
        TokensCommand::Rm { token } => {
            let queue = ctx.open()?;
            let t = resolve(&queue, &token)?;
            queue.remove_token(t.id).await?;
            println_out(&format!("removed token \"{}\"", t.label))?;
            Ok(Exit::Ok)
        }
        TokensCommand::Forget { token } => {
            let queue = ctx.open()?;
            let t = resolve(&queue, &token)?;
            queue.forget_token_here(t.id).await?;
            println_out(&format!(
                "forgot token \"{}\" on this machine: its secret left this keyring; it stays in the team's pool",
                t.label
            ))?;
            Ok(Exit::Ok)
        }
    }
}

/// Reads the secret: the whole of stdin when piped, else a hidden prompt.
fn read_secret() -> CliResult<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Replicate API token (input hidden): ")
            .map_err(|e| CliError::token(format!("cannot read the token: {e}")))
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::token(format!("cannot read the token from stdin: {e}")))?;
        Ok(text)
    }
}

async fn add(ctx: &Context, label: &str, concurrency: Option<u32>, json: bool) -> CliResult {
    let raw = read_secret()?;
    // Checked before anything is opened, so a bad paste changes nothing.
    Secret::parse(&raw)?;
    let queue = ctx.open()?;
    let added = queue.add_or_join_token(label, &raw).await?;
    let (mut token, account) = (added.token, added.account);
    if let Some(n) = concurrency {
        token = queue.set_token_concurrency(token.id, n)?;
    }
    if json {
        print_json(&json!({ "token": token, "account": account, "joined": added.joined }))?;
    } else if added.joined {
        println_out(&format!(
            "token \"{}\" (…{}, Replicate account {}) was already in the team's pool; \
             it is now usable from this machine",
            token.label, token.fingerprint, account.username
        ))?;
    } else {
        println_out(&format!(
            "added token \"{}\" (…{}) for Replicate account {}",
            token.label, token.fingerprint, account.username
        ))?;
    }
    Ok(Exit::Ok)
}

async fn list(ctx: &Context, json: bool) -> CliResult {
    let queue = ctx.open()?;
    let tokens = queue.tokens()?;
    // Whose secret this machine's keyring holds (a team's pool may have others).
    let here = queue.tokens_here().await?;
    if json {
        let rows: Vec<serde_json::Value> = tokens
            .iter()
            .map(|t| {
                let mut v = serde_json::to_value(t).expect("a token serialises");
                v["on_this_machine"] = json!(here.contains(&t.id));
                v
            })
            .collect();
        print_json(&rows)?;
        return Ok(Exit::Ok);
    }
    if tokens.is_empty() {
        println_out("no tokens; add one with `genq tokens add --label NAME` (the token on stdin)")?;
        return Ok(Exit::Ok);
    }
    println_out(&format!(
        "{:<20} {:<6} {:<9} {:>8} {:>6} {:>5}  {:<19}  {}",
        "LABEL", "TOKEN", "STATE", "REQUESTS", "ERRORS", "429S", "LAST USED", "NOTE"
    ))?;
    for t in &tokens {
        println_out(&token_line(t, here.contains(&t.id)))?;
    }
    Ok(Exit::Ok)
}

/// One row of `tokens list`: label, fingerprint, state, figures, last use,
/// then the cooldown or the disabled reason, or that its secret is not on
/// this machine (`here` false: a team member's token this machine cannot use).
fn token_line(t: &Token, here: bool) -> String {
    let now = chrono::Utc::now();
    let cooling = t.cooldown_until.filter(|c| *c > now);
    let state = if !t.active {
        "disabled"
    } else if cooling.is_some() {
        "cooling"
    } else {
        "active"
    };
    let note = if !here {
        "not on this machine: paste it with `genq tokens add` to use it here".to_owned()
    } else if let Some(r) = &t.disabled_reason {
        r.clone()
    } else if let Some(c) = cooling {
        format!("cooling down until {}", local_time(c))
    } else {
        format!("{} of {} slots busy", t.in_flight, t.max_concurrency)
    };
    format!(
        "{:<20} …{:<5} {:<9} {:>8} {:>6} {:>5}  {:<19}  {}",
        crate::output::excerpt(&t.label, 20),
        t.fingerprint,
        state,
        t.request_count,
        t.error_count,
        t.rate_limited_count,
        t.last_used_at
            .map(local_time)
            .unwrap_or_else(|| "never".into()),
        note
    )
}

/// Finds a token by id, exact label, or fingerprint (last 4 characters).
fn resolve(queue: &Queue, which: &str) -> CliResult<Token> {
    let tokens = queue.tokens()?;
    if let Ok(id) = which.parse::<genqueue_core::model::TokenId>()
        && let Some(t) = tokens.iter().find(|t| t.id == id)
    {
        return Ok(t.clone());
    }
    let by_label: Vec<&Token> = tokens.iter().filter(|t| t.label == which).collect();
    let matches = if by_label.is_empty() {
        let fp = which.trim_start_matches('…');
        tokens.iter().filter(|t| t.fingerprint == fp).collect()
    } else {
        by_label
    };
    match matches.as_slice() {
        [t] => Ok((*t).clone()),
        [] => Err(CliError::token(format!(
            "no token called {which:?} (give its id, label or last 4 characters; see `genq tokens list`)"
        ))),
        _ => Err(CliError::token(format!(
            "{which:?} matches several tokens; give the token's id (`genq tokens list --json`)"
        ))),
    }
}
