//! Effects → messages → recipients. Each message is encoded once and the
//! same frame is queued for every recipient.

use super::actor::Hub;
use super::link::Delivery;
use super::sessions::Session;
use crate::domain::{Channel, Effect, MemberId};
use crate::metrics::Metrics;
use crate::protocol::{Encoded, ServerMsg, encoded};
use std::sync::atomic::Ordering;

impl Hub {
    pub(super) fn route(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.route_one(effect);
        }
    }

    fn route_one(&mut self, effect: Effect) {
        match effect {
            Effect::MemberJoined { .. } => {}
            Effect::AvatarResumed { member } | Effect::AvatarDisconnected { member } => {
                // Told at the next tick, with every other change since the
                // last one: a storm of drops is one frame per person per tick.
                let connected = matches!(effect, Effect::AvatarResumed { .. });
                self.sessions.note_presence(member, connected);
            }
            Effect::AvatarAppeared { member } => {
                if let Some(person) = self.person_view(member) {
                    let frame = encoded(&ServerMsg::PersonJoined { person });
                    self.deliver(
                        frame,
                        self.sessions.members().filter(|s| s.member != member),
                    );
                }
            }
            Effect::AvatarLeft { member } => {
                self.broadcast(encoded(&ServerMsg::PersonLeft { id: member.0 }));
            }
            Effect::RoomChanged { member, from, to } => {
                let venue = self.event().venue();
                let Some(avatar) = self.event().presence().get(member) else {
                    return;
                };
                let frame = encoded(&ServerMsg::RoomChanged {
                    id: member.0,
                    from: &venue.room(from).id,
                    to: &venue.room(to).id,
                    x: avatar.tile.x,
                    y: avatar.tile.y,
                });
                self.broadcast(frame);
                if let Some(session) = self.sessions.of_member(member) {
                    // Entering a room: its full positions next tick, and its chat.
                    session.link.shared().mark_stale();
                    self.send_history(session, Channel::Room(venue.room(to).id.clone()));
                }
            }
            Effect::StatusChanged { member, status } => {
                self.broadcast(encoded(&ServerMsg::StatusChanged {
                    id: member.0,
                    status,
                }));
            }
            Effect::ChatPosted { seq } => self.route_chat(seq),
            Effect::TeamChanged { .. }
            | Effect::MemberTeamChanged { .. }
            | Effect::TeamRemoved { .. }
            | Effect::ProgramChanged => self.route_teams(effect),
            Effect::HelpChanged { request } => self.push_help(Some(request)),
            Effect::MentorChanged { mentor } => self.mentor_changed(mentor),
            Effect::HelpReminder { request } => self.send_reminder(request),
            Effect::Summoned { member, by } => self.push_summoned(member, by),
            Effect::PitchChanged => self.push_pitch(),
            Effect::StageChanged { team } => self.push_stage(team),
            Effect::JuryChanged => self.push_jury(),
            Effect::VotesChanged { voter } => self.push_votes(voter),
            Effect::AwardsChanged => self.push_awards(),
            Effect::LeaderboardChanged => self.push_leaderboard(),
            Effect::IdeasChanged => self.push_ideas(),
            Effect::QuestionsChanged => self.push_questions(),
            Effect::ProjectChanged { team } => self.push_project(team),
            Effect::SubmissionChanged => self.push_submission(),
            Effect::EventChanged => {
                let event = crate::protocol::EventView::of(self.event().state());
                let frame = encoded(&ServerMsg::EventUpdated { event });
                self.deliver(frame, self.sessions.everyone());
            }
            Effect::AuditChanged
            | Effect::MuteChanged { .. }
            | Effect::Kicked { .. }
            | Effect::Banned { .. }
            | Effect::ChatDeleted { .. }
            | Effect::InvitesChanged => self.route_moderation(&effect),
        }
    }

    /// Sends everyone the connections that dropped or came back since the
    /// last tick, if any.
    pub(super) fn flush_presence_changes(&mut self) {
        let changes = self.sessions.take_presence_changes();
        if changes.is_empty() {
            return;
        }
        let (connected, disconnected): (Vec<_>, Vec<_>) =
            changes.into_iter().partition(|(_, connected)| *connected);
        let ids = |list: Vec<(MemberId, bool)>| list.into_iter().map(|(m, _)| m.0).collect();
        let frame = encoded(&ServerMsg::PersonPresence {
            connected: ids(connected),
            disconnected: ids(disconnected),
        });
        self.broadcast(frame);
    }

    pub(super) fn broadcast(&self, msg: Encoded) {
        self.deliver(msg, self.sessions.members());
    }

    /// Queues one shared frame for each recipient. A recipient whose queue is
    /// full is closed as too slow (counted once).
    pub(super) fn deliver<'a>(&self, msg: Encoded, recipients: impl Iterator<Item = &'a Session>) {
        let mut delivered = 0;
        for session in recipients {
            if self.delivered(session, session.link.send(msg.frame.clone())) {
                delivered += 1;
            }
        }
        self.metrics.messages_out(msg.kind, delivered);
    }

    /// Queues the first frame of a connection not yet registered as a
    /// session (`welcome`, `watching`).
    pub(super) fn send_first(&self, link: &super::link::SessionLink, msg: Encoded) {
        if link.send(msg.frame) == Delivery::Queued {
            self.metrics.messages_out(msg.kind, 1);
        }
    }

    /// Whether a frame was queued; a session whose queue overflowed is
    /// counted (once) as a slow disconnect.
    fn delivered(&self, session: &Session, delivery: Delivery) -> bool {
        delivered(&self.metrics, session, delivery)
    }
}

/// Whether a frame was queued; a session whose queue overflowed is counted
/// (once: the link tells an overflow once) as a slow disconnect. Needs only
/// the metrics, so a loop may hold the sessions mutably while it delivers.
pub(super) fn delivered(metrics: &Metrics, session: &Session, delivery: Delivery) -> bool {
    match delivery {
        Delivery::Queued => true,
        Delivery::Overflowed => {
            metrics.slow_disconnects.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(conn = session.link.conn, member = %session.member, "client too slow, closing");
            false
        }
        Delivery::Gone => false,
    }
}
