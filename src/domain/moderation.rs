//! Moderation: mute, kick, ban, delete a chat message, manage invite links,
//! and the durable audit log of every moderator action.

use super::error::DomainError;
use super::ids::{MemberId, Millis, TeamId};
use super::role::Role;
use serde::{Deserialize, Serialize};

/// A moderator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ModerationCommand {
    /// No more chat from this person (they can still move and watch).
    Mute {
        member: MemberId,
        reason: String,
    },
    Unmute {
        member: MemberId,
    },
    /// Disconnect; the person may come back.
    Kick {
        member: MemberId,
        reason: String,
    },
    /// Disconnect and revoke the session (and a personal invite): no way back.
    Ban {
        member: MemberId,
        reason: String,
    },
    /// Remove a message for everyone, history included.
    DeleteMessage {
        seq: u64,
        reason: String,
    },
    /// A new invite link (the hub generates the token; only its hash is here).
    CreateInvite {
        token_hash: String,
        role: Role,
        team: Option<TeamId>,
        label: String,
        expires_at: Option<Millis>,
        max_uses: Option<u32>,
    },
    RevokeInvite {
        invite: u32,
    },
    /// Revokes a (shared) invite link and makes a new one with the same
    /// role, team, label, expiry and use limit, in one step: after a ban,
    /// the old link can no longer bring the person back.
    RotateInvite {
        invite: u32,
        token_hash: String,
    },
}

impl ModerationCommand {
    /// The audit log's name for the action.
    pub fn action(&self) -> &'static str {
        match self {
            ModerationCommand::Mute { .. } => "mute",
            ModerationCommand::Unmute { .. } => "unmute",
            ModerationCommand::Kick { .. } => "kick",
            ModerationCommand::Ban { .. } => "ban",
            ModerationCommand::DeleteMessage { .. } => "delete_message",
            ModerationCommand::CreateInvite { .. } => "create_invite",
            ModerationCommand::RevokeInvite { .. } => "revoke_invite",
            ModerationCommand::RotateInvite { .. } => "rotate_invite",
        }
    }

    /// What the action is about, for the audit log.
    pub fn target(&self) -> String {
        match self {
            ModerationCommand::Mute { member, .. }
            | ModerationCommand::Unmute { member }
            | ModerationCommand::Kick { member, .. }
            | ModerationCommand::Ban { member, .. } => format!("member:{member}"),
            ModerationCommand::DeleteMessage { seq, .. } => format!("message:{seq}"),
            ModerationCommand::CreateInvite { role, label, .. } => format!("invite:{role}:{label}"),
            ModerationCommand::RevokeInvite { invite }
            | ModerationCommand::RotateInvite { invite, .. } => format!("invite:{invite}"),
        }
    }

    /// The moderator's stated reason, if the action has one.
    pub fn reason(&self) -> &str {
        match self {
            ModerationCommand::Mute { reason, .. }
            | ModerationCommand::Kick { reason, .. }
            | ModerationCommand::Ban { reason, .. }
            | ModerationCommand::DeleteMessage { reason, .. } => reason,
            _ => "",
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Millis,
    pub by: MemberId,
    pub action: String,
    pub target: String,
    pub reason: String,
}

/// Longest moderation reason or invite label, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// Checks the free text of a moderation command.
pub fn check_reason(command: &ModerationCommand) -> Result<(), DomainError> {
    let text = match command {
        ModerationCommand::CreateInvite { label, .. } => label.as_str(),
        other => other.reason(),
    };
    let len = text.chars().count();
    if len > MAX_REASON_CHARS {
        return Err(DomainError::TextTooLong {
            field: "reason",
            len,
            max: MAX_REASON_CHARS,
        });
    }
    Ok(())
}

use super::command::Effect;
use super::event::Event;
use super::member::Invite;
use super::permissions::{Permission, check};

impl Event {
    /// Registers an invite, numbering it. The one place invites are added.
    pub(super) fn add_invite(&mut self, mut invite: Invite) -> u32 {
        let id = self.state.invites.len() as u32 + 1;
        invite.id = id;
        self.by_invite
            .insert(invite.token_hash.clone(), self.state.invites.len());
        self.state.invites.push(invite);
        id
    }

    /// Checks a moderation command from `actor` (a moderator).
    pub(super) fn check_moderation(
        &self,
        actor: MemberId,
        command: &ModerationCommand,
    ) -> Result<(), DomainError> {
        let role = self
            .member(actor)
            .ok_or(DomainError::UnknownMember(actor.0))?
            .role;
        check(role, Permission::Moderate)?;
        check_reason(command)?;
        match command {
            ModerationCommand::Mute { member, .. }
            | ModerationCommand::Unmute { member }
            | ModerationCommand::Kick { member, .. }
            | ModerationCommand::Ban { member, .. } => {
                let target = self
                    .member(*member)
                    .ok_or(DomainError::UnknownMember(member.0))?;
                // Moderators cannot act on each other (nor on themselves).
                if target.role == Role::Moderator {
                    return Err(DomainError::ProtectedMember(member.0));
                }
            }
            ModerationCommand::DeleteMessage { seq, .. } => {
                self.state
                    .chat
                    .get(*seq)
                    .filter(|m| !m.deleted)
                    .ok_or(DomainError::UnknownMessage(*seq))?;
            }
            ModerationCommand::CreateInvite {
                team,
                max_uses,
                token_hash,
                ..
            } => {
                if let Some(team) = team {
                    self.team(*team).ok_or(DomainError::UnknownTeam(team.0))?;
                }
                if *max_uses == Some(0) {
                    return Err(DomainError::OutOfRange {
                        field: "max_uses",
                        min: 1,
                        max: i64::from(u32::MAX),
                        got: 0,
                    });
                }
                if self.invite(token_hash).is_some() {
                    return Err(DomainError::InvalidInvite);
                }
            }
            ModerationCommand::RevokeInvite { invite } => {
                self.invite_by_id(*invite)
                    .ok_or(DomainError::UnknownInvite(*invite))?;
            }
            ModerationCommand::RotateInvite { invite, token_hash } => {
                self.invite_by_id(*invite)
                    .ok_or(DomainError::UnknownInvite(*invite))?;
                if self.invite(token_hash).is_some() {
                    return Err(DomainError::InvalidInvite);
                }
            }
        }
        Ok(())
    }

    /// Applies a checked moderation command and records it in the audit log.
    pub(super) fn commit_moderation(
        &mut self,
        actor: MemberId,
        command: &ModerationCommand,
        now: Millis,
    ) -> Vec<Effect> {
        self.state.audit.push(AuditEntry {
            at: now,
            by: actor,
            action: command.action().to_string(),
            target: command.target(),
            reason: command.reason().trim().to_string(),
        });
        let mut effects = vec![Effect::AuditChanged];
        match command {
            ModerationCommand::Mute { member, .. } | ModerationCommand::Unmute { member } => {
                let muted = matches!(command, ModerationCommand::Mute { .. });
                if let Some(m) = self.state.members.get_mut(member) {
                    m.muted = muted;
                }
                effects.push(Effect::MuteChanged {
                    member: *member,
                    muted,
                });
            }
            ModerationCommand::Kick { member, .. } => {
                effects.push(Effect::Kicked { member: *member })
            }
            ModerationCommand::Ban { member, .. } => {
                if let Some(m) = self.state.members.get_mut(member) {
                    m.banned = true;
                    self.by_session.remove(&m.session_hash);
                    let name = m.name.clone();
                    // A personal invite in their name dies with the ban.
                    for invite in self
                        .state
                        .invites
                        .iter_mut()
                        .filter(|i| i.name.as_deref() == Some(name.as_str()))
                    {
                        invite.revoked = true;
                    }
                }
                effects.push(Effect::Banned { member: *member });
                effects.push(Effect::InvitesChanged);
            }
            ModerationCommand::DeleteMessage { seq, .. } => {
                if self.state.chat.delete(*seq) {
                    effects.push(Effect::ChatDeleted { seq: *seq });
                }
            }
            ModerationCommand::CreateInvite {
                token_hash,
                role,
                team,
                label,
                expires_at,
                max_uses,
            } => {
                self.add_invite(Invite {
                    id: 0,
                    token_hash: token_hash.clone(),
                    role: *role,
                    team: *team,
                    name: None,
                    label: label.trim().to_string(),
                    expires_at: *expires_at,
                    max_uses: *max_uses,
                    uses: 0,
                    revoked: false,
                });
                effects.push(Effect::InvitesChanged);
            }
            ModerationCommand::RevokeInvite { invite } => {
                if let Some(found) = self.state.invites.iter_mut().find(|i| i.id == *invite) {
                    found.revoked = true;
                }
                effects.push(Effect::InvitesChanged);
            }
            ModerationCommand::RotateInvite { invite, token_hash } => {
                let old = self.state.invites.iter_mut().find(|i| i.id == *invite);
                if let Some(old) = old {
                    old.revoked = true;
                    let new = Invite {
                        id: 0,
                        token_hash: token_hash.clone(),
                        uses: 0,
                        revoked: false,
                        ..old.clone()
                    };
                    self.add_invite(new);
                }
                effects.push(Effect::InvitesChanged);
            }
        }
        effects
    }

    /// The invite with this number.
    pub fn invite_by_id(&self, id: u32) -> Option<&Invite> {
        self.state.invites.iter().find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::Channel;
    use crate::domain::command::Command;
    use crate::domain::event::EventState;
    use crate::domain::limits::Limits;
    use crate::venue::Venue;
    use std::sync::Arc;

    fn event() -> Event {
        let venue = Arc::new(Venue::default_venue().unwrap());
        Event::new(EventState::new("t", "Test"), venue, Limits::default())
    }

    fn join(event: &mut Event, name: &str, role: Role) -> MemberId {
        let command = Command::Join {
            name: name.into(),
            role,
            team: None,
            session_hash: format!("s-{name}"),
            invite: None,
        };
        event.apply(None, &command, 0).unwrap();
        event.member_by_session(&format!("s-{name}")).unwrap()
    }

    fn moderate(
        event: &mut Event,
        by: MemberId,
        command: ModerationCommand,
    ) -> Result<Vec<Effect>, DomainError> {
        event.apply(Some(by), &Command::Moderation(command), 100)
    }

    #[test]
    fn mute_blocks_chat_and_is_audited() {
        let mut e = event();
        let m = join(&mut e, "mod", Role::Moderator);
        let p = join(&mut e, "p", Role::Participant);
        moderate(
            &mut e,
            m,
            ModerationCommand::Mute {
                member: p,
                reason: "spam".into(),
            },
        )
        .unwrap();
        let chat = Command::PostChat {
            channel: Channel::Announcements,
            text: "x".into(),
        };
        assert_eq!(e.check_command(Some(p), &chat), Err(DomainError::Muted));
        assert_eq!(e.state().audit[0].action, "mute");
        assert_eq!(e.state().audit[0].reason, "spam");
        assert!(matches!(
            moderate(&mut e, p, ModerationCommand::Unmute { member: p }),
            Err(DomainError::Forbidden { .. })
        ));
        let other = join(&mut e, "mod2", Role::Moderator);
        assert_eq!(
            moderate(
                &mut e,
                m,
                ModerationCommand::Kick {
                    member: other,
                    reason: String::new()
                }
            ),
            Err(DomainError::ProtectedMember(other.0))
        );
    }

    #[test]
    fn ban_revokes_the_session() {
        let mut e = event();
        let m = join(&mut e, "mod", Role::Moderator);
        let p = join(&mut e, "p", Role::Participant);
        let effects = moderate(
            &mut e,
            m,
            ModerationCommand::Ban {
                member: p,
                reason: String::new(),
            },
        )
        .unwrap();
        assert!(effects.contains(&Effect::Banned { member: p }));
        assert_eq!(e.member_by_session("s-p"), None);
        assert!(e.member(p).unwrap().banned);
    }

    #[test]
    fn deleted_messages_leave_history() {
        let mut e = event();
        let m = join(&mut e, "mod", Role::Moderator);
        e.apply(
            Some(m),
            &Command::PostChat {
                channel: Channel::Announcements,
                text: "oops".into(),
            },
            1,
        )
        .unwrap();
        moderate(
            &mut e,
            m,
            ModerationCommand::DeleteMessage {
                seq: 1,
                reason: String::new(),
            },
        )
        .unwrap();
        assert_eq!(
            e.state()
                .chat
                .recent(&Channel::Announcements, 0, 10)
                .count(),
            0
        );
        assert_eq!(
            moderate(
                &mut e,
                m,
                ModerationCommand::DeleteMessage {
                    seq: 1,
                    reason: String::new()
                }
            ),
            Err(DomainError::UnknownMessage(1))
        );
    }

    #[test]
    fn joining_uses_up_a_single_use_invite() {
        let mut e = event();
        let m = join(&mut e, "mod", Role::Moderator);
        let create = ModerationCommand::CreateInvite {
            token_hash: "one".into(),
            role: Role::Participant,
            team: None,
            label: String::new(),
            expires_at: None,
            max_uses: Some(1),
        };
        moderate(&mut e, m, create).unwrap();
        let id = e.invite("one").unwrap().id;
        let join_with = |name: &str| Command::Join {
            name: name.into(),
            role: Role::Participant,
            team: None,
            session_hash: format!("s-{name}"),
            invite: Some(id),
        };
        e.apply(None, &join_with("first"), 0).unwrap();
        assert_eq!(e.invite("one").unwrap().uses, 1);
        assert_eq!(
            e.invite("one").unwrap().refusal(0),
            Some(crate::domain::member::InviteRefusal::UsedUp)
        );
        assert_eq!(
            e.apply(None, &join_with("second"), 0),
            Err(DomainError::InvalidInvite)
        );
    }

    #[test]
    fn invites_expire_run_out_and_are_revoked() {
        let mut e = event();
        let m = join(&mut e, "mod", Role::Moderator);
        let create = |hash: &str, expires_at, max_uses| ModerationCommand::CreateInvite {
            token_hash: hash.into(),
            role: Role::Participant,
            team: None,
            label: "presse".into(),
            expires_at,
            max_uses,
        };
        moderate(&mut e, m, create("a", Some(1_000), None)).unwrap();
        moderate(&mut e, m, create("b", None, Some(1))).unwrap();
        assert_eq!(
            moderate(&mut e, m, create("b", None, None)),
            Err(DomainError::InvalidInvite)
        );
        assert_eq!(e.invite("a").unwrap().refusal(999), None);
        assert_eq!(
            e.invite("a").unwrap().refusal(1_000),
            Some(crate::domain::member::InviteRefusal::Expired)
        );
        let id = e.invite("b").unwrap().id;
        moderate(&mut e, m, ModerationCommand::RevokeInvite { invite: id }).unwrap();
        assert_eq!(
            e.invite("b").unwrap().refusal(0),
            Some(crate::domain::member::InviteRefusal::Revoked)
        );
        assert_eq!(
            moderate(&mut e, m, ModerationCommand::RevokeInvite { invite: 99 }),
            Err(DomainError::UnknownInvite(99))
        );
    }
}
