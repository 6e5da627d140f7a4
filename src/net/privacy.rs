//! A person's own data (RGPD), with their session token as bearer:
//! `GET /api/events/{id}/me` downloads it as JSON, `DELETE` erases the
//! account (see `docs/privacy.md`).

use super::AppState;
use super::admin::{Answer, ApiRefusal, moderator_session, ok};
use crate::hub::privacy::PrivacyOp;
use crate::hub::{HubMsg, Refusal};
use crate::protocol::ErrorCode;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::sync::Arc;
use tokio::sync::oneshot;

async fn ask(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    op: PrivacyOp,
) -> Result<serde_json::Value, ApiRefusal> {
    let session = moderator_session(headers)?;
    let Some(event) = state.registry.by_slug(id) else {
        return Err(ApiRefusal::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEvent,
            "no such event",
        ));
    };
    let stopped = || Refusal {
        code: ErrorCode::Overloaded,
        message: "the event is not running".into(),
    };
    let (reply, answer) = oneshot::channel();
    if !event.send(HubMsg::Privacy { session, op, reply }).await {
        return Err(stopped().into());
    }
    Ok(answer.await.map_err(|_| stopped())??)
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
