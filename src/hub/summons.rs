//! Summons and going to a team in the hub: the `summon` and `go_to_team`
//! requests, and the `summoned` message telling a summoned person who
//! called them.

use super::actor::Hub;
use super::requests::Intent;
use crate::domain::permissions::{Permission, check};
use crate::domain::{Action, DomainError, MemberId, Millis, Role, SummonTarget, TeamId};
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg, encoded};

/// What a `summon` or `go_to_team` asks: a summon calls everyone, a role
/// or a team, never both.
pub(super) fn summons_intent(msg: ClientMsg) -> Result<Intent, (ErrorCode, String)> {
    match msg {
        ClientMsg::Summon { role, team } => match (role, team) {
            (None, None) => Ok(Intent::Summon(SummonTarget::Everyone)),
            (Some(role), None) => Ok(Intent::Summon(SummonTarget::Role(role))),
            (None, Some(team)) => Ok(Intent::Summon(SummonTarget::Team(TeamId(team)))),
            (Some(_), Some(_)) => Err((
                ErrorCode::InvalidMessage,
                "summon either a role or a team, not both".into(),
            )),
        },
        ClientMsg::GoToTeam { team } => Ok(Intent::GoToTeam(TeamId(team))),
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a summons request: {}", other.kind()),
        )),
    }
}

impl Hub {
    /// Calls `target` to where `member` stands (not journaled).
    pub(super) fn summon(
        &mut self,
        member: MemberId,
        target: SummonTarget,
        now: Millis,
    ) -> Result<(), (ErrorCode, String)> {
        let effects = self.durable.ephemeral(|e| e.summon(member, target, now))?;
        self.route(effects);
        Ok(())
    }

    /// Takes `member` to `team`'s table.
    pub(super) fn go_to_team(
        &mut self,
        member: MemberId,
        team: TeamId,
        now: Millis,
    ) -> Result<(), (ErrorCode, String)> {
        // The role first, as for every other request.
        let role = self
            .event()
            .member(member)
            .map_or(Role::Spectator, |m| m.role);
        check(role, Permission::Move)?;
        match self.event().team(team).map(|t| t.table.clone()) {
            Some(Some(room)) => self.act(member, Action::Teleport { room }, now),
            Some(None) => Err(DomainError::TeamWithoutTable(team.0).into()),
            None => Err(DomainError::UnknownTeam(team.0).into()),
        }
    }

    /// Tells `member` that `by` summoned them.
    pub(super) fn push_summoned(&mut self, member: MemberId, by: MemberId) {
        if let Some(session) = self.sessions.of_member(member) {
            let by_name = self
                .event()
                .member(by)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            let frame = encoded(&ServerMsg::Summoned { by: by.0, by_name });
            self.deliver(frame, std::iter::once(session));
        }
    }
}
