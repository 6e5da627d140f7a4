//! Personal data (RGPD): a person's own data, their erasure, and the purge
//! of an archived event once its retention period is over.
//!
//! Erasing replaces a name by a pseudonym (`Personne 12`), removes the
//! person's chat messages (their numbers stay, as for a moderator's
//! deletion), their registration answers and the names on personal invites,
//! and ends their session. What is not personal stays: teams, scores,
//! labels, votes, the ranking — results and published projects survive.
//!
//! Privacy commands are allowed in every lifecycle phase, archived included:
//! the right to erasure does not end with the event.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis};
use super::lifecycle::EventPhase;
use super::registration::Registration;
use super::text;
use serde::{Deserialize, Serialize};

/// Milliseconds in a day.
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// A personal-data change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PrivacyCommand {
    /// A person deletes their account (or the operator erases it).
    Forget { member: MemberId },
    /// The retention period of an archived event is over: every person's
    /// data is erased (the system, never a client).
    Purge,
}

/// A privacy command refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {
    #[error("only the person themselves (or the operator) erases an account")]
    NotYours,
    #[error("only an archived event is purged")]
    NotArchived,
}

impl PrivacyError {
    /// The stable wire code.
    pub fn code(&self) -> &'static str {
        match self {
            PrivacyError::NotYours => "forbidden",
            PrivacyError::NotArchived => "not_archived",
        }
    }
}

/// Everything an event holds about one person (`GET /api/events/<id>/me`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonalData {
    pub event: String,
    pub id: u32,
    pub name: String,
    pub role: super::Role,
    pub team: Option<String>,
    /// Messages they wrote, with their channel and time.
    pub messages: Vec<super::ChatMessage>,
    /// Their sign-up, when they joined through one.
    pub registration: Option<Registration>,
}

/// The pseudonym that replaces a person's name.
pub fn pseudonym(member: MemberId) -> String {
    format!("Personne {}", member.0)
}

impl Event {
    /// Everything this event holds about `member`.
    pub fn personal_data(&self, member: MemberId) -> Option<PersonalData> {
        let person = self.member(member)?;
        Some(PersonalData {
            event: self.state.id.clone(),
            id: member.0,
            name: person.name.clone(),
            role: person.role,
            team: person
                .team
                .and_then(|t| self.team(t))
                .map(|t| t.name.clone()),
            messages: self
                .state
                .chat
                .iter()
                .filter(|m| m.from == member && !m.deleted)
                .cloned()
                .collect(),
            registration: self.registration_of(member).cloned(),
        })
    }

    /// The accepted sign-up this member joined with (its invite carries
    /// their name).
    fn registration_of(&self, member: MemberId) -> Option<&Registration> {
        let name = &self.member(member)?.name;
        self.state
            .registrations
            .list
            .values()
            .find(|r| &r.name == name && r.invite.is_some())
    }

    /// Whether the retention period of this archived event is over and its
    /// people not yet erased.
    pub fn purge_due(&self, now: Millis) -> bool {
        let Some(days) = self.state.settings.as_ref().and_then(|s| s.retention_days) else {
            return false;
        };
        let Some(archived_at) = self.state.archived_at else {
            return false;
        };
        !self.state.purged && now >= archived_at.saturating_add(u64::from(days) * DAY_MS)
    }

    pub(super) fn check_privacy(
        &self,
        actor: Option<MemberId>,
        command: &PrivacyCommand,
    ) -> Result<(), DomainError> {
        match command {
            PrivacyCommand::Forget { member } => {
                self.member(*member)
                    .ok_or(DomainError::UnknownMember(member.0))?;
                if actor.is_some_and(|a| a != *member) {
                    return Err(PrivacyError::NotYours.into());
                }
            }
            PrivacyCommand::Purge => {
                if actor.is_some() {
                    return Err(PrivacyError::NotYours.into());
                }
                if self.state.phase != EventPhase::Archived {
                    return Err(PrivacyError::NotArchived.into());
                }
            }
        }
        Ok(())
    }

    pub(super) fn commit_privacy(&mut self, command: &PrivacyCommand) -> Vec<Effect> {
        match command {
            PrivacyCommand::Forget { member } => {
                self.forget(*member);
                vec![Effect::Kicked { member: *member }]
            }
            PrivacyCommand::Purge => {
                let members: Vec<MemberId> = self.state.members.keys().copied().collect();
                for member in members {
                    self.forget(member);
                }
                let seqs: Vec<u64> = self.state.chat.iter().map(|m| m.seq).collect();
                for seq in seqs {
                    self.state.chat.delete(seq);
                }
                for registration in self.state.registrations.list.values_mut() {
                    erase_registration(registration);
                }
                for invite in &mut self.state.invites {
                    invite.name = None;
                }
                for entry in &mut self.state.audit {
                    entry.target.clear();
                    entry.reason.clear();
                }
                for request in self.state.help.requests.values_mut() {
                    erase_help_texts(request);
                }
                self.state.purged = true;
                vec![]
            }
        }
    }

    /// Erases one person: pseudonym, messages, registration, session.
    fn forget(&mut self, member: MemberId) {
        let Some(old) = self
            .member(member)
            .map(|m| (m.name.clone(), m.session_hash.clone()))
        else {
            return;
        };
        let (old_name, old_session) = old;
        let registration = self.registration_of(member).map(|r| r.id);
        if let Some(reg) = registration.and_then(|id| self.state.registrations.list.get_mut(&id)) {
            erase_registration(reg);
            reg.name = pseudonym(member);
        }
        for invite in &mut self.state.invites {
            if invite.name.as_deref() == Some(old_name.as_str()) {
                invite.name = Some(pseudonym(member));
                invite.revoked = true;
            }
        }
        let seqs: Vec<u64> = self
            .state
            .chat
            .iter()
            .filter(|m| m.from == member)
            .map(|m| m.seq)
            .collect();
        for seq in seqs {
            self.state.chat.delete(seq);
        }
        for request in self.state.help.requests.values_mut() {
            if request.asked_by == member {
                erase_help_texts(request);
            }
        }
        self.by_session.remove(&old_session);
        self.forget_skeleton(&text::name_skeleton(&old_name), member);
        if let Some(person) = self.state.members.get_mut(&member) {
            person.name = pseudonym(member);
            // The session never resumes: the account is gone.
            person.session_hash = format!("forgotten-{}", member.0);
            person.banned = true;
        }
    }
}

/// Erases what people wrote in a help request (its description and the
/// rating's comment), keeping its tags, times and stars for the statistics.
fn erase_help_texts(request: &mut super::help::HelpRequest) {
    request.description.clear();
    if let Some(rating) = &mut request.rating {
        rating.comment.clear();
    }
}

/// Erases a registration's answers, keeping its number and status.
fn erase_registration(registration: &mut Registration) {
    registration.name = format!("Inscription {}", registration.id);
    registration.organisation.clear();
    registration.skills.clear();
    registration.email = None;
    registration.accessibility.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, EventState, Limits, Role};
    use crate::venue::Venue;
    use std::sync::Arc;

    fn event() -> Event {
        let venue = Arc::new(Venue::from_tmj(Venue::DEFAULT_MAP_TMJ).unwrap());
        Event::new(EventState::new("e", "E"), venue, Limits::default())
    }

    #[test]
    fn forgetting_a_person_leaves_a_pseudonym_and_no_messages() {
        let mut e = event();
        let join = Command::Join {
            name: "Inès".into(),
            role: Role::Moderator,
            team: None,
            session_hash: "s".into(),
            invite: None,
        };
        e.apply(None, &join, 0).unwrap();
        let me = MemberId(1);
        let chat = Command::PostChat {
            channel: crate::domain::Channel::Announcements,
            text: "Bonjour".into(),
        };
        e.apply(Some(me), &chat, 1).unwrap();
        assert_eq!(e.personal_data(me).unwrap().messages.len(), 1);
        let forget = Command::Privacy(PrivacyCommand::Forget { member: me });
        assert!(e.apply(Some(MemberId(9)), &forget, 2).is_err());
        e.apply(Some(me), &forget, 2).unwrap();
        let data = e.personal_data(me).unwrap();
        assert_eq!(data.name, "Personne 1");
        assert!(data.messages.is_empty());
        assert_eq!(e.member_by_session("s"), None);
        // The name is free again.
        let again = Command::Join {
            name: "Inès".into(),
            role: Role::Participant,
            team: None,
            session_hash: "t".into(),
            invite: None,
        };
        assert!(e.apply(None, &again, 3).is_ok());
    }

    #[test]
    fn forgetting_a_person_erases_what_they_wrote_in_help_requests() {
        use crate::domain::help::HelpCommand;
        let mut e = crate::domain::teams::tests::event();
        let me = crate::domain::teams::tests::join(&mut e, "Inès", Role::Participant);
        let team = Command::CreateTeam {
            name: "Les Données".into(),
            challenge: None,
        };
        e.apply(Some(me), &team, 0).unwrap();
        let ask = Command::Help(HelpCommand::Ask {
            tags: vec![crate::domain::help::HelpTag::Data],
            description: "Mon adresse : 3 rue des Lilas".into(),
        });
        e.apply(Some(me), &ask, 1).unwrap();
        let forget = Command::Privacy(PrivacyCommand::Forget { member: me });
        e.apply(Some(me), &forget, 2).unwrap();
        let request = e.state().help.requests.values().next().unwrap();
        assert_eq!(request.description, "");
        assert_eq!(
            request.asked_by, me,
            "the request itself stays, for the statistics"
        );
    }
}
