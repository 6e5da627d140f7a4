//! Chat channels and the event's message log.
//!
//! Every message gets an event-wide sequence number `seq`. A client that comes
//! back tells the last `seq` it saw and receives what it missed in its channels.

use super::ids::{MemberId, Millis, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Where a message is posted. On the wire a channel is a string:
/// `room:<room id>`, `team:<team id>`, `dm:<a>:<b>` (a < b), or `announcements`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Everyone standing in the room when the message is delivered.
    Room(String),
    /// The members of a team.
    Team(TeamId),
    /// Two people; the smaller id first so each pair has one channel.
    Direct(MemberId, MemberId),
    /// Event-wide announcements, posted by the moderator.
    Announcements,
}

impl Channel {
    /// The direct channel between two people, whichever order they are given in.
    pub fn direct(a: MemberId, b: MemberId) -> Channel {
        Channel::Direct(a.min(b), a.max(b))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Room(room) => write!(f, "room:{room}"),
            Channel::Team(team) => write!(f, "team:{team}"),
            Channel::Direct(a, b) => write!(f, "dm:{a}:{b}"),
            Channel::Announcements => f.write_str("announcements"),
        }
    }
}

/// The text is not a channel name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a channel (expected room:ID, team:ID, dm:A:B or announcements)")]
pub struct BadChannel(pub String);

impl FromStr for Channel {
    type Err = BadChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadChannel(s.to_string());
        if s == "announcements" {
            return Ok(Channel::Announcements);
        }
        if let Some(room) = s.strip_prefix("room:") {
            return if room.is_empty() {
                Err(bad())
            } else {
                Ok(Channel::Room(room.to_string()))
            };
        }
        if let Some(team) = s.strip_prefix("team:") {
            return team
                .parse()
                .map(|t| Channel::Team(TeamId(t)))
                .map_err(|_| bad());
        }
        if let Some(pair) = s.strip_prefix("dm:") {
            let (a, b) = pair.split_once(':').ok_or_else(bad)?;
            let a = a.parse().map_err(|_| bad())?;
            let b = b.parse().map_err(|_| bad())?;
            return Ok(Channel::direct(MemberId(a), MemberId(b)));
        }
        Err(bad())
    }
}

impl Serialize for Channel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One posted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub seq: u64,
    pub channel: Channel,
    pub from: MemberId,
    pub at: Millis,
    pub text: String,
    /// Removed by the moderator: the text is gone, the number stays.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// Every message of the event, in order, with an index per channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<ChatMessage>", into = "Vec<ChatMessage>")]
pub struct ChatLog {
    messages: Vec<ChatMessage>,
    by_channel: HashMap<Channel, Vec<usize>>,
}

impl ChatLog {
    /// Appends a message and returns its sequence number (1, 2, 3, …).
    pub fn post(&mut self, channel: Channel, from: MemberId, at: Millis, text: String) -> u64 {
        let seq = self.messages.len() as u64 + 1;
        self.by_channel
            .entry(channel.clone())
            .or_default()
            .push(self.messages.len());
        self.messages.push(ChatMessage {
            deleted: false,
            seq,
            channel,
            from,
            at,
            text,
        });
        seq
    }

    /// The message with this sequence number.
    pub fn get(&self, seq: u64) -> Option<&ChatMessage> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.messages.get(index)
    }

    /// The newest sequence number, 0 when empty.
    pub fn last_seq(&self) -> u64 {
        self.messages.len() as u64
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The last `limit` messages of `channel` with a sequence number above
    /// `after`, oldest first; deleted messages are left out.
    pub fn recent(
        &self,
        channel: &Channel,
        after: u64,
        limit: usize,
    ) -> impl Iterator<Item = &ChatMessage> {
        let indexes = self
            .by_channel
            .get(channel)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let newer = indexes.partition_point(|i| self.messages[*i].seq <= after);
        let start = newer.max(indexes.len().saturating_sub(limit));
        indexes[start..]
            .iter()
            .map(|i| &self.messages[*i])
            .filter(|m| !m.deleted)
    }

    /// Removes a message's text for everyone; false if there is no such message.
    pub fn delete(&mut self, seq: u64) -> bool {
        let Some(index) = seq.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            return false;
        };
        match self.messages.get_mut(index) {
            Some(message) => {
                message.deleted = true;
                message.text.clear();
                true
            }
            None => false,
        }
    }

    /// Every message, in order.
    pub fn all(&self) -> &[ChatMessage] {
        &self.messages
    }
}

impl From<Vec<ChatMessage>> for ChatLog {
    fn from(messages: Vec<ChatMessage>) -> Self {
        let mut by_channel: HashMap<Channel, Vec<usize>> = HashMap::new();
        for (i, m) in messages.iter().enumerate() {
            by_channel.entry(m.channel.clone()).or_default().push(i);
        }
        ChatLog {
            messages,
            by_channel,
        }
    }
}

impl From<ChatLog> for Vec<ChatMessage> {
    fn from(log: ChatLog) -> Self {
        log.messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_as_strings() {
        for text in ["room:amphi", "team:3", "dm:2:9", "announcements"] {
            let channel: Channel = text.parse().unwrap();
            assert_eq!(channel.to_string(), text);
        }
        assert_eq!(
            "dm:9:2".parse::<Channel>().unwrap(),
            Channel::direct(MemberId(2), MemberId(9))
        );
        assert!("room:".parse::<Channel>().is_err());
        assert!("dm:1".parse::<Channel>().is_err());
        assert!("lobby".parse::<Channel>().is_err());
    }

    #[test]
    fn recent_respects_channel_after_and_limit() {
        let mut log = ChatLog::default();
        let amphi = Channel::Room("amphi".into());
        for i in 0..10 {
            let channel = if i % 2 == 0 {
                amphi.clone()
            } else {
                Channel::Announcements
            };
            log.post(channel, MemberId(1), i, format!("m{i}"));
        }
        let texts = |after, limit| {
            log.recent(&amphi, after, limit)
                .map(|m| m.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(0, 50), ["m0", "m2", "m4", "m6", "m8"]);
        assert_eq!(texts(0, 2), ["m6", "m8"]);
        assert_eq!(texts(5, 50), ["m6", "m8"]);
        assert_eq!(texts(9, 50), Vec::<String>::new());
    }

    #[test]
    fn serializes_as_a_plain_list_and_rebuilds_its_index() {
        let mut log = ChatLog::default();
        log.post(Channel::Team(TeamId(1)), MemberId(4), 10, "salut".into());
        let json = serde_json::to_string(&log).unwrap();
        let back: ChatLog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.recent(&Channel::Team(TeamId(1)), 0, 5).count(), 1);
    }
}
