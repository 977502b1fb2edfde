//! `replicate-sim`: the simulator as a program (demo, benchmarks, curl).

use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use clap::Parser;
use rand::Rng;
use replicate_sim::config::{parse_delay, parse_duration};
use replicate_sim::{
    AccountConfig, Behaviour, Delay, FaultRule, RateLimits, Sim, SimConfig, Timing,
};

/// A Replicate-compatible HTTP API on loopback: predictions with real image
/// outputs, rate limits, accounts and injectable faults.
///
/// Prints the base URL (and any generated tokens) on start; stop with Ctrl-C.
/// Inspect with `curl BASE/../_sim/stats`.
#[derive(Parser, Debug)]
#[command(name = "replicate-sim", version, after_help = AFTER_HELP)]
struct Cli {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind (0 = any free port).
    #[arg(long, default_value_t = 5055)]
    port: u16,
    /// A token the server accepts: TOKEN[:BEHAVIOUR[:USERNAME]], BEHAVIOUR one
    /// of ok, invalid, out-of-credit, low-credit. Repeatable.
    #[arg(long = "token", value_name = "TOKEN[:BEHAVIOUR[:USERNAME]]")]
    tokens: Vec<String>,
    /// Generate N working fake tokens (printed on start), one account each.
    #[arg(long, value_name = "N", default_value_t = 0)]
    demo_tokens: usize,
    /// Time in `starting` per prediction (sim time): `800ms`, `1s..3s` or `realistic`.
    #[arg(long, default_value = "800ms", value_parser = delay)]
    boot: Delay,
    /// Time in `processing` per prediction (sim time): `2s`, `2s..5s` or `realistic`.
    #[arg(long, default_value = "2s..5s", value_parser = delay)]
    predict: Delay,
    /// Shorthand for `--boot realistic --predict realistic` (1–30 s runs, some 30–120 s cold boots).
    #[arg(long)]
    realistic: bool,
    /// Multiplies every sim-time duration (boot, predict, Cancel-After, Prefer: wait); 0.01 = 100× faster.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Seed of every random draw (ids, delays, fault rates).
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
    /// How long outputs, inputs and logs live after a prediction ends (real time).
    #[arg(long, default_value = "1h", value_parser = duration)]
    output_ttl: Duration,
    /// Prediction creates per minute per account.
    #[arg(long, default_value_t = 600)]
    creates_per_min: u32,
    /// Creates allowed at once (bucket size).
    #[arg(long, default_value_t = 600)]
    create_burst: u32,
    /// Other API requests per minute per account.
    #[arg(long, default_value_t = 3000)]
    others_per_min: u32,
    /// Other requests allowed at once (bucket size).
    #[arg(long, default_value_t = 3000)]
    other_burst: u32,
    /// Creates per minute for low-credit accounts.
    #[arg(long, default_value_t = 6)]
    low_credit_creates_per_min: u32,
    /// Bucket size for low-credit creates.
    #[arg(long, default_value_t = 1)]
    low_credit_burst: u32,
    /// A fault rule: KIND[@TRIGGER][,token=T][,endpoint=E]. Repeatable. See below.
    #[arg(long = "fault", value_name = "SPEC", value_parser = fault)]
    faults: Vec<FaultRule>,
    /// Multiplies output image sizes (1 = real sizes such as 1024x1024).
    #[arg(long, default_value_t = 1.0)]
    image_scale: f64,
    /// In `Prefer: wait` answers, give output file URLs instead of `data:` URIs.
    #[arg(long)]
    no_inline_wait: bool,
    /// In `Prefer: wait` answers, report `succeeded` (not `processing`) once done.
    #[arg(long)]
    wait_reports_terminal: bool,
    /// Predictions per page of GET /v1/predictions.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
}

const AFTER_HELP: &str = "\
FAULTS (--fault KIND[@TRIGGER][,token=TOKEN][,endpoint=ENDPOINT]):
  KIND      500-json, 503-json (any 5xx + '-json': problem+json body)
            502-html, 504-html (any 5xx + '-html': proxy HTML body)
            storm                429 as if the limit were spent
            drop-before          close the connection before acting
            drop-after           act (e.g. create the prediction), then close without answering
            slow=DURATION        wait DURATION (real time), then act and answer; a client gone meanwhile leaves it undone
            slow-answer=DURATION act at once, answer DURATION later
            late[=DURATION]      creates: accept, make the prediction DURATION later (default 2s) even if the
                                 client hung up; answer then (with drop-before too: close at once)
            fail[=MESSAGE]       the created prediction fails with a model error
            interrupt            the created prediction fails: 'Prediction interrupted; please retry (code: PA)'
            stuck                the created prediction stays 'starting'
            revoke               revoke the token (use @nth=N+1 to let N requests through)
            truncate             downloads send half the bytes of their Content-Length, then close
            stream-drop[=N]      a prediction stream's connection breaks after N events (default 1)
            stream-end[=N]       a prediction stream ends without 'done' (after N events; default: where 'done' would be)
            stream-split         a prediction stream's writes are cut into pieces of a few bytes
            stream-gone          a prediction stream answers 404
  TRIGGER   always (default) | rate=P | nth=N | every=N   (counted over matching requests)
  ENDPOINT  create, get, list, cancel, account, model, files, stream
  e.g. --fault 503-json@rate=0.1 --fault drop-after@nth=2,endpoint=create --fault revoke@nth=11,token=T

RUN-TIME CONTROL (HTTP, no auth): GET /_sim/stats; GET|POST|DELETE /_sim/faults (JSON rules);
  POST /_sim/accounts {token,username,behaviour}; POST /_sim/revoke {token};
  POST /_sim/behaviour {token,behaviour}; POST /_sim/expire; POST /_sim/advance {seconds}";

fn delay(text: &str) -> Result<Delay, String> {
    parse_delay(text)
        .ok_or_else(|| format!("not a delay: {text:?} (e.g. 800ms, 1s..3s, realistic)"))
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("not a duration: {text:?} (e.g. 30s, 5m, 1h30m)"))
}

fn fault(text: &str) -> Result<FaultRule, String> {
    FaultRule::parse(text)
}

fn account(spec: &str, index: usize) -> Result<AccountConfig, String> {
    let mut parts = spec.splitn(3, ':');
    let token = parts
        .next()
        .filter(|t| !t.is_empty())
        .ok_or("empty token")?;
    let behaviour = parts
        .next()
        .map(str::parse::<Behaviour>)
        .transpose()?
        .unwrap_or(Behaviour::Ok);
    let username = parts
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| format!("sim-user-{}", index + 1));
    Ok(AccountConfig {
        token: token.to_string(),
        username,
        behaviour,
    })
}

fn demo_token() -> String {
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..37)
        .map(|_| ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())] as char)
        .collect();
    format!("r8_{tail}")
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let mut accounts = Vec::new();
    for (i, spec) in cli.tokens.iter().enumerate() {
        match account(spec, i) {
            Ok(a) => accounts.push(a),
            Err(e) => {
                eprintln!("replicate-sim: --token {spec:?}: {e}");
                std::process::exit(2);
            }
        }
    }
    let mut generated = Vec::new();
    for i in 0..cli.demo_tokens {
        let token = demo_token();
        generated.push(token.clone());
        accounts.push(AccountConfig::new(token, format!("demo-user-{}", i + 1)));
    }
    let (boot, predict) = if cli.realistic {
        (Delay::Realistic, Delay::Realistic)
    } else {
        (cli.boot, cli.predict)
    };
    let config = SimConfig {
        host: cli.host,
        port: cli.port,
        accounts,
        timing: Timing {
            boot,
            predict,
            time_scale: cli.time_scale,
        },
        seed: cli.seed,
        output_ttl: cli.output_ttl,
        rate_limits: RateLimits {
            creates_per_min: cli.creates_per_min,
            create_burst: cli.create_burst,
            others_per_min: cli.others_per_min,
            other_burst: cli.other_burst,
            low_credit_creates_per_min: cli.low_credit_creates_per_min,
            low_credit_burst: cli.low_credit_burst,
        },
        faults: cli.faults,
        image_scale: cli.image_scale,
        inline_outputs_in_wait: !cli.no_inline_wait,
        wait_answers_processing: !cli.wait_reports_terminal,
        list_page_size: cli.page_size,
        ..SimConfig::default()
    };
    let sim = match Sim::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!(
                "replicate-sim: cannot listen on {}:{}: {e}",
                cli.host, cli.port
            );
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "replicate-sim listening on {}", sim.base_url());
    for token in &generated {
        let _ = writeln!(out, "token: {token}");
    }
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_specs_parse() {
        let a = account("abc:low-credit:bob", 0).unwrap();
        assert_eq!(
            (a.token.as_str(), a.behaviour, a.username.as_str()),
            ("abc", Behaviour::LowCredit, "bob")
        );
        assert_eq!(account("abc", 2).unwrap().username, "sim-user-3");
        assert!(account("abc:nope", 0).is_err());
    }

    #[test]
    fn help_documents_every_knob() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for flag in [
            "--port",
            "--host",
            "--token",
            "--demo-tokens",
            "--time-scale",
            "--output-ttl",
            "--fault",
            "--seed",
            "--image-scale",
        ] {
            assert!(help.contains(flag), "{flag}");
        }
    }
}
