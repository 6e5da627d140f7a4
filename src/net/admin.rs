//! The instance operator's HTTP API (`/api/admin/events…`), and the
//! settings and phase routes a moderator of one event may use.
//!
//! The operator authenticates with the operator token
//! (`Authorization: Bearer <token>`); an event's invite or session token
//! opens nothing here. A moderator's session token opens only the
//! `/api/events/<id>/settings` and `/phase` routes of its own event.
//!
//! | method and path                          | does                               |
//! |------------------------------------------|------------------------------------|
//! | `GET /api/admin/events`                  | every event                        |
//! | `POST /api/admin/events`                 | create (settings, template, map)   |
//! | `GET /api/admin/events/{id}`             | one event                          |
//! | `PUT /api/admin/events/{id}`             | change its settings                |
//! | `POST /api/admin/events/{id}/phase`      | move it along its lifecycle        |
//! | `POST /api/admin/events/{id}/archive`    | archive it (read-only for good)    |
//! | `POST /api/admin/events/{id}/clone`      | a new event from it (no people)    |
//! | `DELETE /api/admin/events/{id}`          | stop it and delete its data        |
//! | `PUT /api/events/{id}/settings`          | its moderator changes the settings |
//! | `POST /api/events/{id}/phase`            | its moderator changes the phase    |
//!
//! Errors are `{"code", "message", "field"?, "problems"?}`.

use super::AppState;
use super::api::bearer;
use crate::domain::{EventPhase, EventSettings};
use crate::instance::{AdminError, CreateEvent};
use crate::protocol::ErrorCode;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest request body: an uploaded map and its files (base64: 4 bytes
/// for every 3) are the big ones.
pub const MAX_ADMIN_BODY_BYTES: usize = crate::instance::maps::MAX_UPLOAD_BYTES
    + crate::instance::map_upload::MAX_FILES_BYTES / 3 * 4
    + 64 * 1024;

/// A refusal of this API: converted once from [`AdminError`] or made for
/// a bad request, and sent as `{"code", "message", "field"?, "problems"?}`.
#[derive(Debug, Serialize)]
pub struct ApiRefusal {
    #[serde(skip)]
    status: StatusCode,
    code: ErrorCode,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
}

impl ApiRefusal {
    pub(super) fn new(status: StatusCode, code: ErrorCode, message: &str) -> ApiRefusal {
        ApiRefusal {
            status,
            code,
            message: message.to_string(),
            field: None,
            problems: Vec::new(),
        }
    }
}

impl From<AdminError> for ApiRefusal {
    fn from(err: AdminError) -> Self {
        let code = err.code();
        let status = match (&err, code.as_str()) {
            (AdminError::UnknownEvent(_), _) => StatusCode::NOT_FOUND,
            (_, "duplicate_slug" | "event_archived") => StatusCode::CONFLICT,
            _ => super::api::status_of(code),
        };
        ApiRefusal {
            status,
            code,
            message: err.to_string(),
            field: err.field(),
            problems: err.problems().to_vec(),
        }
    }
}

impl ApiRefusal {
    /// A refusal naming the form field it is about.
    pub(super) fn with_field(mut self, field: Option<&'static str>) -> ApiRefusal {
        self.field = field;
        self
    }
}

impl From<crate::hub::Refusal> for ApiRefusal {
    fn from(refusal: crate::hub::Refusal) -> Self {
        AdminError::Refused(refusal).into()
    }
}

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

pub(super) type Answer = Result<Response, ApiRefusal>;

/// The operator's check: the bearer token must be the operator's.
fn operator_only(state: &AppState, headers: &HeaderMap) -> Result<(), ApiRefusal> {
    match bearer(headers) {
        Some(token) if state.instance.is_operator_token(token) => Ok(()),
        Some(_) => Err(ApiRefusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "this is not the instance operator's token (an event's invite or session opens \
             nothing here)",
        )),
        None => Err(ApiRefusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "send the operator token as `Authorization: Bearer <token>`",
        )),
    }
}

/// A JSON body, or a typed refusal naming what is wrong with it.
pub(super) fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiRefusal> {
    serde_json::from_slice(body).map_err(|e| {
        ApiRefusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidMessage,
            &format!("the request body is not valid: {e}"),
        )
    })
}

pub(super) fn ok<T: Serialize>(status: StatusCode, value: T) -> Answer {
    Ok((status, Json(value)).into_response())
}

/// `GET /api/admin/events`.
pub async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    operator_only(&state, &headers)?;
    let events = state.instance.list().await;
    ok(StatusCode::OK, serde_json::json!({ "events": events }))
}

/// `POST /api/admin/events`.
pub async fn create(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Answer {
    operator_only(&state, &headers)?;
    let request: CreateEvent = parse(&body)?;
    let base = state.config.base_url(state.bound);
    ok(
        StatusCode::CREATED,
        state.instance.create(request, &base).await?,
    )
}

/// `GET /api/admin/events/{id}`.
pub async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    operator_only(&state, &headers)?;
    let op = crate::hub::operator::OperatorOp::Info;
    ok(StatusCode::OK, state.instance.ask(&id, None, op).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    settings: EventSettings,
}

/// `PUT /api/admin/events/{id}`: `{"settings": {…}}`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    operator_only(&state, &headers)?;
    let SettingsBody { settings } = parse(&body)?;
    ok(
        StatusCode::OK,
        state.instance.configure(&id, None, settings).await?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseBody {
    phase: String,
}

fn phase_of(body: &Bytes) -> Result<EventPhase, ApiRefusal> {
    let PhaseBody { phase } = parse(body)?;
    phase.parse().map_err(|e| AdminError::Lifecycle(e).into())
}

/// `POST /api/admin/events/{id}/phase`: `{"phase": "live"}`.
pub async fn phase(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    operator_only(&state, &headers)?;
    let phase = phase_of(&body)?;
    ok(
        StatusCode::OK,
        state.instance.set_phase(&id, None, phase).await?,
    )
}

/// `POST /api/admin/events/{id}/archive`.
pub async fn archive(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    operator_only(&state, &headers)?;
    ok(
        StatusCode::OK,
        state
            .instance
            .set_phase(&id, None, EventPhase::Archived)
            .await?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloneBody {
    title: String,
    slug: String,
}

/// `POST /api/admin/events/{id}/clone`: `{"title": …, "slug": …}`.
pub async fn clone(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    operator_only(&state, &headers)?;
    let CloneBody { title, slug } = parse(&body)?;
    let base = state.config.base_url(state.bound);
    ok(
        StatusCode::CREATED,
        state
            .instance
            .clone_event(&id, &title, &slug, &base)
            .await?,
    )
}

/// `DELETE /api/admin/events/{id}`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    operator_only(&state, &headers)?;
    match state.instance.delete(&id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(err) => Err(err.into()),
    }
}

/// The bearer session token (a moderator's, or a person's own), or a refusal.
pub(super) fn moderator_session(headers: &HeaderMap) -> Result<String, ApiRefusal> {
    bearer(headers).map(str::to_string).ok_or_else(|| {
        ApiRefusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "send your session token (welcome.session) as `Authorization: Bearer <token>`",
        )
    })
}

/// Sends the message `msg` builds (around its reply channel) to the hub of
/// event `slug` and waits for the answer: unknown events are 404, a hub
/// that is not running (or stops before answering) `overloaded`.
pub(super) async fn ask_event<T>(
    state: &AppState,
    slug: &str,
    msg: impl FnOnce(tokio::sync::oneshot::Sender<Result<T, crate::hub::Refusal>>) -> crate::hub::HubMsg,
) -> Result<T, ApiRefusal> {
    let Some(event) = state.registry.by_slug(slug) else {
        return Err(ApiRefusal::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEvent,
            "no such event",
        ));
    };
    let stopped = || crate::hub::Refusal {
        code: ErrorCode::Overloaded,
        message: "the event is not running".into(),
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    if !event.send(msg(reply)).await {
        return Err(stopped().into());
    }
    Ok(answer.await.map_err(|_| stopped())??)
}

/// `PUT /api/events/{id}/settings` (the event's moderator).
pub async fn moderator_settings(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let session = moderator_session(&headers)?;
    let SettingsBody { settings } = parse(&body)?;
    ok(
        StatusCode::OK,
        state
            .instance
            .configure(&id, Some(session), settings)
            .await?,
    )
}

/// `POST /api/events/{id}/phase` (the event's moderator; not `archived`).
pub async fn moderator_phase(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let session = moderator_session(&headers)?;
    let phase = phase_of(&body)?;
    ok(
        StatusCode::OK,
        state.instance.set_phase(&id, Some(session), phase).await?,
    )
}
