//! The event: durable state (members, teams, chat, …), the ephemeral map of
//! avatars, and the two entry points that change them.
//!
//! - [`Event::apply`] applies a durable [`Command`]: the live hub and journal
//!   replay call the same function, with the time taken from the record.
//! - [`Event::act`] and [`Event::advance`] handle ephemeral movement and presence.
//!
//! Every check runs before any mutation, so a refused command changes nothing.

use super::awards::Awards;
use super::chat::{Channel, ChatLog};
use super::command::{Action, Command, Effect};
use super::error::DomainError;
use super::help::{HelpCommand, HelpDesk};
use super::ideas::IdeaBoard;
use super::ids::{MemberId, Millis, TeamId};
use super::jury::Jury;
use super::leaderboard::Leaderboard;
use super::lifecycle::EventPhase;
use super::limits::Limits;
use super::member::{Invite, Member};
use super::moderation::AuditEntry;
use super::permissions::{Permission, check};
use super::pitch::RunOfShow;
use super::presence::Presence;
use super::program::Program;
use super::projects::Projects;
use super::questions::QuestionBoard;
use super::registration::Registrations;
use super::role::Role;
use super::settings::EventSettings;
use super::team::Team;
use super::text::{self, Message};
use super::votes::Votes;
use crate::venue::Venue;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Everything about an event that must survive a restart. Serialized whole
/// into snapshots; changed only by [`Event::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventState {
    pub id: String,
    pub title: String,
    pub members: BTreeMap<MemberId, Member>,
    pub invites: Vec<Invite>,
    pub teams: BTreeMap<TeamId, Team>,
    pub chat: ChatLog,
    /// Every moderator action, in order.
    #[serde(default)]
    pub audit: Vec<AuditEntry>,
    #[serde(default)]
    pub program: Program,
    #[serde(default)]
    pub help: HelpDesk,
    /// Run of show and pitch timer.
    #[serde(default)]
    pub show: RunOfShow,
    #[serde(default)]
    pub jury: Jury,
    #[serde(default)]
    pub votes: Votes,
    #[serde(default)]
    pub awards: Awards,
    #[serde(default)]
    pub leaderboard: Leaderboard,
    /// The idea board.
    #[serde(default)]
    pub ideas: IdeaBoard,
    /// Project pages and the submission deadline.
    #[serde(default)]
    pub projects: Projects,
    /// Set by [`Command::Configure`]; `None` for an event stored before
    /// settings were data (its title is all it has).
    #[serde(default)]
    pub settings: Option<EventSettings>,
    /// Where the event is in its lifecycle (live for older events).
    #[serde(default)]
    pub phase: EventPhase,
    /// Public sign-ups.
    #[serde(default)]
    pub registrations: Registrations,
    /// When the event was archived (its retention period starts then).
    #[serde(default)]
    pub archived_at: Option<Millis>,
    /// Its personal data was erased at the end of the retention period.
    #[serde(default)]
    pub purged: bool,
    /// Questions to the teams on stage.
    #[serde(default)]
    pub questions: QuestionBoard,
    pub next_member: u32,
    pub next_team: u32,
}

impl EventState {
    /// A new, empty event.
    pub fn new(id: &str, title: &str) -> EventState {
        EventState {
            id: id.to_string(),
            title: title.to_string(),
            members: BTreeMap::new(),
            invites: Vec::new(),
            teams: BTreeMap::new(),
            chat: ChatLog::default(),
            audit: Vec::new(),
            program: Program::default(),
            help: HelpDesk::default(),
            show: RunOfShow::default(),
            jury: Jury::default(),
            votes: Votes::default(),
            awards: Awards::default(),
            leaderboard: Leaderboard::default(),
            ideas: IdeaBoard::default(),
            projects: Projects::default(),
            settings: None,
            phase: EventPhase::default(),
            registrations: Registrations::default(),
            archived_at: None,
            purged: false,
            questions: QuestionBoard::default(),
            next_member: 1,
            next_team: 1,
        }
    }
}

/// Where a chat message is addressed, before it is resolved to a [`Channel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatTarget {
    /// The room the sender stands in.
    Room,
    /// The sender's team.
    Team,
    /// One other person.
    Direct(MemberId),
    /// Everyone (moderator only).
    Announcement,
}

/// One event: durable state, lookup indexes derived from it, and presence.
#[derive(Debug, Clone)]
pub struct Event {
    pub(super) state: EventState,
    pub(super) venue: Arc<Venue>,
    pub(super) limits: Limits,
    pub(super) presence: Presence,
    pub(super) by_session: HashMap<String, MemberId>,
    pub(super) by_invite: HashMap<String, usize>,
    /// Name skeletons in use, so no two people look alike.
    by_skeleton: HashMap<String, MemberId>,
    /// Where people stood before a restart, until they come back (`places`).
    pub(super) last_places: HashMap<MemberId, crate::venue::Tile>,
}

impl Event {
    /// Builds the live event from its durable state (new, or recovered).
    pub fn new(state: EventState, venue: Arc<Venue>, mut limits: Limits) -> Event {
        if let Some(settings) = &state.settings {
            limits.max_team_size = settings.team_size as usize;
        }
        // A banned member's session never resumes, even after a restart.
        let by_session = state
            .members
            .values()
            .filter(|m| !m.banned)
            .map(|m| (m.session_hash.clone(), m.id))
            .collect();
        let by_skeleton = state
            .members
            .values()
            .map(|m| (text::name_skeleton(&m.name), m.id))
            .collect();
        let by_invite = state
            .invites
            .iter()
            .enumerate()
            .map(|(i, inv)| (inv.token_hash.clone(), i))
            .collect();
        let presence = Presence::new(venue.rooms.len());
        Event {
            state,
            venue,
            limits,
            presence,
            by_session,
            by_invite,
            by_skeleton,
            last_places: HashMap::new(),
        }
    }

    pub fn state(&self) -> &EventState {
        &self.state
    }

    /// Where the event is in its lifecycle.
    pub fn phase(&self) -> EventPhase {
        self.state.phase
    }

    pub fn venue(&self) -> &Arc<Venue> {
        &self.venue
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn presence(&self) -> &Presence {
        &self.presence
    }

    pub fn member(&self, id: MemberId) -> Option<&Member> {
        self.state.members.get(&id)
    }

    pub fn team(&self, id: TeamId) -> Option<&Team> {
        self.state.teams.get(&id)
    }

    /// The invite whose token hashes to `token_hash`.
    pub fn invite(&self, token_hash: &str) -> Option<&Invite> {
        self.by_invite
            .get(token_hash)
            .and_then(|i| self.state.invites.get(*i))
    }

    /// The member whose session token hashes to `session_hash`.
    pub fn member_by_session(&self, session_hash: &str) -> Option<MemberId> {
        self.by_session.get(session_hash).copied()
    }

    /// The channels a member reads: announcements, their DMs, their team, and
    /// the room they stand in.
    pub fn channels_of(&self, id: MemberId) -> Vec<Channel> {
        let mut channels = vec![Channel::Announcements];
        if let Some(avatar) = self.presence.get(id) {
            channels.push(Channel::Room(self.venue.room(avatar.room).id.clone()));
        }
        if let Some(team) = self.member(id).and_then(|m| m.team) {
            channels.push(Channel::Team(team));
        }
        channels.extend(self.state.chat.direct_channels_of(id).iter().cloned());
        channels
    }

    /// Resolves where a chat message goes, using who the sender is and where
    /// they stand now, and returns the durable command that posts it;
    /// [`Event::apply`] checks the rest.
    pub fn prepare_chat(
        &self,
        actor: MemberId,
        to: ChatTarget,
        text: Message,
    ) -> Result<Command, DomainError> {
        let member = self
            .member(actor)
            .ok_or(DomainError::UnknownMember(actor.0))?;
        // The role check comes first, so a refusal says "forbidden" rather
        // than naming a missing team or avatar.
        let permission = match to {
            ChatTarget::Room => Permission::ChatRoom,
            ChatTarget::Team => Permission::ChatTeam,
            ChatTarget::Direct(_) => Permission::ChatDirect,
            ChatTarget::Announcement => Permission::Announce,
        };
        check(member.role, permission)?;
        if member.muted {
            return Err(DomainError::Muted);
        }
        let channel = match to {
            ChatTarget::Room => {
                let avatar = self.presence.get(actor).ok_or(DomainError::NoAvatar)?;
                Channel::Room(self.venue.room(avatar.room).id.clone())
            }
            ChatTarget::Team => Channel::Team(member.team.ok_or(DomainError::NoTeam)?),
            ChatTarget::Direct(to) => Channel::direct(actor, to),
            ChatTarget::Announcement => Channel::Announcements,
        };
        Ok(Command::PostChat { channel, text })
    }

    /// Applies a durable command. Deterministic: the same state, command and
    /// `now` always give the same result, live or replayed.
    pub fn apply(
        &mut self,
        actor: Option<MemberId>,
        command: &Command,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        self.check_at(actor, command, now)?;
        Ok(self.commit(actor, command, now))
    }

    /// Every check of [`Event::apply`] at time `now`, with no change: those
    /// of [`Event::check_command`], and the submission deadline.
    pub fn check_at(
        &self,
        actor: Option<MemberId>,
        command: &Command,
        now: Millis,
    ) -> Result<(), DomainError> {
        self.check_command(actor, command)?;
        if let Command::Project(project) = command {
            self.check_project_time(project, now)?;
        }
        if let Command::Question(question) = command {
            let actor = actor.and_then(|id| self.member(id));
            self.check_question(actor, question, Some(now))?;
        }
        Ok(())
    }

    /// Every check of [`Event::apply`], with no change.
    pub fn check_command(
        &self,
        actor: Option<MemberId>,
        command: &Command,
    ) -> Result<(), DomainError> {
        let actor_member = actor
            .map(|id| self.member(id).ok_or(DomainError::UnknownMember(id.0)))
            .transpose()?;
        let role = actor_member.map(|m| m.role);
        let need = |p: Permission| match role {
            Some(role) => check(role, p),
            None => Ok(()),
        };
        self.state.phase.check(command)?;
        match command {
            Command::Configure { settings } => {
                need(Permission::ManageProgram)?;
                match &self.state.settings {
                    Some(current) => current.validate_change(settings)?,
                    None => settings.validate()?,
                }
            }
            Command::Register(registration) => self.check_registration(role, registration)?,
            Command::Privacy(privacy) => self.check_privacy(actor, privacy)?,
            Command::SetEventPhase { phase } => {
                need(Permission::ManageProgram)?;
                if let Some(role) = role
                    && *phase == EventPhase::Archived
                {
                    // Archiving is final: the instance operator's decision.
                    return Err(DomainError::Forbidden {
                        role: role.as_str(),
                        action: "archive an event (the instance operator does)",
                    });
                }
            }
            Command::AddInvite { team, .. } => {
                need(Permission::Announce)?;
                if let Some(team) = team {
                    self.team(*team).ok_or(DomainError::UnknownTeam(team.0))?;
                }
            }
            Command::Join {
                name,
                role,
                team,
                invite,
                ..
            } => {
                if let Some(id) = invite {
                    // Expiry depends on the clock and is checked by the hub;
                    // revocation and use count are state, checked here.
                    let found = self
                        .invite_by_id(*id)
                        .ok_or(DomainError::UnknownInvite(*id))?;
                    if found.revoked || found.max_uses.is_some_and(|max| found.uses >= max) {
                        return Err(DomainError::InvalidInvite);
                    }
                }
                if *role == Role::Participant {
                    self.check_capacity()?;
                }
                if self.by_skeleton.contains_key(&text::name_skeleton(name)) {
                    return Err(DomainError::NameTaken(name.to_string()));
                }
                if let Some(team) = team {
                    self.check_team_has_room(*team, 1)?;
                }
            }
            Command::PostChat { channel, .. } => {
                let Some(member) = actor_member else {
                    return Ok(());
                };
                if member.muted {
                    return Err(DomainError::Muted);
                }
                match channel {
                    Channel::Room(room) => {
                        need(Permission::ChatRoom)?;
                        self.venue
                            .room_by_id(room)
                            .ok_or_else(|| DomainError::UnknownRoom(room.clone()))?;
                    }
                    Channel::Team(team) => {
                        need(Permission::ChatTeam)?;
                        if member.team != Some(*team) {
                            return Err(DomainError::NoTeam);
                        }
                    }
                    Channel::Direct(a, b) => {
                        need(Permission::ChatDirect)?;
                        if a == b {
                            return Err(DomainError::MessageToSelf);
                        }
                        let other = if *a == member.id { *b } else { *a };
                        if (*a != member.id && *b != member.id) || self.member(other).is_none() {
                            return Err(DomainError::UnknownMember(other.0));
                        }
                    }
                    Channel::Announcements => need(Permission::Announce)?,
                }
            }
            Command::CreateTeam { .. }
            | Command::AddTeam { .. }
            | Command::SetTeamChallenge { .. }
            | Command::JoinTeam { .. }
            | Command::LeaveTeam
            | Command::ImportRoster(_) => self.check_team_command(actor_member, command)?,
            Command::Program(program) => {
                need(Permission::ManageProgram)?;
                self.state.program.check(program)?;
            }
            Command::Help(help) => {
                let member = actor_member.ok_or(DomainError::UnknownMember(0))?;
                self.state.help.check(member, help)?;
            }
            Command::Moderation(moderation) => {
                let member = actor_member.ok_or(DomainError::UnknownMember(0))?;
                self.check_moderation(member.id, moderation)?;
            }
            Command::Pitch(_)
            | Command::Jury(_)
            | Command::Vote(_)
            | Command::Award(_)
            | Command::Leaderboard(_) => {
                self.check_judging(actor, command)?;
            }
            Command::Idea(idea) => self.check_idea(actor_member, idea)?,
            Command::Project(project) => self.check_project(actor_member, project)?,
            Command::Question(question) => self.check_question(actor_member, question, None)?,
        }
        Ok(())
    }

    /// The mutation half of [`Event::apply`]; runs only after the checks passed.
    fn commit(&mut self, actor: Option<MemberId>, command: &Command, now: Millis) -> Vec<Effect> {
        match command {
            Command::Configure { settings } => {
                self.state.title = settings.title.trim().to_string();
                self.limits.max_team_size = settings.team_size as usize;
                self.state.settings = Some(settings.clone());
                vec![Effect::EventChanged]
            }
            Command::SetEventPhase { phase } => {
                self.state.phase = *phase;
                if *phase == EventPhase::Archived {
                    self.state.archived_at = Some(now);
                }
                vec![Effect::EventChanged]
            }
            Command::Privacy(privacy) => self.commit_privacy(privacy),
            Command::Register(registration) => self.commit_registration(registration, now),
            Command::AddInvite {
                token_hash,
                role,
                team,
            } => {
                self.add_invite(Invite {
                    id: 0,
                    token_hash: token_hash.clone(),
                    role: *role,
                    team: *team,
                    name: None,
                    label: String::new(),
                    expires_at: None,
                    max_uses: None,
                    uses: 0,
                    revoked: false,
                });
                vec![]
            }
            Command::Join {
                name,
                role,
                team,
                session_hash,
                invite,
            } => {
                if let Some(used) =
                    invite.and_then(|id| self.state.invites.iter_mut().find(|i| i.id == id))
                {
                    used.uses += 1;
                }
                let id = MemberId(self.state.next_member);
                self.state.next_member += 1;
                let name = name.to_string();
                self.state.members.insert(
                    id,
                    Member {
                        id,
                        name,
                        role: *role,
                        team: None,
                        session_hash: session_hash.clone(),
                        muted: false,
                        banned: false,
                    },
                );
                self.by_session.insert(session_hash.clone(), id);
                if let Some(member) = self.state.members.get(&id) {
                    self.by_skeleton
                        .insert(text::name_skeleton(&member.name), id);
                }
                let mut effects = vec![Effect::MemberJoined { member: id }];
                if let Some(team) = team {
                    effects.extend(self.put_in_team(id, *team));
                }
                if let Some(invite) = invite {
                    self.mentor_from_registration(id, *invite);
                }
                effects
            }
            Command::PostChat { channel, text } => {
                let text = text.to_string();
                let from = actor.unwrap_or(MemberId(0));
                let seq = self.state.chat.post(channel.clone(), from, now, text);
                vec![Effect::ChatPosted { seq }]
            }
            Command::CreateTeam { .. }
            | Command::AddTeam { .. }
            | Command::SetTeamChallenge { .. }
            | Command::JoinTeam { .. }
            | Command::LeaveTeam
            | Command::ImportRoster(_) => self.commit_team_command(actor, command, now),
            Command::Program(program) => {
                self.state.program.apply(program, now);
                vec![Effect::ProgramChanged]
            }
            Command::Moderation(moderation) => match actor {
                Some(actor) => self.commit_moderation(actor, moderation, now),
                None => vec![],
            },
            Command::Pitch(_)
            | Command::Jury(_)
            | Command::Vote(_)
            | Command::Award(_)
            | Command::Leaderboard(_) => self.commit_judging(actor, command, now),
            Command::Idea(idea) => self.commit_idea(actor, idea, now),
            Command::Project(project) => self.commit_project(actor, project, now),
            Command::Question(question) => self.commit_question(actor, question, now),
            Command::Help(help) => {
                let Some(member) = actor.and_then(|id| self.state.members.get(&id)).cloned() else {
                    return vec![];
                };
                let changed = self.state.help.apply(&member, help, now);
                match (changed, help) {
                    (Some(request), _) => vec![Effect::HelpChanged { request }],
                    (None, HelpCommand::SetProfile { .. }) => {
                        vec![Effect::MentorChanged { mentor: member.id }]
                    }
                    (None, _) => vec![],
                }
            }
        }
    }

    /// Applies an ephemeral action of a connected member.
    pub fn act(
        &mut self,
        actor: MemberId,
        action: &Action,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        let role = self
            .member(actor)
            .ok_or(DomainError::UnknownMember(actor.0))?
            .role;
        match action {
            Action::Connect => Ok(self.connect(actor, role, now)),
            Action::Disconnect => Ok(self.disconnect(actor, now)),
            Action::Step { dx, dy } => {
                check(role, Permission::Move)?;
                self.step(actor, role, *dx, *dy, now)
            }
            Action::WalkTo { x, y } => {
                check(role, Permission::Move)?;
                self.walk_to(actor, role, *x, *y, now)
            }
            Action::Walk { x, y, dx, dy } => {
                check(role, Permission::Move)?;
                self.walk(actor, role, *x, *y, *dx, *dy, now)
            }
            Action::Teleport { room } => {
                check(role, Permission::Move)?;
                self.teleport(actor, role, room)
            }
            Action::SetStatus { status } => {
                check(role, Permission::SetStatus)?;
                let avatar = self.presence.get_mut(actor).ok_or(DomainError::NoAvatar)?;
                if avatar.status == *status {
                    return Ok(vec![]);
                }
                avatar.status = *status;
                Ok(vec![Effect::StatusChanged {
                    member: actor,
                    status: *status,
                }])
            }
        }
    }

    fn connect(&mut self, member: MemberId, role: Role, now: Millis) -> Vec<Effect> {
        if !role.has_avatar() {
            return vec![];
        }
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.disconnected_at = None;
            return vec![Effect::AvatarResumed { member }];
        }
        let place = self
            .returning_place(member, role)
            .or_else(|| self.spawn_point(member, role));
        match place {
            Some((tile, room)) => {
                self.presence.place(member, tile, room, now);
                vec![Effect::AvatarAppeared { member }]
            }
            None => vec![],
        }
    }

    fn disconnect(&mut self, member: MemberId, now: Millis) -> Vec<Effect> {
        match self.presence.get_mut(member) {
            Some(avatar) => {
                avatar.disconnected_at = Some(now);
                avatar.stop_walking();
                vec![Effect::AvatarDisconnected { member }]
            }
            None => vec![],
        }
    }

    /// Moves time forward: walks paths, removes avatars whose owner did not
    /// come back within the grace period, and reminds mentors of requests
    /// waiting too long.
    pub fn advance(&mut self, now: Millis) -> Vec<Effect> {
        let mut effects = self.advance_walks(now);
        let grace = self.limits.grace_ms;
        let expired: Vec<MemberId> = self
            .presence
            .iter()
            .filter(|a| {
                a.disconnected_at
                    .is_some_and(|at| now.saturating_sub(at) >= grace)
            })
            .map(|a| a.member)
            .collect();
        for member in expired {
            self.presence.remove(member);
            effects.push(Effect::AvatarLeft { member });
        }
        let reminder_after = self.limits.help_reminder_ms;
        for request in self.state.help.take_due_reminders(now, reminder_after) {
            effects.push(Effect::HelpReminder { request });
        }
        effects
    }
}

impl Event {
    /// Frees a name's skeleton held by `member` (their name was erased).
    pub(super) fn forget_skeleton(&mut self, skeleton: &str, member: MemberId) {
        if self.by_skeleton.get(skeleton) == Some(&member) {
            self.by_skeleton.remove(skeleton);
        }
    }

    /// Refuses one more participant when the settings' capacity is reached.
    fn check_capacity(&self) -> Result<(), DomainError> {
        let Some(capacity) = self.state.settings.as_ref().and_then(|s| s.capacity) else {
            return Ok(());
        };
        let participants = self
            .state
            .members
            .values()
            .filter(|m| m.role == Role::Participant)
            .count();
        if participants >= capacity as usize {
            return Err(DomainError::EventFull { capacity });
        }
        Ok(())
    }

    /// The avatars that moved since the last call (for position batches).
    pub fn take_moved(&mut self) -> Vec<MemberId> {
        self.presence.take_moved()
    }
}
