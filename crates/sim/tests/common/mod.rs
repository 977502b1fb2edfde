//! Helpers shared by the HTTP tests: a started simulator, fake tokens built
//! at run time, a client, and polling.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use replicate_sim::{AccountConfig, Behaviour, Sim, SimConfig, SimHandle};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

/// A fake token, made at run time (never a literal shaped like a real one).
pub fn token(name: &str) -> String {
    format!("r8_{}{}", "T".repeat(4), name)
}

pub struct Env {
    pub sim: SimHandle,
    pub client: Client,
    pub alice: String,
    pub bob: String,
}

impl Env {
    /// A fast simulator with two accounts, alice and bob.
    pub async fn start() -> Self {
        Self::with(SimConfig::fast()).await
    }

    /// Like [`Env::start`] with a tweaked config (alice and bob are added).
    pub async fn with(config: SimConfig) -> Self {
        let (alice, bob) = (token("alice"), token("bob"));
        let config = config
            .account(AccountConfig::new(&alice, "alice"))
            .account(AccountConfig::new(&bob, "bob"));
        let sim = Sim::start(config).await.expect("sim starts");
        let client = Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            sim,
            client,
            alice,
            bob,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub fn root(&self, path: &str) -> String {
        format!("http://{}{path}", self.sim.addr())
    }

    pub fn get(&self, token: &str, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, token: &str, path: &str, body: Value) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
    }

    /// Creates a flux-schnell prediction; returns the raw answer.
    pub async fn create(&self, token: &str, input: Value) -> Response {
        self.post(
            token,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": input}),
        )
        .send()
        .await
        .expect("create answers")
    }

    /// Creates and returns the body (asserting 201).
    pub async fn create_ok(&self, token: &str, input: Value) -> Value {
        let response = self.create(token, input).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// Polls a prediction until its status is terminal (5 s at most).
    pub async fn finish(&self, token: &str, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let body: Value = self
                .get(token, &format!("/predictions/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let status = body["status"].as_str().unwrap_or_default();
            if ["succeeded", "failed", "canceled", "aborted"].contains(&status) {
                return body;
            }
            assert!(Instant::now() < deadline, "prediction {id} still {status}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn behave(&self, token: &str, behaviour: Behaviour) {
        assert!(self.sim.set_behaviour(token, behaviour));
    }
}

/// Asserts a problem+json answer and returns its body.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}
