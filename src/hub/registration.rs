//! Sign-up over HTTP: the public form and what the moderator decides. The
//! tokens of personal invites are made here (never taken from a client);
//! only their hashes are journaled, and a token is answered once, after its
//! record is durable.

use super::Refusal;
use super::actor::{AfterCommit, Hub};
use crate::domain::registration::{CheckedSignUp, Registration, RegistrationCommand};
use crate::domain::{Command, EventPhase, MemberId, Role};
use crate::protocol::ErrorCode;
use crate::secret::{hash_token, new_token};
use serde::Serialize;
use tokio::sync::oneshot;

/// What the sign-up page shows before anyone signs up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignUpInfo {
    pub id: String,
    pub title: String,
    pub phase: EventPhase,
    /// Sign-up is open now.
    pub open: bool,
    pub invite_only: bool,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub languages: Vec<String>,
    /// Days after archiving when personal data is erased (the privacy
    /// notice says so); `None`: kept until the event is deleted.
    pub retention_days: Option<u32>,
}

/// A request about registrations.
#[derive(Debug)]
pub enum RegistrationOp {
    /// The public page's information.
    Info,
    /// Someone signs up (public), the form checked where it arrived.
    Submit(CheckedSignUp),
    /// Every registration (moderator).
    List,
    /// Accept as a participant (`None`) or a mentor.
    Accept(u32, Option<Role>),
    Refuse(u32),
    Reissue(u32),
}

/// The hub's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RegistrationAnswer {
    Info(SignUpInfo),
    /// The new registration (its id and status).
    Submitted(Registration),
    List {
        registrations: Vec<Registration>,
    },
    /// A personal invite token, shown once.
    Invite {
        registration: u32,
        token: String,
    },
    Done {
        registration: u32,
    },
}

pub type RegistrationReply = oneshot::Sender<Result<RegistrationAnswer, Refusal>>;

impl Hub {
    pub(super) fn registration(
        &mut self,
        session: Option<String>,
        op: RegistrationOp,
        reply: RegistrationReply,
    ) {
        let public = matches!(op, RegistrationOp::Info | RegistrationOp::Submit(_));
        let actor = if public {
            None
        } else {
            match session.as_deref().map(|s| self.registrar(s)) {
                Some(Ok(member)) => Some(member),
                Some(Err(refusal)) => {
                    let _ = reply.send(Err(refusal));
                    return;
                }
                None => {
                    let _ = reply.send(Err(Refusal {
                        code: ErrorCode::Unauthorized,
                        message: "a moderator's session token of this event is required".into(),
                    }));
                    return;
                }
            }
        };
        let (command, answer) = match op {
            RegistrationOp::Info => {
                let _ = reply.send(Ok(RegistrationAnswer::Info(self.sign_up_info())));
                return;
            }
            RegistrationOp::List => {
                let registrations = self
                    .event()
                    .state()
                    .registrations
                    .list
                    .values()
                    .cloned()
                    .collect();
                let _ = reply.send(Ok(RegistrationAnswer::List { registrations }));
                return;
            }
            RegistrationOp::Submit(form) => {
                let next = self.event().state().registrations.next.max(1);
                (
                    RegistrationCommand::Submit { form },
                    RegistrationAnswer::Done { registration: next },
                )
            }
            RegistrationOp::Accept(id, _) | RegistrationOp::Reissue(id) => {
                let token = new_token();
                let token_hash = hash_token(&token);
                let command = match op {
                    RegistrationOp::Accept(_, role) => RegistrationCommand::Accept {
                        id,
                        token_hash,
                        role,
                    },
                    _ => RegistrationCommand::Reissue { id, token_hash },
                };
                (
                    command,
                    RegistrationAnswer::Invite {
                        registration: id,
                        token,
                    },
                )
            }
            RegistrationOp::Refuse(id) => (
                RegistrationCommand::Refuse { id },
                RegistrationAnswer::Done { registration: id },
            ),
        };
        let now = self.now();
        match self.apply_durable(actor, Command::Register(command), now) {
            Ok((seq, effects)) => {
                self.durable
                    .hold(seq, effects, AfterCommit::Registration { reply, answer })
            }
            Err((code, message)) => {
                let _ = reply.send(Err(Refusal { code, message }));
            }
        }
    }

    /// The answer sent once a registration command is durable: a new
    /// sign-up is answered with its record (status: pending or waitlisted).
    pub(super) fn registration_done(&self, answer: RegistrationAnswer) -> RegistrationAnswer {
        match answer {
            RegistrationAnswer::Done { registration } => self
                .event()
                .state()
                .registrations
                .list
                .get(&registration)
                .cloned()
                .map_or(answer, RegistrationAnswer::Submitted),
            other => other,
        }
    }

    /// The moderator whose session token this is.
    fn registrar(&self, session: &str) -> Result<MemberId, Refusal> {
        self.session_member_with(session, crate::domain::permissions::Permission::Moderate)
    }

    fn sign_up_info(&self) -> SignUpInfo {
        let state = self.event().state();
        let settings = state.settings.as_ref();
        let invite_only = settings.is_some_and(|s| s.invite_only);
        SignUpInfo {
            id: state.id.clone(),
            title: state.title.clone(),
            phase: state.phase,
            open: !invite_only
                && matches!(state.phase, EventPhase::Registration | EventPhase::Live),
            invite_only,
            starts_on: settings.and_then(|s| s.starts_on.clone()),
            ends_on: settings.and_then(|s| s.ends_on.clone()),
            languages: settings.map_or_else(
                || vec!["fr".to_string(), "en".to_string()],
                |s| s.languages.clone(),
            ),
            retention_days: settings.and_then(|s| s.retention_days),
        }
    }
}
