//! Team rules: forming teams, team tables, dissolving emptied teams, and
//! roster imports.
//!
//! Each team gets the first free team-table room of the venue (in map order)
//! when it is created; the table is freed when the team is dissolved.

use super::command::{Command, Effect};
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis, TeamId};
use super::member::{Invite, Member};
use super::permissions::{Permission, check};
use super::role::Role;
use super::roster::RosterImport;
use super::team::Team;
use crate::venue::RoomKind;
use std::collections::HashMap;

impl Event {
    /// Checks team commands and roster imports.
    pub(super) fn check_team_command(
        &self,
        actor: Option<&Member>,
        command: &Command,
    ) -> Result<(), DomainError> {
        let need = |p: Permission| actor.map_or(Ok(()), |m| check(m.role, p));
        // Participants form teams themselves only when the moderator allows it.
        let self_service = |p: Permission| -> Result<(), DomainError> {
            need(p)?;
            if actor.is_some() && !self.state.program.self_service_teams {
                return Err(DomainError::TeamFormationClosed);
            }
            Ok(())
        };
        match command {
            Command::CreateTeam { name, challenge } => {
                self_service(Permission::CreateTeam)?;
                if let Some(team) = actor.and_then(|m| m.team) {
                    return Err(DomainError::AlreadyInTeam(team.0));
                }
                self.check_new_team(name, *challenge)?;
            }
            Command::AddTeam { name, challenge } => {
                need(Permission::ManageProgram)?;
                self.check_new_team(name, *challenge)?;
            }
            Command::SetTeamChallenge { team, challenge } => {
                need(Permission::ManageProgram)?;
                self.team(*team).ok_or(DomainError::UnknownTeam(team.0))?;
                self.check_challenge(*challenge)?;
            }
            Command::JoinTeam { team } => {
                self_service(Permission::JoinTeam)?;
                if let Some(current) = actor.and_then(|m| m.team) {
                    return Err(DomainError::AlreadyInTeam(current.0));
                }
                self.check_team_has_room(*team, 1)?;
            }
            Command::LeaveTeam => {
                self_service(Permission::LeaveTeam)?;
                if actor.and_then(|m| m.team).is_none() {
                    return Err(DomainError::NoTeam);
                }
            }
            Command::ImportRoster(import) => {
                need(Permission::ImportRoster)?;
                self.check_import(import)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn check_new_team(&self, name: &str, challenge: Option<u32>) -> Result<(), DomainError> {
        if self.team_by_name(name).is_some() {
            return Err(DomainError::DuplicateTeamName(name.to_string()));
        }
        self.check_challenge(challenge)
    }

    /// Refuses a challenge id the programme does not list (`None` is fine).
    fn check_challenge(&self, challenge: Option<u32>) -> Result<(), DomainError> {
        match challenge {
            Some(id) if !self.state.program.challenges.contains_key(&id) => {
                Err(DomainError::UnknownChallenge(id))
            }
            _ => Ok(()),
        }
    }

    fn check_import(&self, import: &RosterImport) -> Result<(), DomainError> {
        let mut new_teams: HashMap<String, usize> = HashMap::new();
        for team in &import.teams {
            if self.team_by_name(&team.name).is_none() {
                self.check_new_team(&team.name, team.challenge)?;
                new_teams.insert(team.name.to_lowercase(), 0);
            }
        }
        let mut joining: HashMap<String, usize> = HashMap::new();
        for invite in &import.invites {
            if self.invite(&invite.token_hash).is_some() {
                return Err(DomainError::InvalidRoster(
                    "an invite token is already in use".into(),
                ));
            }
            if let Some(team) = &invite.team {
                let key = team.to_lowercase();
                if self.team_by_name(team).is_none() && !new_teams.contains_key(&key) {
                    return Err(DomainError::InvalidRoster(format!(
                        "team '{team}' is neither listed nor existing"
                    )));
                }
                *joining.entry(key).or_default() += 1;
            }
        }
        for (team, count) in joining {
            let existing = self.team_by_name(&team).map_or(0, |t| t.members.len());
            if existing + count > self.limits.max_team_size {
                return Err(DomainError::InvalidRoster(format!(
                    "team '{team}' would have {} members; the limit is {}",
                    existing + count,
                    self.limits.max_team_size
                )));
            }
        }
        Ok(())
    }

    /// Refuses when `team` is unknown or cannot take `more` members.
    pub(super) fn check_team_has_room(&self, team: TeamId, more: usize) -> Result<(), DomainError> {
        let found = self.team(team).ok_or(DomainError::UnknownTeam(team.0))?;
        if found.members.len() + more > self.limits.max_team_size {
            return Err(DomainError::TeamFull {
                team: team.0,
                max: self.limits.max_team_size,
            });
        }
        Ok(())
    }

    /// The team with this name, ignoring case.
    pub fn team_by_name(&self, name: &str) -> Option<&Team> {
        let folded = name.trim().to_lowercase();
        self.state
            .teams
            .values()
            .find(|t| t.name.to_lowercase() == folded)
    }

    /// Applies a checked team command or import.
    pub(super) fn commit_team_command(
        &mut self,
        actor: Option<MemberId>,
        command: &Command,
        now: Millis,
    ) -> Vec<Effect> {
        match command {
            Command::CreateTeam { name, challenge } => {
                let (id, mut effects) = self.create_team(name, *challenge);
                if let Some(member) = actor {
                    effects.extend(self.put_in_team(member, id));
                }
                effects
            }
            Command::AddTeam { name, challenge } => self.create_team(name, *challenge).1,
            Command::SetTeamChallenge { team, challenge } => match self.state.teams.get_mut(team) {
                Some(found) => {
                    found.challenge = *challenge;
                    vec![Effect::TeamChanged { team: *team }]
                }
                None => vec![],
            },
            Command::JoinTeam { team } => actor
                .map(|m| self.put_in_team(m, *team))
                .unwrap_or_default(),
            Command::LeaveTeam => actor
                .map(|m| self.take_out_of_team(m, now))
                .unwrap_or_default(),
            Command::ImportRoster(import) => self.commit_import(import),
            _ => vec![],
        }
    }

    /// Creates a team named `name`, already cleaned (a [`super::text::Name`], a
    /// roster's parsed name, an idea's checked team name).
    pub(super) fn create_team(
        &mut self,
        name: &str,
        challenge: Option<u32>,
    ) -> (TeamId, Vec<Effect>) {
        let id = TeamId(self.state.next_team);
        self.state.next_team += 1;
        let name = name.to_string();
        let table = self.free_table();
        self.state.teams.insert(
            id,
            Team {
                id,
                name,
                members: Vec::new(),
                challenge,
                table,
            },
        );
        (id, vec![Effect::TeamChanged { team: id }])
    }

    /// The first team-table room, in map order, no team holds.
    fn free_table(&self) -> Option<String> {
        self.venue
            .rooms
            .iter()
            .filter(|room| room.kind == RoomKind::TeamTable)
            .map(|room| room.id.clone())
            .find(|id| {
                !self
                    .state
                    .teams
                    .values()
                    .any(|t| t.table.as_ref() == Some(id))
            })
    }

    fn commit_import(&mut self, import: &RosterImport) -> Vec<Effect> {
        let mut effects = Vec::new();
        for team in &import.teams {
            if self.team_by_name(&team.name).is_none() {
                effects.extend(self.create_team(&team.name, team.challenge).1);
            }
        }
        for invite in &import.invites {
            let team = invite
                .team
                .as_deref()
                .and_then(|name| self.team_by_name(name))
                .map(|t| t.id);
            self.add_invite(Invite {
                id: 0,
                token_hash: invite.token_hash.clone(),
                role: invite.role,
                team,
                name: Some(invite.name.to_string()),
                label: format!("roster: {}", invite.name),
                expires_at: None,
                max_uses: Some(1),
                uses: 0,
                revoked: false,
            });
        }
        effects
    }

    pub(super) fn put_in_team(&mut self, member: MemberId, team: TeamId) -> Vec<Effect> {
        let Some(found) = self.state.teams.get_mut(&team) else {
            return vec![];
        };
        found.members.push(member);
        if let Some(m) = self.state.members.get_mut(&member) {
            m.team = Some(team);
        }
        vec![
            Effect::TeamChanged { team },
            Effect::MemberTeamChanged {
                member,
                from: None,
                to: Some(team),
            },
        ]
    }

    /// Takes a member out of their team; the last one out dissolves it,
    /// freeing its table and cancelling its help request.
    fn take_out_of_team(&mut self, member: MemberId, now: Millis) -> Vec<Effect> {
        let Some(team) = self
            .state
            .members
            .get_mut(&member)
            .and_then(|m| m.team.take())
        else {
            return vec![];
        };
        let mut effects = vec![Effect::MemberTeamChanged {
            member,
            from: Some(team),
            to: None,
        }];
        let emptied = match self.state.teams.get_mut(&team) {
            Some(found) => {
                found.members.retain(|m| *m != member);
                found.members.is_empty()
            }
            None => false,
        };
        if emptied {
            self.state.teams.remove(&team);
            // A dissolved team leaves the run of show, the scores, the ballots
            // and the labels.
            // Every view of those is pushed again: the voters' ballots and
            // the counts, the jurors' sheets, the labels, the stage.
            let state = &mut self.state;
            let voters: Vec<MemberId> = state
                .votes
                .ballots
                .iter()
                .filter(|(_, ballot)| ballot.contains(&team))
                .map(|(voter, _)| *voter)
                .collect();
            let on_stage = state.show.current_team();
            let pitch = state.show.remove_team(team);
            let scores = state.jury.forget_team(team);
            let ballots = state.votes.forget_team(team);
            let labels = state.awards.forget_team(team);
            if state.ideas.forget_team(team) {
                effects.push(Effect::IdeasChanged);
            }
            state.projects.forget_team(team);
            if pitch {
                effects.push(Effect::PitchChanged);
                if on_stage == Some(team) {
                    effects.push(Effect::StageChanged {
                        team: state.show.current_team(),
                    });
                }
            }
            if scores {
                effects.push(Effect::JuryChanged);
            }
            if ballots {
                effects.extend(
                    voters
                        .into_iter()
                        .map(|voter| Effect::VotesChanged { voter: Some(voter) }),
                );
            }
            if labels {
                effects.push(Effect::AwardsChanged);
            }
            if scores || ballots || labels {
                effects.push(Effect::LeaderboardChanged);
            }
            if let Some(request) = self.state.help.cancel_for_team(team, now) {
                effects.push(Effect::HelpChanged { request });
            }
            effects.push(Effect::TeamRemoved { team });
        } else {
            effects.push(Effect::TeamChanged { team });
        }
        effects
    }

    /// Who a summon reaches: everyone with an avatar, one role, or one team.
    pub fn summon(
        &mut self,
        actor: MemberId,
        target: SummonTarget,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        let role = self
            .member(actor)
            .ok_or(DomainError::UnknownMember(actor.0))?
            .role;
        check(role, Permission::Summon)?;
        if let SummonTarget::Team(team) = target {
            self.team(team).ok_or(DomainError::UnknownTeam(team.0))?;
        }
        let amphi = self
            .venue
            .rooms
            .iter()
            .find(|r| r.kind == RoomKind::Amphitheatre)
            .map(|r| r.id.clone())
            .ok_or_else(|| DomainError::UnknownRoom("amphitheatre".into()))?;
        let summoned: Vec<(MemberId, Role)> = self
            .presence
            .iter()
            .filter_map(|a| self.member(a.member))
            .filter(|m| m.id != actor)
            .filter(|m| match target {
                SummonTarget::Everyone => true,
                SummonTarget::Role(role) => m.role == role,
                SummonTarget::Team(team) => m.team == Some(team),
            })
            .map(|m| (m.id, m.role))
            .collect();
        let mut effects = Vec::new();
        for (member, role) in summoned {
            effects.push(Effect::Summoned { member, by: actor });
            // Seated while seats are free. Someone who cannot enter
            // (amphitheatre full) still gets the notice.
            if let Ok(moved) = self.seat(member, role, &amphi) {
                effects.extend(moved);
            }
        }
        let _ = now;
        Ok(effects)
    }
}

/// Who the moderator summons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummonTarget {
    Everyone,
    Role(Role),
    Team(TeamId),
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::command::Action;
    use crate::domain::event::EventState;
    use crate::domain::help::{HelpCommand, HelpState, HelpTag};
    use crate::domain::limits::Limits;
    use crate::domain::program::ProgramCommand;
    use crate::venue::Venue;
    use std::sync::Arc;

    pub(crate) fn event() -> Event {
        let venue = Arc::new(Venue::default_venue().unwrap());
        Event::new(EventState::new("t", "Test"), venue, Limits::default())
    }

    /// A member who joined through an invite (not connected yet).
    pub(crate) fn join(event: &mut Event, name: &str, role: Role) -> MemberId {
        let command = Command::Join {
            name: name.into(),
            role,
            team: None,
            session_hash: format!("session-{name}"),
            invite: None,
        };
        let effects = event.apply(None, &command, 0).unwrap();
        let Some(Effect::MemberJoined { member }) = effects.first().cloned() else {
            panic!("{effects:?}")
        };
        member
    }

    fn create(event: &mut Event, by: MemberId, name: &str) -> TeamId {
        event
            .apply(
                Some(by),
                &Command::CreateTeam {
                    name: name.into(),
                    challenge: None,
                },
                0,
            )
            .unwrap();
        event.member(by).unwrap().team.unwrap()
    }

    #[test]
    fn teams_get_free_tables_in_map_order_and_release_them() {
        let mut e = event();
        let (a, b, c) = (
            join(&mut e, "a", Role::Participant),
            join(&mut e, "b", Role::Participant),
            join(&mut e, "c", Role::Participant),
        );
        let ta = create(&mut e, a, "Alpha");
        let tb = create(&mut e, b, "Beta");
        assert_eq!(e.team(ta).unwrap().table.as_deref(), Some("table-01"));
        assert_eq!(e.team(tb).unwrap().table.as_deref(), Some("table-02"));
        let effects = e.apply(Some(a), &Command::LeaveTeam, 5).unwrap();
        assert!(effects.contains(&Effect::TeamRemoved { team: ta }));
        assert!(e.team(ta).is_none());
        let tc = create(&mut e, c, "Gamma");
        assert_eq!(e.team(tc).unwrap().table.as_deref(), Some("table-01"));
    }

    #[test]
    fn team_size_names_and_formation_mode_are_enforced() {
        let mut e = event();
        let founder = join(&mut e, "f", Role::Participant);
        let team = create(&mut e, founder, "Les Cartographes");
        let dup = join(&mut e, "d", Role::Participant);
        let twin = Command::CreateTeam {
            name: "les cartographes".into(),
            challenge: None,
        };
        assert_eq!(
            e.apply(Some(dup), &twin, 0),
            Err(DomainError::DuplicateTeamName("les cartographes".into()))
        );
        for i in 0..6 {
            let m = join(&mut e, &format!("m{i}"), Role::Participant);
            e.apply(Some(m), &Command::JoinTeam { team }, 0).unwrap();
        }
        assert_eq!(
            e.apply(Some(dup), &Command::JoinTeam { team }, 0),
            Err(DomainError::TeamFull {
                team: team.0,
                max: 7
            })
        );
        let mentor = join(&mut e, "mentor", Role::Mentor);
        assert!(matches!(
            e.apply(Some(mentor), &Command::JoinTeam { team }, 0),
            Err(DomainError::Forbidden { .. })
        ));
        let moderator = join(&mut e, "mod", Role::Moderator);
        e.apply(
            Some(moderator),
            &Command::Program(ProgramCommand::SetTeamFormation {
                self_service: false,
            }),
            0,
        )
        .unwrap();
        assert_eq!(
            e.apply(Some(founder), &Command::LeaveTeam, 0),
            Err(DomainError::TeamFormationClosed)
        );
    }

    #[test]
    fn the_moderator_adds_teams_and_gives_them_challenges() {
        let mut e = event();
        let moderator = join(&mut e, "mod", Role::Moderator);
        let p = join(&mut e, "p", Role::Participant);
        e.apply(
            Some(moderator),
            &Command::Program(ProgramCommand::AddChallenge {
                title: crate::domain::program::ChallengeText::title("Open data").unwrap(),
                description: crate::domain::program::ChallengeText::description("").unwrap(),
            }),
            0,
        )
        .unwrap();
        let challenge = *e.state().program.challenges.keys().next().unwrap();
        let add = Command::AddTeam {
            name: "Open Mairie".into(),
            challenge: None,
        };
        assert!(matches!(
            e.apply(Some(p), &add, 0),
            Err(DomainError::Forbidden { .. })
        ));
        let effects = e.apply(Some(moderator), &add, 0).unwrap();
        let [Effect::TeamChanged { team }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        let team = *team;
        assert!(e.team(team).unwrap().members.is_empty());
        assert_eq!(e.member(moderator).unwrap().team, None);
        assert_eq!(
            e.apply(Some(moderator), &add, 0),
            Err(DomainError::DuplicateTeamName("Open Mairie".into()))
        );
        let give = |challenge| Command::SetTeamChallenge { team, challenge };
        assert!(matches!(
            e.apply(Some(p), &give(Some(challenge)), 0),
            Err(DomainError::Forbidden { .. })
        ));
        assert_eq!(
            e.apply(Some(moderator), &give(Some(99)), 0),
            Err(DomainError::UnknownChallenge(99))
        );
        assert_eq!(
            e.apply(
                Some(moderator),
                &Command::SetTeamChallenge {
                    team: TeamId(42),
                    challenge: None
                },
                0
            ),
            Err(DomainError::UnknownTeam(42))
        );
        assert_eq!(e.team(team).unwrap().challenge, None);
        assert_eq!(
            e.apply(Some(moderator), &give(Some(challenge)), 0),
            Ok(vec![Effect::TeamChanged { team }])
        );
        assert_eq!(e.team(team).unwrap().challenge, Some(challenge));
        e.apply(Some(moderator), &give(None), 0).unwrap();
        assert_eq!(e.team(team).unwrap().challenge, None);
    }

    #[test]
    fn dissolving_a_team_cancels_its_help_request() {
        let mut e = event();
        let a = join(&mut e, "a", Role::Participant);
        create(&mut e, a, "Solo");
        let ask = Command::Help(HelpCommand::Ask {
            tags: vec![HelpTag::Data],
            description: "?".into(),
        });
        e.apply(Some(a), &ask, 1).unwrap();
        let effects = e.apply(Some(a), &Command::LeaveTeam, 2).unwrap();
        assert!(effects.contains(&Effect::HelpChanged { request: 1 }));
        assert_eq!(e.state().help.requests[&1].state, HelpState::Cancelled);
    }

    #[test]
    fn summon_brings_the_chosen_people_to_the_amphitheatre() {
        let mut e = event();
        let moderator = join(&mut e, "mod", Role::Moderator);
        let p = join(&mut e, "p", Role::Participant);
        let jury = join(&mut e, "j", Role::Jury);
        for m in [moderator, p, jury] {
            e.act(m, &Action::Connect, 0).unwrap();
        }
        assert!(matches!(
            e.summon(p, SummonTarget::Everyone, 0),
            Err(DomainError::Forbidden { .. })
        ));
        let effects = e
            .summon(moderator, SummonTarget::Role(Role::Participant), 0)
            .unwrap();
        assert!(effects.contains(&Effect::Summoned {
            member: p,
            by: moderator
        }));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::Summoned { member, .. } if *member == jury))
        );
        let amphi = e.venue().room_by_id("amphi").unwrap();
        assert_eq!(e.presence().get(p).unwrap().room, amphi);
        assert_ne!(e.presence().get(jury).unwrap().room, amphi);
    }

    #[test]
    fn imports_are_all_or_nothing() {
        use crate::domain::roster::{RosterImport, RosterInvite, RosterTeam};
        let mut e = event();
        let moderator = join(&mut e, "mod", Role::Moderator);
        let invite = |name: &str, team: Option<&str>| RosterInvite {
            name: name.into(),
            role: Role::Participant,
            team: team.map(crate::domain::text::Name::from),
            token_hash: format!("h-{name}"),
        };
        let bad = RosterImport {
            teams: vec![RosterTeam {
                name: "A".into(),
                challenge: None,
            }],
            invites: vec![invite("x", Some("A")), invite("y", Some("Nowhere"))],
        };
        assert!(matches!(
            e.apply(Some(moderator), &Command::ImportRoster(bad), 0),
            Err(DomainError::InvalidRoster(_))
        ));
        assert!(e.state().teams.is_empty() && e.state().invites.is_empty());
        let good = RosterImport {
            teams: vec![RosterTeam {
                name: "A".into(),
                challenge: None,
            }],
            invites: vec![invite("x", Some("A"))],
        };
        e.apply(Some(moderator), &Command::ImportRoster(good), 0)
            .unwrap();
        let invite = e.invite("h-x").unwrap();
        assert_eq!(
            (
                invite.name.as_deref(),
                invite.max_uses,
                invite.team.is_some()
            ),
            (Some("x"), Some(1), true)
        );
    }
}
