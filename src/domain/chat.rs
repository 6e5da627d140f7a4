//! Chat channels and the event's message log.
//!
//! Every message gets an event-wide sequence number `seq`. A client that comes
//! back tells the last `seq` it saw and receives what it missed in its channels.

use super::ids::{MemberId, Millis, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

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

/// Messages per chunk of the log.
const CHUNK: usize = 1024;

/// Every message of the event, in order, with an index per channel.
///
/// Messages live in chunks of [`CHUNK`], all full but the last, each behind
/// an `Arc`: cloning the log (the hub does it for every snapshot) copies a
/// pointer per chunk instead of every text — 100,000 messages cost
/// microseconds, not tens of milliseconds of stalled ticks. Appending to a
/// chunk a snapshot still holds copies that one chunk only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<ChatMessage>", into = "Vec<ChatMessage>")]
pub struct ChatLog {
    chunks: Vec<Arc<Vec<ChatMessage>>>,
    len: usize,
    /// Positions (0-based) of each channel's messages, in order.
    by_channel: HashMap<Channel, Vec<usize>>,
    /// The direct channels each person has a message in (derived).
    direct: HashMap<MemberId, Vec<Channel>>,
}

impl ChatLog {
    /// Appends a message and returns its sequence number (1, 2, 3, …).
    pub fn post(&mut self, channel: Channel, from: MemberId, at: Millis, text: String) -> u64 {
        let index = self.len;
        let seq = index as u64 + 1;
        self.index(&channel, index);
        let message = ChatMessage {
            deleted: false,
            seq,
            channel,
            from,
            at,
            text,
        };
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => Arc::make_mut(chunk).push(message),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(message);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
        seq
    }

    /// Records the message at `index` in the per-channel indexes.
    fn index(&mut self, channel: &Channel, index: usize) {
        let positions = self.by_channel.entry(channel.clone()).or_default();
        if positions.is_empty()
            && let Channel::Direct(a, b) = channel
        {
            for member in [a, b] {
                self.direct
                    .entry(*member)
                    .or_default()
                    .push(channel.clone());
            }
        }
        positions.push(index);
    }

    /// The direct channels `member` has messages in.
    pub fn direct_channels_of(&self, member: MemberId) -> &[Channel] {
        self.direct.get(&member).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The message at 0-based position `index`.
    fn at(&self, index: usize) -> Option<&ChatMessage> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The message with this sequence number.
    pub fn get(&self, seq: u64) -> Option<&ChatMessage> {
        self.at(usize::try_from(seq.checked_sub(1)?).ok()?)
    }

    /// The newest sequence number, 0 when empty.
    pub fn last_seq(&self) -> u64 {
        self.len as u64
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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
        // The message at position i has sequence number i + 1.
        let newer = indexes.partition_point(|i| (*i as u64) < after);
        let start = newer.max(indexes.len().saturating_sub(limit));
        indexes[start..]
            .iter()
            .filter_map(|i| self.at(*i))
            .filter(|m| !m.deleted)
    }

    /// Removes a message's text for everyone; false if there is no such message.
    pub fn delete(&mut self, seq: u64) -> bool {
        let Some(index) = seq.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            return false;
        };
        let Some(chunk) = self.chunks.get_mut(index / CHUNK) else {
            return false;
        };
        match Arc::make_mut(chunk).get_mut(index % CHUNK) {
            Some(message) => {
                message.deleted = true;
                message.text.clear();
                true
            }
            None => false,
        }
    }

    /// Every message, in order.
    pub fn iter(&self) -> impl Iterator<Item = &ChatMessage> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }
}

impl From<Vec<ChatMessage>> for ChatLog {
    fn from(messages: Vec<ChatMessage>) -> Self {
        let mut log = ChatLog::default();
        for (i, m) in messages.iter().enumerate() {
            log.index(&m.channel, i);
        }
        log.len = messages.len();
        let mut rest = messages.into_iter().peekable();
        while rest.peek().is_some() {
            let mut chunk = Vec::with_capacity(CHUNK);
            chunk.extend(rest.by_ref().take(CHUNK));
            log.chunks.push(Arc::new(chunk));
        }
        log
    }
}

impl From<ChatLog> for Vec<ChatMessage> {
    fn from(log: ChatLog) -> Self {
        log.iter().cloned().collect()
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
    fn chunks_hold_every_message_and_clones_share_them() {
        let mut log = ChatLog::default();
        for i in 0..(CHUNK * 2 + 5) {
            let channel = if i % 3 == 0 {
                Channel::Announcements
            } else {
                Channel::Team(TeamId(1))
            };
            log.post(channel, MemberId(1), i as u64, format!("m{i}"));
        }
        assert_eq!(log.len(), CHUNK * 2 + 5);
        assert_eq!(
            log.get(CHUNK as u64 + 1).map(|m| m.text.as_str()),
            Some(format!("m{CHUNK}").as_str())
        );
        let snapshot = log.clone();
        assert!(
            Arc::ptr_eq(&snapshot.chunks[0], &log.chunks[0]),
            "a clone shares the chunks"
        );
        // Writing after the clone leaves the clone as it was.
        log.post(Channel::Announcements, MemberId(2), 9, "after".into());
        assert!(log.delete(1));
        assert_eq!(snapshot.len(), CHUNK * 2 + 5);
        assert_eq!(snapshot.get(1).map(|m| m.text.as_str()), Some("m0"));
        assert_eq!(log.get(1).map(|m| m.deleted), Some(true));
        let back: ChatLog = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
        assert_eq!(back, log);
        // Announcements are positions 0, 3, 6, … (seq = position + 1), then "after".
        let announcements: Vec<u64> = back
            .recent(&Channel::Announcements, 2040, 100)
            .map(|m| m.seq)
            .collect();
        assert_eq!(announcements, [2041, 2044, 2047, 2050, 2053, 2054]);
        assert_eq!(
            back.recent(&Channel::Announcements, 0, 2)
                .map(|m| m.seq)
                .collect::<Vec<_>>(),
            [2053, 2054]
        );
    }

    #[test]
    fn direct_channels_are_indexed_per_person() {
        let mut log = ChatLog::default();
        log.post(
            Channel::direct(MemberId(2), MemberId(5)),
            MemberId(2),
            1,
            "a".into(),
        );
        log.post(
            Channel::direct(MemberId(5), MemberId(2)),
            MemberId(5),
            2,
            "b".into(),
        );
        log.post(
            Channel::direct(MemberId(2), MemberId(9)),
            MemberId(9),
            3,
            "c".into(),
        );
        log.post(Channel::Announcements, MemberId(1), 4, "d".into());
        let dm = |a, b| Channel::direct(MemberId(a), MemberId(b));
        assert_eq!(log.direct_channels_of(MemberId(2)), [dm(2, 5), dm(2, 9)]);
        assert_eq!(log.direct_channels_of(MemberId(5)), [dm(2, 5)]);
        assert!(log.direct_channels_of(MemberId(1)).is_empty());
        let rebuilt: ChatLog = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
        assert_eq!(
            rebuilt.direct_channels_of(MemberId(2)),
            log.direct_channels_of(MemberId(2))
        );
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
