//! A person's own data (RGPD), with their session token as bearer:
//! `GET /api/events/{id}/me` downloads it as JSON, `DELETE` erases the
//! account (see `docs/privacy.md`).

use super::AppState;
use super::admin::{Answer, ApiRefusal, ask_event, moderator_session, ok};
use crate::hub::HubMsg;
use crate::hub::privacy::PrivacyOp;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::sync::Arc;

async fn ask(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    op: PrivacyOp,
) -> Result<serde_json::Value, ApiRefusal> {
    let session = moderator_session(headers)?;
    ask_event(state, id, |reply| HubMsg::Privacy { session, op, reply }).await
}

/// `GET /api/events/{id}/me`: everything the event holds about me, as a
/// file to keep.
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let data = ask(&state, &id, &headers, PrivacyOp::Download).await?;
    let disposition = format!("attachment; filename=\"amphi-{id}-my-data.json\"");
    Ok((
        StatusCode::OK,
        [(header::CONTENT_DISPOSITION, disposition)],
        axum::Json(data),
    )
        .into_response())
}

/// `DELETE /api/events/{id}/me`: erases my account in this event.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    ok(
        StatusCode::OK,
        ask(&state, &id, &headers, PrivacyOp::Delete).await?,
    )
}
