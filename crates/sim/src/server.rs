//! The accept loop. Each connection gets a [`ConnControl`] in its requests'
//! extensions, so that a handler can close the socket without answering
//! (the dropped-connection faults) — something a plain `axum::serve` cannot.

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_service::Service;

/// Closes the connection a request came on.
#[derive(Clone, Debug)]
pub struct ConnControl(Arc<Notify>);

impl ConnControl {
    /// Closes the socket without an answer; never returns.
    pub async fn drop_connection(&self) -> Response {
        self.0.notify_one();
        std::future::pending::<Response>().await
    }
}

/// Serves `router` on `listener` until `shutdown` turns true.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let kill = Arc::new(Notify::new());
        let control = ConnControl(kill.clone());
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(control.clone());
            let mut router = router.clone();
            async move { router.call(request.map(axum::body::Body::new)).await }
        });
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {}
                _ = stop.changed() => {}
            }
        });
    }
}
