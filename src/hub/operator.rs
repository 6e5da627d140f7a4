//! What the instance operator (admin API) and a moderator over HTTP ask of
//! an event's hub: its description, and changes to its settings and
//! lifecycle phase, journaled like every other durable command.

use super::Refusal;
use super::actor::{AfterCommit, Hub};
use crate::domain::settings::EventTemplate;
use crate::domain::{Command, EventPhase, EventSettings, MemberId};
use crate::protocol::ErrorCode;
use serde::Serialize;
use tokio::sync::oneshot;

/// An event as the operator sees it (`GET /api/admin/events/<id>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    pub id: String,
    pub title: String,
    pub phase: EventPhase,
    /// `None` for an event stored before settings were data.
    pub settings: Option<EventSettings>,
    /// Pitch durations, rubric, labels and challenges as they are now.
    pub template: EventTemplate,
    pub members: usize,
    pub participants: usize,
    pub teams: usize,
    /// Its personal data was erased at the end of its retention period.
    pub purged: bool,
}

/// The hub's answer to an [`OperatorOp`].
pub type OperatorReply = oneshot::Sender<Result<EventInfo, Refusal>>;

/// A request of the operator or a moderator.
#[derive(Debug)]
pub enum OperatorOp {
    /// The event's description.
    Info,
    /// A settings or phase change ([`Command::Configure`],
    /// [`Command::SetEventPhase`]); answered once durable.
    Apply(Command),
}

impl Hub {
    /// `session`: `None` for the operator (already authenticated by the
    /// admin API), or a moderator's session token.
    pub(super) fn operator(
        &mut self,
        session: Option<String>,
        op: OperatorOp,
        reply: OperatorReply,
    ) {
        let actor = match session.as_deref().map(|s| self.moderator_of(s)) {
            None => None,
            Some(Ok(member)) => Some(member),
            Some(Err(refusal)) => {
                let _ = reply.send(Err(refusal));
                return;
            }
        };
        match op {
            OperatorOp::Info => {
                let _ = reply.send(Ok(self.info()));
            }
            OperatorOp::Apply(command) => {
                if !matches!(
                    command,
                    Command::Configure { .. } | Command::SetEventPhase { .. }
                ) {
                    let _ = reply.send(Err(Refusal {
                        code: ErrorCode::InvalidMessage,
                        message: "only settings and phase changes go this way".into(),
                    }));
                    return;
                }
                let now = self.now();
                match self.apply_durable(actor, command, now) {
                    Ok((seq, effects)) => {
                        self.durable
                            .hold(seq, effects, AfterCommit::Operator { reply })
                    }
                    Err((code, message)) => {
                        let _ = reply.send(Err(Refusal { code, message }));
                    }
                }
            }
        }
    }

    /// The member whose session token this is, if a moderator's.
    fn moderator_of(&self, session: &str) -> Result<MemberId, Refusal> {
        self.session_member_with(
            session,
            crate::domain::permissions::Permission::ManageProgram,
        )
    }

    /// The event's description, as it is now.
    pub(super) fn info(&self) -> EventInfo {
        let state = self.event().state();
        EventInfo {
            id: state.id.clone(),
            title: state.title.clone(),
            phase: state.phase,
            settings: state.settings.clone(),
            template: EventTemplate::of(state),
            members: state.members.len(),
            participants: state
                .members
                .values()
                .filter(|m| m.role == crate::domain::Role::Participant)
                .count(),
            teams: state.teams.len(),
            purged: state.purged,
        }
    }
}
