//! Teams and the programme in the hub: their requests (`create_team`,
//! `join_team`, `leave_team`, `add_team`, `set_team_challenge`; challenges,
//! schedule, phase, team formation) turned into commands, their texts
//! checked, and the pushes when a team or the programme changes.

use super::actor::Hub;
use super::requests::Intent;
use crate::domain::program::{ChallengeText, ProgramCommand};
use crate::domain::text::Name;
use crate::domain::{Channel, Command, Effect, Limits, TeamId};
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg, encoded};

/// What a team request asks: its command, a new team's name checked
/// against the event's `limits`.
pub(super) fn team_intent(msg: ClientMsg, limits: &Limits) -> Result<Intent, (ErrorCode, String)> {
    use Intent::Durable;
    match msg {
        ClientMsg::CreateTeam { name, challenge } => Ok(Durable(Command::CreateTeam {
            name: team_name(&name, limits)?,
            challenge,
        })),
        ClientMsg::JoinTeam { team } => Ok(Durable(Command::JoinTeam { team: TeamId(team) })),
        ClientMsg::LeaveTeam => Ok(Durable(Command::LeaveTeam)),
        ClientMsg::AddTeam { name, challenge } => Ok(Durable(Command::AddTeam {
            name: team_name(&name, limits)?,
            challenge,
        })),
        ClientMsg::SetTeamChallenge { team, challenge } => Ok(Durable(Command::SetTeamChallenge {
            team: TeamId(team),
            challenge,
        })),
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a team request: {}", other.kind()),
        )),
    }
}

/// What a programme request asks: its command, a challenge's texts checked.
pub(super) fn program_intent(msg: ClientMsg) -> Result<Intent, (ErrorCode, String)> {
    let program = |c| Ok(Intent::Durable(Command::Program(c)));
    match msg {
        ClientMsg::AddChallenge { title, description } => program(ProgramCommand::AddChallenge {
            title: ChallengeText::title(&title)?,
            description: ChallengeText::description(&description)?,
        }),
        ClientMsg::UpdateChallenge {
            id,
            title,
            description,
        } => program(ProgramCommand::UpdateChallenge {
            id,
            title: ChallengeText::title(&title)?,
            description: ChallengeText::description(&description)?,
        }),
        ClientMsg::RemoveChallenge { id } => program(ProgramCommand::RemoveChallenge { id }),
        ClientMsg::SetSchedule { schedule } => program(ProgramCommand::SetSchedule { schedule }),
        ClientMsg::SetPhase { phase } => program(ProgramCommand::SetPhase { phase }),
        ClientMsg::SetTeamFormation { self_service } => {
            program(ProgramCommand::SetTeamFormation { self_service })
        }
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a programme request: {}", other.kind()),
        )),
    }
}

/// A new team's name, as the client typed it, cleaned and checked.
fn team_name(raw: &str, limits: &Limits) -> Result<Name, (ErrorCode, String)> {
    Ok(Name::parse("team name", raw, limits.max_name_chars)?)
}

impl Hub {
    /// A team or the programme changed: everyone is told.
    pub(super) fn route_teams(&mut self, effect: Effect) {
        match effect {
            Effect::TeamChanged { team } => {
                if let Some(team) = self.team_view(team) {
                    self.deliver(
                        encoded(&ServerMsg::TeamUpdated { team }),
                        self.sessions.everyone(),
                    );
                }
            }
            Effect::MemberTeamChanged { member, to, .. } => {
                let frame = encoded(&ServerMsg::MemberTeamChanged {
                    id: member.0,
                    team: to.map(|t| t.0),
                });
                self.broadcast(frame);
                if let (Some(session), Some(team)) = (self.sessions.of_member(member), to) {
                    self.send_history(session, Channel::Team(team));
                    self.send_project_to(session, team);
                }
            }
            Effect::TeamRemoved { team } => {
                self.deliver(
                    encoded(&ServerMsg::TeamRemoved { id: team.0 }),
                    self.sessions.everyone(),
                );
            }
            Effect::ProgramChanged => {
                self.deliver(self.program_frame(), self.sessions.everyone());
                // The scheduled pitches may be the submission deadline.
                self.push_submission();
            }
            _ => {}
        }
    }
}
