//! The pitch session in the event: run of show and stage, jury scores,
//! people's choice, awards and the leaderboard, with their role checks.
//!
//! The feature modules ([`super::pitch`], [`super::jury`], [`super::votes`],
//! [`super::awards`], [`super::leaderboard`]) hold the rules; this file binds
//! them to members, teams and roles, and turns their changes into effects.

use super::command::{Command, Effect};
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis, TeamId};
use super::jury::JuryCommand;
use super::leaderboard::{LeaderboardChange, Standings};
use super::permissions::{Permission, check};
use super::pitch::PitchChange;
use super::presence::Avatar;
use super::results::{ChallengeRef, JurorInfo, Results, ResultsInput, TeamInfo};
use super::role::Role;
use super::votes::{VoteChange, VoteCommand};
use crate::venue::Tile;

impl Event {
    /// The teams of the event, in id order (what is ranked and voted for).
    pub fn team_ids(&self) -> Vec<TeamId> {
        self.state.teams.keys().copied().collect()
    }

    /// What rankings are computed from.
    pub fn standings<'a>(&'a self, teams: &'a [TeamId]) -> Standings<'a> {
        Standings {
            jury: &self.state.jury,
            teams,
            votes: &self.state.votes,
            awards: &self.state.awards,
        }
    }

    /// The permission a judging command needs.
    fn judging_permission(command: &Command) -> Option<Permission> {
        Some(match command {
            Command::Jury(JuryCommand::Score { .. } | JuryCommand::ClearScore { .. }) => {
                Permission::Score
            }
            Command::Vote(VoteCommand::Cast { .. } | VoteCommand::Retract { .. }) => {
                Permission::Vote
            }
            Command::Pitch(_)
            | Command::Jury(_)
            | Command::Vote(_)
            | Command::Award(_)
            | Command::Leaderboard(_) => Permission::RunShow,
            _ => return None,
        })
    }

    /// Checks a judging command from `actor`.
    pub(super) fn check_judging(
        &self,
        actor: Option<MemberId>,
        command: &Command,
    ) -> Result<(), DomainError> {
        let member = actor
            .map(|id| self.member(id).ok_or(DomainError::UnknownMember(id.0)))
            .transpose()?;
        if let (Some(member), Some(permission)) = (member, Self::judging_permission(command)) {
            check(member.role, permission)?;
        }
        let exists = |team: TeamId| self.state.teams.contains_key(&team);
        let actor = actor.unwrap_or(MemberId(0));
        match command {
            Command::Pitch(c) => self.state.show.check(c, exists).map_err(DomainError::from),
            Command::Jury(c) => self
                .state
                .jury
                .check(actor, c, exists)
                .map_err(DomainError::from),
            Command::Vote(c) => {
                let team = member.and_then(|m| m.team);
                self.state
                    .votes
                    .check(actor, team, c, exists)
                    .map_err(DomainError::from)
            }
            Command::Award(c) => self
                .state
                .awards
                .check(c, exists)
                .map_err(DomainError::from),
            Command::Leaderboard(c) => {
                let teams = self.team_ids();
                self.state
                    .leaderboard
                    .check(c, &self.standings(&teams))
                    .map_err(DomainError::from)
            }
            _ => Ok(()),
        }
    }

    /// Applies a checked judging command.
    pub(super) fn commit_judging(
        &mut self,
        actor: Option<MemberId>,
        command: &Command,
        now: Millis,
    ) -> Vec<Effect> {
        let actor_id = actor.unwrap_or(MemberId(0));
        let teams = self.team_ids();
        let exists = |team: TeamId| teams.contains(&team);
        let mut effects = Vec::new();
        // Anything that changes a ranking input changes the live public board.
        let mut standings_changed = false;
        match command {
            Command::Pitch(c) => match self.state.show.apply(c, now, exists) {
                Ok(PitchChange::Stage { team }) => {
                    effects.push(Effect::PitchChanged);
                    effects.push(Effect::StageChanged { team });
                    if let Some(team) = team {
                        effects.extend(self.give_stage(team));
                    }
                }
                Ok(_) => effects.push(Effect::PitchChanged),
                Err(_) => {}
            },
            Command::Jury(c) => {
                if let Ok(change) = self.state.jury.apply(actor_id, c, exists) {
                    standings_changed = change != super::jury::JuryChange::Nothing;
                    effects.push(Effect::JuryChanged);
                }
            }
            Command::Vote(c) => {
                let voter_team = actor.and_then(|id| self.member(id)).and_then(|m| m.team);
                match self.state.votes.apply(actor_id, voter_team, c, exists) {
                    Ok(VoteChange::Ballot { voter, .. }) => {
                        standings_changed = true;
                        effects.push(Effect::VotesChanged { voter: Some(voter) });
                    }
                    Ok(VoteChange::Settings) => {
                        standings_changed = true;
                        effects.push(Effect::VotesChanged { voter: None });
                    }
                    _ => {}
                }
            }
            Command::Award(c) => {
                let applied = self.state.awards.apply(c, exists);
                if applied.is_ok() {
                    standings_changed = true;
                    effects.push(Effect::AwardsChanged);
                }
            }
            Command::Leaderboard(c) => {
                let state = &mut self.state;
                let standings = Standings {
                    jury: &state.jury,
                    teams: &teams,
                    votes: &state.votes,
                    awards: &state.awards,
                };
                match state.leaderboard.apply(c, &standings) {
                    Ok(LeaderboardChange::Nothing) | Err(_) => {}
                    Ok(_) => effects.push(Effect::LeaderboardChanged),
                }
            }
            _ => {}
        }
        if standings_changed && !effects.contains(&Effect::LeaderboardChanged) {
            effects.push(Effect::LeaderboardChanged);
        }
        effects
    }

    /// Moves the team on stage onto the stage (those with an avatar), and
    /// sends whoever else stands there back into the amphitheatre.
    fn give_stage(&mut self, team: TeamId) -> Vec<Effect> {
        let Some(stage) = self.venue.stage else {
            return vec![];
        };
        let members = self
            .team(team)
            .map(|t| t.members.clone())
            .unwrap_or_default();
        let stage_tiles: Vec<Tile> = stage
            .tiles()
            .filter(|t| self.venue.is_walkable(*t))
            .collect();
        let mut effects = Vec::new();
        let present: Vec<MemberId> = members
            .into_iter()
            .filter(|m| self.presence.get(*m).is_some())
            .collect();
        for (i, member) in present.iter().enumerate() {
            let Some(tile) = stage_tiles.get(i % stage_tiles.len().max(1)).copied() else {
                break;
            };
            let Some(room) = self.venue.room_at(tile) else {
                continue;
            };
            if let Some(from) = self.presence.relocate(*member, tile, room) {
                effects.push(Effect::RoomChanged {
                    member: *member,
                    from,
                    to: room,
                });
            }
        }
        effects
    }

    /// Whether `member` may stand on `tile`: the stage is for the team whose
    /// turn it is, and for the moderator.
    pub(super) fn may_stand_on_stage(&self, member: MemberId, tile: Tile) -> bool {
        let Some(stage) = self.venue.stage else {
            return true;
        };
        if !stage.contains(tile) {
            return true;
        }
        let Some(found) = self.member(member) else {
            return false;
        };
        found.role == Role::Moderator
            || (found.team.is_some() && found.team == self.state.show.current_team())
    }

    /// Whether an avatar stands on the stage.
    pub fn on_stage(&self, avatar: &Avatar) -> bool {
        self.venue.stage.is_some_and(|s| s.contains(avatar.tile))
    }

    /// The results to export (JSON or CSV), as of `now`.
    pub fn results(&self, now: Millis) -> Results {
        let program = &self.state.program;
        let teams: Vec<TeamInfo> = self
            .state
            .teams
            .values()
            .map(|t| TeamInfo {
                id: t.id,
                name: t.name.clone(),
                challenge: t
                    .challenge
                    .and_then(|c| program.challenges.get(&c))
                    .map(|c| ChallengeRef {
                        id: c.id,
                        title: c.title.clone(),
                    }),
            })
            .collect();
        let jurors: Vec<JurorInfo> = self
            .state
            .jury
            .jurors()
            .map(|id| JurorInfo {
                id,
                name: self.member(id).map(|m| m.name.clone()).unwrap_or_default(),
            })
            .collect();
        let mut results = Results::build(&ResultsInput {
            event_id: &self.state.id,
            title: &self.state.title,
            generated_at: now,
            teams: &teams,
            jurors: &jurors,
            jury: &self.state.jury,
            votes: &self.state.votes,
            awards: &self.state.awards,
            normalize: self.state.leaderboard.normalize,
        });
        results.questions = self.state.questions.questions.values().cloned().collect();
        results
    }
}
