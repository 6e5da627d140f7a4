//! Plain HTTP endpoints: health, metrics, an event's map and venue.

use super::AppState;
use crate::hub::EventHandle;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `200 ok` while every event's store can keep what it acknowledges; `503`
/// (naming the failing events and their last error) while one cannot.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let failing: Vec<serde_json::Value> = state
        .metrics
        .stores()
        .into_iter()
        .filter(|(_, health)| !health.is_healthy())
        .map(|(event, health)| serde_json::json!({"event": event, "error": health.last_error()}))
        .collect();
    let (status, body) = if failing.is_empty() {
        (StatusCode::OK, r#"{"status":"ok"}"#.to_string())
    } else {
        let body =
            serde_json::json!({"status": "unhealthy", "store": "failing", "events": failing});
        (StatusCode::SERVICE_UNAVAILABLE, body.to_string())
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

/// The venue of an event: sizes, rooms (geometry, capacity, who may enter)
/// and the stage, as JSON. Static while the server runs.
pub async fn event_venue(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    event_json(&state, &id, |event| &event.venue_json)
}

/// The Tiled map of an event, for clients to draw.
pub async fn event_map(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    event_json(&state, &id, |event| &event.map_text)
}

/// One of an event's static JSON documents, or 404 for an unknown event.
fn event_json(state: &AppState, id: &str, pick: fn(&EventHandle) -> &Arc<str>) -> Response {
    match state.registry.lookup(Some(id)) {
        Some(event) => (
            [(header::CONTENT_TYPE, "application/json")],
            pick(&event).to_string(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such event").into_response(),
    }
}

/// `/api/events/{id}/map-files/{name}`: a file of an event's uploaded map
/// (its tileset images), from that event's directory only; a name that is
/// not a plain file name is not found.
pub async fn event_map_file(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    if state.registry.lookup(Some(&id)).is_none() {
        return not_found();
    }
    let Some(file) = crate::store::event_dir(&state.config.data_dir, &id)
        .ok()
        .and_then(|dir| crate::instance::maps::file_path(&dir, &name))
    else {
        return not_found();
    };
    match tokio::fs::read(file).await {
        Ok(bytes) => {
            let mime = mime_guess::from_path(&name).first_or_octet_stream();
            ([(header::CONTENT_TYPE, mime.as_ref().to_string())], bytes).into_response()
        }
        Err(_) => not_found(),
    }
}
