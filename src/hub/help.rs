//! The help desk in the hub: the requests (`ask_help`, `claim_help`, …,
//! `set_mentor_profile`) turned into commands, and the desk pushed to
//! whoever needs it whenever it changes: each mentor's queue (their skills
//! first), the moderator's queue and statistics, and each waiting team's
//! place in the queue with its estimated wait.

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::help::{HelpCommand, HelpRequest, HelpState, MAX_HELP_TEXT_CHARS};
use crate::domain::text::Message;
use crate::domain::{Command, MemberId, Role, TeamId};
use crate::protocol::{ClientMsg, ErrorCode, HelpView, ServerMsg, encoded};

/// What a help desk request asks: a help desk command, its description
/// checked.
pub(super) fn help_intent(msg: ClientMsg) -> Result<Intent, (ErrorCode, String)> {
    let help = |c| Ok(Intent::Durable(Command::Help(c)));
    match msg {
        ClientMsg::AskHelp { tags, description } => help(HelpCommand::Ask {
            tags,
            description: Message::parse(&description, MAX_HELP_TEXT_CHARS)?,
        }),
        ClientMsg::ClaimHelp { request } => help(HelpCommand::Claim { request }),
        ClientMsg::UnclaimHelp { request } => help(HelpCommand::Unclaim { request }),
        ClientMsg::ResolveHelp { request } => help(HelpCommand::Resolve { request }),
        ClientMsg::CancelHelp { request } => help(HelpCommand::Cancel { request }),
        ClientMsg::RateHelp {
            request,
            stars,
            comment,
        } => help(HelpCommand::Rate {
            request,
            stars,
            comment: Message::parse_optional("comment", &comment, MAX_HELP_TEXT_CHARS)?,
        }),
        ClientMsg::SetMentorProfile { skills, available } => {
            help(HelpCommand::SetProfile { skills, available })
        }
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a help desk request: {}", other.kind()),
        )),
    }
}

impl Hub {
    /// A mentor's profile changed: they get it back, and every queue is
    /// sent again (their skills order them).
    pub(super) fn mentor_changed(&self, mentor: MemberId) {
        if let Some(session) = self.sessions.of_member(mentor) {
            self.send_mentor_profile(session);
        }
        self.push_help(None);
    }

    /// A mentor's own profile: their skills and whether they are available.
    fn send_mentor_profile(&self, session: &Session) {
        let profile = self
            .event()
            .state()
            .help
            .mentors
            .get(&session.member)
            .cloned()
            .unwrap_or_default();
        let frame = encoded(&ServerMsg::MentorProfile {
            skills: profile.skills,
            available: profile.available,
        });
        self.deliver(frame, std::iter::once(session));
    }

    pub(super) fn help_view(&self, request: &HelpRequest) -> HelpView {
        let team = self.event().team(request.team);
        HelpView {
            id: request.id,
            team: request.team.0,
            team_name: team.map(|t| t.name.clone()).unwrap_or_default(),
            table: team.and_then(|t| t.table.clone()),
            tags: request.tags.clone(),
            description: request.description.clone(),
            asked_at: request.asked_at,
            state: request.state,
            mentor: request.mentor.map(|m| m.0),
            mentor_name: request
                .mentor
                .and_then(|m| self.event().member(m))
                .map(|m| m.name.clone()),
            claimed_at: request.claimed_at,
            resolved_at: request.resolved_at,
            rating: request.rating.as_ref().map(|r| r.stars),
        }
    }

    /// The role of a session's member (`None` for anonymous watchers).
    pub(super) fn role_of(&self, session: &Session) -> Option<Role> {
        self.event().member(session.member).map(|m| m.role)
    }

    /// Re-sends help state after a change to `request` (or to a mentor).
    pub(super) fn push_help(&self, changed: Option<u32>) {
        for session in self.sessions.members() {
            match self.role_of(session) {
                Some(Role::Mentor) => self.send_mentor_queue(session),
                Some(Role::Moderator) => self.send_moderator_help(session),
                _ => {}
            }
        }
        // Every waiting team's position may have moved; the changed
        // request's team hears about it even once it is closed.
        let desk = &self.event().state().help;
        let mut teams: Vec<TeamId> = desk.open_queue().iter().map(|r| r.team).collect();
        if let Some(request) = changed.and_then(|id| desk.requests.get(&id)) {
            teams.push(request.team);
        }
        teams.sort();
        teams.dedup();
        for team in teams {
            self.send_team_help(team, changed);
        }
    }

    /// The help state one session should see right after joining.
    pub(super) fn send_help_on_join(&self, member: MemberId) {
        if let Some(session) = self.sessions.of_member(member) {
            self.send_role_help(session);
        }
    }

    /// The help state a session of its member's role should see.
    pub(super) fn send_role_help(&self, session: &Session) {
        let member = session.member;
        match self.role_of(session) {
            Some(Role::Mentor) => {
                self.send_mentor_profile(session);
                self.send_mentor_queue(session);
            }
            Some(Role::Moderator) => self.send_moderator_help(session),
            _ => {
                if let Some(team) = self.event().member(member).and_then(|m| m.team) {
                    let frame = self.team_help_frame(team, None);
                    self.deliver(frame, std::iter::once(session));
                }
            }
        }
    }

    fn send_mentor_queue(&self, session: &Session) {
        let desk = &self.event().state().help;
        let skills = desk
            .mentors
            .get(&session.member)
            .map(|p| p.skills.clone())
            .unwrap_or_default();
        let mut requests: Vec<HelpView> = desk
            .queue_for(&skills)
            .into_iter()
            .map(|r| self.help_view(r))
            .collect();
        if let Some(mine) = desk.claimed_by(session.member) {
            requests.insert(0, self.help_view(mine));
        }
        self.deliver(
            encoded(&ServerMsg::HelpQueue { requests }),
            std::iter::once(session),
        );
        let stats = desk.stats();
        let mine = stats
            .per_mentor
            .iter()
            .find(|m| m.mentor == session.member.0);
        let frame = encoded(&ServerMsg::MentorStats {
            claimed: mine.map_or(0, |m| m.claimed),
            resolved: mine.map_or(0, |m| m.resolved),
            average_rating: mine.and_then(|m| m.average_rating),
        });
        self.deliver(frame, std::iter::once(session));
    }

    fn send_moderator_help(&self, session: &Session) {
        let desk = &self.event().state().help;
        let mut active: Vec<&HelpRequest> =
            desk.requests.values().filter(|r| r.is_active()).collect();
        active.sort_by_key(|r| (r.state != HelpState::Open, r.asked_at, r.id));
        let requests = active.into_iter().map(|r| self.help_view(r)).collect();
        self.deliver(
            encoded(&ServerMsg::HelpQueue { requests }),
            std::iter::once(session),
        );
        self.deliver(
            encoded(&ServerMsg::HelpStats {
                stats: desk.stats(),
            }),
            std::iter::once(session),
        );
    }

    /// A team's request: its active one, else the `changed` one if it is theirs.
    fn team_help_frame(&self, team: TeamId, changed: Option<u32>) -> crate::protocol::Encoded {
        let desk = &self.event().state().help;
        let request = desk.active_request_of(team).or_else(|| {
            changed
                .and_then(|id| desk.requests.get(&id))
                .filter(|r| r.team == team)
        });
        let position = request.and_then(|r| desk.position(r.id));
        encoded(&ServerMsg::HelpStatus {
            request: request.map(|r| self.help_view(r)),
            position,
            estimated_wait_ms: position.and_then(|p| desk.estimate_wait_ms(p)),
        })
    }

    fn send_team_help(&self, team: TeamId, changed: Option<u32>) {
        let Some(found) = self.event().team(team) else {
            return;
        };
        let frame = self.team_help_frame(team, changed);
        self.deliver(
            frame,
            found
                .members
                .iter()
                .filter_map(|m| self.sessions.of_member(*m)),
        );
    }

    /// Reminds every available mentor of a request waiting too long.
    pub(super) fn send_reminder(&self, request: u32) {
        let desk = &self.event().state().help;
        let Some(found) = desk.requests.get(&request) else {
            return;
        };
        let frame = encoded(&ServerMsg::HelpReminder {
            request: self.help_view(found),
        });
        let available = |s: &&Session| desk.mentors.get(&s.member).is_some_and(|p| p.available);
        self.deliver(frame, self.sessions.members().filter(available));
    }
}
