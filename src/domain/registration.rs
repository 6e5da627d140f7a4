//! Public sign-up: people register for an event (name, organisation,
//! skills, optional email, accessibility needs, consent to the privacy
//! notice); the moderator accepts or refuses; an accepted person gets a
//! personal, single-use participant invite (its token is made by the hub,
//! only its hash is journaled, and the moderator may re-issue it).
//!
//! Capacity: once as many registrations are accepted as the event's
//! capacity, new sign-ups go to the waiting list and accepting is refused
//! (`event_full`) until a place frees (a refusal of an accepted person).
//! An invite-only event takes no sign-up. Sign-up is open while the event
//! is in phase `registration` or `live`.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::help::{HelpTag, MentorProfile};
use super::ids::MemberId;
use super::ids::Millis;
use super::lifecycle::EventPhase;
use super::member::Invite;
use super::permissions::{Permission, check};
use super::role::Role;
use super::text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest organisation name, in characters.
pub const MAX_ORGANISATION_CHARS: usize = 100;
/// Most skills a person lists.
pub const MAX_SKILLS: usize = 10;
/// Longest skill, in characters.
pub const MAX_SKILL_CHARS: usize = 40;
/// Longest email address, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest accessibility note, in characters.
pub const MAX_ACCESSIBILITY_CHARS: usize = 500;
/// Most registrations an event keeps (a bound on a public form).
pub const MAX_REGISTRATIONS: usize = 20_000;

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Pending,
    Waitlisted,
    Accepted,
    Refused,
}

/// One person's sign-up. Personal data: see `docs/privacy.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: u32,
    pub name: String,
    pub organisation: String,
    pub skills: Vec<String>,
    pub email: Option<String>,
    pub accessibility: String,
    pub status: RegistrationStatus,
    pub at: Millis,
    /// The personal invite of an accepted registration (the latest one).
    pub invite: Option<u32>,
    /// What the person was accepted as: a participant, or a mentor whose
    /// skills become their help-desk topics when they first join.
    #[serde(default = "participant")]
    pub role: Role,
}

fn participant() -> Role {
    Role::Participant
}

/// Every registration of an event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Registrations {
    pub list: BTreeMap<u32, Registration>,
    #[serde(default)]
    pub next: u32,
}

impl Registrations {
    /// Accepted registrations: the places promised.
    pub fn accepted(&self) -> usize {
        self.list
            .values()
            .filter(|r| r.status == RegistrationStatus::Accepted)
            .count()
    }
}

/// The sign-up form as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub accessibility: String,
    /// Consent to the event's privacy notice: required.
    #[serde(default)]
    pub consent: bool,
}

/// The sign-up form cleaned and checked by [`CheckedSignUp::parse`] where
/// the request arrives (the HTTP handler), so the event never cleans it.
///
/// Journaled as the form's fields (the same JSON as [`SignUp`]). Read back,
/// a form that passes today's checks is cleaned as they clean it (records
/// written before the check moved to the edge hold the form as sent, and
/// the event cleaned it when applying them); one a later, stricter rule
/// would refuse loads as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CheckedSignUp(SignUp);

impl<'de> Deserialize<'de> for CheckedSignUp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = SignUp::deserialize(deserializer)?;
        Ok(CheckedSignUp::parse(&stored, usize::MAX).unwrap_or(CheckedSignUp(stored)))
    }
}

/// A change to the registrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistrationCommand {
    /// Someone signs up (public), with the form checked where it arrived.
    Submit { form: CheckedSignUp },
    /// The moderator accepts: a personal invite with this token hash, as
    /// a participant (`role` absent) or a mentor.
    Accept {
        id: u32,
        token_hash: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
    },
    /// The moderator refuses (an accepted person's invite is revoked).
    Refuse { id: u32 },
    /// The moderator replaces an accepted person's invite.
    Reissue { id: u32, token_hash: String },
}

/// A registration refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error("consent: the event's privacy notice must be accepted")]
    ConsentRequired,
    #[error("this event is on invitation only: no public sign-up")]
    InviteOnly,
    #[error("sign-up is closed in phase '{0}'")]
    Closed(EventPhase),
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("no registration has id {0}")]
    Unknown(u32),
    #[error("registration {0} was already decided")]
    AlreadyDecided(u32),
    #[error("registration {0} is not accepted")]
    NotAccepted(u32),
    #[error("this event takes no more sign-ups")]
    TooMany,
}

impl RegistrationError {
    /// The stable wire code.
    pub fn code(&self) -> &'static str {
        match self {
            RegistrationError::ConsentRequired => "consent_required",
            RegistrationError::InviteOnly => "invite_only",
            RegistrationError::Closed(_) => "registration_closed",
            RegistrationError::Invalid { .. } => "invalid_registration",
            RegistrationError::Unknown(_) => "unknown_registration",
            RegistrationError::AlreadyDecided(_) => "already_decided",
            RegistrationError::NotAccepted(_) => "not_accepted",
            RegistrationError::TooMany => "registration_closed",
        }
    }

    /// The form field it is about, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            RegistrationError::ConsentRequired => Some("consent"),
            RegistrationError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> RegistrationError {
    RegistrationError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// A short free text, trimmed, at most `max` characters.
fn short(field: &'static str, value: &str, max: usize) -> Result<String, RegistrationError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    if value.chars().any(char::is_control) && field != "accessibility" {
        return Err(invalid(field, "no control characters"));
    }
    Ok(value.to_string())
}

/// What a sign-up may be accepted as: a participant (`None`) or a mentor.
pub fn accept_role(role: Option<Role>) -> Result<Role, RegistrationError> {
    match role {
        None | Some(Role::Participant) => Ok(Role::Participant),
        Some(Role::Mentor) => Ok(Role::Mentor),
        Some(_) => Err(invalid(
            "role",
            "a sign-up is accepted as participant or mentor",
        )),
    }
}

impl CheckedSignUp {
    /// The form cleaned, or the first field that is wrong.
    pub fn parse(form: &SignUp, max_name_chars: usize) -> Result<CheckedSignUp, RegistrationError> {
        if !form.consent {
            return Err(RegistrationError::ConsentRequired);
        }
        let name = text::clean_name("name", &form.name, max_name_chars)
            .map_err(|e| invalid("name", e.to_string()))?;
        let organisation = short("organisation", &form.organisation, MAX_ORGANISATION_CHARS)?;
        if form.skills.len() > MAX_SKILLS {
            return Err(invalid("skills", format!("at most {MAX_SKILLS}")));
        }
        let skills = form
            .skills
            .iter()
            .map(|s| short("skills", s, MAX_SKILL_CHARS))
            .filter(|s| !matches!(s, Ok(s) if s.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        let email = match form.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(email) => {
                let plausible = email.chars().count() <= MAX_EMAIL_CHARS
                    && !email.chars().any(char::is_whitespace)
                    && email
                        .split_once('@')
                        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
                if !plausible {
                    return Err(invalid("email", "not an email address"));
                }
                Some(email.to_string())
            }
        };
        let accessibility = short(
            "accessibility",
            &form.accessibility,
            MAX_ACCESSIBILITY_CHARS,
        )?;
        Ok(CheckedSignUp(SignUp {
            name,
            organisation,
            skills,
            email,
            accessibility,
            consent: true,
        }))
    }

    /// The cleaned form.
    pub fn form(&self) -> &SignUp {
        &self.0
    }
}

impl Event {
    /// Checks a registration command (`actor_role`: `None` for the public
    /// form or the system).
    pub(super) fn check_registration(
        &self,
        actor_role: Option<Role>,
        command: &RegistrationCommand,
    ) -> Result<(), DomainError> {
        let regs = &self.state.registrations;
        match command {
            RegistrationCommand::Submit { .. } => {
                if self.state.settings.as_ref().is_some_and(|s| s.invite_only) {
                    return Err(RegistrationError::InviteOnly.into());
                }
                let phase = self.state.phase;
                if !matches!(phase, EventPhase::Registration | EventPhase::Live) {
                    return Err(RegistrationError::Closed(phase).into());
                }
                if regs.list.len() >= MAX_REGISTRATIONS {
                    return Err(RegistrationError::TooMany.into());
                }
            }
            RegistrationCommand::Accept { id, role, .. } => {
                if let Some(role) = actor_role {
                    check(role, Permission::Moderate)?;
                }
                if !matches!(role, None | Some(Role::Participant | Role::Mentor)) {
                    return Err(
                        invalid("role", "a sign-up is accepted as participant or mentor").into(),
                    );
                }
                let reg = regs.list.get(id).ok_or(RegistrationError::Unknown(*id))?;
                if !matches!(
                    reg.status,
                    RegistrationStatus::Pending | RegistrationStatus::Waitlisted
                ) {
                    return Err(RegistrationError::AlreadyDecided(*id).into());
                }
                if let Some(capacity) = self.capacity()
                    && regs.accepted() >= capacity as usize
                {
                    return Err(DomainError::EventFull { capacity });
                }
            }
            RegistrationCommand::Refuse { id } => {
                if let Some(role) = actor_role {
                    check(role, Permission::Moderate)?;
                }
                let reg = regs.list.get(id).ok_or(RegistrationError::Unknown(*id))?;
                if reg.status == RegistrationStatus::Refused {
                    return Err(RegistrationError::AlreadyDecided(*id).into());
                }
            }
            RegistrationCommand::Reissue { id, .. } => {
                if let Some(role) = actor_role {
                    check(role, Permission::Moderate)?;
                }
                let reg = regs.list.get(id).ok_or(RegistrationError::Unknown(*id))?;
                if reg.status != RegistrationStatus::Accepted {
                    return Err(RegistrationError::NotAccepted(*id).into());
                }
            }
        }
        Ok(())
    }

    /// Applies a checked registration command.
    pub(super) fn commit_registration(
        &mut self,
        command: &RegistrationCommand,
        now: Millis,
    ) -> Vec<Effect> {
        match command {
            RegistrationCommand::Submit { form } => {
                let form = form.form().clone();
                let full = self
                    .capacity()
                    .is_some_and(|c| self.state.registrations.accepted() >= c as usize);
                let regs = &mut self.state.registrations;
                regs.next = regs.next.max(1);
                let id = regs.next;
                regs.next += 1;
                regs.list.insert(
                    id,
                    Registration {
                        id,
                        name: form.name,
                        organisation: form.organisation,
                        skills: form.skills,
                        email: form.email,
                        accessibility: form.accessibility,
                        status: if full {
                            RegistrationStatus::Waitlisted
                        } else {
                            RegistrationStatus::Pending
                        },
                        at: now,
                        invite: None,
                        role: Role::Participant,
                    },
                );
                vec![]
            }
            RegistrationCommand::Accept { id, token_hash, .. }
            | RegistrationCommand::Reissue { id, token_hash } => {
                let Some((name, kept_role)) = self
                    .state
                    .registrations
                    .list
                    .get(id)
                    .map(|r| (r.name.clone(), r.role))
                else {
                    return vec![];
                };
                // A re-issued link keeps the role it was accepted as.
                let role = match command {
                    RegistrationCommand::Accept { role, .. } => {
                        accept_role(*role).unwrap_or(Role::Participant)
                    }
                    _ => kept_role,
                };
                self.revoke_registration_invite(*id);
                let invite = self.add_invite(Invite {
                    id: 0,
                    token_hash: token_hash.clone(),
                    role,
                    team: None,
                    name: Some(name),
                    label: format!("inscription {id}"),
                    expires_at: None,
                    max_uses: Some(1),
                    uses: 0,
                    revoked: false,
                });
                if let Some(reg) = self.state.registrations.list.get_mut(id) {
                    reg.status = RegistrationStatus::Accepted;
                    reg.invite = Some(invite);
                    reg.role = role;
                }
                vec![Effect::InvitesChanged]
            }
            RegistrationCommand::Refuse { id } => {
                self.revoke_registration_invite(*id);
                if let Some(reg) = self.state.registrations.list.get_mut(id) {
                    reg.status = RegistrationStatus::Refused;
                }
                vec![Effect::InvitesChanged]
            }
        }
    }

    fn revoke_registration_invite(&mut self, id: u32) {
        let old = self
            .state
            .registrations
            .list
            .get(&id)
            .and_then(|r| r.invite);
        if let Some(invite) = old.and_then(|i| self.state.invites.iter_mut().find(|v| v.id == i)) {
            invite.revoked = true;
        }
    }

    /// A mentor who joins through the link of their sign-up starts with
    /// the help-desk topics of the skills they gave (not yet available:
    /// they say so themselves, and may change the topics).
    pub(super) fn mentor_from_registration(&mut self, member: MemberId, invite: u32) {
        let skills = self
            .state
            .registrations
            .list
            .values()
            .find(|r| r.invite == Some(invite) && r.role == Role::Mentor)
            .map(|r| HelpTag::of_skills(&r.skills));
        let is_mentor = self
            .state
            .members
            .get(&member)
            .is_some_and(|m| m.role == Role::Mentor);
        if let (Some(skills), true) = (skills, is_mentor) {
            self.state
                .help
                .mentors
                .entry(member)
                .or_insert(MentorProfile {
                    skills,
                    available: false,
                });
        }
    }

    fn capacity(&self) -> Option<u32> {
        self.state.settings.as_ref().and_then(|s| s.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str) -> SignUp {
        SignUp {
            name: name.into(),
            organisation: "Région".into(),
            skills: vec!["data".into(), " ".into()],
            email: Some("a@b.fr".into()),
            accessibility: String::new(),
            consent: true,
        }
    }

    #[test]
    fn the_form_is_cleaned_and_checked_field_by_field() {
        let parse = |f: &SignUp| CheckedSignUp::parse(f, 40);
        let cleaned = parse(&form(" Inès ")).unwrap();
        assert_eq!(cleaned.form().name, "Inès");
        assert_eq!(cleaned.form().skills, ["data"]);
        let mut f = form("A");
        f.consent = false;
        assert_eq!(parse(&f).unwrap_err().field(), Some("consent"));
        assert_eq!(parse(&f).unwrap_err().code(), "consent_required");
        let mut f = form("A");
        f.email = Some("not an email".into());
        assert_eq!(parse(&f).unwrap_err().field(), Some("email"));
        let mut f = form("A");
        f.organisation = "x".repeat(101);
        assert_eq!(parse(&f).unwrap_err().field(), Some("organisation"));
        assert_eq!(parse(&form("")).unwrap_err().field(), Some("name"));
        assert_eq!(parse(&form("")).unwrap_err().code(), "invalid_registration");
    }

    #[test]
    fn a_checked_form_is_journaled_as_the_form_and_read_back_unchecked() {
        let checked = CheckedSignUp::parse(&form(" Inès "), 40).unwrap();
        let json = serde_json::to_value(&checked).unwrap();
        assert_eq!(json, serde_json::to_value(checked.form()).unwrap());
        // A stored form a later rule would refuse (no consent, long name) loads.
        let mut stored = form(&"x".repeat(200));
        stored.consent = false;
        let read: CheckedSignUp =
            serde_json::from_value(serde_json::to_value(&stored).unwrap()).unwrap();
        assert_eq!(read.form(), &stored);
        // A form stored as sent (before the edge cleaned it) reads cleaned.
        let read: CheckedSignUp =
            serde_json::from_value(serde_json::to_value(form(" Inès ")).unwrap()).unwrap();
        assert_eq!(read, checked);
    }

    fn event() -> Event {
        let venue = std::sync::Arc::new(
            crate::venue::Venue::from_tmj(crate::venue::Venue::DEFAULT_MAP_TMJ).unwrap(),
        );
        Event::new(
            crate::domain::EventState::new("e", "E"),
            venue,
            crate::domain::Limits::default(),
        )
    }

    fn signed_up(e: &mut Event, skills: &[&str]) -> u32 {
        let mut f = form("Inès");
        f.skills = skills.iter().map(|s| s.to_string()).collect();
        let submit = Command::Register(RegistrationCommand::Submit {
            form: CheckedSignUp::parse(&f, 40).unwrap(),
        });
        e.apply(None, &submit, 0).unwrap();
        e.state().registrations.next - 1
    }

    fn join(e: &mut Event, role: Role, invite: u32, session: &str) -> MemberId {
        let join = Command::Join {
            name: format!("Personne {session}").into(),
            role,
            team: None,
            session_hash: session.into(),
            invite: Some(invite),
        };
        e.apply(None, &join, 2).unwrap();
        MemberId(e.state().next_member - 1)
    }

    use crate::domain::Command;

    #[test]
    fn a_sign_up_accepted_as_mentor_joins_with_its_skills_as_help_topics() {
        let mut e = event();
        let id = signed_up(&mut e, &["Données ouvertes", "RGPD", "cuisine"]);
        let accept = RegistrationCommand::Accept {
            id,
            token_hash: "h1".into(),
            role: Some(Role::Mentor),
        };
        e.apply(None, &Command::Register(accept), 1).unwrap();
        let reg = &e.state().registrations.list[&id];
        assert_eq!(reg.role, Role::Mentor);
        let invite = reg.invite.unwrap();
        let made = e.state().invites.iter().find(|i| i.id == invite).unwrap();
        assert_eq!(made.role, Role::Mentor, "the link makes a mentor");
        let mentor = join(&mut e, Role::Mentor, invite, "m");
        assert_eq!(
            e.state().help.mentors[&mentor],
            MentorProfile {
                skills: vec![HelpTag::Data, HelpTag::Legal],
                available: false
            }
        );
        // A re-issued link stays a mentor's.
        let reissue = RegistrationCommand::Reissue {
            id,
            token_hash: "h2".into(),
        };
        e.apply(None, &Command::Register(reissue), 3).unwrap();
        let invite = e.state().registrations.list[&id].invite.unwrap();
        let made = e.state().invites.iter().find(|i| i.id == invite).unwrap();
        assert_eq!(made.role, Role::Mentor);
    }

    #[test]
    fn a_participant_gets_no_mentor_profile_and_other_roles_are_refused() {
        let mut e = event();
        let id = signed_up(&mut e, &["data"]);
        let as_jury = RegistrationCommand::Accept {
            id,
            token_hash: "h".into(),
            role: Some(Role::Jury),
        };
        let err = e.apply(None, &Command::Register(as_jury), 1).unwrap_err();
        assert_eq!(
            crate::protocol::ErrorCode::from(&err).as_str(),
            "invalid_registration"
        );
        let accept = RegistrationCommand::Accept {
            id,
            token_hash: "h".into(),
            role: None,
        };
        e.apply(None, &Command::Register(accept), 1).unwrap();
        let invite = e.state().registrations.list[&id].invite.unwrap();
        join(&mut e, Role::Participant, invite, "p");
        assert!(e.state().help.mentors.is_empty());
    }

    #[test]
    fn an_accept_journaled_before_roles_replays_as_a_participant() {
        let old = r#"{"op":"accept","id":1,"token_hash":"h"}"#;
        let command: RegistrationCommand = serde_json::from_str(old).unwrap();
        assert_eq!(
            command,
            RegistrationCommand::Accept {
                id: 1,
                token_hash: "h".into(),
                role: None
            }
        );
        assert_eq!(
            serde_json::to_string(&command).unwrap(),
            old,
            "encoded as before"
        );
    }

    #[test]
    fn skills_are_read_as_help_topics() {
        let of = |s: &str| HelpTag::of_skill(s);
        assert_eq!(of("Données ouvertes"), [HelpTag::Data]);
        assert_eq!(of("Développement web (Rust)"), [HelpTag::Technique]);
        assert_eq!(of("UX / accessibilité"), [HelpTag::Design]);
        assert_eq!(of("Cybersécurité"), [HelpTag::Security]);
        assert_eq!(of("Droit du numérique, RGPD"), [HelpTag::Legal]);
        assert_eq!(of("prise de parole"), [HelpTag::Pitch]);
        assert_eq!(of("cuisine"), []);
        assert_eq!(of("uidesign"), [], "whole words only");
        let skills = ["SQL".to_string(), "data".to_string(), "Pitch".to_string()];
        assert_eq!(HelpTag::of_skills(&skills), [HelpTag::Data, HelpTag::Pitch]);
    }
}
