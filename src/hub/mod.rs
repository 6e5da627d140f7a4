//! The hub: one actor task per event, the single writer of its state.
//!
//! Connections never lock an event: they send [`HubMsg`]s to its bounded
//! inbox. The actor applies them to the pure [`crate::domain::Event`], journals
//! durable commands (holding their acks and broadcasts until the journal says
//! they are on disk), routes the resulting effects to the right sessions, and
//! on every tick sends its readers the position changes in their areas of
//! interest, each batch encoded once for all readers of the same area.
//!
//! - [`actor`]: the run loop and request handling.
//! - [`durable`]: the event, its journal and snapshots, and the commands
//!   waiting for their records ([`Durable`], start-up's too).
//! - [`sessions`]: who is connected (members' connections, each member's
//!   main one, watchers), presence changes and the tick's groups of readers.
//!   The hub holds it beside [`Durable`], so routing reads the event while it
//!   reaches sessions, without shared mutability.
//! - [`hello`]: joining, resuming, the `welcome` message.
//! - [`requests`]: the dispatch of client messages to the feature modules,
//!   each of which turns its requests into domain commands and actions.
//! - [`routing`]: effects → messages → recipients; [`help`]: the help desk
//!   (its requests into commands, its pushes); [`chat`]: chat requests,
//!   messages to their channel's readers, channel history.
//! - [`roster`]: CSV roster imports; [`export`]: results export.
//! - [`moderation`]: kicks, bans, deletions, invites, audit log (the
//!   requests and their pushes).
//! - [`judging`]: the pitch session's requests; timer, stage, jury sheets,
//!   votes, labels, leaderboard views.
//! - [`media`]: voice and video signalling, conversations from the map.
//! - [`ideas`]: the idea board (requests, pushes); [`projects`]: project
//!   pages (requests, pushes); [`uploads`]: project files attached once on
//!   disk.
//! - [`questions`]: questions to the team on stage (the requests, the pushes
//!   to everyone).
//! - [`summons`]: summoning people and going to a team's table.
//! - [`teams`]: teams and the programme (requests, pushes).
//! - [`reactions`]: the audience's reactions, one frame a second.
//! - [`floor`]: raised hands and who holds the floor on the stage.
//! - [`watch`]: anonymous watchers of the public live page.
//! - [`live_media`]: the stage's picture and sound for those watchers.
//! - [`tick`]: position batches; [`interest`]: the area each reader follows
//!   (and the `view` request setting it).
//! - [`link`]: the hub's link to one connection, its outbound queue and
//!   position slot; [`outbox`]: the queue itself; [`signal`]: the
//!   connection's one wake-up.
//! - [`registry`]: the server's live events; [`operator`]: what the
//!   instance operator (and moderators over HTTP) ask of an event;
//!   [`registration`]: public sign-up and the moderator's decisions;
//!   [`privacy`]: a person's data and erasure, the retention purge.

mod actor;
mod chat;
mod durable;
mod export;
mod floor;
mod hello;
mod help;
mod ideas;
mod interest;
mod judging;
pub mod link;
mod live_media;
mod media;
pub mod moderation;
pub mod operator;
mod outbox;
pub mod privacy;
pub mod projects;
mod questions;
mod reactions;
pub mod registration;
pub mod registry;
mod requests;
mod resend;
pub mod roster;
mod routing;
mod sessions;
mod signal;
mod summons;
mod teams;
mod tick;
mod uploads;
mod views;
mod watch;

#[cfg(test)]
mod fuzz_tests;

pub use actor::{HubSettings, spawn};
pub use durable::{ApplyError, Durable};
pub use export::{ExportFormat, ExportReply};
pub use link::{ConnId, SessionLink, SessionShared};
pub use projects::{file_url, project_view};
pub use registry::Registry;
pub use resend::MAX_KEY_BYTES as MAX_RESEND_KEY_BYTES;
pub use roster::{ImportedInvite, RosterReply};
pub use uploads::{UploadReply, UploadStep};

use crate::domain::MemberId;
use crate::protocol::ClientMsg;
use crate::protocol::ErrorCode;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A connection's `hello`, as the hub needs it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hello {
    pub invite: Option<String>,
    pub resume: Option<String>,
    pub name: Option<String>,
    pub last_seq: Option<u64>,
    /// Watch anonymously (the public live page).
    pub watch: bool,
    /// A second connection beside the person's main one.
    pub companion: bool,
}

/// Why a `hello` (or an HTTP request handled by the hub) was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl actor::Hub {
    /// The member a session token (an HTTP request's bearer token) belongs
    /// to, if their role has `permission` in this event; otherwise why not
    /// (`unauthorized`, or the role's refusal).
    pub(super) fn session_member_with(
        &self,
        session_token: &str,
        permission: crate::domain::permissions::Permission,
    ) -> Result<MemberId, Refusal> {
        let member = self
            .event()
            .member_by_session(&crate::secret::hash_token(session_token))
            .and_then(|id| self.event().member(id))
            .ok_or_else(|| Refusal {
                code: ErrorCode::Unauthorized,
                message: "a moderator's session token of this event is required".into(),
            })?;
        crate::domain::permissions::check(member.role, permission)?;
        Ok(member.id)
    }
}

impl From<crate::domain::DomainError> for Refusal {
    fn from(error: crate::domain::DomainError) -> Refusal {
        Refusal {
            code: ErrorCode::from(&error),
            message: error.to_string(),
        }
    }
}

/// What a connection can ask of an event's hub.
#[derive(Debug)]
pub enum HubMsg {
    /// Join or resume. On success the hub queues `welcome` on the link, then replies.
    Hello {
        link: SessionLink,
        hello: Hello,
        reply: oneshot::Sender<Result<MemberId, Refusal>>,
    },
    /// A request from a joined connection.
    Request {
        conn: ConnId,
        rid: Option<u64>,
        /// The client's key for an idempotent resend (see `resend`).
        once: Option<String>,
        msg: ClientMsg,
    },
    /// The connection ended.
    Closed { conn: ConnId },
    /// A moderator exports the results (HTTP API).
    Export {
        session: String,
        format: ExportFormat,
        reply: ExportReply,
    },
    /// A moderator imports a CSV roster (HTTP API).
    ImportRoster {
        session: String,
        /// Parsed and checked off the hub ([`roster::parse`]); its refusal
        /// is told only once the session proves to be a moderator's.
        roster: Result<roster::ParsedRoster, Refusal>,
        reply: RosterReply,
    },
    /// The public gallery (no login).
    Gallery {
        reply: oneshot::Sender<crate::domain::gallery::Gallery>,
    },
    /// A team member uploads a project file (HTTP API), in two steps.
    Upload {
        session: String,
        file: crate::domain::projects::StoredFile,
        step: UploadStep,
        reply: UploadReply,
    },
    /// The operator (`session: None`) or a moderator asks for the event's
    /// description or changes its settings or phase.
    Operator {
        session: Option<String>,
        op: operator::OperatorOp,
        reply: operator::OperatorReply,
    },
    /// The public sign-up form, or a moderator's decision on a sign-up.
    Registration {
        session: Option<String>,
        op: registration::RegistrationOp,
        reply: registration::RegistrationReply,
    },
    /// A person downloads their data or deletes their account.
    Privacy {
        session: String,
        op: privacy::PrivacyOp,
        reply: privacy::PrivacyReply,
    },
    /// Stop this event's hub (the event is being deleted or replaced),
    /// as at a server shutdown.
    Stop,
}

/// A cheap, cloneable handle on a running event hub.
#[derive(Debug, Clone)]
pub struct EventHandle {
    pub id: Arc<str>,
    /// The Tiled map text, served to clients for drawing.
    pub map_text: Arc<str>,
    /// The venue's geometry as JSON (`GET /api/events/<id>/venue`), encoded
    /// once: it never changes while the server runs.
    pub venue_json: Arc<str>,
    tx: mpsc::Sender<HubMsg>,
}

impl EventHandle {
    /// Sends a message to the hub, waiting for inbox space. False if the hub stopped.
    pub async fn send(&self, msg: HubMsg) -> bool {
        self.tx.send(msg).await.is_ok()
    }
}
