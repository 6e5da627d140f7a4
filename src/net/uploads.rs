//! Project files over HTTP: a team member uploads slides or a screenshot
//! (`POST /api/events/{id}/project/files?slot=slides|screenshot`, the raw
//! bytes as the body, `Authorization: Bearer <session token>`), and anyone
//! with a file's URL reads it (`GET /api/events/{id}/files/<sha256>.<ext>`).
//!
//! The kind is told from the bytes (never from the name or the declared
//! content type); the file is written and synced before the command that
//! references it is journaled, and the answer comes once that command is
//! durable. Files are served with their detected type, as attachments (PDF)
//! or inline images, `nosniff`, and a CSP that allows no script at all.

use super::AppState;
use super::api::bearer;
use crate::domain::projects::{FileKind, MAX_EVENT_FILE_BYTES, MAX_SLIDES_BYTES};
use crate::hub::{HubMsg, Refusal, UploadStep};
use crate::protocol::ErrorCode;
use crate::uploads::{detect, files};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::oneshot;

/// The body limit of the upload route: the largest file, and one byte more
/// so that an oversized one is told apart (and refused with a typed error).
pub const MAX_UPLOAD_BODY: usize = MAX_SLIDES_BYTES as usize + 1;

/// The CSP of a served file: nothing runs, nothing loads.
pub const FILE_CSP: &str = "default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

#[derive(Serialize)]
struct UploadError<'a> {
    code: &'a str,
    message: &'a str,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(UploadError { code, message })).into_response()
}

fn refused(refusal: Refusal) -> Response {
    let status = super::api::status_of(refusal.code);
    error(status, refusal.code.as_str(), &refusal.message)
}

/// Where the upload goes on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Slides,
    Screenshot,
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    slot: Slot,
}

/// `POST /api/events/{id}/project/files?slot=slides|screenshot`.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = bearer(&headers).map(str::to_string) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send your session token as `Authorization: Bearer <token>`",
        );
    };
    let Some(event) = state.registry.lookup(Some(&id)) else {
        return error(StatusCode::NOT_FOUND, "unknown_event", "no such event");
    };
    let kind = match detect::detect(&body) {
        Ok(kind) => kind,
        Err(err) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                err.code(),
                &err.to_string(),
            );
        }
    };
    let expected = match query.slot {
        Slot::Slides => "a PDF",
        Slot::Screenshot => "a PNG, JPEG or WebP image",
    };
    if kind.is_image() != (query.slot == Slot::Screenshot) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong_file_kind",
            &format!("this file is a {kind:?}; {expected} is expected here"),
        );
    }
    let Ok(dir) = crate::store::event_dir(&state.config.data_dir, &id) else {
        return error(StatusCode::NOT_FOUND, "unknown_event", "no such event");
    };
    let dir = files::files_dir(&dir);
    let hashed = body.clone();
    let Ok(sha256) = tokio::task::spawn_blocking(move || files::sha256_hex(&hashed)).await else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "hashing failed",
        );
    };
    let file = crate::domain::projects::StoredFile {
        sha256,
        kind,
        bytes: body.len() as u64,
    };
    let ask = |step: UploadStep| {
        let event = event.clone();
        let token = token.clone();
        let file = file.clone();
        async move {
            let (reply, answer) = oneshot::channel();
            let msg = HubMsg::Upload {
                session: token,
                file,
                step,
                reply,
            };
            if !event.send(msg).await {
                return Err(Refusal {
                    code: ErrorCode::Overloaded,
                    message: "the event is not running".into(),
                });
            }
            answer.await.unwrap_or_else(|_| {
                Err(Refusal {
                    code: ErrorCode::Overloaded,
                    message: "the event stopped before answering".into(),
                })
            })
        }
    };
    if let Err(refusal) = ask(UploadStep::Check).await {
        return refused(refusal);
    }
    // The disk, orphans included (files replaced or refused since the last
    // start), stays within the event's limit: a member cannot fill it by
    // replacing their slides over and over.
    let written = tokio::task::spawn_blocking(move || {
        if files::dir_bytes(&dir).saturating_add(body.len() as u64) > MAX_EVENT_FILE_BYTES {
            return Ok(None);
        }
        files::store(&dir, &body, kind).map(Some)
    })
    .await;
    match written {
        Ok(Ok(Some(_))) => {}
        Ok(Ok(None)) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "event_files_full",
                "the event's files are at their limit",
            );
        }
        Ok(Err(err)) => {
            tracing::error!(%err, "project file write failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the file could not be stored; retry later",
            );
        }
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "write failed",
            );
        }
    }
    match ask(UploadStep::Attach).await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({
                "sha256": file.sha256,
                "kind": file.kind,
                "bytes": file.bytes,
                "url": crate::hub::file_url(&id, &file),
            })),
        )
            .into_response(),
        Err(refusal) => refused(refusal),
    }
}

/// `GET /api/events/{id}/files/<sha256>.<ext>`.
pub async fn serve(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "unknown_file", "no such file");
    let Some((sha256, kind)) = files::parse_name(&name) else {
        return not_found();
    };
    if state.registry.lookup(Some(&id)).is_none() {
        return not_found();
    }
    let Ok(dir) = crate::store::event_dir(&state.config.data_dir, &id) else {
        return not_found();
    };
    let Ok(bytes) = tokio::fs::read(files::files_dir(&dir).join(&name)).await else {
        return not_found();
    };
    let disposition = match kind {
        FileKind::Pdf => format!("attachment; filename=\"{}.pdf\"", &sha256[..12]),
        _ => format!(
            "inline; filename=\"{}.{}\"",
            &sha256[..12],
            kind.extension()
        ),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    let mut set = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, kind.content_type());
    set(header::CONTENT_DISPOSITION, &disposition);
    set(header::CONTENT_SECURITY_POLICY, FILE_CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Named by their content: they never change.
    set(header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    response
}
