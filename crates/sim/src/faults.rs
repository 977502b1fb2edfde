//! Fault injection: what can go wrong, on which requests, and when.
//!
//! A [`FaultRule`] pairs a [`FaultKind`] with a [`Trigger`] (a probability,
//! the Nth matching request, every Nth, or always) and optional filters (a
//! token, an [`Endpoint`]). Rules are given at start ([`crate::SimConfig`]
//! `faults`, CLI `--fault`) or at run time (`SimHandle::add_fault`,
//! `POST /_sim/faults` with the rule's JSON). Each rule counts the requests
//! that pass its filters; a trigger is checked against that count.
//!
//! JSON form (serde): `{"kind": {"server_error_json": {"status": 503}},
//! "trigger": {"nth": 3}, "token": null, "endpoint": "create"}`.
//! Text form (CLI, [`FaultRule::parse`]): `KIND[@TRIGGER][,token=T][,endpoint=E]`,
//! e.g. `500-json@rate=0.1`, `502-html@nth=3`, `drop-after@nth=1,endpoint=create`,
//! `slow=5s@every=4`, `slow-answer=2s@rate=0.3`, `late=2s@rate=0.3`,
//! `fail@rate=0.2`, `interrupt`, `stuck@nth=2`,
//! `storm@rate=0.5`, `truncate`, `revoke@nth=11,token=SECRET`,
//! `stream-drop=3@nth=1`, `stream-end`, `stream-end=2`, `stream-split`,
//! `stream-gone`, `503-json,endpoint=stream`, `slow=2s,endpoint=stream`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::parse_duration;

/// Which requests a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// Any `POST` that creates a prediction.
    Create,
    /// `GET /v1/predictions/{id}`.
    Get,
    /// `GET /v1/predictions`.
    List,
    /// `POST /v1/predictions/{id}/cancel`.
    Cancel,
    /// `GET /v1/account`.
    Account,
    /// `GET /v1/models/...`.
    Model,
    /// Output file downloads (`/files/...`).
    Files,
    /// A prediction's `urls.stream` (`GET /v1/files/{stream id}`).
    Stream,
    /// `POST /v1/files` (uploads).
    Upload,
}

impl Endpoint {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "create" => Self::Create,
            "get" => Self::Get,
            "list" => Self::List,
            "cancel" => Self::Cancel,
            "account" => Self::Account,
            "model" | "models" => Self::Model,
            "files" | "file" | "download" => Self::Files,
            "stream" | "streams" => Self::Stream,
            "upload" | "uploads" => Self::Upload,
            _ => return None,
        })
    }
}

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A 5xx with a problem+json body; nothing is done.
    ServerErrorJson {
        /// Status code (500–599).
        status: u16,
    },
    /// A 5xx with an HTML body, as a proxy answers; nothing is done.
    ServerErrorHtml {
        /// Status code (500–599).
        status: u16,
    },
    /// A 429 as though the account's limit were spent (burst of throttling).
    RateLimitStorm,
    /// The connection closes before the request is acted on (no answer).
    DropBeforeAction,
    /// The request is acted on (a create makes its prediction), then the
    /// connection closes without an answer.
    DropAfterAction,
    /// The request waits this long before it is handled (real time), so the
    /// answer comes that much later; a client that hangs up meanwhile leaves
    /// it undone (a create then makes no prediction).
    Slow {
        /// Added delay.
        delay: Duration,
    },
    /// The request is handled at once (a create makes its prediction), then
    /// its answer waits this long (real time) before it leaves.
    SlowAnswer {
        /// Added delay.
        delay: Duration,
    },
    /// A create is accepted, and acted on this long later (real time): its
    /// prediction appears in the list and to `GET` only then, whether or not
    /// the client still waits (a busy front end, a slow network). The answer
    /// leaves once the prediction exists; with `DropBeforeAction` on the same
    /// request the connection closes at once and the prediction still comes.
    LateCreate {
        /// How long after the request arrived the prediction is made.
        delay: Duration,
    },
    /// The created prediction fails with this model error (Python-ish text).
    FailPrediction {
        /// The `error` field.
        message: String,
    },
    /// The created prediction fails with the platform error
    /// "Prediction interrupted; please retry (code: PA)".
    InterruptPrediction,
    /// The created prediction stays in `starting` for ever.
    StuckStarting,
    /// The token is revoked before this request is handled (it and every
    /// later request answer 401). With `nth = N + 1`, N requests succeed.
    RevokeToken,
    /// A download sends `Content-Length` for the whole file, half the bytes,
    /// then closes.
    TruncateDownload,
    /// A stream's connection breaks (mid-body) after this many events.
    StreamDrop {
        /// Events sent on the connection before it breaks.
        after: u32,
    },
    /// A stream ends cleanly without `done`: after this many events, or
    /// (`None`) where `done` would have come.
    StreamEnd {
        /// Events sent before the end; `None`: all but `done`.
        after: Option<u32>,
    },
    /// Every write of a stream is cut into pieces of a few bytes, each sent
    /// apart (data split anywhere, even inside a line ending).
    StreamSplit,
    /// The stream answers 404 (gone or never offered).
    StreamGone,
}

impl FaultKind {
    /// Short name used in stats (`faults_injected`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::ServerErrorJson { .. } => "server_error_json",
            Self::ServerErrorHtml { .. } => "server_error_html",
            Self::RateLimitStorm => "rate_limit_storm",
            Self::DropBeforeAction => "drop_before_action",
            Self::DropAfterAction => "drop_after_action",
            Self::Slow { .. } => "slow",
            Self::SlowAnswer { .. } => "slow_answer",
            Self::LateCreate { .. } => "late_create",
            Self::FailPrediction { .. } => "fail_prediction",
            Self::InterruptPrediction => "interrupt_prediction",
            Self::StuckStarting => "stuck_starting",
            Self::RevokeToken => "revoke_token",
            Self::TruncateDownload => "truncate_download",
            Self::StreamDrop { .. } => "stream_drop",
            Self::StreamEnd { .. } => "stream_end",
            Self::StreamSplit => "stream_split",
            Self::StreamGone => "stream_gone",
        }
    }

    /// The endpoint a rule of this kind watches when it names none.
    fn default_endpoint(&self) -> Option<Endpoint> {
        match self {
            Self::FailPrediction { .. }
            | Self::InterruptPrediction
            | Self::StuckStarting
            | Self::LateCreate { .. } => Some(Endpoint::Create),
            Self::TruncateDownload => Some(Endpoint::Files),
            Self::StreamDrop { .. }
            | Self::StreamEnd { .. }
            | Self::StreamSplit
            | Self::StreamGone => Some(Endpoint::Stream),
            _ => None,
        }
    }
}

/// When a rule fires, counted over the requests that pass its filters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Every matching request.
    Always,
    /// Each matching request with this probability (0–1), from the seeded RNG.
    Rate(f64),
    /// Only the Nth matching request (1-based).
    Nth(u64),
    /// The Nth, 2Nth, 3Nth… matching requests.
    EveryNth(u64),
}

/// One fault rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// What goes wrong.
    pub kind: FaultKind,
    /// When.
    pub trigger: Trigger,
    /// Only requests carrying this token (None: any token, or none).
    #[serde(default)]
    pub token: Option<String>,
    /// Only this endpoint (None: the kind's natural endpoint, else any).
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
}

impl FaultRule {
    /// A rule on any token and the kind's natural endpoint.
    pub fn new(kind: FaultKind, trigger: Trigger) -> Self {
        Self {
            kind,
            trigger,
            token: None,
            endpoint: None,
        }
    }

    /// Restricts the rule to one token.
    pub fn for_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Restricts the rule to one endpoint.
    pub fn on(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Revokes `token` once it has made `n` requests (request n+1 answers 401).
    pub fn revoke_after(token: impl Into<String>, n: u64) -> Self {
        Self::new(FaultKind::RevokeToken, Trigger::Nth(n + 1)).for_token(token)
    }

    /// The endpoint filter in force.
    pub fn effective_endpoint(&self) -> Option<Endpoint> {
        self.endpoint.or_else(|| self.kind.default_endpoint())
    }

    /// Parses the text form (see the module docs).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or_default();
        let (kind_text, trigger_text) = head.split_once('@').unwrap_or((head, "always"));
        let (name, arg) = kind_text.split_once('=').unwrap_or((kind_text, ""));
        let status = |default: u16| -> Result<u16, String> {
            let code = name
                .split('-')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(default);
            if (500..600).contains(&code) {
                Ok(code)
            } else {
                Err(format!("{code} is not a 5xx status"))
            }
        };
        let kind = match name {
            n if n.ends_with("-json") => FaultKind::ServerErrorJson {
                status: status(500)?,
            },
            n if n.ends_with("-html") => FaultKind::ServerErrorHtml {
                status: status(502)?,
            },
            "storm" | "429" => FaultKind::RateLimitStorm,
            "drop-before" => FaultKind::DropBeforeAction,
            "drop-after" => FaultKind::DropAfterAction,
            "slow" => FaultKind::Slow {
                delay: parse_duration(if arg.is_empty() { "30s" } else { arg })
                    .ok_or("bad slow delay")?,
            },
            "slow-answer" => FaultKind::SlowAnswer {
                delay: parse_duration(if arg.is_empty() { "30s" } else { arg })
                    .ok_or("bad slow-answer delay")?,
            },
            "late" => FaultKind::LateCreate {
                delay: parse_duration(if arg.is_empty() { "2s" } else { arg })
                    .ok_or("bad late delay")?,
            },
            "fail" => FaultKind::FailPrediction {
                message: if arg.is_empty() {
                    "CUDA out of memory. Tried to allocate 2.00 GiB".into()
                } else {
                    arg.into()
                },
            },
            "interrupt" => FaultKind::InterruptPrediction,
            "stuck" => FaultKind::StuckStarting,
            "revoke" => FaultKind::RevokeToken,
            "truncate" => FaultKind::TruncateDownload,
            "stream-drop" => FaultKind::StreamDrop {
                after: if arg.is_empty() {
                    1
                } else {
                    arg.parse().map_err(|_| "bad stream-drop count")?
                },
            },
            "stream-end" => FaultKind::StreamEnd {
                after: if arg.is_empty() {
                    None
                } else {
                    Some(arg.parse().map_err(|_| "bad stream-end count")?)
                },
            },
            "stream-split" => FaultKind::StreamSplit,
            "stream-gone" => FaultKind::StreamGone,
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        let trigger = match trigger_text.split_once('=') {
            _ if trigger_text == "always" => Trigger::Always,
            Some(("rate", p)) => Trigger::Rate(p.parse().map_err(|_| "bad rate")?),
            Some(("nth", n)) => Trigger::Nth(n.parse().map_err(|_| "bad nth")?),
            Some(("every", n)) => Trigger::EveryNth(n.parse().map_err(|_| "bad every")?),
            _ => {
                return Err(format!(
                    "unknown trigger {trigger_text:?} (always, rate=P, nth=N, every=N)"
                ));
            }
        };
        let mut rule = Self::new(kind, trigger);
        for part in parts {
            match part.split_once('=') {
                Some(("token", t)) => rule.token = Some(t.to_string()),
                Some(("endpoint", e)) => {
                    rule.endpoint =
                        Some(Endpoint::parse(e).ok_or(format!("unknown endpoint {e:?}"))?)
                }
                _ => return Err(format!("unknown fault option {part:?}")),
            }
        }
        Ok(rule)
    }
}

/// Rules in force, each with the count of requests it has seen.
#[derive(Debug, Default)]
pub struct FaultBook {
    rules: Vec<(FaultRule, u64)>,
}

impl FaultBook {
    /// Adds a rule (its count starts at 0).
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push((rule, 0));
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The rules, for display.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|(r, _)| r.clone()).collect()
    }

    /// Counts this request against every matching rule and returns the kinds
    /// that fire, in rule order. `draw` gives a uniform number in [0, 1).
    pub fn fire(
        &mut self,
        token: Option<&str>,
        endpoint: Option<Endpoint>,
        mut draw: impl FnMut() -> f64,
    ) -> Vec<FaultKind> {
        let mut fired = Vec::new();
        for (rule, seen) in &mut self.rules {
            if rule.token.as_deref().is_some_and(|t| Some(t) != token) {
                continue;
            }
            if rule
                .effective_endpoint()
                .is_some_and(|e| Some(e) != endpoint)
            {
                continue;
            }
            *seen += 1;
            let hit = match rule.trigger {
                Trigger::Always => true,
                Trigger::Rate(p) => draw() < p,
                Trigger::Nth(n) => *seen == n,
                Trigger::EveryNth(n) => n > 0 && *seen % n == 0,
            };
            if hit {
                fired.push(rule.kind.clone());
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_parse() {
        let r = FaultRule::parse("503-json@nth=3,endpoint=get").unwrap();
        assert_eq!(r.kind, FaultKind::ServerErrorJson { status: 503 });
        assert_eq!(
            (r.trigger, r.endpoint),
            (Trigger::Nth(3), Some(Endpoint::Get))
        );
        assert_eq!(
            FaultRule::parse("slow=2s@rate=0.5").unwrap().kind,
            FaultKind::Slow {
                delay: Duration::from_secs(2)
            }
        );
        assert_eq!(
            FaultRule::parse("truncate").unwrap().effective_endpoint(),
            Some(Endpoint::Files)
        );
        assert_eq!(
            FaultRule::parse("revoke@nth=4,token=abc")
                .unwrap()
                .token
                .as_deref(),
            Some("abc")
        );
        let late = FaultRule::parse("late=1500ms@rate=0.3").unwrap();
        assert_eq!(
            (late.kind.clone(), late.effective_endpoint()),
            (
                FaultKind::LateCreate {
                    delay: Duration::from_millis(1500)
                },
                Some(Endpoint::Create)
            )
        );
        assert_eq!(
            FaultRule::parse("slow-answer=2s").unwrap().kind,
            FaultKind::SlowAnswer {
                delay: Duration::from_secs(2)
            }
        );
        assert_eq!(
            FaultRule::parse("stream-drop=3@nth=1").unwrap(),
            FaultRule::new(FaultKind::StreamDrop { after: 3 }, Trigger::Nth(1))
        );
        assert_eq!(
            FaultRule::parse("stream-end").unwrap().effective_endpoint(),
            Some(Endpoint::Stream)
        );
        assert_eq!(
            FaultRule::parse("slow=1s,endpoint=stream")
                .unwrap()
                .endpoint,
            Some(Endpoint::Stream)
        );
        assert!(FaultRule::parse("late=soon").is_err());
        assert!(FaultRule::parse("404-json").is_err());
        assert!(FaultRule::parse("explode").is_err());
    }

    #[test]
    fn nth_fires_once_and_every_nth_repeats() {
        let mut book = FaultBook::default();
        book.add(FaultRule::new(FaultKind::RateLimitStorm, Trigger::Nth(2)));
        book.add(
            FaultRule::new(FaultKind::DropBeforeAction, Trigger::EveryNth(2)).on(Endpoint::Get),
        );
        let fired: Vec<usize> = (0..4)
            .map(|_| book.fire(None, Some(Endpoint::Get), || 0.5).len())
            .collect();
        assert_eq!(fired, [0, 2, 0, 1]);
    }

    #[test]
    fn token_filter_skips_other_tokens() {
        let mut book = FaultBook::default();
        book.add(FaultRule::revoke_after("a", 1));
        assert!(book.fire(Some("b"), Some(Endpoint::Get), || 0.0).is_empty());
        assert!(book.fire(Some("a"), Some(Endpoint::Get), || 0.0).is_empty());
        assert_eq!(
            book.fire(Some("a"), Some(Endpoint::Get), || 0.0),
            [FaultKind::RevokeToken]
        );
    }

    #[test]
    fn rules_round_trip_through_json() {
        let rule = FaultRule::new(
            FaultKind::ServerErrorHtml { status: 502 },
            Trigger::Rate(0.25),
        )
        .on(Endpoint::List);
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(serde_json::from_str::<FaultRule>(&json).unwrap(), rule);
    }
}
