//! HTTP and WebSocket: the axum router, one task per connection.
//!
//! - [`connection`]: the per-socket loop (hello, then requests out, frames in).
//! - [`http`]: `/healthz`, `/metrics`, the event map and venue, static pages
//!   and assets.
//! - [`api`]: the moderator's HTTP API (roster import, results export).
//! - [`admission`], [`rate`]: connections per address, messages per connection.
//! - [`headers`]: security headers on every response.

pub mod admission;
pub mod api;
pub mod connection;
pub mod headers;
mod http;
pub mod rate;
mod socket;
mod static_files;
mod upgrade;

use crate::clock::Clock;
use crate::config::Config;
use crate::hub::Registry;
use crate::metrics::Metrics;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::sync::watch;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    pub config: Config,
    pub clock: Clock,
    pub shutdown: watch::Receiver<bool>,
    pub next_conn: AtomicU64,
    /// WebSocket connections whose task still runs: a graceful stop waits
    /// for them to send their last acks and close frames.
    pub live_connections: watch::Sender<usize>,
    /// The address actually bound, for links.
    pub bound: std::net::SocketAddr,
    /// Connections per address.
    pub admission: std::sync::Arc<admission::Admission>,
}

/// The whole HTTP surface of the server.
pub fn router(state: Arc<AppState>) -> Router {
    let routes = Router::new()
        .route("/ws", get(connection::upgrade))
        .route("/healthz", get(http::healthz))
        .route("/metrics", get(http::metrics))
        .route("/api/events/{id}/map", get(http::event_map))
        .route("/api/events/{id}/venue", get(http::event_venue))
        .route(
            "/api/events/{id}/roster",
            post(api::import_roster).layer(DefaultBodyLimit::max(api::MAX_ROSTER_BYTES + 1)),
        )
        .route("/api/events/{id}/results", get(api::export_results))
        .route("/assets/{*path}", get(static_files::asset))
        .route("/venue/{*path}", get(static_files::venue_file))
        .route("/", get(static_files::index))
        .route("/{*path}", get(static_files::page));
    headers::with_security_headers(routes).with_state(state)
}
