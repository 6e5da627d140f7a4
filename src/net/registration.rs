//! Public sign-up over HTTP, and the moderator's decisions (docs/events.md).
//!
//! | method and path | who | does |
//! |---|---|---|
//! | `GET /e/{slug}/register` | anyone | the sign-up page |
//! | `GET /e/{slug}/privacy` | anyone | the event's privacy notice |
//! | `GET /api/events/{id}/registration` | anyone | title, dates, whether sign-up is open |
//! | `POST /api/events/{id}/registrations` | anyone | sign up: `pending` or `waitlisted` |
//! | `GET /api/events/{id}/registrations` | its moderator | every registration |
//! | `POST /api/events/{id}/registrations/{n}/accept` | its moderator | a personal join link, shown once (`{"role": "mentor"}`: a mentor's) |
//! | `POST /api/events/{id}/registrations/{n}/reissue` | its moderator | a new link; the old one is revoked |
//! | `POST /api/events/{id}/registrations/{n}/refuse` | its moderator | refused (a given link is revoked) |

use super::AppState;
use super::admin::{Answer, ApiRefusal, ask_event, moderator_session, ok, parse};
use crate::domain::registration::{CheckedSignUp, RegistrationError, SignUp};
use crate::hub::HubMsg;
use crate::hub::registration::{RegistrationAnswer, RegistrationOp};
use crate::protocol::ErrorCode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Largest sign-up body.
pub const MAX_SIGN_UP_BYTES: usize = 16 * 1024;

async fn ask(
    state: &AppState,
    id: &str,
    session: Option<String>,
    op: RegistrationOp,
) -> Result<RegistrationAnswer, ApiRefusal> {
    ask_event(state, id, |reply| HubMsg::Registration {
        session,
        op,
        reply,
    })
    .await
}

/// `GET /e/{slug}/register`: the sign-up page of an existing event.
pub async fn page(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> Response {
    if state.registry.by_slug(&slug).is_none() {
        return (StatusCode::NOT_FOUND, "no such event").into_response();
    }
    super::static_files::web_page("register.html")
}

/// `GET /e/{slug}/privacy`: the event's privacy notice, which the sign-up
/// form's consent refers to.
pub async fn privacy_notice(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Response {
    if state.registry.by_slug(&slug).is_none() {
        return (StatusCode::NOT_FOUND, "no such event").into_response();
    }
    super::static_files::web_page("privacy.html")
}

/// `GET /api/events/{id}/registration`.
pub async fn info(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Answer {
    ok(
        StatusCode::OK,
        ask(&state, &id, None, RegistrationOp::Info).await?,
    )
}

/// `POST /api/events/{id}/registrations`: a sign-up.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let form: SignUp = parse(&body)?;
    // Cleaned and checked here, once, with an error naming the field: the
    // event receives the checked form and never cleans it again.
    let form = CheckedSignUp::parse(&form, state.config.limits.max_name_chars).map_err(refused)?;
    ok(
        StatusCode::CREATED,
        ask(&state, &id, None, RegistrationOp::Submit(form)).await?,
    )
}

/// A form or decision refused before it reaches the event: `400` naming
/// the field.
fn refused(err: RegistrationError) -> ApiRefusal {
    ApiRefusal::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::Refused(err.code()),
        &err.to_string(),
    )
    .with_field(err.field())
}

/// `GET /api/events/{id}/registrations` (moderator).
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let session = moderator_session(&headers)?;
    ok(
        StatusCode::OK,
        ask(&state, &id, Some(session), RegistrationOp::List).await?,
    )
}

/// `accept`'s optional body: `{"role": "mentor"}` (default: participant).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    #[serde(default)]
    role: Option<crate::domain::Role>,
}

fn accept_as(body: &Bytes) -> Result<Option<crate::domain::Role>, ApiRefusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let AcceptBody { role } = parse(body)?;
    // Checked here first, for an error naming the field; the event checks
    // again.
    crate::domain::registration::accept_role(role).map_err(refused)?;
    Ok(role)
}

/// `POST /api/events/{id}/registrations/{n}/{accept|refuse|reissue}`;
/// `accept` takes `{"role": "mentor"}` to accept a mentor.
pub async fn decide(
    State(state): State<Arc<AppState>>,
    Path((id, number, action)): Path<(String, u32, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let session = moderator_session(&headers)?;
    let op = match action.as_str() {
        "accept" => RegistrationOp::Accept(number, accept_as(&body)?),
        "refuse" => RegistrationOp::Refuse(number),
        "reissue" => RegistrationOp::Reissue(number),
        _ => {
            return Err(ApiRefusal::new(
                StatusCode::NOT_FOUND,
                ErrorCode::InvalidMessage,
                "the action is accept, refuse or reissue",
            ));
        }
    };
    let answer = ask(&state, &id, Some(session), op).await?;
    if let RegistrationAnswer::Invite {
        registration,
        token,
    } = &answer
    {
        let base = state.config.base_url(state.bound);
        let link = format!("{base}/?event={id}&invite={token}");
        return ok(
            StatusCode::OK,
            serde_json::json!({ "registration": registration, "link": link }),
        );
    }
    ok(StatusCode::OK, answer)
}
