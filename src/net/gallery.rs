//! The public gallery: the page `/e/{event}/gallery` (no login) and its open
//! data, `/api/events/{id}/gallery.json`, `gallery.csv` and
//! `gallery.dcat.json` (DCAT-AP). What is public is the domain's decision
//! ([`crate::domain::Event::in_gallery`]); nothing here needs a session.

use super::AppState;
use crate::domain::gallery::Gallery;
use crate::hub::HubMsg;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tokio::sync::oneshot;

async fn gallery_of(state: &AppState, id: &str) -> Result<Gallery, Response> {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"code": "unknown_event", "message": "no such event"})),
        )
            .into_response()
    };
    let event = state.registry.lookup(Some(id)).ok_or_else(not_found)?;
    let (reply, answer) = oneshot::channel();
    let unavailable = || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({"code": "overloaded", "message": "the event is not running"}),
            ),
        )
            .into_response()
    };
    if !event.send(HubMsg::Gallery { reply }).await {
        return Err(unavailable());
    }
    answer.await.map_err(|_| unavailable())
}

/// `GET /api/events/{id}/gallery.json`.
pub async fn json(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match gallery_of(&state, &id).await {
        Ok(gallery) => axum::Json(gallery).into_response(),
        Err(response) => response,
    }
}

/// `GET /api/events/{id}/gallery.csv`.
pub async fn csv(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match gallery_of(&state, &id).await {
        Ok(gallery) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}-gallery.csv\""),
                ),
            ],
            gallery.csv(),
        )
            .into_response(),
        Err(response) => response,
    }
}

/// `GET /api/events/{id}/gallery.dcat.json`: the DCAT-AP description. The
/// publisher is the event's title until events carry their organizer.
pub async fn dcat(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match gallery_of(&state, &id).await {
        Ok(gallery) => {
            let base = state.config.base_url(state.bound);
            let body = gallery.dcat(&base, &gallery.title);
            (
                [(header::CONTENT_TYPE, "application/ld+json")],
                body.to_string(),
            )
                .into_response()
        }
        Err(response) => response,
    }
}

/// `GET /e/{event}/gallery`: the page (it reads the JSON above).
pub async fn page(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    if state.registry.lookup(Some(&id)).is_none() {
        return (StatusCode::NOT_FOUND, "no such event").into_response();
    }
    super::static_files::web_page("gallery.html")
}
