//! Moderation in the hub: its requests (mute, kick, ban, deletions, invites,
//! the audit log) turned into commands, closing kicked and banned people's
//! connections, telling everyone a message was deleted, and the moderators'
//! views of invites and the audit log.

use super::actor::{AfterCommit, Hub};
use super::link::ConnId;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::member::Invite;
use crate::domain::moderation::ModerationCommand;
use crate::domain::{Command, Effect, MemberId, Millis, Role, TeamId};
use crate::protocol::{ClientMsg, ErrorCode};
use crate::protocol::{CloseCode, InviteView, ServerMsg, encoded};
use crate::secret::{hash_token, new_token};

/// What a moderation request asks: a durable moderation command, or one of
/// the invite and audit requests the hub answers itself.
pub(super) fn moderation_intent(msg: ClientMsg) -> Result<Intent, (ErrorCode, String)> {
    let moderate = |c| Ok(Intent::Durable(Command::Moderation(c)));
    match msg {
        ClientMsg::Mute { member, reason } => moderate(ModerationCommand::Mute {
            member: MemberId(member),
            reason,
        }),
        ClientMsg::Unmute { member } => moderate(ModerationCommand::Unmute {
            member: MemberId(member),
        }),
        ClientMsg::Kick { member, reason } => moderate(ModerationCommand::Kick {
            member: MemberId(member),
            reason,
        }),
        ClientMsg::Ban { member, reason } => moderate(ModerationCommand::Ban {
            member: MemberId(member),
            reason,
        }),
        ClientMsg::DeleteMessage { seq, reason } => {
            moderate(ModerationCommand::DeleteMessage { seq, reason })
        }
        ClientMsg::CreateInvite {
            role,
            team,
            label,
            expires_at,
            max_uses,
        } => Ok(Intent::CreateInvite {
            role,
            team: team.map(TeamId),
            label,
            expires_at,
            max_uses,
        }),
        ClientMsg::RevokeInvite { invite } => moderate(ModerationCommand::RevokeInvite { invite }),
        ClientMsg::RotateInvite { invite } => Ok(Intent::RotateInvite(invite)),
        ClientMsg::ListInvites => Ok(Intent::ListInvites),
        ClientMsg::GetAuditLog => Ok(Intent::GetAuditLog),
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a moderation request: {}", other.kind()),
        )),
    }
}

/// A new invite as a client asks for it.
pub(super) struct InviteRequest {
    pub role: Role,
    pub team: Option<TeamId>,
    pub label: String,
    pub expires_at: Option<Millis>,
    pub max_uses: Option<u32>,
}

/// Where a new invite comes from: a request for one, or the rotation of an
/// existing one (revoked, and replaced by one like it).
pub(super) enum InviteSource {
    New(InviteRequest),
    Rotate(u32),
}

impl Hub {
    fn moderators(&self) -> impl Iterator<Item = &Session> {
        self.sessions.members().filter(|s| {
            self.event()
                .member(s.member)
                .is_some_and(|m| m.role == Role::Moderator)
        })
    }

    fn invite_view(invite: &Invite) -> InviteView {
        InviteView {
            id: invite.id,
            role: invite.role,
            team: invite.team.map(|t| t.0),
            name: invite.name.clone(),
            label: invite.label.clone(),
            expires_at: invite.expires_at,
            max_uses: invite.max_uses,
            uses: invite.uses,
            revoked: invite.revoked,
        }
    }

    fn invites_frame(&self) -> crate::protocol::Encoded {
        let invites = self
            .event()
            .state()
            .invites
            .iter()
            .map(Self::invite_view)
            .collect();
        encoded(&ServerMsg::Invites { invites })
    }

    /// Routes a moderation effect (others are routed in `routing`).
    pub(super) fn route_moderation(&self, effect: &Effect) {
        match effect {
            Effect::AuditChanged => {
                if let Some(entry) = self.event().state().audit.last() {
                    self.deliver(encoded(&ServerMsg::AuditEntry { entry }), self.moderators());
                }
            }
            Effect::MuteChanged { member, muted } => {
                let frame = encoded(&ServerMsg::MuteChanged {
                    id: member.0,
                    muted: *muted,
                });
                let target = self.sessions.of_member(*member);
                self.deliver(frame, self.moderators().chain(target));
            }
            Effect::Kicked { member } => {
                self.close_member(*member, CloseCode::Kicked, "kicked by the moderator")
            }
            Effect::Banned { member } => {
                self.close_member(*member, CloseCode::Banned, "banned by the moderator")
            }
            Effect::ChatDeleted { seq } => self.deliver(
                encoded(&ServerMsg::ChatDeleted { seq: *seq }),
                self.sessions.everyone(),
            ),
            Effect::InvitesChanged => self.deliver(self.invites_frame(), self.moderators()),
            _ => {}
        }
    }

    /// Closes every connection of the member: the main one and any
    /// companion (a console beside the venue page). Whatever those
    /// connections still send is dropped by `request` (their close is asked).
    fn close_member(&self, member: MemberId, code: CloseCode, reason: &'static str) {
        for session in self.sessions.members().filter(|s| s.member == member) {
            session.link.close(code, reason);
        }
    }

    /// Creates an invite (or rotates one): the new token goes back to the
    /// requester once durable.
    pub(super) fn create_invite(
        &mut self,
        conn: ConnId,
        rid: Option<u64>,
        actor: MemberId,
        source: InviteSource,
        now: Millis,
    ) {
        let token = new_token();
        let token_hash = hash_token(&token);
        let command = Command::Moderation(match source {
            InviteSource::New(request) => ModerationCommand::CreateInvite {
                token_hash,
                role: request.role,
                team: request.team,
                label: request.label,
                expires_at: request.expires_at,
                max_uses: request.max_uses,
            },
            InviteSource::Rotate(invite) => ModerationCommand::RotateInvite { invite, token_hash },
        });
        match self.apply_durable(Some(actor), command, now) {
            Ok((seq, effects)) => {
                let Some(invite) = self.event().state().invites.last() else {
                    return;
                };
                let reply = encoded(&ServerMsg::InviteCreated {
                    rid,
                    invite: Self::invite_view(invite),
                    token,
                });
                self.durable
                    .hold(seq, effects, AfterCommit::Reply { conn, reply });
            }
            Err(refusal) => self.reply(conn, rid, Err(refusal)),
        }
    }

    /// Sends the invites or the audit log to a moderator who asked.
    pub(super) fn send_moderator_list(
        &self,
        conn: ConnId,
        member: MemberId,
        audit: bool,
    ) -> Result<(), (ErrorCode, String)> {
        let role = self.event().member(member).map(|m| m.role);
        crate::domain::permissions::check(
            role.unwrap_or(Role::Spectator),
            crate::domain::permissions::Permission::Moderate,
        )?;
        let Some(session) = self.sessions.get(conn) else {
            return Ok(());
        };
        if audit {
            let frame = encoded(&ServerMsg::AuditLog {
                entries: &self.event().state().audit,
            });
            self.deliver(frame, std::iter::once(session));
        } else {
            self.deliver(self.invites_frame(), std::iter::once(session));
        }
        Ok(())
    }
}
