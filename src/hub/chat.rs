//! Chat in the hub: a `chat` request resolved to where it goes, posted
//! messages sent to their channel's readers, and a channel's recent history
//! to whoever starts reading it (entering a room, joining a team).

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::text::Message;
use crate::domain::{Channel, ChatTarget, Limits, MemberId};
use crate::protocol::{ChatScope, ErrorCode, ServerMsg, encoded};

/// A `chat` request: whom it is for, and its text checked.
pub(super) fn chat_intent(
    scope: ChatScope,
    to: Option<u32>,
    text: &str,
    limits: &Limits,
) -> Result<Intent, (ErrorCode, String)> {
    let to = match (scope, to) {
        (ChatScope::Room, _) => ChatTarget::Room,
        (ChatScope::Team, _) => ChatTarget::Team,
        (ChatScope::Announcement, _) => ChatTarget::Announcement,
        (ChatScope::Direct, Some(to)) => ChatTarget::Direct(MemberId(to)),
        (ChatScope::Direct, None) => {
            return Err((
                ErrorCode::InvalidMessage,
                "a direct message needs `to`, the recipient's id".into(),
            ));
        }
    };
    let text = Message::parse(text, limits.max_chat_chars)?;
    Ok(Intent::Chat { to, text })
}

impl Hub {
    /// A message was posted: sent to its channel's readers.
    pub(super) fn route_chat(&self, seq: u64) {
        let Some(message) = self.event().state().chat.get(seq) else {
            return;
        };
        let frame = encoded(&ServerMsg::Chat {
            message: self.chat_view(message),
        });
        match &message.channel {
            Channel::Announcements => self.deliver(frame, self.sessions.everyone()),
            Channel::Room(room) => {
                let room = self.event().venue().room_by_id(room);
                let presence = self.event().presence();
                let sender = message.from;
                let recipients = self.sessions.members().filter(|s| {
                    s.member == sender
                        || presence.get(s.member).is_some_and(|a| Some(a.room) == room)
                });
                self.deliver(frame, recipients);
            }
            Channel::Team(team) => {
                let members = self
                    .event()
                    .team(*team)
                    .map(|t| t.members.clone())
                    .unwrap_or_default();
                self.deliver(
                    frame,
                    members.iter().filter_map(|m| self.sessions.of_member(*m)),
                );
            }
            Channel::Direct(a, b) => {
                self.deliver(
                    frame,
                    [*a, *b]
                        .into_iter()
                        .filter_map(|m| self.sessions.of_member(m)),
                );
            }
        }
    }

    /// Sends one member the recent messages of a channel they start reading.
    pub(super) fn send_history(&self, session: &Session, channel: Channel) {
        let limit = self.event().limits().history_per_channel;
        let messages: Vec<_> = self
            .event()
            .state()
            .chat
            .recent(&channel, 0, limit)
            .map(|m| self.chat_view(m))
            .collect();
        let frame = encoded(&ServerMsg::ChatHistory {
            channel: channel.to_string(),
            messages,
        });
        self.deliver(frame, std::iter::once(session));
    }
}
