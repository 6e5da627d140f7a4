//! HTTP and WebSocket: the axum router, one task per connection.
//!
//! - [`connection`]: the per-socket loop (hello, then requests out, frames in).
//! - [`http`]: `/healthz`, `/metrics`, the event map and venue, static pages
//!   and assets.
//! - [`api`]: the moderator's HTTP API (roster import, results export).
//! - [`admin`]: the instance operator's API (events created, changed,
//!   archived, cloned, deleted) and the moderator's settings routes.
//! - [`registration`]: public sign-up and the moderator's decisions;
//!   [`privacy`]: a person's data download and account deletion.
//! - [`admission`], [`rate`]: connections per address, messages per connection.
//! - [`headers`]: security headers on every response.
//! - [`probe`]: `/check`'s network test (a short-lived media probe).
//! - [`uploads`]: project files, uploaded and served; [`gallery`]: the public
//!   gallery page and its open data.

pub mod admin;
pub mod admission;
pub mod api;
pub mod connection;
pub mod gallery;
pub mod headers;
mod http;
pub mod privacy;
pub mod probe;
pub mod rate;
pub mod registration;
pub mod serve;
mod socket;
mod static_files;
mod upgrade;
pub mod uploads;
mod wire;

pub use static_files::{shipped_map, shipped_map_names, shipped_tile};

use crate::clock::Clock;
use crate::config::Config;
use crate::hub::Registry;
use crate::metrics::Metrics;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
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
    /// The events the operator manages, started and stopped at run time.
    pub instance: Arc<crate::instance::Instance>,
    /// `/check`'s media probes and their limits.
    pub probes: probe::Probes,
}

/// The whole HTTP surface of the server.
pub fn router(state: Arc<AppState>) -> Router {
    let routes = Router::new()
        .route("/ws", get(connection::upgrade))
        .route("/healthz", get(http::healthz))
        .route("/api/check/ice", get(probe::ice))
        .route("/api/check/probe", post(probe::probe))
        .route("/metrics", get(http::metrics))
        .route("/api/events/{id}/map", get(http::event_map))
        .route("/api/events/{id}/venue", get(http::event_venue))
        .route(
            "/api/events/{id}/map-files/{name}",
            get(http::event_map_file),
        )
        .route(
            "/api/events/{id}/roster",
            post(api::import_roster).layer(DefaultBodyLimit::max(api::MAX_ROSTER_BYTES + 1)),
        )
        .route("/api/events/{id}/results", get(api::export_results))
        .route(
            "/api/events/{id}/project/files",
            post(uploads::upload).layer(DefaultBodyLimit::max(uploads::MAX_UPLOAD_BODY)),
        )
        .route("/api/events/{id}/files/{name}", get(uploads::serve))
        .route("/api/events/{id}/gallery.json", get(gallery::json))
        .route("/api/events/{id}/gallery.csv", get(gallery::csv))
        .route("/api/events/{id}/gallery.dcat.json", get(gallery::dcat))
        .route("/e/{id}/gallery", get(gallery::page))
        .route("/api/events/{id}/settings", put(admin::moderator_settings))
        .route("/api/events/{id}/phase", post(admin::moderator_phase))
        .route("/api/events/{id}/registration", get(registration::info))
        .route(
            "/api/events/{id}/registrations",
            get(registration::list)
                .post(registration::submit)
                .layer(DefaultBodyLimit::max(registration::MAX_SIGN_UP_BYTES)),
        )
        .route(
            "/api/events/{id}/registrations/{number}/{action}",
            post(registration::decide),
        )
        .route("/e/{slug}/register", get(registration::page))
        .route("/e/{slug}/privacy", get(registration::privacy_notice))
        .route(
            "/api/events/{id}/me",
            get(privacy::download).delete(privacy::delete),
        )
        .route(
            "/api/admin/events",
            get(admin::list)
                .post(admin::create)
                .layer(DefaultBodyLimit::max(admin::MAX_ADMIN_BODY_BYTES)),
        )
        .route(
            "/api/admin/events/{id}",
            get(admin::show).put(admin::update).delete(admin::delete),
        )
        .route("/api/admin/events/{id}/phase", post(admin::phase))
        .route("/api/admin/events/{id}/archive", post(admin::archive))
        .route("/api/admin/events/{id}/clone", post(admin::clone))
        .route("/assets/{*path}", get(static_files::asset))
        .route("/venue/{*path}", get(static_files::venue_file))
        .route("/", get(static_files::index))
        .route("/{*path}", get(static_files::page));
    headers::with_security_headers(routes).with_state(state)
}
