//! Plain HTTP endpoints: health, metrics, an event's map.

use super::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// `200 ok` while the server can keep what it acknowledges; `503` otherwise.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let unhealthy = state.metrics.store_unhealthy.load(Ordering::Relaxed) != 0;
    let (status, body) = if unhealthy {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":"unhealthy","store":"failing"}"#,
        )
    } else {
        (StatusCode::OK, r#"{"status":"ok"}"#)
    };
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The Tiled map of an event, for clients to draw.
pub async fn event_map(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match state.registry.lookup(Some(&id)) {
        Some(event) => (
            [(header::CONTENT_TYPE, "application/json")],
            event.map_text.to_string(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such event").into_response(),
    }
}
