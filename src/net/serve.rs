//! The accept loop: every TCP connection is served by hyper's HTTP/1.1
//! server (with upgrades) on a task of its own, the router given the
//! client's address as [`ConnectInfo`]; once `shutdown` completes, no new
//! connection is taken and the open ones finish their request and close.
//!
//! Why not `axum::serve`: it serves through hyper-util's protocol-detecting
//! builder, which wraps the socket in a type of its own, so an upgraded
//! WebSocket could not get its `TcpStream` back
//! ([`hyper::upgrade::Upgraded::downcast`]). The connection task needs it
//! to share the socket's write side with the hub (see [`super::wire`]).
//! Browsers speak HTTP/1.1 to a server without TLS, so nothing is lost.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower_http::add_extension::AddExtension;

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// the HTTP connections still open (upgraded WebSockets are not waited
/// for: they have their own way out). `tune` is applied to every accepted
/// socket before it is served.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tune: impl Fn(&TcpStream),
    shutdown: impl Future<Output = ()>,
) {
    // Dropped when shutdown starts: every connection then closes gracefully.
    let (stop_tx, stop_rx) = watch::channel(());
    // Every connection holds a receiver: once all are dropped, they are done.
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                pause_after(&err).await;
                continue;
            }
        };
        tune(&stream);
        let service = TowerToHyperService::new(AddExtension::new(
            router.clone(),
            ConnectInfo::<SocketAddr>(peer),
        ));
        let stop = stop_tx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                () = stop.closed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = served {
                tracing::trace!(%err, "connection ended with an error");
            }
            drop(done);
        });
    }
    drop(listener);
    drop(stop_rx);
    drop(done_rx);
    done_tx.closed().await;
}

/// After a failed `accept`: a connection that failed before it was taken is
/// skipped; anything else (e.g. out of file descriptors) is logged and
/// waited on for a second, so that connections can close meanwhile.
async fn pause_after(err: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%err, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
