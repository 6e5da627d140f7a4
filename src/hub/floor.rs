//! The hub's side of the floor: raised hands and who holds the floor on the
//! stage ([`crate::domain::floor`]), the moderator's decisions, and the
//! `floor` state pushed to everyone in the venue.
//!
//! Who holds the floor is one of the stage's speakers: the media layer
//! forwards them to the whole amphitheatre (see `media::stage_speakers`).
//! Each change marks the conversations for a new decision, so the floor
//! takes effect at the next conversation update (within 200 ms), when the
//! venue is told too (one `floor` frame per update at most). Ephemeral:
//! nothing here is journaled except the `jurors_in_qa` setting (a
//! `configure` of the event's settings).

use super::actor::Hub;
use super::sessions::Session;
use crate::domain::floor::{Floor, FloorError, jurors_may_speak};
use crate::domain::permissions::{Permission, check};
use crate::domain::{Command, DomainError, MemberId, Role};
use crate::protocol::{ErrorCode, FloorOp, FloorView, HandView, ServerMsg, encoded};
use crate::venue::RoomKind;

/// The floor and what the venue was last told of it.
#[derive(Debug, Default)]
pub(super) struct FloorState {
    pub floor: Floor,
    /// The view last pushed to everyone.
    last: Option<FloorView>,
}

impl From<FloorError> for (ErrorCode, String) {
    fn from(err: FloorError) -> Self {
        (ErrorCode::Refused(err.code()), err.to_string())
    }
}

impl Hub {
    /// A `floor` request from `member`: raise or lower a hand (anyone who
    /// may move), give or take the floor and the Q&A setting (moderator).
    /// The setting comes back as the durable command to journal.
    pub(super) fn floor_request(
        &mut self,
        member: MemberId,
        op: FloorOp,
    ) -> Result<Option<Command>, (ErrorCode, String)> {
        let role = self
            .event()
            .member(member)
            .map_or(Role::Spectator, |m| m.role);
        let needed = match op {
            FloorOp::Raise | FloorOp::Lower => Permission::Move,
            FloorOp::Give { .. } | FloorOp::Take { .. } | FloorOp::JurorsInQa { .. } => {
                Permission::RunShow
            }
        };
        check(role, needed)?;
        let now = self.now();
        let changed = match op {
            FloorOp::Raise => {
                let here = self.in_amphitheatre(member);
                let moderator = role == Role::Moderator;
                self.media.floor.floor.raise(member, here, moderator, now)?
            }
            FloorOp::Lower => self.media.floor.floor.lower(member),
            FloorOp::Give { member: target } => {
                let target = MemberId(target);
                if self.event().member(target).is_none() {
                    return Err(DomainError::UnknownMember(target.0).into());
                }
                let here = self.in_amphitheatre(target);
                self.media.floor.floor.give(target, here)?
            }
            FloorOp::Take { member: target } => {
                self.media.floor.floor.take(MemberId(target))?;
                true
            }
            FloorOp::JurorsInQa { on } => {
                let mut settings = self
                    .event()
                    .state()
                    .settings
                    .clone()
                    .ok_or(FloorError::NoSettings)?;
                settings.jurors_speak_in_qa = on;
                // Pushed at the next tick, once applied.
                return Ok(Some(Command::Configure { settings }));
            }
        };
        // Told to the venue at the next tick: however fast hands go up and
        // down, everyone gets at most one `floor` frame per tick.
        if changed {
            self.media.mark_dirty();
        }
        Ok(None)
    }

    /// Whether `member` is connected and stands in an amphitheatre.
    fn in_amphitheatre(&self, member: MemberId) -> bool {
        self.sessions.is_connected(member)
            && self.event().presence().get(member).is_some_and(|avatar| {
                avatar.disconnected_at.is_none()
                    && self.event().venue().room(avatar.room).kind == RoomKind::Amphitheatre
            })
    }

    /// Whether `member` is heard on the stage because of the floor: they
    /// hold it, or they are a juror during Q&A and the event allows it.
    pub(super) fn floor_speaker(&self, member: MemberId, role: Role) -> bool {
        if self.media.floor.floor.holds(member) {
            return true;
        }
        role == Role::Jury
            && jurors_may_speak(self.jurors_speak_in_qa(), &self.event().state().show)
    }

    /// The event's `jurors_speak_in_qa` setting (on for an event stored
    /// before settings existed).
    fn jurors_speak_in_qa(&self) -> bool {
        self.event()
            .state()
            .settings
            .as_ref()
            .is_none_or(|s| s.jurors_speak_in_qa)
    }

    /// On the tick: hands of people who walked out or disconnected go down
    /// (the floor with them), and the venue hears of any change (Q&A
    /// starting, the setting, newcomers who were not told yet).
    pub(super) fn floor_tick(&mut self) {
        let mut floor = std::mem::take(&mut self.media.floor.floor);
        if floor.keep(|m| self.in_amphitheatre(m)) {
            self.media.mark_dirty();
        }
        self.media.floor.floor = floor;
        self.push_floor();
    }

    fn floor_view(&self) -> FloorView {
        let floor = &self.media.floor.floor;
        FloorView {
            hands: floor
                .hands()
                .iter()
                .map(|h| HandView {
                    member: h.member.0,
                    name: self
                        .event()
                        .member(h.member)
                        .map(|m| m.name.clone())
                        .unwrap_or_default(),
                    raised_at: h.raised_at,
                    speaking: floor.holds(h.member),
                })
                .collect(),
            holders: floor.holders().iter().map(|m| m.0).collect(),
            max_holders: crate::domain::floor::MAX_HOLDERS,
            qa: crate::domain::floor::in_qa(&self.event().state().show),
            jurors_speak_in_qa: self.jurors_speak_in_qa(),
        }
    }

    /// Sends the floor to every member connection when it changed since it
    /// was last pushed (newcomers get it as they join). One frame, encoded
    /// once.
    fn push_floor(&mut self) {
        let view = self.floor_view();
        if self.media.floor.last.as_ref() == Some(&view) {
            return;
        }
        let frame = encoded(&ServerMsg::Floor {
            floor: view.clone(),
        });
        self.deliver(frame, self.sessions.members());
        self.media.floor.last = Some(view);
    }

    /// The floor as it is now, to a connection that just joined.
    pub(super) fn send_floor_on_join(&self, session: &Session) {
        let frame = encoded(&ServerMsg::Floor {
            floor: self.floor_view(),
        });
        self.deliver(frame, std::iter::once(session));
    }
}
