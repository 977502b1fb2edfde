//! Nothing secret reaches `tracing`.

use std::fmt::{Debug, Write as _};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use super::fixtures::DOCS_GET_PREDICTION;
use super::server::{Server, http, json};
use super::token;
use crate::replicate::*;

/// Writes every field of every span and event into one string.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        span.record(&mut Fields(&mut self.0.lock().unwrap()));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn logs_name_the_request_but_never_the_token() {
    const TOKEN: &str = "r8_LogSecret987";
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Server::start(|seen| match seen.target.as_str() {
        "/v1/predictions/ok" => json(200, DOCS_GET_PREDICTION),
        _ => http(
            401,
            &[],
            &format!("bad {}", seen.header("authorization").unwrap_or_default()),
        ),
    })
    .await;
    let c = ReplicateClient::new(&server.base())
        .unwrap()
        .with_timeout(Duration::from_millis(800));
    let t = token(TOKEN);
    c.get_prediction(&t, "ok").await.unwrap();
    c.get_prediction(&t, "nope").await.unwrap_err();
    c.download(&format!("http://{}/f.png", server.addr), Some(&t))
        .await
        .unwrap_err();
    let logged = capture.0.lock().unwrap().clone();
    assert!(logged.contains("/predictions/ok"), "{logged}");
    assert!(logged.contains("status=401"), "{logged}");
    assert!(!logged.contains(TOKEN), "{logged}");
}
