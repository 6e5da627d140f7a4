//! The moderator's HTTP API: roster import, results export.
//!
//! Authenticated with the moderator's session token (from `welcome.session`)
//! as `Authorization: Bearer <token>`.

use super::AppState;
use crate::domain::DomainError;
use crate::hub::{ExportFormat, HubMsg};
use crate::protocol::ErrorCode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Largest roster file accepted.
pub const MAX_ROSTER_BYTES: usize = 1024 * 1024;

#[derive(Serialize)]
struct ApiError<'a> {
    code: ErrorCode,
    message: &'a str,
}

fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    (status, axum::Json(ApiError { code, message })).into_response()
}

/// A domain refusal as an HTTP error.
fn refused(status: StatusCode, error: &DomainError) -> Response {
    self::error(status, ErrorCode::from(error), &error.to_string())
}

/// The HTTP status of a refusal, by its code.
pub(super) fn status_of(code: ErrorCode) -> StatusCode {
    match code.as_str() {
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "forbidden" => StatusCode::FORBIDDEN,
        "storage_unavailable" | "overloaded" => StatusCode::SERVICE_UNAVAILABLE,
        "file_too_large" | "event_files_full" => StatusCode::PAYLOAD_TOO_LARGE,
        "deadline_passed" => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The bearer token of a request.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

#[derive(Serialize)]
struct InviteOut {
    line: usize,
    name: String,
    role: crate::domain::Role,
    team: Option<String>,
    url: String,
}

/// `POST /api/events/{id}/roster`: a CSV body; answers the personal join links.
pub async fn import_roster(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "send the moderator's session token as `Authorization: Bearer <token>`",
        );
    };
    if body.len() > MAX_ROSTER_BYTES {
        let too_large = DomainError::InvalidRoster("the file is larger than 1 MiB".into());
        return refused(StatusCode::PAYLOAD_TOO_LARGE, &too_large);
    }
    let Some(event) = state.registry.lookup(Some(&id)) else {
        return error(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEvent,
            "no such event",
        );
    };
    // Parsed off the hub: a big file must not stall the event.
    let max_name_chars = state.config.limits.max_name_chars;
    let parsed =
        tokio::task::spawn_blocking(move || crate::hub::roster::parse(&body, max_name_chars)).await;
    let Ok(roster) = parsed else {
        let unread = DomainError::InvalidRoster("the file could not be read".into());
        return refused(StatusCode::INTERNAL_SERVER_ERROR, &unread);
    };
    let (reply, answer) = oneshot::channel();
    if !event
        .send(HubMsg::ImportRoster {
            session: token.to_string(),
            roster,
            reply,
        })
        .await
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Overloaded,
            "the event is not running",
        );
    }
    match answer.await {
        Ok(Ok(invites)) => {
            let base = state.config.base_url(state.bound);
            let invites: Vec<InviteOut> = invites
                .into_iter()
                .map(|i| InviteOut {
                    url: format!("{base}/?event={id}&invite={}", i.token),
                    line: i.line,
                    name: i.name,
                    role: i.role,
                    team: i.team,
                })
                .collect();
            (
                StatusCode::OK,
                axum::Json(serde_json::json!({ "invites": invites })),
            )
                .into_response()
        }
        Ok(Err(refusal)) => error(status_of(refusal.code), refusal.code, &refusal.message),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Overloaded,
            "the event stopped before answering",
        ),
    }
}

/// `GET /api/events/{id}/results?format=json|csv|ranking.csv`: the results
/// as open data (moderator).
pub async fn export_results(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "send the moderator's session token as `Authorization: Bearer <token>`",
        );
    };
    let name = query.get("format").map(String::as_str).unwrap_or("json");
    let Some(format) = ExportFormat::parse(name) else {
        return error(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidMessage,
            &format!("unknown format '{name}' ({})", ExportFormat::NAMES),
        );
    };
    let Some(event) = state.registry.lookup(Some(&id)) else {
        return error(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEvent,
            "no such event",
        );
    };
    let (reply, answer) = oneshot::channel();
    if !event
        .send(HubMsg::Export {
            session: token.to_string(),
            format,
            reply,
        })
        .await
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Overloaded,
            "the event is not running",
        );
    }
    match answer.await {
        Ok(Ok((content_type, body))) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Ok(Err(refusal)) => error(status_of(refusal.code), refusal.code, &refusal.message),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Overloaded,
            "the event stopped before answering",
        ),
    }
}
