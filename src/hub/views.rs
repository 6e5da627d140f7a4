//! Building wire views of the event: people, chat messages, teams, `welcome`.

use super::actor::Hub;
use crate::domain::{ChatMessage, Event, MemberId, TeamId};
use crate::protocol::{
    ChatView, Encoded, EventView, LimitsView, PROTOCOL_VERSION, PersonView, ProgramView, ServerMsg,
    TeamView, YouView, encoded,
};

/// Where clients fetch an event's venue geometry (`welcome.venue_url`).
/// Event ids are made of URL-safe characters.
pub(super) fn venue_url(event_id: &str) -> String {
    format!("/api/events/{event_id}/venue")
}

/// The venue's geometry as JSON: sizes, rooms and the stage, all that a
/// client needs to place rooms on the map. It never changes while the server
/// runs, so it is served over HTTP rather than repeated in every `welcome`.
pub(super) fn venue_json(event: &Event) -> String {
    // The venue has no maps with non-string keys: encoding cannot fail.
    serde_json::to_string(event.venue().as_ref()).unwrap_or_else(|_| "null".to_string())
}

impl Hub {
    /// A person with an avatar, as others see them.
    pub(super) fn person_view(&self, id: MemberId) -> Option<PersonView> {
        let member = self.event().member(id)?;
        let avatar = self.event().presence().get(id)?;
        Some(PersonView {
            id: id.0,
            name: member.name.clone(),
            role: member.role,
            team: member.team.map(|t| t.0),
            room: self.event().venue().room(avatar.room).id.clone(),
            x: avatar.tile.x,
            y: avatar.tile.y,
            status: avatar.status,
            connected: avatar.disconnected_at.is_none(),
        })
    }

    pub(super) fn chat_view(&self, message: &ChatMessage) -> ChatView {
        ChatView {
            seq: message.seq,
            channel: message.channel.to_string(),
            from: message.from.0,
            from_name: self
                .event()
                .member(message.from)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            at: message.at,
            text: message.text.clone(),
        }
    }

    pub(super) fn team_view(&self, id: TeamId) -> Option<TeamView> {
        let team = self.event().team(id)?;
        Some(TeamView {
            id: id.0,
            name: team.name.clone(),
            members: team.members.iter().map(|m| m.0).collect(),
            challenge: team.challenge,
            table: team.table.clone(),
        })
    }

    pub(super) fn program_view(&self) -> ProgramView<'_> {
        let program = &self.event().state().program;
        ProgramView {
            challenges: program.challenges.values().collect(),
            schedule: &program.schedule,
            phase: program.phase,
            phase_since: program.phase_since,
            self_service_teams: program.self_service_teams,
        }
    }

    pub(super) fn program_frame(&self) -> Encoded {
        encoded(&ServerMsg::Program {
            program: self.program_view(),
        })
    }

    /// The `welcome` for a member: who they are, where the venue and its map
    /// are, who is where, and the recent (or missed, after `last_seq`)
    /// messages of their channels.
    pub(super) fn welcome(
        &self,
        member: MemberId,
        session: Option<String>,
        last_seq: Option<u64>,
    ) -> Encoded {
        let state = self.event().state();
        let you = match self.event().member(member) {
            Some(m) => YouView {
                id: m.id.0,
                name: m.name.clone(),
                role: m.role,
                team: m.team.map(|t| t.0),
            },
            None => {
                let error = crate::domain::DomainError::UnknownMember(member.0);
                return encoded(&ServerMsg::Error {
                    rid: None,
                    code: crate::protocol::ErrorCode::from(&error),
                    message: error.to_string(),
                });
            }
        };
        let mut people: Vec<PersonView> = self
            .event()
            .presence()
            .iter()
            .filter_map(|a| self.person_view(a.member))
            .collect();
        people.sort_by_key(|p| p.id);
        let history = self.event().limits().history_per_channel;
        let mut chat: Vec<ChatView> = self
            .event()
            .channels_of(member)
            .iter()
            .flat_map(|channel| state.chat.recent(channel, last_seq.unwrap_or(0), history))
            .map(|m| self.chat_view(m))
            .collect();
        chat.sort_by_key(|m| m.seq);
        let limits = self.event().limits();
        encoded(&ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            server_time: self.now(),
            you,
            resumed: session.is_none(),
            session,
            event: EventView::of(state),
            venue_url: self.venue_url.clone(),
            map_url: self.map_url.clone(),
            people,
            teams: state
                .teams
                .keys()
                .filter_map(|t| self.team_view(*t))
                .collect(),
            program: self.program_view(),
            chat,
            last_seq: state.chat.last_seq(),
            limits: LimitsView {
                max_chat_chars: limits.max_chat_chars,
                max_name_chars: limits.max_name_chars,
                steps_per_second: limits.steps_per_second,
                tick_hz: self.settings.tick_hz,
                tick_phases: self.settings.tick_phases,
                max_frame_bytes: self.settings.max_frame_bytes,
            },
        })
    }
}
